// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrap_cli - the kvmtrap command line tool (/usr/sbin/kvmtrap) as a user
 * runs it: forked and exec'ed, its stdout, stderr and exit status checked,
 * against real VMs held by test VMM processes.
 *
 * A test VMM is a child process that creates an arm64 VM (upstream KVM
 * selftest library, kvmtrap_vm.h) whose guest makes HVC/SMC calls, one per
 * request or in a loop, reports its VM fd over a pipe and keeps running;
 * the test then drives "kvmtrap ... --vm <VMM pid>" and checks what the
 * CLI says against what the guest sees, the kernel's view of links and
 * programs (libbpf), bpffs, and bpftool.  --json output is parsed (a small
 * JSON parser below; integers with strtoull, as u64 may exceed 2^53) and
 * checked member by member.
 *
 * Covered: every command (list, attach, detach, replace, status, handled,
 * query, test, trace), the usage errors (exit 2) and the run-time errors
 * (exit 1, one line "kvmtrap: <what> <object>: <strerror>: <fix>"), and
 * that a failed attach leaves nothing under /sys/fs/bpf/kvmtrap.
 *
 * The policies: kvmtrap_cli.bpf.o (configurable with --set, see
 * kvmtrap_cli.bpf.c), kvmtrap_cli_fail.bpf.o (one program the verifier
 * rejects), and objects of other selftests: kvmtrap_policy.bpf.o (a
 * kvm_trap program without a "kvmtrap_events" ring buffer),
 * kvmtrap_prog_fail.bpf.o (several kvm_trap programs), bpf_smoke.bpf.o (no
 * kvm_trap program).
 *
 * One behaviour per test_*(), one VMM per test.  KVMTRAP_CLI_VERBOSE=1 in
 * the environment shows every command run and its output.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>

#include "kvmtrap_vm.h"
#include "kvmtrap_handled.h"
#include "kvmtrap_run.h"

#define OBJ_DIR		"/usr/libexec/kvmtrap/bpf"
#define CLI_OBJ		OBJ_DIR "/kvmtrap_cli.bpf.o"
#define CLI_FAIL_OBJ	OBJ_DIR "/kvmtrap_cli_fail.bpf.o"
#define PROG_FAIL_OBJ	OBJ_DIR "/kvmtrap_prog_fail.bpf.o"
#define SMOKE_OBJ	OBJ_DIR "/bpf_smoke.bpf.o"
#define POLICY_OBJ	OBJ_DIR "/kvmtrap_policy.bpf.o"
#define PIN_ROOT	"/sys/fs/bpf/kvmtrap"
#define PROG_NAME	"cli_policy"	/* the program of kvmtrap_cli.bpf.o */
#define VMM_COMM	"kt_vmm"
#define NOBODY		65534

#define MAX_VMS		2
#define KVM_CAP_TRAP_BPF_LINKS	8	/* KVM_CHECK_EXTENSION(KVM_CAP_TRAP_BPF) */
#define VM_NAME_LEN	24

#define FUNC_A		KT_FUNC_64		/* 0xc3000042 */
#define FUNC_OTHER	(KT_FUNC_64 + 1)
#define ANSWER_A	0xa000000000000a00ull
#define ANSWER_B	0xb000000000000b00ull
#define NOT_SUPPORTED	0xffffffffffffffffull

#define STR(x)		#x
#define XSTR(x)		STR(x)

/* cli_policy answers FUNC_A with ANSWER_A (or _B) in x0..x3. */
#define SET_HANDLE_A	"--set verdict=1 --set func_id=0xc3000042 " \
			"--set ret=0xa000000000000a00"
#define SET_HANDLE_B	"--set verdict=1 --set func_id=0xc3000042 " \
			"--set ret=0xb000000000000b00"

static void sleep_ms(unsigned int ms)
{
	usleep(ms * 1000);
}

/* ---- The guest ----------------------------------------------------------- */

/* What the guest saw of the calls of one loop. */
struct loop_result {
	uint64_t done;		/* calls answered */
	uint64_t from_a;	/* whole answers ANSWER_A, + 1 in x1 */
	uint64_t from_b;	/* ... ANSWER_B */
	uint64_t other;		/* anything else */
	uint64_t other_x0;	/* the last of those */
	uint64_t switches;	/* changes of x0 from one call to the next */
};

static struct {
	uint64_t run;		/* loop on the next request */
	uint64_t stop;		/* set by the VMM: end the loop */
	uint64_t smc;
	uint64_t func;
	uint64_t answer_a, answer_b;
	struct loop_result res;
} guest_loop;

#define LOOP_MAX	(1ull << 26)

/* Call guest_loop.func with x1 = the call's index until told to stop. */
static void guest_run_loop(void)
{
	struct arm_smccc_res r;
	uint64_t i, last = 0;

	for (i = 0; !READ_ONCE(guest_loop.stop) && i < LOOP_MAX; i++) {
		if (guest_loop.smc)
			smccc_smc(guest_loop.func, i, 0, 0, 0, 0, 0, 0, &r);
		else
			smccc_hvc(guest_loop.func, i, 0, 0, 0, 0, 0, 0, &r);
		uint64_t a = guest_loop.answer_a, b = guest_loop.answer_b;

		if (r.a0 == a && r.a1 == a + 1) {
			guest_loop.res.from_a++;
		} else if (r.a0 == b && r.a1 == b + 1) {
			guest_loop.res.from_b++;
		} else {
			guest_loop.res.other++;
			guest_loop.res.other_x0 = r.a0;
		}
		if (i && r.a0 != last)
			guest_loop.res.switches++;
		last = r.a0;
		WRITE_ONCE(guest_loop.res.done, i + 1);
	}
}

/* One call per request (kvmtrap_vm.h's guest_req), or a loop. */
static void guest_code(void)
{
	for (;;) {
		if (READ_ONCE(guest_loop.run))
			guest_run_loop();
		else
			guest_do_call(&guest_req, &guest_res);
		GUEST_SYNC(0);
	}
}

/* ---- The test VMM: a child process holding the VMs ----------------------- */

struct vmm_opts {
	int nr_vms;
	int nr_filters;			/* SMCCC filter ranges of VM 0 */
	struct kvm_smccc_filter filter[2];
	bool refuse_forwards;		/* do not opt in to forwarded calls */
};

enum vmm_op {
	VMM_CALL = 1,		/* one call: the registers after it */
	VMM_STATS,		/* the VM's trap_bpf_* statistics */
	VMM_LOOP_START,		/* loop on calls (in a vCPU thread) */
	VMM_LOOP_DONE,		/* calls it made so far */
	VMM_LOOP_STOP,		/* stop it: what it saw */
	VMM_HOLD_LINKS,		/* link x[0] kvmtrap_policy programs, unpinned */
	VMM_ACCEPT_FORWARDS,	/* opt in to forwarded calls now */
};

struct vmm_req {
	uint32_t op;
	uint32_t vm;		/* which of the VMM's VMs */
	struct kt_call call;	/* CALL; LOOP_START: conduit and x[0] */
	uint64_t answer_a, answer_b;	/* LOOP_START */
};

struct vmm_rep {
	uint32_t exits;		/* CALL: KVM_EXIT_HYPERCALLs resumed */
	uint32_t pad;
	struct kt_regs regs;	/* CALL */
	struct kt_stats stats;	/* STATS */
	struct loop_result loop;	/* LOOP_DONE: .done; LOOP_STOP */
	uint32_t link_ids[KVM_CAP_TRAP_BPF_LINKS];	/* HOLD_LINKS */
	int vm_fd[MAX_VMS];	/* the first message: the VM fds */
};

/*
 * What cleanup() needs of a VMM, kept here rather than pointed to: a test's
 * struct vmm lives on its stack, gone when the atexit handler runs.
 */
struct vmm_reg {
	pid_t pid;		/* 0 once reaped */
	int req, rep;		/* the test's ends of its pipes */
	int nr_vms;
	char name[MAX_VMS][VM_NAME_LEN];
};

struct vmm {
	pid_t pid;
	int req, rep;		/* pipes to and from it */
	int nr_vms;
	int vm_fd[MAX_VMS];
	char name[MAX_VMS][VM_NAME_LEN];	/* KVM's "<pid>-<fd>" */
	struct vmm_reg *reg;
};

static ssize_t read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return got ? (ssize_t)got : n;
		got += n;
	}
	return got;
}

static bool write_full(int fd, const void *buf, size_t len)
{
	size_t put = 0;

	while (put < len) {
		ssize_t n = write(fd, (const char *)buf + put, len - put);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		put += n;
	}
	return true;
}

/* Run until the guest's report, resuming after the exits of a forward. */
static uint32_t vmm_run_to_sync(struct kvm_vcpu *vcpu)
{
	uint32_t exits = 0;
	struct ucall uc;

	for (;;) {
		vcpu_run(vcpu);
		if (vcpu->run->exit_reason != KVM_EXIT_HYPERCALL)
			break;
		exits++;
	}
	switch (get_ucall(vcpu, &uc)) {
	case UCALL_SYNC:
		break;
	case UCALL_ABORT:
		REPORT_GUEST_ASSERT(uc);
		break;
	default:
		TEST_FAIL("VMM: unexpected exit %s (%u)",
			  exit_reason_str(vcpu->run->exit_reason),
			  vcpu->run->exit_reason);
	}
	return exits;
}

static void *vmm_loop_thread(void *vcpu)
{
	vmm_run_to_sync(vcpu);
	return NULL;
}

static uint32_t vmm_link_id(struct bpf_link *link)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);

	TEST_ASSERT(!bpf_link_get_info_by_fd(bpf_link__fd(link), &info, &len),
		    "VMM: bpf_link_get_info_by_fd");
	return info.id;
}

/* The VMM: create the VMs, report their fds, serve requests until EOF. */
static void __noreturn
vmm_main(const struct vmm_opts *o, int req_fd, int rep_fd)
{
	struct kvm_vcpu *vcpus[MAX_VMS];
	struct kvm_vm *vms[MAX_VMS];
	volatile uint64_t *done = NULL, *stop = NULL;
	pthread_t thread;
	int i, loop_vm = -1;
	struct kvmtrap_policy *skels[KVM_CAP_TRAP_BPF_LINKS];
	struct bpf_link *links[KVM_CAP_TRAP_BPF_LINKS];
	struct vmm_req req;
	struct vmm_rep rep = {};

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_NAME, VMM_COMM);
	for (i = 0; i < o->nr_vms; i++) {
		vms[i] = kt_create_vm_n(1, &vcpus[i], guest_code);
		rep.vm_fd[i] = vms[i]->fd;
		/* It resumes every KVM_EXIT_HYPERCALL: it takes forwards. */
		if (!o->refuse_forwards)
			kt_accept_forwards(vms[i]);
	}
	for (i = 0; i < o->nr_filters; i++)
		kt_set_filter(vms[0], o->filter[i].base,
			      o->filter[i].nr_functions, o->filter[i].action);
	if (!write_full(rep_fd, &rep, sizeof(rep)))
		_exit(1);

	while (read_full(req_fd, &req, sizeof(req)) == sizeof(req)) {
		struct kvm_vm *vm = vms[req.vm];

		memset(&rep, 0, sizeof(rep));
		switch (req.op) {
		case VMM_CALL:
			guest_req = req.call;
			sync_global_to_guest(vm, guest_req);
			rep.exits = vmm_run_to_sync(vcpus[req.vm]);
			sync_global_from_guest(vm, guest_res);
			rep.regs = guest_res;
			break;
		case VMM_STATS:
			rep.stats = kt_get_stats(vm);
			break;
		case VMM_ACCEPT_FORWARDS:
			kt_accept_forwards(vm);
			break;
		case VMM_LOOP_START:
			TEST_ASSERT(loop_vm < 0, "VMM: a loop is running");
			memset(&guest_loop, 0, sizeof(guest_loop));
			guest_loop.run = 1;
			guest_loop.smc =
				req.call.conduit == KVM_TRAP_CONDUIT_SMC;
			guest_loop.func = req.call.x[0];
			guest_loop.answer_a = req.answer_a;
			guest_loop.answer_b = req.answer_b;
			sync_global_to_guest(vm, guest_loop);
			done = addr_gva2hva(vm,
					    (vm_vaddr_t)&guest_loop.res.done);
			stop = addr_gva2hva(vm, (vm_vaddr_t)&guest_loop.stop);
			loop_vm = req.vm;
			TEST_ASSERT(!pthread_create(&thread, NULL,
						    vmm_loop_thread,
						    vcpus[req.vm]),
				    "VMM: pthread_create");
			break;
		case VMM_LOOP_DONE:
			TEST_ASSERT(loop_vm >= 0, "VMM: no loop running");
			rep.loop.done = READ_ONCE(*done);
			break;
		case VMM_HOLD_LINKS:
			/* A VMM's own links, as libbpf makes them: not pinned. */
			for (i = 0; i < (int)req.call.x[0]; i++) {
				skels[i] = kt_policy_load();
				links[i] = kt_policy_attach(skels[i], vm);
				rep.link_ids[i] = vmm_link_id(links[i]);
			}
			break;
		case VMM_LOOP_STOP:
			TEST_ASSERT(loop_vm >= 0, "VMM: no loop running");
			*stop = 1;
			pthread_join(thread, NULL);
			vm = vms[loop_vm];
			sync_global_from_guest(vm, guest_loop);
			rep.loop = guest_loop.res;
			guest_loop.run = 0;
			sync_global_to_guest(vm, guest_loop);
			loop_vm = -1;
			break;
		default:
			TEST_FAIL("VMM: request %u", req.op);
		}
		if (!write_full(rep_fd, &rep, sizeof(rep)))
			break;
	}
	_exit(0);
}

/* ---- The test's side of the VMM, and cleanup ----------------------------- */

static struct vmm_reg vmms[8];
static int nr_vmms;
static pid_t test_pid;

/* Remove the pins of VM @name (links and handled list) and its directory. */
static void remove_pins(const char *name)
{
	char dir[PATH_MAX], path[PATH_MAX + 256];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), PIN_ROOT "/%s", name);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/* At exit of the test (also a failed one): no VMM, no pins of its VMs left. */
static void cleanup(void)
{
	int i, j;

	if (getpid() != test_pid)
		return;
	for (i = 0; i < nr_vmms; i++) {
		struct vmm_reg *v = &vmms[i];

		if (v->pid > 0) {
			kill(v->pid, SIGKILL);
			waitpid(v->pid, NULL, 0);
			v->pid = 0;
		}
		for (j = 0; j < v->nr_vms; j++)
			remove_pins(v->name[j]);
	}
}

static void vmm_start(struct vmm *v, const struct vmm_opts *opts)
{
	struct vmm_opts o = opts ? *opts : (struct vmm_opts){ .nr_vms = 1 };
	int req[2], rep[2], i;
	struct vmm_rep first;

	if (!o.nr_vms)
		o.nr_vms = 1;
	if (!test_pid) {
		test_pid = getpid();
		atexit(cleanup);
		signal(SIGPIPE, SIG_IGN);
	}
	CHECK(nr_vmms < (int)ARRAY_SIZE(vmms), "too many VMMs");
	memset(v, 0, sizeof(*v));
	v->nr_vms = o.nr_vms;
	v->reg = &vmms[nr_vmms++];

	CHECK(!pipe2(req, O_CLOEXEC) && !pipe2(rep, O_CLOEXEC), "pipe2: %s",
	      strerror(errno));
	fflush(NULL);
	v->pid = fork();
	CHECK(v->pid >= 0, "fork: %s", strerror(errno));
	v->reg->pid = v->pid;
	if (!v->pid) {
		/*
		 * fork() copies the test's ends of the other VMMs' pipes: held
		 * here, they would keep those VMMs from seeing EOF when the
		 * test closes its request pipe, and vmm_stop() would wait for
		 * ever.
		 */
		for (i = 0; i < nr_vmms - 1; i++)
			if (vmms[i].pid) {
				close(vmms[i].req);
				close(vmms[i].rep);
			}
		close(req[1]);
		close(rep[0]);
		vmm_main(&o, req[0], rep[1]);
	}
	close(req[0]);
	close(rep[1]);
	v->req = req[1];
	v->rep = rep[0];
	v->reg->req = v->req;
	v->reg->rep = v->rep;
	CHECK(read_full(v->rep, &first, sizeof(first)) == sizeof(first),
	      "the VMM (pid %d) died before reporting its VM fd", v->pid);
	for (i = 0; i < v->nr_vms; i++) {
		v->vm_fd[i] = first.vm_fd[i];
		snprintf(v->name[i], VM_NAME_LEN, "%d-%d", v->pid, v->vm_fd[i]);
		snprintf(v->reg->name[i], VM_NAME_LEN, "%s", v->name[i]);
	}
	v->reg->nr_vms = v->nr_vms;
}

static struct vmm_rep vmm_request(struct vmm *v, uint32_t op, int vm,
				  const struct kt_call *c, uint64_t a,
				  uint64_t b)
{
	struct vmm_req req = {
		.op = op, .vm = vm, .answer_a = a, .answer_b = b,
	};
	struct vmm_rep rep;

	if (c)
		req.call = *c;
	CHECK(write_full(v->req, &req, sizeof(req)) &&
	      read_full(v->rep, &rep, sizeof(rep)) == sizeof(rep),
	      "the VMM (pid %d) died on request %u", v->pid, op);
	return rep;
}

/* The guest of VM @vm makes call @c; its registers after it. */
static struct kt_regs vmm_call(struct vmm *v, int vm, const struct kt_call *c,
			       uint32_t *exits)
{
	struct vmm_rep rep = vmm_request(v, VMM_CALL, vm, c, 0, 0);

	if (exits)
		*exits = rep.exits;
	return rep.regs;
}

static struct kt_stats vmm_stats(struct vmm *v, int vm)
{
	return vmm_request(v, VMM_STATS, vm, NULL, 0, 0).stats;
}

