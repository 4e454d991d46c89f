// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrap_lib - libkvmtrap against real VMs, one behaviour per test:
 *
 *  - VMs: kvmtrap_vm_open() on our VM fd and its errnos; another
 *    process's VM with kvmtrap_vm_open_pid(), its errnos, and EPERM
 *    without ptrace access; kvmtrap_list_vms(); kvmtrap_vm_stats().
 *  - Policies (kvmtrap_lib.bpf.o, loaded by path): open and its errnos
 *    (missing, not BPF, no or several kvm_trap programs), set() of each
 *    kind of variable and its errnos, load (a verifier rejection leaves
 *    nothing behind), attach, kvmtrap_policy_test().
 *  - Links: replace (with and without the expected old program), detach,
 *    the 9th link, kvmtrap_link_fd(), kvmtrap_links().
 *  - Pins: the layout KVMTRAP_BPFFS_DIR/<vm>/link-<id>, a pinned link
 *    outliving its creator, the directory going with the last pin,
 *    kvmtrap_vm_cleanup(); kvmtrap_prune() of a gone VM's pins, never of
 *    a live VM's nor of files kvmtrap did not make.
 *  - Forwards: kvmtrap_vm_accept_forwards() by the VM's creator (EIO for
 *    anyone else), kvmtrap_vm_forwards() and kvmtrap_list_vms() on it.
 *  - The handled-call list: native entries equal KVM_TRAP_NATIVE_LIST, a
 *    policy's map is the VM's pinned list and counts its HANDLED calls
 *    (kvmtrap_note_handled()) but not queries; KVM_TRAP_QUERY.
 */
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include "kvmtrap_vm.h"
#include "libkvmtrap.h"

#define BPF_DIR		"/usr/libexec/kvmtrap/bpf"
#define LIB_OBJ		BPF_DIR "/kvmtrap_lib.bpf.o"

#define ANSWER		0xa0000000000000a0ull

/*
 * TEST_ASSERT() turns a failure into a skip when errno is EACCES, which a
 * verifier rejection or an EPERM test may leave: clear it first.
 */
#define CHECK(cond, fmt, ...) do {					\
	if (!(cond)) {							\
		errno = 0;						\
		TEST_FAIL(fmt, ##__VA_ARGS__);				\
	}								\
} while (0)

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

static int ok_(int r, const char *what)
{
	CHECK(r >= 0, "%s: %s (%d)", what, strerror(-r), r);
	return r;
}

/* @expr succeeds (returns >= 0); its value. */
#define OK(expr) ok_((expr), #expr)

/* @expr fails with -@err. */
#define ERR(expr, err) do {						\
	int __r = (expr);						\
									\
	CHECK(__r == -(err), "%s: %d (%s), expected -%s", #expr, __r,	\
	      __r < 0 ? strerror(-__r) : "no error", #err);		\
} while (0)

/* ---- helpers ---- */

/* A VM with one vCPU running the guest of kvmtrap_vm.h, opened by the lib. */
struct lib_env {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct kvmtrap_vm *kvm;
};

static void env_init(struct lib_env *e)
{
	e->vm = kt_create_vm(&e->vcpu);
	OK(kvmtrap_vm_open(e->vm->fd, &e->kvm));
}

static void env_free(struct lib_env *e)
{
	kvmtrap_vm_close(e->kvm);
	kvm_vm_free(e->vm);
}

static struct kvmtrap_policy *lib_open(void)
{
	struct kvmtrap_policy *p = NULL;

	OK(kvmtrap_policy_open(LIB_OBJ, &p));
	return p;
}

static void lib_set(struct kvmtrap_policy *p, const char *key,
		    const char *value)
{
	int r = kvmtrap_policy_set(p, key, value);

	CHECK(!r, "kvmtrap_policy_set(%s, \"%s\"): %s", key, value,
	      strerror(-r));
}

static void lib_load(struct kvmtrap_policy *p, struct kvmtrap_vm *vm)
{
	int r = kvmtrap_policy_load(p, vm);

	CHECK(!r, "kvmtrap_policy_load(%s): %s (%d)", vm ? "VM" : "no VM",
	      strerror(-r), r);
}

/*
 * The policy answering KT_FUNC_64 with @verdict (HANDLED: x0 = @ret0),
 * loaded with @vm (bound to its handled list) or without.
 */
static struct kvmtrap_policy *lib_policy(struct kvmtrap_vm *vm,
					 const char *verdict, uint64_t ret0)
{
	struct kvmtrap_policy *p = lib_open();
	char buf[32];

	lib_set(p, "verdict", verdict);
	snprintf(buf, sizeof(buf), "%#llx", (unsigned long long)KT_FUNC_64);
	lib_set(p, "func_id", buf);
	snprintf(buf, sizeof(buf), "%#llx", (unsigned long long)ret0);
	lib_set(p, "ret0", buf);
	lib_load(p, vm);
	return p;
}

static struct kt_regs call(struct kvm_vcpu *vcpu, uint32_t conduit,
			   uint64_t func)
{
	struct kt_call c = kt_smccc(conduit, func);
	struct kt_regs r;

	kt_run_call(vcpu, &c, &r);
	return r;
}

/* An HVC to KT_FUNC_64 gets x0 = @x0 (x1..x3 zero: the defaults of set). */
static void call_answered(struct kvm_vcpu *vcpu, uint64_t x0)
{
	struct kt_call c = kt_smccc(KVM_TRAP_CONDUIT_HVC, KT_FUNC_64);
	struct kt_regs r;

	kt_run_call(vcpu, &c, &r);
	kt_assert_ret(&c, &r, x0, 0, 0, 0);
}

static void call_default(struct kvm_vcpu *vcpu)
{
	struct kt_call c = kt_smccc(KVM_TRAP_CONDUIT_HVC, KT_FUNC_64);
	struct kt_regs r;

	kt_run_call(vcpu, &c, &r);
	kt_assert_not_supported(&c, &r);
}

/*
 * The same once the link is gone: a link whose last reference was a pin is
 * released by the kernel from a workqueue, after the unlink returned.
 */
static void call_default_soon(struct kvm_vcpu *vcpu)
{
	struct kt_call c = kt_smccc(KVM_TRAP_CONDUIT_HVC, KT_FUNC_64);
	struct kt_regs r;
	int i;

	for (i = 0; i < 200; i++) {
		kt_run_call(vcpu, &c, &r);
		if (r.x[0] == KT_NOT_SUPPORTED)
			break;
		usleep(10000);
	}
	kt_assert_not_supported(&c, &r);
}

static bool exists(const char *path)
{
	struct stat st;

	return !lstat(path, &st);
}

static void vm_dir(char *buf, size_t len, const char *vm_name,
		   const char *file)
{
	if (file)
		snprintf(buf, len, KVMTRAP_BPFFS_DIR "/%s/%s", vm_name, file);
	else
		snprintf(buf, len, KVMTRAP_BPFFS_DIR "/%s", vm_name);
}

static struct kvmtrap_link_info link_info(int link_fd)
{
	struct kvmtrap_link_info info;

	OK(kvmtrap_link_info(link_fd, &info));
	return info;
}

static uint32_t map_id(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	CHECK(!bpf_map_get_info_by_fd(fd, &info, &len),
	      "bpf_map_get_info_by_fd: %s", strerror(errno));
	return info.id;
}

static uint32_t prog_id(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	CHECK(!bpf_prog_get_info_by_fd(fd, &info, &len),
	      "bpf_prog_get_info_by_fd: %s", strerror(errno));
	return info.id;
}

/* ---- another process holding VMs ---- */

struct holder {
	pid_t pid;
	int fd;			/* its first VM fd (-1: it has none) */
	int release;		/* closing it lets the holder exit */
};

/* A child that creates @nr_vms VMs and holds them until released. */
static struct holder holder_start(int nr_vms)
{
	int ready[2], release[2];
	struct holder h;

