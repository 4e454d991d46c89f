// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrap_fuzz - a bounded, replayable fuzzer of every kvmtrap entry point
 * on arm64.  Each test draws random inputs for one interface and asserts
 * that every answer is one the API allows, and, wherever the inputs
 * determine it, the exact answer:
 *
 *  - KVM_TRAP_QUERY: random fields on a VM with two links of a rule-table
 *    policy (kvmtrap_fuzz.bpf.c, rules changed while linked), an SMCCC
 *    filter and services hidden by the firmware bitmaps; EINVAL exactly for the inputs the API refuses, else the
 *    stage, verdict, deciding link, flags and ret[] that a model of the
 *    decision gives (the rules, the native list, the filter); the same
 *    answer when asked again; bad ioctl numbers and pointers.
 *  - KVM_TRAP_NATIVE_LIST: random nr, pad and buffers ending at a guard
 *    page; E2BIG, EINVAL, EFAULT or the same sorted list every time.
 *  - BPF_PROG_TEST_RUN: random attributes and contexts; the errno the
 *    checks give in their order, or the verdict and context the rules
 *    give, and the program ran exactly when it should have.
 *  - BPF_LINK_CREATE, BPF_LINK_UPDATE, BPF_LINK_DETACH: random fds (VMs,
 *    /dev/kvm, a vCPU, closed, other files, links, programs), attach
 *    types, flags; the exact errno or a link whose state is tracked; in
 *    the end a fresh VM still answers right and no kvm_trap link is left.
 *  - KVM_EXIT_HYPERCALL: random answers of the VMM to FORWARD exits; the
 *    guest gets ret_regs (narrowed) exactly when RET_REGS was set on a
 *    hypercall exit, else x0 = NOT_SUPPORTED and its own x1..x3.
 *  - Guest calls: random HVC/SMC with any immediate (the VMM writes the
 *    instruction into a guest code page before each call), x0 across
 *    SMCCC owners and conventions, random x1..x7; what the guest gets is
 *    what KVM_TRAP_QUERY predicted (registers, UNDEF, exit) and the VM's
 *    statistics count exactly the offered calls.
 *  - The same from an AArch32 guest (when the CPU runs AArch32 at EL1):
 *    32-bit registers, HVC immediates, SMC's 4-bit field that KVM never
 *    sees, UNDEF in UND mode.
 *  - KVM_ENABLE_CAP(KVM_CAP_TRAP_BPF): random flags and args; EINVAL or
 *    the sticky opt-in to forwards, in fdinfo and in the queries' answers.
 *
 * KVMTRAP_FUZZ_SEED (decimal or 0x hex; default from the clock) and
 * KVMTRAP_FUZZ_ITERS (iterations per test) in the environment; each test
 * prints its seed first, and draws from its own stream (the seed and the
 * test's name), so that
 *
 *   KVMTRAP_FUZZ_SEED=0x... KVMTRAP_TEST=test_fuzz_... kvmtrap_fuzz
 *
 * replays one failure alone.  Every failure names the seed, iteration and
 * inputs.
 *
 * One behaviour per test_*().
 */
#define _GNU_SOURCE	/* strerrorname_np() */
#include <dirent.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

#include "kvmtrap_vm.h"
#include "libkvmtrap.h"
#include "kvmtrap_fuzz.h"
#include "kvmtrap_fuzz.skel.h"

/* ---- seed, streams, counters ---- */

static uint64_t kf_seed;
static unsigned int kf_iters_env;	/* 0: each test's default */

#define KF_MAX_LABELS 64

/* One test's state: it runs in a child of its own, alone. */
static struct {
	const char *name;
	uint64_t s;		/* xorshift64* state */
	unsigned int iter, iters;
	struct {
		const char *label;
		unsigned int n;
	} out[KF_MAX_LABELS];
	char label_buf[KF_MAX_LABELS][32];
	unsigned int nr_out;
	struct timespec start;
	int fds;		/* open at the start */
} kf;

/*
 * A failure is a failure whatever errno holds: TEST_ASSERT() turns one
 * into a skip when errno happens to be EACCES.
 */
#define KF_ASSERT(cond, fmt, ...) do {					\
	if (!(cond)) {							\
		errno = 0;						\
		TEST_FAIL("%s: seed 0x%lx iteration %u: " fmt, kf.name,	\
			  kf_seed, kf.iter, ##__VA_ARGS__);		\
	}								\
} while (0)

static uint64_t kf_rand(void)
{
	kf.s ^= kf.s >> 12;
	kf.s ^= kf.s << 25;
	kf.s ^= kf.s >> 27;
	return kf.s * 0x2545f4914f6cdd1dull;
}

static uint32_t kf_below(uint64_t n)
{
	return n ? kf_rand() % n : 0;
}

static bool kf_chance(unsigned int pct)
{
	return kf_below(100) < pct;
}

/* Count one outcome of the current iteration under @label. */
static void kf_count(const char *label)
{
	unsigned int i;

	for (i = 0; i < kf.nr_out; i++)
		if (!strcmp(kf.out[i].label, label)) {
			kf.out[i].n++;
			return;
		}
	TEST_ASSERT(kf.nr_out < KF_MAX_LABELS, "too many outcome labels");
	snprintf(kf.label_buf[kf.nr_out], sizeof(kf.label_buf[0]), "%s", label);
	kf.out[kf.nr_out].label = kf.label_buf[kf.nr_out];
	kf.out[kf.nr_out++].n = 1;
}

static const char *kf_errname(int err)
{
	const char *s = err ? strerrorname_np(err) : "ok";

	return s ? s : "errno?";
}

/* @op's outcome: "op:ok" or "op:EINVAL". */
static void kf_count_op(const char *op, int err)
{
	char label[32];

	snprintf(label, sizeof(label), "%s:%s", op, kf_errname(err));
	kf_count(label);
}

static int kf_open_fds(void)
{
	struct dirent *d;
	DIR *dir = opendir("/proc/self/fd");
	int n = 0;

	TEST_ASSERT(dir, "/proc/self/fd: %s", strerror(errno));
	while ((d = readdir(dir)))
		n += d->d_name[0] != '.';
	closedir(dir);
	return n - 1;	/* the directory's own */
}

/* Everything the test opened, it closed. */
static void kf_assert_no_leaks(void)
{
	int n = kf_open_fds();

	KF_ASSERT(n == kf.fds, "%d fds open at the end, %d at the start", n,
		  kf.fds);
}

/*
 * The stream of test @name: the seed mixed with the name, so that one
 * test replays alone, whatever the others drew.
 */
static void kf_begin(const char *name, unsigned int default_iters)
{
	uint64_t h = 0xcbf29ce484222325ull, x;
	const char *p;

	for (p = name; *p; p++)
		h = (h ^ (uint8_t)*p) * 0x100000001b3ull;
	x = kf_seed ^ h;
	kf.s = kt_splitmix64(&x) | 1;
	kf.name = name;
	kf.iters = kf_iters_env ?: default_iters;
	clock_gettime(CLOCK_MONOTONIC, &kf.start);
	kf.fds = kf_open_fds();
	ksft_print_msg("%s: seed 0x%llx, %u iterations\n", name,
		       (unsigned long long)kf_seed, kf.iters);
}

static void kf_end(void)
{
	struct timespec now;
	char line[1024];
	size_t len;
	unsigned int i;

	clock_gettime(CLOCK_MONOTONIC, &now);
	len = snprintf(line, sizeof(line), "%s: %u iterations in %.1f s:",
		       kf.name, kf.iter, now.tv_sec - kf.start.tv_sec +
		       (now.tv_nsec - kf.start.tv_nsec) / 1e9);
	for (i = 0; i < kf.nr_out && len < sizeof(line); i++)
		len += snprintf(line + len, sizeof(line) - len, "%s %s %u",
				i ? "," : "", kf.out[i].label, kf.out[i].n);
	ksft_print_msg("%s\n", line);
}

/* ---- what to draw ---- */

#define KF_NS		((uint64_t)SMCCC_RET_NOT_SUPPORTED)
#define KF_WA_1		0x80008000u
#define KF_WA_2		0x80007fffu
#define KF_WA_3		0x80003fffu
#define KF_PSCI0_1	0x95c1ba5eu	/* KVM's own PSCI 0.1 IDs, four */
#define KF_INSN_HVC	0xd4000002u
#define KF_INSN_SMC	0xd4000003u
#define KF_INSN_RET	0xd65f03c0u

static const uint32_t kf_special_ids[] = {
	0x80000000, 0x80000001, 0x80000002, KF_WA_1, KF_WA_2, KF_WA_3,
	0x8000ffff, 0xc0000000, 0x84000000, 0x84000001, 0x84000050,
	0x84000051, 0xc4000053, 0x84000020, 0xc5000020, 0xc5000021,
	0x86000000, 0x8600ff01, 0x86000001, 0xc6000001, 0x83000042,
	0xc3000042, 0x82000001, 0xc2000001, 0xb0000000, 0xbf00ff01,
	0x81000000, 0x00000000, 0xffffffff, KF_PSCI0_1, KF_PSCI0_1 + 3,
};

static uint64_t kf_any_u64(void)
{
	switch (kf_below(4)) {
	case 0:
		return kf_below(16);
	case 1:
		return (uint32_t)kf_rand();
	case 2:
		return ~0ull - kf_below(4);
	default:
		return kf_rand();
	}
}

/* An SMCCC function ID of any owner and convention. */
static uint32_t kf_smccc_id(void)
{
	static const uint8_t owners[] = { 0, 1, 2, 3, 4, 5, 6, 48, 49, 50, 63 };
	uint32_t owner = kf_chance(90) ? owners[kf_below(ARRAY_SIZE(owners))] :
					 kf_below(64);
	uint32_t id = owner << 24;

	if (kf_chance(90))
		id |= ARM_SMCCC_FAST_CALL << 31;
	if (kf_chance(50))
		id |= ARM_SMCCC_SMC_64 << 30;
	/* bits 23:16, which SMCCC reserves as zero */
	if (kf_chance(10))
		id |= kf_below(256) << 16;
	id |= kf_chance(50) ? kf_below(0x60) : kf_below(0x10000);
	return id;
}

/* The ranges the policy's rules and the VM's filter cover. */
struct kf_range {
	uint64_t lo, hi;
};

static uint64_t kf_in_range(const struct kf_range *r)
{
	uint64_t span = r->hi - r->lo;

	return r->lo + (span == ~0ull ? kf_rand() : kf_rand() % (span + 1));
}

/*
 * x0 of a call: in one of @ranges, an SMCCC ID (perhaps with junk in the
 * upper half, which an SMCCC call ignores), a known ID, or anything.
 */
static uint64_t kf_gen_x0(const struct kf_range *ranges, unsigned int nr)
{
	uint64_t x0;

	switch (kf_below(20)) {
	case 0 ... 8:
		if (nr)
			return kf_in_range(&ranges[kf_below(nr)]);
		fallthrough;
	case 9 ... 13:
		x0 = kf_smccc_id();
		if (kf_chance(25))
			x0 |= kf_rand() << 32;
		return x0;
	case 14 ... 16:
		x0 = kf_special_ids[kf_below(ARRAY_SIZE(kf_special_ids))];
		if (kf_chance(10))
			x0 |= kf_rand() << 32;
		return x0;
	default:
		return kf_rand();
	}
}

/* Immediates that are edges: the lowest, the highest, one bit. */
static const uint32_t kf_imms[] = { 1, 0x42, 0xffff, 0x8000 };

static uint32_t kf_pick_u32(const uint32_t *v, unsigned int n)
{
	return v[kf_below(n)];
}

/* An immediate an HVC/SMC can encode, often one a rule asks for. */
static uint32_t kf_gen_imm(const struct kf_rules *rules)
{
	switch (kf_below(10)) {
	case 0 ... 4:
		return 0;
	case 5 ... 6:
		if (rules->nr) {
			const struct kf_rule *r = &rules->r[kf_below(rules->nr)];

			if (r->imm_mode == KF_IMM_EQ)
				return r->imm;
		}
		fallthrough;
	case 7:
		return kf_pick_u32(kf_imms, ARRAY_SIZE(kf_imms));
	default:
		return kf_below(0x10000);
	}
}

/* ---- the rules and their model ---- */

static void kf_rule_random(struct kf_rule *r)
{
	uint64_t width;
	int i;

	memset(r, 0, sizeof(*r));
	r->verdict = kf_below(KVM_TRAP_NR_VERDICTS);
	r->conduit = kf_chance(50) ? 0 : 1 + kf_below(2);
	/* Half of the rules take any immediate, so that they match often. */
	r->imm_mode = kf_chance(50) ? KF_IMM_ANY : 1 + kf_below(3);
	if (r->imm_mode == KF_IMM_EQ)
		r->imm = kf_chance(50) ? kf_pick_u32(kf_imms, ARRAY_SIZE(kf_imms)) :
					 kf_below(0x10000);
	if (kf_chance(5)) {
		r->lo = 0;
		r->hi = ~0ull;
	} else {
		r->lo = kf_chance(85) ? kf_smccc_id() : kf_rand();
		width = 1ull << kf_below(20);
		r->hi = r->lo + kf_below(width);
		if (r->hi < r->lo)
			r->hi = ~0ull;
	}
	r->mix = kf_below(2);
	for (i = 0; i < 4; i++)
		r->ret[i] = kf_any_u64();
}

static void kf_rules_random(struct kf_rules *rules)
{
	unsigned int i;

	rules->nr = 1 + kf_below(KF_NR_RULES);
	for (i = 0; i < KF_NR_RULES; i++)
		kf_rule_random(&rules->r[i]);
}

/*
 * What kvmtrap_fuzz.bpf.c returns for @ctx, and ret[0..3] as it leaves
 * them in @ret (from @ctx when it does not answer).
 */
static uint32_t kf_model(const struct kf_rules *rules,
			 const struct kvm_trap_ctx *ctx, uint64_t ret[4])
{
	const struct kf_rule *r;
	unsigned int i;
	uint64_t m;

	memcpy(ret, ctx->ret, 4 * sizeof(ret[0]));
	for (i = 0; i < KF_NR_RULES && i < rules->nr; i++) {
		r = &rules->r[i];
		if (r->conduit && r->conduit != ctx->conduit)
			continue;
		if ((r->imm_mode == KF_IMM_EQ && ctx->imm != r->imm) ||
		    (r->imm_mode == KF_IMM_NONZERO && !ctx->imm) ||
		    (r->imm_mode == KF_IMM_ZERO && ctx->imm))
			continue;
		if (ctx->func_id < r->lo || ctx->func_id > r->hi)
			continue;
		if (r->verdict == KVM_TRAP_HANDLED) {
			m = r->mix ? ~0ull : 0;
			ret[0] = r->ret[0] ^ (ctx->func_id & m);
			ret[1] = r->ret[1] ^ (ctx->args[0] & m);
			ret[2] = r->ret[2] ^ (ctx->args[1] & m);
			ret[3] = r->ret[3] ^ (((uint64_t)ctx->imm |
					       (uint64_t)ctx->conduit << 16 |
					       ctx->args[6] << 20) & m);
		}
		return r->verdict <= KVM_TRAP_UNDEF ? r->verdict : KVM_TRAP_PASS;
	}
	return KVM_TRAP_PASS;
}

/* ---- a VM with the fuzz policy, a code page and an SMCCC filter ---- */

struct kf_filter {
	uint32_t base, nr;
	uint8_t action;
};

#define KF_ENV_LINKS 2

struct kf_env {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct kvmtrap_fuzz *skel;	/* the first program's */
	/* The links, in attach order: the first non-PASS verdict wins. */
	struct {
		struct kvmtrap_fuzz *skel;
		struct bpf_link *link;
		uint32_t link_id, prog_id;
	} p[KF_ENV_LINKS];
	bool fwd;			/* KVM_TRAP_ENABLE_FORWARD */
	struct kvm_trap_native_list *native;
	uint32_t *code;			/* the call and a ret, host view */
	struct kf_filter filter[2];
	unsigned int nr_filters;
};

/* The guest's view of the code page: where the call is. */
static vm_vaddr_t kf_code;

/*
 * The guest: x0..x7 from guest_req, a branch to the code page that holds
 * the call and a ret, x0..x7 to guest_res.  The VMM rewrote the call
 * since the last run, so the guest drops what its instruction cache may
 * still hold first.  An UNDEF is taken at the call; the handler of
 * kvmtrap_vm.h records it and resumes at the ret.
 */
static void kf_guest_main(void)
{
	const struct kt_call *c = &guest_req;
	struct kt_regs *r = &guest_res;

	for (;;) {
		asm volatile("ic iallu\n\tdsb ish\n\tisb" ::: "memory");
		guest_undef.count = 0;
		asm volatile("ldp	x0, x1, [%[in]]\n"
			     "ldp	x2, x3, [%[in], #16]\n"
			     "ldp	x4, x5, [%[in], #32]\n"
			     "ldp	x6, x7, [%[in], #48]\n"
			     "blr	%[code]\n"
			     "stp	x0, x1, [%[out]]\n"
			     "stp	x2, x3, [%[out], #16]\n"
			     "stp	x4, x5, [%[out], #32]\n"
			     "stp	x6, x7, [%[out], #48]\n"
			     : : [in] "r" (c->x), [out] "r" (r->x),
			       [code] "r" (kf_code)
			     : "x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7",
			       "x30", "memory");
		r->pc = kf_code;
		r->undef_count = guest_undef.count;
		r->undef_elr = guest_undef.elr;
		r->undef_esr = guest_undef.esr;
		GUEST_SYNC(0);
	}
}

static struct kvm_trap_native_list *kf_native_list(struct kvm_vm *vm)
{
	struct kvm_trap_native_list hdr = {}, *l;
	int r, err;

	r = ioctl(vm->fd, KVM_TRAP_NATIVE_LIST, &hdr);
	err = errno;
	KF_ASSERT(r < 0 && err == E2BIG && hdr.nr,
		  "KVM_TRAP_NATIVE_LIST with no room: %d, %s, nr %u", r,
		  kf_errname(err), hdr.nr);
	l = calloc(1, sizeof(*l) + hdr.nr * sizeof(l->ranges[0]));
	TEST_ASSERT(l, "calloc");
	l->nr = hdr.nr;
	r = ioctl(vm->fd, KVM_TRAP_NATIVE_LIST, l);
	err = errno;
	KF_ASSERT(!r && l->nr == hdr.nr, "KVM_TRAP_NATIVE_LIST: %d, %s, nr %u of %u",
		  r, kf_errname(err), l->nr, hdr.nr);
	return l;
}

/* The ranges are in order, apart, and describe only what arm64 has. */
static void kf_assert_list_sane(const struct kvm_trap_native_list *l)
{
	const struct kvm_trap_range *a, *b;
	uint32_t i;

	for (i = 0; i < l->nr; i++) {
		a = &l->ranges[i];
		KF_ASSERT((a->conduit == KVM_TRAP_CONDUIT_HVC ||
			   a->conduit == KVM_TRAP_CONDUIT_SMC) &&
			  !(a->flags & ~KVM_TRAP_RANGE_EL2) &&
			  a->first <= a->last && a->last <= 0xffffffffull,
			  "range %u: conduit %u flags 0x%x 0x%llx..0x%llx", i,
			  a->conduit, a->flags, a->first, a->last);
		if (!i)
			continue;
		b = &l->ranges[i - 1];
		KF_ASSERT(b->conduit < a->conduit ||
			  (b->conduit == a->conduit && b->last < a->first),
			  "ranges %u (%u 0x%llx..0x%llx) and %u (%u 0x%llx..0x%llx) overlap or are out of order",
			  i - 1, b->conduit, b->first, b->last, i, a->conduit,
			  a->first, a->last);
	}
}

static bool kf_listed(const struct kvm_trap_native_list *l, uint32_t conduit,
		      uint32_t id)
{
	uint32_t i;

	for (i = 0; i < l->nr; i++)
		if (l->ranges[i].conduit == conduit &&
		    l->ranges[i].first <= id && id <= l->ranges[i].last)
			return true;
	return false;
}

/* Two filter ranges, DENY and FWD_TO_USER, away from the arch range. */
static void kf_filters_random(struct kf_env *e)
{
	static const uint8_t owners[] = { 1, 2, 3, 5, 6, 48, 50, 63 };
	static const uint8_t actions[] = { KVM_SMCCC_FILTER_DENY,
					   KVM_SMCCC_FILTER_FWD_TO_USER };
	struct kvm_smccc_filter f = {};
	unsigned int i;
	int r;

	for (i = 0; i < ARRAY_SIZE(actions); i++) {
		f.base = ARM_SMCCC_FAST_CALL << 31 |
			 (kf_below(2) ? ARM_SMCCC_SMC_64 << 30 : 0) |
			 owners[kf_below(ARRAY_SIZE(owners))] << 24 |
			 kf_below(0x100);
		f.nr_functions = 1 + kf_below(32);
		f.action = actions[i];
		r = __kvm_device_attr_set(e->vm->fd, KVM_ARM_VM_SMCCC_CTRL,
					  KVM_ARM_VM_SMCCC_FILTER, &f);
		/* EEXIST: it overlaps the first; a VM with one will do. */
		KF_ASSERT(!r || errno == EEXIST,
			  "SMCCC filter 0x%x+%u action %u: %s", f.base,
			  f.nr_functions, f.action, strerror(errno));
		if (r)
			continue;
		e->filter[e->nr_filters++] = (struct kf_filter) {
			f.base, f.nr_functions, f.action,
		};
	}
}

/*
 * Hide a random subset of the services the firmware bitmaps describe
 * (TRNG, PV time, the KVM vendor services): hidden ones are no longer
 * native for this VM and reach the programs.  Only before the VM runs.
 */
static void kf_bitmaps_random(struct kvm_vcpu *vcpu)
{
	static const uint64_t regs[] = { KVM_REG_ARM_STD_BMAP,
					 KVM_REG_ARM_STD_HYP_BMAP,
					 KVM_REG_ARM_VENDOR_HYP_BMAP };
	uint64_t v;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(regs); i++) {
		vcpu_get_reg(vcpu, regs[i], &v);
		if (kf_chance(50))
			vcpu_set_reg(vcpu, regs[i], v & kf_rand());
	}
}