static void vmm_loop_start(struct vmm *v, int vm, uint32_t conduit,
			   uint64_t func, uint64_t a, uint64_t b)
{
	struct kt_call c = { .conduit = conduit, .x = { func } };

	vmm_request(v, VMM_LOOP_START, vm, &c, a, b);
}

static uint64_t vmm_loop_done(struct vmm *v)
{
	return vmm_request(v, VMM_LOOP_DONE, 0, NULL, 0, 0).loop.done;
}

/* Wait until the looping guest has made @n calls. */
static uint64_t vmm_wait_calls(struct vmm *v, uint64_t n)
{
	uint64_t deadline = now_ms() + 120 * 1000, done;

	while ((done = vmm_loop_done(v)) < n) {
		CHECK(now_ms() < deadline,
		      "the guest made only %lu of %lu calls in 120 s", done, n);
		sleep_ms(20);
	}
	return done;
}

static struct loop_result vmm_loop_stop(struct vmm *v)
{
	return vmm_request(v, VMM_LOOP_STOP, 0, NULL, 0, 0).loop;
}

/* The VMM links @n programs to VM 0 itself; their link IDs to @ids. */
static void vmm_hold_links(struct vmm *v, int n, uint32_t *ids)
{
	struct kt_call c = { .x = { n } };
	struct vmm_rep rep = vmm_request(v, VMM_HOLD_LINKS, 0, &c, 0, 0);

	memcpy(ids, rep.link_ids, n * sizeof(*ids));
}

/* End the VMM: its VMs are destroyed with it. */
static void vmm_stop(struct vmm *v)
{
	int status;

	close(v->req);
	CHECK(waitpid(v->pid, &status, 0) == v->pid, "waitpid: %s",
	      strerror(errno));
	close(v->rep);
	v->pid = 0;
	v->reg->pid = 0;
	CHECK(WIFEXITED(status) && !WEXITSTATUS(status),
	      "the VMM ended with status 0x%x", status);
}

/* "--vm" as the tests usually give it: the pid, or pid:fd with several VMs. */
static const char *vm_arg(const struct vmm *v, int vm)
{
	static char buf[MAX_VMS][32];

	if (v->nr_vms == 1)
		snprintf(buf[vm], sizeof(buf[vm]), "%d", v->pid);
	else
		snprintf(buf[vm], sizeof(buf[vm]), "%d:%d", v->pid, v->vm_fd[vm]);
	return buf[vm];
}

/* An SMCCC call of @func with x1..x7 = 0, as "kvmtrap query" describes it. */
static struct kt_call plain_call(uint32_t conduit, uint32_t imm, uint64_t func)
{
	return (struct kt_call){
		.conduit = conduit, .imm = imm, .x = { func },
	};
}

static void call_expect(struct vmm *v, int vm, uint64_t func, uint64_t base)
{
	struct kt_call c = kt_smccc(KVM_TRAP_CONDUIT_HVC, func);
	struct kt_regs r = vmm_call(v, vm, &c, NULL);

	kt_assert_ret(&c, &r, base, base + 1, base + 2, base + 3);
}

static void call_expect_default(struct vmm *v, int vm, uint64_t func)
{
	struct kt_call c = kt_smccc(KVM_TRAP_CONDUIT_HVC, func);
	struct kt_regs r = vmm_call(v, vm, &c, NULL);

	kt_assert_not_supported(&c, &r);
}

/* ---- The kernel's view: links, programs, bpffs --------------------------- */

static int link_info_by_id(uint32_t id, struct bpf_link_info *info)
{
	__u32 len = sizeof(*info);
	int fd, r;

	fd = bpf_link_get_fd_by_id(id);
	if (fd < 0) {
		r = -errno;
		errno = 0;
		return r;
	}
	memset(info, 0, sizeof(*info));
	r = bpf_link_get_info_by_fd(fd, info, &len) ? -errno : 0;
	close(fd);
	errno = 0;
	return r;
}

static void prog_name_by_id(uint32_t id, char *name)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd;

	fd = bpf_prog_get_fd_by_id(id);
	CHECK(fd >= 0, "program %u: %s", id, strerror(errno));
	CHECK(!bpf_prog_get_info_by_fd(fd, &info, &len), "program %u info: %s",
	      id, strerror(errno));
	close(fd);
	snprintf(name, BPF_OBJ_NAME_LEN, "%s", info.name);
}

/* The IDs of the live (not defunct) kvm_trap links of VM @vm of @v. */
static int vm_links(const struct vmm *v, int vm, uint32_t *ids, int max)
{
	struct bpf_link_info info;
	uint32_t id = 0;
	int n = 0;

	while (!bpf_link_get_next_id(id, &id)) {
		if (link_info_by_id(id, &info) ||
		    info.type != BPF_LINK_TYPE_KVM_TRAP)
			continue;
		if (info.kvm_trap.vm_pid != (uint32_t)v->pid ||
		    info.kvm_trap.vm_fd != (uint32_t)v->vm_fd[vm] ||
		    info.kvm_trap.defunct)
			continue;
		if (n < max)
			ids[n] = id;
		n++;
	}
	errno = 0;
	return n;
}

static void expect_no_links(const struct vmm *v, int vm)
{
	uint32_t ids[16];
	int n = vm_links(v, vm, ids, 16);

	CHECK(!n, "VM %s has %d kvm_trap link(s), the first %u; expected none",
	      v->name[vm], n, ids[0]);
}

/* The ID of the link pinned at @path, or a negative errno. */
static int pinned_link_id(const char *path)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	int fd, r;

	fd = bpf_obj_get(path);
	if (fd < 0) {
		r = -errno;
		errno = 0;
		return r;
	}
	r = bpf_link_get_info_by_fd(fd, &info, &len) ? -errno : (int)info.id;
	close(fd);
	errno = 0;
	return r;
}

static bool path_exists(const char *path)
{
	struct stat st;
	bool r = !lstat(path, &st);

	errno = 0;
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every path under PIN_ROOT, two levels deep, sorted, one per line. */
static char *pin_snapshot(void)
{
	char *paths[512], *out = NULL, sub[PATH_MAX];
	size_t len = 0;
	struct dirent *de, *de2;
	int n = 0, i;
	DIR *d, *d2;

	append(&out, &len, "", 0);
	d = opendir(PIN_ROOT);
	if (!d) {
		errno = 0;
		return out;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		CHECK(n < 511, "too many entries under " PIN_ROOT);
		CHECK(asprintf(&paths[n++], PIN_ROOT "/%s", de->d_name) > 0, "asprintf");
		snprintf(sub, sizeof(sub), PIN_ROOT "/%s", de->d_name);
		d2 = opendir(sub);
		if (!d2)
			continue;
		while ((de2 = readdir(d2))) {
			if (de2->d_name[0] == '.')
				continue;
			CHECK(n < 511, "too many entries under " PIN_ROOT);
			CHECK(asprintf(&paths[n++], "%s/%s", sub, de2->d_name) > 0,
			      "asprintf");
		}
		closedir(d2);
	}
	closedir(d);
	errno = 0;
	qsort(paths, n, sizeof(*paths), cmp_str);
	for (i = 0; i < n; i++) {
		append(&out, &len, paths[i], strlen(paths[i]));
		append(&out, &len, "\n", 1);
		free(paths[i]);
	}
	return out;
}

static void expect_pins_unchanged(const char *before, const char *what)
{
	char *after = pin_snapshot();

	CHECK(!strcmp(before, after),
	      "%s changed " PIN_ROOT ":\nbefore:\n%safter:\n%s", what, before,
	      after);
	free(after);
}

/* A pid that no process has: a child's, once reaped. */
static pid_t dead_pid(void)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (!pid)
		_exit(0);
	CHECK(waitpid(pid, NULL, 0) == pid, "waitpid: %s", strerror(errno));
	CHECK(kill(pid, 0) && errno == ESRCH, "pid %d still exists", pid);
	errno = 0;
	return pid;
}

/* Processes with a KVM VM fd open, other than the VMMs of this test. */
static int other_vm_holders(void)
{
	char path[PATH_MAX], target[64];
	struct dirent *p, *f;
	DIR *proc, *fds;
	int n = 0;

	proc = opendir("/proc");
	CHECK(proc, "opendir /proc: %s", strerror(errno));
	while ((p = readdir(proc))) {
		if (!isdigit((unsigned char)p->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", p->d_name);
		fds = opendir(path);
		if (!fds)
			continue;
		while ((f = readdir(fds))) {
			char fd_path[PATH_MAX + 300];
			ssize_t k;

			snprintf(fd_path, sizeof(fd_path), "%s/%s", path, f->d_name);
			k = readlink(fd_path, target, sizeof(target) - 1);
			if (k < 0)
				continue;
			target[k] = 0;
			if (!strcmp(target, "anon_inode:kvm-vm"))
				n++;
		}
		closedir(fds);
	}
	closedir(proc);
	errno = 0;
	return n;
}

/* ---- The CLI's commands as the tests use them ---------------------------- */

struct attached {
	uint32_t link_id;
	uint32_t prog_id;
	char pin[PATH_MAX];
};

/*
 * Link @link_id is a kvm_trap link of VM @vm of @v running program
 * @prog_id named @prog_name, pinned at @pin.
 */
static void expect_link(const struct vmm *v, int vm, uint32_t link_id,
			uint32_t prog_id, const char *prog_name,
			const char *pin)
{
	struct bpf_link_info info;
	char name[BPF_OBJ_NAME_LEN];
	int r;

	r = link_info_by_id(link_id, &info);
	CHECK(!r, "link %u: %s", link_id, strerror(-r));
	CHECK(info.type == BPF_LINK_TYPE_KVM_TRAP, "link %u has type %u",
	      link_id, info.type);
	CHECK(info.prog_id == prog_id, "link %u runs program %u, expected %u",
	      link_id, info.prog_id, prog_id);
	CHECK(info.kvm_trap.vm_pid == (uint32_t)v->pid &&
	      info.kvm_trap.vm_fd == (uint32_t)v->vm_fd[vm] &&
	      !info.kvm_trap.defunct,
	      "link %u is on VM %u-%u%s, expected %s", link_id,
	      info.kvm_trap.vm_pid, info.kvm_trap.vm_fd,
	      info.kvm_trap.defunct ? " (defunct)" : "", v->name[vm]);
	prog_name_by_id(prog_id, name);
	CHECK(!strcmp(name, prog_name), "program %u is named \"%s\", expected \"%s\"",
	      prog_id, name, prog_name);
	r = pinned_link_id(pin);
	CHECK(r == (int)link_id, "%s: %s", pin,
	      r < 0 ? strerror(-r) : "pins another link");
}

/*
 * "kvmtrap --json attach OBJ --vm VM SETS": every member of the answer
 * checked against the kernel's view of the new link.
 */
static struct attached cli_attach_obj(struct vmm *v, int vm, const char *obj,
				      const char *prog_name, const char *sets)
{
	struct attached a = {};
	char want_pin[PATH_MAX];
	struct jv *o;
	struct run r;

	run(&r, "kvmtrap --json attach %s --vm %s %s", obj, vm_arg(v, vm), sets);
	o = run_json(&r);
	jkeys(o, "vm,link_id,prog_id,prog_name,pin");
	jexpect_str(o, "vm", v->name[vm]);
	jexpect_str(o, "prog_name", prog_name);
	a.link_id = ju64(o, "link_id");
	a.prog_id = ju64(o, "prog_id");
	CHECK(a.link_id && a.prog_id, "link_id %u, prog_id %u in:\n%s",
	      a.link_id, a.prog_id, r.out);
	snprintf(want_pin, sizeof(want_pin), PIN_ROOT "/%s/link-%u", v->name[vm],
		 a.link_id);
	jexpect_str(o, "pin", want_pin);
	snprintf(a.pin, sizeof(a.pin), "%s", want_pin);
	expect_link(v, vm, a.link_id, a.prog_id, prog_name, a.pin);
	return a;
}

static struct attached cli_attach(struct vmm *v, int vm, const char *sets)
{
	return cli_attach_obj(v, vm, CLI_OBJ, PROG_NAME, sets);
}

/* An element of a link list ("list", "status"): the link of @a. */
static void expect_json_link(const struct jv *l, const struct attached *a,
			     const char *prog_name)
{
	jkeys(l, "link_id,prog_id,prog_name,pinned,defunct");
	jexpect_u64(l, "link_id", a->link_id);
	jexpect_u64(l, "prog_id", a->prog_id);
	jexpect_str(l, "prog_name", prog_name);
	jexpect_bool(l, "pinned", true);
	jexpect_bool(l, "defunct", false);
}

static void expect_json_stats_keys(const struct jv *s)
{
	jkeys(s, "pass,handled,forward,deny,undef,forward_refused");
}

static struct kt_stats json_stats(const struct jv *o)
{
	const struct jv *s = jobj(o, "stats");

	expect_json_stats_keys(s);
	return (struct kt_stats){
		.pass		= ju64(s, "pass"),
		.handled	= ju64(s, "handled"),
		.forward	= ju64(s, "forward"),
		.deny		= ju64(s, "deny"),
		.undef		= ju64(s, "undef"),
		.refused	= ju64(s, "forward_refused"),
	};
}

static void expect_stats_equal(struct kt_stats got, struct kt_stats want,
			       const char *what)
{
	CHECK(!memcmp(&got, &want, sizeof(got)),
	      "%s: pass %lu handled %lu forward %lu deny %lu undef %lu refused %lu, "
	      "expected %lu %lu %lu %lu %lu %lu", what, got.pass, got.handled,
	      got.forward, got.deny, got.undef, got.refused, want.pass,
	      want.handled, want.forward, want.deny, want.undef, want.refused);
}

/* "kvmtrap --json status --vm VM", its shape checked. */
static struct jv *cli_status(struct vmm *v, int vm, struct run *r)
{
	struct jv *o;

	run(r, "kvmtrap --json status --vm %s", vm_arg(v, vm));
	o = run_json(r);
	jkeys(o, "vm,accepts_forwards,links,stats,handled");
	jexpect_str(o, "vm", v->name[vm]);
	jarr(o, "links");
	jarr(o, "handled");
	json_stats(o);
	return o;
}

/* One entry of a handled-call list (JSON), as a struct. */
struct hentry {
	char conduit[8];
	uint32_t imm;
	uint64_t first, last;
	char route[16], owner[16];
	uint64_t hits;
	bool has_name;
	char name[96];
};

static struct hentry json_hentry(const struct jv *e)
{
	struct hentry h = {};

	jkeys(e, "conduit,imm,first,last,name,route,owner,hits");
	snprintf(h.conduit, sizeof(h.conduit), "%s", jstr(e, "conduit"));
	h.imm = ju64(e, "imm");
	h.first = ju64(e, "first");
	h.last = ju64(e, "last");
	snprintf(h.route, sizeof(h.route), "%s", jstr(e, "route"));
	snprintf(h.owner, sizeof(h.owner), "%s", jstr(e, "owner"));
	h.hits = ju64(e, "hits");
	h.has_name = !jis_null(e, "name");
	if (h.has_name)
		snprintf(h.name, sizeof(h.name), "%s", jstr(e, "name"));
	return h;
}

static int json_hentries(const struct jv *list, struct hentry *h, int max)
{
	int i;

	CHECK(list->n <= max, "%d handled entries, more than %d", list->n, max);
	for (i = 0; i < list->n; i++)
		h[i] = json_hentry(jat(list, i));
	return list->n;
}

/* The entry for exactly (@conduit, @imm, @id..@id), or NULL. */
static const struct hentry *find_hentry(const struct hentry *h, int n,
					const char *conduit, uint32_t imm,
					uint64_t id)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(h[i].conduit, conduit) && h[i].imm == imm &&
		    h[i].first == id && h[i].last == id)
			return &h[i];
	return NULL;
}

/* The entry of @owner whose range holds (@conduit, @imm, @id), or NULL. */
static const struct hentry *covering_hentry(const struct hentry *h, int n,
					    const char *conduit, uint32_t imm,
					    uint64_t id, const char *owner)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(h[i].conduit, conduit) && h[i].imm == imm &&
		    h[i].first <= id && id <= h[i].last &&
		    (!owner || !strcmp(h[i].owner, owner)))
			return &h[i];
	return NULL;
}

/* The policy's entry for @func: route bpf, owner policy, @hits. */
static void expect_policy_hentry(const struct hentry *h, int n,
				 const char *conduit, uint32_t imm,
				 uint64_t func, uint64_t hits)
{
	const struct hentry *e = find_hentry(h, n, conduit, imm, func);

	CHECK(e, "no handled entry %s #0x%x 0x%lx in:\n%s", conduit, imm, func,
	      json_text);
	CHECK(!strcmp(e->route, "bpf") && !strcmp(e->owner, "policy") &&
	      e->hits == hits,
	      "handled entry %s #0x%x 0x%lx: route %s owner %s hits %lu, "
	      "expected bpf policy %lu, in:\n%s", conduit, imm, func, e->route,
	      e->owner, e->hits, hits, json_text);
}

/* The answer of "kvmtrap --json query". */
struct qres {
	char stage[16], verdict[16];
	char prog_verdict[16];	/* "" unless stage bpf */
	bool refused;		/* a FORWARD the VM does not accept */
	uint32_t link_id, prog_id;
	bool el2;
	bool has_ret;
	uint64_t ret[4];
	uint64_t func_id;
	uint32_t imm;
	char conduit[8];
	bool has_name;
	char name[64];
};

