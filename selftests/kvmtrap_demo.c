// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrap_demo - what "make demo" shows, checked: the example VMM
 * (/usr/sbin/kvmtrap-vmm) with the bundled call script and policy set
 * (/usr/share/kvmtrap/demo.calls, demo.policies), and the demo script
 * itself (/usr/libexec/kvmtrap/demo).
 *
 * The VMM's --tsv output gives, per call, the route KVM_TRAP_QUERY
 * predicted, the route the call took (from the forward exit, the guest's
 * exception record and KVM's per-verdict counters), the policy that
 * decided and x0..x3 as the guest saw them.  The expected route and result
 * of each bundled call are written out below, from the policies' and the
 * filter's documented behaviour, not taken from the VMM: a change of the
 * script, of a policy or of the kernel's routing shows up here.
 *
 * One behaviour per test_*(); every VMM is a child process, run the way a
 * user runs it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

#include "kvmtrap_test.h"
#include "libkvmtrap.h"

#define VMM		"/usr/sbin/kvmtrap-vmm"
#define DEMO		"/usr/libexec/kvmtrap/demo"
#define CALLS		"/usr/share/kvmtrap/demo.calls"
#define POLICIES	"/usr/share/kvmtrap/demo.policies"
#define PIN_ROOT	"/sys/fs/bpf/kvmtrap"
#define TIMEOUT_S	(kt_deadline_ms(180000) / 1000)

#define NS		UINT64_MAX	/* SMCCC_RET_NOT_SUPPORTED */
#define EXIT_MISMATCH	3		/* kvmtrap-vmm: not as predicted */

/* A failed check ends the test's child process as a failure. */
#define CHECK(cond, fmt, ...) do {					\
	if (!(cond)) {							\
		ksft_print_msg("%s:%d: " fmt "\n", __FILE__, __LINE__,	\
			       ##__VA_ARGS__);				\
		exit(KSFT_FAIL);					\
	}								\
} while (0)

/* ---- Running a program ---------------------------------------------------- */

struct run {
	pid_t pid;
	int out, err;		/* memfds: stdout, stderr */
	int status;		/* exit status; 128 + signal */
	char *stdout_text, *stderr_text;
};

static char *slurp(int fd)
{
	off_t len = lseek(fd, 0, SEEK_END);
	char *buf;

	CHECK(len >= 0, "lseek: %s", strerror(errno));
	buf = calloc(1, len + 1);
	CHECK(buf, "out of memory");
	CHECK(pread(fd, buf, len, 0) == len, "pread: %s", strerror(errno));
	return buf;
}

static void start(struct run *r, char *const argv[])
{
	memset(r, 0, sizeof(*r));
	r->out = memfd_create("stdout", 0);
	r->err = memfd_create("stderr", 0);
	CHECK(r->out >= 0 && r->err >= 0, "memfd_create: %s", strerror(errno));
	fflush(NULL);
	r->pid = fork();
	CHECK(r->pid >= 0, "fork: %s", strerror(errno));
	if (!r->pid) {
		int null = open("/dev/null", O_RDONLY);

		if (null < 0 || dup2(null, 0) < 0 || dup2(r->out, 1) < 0 ||
		    dup2(r->err, 2) < 0)
			_exit(125);
		execv(argv[0], argv);
		dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
}

/* Wait for @r (killed after TIMEOUT_S), then read what it wrote. */
static void finish(struct run *r)
{
	time_t deadline = time(NULL) + TIMEOUT_S;
	int status;
	pid_t p;

	while (!(p = waitpid(r->pid, &status, WNOHANG))) {
		if (time(NULL) > deadline) {
			kill(r->pid, SIGKILL);
			CHECK(waitpid(r->pid, &status, 0) == r->pid, "waitpid");
			break;
		}
		usleep(20000);
	}
	CHECK(p >= 0, "waitpid: %s", strerror(errno));
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) :
					128 + WTERMSIG(status);
	r->stdout_text = slurp(r->out);
	r->stderr_text = slurp(r->err);
	if (getenv("KVMTRAP_DEMO_VERBOSE"))
		ksft_print_msg("%s -> %d\n--- stdout:\n%s--- stderr:\n%s---\n",
			       "run", r->status, r->stdout_text, r->stderr_text);
}

static void run(struct run *r, char *const argv[])
{
	start(r, argv);
	finish(r);
}

#define OUT_FMT		"exit %d\n--- stdout:\n%s--- stderr:\n%s---"
#define OUT_ARGS(r)	(r)->status, (r)->stdout_text, (r)->stderr_text

/* ---- The VMM's --tsv output ------------------------------------------------ */

enum {
	COL_N, COL_CONDUIT, COL_IMM, COL_FUNC, COL_NAME, COL_ARGS, COL_QUERY, COL_ROUTE, COL_BY,
	COL_FWD, COL_X0, COL_X1, COL_X2, COL_X3, COL_UNDEF, COL_OK, NR_FIELDS
};

struct row {
	char *f[NR_FIELDS];
};

#define MAX_ROWS	64

/* Split @text (modified) into rows; checks the header's column names. */
static int parse_tsv(char *text, struct row *rows)
{
	static const char header[] =
		"#n\tconduit\timm\tfunc\tname\targs\tquery\troute\tby\tfwd\t"
		"x0\tx1\tx2\tx3\tundef_pc\tok";
	char *line, *save;
	int n = 0, i;

	line = strtok_r(text, "\n", &save);
	CHECK(line && !strcmp(line, header), "TSV header: \"%s\"",
	      line ?: "(none)");
	while ((line = strtok_r(NULL, "\n", &save))) {
		char *fs = line, *f;

		CHECK(n < MAX_ROWS, "too many rows");
		for (i = 0; i < NR_FIELDS; i++) {
			f = strsep(&fs, "\t");
			CHECK(f, "row %d has %d fields, not %d", n + 1, i,
			      NR_FIELDS);
			rows[n].f[i] = f;
		}
		CHECK(!fs, "row %d has more than %d fields", n + 1, NR_FIELDS);
		n++;
	}
	return n;
}

static uint64_t hex(const char *s)
{
	char *end;
	uint64_t v;

	errno = 0;
	v = strtoull(s, &end, 16);
	CHECK(!errno && s[0] == '0' && s[1] == 'x' && !*end,
	      "\"%s\" is not a hex number", s);
	return v;
}

/* What one call of the bundled script must give. */
struct expect {
	const char *conduit;
	uint32_t imm;
	uint64_t func;
	const char *route;	/* predicted and taken */
	const char *by;		/* the deciding policy's program, or "-" */
	const char *fwd;	/* forwarded by: "bpf", "filter", "-" */
	bool undef;		/* UNDEF: x0..x3 are not checked */
	uint64_t x[4];
};

/*
 * demo.calls with demo.policies: one route each.  The VMM answers a
 * forwarded call with { 0, function ID, immediate, x1 }.
 */
static const struct expect with_policies[] = {
	{ "hvc", 0, 0x84000000, "native", "-", "-", false,
	  { 0x10001, 0, 0, 0 } },			/* PSCI 1.1 */
	{ "smc", 0, 0x80000000, "native", "-", "-", false,
	  { 0x10001, 0, 0, 0 } },			/* SMCCC 1.1 */
	{ "smc", 0, 0xc3000100, "filter:deny", "-", "-", false,
	  { NS, 0, 0, 0 } },
	{ "hvc", 0, 0xc2000200, "filter:forward", "-", "filter", false,
	  { 0, 0xc2000200, 0, 7 } },
	{ "smc", 0, 0x8200ff00, "bpf:handled", "handled_in_bpf", "-", false,
	  { 3, 0, 0, 0 } },				/* Call Count */
	{ "hvc", 0, 0x8200ff01, "bpf:handled", "handled_in_bpf", "-", false,
	  { 0x3a5e8f2c, 0x6b1d4e0a, 0x9c475d2b, 0x8e91f03a } },	/* UID */
	{ "smc", 0, 0xc3000042, "bpf:handled", "route_table", "-", false,
	  { 0, 0x42, 0, 0 } },				/* a rule */
	{ "smc", 0, 0xc2000001, "bpf:forward", "forward_vendor", "bpf", false,
	  { 0, 0xc2000001, 0, 1 } },
	{ "smc", 0, 0xc5000001, "bpf:deny", "forward_vendor", "-", false,
	  { NS, 0, 0, 0 } },
	{ "hvc", 1, 0x1234, "bpf:forward", "hvc_imm", "bpf", false,
	  { 0, 0x1234, 1, 5 } },
	{ "smc", 1, 0xc2000001, "bpf:undef", "deny_unknown", "-", true },
	{ "hvc", 0x4242, 0, "bpf:undef", "deny_unknown", "-", true },
	{ "hvc", 0, 0xc5000001, "default", "-", "-", false,
	  { NS, 0, 0, 0 } },
};

/*
 * The same calls in a VM without policies: the filter is the script's
 * own, so it still decides; nothing is offered to BPF.  An HVC #imm is the
 * SMCCC call of x0, an SMC #imm gets x0 = ~0 and keeps x1..x3.
 */
static const struct expect without_policies[] = {
	{ "hvc", 0, 0x84000000, "native", "-", "-", false, { 0x10001, 0, 0, 0 } },
	{ "smc", 0, 0x80000000, "native", "-", "-", false, { 0x10001, 0, 0, 0 } },
	{ "smc", 0, 0xc3000100, "filter:deny", "-", "-", false, { NS, 0, 0, 0 } },
	{ "hvc", 0, 0xc2000200, "filter:forward", "-", "filter", false,
	  { 0, 0xc2000200, 0, 7 } },
	{ "smc", 0, 0x8200ff00, "default", "-", "-", false, { NS, 0, 0, 0 } },
	{ "hvc", 0, 0x8200ff01, "default", "-", "-", false, { NS, 0, 0, 0 } },
	{ "smc", 0, 0xc3000042, "default", "-", "-", false, { NS, 0, 0, 0 } },
	{ "smc", 0, 0xc2000001, "default", "-", "-", false, { NS, 0, 0, 0 } },
	{ "smc", 0, 0xc5000001, "default", "-", "-", false, { NS, 0, 0, 0 } },
	{ "hvc", 1, 0x1234, "default", "-", "-", false, { NS, 0, 0, 0 } },
	{ "smc", 1, 0xc2000001, "default", "-", "-", false, { NS, 1, 2, 0 } },
	{ "hvc", 0x4242, 0, "default", "-", "-", false, { NS, 0, 0, 0 } },
	{ "hvc", 0, 0xc5000001, "default", "-", "-", false, { NS, 0, 0, 0 } },
};

#define GUEST_CODE_FIRST	0x80000800ull	/* examples/vmm/vmm.h */
#define GUEST_CODE_END		0x80080000ull

static void expect_rows(const struct run *r, const struct expect *e, int nr)
{
	struct row rows[MAX_ROWS];
	char *text = strdup(r->stdout_text);
	uint64_t last_undef = 0;
	int n, i, j;

	CHECK(text, "out of memory");
	n = parse_tsv(text, rows);
	CHECK(n == nr, "%d calls, not %d:\n" OUT_FMT, n, nr, OUT_ARGS(r));
	for (i = 0; i < nr; i++) {
		char **f = rows[i].f;

		CHECK(atoi(f[COL_N]) == i + 1, "row %d numbered %s", i + 1,
		      f[COL_N]);
		CHECK(!strcmp(f[COL_CONDUIT], e[i].conduit) &&
		      hex(f[COL_IMM]) == e[i].imm && hex(f[COL_FUNC]) == e[i].func,
		      "call %d is %s #%s %s, not %s #0x%x 0x%" PRIx64
		      " (demo.calls changed?)\n" OUT_FMT, i + 1, f[COL_CONDUIT],
		      f[COL_IMM], f[COL_FUNC], e[i].conduit, e[i].imm, e[i].func,
		      OUT_ARGS(r));
		CHECK(!strcmp(f[COL_QUERY], e[i].route),
		      "call %d: KVM_TRAP_QUERY said %s, expected %s\n" OUT_FMT,
		      i + 1, f[COL_QUERY], e[i].route, OUT_ARGS(r));
		CHECK(!strcmp(f[COL_ROUTE], e[i].route),
		      "call %d took route %s, expected %s\n" OUT_FMT,
		      i + 1, f[COL_ROUTE], e[i].route, OUT_ARGS(r));
		CHECK(!strcmp(f[COL_BY], e[i].by),
		      "call %d decided by %s, expected %s\n" OUT_FMT,
		      i + 1, f[COL_BY], e[i].by, OUT_ARGS(r));
		CHECK(!strcmp(f[COL_FWD], e[i].fwd),
		      "call %d forwarded by %s, expected %s\n" OUT_FMT,
		      i + 1, f[COL_FWD], e[i].fwd, OUT_ARGS(r));
		CHECK(!strcmp(f[COL_OK], "ok"), "call %d: %s\n" OUT_FMT, i + 1,
		      f[COL_OK], OUT_ARGS(r));
		if (e[i].undef) {
			uint64_t pc = hex(f[COL_UNDEF]);

			/* At an HVC/SMC of the payload, in call order. */
			CHECK(pc >= GUEST_CODE_FIRST && pc < GUEST_CODE_END &&
			      !(pc & 3) && pc > last_undef,
			      "call %d: UNDEF at 0x%" PRIx64 "\n" OUT_FMT,
			      i + 1, pc, OUT_ARGS(r));
			last_undef = pc;
			continue;
		}
		CHECK(!strcmp(f[COL_UNDEF], "-"), "call %d: UNDEF at %s\n" OUT_FMT,
		      i + 1, f[COL_UNDEF], OUT_ARGS(r));
		for (j = 0; j < 4; j++)
			CHECK(hex(f[COL_X0 + j]) == e[i].x[j],
			      "call %d: x%d = %s, expected 0x%" PRIx64 "\n"
			      OUT_FMT, i + 1, j, f[COL_X0 + j], e[i].x[j],
			      OUT_ARGS(r));
	}
	free(text);
}

#define NR(a)	((int)(sizeof(a) / sizeof((a)[0])))

/* ---- tests ------------------------------------------------------------------ */

/* Every bundled call takes its route and returns what the guest expects. */
static void test_bundled_routes(void)
{
	char *argv[] = { VMM, "--tsv", "-c", CALLS, "-p", POLICIES, NULL };
	struct run r;

	run(&r, argv);
	CHECK(r.status == 0, "kvmtrap-vmm with the bundled set:\n" OUT_FMT,
	      OUT_ARGS(&r));
	expect_rows(&r, with_policies, NR(with_policies));
}

/* "kvmtrap-vmm --hold": the line a script waits for, on @r's stderr. */
static void wait_held(struct run *r, char *vm, size_t size)
{
	time_t deadline = time(NULL) + TIMEOUT_S;
	char *text, *at;

	for (;;) {
		text = slurp(r->err);
		at = strstr(text, "kvmtrap-vmm: holding VM ");
		if (at)
			break;
		free(text);
		CHECK(!waitpid(r->pid, NULL, WNOHANG),
		      "kvmtrap-vmm --hold exited before holding");
		CHECK(time(NULL) < deadline, "kvmtrap-vmm --hold: no hold");
		usleep(50000);
	}
	CHECK(sscanf(at, "kvmtrap-vmm: holding VM %23s", vm) == 1 &&
	      strlen(vm) < size, "hold line: %s", at);
	free(text);
}

/*
 * A second VMM making the same calls while the first VM's six policies
 * are linked sees none of them: native, filter and default routes only.
 * The first VM keeps its links all along, and its VMM unpins them on
 * SIGTERM.
 */
static void test_isolation(void)
{
	char *held_argv[] = { VMM, "--tsv", "--hold", "-c", CALLS, "-p",
			      POLICIES, NULL };
	char *argv[] = { VMM, "--tsv", "-c", CALLS, NULL };
	struct kvmtrap_link_info links[8];
	char vm[KVMTRAP_VM_NAME_LEN], dir[64];
	struct run held, r;
	struct stat st;
	int n, i;

	start(&held, held_argv);
	wait_held(&held, vm, sizeof(vm));
	n = kvmtrap_links(vm, links, 8);
	CHECK(n == 6, "VM %s has %d links, not 6", vm, n);

	run(&r, argv);
	CHECK(r.status == 0, "kvmtrap-vmm without policies:\n" OUT_FMT,
	      OUT_ARGS(&r));
	expect_rows(&r, without_policies, NR(without_policies));

	n = kvmtrap_links(vm, links, 8);
	CHECK(n == 6, "after the second VM, VM %s has %d links", vm, n);
	for (i = 0; i < n; i++)
		CHECK(links[i].pinned && !links[i].defunct,
		      "link %u of VM %s: pinned %d defunct %d", links[i].link_id,
		      vm, links[i].pinned, links[i].defunct);

	kill(held.pid, SIGTERM);
	finish(&held);
	CHECK(held.status == 0, "kvmtrap-vmm --hold after SIGTERM:\n" OUT_FMT,
	      OUT_ARGS(&held));
	expect_rows(&held, with_policies, NR(with_policies));
	snprintf(dir, sizeof(dir), "%s/%s", PIN_ROOT, vm);
	CHECK(stat(dir, &st) && errno == ENOENT,
	      "%s is still there after the VMM exited", dir);
	n = kvmtrap_links(vm, links, 8);
	CHECK(n == 0, "VM %s still has %d links after its VMM exited", vm, n);
}

/*
 * The VMM's cross-check can fail: a rate limit of one call in all
 * (ratelimit, no refill) makes the second of two equal calls DENY, while
 * KVM_TRAP_QUERY, asked before the guest ran, saw a token for each.
 */
static void test_mismatch_detected(void)
{
	char *argv[] = { VMM, "--tsv",
			 "-P", "ratelimit vcpu_burst=1 vcpu_rate=0",
			 "hvc 0xc6000042", "hvc 0xc6000042", NULL };
	struct row rows[MAX_ROWS];
	struct run r;

	run(&r, argv);
	CHECK(r.status == EXIT_MISMATCH, "expected exit %d:\n" OUT_FMT,
	      EXIT_MISMATCH, OUT_ARGS(&r));
	CHECK(parse_tsv(r.stdout_text, rows) == 2, "two rows expected");
	CHECK(!strcmp(rows[0].f[COL_ROUTE], "default") &&
	      !strcmp(rows[0].f[COL_OK], "ok"), "first call: %s %s",
	      rows[0].f[COL_ROUTE], rows[0].f[COL_OK]);
	CHECK(!strcmp(rows[1].f[COL_QUERY], "default") &&
	      !strcmp(rows[1].f[COL_ROUTE], "bpf:deny") &&
	      !strcmp(rows[1].f[COL_OK], "mismatch"),
	      "second call: query %s route %s %s", rows[1].f[COL_QUERY],
	      rows[1].f[COL_ROUTE], rows[1].f[COL_OK]);
}

/*
 * Calls and a policy given on the command line; a forwarded HVC #imm is
 * answered by the VMM through RET_REGS with what it saw.
 */
static void test_command_line_calls(void)
{
	char *argv[] = { VMM, "--tsv", "-P", "hvc_imm smc=true",
			 "smc #0x42 0xabcdef0123456789 0x1111 0x2222",
			 "hvc #0xffff 0x7", NULL };
	struct row rows[MAX_ROWS];
	struct run r;

	run(&r, argv);
	CHECK(r.status == 0, "kvmtrap-vmm:\n" OUT_FMT, OUT_ARGS(&r));
	CHECK(parse_tsv(r.stdout_text, rows) == 2, "two rows expected");
	CHECK(!strcmp(rows[0].f[COL_ROUTE], "bpf:forward") &&
	      !strcmp(rows[0].f[COL_FWD], "bpf") &&
	      hex(rows[0].f[COL_X0]) == 0 &&
	      hex(rows[0].f[COL_X1]) == 0xabcdef0123456789ull &&
	      hex(rows[0].f[COL_X2]) == 0x42 && hex(rows[0].f[COL_X3]) == 0x1111,
	      "smc #0x42: %s by %s, x0..x3 %s %s %s %s", rows[0].f[COL_ROUTE],
	      rows[0].f[COL_FWD], rows[0].f[COL_X0], rows[0].f[COL_X1],
	      rows[0].f[COL_X2], rows[0].f[COL_X3]);
	CHECK(!strcmp(rows[1].f[COL_ROUTE], "bpf:forward") &&
	      hex(rows[1].f[COL_X1]) == 0x7 && hex(rows[1].f[COL_X2]) == 0xffff,
	      "hvc #0xffff: %s, x1 %s x2 %s", rows[1].f[COL_ROUTE],
	      rows[1].f[COL_X1], rows[1].f[COL_X2]);
}

/* Bad input is a usage error naming where it is; no VM is made. */
static void test_usage_errors(void)
{
	char *bad_call[] = { VMM, "hvc #0x10000 0x1", NULL };
	char *bad_policy[] = { VMM, "-P", "audit nokey", "hvc 0x1", NULL };
	char *no_calls[] = { VMM, NULL };
	char *bad_knob[] = { VMM, "-P", "audit no_such_knob=1", "hvc 0x1",
			     NULL };
	char *stray_rule[] = { VMM, "-P", "audit", "-P",
			       "rule smc 0xc3000042 handled 0 0x42", "hvc 0x1",
			       NULL };
	char *bad_rule[] = { VMM, "-P", "route_table", "-P",
			     "rule smc 0xc3000042 maybe", "hvc 0x1", NULL };
	int links = kvmtrap_links(NULL, NULL, 0);
	struct run r;

	run(&r, bad_call);
	CHECK(r.status == 2 && strstr(r.stderr_text, "argument:1:") &&
	      strstr(r.stderr_text, "#0x10000"), OUT_FMT, OUT_ARGS(&r));
	run(&r, bad_policy);
	CHECK(r.status == 2 && strstr(r.stderr_text, "KEY=VALUE"), OUT_FMT,
	      OUT_ARGS(&r));
	/* A rule line belongs to the route_table line before it. */
	run(&r, stray_rule);
	CHECK(r.status == 2 && strstr(r.stderr_text, "--policy:2:") &&
	      strstr(r.stderr_text, "route_table"), OUT_FMT, OUT_ARGS(&r));
	run(&r, bad_rule);
	CHECK(r.status == 2 && strstr(r.stderr_text, "--policy:2:") &&
	      strstr(r.stderr_text, "bad verdict 'maybe'"), OUT_FMT,
	      OUT_ARGS(&r));
	run(&r, no_calls);
	CHECK(r.status == 2 && strstr(r.stderr_text, "no calls"), OUT_FMT,
	      OUT_ARGS(&r));
	/* A run-time error, and it leaves nothing pinned. */
	run(&r, bad_knob);
	CHECK(r.status == 1 && strstr(r.stderr_text, "no_such_knob") &&
	      strstr(r.stderr_text, "No such file or directory"), OUT_FMT,
	      OUT_ARGS(&r));
	CHECK(kvmtrap_links(NULL, NULL, 0) == links, "links left behind");
}

/* @s with each run of blanks made one space, in @buf. */
static void squeeze(char *buf, size_t size, const char *s)
{
	size_t n = 0;

	for (; *s && n + 1 < size; s++) {
		if ((*s == ' ' || *s == '\t') && n && buf[n - 1] == ' ')
			continue;
		buf[n++] = *s == '\t' ? ' ' : *s;
	}
	buf[n] = 0;
}

/*
 * How many lines of @text contain @words, blanks squeezed in both, so
 * that a table's column widths do not matter.
 */
static int count(const char *text, const char *words)
{
	char line[512], want[256];
	const char *end;
	int n = 0;

	squeeze(want, sizeof(want), words);
	for (; *text; text = *end ? end + 1 : end) {
		char raw[512];
		size_t len;

		end = strchrnul(text, '\n');
		len = end - text < (long)sizeof(raw) - 1 ? end - text :
							    sizeof(raw) - 1;
		memcpy(raw, text, len);
		raw[len] = 0;
		squeeze(line, sizeof(line), raw);
		n += !!strstr(line, want);
	}
	return n;
}

/*
 * The demo script: both tables complete and as predicted, the first VM's
 * six links in bpftool, its policies' answers in the handled-call list,
 * the audit stream, and nothing left pinned.
 */
static void test_demo_script(void)
{
	char *argv[] = { DEMO, NULL };
	const char *o;
	struct run r;

	run(&r, argv);
	o = r.stdout_text;
	CHECK(r.status == 0 && strstr(o, "demo: done"), OUT_FMT, OUT_ARGS(&r));
	CHECK(count(o, "13 of 13 calls went as KVM_TRAP_QUERY predicted") == 2,
	      "two complete tables expected:\n%s", o);
	CHECK(count(o, ": kvm_trap prog ") == 6, "6 links in bpftool:\n%s", o);
	CHECK(count(o, "policies: none") == 1, "second VM without policies:\n%s",
	      o);
	/*
	 * kvmtrap handled: the two SiP queries handled_in_bpf answered and
	 * the OEM call a rule of route_table answered.
	 */
	CHECK(count(o, "smc 0 0x8200ff00 0x8200ff00 bpf policy 1") == 1 &&
	      count(o, "hvc 0 0x8200ff01 0x8200ff01 bpf policy 1") == 1 &&
	      count(o, "smc 0 0xc3000042 0xc3000042 bpf policy 1") == 1,
	      "handled list:\n%s", o);
	/* kvmtrap trace: audit saw the call, deny_unknown made it UNDEF. */
	CHECK(count(o, "vcpu 0 hvc #0x4242 0x0 args 0x0 0x0 0x0: pass") == 1 &&
	      count(o, "vcpu 0 hvc #0x4242 0x0 args 0x0 0x0 0x0: undef") == 1,
	      "trace:\n%s", o);
	CHECK(strstr(o, "$ ls /sys/fs/bpf/kvmtrap\n(empty)"),
	      "pins left behind:\n%s", o);
}

int main(void)
{
	static const struct kvmtrap_test tests[] = {
		KVMTRAP_TEST(test_bundled_routes),
		KVMTRAP_TEST(test_isolation),
		KVMTRAP_TEST(test_mismatch_detected),
		KVMTRAP_TEST(test_command_line_calls),
		KVMTRAP_TEST(test_usage_errors),
		KVMTRAP_TEST(test_demo_script),
	};

	if (access(VMM, X_OK) || access(CALLS, R_OK) || access(POLICIES, R_OK))
		ksft_exit_skip("the example VMM or its bundled files are not installed\n");
	return kvmtrap_run_tests(tests, NR(tests));
}
