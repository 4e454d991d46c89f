// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrap_qemu - the "qemu" suite: Debian's own, unmodified
 * qemu-system-aarch64 (7.2, /opt/qemu in the VM) as the VMM, with KVM and
 * -cpu host, running the bare-metal guest of selftests/qemu/guest, and the
 * kvmtrap CLI attaching policies to it by pid as a user would.  QEMU has
 * never heard of kvmtrap: it does not opt in to forwards.
 *
 * Each test starts its own QEMU paused (-S) with its HMP monitor on a pipe
 * and the guest's PL011 in a file, attaches what it shows, then lets the
 * guest run its call table ("cont"; again after "system_reset": the guest
 * powers off at the end and -no-shutdown keeps QEMU, paused).  What the
 * guest printed for each call is compared with the verdict and with what
 * "kvmtrap query" predicted for the same call.  Every test detaches what
 * it attached and checks that nothing of kvmtrap is pinned or linked at
 * the end.
 *
 * Covered: the default routing (no policy); UNDEF at the HVC/SMC (ESR EC 0,
 * ELR at the instruction), also for immediates; DENY then replace; the
 * route_table policy with rules; a FORWARD policy on a VMM that did not
 * opt in (the guest gets NOT_SUPPORTED, QEMU sees no exit and keeps
 * running, status and query say refused); trace of audit's events;
 * detach restoring the default; attach by pid during QEMU's start-up;
 * a Linux guest (this kernel) whose OP-TEE driver probes a Trusted OS that
 * is not there, without a policy and with one that answers its probe.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* strchrnul() */
#endif
#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "kvmtrap_test.h"
#include "kvmtrap_vm.h"
#include "kvmtrap_run.h"

#define QEMU		"/usr/bin/qemu-system-aarch64"
#define GUEST		"/usr/libexec/kvmtrap/guests/kvmtrap-guest.elf"
/* The Linux guest: this kernel, its busybox initramfs, the tree's editor. */
#define LINUX_IMAGE	"/usr/libexec/kvmtrap/guests/Image"
#define LINUX_INITRD	"/usr/libexec/kvmtrap/guests/linux-initramfs.cpio.gz"
#define DTB_OPTEE	"/usr/libexec/kvmtrap/dtb-optee"
#define LINUX_MEM	"256"
#define POLICIES	"/usr/lib/kvmtrap/policies"
#define PIN_ROOT	"/sys/fs/bpf/kvmtrap"
#define QEMU_TIMEOUT_MS	kt_deadline_ms(120000)

#define ARG1		0x1111ull
#define ARG2		0x2222ull
#define ARG3		0x3333ull
#define NOT_SUPPORTED	0xffffffffffffffffull

/* The guest's calls[] (selftests/qemu/guest/guest.c), in its order. */
struct gcall {
	const char *conduit;
	unsigned int imm;
	uint64_t x0;
};

static const struct gcall calls[] = {
	{ "hvc", 0, 0x84000000 },	/* PSCI_VERSION: KVM's own */
	{ "hvc", 0, 0xc6000042 },	/* vendor hypervisor service */
	{ "smc", 0, 0xc2000001 },	/* SiP service */
	{ "hvc", 0, 0xc3000042 },	/* OEM service */
	{ "hvc", 0x1234, 0x42 },
	{ "smc", 0x1, 0x5 },
};
#define NR_CALLS	ARRAY_SIZE(calls)
#define CALL_PSCI	0

/* What the guest printed for one call. */
struct gres {
	bool undef;
	uint64_t ret[4];
	uint64_t esr, elr, insn;	/* undef only */
};

struct qemu {
	pid_t pid;
	int mon;			/* the monitor's stdin */
	char serial[64], log[64];
	const char *dtb;		/* a Linux guest with this tree */
};

/* ---- QEMU ---------------------------------------------------------------- */

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static char *read_file(const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	char chunk[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd >= 0) {
		while ((n = read(fd, chunk, sizeof(chunk))) > 0)
			append(&buf, &len, chunk, n);
		close(fd);
	}
	if (!buf)
		append(&buf, &len, "", 0);
	return buf;
}

/*
 * Start QEMU paused, as a VMM user would with the guest loaded by the
 * generic loader (its PC set to the ELF entry), no firmware, no default
 * devices; the monitor on stdin/stdout, the UART in a file.
 */
/*
 * A failed check exits the test's process: kill its QEMU and remove the
 * pins its VM left, so that the next test starts clean.
 */
static pid_t qemu_running;	/* 0: none started, -1: it quit */

static void qemu_cleanup(void)
{
	char *argv[] = { KVMTRAP_BIN, "prune", NULL };
	pid_t p;

	if (!qemu_running)
		return;
	if (qemu_running > 0) {
		kill(qemu_running, SIGKILL);
		waitpid(qemu_running, NULL, 0);
	}
	qemu_running = 0;
	p = fork();
	if (!p) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		execv(argv[0], argv);
		_exit(127);
	}
	if (p > 0)
		waitpid(p, NULL, 0);
}