/* "kvmtrap --json query --vm VM @call", its shape checked. */
static struct qres __printf(3, 4)
cli_query(struct vmm *v, int vm, const char *fmt, ...)
{
	char call[256];
	struct qres q = {};
	struct run r;
	struct jv *o, *ret;
	va_list ap;
	int i;

	va_start(ap, fmt);
	vsnprintf(call, sizeof(call), fmt, ap);
	va_end(ap);
	run(&r, "kvmtrap --json query --vm %s %s", vm_arg(v, vm), call);
	o = run_json(&r);
	jkeys(o, "vm,conduit,imm,func_id,name,stage,verdict,prog_verdict,refused,"
	      "link_id,prog_id,el2,ret");
	jexpect_str(o, "vm", v->name[vm]);
	snprintf(q.stage, sizeof(q.stage), "%s", jstr(o, "stage"));
	snprintf(q.verdict, sizeof(q.verdict), "%s", jstr(o, "verdict"));
	q.refused = jbool(o, "refused");
	if (!jis_null(o, "prog_verdict"))
		snprintf(q.prog_verdict, sizeof(q.prog_verdict), "%s",
			 jstr(o, "prog_verdict"));
	snprintf(q.conduit, sizeof(q.conduit), "%s", jstr(o, "conduit"));
	q.link_id = ju64(o, "link_id");
	q.prog_id = ju64(o, "prog_id");
	q.el2 = jbool(o, "el2");
	q.func_id = ju64(o, "func_id");
	q.imm = ju64(o, "imm");
	q.has_name = !jis_null(o, "name");
	if (q.has_name)
		snprintf(q.name, sizeof(q.name), "%s", jstr(o, "name"));
	q.has_ret = !jis_null(o, "ret");
	if (q.has_ret) {
		ret = jarr(o, "ret");
		CHECK(ret->n == 4, "query ret has %d elements, expected 4:\n%s",
		      ret->n, r.out);
		for (i = 0; i < 4; i++)
			q.ret[i] = jat_u64(ret, i);
	}
	CHECK(!strcmp(q.stage, "filter") || !strcmp(q.stage, "native") ||
	      !strcmp(q.stage, "bpf") || !strcmp(q.stage, "default"),
	      "query stage \"%s\":\n%s", q.stage, r.out);
	/* Only a program decides with a link, and gives its own verdict. */
	CHECK(!strcmp(q.stage, "bpf") == !!q.prog_verdict[0],
	      "query stage %s with prog_verdict \"%s\":\n%s", q.stage,
	      q.prog_verdict, r.out);
	CHECK(q.refused == (!strcmp(q.prog_verdict, "forward") &&
			    !strcmp(q.verdict, "deny")),
	      "query refused %d, prog_verdict %s, verdict %s:\n%s", q.refused,
	      q.prog_verdict, q.verdict, r.out);
	CHECK(!strcmp(q.stage, "bpf") == (q.link_id && q.prog_id),
	      "query stage %s with link_id %u prog_id %u:\n%s", q.stage,
	      q.link_id, q.prog_id, r.out);
	return q;
}

static void expect_query(const struct qres *q, const char *what,
			 const char *stage, const char *verdict)
{
	CHECK(!strcmp(q->stage, stage) && !strcmp(q->verdict, verdict),
	      "query %s: stage %s, verdict %s; expected %s, %s", what, q->stage,
	      q->verdict, stage, verdict);
}

/* The query's ret is what the guest got from the same call. */
static void expect_query_ret_is(const struct qres *q, const char *what,
				const struct kt_regs *r)
{
	int i;

	CHECK(q->has_ret, "query %s: ret null, the guest got x0 0x%lx", what,
	      r->x[0]);
	for (i = 0; i < 4; i++)
		CHECK(q->ret[i] == r->x[i],
		      "query %s: ret[%d] 0x%lx, the guest got x%d = 0x%lx", what,
		      i, q->ret[i], i, r->x[i]);
}

static void expect_query_ret(const struct qres *q, const char *what,
			     uint64_t r0, uint64_t r1, uint64_t r2, uint64_t r3)
{
	const uint64_t want[4] = { r0, r1, r2, r3 };
	int i;

	CHECK(q->has_ret, "query %s: ret null, expected 0x%lx...", what, r0);
	for (i = 0; i < 4; i++)
		CHECK(q->ret[i] == want[i], "query %s: ret[%d] 0x%lx, expected 0x%lx",
		      what, i, q->ret[i], want[i]);
}

static const char *conduit_word(uint32_t conduit)
{
	return conduit == KVM_TRAP_CONDUIT_SMC ? "smc" : "hvc";
}

/* ---- Tests: help and usage errors ---------------------------------------- */

static const char *const commands[] = {
	"list", "attach", "detach", "prune", "replace", "status", "handled",
	"query", "test", "trace",
};

/* --help lists every command; COMMAND --help describes that one. */
static void test_help(void)
{
	struct run r;
	size_t i;

	run(&r, "kvmtrap --help");
	expect_ok(&r);
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		CHECK(has_word(r.out, commands[i]),
		      "\"kvmtrap --help\" does not list \"%s\":\n%s",
		      commands[i], r.out);
	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		run(&r, "kvmtrap %s --help", commands[i]);
		expect_ok(&r);
		CHECK(has_word(r.out, commands[i]), RUN_FMT, RUN_ARGS(&r));
	}
	run(&r, "kvmtrap attach --help");
	CHECK(strstr(r.out, "--vm") && strstr(r.out, "--set"),
	      "attach's help names neither --vm nor --set: " RUN_FMT, RUN_ARGS(&r));
}

/* No command, an unknown one, an unknown option: exit 2 with the usage. */
static void test_usage_unknown_command(void)
{
	struct run r;

	run(&r, "kvmtrap frobnicate");
	expect_usage(&r);
	expect_err_has(&r, "frobnicate");
	run(&r, "kvmtrap");
	expect_usage(&r);
	run(&r, "kvmtrap --frobnicate list");
	expect_usage(&r);
	expect_err_has(&r, "--frobnicate");
}

/* Every command that needs a VM says --vm is missing, exit 2. */
static void test_usage_missing_vm(void)
{
	static const char *const cmds[] = {
		"attach " CLI_OBJ,
		"detach --all",
		"detach --link 1",
		"replace --link 1 " CLI_OBJ,
		"status",
		"handled",
		"query hvc PSCI_VERSION",
		"trace --count 1",
	};
	struct run r;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		run(&r, "kvmtrap %s", cmds[i]);
		expect_usage(&r);
		expect_err_has(&r, "--vm");
	}
}

/*
 * Malformed arguments are usage errors (exit 2), found before anything is
 * done: pid 1 is never looked at.
 */
static void test_usage_bad_arguments(void)
{
	static const char *const cmds[] = {
		"list extra",
		"prune extra",
		"prune --vm 1",
		"status --vm abc",
		"status --vm 1:x",
		"status --vm 1 --frobnicate",
		"detach --vm 1",
		"detach --vm 1 --link 3 --all",
		"detach --vm 1 --link x",
		"attach --vm 1",
		"attach " CLI_OBJ " --vm 1 --set verdict",
		"replace --vm 1 " CLI_OBJ,
		"query --vm 1 hvc",
		"query --vm 1 svc 0x1",
		"query --vm 1 hvc NO_SUCH_FUNCTION",
		"query --vm 1 hvc #0x10000 0x1",
		"query --vm 1 --vcpu x hvc 0x1",
		"query --vm 1 hvc 0x1 1 2 3 4 5 6 7 8",
		"test " CLI_OBJ,
		"test " CLI_OBJ " smc",
		"trace --vm 1 --count x",
	};
	struct run r;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		run(&r, "kvmtrap %s", cmds[i]);
		expect_usage(&r);
	}
}

/* ---- Tests: list --------------------------------------------------------- */

/*
 * No VM on the host: said so, and an empty "vms" array (and "orphans",
 * which another test's VMs may have left, is there).
 */
static void test_list_no_vm(void)
{
	struct jv *o;
	struct run r;

	CHECK(!other_vm_holders(), "a process holds a KVM VM fd already");
	run(&r, "kvmtrap list");
	expect_ok(&r);
	CHECK(strstr(r.out, "no KVM VMs on this host"),
	      "no \"no KVM VMs on this host\": " RUN_FMT, RUN_ARGS(&r));
	run(&r, "kvmtrap --json list");
	o = run_json(&r);
	jkeys(o, "vms,orphans");
	CHECK(!jarr(o, "vms")->n, "VMs listed on a host without any:\n%s", r.out);
}

/*
 * The table row of VM @name: VM PID COMM FD LINKS FORWARDS (the test VMM
 * opts in unless told not to, so "yes" is expected); with @a, the next line
 * is that link: ID, program ID, program name, pinned.
 */
static void expect_list_row(const char *out, const struct vmm *v, int vm,
			    int nr_links, const struct attached *a)
{
	char line[512], tok[MAX_TOKENS][TOKEN_LEN], want[32];
	int i, n;

	CHECK(line_at(out, 0, line, sizeof(line)), "empty list:\n%s", out);
	n = tokens(line, tok);
	CHECK(n == 6 && !strcmp(tok[0], "VM") && !strcmp(tok[1], "PID") &&
	      !strcmp(tok[2], "COMM") && !strcmp(tok[3], "FD") &&
	      !strcmp(tok[4], "LINKS") && !strcmp(tok[5], "FORWARDS"),
	      "the list's header is not \"VM PID COMM FD LINKS FORWARDS\":\n%s",
	      out);
	for (i = 1; line_at(out, i, line, sizeof(line)); i++) {
		n = tokens(line, tok);
		if (n && !strcmp(tok[0], v->name[vm]))
			break;
	}
	CHECK(n == 6, "no row of 6 columns for VM %s:\n%s", v->name[vm], out);
	snprintf(want, sizeof(want), "%d", v->pid);
	CHECK(!strcmp(tok[1], want), "PID %s, expected %s:\n%s", tok[1], want, out);
	CHECK(!strcmp(tok[2], VMM_COMM), "COMM %s, expected %s:\n%s", tok[2],
	      VMM_COMM, out);
	snprintf(want, sizeof(want), "%d", v->vm_fd[vm]);
	CHECK(!strcmp(tok[3], want), "FD %s, expected %s:\n%s", tok[3], want, out);
	snprintf(want, sizeof(want), "%d", nr_links);
	CHECK(!strcmp(tok[4], want), "LINKS %s, expected %s:\n%s", tok[4], want,
	      out);
	CHECK(!strcmp(tok[5], "yes"), "FORWARDS %s, expected yes:\n%s", tok[5],
	      out);
	if (!a)
		return;
	CHECK(line_at(out, i + 1, line, sizeof(line)) &&
	      isspace((unsigned char)line[0]),
	      "no indented link line after VM %s:\n%s", v->name[vm], out);
	n = tokens(line, tok);
	snprintf(want, sizeof(want), "%u", a->link_id);
	CHECK(tokens_have(tok, n, want), "link line without link ID %s:\n%s",
	      want, out);
	snprintf(want, sizeof(want), "%u", a->prog_id);
	CHECK(tokens_have(tok, n, want), "link line without program ID %s:\n%s",
	      want, out);
	CHECK(tokens_have(tok, n, PROG_NAME) && tokens_have(tok, n, "pinned") &&
	      !tokens_have(tok, n, "defunct"),
	      "link line without \"%s pinned\" (or defunct):\n%s", PROG_NAME, out);
}

/* One VMM's VM, then its link: table and JSON agree with the kernel. */
static void test_list_vm_and_links(void)
{
	struct attached a;
	struct jv *o, *vms, *e;
	struct vmm v;
	struct run r;

	vmm_start(&v, NULL);
	run(&r, "kvmtrap --json list");
	o = run_json(&r);
	jkeys(o, "vms,orphans");
	vms = jarr(o, "vms");
	CHECK(vms->n == 1, "%d VMs listed, expected the VMM's one:\n%s", vms->n,
	      r.out);
	e = jat(vms, 0);
	jkeys(e, "vm,pid,fd,comm,accepts_forwards,links");
	jexpect_bool(e, "accepts_forwards", true);
	jexpect_str(e, "vm", v.name[0]);
	jexpect_u64(e, "pid", v.pid);
	jexpect_u64(e, "fd", v.vm_fd[0]);
	jexpect_str(e, "comm", VMM_COMM);
	CHECK(!jarr(e, "links")->n, "links listed before any attach:\n%s", r.out);
	run(&r, "kvmtrap list");
	expect_ok(&r);
	expect_list_row(r.out, &v, 0, 0, NULL);

	a = cli_attach(&v, 0, SET_HANDLE_A);
	run(&r, "kvmtrap --json list");
	o = run_json(&r);
	e = jat(jarr(o, "vms"), 0);
	jexpect_str(e, "vm", v.name[0]);
	CHECK(jarr(e, "links")->n == 1, "expected one link:\n%s", r.out);
	expect_json_link(jat(jarr(e, "links"), 0), &a, PROG_NAME);
	run(&r, "kvmtrap list");
	expect_ok(&r);
	expect_list_row(r.out, &v, 0, 1, &a);
}

/*
 * A link the VMM made itself (libbpf, not pinned) is listed too, as not
 * pinned, with its program's name.
 */
static void test_list_unpinned_link(void)
{
	char line[512], tok[MAX_TOKENS][TOKEN_LEN], want[16];
	struct jv *o, *l;
	struct vmm v;
	struct run r;
	uint32_t id;
	int i, n = 0;

	vmm_start(&v, NULL);
	vmm_hold_links(&v, 1, &id);

	run(&r, "kvmtrap --json list");
	o = run_json(&r);
	CHECK(jarr(jat(jarr(o, "vms"), 0), "links")->n == 1,
	      "not one link listed:\n%s", r.out);
	l = jat(jarr(jat(jarr(o, "vms"), 0), "links"), 0);
	jkeys(l, "link_id,prog_id,prog_name,pinned,defunct");
	jexpect_u64(l, "link_id", id);
	jexpect_str(l, "prog_name", "policy");
	jexpect_bool(l, "pinned", false);
	jexpect_bool(l, "defunct", false);

	run(&r, "kvmtrap list");
	expect_ok(&r);
	snprintf(want, sizeof(want), "%u", id);
	for (i = 1; line_at(r.out, i, line, sizeof(line)); i++) {
		n = tokens(line, tok);
		if (isspace((unsigned char)line[0]) && tokens_have(tok, n, want))
			break;
	}
	CHECK(line_at(r.out, i, line, sizeof(line)), "no line of link %s:\n%s",
	      want, r.out);
	CHECK(tokens_have(tok, n, "policy") && !tokens_have(tok, n, "pinned"),
	      "link line \"%s\" not \"policy\" or shown pinned", line);
}

/* ---- Tests: attach ------------------------------------------------------- */

/*
 * attach by the VMM's pid: the text answer, the pin, the link on the VM
 * running the program with the --set values (an enumerator name, hex
 * numbers), the guest answered by it.  Nothing but the VM's directory is
 * added to bpffs.
 */
static void test_attach_by_pid(void)
{
	char want[512], *before, *after, prefix[PATH_MAX];
	struct bpf_link_info info;
	const char *l;
	struct vmm v;
	struct run r;
	uint32_t id;

	vmm_start(&v, NULL);
	before = pin_snapshot();
	call_expect_default(&v, 0, FUNC_A);

	run(&r, "kvmtrap attach %s --vm %d --set verdict=KVM_TRAP_HANDLED "
	    "--set func_id=0x%llx --set ret=0x%llx", CLI_OBJ, v.pid,
	    (unsigned long long)FUNC_A, ANSWER_A);
	expect_ok(&r);
	CHECK(sscanf(r.out, "attached " PROG_NAME " to VM %*s link %u", &id) == 1,
	      "not \"attached " PROG_NAME " to VM ...: link ID, pinned at ...\":\n%s",
	      r.out);
	snprintf(want, sizeof(want),
		 "attached %s to VM %s: link %u, pinned at " PIN_ROOT "/%s/link-%u\n",
		 PROG_NAME, v.name[0], id, v.name[0], id);
	CHECK(!strcmp(r.out, want), "attach printed:\n%sexpected:\n%s", r.out, want);
	CHECK(!link_info_by_id(id, &info), "link %u does not exist", id);
	snprintf(want, sizeof(want), PIN_ROOT "/%s/link-%u", v.name[0], id);
	expect_link(&v, 0, id, info.prog_id, PROG_NAME, want);

	/* The CLI is gone; the pinned link answers. */
	call_expect(&v, 0, FUNC_A, ANSWER_A);
	call_expect_default(&v, 0, FUNC_OTHER);

	/* Whatever attach added is under the VM's own directory. */
	after = pin_snapshot();
	snprintf(prefix, sizeof(prefix), PIN_ROOT "/%s\n", v.name[0]);
	for (l = after; *l; l = strchr(l, '\n') + 1) {
		char entry[PATH_MAX + 1];
		int len = strchr(l, '\n') - l;

		snprintf(entry, sizeof(entry), "%.*s\n", len, l);
		if (strstr(before, entry))
			continue;
		CHECK(!strcmp(entry, prefix) ||
		      (!strncmp(entry, prefix, strlen(prefix) - 1) &&
		       entry[strlen(prefix) - 1] == '/'),
		      "attach added %.*s, outside %.*s", len, l,
		      (int)strlen(prefix) - 1, prefix);
	}
}

/*
 * A VMM with two VMs: "--vm PID" is ambiguous (exit 1, nothing left),
 * "--vm PID:FD" attaches to that VM only.  list shows both, sorted by fd.
 */
static void test_attach_pid_fd_several_vms(void)
{
	struct vmm_opts o = { .nr_vms = 2 };
	struct jv *js, *vms;
	struct attached a;
	char *before;
	struct vmm v;
	struct run r;

	vmm_start(&v, &o);
	before = pin_snapshot();
	run(&r, "kvmtrap attach %s --vm %d " SET_HANDLE_B, CLI_OBJ, v.pid);
	expect_failure(&r);
	expect_pins_unchanged(before, "an attach to an ambiguous --vm PID");
	expect_no_links(&v, 0);
	expect_no_links(&v, 1);

	a = cli_attach(&v, 1, SET_HANDLE_B);
	call_expect(&v, 1, FUNC_A, ANSWER_B);
	call_expect_default(&v, 0, FUNC_A);
	expect_no_links(&v, 0);

	run(&r, "kvmtrap --json list");
	js = run_json(&r);
	vms = jarr(js, "vms");
	CHECK(vms->n == 2, "%d VMs listed, expected 2:\n%s", vms->n, r.out);
	jexpect_str(jat(vms, 0), "vm", v.name[0]);
	jexpect_str(jat(vms, 1), "vm", v.name[1]);
	CHECK(!jarr(jat(vms, 0), "links")->n, "links on VM 0:\n%s", r.out);
	CHECK(jarr(jat(vms, 1), "links")->n == 1, "not one link on VM 1:\n%s",
	      r.out);
	expect_json_link(jat(jarr(jat(vms, 1), "links"), 0), &a, PROG_NAME);
}