	CHECK(!pipe(ready) && !pipe(release), "pipe: %s", strerror(errno));
	fflush(NULL);
	h.pid = fork();
	CHECK(h.pid >= 0, "fork: %s", strerror(errno));
	if (!h.pid) {
		struct kvm_vcpu *vcpu;
		struct kvm_vm *vm;
		int i, fd = -1;
		char c;

		/* No VM holder outlives its test, whatever happens to it. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(ready[0]);
		close(release[1]);
		for (i = 0; i < nr_vms; i++) {
			vm = kt_create_vm(&vcpu);
			if (!i)
				fd = vm->fd;
		}
		if (write(ready[1], &fd, sizeof(fd)) != sizeof(fd))
			_exit(1);
		while (read(release[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(ready[1]);
	close(release[0]);
	CHECK(read(ready[0], &h.fd, sizeof(h.fd)) == sizeof(h.fd),
	      "the VM holder died before creating its VMs");
	close(ready[0]);
	h.release = release[1];
	return h;
}

static void holder_stop(struct holder *h)
{
	int status;

	/* Other children may hold copies of the release pipe: kill too. */
	close(h->release);
	kill(h->pid, SIGKILL);
	CHECK(waitpid(h->pid, &status, 0) == h->pid, "waitpid: %s",
	      strerror(errno));
}

/* ---- VMs ---- */

/* KVM's name "<pid>-<fd>", as the VM's links and fdinfo give it. */
static void test_vm_open(void)
{
	struct kvmtrap_policy *p;
	struct lib_env e;
	char want[32];
	int link;

	env_init(&e);
	snprintf(want, sizeof(want), "%d-%d", getpid(), e.vm->fd);
	CHECK(!strcmp(kvmtrap_vm_name(e.kvm), want), "VM name \"%s\", expected \"%s\"",
	      kvmtrap_vm_name(e.kvm), want);
	CHECK(kvmtrap_vm_fd(e.kvm) == e.vm->fd, "VM fd %d, expected %d",
	      kvmtrap_vm_fd(e.kvm), e.vm->fd);

	/* The kernel's own name of it, from the link. */
	p = lib_policy(NULL, "pass", 0);
	link = OK(kvmtrap_policy_attach(p, e.kvm));
	CHECK(!strcmp(link_info(link).vm, want), "link's VM \"%s\", expected \"%s\"",
	      link_info(link).vm, want);

	/* The VM fd is borrowed: closing the handle leaves it open. */
	kvmtrap_vm_close(e.kvm);
	CHECK(fcntl(e.vm->fd, F_GETFD) >= 0, "kvmtrap_vm_close() closed the caller's VM fd");
	close(link);
	kvmtrap_policy_close(p);
	kvm_vm_free(e.vm);
}

static void test_vm_open_errors(void)
{
	struct kvmtrap_vm *kvm = NULL;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	int fd;

	vm = kt_create_vm(&vcpu);
	fd = open("/dev/null", O_RDONLY);
	close(fd);
	ERR(kvmtrap_vm_open(fd, &kvm), EBADF);
	ERR(kvmtrap_vm_open(-1, &kvm), EBADF);
	fd = open("/dev/kvm", O_RDWR);
	CHECK(fd >= 0, "open /dev/kvm: %s", strerror(errno));
	ERR(kvmtrap_vm_open(fd, &kvm), ENOTTY);
	close(fd);
	ERR(kvmtrap_vm_open(vcpu->fd, &kvm), ENOTTY);
	fd = open("/proc/self/status", O_RDONLY);
	ERR(kvmtrap_vm_open(fd, &kvm), ENOTTY);
	close(fd);
	CHECK(!kvm, "a failed kvmtrap_vm_open() set its result");
	kvm_vm_free(vm);
}

/* Another process's VM: the fd is a copy, the name is the holder's. */
static void test_vm_open_pid(void)
{
	struct kvmtrap_vm *kvm, *kvm2;
	struct holder h = holder_start(1);
	struct kvmtrap_stats st;
	struct kvmtrap_link_info info;
	struct kvmtrap_policy *p;
	char want[32];
	int link, fd;

	OK(kvmtrap_vm_open_pid(h.pid, -1, &kvm));
	snprintf(want, sizeof(want), "%d-%d", h.pid, h.fd);
	CHECK(!strcmp(kvmtrap_vm_name(kvm), want), "VM name \"%s\", expected \"%s\"",
	      kvmtrap_vm_name(kvm), want);
	CHECK(kvmtrap_vm_fd(kvm) >= 0, "VM fd %d", kvmtrap_vm_fd(kvm));

	/* KVM's statistics of a VM we did not create. */
	OK(kvmtrap_vm_stats(kvm, &st));
	CHECK(!st.verdict[KVM_TRAP_DENY], "trap_bpf_deny %lu", st.verdict[KVM_TRAP_DENY]);

	OK(kvmtrap_vm_open_pid(h.pid, h.fd, &kvm2));
	CHECK(!strcmp(kvmtrap_vm_name(kvm2), want), "VM name by fd \"%s\", expected \"%s\"",
	      kvmtrap_vm_name(kvm2), want);
	kvmtrap_vm_close(kvm2);

	/* What is linked through our copy is linked to the holder's VM. */
	p = lib_policy(NULL, "deny", 0);
	link = OK(kvmtrap_policy_attach(p, kvm));
	info = link_info(link);
	CHECK(!strcmp(info.vm, want) && !info.defunct,
	      "link on VM \"%s\"%s, expected \"%s\"", info.vm,
	      info.defunct ? " (defunct)" : "", want);

	/* Our copy is closed by kvmtrap_vm_close(): the VM dies with h. */
	fd = kvmtrap_vm_fd(kvm);
	kvmtrap_vm_close(kvm);
	CHECK(fcntl(fd, F_GETFD) < 0, "kvmtrap_vm_close() left the VM fd copy open");
	holder_stop(&h);
	CHECK(link_info(link).defunct, "link not defunct after its VM is gone");
	close(link);
	kvmtrap_policy_close(p);
}

static void test_vm_open_pid_errors(void)
{
	struct kvmtrap_vm *kvm = NULL;
	struct holder none = holder_start(0), two = holder_start(2);
	pid_t gone;

	gone = fork();
	CHECK(gone >= 0, "fork: %s", strerror(errno));
	if (!gone)
		_exit(0);
	waitpid(gone, NULL, 0);
	ERR(kvmtrap_vm_open_pid(gone, -1, &kvm), ESRCH);
	ERR(kvmtrap_vm_open_pid(none.pid, -1, &kvm), ENOENT);
	ERR(kvmtrap_vm_open_pid(two.pid, -1, &kvm), EEXIST);
	ERR(kvmtrap_vm_open_pid(two.pid, 1000, &kvm), EBADF);
	ERR(kvmtrap_vm_open_pid(two.pid, 1, &kvm), ENOTTY);
	CHECK(!kvm, "a failed kvmtrap_vm_open_pid() set its result");
	holder_stop(&none);
	holder_stop(&two);
}

/* An unprivileged user may not take a root process's VM. */
static void test_vm_open_pid_eperm(void)
{
	struct holder h = holder_start(1);
	int res[2], pfd[2], status;
	pid_t pid;

	CHECK(!pipe(pfd), "pipe: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (!pid) {
		struct kvmtrap_vm *kvm;

		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(2);
		res[0] = kvmtrap_vm_open_pid(h.pid, -1, &kvm);
		res[1] = kvmtrap_vm_open_pid(h.pid, h.fd, &kvm);
		_exit(write(pfd[1], res, sizeof(res)) == sizeof(res) ? 0 : 1);
	}
	close(pfd[1]);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      !WEXITSTATUS(status), "the unprivileged child failed (status 0x%x)",
	      status);
	CHECK(read(pfd[0], res, sizeof(res)) == sizeof(res), "no result from the child");
	CHECK(res[0] == -EPERM, "uid 65534, kvmtrap_vm_open_pid(root's pid, -1): %d (%s), expected -EPERM",
	      res[0], strerror(-res[0]));
	CHECK(res[1] == -EPERM, "uid 65534, kvmtrap_vm_open_pid(root's pid, %d): %d (%s), expected -EPERM",
	      h.fd, res[1], strerror(-res[1]));
	holder_stop(&h);
}

static int find_ref(const struct kvmtrap_vm_ref *refs, int n, pid_t pid,
		    int fd)
{
	int i;

	for (i = 0; i < n; i++)
		if (refs[i].pid == pid && refs[i].fd == fd)
			return i;
	return -1;
}