static int kf_filter_action(const struct kf_env *e, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < e->nr_filters; i++)
		if (id - e->filter[i].base < e->filter[i].nr)
			return e->filter[i].action;
	return -1;
}

/* Two instances of the program, each with its own rules, linked in turn. */
static void kf_env_links(struct kf_env *e)
{
	struct bpf_link_info info;
	__u32 len;
	int i, r;

	for (i = 0; i < KF_ENV_LINKS; i++) {
		e->p[i].skel = kvmtrap_fuzz__open_and_load();
		if (!e->p[i].skel)
			kt_fail_errno("kvmtrap_fuzz__open_and_load", errno);
		kf_rules_random(&e->p[i].skel->bss->rules);
		e->p[i].link = bpf_program__attach_kvm_trap(e->p[i].skel->progs.fuzz,
							    e->vm->fd);
		if (!e->p[i].link)
			kt_fail_errno("bpf_program__attach_kvm_trap", errno);
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		r = bpf_link_get_info_by_fd(bpf_link__fd(e->p[i].link), &info,
					    &len);
		TEST_ASSERT(!r, "bpf_link_get_info_by_fd: %s", strerror(errno));
		e->p[i].link_id = info.id;
		e->p[i].prog_id = info.prog_id;
	}
	e->skel = e->p[0].skel;
}

/* One rule of one of the programs changes, while linked. */
static void kf_env_reroll(struct kf_env *e)
{
	struct kf_rules *rules = &e->p[kf_below(KF_ENV_LINKS)].skel->bss->rules;

	kf_rule_random(&rules->r[kf_below(KF_NR_RULES)]);
}

/* The rules of one of the programs. */
static const struct kf_rules *kf_env_rules(const struct kf_env *e)
{
	return &e->p[kf_below(KF_ENV_LINKS)].skel->bss->rules;
}

static void kf_env_init(struct kf_env *e, bool filters)
{
	memset(e, 0, sizeof(*e));
	e->vm = kt_create_vm_n(1, &e->vcpu, kf_guest_main);
	kf_code = vm_vaddr_alloc_page(e->vm);
	e->code = addr_gva2hva(e->vm, kf_code);
	sync_global_to_guest(e->vm, kf_code);
	if (filters) {
		kf_filters_random(e);
		kf_bitmaps_random(e->vcpu);
	}

	kf_env_links(e);
	/* The filter is in place and the VM has not run: the list is fixed. */
	e->native = kf_native_list(e->vm);
	kf_assert_list_sane(e->native);
}

static void kf_env_free(struct kf_env *e)
{
	free(e->native);
	int i;

	for (i = 0; i < KF_ENV_LINKS; i++) {
		bpf_link__destroy(e->p[i].link);
		kvmtrap_fuzz__destroy(e->p[i].skel);
	}
	kvm_vm_free(e->vm);
}

static void kf_env_accept_forwards(struct kf_env *e)
{
	kt_accept_forwards(e->vm);
	e->fwd = true;
}

/* The ranges x0 is often drawn from: the rules', the filter's. */
static unsigned int kf_env_ranges(const struct kf_env *e,
				  struct kf_range *ranges)
{
	const struct kf_rules *rules;
	unsigned int i, j, n = 0;

	for (j = 0; j < KF_ENV_LINKS; j++) {
		rules = &e->p[j].skel->bss->rules;
		for (i = 0; i < rules->nr; i++)
			ranges[n++] = (struct kf_range) { rules->r[i].lo,
							  rules->r[i].hi };
	}
	for (i = 0; i < e->nr_filters; i++)
		ranges[n++] = (struct kf_range) {
			e->filter[i].base,
			e->filter[i].base + e->filter[i].nr - 1,
		};
	return n;
}

/* ---- the model of KVM_TRAP_QUERY ---- */

struct kf_expect {
	uint32_t stage, verdict, out_flags;
	uint32_t raw;		/* the program's own verdict (STAGE_BPF) */
	uint32_t link_id, prog_id;	/* of the deciding link */
	uint64_t ret[4];
	bool maybe_native;	/* KVM may also take it as native */
};

static void kf_expect_ret(struct kf_expect *x, uint64_t r0, uint64_t r1,
			  uint64_t r2, uint64_t r3)
{
	x->out_flags |= KVM_TRAP_QUERY_RET;
	x->ret[0] = r0;
	x->ret[1] = r1;
	x->ret[2] = r2;
	x->ret[3] = r3;
}

/* The programs' decision on @q with immediate @imm; false: all passed. */
static bool kf_expect_bpf(const struct kf_env *e, const struct kvm_trap_query *q,
			  uint32_t imm, struct kf_expect *x)
{
	struct kvm_trap_query qq = *q;
	struct kvm_trap_ctx ctx;
	uint32_t v = KVM_TRAP_PASS;
	uint64_t ret[4], m;
	int r, i;

	qq.imm = imm;
	r = kvmtrap_ctx_from_call(&qq, &ctx);
	KF_ASSERT(!r, "kvmtrap_ctx_from_call refused a valid call: %d", r);
	for (i = 0; i < KF_ENV_LINKS && v == KVM_TRAP_PASS; i++) {
		v = kf_model(&e->p[i].skel->bss->rules, &ctx, ret);
		x->link_id = e->p[i].link_id;
		x->prog_id = e->p[i].prog_id;
	}
	if (v == KVM_TRAP_PASS) {
		x->link_id = x->prog_id = 0;
		return false;
	}
	m = kvmtrap_ctx_ret_mask(&ctx);
	x->stage = KVM_TRAP_STAGE_BPF;
	x->verdict = x->raw = v;
	if (v == KVM_TRAP_FORWARD && !e->fwd) {
		x->verdict = KVM_TRAP_DENY;
		x->out_flags |= KVM_TRAP_QUERY_REFUSED;
	}
	if (x->verdict == KVM_TRAP_HANDLED)
		kf_expect_ret(x, ret[0] & m, ret[1] & m, ret[2] & m, ret[3] & m);
	else if (x->verdict == KVM_TRAP_DENY)
		kf_expect_ret(x, KF_NS, 0, 0, 0);
	return true;
}