/* ---- Tests: detach ------------------------------------------------------- */

/* The link of @id is gone from its VM: freed, or at least defunct. */
static void expect_link_gone(uint32_t id)
{
	struct bpf_link_info info;
	int r = link_info_by_id(id, &info);

	CHECK(r == -ENOENT || (!r && info.kvm_trap.defunct),
	      "link %u still live after detach (%s)", id,
	      r ? strerror(-r) : "not defunct");
}

/* detach --link: that link only, its pin gone, the next link answers. */
static void test_detach_link(void)
{
	char dir[PATH_MAX];
	struct attached a, b;
	struct jv *o, *d;
	struct vmm v;
	struct run r;

	vmm_start(&v, NULL);
	a = cli_attach(&v, 0, SET_HANDLE_A);
	b = cli_attach(&v, 0, SET_HANDLE_B);
	call_expect(&v, 0, FUNC_A, ANSWER_A);

	run(&r, "kvmtrap --json detach --vm %d --link %u", v.pid, a.link_id);
	o = run_json(&r);
	jkeys(o, "vm,detached");
	jexpect_str(o, "vm", v.name[0]);
	d = jarr(o, "detached");
	CHECK(d->n == 1 && jat_u64(d, 0) == a.link_id,
	      "detached is not [%u]:\n%s", a.link_id, r.out);
	CHECK(!path_exists(a.pin), "%s still pinned", a.pin);
	expect_link_gone(a.link_id);
	expect_link(&v, 0, b.link_id, b.prog_id, PROG_NAME, b.pin);
	call_expect(&v, 0, FUNC_A, ANSWER_B);

	/* By KVM's name of the VM, in text. */
	run(&r, "kvmtrap detach --vm %s --link %u", v.name[0], b.link_id);
	expect_ok(&r);
	CHECK(has_word(r.out, "detached") || has_word(r.out, "Detached"),
	      "detach says nothing about detaching: " RUN_FMT, RUN_ARGS(&r));
	CHECK(strstr(r.out, v.name[0]), "detach does not name the VM: " RUN_FMT,
	      RUN_ARGS(&r));
	CHECK(!path_exists(b.pin), "%s still pinned", b.pin);
	expect_link_gone(b.link_id);
	/* The last link pin gone: the VM's directory goes with its list. */
	snprintf(dir, sizeof(dir), PIN_ROOT "/%s", v.name[0]);
	CHECK(!path_exists(dir), "%s left after its last link was detached", dir);
	call_expect_default(&v, 0, FUNC_A);
}

/* detach --all: every link of the VM, bpffs as before the attaches. */
static void test_detach_all(void)
{
	struct attached a[3];
	char *before;
	struct jv *o, *d;
	struct vmm v;
	struct run r;
	int i, j;

	vmm_start(&v, NULL);
	before = pin_snapshot();
	a[0] = cli_attach(&v, 0, SET_HANDLE_A);
	a[1] = cli_attach(&v, 0, SET_HANDLE_B);
	a[2] = cli_attach(&v, 0, "--set verdict=3");
	call_expect(&v, 0, FUNC_A, ANSWER_A);

	run(&r, "kvmtrap --json detach --vm %d --all", v.pid);
	o = run_json(&r);
	jkeys(o, "vm,detached");
	jexpect_str(o, "vm", v.name[0]);
	d = jarr(o, "detached");
	CHECK(d->n == 3, "%d links detached, expected 3:\n%s", d->n, r.out);
	for (i = 0; i < 3; i++) {
		for (j = 0; j < 3; j++)
			if (jat_u64(d, j) == a[i].link_id)
				break;
		CHECK(j < 3, "link %u not in detached:\n%s", a[i].link_id, r.out);
		CHECK(!path_exists(a[i].pin), "%s still pinned", a[i].pin);
		expect_link_gone(a[i].link_id);
	}
	expect_pins_unchanged(before, "attach x3, detach --all");
	expect_no_links(&v, 0);
	call_expect_default(&v, 0, FUNC_A);

	run(&r, "kvmtrap --json list");
	o = run_json(&r);
	CHECK(!jarr(jat(jarr(o, "vms"), 0), "links")->n,
	      "links listed after detach --all:\n%s", r.out);
}

/*
 * A VMM that died leaves defunct pinned links: detach by KVM's name of the
 * VM works from the pins, and cleans them.
 */
static void test_detach_by_name_after_vmm_exit(void)
{
	struct bpf_link_info info;
	struct attached a;
	char dir[PATH_MAX];
	struct jv *o, *d;
	struct vmm v;
	struct run r;

	vmm_start(&v, NULL);
	a = cli_attach(&v, 0, SET_HANDLE_A);
	vmm_stop(&v);
	CHECK(!link_info_by_id(a.link_id, &info) && info.kvm_trap.defunct,
	      "link %u is not defunct after its VM is gone", a.link_id);

	run(&r, "kvmtrap --json detach --vm %s --all", v.name[0]);
	o = run_json(&r);
	jkeys(o, "vm,detached");
	jexpect_str(o, "vm", v.name[0]);
	d = jarr(o, "detached");
	CHECK(d->n == 1 && jat_u64(d, 0) == a.link_id,
	      "detached is not [%u]:\n%s", a.link_id, r.out);
	snprintf(dir, sizeof(dir), PIN_ROOT "/%s", v.name[0]);
	CHECK(!path_exists(dir), "%s left after detach --all", dir);
}

/*
 * From a child pid namespace with its own /proc (what "unshare -p -f
 * --mount-proc" makes): list, attach and status name the VM by its
 * VMM's pid there, the one ps shows in the namespace, not the host's,
 * and status reads the VM's counters there.
 */
static void test_names_in_pid_ns(void)
{
	int status;
	pid_t pid;

	CHECK(!unshare(CLONE_NEWPID | CLONE_NEWNS), "unshare: %s",
	      strerror(errno));
	pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (!pid) {
		const struct jv *vms, *e;
		struct attached a;
		struct vmm v;
		struct run r;

		CHECK(getpid() == 1, "pid %d in a new pid namespace", getpid());
		CHECK(!mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) &&
		      !mount("proc", "/proc", "proc", 0, NULL),
		      "mount the namespace's /proc: %s", strerror(errno));
		vmm_start(&v, NULL);
		run(&r, "kvmtrap --json list");
		vms = jarr(run_json(&r), "vms");
		CHECK(vms->n == 1, "%d VMs listed in the namespace:\n%s", vms->n,
		      r.out);
		e = jat(vms, 0);
		jexpect_str(e, "vm", v.name[0]);
		jexpect_u64(e, "pid", v.pid);
		a = cli_attach(&v, 0, SET_HANDLE_A);
		run(&r, "kvmtrap list");
		expect_ok(&r);
		expect_list_row(r.out, &v, 0, 1, &a);
		call_expect(&v, 0, FUNC_A, ANSWER_A);
		/* Counted, and read without debugfs's host-pid name. */
		expect_stats_equal(json_stats(cli_status(&v, 0, &r)),
				   (struct kt_stats){ .handled = 1 },
				   "status in the pid namespace");
		exit(0);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      !WEXITSTATUS(status),
	      "the test in the pid namespace failed (status 0x%x)", status);
}

/* ---- Tests: forwards reach only a VMM that asked for them ---------------- */

#define SET_FORWARD_A	"--set verdict=2 --set func_id=0xc3000042"

/* "kvmtrap status --vm VM" (text) has the line @want. */
static void expect_status_line(struct vmm *v, const char *want)
{
	struct run r;

	run(&r, "kvmtrap status --vm %d", v->pid);
	expect_ok(&r);
	CHECK(has_line_prefix(r.out, want), "status has no line \"%s\":\n%s",
	      want, r.out);
}

/* The VM of @v in "kvmtrap --json list": whether it accepts forwards. */
static bool list_accepts_forwards(struct vmm *v)
{
	const struct jv *vms, *e;
	struct run r;
	int i;

	run(&r, "kvmtrap --json list");
	vms = jarr(run_json(&r), "vms");
	for (i = 0; i < vms->n; i++) {
		e = jat(vms, i);
		if (!strcmp(jstr(e, "vm"), v->name[0]))
			return jbool(e, "accepts_forwards");
	}
	CHECK(false, "VM %s not listed:\n%s", v->name[0], r.out);
	return false;
}

/*
 * attach to a VM whose VMM never opted in: it succeeds, and says on
 * stderr (one line, naming the VM) that the policy's forwards will be
 * refused; list and status say the VM does not accept forwards.  To a
 * VM that opted in: not a word on stderr.
 */
static void test_attach_warns_vm_refuses_forwards(void)
{
	struct vmm_opts o = { .nr_vms = 1, .refuse_forwards = true };
	struct vmm v, w;
	struct run r;

	vmm_start(&v, &o);
	run(&r, "kvmtrap attach %s --vm %d " SET_FORWARD_A, CLI_OBJ, v.pid);
	expect_exit(&r, 0);
	CHECK(count_lines(r.err) == 1 && strstr(r.err, "warning") &&
	      strstr(r.err, v.name[0]) &&
	      strstr(r.err, "does not accept forwards"),
	      "no warning about refused forwards: " RUN_FMT, RUN_ARGS(&r));
	CHECK(!list_accepts_forwards(&v), "list: VM %s accepts forwards",
	      v.name[0]);
	jexpect_bool(cli_status(&v, 0, &r), "accepts_forwards", false);
	expect_status_line(&v, "forwards: refused");

	vmm_start(&w, NULL);
	run(&r, "kvmtrap attach %s --vm %d " SET_FORWARD_A, CLI_OBJ, w.pid);
	expect_ok(&r);
	jexpect_bool(cli_status(&w, 0, &r), "accepts_forwards", true);
	expect_status_line(&w, "forwards: accepted");
}

/*
 * A policy forwards FUNC_A to a VMM that has not opted in: no exit
 * reaches the VMM, the guest gets NOT_SUPPORTED, trap_bpf_forward_refused
 * counts it, and the query says so (program's verdict forward, the
 * guest's deny).  After the VMM opts in, the same call exits to it.
 */
static void test_forward_refused_until_vmm_opts_in(void)
{
	struct vmm_opts o = { .nr_vms = 1, .refuse_forwards = true };
	struct kt_call c = kt_smccc(KVM_TRAP_CONDUIT_HVC, FUNC_A);
	struct kt_stats st0, st1;
	struct kt_regs regs;
	uint32_t exits;
	struct qres q;
	struct vmm v;
	struct run r;

	vmm_start(&v, &o);
	run(&r, "kvmtrap attach %s --vm %d " SET_FORWARD_A, CLI_OBJ, v.pid);
	expect_exit(&r, 0);
	st0 = vmm_stats(&v, 0);

	q = cli_query(&v, 0, "hvc 0x%x", FUNC_A);
	expect_query(&q, "forward refused", "bpf", "deny");
	CHECK(q.refused && !strcmp(q.prog_verdict, "forward"),
	      "query: refused %d, prog_verdict %s; expected a refused forward",
	      q.refused, q.prog_verdict);
	expect_query_ret(&q, "forward refused", NOT_SUPPORTED, 0, 0, 0);
	run(&r, "kvmtrap query --vm %d hvc 0x%x", v.pid, FUNC_A);
	expect_ok(&r);
	CHECK(strstr(r.out, "forward refused") && strstr(r.out, "deny"),
	      "query does not say the forward is refused:\n%s", r.out);

	regs = vmm_call(&v, 0, &c, &exits);
	CHECK(!exits, "%u forward exits reached a VMM that did not opt in",
	      exits);
	kt_assert_not_supported(&c, &regs);
	/* trap_bpf_forward counts what the program said, refused or not. */
	st1 = st0;
	st1.forward++;
	st1.refused++;
	expect_stats_equal(vmm_stats(&v, 0), st1, "a refused forward");
	expect_stats_equal(json_stats(cli_status(&v, 0, &r)), st1,
			   "status after a refused forward");

	vmm_request(&v, VMM_ACCEPT_FORWARDS, 0, NULL, 0, 0);
	CHECK(list_accepts_forwards(&v), "list: VM %s refuses forwards after the opt-in",
	      v.name[0]);
	expect_status_line(&v, "forwards: accepted");
	q = cli_query(&v, 0, "hvc 0x%x", FUNC_A);
	expect_query(&q, "forward accepted", "bpf", "forward");
	CHECK(!q.refused, "query: a forward refused after the opt-in");
	vmm_call(&v, 0, &c, &exits);
	CHECK(exits == 1, "%u forward exits after the opt-in, expected 1",
	      exits);
	st1.forward++;
	expect_stats_equal(vmm_stats(&v, 0), st1, "a forward after the opt-in");
}

/* ---- Tests: pins that outlive their VM: list and prune ------------------- */

#define NR_GONE		3

/* VMMs that each had a policy attached with "kvmtrap attach", then exited. */
struct gone {
	struct vmm v[NR_GONE];
	struct attached a[NR_GONE];
	int order[NR_GONE];	/* by pid, as list and prune sort them */
};

/*
 * Start from a bpffs without the pins of VMs that earlier suites left
 * behind, so that what the test sees is its own.
 */
static void prune_earlier(void)
{
	struct run r;

	run(&r, "kvmtrap prune");
	expect_ok(&r);
}

static void make_gone(struct gone *g)
{
	struct bpf_link_info info;
	int i, j, t;

	for (i = 0; i < NR_GONE; i++) {
		vmm_start(&g->v[i], NULL);
		g->a[i] = cli_attach(&g->v[i], 0, SET_HANDLE_A);
	}
	for (i = 0; i < NR_GONE; i++) {
		vmm_stop(&g->v[i]);
		CHECK(!link_info_by_id(g->a[i].link_id, &info) &&
		      info.kvm_trap.defunct,
		      "link %u is not defunct after its VM is gone",
		      g->a[i].link_id);
		g->order[i] = i;
	}
	for (i = 1; i < NR_GONE; i++)
		for (j = i; j > 0 && g->v[g->order[j]].pid <
				     g->v[g->order[j - 1]].pid; j--) {
			t = g->order[j];
			g->order[j] = g->order[j - 1];
			g->order[j - 1] = t;
		}
}

/* The element of "orphans" for VM @name, NULL when there is none. */
static const struct jv *json_orphan(const struct jv *orphans, const char *name)
{
	int i;

	for (i = 0; i < orphans->n; i++)
		if (!strcmp(jstr(jat(orphans, i), "vm"), name))
			return jat(orphans, i);
	return NULL;
}

/* What prune prints for the pins of gone VM @i of @g, in its order. */
static void prune_lines(const struct gone *g, int i, const char *verb,
			char **out, size_t *len)
{
	const struct attached *a = &g->a[i];
	const char *name = g->v[i].name[0];
	char line[PATH_MAX + 256];
	int n;

	n = snprintf(line, sizeof(line),
		     "%s link %u (prog %u " PROG_NAME ") of VM %s: " PIN_ROOT "/%s/link-%u\n"
		     "%s the handled-call list of VM %s: " PIN_ROOT "/%s/handled\n"
		     "%s the directory of VM %s: " PIN_ROOT "/%s\n",
		     verb, a->link_id, a->prog_id, name, name, a->link_id,
		     verb, name, name, verb, name, name);
	append(out, len, line, n);
}

/* The lines of @text that start with @prefix (a pin_snapshot()'s). */
static char *lines_with_prefix(const char *text, const char *prefix)
{
	const char *l, *end;
	char *out = NULL;
	size_t len = 0;

	append(&out, &len, "", 0);
	for (l = text; *l; l = end + 1) {
		end = strchrnul(l, '\n');
		if (!strncmp(l, prefix, strlen(prefix)))
			append(&out, &len, l, end - l + !!*end);
		if (!*end)
			break;
	}
	return out;
}

/* A link that its last unpin released goes shortly after (a workqueue). */
static void wait_link_freed(uint32_t id)
{
	uint64_t deadline = now_ms() + 10 * 1000;
	struct bpf_link_info info;

	while (link_info_by_id(id, &info) != -ENOENT) {
		CHECK(now_ms() < deadline, "link %u still exists 10 s after prune",
		      id);
		sleep_ms(10);
	}
}

/*
 * list --json: each gone VM's directory under "orphans" with its defunct
 * link and its handled-call list; a live VM's only under "vms".
 */
static void test_list_orphans_json(void)
{
	const struct jv *o, *e, *l;
	char dir[PATH_MAX];
	struct attached live_a;
	struct gone g;
	struct vmm live;
	struct run r;
	int i;

	prune_earlier();
	vmm_start(&live, NULL);
	live_a = cli_attach(&live, 0, SET_HANDLE_A);
	make_gone(&g);

	run(&r, "kvmtrap --json list");
	o = run_json(&r);
	jkeys(o, "vms,orphans");
	CHECK(jarr(o, "orphans")->n == NR_GONE, "%d orphans, expected %d:\n%s",
	      jarr(o, "orphans")->n, NR_GONE, r.out);
	for (i = 0; i < NR_GONE; i++) {
		e = jat(jarr(o, "orphans"), i);
		jexpect_str(e, "vm", g.v[g.order[i]].name[0]);
	}
	for (i = 0; i < NR_GONE; i++) {
		e = json_orphan(jarr(o, "orphans"), g.v[i].name[0]);
		jkeys(e, "vm,dir,handled,links");
		snprintf(dir, sizeof(dir), PIN_ROOT "/%s", g.v[i].name[0]);
		jexpect_str(e, "dir", dir);
		jexpect_bool(e, "handled", true);
		CHECK(jarr(e, "links")->n == 1, "not one link of VM %s:\n%s",
		      g.v[i].name[0], r.out);
		l = jat(jarr(e, "links"), 0);
		jkeys(l, "link_id,prog_id,prog_name,pinned,defunct");
		jexpect_u64(l, "link_id", g.a[i].link_id);
		jexpect_u64(l, "prog_id", g.a[i].prog_id);
		jexpect_str(l, "prog_name", PROG_NAME);
		jexpect_bool(l, "pinned", true);
		jexpect_bool(l, "defunct", true);
	}
	CHECK(!json_orphan(jarr(o, "orphans"), live.name[0]),
	      "the live VM %s is listed as an orphan:\n%s", live.name[0], r.out);
	CHECK(jarr(o, "vms")->n == 1, "%d VMs, expected the live one:\n%s",
	      jarr(o, "vms")->n, r.out);
	e = jat(jarr(o, "vms"), 0);
	jexpect_str(e, "vm", live.name[0]);
	expect_json_link(jat(jarr(e, "links"), 0), &live_a, PROG_NAME);
}

