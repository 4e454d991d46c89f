// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrap_query - KVM_TRAP_QUERY and KVM_TRAP_NATIVE_LIST, the VM ioctls
 * that tell user space what happens to a call before a guest makes it,
 * and the VM fd's fdinfo name.
 *
 * Each stage of the decision is asked for and, where the call returns to
 * the guest, the same call is then made by a real guest: the query must
 * predict exactly the registers the guest gets.  The native list is
 * checked against the query ID by ID, and against the VM's SMCCC filter
 * and firmware bitmaps.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

#include "kvmtrap_vm.h"
#include "libkvmtrap.h"

#define KT_PSCI_VERSION		0x84000000u
#define KT_TRNG_VERSION		0x84000050u
#define KT_TRNG_RND64		0xc4000053u
#define KT_WORKAROUND_1		0x80008000u
#define KT_ARCH_UNKNOWN		0x80000042u

/* ---- helpers ---- */

static struct kvm_trap_query kt_query_of(const struct kt_call *c)
{
	struct kvm_trap_query q = {
		.conduit = c->conduit,
		.imm = c->imm,
	};

	/* x0..x7; regs[8..9] stay 0 on arm64 */
	memcpy(q.regs, c->x, sizeof(c->x));
	return q;
}

static int __kt_query(struct kvm_vm *vm, struct kvm_trap_query *q)
{
	return ioctl(vm->fd, KVM_TRAP_QUERY, q);
}

static struct kvm_trap_query kt_query(struct kvm_vm *vm, const struct kt_call *c)
{
	struct kvm_trap_query q = kt_query_of(c);

	TEST_ASSERT(!__kt_query(vm, &q), "KVM_TRAP_QUERY %s x0 = 0x%lx: %s",
		    kt_conduit_str(c->conduit), c->x[0], strerror(errno));
	return q;
}

static void kt_assert_stage(const struct kvm_trap_query *q, uint32_t stage,
			    uint32_t verdict, uint32_t out_flags)
{
	TEST_ASSERT(q->stage == stage && q->verdict == verdict &&
		    q->out_flags == out_flags,
		    "x0 = 0x%llx: stage %u verdict %u out_flags 0x%x, expected %u %u 0x%x",
		    q->regs[0], q->stage, q->verdict, q->out_flags, stage,
		    verdict, out_flags);
}

/* The guest makes @c; what it gets must be what the query said. */
static void kt_assert_prediction(struct kvm_vcpu *vcpu, const struct kt_call *c,
				 const struct kvm_trap_query *q)
{
	struct kt_regs r;

	TEST_ASSERT(q->out_flags & KVM_TRAP_QUERY_RET,
		    "query of x0 = 0x%lx predicts no registers", c->x[0]);
	kt_run_call(vcpu, c, &r);
	kt_assert_ret(c, &r, q->ret[0], q->ret[1], q->ret[2], q->ret[3]);
}

static int __kt_native_list(struct kvm_vm *vm, struct kvm_trap_native_list *l)
{
	return ioctl(vm->fd, KVM_TRAP_NATIVE_LIST, l);
}

/* The VM's native list, malloc()ed. */
static struct kvm_trap_native_list *kt_native_list(struct kvm_vm *vm)
{
	struct kvm_trap_native_list hdr = {}, *l;
	int r;

	r = __kt_native_list(vm, &hdr);
	TEST_ASSERT(r < 0 && errno == E2BIG,
		    "KVM_TRAP_NATIVE_LIST with no room should return E2BIG: %d, %s",
		    r, strerror(errno));
	TEST_ASSERT(hdr.nr > 0, "no native range at all");
	l = calloc(1, sizeof(*l) + hdr.nr * sizeof(l->ranges[0]));
	TEST_ASSERT(l, "calloc");
	l->nr = hdr.nr;
	r = __kt_native_list(vm, l);
	TEST_ASSERT(!r, "KVM_TRAP_NATIVE_LIST: %s", strerror(errno));
	TEST_ASSERT(l->nr == hdr.nr, "%u ranges, %u announced", l->nr, hdr.nr);
	return l;
}