static bool kf_is_arch(uint32_t id)
{
	return ARM_SMCCC_IS_FAST_CALL(id) &&
	       ARM_SMCCC_OWNER_NUM(id) == ARM_SMCCC_OWNER_ARCH;
}

/*
 * The decision of section 1 of the API for a valid query @q: the EL2 fast
 * path, a call with an immediate offered first, the filter, the native
 * services (the native list, or unknown for IDs with bits 23:16 set,
 * which the list leaves out), the architecture range, the programs.
 */
static struct kf_expect kf_expect(const struct kf_env *e,
				  const struct kvm_trap_query *q)
{
	bool hvc = q->conduit == KVM_TRAP_CONDUIT_HVC;
	uint32_t w0 = q->regs[0];
	struct kf_expect x = {};
	int action;

	if (hvc && (w0 == KF_WA_1 || w0 == KF_WA_2 || w0 == KF_WA_3)) {
		x.stage = KVM_TRAP_STAGE_NATIVE;
		x.verdict = KVM_TRAP_HANDLED;
		x.out_flags = KVM_TRAP_QUERY_EL2;
		kf_expect_ret(&x, 0, 0, q->regs[2], q->regs[3]);
		return x;
	}
	if (q->imm) {
		if (kf_expect_bpf(e, q, q->imm, &x))
			return x;
		if (!hvc) {
			x.stage = KVM_TRAP_STAGE_DEFAULT;
			x.verdict = KVM_TRAP_DENY;
			kf_expect_ret(&x, ~0ull, q->regs[1], q->regs[2],
				      q->regs[3]);
			return x;
		}
	}
	action = kf_filter_action(e, w0);
	if (action == KVM_SMCCC_FILTER_DENY) {
		x.stage = KVM_TRAP_STAGE_FILTER;
		x.verdict = KVM_TRAP_DENY;
		kf_expect_ret(&x, KF_NS, 0, 0, 0);
		return x;
	}
	if (action == KVM_SMCCC_FILTER_FWD_TO_USER) {
		x.stage = KVM_TRAP_STAGE_FILTER;
		x.verdict = KVM_TRAP_FORWARD;
		return x;
	}
	if (kf_listed(e->native, q->conduit, w0)) {
		x.stage = KVM_TRAP_STAGE_NATIVE;
		x.verdict = KVM_TRAP_HANDLED;
		return x;
	}
	x.maybe_native = w0 & 0x00ff0000;
	if (!q->imm && !kf_is_arch(w0) && kf_expect_bpf(e, q, 0, &x))
		return x;
	x.stage = KVM_TRAP_STAGE_DEFAULT;
	x.verdict = KVM_TRAP_DENY;
	kf_expect_ret(&x, KF_NS, 0, 0, 0);
	return x;
}

static const char *kf_stage_str(uint32_t stage)
{
	static const char * const s[] = { "0", "filter", "native", "bpf",
					   "default" };

	return stage < ARRAY_SIZE(s) ? s[stage] : "?";
}

static const char *kf_verdict_str(uint32_t v)
{
	static const char * const s[] = { "pass", "handled", "forward",
					   "deny", "undef" };

	return v < ARRAY_SIZE(s) ? s[v] : "?";
}

#define KF_Q_FMT "conduit %u flags 0x%x imm 0x%x vcpu %u x0 0x%llx x1 0x%llx x2 0x%llx x3 0x%llx x6 0x%llx"
#define KF_Q_ARGS(q) (q)->conduit, (q)->flags, (q)->imm, (q)->vcpu_id,	\
	(q)->regs[0], (q)->regs[1], (q)->regs[2], (q)->regs[3], (q)->regs[6]

/*
 * A successful query's answer: sane in itself, and the one the model
 * gives.  Returns the model's answer.
 */
static struct kf_expect kf_check_answer(const struct kf_env *e,
					const struct kvm_trap_query *q)
{
	struct kf_expect x = kf_expect(e, q);
	int i;

	KF_ASSERT(q->stage >= KVM_TRAP_STAGE_FILTER &&
		  q->stage <= KVM_TRAP_STAGE_DEFAULT &&
		  q->verdict < KVM_TRAP_NR_VERDICTS && !q->pad &&
		  !(q->out_flags & ~(KVM_TRAP_QUERY_RET | KVM_TRAP_QUERY_EL2 |
				     KVM_TRAP_QUERY_REFUSED)),
		  "insane answer: stage %u verdict %u out_flags 0x%x pad %u; " KF_Q_FMT,
		  q->stage, q->verdict, q->out_flags, q->pad, KF_Q_ARGS(q));
	KF_ASSERT(q->stage == KVM_TRAP_STAGE_BPF || (!q->link_id && !q->prog_id),
		  "stage %s with link %u prog %u; " KF_Q_FMT,
		  kf_stage_str(q->stage), q->link_id, q->prog_id, KF_Q_ARGS(q));
	for (i = 0; i < KVM_TRAP_QUERY_NR_REGS; i++)
		KF_ASSERT((i < 4 && (q->out_flags & KVM_TRAP_QUERY_RET)) ||
			  !q->ret[i],
			  "ret[%d] = 0x%llx, out_flags 0x%x; " KF_Q_FMT, i,
			  q->ret[i], q->out_flags, KF_Q_ARGS(q));

	if (x.maybe_native && q->stage == KVM_TRAP_STAGE_NATIVE) {
		KF_ASSERT(q->verdict == KVM_TRAP_HANDLED && !q->out_flags,
			  "native with verdict %u out_flags 0x%x; " KF_Q_FMT,
			  q->verdict, q->out_flags, KF_Q_ARGS(q));
		x = (struct kf_expect) { KVM_TRAP_STAGE_NATIVE, KVM_TRAP_HANDLED };
		return x;
	}
	if (q->stage == KVM_TRAP_STAGE_BPF && q->link_id == e->p[1].link_id)
		kf_count("link2_decided");
	KF_ASSERT(q->stage != KVM_TRAP_STAGE_BPF ||
		  (q->link_id == x.link_id && q->prog_id == x.prog_id),
		  "decided by link %u prog %u, expected %u %u; " KF_Q_FMT,
		  q->link_id, q->prog_id, x.link_id, x.prog_id, KF_Q_ARGS(q));
	KF_ASSERT(q->stage == x.stage && q->verdict == x.verdict &&
		  q->out_flags == x.out_flags,
		  "stage %s verdict %s out_flags 0x%x, expected %s %s 0x%x; " KF_Q_FMT,
		  kf_stage_str(q->stage), kf_verdict_str(q->verdict),
		  q->out_flags, kf_stage_str(x.stage),
		  kf_verdict_str(x.verdict), x.out_flags, KF_Q_ARGS(q));
	for (i = 0; i < 4; i++)
		KF_ASSERT(q->ret[i] == ((x.out_flags & KVM_TRAP_QUERY_RET) ?
					x.ret[i] : 0),
			  "ret[%d] = 0x%llx, expected 0x%lx (stage %s verdict %s); " KF_Q_FMT,
			  i, q->ret[i], x.ret[i], kf_stage_str(x.stage),
			  kf_verdict_str(x.verdict), KF_Q_ARGS(q));
	return x;
}

/* ---- 1. KVM_TRAP_QUERY ---- */

/* A page of @prot followed by an inaccessible one: its end faults. */
static uint8_t *kf_guarded_page(int prot)
{
	long page = getpagesize();
	uint8_t *p;

	p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	TEST_ASSERT(!mprotect(p + page, page, PROT_NONE), "mprotect");
	if (prot != (PROT_READ | PROT_WRITE))
		TEST_ASSERT(!mprotect(p, page, prot), "mprotect");
	return p;
}

static void kf_unmap_guarded(uint8_t *p)
{
	munmap(p, 2 * getpagesize());
}

static uint32_t kf_gen_conduit(void)
{
	if (kf_chance(85))
		return KVM_TRAP_CONDUIT_HVC + kf_below(2);
	return kf_chance(50) ? kf_below(6) : (uint32_t)kf_rand();
}

static void kf_gen_query(const struct kf_env *e, struct kvm_trap_query *q)
{
	struct kf_range ranges[KF_ENV_LINKS * KF_NR_RULES + 2];
	unsigned int n = kf_env_ranges(e, ranges), i;

	memset(q, 0, sizeof(*q));
	q->conduit = kf_gen_conduit();
	switch (kf_below(10)) {
	case 0 ... 6:
		break;
	case 7 ... 8:
		q->flags = KVM_TRAP_QUERY_AARCH32;
		break;
	default:
		q->flags = kf_rand();
	}
	switch (kf_below(10)) {
	case 0 ... 8:
		q->imm = kf_gen_imm(kf_env_rules(e));
		break;
	default:
		q->imm = kf_chance(50) ? 0x10000 + kf_below(0x10000) :
					 (uint32_t)kf_rand();
	}
	if (q->conduit == KVM_TRAP_CONDUIT_SMC &&
	    (q->flags & KVM_TRAP_QUERY_AARCH32) && kf_chance(80))
		q->imm = 0;
	q->vcpu_id = kf_chance(50) ? kf_below(4) : kf_rand();
	q->regs[0] = kf_gen_x0(ranges, n);
	for (i = 1; i < 8; i++)
		q->regs[i] = kf_any_u64();
	if (kf_chance(4))
		q->regs[8 + kf_below(2)] = kf_rand() | 1;
	/* A non-zero out field on entry, now and then. */
	if (kf_chance(4)) {
		uint8_t *out = (uint8_t *)&q->stage;
		size_t size = sizeof(*q) - offsetof(struct kvm_trap_query, stage);

		out[kf_below(size)] = 1 + kf_below(255);
	}
}

/* What the API refuses, section 8; nothing else may fail. */
static bool kf_query_invalid(const struct kvm_trap_query *q)
{
	const uint8_t *out = (const uint8_t *)&q->stage;
	size_t size = sizeof(*q) - offsetof(struct kvm_trap_query, stage), i;

	if ((q->flags & ~KVM_TRAP_QUERY_AARCH32) ||
	    (q->conduit != KVM_TRAP_CONDUIT_HVC &&
	     q->conduit != KVM_TRAP_CONDUIT_SMC) ||
	    q->regs[8] || q->regs[9] || q->imm > 0xffff ||
	    (q->imm && q->conduit == KVM_TRAP_CONDUIT_SMC &&
	     (q->flags & KVM_TRAP_QUERY_AARCH32)))
		return true;
	for (i = 0; i < size; i++)
		if (out[i])
			return true;
	return false;
}

/* An ioctl of kvmtrap's type that is neither of its two. */
static void kf_query_bad_cmd(struct kf_env *e, uint8_t *buf, size_t size)
{
	unsigned long cmd;
	int r, err;

	do {
		cmd = _IOC(kf_below(4), KVM_TRAP_IOC,
			   kf_chance(70) ? kf_below(4) : kf_below(256),
			   kf_chance(50) ? sizeof(struct kvm_trap_query) +
					   kf_below(16) - 8 :
					   kf_below(size));
	} while (cmd == KVM_TRAP_QUERY || cmd == KVM_TRAP_NATIVE_LIST);
	memset(buf, 0, size);
	r = ioctl(e->vm->fd, cmd, kf_chance(20) ? NULL : buf);
	err = errno;
	KF_ASSERT(r < 0 && (err == ENOTTY || err == EINVAL || err == EFAULT),
		  "ioctl 0x%lx on the VM fd: %d, %s", cmd, r, kf_errname(err));
	kf_count_op("badcmd", err);
}

static void test_fuzz_query(void)
{
	long page = getpagesize();
	uint8_t *rw = kf_guarded_page(PROT_READ | PROT_WRITE);
	uint8_t *ro = kf_guarded_page(PROT_READ);
	uint8_t *big = calloc(1, 1 << 14);
	struct kvm_trap_query q, in, *p;
	bool invalid, fault, ro_out;
	char label[32];
	struct kf_expect x;
	struct kf_env e;
	int r, err;

	kf_begin(__func__, 20000);
	TEST_ASSERT(big, "calloc");
	kf_env_init(&e, true);
	for (kf.iter = 0; kf.iter < kf.iters; kf.iter++) {
		/* Half way, the VMM opts in to forwards (sticky). */
		if (kf.iter == kf.iters / 2)
			kf_env_accept_forwards(&e);
		if (kf_chance(2))
			kf_env_reroll(&e);
		if (kf_chance(3)) {
			kf_query_bad_cmd(&e, big, 1 << 14);
			continue;
		}

		kf_gen_query(&e, &q);
		in = q;
		invalid = kf_query_invalid(&q);
		fault = ro_out = false;
		p = &q;
		switch (kf_below(40)) {
		case 0:
			p = NULL;
			fault = true;
			break;
		case 1:
			p = (void *)(rw + page);
			fault = true;
			break;
		case 2:
			/* straddles the guard page: the copy in faults */
			p = (void *)(rw + page - sizeof(q) + 8 * (1 + kf_below(8)));
			fault = true;
			break;
		case 3:
			/* readable, not writable: the answer cannot go back */
			p = (void *)(ro + page - sizeof(q));
			TEST_ASSERT(!mprotect(ro, page, PROT_READ | PROT_WRITE), "mprotect");
			*p = q;
			TEST_ASSERT(!mprotect(ro, page, PROT_READ), "mprotect");
			ro_out = true;
			break;
		}
		r = ioctl(e.vm->fd, KVM_TRAP_QUERY, p);
		err = r ? errno : 0;
		kf_count_op("query", err);
		if (fault || (ro_out && !invalid)) {
			KF_ASSERT(r < 0 && err == EFAULT,
				  "query at %p (%s): %d, %s, expected EFAULT; " KF_Q_FMT,
				  p, ro_out ? "read-only" : "unmapped", r,
				  kf_errname(err), KF_Q_ARGS(&in));
			continue;
		}
		if (invalid) {
			KF_ASSERT(r < 0 && err == EINVAL,
				  "invalid query: %d, %s, expected EINVAL; " KF_Q_FMT " regs[8..9] 0x%llx 0x%llx",
				  r, kf_errname(err), KF_Q_ARGS(&in), in.regs[8],
				  in.regs[9]);
			KF_ASSERT(!memcmp(p, &in, sizeof(in)),
				  "a refused query changed its structure");
			continue;
		}
		KF_ASSERT(!r, "valid query: %s; " KF_Q_FMT, kf_errname(err),
			  KF_Q_ARGS(&in));
		KF_ASSERT(!memcmp(&q, &in, offsetof(struct kvm_trap_query, stage)),
			  "the query changed its inputs; " KF_Q_FMT, KF_Q_ARGS(&in));
		x = kf_check_answer(&e, &q);
		/* The same question, the same answer: a query changes nothing. */
		if (kf_chance(10)) {
			struct kvm_trap_query again = in;

			r = ioctl(e.vm->fd, KVM_TRAP_QUERY, &again);
			err = r ? errno : 0;
			KF_ASSERT(!r && !memcmp(&again, &q, sizeof(q)),
				  "the query again: %s, answer %s; " KF_Q_FMT,
				  kf_errname(err), r ? "none" :
				  memcmp(&again, &q, sizeof(q)) ? "differs" : "same",
				  KF_Q_ARGS(&in));
		}
		snprintf(label, sizeof(label), "stage_%s", kf_stage_str(x.stage));
		kf_count(label);
	}
	kf_end();
	kf_env_free(&e);
	free(big);
	kf_unmap_guarded(rw);
	kf_unmap_guarded(ro);
	kf_assert_no_leaks();
}