/*
 * list: after the VM table, a table of the gone VMs' directories (VM
 * LINKS HANDLED DIR), each followed by its link, shown pinned,defunct.
 */
static void test_list_orphans_table(void)
{
	char line[512], tok[MAX_TOKENS][TOKEN_LEN], want[PATH_MAX];
	int i, j, k, n, head = -1;
	struct gone g;
	struct vmm live;
	struct run r;

	prune_earlier();
	vmm_start(&live, NULL);
	cli_attach(&live, 0, SET_HANDLE_A);
	make_gone(&g);

	run(&r, "kvmtrap list");
	expect_ok(&r);
	expect_list_row(r.out, &live, 0, 1, NULL);
	for (i = 0; line_at(r.out, i, line, sizeof(line)); i++)
		if (strstr(line, "orphaned pins") &&
		    strstr(line, "kvmtrap prune")) {
			head = i + 1;
			break;
		}
	CHECK(head > 0, "no line on orphaned pins naming kvmtrap prune:\n%s",
	      r.out);
	CHECK(line_at(r.out, head, line, sizeof(line)), "no header:\n%s", r.out);
	n = tokens(line, tok);
	CHECK(n == 4 && !strcmp(tok[0], "VM") && !strcmp(tok[1], "LINKS") &&
	      !strcmp(tok[2], "HANDLED") && !strcmp(tok[3], "DIR"),
	      "the orphans' header is not \"VM LINKS HANDLED DIR\":\n%s", r.out);
	/* Row, link line; row, link line; ... by pid. */
	for (k = 0; k < NR_GONE; k++) {
		i = g.order[k];
		j = head + 1 + 2 * k;
		CHECK(line_at(r.out, j, line, sizeof(line)),
		      "no row %d of the orphans:\n%s", k, r.out);
		n = tokens(line, tok);
		snprintf(want, sizeof(want), PIN_ROOT "/%s", g.v[i].name[0]);
		CHECK(n == 4 && !strcmp(tok[0], g.v[i].name[0]) &&
		      !strcmp(tok[1], "1") && !strcmp(tok[2], "yes") &&
		      !strcmp(tok[3], want),
		      "row %d is not \"%s 1 yes %s\":\n%s", k, g.v[i].name[0],
		      want, r.out);
		CHECK(line_at(r.out, j + 1, line, sizeof(line)) &&
		      isspace((unsigned char)line[0]),
		      "no link line after orphan %s:\n%s", g.v[i].name[0], r.out);
		n = tokens(line, tok);
		snprintf(want, sizeof(want), "%u", g.a[i].link_id);
		/* tokens() splits "pinned,defunct" at the comma. */
		CHECK(tokens_have(tok, n, want) &&
		      tokens_have(tok, n, PROG_NAME) &&
		      strstr(line, " pinned,defunct"),
		      "link line of %s is not link %s " PROG_NAME " pinned,defunct:\n%s",
		      g.v[i].name[0], want, r.out);
	}
	CHECK(!line_at(r.out, head + 1 + 2 * NR_GONE, line, sizeof(line)),
	      "more than the %d orphans listed:\n%s", NR_GONE, r.out);
}

/*
 * prune: removes each gone VM's link pin, handled-call list and directory,
 * printing one line for each, by pid; and nothing else.
 */
static void test_prune_removes_orphans(void)
{
	char *want = NULL;
	size_t len = 0;
	struct gone g;
	struct run r;
	int k;

	prune_earlier();
	make_gone(&g);
	append(&want, &len, "", 0);
	for (k = 0; k < NR_GONE; k++)
		prune_lines(&g, g.order[k], "removed", &want, &len);

	run(&r, "kvmtrap prune");
	expect_ok(&r);
	CHECK(!strcmp(r.out, want), "prune printed:\n%sexpected:\n%s", r.out,
	      want);
	free(want);
}

/*
 * prune leaves nothing of the gone VMs: no directory under PIN_ROOT, no
 * link in the kernel, no orphan in list.
 */
static void test_prune_leaves_nothing(void)
{
	char dir[PATH_MAX], *snap;
	struct gone g;
	struct run r;
	int i;

	prune_earlier();
	make_gone(&g);
	run(&r, "kvmtrap prune");
	expect_ok(&r);
	snap = pin_snapshot();
	for (i = 0; i < NR_GONE; i++) {
		snprintf(dir, sizeof(dir), PIN_ROOT "/%s", g.v[i].name[0]);
		CHECK(!strstr(snap, dir), "%s left after prune:\n%s", dir, snap);
		wait_link_freed(g.a[i].link_id);
	}
	free(snap);
	run(&r, "kvmtrap --json list");
	CHECK(!jarr(run_json(&r), "orphans")->n, "orphans after prune:\n%s",
	      r.out);
}

/*
 * A live VM's pins stay, even a defunct link pinned in its directory
 * (detached without unpinning), while the gone VMs' go; its live link
 * still answers.
 */
static void test_prune_keeps_live_vm(void)
{
	char dir[PATH_MAX], *before, *after, *before_vm, *after_vm;
	struct attached a, b;
	struct gone g;
	struct vmm live;
	struct run r;
	int fd;

	prune_earlier();
	vmm_start(&live, NULL);
	a = cli_attach(&live, 0, SET_HANDLE_A);
	b = cli_attach(&live, 0, SET_HANDLE_B);
	fd = bpf_obj_get(a.pin);
	CHECK(fd >= 0 && !bpf_link_detach(fd), "detach %s: %s", a.pin,
	      strerror(errno));
	close(fd);
	make_gone(&g);

	snprintf(dir, sizeof(dir), PIN_ROOT "/%s", live.name[0]);
	before = pin_snapshot();
	run(&r, "kvmtrap prune");
	expect_ok(&r);
	CHECK(!strstr(r.out, live.name[0]), "prune names the live VM %s:\n%s",
	      live.name[0], r.out);
	after = pin_snapshot();
	before_vm = lines_with_prefix(before, dir);
	after_vm = lines_with_prefix(after, dir);
	CHECK(!strcmp(before_vm, after_vm),
	      "prune changed %s:\nbefore:\n%safter:\n%s", dir, before_vm,
	      after_vm);
	CHECK(path_exists(a.pin) && path_exists(b.pin),
	      "a pin of live VM %s went:\n%s", live.name[0], after);
	expect_link(&live, 0, b.link_id, b.prog_id, PROG_NAME, b.pin);
	call_expect(&live, 0, FUNC_A, ANSWER_B);
	free(before_vm);
	free(after_vm);
	free(before);
	free(after);
}

/* prune --dry-run prints what prune would remove, and removes nothing. */
static void test_prune_dry_run(void)
{
	char *want = NULL, *before;
	size_t len = 0;
	struct gone g;
	struct jv *o;
	struct run r;
	int k;

	prune_earlier();
	make_gone(&g);
	append(&want, &len, "", 0);
	for (k = 0; k < NR_GONE; k++)
		prune_lines(&g, g.order[k], "would remove", &want, &len);

	before = pin_snapshot();
	run(&r, "kvmtrap prune --dry-run");
	expect_ok(&r);
	CHECK(!strcmp(r.out, want), "prune --dry-run printed:\n%sexpected:\n%s",
	      r.out, want);
	run(&r, "kvmtrap --json prune --dry-run");
	o = run_json(&r);
	jexpect_bool(o, "dry_run", true);
	CHECK(jarr(o, "removed")->n == 3 * NR_GONE,
	      "%d pins in \"removed\", expected %d:\n%s",
	      jarr(o, "removed")->n, 3 * NR_GONE, r.out);
	expect_pins_unchanged(before, "prune --dry-run");
	free(before);
	free(want);
}

/*
 * prune --json: per gone VM, its link (with link and program IDs), its
 * list and its directory, each with its path.
 */
static void test_prune_json(void)
{
	char path[PATH_MAX];
	const struct jv *o, *e;
	struct gone g;
	struct run r;
	int i, k;

	prune_earlier();
	make_gone(&g);
	run(&r, "kvmtrap --json prune");
	o = run_json(&r);
	jkeys(o, "dry_run,removed");
	jexpect_bool(o, "dry_run", false);
	CHECK(jarr(o, "removed")->n == 3 * NR_GONE,
	      "%d pins in \"removed\", expected %d:\n%s",
	      jarr(o, "removed")->n, 3 * NR_GONE, r.out);
	for (k = 0; k < NR_GONE; k++) {
		const char *name;

		i = g.order[k];
		name = g.v[i].name[0];
		e = jat(jarr(o, "removed"), 3 * k);
		jkeys(e, "vm,kind,path,link_id,prog_id,prog_name");
		jexpect_str(e, "vm", name);
		jexpect_str(e, "kind", "link");
		snprintf(path, sizeof(path), PIN_ROOT "/%s/link-%u", name,
			 g.a[i].link_id);
		jexpect_str(e, "path", path);
		jexpect_u64(e, "link_id", g.a[i].link_id);
		jexpect_u64(e, "prog_id", g.a[i].prog_id);
		jexpect_str(e, "prog_name", PROG_NAME);

		e = jat(jarr(o, "removed"), 3 * k + 1);
		jexpect_str(e, "vm", name);
		jexpect_str(e, "kind", "handled");
		snprintf(path, sizeof(path), PIN_ROOT "/%s/handled", name);
		jexpect_str(e, "path", path);
		jexpect_null(e, "link_id");
		jexpect_null(e, "prog_id");
		jexpect_null(e, "prog_name");

		e = jat(jarr(o, "removed"), 3 * k + 2);
		jexpect_str(e, "vm", name);
		jexpect_str(e, "kind", "dir");
		snprintf(path, sizeof(path), PIN_ROOT "/%s", name);
		jexpect_str(e, "path", path);
		CHECK(!path_exists(path), "%s left after prune", path);
	}
}

/* prune with nothing to prune says so, exit 0; JSON "removed" is empty. */
static void test_prune_nothing_to_do(void)
{
	struct jv *o;
	struct run r;

	prune_earlier();
	run(&r, "kvmtrap prune");
	expect_ok(&r);
	CHECK(!strcmp(r.out, "no orphaned pins under " PIN_ROOT "\n"),
	      "not \"no orphaned pins under " PIN_ROOT "\": " RUN_FMT,
	      RUN_ARGS(&r));
	run(&r, "kvmtrap --json prune");
	o = run_json(&r);
	jkeys(o, "dry_run,removed");
	CHECK(!jarr(o, "removed")->n, "removed something:\n%s", r.out);
}

/* ---- Tests: replace ------------------------------------------------------ */

/*
 * replace while the guest loops on calls: every call is answered by the
 * old or the new program, the answers switch once, the calls made after
 * replace returned get the new answer, none is lost (each counted as
 * handled), the link and its pin stay.
 */
static void test_replace_while_guest_loops(void)
{
	uint64_t before, after;
	struct loop_result res;
	struct bpf_link_info info;
	struct kt_stats st;
	struct attached a;
	struct jv *o;
	struct vmm v;
	struct run r;

	vmm_start(&v, NULL);
	a = cli_attach(&v, 0, SET_HANDLE_A);
	vmm_loop_start(&v, 0, KVM_TRAP_CONDUIT_HVC, FUNC_A, ANSWER_A, ANSWER_B);
	before = vmm_wait_calls(&v, 200);
	run(&r, "kvmtrap --json replace --vm %d --link %u %s " SET_HANDLE_B,
	    v.pid, a.link_id, CLI_OBJ);
	after = vmm_loop_done(&v);
	vmm_wait_calls(&v, after + 200);
	res = vmm_loop_stop(&v);

	o = run_json(&r);
	jkeys(o, "vm,link_id,old_prog_id,prog_id,prog_name");
	jexpect_str(o, "vm", v.name[0]);
	jexpect_u64(o, "link_id", a.link_id);
	jexpect_u64(o, "old_prog_id", a.prog_id);
	jexpect_str(o, "prog_name", PROG_NAME);
	CHECK(ju64(o, "prog_id") != a.prog_id, "replace kept program %u:\n%s",
	      a.prog_id, r.out);
	CHECK(!link_info_by_id(a.link_id, &info), "link %u gone", a.link_id);
	expect_link(&v, 0, a.link_id, ju64(o, "prog_id"), PROG_NAME, a.pin);

	ksft_print_msg("%lu calls, replace between calls %lu and %lu: %lu answers from the old program, %lu from the new\n",
		       res.done, before, after, res.from_a, res.from_b);
	CHECK(!res.other, "%lu answers from neither program, the last x0 0x%lx",
	      res.other, res.other_x0);
	CHECK(res.switches == 1, "the answers switched %lu times", res.switches);
	CHECK(res.from_a >= before && res.from_a <= after + 1,
	      "%lu answers from the old program, replace between calls %lu and %lu",
	      res.from_a, before, after);
	CHECK(res.from_a + res.from_b == res.done, "%lu + %lu answers for %lu calls",
	      res.from_a, res.from_b, res.done);
	st = vmm_stats(&v, 0);
	expect_stats_equal(st, (struct kt_stats){ .handled = res.done },
			   "the VM's statistics after the loop");
	call_expect(&v, 0, FUNC_A, ANSWER_B);
}

/* ---- Tests: status ------------------------------------------------------- */

/*
 * status: the link, the six counters moving exactly with the guest's calls
 * (and equal to what the VMM reads itself), the policy's handled entry
 * counting its answers.
 */
static void test_status_counts_calls(void)
{
	struct hentry h[KVMTRAP_HANDLED_MAX];
	struct kt_stats s0, s1;
	struct attached a;
	struct jv *o;
	struct vmm v;
	struct run r;
	int i, n;
	const char *const counters[] = { "pass", "handled", "forward", "deny",
					  "undef", "forward_refused" };
	char id[16];

	vmm_start(&v, NULL);
	a = cli_attach(&v, 0, SET_HANDLE_A " --set other=3");
	o = cli_status(&v, 0, &r);
	CHECK(jarr(o, "links")->n == 1, "not one link in status:\n%s", r.out);
	expect_json_link(jat(jarr(o, "links"), 0), &a, PROG_NAME);
	s0 = json_stats(o);
	expect_stats_equal(s0, vmm_stats(&v, 0), "status before the calls");

	for (i = 0; i < 5; i++)
		call_expect(&v, 0, FUNC_A, ANSWER_A);
	for (i = 0; i < 3; i++)
		call_expect_default(&v, 0, FUNC_OTHER);	/* denied */

	o = cli_status(&v, 0, &r);
	s1 = json_stats(o);
	expect_stats_equal(s1, (struct kt_stats){
		.pass = s0.pass, .handled = s0.handled + 5,
		.forward = s0.forward, .deny = s0.deny + 3,
		.undef = s0.undef, .refused = s0.refused,
	}, "status after 5 handled and 3 denied calls");
	expect_stats_equal(s1, vmm_stats(&v, 0), "status vs the VMM's own reading");
	n = json_hentries(jarr(o, "handled"), h, KVMTRAP_HANDLED_MAX);
	expect_policy_hentry(h, n, "hvc", 0, FUNC_A, 5);
	CHECK(!covering_hentry(h, n, "hvc", 0, FUNC_OTHER, NULL),
	      "the denied call 0x%lx is in the handled list:\n%s",
	      (uint64_t)FUNC_OTHER, r.out);

	/* The same in text, and by PID:FD. */
	run(&r, "kvmtrap status --vm %d:%d", v.pid, v.vm_fd[0]);
	expect_ok(&r);
	for (i = 0; i < (int)ARRAY_SIZE(counters); i++)
		CHECK(has_word(r.out, counters[i]), "status does not show %s:\n%s",
		      counters[i], r.out);
	snprintf(id, sizeof(id), "%u", a.link_id);
	CHECK(has_word(r.out, id) && has_word(r.out, PROG_NAME),
	      "status does not show link %s of %s:\n%s", id, PROG_NAME, r.out);
	CHECK(strstr(r.out, v.name[0]), "status does not name VM %s:\n%s",
	      v.name[0], r.out);

	/* By KVM's name of the VM. */
	run(&r, "kvmtrap --json status --vm %s", v.name[0]);
	o = run_json(&r);
	jexpect_str(o, "vm", v.name[0]);
	CHECK(jarr(o, "links")->n == 1, "not one link in status by name:\n%s",
	      r.out);
	expect_json_link(jat(jarr(o, "links"), 0), &a, PROG_NAME);
}