/* The flags of the range of @l that holds @id for @conduit, or -1. */
static int kt_list_flags(const struct kvm_trap_native_list *l,
			 uint32_t conduit, uint64_t id)
{
	uint32_t i;

	for (i = 0; i < l->nr; i++)
		if (l->ranges[i].conduit == conduit &&
		    l->ranges[i].first <= id && id <= l->ranges[i].last)
			return l->ranges[i].flags;
	return -1;
}

/* Does @l list @id for @conduit, with @flags? */
static bool kt_listed(const struct kvm_trap_native_list *l, uint32_t conduit,
		      uint64_t id, uint32_t flags)
{
	return kt_list_flags(l, conduit, id) == (int)flags;
}

/* ---- the stages ---- */

static void test_query_native(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = kt_create_vm(&vcpu);
	struct kt_call c = kt_smccc(KVM_TRAP_CONDUIT_HVC, KT_PSCI_VERSION);
	struct kvm_trap_query q = kt_query(vm, &c);

	/* A native service needs a vCPU to run: no registers predicted. */
	kt_assert_stage(&q, KVM_TRAP_STAGE_NATIVE, KVM_TRAP_HANDLED, 0);
	TEST_ASSERT(!q.ret[0] && !q.link_id && !q.prog_id,
		    "native answer has ret[0] 0x%llx link %u prog %u",
		    q.ret[0], q.link_id, q.prog_id);
	kvm_vm_free(vm);
}

static void test_query_el2_workaround(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = kt_create_vm(&vcpu);
	struct kt_call hvc = kt_smccc(KVM_TRAP_CONDUIT_HVC, KT_WORKAROUND_1);
	struct kt_call smc = kt_smccc(KVM_TRAP_CONDUIT_SMC, KT_WORKAROUND_1);
	struct kvm_trap_query q = kt_query(vm, &hvc);

	kt_assert_stage(&q, KVM_TRAP_STAGE_NATIVE, KVM_TRAP_HANDLED,
			KVM_TRAP_QUERY_RET | KVM_TRAP_QUERY_EL2);
	kt_assert_prediction(vcpu, &hvc, &q);

	/* Only HVC has the EL2 fast path; an SMC is an unknown arch call. */
	q = kt_query(vm, &smc);
	kt_assert_stage(&q, KVM_TRAP_STAGE_DEFAULT, KVM_TRAP_DENY,
			KVM_TRAP_QUERY_RET);
	kt_assert_prediction(vcpu, &smc, &q);
	kvm_vm_free(vm);
}

static void test_query_default(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = kt_create_vm(&vcpu);
	struct kt_call c = kt_smccc(KVM_TRAP_CONDUIT_SMC, KT_FUNC_64);
	struct kvm_trap_query q = kt_query(vm, &c);

	kt_assert_stage(&q, KVM_TRAP_STAGE_DEFAULT, KVM_TRAP_DENY,
			KVM_TRAP_QUERY_RET);
	TEST_ASSERT(q.ret[0] == KT_NOT_SUPPORTED, "ret[0] 0x%llx", q.ret[0]);
	kt_assert_prediction(vcpu, &c, &q);
	kvm_vm_free(vm);
}

/* SMC #imm: KVM sets x0 = ~0 and leaves x1..x3. */
static void test_query_smc_imm_default(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = kt_create_vm(&vcpu);
	struct kt_call c = kt_imm_call(KVM_TRAP_CONDUIT_SMC, KT_IMM_42,
				       KT_PSCI_VERSION);
	struct kvm_trap_query q = kt_query(vm, &c);

	kt_assert_stage(&q, KVM_TRAP_STAGE_DEFAULT, KVM_TRAP_DENY,
			KVM_TRAP_QUERY_RET);
	TEST_ASSERT(q.ret[0] == ~0ull && q.ret[1] == c.x[1],
		    "ret 0x%llx 0x%llx", q.ret[0], q.ret[1]);
	kt_assert_prediction(vcpu, &c, &q);
	kvm_vm_free(vm);
}