/* ---- 2. KVM_TRAP_NATIVE_LIST ---- */

static void test_fuzz_native_list(void)
{
	long page = getpagesize();
	size_t rsz = sizeof(struct kvm_trap_range);
	size_t hsz = sizeof(struct kvm_trap_native_list);
	uint8_t *rw, *ro, *guard;
	static const uint32_t wrapping[] = { 0x80000000, 0x0aaaaaab,
					     0x0aaaaaaa, 0x10000000 };
	struct kvm_trap_native_list *ref, *l;
	uint32_t n, nr, pad, room, j;
	bool fault, ro_buf;
	size_t bytes, k;
	struct kf_env e;
	int r, err, pages;

	kf_begin(__func__, 10000);
	kf_env_init(&e, true);
	ref = e.native;
	n = ref->nr;
	/* Enough pages for the whole list and a few more entries. */
	pages = (hsz + (n + 4) * rsz + page - 1) / page;
	rw = mmap(NULL, (pages + 1) * page, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(rw != MAP_FAILED, "mmap");
	guard = rw + pages * page;
	TEST_ASSERT(!mprotect(guard, page, PROT_NONE), "mprotect");
	ro = kf_guarded_page(PROT_READ);

	for (kf.iter = 0; kf.iter < kf.iters; kf.iter++) {
		switch (kf_below(12)) {
		case 0:
			nr = 0;
			break;
		case 1:
			nr = n - 1;
			break;
		case 2:
			nr = n;
			break;
		case 3:
			nr = n + kf_below(4);
			break;
		case 4:
			nr = 0xffffffff;
			break;
		case 5:
			/* nr * sizeof(range) wraps 32 and 64-bit sizes */
			nr = kf_pick_u32(wrapping, ARRAY_SIZE(wrapping));
			break;
		case 6:
			nr = kf_rand();
			break;
		default:
			nr = kf_below(2 * n + 2);
		}
		pad = kf_chance(90) ? 0 : (uint32_t)kf_rand() | 1;
		/* The room the memory really has before the guard page. */
		room = kf_chance(80) ? min(nr, n + 3) : kf_below(n + 4);
		bytes = hsz + room * rsz;
		l = (void *)(guard - bytes);
		fault = ro_buf = false;
		switch (kf_below(20)) {
		case 0:
			l = NULL;
			fault = true;
			break;
		case 1:
			l = (void *)guard;
			fault = true;
			break;
		case 2:
			l = (void *)(guard - 4);
			fault = true;
			break;
		case 3:
			l = (void *)(ro + page - hsz);
			TEST_ASSERT(!mprotect(ro, page, PROT_READ | PROT_WRITE), "mprotect");
			l->nr = nr;
			l->pad = pad;
			TEST_ASSERT(!mprotect(ro, page, PROT_READ), "mprotect");
			ro_buf = true;
			break;
		default:
			memset(l, 0x5a, bytes);
			l->nr = nr;
			l->pad = pad;
		}
		r = ioctl(e.vm->fd, KVM_TRAP_NATIVE_LIST, l);
		err = r ? errno : 0;
		kf_count_op("list", err);
#define KF_L_FMT "nr %u pad 0x%x room %u at %p (%u ranges)"
#define KF_L_ARGS nr, pad, room, l, n
		if (fault) {
			KF_ASSERT(r < 0 && err == EFAULT,
				  KF_L_FMT " unmapped: %d, %s, expected EFAULT",
				  KF_L_ARGS, r, kf_errname(err));
			continue;
		}
		if (pad) {
			KF_ASSERT(r < 0 && err == EINVAL,
				  KF_L_FMT ": %d, %s, expected EINVAL", KF_L_ARGS,
				  r, kf_errname(err));
			KF_ASSERT(ro_buf || (l->nr == nr && l->pad == pad),
				  KF_L_FMT ": the refused call wrote nr %u pad 0x%x",
				  KF_L_ARGS, l->nr, l->pad);
			continue;
		}
		if (ro_buf) {
			KF_ASSERT(r < 0 && err == EFAULT,
				  KF_L_FMT " read-only: %d, %s, expected EFAULT",
				  KF_L_ARGS, r, kf_errname(err));
			continue;
		}
		KF_ASSERT(l->nr == n && !l->pad,
			  KF_L_FMT ": %d, %s, nr %u pad 0x%x after, expected nr %u",
			  KF_L_ARGS, r, kf_errname(err), l->nr, l->pad, n);
		if (nr < n) {
			KF_ASSERT(r < 0 && err == E2BIG,
				  KF_L_FMT ": %d, %s, expected E2BIG", KF_L_ARGS, r,
				  kf_errname(err));
			for (k = hsz; k < bytes; k++)
				KF_ASSERT(((uint8_t *)l)[k] == 0x5a,
					  KF_L_FMT ": E2BIG, yet byte %zu of the ranges written",
					  KF_L_ARGS, k - hsz);
			continue;
		}
		if (room < n) {
			/* The kernel trusts nr: the ranges run into the guard. */
			KF_ASSERT(r < 0 && err == EFAULT,
				  KF_L_FMT ": %d, %s, expected EFAULT", KF_L_ARGS,
				  r, kf_errname(err));
			continue;
		}
		KF_ASSERT(!r, KF_L_FMT ": %s", KF_L_ARGS, kf_errname(err));
		KF_ASSERT(!memcmp(l->ranges, ref->ranges, n * rsz),
			  KF_L_FMT ": the list differs from the first one",
			  KF_L_ARGS);
		/* Nothing written past the n ranges. */
		for (j = n; j < room; j++)
			for (k = 0; k < rsz; k++)
				KF_ASSERT(((uint8_t *)&l->ranges[j])[k] == 0x5a,
					  KF_L_FMT ": entry %u written", KF_L_ARGS, j);
		kf_assert_list_sane(l);
	}
	kf_end();
	munmap(rw, (pages + 1) * page);
	kf_unmap_guarded(ro);
	kf_env_free(&e);
	kf_assert_no_leaks();
}

/* ---- 3. BPF_PROG_TEST_RUN ---- */

/*
 * An fd number that stays closed: a lower one would be the next fd the
 * test opens.  Far below RLIMIT_NOFILE (1024), far above what it opens.
 */
static int kf_closed_fd(void)
{
	int fd = 900;

	TEST_ASSERT(fcntl(fd, F_GETFD) < 0 && errno == EBADF,
		    "fd %d is open", fd);
	return fd;
}

static int kf_sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/* A socket filter from raw instructions: "return 0". */
static int kf_load_socket_filter(void)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd;

	fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "kf_sock", "GPL",
			   insns, ARRAY_SIZE(insns), NULL);
	if (fd < 0)
		kt_fail_errno("bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER)", errno);
	return fd;
}

static void kf_gen_ctx(const struct kf_rules *rules, struct kvm_trap_ctx *c)
{
	struct kf_range ranges[KF_NR_RULES];
	unsigned int n;
	int i;

	for (n = 0; n < rules->nr; n++)
		ranges[n] = (struct kf_range) { rules->r[n].lo, rules->r[n].hi };

	if (kf_chance(15)) {
		for (i = 0; i < (int)(sizeof(*c) / 8); i++)
			((uint64_t *)c)[i] = kf_rand();
		return;
	}
	c->conduit = kf_chance(90) ? 1 + kf_below(3) : kf_gen_conduit();
	c->flags = kf_chance(90) ? kf_below(KVM_TRAP_F_ALL + 1) : kf_rand();
	c->func_id = kf_gen_x0(ranges, n);
	c->imm = kf_chance(90) ? kf_gen_imm(rules) : kf_rand();
	c->vcpu_id = kf_rand();
	for (i = 0; i < KVM_TRAP_NR_ARGS; i++)
		c->args[i] = kf_any_u64();
	for (i = 0; i < KVM_TRAP_NR_RET; i++)
		c->ret[i] = kf_chance(50) ? (i ? 0 : KF_NS) : kf_any_u64();
}

static void test_fuzz_test_run(void)
{
	const uint32_t csz = sizeof(struct kvm_trap_ctx);
	long page = getpagesize();
	uint8_t *in_pg = kf_guarded_page(PROT_READ | PROT_WRITE);
	uint8_t *out_pg = kf_guarded_page(PROT_READ | PROT_WRITE);
	uint8_t *ro = kf_guarded_page(PROT_READ);
	struct kvm_trap_ctx ctx, want;
	struct kvmtrap_fuzz *skel;
	uint64_t runs, ret[4];
	int prog_fd, closed_fd, r, err, expect;
	uint8_t data[64] = {};
	union bpf_attr a;
	uint32_t v, copy;
	bool ran, out_fault, in_fault;
	char label[32];
	uint8_t *in, *out;

	kf_begin(__func__, 20000);
	skel = kvmtrap_fuzz__open_and_load();
	if (!skel)
		kt_fail_errno("kvmtrap_fuzz__open_and_load", errno);
	kf_rules_random(&skel->bss->rules);
	prog_fd = bpf_program__fd(skel->progs.fuzz);
	closed_fd = kf_closed_fd();

	for (kf.iter = 0; kf.iter < kf.iters; kf.iter++) {
		if (kf_chance(3))
			kf_rule_random(&skel->bss->rules.r[kf_below(KF_NR_RULES)]);
		memset(&ctx, 0, sizeof(ctx));
		kf_gen_ctx(&skel->bss->rules, &ctx);
		memset(&a, 0, sizeof(a));
		a.test.prog_fd = kf_chance(97) ? prog_fd : kf_chance(50) ? closed_fd : -1;
		a.test.ctx_size_in = kf_chance(85) ? csz : kf_below(301);
		/* ctx_in ends at the guard page, or straddles it. */
		in_fault = false;
		in = in_pg + page - max(a.test.ctx_size_in, csz);
		switch (kf_below(30)) {
		case 0:
			in = NULL;
			break;
		case 1:
			in = in_pg + page - 8 * (1 + kf_below(csz / 8 - 1));
			in_fault = true;
			break;
		case 2:
			in = in_pg + page;
			in_fault = true;
			break;
		default:
			break;
		}
		if (in && !in_fault)
			memcpy(in, &ctx, csz);
		if (kf_chance(3))
			a.test.ctx_size_in = 0;
		a.test.ctx_in = (uintptr_t)in;

		/* ctx_out: none, exact, short, long, faulting. */
		out = NULL;
		out_fault = false;
		switch (kf_below(10)) {
		case 0 ... 2:
			a.test.ctx_size_out = kf_chance(90) ? 0 : 1 + kf_below(300);
			break;
		case 3 ... 5:
			a.test.ctx_size_out = csz;
			break;
		default:
			a.test.ctx_size_out = kf_below(301);
		}
		copy = min(a.test.ctx_size_out, csz);
		if (a.test.ctx_size_out || kf_chance(5)) {
			switch (kf_below(20)) {
			case 0:
				out = out_pg + page;
				out_fault = copy;
				break;
			case 1:
				out = ro + page - copy;
				out_fault = copy;
				break;
			case 2:
				out = out_pg + page - copy / 2;
				out_fault = copy / 2 != copy;
				break;
			default:
				out = out_pg + page - copy;
				memset(out, 0xa5, copy);
			}
		}
		a.test.ctx_out = (uintptr_t)out;

		if (kf_chance(5)) {
			switch (kf_below(4)) {
			case 0:
				a.test.data_in = (uintptr_t)data;
				a.test.data_size_in = sizeof(data);
				break;
			case 1:
				a.test.data_size_in = 1 + kf_below(64);
				break;
			case 2:
				a.test.data_out = (uintptr_t)data;
				a.test.data_size_out = sizeof(data);
				break;
			default:
				a.test.data_size_out = 1 + kf_below(64);
			}
		}
		if (kf_chance(4))
			a.test.flags = 1u << kf_below(32);
		if (kf_chance(4))
			a.test.cpu = kf_chance(50) ? 1 : kf_rand();
		if (kf_chance(4))
			a.test.batch_size = 1 + kf_below(64);
		a.test.repeat = kf_chance(90) ? kf_below(4) : kf_below(200);
		a.test.retval = kf_rand();

		/*
		 * The checks in their order: bpf_prog_test_run() (pointer
		 * and size pairs, the program), then kvm_trap_test_run()
		 * (section 5 of the API).
		 */
		ran = false;
		if ((!!a.test.ctx_size_in != !!a.test.ctx_in) ||
		    (!!a.test.ctx_size_out != !!a.test.ctx_out))
			expect = EINVAL;
		else if (a.test.prog_fd != (uint32_t)prog_fd)
			expect = EBADF;
		else if (a.test.flags || a.test.cpu || a.test.batch_size ||
			 a.test.data_in || a.test.data_out ||
			 a.test.data_size_in || a.test.data_size_out ||
			 !a.test.ctx_in || a.test.ctx_size_in != csz)
			expect = EINVAL;
		else if (in_fault)
			expect = EFAULT;
		else if ((ctx.flags & ~KVM_TRAP_F_ALL) || !ctx.conduit ||
			 ctx.conduit > KVM_TRAP_CONDUIT_PAPR_HCALL)
			expect = EINVAL;
		else {
			ran = true;
			expect = out_fault ? EFAULT : out && copy < csz ? ENOSPC : 0;
		}

		runs = skel->bss->runs;
		r = kf_sys_bpf(BPF_PROG_TEST_RUN, &a);
		err = r ? errno : 0;
		kf_count_op("test_run", err);
#define KF_T_FMT "prog_fd %d ctx_in %p size %u ctx_out %p size %u (copy %u) data %llx/%u %llx/%u flags 0x%x cpu %u batch %u repeat %u; ctx conduit %u flags 0x%x func_id 0x%llx imm 0x%x"
#define KF_T_ARGS a.test.prog_fd, in, a.test.ctx_size_in, out,		\
	a.test.ctx_size_out, copy, a.test.data_in, a.test.data_size_in,	\
	a.test.data_out, a.test.data_size_out, a.test.flags, a.test.cpu,	\
	a.test.batch_size, a.test.repeat, ctx.conduit, ctx.flags,	\
	ctx.func_id, ctx.imm
		KF_ASSERT(err == expect, "%d, %s, expected %s; " KF_T_FMT, r,
			  kf_errname(err), kf_errname(expect), KF_T_ARGS);
		KF_ASSERT(skel->bss->runs - runs ==
			  (ran && !(ctx.flags & KVM_TRAP_F_QUERY) ?
			   max(a.test.repeat, 1u) : 0),
			  "%s: the program ran %lu times; " KF_T_FMT,
			  kf_errname(err), (unsigned long)(skel->bss->runs - runs),
			  KF_T_ARGS);
		if (!ran || out_fault)
			continue;

		want = ctx;
		v = kf_model(&skel->bss->rules, &ctx, ret);
		memcpy(want.ret, ret, sizeof(ret));
		KF_ASSERT(a.test.retval == v, "retval %u, the rules say %u; " KF_T_FMT,
			  a.test.retval, v, KF_T_ARGS);
		if (!out)
			continue;
		KF_ASSERT(a.test.ctx_size_out == csz,
			  "ctx_size_out %u after, expected %u; " KF_T_FMT,
			  a.test.ctx_size_out, csz, KF_T_ARGS);
		KF_ASSERT(!memcmp(out, &want, copy),
			  "ctx_out is not the context the program left; " KF_T_FMT,
			  KF_T_ARGS);
		snprintf(label, sizeof(label), "verdict_%s", kf_verdict_str(v));
		kf_count(label);
	}
	kf_end();
	kvmtrap_fuzz__destroy(skel);
	kf_unmap_guarded(in_pg);
	kf_unmap_guarded(out_pg);
	kf_unmap_guarded(ro);
	kf_assert_no_leaks();
}