/* status while the guest loops: the handled counter grows with its calls. */
static void test_status_while_guest_loops(void)
{
	struct hentry h[KVMTRAP_HANDLED_MAX];
	uint64_t h1, h2, d1;
	struct loop_result res;
	struct jv *o;
	struct vmm v;
	struct run r;
	int n;

	vmm_start(&v, NULL);
	cli_attach(&v, 0, SET_HANDLE_A);
	vmm_loop_start(&v, 0, KVM_TRAP_CONDUIT_HVC, FUNC_A, ANSWER_A, ANSWER_B);
	vmm_wait_calls(&v, 100);
	h1 = json_stats(cli_status(&v, 0, &r)).handled;
	d1 = vmm_loop_done(&v);
	CHECK(h1 >= 100 && h1 <= d1 + 1,
	      "status: %lu handled, the guest had made at least 100 and at most %lu calls",
	      h1, d1);
	vmm_wait_calls(&v, d1 + 100);
	h2 = json_stats(cli_status(&v, 0, &r)).handled;
	CHECK(h2 > h1 && h2 >= d1 + 100,
	      "status: %lu handled, then %lu after the guest made calls %lu..%lu",
	      h1, h2, d1, d1 + 100);
	res = vmm_loop_stop(&v);
	CHECK(!res.other && res.from_a == res.done,
	      "%lu of %lu calls not answered by the policy", res.other, res.done);

	o = cli_status(&v, 0, &r);
	jexpect_u64(jobj(o, "stats"), "handled", res.done);
	n = json_hentries(jarr(o, "handled"), h, KVMTRAP_HANDLED_MAX);
	expect_policy_hentry(h, n, "hvc", 0, FUNC_A, res.done);
}

/*
 * A VM without any list pinned (nothing attached): status still shows
 * what it handles in the kernel, KVM's own part, and pins nothing.
 */
static void test_status_without_list_shows_native(void)
{
	struct hentry h[KVMTRAP_HANDLED_MAX];
	char dir[PATH_MAX];
	struct jv *o;
	struct vmm v;
	struct run r;
	int n;

	vmm_start(&v, NULL);
	o = cli_status(&v, 0, &r);
	CHECK(!jarr(o, "links")->n, "links in status of a VM without any:\n%s",
	      r.out);
	n = json_hentries(jarr(o, "handled"), h, KVMTRAP_HANDLED_MAX);
	CHECK(covering_hentry(h, n, "hvc", 0, 0x84000000, "kernel") &&
	      covering_hentry(h, n, "smc", 0, 0x80000000, "kernel"),
	      "PSCI_VERSION or SMCCC_VERSION missing from status:\n%s", r.out);
	CHECK(!covering_hentry(h, n, "hvc", 0, FUNC_A, NULL),
	      "an unknown call in status:\n%s", r.out);
	snprintf(dir, sizeof(dir), PIN_ROOT "/%s", jstr(o, "vm"));
	CHECK(access(dir, F_OK) && errno == ENOENT,
	      "status pinned something: %s exists", dir);
}

/* ---- Tests: handled ------------------------------------------------------ */

/* Well-known function IDs, to check the names the CLI gives. */
static const struct {
	const char *name;
	uint64_t id;
} known_funcs[] = {
	{ "SMCCC_VERSION",		0x80000000 },
	{ "SMCCC_ARCH_FEATURES",	0x80000001 },
	{ "SMCCC_ARCH_WORKAROUND_1",	0x80008000 },
	{ "SMCCC_ARCH_WORKAROUND_2",	0x80007fff },
	{ "SMCCC_ARCH_WORKAROUND_3",	0x80003fff },
	{ "PSCI_VERSION",		0x84000000 },
	{ "TRNG_VERSION",		0x84000050 },
	{ "KVM_VENDOR_HYP_CALL_UID",	0x8600ff01 },
};

static const char *known_name(uint64_t id)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(known_funcs); i++)
		if (known_funcs[i].id == id)
			return known_funcs[i].name;
	return NULL;
}

/* Calls no KVM service knows: never native, never in the list as kernel's. */
static const uint64_t unknown_funcs[] = {
	0x83000042,	/* OEM, SMC32 */
	0xc3000043,	/* OEM, SMC64 */
	0x84000fff,	/* standard secure service, unallocated */
	0xc5000000,	/* standard hypervisor service, not PV time */
	0x86000100,	/* vendor hypervisor service, unallocated */
	0x12345678,	/* not a fast call */
};

static void expect_query_native(struct vmm *v, const char *conduit,
				uint32_t imm, uint64_t id, bool el2,
				const char *why)
{
	struct qres q = cli_query(v, 0, "%s #0x%x 0x%lx", conduit, imm, id);
	char what[128];

	snprintf(what, sizeof(what), "%s #0x%x 0x%lx (%s)", conduit, imm, id, why);
	expect_query(&q, what, "native", "handled");
	CHECK(q.el2 == el2, "query %s: el2 %d, the list says %d", what, q.el2, el2);
}

static void expect_query_not_native(struct vmm *v, const char *conduit,
				    uint32_t imm, uint64_t id, const char *why)
{
	struct qres q = cli_query(v, 0, "%s #0x%x 0x%lx", conduit, imm, id);

	CHECK(strcmp(q.stage, "native"),
	      "query %s #0x%x 0x%lx (%s): stage native, but no kernel entry of the handled list covers it",
	      conduit, imm, id, why);
}

/*
 * The handled list agrees with the query, entry by entry: every kernel
 * range is native at both ends (el2 as its route says) and not just
 * outside them; every policy entry is answered by the link; IDs no
 * service knows are neither listed nor native.  bpftool's dump of the
 * pinned map holds the same entries.
 */
static void test_handled_agrees_with_query(void)
{
	static struct hentry h[KVMTRAP_HANDLED_MAX];
	struct kt_call c;
	struct attached a;
	struct jv *o, *dump;
	struct vmm v;
	struct run r;
	int i, n, kernel = 0;
	size_t k;

	vmm_start(&v, NULL);
	a = cli_attach(&v, 0, SET_HANDLE_A);
	call_expect(&v, 0, FUNC_A, ANSWER_A);
	call_expect(&v, 0, FUNC_A, ANSWER_A);
	c = kt_smccc(KVM_TRAP_CONDUIT_SMC, FUNC_A);
	vmm_call(&v, 0, &c, NULL);
	c = kt_imm_call(KVM_TRAP_CONDUIT_HVC, KT_IMM_42, FUNC_A);
	vmm_call(&v, 0, &c, NULL);

	run(&r, "kvmtrap --json handled --vm %d", v.pid);
	o = run_json(&r);
	jkeys(o, "vm,handled");
	jexpect_str(o, "vm", v.name[0]);
	n = json_hentries(jarr(o, "handled"), h, KVMTRAP_HANDLED_MAX);

	expect_policy_hentry(h, n, "hvc", 0, FUNC_A, 2);
	expect_policy_hentry(h, n, "smc", 0, FUNC_A, 1);
	expect_policy_hentry(h, n, "hvc", KT_IMM_42, FUNC_A, 1);
	CHECK(covering_hentry(h, n, "hvc", 0, 0x84000000, "kernel") &&
	      covering_hentry(h, n, "smc", 0, 0x84000000, "kernel") &&
	      covering_hentry(h, n, "hvc", 0, 0x80000000, "kernel"),
	      "PSCI_VERSION (hvc, smc) or SMCCC_VERSION not in the list as the kernel's:\n%s",
	      r.out);

	for (i = 0; i < n; i++) {
		const struct hentry *e = &h[i];
		bool is_kernel = !strcmp(e->owner, "kernel");
		const char *nf = known_name(e->first);
		const char *nl = known_name(e->last);

		CHECK(!strcmp(e->conduit, "hvc") || !strcmp(e->conduit, "smc"),
		      "entry %d: conduit %s", i, e->conduit);
		CHECK(e->first <= e->last, "entry %d: first 0x%lx > last 0x%lx", i,
		      e->first, e->last);
		if (i) {
			const struct hentry *p = &h[i - 1];
			int cc = strcmp(p->conduit, e->conduit);

			CHECK(cc < 0 || (!cc && (p->imm < e->imm ||
			      (p->imm == e->imm && p->last < e->first))),
			      "entries %d and %d not sorted by conduit, imm, ID or overlapping:\n%s",
			      i - 1, i, r.out);
		}
		if (is_kernel) {
			kernel++;
			CHECK((!strcmp(e->route, "native") ||
			       !strcmp(e->route, "native-el2")) && !e->hits &&
			      !e->imm, "kernel entry %d: route %s, hits %lu, imm %u",
			      i, e->route, e->hits, e->imm);
		} else {
			CHECK(!strcmp(e->owner, "policy") && !strcmp(e->route, "bpf") &&
			      e->first == e->last,
			      "entry %d: owner %s route %s 0x%lx..0x%lx", i,
			      e->owner, e->route, e->first, e->last);
		}
		if (e->first == e->last && nf)
			CHECK(e->has_name && !strcmp(e->name, nf),
			      "entry %d (0x%lx): name \"%s\", expected %s", i,
			      e->first, e->has_name ? e->name : "null", nf);
		if (e->first == e->last && !nf && e->first == FUNC_A)
			CHECK(!e->has_name, "entry %d (0x%lx): name \"%s\", expected null",
			      i, e->first, e->name);
		if (e->first != e->last && nf && nl)
			CHECK(e->has_name && strstr(e->name, "..") &&
			      strstr(e->name, nf) && strstr(e->name, nl),
			      "entry %d (0x%lx..0x%lx): name \"%s\", expected %s..%s",
			      i, e->first, e->last, e->has_name ? e->name : "null",
			      nf, nl);

		if (!is_kernel) {
			struct qres q = cli_query(&v, 0, "%s #0x%x 0x%lx", e->conduit,
						  e->imm, e->first);

			expect_query(&q, "of a policy entry", "bpf", "handled");
			CHECK(q.link_id == a.link_id && q.prog_id == a.prog_id,
			      "query of a policy entry: link %u prog %u, expected %u %u",
			      q.link_id, q.prog_id, a.link_id, a.prog_id);
			continue;
		}
		expect_query_native(&v, e->conduit, 0, e->first,
				    !strcmp(e->route, "native-el2"), "first of a range");
		if (e->last != e->first)
			expect_query_native(&v, e->conduit, 0, e->last,
					    !strcmp(e->route, "native-el2"),
					    "last of a range");
		if (e->first && !covering_hentry(h, n, e->conduit, 0,
						 e->first - 1, "kernel"))
			expect_query_not_native(&v, e->conduit, 0, e->first - 1,
						"just before a range");
		if (e->last < 0xffffffff &&
		    !covering_hentry(h, n, e->conduit, 0, e->last + 1, "kernel"))
			expect_query_not_native(&v, e->conduit, 0, e->last + 1,
						"just after a range");
	}
	for (k = 0; k < ARRAY_SIZE(unknown_funcs); k++) {
		CHECK(!covering_hentry(h, n, "hvc", 0, unknown_funcs[k], "kernel") &&
		      !covering_hentry(h, n, "smc", 0, unknown_funcs[k], "kernel"),
		      "unknown function 0x%lx listed as the kernel's:\n%s",
		      unknown_funcs[k], r.out);
		expect_query_not_native(&v, "hvc", 0, unknown_funcs[k], "unknown");
		expect_query_not_native(&v, "smc", 0, unknown_funcs[k], "unknown");
	}
	ksft_print_msg("%d handled entries, %d of them the kernel's, agree with the query\n",
		       n, kernel);

	/* bpftool sees the same list in the pinned map. */
	run(&r, "bpftool -j map dump pinned " PIN_ROOT "/%s/handled", v.name[0]);
	dump = run_json(&r);
	CHECK(dump->type == J_ARR && dump->n == n,
	      "the pinned map holds %d entries, the CLI listed %d:\n%s",
	      dump->type == J_ARR ? dump->n : -1, n, r.out);
	for (i = 0; i < dump->n; i++) {
		struct jv *f = jobj(jat(dump, i), "formatted");
		struct jv *key = jobj(f, "key"), *val = jobj(f, "value");
		const struct hentry *e;
		const char *conduit = ju64(key, "conduit") == KVM_TRAP_CONDUIT_SMC ?
				      "smc" : "hvc";
		uint64_t first = ju64(key, "first");

		e = covering_hentry(h, n, conduit, ju64(key, "imm"), first, NULL);
		CHECK(e && e->first == first && e->last == ju64(key, "last") &&
		      e->hits == ju64(val, "hits"),
		      "map entry %d (0x%lx) is not in the CLI's list the same way:\n%s",
		      i, first, r.out);
		CHECK(!strcmp(jstr(val, "owner"), !strcmp(e->owner, "kernel") ?
			      "KVMTRAP_OWNER_KERNEL" : "KVMTRAP_OWNER_POLICY"),
		      "map entry %d: owner %s, the CLI says %s", i,
		      jstr(val, "owner"), e->owner);
	}
}

/* The handled table: its header, and the policy's row with IDs in hex. */
static void test_handled_table(void)
{
	char line[512], tok[MAX_TOKENS][TOKEN_LEN];
	struct jv *o;
	struct vmm v;
	struct run r;
	int i, n, rows = 0, found = 0;
	const char *const head[] = { "CONDUIT", "IMM", "FIRST", "LAST", "ROUTE",
				     "OWNER", "HITS", "NAME" };

	vmm_start(&v, NULL);
	cli_attach(&v, 0, SET_HANDLE_A);
	call_expect(&v, 0, FUNC_A, ANSWER_A);
	call_expect(&v, 0, FUNC_A, ANSWER_A);

	run(&r, "kvmtrap handled --vm %d", v.pid);
	expect_ok(&r);
	CHECK(line_at(r.out, 0, line, sizeof(line)), "no output");
	n = tokens(line, tok);
	CHECK(n == 8, "header is not CONDUIT IMM FIRST LAST ROUTE OWNER HITS NAME:\n%s",
	      r.out);
	for (i = 0; i < 8; i++)
		CHECK(!strcmp(tok[i], head[i]), "header column %d is %s, expected %s:\n%s",
		      i, tok[i], head[i], r.out);
	for (i = 1; line_at(r.out, i, line, sizeof(line)); i++) {
		n = tokens(line, tok);
		if (!n)
			continue;
		rows++;
		CHECK(n == 8, "row of %d columns: \"%s\"", n, line);
		/* KVM's own entries have no hit count. */
		if (!strcmp(tok[5], "kernel"))
			CHECK(!strcmp(tok[6], "-"),
			      "kernel row with hits \"%s\": \"%s\"", tok[6], line);
		if (strcmp(tok[0], "hvc") || strtoull(tok[2], NULL, 16) != FUNC_A)
			continue;
		found++;
		CHECK(!strtoull(tok[1], NULL, 16) &&
		      strtoull(tok[3], NULL, 16) == FUNC_A &&
		      !strcmp(tok[4], "bpf") && !strcmp(tok[5], "policy") &&
		      !strcmp(tok[6], "2") && !strcmp(tok[7], "-"),
		      "policy row is not \"hvc 0 0x%x 0x%x bpf policy 2 -\": \"%s\"",
		      FUNC_A, FUNC_A, line);
		CHECK(strcasestr(tok[2], "c3000042"), "FIRST is not hex: \"%s\"", line);
	}
	CHECK(found == 1, "%d rows for hvc 0x%x:\n%s", found, FUNC_A, r.out);
	run(&r, "kvmtrap --json handled --vm %d", v.pid);
	o = run_json(&r);
	CHECK(jarr(o, "handled")->n == rows, "%d rows, %d JSON entries:\n%s", rows,
	      jarr(o, "handled")->n, r.out);
}

/* ---- Tests: query -------------------------------------------------------- */

/*
 * Native calls (by name, either case) are stage native, verdict handled,
 * on both conduits, with the guest's own answer when ret is given; an
 * unknown call without a program is stage default, deny, with the guest's
 * NOT_SUPPORTED.  The text answer reads "hvc NAME (ID): stage, verdict".
 */
static void test_query_native_and_default(void)
{
	static const char *const names[] = { "PSCI_VERSION", "psci_version",
					     "SMCCC_VERSION", "TRNG_VERSION",
					     "KVM_VENDOR_HYP_CALL_UID" };
	static const uint32_t conduits[] = { KVM_TRAP_CONDUIT_HVC,
					     KVM_TRAP_CONDUIT_SMC };
	struct kt_regs regs;
	struct kt_call c;
	char what[64];
	struct qres q;
	struct vmm v;
	struct run r;
	size_t i, j;

	vmm_start(&v, NULL);
	for (j = 0; j < ARRAY_SIZE(conduits); j++) {
		const char *cw = conduit_word(conduits[j]);

		for (i = 0; i < ARRAY_SIZE(names); i++) {
			size_t k;
			uint64_t id = 0;

			for (k = 0; k < ARRAY_SIZE(known_funcs); k++)
				if (!strcasecmp(known_funcs[k].name, names[i]))
					id = known_funcs[k].id;
			snprintf(what, sizeof(what), "%s %s", cw, names[i]);
			q = cli_query(&v, 0, "%s %s", cw, names[i]);
			expect_query(&q, what, "native", "handled");
			CHECK(q.func_id == id && q.has_name &&
			      !strcasecmp(q.name, names[i]) &&
			      isupper(q.name[0]) &&
			      !strcmp(q.conduit, cw) && !q.imm && !q.el2,
			      "query %s: func_id 0x%lx name %s conduit %s imm %u el2 %d",
			      what, q.func_id, q.has_name ? q.name : "null",
			      q.conduit, q.imm, q.el2);
			c = plain_call(conduits[j], 0, id);
			regs = vmm_call(&v, 0, &c, NULL);
			if (q.has_ret)
				expect_query_ret_is(&q, what, &regs);
		}

		snprintf(what, sizeof(what), "%s 0x%x", cw, FUNC_A);
		q = cli_query(&v, 0, "%s 0x%x", cw, FUNC_A);
		expect_query(&q, what, "default", "deny");
		CHECK(!q.has_name, "query %s: name %s, expected null", what, q.name);
		c = plain_call(conduits[j], 0, FUNC_A);
		regs = vmm_call(&v, 0, &c, NULL);
		expect_query_ret_is(&q, what, &regs);
		expect_query_ret(&q, what, NOT_SUPPORTED, 0, 0, 0);
	}
	expect_stats_equal(vmm_stats(&v, 0), (struct kt_stats){},
			   "statistics without a program");

	run(&r, "kvmtrap query --vm %d hvc psci_version", v.pid);
	expect_ok(&r);
	CHECK(!strncmp(r.out, "hvc PSCI_VERSION (0x84000000): native, handled",
		       strlen("hvc PSCI_VERSION (0x84000000): native, handled")),
	      "query in text: " RUN_FMT, RUN_ARGS(&r));
}

