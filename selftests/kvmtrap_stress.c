// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrap_stress.c - torture, leak and limit tests of kvmtrap (arm64).
 *
 * The torture (test_torture) runs two VMs whose vCPUs make the stress call
 * in a tight loop while other threads change what answers it:
 *
 *  - VM A, 4 vCPUs: kvm_trap links attached, replaced (BPF_LINK_UPDATE),
 *    detached (BPF_LINK_DETACH or the last close), pinned and unpinned,
 *    each change with a freshly loaded program;
 *  - VM B, 2 vCPUs: the route_table policy linked once, its rule for the
 *    call set and removed (whole-table swaps, kvmtrap_rules_set());
 *  - both: KVM_TRAP_QUERY of the call from a thread of their own;
 *  - VMs C: created in a child process, given a link by this process
 *    (through pidfd_getfd(), as kvmtrap attach --vm does), and destroyed
 *    by SIGKILL while their two vCPUs make calls and the link is being
 *    replaced, detached or closed here.
 *
 * Every change of what answers a VM's call starts an epoch: a program
 * loaded for it (its number in x1) or none (the VM's default: NOT_SUPPORTED).
 * The changer raises the VM's "hi" to the new epoch before the change and
 * its "lo" after it, so a call that started when lo was L and ended
 * before hi was read as H can only have been answered by epochs L..H.  The
 * guest checks that for each call, with the VM's tag (x2) and the echo of
 * its own x1 (x3): no answer lost, misrouted, or from another VM's program.
 * At the end each VM's kvmtrap statistics must count exactly the calls its
 * guest saw answered.
 *
 * The leak tests repeat attach/detach and VM create/destroy with links and
 * compare the slab caches (/proc/slabinfo) and bpffs before and after; the
 * limit tests fill the per-VM link table and a process's file table.
 *
 * Sizes: KVMTRAP_STRESS_CALLS (calls of the torture's guests in all,
 * default 60000), KVMTRAP_STRESS_CYCLES (attach/detach cycles of the leak
 * test, default 300), KVMTRAP_STRESS_VMS (VM cycles, default 100),
 * KVMTRAP_STRESS_SEED (the changers' random choices; printed).  make
 * stress runs this with 10^6 calls, 10^4 attach/detach cycles and 10^3
 * VMs (Documentation/testing.rst).
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <dirent.h>
#include <linux/membarrier.h>
#include <time.h>

#include "kvmtrap_vm.h"
#include "kvmtrap_stress.h"
#include "kvmtrap_stress.skel.h"
#include "libkvmtrap.h"
#include "route_table.h"

#define ST_MAX_VCPUS	4
#define ST_EPOCHS	(1u << 16)
#define ST_ROUTE_TABLE	"/usr/lib/kvmtrap/policies/route_table.bpf.o"
#define ST_PIN_DIR	"/sys/fs/bpf"

/* Tags in x2: which VM's program answered. */
#define TAG_A		0xa0a0a0a0a0a0a0a0ull
#define TAG_B		0xb0b0b0b0b0b0b0b0ull
#define TAG_C		0xc0c0c0c0c0c0c0c0ull

/* Shared by the host (through the VM's memory) and the guest. */
struct st_shared {
	uint64_t lo, hi;	/* the epochs that may answer a call now */
	uint64_t tag;		/* this VM's tag */
	uint64_t echo;		/* x3 is x1 ^ KT_STRESS_ECHO (else the tag) */
	uint64_t stop;		/* the host's signal to finish */
	uint8_t none[ST_EPOCHS / 8];	/* epochs with no answer (default) */
};

struct st_count {
	uint64_t calls, handled, none;
};

static struct st_shared st;
static struct st_count st_count[ST_MAX_VCPUS];

/* ---- guest ---- */

static inline bool st_none(uint64_t e)
{
	return e < ST_EPOCHS && (st.none[e / 8] & (1u << (e % 8)));
}

static void guest_stress(uint64_t id)
{
	volatile struct st_shared *s = &st;
	struct arm_smccc_res res;
	uint64_t i, lo, hi, x1, e, want3;

	for (i = 0; !s->stop; i++) {
		x1 = id << 48 | i;
		lo = s->lo;
		asm volatile("dmb ish" : : : "memory");
		smccc_hvc(KT_STRESS_FUNC, x1, 0, 0, 0, 0, 0, 0, &res);
		asm volatile("dmb ish" : : : "memory");
		hi = s->hi;
		if (res.a0 == 0) {
			want3 = s->echo ? x1 ^ KT_STRESS_ECHO : s->tag;
			__GUEST_ASSERT(res.a2 == s->tag && res.a3 == want3,
				       "vCPU %lu call %lu: x2 0x%lx x3 0x%lx, expected 0x%lx 0x%lx",
				       id, i, res.a2, res.a3, s->tag, want3);
			__GUEST_ASSERT(res.a1 >= lo && res.a1 <= hi && !st_none(res.a1),
				       "vCPU %lu call %lu: answered by epoch %lu, only %lu..%lu were linked",
				       id, i, res.a1, lo, hi);
			st_count[id].handled++;
		} else {
			__GUEST_ASSERT(res.a0 == (uint64_t)SMCCC_RET_NOT_SUPPORTED &&
				       !res.a1 && !res.a2 && !res.a3,
				       "vCPU %lu call %lu: x0..x3 0x%lx 0x%lx 0x%lx 0x%lx",
				       id, i, res.a0, res.a1, res.a2, res.a3);
			for (e = lo; e <= hi && !st_none(e); e++)
				;
			__GUEST_ASSERT(e <= hi,
				       "vCPU %lu call %lu: NOT_SUPPORTED while epochs %lu..%lu all had a program",
				       id, i, lo, hi);
			st_count[id].none++;
		}
		st_count[id].calls++;
	}
	GUEST_DONE();
}

/* ---- host: knobs, random numbers ---- */

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : def;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

/* One stream per thread, from the printed seed. */
static uint64_t rnd(uint64_t *s)
{
	return kt_splitmix64(s);
}

static uint64_t seed(void)
{
	static uint64_t s;

	if (!s)
		s = env_u64("KVMTRAP_STRESS_SEED", now_ms() ^ ((uint64_t)getpid() << 32)) ?: 1;
	return s;
}

/* ---- host: one VM of the torture ---- */

struct st_vm {
	const char *name;
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpus[ST_MAX_VCPUS];
	pthread_t threads[ST_MAX_VCPUS];
	unsigned int nr_vcpus;
	struct st_shared *hs;		/* st in the VM's memory */
	struct st_count *hc;		/* st_count in the VM's memory */
	uint64_t epoch;
	uint64_t rng;
	atomic_bool done;
	/* what the changer and the query thread did */
	uint64_t attach, update, detach, pin, rule_set, rule_del, query;
};

static struct st_shared *st_shared_of(struct kvm_vm *vm)
{
	return addr_gva2hva(vm, (vm_vaddr_t)&st);
}

static void st_vm_create(struct st_vm *v, const char *name, unsigned int nr,
			 uint64_t tag, bool echo)
{
	unsigned int i;

	v->name = name;
	v->nr_vcpus = nr;
	v->vm = kt_create_vm_n(nr, v->vcpus, guest_stress);
	for (i = 0; i < nr; i++)
		vcpu_args_set(v->vcpus[i], 1, (uint64_t)i);
	v->hs = st_shared_of(v->vm);
	v->hc = addr_gva2hva(v->vm, (vm_vaddr_t)st_count);
	memset(v->hs, 0, sizeof(*v->hs));
	memset(v->hc, 0, sizeof(st_count));
	v->hs->tag = tag;
	v->hs->echo = echo;
	v->hs->none[0] = 1;	/* epoch 0: nothing linked yet */
}

/*
 * The next epoch, @none when it has no program.  Its bit is set before hi
 * moves, so a guest that sees the new hi sees the bit.
 */
static uint64_t epoch_begin(struct st_vm *v, bool none)
{
	uint64_t e = ++v->epoch;

	TEST_ASSERT(e < ST_EPOCHS, "%s: more than %u epochs", v->name, ST_EPOCHS);
	if (none)
		__atomic_or_fetch(&v->hs->none[e / 8], 1u << (e % 8), __ATOMIC_SEQ_CST);
	__atomic_store_n(&v->hs->hi, e, __ATOMIC_SEQ_CST);
	return e;
}

static void epoch_end(struct st_vm *v)
{
	__atomic_store_n(&v->hs->lo, v->epoch, __ATOMIC_SEQ_CST);
}

static void *vcpu_thread(void *arg)
{
	struct kvm_vcpu *vcpu = arg;
	struct ucall uc;

	for (;;) {
		vcpu_run(vcpu);
		switch (get_ucall(vcpu, &uc)) {
		case UCALL_DONE:
			return NULL;
		case UCALL_ABORT:
			REPORT_GUEST_ASSERT(uc);
			break;
		default:
			TEST_FAIL("vCPU %u: unexpected exit %s", vcpu->id,
				  exit_reason_str(vcpu->run->exit_reason));
		}
	}
}

static void st_vm_start(struct st_vm *v)
{
	unsigned int i;

	for (i = 0; i < v->nr_vcpus; i++)
		TEST_ASSERT(!pthread_create(&v->threads[i], NULL, vcpu_thread,
					    v->vcpus[i]), "pthread_create");
}

static void st_vm_join(struct st_vm *v)
{
	unsigned int i;

	for (i = 0; i < v->nr_vcpus; i++)
		pthread_join(v->threads[i], NULL);
	atomic_store(&v->done, true);
}

/* A program of @epoch for a VM of @tag, loaded. */
static struct kvmtrap_stress *st_prog(uint64_t epoch, uint64_t tag)
{
	struct kvmtrap_stress *skel = kvmtrap_stress__open();

	TEST_ASSERT(skel, "kvmtrap_stress__open: %s", strerror(errno));
	skel->rodata->epoch = epoch;
	skel->rodata->vm_tag = tag;
	TEST_ASSERT(!kvmtrap_stress__load(skel), "load epoch %lu: %s", epoch,
		    strerror(errno));
	return skel;
}

static int st_link(int prog_fd, int vm_fd)
{
	int fd = bpf_link_create(prog_fd, vm_fd, BPF_KVM_TRAP, NULL);

	TEST_ASSERT(fd >= 0, "BPF_LINK_CREATE: %s", strerror(errno));
	return fd;
}

/* ---- VM A: links attached, replaced, detached, pinned ---- */

static void *changer_links(void *arg)
{
	struct st_vm *v = arg;
	struct kvmtrap_stress *cur = NULL, *next;
	char pin[64];
	int link = -1, fd = v->vm->fd;
	uint64_t op, n;

	snprintf(pin, sizeof(pin), ST_PIN_DIR "/kt_stress_%d", getpid());
	for (n = 0; !atomic_load(&v->done); n++) {
		/* Each kind of change at least once, then at random. */
		op = n < 5 ? (uint64_t[]){ 0, 0, 60, 0, 80 }[n] : rnd(&v->rng) % 100;
		/*
		 * A new program is loaded for the next epoch before the
		 * epoch begins: the guests' windows hold the change alone.
		 */
		if (link < 0) {
			cur = st_prog(v->epoch + 1, v->hs->tag);
			epoch_begin(v, false);
			link = st_link(bpf_program__fd(cur->progs.stress_answer), fd);
			epoch_end(v);
			v->attach++;
		} else if (op < 50) {
			next = st_prog(v->epoch + 1, v->hs->tag);
			epoch_begin(v, false);
			TEST_ASSERT(!bpf_link_update(link, bpf_program__fd(next->progs.stress_answer),
						     NULL), "BPF_LINK_UPDATE: %s", strerror(errno));
			epoch_end(v);
			/* The old program goes while calls may still run it. */
			kvmtrap_stress__destroy(cur);
			cur = next;
			v->update++;
		} else if (op < 75) {
			epoch_begin(v, true);
			if (op & 1)
				TEST_ASSERT(!bpf_link_detach(link), "BPF_LINK_DETACH: %s",
					    strerror(errno));
			close(link);
			link = -1;
			epoch_end(v);
			kvmtrap_stress__destroy(cur);
			cur = NULL;
			v->detach++;
		} else {
			/* The link lives on in bpffs alone, then comes back. */
			TEST_ASSERT(!bpf_obj_pin(link, pin), "pin %s: %s", pin, strerror(errno));
			close(link);
			link = bpf_obj_get(pin);
			TEST_ASSERT(link >= 0, "bpf_obj_get %s: %s", pin, strerror(errno));
			TEST_ASSERT(!unlink(pin), "unlink %s: %s", pin, strerror(errno));
			v->pin++;
		}
	}
	if (link >= 0)
		close(link);
	if (cur)
		kvmtrap_stress__destroy(cur);
	return NULL;
}

/* ---- VM B: route_table's rule for the call set and removed ---- */

struct st_rules {
	struct st_vm *v;
	int map_fd;
};

static void *changer_rules(void *arg)
{
	struct st_rules *r = arg;
	struct st_vm *v = r->v;
	struct route_rule rule = {
		.key = { .conduit = KVM_TRAP_CONDUIT_HVC, .imm = 0,
			 .first = KT_STRESS_FUNC, .last = KT_STRESS_FUNC },
		.val = { .verdict = KVM_TRAP_HANDLED },
	};
	bool set = false;
	uint64_t n;
	int err;

	for (n = 0; !atomic_load(&v->done); n++) {
		if (!set || (n > 2 && rnd(&v->rng) % 3)) {
			rule.val.ret[1] = epoch_begin(v, false);
			rule.val.ret[2] = rule.val.ret[3] = v->hs->tag;
			err = kvmtrap_rules_set(r->map_fd, &rule, 1);
			TEST_ASSERT(!err, "kvmtrap_rules_set: %s", strerror(-err));
			set = true;
			v->rule_set++;
		} else {
			epoch_begin(v, true);
			err = kvmtrap_rules_set(r->map_fd, NULL, 0);
			TEST_ASSERT(!err, "kvmtrap_rules_set (none): %s", strerror(-err));
			set = false;
			v->rule_del++;
		}
		epoch_end(v);
	}
	return NULL;
}

/* ---- both: KVM_TRAP_QUERY of the call, checked like a guest's call ---- */

static void *querier(void *arg)
{
	struct st_vm *v = arg;
	struct kvm_trap_query q;
	uint64_t lo, hi, e, i = 0;
	bool echo = v->hs->echo;

	while (!atomic_load(&v->done)) {
		memset(&q, 0, sizeof(q));
		q.conduit = KVM_TRAP_CONDUIT_HVC;
		q.regs[0] = KT_STRESS_FUNC;
		q.regs[1] = ++i;
		lo = __atomic_load_n(&v->hs->lo, __ATOMIC_SEQ_CST);
		TEST_ASSERT(!ioctl(v->vm->fd, KVM_TRAP_QUERY, &q), "%s: KVM_TRAP_QUERY: %s",
			    v->name, strerror(errno));
		hi = __atomic_load_n(&v->hs->hi, __ATOMIC_SEQ_CST);
		if (q.verdict == KVM_TRAP_HANDLED) {
			TEST_ASSERT(q.stage == KVM_TRAP_STAGE_BPF && q.ret[0] == 0 &&
				    q.ret[1] >= lo && q.ret[1] <= hi && q.ret[2] == v->hs->tag &&
				    q.ret[3] == (echo ? i ^ KT_STRESS_ECHO : v->hs->tag),
				    "%s: query %lu: stage %u ret 0x%llx %llu 0x%llx 0x%llx, epochs %lu..%lu",
				    v->name, i, q.stage, q.ret[0], q.ret[1], q.ret[2], q.ret[3], lo, hi);
		} else {
			TEST_ASSERT(q.verdict == KVM_TRAP_DENY && q.ret[0] == KT_NOT_SUPPORTED,
				    "%s: query %lu: stage %u verdict %u", v->name, i, q.stage,
				    q.verdict);
			for (e = lo; e <= hi && !(v->hs->none[e / 8] & (1u << (e % 8))); e++)
				;
			TEST_ASSERT(e <= hi, "%s: query %lu denied while epochs %lu..%lu had programs",
				    v->name, i, lo, hi);
		}
		v->query++;
		/* Queries must not starve the vCPUs and changers. */
		usleep(1000);
	}
	return NULL;
}

/* ---- VMs C: destroyed while their vCPUs call and their link changes ---- */

/* What a child reports: its VM fd, then whether its guest failed. */
struct st_child {
	int vm_fd;
	atomic_int ready;
	char failure[1100];
};

static struct st_child *child_page;

static void child_report_abort(struct kvm_vcpu *vcpu, struct ucall *uc)
{
	snprintf(child_page->failure, sizeof(child_page->failure),
		 "VM C vCPU %u: %s", vcpu->id, uc->buffer);
}

static void *child_vcpu_thread(void *arg)
{
	struct kvm_vcpu *vcpu = arg;
	struct ucall uc;

	for (;;) {
		vcpu_run(vcpu);
		if (get_ucall(vcpu, &uc) == UCALL_ABORT) {
			child_report_abort(vcpu, &uc);
			_exit(1);
		}
	}
	return NULL;
}

/* A VM of two vCPUs that call until killed; epoch 1 is the program. */
static void __attribute__((noreturn)) child_vm(void)
{
	struct st_vm v = {};
	unsigned int i;

	st_vm_create(&v, "C", 2, TAG_C, true);
	v.hs->hi = 1;
	for (i = 0; i < 2; i++)
		TEST_ASSERT(!pthread_create(&v.threads[i], NULL, child_vcpu_thread,
					    v.vcpus[i]), "pthread_create");
	child_page->vm_fd = v.vm->fd;
	atomic_store(&child_page->ready, 1);
	for (;;)
		pause();
}

/*
 * VMs C are forked by a process that was forked before any link existed:
 * a child forked by this process would inherit its link fds, and a link
 * closed here would stay attached to VM A until that child died.
 */
struct st_zygote {
	int cmd, reply;
};

static void __attribute__((noreturn)) zygote(int cmd, int reply)
{
	int status;
	pid_t pid;
	char c;

	while (read(cmd, &c, 1) == 1) {
		pid = fork();
		if (!pid) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			child_vm();
		}
		if (write(reply, &pid, sizeof(pid)) != sizeof(pid) || pid < 0)
			break;
		if (waitpid(pid, &status, 0) != pid)
			status = -1;
		if (write(reply, &status, sizeof(status)) != sizeof(status))
			break;
	}
	_exit(0);
}

static void zygote_start(struct st_zygote *z)
{
	int to[2], from[2];
	pid_t pid;

	child_page = mmap(NULL, sizeof(*child_page), PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(child_page != MAP_FAILED, "mmap: %s", strerror(errno));
	TEST_ASSERT(!pipe(to) && !pipe(from), "pipe: %s", strerror(errno));
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork: %s", strerror(errno));
	if (!pid) {
		/* Its VMs die with the test, whatever way it ends. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(to[1]);
		close(from[0]);
		zygote(to[0], from[1]);
	}
	close(to[0]);
	close(from[1]);
	z->cmd = to[1];
	z->reply = from[0];
}

struct st_cycles {
	struct st_vm *a;	/* stop when A is done */
	struct st_zygote z;
	uint64_t rng;
	uint64_t cycles, updated, detached, closed;
};

static void *destroyer(void *arg)
{
	struct st_cycles *c = arg;
	struct kvmtrap_stress *prog = st_prog(1, TAG_C), *prog2 = st_prog(1, TAG_C);
	struct bpf_link_info info;
	uint32_t len;
	int pidfd, vm_fd, link, status, i, err;
	uint64_t op;
	pid_t pid;

	while (!atomic_load(&c->a->done)) {
		memset(child_page, 0, sizeof(*child_page));
		TEST_ASSERT(write(c->z.cmd, "f", 1) == 1 &&
			    read(c->z.reply, &pid, sizeof(pid)) == sizeof(pid) && pid > 0,
			    "the VM C process did not start");
		for (i = 0; i < 20000 && !atomic_load(&child_page->ready); i++)
			usleep(500);
		TEST_ASSERT(atomic_load(&child_page->ready), "VM C not ready after 10 s");
		pidfd = syscall(SYS_pidfd_open, pid, 0);
		TEST_ASSERT(pidfd >= 0, "pidfd_open: %s", strerror(errno));
		vm_fd = syscall(SYS_pidfd_getfd, pidfd, child_page->vm_fd, 0);
		TEST_ASSERT(vm_fd >= 0, "pidfd_getfd: %s", strerror(errno));
		link = st_link(bpf_program__fd(prog->progs.stress_answer), vm_fd);
		/* The link holds no reference on the VM: it dies with the child. */
		close(vm_fd);
		close(pidfd);
		usleep(rnd(&c->rng) % 20000);

		op = rnd(&c->rng) % 4;
		kill(pid, SIGKILL);
		/* ... and, while the child's VM is being torn down: */
		switch (op) {
		case 0:
			err = bpf_link_update(link, bpf_program__fd(prog2->progs.stress_answer), NULL);
			TEST_ASSERT(!err || errno == ENOLINK, "update in teardown: %s",
				    strerror(errno));
			c->updated++;
			break;
		case 1:
			TEST_ASSERT(!bpf_link_detach(link), "detach in teardown: %s",
				    strerror(errno));
			c->detached++;
			break;
		case 2:
			close(link);
			link = -1;
			c->closed++;
			break;
		}
		TEST_ASSERT(read(c->z.reply, &status, sizeof(status)) == sizeof(status),
			    "no status of VM C");
		TEST_ASSERT(!child_page->failure[0], "%s", child_page->failure);
		TEST_ASSERT(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
			    "VM C process: status 0x%x", status);
		if (link >= 0) {
			/* Defunct once the VM is gone, or detached above. */
			for (i = 0; i < 1000; i++) {
				memset(&info, 0, sizeof(info));
				len = sizeof(info);
				TEST_ASSERT(!bpf_link_get_info_by_fd(link, &info, &len),
					    "link info: %s", strerror(errno));
				if (info.kvm_trap.defunct)
					break;
				usleep(1000);
			}
			TEST_ASSERT(info.kvm_trap.defunct, "link of a destroyed VM not defunct");
			close(link);
		}
		c->cycles++;
	}
	kvmtrap_stress__destroy(prog);
	kvmtrap_stress__destroy(prog2);
	return NULL;
}

/* ---- the torture ---- */

static void st_counts(struct st_vm *v, struct st_count *sum)
{
	unsigned int i;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < v->nr_vcpus; i++) {
		sum->calls += v->hc[i].calls;
		sum->handled += v->hc[i].handled;
		sum->none += v->hc[i].none;
	}
}

static void st_stats(struct st_vm *v, struct kvmtrap_stats *s)
{
	struct kvmtrap_vm *kv;
	int err;

	err = kvmtrap_vm_open(v->vm->fd, &kv);
	TEST_ASSERT(!err, "kvmtrap_vm_open: %s", strerror(-err));
	err = kvmtrap_vm_stats(kv, s);
	TEST_ASSERT(!err, "kvmtrap_vm_stats: %s", strerror(-err));
	kvmtrap_vm_close(kv);
}

static void test_torture(void)
{
	uint64_t calls = env_u64("KVMTRAP_STRESS_CALLS", 60000);
	uint64_t limit_s = env_u64("KVMTRAP_STRESS_SECONDS", kt_deadline_ms(900000) / 1000);
	uint64_t t0, ms, total, report = 10000;
	struct st_vm a = {}, b = {};
	struct st_cycles c = {};
	struct st_rules rules;
	struct st_count ca, cb;
	struct kvmtrap_stats sa, sb;
	struct kvmtrap_policy *rt;
	struct kvmtrap_vm *kvb;
	pthread_t ta, tb, qa, qb, tc;
	int err;

	ksft_print_msg("torture: seed 0x%lx, %lu calls, at most %lu s\n", seed(), calls, limit_s);
	zygote_start(&c.z);
	st_vm_create(&a, "A", 4, TAG_A, true);
	st_vm_create(&b, "B", 2, TAG_B, false);
	a.rng = seed() ^ 0xa;
	b.rng = seed() ^ 0xb;
	c.rng = seed() ^ 0xc;
	c.a = &a;

	err = kvmtrap_vm_open(b.vm->fd, &kvb);
	TEST_ASSERT(!err, "kvmtrap_vm_open: %s", strerror(-err));
	err = kvmtrap_policy_open(ST_ROUTE_TABLE, &rt);
	TEST_ASSERT(!err, "open %s: %s", ST_ROUTE_TABLE, strerror(-err));
	err = kvmtrap_policy_load(rt, kvb);
	TEST_ASSERT(!err, "load route_table: %s", strerror(-err));
	err = kvmtrap_policy_attach(rt, kvb);
	TEST_ASSERT(err >= 0, "attach route_table: %s", strerror(-err));
	rules.v = &b;
	rules.map_fd = kvmtrap_policy_rules_fd(rt);
	TEST_ASSERT(rules.map_fd >= 0, "route_table rules: %s", strerror(-rules.map_fd));

	t0 = now_ms();
	st_vm_start(&a);
	st_vm_start(&b);
	TEST_ASSERT(!pthread_create(&ta, NULL, changer_links, &a) &&
		    !pthread_create(&tb, NULL, changer_rules, &rules) &&
		    !pthread_create(&qa, NULL, querier, &a) &&
		    !pthread_create(&qb, NULL, querier, &b) &&
		    !pthread_create(&tc, NULL, destroyer, &c), "pthread_create");
	/*
	 * Until the guests made @calls calls and every kind of change ran at
	 * least once, within a limit that only a hang reaches.
	 */
	for (;;) {
		usleep(100000);
		st_counts(&a, &ca);
		st_counts(&b, &cb);
		ms = now_ms() - t0;
		if (ms > limit_s * 1000)
			break;
		if (ca.calls + cb.calls >= calls && a.attach && a.update && a.detach &&
		    a.pin && b.rule_set && b.rule_del && c.cycles)
			break;
		if (ms >= report) {
			ksft_print_msg("torture: %lu s, %lu calls\n", ms / 1000, ca.calls + cb.calls);
			report += 10000;
		}
	}
	a.hs->stop = 1;
	b.hs->stop = 1;
	st_vm_join(&b);
	st_vm_join(&a);
	ms = now_ms() - t0;
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	pthread_join(qa, NULL);
	pthread_join(qb, NULL);
	pthread_join(tc, NULL);

	st_counts(&a, &ca);
	st_counts(&b, &cb);
	st_stats(&a, &sa);
	st_stats(&b, &sb);
	total = ca.calls + cb.calls;
	ksft_print_msg("torture: %lu calls in %lu ms (%lu/s), 0 lost, 0 misrouted\n",
		       total, ms, total * 1000 / (ms ?: 1));
	ksft_print_msg("torture: A %lu calls (%lu handled, %lu default), %lu epochs: %lu attach, %lu replace, %lu detach, %lu pin/unpin, %lu queries\n",
		       ca.calls, ca.handled, ca.none, a.epoch, a.attach, a.update, a.detach,
		       a.pin, a.query);
	ksft_print_msg("torture: B %lu calls (%lu handled, %lu default), %lu epochs: %lu rule sets, %lu rule removals, %lu queries\n",
		       cb.calls, cb.handled, cb.none, b.epoch, b.rule_set, b.rule_del, b.query);
	ksft_print_msg("torture: C %lu VMs killed with vCPUs calling; link meanwhile replaced %lu, detached %lu, closed %lu\n",
		       c.cycles, c.updated, c.detached, c.closed);

	TEST_ASSERT(ms <= limit_s * 1000 + 10000 && total >= calls,
		    "%lu calls in %lu ms: the guests or a changer got stuck", total, ms);
	/* Every answer the guests saw, counted once by the kernel. */
	TEST_ASSERT(sa.verdict[KVM_TRAP_HANDLED] == ca.handled,
		    "A: kernel counted %lu handled, the guest saw %lu",
		    sa.verdict[KVM_TRAP_HANDLED], ca.handled);
	TEST_ASSERT(sb.verdict[KVM_TRAP_HANDLED] == cb.handled &&
		    sb.verdict[KVM_TRAP_PASS] == cb.none,
		    "B: kernel counted %lu handled %lu pass, the guest saw %lu %lu",
		    sb.verdict[KVM_TRAP_HANDLED], sb.verdict[KVM_TRAP_PASS], cb.handled, cb.none);

	kvmtrap_policy_close(rt);
	kvmtrap_vm_cleanup(kvmtrap_vm_name(kvb));
	kvmtrap_vm_close(kvb);
	kvm_vm_free(a.vm);
	kvm_vm_free(b.vm);
}

/* ---- leaks ---- */

/*
 * Freed links, programs and link arrays wait for RCU grace periods
 * (kfree_rcu() batches them for seconds), and a link whose last reference
 * was a pin is released from a workqueue (bpf_link_put()): a global
 * membarrier waits for a grace period, dropping the slab caches makes the
 * kfree_rcu() batches drain (its shrinker), and the sleeps let the work
 * run.
 */
static void settle(void)
{
	int i, fd;

	for (i = 0; i < 3; i++) {
		syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0);
		fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
		if (fd >= 0) {
			if (write(fd, "2", 1) < 0)
				TEST_FAIL("drop_caches: %s", strerror(errno));
			close(fd);
		}
		usleep(300000);
	}
}

/*
 * SLUB counts the objects of the slabs that CPUs hold as in use; shrinking
 * every cache gives those slabs back, so that what /proc/slabinfo says is
 * exact rather than off by a slab or two per CPU.
 */
static void slab_shrink_all(void)
{
	char path[300];
	struct dirent *d;
	DIR *dp;
	int fd;

	dp = opendir("/sys/kernel/slab");
	TEST_ASSERT(dp, "/sys/kernel/slab: %s", strerror(errno));
	while ((d = readdir(dp))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink", d->d_name);
		fd = open(path, O_WRONLY);
		if (fd < 0)
			continue;
		if (write(fd, "1", 1) < 0)
			TEST_FAIL("%s: %s", path, strerror(errno));
		close(fd);
	}
	closedir(dp);
}

/* Active objects of each slab cache, and how many there are. */
struct slab_snap {
	char name[256][64];
	long objs[256];
	int n;
};

static void slab_snapshot(struct slab_snap *s)
{
	char line[512], name[64];
	long active;
	FILE *f;

	settle();
	slab_shrink_all();
	f = fopen("/proc/slabinfo", "r");
	TEST_ASSERT(f, "/proc/slabinfo: %s", strerror(errno));
	s->n = 0;
	while (fgets(line, sizeof(line), f) && s->n < 256) {
		if (line[0] == '#' || !strncmp(line, "slabinfo", 8))
			continue;
		if (sscanf(line, "%63s %ld", name, &active) != 2)
			continue;
		snprintf(s->name[s->n], sizeof(s->name[0]), "%s", name);
		s->objs[s->n++] = active;
	}
	fclose(f);
}

/*
 * After settle() and slab_shrink_all() the counts are exact to an object
 * or two (measured: +8 in all after 300 attach/detach cycles, +0 after
 * 100 VMs): no cache may grow by more than 32 objects and one per 20
 * cycles, so that a leak even on one path in three (the pinned one) is
 * caught.  Prints the total and the cache that grew most.
 */
static void slab_compare(const char *what, const struct slab_snap *a,
			 const struct slab_snap *b, long cycles)
{
	long d, total = 0, worst = 0;
	int i, j, w = -1;

	for (j = 0; j < b->n; j++) {
		/*
		 * vmalloc's areas are freed lazily, in batches of megabytes
		 * (the VMs' memory and the threads' stacks), and so is what
		 * kmemleak keeps of them (debug kernel): not leaks.  kmemleak
		 * itself reports real ones on that kernel.
		 */
		if (!strcmp(b->name[j], "vmap_area") ||
		    !strncmp(b->name[j], "kmemleak_", 9))
			continue;
		for (i = 0; i < a->n && strcmp(a->name[i], b->name[j]); i++)
			;
		d = b->objs[j] - (i < a->n ? a->objs[i] : 0);
		total += d;
		if (d > worst) {
			worst = d;
			w = j;
		}
	}
	ksft_print_msg("%s: slab objects %+ld in all after %ld cycles; most grown: %s %+ld\n",
		       what, total, cycles, w >= 0 ? b->name[w] : "none", worst);
	TEST_ASSERT(worst <= 32 + cycles / 20, "%s: slab cache %s grew by %ld objects in %ld cycles",
		    what, b->name[w], worst, cycles);
}

/* Files and directories in bpffs under @dir, recursively. */
static int bpffs_count_dir(const char *dir)
{
	char path[512];
	struct dirent *d;
	int n = 0;
	DIR *dp;

	dp = opendir(dir);
	TEST_ASSERT(dp, "opendir %s: %s", dir, strerror(errno));
	while ((d = readdir(dp))) {
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		n++;
		if (d->d_type == DT_DIR) {
			snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
			n += bpffs_count_dir(path);
		}
	}
	closedir(dp);
	return n;
}

static int bpffs_count(void)
{
	return bpffs_count_dir(ST_PIN_DIR);
}

/* The guest's stress call, answered by the epoch-1 program of @tag. */
static void call_handled(struct kvm_vcpu *vcpu, uint64_t tag)
{
	struct kt_call c = kt_smccc(KVM_TRAP_CONDUIT_HVC, KT_STRESS_FUNC);
	struct kt_regs r;

	kt_run_call(vcpu, &c, &r);
	kt_assert_ret(&c, &r, 0, 1, tag, c.x[1] ^ KT_STRESS_ECHO);
}

static void call_default(struct kvm_vcpu *vcpu)
{
	struct kt_call c = kt_smccc(KVM_TRAP_CONDUIT_HVC, KT_STRESS_FUNC);
	struct kt_regs r;

	kt_run_call(vcpu, &c, &r);
	kt_assert_not_supported(&c, &r);
}

static void pin_path(char *buf, size_t len, int i)
{
	snprintf(buf, len, ST_PIN_DIR "/kt_leak_%d_%d", getpid(), i);
}

/*
 * One link's life, in the ways a VMM or an operator ends it: detach then
 * close, close alone, or through a pin.
 */
static void attach_detach_once(int prog_fd, int vm_fd, int i)
{
	char pin[64];
	int link = st_link(prog_fd, vm_fd);

	switch (i % 3) {
	case 0:
		TEST_ASSERT(!bpf_link_detach(link), "detach: %s", strerror(errno));
		close(link);
		break;
	case 1:
		close(link);
		break;
	case 2:
		pin_path(pin, sizeof(pin), 0);
		TEST_ASSERT(!bpf_obj_pin(link, pin), "pin: %s", strerror(errno));
		close(link);
		TEST_ASSERT(!unlink(pin), "unlink %s: %s", pin, strerror(errno));
		break;
	}
}

static void test_leak_attach_detach(void)
{
	long cycles = env_u64("KVMTRAP_STRESS_CYCLES", 300), i;
	struct kvmtrap_stress *prog = st_prog(1, TAG_A);
	int prog_fd = bpf_program__fd(prog->progs.stress_answer);
	static struct slab_snap before, after;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	int pins, link;
	uint64_t t0;

	vm = kt_create_vm(&vcpu);
	for (i = 0; i < 30; i++)
		attach_detach_once(prog_fd, vm->fd, i);
	pins = bpffs_count();
	slab_snapshot(&before);
	t0 = now_ms();
	for (i = 0; i < cycles; i++) {
		attach_detach_once(prog_fd, vm->fd, i);
		if (i % 100 == 0) {
			link = st_link(prog_fd, vm->fd);
			call_handled(vcpu, TAG_A);
			close(link);
			call_default(vcpu);
		}
	}
	ksft_print_msg("attach/detach: %ld cycles in %lu ms\n", cycles, now_ms() - t0);
	slab_snapshot(&after);
	slab_compare("attach/detach", &before, &after, cycles);
	TEST_ASSERT(bpffs_count() == pins, "bpffs: %d entries, %d before", bpffs_count(), pins);
	kvm_vm_free(vm);
	kvmtrap_stress__destroy(prog);
}

/*
 * VMs created, linked, called and destroyed with their link still open
 * (half of them pinned): the link must go defunct and then go away.
 */
static void vm_cycle_once(int prog_fd, int i)
{
	struct bpf_link_info info = {};
	uint32_t len = sizeof(info);
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	char pin[64];
	int link;

	vm = kt_create_vm(&vcpu);
	link = st_link(prog_fd, vm->fd);
	call_handled(vcpu, TAG_A);
	pin_path(pin, sizeof(pin), 1);
	if (i & 1) {
		TEST_ASSERT(!bpf_obj_pin(link, pin), "pin: %s", strerror(errno));
		close(link);
	}
	kvm_vm_free(vm);
	if (i & 1) {
		link = bpf_obj_get(pin);
		TEST_ASSERT(link >= 0, "bpf_obj_get: %s", strerror(errno));
		TEST_ASSERT(!unlink(pin), "unlink: %s", strerror(errno));
	}
	TEST_ASSERT(!bpf_link_get_info_by_fd(link, &info, &len), "link info: %s",
		    strerror(errno));
	TEST_ASSERT(info.kvm_trap.defunct, "link %u of a destroyed VM is not defunct",
		    info.id);
	close(link);
}

static void test_leak_vm_cycles(void)
{
	long cycles = env_u64("KVMTRAP_STRESS_VMS", 100), i;
	struct kvmtrap_stress *prog = st_prog(1, TAG_A);
	int prog_fd = bpf_program__fd(prog->progs.stress_answer);
	static struct slab_snap before, after;
	uint64_t t0;
	int pins;

	for (i = 0; i < 5; i++)
		vm_cycle_once(prog_fd, i);
	pins = bpffs_count();
	slab_snapshot(&before);
	t0 = now_ms();
	for (i = 0; i < cycles; i++)
		vm_cycle_once(prog_fd, i);
	ksft_print_msg("VM create/destroy: %ld cycles in %lu ms\n", cycles, now_ms() - t0);
	slab_snapshot(&after);
	slab_compare("VM create/destroy", &before, &after, cycles);
	TEST_ASSERT(bpffs_count() == pins, "bpffs: %d entries, %d before", bpffs_count(), pins);
	kvmtrap_stress__destroy(prog);
}

/* ---- limits ---- */

/* Live (not defunct) kvm_trap links of VM fd @vm_fd of this process. */
static int links_of(int vm_fd)
{
	struct bpf_link_info info;
	uint32_t id = 0, len;
	int fd, n = 0;

	while (!bpf_link_get_next_id(id, &id)) {
		fd = bpf_link_get_fd_by_id(id);
		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (!bpf_link_get_info_by_fd(fd, &info, &len) &&
		    info.type == BPF_LINK_TYPE_KVM_TRAP && !info.kvm_trap.defunct &&
		    info.kvm_trap.vm_pid == (uint32_t)getpid() && info.kvm_trap.vm_fd == (uint32_t)vm_fd)
			n++;
		close(fd);
	}
	return n;
}

/*
 * A VM holds KVM_TRAP_MAX_LINKS (8) links however they are held: eight
 * pinned links with no fd left still refuse a ninth with E2BIG, and
 * removing a pin makes room.
 */
static void test_limit_links_per_vm_pinned(void)
{
	struct kvmtrap_stress *prog = st_prog(1, TAG_A);
	int prog_fd = bpf_program__fd(prog->progs.stress_answer);
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	char pin[64];
	int i, link;

	vm = kt_create_vm(&vcpu);
	for (i = 0; i < 8; i++) {
		link = st_link(prog_fd, vm->fd);
		pin_path(pin, sizeof(pin), 100 + i);
		TEST_ASSERT(!bpf_obj_pin(link, pin), "pin: %s", strerror(errno));
		close(link);
	}
	link = bpf_link_create(prog_fd, vm->fd, BPF_KVM_TRAP, NULL);
	TEST_ASSERT(link < 0 && errno == E2BIG, "9th link: %d (%s), expected E2BIG",
		    link, strerror(errno));
	TEST_ASSERT(links_of(vm->fd) == 8, "%d links, expected 8", links_of(vm->fd));
	call_handled(vcpu, TAG_A);
	/*
	 * Removing the last pin releases the link from a workqueue
	 * (bpf_link_put()), shortly after unlink() returned: room for a
	 * new link comes then.
	 */
	pin_path(pin, sizeof(pin), 100);
	TEST_ASSERT(!unlink(pin), "unlink: %s", strerror(errno));
	for (i = 0; i < 500; i++) {
		link = bpf_link_create(prog_fd, vm->fd, BPF_KVM_TRAP, NULL);
		if (link >= 0 || errno != E2BIG)
			break;
		usleep(10000);
	}
	TEST_ASSERT(link >= 0, "no room after unpinning a link: %s", strerror(errno));
	close(link);
	for (i = 1; i < 8; i++) {
		pin_path(pin, sizeof(pin), 100 + i);
		TEST_ASSERT(!unlink(pin), "unlink: %s", strerror(errno));
	}
	settle();
	TEST_ASSERT(links_of(vm->fd) == 0, "%d links left", links_of(vm->fd));
	call_default(vcpu);
	kvm_vm_free(vm);
	kvmtrap_stress__destroy(prog);
}

/*
 * A process out of file descriptors gets EMFILE from BPF_LINK_CREATE and
 * no link: a link exists only once its fd does.
 */
static void test_limit_fd_table(void)
{
	struct kvmtrap_stress *prog = st_prog(1, TAG_A);
	int prog_fd = bpf_program__fd(prog->progs.stress_answer);
	struct rlimit old, lim;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	int fds[8], n = 0, fd, r, err;

	vm = kt_create_vm(&vcpu);
	TEST_ASSERT(!getrlimit(RLIMIT_NOFILE, &old), "getrlimit");
	/* Room for exactly two more fds. */
	fd = dup(0);
	close(fd);
	lim = old;
	lim.rlim_cur = fd + 2;
	TEST_ASSERT(!setrlimit(RLIMIT_NOFILE, &lim), "setrlimit: %s", strerror(errno));
	while (n < 8) {
		r = bpf_link_create(prog_fd, vm->fd, BPF_KVM_TRAP, NULL);
		if (r < 0)
			break;
		fds[n++] = r;
	}
	err = errno;
	TEST_ASSERT(!setrlimit(RLIMIT_NOFILE, &old), "setrlimit: %s", strerror(errno));
	TEST_ASSERT(n == 2 && err == EMFILE, "%d links, then %s; expected 2, then EMFILE",
		    n, strerror(err));
	TEST_ASSERT(links_of(vm->fd) == 2, "%d links on the VM, expected 2", links_of(vm->fd));
	call_handled(vcpu, TAG_A);
	while (n)
		close(fds[--n]);
	TEST_ASSERT(links_of(vm->fd) == 0, "%d links left", links_of(vm->fd));
	call_default(vcpu);
	kvm_vm_free(vm);
	kvmtrap_stress__destroy(prog);
}

int main(void)
{
	static const struct kvmtrap_test tests[] = {
		KVMTRAP_TEST(test_torture),
		KVMTRAP_TEST(test_leak_attach_detach),
		KVMTRAP_TEST(test_leak_vm_cycles),
		KVMTRAP_TEST(test_limit_links_per_vm_pinned),
		KVMTRAP_TEST(test_limit_fd_table),
	};

	return kvmtrap_run_tests(tests, ARRAY_SIZE(tests));
}