/* ---- 4. BPF_LINK_CREATE, _UPDATE, _DETACH ---- */

/* The VMs links may be made to: a, b (recreated now and then), c. */
enum { KF_VM_A, KF_VM_B, KF_VM_C, KF_NR_VMS };

#define KF_MAX_LINKS 24
#define KF_MAX_VM_LINKS 8	/* KVM_CHECK_EXTENSION(KVM_CAP_TRAP_BPF) */

struct kf_links {
	int kvm_fd, vm_fd[KF_NR_VMS], vm_gen[KF_NR_VMS];
	struct kvm_vm *vm_a;
	struct kvm_vcpu *vcpu_a;
	int devnull, closed, sock, map_fd;
	int prog[2];			/* two kvm_trap programs */
	uint32_t prog_id[2];
	struct {
		int fd;			/* -1: free */
		int vm, gen, prog;
		int vm_fd;		/* the fd number it names */
		bool detached;
	} l[KF_MAX_LINKS];
};

/* A VM of raw ioctls; with @vcpu_closed, it had a vCPU whose fd is gone. */
static int kf_raw_vm(int kvm_fd, bool vcpu_closed)
{
	int fd = ioctl(kvm_fd, KVM_CREATE_VM, 0), vcpu;

	TEST_ASSERT(fd >= 0, "KVM_CREATE_VM: %s", strerror(errno));
	if (vcpu_closed) {
		vcpu = ioctl(fd, KVM_CREATE_VCPU, 0);
		TEST_ASSERT(vcpu >= 0, "KVM_CREATE_VCPU: %s", strerror(errno));
		close(vcpu);
	}
	return fd;
}

static bool kf_link_live(const struct kf_links *s, int i)
{
	return s->l[i].fd >= 0 && !s->l[i].detached &&
	       s->vm_gen[s->l[i].vm] == s->l[i].gen;
}

static int kf_vm_links(const struct kf_links *s, int vm)
{
	int i, n = 0;

	for (i = 0; i < KF_MAX_LINKS; i++)
		n += kf_link_live(s, i) && s->l[i].vm == vm;
	return n;
}

static int kf_any_link_slot(const struct kf_links *s)
{
	int i, start = kf_below(KF_MAX_LINKS);

	for (i = 0; i < KF_MAX_LINKS; i++)
		if (s->l[(start + i) % KF_MAX_LINKS].fd >= 0)
			return (start + i) % KF_MAX_LINKS;
	return -1;
}

/* What an fd argument is, for the expected errno. */
enum kf_fd_kind {
	KF_FD_BAD,		/* not open: EBADF */
	KF_FD_OTHER,		/* open, neither VM, program nor link */
	KF_FD_VM,
	KF_FD_PROG,		/* a kvm_trap program */
	KF_FD_SOCK,		/* a program of another type */
	KF_FD_LINK,
};

struct kf_fd {
	int fd;
	enum kf_fd_kind kind;
	int idx;		/* VM, program or link slot */
};

/* A live link of ours, else any. */
static int kf_live_link_slot(const struct kf_links *s)
{
	int i, start = kf_below(KF_MAX_LINKS);

	for (i = 0; i < KF_MAX_LINKS; i++)
		if (kf_link_live(s, (start + i) % KF_MAX_LINKS))
			return (start + i) % KF_MAX_LINKS;
	return kf_any_link_slot(s);
}

/*
 * An fd argument: mostly of the kind @want (a program, a VM, a link),
 * else anything, open or not.
 */
static struct kf_fd kf_pick_fd(struct kf_links *s, enum kf_fd_kind want)
{
	int slot, i;

	switch (kf_chance(70) ? want : kf_below(12)) {
	case 0:
		return (struct kf_fd) { s->closed, KF_FD_BAD };
	case 1:
		return (struct kf_fd) { -1, KF_FD_BAD };
	case 6:
		/* above RLIMIT_NOFILE or simply not open */
		return (struct kf_fd) { 5000 + kf_below(1 << 20), KF_FD_BAD };
	case 7:
		return (struct kf_fd) { s->devnull, KF_FD_OTHER };
	case 8:
		return (struct kf_fd) { s->kvm_fd, KF_FD_OTHER };
	case 9:
		return (struct kf_fd) { s->vcpu_a->fd, KF_FD_OTHER };
	case 10:
		return (struct kf_fd) { s->map_fd, KF_FD_OTHER };
	case KF_FD_SOCK:
		return (struct kf_fd) { s->sock, KF_FD_SOCK };
	case KF_FD_LINK:
		slot = kf_chance(70) ? kf_live_link_slot(s) : kf_any_link_slot(s);
		if (slot >= 0)
			return (struct kf_fd) { s->l[slot].fd, KF_FD_LINK, slot };
		fallthrough;
	case KF_FD_PROG:
		i = kf_below(2);
		return (struct kf_fd) { s->prog[i], KF_FD_PROG, i };
	default:
		i = kf_below(KF_NR_VMS);
		return (struct kf_fd) { s->vm_fd[i], KF_FD_VM, i };
	}
}

/* The errno of bpf_prog_get() on @f, 0 for a program. */
static int kf_prog_get_err(const struct kf_fd *f)
{
	if (f->kind == KF_FD_BAD)
		return EBADF;
	return f->kind == KF_FD_PROG || f->kind == KF_FD_SOCK ? 0 : EINVAL;
}

static int kf_link_get_err(const struct kf_fd *f)
{
	if (f->kind == KF_FD_BAD)
		return EBADF;
	return f->kind == KF_FD_LINK ? 0 : EINVAL;
}

static int kf_prog_idx(const struct kf_links *s, const struct kf_fd *f)
{
	return f->fd == s->prog[0] ? 0 : 1;
}

/* A free slot in our table, closing a link if need be. */
static int kf_free_slot(struct kf_links *s)
{
	int slot;

	for (slot = 0; slot < KF_MAX_LINKS && s->l[slot].fd >= 0; slot++)
		;
	if (slot == KF_MAX_LINKS) {
		slot = kf_below(KF_MAX_LINKS);
		close(s->l[slot].fd);
		s->l[slot].fd = -1;
	}
	return slot;
}

static void kf_link_create(struct kf_links *s)
{
	/* Room for the link first: the fds below must stay open. */
	int slot = kf_free_slot(s);
	struct kf_fd prog = kf_pick_fd(s, KF_FD_PROG);
	struct kf_fd target = kf_pick_fd(s, KF_FD_VM);
	uint32_t type, flags = kf_chance(90) ? 0 : 1u << kf_below(32);
	int fd, err, expect, i;
	union bpf_attr a;

	switch (kf_below(10)) {
	case 0:
		type = BPF_KVM_TRAP + 1 - 2 * kf_below(2);
		break;
	case 1:
		type = kf_below(64);
		break;
	case 2:
		type = kf_rand();
		break;
	default:
		type = BPF_KVM_TRAP;
	}
	/* struct_ops links take a map in the same field: another story. */
	if (type == BPF_STRUCT_OPS)
		type = BPF_KVM_TRAP;

	/* link_create(): the program, its attach type, then the VM. */
	expect = kf_prog_get_err(&prog);
	if (!expect && (prog.kind != KF_FD_PROG || type != BPF_KVM_TRAP))
		expect = EINVAL;
	if (!expect && flags)
		expect = EINVAL;
	if (!expect && target.kind == KF_FD_BAD)
		expect = EBADF;
	if (!expect && target.kind != KF_FD_VM)
		expect = EINVAL;
	if (!expect && kf_vm_links(s, target.idx) >= KF_MAX_VM_LINKS)
		expect = E2BIG;

	/* The raw syscall: libbpf looks at some attach types itself. */
	memset(&a, 0, sizeof(a));
	a.link_create.prog_fd = prog.fd;
	a.link_create.target_fd = target.fd;
	a.link_create.attach_type = type;
	a.link_create.flags = flags;
	fd = kf_sys_bpf(BPF_LINK_CREATE, &a);
	err = fd < 0 ? errno : 0;
	kf_count_op("create", err);
	KF_ASSERT(err == expect,
		  "BPF_LINK_CREATE prog %d (kind %d) target %d (kind %d, %d links) type %u flags 0x%x: %d, %s, expected %s",
		  prog.fd, prog.kind, target.fd, target.kind,
		  target.kind == KF_FD_VM ? kf_vm_links(s, target.idx) : -1,
		  type, flags, fd, kf_errname(err), kf_errname(expect));
	if (fd < 0)
		return;
	i = kf_prog_idx(s, &prog);
	s->l[slot].fd = fd;
	s->l[slot].vm = target.idx;
	s->l[slot].gen = s->vm_gen[target.idx];
	s->l[slot].prog = i;
	s->l[slot].vm_fd = target.fd;
	s->l[slot].detached = false;
}

static void kf_link_update(struct kf_links *s)
{
	struct kf_fd link = kf_pick_fd(s, KF_FD_LINK);
	struct kf_fd prog = kf_pick_fd(s, KF_FD_PROG);
	struct kf_fd old = { 0, KF_FD_OTHER };
	uint32_t flags = 0;
	int r, err, expect;
	union bpf_attr a;

	switch (kf_below(10)) {
	case 0 ... 5:
		break;
	case 6 ... 8:
		flags = BPF_F_REPLACE;
		break;
	default:
		flags = 1u << kf_below(32);
	}
	if (flags & BPF_F_REPLACE)
		old = kf_pick_fd(s, KF_FD_PROG);
	else if (kf_chance(10))
		old = kf_pick_fd(s, KF_FD_PROG);

	/* bpf_link_update(), then kvm_trap_link_update(). */
	if (flags & ~BPF_F_REPLACE)
		expect = EINVAL;
	else if (kf_link_get_err(&link))
		expect = kf_link_get_err(&link);
	else if (kf_prog_get_err(&prog))
		expect = kf_prog_get_err(&prog);
	else if ((flags & BPF_F_REPLACE) && kf_prog_get_err(&old))
		expect = kf_prog_get_err(&old);
	else if (!(flags & BPF_F_REPLACE) && old.fd)
		expect = EINVAL;
	else if (prog.kind != KF_FD_PROG)
		expect = EINVAL;
	else if (!kf_link_live(s, link.idx))
		expect = ENOLINK;
	else if ((flags & BPF_F_REPLACE) &&
		 (old.kind != KF_FD_PROG ||
		  kf_prog_idx(s, &old) != s->l[link.idx].prog))
		expect = EPERM;
	else
		expect = 0;

	memset(&a, 0, sizeof(a));
	a.link_update.link_fd = link.fd;
	a.link_update.new_prog_fd = prog.fd;
	a.link_update.flags = flags;
	a.link_update.old_prog_fd = old.fd;
	r = kf_sys_bpf(BPF_LINK_UPDATE, &a);
	err = r ? errno : 0;
	kf_count_op("update", err);
	KF_ASSERT(err == expect,
		  "BPF_LINK_UPDATE link %d (kind %d, live %d) prog %d (kind %d) flags 0x%x old %d (kind %d): %d, %s, expected %s",
		  link.fd, link.kind,
		  link.kind == KF_FD_LINK ? kf_link_live(s, link.idx) : -1,
		  prog.fd, prog.kind, flags, old.fd, old.kind, r,
		  kf_errname(err), kf_errname(expect));
	if (!r)
		s->l[link.idx].prog = kf_prog_idx(s, &prog);
}