/* Every VM fd, sorted, with KVM's name and the holder's comm. */
static void test_list_vms(void)
{
	struct holder h = holder_start(1);
	struct kvmtrap_vm_ref refs[64], probe, *all;
	char want[32], comm[16];
	struct lib_env e;
	int n, i, k;
	FILE *f;

	env_init(&e);
	n = OK(kvmtrap_list_vms(refs, 64));
	CHECK(n >= 2 && n <= 64, "%d VM fds, expected 2 or more", n);
	for (i = 1; i < n; i++)
		CHECK(refs[i - 1].pid < refs[i].pid ||
		      (refs[i - 1].pid == refs[i].pid && refs[i - 1].fd < refs[i].fd),
		      "not sorted at %d: %d:%d then %d:%d", i, refs[i - 1].pid,
		      refs[i - 1].fd, refs[i].pid, refs[i].fd);

	k = find_ref(refs, n, getpid(), e.vm->fd);
	CHECK(k >= 0, "our VM fd %d-%d not listed", getpid(), e.vm->fd);
	snprintf(want, sizeof(want), "%d-%d", getpid(), e.vm->fd);
	CHECK(!strcmp(refs[k].name, want), "our VM named \"%s\", expected \"%s\"",
	      refs[k].name, want);
	f = fopen("/proc/self/comm", "r");
	CHECK(f && fgets(comm, sizeof(comm), f), "/proc/self/comm");
	fclose(f);
	comm[strcspn(comm, "\n")] = 0;
	CHECK(!strcmp(refs[k].comm, comm), "comm \"%s\", expected \"%s\"",
	      refs[k].comm, comm);

	k = find_ref(refs, n, h.pid, h.fd);
	CHECK(k >= 0, "the holder's VM fd %d-%d not listed", h.pid, h.fd);
	snprintf(want, sizeof(want), "%d-%d", h.pid, h.fd);
	CHECK(!strcmp(refs[k].name, want), "holder's VM named \"%s\", expected \"%s\"",
	      refs[k].name, want);

	/* Room for one: the count says how many there are. */
	k = OK(kvmtrap_list_vms(&probe, 1));
	CHECK(k == n, "with room for 1: %d, expected %d", k, n);
	k = OK(kvmtrap_list_vms(NULL, 0));
	CHECK(k == n, "with no room: %d, expected %d", k, n);
	/* The allocating form: the same entries, in the same order. */
	k = OK(kvmtrap_list_vms_alloc(&all));
	CHECK(k == n && !memcmp(all, refs, n * sizeof(*all)),
	      "kvmtrap_list_vms_alloc(): %d entries, not the %d of kvmtrap_list_vms()",
	      k, n);
	free(all);
	holder_stop(&h);
	env_free(&e);
}

/* The six counters, as KVM's binary statistics have them. */
static void test_vm_stats(void)
{
	struct kvmtrap_stats st;
	struct kvmtrap_policy *p;
	struct kt_stats want;
	struct lib_env e;
	int link, i;

	env_init(&e);
	p = lib_policy(NULL, "deny", 0);
	link = OK(kvmtrap_policy_attach(p, e.kvm));
	call_default(e.vcpu);
	call_default(e.vcpu);
	OK(kvmtrap_vm_stats(e.kvm, &st));
	want = kt_get_stats(e.vm);
	CHECK(want.deny == 2, "trap_bpf_deny %lu, expected 2", want.deny);
	CHECK(st.verdict[KVM_TRAP_PASS] == want.pass &&
	      st.verdict[KVM_TRAP_HANDLED] == want.handled &&
	      st.verdict[KVM_TRAP_FORWARD] == want.forward &&
	      st.verdict[KVM_TRAP_DENY] == want.deny &&
	      st.verdict[KVM_TRAP_UNDEF] == want.undef &&
	      st.forward_refused == want.refused,
	      "kvmtrap_vm_stats %lu %lu %lu %lu %lu %lu, KVM's %lu %lu %lu %lu %lu %lu",
	      st.verdict[0], st.verdict[1], st.verdict[2], st.verdict[3],
	      st.verdict[4], st.forward_refused, want.pass, want.handled, want.forward,
	      want.deny, want.undef, want.refused);
	for (i = 0; i < KVM_TRAP_NR_VERDICTS; i++)
		CHECK(i == KVM_TRAP_DENY || !st.verdict[i], "verdict %d counted %lu",
		      i, st.verdict[i]);
	close(link);
	kvmtrap_policy_close(p);
	env_free(&e);
}

/* ---- Policies ---- */

static void test_policy_open_enoent(void)
{
	struct kvmtrap_policy *p = NULL;

	ERR(kvmtrap_policy_open(BPF_DIR "/no_such_policy.bpf.o", &p), ENOENT);
	CHECK(!p, "a failed open set its result");
}

static void test_policy_open_not_bpf_einval(void)
{
	char path[64] = "/tmp/kvmtrap_lib_XXXXXX";
	struct kvmtrap_policy *p = NULL;
	int fd;

	libbpf_set_print(quiet);	/* its complaints are expected */
	fd = mkstemp(path);
	CHECK(fd >= 0, "mkstemp: %s", strerror(errno));
	CHECK(write(fd, "not an ELF object\n", 18) == 18, "write: %s", strerror(errno));
	close(fd);
	ERR(kvmtrap_policy_open(path, &p), EINVAL);
	unlink(path);
	/* An ELF file, but not a BPF one: this very test. */
	ERR(kvmtrap_policy_open("/proc/self/exe", &p), EINVAL);
	CHECK(!p, "a failed open set its result");
}

/* An object with no kvm_trap program, and one with several. */
static void test_policy_open_enoexec(void)
{
	struct kvmtrap_policy *p = NULL;

	ERR(kvmtrap_policy_open(BPF_DIR "/bpf_smoke.bpf.o", &p), ENOEXEC);
	ERR(kvmtrap_policy_open(BPF_DIR "/kvmtrap_prog_fail.bpf.o", &p), ENOEXEC);
	CHECK(!p, "a failed open set its result");
}

/* Each kind of read-only global reaches the program, seen by test run. */
static void test_policy_set_types(void)
{
	struct kvm_trap_ctx ctx = {
		.conduit = KVM_TRAP_CONDUIT_HVC,
		.func_id = KT_FUNC_64,
		.ret = { KT_NOT_SUPPORTED },
	};
	struct kvmtrap_policy *p = lib_open();
	uint32_t verdict;

	lib_set(p, "verdict", "KVM_TRAP_HANDLED");	/* enum by name */
	lib_set(p, "func_id", "0xc3000042");		/* u64, hex */
	lib_set(p, "ret0", "4096");			/* u64, decimal */
	lib_set(p, "delta", "-16");			/* s32, negative */
	lib_set(p, "small", "255");			/* u8, its maximum */
	lib_set(p, "flag", "true");			/* bool */
	lib_set(p, "tag", "xyz");			/* char[8] */
	lib_load(p, NULL);
	CHECK(!strcmp(kvmtrap_policy_name(p), "lib_policy"), "policy name \"%s\"",
	      kvmtrap_policy_name(p));
	OK(kvmtrap_policy_test(p, &ctx, &verdict));
	CHECK(verdict == KVM_TRAP_HANDLED, "verdict %u, expected HANDLED", verdict);
	CHECK(ctx.ret[0] == 4096 - 16 && ctx.ret[1] == 255 && ctx.ret[2] == 'x' &&
	      ctx.ret[3] == 1, "ret %llu %llu %llu %llu, expected 4080 255 %d 1",
	      ctx.ret[0], ctx.ret[1], ctx.ret[2], ctx.ret[3], 'x');
	kvmtrap_policy_close(p);

	/* An enum by number, a bool by digit. */
	p = lib_open();
	lib_set(p, "verdict", "3");
	lib_set(p, "flag", "0");
	lib_load(p, NULL);
	OK(kvmtrap_policy_test(p, &ctx, &verdict));
	CHECK(verdict == KVM_TRAP_DENY, "verdict %u, expected DENY", verdict);
	kvmtrap_policy_close(p);
}

static void test_policy_set_enoent(void)
{
	struct kvmtrap_policy *p = lib_open();

	ERR(kvmtrap_policy_set(p, "no_such_variable", "1"), ENOENT);
	/* A writable global is not a setting. */
	ERR(kvmtrap_policy_set(p, "runs", "1"), ENOENT);
	kvmtrap_policy_close(p);
}