/* HVC #imm that no program takes goes on as the SMCCC call of x0. */
static void test_query_hvc_imm_falls_back_to_smccc(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = kt_create_vm(&vcpu);
	struct kt_call c = kt_imm_call(KVM_TRAP_CONDUIT_HVC, KT_IMM_1,
				       KT_PSCI_VERSION);
	struct kvm_trap_query q = kt_query(vm, &c);

	kt_assert_stage(&q, KVM_TRAP_STAGE_NATIVE, KVM_TRAP_HANDLED, 0);
	kvm_vm_free(vm);
}

static void test_query_filter(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = kt_create_vm(&vcpu);
	struct kt_call deny = kt_smccc(KVM_TRAP_CONDUIT_HVC, KT_PSCI_VERSION);
	struct kt_call fwd = kt_smccc(KVM_TRAP_CONDUIT_SMC, KT_FUNC_64);
	struct kvm_trap_query q;

	kt_set_filter(vm, KT_PSCI_VERSION, 1, KVM_SMCCC_FILTER_DENY);
	kt_set_filter(vm, KT_FUNC_64, 1, KVM_SMCCC_FILTER_FWD_TO_USER);

	q = kt_query(vm, &deny);
	kt_assert_stage(&q, KVM_TRAP_STAGE_FILTER, KVM_TRAP_DENY,
			KVM_TRAP_QUERY_RET);
	kt_assert_prediction(vcpu, &deny, &q);

	q = kt_query(vm, &fwd);
	kt_assert_stage(&q, KVM_TRAP_STAGE_FILTER, KVM_TRAP_FORWARD, 0);
	kt_start(vcpu, &fwd);
	kt_assert_hypercall_exit(vcpu);
	kvm_vm_free(vm);
}

/* The deciding link and program are named; ret[] is narrowed for SMC32. */
static void test_query_bpf_handled(void)
{
	struct kt_call c64, c32;
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	struct kvm_trap_query q;
	struct kt_env e;
	int r;

	kt_env_init(&e);
	kt_rule_ret(e.skel, KVM_TRAP_HANDLED, 0xf00000000ull);
	r = bpf_link_get_info_by_fd(bpf_link__fd(e.link), &info, &len);
	TEST_ASSERT(!r, "bpf_link_get_info_by_fd: %s", strerror(errno));

	c64 = kt_smccc(KVM_TRAP_CONDUIT_HVC, KT_FUNC_64);
	q = kt_query(e.vm, &c64);
	kt_assert_stage(&q, KVM_TRAP_STAGE_BPF, KVM_TRAP_HANDLED,
			KVM_TRAP_QUERY_RET);
	TEST_ASSERT(q.link_id == info.id && q.prog_id == info.prog_id,
		    "link %u prog %u, expected %u %u", q.link_id, q.prog_id,
		    info.id, info.prog_id);
	TEST_ASSERT(q.ret[0] == 0xf00000000ull && q.ret[3] == 0xf00000003ull,
		    "ret 0x%llx .. 0x%llx", q.ret[0], q.ret[3]);
	kt_assert_prediction(e.vcpu, &c64, &q);

	c32 = kt_smccc(KVM_TRAP_CONDUIT_SMC, KT_FUNC_32);
	q = kt_query(e.vm, &c32);
	TEST_ASSERT(q.ret[0] == 0 && q.ret[1] == 1, "SMC32 ret 0x%llx 0x%llx",
		    q.ret[0], q.ret[1]);
	kt_assert_prediction(e.vcpu, &c32, &q);
	kt_env_free(&e);
}

static void test_query_bpf_deny_undef(void)
{
	struct kt_call c = kt_smccc(KVM_TRAP_CONDUIT_HVC, KT_FUNC_64);
	struct kvm_trap_query q;
	struct kt_env e;

	kt_env_init(&e);
	kt_rule_all(e.skel, KVM_TRAP_DENY);
	q = kt_query(e.vm, &c);
	kt_assert_stage(&q, KVM_TRAP_STAGE_BPF, KVM_TRAP_DENY,
			KVM_TRAP_QUERY_RET);
	kt_assert_prediction(e.vcpu, &c, &q);

	kt_rule_all(e.skel, KVM_TRAP_UNDEF);
	q = kt_query(e.vm, &c);
	kt_assert_stage(&q, KVM_TRAP_STAGE_BPF, KVM_TRAP_UNDEF, 0);

	kt_env_free(&e);
}