static void kf_link_detach(struct kf_links *s)
{
	struct kf_fd link = kf_pick_fd(s, KF_FD_LINK);
	int r, err, expect = kf_link_get_err(&link);
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.link_detach.link_fd = link.fd;
	r = kf_sys_bpf(BPF_LINK_DETACH, &a);
	err = r ? errno : 0;
	kf_count_op("detach", err);
	/* A detached or defunct link detaches again, doing nothing. */
	KF_ASSERT(err == expect, "BPF_LINK_DETACH %d (kind %d): %d, %s, expected %s",
		  link.fd, link.kind, r, kf_errname(err), kf_errname(expect));
	if (!r)
		s->l[link.idx].detached = true;
}

/* The link's info says what we know of it. */
static void kf_link_check_info(struct kf_links *s)
{
	int i = kf_any_link_slot(s), r, err;
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);

	if (i < 0)
		return;
	r = bpf_link_get_info_by_fd(s->l[i].fd, &info, &len);
	err = r ? errno : 0;
	kf_count_op("info", err);
	KF_ASSERT(!r, "bpf_link_get_info_by_fd: %s", kf_errname(err));
	KF_ASSERT(info.type == BPF_LINK_TYPE_KVM_TRAP &&
		  info.kvm_trap.vm_pid == (uint32_t)getpid() &&
		  info.kvm_trap.vm_fd == (uint32_t)s->l[i].vm_fd &&
		  info.kvm_trap.defunct == !kf_link_live(s, i) &&
		  info.prog_id == s->prog_id[s->l[i].prog],
		  "link %d: type %u vm %u-%u defunct %u prog %u, expected %u %d-%d %d %u",
		  s->l[i].fd, info.type, info.kvm_trap.vm_pid,
		  info.kvm_trap.vm_fd, info.kvm_trap.defunct, info.prog_id,
		  BPF_LINK_TYPE_KVM_TRAP, getpid(), s->l[i].vm_fd,
		  !kf_link_live(s, i), s->prog_id[s->l[i].prog]);
}

static uint32_t kf_prog_id(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	TEST_ASSERT(!bpf_prog_get_info_by_fd(fd, &info, &len),
		    "bpf_prog_get_info_by_fd: %s", strerror(errno));
	return info.id;
}

/*
 * The kvm_trap links on the host, whoever holds them, that name a VM this
 * process created: all the test's, none of another suite's.
 */
static int kf_count_kvm_trap_links(void)
{
	__u32 id = 0;
	int n = 0, fd;

	while (!bpf_link_get_next_id(id, &id)) {
		struct bpf_link_info info = {};
		__u32 len = sizeof(info);

		fd = bpf_link_get_fd_by_id(id);
		if (fd < 0)
			continue;	/* gone meanwhile */
		if (!bpf_link_get_info_by_fd(fd, &info, &len) &&
		    info.type == BPF_LINK_TYPE_KVM_TRAP &&
		    info.kvm_trap.vm_pid == (uint32_t)getpid())
			n++;
		close(fd);
	}
	return n;
}

/* One guest call, its outcome as the query predicted it (below). */
static void kf_guest_call(struct kf_env *e, const struct kt_call *c,
			  const struct kvm_trap_query *q,
			  const struct kf_expect *x);

static void test_fuzz_links(void)
{
	struct kvmtrap_fuzz *skel[2];
	struct kvm_trap_query q;
	struct kf_links s;
	struct kf_expect x;
	struct kf_env ctl;
	struct kt_call c;
	int i, r;

	kf_begin(__func__, 2500);
	memset(&s, 0, sizeof(s));
	for (i = 0; i < KF_MAX_LINKS; i++)
		s.l[i].fd = -1;
	s.vm_a = kt_create_vm(&s.vcpu_a);
	s.vm_fd[KF_VM_A] = s.vm_a->fd;
	s.kvm_fd = open("/dev/kvm", O_RDWR);
	TEST_ASSERT(s.kvm_fd >= 0, "/dev/kvm: %s", strerror(errno));
	s.vm_fd[KF_VM_B] = kf_raw_vm(s.kvm_fd, false);
	s.vm_fd[KF_VM_C] = kf_raw_vm(s.kvm_fd, true);
	s.devnull = open("/dev/null", O_RDWR);
	TEST_ASSERT(s.devnull >= 0, "/dev/null");
	s.closed = kf_closed_fd();
	s.sock = kf_load_socket_filter();
	for (i = 0; i < 2; i++) {
		skel[i] = kvmtrap_fuzz__open_and_load();
		if (!skel[i])
			kt_fail_errno("kvmtrap_fuzz__open_and_load", errno);
		s.prog[i] = bpf_program__fd(skel[i]->progs.fuzz);
		s.prog_id[i] = kf_prog_id(s.prog[i]);
	}
	s.map_fd = bpf_map__fd(skel[0]->maps.bss);

	for (kf.iter = 0; kf.iter < kf.iters; kf.iter++) {
		switch (kf_below(100)) {
		case 0 ... 39:
			kf_link_create(&s);
			break;
		case 40 ... 64:
			kf_link_update(&s);
			break;
		case 65 ... 79:
			kf_link_detach(&s);
			break;
		case 80 ... 89:
			i = kf_any_link_slot(&s);
			if (i >= 0) {
				close(s.l[i].fd);
				s.l[i].fd = -1;
			}
			kf_count("close");
			break;
		case 90 ... 92:
			/* VM b goes: its links become defunct. */
			close(s.vm_fd[KF_VM_B]);
			s.vm_fd[KF_VM_B] = kf_raw_vm(s.kvm_fd, false);
			s.vm_gen[KF_VM_B]++;
			kf_count("vm_recreate");
			break;
		default:
			kf_link_check_info(&s);
		}
	}
	kf_end();

	/* The walk sees each link we hold, live, detached or defunct... */
	for (i = 0, r = 0; i < KF_MAX_LINKS; i++)
		r += s.l[i].fd >= 0;
	KF_ASSERT(kf_count_kvm_trap_links() == r,
		  "%d kvm_trap links of ours on the host, %d fds held",
		  kf_count_kvm_trap_links(), r);
	for (i = 0; i < KF_MAX_LINKS; i++)
		if (s.l[i].fd >= 0)
			close(s.l[i].fd);
	close(s.vm_fd[KF_VM_B]);
	close(s.vm_fd[KF_VM_C]);
	kvm_vm_free(s.vm_a);
	close(s.sock);
	close(s.devnull);
	close(s.kvm_fd);
	for (i = 0; i < 2; i++)
		kvmtrap_fuzz__destroy(skel[i]);

	/* Control: a fresh VM and link answer a guest's call right. */
	kf_env_init(&ctl, false);
	ctl.skel->bss->rules.nr = 1;
	ctl.skel->bss->rules.r[0] = (struct kf_rule) {
		.verdict = KVM_TRAP_HANDLED, .lo = 0, .hi = ~0ull,
		.ret = { 0xc0de0, 0xc0de1, 0xc0de2, 0xc0de3 },
	};
	c = kt_smccc(KVM_TRAP_CONDUIT_HVC, KT_FUNC_64);
	q = (struct kvm_trap_query) { .conduit = c.conduit };
	memcpy(q.regs, c.x, sizeof(c.x));
	r = ioctl(ctl.vm->fd, KVM_TRAP_QUERY, &q);
	KF_ASSERT(!r, "control query: %s", kf_errname(errno));
	x = kf_check_answer(&ctl, &q);
	KF_ASSERT(x.stage == KVM_TRAP_STAGE_BPF && x.verdict == KVM_TRAP_HANDLED,
		  "control query: stage %u verdict %u", x.stage, x.verdict);
	kf_guest_call(&ctl, &c, &q, &x);
	kf_env_free(&ctl);

	/* ... and none once they are closed. */
	r = kf_count_kvm_trap_links();
	KF_ASSERT(!r, "%d kvm_trap links left after the test", r);
	kf_assert_no_leaks();
}

/* ---- guest calls ---- */

/*
 * The call as the guest will make it: "hvc #imm" or "smc #imm" (the
 * immediate is part of the opcode), then "ret".
 */
static void kf_put_call(struct kf_env *e, uint32_t conduit, uint32_t imm)
{
	e->code[0] = (conduit == KVM_TRAP_CONDUIT_SMC ? KF_INSN_SMC :
							KF_INSN_HVC) | imm << 5;
	e->code[1] = KF_INSN_RET;
}

#define KF_C_FMT "%s #0x%x x0 0x%lx x1 0x%lx x2 0x%lx x3 0x%lx x6 0x%lx (query: stage %s verdict %s out_flags 0x%x)"
#define KF_C_ARGS(c, q) kt_conduit_str((c)->conduit), (c)->imm, (c)->x[0], \
	(c)->x[1], (c)->x[2], (c)->x[3], (c)->x[6], kf_stage_str((q)->stage), \
	kf_verdict_str((q)->verdict), (q)->out_flags

/* Is the call an SMC32/HVC32 one, whose answers are 32-bit? */
static bool kf_narrow(const struct kt_call *c)
{
	return !c->imm && !ARM_SMCCC_IS_64(c->x[0]);
}

/*
 * The exit of a forward of @c, by a program (@bpf) or by the filter:
 * what KVM tells the VMM, section 6 of the API.
 */
static void kf_assert_forward_exit(struct kf_env *e, const struct kt_call *c,
				   const struct kvm_trap_query *q, bool bpf)
{
	struct kvm_run *run = e->vcpu->run;
	uint64_t nr, flags, x0, m;
	int i;

	KF_ASSERT(run->exit_reason == KVM_EXIT_HYPERCALL,
		  "exit %s (%u), expected KVM_EXIT_HYPERCALL; " KF_C_FMT,
		  exit_reason_str(run->exit_reason), run->exit_reason,
		  KF_C_ARGS(c, q));
	/*
	 * The filter forwards the SMCCC call of x0 (also for an HVC #imm no
	 * program took): no immediate, 32-bit by the convention of w0.
	 */
	m = (bpf ? kf_narrow(c) : !ARM_SMCCC_IS_64(c->x[0])) ? 0xffffffffull :
							      ~0ull;
	nr = bpf && c->imm ? c->x[0] : (uint32_t)c->x[0];
	flags = (c->conduit == KVM_TRAP_CONDUIT_SMC ? KVM_HYPERCALL_EXIT_SMC : 0) |
		(bpf ? KVM_HYPERCALL_EXIT_BPF : 0) |
		(bpf && c->imm ? KVM_HYPERCALL_EXIT_IMM : 0);
	KF_ASSERT(run->hypercall.nr == nr && run->hypercall.flags == flags &&
		  run->hypercall.imm == (bpf ? c->imm : 0) &&
		  !run->hypercall.ret && !run->hypercall.pad &&
		  !run->hypercall.ret_regs[0] && !run->hypercall.ret_regs[3],
		  "exit nr 0x%llx flags 0x%llx imm 0x%x ret 0x%llx pad %u, expected 0x%lx 0x%lx 0x%x; " KF_C_FMT,
		  run->hypercall.nr, run->hypercall.flags, run->hypercall.imm,
		  run->hypercall.ret, run->hypercall.pad, nr, flags,
		  bpf ? c->imm : 0, KF_C_ARGS(c, q));
	for (i = 0; i < 6; i++)
		KF_ASSERT(run->hypercall.args[i] == (c->x[i + 1] & m),
			  "exit args[%d] 0x%llx, expected 0x%lx; " KF_C_FMT, i,
			  run->hypercall.args[i], c->x[i + 1] & m,
			  KF_C_ARGS(c, q));
	/* A program's forward presets x0; the filter's leaves it. */
	vcpu_get_reg(e->vcpu, ARM64_CORE_REG(regs.regs[0]), &x0);
	KF_ASSERT(x0 == (bpf ? KF_NS & m : c->x[0]),
		  "x0 at the exit 0x%lx; " KF_C_FMT, x0, KF_C_ARGS(c, q));
}

static void kf_assert_regs(const struct kt_call *c, const struct kvm_trap_query *q,
			   const struct kt_regs *r, const uint64_t want[4])
{
	int i;

	KF_ASSERT(!r->undef_count,
		  "undefined-instruction exception at 0x%lx; " KF_C_FMT,
		  r->undef_elr, KF_C_ARGS(c, q));
	for (i = 0; i < 8; i++)
		KF_ASSERT(r->x[i] == (i < 4 ? want[i] : c->x[i]),
			  "x%d = 0x%lx, expected 0x%lx; " KF_C_FMT, i, r->x[i],
			  i < 4 ? want[i] : c->x[i], KF_C_ARGS(c, q));
}

/*
 * The guest makes @c, whose query @q the model @x agreed with; what it
 * gets must be what the query said.  Forward exits are resumed without
 * an answer.
 */
static void kf_guest_call(struct kf_env *e, const struct kt_call *c,
			  const struct kvm_trap_query *q,
			  const struct kf_expect *x)
{
	uint64_t m = kf_narrow(c) ? 0xffffffffull : ~0ull;
	uint64_t want[4];
	struct kt_regs r;

	kf_put_call(e, c->conduit, c->imm);
	kt_start(e->vcpu, c);
	if (q->verdict == KVM_TRAP_FORWARD) {
		kf_assert_forward_exit(e, c, q, q->stage == KVM_TRAP_STAGE_BPF);
		vcpu_run(e->vcpu);
	}
	KF_ASSERT(e->vcpu->run->exit_reason != KVM_EXIT_SYSTEM_EVENT,
		  "a system event (type %u); " KF_C_FMT,
		  e->vcpu->run->system_event.type, KF_C_ARGS(c, q));
	kt_report(e->vcpu, &r);

	if (q->out_flags & KVM_TRAP_QUERY_RET) {
		kf_assert_regs(c, q, &r, (const uint64_t *)q->ret);
		return;
	}
	switch (q->verdict) {
	case KVM_TRAP_UNDEF:
		KF_ASSERT(r.undef_count == 1 && r.undef_elr == r.pc &&
			  ((r.undef_esr >> ESR_EC_SHIFT) & ESR_EC_MASK) == ESR_EC_UNKNOWN &&
			  !memcmp(r.x, c->x, sizeof(c->x)),
			  "UNDEF: %lu exceptions, ELR 0x%lx (call at 0x%lx), ESR 0x%lx, x0 0x%lx; " KF_C_FMT,
			  r.undef_count, r.undef_elr, r.pc, r.undef_esr, r.x[0],
			  KF_C_ARGS(c, q));
		break;
	case KVM_TRAP_FORWARD:
		want[0] = q->stage == KVM_TRAP_STAGE_BPF ? KF_NS & m : c->x[0];
		want[1] = c->x[1];
		want[2] = c->x[2];
		want[3] = c->x[3];
		kf_assert_regs(c, q, &r, want);
		break;
	default:
		/* A native service: its answer is its own, x4.. untouched. */
		KF_ASSERT(q->stage == KVM_TRAP_STAGE_NATIVE,
			  "no registers predicted; " KF_C_FMT, KF_C_ARGS(c, q));
		KF_ASSERT(!r.undef_count && !memcmp(&r.x[4], &c->x[4], 4 * 8),
			  "native call: %lu exceptions, x4..x7 changed; " KF_C_FMT,
			  r.undef_count, KF_C_ARGS(c, q));
	}
}