static void qemu_start(struct qemu *q)
{
	static int seq;
	int in[2], out;

	snprintf(q->serial, sizeof(q->serial), "/tmp/qemu-%d-%d.serial",
		 getpid(), seq);
	snprintf(q->log, sizeof(q->log), "/tmp/qemu-%d-%d.log", getpid(),
		 seq++);
	unlink(q->serial);
	CHECK(!pipe2(in, O_CLOEXEC), "pipe2: %s", strerror(errno));
	out = open(q->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	CHECK(out >= 0, "open %s: %s", q->log, strerror(errno));
	fflush(NULL);
	q->pid = fork();
	CHECK(q->pid >= 0, "fork: %s", strerror(errno));
	if (!q->pid) {
		char serial[80];

		snprintf(serial, sizeof(serial), "file:%s", q->serial);
		if (dup2(in[0], 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
			_exit(125);
		if (q->dtb)
			execl(QEMU, QEMU, "-nodefaults", "-no-user-config",
			      "-display", "none", "-accel", "kvm",
			      "-M", "virt,gic-version=3", "-cpu", "host",
			      "-m", LINUX_MEM, "-smp", "1",
			      "-kernel", LINUX_IMAGE, "-initrd", LINUX_INITRD,
			      "-dtb", q->dtb,
			      "-append", "console=ttyAMA0 loglevel=4 panic=-1",
			      "-serial", serial, "-monitor", "stdio",
			      "-S", "-no-shutdown", NULL);
		execl(QEMU, QEMU, "-nodefaults", "-no-user-config",
		      "-display", "none", "-accel", "kvm",
		      "-M", "virt,gic-version=3", "-cpu", "host",
		      "-m", "64", "-smp", "1",
		      "-device", "loader,file=" GUEST ",cpu-num=0",
		      "-serial", serial, "-monitor", "stdio",
		      "-S", "-no-shutdown", NULL);
		_exit(127);
	}
	close(in[0]);
	close(out);
	q->mon = in[1];
	if (!qemu_running)
		atexit(qemu_cleanup);
	qemu_running = q->pid;
}

static bool qemu_alive(const struct qemu *q)
{
	siginfo_t si = {};

	return !(!waitid(P_PID, q->pid, &si, WEXITED | WNOHANG | WNOWAIT) &&
		 si.si_pid == q->pid);
}

/* The number of lines of @text that start with @prefix. */
static int count_prefix(const char *text, const char *prefix)
{
	const char *l = text;
	int n = 0;

	while (*l) {
		n += !strncmp(l, prefix, strlen(prefix));
		l = strchrnul(l, '\n');
		if (*l)
			l++;
	}
	return n;
}

/*
 * The monitor's first prompt: the machine is built, its vCPU created, the
 * host CPU probe long over.  From here QEMU holds exactly one VM fd.
 */
static void qemu_wait_ready(struct qemu *q)
{
	uint64_t deadline = now_ms() + QEMU_TIMEOUT_MS;
	char *log;

	for (;;) {
		log = read_file(q->log);
		if (strstr(log, "(qemu)"))
			break;
		CHECK(qemu_alive(q), "QEMU exited during start-up:\n%s", log);
		CHECK(now_ms() < deadline, "no monitor prompt from QEMU:\n%s", log);
		free(log);
		sleep_ms(20);
	}
	free(log);
}

static void qemu_cmd(struct qemu *q, const char *cmd)
{
	CHECK(dprintf(q->mon, "%s\n", cmd) > 0, "monitor command %s: %s", cmd,
	      strerror(errno));
}

/*
 * Let the guest run its table (again, after a reset: the first run starts
 * from -S) and wait for its @nth "DONE" line; a FATAL line or QEMU's exit
 * end the test.
 */
static char *qemu_run_guest(struct qemu *q, int nth)
{
	uint64_t deadline = now_ms() + QEMU_TIMEOUT_MS;
	char *out;

	if (nth > 1)
		qemu_cmd(q, "system_reset");
	qemu_cmd(q, "cont");
	for (;;) {
		out = read_file(q->serial);
		CHECK(!strstr(out, "FATAL"), "the guest failed:\n%s", out);
		if (count_prefix(out, "DONE ") >= nth)
			return out;
		CHECK(qemu_alive(q), "QEMU exited:\n%s\n--- QEMU:\n%s", out,
		      read_file(q->log));
		CHECK(now_ms() < deadline, "run %d of the guest did not end:\n%s",
		      nth, out);
		free(out);
		sleep_ms(20);
	}
}

static void qemu_quit(struct qemu *q)
{
	uint64_t deadline = now_ms() + kt_deadline_ms(30000);
	int status;

	qemu_cmd(q, "quit");
	close(q->mon);
	while (qemu_alive(q) && now_ms() < deadline)
		sleep_ms(20);
	if (qemu_alive(q))
		kill(q->pid, SIGKILL);
	CHECK(waitpid(q->pid, &status, 0) == q->pid, "waitpid: %s",
	      strerror(errno));
	qemu_running = -1;
	CHECK(WIFEXITED(status) && !WEXITSTATUS(status),
	      "QEMU did not quit cleanly (status 0x%x):\n%s", status,
	      read_file(q->log));
	unlink(q->serial);
	unlink(q->log);
}

/* ---- What the guest printed ------------------------------------------------ */

/* The results of run @nth (1-based) of the guest's table in @out. */
static void guest_results(const char *out, int nth, struct gres *res)
{
	const char *l = out;
	int run = 1;
	unsigned int i, seen = 0;

	for (; *l; l = *strchrnul(l, '\n') ? strchrnul(l, '\n') + 1 : "") {
		char conduit[8], kind[8];
		unsigned long long imm, x0, v[4];

		if (!strncmp(l, "DONE ", 5)) {
			if (run++ == nth)
				break;
			continue;
		}
		if (run != nth || strncmp(l, "CALL ", 5))
			continue;
		CHECK(sscanf(l, "CALL %u %7s %llx %llx %7s %llx %llx %llx %llx",
			     &i, conduit, &imm, &x0, kind, &v[0], &v[1], &v[2],
			     &v[3]) >= 8 && i < NR_CALLS,
		      "bad line from the guest: %.*s", (int)(strchrnul(l, '\n') - l), l);
		CHECK(!strcmp(conduit, calls[i].conduit) && imm == calls[i].imm &&
		      x0 == calls[i].x0,
		      "the guest's call %u is %s #0x%llx 0x%llx, the suite's %s #0x%x 0x%llx",
		      i, conduit, imm, x0, calls[i].conduit, calls[i].imm,
		      (unsigned long long)calls[i].x0);
		memset(&res[i], 0, sizeof(res[i]));
		res[i].undef = !strcmp(kind, "UNDEF");
		if (res[i].undef) {
			res[i].esr = v[0];
			res[i].elr = v[1];
			res[i].insn = v[2];
		} else {
			CHECK(!strcmp(kind, "RET"), "bad line from the guest: %s", kind);
			memcpy(res[i].ret, v, sizeof(v));
		}
		seen |= 1u << i;
	}
	CHECK(seen == (1u << NR_CALLS) - 1, "run %d printed calls 0x%x of 0x%x:\n%s",
	      nth, seen, (1u << NR_CALLS) - 1, out);
}

static void expect_ret(const struct gres *g, unsigned int i, uint64_t x0,
		       uint64_t x1, uint64_t x2, uint64_t x3)
{
	CHECK(!g->undef, "call %u: UNDEF (esr 0x%llx), expected x0 0x%llx", i,
	      (unsigned long long)g->esr, (unsigned long long)x0);
	CHECK(g->ret[0] == x0 && g->ret[1] == x1 && g->ret[2] == x2 &&
	      g->ret[3] == x3,
	      "call %u returned 0x%llx 0x%llx 0x%llx 0x%llx, expected 0x%llx 0x%llx 0x%llx 0x%llx",
	      i, (unsigned long long)g->ret[0], (unsigned long long)g->ret[1],
	      (unsigned long long)g->ret[2], (unsigned long long)g->ret[3],
	      (unsigned long long)x0, (unsigned long long)x1,
	      (unsigned long long)x2, (unsigned long long)x3);
}

/* An undefined-instruction exception taken at the HVC/SMC itself. */
static void expect_undef(const struct gres *g, unsigned int i)
{
	CHECK(g->undef, "call %u returned 0x%llx, expected UNDEF", i,
	      (unsigned long long)g->ret[0]);
	CHECK(g->esr >> 26 == 0, "call %u: ESR 0x%llx has EC 0x%llx, not 0", i,
	      (unsigned long long)g->esr, (unsigned long long)(g->esr >> 26));
	CHECK(g->elr == g->insn, "call %u: ELR 0x%llx, the call is at 0x%llx", i,
	      (unsigned long long)g->elr, (unsigned long long)g->insn);
}

/* The NOT_SUPPORTED of DENY (and of a refused forward): x1..x3 cleared. */
static void expect_deny(const struct gres *g, unsigned int i)
{
	expect_ret(g, i, NOT_SUPPORTED, 0, 0, 0);
}

/* ---- The CLI ------------------------------------------------------------ */

/* "kvmtrap query" for call @i of the table, as JSON. */
static struct jv *query(const struct qemu *q, unsigned int i, struct run *r)
{
	run(r, "kvmtrap --json query --vm %d %s #0x%x 0x%llx 0x%llx 0x%llx 0x%llx",
	    q->pid, calls[i].conduit, calls[i].imm,
	    (unsigned long long)calls[i].x0, ARG1, ARG2, ARG3);
	expect_ok(r);
	return run_json(r);
}

/*
 * What the guest got for each call is what KVM_TRAP_QUERY predicted, with
 * the same policies: the verdict, and x0..x3 when the query knows them.
 */
static void expect_as_queried(const struct qemu *q, const struct gres *res)
{
	unsigned int i, k;
	struct run r;

	for (i = 0; i < NR_CALLS; i++) {
		struct jv *js = query(q, i, &r), *ret;

		if (!strcmp(jstr(js, "verdict"), "undef")) {
			expect_undef(&res[i], i);
			continue;
		}
		CHECK(!res[i].undef, "call %u: UNDEF, the query said %s",
		      i, r.out);
		ret = jget(js, "ret");
		/* KVM's own services answer at run time only. */
		if (!strcmp(jstr(js, "stage"), "native") && jis_null(js, "ret"))
			continue;
		CHECK(ret && ret->n == 4, "call %u: no ret[] in %s", i, r.out);
		for (k = 0; k < 4; k++)
			CHECK(res[i].ret[k] == jat_u64(ret, k),
			      "call %u: x%u 0x%llx, the query said %s", i, k,
			      (unsigned long long)res[i].ret[k], r.out);
	}
}

static void expect_stage(const struct qemu *q, unsigned int i,
			 const char *stage, const char *verdict)
{
	struct run r;
	struct jv *js = query(q, i, &r);

	jexpect_str(js, "stage", stage);
	jexpect_str(js, "verdict", verdict);
}

/*
 * QEMU never opts in to forwards: every attach to its VM warns, in one
 * line on stderr, and says nothing else there.
 */
static void expect_forwards_warning(const struct run *r)
{
	CHECK(!strncmp(r->err, "kvmtrap: warning: VM ", 21) &&
	      strstr(r->err, " does not accept forwards: ") &&
	      count_lines(r->err) == 1,
	      "not the one forwards warning on stderr: " RUN_FMT, RUN_ARGS(r));
}

/* attach POLICY [--set ...] by QEMU's pid; returns the link ID. */
static uint32_t __printf(3, 4)
attach(const struct qemu *q, struct run *r, const char *fmt, ...)
{
	char args[512];
	va_list ap;
	struct jv *js;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	run(r, "kvmtrap --json attach " POLICIES "/%s --vm %d", args, q->pid);
	expect_exit(r, 0);
	expect_forwards_warning(r);
	js = json_parse(r->out);
	return ju64(js, "link_id");
}

static void detach_all(const struct qemu *q)
{
	struct run r;

	run(&r, "kvmtrap detach --vm %d --all", q->pid);
	expect_ok(&r);
}

/* Nothing of kvmtrap left: no pin under bpffs, no kvm_trap link. */
static void expect_nothing_pinned(void)
{
	struct dirent *de;
	struct run r;
	DIR *d = opendir(PIN_ROOT);

	if (d) {
		while ((de = readdir(d)))
			CHECK(de->d_name[0] == '.', "%s/%s is left", PIN_ROOT,
			      de->d_name);
		closedir(d);
	}
	run(&r, "bpftool link show");
	expect_ok(&r);
	CHECK(!strstr(r.out, "kvm_trap"), "kvm_trap links are left:\n%s", r.out);
}

/* The trap_bpf_* counters of QEMU's VM from "kvmtrap status". */
static struct jv *status_stats(const struct qemu *q, struct run *r)
{
	struct jv *js;

	run(r, "kvmtrap --json status --vm %d", q->pid);
	expect_ok(r);
	js = run_json(r);
	return jobj(js, "stats");
}

static struct qemu qemu_ready(void)
{
	struct qemu q = {};

	expect_nothing_pinned();
	qemu_start(&q);
	qemu_wait_ready(&q);
	return q;
}

/*
 * A Linux guest (this kernel) whose device tree has an OP-TEE node, so that
 * its OP-TEE driver probes the Trusted OS with HVC calls that KVM does not
 * handle: QEMU's own tree for the same machine (-machine dumpdtb=), with
 * the node added by dtb-optee.  The guest's /init prints the driver's
 * messages as "L2-LOG ..." lines, then "L2-END", and powers off.
 */
static struct qemu qemu_linux_ready(void)
{
	static char dtb[64];
	char plain[64];
	struct qemu q = {};
	struct run r;

	snprintf(plain, sizeof(plain), "/tmp/virt-%d.dtb", getpid());
	snprintf(dtb, sizeof(dtb), "/tmp/virt-optee-%d.dtb", getpid());
	run(&r, QEMU " -nodefaults -no-user-config -display none -accel kvm "
	    "-M virt,gic-version=3,dumpdtb=%s -cpu host -m " LINUX_MEM " -smp 1",
	    plain);
	/* QEMU says on stderr that it dumped the tree. */
	expect_exit(&r, 0);
	run(&r, DTB_OPTEE " %s %s", plain, dtb);
	expect_ok(&r);
	unlink(plain);
	expect_nothing_pinned();
	q.dtb = dtb;
	qemu_start(&q);
	qemu_wait_ready(&q);
	return q;
}

/* Boot the Linux guest (from -S) and wait for its init's last line. */
static char *qemu_run_linux(struct qemu *q)
{
	uint64_t deadline = now_ms() + QEMU_TIMEOUT_MS;
	char *out;

	qemu_cmd(q, "cont");
	for (;;) {
		out = read_file(q->serial);
		if (strstr(out, "L2-END"))
			return out;
		CHECK(qemu_alive(q), "QEMU exited:\n%s\n--- QEMU:\n%s", out,
		      read_file(q->log));
		CHECK(now_ms() < deadline, "the Linux guest did not finish:\n%s",
		      out);
		free(out);
		sleep_ms(50);
	}
}

static void qemu_done(struct qemu *q)
{
	detach_all(q);
	qemu_quit(q);
	expect_nothing_pinned();
}

/* ---- Tests ---------------------------------------------------------------- */

/*
 * No policy: PSCI_VERSION is KVM's (1.1), every other call gets KVM's
 * default, as the query predicts: NOT_SUPPORTED with x1..x3 cleared, but
 * for the SMC with an immediate, where upstream KVM sets x0 only.
 */
static void test_no_policy(void)
{
	struct qemu q = qemu_ready();
	struct gres res[NR_CALLS];
	unsigned int i;

	guest_results(qemu_run_guest(&q, 1), 1, res);
	expect_ret(&res[CALL_PSCI], CALL_PSCI, 0x10001, 0, 0, 0);
	for (i = 1; i < NR_CALLS - 1; i++)
		expect_deny(&res[i], i);
	expect_ret(&res[5], 5, NOT_SUPPORTED, ARG1, ARG2, ARG3);
	expect_as_queried(&q, res);
	expect_stage(&q, CALL_PSCI, "native", "handled");
	expect_stage(&q, 1, "default", "deny");
	qemu_done(&q);
}

/*
 * deny_unknown (UNDEF): each call that is not KVM's own, HVC and SMC, with
 * and without an immediate, raises an undefined-instruction exception at
 * the instruction (EC 0, ELR at the HVC/SMC), which the guest's vector
 * catches; PSCI is untouched.  status counts five undef verdicts.
 */
static void test_undef(void)
{
	struct qemu q = qemu_ready();
	struct gres res[NR_CALLS];
	struct jv *st;
	struct run r;
	unsigned int i;

	attach(&q, &r, "deny_unknown.bpf.o");
	guest_results(qemu_run_guest(&q, 1), 1, res);
	expect_ret(&res[CALL_PSCI], CALL_PSCI, 0x10001, 0, 0, 0);
	for (i = 1; i < NR_CALLS; i++)
		expect_undef(&res[i], i);
	expect_as_queried(&q, res);
	expect_stage(&q, 4, "bpf", "undef");
	st = status_stats(&q, &r);
	jexpect_u64(st, "undef", NR_CALLS - 1);
	jexpect_u64(st, "pass", 0);
	qemu_done(&q);
}

/*
 * deny_unknown --set verdict=deny: NOT_SUPPORTED and x1..x3 cleared for
 * every call that reaches it (the SMC #1 too); then "replace" with the
 * UNDEF default: the next run of the same guest in the same VM takes the
 * exceptions, through the same link.
 */
static void test_deny_then_replace(void)
{
	struct qemu q = qemu_ready();
	struct gres res[NR_CALLS];
	struct run r;
	unsigned int i;
	uint32_t link;
	char want[64];

	link = attach(&q, &r, "deny_unknown.bpf.o --set verdict=deny");
	guest_results(qemu_run_guest(&q, 1), 1, res);
	for (i = 1; i < NR_CALLS; i++)
		expect_deny(&res[i], i);
	expect_as_queried(&q, res);

	run(&r, "kvmtrap replace --vm %d --link %u " POLICIES "/deny_unknown.bpf.o",
	    q.pid, link);
	expect_exit(&r, 0);
	expect_forwards_warning(&r);
	snprintf(want, sizeof(want), "replaced the program of link %u ", link);
	CHECK(has_line_prefix(r.out, want), "replace said:\n%s", r.out);
	guest_results(qemu_run_guest(&q, 2), 2, res);
	for (i = 1; i < NR_CALLS; i++)
		expect_undef(&res[i], i);
	expect_as_queried(&q, res);
	qemu_done(&q);
}

/*
 * route_table with rules added by "kvmtrap rule" while the guest waits:
 * HANDLED with the rule's x0..x3 (an SMCCC call and an HVC #0x1234),
 * UNDEF for the SiP SMC, the rest passed on to KVM's default; "rule list"
 * counts one hit per rule; "handled" lists the rule's HVC as a bpf route.
 */
static void test_route_table_rules(void)
{
	struct qemu q = qemu_ready();
	struct gres res[NR_CALLS];
	struct run r;

	attach(&q, &r, "route_table.bpf.o");
	run(&r, "kvmtrap rule add --vm %d hvc 0xc6000042 handled 0xa1 0xa2 0xa3 0xa4",
	    q.pid);
	expect_ok(&r);
	run(&r, "kvmtrap rule add --vm %d hvc #0x1234 0x42 handled 0xb1", q.pid);
	expect_ok(&r);
	run(&r, "kvmtrap rule add --vm %d smc 0xc2000001 undef", q.pid);
	expect_ok(&r);
	guest_results(qemu_run_guest(&q, 1), 1, res);
	expect_ret(&res[1], 1, 0xa1, 0xa2, 0xa3, 0xa4);
	expect_undef(&res[2], 2);
	expect_deny(&res[3], 3);
	expect_ret(&res[4], 4, 0xb1, 0, 0, 0);
	expect_as_queried(&q, res);
	expect_stage(&q, 3, "default", "deny");

	run(&r, "kvmtrap --json rule list --vm %d", q.pid);
	expect_ok(&r);
	{
		struct jv *rules = jarr(run_json(&r), "rules");
		int k;

		CHECK(rules->n == 3, "%d rules listed:\n%s", rules->n, r.out);
		for (k = 0; k < rules->n; k++)
			jexpect_u64(jat(rules, k), "hits", 1);
	}
	run(&r, "kvmtrap handled --vm %d", q.pid);
	expect_ok(&r);
	CHECK(strstr(r.out, "0xc6000042") && strstr(r.out, " bpf "),
	      "the rule's call is not a bpf route in:\n%s", r.out);
	qemu_done(&q);
}

/*
 * forward_vendor attached to QEMU, which never enabled
 * KVM_TRAP_ENABLE_FORWARD: attach warns, status says forwards are refused,
 * the query says "refused" with deny; the guest gets exactly DENY for the
 * vendor, SiP and OEM calls, QEMU never sees a KVM_EXIT_HYPERCALL it could
 * not handle (it keeps running and runs the table again), and the
 * counters show three forwards, all refused.
 */
static void test_forward_refused(void)
{
	struct qemu q = qemu_ready();
	struct gres res[NR_CALLS];
	struct jv *js, *st;
	struct run r;
	unsigned int i;

	attach(&q, &r, "forward_vendor.bpf.o");
	expect_err_has(&r, "does not accept forwards");

	run(&r, "kvmtrap --json status --vm %d", q.pid);
	expect_ok(&r);
	jexpect_bool(run_json(&r), "accepts_forwards", false);
	js = query(&q, 2, &r);
	jexpect_str(js, "stage", "bpf");
	jexpect_str(js, "prog_verdict", "forward");
	jexpect_bool(js, "refused", true);
	jexpect_str(js, "verdict", "deny");

	for (i = 1; i <= 2; i++) {
		guest_results(qemu_run_guest(&q, i), i, res);
		expect_deny(&res[1], 1);
		expect_deny(&res[2], 2);
		expect_deny(&res[3], 3);
		expect_as_queried(&q, res);
	}
	CHECK(qemu_alive(&q), "QEMU exited after refused forwards");
	st = status_stats(&q, &r);
	jexpect_u64(st, "forward", 6);
	jexpect_u64(st, "forward_refused", 6);
	CHECK(!strstr(read_file(q.log), "KVM"), "QEMU complained:\n%s",
	      read_file(q.log));
	qemu_done(&q);
}

/*
 * audit first, deny_unknown after it: "kvmtrap trace", started before the
 * guest runs, prints the events of both policies' ring buffers in time
 * order: per call offered to the policies (PSCI never is), in the guest's
 * order, audit's "pass" then deny_unknown's "undef", each with the
 * guest's conduit, immediate, x0 and x1..x3.
 */
struct trace_event {
	uint64_t t;
	char line[512];
};

static int by_time(const void *a, const void *b)
{
	const struct trace_event *x = a, *y = b;

	return x->t < y->t ? -1 : x->t > y->t;
}

static void test_trace(void)
{
	static struct trace_event evs[2 * NR_CALLS];
	struct qemu q = qemu_ready();
	struct gres res[NR_CALLS];
	struct proc p;
	struct run r, tr;
	unsigned int i, k, e;
	const char *l;

	attach(&q, &r, "audit.bpf.o");
	attach(&q, &r, "deny_unknown.bpf.o");
	spawn(&p, &tr, 0, "kvmtrap --json trace --vm %d --count %zu --timeout 100",
	      q.pid, 2 * (NR_CALLS - 1));
	/* Time for trace to find the ring buffers before the first call. */
	sleep_ms(1000);
	guest_results(qemu_run_guest(&q, 1), 1, res);
	finish(&p, QEMU_TIMEOUT_MS);
	expect_ok(&tr);
	CHECK(count_lines(tr.out) == 2 * (NR_CALLS - 1), "trace printed:\n%s",
	      tr.out);
	/*
	 * In the order the policies decided: trace sorts what it read at
	 * once by time, but the two ring buffers may come in two reads.
	 */
	for (i = 0, l = tr.out; i < 2 * (NR_CALLS - 1); i++, l = strchr(l, '\n') + 1) {
		snprintf(evs[i].line, sizeof(evs[i].line), "%.*s",
			 (int)(strchr(l, '\n') - l), l);
		evs[i].t = ju64(json_parse(evs[i].line), "time_ns");
	}
	qsort(evs, 2 * (NR_CALLS - 1), sizeof(evs[0]), by_time);
	for (i = 1, e = 0; i < NR_CALLS; i++) {
		expect_undef(&res[i], i);
		for (k = 0; k < 2; k++, e++) {
			struct jv *ev;

			ev = json_parse(evs[e].line);
			jexpect_str(ev, "conduit", calls[i].conduit);
			jexpect_u64(ev, "imm", calls[i].imm);
			jexpect_u64(ev, "func_id", calls[i].x0);
			jexpect_u64s(ev, "args",
				     (uint64_t[]){ ARG1, ARG2, ARG3 }, 3);
			jexpect_str(ev, "verdict", k ? "undef" : "pass");
		}
	}
	qemu_done(&q);
}

/* detach --all: the next run of the guest gets KVM's default again. */
static void test_detach_restores_default(void)
{
	struct qemu q = qemu_ready();
	struct gres res[NR_CALLS];
	struct run r;
	unsigned int i;

	attach(&q, &r, "deny_unknown.bpf.o");
	guest_results(qemu_run_guest(&q, 1), 1, res);
	expect_undef(&res[1], 1);
	detach_all(&q);
	expect_nothing_pinned();
	guest_results(qemu_run_guest(&q, 2), 2, res);
	for (i = 1; i < NR_CALLS - 1; i++)
		expect_deny(&res[i], i);
	expect_as_queried(&q, res);
	qemu_quit(&q);
	expect_nothing_pinned();
}

/* The VM fds of @pid now; their numbers in @fds. */
static int vm_fds(pid_t pid, int *fds, int max)
{
	char dir[64], path[384], target[64];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
	d = opendir(dir);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		ssize_t len;

		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		len = readlink(path, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = 0;
		if (!strcmp(target, "anon_inode:kvm-vm") && n < max)
			fds[n++] = atoi(de->d_name);
	}
	closedir(d);
	return n;
}

/*
 * Watch @pid's VM fds as fast as /proc allows until killed, in a child:
 * each change of the set, with its time, into @w (shared memory).
 */
#define WATCH_MAX	16

struct watch {
	int n;
	struct {
		uint64_t us;
		int nr, fds[3];
	} ev[WATCH_MAX];
};

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000ull + ts.tv_nsec / 1000;
}

static pid_t watch_vm_fds(pid_t pid, struct watch *w)
{
	int fds[3] = {}, last[3] = { -1 }, nr, lastnr = -1;
	uint64_t t0 = now_us();
	pid_t child;

	fflush(NULL);
	child = fork();
	CHECK(child >= 0, "fork: %s", strerror(errno));
	if (child)
		return child;
	while (w->n < WATCH_MAX) {
		memset(fds, 0, sizeof(fds));
		nr = vm_fds(pid, fds, 3);
		if (nr == lastnr && !memcmp(fds, last, sizeof(fds)))
			continue;
		w->ev[w->n].us = now_us() - t0;
		w->ev[w->n].nr = nr;
		memcpy(w->ev[w->n].fds, fds, sizeof(fds));
		w->n++;
		lastnr = nr;
		memcpy(last, fds, sizeof(fds));
	}
	pause();
	_exit(0);
}

/*
 * "kvmtrap attach --vm PID" from the moment QEMU starts: QEMU creates its
 * VM, then (-cpu host) a scratch VM with a vCPU to probe the host CPU,
 * which it closes again.  Each attempt either finds no VM yet (exit 1,
 * "no KVM VM fd") or attaches; none fails on the two VM fds, and the VM
 * attached to is the one QEMU keeps and runs the guest in.  A watcher
 * reports whether and how long QEMU held two VM fds in this run.
 */
static void test_attach_during_startup(void)
{
	struct watch *w = mmap(NULL, sizeof(*w), PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char name[32], *got = NULL;
	struct gres res[NR_CALLS];
	int fds[4], n, i, tries = 0;
	uint64_t deadline;
	pid_t watcher;
	struct qemu q;
	struct run r;

	CHECK(w != MAP_FAILED, "mmap: %s", strerror(errno));
	expect_nothing_pinned();
	qemu_start(&q);
	watcher = watch_vm_fds(q.pid, w);
	deadline = now_ms() + QEMU_TIMEOUT_MS;
	for (;;) {
		run(&r, "kvmtrap --json attach " POLICIES "/deny_unknown.bpf.o --vm %d",
		    q.pid);
		tries++;
		if (!r.status) {
			expect_forwards_warning(&r);
			got = strdup(jstr(json_parse(r.out), "vm"));
			break;
		}
		CHECK(r.status == 1 && strstr(r.err, "the process has no KVM VM fd"),
		      "attach during QEMU's start-up: " RUN_FMT, RUN_ARGS(&r));
		CHECK(qemu_alive(&q), "QEMU exited:\n%s", read_file(q.log));
		CHECK(now_ms() < deadline, "QEMU's VM never appeared");
	}
	qemu_wait_ready(&q);
	kill(watcher, SIGKILL);
	waitpid(watcher, NULL, 0);
	ksft_print_msg("attached at try %d; QEMU's VM fds from its start:\n", tries);
	for (i = 0; i < w->n; i++)
		ksft_print_msg("  %6llu us: %d VM fds %d %d %d\n",
			       (unsigned long long)w->ev[i].us, w->ev[i].nr,
			       w->ev[i].fds[0], w->ev[i].fds[1], w->ev[i].fds[2]);
	n = vm_fds(q.pid, fds, 4);
	CHECK(n == 1, "QEMU holds %d VM fds after start-up", n);
	snprintf(name, sizeof(name), "%d-%d", q.pid, fds[0]);
	CHECK(!strcmp(got, name), "attached to VM %s, QEMU's VM is %s", got, name);
	guest_results(qemu_run_guest(&q, 1), 1, res);
	expect_undef(&res[1], 1);
	qemu_done(&q);
}

/* OP-TEE's calls, as drivers/tee/optee of this kernel makes them (SMC32). */
#define OPTEE_CALLS_UID		0xbf00ff01u
#define OPTEE_CALLS_REVISION	0xbf00ff03u
#define OPTEE_GET_OS_REVISION	0xb2000001u

/*
 * A Linux guest's OP-TEE driver, no policy: KVM does not know the Trusted
 * OS's UID call and answers NOT_SUPPORTED (query agrees), which the driver
 * reports as an API UID mismatch.
 */
static void test_linux_optee_default(void)
{
	struct qemu q = qemu_linux_ready();
	struct run r;
	struct jv *o;
	char *out;

	run(&r, "kvmtrap --json query --vm %d hvc %#x", q.pid, OPTEE_CALLS_UID);
	expect_ok(&r);
	o = run_json(&r);
	jexpect_str(o, "stage", "default");
	jexpect_str(o, "verdict", "deny");
	out = qemu_run_linux(&q);
	CHECK(strstr(out, "L2-LOG optee: api uid mismatch"),
	      "the guest's OP-TEE driver did not report the UID mismatch:\n%s",
	      out);
	free(out);
	qemu_done(&q);
}

/*
 * A policy answers the guest's OP-TEE probe: route_table rules give the
 * Trusted OS's UID, its revision 3.22 and API revision 2.0.  The guest's
 * driver, a driver nobody here wrote, then reports "revision 3.22" and
 * stops at the next call nobody answers (capabilities).  kvmtrap trace
 * shows the driver's calls as audit saw them, and every rule counted its
 * call.
 */
static void test_linux_optee_answered(void)
{
	static const uint32_t rules[] = { OPTEE_CALLS_UID, OPTEE_GET_OS_REVISION,
					  OPTEE_CALLS_REVISION };
	struct qemu q = qemu_linux_ready();
	bool seen_uid = false;
	struct proc p;
	struct run r, tr;
	struct jv *a;
	char line[512];
	char *out;
	int i, k;

	attach(&q, &r, "audit.bpf.o");
	attach(&q, &r, "route_table.bpf.o");
	run(&r, "kvmtrap rule add --vm %d hvc %#x handled 0x384fb3e0 0xe7f811e3 0xaf630002 0xa5d5c51b",
	    q.pid, OPTEE_CALLS_UID);
	expect_ok(&r);
	run(&r, "kvmtrap rule add --vm %d hvc %#x handled 3 22", q.pid,
	    OPTEE_GET_OS_REVISION);
	expect_ok(&r);
	run(&r, "kvmtrap rule add --vm %d hvc %#x handled 2 0", q.pid,
	    OPTEE_CALLS_REVISION);
	expect_ok(&r);
	/*
	 * The whole boot's events, not a count: the two policies' ring
	 * buffers are read in turn, so the first N events printed may all be
	 * audit's.  Stopped with SIGINT once the guest is done and the trace
	 * has had time to read the last ones.
	 */
	spawn(&p, &tr, 0, "kvmtrap --json trace --vm %d --timeout 100", q.pid);
	/* Time for trace to find the ring buffers before the guest boots. */
	sleep_ms(1000);
	out = qemu_run_linux(&q);
	sleep_ms(1000);
	kill(p.pid, SIGINT);
	finish(&p, QEMU_TIMEOUT_MS);
	expect_ok(&tr);
	CHECK(!strstr(out, "api uid mismatch") &&
	      strstr(out, "L2-LOG optee: revision 3.22") &&
	      strstr(out, "L2-LOG optee: capabilities mismatch"),
	      "the guest's OP-TEE driver did not report what the policy answered:\n%s",
	      out);
	/* route_table's answer to the UID call among audit's events. */
	for (k = 0; line_at(tr.out, k, line, sizeof(line)); k++) {
		struct jv *ev = json_parse(line);

		if (ju64(ev, "func_id") == OPTEE_CALLS_UID &&
		    !strcmp(jstr(ev, "verdict"), "handled"))
			seen_uid = true;
		jexpect_str(ev, "conduit", "hvc");
	}
	CHECK(seen_uid, "no handled UID call in the trace:\n%s", tr.out);

	run(&r, "kvmtrap --json rule list --vm %d", q.pid);
	expect_ok(&r);
	a = jarr(run_json(&r), "rules");
	CHECK(a->n == 3, "%d rules:\n%s", a->n, r.out);
	for (i = 0; i < a->n; i++) {
		for (k = 0; k < 3; k++)
			if (ju64(jat(a, i), "first") == rules[k])
				jexpect_u64(jat(a, i), "hits", 1);
	}
	free(out);
	qemu_done(&q);
}

int main(int argc, char *argv[])
{
	static const struct kvmtrap_test tests[] = {
		KVMTRAP_TEST(test_no_policy),
		KVMTRAP_TEST(test_undef),
		KVMTRAP_TEST(test_deny_then_replace),
		KVMTRAP_TEST(test_route_table_rules),
		KVMTRAP_TEST(test_forward_refused),
		KVMTRAP_TEST(test_trace),
		KVMTRAP_TEST(test_detach_restores_default),
		KVMTRAP_TEST(test_attach_during_startup),
		KVMTRAP_TEST(test_linux_optee_default),
		KVMTRAP_TEST(test_linux_optee_answered),
	};

	if (access(QEMU, X_OK) || access(GUEST, R_OK)) {
		ksft_print_header();
		ksft_exit_skip("no %s or %s in this VM\n", QEMU, GUEST);
	}
	return kvmtrap_run_tests(tests, ARRAY_SIZE(tests));
}