/*
 * FORWARD reaches only a VMM that opted in: before that the query says
 * what the guest gets (DENY, NOT_SUPPORTED) and that it was a refused
 * forward; after it, FORWARD.
 */
static void test_query_forward_refused_until_opt_in(void)
{
	struct kt_call c = kt_smccc(KVM_TRAP_CONDUIT_SMC, KT_FUNC_64);
	struct kvm_trap_query q;
	struct kt_env e;

	kt_env_init(&e);
	kt_rule_all(e.skel, KVM_TRAP_FORWARD);
	q = kt_query(e.vm, &c);
	kt_assert_stage(&q, KVM_TRAP_STAGE_BPF, KVM_TRAP_DENY,
			KVM_TRAP_QUERY_RET | KVM_TRAP_QUERY_REFUSED);
	kt_assert_prediction(e.vcpu, &c, &q);

	kt_accept_forwards(e.vm);
	q = kt_query(e.vm, &c);
	kt_assert_stage(&q, KVM_TRAP_STAGE_BPF, KVM_TRAP_FORWARD, 0);
	kt_env_free(&e);
}

/* Programs see KVM_TRAP_F_QUERY, and the context a trap would give. */
static void test_query_ctx_has_query_flag(void)
{
	struct kt_call c = kt_smccc(KVM_TRAP_CONDUIT_SMC, KT_FUNC_32);
	struct kvm_trap_query q = kt_query_of(&c);
	struct kt_env e;

	kt_env_init(&e);
	q.vcpu_id = 7;
	TEST_ASSERT(!__kt_query(e.vm, &q), "KVM_TRAP_QUERY: %s",
		    strerror(errno));
	kt_assert_ctx(e.skel, &c, 7, KVM_TRAP_F_QUERY | KVM_TRAP_F_SMC32,
		      KT_FUNC_32, true);
	kt_env_free(&e);
}

static void test_query_aarch32_narrows(void)
{
	struct kt_call c = kt_smccc(KVM_TRAP_CONDUIT_HVC, KT_FUNC_64);
	struct kvm_trap_query q = kt_query_of(&c);
	struct kt_env e;

	kt_env_init(&e);
	q.flags = KVM_TRAP_QUERY_AARCH32;
	TEST_ASSERT(!__kt_query(e.vm, &q), "KVM_TRAP_QUERY: %s",
		    strerror(errno));
	kt_assert_ctx(e.skel, &c, 0, KVM_TRAP_F_QUERY | KVM_TRAP_F_AARCH32,
		      (uint32_t)KT_FUNC_64, true);
	kt_env_free(&e);
}

/* The next record of /dev/kmsg after @fd's position, if there is one. */
static bool kmsg_new_record(int fd, char *rec, size_t size)
{
	ssize_t n = read(fd, rec, size - 1);

	if (n <= 0)
		return false;
	rec[n] = 0;
	return true;
}

/*
 * A query has no side effect in the kernel: whatever the program decides
 * (a refused FORWARD included), no statistic moves and nothing is logged.
 */
static void test_query_no_side_effects(void)
{
	static const uint32_t verdicts[] = {
		KVM_TRAP_HANDLED, KVM_TRAP_FORWARD, KVM_TRAP_DENY,
		KVM_TRAP_UNDEF, KVM_TRAP_PASS,
	};
	struct kt_call c = kt_smccc(KVM_TRAP_CONDUIT_HVC, KT_FUNC_64);
	char rec[1024];
	struct kt_env e;
	unsigned int i;
	int kmsg;

	kt_env_init(&e);
	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	TEST_ASSERT(kmsg >= 0, "open /dev/kmsg: %s", strerror(errno));
	lseek(kmsg, 0, SEEK_END);
	for (i = 0; i < ARRAY_SIZE(verdicts); i++) {
		kt_rule_all(e.skel, verdicts[i]);
		kt_query(e.vm, &c);
		kt_query(e.vm, &c);
		kt_assert_stats(e.vm, 0, 0, 0, 0, 0, 0);
	}
	kt_assert_runs(e.skel, 2 * ARRAY_SIZE(verdicts));
	TEST_ASSERT(!kmsg_new_record(kmsg, rec, sizeof(rec)),
		    "the kernel logged during queries: %s", rec);
	close(kmsg);
	kt_env_free(&e);
}