static void test_policy_set_einval(void)
{
	static const struct {
		const char *key, *value;
	} bad[] = {
		{ "small", "256" },		/* does not fit a u8 */
		{ "small", "-1" },		/* unsigned */
		{ "small", "12abc" },
		{ "delta", "2147483648" },	/* above S32_MAX */
		{ "delta", "-2147483649" },	/* below S32_MIN */
		{ "ret0", "18446744073709551616" },	/* 2^64 */
		{ "ret0", "" },
		{ "flag", "maybe" },
		{ "verdict", "KVM_TRAP_MAYBE" },
		{ "tag", "12345678" },		/* no room for the NUL */
	};
	struct kvmtrap_policy *p = lib_open();
	size_t i;
	int r;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		r = kvmtrap_policy_set(p, bad[i].key, bad[i].value);
		CHECK(r == -EINVAL, "set %s=\"%s\": %d (%s), expected -EINVAL",
		      bad[i].key, bad[i].value, r, strerror(-r));
	}
	/* The limits themselves fit. */
	lib_set(p, "delta", "-2147483648");
	lib_set(p, "delta", "2147483647");
	lib_set(p, "ret0", "0xffffffffffffffff");
	lib_set(p, "tag", "1234567");
	kvmtrap_policy_close(p);
}

static void test_policy_set_ebusy(void)
{
	struct kvmtrap_policy *p = lib_open();

	lib_load(p, NULL);
	ERR(kvmtrap_policy_set(p, "verdict", "deny"), EBUSY);
	ERR(kvmtrap_policy_load(p, NULL), EBUSY);
	kvmtrap_policy_close(p);
}

/* Open, set, load, attach: the guest's call gets the policy's answer. */
static void test_policy_attach(void)
{
	struct kvmtrap_link_info info;
	struct kvmtrap_policy *p;
	struct lib_env e;
	int link, prog;

	env_init(&e);
	call_default(e.vcpu);
	p = lib_policy(NULL, "KVM_TRAP_HANDLED", ANSWER);
	prog = OK(kvmtrap_policy_prog_fd(p));
	link = OK(kvmtrap_policy_attach(p, e.kvm));
	call_answered(e.vcpu, ANSWER);

	info = link_info(link);
	CHECK(info.prog_id == prog_id(prog), "link runs prog %u, expected %u",
	      info.prog_id, prog_id(prog));
	CHECK(!strcmp(info.prog_name, "lib_policy"), "prog name \"%s\"",
	      info.prog_name);
	CHECK(!strcmp(info.vm, kvmtrap_vm_name(e.kvm)) && !info.defunct &&
	      !info.pinned, "link: VM \"%s\"%s%s", info.vm,
	      info.defunct ? " defunct" : "", info.pinned ? " pinned" : "");

	/* Closing the policy keeps the program: the link holds it. */
	kvmtrap_policy_close(p);
	call_answered(e.vcpu, ANSWER);
	close(link);
	call_default(e.vcpu);
	env_free(&e);
}

static void test_policy_attach_not_loaded(void)
{
	struct kvmtrap_policy *p = lib_open();
	struct lib_env e;

	env_init(&e);
	ERR(kvmtrap_policy_attach(p, e.kvm), EINVAL);
	ERR(kvmtrap_policy_prog_fd(p), EINVAL);
	kvmtrap_policy_close(p);
	env_free(&e);
}

/* The program the context describes runs, without a VM. */
static void test_policy_test(void)
{
	struct kvm_trap_ctx ctx = {
		.conduit = KVM_TRAP_CONDUIT_SMC,
		.flags = KVM_TRAP_F_SMC32,
		.func_id = KT_FUNC_32,
		.ret = { KT_NOT_SUPPORTED },
	};
	struct kvmtrap_policy *p = lib_open();
	uint32_t verdict;

	ERR(kvmtrap_policy_test(p, &ctx, &verdict), EINVAL);	/* not loaded */
	kvmtrap_policy_close(p);

	p = lib_policy(NULL, "KVM_TRAP_HANDLED", ANSWER);
	/* Another function: PASS, ret[] untouched. */
	OK(kvmtrap_policy_test(p, &ctx, &verdict));
	CHECK(verdict == KVM_TRAP_PASS && ctx.ret[0] == KT_NOT_SUPPORTED,
	      "KT_FUNC_32: verdict %u ret[0] 0x%llx, expected PASS, NOT_SUPPORTED",
	      verdict, ctx.ret[0]);
	ctx.conduit = KVM_TRAP_CONDUIT_HVC;
	ctx.flags = 0;
	ctx.func_id = KT_FUNC_64;
	OK(kvmtrap_policy_test(p, &ctx, &verdict));
	CHECK(verdict == KVM_TRAP_HANDLED && ctx.ret[0] == ANSWER,
	      "KT_FUNC_64: verdict %u ret[0] 0x%llx, expected HANDLED, 0x%llx",
	      verdict, ctx.ret[0], ANSWER);
	kvmtrap_policy_close(p);
}

/* ---- Links ---- */

static void test_replace(void)
{
	struct kvmtrap_policy *a, *b;
	struct lib_env e;
	int link, fa, fb;

	env_init(&e);
	a = lib_policy(NULL, "deny", 0);
	b = lib_policy(NULL, "handled", ANSWER);
	fa = OK(kvmtrap_policy_prog_fd(a));
	fb = OK(kvmtrap_policy_prog_fd(b));
	link = OK(kvmtrap_policy_attach(a, e.kvm));
	call_default(e.vcpu);

	OK(kvmtrap_replace(link, fb, fa));
	call_answered(e.vcpu, ANSWER);
	CHECK(link_info(link).prog_id == prog_id(fb), "link does not run the new program");
	/* b runs now, not a: the expectation fails, nothing changes. */
	ERR(kvmtrap_replace(link, fa, fa), EPERM);
	call_answered(e.vcpu, ANSWER);
	/* Without an expectation. */
	OK(kvmtrap_replace(link, fa, -1));
	call_default(e.vcpu);
	CHECK(link_info(link).prog_id == prog_id(fa), "link does not run a again");

	close(link);
	kvmtrap_policy_close(a);
	kvmtrap_policy_close(b);
	env_free(&e);
}

static void test_detach(void)
{
	struct kvmtrap_link_info info;
	struct kvmtrap_policy *p;
	struct lib_env e;
	int link;

	env_init(&e);
	p = lib_policy(NULL, "handled", ANSWER);
	link = OK(kvmtrap_policy_attach(p, e.kvm));
	call_answered(e.vcpu, ANSWER);
	OK(kvmtrap_detach(link));
	call_default(e.vcpu);
	info = link_info(link);	/* the fd stays valid */
	CHECK(info.defunct, "detached link not defunct");
	close(link);
	kvmtrap_policy_close(p);
	env_free(&e);
}

static void test_attach_e2big(void)
{
	struct kvmtrap_policy *p;
	struct lib_env e;
	int links[8], i, prog;

	env_init(&e);
	p = lib_policy(NULL, "pass", 0);
	prog = OK(kvmtrap_policy_prog_fd(p));
	for (i = 0; i < 8; i++)
		links[i] = OK(kvmtrap_attach(prog, e.kvm));
	ERR(kvmtrap_attach(prog, e.kvm), E2BIG);
	ERR(kvmtrap_policy_attach(p, e.kvm), E2BIG);
	for (i = 0; i < 8; i++)
		close(links[i]);
	kvmtrap_policy_close(p);
	env_free(&e);
}

static void test_link_fd(void)
{
	struct kvmtrap_policy *p;
	struct lib_env e;
	int link, fd;

	env_init(&e);
	p = lib_policy(NULL, "pass", 0);
	link = OK(kvmtrap_policy_attach(p, e.kvm));
	fd = OK(kvmtrap_link_fd(link_info(link).link_id));
	CHECK(link_info(fd).link_id == link_info(link).link_id, "another link");
	close(fd);
	ERR(kvmtrap_link_fd(UINT32_MAX), ENOENT);
	close(link);
	kvmtrap_policy_close(p);
	env_free(&e);
}

static int find_link(const struct kvmtrap_link_info *infos, int n,
		     uint32_t id)
{
	int i;

	for (i = 0; i < n; i++)
		if (infos[i].link_id == id)
			return i;
	return -1;
}

