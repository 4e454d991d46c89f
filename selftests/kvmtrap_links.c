// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrap_links - the life of a kvm_trap link, BPF_LINK_TYPE_KVM_TRAP:
 *
 *  - KVM_CAP_TRAP_BPF is 8 on /dev/kvm and on a VM fd; upstream's 239
 *    (KVM_CAP_ARM_WRITABLE_IMP_ID_REGS, not in 6.12) is unknown: 0.
 *  - A link names its VM as in KVM's debugfs, <pid>-<fd>: in
 *    bpf_link_info, /proc/self/fdinfo and bpftool; the pid as the
 *    reader's pid namespace numbers it.
 *  - The VM's links run in attach order and the first verdict other than
 *    PASS wins; up to 8 links, the 9th is E2BIG; removing one keeps the
 *    order of the others.
 *  - BPF_LINK_UPDATE swaps the program atomically while a vCPU loops on
 *    hypercalls: each answer comes from the old or the new program, the
 *    answers switch once, none is lost.
 *  - BPF_LINK_DETACH (also while the vCPU loops), and closing the last
 *    link fd, return the VM to the default at once.
 *  - A pinned link outlives its fd; destroying the VM leaves it defunct
 *    (info, fdinfo, bpftool), it can then be unpinned and freed.
 *  - The errnos of BPF_LINK_CREATE (flags, target, program type, 9th link)
 *    and of BPF_LINK_UPDATE (program type, BPF_F_REPLACE, defunct link).
 *
 * One behaviour per test_*(), one VM per test.
 */
#define _GNU_SOURCE	/* unshare() */
#include <ctype.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/stat.h>
#include <time.h>

#include "kvmtrap_vm.h"

#define ANSWER_A 0xa000000000000a00ull
#define ANSWER_B 0xb000000000000b00ull

/* ---- helpers ---- */

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

static void reset_order(struct kvmtrap_policy *first)
{
	__u64 zero64 = 0;
	__u32 zero = 0;
	int r;

	r = bpf_map_update_elem(bpf_map__fd(first->maps.order), &zero, &zero64, 0);
	TEST_ASSERT(!r, "bpf_map_update_elem: %s", strerror(errno));
}

/* @n instances sharing the order map of the first, each linked to @vm. */
static void load_chain(struct kvm_vm *vm, struct kvmtrap_policy *skels[],
		       struct bpf_link *links[], int n)
{
	int i;

	for (i = 0; i < n; i++) {
		skels[i] = i ? kt_policy_load_chained(skels[0]) : kt_policy_load();
		links[i] = kt_policy_attach(skels[i], vm);
	}
	reset_order(skels[0]);
}

static void free_chain(struct kvmtrap_policy *skels[], struct bpf_link *links[],
		       int n)
{
	int i;

	for (i = 0; i < n; i++) {
		bpf_link__destroy(links[i]);
		kvmtrap_policy__destroy(skels[i]);
	}
}

static void assert_order(struct kvmtrap_policy *skel, int idx, uint64_t order,
			 uint64_t runs)
{
	TEST_ASSERT(skel->bss->seen.runs == runs && skel->bss->seen.order == order,
		    "link %d: ran %llu times at position %llu, expected %lu times at %lu",
		    idx, skel->bss->seen.runs, skel->bss->seen.order, runs, order);
}

/* BPF_LINK_CREATE with the raw syscall: 0 or the errno. */
static int try_link_create(int prog_fd, int target_fd,
			   enum bpf_attach_type type, __u32 flags)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = flags);
	int fd, err;

	fd = bpf_link_create(prog_fd, target_fd, type, &opts);
	err = errno;
	if (fd >= 0)
		close(fd);
	errno = 0;
	return fd >= 0 ? 0 : err;
}

static int try_link_update(int link_fd, int new_prog_fd, __u32 flags,
			   int old_prog_fd)
{
	LIBBPF_OPTS(bpf_link_update_opts, opts, .flags = flags,
		    .old_prog_fd = old_prog_fd);
	int r, err;

	r = bpf_link_update(link_fd, new_prog_fd, &opts);
	err = errno;
	errno = 0;
	return r ? err : 0;
}

/* A program of another type: SEC("syscall"), return 0. */
static int load_syscall_prog(void)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .prog_flags = BPF_F_SLEEPABLE);
	int fd;

	fd = bpf_prog_load(BPF_PROG_TYPE_SYSCALL, "kt_syscall", "GPL", insns,
			   ARRAY_SIZE(insns), &opts);
	if (fd < 0)
		kt_fail_errno("bpf_prog_load(BPF_PROG_TYPE_SYSCALL)", errno);
	return fd;
}

static void call_answered(struct kvm_vcpu *vcpu, uint64_t base)
{
	struct kt_call c = kt_smccc(KVM_TRAP_CONDUIT_HVC, KT_FUNC_64);
	struct kt_regs r;

	kt_run_call(vcpu, &c, &r);
	kt_assert_ret(&c, &r, base, base + 1, base + 2, base + 3);
}