/*
 * With links: a call a program answers is stage bpf with that link and
 * program and the guest's answer; one it passes is default; a call with
 * an immediate reaches the programs with x0 whole; --vcpu and --aarch32
 * reach the program, which sees KVM_TRAP_F_QUERY.  Queries count nowhere:
 * not in the statistics, not in the handled list.
 */
static void test_query_stage_bpf(void)
{
	struct hentry h[KVMTRAP_HANDLED_MAX];
	struct kt_stats st0;
	struct kt_regs regs;
	struct attached a, e;
	struct kt_call c;
	struct qres q;
	struct jv *o;
	struct vmm v;
	struct run r;
	int n;

	vmm_start(&v, NULL);
	a = cli_attach(&v, 0, SET_HANDLE_A);
	e = cli_attach(&v, 0, "--set verdict=1 --set echo=1");
	call_expect(&v, 0, FUNC_A, ANSWER_A);
	st0 = vmm_stats(&v, 0);

	q = cli_query(&v, 0, "hvc 0x%x", FUNC_A);
	expect_query(&q, "hvc FUNC_A", "bpf", "handled");
	CHECK(q.link_id == a.link_id && q.prog_id == a.prog_id && !q.el2,
	      "query hvc FUNC_A: link %u prog %u el2 %d, expected link %u prog %u",
	      q.link_id, q.prog_id, q.el2, a.link_id, a.prog_id);
	c = plain_call(KVM_TRAP_CONDUIT_HVC, 0, FUNC_A);
	regs = vmm_call(&v, 0, &c, NULL);
	expect_query_ret_is(&q, "hvc FUNC_A", &regs);
	expect_query_ret(&q, "hvc FUNC_A", ANSWER_A, ANSWER_A + 1, ANSWER_A + 2,
			 ANSWER_A + 3);
	st0.handled++;	/* the guest's call, not the query */
	expect_stats_equal(vmm_stats(&v, 0), st0, "statistics around a query");

	/* Passed by the first link, answered by the echo of the second. */
	q = cli_query(&v, 0, "--vcpu 3 hvc #0x42 0x1122334455667788 1 2");
	expect_query(&q, "hvc #0x42", "bpf", "handled");
	CHECK(q.link_id == e.link_id && q.prog_id == e.prog_id &&
	      q.imm == 0x42 && q.func_id == 0x1122334455667788ull,
	      "query hvc #0x42: link %u imm 0x%x func_id 0x%lx", q.link_id, q.imm,
	      q.func_id);
	expect_query_ret(&q, "hvc #0x42 --vcpu 3", 0x1122334455667788ull, 1, 2,
			 KVM_TRAP_F_QUERY | 0x42 << 8 | 3 << 24);
	c = kt_imm_call(KVM_TRAP_CONDUIT_HVC, KT_IMM_42, 0x1122334455667788ull);
	c.x[1] = 1;
	c.x[2] = 2;
	regs = vmm_call(&v, 0, &c, NULL);
	kt_assert_ret(&c, &regs, 0x1122334455667788ull, 1, 2, 0x42 << 8);

	q = cli_query(&v, 0, "--aarch32 hvc 0xc3000099 0x1111111122222222");
	expect_query(&q, "--aarch32 hvc", "bpf", "handled");
	expect_query_ret(&q, "--aarch32 hvc", 0xc3000099, 0x22222222, 0,
			 KVM_TRAP_F_QUERY | KVM_TRAP_F_AARCH32);
	q = cli_query(&v, 0, "smc 0x83000099 0x1111111122222222");
	expect_query(&q, "smc SMC32", "bpf", "handled");
	expect_query_ret(&q, "smc SMC32", 0x83000099, 0x22222222, 0,
			 KVM_TRAP_F_QUERY | KVM_TRAP_F_SMC32);

	/* After the echo link is gone, the first link passes: default. */
	run(&r, "kvmtrap detach --vm %d --link %u", v.pid, e.link_id);
	expect_ok(&r);
	q = cli_query(&v, 0, "hvc 0x%x", FUNC_OTHER);
	expect_query(&q, "hvc FUNC_OTHER", "default", "deny");
	expect_query_ret(&q, "hvc FUNC_OTHER", NOT_SUPPORTED, 0, 0, 0);

	o = cli_status(&v, 0, &r);
	expect_stats_equal(json_stats(o), vmm_stats(&v, 0), "status after queries");
	n = json_hentries(jarr(o, "handled"), h, KVMTRAP_HANDLED_MAX);
	/* The guest's 2 calls of FUNC_A, none of the queries. */
	expect_policy_hentry(h, n, "hvc", 0, FUNC_A, 2);
	CHECK(!find_hentry(h, n, "hvc", 0, 0xc3000099) &&
	      !find_hentry(h, n, "smc", 0, 0x83000099),
	      "queried calls entered in the handled list:\n%s", r.out);
}

/*
 * The SMCCC filter decides before anything else: DENY and FWD_TO_USER
 * ranges are stage filter even with a program answering every call.
 */
static void test_query_stage_filter(void)
{
	struct vmm_opts o = {
		.nr_vms = 1,
		.nr_filters = 2,
		.filter = {
			{ .base = 0x83000042, .nr_functions = 1,
			  .action = KVM_SMCCC_FILTER_DENY },
			{ .base = FUNC_OTHER, .nr_functions = 1,
			  .action = KVM_SMCCC_FILTER_FWD_TO_USER },
		},
	};
	struct kt_regs regs;
	struct kt_call c;
	uint32_t exits;
	struct qres q;
	struct vmm v;

	vmm_start(&v, &o);
	cli_attach(&v, 0, "--set verdict=1 --set ret=0xa000000000000a00");

	q = cli_query(&v, 0, "hvc 0x83000042");
	expect_query(&q, "hvc denied by the filter", "filter", "deny");
	c = plain_call(KVM_TRAP_CONDUIT_HVC, 0, 0x83000042);
	regs = vmm_call(&v, 0, &c, &exits);
	CHECK(!exits, "a denied call exited to the VMM");
	expect_query_ret_is(&q, "hvc denied by the filter", &regs);

	q = cli_query(&v, 0, "smc 0x83000042");
	expect_query(&q, "smc denied by the filter", "filter", "deny");

	q = cli_query(&v, 0, "hvc 0x%x", FUNC_OTHER);
	expect_query(&q, "hvc forwarded by the filter", "filter", "forward");
	CHECK(!q.has_ret, "query hvc forwarded by the filter: ret given, the VMM decides");
	c = plain_call(KVM_TRAP_CONDUIT_HVC, 0, FUNC_OTHER);
	vmm_call(&v, 0, &c, &exits);
	CHECK(exits == 1, "the forwarded call made %u exits, expected 1", exits);

	q = cli_query(&v, 0, "hvc 0x%x", FUNC_A);
	expect_query(&q, "hvc FUNC_A", "bpf", "handled");
	expect_query_ret(&q, "hvc FUNC_A", ANSWER_A, ANSWER_A + 1, ANSWER_A + 2,
			 ANSWER_A + 3);
}

/* ---- Tests: test --------------------------------------------------------- */

static const char *const verdict_names[] = {
	"pass", "handled", "forward", "deny", "undef",
};

/* "kvmtrap --json test CLI_OBJ ARGS", its shape checked. */
static struct jv *__printf(2, 3)
cli_test(struct run *r, const char *fmt, ...)
{
	char args[512];
	struct jv *o;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	run(r, "kvmtrap --json test " CLI_OBJ " %s", args);
	o = run_json(r);
	jkeys(o, "conduit,imm,func_id,name,verdict,ret");
	return o;
}

/*
 * test runs the policy without a VM: each verdict by name, ret[] preset
 * to NOT_SUPPORTED, 0... or what the program wrote, a function by name.
 * No VM, no pin, no link is involved.
 */
static void test_test_verdicts(void)
{
	const uint64_t preset[4] = { NOT_SUPPORTED, 0, 0, 0 };
	const uint64_t ans[4] = { ANSWER_A, ANSWER_A + 1, ANSWER_A + 2,
				  ANSWER_A + 3 };
	char *before = pin_snapshot();
	uint32_t id = 0, links = 0;
	struct jv *o;
	struct run r;
	int v;

	while (!bpf_link_get_next_id(id, &id))
		links++;
	errno = 0;
	for (v = 0; v < 5; v++) {
		o = cli_test(&r, "--set verdict=%d hvc 0x%x", v, FUNC_A);
		jexpect_str(o, "conduit", "hvc");
		jexpect_u64(o, "imm", 0);
		jexpect_u64(o, "func_id", FUNC_A);
		jexpect_null(o, "name");
		jexpect_str(o, "verdict", verdict_names[v]);
		jexpect_u64s(o, "ret", preset, 4);
	}
	o = cli_test(&r, "--set verdict=1 --set ret=0x%llx hvc 0x%x", ANSWER_A,
		     FUNC_A);
	jexpect_str(o, "verdict", "handled");
	jexpect_u64s(o, "ret", ans, 4);

	/* The rule matches on func_id: others get @other. */
	o = cli_test(&r, "--set verdict=1 --set func_id=0x%x --set other=4 hvc 0x%x",
		     FUNC_A, FUNC_OTHER);
	jexpect_str(o, "verdict", "undef");

	o = cli_test(&r, "--set verdict=3 smc psci_version");
	jexpect_str(o, "conduit", "smc");
	jexpect_u64(o, "func_id", 0x84000000);
	jexpect_str(o, "name", "PSCI_VERSION");
	jexpect_str(o, "verdict", "deny");

	run(&r, "kvmtrap test " CLI_OBJ " --set verdict=4 hvc 0x%x", FUNC_A);
	expect_ok(&r);
	CHECK(has_word(r.out, "undef"), "test in text does not say undef: " RUN_FMT,
	      RUN_ARGS(&r));

	expect_pins_unchanged(before, "test");
	for (id = 0, v = 0; !bpf_link_get_next_id(id, &id); )
		v++;
	errno = 0;
	CHECK((uint32_t)v == links, "%u links before test, %d after", links, v);
}

/*
 * test builds the context as KVM would: SMC32 for immediate 0 and bit 30
 * clear, arguments and ret narrowed for 32-bit callers, w0 for AArch32,
 * the immediate, the vCPU.  The echo policy returns what it saw.
 */
static void test_test_context(void)
{
	const uint64_t a1 = KT_ARG(1), a2 = KT_ARG(2);
	struct jv *o;
	struct run r;

	o = cli_test(&r, "--set verdict=1 --set echo=1 hvc 0x%x 0x%lx 0x%lx",
		     FUNC_A, a1, a2);
	jexpect_u64s(o, "ret", (uint64_t[]){ FUNC_A, a1, a2, 0 }, 4);

	o = cli_test(&r, "--set verdict=1 --set echo=1 smc 0x%x 0x%lx 0x%lx",
		     KT_FUNC_32, a1, a2);
	jexpect_u64(o, "func_id", KT_FUNC_32);
	jexpect_u64s(o, "ret", (uint64_t[]){ KT_FUNC_32, (uint32_t)a1,
		     (uint32_t)a2, KVM_TRAP_F_SMC32 }, 4);

	o = cli_test(&r, "--set verdict=1 --set echo=1 --aarch32 --vcpu 5 hvc #0x42 0x1234567890 0x%lx",
		     a1);
	jexpect_u64(o, "imm", 0x42);
	jexpect_u64(o, "func_id", 0x34567890);
	jexpect_u64s(o, "ret", (uint64_t[]){ 0x34567890, (uint32_t)a1, 0,
		     KVM_TRAP_F_AARCH32 | 0x42 << 8 | 5 << 24 }, 4);

	o = cli_test(&r, "--set verdict=1 --set echo=1 hvc #0xffff 0xfedcba9876543210 0x%lx",
		     a1);
	jexpect_u64(o, "imm", 0xffff);
	jexpect_u64(o, "func_id", 0xfedcba9876543210ull);
	jexpect_u64s(o, "ret", (uint64_t[]){ 0xfedcba9876543210ull, a1, 0,
		     0xffff << 8 }, 4);

	o = cli_test(&r, "--set verdict=1 --set echo=1 --vcpu 7 smc 0x%x 0x%lx",
		     FUNC_A, a1);
	jexpect_u64s(o, "ret", (uint64_t[]){ FUNC_A, a1, 0, 7 << 24 }, 4);

	o = cli_test(&r, "--set verdict=1 --set ret=0xa0000000a0000a00 smc 0x%x",
		     KT_FUNC_32);
	jexpect_u64s(o, "ret", (uint64_t[]){ 0xa0000a00, 0xa0000a01, 0xa0000a02,
		     0xa0000a03 }, 4);
	o = cli_test(&r, "--set verdict=1 --set ret=0xa0000000a0000a00 hvc 0x%x",
		     FUNC_A);
	jexpect_u64s(o, "ret", (uint64_t[]){ 0xa0000000a0000a00ull,
		     0xa0000000a0000a01ull, 0xa0000000a0000a02ull,
		     0xa0000000a0000a03ull }, 4);
}

/* ---- Tests: trace -------------------------------------------------------- */

/*
 * trace --count 3 prints the next three decisions of the policy, one JSON
 * object per line, in the order of the guest's calls, and exits.
 */
static void test_trace_count(void)
{
	uint64_t k0 = 0, t_prev = 0, args[3];
	char line[1024];
	struct kt_call c;
	struct kt_regs regs;
	struct proc p;
	struct run r;
	struct jv *o;
	struct vmm v;
	int i, calls = 0;

	vmm_start(&v, NULL);
	cli_attach(&v, 0, SET_HANDLE_A);
	spawn(&p, &r, 0, "kvmtrap --json trace --vm %d --count 3 --timeout 60",
	      v.pid);
	/* Calls until the trace has its three, each with its own arguments. */
	while (!proc_exited(&p) && calls < 3000) {
		c = kt_smccc(KVM_TRAP_CONDUIT_HVC, FUNC_A);
		c.x[1] = 0x1000 + calls;
		c.x[2] = 0x2000 + calls;
		c.x[3] = 0x3000 + calls;
		regs = vmm_call(&v, 0, &c, NULL);
		kt_assert_ret(&c, &regs, ANSWER_A, ANSWER_A + 1, ANSWER_A + 2,
			      ANSWER_A + 3);
		calls++;
		if (calls > 3)
			sleep_ms(20);
	}
	finish(&p, CLI_TIMEOUT_MS);
	expect_ok(&r);
	CHECK(count_lines(r.out) == 3, "trace --count 3 printed %d lines:\n%s",
	      count_lines(r.out), r.out);
	for (i = 0; i < 3; i++) {
		CHECK(line_at(r.out, i, line, sizeof(line)), "line %d", i);
		o = json_parse(line);
		jkeys(o, "time_ns,vcpu,conduit,imm,func_id,name,args,verdict");
		jexpect_u64(o, "vcpu", 0);
		jexpect_str(o, "conduit", "hvc");
		jexpect_u64(o, "imm", 0);
		jexpect_u64(o, "func_id", FUNC_A);
		jexpect_null(o, "name");
		jexpect_str(o, "verdict", "handled");
		if (!i)
			k0 = jat_u64(jarr(o, "args"), 0) - 0x1000;
		CHECK(k0 + 3 <= (uint64_t)calls, "event of call %lu, %d calls made",
		      k0, calls);
		args[0] = 0x1000 + k0 + i;
		args[1] = 0x2000 + k0 + i;
		args[2] = 0x3000 + k0 + i;
		jexpect_u64s(o, "args", args, 3);
		CHECK(ju64(o, "time_ns") > t_prev, "time_ns %lu after %lu",
		      ju64(o, "time_ns"), t_prev);
		t_prev = ju64(o, "time_ns");
	}

	/* In text: one line per event. */
	spawn(&p, &r, 0, "kvmtrap trace --vm %d --count 1 --timeout 60", v.pid);
	for (calls = 0; !proc_exited(&p) && calls < 3000; calls++) {
		call_expect(&v, 0, FUNC_A, ANSWER_A);
		sleep_ms(20);
	}
	finish(&p, CLI_TIMEOUT_MS);
	expect_ok(&r);
	CHECK(count_lines(r.out) == 1 && has_word(r.out, "hvc") &&
	      has_word(r.out, "handled"),
	      "trace --count 1 in text is not one line with hvc, handled: " RUN_FMT,
	      RUN_ARGS(&r));
}

/* Without a policy with "kvmtrap_events": the documented error. */
static void test_trace_no_ring_buffer(void)
{
	char want[128];
	struct vmm v;
	struct run r;

	vmm_start(&v, NULL);
	snprintf(want, sizeof(want),
		 "VM %s has no policy with a kvmtrap_events ring buffer", v.name[0]);
	run(&r, "kvmtrap trace --vm %d --count 1 --timeout 5", v.pid);
	expect_failure(&r);
	expect_err_has(&r, want);

	cli_attach_obj(&v, 0, POLICY_OBJ, "policy", "");
	run(&r, "kvmtrap --json trace --vm %d --count 1 --timeout 5", v.pid);
	expect_failure(&r);
	expect_err_has(&r, want);
}

/* --timeout ends a trace that saw nothing: exit 0, no output. */
static void test_trace_timeout(void)
{
	struct vmm v;
	struct run r;
	uint64_t t0;

	vmm_start(&v, NULL);
	cli_attach(&v, 0, SET_HANDLE_A);
	t0 = now_ms();
	run(&r, "kvmtrap --json trace --vm %d --timeout 1", v.pid);
	expect_ok(&r);
	CHECK(!r.out_len, "trace printed without calls:\n%s", r.out);
	CHECK(now_ms() - t0 >= 900, "trace --timeout 1 ended after %lu ms",
	      now_ms() - t0);
}

/* ---- Tests: bpftool sees what the CLI made ------------------------------- */