/* A VM's links in attach order; every link with NULL; pinned flags. */
static void test_links(void)
{
	struct kvmtrap_link_info infos[64], one[2];
	struct kvmtrap_policy *pa, *pb;
	struct lib_env a, b;
	int la[2], lb, n, i;
	uint32_t ida[2], idb;

	env_init(&a);
	env_init(&b);
	pa = lib_policy(NULL, "deny", 0);
	pb = lib_policy(NULL, "handled", ANSWER);
	la[0] = OK(kvmtrap_policy_attach(pb, a.kvm));
	lb = OK(kvmtrap_policy_attach(pa, b.kvm));
	la[1] = OK(kvmtrap_policy_attach(pa, a.kvm));
	ida[0] = link_info(la[0]).link_id;
	ida[1] = link_info(la[1]).link_id;
	idb = link_info(lb).link_id;
	OK(kvmtrap_pin(a.kvm, la[1], NULL, 0));

	n = OK(kvmtrap_links(kvmtrap_vm_name(a.kvm), infos, 64));
	CHECK(n == 2, "VM a has %d links, expected 2", n);
	CHECK(infos[0].link_id == ida[0] && infos[1].link_id == ida[1],
	      "links %u %u, expected %u %u (attach order)", infos[0].link_id,
	      infos[1].link_id, ida[0], ida[1]);
	CHECK(infos[0].prog_id == prog_id(kvmtrap_policy_prog_fd(pb)) &&
	      infos[1].prog_id == prog_id(kvmtrap_policy_prog_fd(pa)),
	      "programs %u %u", infos[0].prog_id, infos[1].prog_id);
	for (i = 0; i < 2; i++)
		CHECK(!strcmp(infos[i].prog_name, "lib_policy") &&
		      !strcmp(infos[i].vm, kvmtrap_vm_name(a.kvm)) &&
		      !infos[i].defunct, "link %u: %s on %s%s", infos[i].link_id,
		      infos[i].prog_name, infos[i].vm,
		      infos[i].defunct ? " defunct" : "");
	CHECK(!infos[0].pinned && infos[1].pinned, "pinned %d %d, expected 0 1",
	      infos[0].pinned, infos[1].pinned);

	n = OK(kvmtrap_links(kvmtrap_vm_name(b.kvm), infos, 64));
	CHECK(n == 1 && infos[0].link_id == idb, "VM b: %d links, first %u, expected 1, %u",
	      n, n ? infos[0].link_id : 0, idb);

	n = OK(kvmtrap_links(NULL, infos, 64));
	CHECK(n >= 3 && n <= 64, "%d kvm_trap links on the host", n);
	CHECK(find_link(infos, n, ida[0]) >= 0 && find_link(infos, n, ida[1]) >= 0 &&
	      find_link(infos, n, idb) >= 0, "NULL: a link is missing");
	for (i = 1; i < n; i++)
		CHECK(infos[i - 1].link_id < infos[i].link_id, "NULL: IDs not ascending");

	/* Room for one: filled up to it, the count is all of them. */
	memset(one, 0xff, sizeof(one));
	n = OK(kvmtrap_links(kvmtrap_vm_name(a.kvm), one, 1));
	CHECK(n == 2 && one[0].link_id == ida[0] && one[1].link_id == UINT32_MAX,
	      "room for 1: %d links, [0] %u, [1] %u", n, one[0].link_id,
	      one[1].link_id);

	OK(kvmtrap_detach(la[0]));
	n = OK(kvmtrap_links(kvmtrap_vm_name(a.kvm), infos, 64));
	CHECK(n == 2 && infos[0].defunct && !infos[1].defunct,
	      "after detach: %d links, defunct %d %d", n, infos[0].defunct,
	      infos[1].defunct);

	OK(kvmtrap_unpin(kvmtrap_vm_name(a.kvm), ida[1]));
	close(la[0]);
	close(la[1]);
	close(lb);
	kvmtrap_policy_close(pa);
	kvmtrap_policy_close(pb);
	env_free(&a);
	env_free(&b);
}

/* ---- Pins ---- */

static void test_pin_layout(void)
{
	char path[256], want[256];
	struct kvmtrap_policy *p;
	struct lib_env e;
	uint32_t id;
	int link;

	env_init(&e);
	p = lib_policy(NULL, "pass", 0);
	link = OK(kvmtrap_policy_attach(p, e.kvm));
	id = link_info(link).link_id;
	OK(kvmtrap_pin(e.kvm, link, path, sizeof(path)));
	snprintf(want, sizeof(want), KVMTRAP_BPFFS_DIR "/%s/link-%u",
		 kvmtrap_vm_name(e.kvm), id);
	CHECK(!strcmp(path, want), "pinned at %s, expected %s", path, want);
	CHECK(exists(want), "%s: %s", want, strerror(errno));
	CHECK(link_info(link).pinned, "link_info: not pinned");
	ERR(kvmtrap_pin(e.kvm, link, NULL, 0), EEXIST);

	OK(kvmtrap_unpin(kvmtrap_vm_name(e.kvm), id));
	close(link);
	kvmtrap_policy_close(p);
	env_free(&e);
}

/* A pinned link keeps answering after every fd of it is closed. */
static void test_pin_outlives_fds(void)
{
	struct kvmtrap_policy *p;
	struct lib_env e;
	uint32_t id;
	int link;

	env_init(&e);
	p = lib_policy(NULL, "handled", ANSWER);
	link = OK(kvmtrap_policy_attach(p, e.kvm));
	id = link_info(link).link_id;
	OK(kvmtrap_pin(e.kvm, link, NULL, 0));
	close(link);
	kvmtrap_policy_close(p);
	call_answered(e.vcpu, ANSWER);

	link = OK(kvmtrap_link_fd(id));
	CHECK(link_info(link).pinned, "not pinned");
	close(link);
	OK(kvmtrap_unpin(kvmtrap_vm_name(e.kvm), id));
	/* The pin was its last reference. */
	ERR(kvmtrap_link_fd(id), ENOENT);
	call_default_soon(e.vcpu);
	env_free(&e);
}

/* The VM's directory goes with its last pin, and nothing dangles. */
static void test_unpin_removes_dir(void)
{
	struct kvmtrap_policy *p;
	char dir[256], pin[300];
	struct lib_env e;
	int link[2], i;
	uint32_t id[2];

	env_init(&e);
	p = lib_policy(NULL, "pass", 0);
	for (i = 0; i < 2; i++) {
		link[i] = OK(kvmtrap_policy_attach(p, e.kvm));
		id[i] = link_info(link[i]).link_id;
		OK(kvmtrap_pin(e.kvm, link[i], NULL, 0));
	}
	vm_dir(dir, sizeof(dir), kvmtrap_vm_name(e.kvm), NULL);

	OK(kvmtrap_unpin(kvmtrap_vm_name(e.kvm), id[0]));
	snprintf(pin, sizeof(pin), "%s/link-%u", dir, id[0]);
	CHECK(!exists(pin), "%s still there", pin);
	CHECK(exists(dir), "%s removed with a link still pinned in it", dir);
	ERR(kvmtrap_unpin(kvmtrap_vm_name(e.kvm), id[0]), ENOENT);

	OK(kvmtrap_unpin(kvmtrap_vm_name(e.kvm), id[1]));
	CHECK(!exists(dir), "%s left after the last unpin", dir);
	ERR(kvmtrap_unpin(kvmtrap_vm_name(e.kvm), id[1]), ENOENT);
	ERR(kvmtrap_unpin("../../etc", id[1]), EINVAL);

	for (i = 0; i < 2; i++)
		close(link[i]);
	kvmtrap_policy_close(p);
	env_free(&e);
}

/* A link goes under its own VM's name only; a refused pin leaves nothing. */
static void test_pin_other_vm_einval(void)
{
	struct kvmtrap_policy *p;
	struct lib_env a, b;
	char dir[256];
	int link;

	env_init(&a);
	env_init(&b);
	p = lib_policy(NULL, "pass", 0);
	link = OK(kvmtrap_policy_attach(p, a.kvm));
	ERR(kvmtrap_pin(b.kvm, link, NULL, 0), EINVAL);
	vm_dir(dir, sizeof(dir), kvmtrap_vm_name(b.kvm), NULL);
	CHECK(!exists(dir), "%s created by a refused pin", dir);
	close(link);
	kvmtrap_policy_close(p);
	env_free(&a);
	env_free(&b);
}