static void call_default(struct kvm_vcpu *vcpu)
{
	struct kt_call c = kt_smccc(KVM_TRAP_CONDUIT_HVC, KT_FUNC_64);
	struct kt_regs r;

	kt_run_call(vcpu, &c, &r);
	kt_assert_not_supported(&c, &r);
}

static struct bpf_link_info link_info(int fd)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	int r;

	r = bpf_link_get_info_by_fd(fd, &info, &len);
	TEST_ASSERT(!r, "bpf_link_get_info_by_fd: %s", strerror(errno));
	return info;
}

static void assert_link_info(int fd, int vm_pid, int vm_fd, int defunct,
			     int prog_fd)
{
	struct bpf_link_info info = link_info(fd);
	struct bpf_prog_info pinfo = {};
	__u32 len = sizeof(pinfo);

	TEST_ASSERT(info.type == BPF_LINK_TYPE_KVM_TRAP, "link type %u, expected %u",
		    info.type, BPF_LINK_TYPE_KVM_TRAP);
	TEST_ASSERT(info.kvm_trap.vm_pid == vm_pid && info.kvm_trap.vm_fd == vm_fd,
		    "link info names VM %u-%u, expected %d-%d",
		    info.kvm_trap.vm_pid, info.kvm_trap.vm_fd, vm_pid, vm_fd);
	TEST_ASSERT(info.kvm_trap.defunct == defunct, "link info defunct %u, expected %d",
		    info.kvm_trap.defunct, defunct);
	TEST_ASSERT(!bpf_prog_get_info_by_fd(prog_fd, &pinfo, &len),
		    "bpf_prog_get_info_by_fd: %s", strerror(errno));
	TEST_ASSERT(info.prog_id == pinfo.id, "link prog_id %u, expected %u",
		    info.prog_id, pinfo.id);
}

/* /proc/self/fdinfo/<fd> of a link has the lines @want. */
static void assert_fdinfo(int fd, const char *want1, const char *want2)
{
	char path[64], buf[1024];
	ssize_t n;
	int f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = open(path, O_RDONLY);
	TEST_ASSERT(f >= 0, "open %s: %s", path, strerror(errno));
	n = read(f, buf, sizeof(buf) - 1);
	TEST_ASSERT(n > 0, "read %s: %s", path, strerror(errno));
	buf[n] = 0;
	close(f);
	TEST_ASSERT(strstr(buf, "link_type:\tkvm_trap\n"),
		    "%s has no link_type kvm_trap:\n%s", path, buf);
	TEST_ASSERT(strstr(buf, want1), "%s has no \"%s\":\n%s", path, want1, buf);
	TEST_ASSERT(strstr(buf, want2), "%s has no \"%s\":\n%s", path, want2, buf);
}

/* ---- tests ---- */

static void test_cap_trap_bpf(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	int n;

	n = kvm_check_cap(KVM_CAP_TRAP_BPF);
	TEST_ASSERT(n == 8, "KVM_CHECK_EXTENSION(KVM_CAP_TRAP_BPF) on /dev/kvm: %d, expected 8", n);
	vm = kt_create_vm(&vcpu);
	n = vm_check_cap(vm, KVM_CAP_TRAP_BPF);
	TEST_ASSERT(n == 8, "KVM_CHECK_EXTENSION(KVM_CAP_TRAP_BPF) on the VM: %d, expected 8", n);
	kvm_vm_free(vm);
}

/*
 * The capability number is outside upstream's sequence: a VMM asking this
 * kernel for upstream's 239 (writable implementation ID registers, newer
 * than 6.12) must not be told "8".
 */
static void test_cap_upstream_239_unknown(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	int n;

	TEST_ASSERT(KVM_CAP_TRAP_BPF > 0xffff, "KVM_CAP_TRAP_BPF %d is in upstream's range",
		    KVM_CAP_TRAP_BPF);
	n = kvm_check_cap(239);
	TEST_ASSERT(n == 0, "KVM_CHECK_EXTENSION(239) on /dev/kvm: %d, expected 0", n);
	vm = kt_create_vm(&vcpu);
	n = vm_check_cap(vm, 239);
	TEST_ASSERT(n == 0, "KVM_CHECK_EXTENSION(239) on the VM: %d, expected 0", n);
	kvm_vm_free(vm);
}

/*
 * The "vm:" line of /proc/<pid>/fdinfo/<fd> of a VM fd; pid 0 reads
 * /proc/self, which works from inside a pid namespace whose /proc is
 * still the parent's.
 */
static void vm_fdinfo_name(pid_t pid, int fd, int *vm_pid, int *vm_fd)
{
	char path[64], line[128];
	FILE *f;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", pid, fd);
	else
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	TEST_ASSERT(f, "open %s: %s", path, strerror(errno));
	*vm_pid = -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "vm: %d-%d", vm_pid, vm_fd) == 2)
			break;
	fclose(f);
	TEST_ASSERT(*vm_pid >= 0, "no vm: line in %s", path);
}

/*
 * A VMM in a child pid namespace is pid 1 there: it, and whoever reads
 * the names from that namespace, see its VM as 1-<fd> (VM fd's fdinfo,
 * link info, link fdinfo); the init namespace sees the VMM's pid there.
 */