/* A random call and its query; the query must be what the model says. */
static void kf_gen_call(struct kf_env *e, struct kt_call *c,
			struct kvm_trap_query *q, struct kf_expect *x)
{
	struct kf_range ranges[KF_ENV_LINKS * KF_NR_RULES + 2];
	unsigned int n = kf_env_ranges(e, ranges);
	int i, r, err;

	memset(c, 0, sizeof(*c));
	c->conduit = KVM_TRAP_CONDUIT_HVC + kf_below(2);
	c->imm = kf_gen_imm(kf_env_rules(e));
	c->x[0] = kf_gen_x0(ranges, n);
	for (i = 1; i < 8; i++)
		c->x[i] = kf_any_u64();

	memset(q, 0, sizeof(*q));
	q->conduit = c->conduit;
	q->imm = c->imm;
	memcpy(q->regs, c->x, sizeof(c->x));
	r = ioctl(e->vm->fd, KVM_TRAP_QUERY, q);
	err = errno;
	KF_ASSERT(!r, "query: %s; " KF_Q_FMT, kf_errname(err), KF_Q_ARGS(q));
	*x = kf_check_answer(e, q);
}

/*
 * PSCI (CPU_OFF, SYSTEM_OFF, SYSTEM_RESET, ...) would end the guest, and
 * TRNG shares its owner: no native call of the standard service owner,
 * nor of KVM's PSCI 0.1 IDs, is made.  HVC #imm that no program takes is
 * the SMCCC call of x0, so x0 decides that too.
 */
static bool kf_call_unsafe(const struct kt_call *c, const struct kvm_trap_query *q)
{
	uint32_t w0 = c->x[0];

	return q->stage == KVM_TRAP_STAGE_NATIVE &&
	       !(q->out_flags & KVM_TRAP_QUERY_EL2) &&
	       (ARM_SMCCC_OWNER_NUM(w0) == ARM_SMCCC_OWNER_STANDARD ||
		w0 - KF_PSCI0_1 < 4);
}

/* ---- 5. KVM_EXIT_HYPERCALL answers ---- */

static uint64_t kf_get_reg(struct kvm_vcpu *vcpu, int i)
{
	uint64_t v;

	vcpu_get_reg(vcpu, ARM64_CORE_REG(regs.regs[i]), &v);
	return v;
}

static void test_fuzz_forward_answers(void)
{
	struct kvm_trap_query q;
	struct kvm_run *run;
	struct kf_expect x;
	struct kt_regs r;
	struct kf_env e;
	struct kt_call c;
	uint64_t m, want[4], flags;
	uint64_t ans[4], v;
	uint32_t reason, set;
	bool applied, bpf, early;
	char label[40];
	int i, rc, err;

	kf_begin(__func__, 3000);
	/* The filter's FWD_TO_USER exit takes the same answers. */
	kf_env_init(&e, true);
	kf_env_accept_forwards(&e);
	e.skel->bss->rules.nr = 1;
	e.skel->bss->rules.r[0] = (struct kf_rule) {
		.verdict = KVM_TRAP_FORWARD, .lo = 0, .hi = ~0ull,
	};
	run = e.vcpu->run;

	for (kf.iter = 0; kf.iter < kf.iters; kf.iter++) {
		kf_gen_call(&e, &c, &q, &x);
		if (q.verdict != KVM_TRAP_FORWARD) {
			kf_count("not_forwarded");
			continue;
		}
		bpf = q.stage == KVM_TRAP_STAGE_BPF;
		m = (bpf ? kf_narrow(&c) : !ARM_SMCCC_IS_64(c.x[0])) ?
		    0xffffffffull : ~0ull;
		kf_put_call(&e, c.conduit, c.imm);
		kt_start(e.vcpu, &c);
		kf_assert_forward_exit(&e, &c, &q, bpf);

		/* Whatever the VMM writes; only RET_REGS and ret_regs count. */
		flags = kf_rand();
		flags = kf_chance(50) ? flags | KVM_HYPERCALL_EXIT_RET_REGS :
					flags & ~KVM_HYPERCALL_EXIT_RET_REGS;
		if (kf_chance(20))
			flags &= KVM_HYPERCALL_EXIT_RET_REGS | 0x1f;
		run->hypercall.flags = flags;
		run->hypercall.ret = kf_rand();
		run->hypercall.nr = kf_chance(50) ? run->hypercall.nr : kf_rand();
		run->hypercall.imm = kf_rand();
		run->hypercall.pad = kf_rand();
		for (i = 0; i < 6; i++)
			run->hypercall.args[i] = kf_chance(50) ?
				run->hypercall.args[i] : kf_rand();
		for (i = 0; i < 4; i++)
			run->hypercall.ret_regs[i] = kf_any_u64();
		/* KVM looks at the answer only while the exit says hypercall. */
		reason = KVM_EXIT_HYPERCALL;
		if (kf_chance(10))
			reason = kf_chance(50) ? KVM_EXIT_UNKNOWN : kf_rand();
		run->exit_reason = reason;
		applied = reason == KVM_EXIT_HYPERCALL &&
			  (flags & KVM_HYPERCALL_EXIT_RET_REGS);
		for (i = 0; i < 4; i++) {
			ans[i] = run->hypercall.ret_regs[i];
			want[i] = applied ? ans[i] & m :
				  i || !bpf ? c.x[i] : KF_NS & m;
		}
		/*
		 * The VMM may set registers itself too (upstream's way to
		 * answer); RET_REGS, applied when KVM_RUN starts, wins.
		 */
		set = 0;
		for (i = 0; i < 4; i++) {
			if (!kf_chance(15))
				continue;
			v = kf_any_u64();
			vcpu_set_reg(e.vcpu, ARM64_CORE_REG(regs.regs[i]), v);
			set |= 1 << i;
			if (!applied)
				want[i] = v;
		}
		/*
		 * A KVM_RUN that returns at once (immediate_exit) still takes
		 * the answer; what the VMM writes afterwards is no answer to
		 * that exit any more.
		 */
		early = kf_chance(10);
		if (early) {
			run->immediate_exit = 1;
			rc = __vcpu_run(e.vcpu);
			err = errno;
			run->immediate_exit = 0;
			KF_ASSERT(rc < 0 && err == EINTR,
				  "KVM_RUN with immediate_exit: %d, %s; " KF_C_FMT,
				  rc, kf_errname(err), KF_C_ARGS(&c, &q));
			for (i = 0; i < 4; i++) {
				v = kf_get_reg(e.vcpu, i);
				KF_ASSERT(v == want[i],
					  "x%d = 0x%lx after KVM_RUN with immediate_exit, expected 0x%lx (answer flags 0x%lx exit_reason %u); " KF_C_FMT,
					  i, v, want[i], flags, reason,
					  KF_C_ARGS(&c, &q));
			}
			if (kf_chance(50)) {
				run->exit_reason = KVM_EXIT_HYPERCALL;
				run->hypercall.flags |= KVM_HYPERCALL_EXIT_RET_REGS;
				for (i = 0; i < 4; i++)
					run->hypercall.ret_regs[i] = kf_rand();
			}
		}

		vcpu_run(e.vcpu);
		kt_report(e.vcpu, &r);
		snprintf(label, sizeof(label), "%s_%s%s", bpf ? "bpf" : "filter",
			 applied ? "ret_regs" : "not_answered",
			 early ? "_early" : "");
		kf_count(label);
		KF_ASSERT(!r.undef_count && !memcmp(r.x, want, sizeof(want)) &&
			  !memcmp(&r.x[4], &c.x[4], 4 * 8),
			  "answer flags 0x%lx exit_reason %u ret_regs 0x%lx 0x%lx 0x%lx 0x%lx, x0..x3 set 0x%x, immediate exit %d: x0..x3 0x%lx 0x%lx 0x%lx 0x%lx, expected 0x%lx 0x%lx 0x%lx 0x%lx (x4 0x%lx, %lu exceptions); " KF_C_FMT,
			  flags, reason, ans[0], ans[1], ans[2], ans[3], set,
			  early, r.x[0], r.x[1], r.x[2], r.x[3], want[0],
			  want[1], want[2], want[3], r.x[4],
			  r.undef_count, KF_C_ARGS(&c, &q));
	}
	kf_end();
	kf_env_free(&e);
	kf_assert_no_leaks();
}

/*
 * What the statistics count for a call the guest made: the calls offered
 * to the programs (section 7 of the API), by the program's own verdict.
 */
static void kf_count_offered(struct kt_stats *want, const struct kt_call *c,
			     const struct kvm_trap_query *q,
			     const struct kf_expect *x)
{
	if (q->out_flags & KVM_TRAP_QUERY_EL2)
		return;
	if (q->stage == KVM_TRAP_STAGE_BPF) {
		want->handled += x->raw == KVM_TRAP_HANDLED;
		want->forward += x->raw == KVM_TRAP_FORWARD;
		want->deny += x->raw == KVM_TRAP_DENY;
		want->undef += x->raw == KVM_TRAP_UNDEF;
		want->refused += !!(q->out_flags & KVM_TRAP_QUERY_REFUSED);
	} else if (c->imm || (q->stage == KVM_TRAP_STAGE_DEFAULT &&
			      !kf_is_arch(c->x[0]))) {
		want->pass++;
	}
}

/* A guest call made: its outcome counted, and what the statistics owe. */
static void kf_tally(struct kt_stats *want, const struct kt_call *c,
		     const struct kvm_trap_query *q, const struct kf_expect *x)
{
	char label[64];

	snprintf(label, sizeof(label), "%s_%s%s", kf_stage_str(q->stage),
		 kf_verdict_str(q->verdict),
		 q->out_flags & KVM_TRAP_QUERY_REFUSED ? "_refused" : "");
	kf_count(label);
	kf_count_offered(want, c, q, x);
}

/* ---- 6. random guest calls against KVM_TRAP_QUERY ---- */

static void test_fuzz_guest_calls(void)
{
	struct kt_stats want = {};
	struct kvm_trap_query q;
	struct kf_expect x;
	struct kf_env e;
	struct kt_call c;

	kf_begin(__func__, 5000);
	kf_env_init(&e, true);
	for (kf.iter = 0; kf.iter < kf.iters; kf.iter++) {
		if (kf.iter == kf.iters / 2)
			kf_env_accept_forwards(&e);
		if (kf_chance(3))
			kf_env_reroll(&e);
		kf_gen_call(&e, &c, &q, &x);
		if (kf_call_unsafe(&c, &q)) {
			kf_count("skipped_psci");
			continue;
		}
		kf_guest_call(&e, &c, &q, &x);
		kf_tally(&want, &c, &q, &x);
	}
	kf_end();
	kt_assert_stats(e.vm, want.pass, want.handled, want.forward, want.deny,
			want.undef, want.refused);
	kf_env_free(&e);
	kf_assert_no_leaks();
}

/* ---- 7. random AArch32 guest calls against KVM_TRAP_QUERY ---- */

/*
 * The AArch32 guest runs with the MMU off from its memory at 0: the
 * vectors (the undefined-instruction one reports and goes back to the
 * call, the others report a stray exception), and at KF_A32_CALL the
 * call, a report and a branch back to the call.  The VMM rewrites the
 * call before each run; with the MMU and caches off there is no stale
 * copy of it to drop.  Reports are stores to unbacked addresses (MMIO
 * exits): r8 after the call, r9 after an UNDEF, r10 anything else.
 */
#define KF_A32_MEM		0x10000
#define KF_A32_UNDEF		0x40
#define KF_A32_CALL		0x100
#define KF_A32_REPORT		0x10000000ull
#define KF_A32_UNDEF_REPORT	0x10001000ull
#define KF_A32_STRAY		0x10002000ull
#define KF_A32_STR_R0(rn)	(0xe5800000u | ((rn) << 16))	/* str r0, [rn] */
/* b to @to from @at */
#define KF_A32_B(at, to)	(0xea000000u | ((((to) - (at) - 8) >> 2) & 0xffffff))
#define KF_A32_HVC(imm)		(0xe1400070u | (((imm) & 0xfff0) << 4) | ((imm) & 0xf))
#define KF_A32_SMC(imm4)	(0xe1600070u | ((imm4) & 0xf))
#define KF_A32_MODE_UND		0x1b
#define KF_A32_REG_LR_UND	22	/* x22 holds LR_und */

static void kf_env_init_a32(struct kf_env *e)
{
	struct kvm_vcpu_init init;
	uint32_t *mem;
	uint64_t pstate;
	int i;

	memset(e, 0, sizeof(*e));
	e->vm = vm_create_barebones();
	vm_userspace_mem_region_add(e->vm, VM_MEM_SRC_ANONYMOUS, 0, 1,
				    KF_A32_MEM / e->vm->page_size, 0);
	mem = addr_gpa2hva(e->vm, 0);
	for (i = 0; i < 8; i++)
		mem[i] = KF_A32_STR_R0(10);
	mem[1] = KF_A32_B(4, KF_A32_UNDEF);
	mem[KF_A32_UNDEF / 4] = KF_A32_STR_R0(9);
	mem[KF_A32_UNDEF / 4 + 1] = KF_A32_B(KF_A32_UNDEF + 4, KF_A32_CALL);
	e->code = &mem[KF_A32_CALL / 4];
	e->code[0] = KF_A32_HVC(0);
	e->code[1] = KF_A32_STR_R0(8);
	e->code[2] = KF_A32_B(KF_A32_CALL + 8, KF_A32_CALL);

	e->vcpu = __vm_vcpu_add(e->vm, 0);
	vm_ioctl(e->vm, KVM_ARM_PREFERRED_TARGET, &init);
	init.features[0] |= (1 << KVM_ARM_VCPU_EL1_32BIT) |
			    (1 << KVM_ARM_VCPU_PSCI_0_2);
	vcpu_ioctl(e->vcpu, KVM_ARM_VCPU_INIT, &init);
	vcpu_get_reg(e->vcpu, ARM64_CORE_REG(regs.pstate), &pstate);
	TEST_ASSERT(pstate & PSR_MODE32_BIT, "vCPU not AArch32: pstate 0x%lx",
		    pstate);
	vcpu_set_reg(e->vcpu, ARM64_CORE_REG(regs.pc), KF_A32_CALL);
	kf_filters_random(e);
	kf_bitmaps_random(e->vcpu);

	kf_env_links(e);
	e->native = kf_native_list(e->vm);
	kf_assert_list_sane(e->native);
}