/* A query is no call: no verdict is counted. */
static void test_query_not_counted(void)
{
	struct kt_call c = kt_smccc(KVM_TRAP_CONDUIT_HVC, KT_FUNC_64);
	struct kt_regs r;
	struct kt_env e;

	kt_env_init(&e);
	kt_rule_all(e.skel, KVM_TRAP_DENY);
	kt_query(e.vm, &c);
	kt_query(e.vm, &c);
	kt_assert_stats(e.vm, 0, 0, 0, 0, 0, 0);
	/* control: the same call made by the guest is counted */
	kt_run_call(e.vcpu, &c, &r);
	kt_assert_stats(e.vm, 0, 0, 0, 1, 0, 0);
	kt_env_free(&e);
}

/* The architecture range never reaches a program, in a query either. */
static void test_query_arch_range_not_offered(void)
{
	struct kt_call c = kt_smccc(KVM_TRAP_CONDUIT_HVC, KT_ARCH_UNKNOWN);
	struct kvm_trap_query q;
	struct kt_env e;

	kt_env_init(&e);
	kt_rule_all(e.skel, KVM_TRAP_UNDEF);
	q = kt_query(e.vm, &c);
	kt_assert_stage(&q, KVM_TRAP_STAGE_DEFAULT, KVM_TRAP_DENY,
			KVM_TRAP_QUERY_RET);
	kt_assert_runs(e.skel, 0);
	kt_env_free(&e);
}

/*
 * libkvmtrap's kvmtrap_ctx_from_call() (what "kvmtrap test" runs a policy
 * on) builds the very context the kernel builds for the same call.
 */
static void test_query_ctx_matches_libkvmtrap(void)
{
	static const struct {
		uint32_t conduit, imm, flags;
		uint64_t x0;
	} calls[] = {
		{ KVM_TRAP_CONDUIT_HVC, 0, 0, KT_FUNC_64 },
		{ KVM_TRAP_CONDUIT_SMC, 0, 0, KT_FUNC_32 },
		{ KVM_TRAP_CONDUIT_SMC, 0, 0, 0xffffffff00000000ull | KT_FUNC_64 },
		{ KVM_TRAP_CONDUIT_HVC, KT_IMM_42, 0, 0x1122334455667788ull },
		{ KVM_TRAP_CONDUIT_HVC, 0, KVM_TRAP_QUERY_AARCH32, KT_FUNC_64 },
		{ KVM_TRAP_CONDUIT_SMC, 0, KVM_TRAP_QUERY_AARCH32, KT_FUNC_64 },
	};
	struct kvm_trap_ctx want;
	struct kvm_trap_query q;
	struct kt_call c;
	struct kt_env e;
	unsigned int i;

	kt_env_init(&e);
	for (i = 0; i < ARRAY_SIZE(calls); i++) {
		c = kt_imm_call(calls[i].conduit, calls[i].imm, calls[i].x0);
		q = kt_query_of(&c);
		q.flags = calls[i].flags;
		q.vcpu_id = i;
		kvmtrap_ctx_from_call(&q, &want);
		want.flags |= KVM_TRAP_F_QUERY;
		TEST_ASSERT(!__kt_query(e.vm, &q), "KVM_TRAP_QUERY: %s",
			    strerror(errno));
		TEST_ASSERT(!memcmp(&e.skel->bss->seen.ctx, &want, sizeof(want)),
			    "call %u: the kernel's context (flags 0x%x func_id 0x%llx args[0] 0x%llx) differs from kvmtrap_ctx_from_call()'s (0x%x 0x%llx 0x%llx)",
			    i, e.skel->bss->seen.ctx.flags,
			    e.skel->bss->seen.ctx.func_id,
			    e.skel->bss->seen.ctx.args[0], want.flags,
			    want.func_id, want.args[0]);
	}
	kt_env_free(&e);
}

/* ---- bad input ---- */