static void test_link_names_vm_in_pid_ns(void)
{
	int ready[2], done[2], vm_pid, vm_fd, link_fd, status;
	struct { uint32_t link_id; int vm_fd; } msg;
	struct bpf_link_info info;
	char c = 0;
	pid_t pid;

	TEST_ASSERT(!pipe(ready) && !pipe(done), "pipe: %s", strerror(errno));
	TEST_ASSERT(!unshare(CLONE_NEWPID), "unshare(CLONE_NEWPID): %s",
		    strerror(errno));
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork: %s", strerror(errno));
	if (!pid) {
		char want[64];
		struct kt_env e;

		close(ready[0]);
		close(done[1]);
		TEST_ASSERT(getpid() == 1, "pid %d in the new namespace", getpid());
		kt_env_init(&e);
		vm_fdinfo_name(0, e.vm->fd, &vm_pid, &vm_fd);
		TEST_ASSERT(vm_pid == 1 && vm_fd == e.vm->fd,
			    "the VM fd's fdinfo names VM %d-%d inside, expected 1-%d",
			    vm_pid, vm_fd, e.vm->fd);
		assert_link_info(bpf_link__fd(e.link), 1, e.vm->fd, 0,
				 bpf_program__fd(e.skel->progs.policy));
		snprintf(want, sizeof(want), "vm:\t1-%d\n", e.vm->fd);
		assert_fdinfo(bpf_link__fd(e.link), want, "defunct:\t0\n");
		msg.link_id = link_info(bpf_link__fd(e.link)).id;
		msg.vm_fd = e.vm->fd;
		TEST_ASSERT(write(ready[1], &msg, sizeof(msg)) == sizeof(msg),
			    "write: %s", strerror(errno));
		TEST_ASSERT(read(done[0], &c, 1) == 1, "read: %s", strerror(errno));
		kt_env_free(&e);
		exit(0);
	}

	/* Only the child holds these ends: its death ends the reads. */
	close(ready[1]);
	close(done[0]);
	TEST_ASSERT(read(ready[0], &msg, sizeof(msg)) == sizeof(msg),
		    "the VMM in the pid namespace failed");
	vm_fdinfo_name(pid, msg.vm_fd, &vm_pid, &vm_fd);
	TEST_ASSERT(vm_pid == pid && vm_fd == msg.vm_fd,
		    "the VM fd's fdinfo names VM %d-%d outside, expected %d-%d",
		    vm_pid, vm_fd, pid, msg.vm_fd);
	link_fd = bpf_link_get_fd_by_id(msg.link_id);
	TEST_ASSERT(link_fd >= 0, "link %u: %s", msg.link_id, strerror(errno));
	info = link_info(link_fd);
	TEST_ASSERT(info.kvm_trap.vm_pid == pid && info.kvm_trap.vm_fd == msg.vm_fd,
		    "link info names VM %u-%u outside, expected %d-%d",
		    info.kvm_trap.vm_pid, info.kvm_trap.vm_fd, pid, msg.vm_fd);
	close(link_fd);
	TEST_ASSERT(write(done[1], &c, 1) == 1, "write: %s", strerror(errno));
	TEST_ASSERT(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		    !WEXITSTATUS(status), "the VMM in the pid namespace failed");
}

/* The link names its VM as KVM's debugfs does: <pid>-<fd>. */
static void test_link_names_vm(void)
{
	char path[96], want[64];
	struct stat st;
	struct kt_env e;
	int fd;

	kt_env_init(&e);
	fd = bpf_link__fd(e.link);
	snprintf(path, sizeof(path), "/sys/kernel/debug/kvm/%d-%d", getpid(),
		 e.vm->fd);
	TEST_ASSERT(!stat(path, &st), "KVM's debugfs directory %s: %s", path,
		    strerror(errno));
	assert_link_info(fd, getpid(), e.vm->fd, 0,
			 bpf_program__fd(e.skel->progs.policy));
	snprintf(want, sizeof(want), "vm:\t%d-%d\n", getpid(), e.vm->fd);
	assert_fdinfo(fd, want, "defunct:\t0\n");
	kt_env_free(&e);
}

/* PASS, HANDLED, HANDLED: the second answers, the third never runs. */
static void test_links_first_non_pass_wins(void)
{
	struct kvmtrap_policy *skels[3];
	struct bpf_link *links[3];
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;

	vm = kt_create_vm(&vcpu);
	load_chain(vm, skels, links, 3);
	kt_rule_ret(skels[0], KVM_TRAP_PASS, ANSWER_A);
	kt_rule_ret(skels[1], KVM_TRAP_HANDLED, ANSWER_B);
	kt_rule_ret(skels[2], KVM_TRAP_HANDLED, ANSWER_A);
	call_answered(vcpu, ANSWER_B);
	assert_order(skels[0], 0, 1, 1);
	assert_order(skels[1], 1, 2, 1);
	assert_order(skels[2], 2, 0, 0);
	kt_assert_stats(vm, 0, 1, 0, 0, 0, 0);

	/* DENY first: nobody after it runs, ret[] of nobody is used. */
	reset_order(skels[0]);
	kt_rule_ret(skels[0], KVM_TRAP_DENY, ANSWER_A);
	call_default(vcpu);
	assert_order(skels[0], 0, 1, 2);
	assert_order(skels[1], 1, 2, 1);
	kt_assert_stats(vm, 0, 1, 0, 1, 0, 0);
	free_chain(skels, links, 3);
	kvm_vm_free(vm);
}