/* The exit is a report to @addr: r0..r7 into @r. */
static void kf_a32_report(struct kf_env *e, const struct kt_call *c,
			  const struct kvm_trap_query *q, uint64_t addr,
			  uint64_t r[8])
{
	struct kvm_run *run = e->vcpu->run;
	uint64_t pc, pstate;
	int i;

	vcpu_get_reg(e->vcpu, ARM64_CORE_REG(regs.pc), &pc);
	vcpu_get_reg(e->vcpu, ARM64_CORE_REG(regs.pstate), &pstate);
	KF_ASSERT(run->exit_reason == KVM_EXIT_MMIO && run->mmio.phys_addr == addr,
		  "exit %s (%u) at 0x%llx, pc 0x%lx pstate 0x%lx: expected a report at 0x%lx; " KF_C_FMT,
		  exit_reason_str(run->exit_reason), run->exit_reason,
		  run->exit_reason == KVM_EXIT_MMIO ? run->mmio.phys_addr : 0,
		  pc, pstate, addr, KF_C_ARGS(c, q));
	for (i = 0; i < 8; i++)
		r[i] = (uint32_t)kf_get_reg(e->vcpu, i);
}

static void kf_a32_call(struct kf_env *e, const struct kt_call *c,
			const struct kvm_trap_query *q, uint32_t smc_imm4)
{
	struct kvm_run *run = e->vcpu->run;
	bool bpf = q->stage == KVM_TRAP_STAGE_BPF;
	uint64_t r[8], want[8], flags, pstate, lr;
	int i;

	e->code[0] = c->conduit == KVM_TRAP_CONDUIT_SMC ? KF_A32_SMC(smc_imm4) :
							  KF_A32_HVC(c->imm);
	for (i = 0; i < 8; i++)
		vcpu_set_reg(e->vcpu, ARM64_CORE_REG(regs.regs[i]), c->x[i]);
	vcpu_set_reg(e->vcpu, ARM64_CORE_REG(regs.regs[8]), KF_A32_REPORT);
	vcpu_set_reg(e->vcpu, ARM64_CORE_REG(regs.regs[9]), KF_A32_UNDEF_REPORT);
	vcpu_set_reg(e->vcpu, ARM64_CORE_REG(regs.regs[10]), KF_A32_STRAY);
	vcpu_run(e->vcpu);
	memcpy(want, c->x, sizeof(want));

	if (q->verdict == KVM_TRAP_FORWARD) {
		flags = KVM_HYPERCALL_EXIT_AARCH32 |
			(c->conduit == KVM_TRAP_CONDUIT_SMC ? KVM_HYPERCALL_EXIT_SMC : 0) |
			(bpf ? KVM_HYPERCALL_EXIT_BPF : 0) |
			(bpf && c->imm ? KVM_HYPERCALL_EXIT_IMM : 0);
		KF_ASSERT(run->exit_reason == KVM_EXIT_HYPERCALL &&
			  run->hypercall.nr == c->x[0] &&
			  run->hypercall.flags == flags &&
			  run->hypercall.imm == (bpf ? c->imm : 0) &&
			  run->hypercall.args[0] == c->x[1] &&
			  run->hypercall.args[5] == c->x[6],
			  "exit %u nr 0x%llx flags 0x%llx imm 0x%x args 0x%llx..0x%llx, expected a hypercall 0x%lx 0x%lx 0x%x; " KF_C_FMT,
			  run->exit_reason, run->hypercall.nr,
			  run->hypercall.flags, run->hypercall.imm,
			  run->hypercall.args[0], run->hypercall.args[5],
			  c->x[0], flags, bpf ? c->imm : 0, KF_C_ARGS(c, q));
		/* A program's forward presets r0; the filter's leaves it. */
		if (bpf)
			want[0] = 0xffffffff;
		vcpu_run(e->vcpu);
	}
	if (q->verdict == KVM_TRAP_UNDEF) {
		kf_a32_report(e, c, q, KF_A32_UNDEF_REPORT, r);
		vcpu_get_reg(e->vcpu, ARM64_CORE_REG(regs.pstate), &pstate);
		lr = (uint32_t)kf_get_reg(e->vcpu, KF_A32_REG_LR_UND);
		KF_ASSERT((pstate & 0x1f) == KF_A32_MODE_UND &&
			  lr == KF_A32_CALL + 4,
			  "UNDEF: pstate 0x%lx LR_und 0x%lx, expected UND mode and 0x%x; " KF_C_FMT,
			  pstate, lr, KF_A32_CALL + 4, KF_C_ARGS(c, q));
	} else {
		kf_a32_report(e, c, q, KF_A32_REPORT, r);
	}
	if (q->out_flags & KVM_TRAP_QUERY_RET)
		for (i = 0; i < 4; i++)
			want[i] = (uint32_t)q->ret[i];
	for (i = 0; i < 8; i++) {
		/* A native service's x0..x3 are its own. */
		if (i < 4 && q->stage == KVM_TRAP_STAGE_NATIVE &&
		    !(q->out_flags & KVM_TRAP_QUERY_RET))
			continue;
		KF_ASSERT(r[i] == want[i], "r%d = 0x%lx, expected 0x%lx; " KF_C_FMT,
			  i, r[i], want[i], KF_C_ARGS(c, q));
	}
}

static void test_fuzz_aarch32_calls(void)
{
	struct kf_range ranges[KF_ENV_LINKS * KF_NR_RULES + 2];
	struct kt_stats want = {};
	struct kvm_trap_query q;
	struct kf_expect x;
	struct kf_env e;
	struct kt_call c;
	int i, r, err;

	if (!kvm_has_cap(KVM_CAP_ARM_EL1_32BIT)) {
		ksft_print_msg("this CPU does not run AArch32 at EL1\n");
		exit(KSFT_SKIP);
	}
	kf_begin(__func__, 3000);
	kf_env_init_a32(&e);
	for (kf.iter = 0; kf.iter < kf.iters; kf.iter++) {
		if (kf.iter == kf.iters / 2)
			kf_env_accept_forwards(&e);
		if (kf_chance(3))
			kf_env_reroll(&e);

		/* r0..r7 are 32-bit; an A32 SMC has no immediate KVM sees. */
		memset(&c, 0, sizeof(c));
		c.conduit = KVM_TRAP_CONDUIT_HVC + kf_below(2);
		if (c.conduit == KVM_TRAP_CONDUIT_HVC)
			c.imm = kf_gen_imm(kf_env_rules(&e));
		c.x[0] = (uint32_t)kf_gen_x0(ranges, kf_env_ranges(&e, ranges));
		for (i = 1; i < 8; i++)
			c.x[i] = (uint32_t)kf_any_u64();
		memset(&q, 0, sizeof(q));
		q.conduit = c.conduit;
		q.flags = KVM_TRAP_QUERY_AARCH32;
		q.imm = c.imm;
		memcpy(q.regs, c.x, sizeof(c.x));
		r = ioctl(e.vm->fd, KVM_TRAP_QUERY, &q);
		err = errno;
		KF_ASSERT(!r, "query: %s; " KF_Q_FMT, kf_errname(err), KF_Q_ARGS(&q));
		x = kf_check_answer(&e, &q);
		if (kf_call_unsafe(&c, &q)) {
			kf_count("skipped_psci");
			continue;
		}
		kf_a32_call(&e, &c, &q, kf_below(16));
		kf_tally(&want, &c, &q, &x);
	}
	kf_end();
	kt_assert_stats(e.vm, want.pass, want.handled, want.forward, want.deny,
			want.undef, want.refused);
	kf_env_free(&e);
	kf_assert_no_leaks();
}

/* ---- 8. KVM_ENABLE_CAP(KVM_CAP_TRAP_BPF) ---- */

/* The "trap_forward:" line of the VM fd's fdinfo, 0 or 1. */
static int kf_fdinfo_forward(int vm_fd)
{
	char path[64], line[128];
	int val = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", vm_fd);
	f = fopen(path, "r");
	TEST_ASSERT(f, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "trap_forward: %d", &val) == 1)
			break;
	fclose(f);
	return val;
}

/*
 * Random KVM_ENABLE_CAP arguments: EINVAL for anything but flags 0,
 * args[1..3] 0 and known bits in args[0]; the opt-in to forwards is
 * sticky, shown in fdinfo, and the query's FORWARD or refused DENY
 * follows it; only the VM's creator may ask (EIO).
 */
static void test_fuzz_enable_cap(void)
{
	struct kvm_trap_query q;
	struct kvm_enable_cap cap;
	struct kf_env e;
	int r, err, expect, i, status;
	pid_t pid;

	kf_begin(__func__, 3000);
	kf_env_init(&e, true);
	for (kf.iter = 0; kf.iter < kf.iters; kf.iter++) {
		if (kf_chance(3))
			kf_env_reroll(&e);
		memset(&cap, 0, sizeof(cap));
		cap.cap = KVM_CAP_TRAP_BPF;
		if (kf_chance(5))
			cap.cap += kf_chance(50) ? 1 : -1;
		if (kf_chance(10))
			cap.flags = 1u << kf_below(32);
		cap.args[0] = kf_chance(60) ? kf_below(2) : kf_any_u64();
		/* Mostly no opt-in in the first half: the queries see both. */
		if (kf.iter < kf.iters / 2 && kf_chance(98))
			cap.args[0] &= ~KVM_TRAP_ENABLE_FORWARD;
		for (i = 1; i < 4; i++)
			if (kf_chance(5))
				cap.args[i] = kf_any_u64() | 1;
		expect = cap.cap != KVM_CAP_TRAP_BPF || cap.flags ||
			 cap.args[1] || cap.args[2] || cap.args[3] ||
			 (cap.args[0] & ~KVM_TRAP_ENABLE_ALL) ? EINVAL : 0;

		if (kf_chance(1)) {
			/* Another process (a forked child): KVM's EIO. */
			pid = fork();
			TEST_ASSERT(pid >= 0, "fork: %s", strerror(errno));
			if (!pid)
				_exit(ioctl(e.vm->fd, KVM_ENABLE_CAP, &cap) < 0 &&
				      errno == EIO ? 0 : 1);
			TEST_ASSERT(waitpid(pid, &status, 0) == pid, "waitpid");
			KF_ASSERT(WIFEXITED(status) && !WEXITSTATUS(status),
				  "KVM_ENABLE_CAP from another process was not refused with EIO");
			kf_count("cap:child_EIO");
		} else {
			r = ioctl(e.vm->fd, KVM_ENABLE_CAP, &cap);
			err = r ? errno : 0;
			kf_count_op("cap", err);
			KF_ASSERT(err == expect,
				  "KVM_ENABLE_CAP cap 0x%x flags 0x%x args 0x%llx 0x%llx 0x%llx 0x%llx: %d, %s, expected %s",
				  cap.cap, cap.flags, cap.args[0], cap.args[1],
				  cap.args[2], cap.args[3], r, kf_errname(err),
				  kf_errname(expect));
			if (!r && (cap.args[0] & KVM_TRAP_ENABLE_FORWARD))
				e.fwd = true;
		}
		KF_ASSERT(kf_fdinfo_forward(e.vm->fd) == e.fwd,
			  "fdinfo trap_forward %d, expected %d",
			  kf_fdinfo_forward(e.vm->fd), e.fwd);

		/* What the programs' FORWARDs now become. */
		kf_gen_query(&e, &q);
		if (kf_query_invalid(&q))
			continue;
		r = ioctl(e.vm->fd, KVM_TRAP_QUERY, &q);
		err = r ? errno : 0;
		KF_ASSERT(!r, "query: %s; " KF_Q_FMT, kf_errname(err), KF_Q_ARGS(&q));
		kf_check_answer(&e, &q);
	}
	kf_end();
	kf_env_free(&e);
	kf_assert_no_leaks();
}

static const struct kvmtrap_test tests[] = {
	KVMTRAP_TEST(test_fuzz_query),
	KVMTRAP_TEST(test_fuzz_native_list),
	KVMTRAP_TEST(test_fuzz_test_run),
	KVMTRAP_TEST(test_fuzz_links),
	KVMTRAP_TEST(test_fuzz_forward_answers),
	KVMTRAP_TEST(test_fuzz_guest_calls),
	KVMTRAP_TEST(test_fuzz_aarch32_calls),
	KVMTRAP_TEST(test_fuzz_enable_cap),
};

int main(void)
{
	const char *s = getenv("KVMTRAP_FUZZ_SEED");
	const char *n = getenv("KVMTRAP_FUZZ_ITERS");
	struct timespec ts;
	char *end;
	uint64_t x;

	if (s && *s) {
		errno = 0;
		kf_seed = strtoull(s, &end, 0);
		if (errno || *end)
			ksft_exit_fail_msg("KVMTRAP_FUZZ_SEED=%s: not a number\n", s);
	} else {
		/* Taken once, here: every test of this run shares it. */
		clock_gettime(CLOCK_REALTIME, &ts);
		x = (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
		kf_seed = kt_splitmix64(&x);
	}
	if (n && *n) {
		errno = 0;
		kf_iters_env = strtoul(n, &end, 0);
		if (errno || *end || !kf_iters_env)
			ksft_exit_fail_msg("KVMTRAP_FUZZ_ITERS=%s: not a positive number\n", n);
	}
	return kvmtrap_run_tests(tests, ARRAY_SIZE(tests));
}