/* ---- The handled-call list ---- */

/* With its BTF, bpftool prints the list by field, enums by name. */
static void assert_dump_by_name(const char *pin)
{
	static const char *const want[] = {
		"\"conduit\":1,", "\"first\":", "\"last\":",
		"\"route\":\"KVMTRAP_ROUTE_NATIVE\"",
		"\"owner\":\"KVMTRAP_OWNER_KERNEL\"", "\"hits\":0",
	};
	static char out[1 << 18];
	size_t n = 0, r, i;
	char cmd[320];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "bpftool -j map dump pinned %s 2>&1", pin);
	f = popen(cmd, "r");
	CHECK(f, "popen %s: %s", cmd, strerror(errno));
	/* All of it: bpftool must not die of SIGPIPE. */
	while ((r = fread(out + n, 1, sizeof(out) - 1 - n, f)) > 0)
		n += r;
	out[n] = 0;
	CHECK(!pclose(f), "%s failed:\n%s", cmd, out);
	for (i = 0; i < ARRAY_SIZE(want); i++)
		CHECK(strstr(out, want[i]), "%s: no %s in:\n%s", cmd, want[i], out);
}

/* The list's KERNEL entries are KVM_TRAP_NATIVE_LIST, with BTF. */
static void test_handled_native(void)
{
	struct kvmtrap_handled_entry ent[256];
	struct bpf_map_info info = {};
	struct kvm_trap_range *ranges;
	__u32 len = sizeof(info);
	int n, nr, fd, fd2, i, k;
	struct lib_env e;
	bool psci = false;
	char path[256];

	env_init(&e);
	nr = OK(kvmtrap_native_list(e.kvm, &ranges));
	CHECK(nr > 0, "KVM_TRAP_NATIVE_LIST: no ranges");
	fd = OK(kvmtrap_handled_open(e.kvm));
	vm_dir(path, sizeof(path), kvmtrap_vm_name(e.kvm), "handled");
	CHECK(exists(path), "%s not pinned", path);
	CHECK(!bpf_map_get_info_by_fd(fd, &info, &len), "map info: %s", strerror(errno));
	CHECK(info.btf_key_type_id && info.btf_value_type_id,
	      "the list has no BTF for its key and value");
	CHECK(!strcmp(info.name, KVMTRAP_HANDLED_MAP_NAME), "map name \"%s\"", info.name);

	n = OK(kvmtrap_handled_read(kvmtrap_vm_name(e.kvm), ent, 256));
	CHECK(n == nr, "%d entries, KVM_TRAP_NATIVE_LIST has %d ranges", n, nr);
	for (i = 0, k = 0; i < n; i++) {
		const struct kvm_trap_range *r = &ranges[k++];
		uint32_t route = r->flags & KVM_TRAP_RANGE_EL2 ?
				 KVMTRAP_ROUTE_NATIVE_EL2 : KVMTRAP_ROUTE_NATIVE;

		CHECK(ent[i].key.conduit == r->conduit && !ent[i].key.imm &&
		      ent[i].key.first == r->first && ent[i].key.last == r->last &&
		      ent[i].val.route == route &&
		      ent[i].val.owner == KVMTRAP_OWNER_KERNEL && !ent[i].val.hits,
		      "entry %d: %u #%u 0x%llx..0x%llx route %u owner %u hits %llu, "
		      "range %u 0x%llx..0x%llx flags 0x%x", i, ent[i].key.conduit,
		      ent[i].key.imm, ent[i].key.first, ent[i].key.last,
		      ent[i].val.route, ent[i].val.owner, ent[i].val.hits,
		      r->conduit, r->first, r->last, r->flags);
		if (r->conduit == KVM_TRAP_CONDUIT_HVC && r->first <= 0x84000000 &&
		    r->last >= 0x84000000)
			psci = true;
	}
	CHECK(psci, "PSCI_VERSION over HVC is not in the native list");
	assert_dump_by_name(path);

	/* Opened again: the same pinned map, rebuilt, not duplicated. */
	fd2 = OK(kvmtrap_handled_open(e.kvm));
	CHECK(map_id(fd2) == map_id(fd), "a second list was created");
	n = OK(kvmtrap_handled_read(kvmtrap_vm_name(e.kvm), ent, 256));
	CHECK(n == nr, "%d entries after reopening, expected %d", n, nr);

	close(fd);
	close(fd2);
	free(ranges);
	OK(kvmtrap_vm_cleanup(kvmtrap_vm_name(e.kvm)));
	CHECK(!exists(path), "%s left after kvmtrap_vm_cleanup()", path);
	env_free(&e);
}

static const struct kvmtrap_handled_entry *
find_entry(const struct kvmtrap_handled_entry *ent, int n, uint32_t conduit,
	   uint64_t func)
{
	int i;

	for (i = 0; i < n; i++)
		if (ent[i].key.conduit == conduit && !ent[i].key.imm &&
		    ent[i].key.first == func && ent[i].key.last == func)
			return &ent[i];
	return NULL;
}

/*
 * Loaded with the VM, the policy's kvmtrap_handled map is the VM's
 * pinned list; each HANDLED call counts once, a query not at all.
 */
static void test_handled_hits(void)
{
	const struct kvmtrap_handled_entry *h;
	struct kvmtrap_handled_entry ent[256];
	struct kvm_trap_query q = {
		.conduit = KVM_TRAP_CONDUIT_HVC,
		.regs = { KT_FUNC_64 },
	};
	struct kvmtrap_policy *p;
	struct bpf_map *map;
	char dir[256];
	struct lib_env e;
	int link, fd, n, i;
	uint32_t id;

	env_init(&e);
	p = lib_policy(e.kvm, "handled", ANSWER);
	map = bpf_object__find_map_by_name(kvmtrap_policy_object(p),
					   KVMTRAP_HANDLED_MAP_NAME);
	CHECK(map, "the policy has no kvmtrap_handled map");
	fd = OK(kvmtrap_handled_open(e.kvm));
	CHECK(map_id(bpf_map__fd(map)) == map_id(fd),
	      "the policy's map is not the VM's pinned list");
	close(fd);

	link = OK(kvmtrap_policy_attach(p, e.kvm));
	id = link_info(link).link_id;
	OK(kvmtrap_pin(e.kvm, link, NULL, 0));
	for (i = 0; i < 3; i++)
		call_answered(e.vcpu, ANSWER);
	/* Passed by the policy: not in the list. */
	call(e.vcpu, KVM_TRAP_CONDUIT_SMC, KT_FUNC_32);

	OK(kvmtrap_query(e.kvm, &q));
	CHECK(q.stage == KVM_TRAP_STAGE_BPF && q.verdict == KVM_TRAP_HANDLED,
	      "query: stage %u verdict %u, expected BPF HANDLED", q.stage, q.verdict);

	n = OK(kvmtrap_handled_read(kvmtrap_vm_name(e.kvm), ent, 256));
	h = find_entry(ent, n, KVM_TRAP_CONDUIT_HVC, KT_FUNC_64);
	CHECK(h, "no entry for HVC 0x%llx", (unsigned long long)KT_FUNC_64);
	CHECK(h->val.route == KVMTRAP_ROUTE_BPF && h->val.owner == KVMTRAP_OWNER_POLICY &&
	      h->val.hits == 3, "entry: route %u owner %u hits %llu, expected bpf policy 3",
	      h->val.route, h->val.owner, h->val.hits);
	CHECK(!find_entry(ent, n, KVM_TRAP_CONDUIT_SMC, KT_FUNC_32),
	      "a call the policy passed is in the list");

	/* The list goes with the VM's last pin. */
	OK(kvmtrap_unpin(kvmtrap_vm_name(e.kvm), id));
	vm_dir(dir, sizeof(dir), kvmtrap_vm_name(e.kvm), NULL);
	CHECK(!exists(dir), "%s left after the last unpin", dir);
	ERR(kvmtrap_handled_read(kvmtrap_vm_name(e.kvm), ent, 256), ENOENT);
	close(link);
	kvmtrap_policy_close(p);
	env_free(&e);
}