/* All PASS: every program runs, in attach order, then the default. */
static void test_links_all_pass_default(void)
{
	struct kvmtrap_policy *skels[3];
	struct bpf_link *links[3];
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	int i;

	vm = kt_create_vm(&vcpu);
	load_chain(vm, skels, links, 3);
	for (i = 0; i < 3; i++)
		kt_rule_ret(skels[i], KVM_TRAP_PASS, ANSWER_A);
	call_default(vcpu);
	for (i = 0; i < 3; i++)
		assert_order(skels[i], i, i + 1, 1);
	/* One call, one decision. */
	kt_assert_stats(vm, 1, 0, 0, 0, 0, 0);
	free_chain(skels, links, 3);
	kvm_vm_free(vm);
}

/*
 * 8 links run in order; the 9th is E2BIG.  Without the 3rd, the others
 * keep their order and a new one goes last.
 */
static void test_links_max_eight(void)
{
	struct kvmtrap_policy *skels[9];
	struct bpf_link *links[9];
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	int i, err;

	vm = kt_create_vm(&vcpu);
	load_chain(vm, skels, links, 8);
	call_default(vcpu);
	for (i = 0; i < 8; i++)
		assert_order(skels[i], i, i + 1, 1);

	skels[8] = kt_policy_load_chained(skels[0]);
	err = try_link_create(bpf_program__fd(skels[8]->progs.policy), vm->fd,
			      BPF_KVM_TRAP, 0);
	TEST_ASSERT(err == E2BIG, "9th link: %s, expected E2BIG", strerror(err));
	libbpf_set_print(quiet);
	links[8] = bpf_program__attach_kvm_trap(skels[8]->progs.policy, vm->fd);
	libbpf_set_print(NULL);
	TEST_ASSERT(!links[8] && errno == E2BIG,
		    "9th link with libbpf: %s, expected E2BIG", strerror(errno));
	errno = 0;

	bpf_link__destroy(links[2]);
	links[2] = kt_policy_attach(skels[8], vm);
	reset_order(skels[0]);
	call_default(vcpu);
	for (i = 0; i < 8; i++)
		if (i != 2)
			assert_order(skels[i], i, i + 1 - (i > 2), 2);
	assert_order(skels[2], 2, 3, 1);
	assert_order(skels[8], 8, 8, 1);

	for (i = 0; i < 8; i++)
		bpf_link__destroy(links[i]);
	for (i = 0; i < 9; i++)
		kvmtrap_policy__destroy(skels[i]);
	kvm_vm_free(vm);
}

/* ---- BPF_LINK_UPDATE while a vCPU loops on hypercalls ---- */

/* Calls made before the update, and at least as many after it returned. */
#define CALLS_BEFORE	1000
#define CALLS_AFTER	1500
#define CALLS_MAX	1000000

static struct {
	uint64_t stop;		/* set by the host: finish the loop */
	uint64_t done;		/* calls answered so far */
	uint64_t from_a, from_b, from_default, bad, bad_x0, bad_x1, switches;
} guest_loop;

static void guest_loop_main(void)
{
	struct arm_smccc_res res;
	uint64_t i, last = 0;

	for (i = 0; !READ_ONCE(guest_loop.stop) && i < CALLS_MAX; i++) {
		smccc_hvc(KT_FUNC_64, i, 0, 0, 0, 0, 0, 0, &res);
		/* A whole answer from one program: x0 and x1 agree. */
		if (res.a0 == ANSWER_A && res.a1 == ANSWER_A + 1) {
			guest_loop.from_a++;
		} else if (res.a0 == ANSWER_B && res.a1 == ANSWER_B + 1) {
			guest_loop.from_b++;
		} else if (res.a0 == KT_NOT_SUPPORTED && !res.a1) {
			guest_loop.from_default++;
		} else {
			guest_loop.bad++;
			guest_loop.bad_x0 = res.a0;
			guest_loop.bad_x1 = res.a1;
		}
		if (i && res.a0 != last)
			guest_loop.switches++;
		last = res.a0;
		WRITE_ONCE(guest_loop.done, i + 1);
	}
	GUEST_DONE();
}