/*
 * bpftool link show: a kvm_trap link of the VM, running the policy.  (The
 * whole list: "link show id N" and "pinned PATH" exit 255 after printing
 * in this bpftool, from a stale errno in do_show().)
 */
static void test_bpftool_link_show(void)
{
	char line[512], want[64];
	struct attached a;
	struct jv *o, *l = NULL;
	struct vmm v;
	struct run r;
	int i;

	vmm_start(&v, NULL);
	a = cli_attach(&v, 0, SET_HANDLE_A);

	run(&r, "bpftool link show");
	expect_ok(&r);
	snprintf(want, sizeof(want), "%u: kvm_trap ", a.link_id);
	for (i = 0; line_at(r.out, i, line, sizeof(line)); i++)
		if (!strncmp(line, want, strlen(want)))
			break;
	CHECK(line_at(r.out, i, line, sizeof(line)),
	      "bpftool link show has no line \"%s...\":\n%s", want, r.out);
	snprintf(want, sizeof(want), "prog %u", a.prog_id);
	CHECK(strstr(line, want), "bpftool link show: \"%s\" without \"%s\"", line,
	      want);
	CHECK(line_at(r.out, i + 1, line, sizeof(line)), "no line after the link's");
	snprintf(want, sizeof(want), "vm %s", v.name[0]);
	CHECK(strstr(line, want) && !strstr(line, "defunct"),
	      "bpftool link show: \"%s\", expected \"%s\" (not defunct)", line,
	      want);

	run(&r, "bpftool -j link show");
	o = run_json(&r);
	CHECK(o->type == J_ARR, "bpftool -j link show is not an array:\n%s", r.out);
	for (i = 0; i < o->n; i++)
		if (ju64(jat(o, i), "id") == a.link_id)
			l = jat(o, i);
	CHECK(l, "link %u not in bpftool -j link show:\n%s", a.link_id, r.out);
	jexpect_str(l, "type", "kvm_trap");
	jexpect_u64(l, "prog_id", a.prog_id);
	jexpect_u64(l, "vm_pid", v.pid);
	jexpect_u64(l, "vm_fd", v.vm_fd[0]);
	jexpect_bool(l, "defunct", false);

	run(&r, "bpftool -j prog show id %u", a.prog_id);
	o = run_json(&r);
	jexpect_str(o, "type", "kvm_trap");
	jexpect_str(o, "name", PROG_NAME);
}

/*
 * bpftool on the pinned handled list: a hash map named kvmtrap_handled
 * with BTF, the policy's entry printed by field, route and owner by name.
 */
static void test_bpftool_map_dump(void)
{
	const char *path;
	char buf[PATH_MAX];
	struct jv *o, *f;
	struct vmm v;
	struct run r;
	int i, found = 0;

	vmm_start(&v, NULL);
	cli_attach(&v, 0, SET_HANDLE_A);
	for (i = 0; i < 3; i++)
		call_expect(&v, 0, FUNC_A, ANSWER_A);
	snprintf(buf, sizeof(buf), PIN_ROOT "/%s/handled", v.name[0]);
	path = buf;

	run(&r, "bpftool -j map show pinned %s", path);
	o = run_json(&r);
	jexpect_str(o, "name", KVMTRAP_HANDLED_MAP_NAME);
	jexpect_str(o, "type", "hash");
	jexpect_u64(o, "bytes_key", sizeof(struct kvmtrap_handled_key));
	jexpect_u64(o, "bytes_value", sizeof(struct kvmtrap_handled_val));
	jexpect_u64(o, "max_entries", KVMTRAP_HANDLED_MAX);

	run(&r, "bpftool -j map dump pinned %s", path);
	o = run_json(&r);
	CHECK(o->type == J_ARR, "map dump is not an array:\n%s", r.out);
	for (i = 0; i < o->n; i++) {
		struct jv *key, *val;

		f = jobj(jat(o, i), "formatted");
		key = jobj(f, "key");
		val = jobj(f, "value");
		jkeys(key, "conduit,imm,first,last");
		jkeys(val, "route,owner,hits");
		if (!strcmp(jstr(val, "owner"), "KVMTRAP_OWNER_KERNEL")) {
			CHECK((!strcmp(jstr(val, "route"), "KVMTRAP_ROUTE_NATIVE") ||
			       !strcmp(jstr(val, "route"), "KVMTRAP_ROUTE_NATIVE_EL2")) &&
			      !ju64(val, "hits"),
			      "kernel entry %d: route %s hits %lu", i,
			      jstr(val, "route"), ju64(val, "hits"));
			continue;
		}
		found++;
		jexpect_u64(key, "conduit", KVM_TRAP_CONDUIT_HVC);
		jexpect_u64(key, "imm", 0);
		jexpect_u64(key, "first", FUNC_A);
		jexpect_u64(key, "last", FUNC_A);
		jexpect_str(val, "route", "KVMTRAP_ROUTE_BPF");
		jexpect_str(val, "owner", "KVMTRAP_OWNER_POLICY");
		jexpect_u64(val, "hits", 3);
	}
	CHECK(found == 1, "%d policy entries in the map, expected 1:\n%s", found,
	      r.out);

	/* Plain: bpftool prints BTF-formatted JSON too. */
	run(&r, "bpftool map dump pinned %s", path);
	expect_ok(&r);
	CHECK(strstr(r.out, "KVMTRAP_ROUTE_BPF") && strstr(r.out, "KVMTRAP_OWNER_POLICY"),
	      "bpftool map dump does not name route and owner:\n%s", r.out);
}

/* ---- Tests: errors at run time ------------------------------------------- */

/* A pid with no process: "No such process", exit 1, nothing pinned. */
static void test_err_no_such_process(void)
{
	char *before = pin_snapshot();
	pid_t pid = dead_pid();
	struct run r;

	run(&r, "kvmtrap attach " CLI_OBJ " --vm %d", pid);
	expect_failure(&r);
	expect_err_has(&r, strerror(ESRCH));
	run(&r, "kvmtrap status --vm %d", pid);
	expect_failure(&r);
	expect_err_has(&r, strerror(ESRCH));
	run(&r, "kvmtrap query --vm %d hvc PSCI_VERSION", pid);
	expect_failure(&r);
	expect_err_has(&r, strerror(ESRCH));
	run(&r, "kvmtrap handled --vm %d", pid);
	expect_failure(&r);
	expect_err_has(&r, strerror(ESRCH));
	expect_pins_unchanged(before, "commands on a dead pid");
}

/*
 * Another user's VMM: "Permission denied" (or EPERM's text), naming the
 * fix, CAP_SYS_PTRACE; nothing pinned, no link.
 */
static void test_err_permission_denied(void)
{
	char *before;
	struct vmm v;
	struct run r;

	vmm_start(&v, NULL);
	before = pin_snapshot();
	run_as(&r, NOBODY, "kvmtrap attach " CLI_OBJ " --vm %d " SET_HANDLE_A,
	       v.pid);
	expect_failure(&r);
	expect_err_has(&r, "CAP_SYS_PTRACE");
	CHECK(strstr(r.err, strerror(EACCES)) ||
	      strstr(r.err, strerror(EPERM)),
	      "not \"%s\" or \"%s\": " RUN_FMT, strerror(EACCES),
	      strerror(EPERM), RUN_ARGS(&r));
	expect_pins_unchanged(before, "an attach without ptrace access");
	expect_no_links(&v, 0);
	call_expect_default(&v, 0, FUNC_A);

	run_as(&r, NOBODY, "kvmtrap status --vm %d", v.pid);
	expect_failure(&r);
	expect_err_has(&r, "CAP_SYS_PTRACE");
	/* With the fd given, the VM fd itself is refused (pidfd_getfd()). */
	run_as(&r, NOBODY, "kvmtrap status --vm %d:%d", v.pid, v.vm_fd[0]);
	expect_failure(&r);
	expect_err_has(&r, "CAP_SYS_PTRACE");
	expect_pins_unchanged(before, "status without ptrace access");
}

/* An object without a kvm_trap program: ENOEXEC, for attach and test. */
static void test_err_no_kvm_trap_program(void)
{
	char *before;
	struct vmm v;
	struct run r;

	vmm_start(&v, NULL);
	before = pin_snapshot();
	run(&r, "kvmtrap attach " SMOKE_OBJ " --vm %d", v.pid);
	expect_failure(&r);
	expect_err_has(&r, "bpf_smoke.bpf.o");
	expect_err_has(&r, strerror(ENOEXEC));
	expect_pins_unchanged(before, "an attach of an object without a kvm_trap program");
	expect_no_links(&v, 0);

	run(&r, "kvmtrap test " SMOKE_OBJ " hvc 0x1");
	expect_failure(&r);
	expect_err_has(&r, "bpf_smoke.bpf.o");
	expect_err_has(&r, strerror(ENOEXEC));
}

/* An object with several kvm_trap programs: which one is ambiguous. */
static void test_err_several_kvm_trap_programs(void)
{
	char *before;
	struct vmm v;
	struct run r;

	vmm_start(&v, NULL);
	before = pin_snapshot();
	run(&r, "kvmtrap attach " PROG_FAIL_OBJ " --vm %d", v.pid);
	expect_failure(&r);
	expect_err_has(&r, "kvmtrap_prog_fail.bpf.o");
	expect_err_has(&r, strerror(ENOEXEC));
	expect_pins_unchanged(before, "an attach of an object with several programs");
	expect_no_links(&v, 0);
}

/*
 * A policy the verifier rejects: exit 1 with one line, no verifier log;
 * with -v, the verifier's log on stderr.  Either way nothing is left in
 * bpffs (the handled list made for the load included) and no link.
 */
static void test_err_verifier_rejects(void)
{
	char *before;
	struct vmm v;
	struct run r;

	vmm_start(&v, NULL);
	before = pin_snapshot();
	run(&r, "kvmtrap attach " CLI_FAIL_OBJ " --vm %d", v.pid);
	expect_failure(&r);
	CHECK(strstr(r.err, "kvmtrap_cli_fail") || strstr(r.err, "cli_write_arg"),
	      "the error names neither the object nor the program: " RUN_FMT,
	      RUN_ARGS(&r));
	CHECK(strstr(r.err, strerror(EACCES)) ||
	      strstr(r.err, strerror(EINVAL)),
	      "not \"%s\" or \"%s\": " RUN_FMT, strerror(EACCES),
	      strerror(EINVAL), RUN_ARGS(&r));
	CHECK(!strstr(r.err, "bpf_context"), "verifier log without -v: " RUN_FMT,
	      RUN_ARGS(&r));
	expect_pins_unchanged(before, "an attach the verifier rejected");
	expect_no_links(&v, 0);

	run(&r, "kvmtrap -v attach " CLI_FAIL_OBJ " --vm %d", v.pid);
	expect_exit(&r, 1);
	CHECK(!r.out_len, "stdout: " RUN_FMT, RUN_ARGS(&r));
	expect_err_has(&r, "invalid bpf_context access");
	CHECK(has_line_prefix(r.err, "kvmtrap: "), "no error line: " RUN_FMT,
	      RUN_ARGS(&r));
	expect_pins_unchanged(before, "an attach -v the verifier rejected");
	expect_no_links(&v, 0);
	call_expect_default(&v, 0, FUNC_A);

	run(&r, "kvmtrap test " CLI_FAIL_OBJ " hvc 0x1");
	expect_failure(&r);
}

/*
 * More failed attaches, with links and the handled list already pinned:
 * the 9th link (E2BIG), an unknown --set variable, a value that does not
 * fit, a missing object.  None leaves anything behind.
 */
static void test_err_failed_attach_leaves_nothing(void)
{
	char *before;
	struct vmm v;
	struct run r;
	int i;

	vmm_start(&v, NULL);
	for (i = 0; i < 8; i++)
		cli_attach(&v, 0, "--set verdict=0");
	before = pin_snapshot();

	run(&r, "kvmtrap attach " CLI_OBJ " --vm %d", v.pid);
	expect_failure(&r);
	expect_err_has(&r, strerror(E2BIG));
	expect_pins_unchanged(before, "a 9th attach");

	run(&r, "kvmtrap attach " CLI_OBJ " --vm %d --set nosuchvar=1", v.pid);
	expect_failure(&r);
	expect_err_has(&r, "nosuchvar");
	expect_pins_unchanged(before, "an attach with an unknown --set");

	run(&r, "kvmtrap attach " CLI_OBJ " --vm %d --set func_id=notanumber", v.pid);
	expect_failure(&r);
	expect_err_has(&r, "func_id");
	expect_pins_unchanged(before, "an attach with a bad --set value");

	run(&r, "kvmtrap attach /nonexistent/policy.bpf.o --vm %d", v.pid);
	expect_failure(&r);
	expect_err_has(&r, "/nonexistent/policy.bpf.o");
	expect_err_has(&r, strerror(ENOENT));
	expect_pins_unchanged(before, "an attach of a missing object");
	CHECK(vm_links(&v, 0, NULL, 0) == 8, "%d links, expected 8",
	      vm_links(&v, 0, NULL, 0));
}

/*
 * A VMM that holds the VM's 8 links itself (unpinned): attach gets E2BIG
 * after the load made the VM's directory and handled list, and must take
 * both back.
 */
static void test_err_full_vm_leaves_nothing(void)
{
	uint32_t ids[KVM_CAP_TRAP_BPF_LINKS];
	char *before, dir[PATH_MAX];
	struct vmm v;
	struct run r;

	vmm_start(&v, NULL);
	vmm_hold_links(&v, KVM_CAP_TRAP_BPF_LINKS, ids);
	before = pin_snapshot();
	snprintf(dir, sizeof(dir), PIN_ROOT "/%s", v.name[0]);
	CHECK(!path_exists(dir), "%s exists before any pin", dir);

	run(&r, "kvmtrap attach " CLI_OBJ " --vm %d " SET_HANDLE_A, v.pid);
	expect_failure(&r);
	expect_err_has(&r, strerror(E2BIG));
	expect_pins_unchanged(before, "an attach to a VM with 8 links");
	CHECK(vm_links(&v, 0, NULL, 0) == KVM_CAP_TRAP_BPF_LINKS,
	      "%d links, expected the VMM's %d", vm_links(&v, 0, NULL, 0),
	      KVM_CAP_TRAP_BPF_LINKS);
}

/* detach and replace of a link the VM does not have: exit 1. */
static void test_err_unknown_link(void)
{
	struct attached a;
	struct vmm v;
	struct run r;

	vmm_start(&v, NULL);
	a = cli_attach(&v, 0, SET_HANDLE_A);
	run(&r, "kvmtrap detach --vm %d --link %u", v.pid, a.link_id + 1000);
	expect_failure(&r);
	run(&r, "kvmtrap replace --vm %d --link %u " CLI_OBJ, v.pid,
	    a.link_id + 1000);
	expect_failure(&r);
	expect_link(&v, 0, a.link_id, a.prog_id, PROG_NAME, a.pin);
	call_expect(&v, 0, FUNC_A, ANSWER_A);
}

int main(int argc, char *argv[])
{
	static const struct kvmtrap_test tests[] = {
		KVMTRAP_TEST(test_help),
		KVMTRAP_TEST(test_usage_unknown_command),
		KVMTRAP_TEST(test_usage_missing_vm),
		KVMTRAP_TEST(test_usage_bad_arguments),
		KVMTRAP_TEST(test_list_no_vm),
		KVMTRAP_TEST(test_list_vm_and_links),
		KVMTRAP_TEST(test_list_unpinned_link),
		KVMTRAP_TEST(test_attach_by_pid),
		KVMTRAP_TEST(test_attach_pid_fd_several_vms),
		KVMTRAP_TEST(test_detach_link),
		KVMTRAP_TEST(test_detach_all),
		KVMTRAP_TEST(test_detach_by_name_after_vmm_exit),
		KVMTRAP_TEST(test_list_orphans_json),
		KVMTRAP_TEST(test_list_orphans_table),
		KVMTRAP_TEST(test_prune_removes_orphans),
		KVMTRAP_TEST(test_prune_leaves_nothing),
		KVMTRAP_TEST(test_prune_keeps_live_vm),
		KVMTRAP_TEST(test_prune_dry_run),
		KVMTRAP_TEST(test_prune_json),
		KVMTRAP_TEST(test_prune_nothing_to_do),
		KVMTRAP_TEST(test_replace_while_guest_loops),
		KVMTRAP_TEST(test_status_counts_calls),
		KVMTRAP_TEST(test_status_while_guest_loops),
		KVMTRAP_TEST(test_status_without_list_shows_native),
		KVMTRAP_TEST(test_handled_agrees_with_query),
		KVMTRAP_TEST(test_handled_table),
		KVMTRAP_TEST(test_query_native_and_default),
		KVMTRAP_TEST(test_query_stage_bpf),
		KVMTRAP_TEST(test_attach_warns_vm_refuses_forwards),
		KVMTRAP_TEST(test_names_in_pid_ns),
		KVMTRAP_TEST(test_forward_refused_until_vmm_opts_in),
		KVMTRAP_TEST(test_query_stage_filter),
		KVMTRAP_TEST(test_test_verdicts),
		KVMTRAP_TEST(test_test_context),
		KVMTRAP_TEST(test_trace_count),
		KVMTRAP_TEST(test_trace_no_ring_buffer),
		KVMTRAP_TEST(test_trace_timeout),
		KVMTRAP_TEST(test_bpftool_link_show),
		KVMTRAP_TEST(test_bpftool_map_dump),
		KVMTRAP_TEST(test_err_no_such_process),
		KVMTRAP_TEST(test_err_permission_denied),
		KVMTRAP_TEST(test_err_no_kvm_trap_program),
		KVMTRAP_TEST(test_err_several_kvm_trap_programs),
		KVMTRAP_TEST(test_err_verifier_rejects),
		KVMTRAP_TEST(test_err_failed_attach_leaves_nothing),
		KVMTRAP_TEST(test_err_full_vm_leaves_nothing),
		KVMTRAP_TEST(test_err_unknown_link),
	};

	return kvmtrap_run_tests(tests, ARRAY_SIZE(tests));
}