/* Without a VM the map is the policy's own, and nothing is pinned. */
static void test_load_private_map(void)
{
	struct kvmtrap_policy *p;
	struct bpf_map *map;
	struct lib_env e;
	char dir[256];
	int link;

	env_init(&e);
	p = lib_policy(NULL, "handled", ANSWER);
	map = bpf_object__find_map_by_name(kvmtrap_policy_object(p),
					   KVMTRAP_HANDLED_MAP_NAME);
	CHECK(map && bpf_map__fd(map) >= 0, "no kvmtrap_handled map loaded");
	link = OK(kvmtrap_policy_attach(p, e.kvm));
	call_answered(e.vcpu, ANSWER);
	vm_dir(dir, sizeof(dir), kvmtrap_vm_name(e.kvm), NULL);
	CHECK(!exists(dir), "%s created for a policy loaded without the VM", dir);
	close(link);
	kvmtrap_policy_close(p);
	env_free(&e);
}

/* A load the verifier refuses leaves no directory and no list. */
static void test_load_rejected_no_state(void)
{
	struct kvmtrap_policy *p = lib_open();
	struct lib_env e;
	char dir[256];
	int r;

	env_init(&e);
	lib_set(p, "reject", "1");
	libbpf_set_print(quiet);	/* the verifier log is expected */
	r = kvmtrap_policy_load(p, e.kvm);
	CHECK(r == -EACCES || r == -EINVAL, "load of a bad program: %d (%s), expected -EACCES",
	      r, strerror(-r));
	vm_dir(dir, sizeof(dir), kvmtrap_vm_name(e.kvm), NULL);
	CHECK(!exists(dir), "%s left by a failed load", dir);
	ERR(kvmtrap_policy_load(p, e.kvm), EBUSY);
	kvmtrap_policy_close(p);
	env_free(&e);
}

/* Only a directory without link pins goes. */
static void test_vm_cleanup(void)
{
	struct kvmtrap_policy *p;
	char dir[256], pin[256];
	struct lib_env e;
	uint32_t id;
	int link;

	env_init(&e);
	OK(kvmtrap_vm_cleanup(kvmtrap_vm_name(e.kvm)));	/* nothing there */
	p = lib_policy(e.kvm, "pass", 0);	/* creates the list */
	vm_dir(dir, sizeof(dir), kvmtrap_vm_name(e.kvm), NULL);
	CHECK(exists(dir), "%s not created by a load with the VM", dir);
	link = OK(kvmtrap_policy_attach(p, e.kvm));
	id = link_info(link).link_id;
	OK(kvmtrap_pin(e.kvm, link, pin, sizeof(pin)));
	ERR(kvmtrap_vm_cleanup(kvmtrap_vm_name(e.kvm)), EBUSY);
	CHECK(exists(pin), "cleanup removed a link pin");

	/* Unpinned but attached: cleanup may take the list. */
	CHECK(!unlink(pin), "unlink %s: %s", pin, strerror(errno));
	OK(kvmtrap_vm_cleanup(kvmtrap_vm_name(e.kvm)));
	CHECK(!exists(dir), "%s left by kvmtrap_vm_cleanup()", dir);
	(void)id;
	close(link);
	kvmtrap_policy_close(p);
	env_free(&e);
}

/* ---- Pins that outlive their VM ---- */

/* The entries of @pins for VM @name; how many. */
static int pins_of(const struct kvmtrap_stale_pin *pins, int n,
		   const char *name, const struct kvmtrap_stale_pin **first)
{
	int i, k = 0;

	*first = NULL;
	for (i = 0; i < n; i++) {
		if (strcmp(pins[i].vm, name))
			continue;
		if (!k++)
			*first = &pins[i];
	}
	return k;
}

/*
 * A VM with a pinned link and its handled list, then destroyed: the name,
 * the link ID and program ID in *@name, *@link_id, *@prog.
 */
static void gone_vm(char *name, size_t len, uint32_t *link_id,
		    uint32_t *prog)
{
	struct kvmtrap_link_info li;
	struct kvmtrap_policy *p;
	struct lib_env e;
	int link;

	env_init(&e);
	p = lib_policy(e.kvm, "handled", ANSWER);
	link = OK(kvmtrap_policy_attach(p, e.kvm));
	li = link_info(link);
	OK(kvmtrap_pin(e.kvm, link, NULL, 0));
	snprintf(name, len, "%s", kvmtrap_vm_name(e.kvm));
	*link_id = li.link_id;
	*prog = li.prog_id;
	close(link);
	kvmtrap_policy_close(p);
	env_free(&e);
	link = OK(kvmtrap_link_fd(*link_id));
	CHECK(link_info(link).defunct, "link %u not defunct with its VM gone",
	      *link_id);
	close(link);
}

/*
 * A gone VM's pins: its link (defunct), its list, its directory, in that
 * order; the dry run removes nothing, the prune all of it.
 */
static void test_prune_gone_vm(void)
{
	const struct kvmtrap_stale_pin *s;
	struct kvmtrap_stale_pin *pins;
	char name[KVMTRAP_VM_NAME_LEN], dir[256];
	uint32_t id, prog;
	int n, k;

	gone_vm(name, sizeof(name), &id, &prog);
	vm_dir(dir, sizeof(dir), name, NULL);

	n = OK(kvmtrap_prune(KVMTRAP_PRUNE_DRY_RUN, &pins));
	k = pins_of(pins, n, name, &s);
	CHECK(k == 3, "%d stale pins of VM %s, expected 3", k, name);
	CHECK(s[0].kind == KVMTRAP_PIN_LINK && s[0].link.link_id == id &&
	      s[0].link.prog_id == prog && s[0].link.defunct && !s[0].err,
	      "first: kind %u link %u prog %u defunct %d err %d, expected link %u prog %u",
	      s[0].kind, s[0].link.link_id, s[0].link.prog_id,
	      s[0].link.defunct, s[0].err, id, prog);
	CHECK(s[1].kind == KVMTRAP_PIN_HANDLED && !s[1].err,
	      "second: kind %u err %d, expected the handled list", s[1].kind,
	      s[1].err);
	CHECK(s[2].kind == KVMTRAP_PIN_DIR && !s[2].err,
	      "third: kind %u err %d, expected the directory", s[2].kind,
	      s[2].err);
	free(pins);
	CHECK(exists(dir), "%s removed by a dry run", dir);

	n = OK(kvmtrap_prune(0, &pins));
	k = pins_of(pins, n, name, &s);
	CHECK(k == 3 && !s[0].err && !s[1].err && !s[2].err,
	      "prune: %d pins of VM %s, errors %d %d %d", k, name,
	      k ? s[0].err : 0, k > 1 ? s[1].err : 0, k > 2 ? s[2].err : 0);
	free(pins);
	CHECK(!exists(dir), "%s left by kvmtrap_prune()", dir);
	n = OK(kvmtrap_prune(KVMTRAP_PRUNE_DRY_RUN, &pins));
	CHECK(!pins_of(pins, n, name, &s), "VM %s still stale after prune",
	      name);
	free(pins);
}

/* A VM that exists keeps its pins, a defunct (detached) link included. */
static void test_prune_keeps_live_vm(void)
{
	const struct kvmtrap_stale_pin *s;
	struct kvmtrap_stale_pin *pins;
	struct kvmtrap_policy *p;
	char pin[256];
	struct lib_env e;
	int link, n;

	env_init(&e);
	p = lib_policy(e.kvm, "pass", 0);
	link = OK(kvmtrap_policy_attach(p, e.kvm));
	OK(kvmtrap_pin(e.kvm, link, pin, sizeof(pin)));
	OK(kvmtrap_detach(link));
	n = OK(kvmtrap_prune(0, &pins));
	CHECK(!pins_of(pins, n, kvmtrap_vm_name(e.kvm), &s),
	      "prune took pins of the live VM %s", kvmtrap_vm_name(e.kvm));
	free(pins);
	CHECK(exists(pin), "%s removed with its VM alive", pin);
	OK(kvmtrap_unpin(kvmtrap_vm_name(e.kvm), link_info(link).link_id));
	close(link);
	kvmtrap_policy_close(p);
	env_free(&e);
}