static void kt_assert_query_einval(struct kvm_vm *vm, struct kvm_trap_query *q,
				   const char *what)
{
	int r = __kt_query(vm, q);

	TEST_ASSERT(r < 0 && errno == EINVAL,
		    "KVM_TRAP_QUERY with %s should return EINVAL: %d, %s",
		    what, r, strerror(errno));
}

static void test_query_bad_input(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = kt_create_vm(&vcpu);
	struct kt_call c = kt_smccc(KVM_TRAP_CONDUIT_HVC, KT_FUNC_64);
	struct kvm_trap_query q;
	int r;

	q = kt_query_of(&c);
	q.flags = 1u << 1;
	kt_assert_query_einval(vm, &q, "unknown flags");
	q = kt_query_of(&c);
	q.conduit = 0;
	kt_assert_query_einval(vm, &q, "conduit 0");
	q.conduit = KVM_TRAP_CONDUIT_PAPR_HCALL;
	kt_assert_query_einval(vm, &q, "the POWER conduit on arm64");
	q = kt_query_of(&c);
	q.pad = 1;
	kt_assert_query_einval(vm, &q, "non-zero pad");
	q = kt_query_of(&c);
	q.ret[3] = 1;
	kt_assert_query_einval(vm, &q, "non-zero out fields");
	q = kt_query_of(&c);
	q.imm = 0x10000;
	kt_assert_query_einval(vm, &q, "a 17-bit immediate");
	q = kt_query_of(&c);
	q.conduit = KVM_TRAP_CONDUIT_SMC;
	q.flags = KVM_TRAP_QUERY_AARCH32;
	q.imm = 1;
	/* An A32 SMC encodes no immediate: KVM always sees 0. */
	kt_assert_query_einval(vm, &q, "an immediate for an A32 SMC");

	r = ioctl(vm->fd, KVM_TRAP_QUERY, (void *)8);
	TEST_ASSERT(r < 0 && errno == EFAULT,
		    "KVM_TRAP_QUERY with a bad pointer should return EFAULT: %d, %s",
		    r, strerror(errno));
	kvm_vm_free(vm);
}

/* ---- the native list ---- */

static void test_native_list_default(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = kt_create_vm(&vcpu);
	struct kvm_trap_native_list *l = kt_native_list(vm);
	const struct kvm_trap_range *a, *b;
	uint32_t conduit, i;

	for (i = 0; i + 1 < l->nr; i++) {
		a = &l->ranges[i];
		b = &l->ranges[i + 1];
		TEST_ASSERT(a->first <= a->last, "range %u inverted", i);
		TEST_ASSERT(a->conduit < b->conduit ||
			    (a->conduit == b->conduit && a->last < b->first),
			    "ranges %u and %u overlap or are not sorted", i,
			    i + 1);
	}
	for (conduit = KVM_TRAP_CONDUIT_HVC; conduit <= KVM_TRAP_CONDUIT_SMC;
	     conduit++) {
		TEST_ASSERT(kt_listed(l, conduit, ARM_SMCCC_VERSION_FUNC_ID, 0) &&
			    kt_listed(l, conduit, KT_PSCI_VERSION, 0) &&
			    kt_listed(l, conduit, KT_PSCI_VERSION + 0x1f, 0) &&
			    kt_listed(l, conduit, KT_TRNG_RND64, 0),
			    "%s: SMCCC_VERSION, PSCI or TRNG missing",
			    kt_conduit_str(conduit));
		TEST_ASSERT(!kt_listed(l, conduit, KT_FUNC_64, 0) &&
			    !kt_listed(l, conduit, KT_PSCI_VERSION + 0x20, 0),
			    "%s: an unknown ID is listed", kt_conduit_str(conduit));
	}
	TEST_ASSERT(kt_listed(l, KVM_TRAP_CONDUIT_HVC, KT_WORKAROUND_1,
			      KVM_TRAP_RANGE_EL2),
		    "HVC WORKAROUND_1 not listed as EL2");
	TEST_ASSERT(!kt_listed(l, KVM_TRAP_CONDUIT_SMC, KT_WORKAROUND_1, 0) &&
		    !kt_listed(l, KVM_TRAP_CONDUIT_SMC, KT_WORKAROUND_1,
			       KVM_TRAP_RANGE_EL2),
		    "SMC WORKAROUND_1 listed");
	free(l);
	kvm_vm_free(vm);
}