static void *vcpu_thread(void *arg)
{
	struct kvm_vcpu *vcpu = arg;
	struct ucall uc;

	vcpu_run(vcpu);
	switch (get_ucall(vcpu, &uc)) {
	case UCALL_DONE:
		break;
	case UCALL_ABORT:
		REPORT_GUEST_ASSERT(uc);
		break;
	default:
		TEST_FAIL("unexpected exit %s",
			  exit_reason_str(vcpu->run->exit_reason));
	}
	return NULL;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

/* Wait for the guest to have made @n calls; it runs until told to stop. */
static void wait_calls(volatile uint64_t *done, uint64_t n)
{
	uint64_t deadline = now_ms() + kt_deadline_ms(120 * 1000);

	while (*done < n) {
		TEST_ASSERT(now_ms() < deadline,
			    "the guest made only %lu of %lu calls in 120 s",
			    *done, n);
		usleep(100);
	}
}

struct loop_run {
	uint64_t before;	/* calls answered when the change started */
	uint64_t after;		/* ... and when it had returned */
	uint64_t total;
};

/*
 * Let the guest loop on calls answered by link @link; after CALLS_BEFORE
 * calls change the link with @change, let it make CALLS_AFTER more, stop.
 * The answers then show no call was lost or answered by neither side and
 * the guest saw the change once.
 */
static void loop_with_change(struct kvm_vm *vm, struct kvm_vcpu *vcpu,
			     int (*change)(struct bpf_link *, void *),
			     struct bpf_link *link, void *arg,
			     struct loop_run *lr)
{
	volatile uint64_t *done, *stop;
	pthread_t thread;
	uint64_t t0;
	int r;

	done = addr_gva2hva(vm, (vm_vaddr_t)&guest_loop.done);
	stop = addr_gva2hva(vm, (vm_vaddr_t)&guest_loop.stop);
	t0 = now_ms();
	r = pthread_create(&thread, NULL, vcpu_thread, vcpu);
	TEST_ASSERT(!r, "pthread_create: %s", strerror(r));
	wait_calls(done, CALLS_BEFORE);
	lr->before = *done;
	r = change(link, arg);
	lr->after = *done;
	TEST_ASSERT(!r, "changing the link while the vCPU runs: %s", strerror(-r));
	wait_calls(done, lr->after + CALLS_AFTER);
	*stop = 1;
	pthread_join(thread, NULL);
	sync_global_from_guest(vm, guest_loop);
	lr->total = guest_loop.done;

	ksft_print_msg("%lu calls in %lu ms, change between calls %lu and %lu: %lu answers from the first program, %lu from the second, %lu default\n",
		       lr->total, now_ms() - t0, lr->before, lr->after,
		       guest_loop.from_a, guest_loop.from_b,
		       guest_loop.from_default);
	TEST_ASSERT(!guest_loop.bad, "%lu answers from neither side, last x0 0x%lx x1 0x%lx",
		    guest_loop.bad, guest_loop.bad_x0, guest_loop.bad_x1);
	TEST_ASSERT(guest_loop.switches == 1, "the answers switched %lu times",
		    guest_loop.switches);
	/*
	 * Calls answered before the change started are the first program's,
	 * calls made after it returned are not (one may have been in flight).
	 */
	TEST_ASSERT(guest_loop.from_a >= lr->before &&
		    guest_loop.from_a <= lr->after + 1,
		    "%lu answers from the first program, change between calls %lu and %lu",
		    guest_loop.from_a, lr->before, lr->after);
}

static int update_to(struct bpf_link *link, void *prog)
{
	return bpf_link__update_program(link, prog);
}

static int detach(struct bpf_link *link, void *unused)
{
	return bpf_link__detach(link);
}

static void test_link_update_while_running(void)
{
	struct kvmtrap_policy *a = kt_policy_load(), *b = kt_policy_load();
	struct bpf_link *link;
	struct kvm_vcpu *vcpu;
	struct loop_run lr;
	struct kvm_vm *vm;

	vm = kt_create_vm_n(1, &vcpu, guest_loop_main);
	kt_rule_ret(a, KVM_TRAP_HANDLED, ANSWER_A);
	kt_rule_ret(b, KVM_TRAP_HANDLED, ANSWER_B);
	link = kt_policy_attach(a, vm);
	loop_with_change(vm, vcpu, update_to, link, b->progs.policy, &lr);

	TEST_ASSERT(guest_loop.from_a + guest_loop.from_b == lr.total,
		    "%lu + %lu answers from the programs for %lu calls",
		    guest_loop.from_a, guest_loop.from_b, lr.total);
	TEST_ASSERT(a->bss->seen.runs == guest_loop.from_a &&
		    b->bss->seen.runs == guest_loop.from_b,
		    "runs %llu/%llu, answers %lu/%lu", a->bss->seen.runs,
		    b->bss->seen.runs, guest_loop.from_a, guest_loop.from_b);
	kt_assert_stats(vm, 0, lr.total, 0, 0, 0, 0);

	bpf_link__destroy(link);
	kvmtrap_policy__destroy(a);
	kvmtrap_policy__destroy(b);
	kvm_vm_free(vm);
}

/* Once BPF_LINK_DETACH has returned, no call runs the program. */
static void test_link_detach_while_running(void)
{
	struct kvmtrap_policy *a = kt_policy_load();
	struct bpf_link *link;
	struct kvm_vcpu *vcpu;
	struct loop_run lr;
	struct kvm_vm *vm;

	vm = kt_create_vm_n(1, &vcpu, guest_loop_main);
	kt_rule_ret(a, KVM_TRAP_HANDLED, ANSWER_A);
	link = kt_policy_attach(a, vm);
	loop_with_change(vm, vcpu, detach, link, NULL, &lr);

	TEST_ASSERT(guest_loop.from_a + guest_loop.from_default == lr.total,
		    "%lu + %lu answers from the program and the default for %lu calls",
		    guest_loop.from_a, guest_loop.from_default, lr.total);
	TEST_ASSERT(a->bss->seen.runs == guest_loop.from_a,
		    "the program ran %llu times, answered %lu", a->bss->seen.runs,
		    guest_loop.from_a);
	kt_assert_stats(vm, 0, guest_loop.from_a, 0, 0, 0, 0);

	bpf_link__destroy(link);
	kvmtrap_policy__destroy(a);
	kvm_vm_free(vm);
}

/* ---- detach ---- */

static void test_link_detach_default(void)
{
	struct kt_env e;
	int r;

	kt_env_init(&e);
	kt_rule_ret(e.skel, KVM_TRAP_HANDLED, ANSWER_A);
	call_answered(e.vcpu, ANSWER_A);
	r = bpf_link__detach(e.link);
	TEST_ASSERT(!r, "bpf_link__detach: %s", strerror(-r));
	call_default(e.vcpu);
	kt_assert_runs(e.skel, 1);
	assert_link_info(bpf_link__fd(e.link), getpid(), e.vm->fd, 1,
			 bpf_program__fd(e.skel->progs.policy));
	kt_assert_stats(e.vm, 0, 1, 0, 0, 0, 0);
	kt_env_free(&e);
}

static void test_link_close_default(void)
{
	struct kt_env e;

	kt_env_init(&e);
	kt_rule_ret(e.skel, KVM_TRAP_HANDLED, ANSWER_A);
	call_answered(e.vcpu, ANSWER_A);
	bpf_link__destroy(e.link);
	e.link = NULL;
	call_default(e.vcpu);
	kt_assert_runs(e.skel, 1);
	kt_env_free(&e);
}

/*
 * Linking again after the VM's (and the host's) last link went away: the
 * immediates are offered again too, i.e. the BPF-aware HVC/SMC exit
 * handlers came back with the first new link.
 */
static void test_link_again_after_detach(void)
{
	struct kt_call c = kt_imm_call(KVM_TRAP_CONDUIT_HVC, KT_IMM_42,
				       ARM_SMCCC_VERSION_FUNC_ID);
	struct kt_regs r;
	struct kt_env e;
	int i;

	kt_env_init(&e);
	kt_rule_ret(e.skel, KVM_TRAP_HANDLED, ANSWER_A);
	for (i = 0; i < 3; i++) {
		kt_run_call(e.vcpu, &c, &r);
		kt_assert_ret(&c, &r, ANSWER_A, ANSWER_A + 1, ANSWER_A + 2,
			      ANSWER_A + 3);
		kt_assert_runs(e.skel, i + 1);
		TEST_ASSERT(!bpf_link__detach(e.link), "bpf_link__detach: %s",
			    strerror(errno));
		bpf_link__destroy(e.link);
		/* Without a link, HVC #imm is an SMCCC call of x0 again. */
		kt_run_call(e.vcpu, &c, &r);
		TEST_ASSERT(r.x[0] == ARM_SMCCC_VERSION_1_1,
			    "HVC #0x42 SMCCC_VERSION without a link: x0 = 0x%lx",
			    r.x[0]);
		e.link = kt_policy_attach(e.skel, e.vm);
	}
	kt_env_free(&e);
}

/*
 * Pinned, the link outlives its fd; the VM destroyed, it is defunct and
 * still says whose it was; unpinned and closed, it is gone.
 */
static void test_link_pinned_vm_destroyed(void)
{
	char path[64], want[64], cmd[128], out[4096], *block, *end;
	struct kt_env e;
	int fd, vm_fd, prog_fd, err;
	size_t n;
	FILE *p;
	__u32 id;

	kt_env_init(&e);
	kt_rule_ret(e.skel, KVM_TRAP_HANDLED, ANSWER_A);
	snprintf(path, sizeof(path), "/sys/fs/bpf/kvmtrap_links_%d", getpid());
	unlink(path);
	err = bpf_link__pin(e.link, path);
	TEST_ASSERT(!err, "bpf_link__pin %s: %s", path, strerror(-err));
	id = link_info(bpf_link__fd(e.link)).id;
	bpf_link__destroy(e.link);
	e.link = NULL;
	call_answered(e.vcpu, ANSWER_A);

	vm_fd = e.vm->fd;
	kvm_vm_free(e.vm);
	e.vm = NULL;

	fd = bpf_obj_get(path);
	TEST_ASSERT(fd >= 0, "bpf_obj_get %s: %s", path, strerror(errno));
	prog_fd = bpf_program__fd(e.skel->progs.policy);
	assert_link_info(fd, getpid(), vm_fd, 1, prog_fd);
	snprintf(want, sizeof(want), "vm:\t%d-%d\n", getpid(), vm_fd);
	assert_fdinfo(fd, want, "defunct:\t1\n");

	/*
	 * The whole list: "bpftool link show pinned/id X" exits 255 even when
	 * it printed the link (it returns errno == ENOENT ? 0 : -1).
	 */
	snprintf(cmd, sizeof(cmd), "bpftool link show 2>&1");
	p = popen(cmd, "r");
	TEST_ASSERT(p, "popen %s: %s", cmd, strerror(errno));
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = 0;
	err = pclose(p);
	TEST_ASSERT(!err, "%s failed (status 0x%x):\n%s", cmd, err, out);
	snprintf(want, sizeof(want), "%u: kvm_trap ", id);
	block = strstr(out, want);
	TEST_ASSERT(block, "%s: no \"%s\" in:\n%s", cmd, want, out);
	end = strchr(block, '\n');
	while (end && end[1] && !isdigit(end[1]))
		end = strchr(end + 1, '\n');
	if (end)
		*end = 0;
	snprintf(want, sizeof(want), "vm %d-%d defunct", getpid(), vm_fd);
	TEST_ASSERT(strstr(block, want), "%s: no \"%s\" in:\n%s", cmd, want,
		    block);

	err = try_link_update(fd, prog_fd, 0, 0);
	TEST_ASSERT(err == ENOLINK, "update of a defunct link: %s, expected ENOLINK",
		    strerror(err));

	TEST_ASSERT(!unlink(path), "unlink %s: %s", path, strerror(errno));
	close(fd);
	fd = bpf_link_get_fd_by_id(id);
	TEST_ASSERT(fd < 0 && errno == ENOENT,
		    "link %u still there after unpin and close (%s)", id,
		    fd < 0 ? strerror(errno) : "opened");
	errno = 0;
	kvmtrap_policy__destroy(e.skel);
}

/* ---- BPF_LINK_CREATE errnos ---- */

static void test_attach_flags_einval(void)
{
	struct kvmtrap_policy *skel = kt_policy_load();
	int prog_fd = bpf_program__fd(skel->progs.policy);
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	int err;

	vm = kt_create_vm(&vcpu);
	err = try_link_create(prog_fd, vm->fd, BPF_KVM_TRAP, 1);
	TEST_ASSERT(err == EINVAL, "flags 1: %s, expected EINVAL", strerror(err));
	err = try_link_create(prog_fd, vm->fd, BPF_KVM_TRAP, 1u << 31);
	TEST_ASSERT(err == EINVAL, "flags 1 << 31: %s, expected EINVAL", strerror(err));
	/* Nothing was linked. */
	call_default(vcpu);
	kt_assert_runs(skel, 0);
	kvmtrap_policy__destroy(skel);
	kvm_vm_free(vm);
}

static void test_attach_bad_target(void)
{
	struct kvmtrap_policy *skel = kt_policy_load();
	int prog_fd = bpf_program__fd(skel->progs.policy);
	int closed, null, kvm, err;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;

	vm = kt_create_vm(&vcpu);
	closed = dup(vm->fd);
	close(closed);
	err = try_link_create(prog_fd, closed, BPF_KVM_TRAP, 0);
	TEST_ASSERT(err == EBADF, "closed fd: %s, expected EBADF", strerror(err));
	err = try_link_create(prog_fd, -1, BPF_KVM_TRAP, 0);
	TEST_ASSERT(err == EBADF, "fd -1: %s, expected EBADF", strerror(err));

	null = open("/dev/null", O_RDWR);
	TEST_ASSERT(null >= 0, "open /dev/null: %s", strerror(errno));
	err = try_link_create(prog_fd, null, BPF_KVM_TRAP, 0);
	TEST_ASSERT(err == EINVAL, "/dev/null: %s, expected EINVAL", strerror(err));

	kvm = open_kvm_dev_path_or_exit();
	err = try_link_create(prog_fd, kvm, BPF_KVM_TRAP, 0);
	TEST_ASSERT(err == EINVAL, "/dev/kvm: %s, expected EINVAL", strerror(err));

	err = try_link_create(prog_fd, vcpu->fd, BPF_KVM_TRAP, 0);
	TEST_ASSERT(err == EINVAL, "vCPU fd: %s, expected EINVAL", strerror(err));

	err = try_link_create(prog_fd, prog_fd, BPF_KVM_TRAP, 0);
	TEST_ASSERT(err == EINVAL, "BPF program fd: %s, expected EINVAL", strerror(err));

	call_default(vcpu);
	kt_assert_runs(skel, 0);
	close(kvm);
	close(null);
	kvmtrap_policy__destroy(skel);
	kvm_vm_free(vm);
}

static void test_attach_wrong_prog_type(void)
{
	struct kvmtrap_policy *skel = kt_policy_load();
	int prog_fd = bpf_program__fd(skel->progs.policy);
	int sys_fd = load_syscall_prog();
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	int err;

	vm = kt_create_vm(&vcpu);
	err = try_link_create(sys_fd, vm->fd, BPF_KVM_TRAP, 0);
	TEST_ASSERT(err == EINVAL, "syscall program with BPF_KVM_TRAP: %s, expected EINVAL",
		    strerror(err));
	/* A kvm_trap program with another attach type. */
	err = try_link_create(prog_fd, vm->fd, BPF_NETFILTER, 0);
	TEST_ASSERT(err == EINVAL, "kvm_trap program with BPF_NETFILTER: %s, expected EINVAL",
		    strerror(err));
	call_default(vcpu);
	kt_assert_runs(skel, 0);
	close(sys_fd);
	kvmtrap_policy__destroy(skel);
	kvm_vm_free(vm);
}

/* ---- BPF_LINK_UPDATE errnos ---- */

static void test_update_wrong_prog_type(void)
{
	int sys_fd = load_syscall_prog();
	struct kt_env e;
	int err;

	kt_env_init(&e);
	kt_rule_ret(e.skel, KVM_TRAP_HANDLED, ANSWER_A);
	err = try_link_update(bpf_link__fd(e.link), sys_fd, 0, 0);
	TEST_ASSERT(err == EINVAL, "update to a syscall program: %s, expected EINVAL",
		    strerror(err));
	/* The link kept its program. */
	call_answered(e.vcpu, ANSWER_A);
	close(sys_fd);
	kt_env_free(&e);
}

static void test_update_replace_old_prog(void)
{
	struct kvmtrap_policy *b = kt_policy_load(), *c = kt_policy_load();
	int a_fd, b_fd, c_fd, link_fd, err;
	struct kt_env e;

	kt_env_init(&e);
	kt_rule_ret(e.skel, KVM_TRAP_HANDLED, ANSWER_A);
	kt_rule_ret(b, KVM_TRAP_HANDLED, ANSWER_B);
	a_fd = bpf_program__fd(e.skel->progs.policy);
	b_fd = bpf_program__fd(b->progs.policy);
	c_fd = bpf_program__fd(c->progs.policy);
	link_fd = bpf_link__fd(e.link);

	err = try_link_update(link_fd, b_fd, BPF_F_REPLACE, c_fd);
	TEST_ASSERT(err == EPERM, "BPF_F_REPLACE with a wrong old program: %s, expected EPERM",
		    strerror(err));
	call_answered(e.vcpu, ANSWER_A);

	err = try_link_update(link_fd, b_fd, BPF_F_REPLACE, a_fd);
	TEST_ASSERT(!err, "BPF_F_REPLACE with the right old program: %s",
		    strerror(err));
	call_answered(e.vcpu, ANSWER_B);
	assert_link_info(link_fd, getpid(), e.vm->fd, 0, b_fd);
	kt_assert_runs(e.skel, 1);
	kt_assert_runs(b, 1);
	kt_assert_runs(c, 0);
	kvmtrap_policy__destroy(b);
	kvmtrap_policy__destroy(c);
	kt_env_free(&e);
}

static void test_update_detached_enolink(void)
{
	struct kvmtrap_policy *b = kt_policy_load();
	struct kt_env e;
	int err;

	kt_env_init(&e);
	TEST_ASSERT(!bpf_link__detach(e.link), "bpf_link__detach: %s",
		    strerror(errno));
	err = try_link_update(bpf_link__fd(e.link),
			      bpf_program__fd(b->progs.policy), 0, 0);
	TEST_ASSERT(err == ENOLINK, "update of a detached link: %s, expected ENOLINK",
		    strerror(err));
	kt_rule_ret(b, KVM_TRAP_HANDLED, ANSWER_B);
	call_default(e.vcpu);
	kt_assert_runs(b, 0);
	kvmtrap_policy__destroy(b);
	kt_env_free(&e);
}

static const struct kvmtrap_test tests[] = {
	KVMTRAP_TEST(test_cap_trap_bpf),
	KVMTRAP_TEST(test_link_names_vm),
	KVMTRAP_TEST(test_cap_upstream_239_unknown),
	KVMTRAP_TEST(test_link_names_vm_in_pid_ns),
	KVMTRAP_TEST(test_links_first_non_pass_wins),
	KVMTRAP_TEST(test_links_all_pass_default),
	KVMTRAP_TEST(test_links_max_eight),
	KVMTRAP_TEST(test_link_update_while_running),
	KVMTRAP_TEST(test_link_detach_while_running),
	KVMTRAP_TEST(test_link_detach_default),
	KVMTRAP_TEST(test_link_close_default),
	KVMTRAP_TEST(test_link_again_after_detach),
	KVMTRAP_TEST(test_link_pinned_vm_destroyed),
	KVMTRAP_TEST(test_attach_flags_einval),
	KVMTRAP_TEST(test_attach_bad_target),
	KVMTRAP_TEST(test_attach_wrong_prog_type),
	KVMTRAP_TEST(test_update_wrong_prog_type),
	KVMTRAP_TEST(test_update_replace_old_prog),
	KVMTRAP_TEST(test_update_detached_enolink),
};

int main(void)
{
	return kvmtrap_run_tests(tests, ARRAY_SIZE(tests));
}