/*
 * A file that kvmtrap did not make stays in a gone VM's directory, and so
 * does the directory; its own pins go.
 */
static void test_prune_leaves_foreign_file(void)
{
	const struct kvmtrap_stale_pin *s;
	struct kvmtrap_stale_pin *pins;
	char name[KVMTRAP_VM_NAME_LEN], dir[256], other[256];
	uint32_t id, prog;
	int n, k, map;

	gone_vm(name, sizeof(name), &id, &prog);
	vm_dir(dir, sizeof(dir), name, NULL);
	vm_dir(other, sizeof(other), name, "other");
	map = bpf_map_create(BPF_MAP_TYPE_ARRAY, "other", 4, 4, 1, NULL);
	CHECK(map >= 0 && !bpf_obj_pin(map, other), "pin %s: %s", other,
	      strerror(errno));
	close(map);

	n = OK(kvmtrap_prune(0, &pins));
	k = pins_of(pins, n, name, &s);
	CHECK(k == 2 && s[0].kind == KVMTRAP_PIN_LINK &&
	      s[1].kind == KVMTRAP_PIN_HANDLED && !s[0].err && !s[1].err,
	      "%d pins of VM %s (expected its link and list, not the directory)",
	      k, name);
	free(pins);
	CHECK(exists(other) && exists(dir), "%s or %s removed", other, dir);
	CHECK(!unlink(other) && !rmdir(dir), "remove %s: %s", dir,
	      strerror(errno));
}

/* Unknown flags are refused. */
static void test_prune_einval(void)
{
	struct kvmtrap_stale_pin *pins = NULL;

	ERR(kvmtrap_prune(1U << 1, &pins), EINVAL);
	CHECK(!pins, "pins set on failure");
}

/* ---- Forwards ---- */

/*
 * A VM refuses forwards until its VMM accepts them, for good; the call
 * is idempotent; the fdinfo says so to anyone holding the fd.
 */
static void test_accept_forwards(void)
{
	struct lib_env e;

	env_init(&e);
	CHECK(kvmtrap_vm_forwards(e.kvm) == 0, "a new VM accepts forwards: %d",
	      kvmtrap_vm_forwards(e.kvm));
	OK(kvmtrap_vm_accept_forwards(e.kvm));
	CHECK(kvmtrap_vm_forwards(e.kvm) == 1, "forwards %d after the opt-in",
	      kvmtrap_vm_forwards(e.kvm));
	OK(kvmtrap_vm_accept_forwards(e.kvm));
	CHECK(kvmtrap_vm_forwards(e.kvm) == 1, "forwards %d after the second",
	      kvmtrap_vm_forwards(e.kvm));
	env_free(&e);
}

/*
 * Another process's VM: whether it accepts forwards is readable through
 * a copy of its fd, and in kvmtrap_list_vms(); only its creator can opt
 * in (EIO, KVM's rule for VM ioctls).
 */
static void test_accept_forwards_other_process(void)
{
	struct holder h = holder_start(1);
	struct kvmtrap_vm_ref refs[64];
	struct kvmtrap_vm *vm;
	int n, k;

	OK(kvmtrap_vm_open_pid(h.pid, h.fd, &vm));
	CHECK(kvmtrap_vm_forwards(vm) == 0, "forwards %d, expected 0",
	      kvmtrap_vm_forwards(vm));
	ERR(kvmtrap_vm_accept_forwards(vm), EIO);
	CHECK(kvmtrap_vm_forwards(vm) == 0, "forwards %d after a refused opt-in",
	      kvmtrap_vm_forwards(vm));
	n = OK(kvmtrap_list_vms(refs, 64));
	k = find_ref(refs, n, h.pid, h.fd);
	CHECK(k >= 0 && refs[k].forwards == 0,
	      "the holder's VM listed with forwards %d, expected 0",
	      k >= 0 ? refs[k].forwards : -2);
	kvmtrap_vm_close(vm);
	holder_stop(&h);
}

/* KVM_TRAP_QUERY: which stage decides, for a native and a BPF call. */
static void test_query(void)
{
	struct kvm_trap_query q = {
		.conduit = KVM_TRAP_CONDUIT_HVC,
		.regs = { 0x84000000 },		/* PSCI_VERSION */
	};
	struct kvmtrap_link_info info;
	struct kvmtrap_policy *p;
	struct lib_env e;
	int link;

	env_init(&e);
	p = lib_policy(NULL, "handled", ANSWER);
	link = OK(kvmtrap_policy_attach(p, e.kvm));
	info = link_info(link);

	OK(kvmtrap_query(e.kvm, &q));
	CHECK(q.stage == KVM_TRAP_STAGE_NATIVE && q.verdict == KVM_TRAP_HANDLED,
	      "PSCI_VERSION: stage %u verdict %u, expected native handled",
	      q.stage, q.verdict);

	memset(&q, 0, sizeof(q));
	q.conduit = KVM_TRAP_CONDUIT_HVC;
	q.regs[0] = KT_FUNC_64;
	OK(kvmtrap_query(e.kvm, &q));
	CHECK(q.stage == KVM_TRAP_STAGE_BPF && q.verdict == KVM_TRAP_HANDLED &&
	      q.link_id == info.link_id && q.prog_id == info.prog_id,
	      "KT_FUNC_64: stage %u verdict %u link %u prog %u, expected bpf handled %u %u",
	      q.stage, q.verdict, q.link_id, q.prog_id, info.link_id, info.prog_id);
	CHECK((q.out_flags & KVM_TRAP_QUERY_RET) && q.ret[0] == ANSWER,
	      "KT_FUNC_64: out_flags 0x%x ret[0] 0x%llx, expected RET, 0x%llx",
	      q.out_flags, q.ret[0], ANSWER);
	/* A dry run: not counted. */
	kt_assert_stats(e.vm, 0, 0, 0, 0, 0, 0);

	close(link);
	kvmtrap_policy_close(p);
	env_free(&e);
}

static const struct kvmtrap_test tests[] = {
	KVMTRAP_TEST(test_vm_open),
	KVMTRAP_TEST(test_vm_open_errors),
	KVMTRAP_TEST(test_vm_open_pid),
	KVMTRAP_TEST(test_vm_open_pid_errors),
	KVMTRAP_TEST(test_vm_open_pid_eperm),
	KVMTRAP_TEST(test_list_vms),
	KVMTRAP_TEST(test_vm_stats),
	KVMTRAP_TEST(test_policy_open_enoent),
	KVMTRAP_TEST(test_policy_open_not_bpf_einval),
	KVMTRAP_TEST(test_policy_open_enoexec),
	KVMTRAP_TEST(test_policy_set_types),
	KVMTRAP_TEST(test_policy_set_enoent),
	KVMTRAP_TEST(test_policy_set_einval),
	KVMTRAP_TEST(test_policy_set_ebusy),
	KVMTRAP_TEST(test_policy_attach),
	KVMTRAP_TEST(test_policy_attach_not_loaded),
	KVMTRAP_TEST(test_policy_test),
	KVMTRAP_TEST(test_replace),
	KVMTRAP_TEST(test_detach),
	KVMTRAP_TEST(test_attach_e2big),
	KVMTRAP_TEST(test_link_fd),
	KVMTRAP_TEST(test_links),
	KVMTRAP_TEST(test_pin_layout),
	KVMTRAP_TEST(test_pin_outlives_fds),
	KVMTRAP_TEST(test_unpin_removes_dir),
	KVMTRAP_TEST(test_pin_other_vm_einval),
	KVMTRAP_TEST(test_load_private_map),
	KVMTRAP_TEST(test_load_rejected_no_state),
	KVMTRAP_TEST(test_handled_native),
	KVMTRAP_TEST(test_handled_hits),
	KVMTRAP_TEST(test_vm_cleanup),
	KVMTRAP_TEST(test_query),
	KVMTRAP_TEST(test_prune_gone_vm),
	KVMTRAP_TEST(test_prune_keeps_live_vm),
	KVMTRAP_TEST(test_prune_leaves_foreign_file),
	KVMTRAP_TEST(test_prune_einval),
	KVMTRAP_TEST(test_accept_forwards),
	KVMTRAP_TEST(test_accept_forwards_other_process),
};

int main(void)
{
	return kvmtrap_run_tests(tests, ARRAY_SIZE(tests));
}