/* Every range's bounds, and the IDs just outside, agree with the query. */
static void test_native_list_agrees_with_query(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = kt_create_vm(&vcpu);
	struct kvm_trap_native_list *l;
	struct kvm_trap_query q;
	struct kt_call c;
	uint64_t ids[4];
	uint32_t i, j;

	kt_set_filter(vm, KT_PSCI_VERSION + 4, 2, KVM_SMCCC_FILTER_DENY);
	l = kt_native_list(vm);
	for (i = 0; i < l->nr; i++) {
		const struct kvm_trap_range *rg = &l->ranges[i];

		ids[0] = rg->first;
		ids[1] = rg->last;
		ids[2] = rg->first - 1;
		ids[3] = rg->last + 1;
		for (j = 0; j < 4; j++) {
			int flags = kt_list_flags(l, rg->conduit, ids[j]);
			bool el2 = flags >= 0 && (flags & KVM_TRAP_RANGE_EL2);

			c = kt_smccc(rg->conduit, (uint32_t)ids[j]);
			q = kt_query(vm, &c);
			TEST_ASSERT((q.stage == KVM_TRAP_STAGE_NATIVE) ==
				    (flags >= 0),
				    "%s 0x%lx: list flags %d, query stage %u",
				    kt_conduit_str(rg->conduit), ids[j], flags,
				    q.stage);
			TEST_ASSERT(!!(q.out_flags & KVM_TRAP_QUERY_EL2) == el2,
				    "%s 0x%lx: EL2 in the list %d, in the query 0x%x",
				    kt_conduit_str(rg->conduit), ids[j], el2,
				    q.out_flags);
		}
	}
	/* The filter split PSCI: 0x84000004 and 5 are its now. */
	TEST_ASSERT(!kt_listed(l, KVM_TRAP_CONDUIT_HVC, KT_PSCI_VERSION + 4, 0) &&
		    kt_listed(l, KVM_TRAP_CONDUIT_HVC, KT_PSCI_VERSION + 6, 0),
		    "the filtered PSCI IDs are listed, or their neighbours not");
	free(l);
	kvm_vm_free(vm);
}

/* Clearing TRNG in the firmware bitmap takes it off the list. */
static void test_native_list_follows_bitmaps(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = kt_create_vm(&vcpu);
	struct kvm_trap_native_list *l;
	struct kt_call c = kt_smccc(KVM_TRAP_CONDUIT_HVC, KT_TRNG_VERSION);
	struct kvm_trap_query q;

	vcpu_set_reg(vcpu, KVM_REG_ARM_STD_BMAP, 0);
	l = kt_native_list(vm);
	TEST_ASSERT(!kt_listed(l, KVM_TRAP_CONDUIT_HVC, KT_TRNG_VERSION, 0) &&
		    !kt_listed(l, KVM_TRAP_CONDUIT_SMC, KT_TRNG_RND64, 0),
		    "TRNG listed although the VM's bitmap hides it");
	TEST_ASSERT(kt_listed(l, KVM_TRAP_CONDUIT_HVC, KT_PSCI_VERSION, 0),
		    "PSCI gone with TRNG");
	q = kt_query(vm, &c);
	kt_assert_stage(&q, KVM_TRAP_STAGE_DEFAULT, KVM_TRAP_DENY,
			KVM_TRAP_QUERY_RET);
	kt_assert_prediction(vcpu, &c, &q);
	free(l);
	kvm_vm_free(vm);
}

static void test_native_list_bad_input(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = kt_create_vm(&vcpu);
	struct kvm_trap_native_list hdr = { .pad = 1 };
	int r;

	r = __kt_native_list(vm, &hdr);
	TEST_ASSERT(r < 0 && errno == EINVAL,
		    "KVM_TRAP_NATIVE_LIST with non-zero pad should return EINVAL: %d, %s",
		    r, strerror(errno));
	hdr.pad = 0;
	hdr.nr = 1;
	r = __kt_native_list(vm, &hdr);
	TEST_ASSERT(r < 0 && errno == E2BIG && hdr.nr > 1,
		    "KVM_TRAP_NATIVE_LIST with room for 1 should return E2BIG and the count: %d, %s, nr %u",
		    r, strerror(errno), hdr.nr);
	kvm_vm_free(vm);
}

/*
 * Another process holding the VM fd (here a forked child, which has its
 * own mm) may ask, while KVM's other VM ioctls stay the VMM's own.
 */
static void test_query_from_another_process(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = kt_create_vm(&vcpu);
	struct kt_call c = kt_smccc(KVM_TRAP_CONDUIT_HVC, KT_PSCI_VERSION);
	struct kvm_trap_native_list hdr = {};
	struct kvm_trap_query q = kt_query_of(&c);
	int status, r;
	pid_t pid;

	pid = fork();
	TEST_ASSERT(pid >= 0, "fork: %s", strerror(errno));
	if (!pid) {
		r = __kt_query(vm, &q);
		if (r || q.stage != KVM_TRAP_STAGE_NATIVE)
			_exit(1);
		r = __kt_native_list(vm, &hdr);
		if (r >= 0 || errno != E2BIG || !hdr.nr)
			_exit(2);
		/* control: an ordinary VM ioctl is refused */
		r = ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_TRAP_BPF);
		if (r >= 0 || errno != EIO)
			_exit(3);
		_exit(0);
	}
	TEST_ASSERT(waitpid(pid, &status, 0) == pid, "waitpid");
	TEST_ASSERT(WIFEXITED(status) && !WEXITSTATUS(status),
		    "in another process: %s",
		    !WIFEXITED(status) ? "killed" :
		    WEXITSTATUS(status) == 1 ? "KVM_TRAP_QUERY failed" :
		    WEXITSTATUS(status) == 2 ? "KVM_TRAP_NATIVE_LIST failed" :
		    "KVM_CHECK_EXTENSION was not refused with EIO");
	kvm_vm_free(vm);
}

/* ---- the VM's name ---- */

static void test_vm_fdinfo_name(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = kt_create_vm(&vcpu);
	char path[64], line[128], want[64];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", vm->fd);
	snprintf(want, sizeof(want), "vm:\t%d-%d\n", getpid(), vm->fd);
	f = fopen(path, "r");
	TEST_ASSERT(f, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f))
		found |= !strcmp(line, want);
	fclose(f);
	TEST_ASSERT(found, "%s has no line \"vm:\\t%d-%d\"", path, getpid(),
		    vm->fd);
	kvm_vm_free(vm);
}

static const struct kvmtrap_test tests[] = {
	KVMTRAP_TEST(test_query_native),
	KVMTRAP_TEST(test_query_el2_workaround),
	KVMTRAP_TEST(test_query_default),
	KVMTRAP_TEST(test_query_smc_imm_default),
	KVMTRAP_TEST(test_query_hvc_imm_falls_back_to_smccc),
	KVMTRAP_TEST(test_query_filter),
	KVMTRAP_TEST(test_query_bpf_handled),
	KVMTRAP_TEST(test_query_bpf_deny_undef),
	KVMTRAP_TEST(test_query_forward_refused_until_opt_in),
	KVMTRAP_TEST(test_query_no_side_effects),
	KVMTRAP_TEST(test_query_ctx_has_query_flag),
	KVMTRAP_TEST(test_query_aarch32_narrows),
	KVMTRAP_TEST(test_query_not_counted),
	KVMTRAP_TEST(test_query_arch_range_not_offered),
	KVMTRAP_TEST(test_query_ctx_matches_libkvmtrap),
	KVMTRAP_TEST(test_query_bad_input),
	KVMTRAP_TEST(test_native_list_default),
	KVMTRAP_TEST(test_native_list_agrees_with_query),
	KVMTRAP_TEST(test_native_list_follows_bitmaps),
	KVMTRAP_TEST(test_native_list_bad_input),
	KVMTRAP_TEST(test_query_from_another_process),
	KVMTRAP_TEST(test_vm_fdinfo_name),
};

int main(void)
{
	return kvmtrap_run_tests(tests, ARRAY_SIZE(tests));
}
