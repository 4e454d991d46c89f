/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmtrap_vm.h - the guest and the VMM side shared by the kvmtrap selftests
 * that run an arm64 guest (upstream KVM selftest library):
 *
 *  - a guest that makes one fully described HVC or SMC per request (any
 *    x0..x7, immediate 0, 1, 0x42 or 0xffff), reports x0..x7 after it, and
 *    records an undefined-instruction exception (EC 0) taken at the call;
 *  - VM creation with PSCI 0.2 and that exception handler, the SMCCC
 *    filter, the kvmtrap VM statistics;
 *  - loading and linking the configurable kvmtrap_policy program.
 */
#ifndef KVMTRAP_VM_H
#define KVMTRAP_VM_H

#include <errno.h>
#include <stdint.h>
#include <linux/arm-smccc.h>
#include <linux/kvm_trap.h>
#include <linux/compiler.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "processor.h"
#include "test_util.h"
#include "ucall_common.h"

#include "kvmtrap_test.h"
#include "kvmtrap_policy.h"
#include "kvmtrap_policy.skel.h"

/* Function IDs that no native handler knows: the OEM service owner. */
#define KT_FUNC_64 ARM_SMCCC_CALL_VAL(ARM_SMCCC_FAST_CALL, \
	ARM_SMCCC_SMC_64, ARM_SMCCC_OWNER_OEM, 0x42)
#define KT_FUNC_32 ARM_SMCCC_CALL_VAL(ARM_SMCCC_FAST_CALL, \
	ARM_SMCCC_SMC_32, ARM_SMCCC_OWNER_OEM, 0x42)

/* x1..x7 of a call: both halves non-zero and different, per register. */
#define KT_ARG(n) ((((0xa0ull + (n)) * 0x01010101ull) << 32) | \
		   ((n) * 0x11111111ull))

#define KT_NOT_SUPPORTED ((uint64_t)SMCCC_RET_NOT_SUPPORTED)

/* Immediates the guest can encode (an immediate is part of the opcode). */
#define KT_IMM_1	0x1
#define KT_IMM_42	0x42
#define KT_IMM_FFFF	0xffff

/* One call as the guest makes it. */
struct kt_call {
	uint32_t conduit;	/* KVM_TRAP_CONDUIT_HVC or _SMC */
	uint32_t imm;		/* 0 or one of KT_IMM_* */
	uint64_t x[8];		/* x0..x7 at the call */
};

/* The guest's state after the call. */
struct kt_regs {
	uint64_t x[8];		/* x0..x7 after the call */
	uint64_t pc;		/* address of the HVC/SMC instruction */
	uint64_t undef_count;	/* EC 0 exceptions taken during the call */
	uint64_t undef_elr;
	uint64_t undef_esr;
};

static struct kt_call guest_req;
static struct kt_regs guest_res;
static struct {
	uint64_t count, elr, esr;
} guest_undef;

/* ---- guest ---- */

/* The guest keeps running after the exception, at the next instruction. */
static void __maybe_unused guest_undef_handler(struct ex_regs *regs)
{
	guest_undef.count++;
	guest_undef.elr = regs->pc;
	guest_undef.esr = read_sysreg(esr_el1);
	regs->pc += 4;
}

/*
 * x0..x7 are loaded from @in, the call made, x0..x7 stored to @out and the
 * call's address to @out[8], all in one asm statement so that nothing the
 * compiler emits can come between the registers and the call.
 */
#define KT_INSN(insn)							\
	asm volatile("ldp	x0, x1, [%[in]]\n"			\
		     "ldp	x2, x3, [%[in], #16]\n"			\
		     "ldp	x4, x5, [%[in], #32]\n"			\
		     "ldp	x6, x7, [%[in], #48]\n"			\
		     "adr	x8, 1f\n"					\
		     "str	x8, [%[out], #64]\n"			\
		     "1:	" insn "\n"					\
		     "stp	x0, x1, [%[out]]\n"			\
		     "stp	x2, x3, [%[out], #16]\n"			\
		     "stp	x4, x5, [%[out], #32]\n"			\
		     "stp	x6, x7, [%[out], #48]\n"			\
		     : : [in] "r" (c->x), [out] "r" (r->x)		\
		     : "x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", \
		       "memory")

#define KT_CASE(imm)							\
	case imm:							\
		if (smc)						\
			KT_INSN("smc	#" #imm);			\
		else							\
			KT_INSN("hvc	#" #imm);			\
		break

static void __maybe_unused guest_do_call(const struct kt_call *c,
					 struct kt_regs *r)
{
	bool smc = c->conduit == KVM_TRAP_CONDUIT_SMC;

	_Static_assert(offsetof(struct kt_regs, pc) == 64, "kt_regs layout");
	guest_undef.count = 0;
	switch (c->imm) {
	KT_CASE(0);
	KT_CASE(0x1);
	KT_CASE(0x42);
	KT_CASE(0xffff);
	default:
		GUEST_FAIL("no HVC/SMC encoding for immediate 0x%x", c->imm);
	}
	r->undef_count = guest_undef.count;
	r->undef_elr = guest_undef.elr;
	r->undef_esr = guest_undef.esr;
}

/* One call per request: the host sets guest_req, runs, reads guest_res. */
static void __maybe_unused guest_main(void)
{
	for (;;) {
		guest_do_call(&guest_req, &guest_res);
		GUEST_SYNC(0);
	}
}

/* ---- VMM ---- */

/*
 * @nr vCPUs with ids 0..nr-1 running @guest_code, PSCI 0.2 in the kernel
 * as every real VMM configures it, and the EC 0 handler installed.
 */
static inline struct kvm_vm *kt_create_vm_n(unsigned int nr,
					    struct kvm_vcpu *vcpus[],
					    void *guest_code)
{
	struct kvm_vcpu_init init;
	struct kvm_vm *vm;
	unsigned int i;

	vm = vm_create(nr);
	vm_ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init);
	init.features[0] |= 1 << KVM_ARM_VCPU_PSCI_0_2;
	vm_init_descriptor_tables(vm);
	for (i = 0; i < nr; i++) {
		vcpus[i] = aarch64_vcpu_add(vm, i, &init, guest_code);
		vcpu_init_descriptor_tables(vcpus[i]);
	}
	vm_install_sync_handler(vm, VECTOR_SYNC_CURRENT, ESR_EC_UNKNOWN,
				guest_undef_handler);
	return vm;
}

static inline struct kvm_vm *kt_create_vm(struct kvm_vcpu **vcpu)
{
	return kt_create_vm_n(1, vcpu, guest_main);
}

/* An SMCCC call (immediate 0) to @func with x1..x7 = KT_ARG(1..7). */
static inline struct kt_call kt_smccc(uint32_t conduit, uint64_t func)
{
	struct kt_call c = { .conduit = conduit, .x = { func } };
	int i;

	for (i = 1; i < 8; i++)
		c.x[i] = KT_ARG(i);
	return c;
}

static inline struct kt_call kt_imm_call(uint32_t conduit, uint32_t imm,
					 uint64_t x0)
{
	struct kt_call c = kt_smccc(conduit, x0);

	c.imm = imm;
	return c;
}

static inline const char *kt_conduit_str(uint32_t conduit)
{
	return conduit == KVM_TRAP_CONDUIT_SMC ? "SMC" : "HVC";
}

/* Hand the guest its next call and let it run until its next exit. */
static inline void kt_start(struct kvm_vcpu *vcpu, const struct kt_call *c)
{
	guest_req = *c;
	sync_global_to_guest(vcpu->vm, guest_req);
	vcpu_run(vcpu);
}

/* The guest's report of the call it made, which must be the next exit. */
static inline void kt_report(struct kvm_vcpu *vcpu, struct kt_regs *r)
{
	struct ucall uc;

	switch (get_ucall(vcpu, &uc)) {
	case UCALL_SYNC:
		break;
	case UCALL_ABORT:
		REPORT_GUEST_ASSERT(uc);
		break;
	default:
		TEST_FAIL("unexpected exit %s (%u)",
			  exit_reason_str(vcpu->run->exit_reason),
			  vcpu->run->exit_reason);
	}
	sync_global_from_guest(vcpu->vm, guest_res);
	*r = guest_res;
}

/* Resume after an exit that is not the report, then take the report. */
static inline void kt_finish(struct kvm_vcpu *vcpu, struct kt_regs *r)
{
	vcpu_run(vcpu);
	kt_report(vcpu, r);
}

/* A call answered in the kernel: the guest's report is the first exit. */
static inline void kt_run_call(struct kvm_vcpu *vcpu,
			       const struct kt_call *c, struct kt_regs *r)
{
	kt_start(vcpu, c);
	kt_report(vcpu, r);
}

static inline void kt_assert_hypercall_exit(struct kvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	TEST_ASSERT(run->exit_reason == KVM_EXIT_HYPERCALL,
		    "exit %s (%u), expected KVM_EXIT_HYPERCALL",
		    exit_reason_str(run->exit_reason), run->exit_reason);
}

/* x0..x3 are @want, x4..x7 what the guest passed, no exception taken. */
static inline void kt_assert_ret(const struct kt_call *c,
				 const struct kt_regs *r,
				 uint64_t w0, uint64_t w1, uint64_t w2,
				 uint64_t w3)
{
	const uint64_t want[4] = { w0, w1, w2, w3 };
	int i;

	TEST_ASSERT(!r->undef_count, "%s #0x%x, x0 = 0x%lx: unexpected undefined-instruction exception at 0x%lx",
		    kt_conduit_str(c->conduit), c->imm, c->x[0], r->undef_elr);
	for (i = 0; i < 4; i++)
		TEST_ASSERT(r->x[i] == want[i],
			    "%s #0x%x, x0 = 0x%lx: x%d = 0x%lx, expected 0x%lx",
			    kt_conduit_str(c->conduit), c->imm, c->x[0], i,
			    r->x[i], want[i]);
	for (i = 4; i < 8; i++)
		TEST_ASSERT(r->x[i] == c->x[i],
			    "%s #0x%x, x0 = 0x%lx: x%d = 0x%lx changed, passed 0x%lx",
			    kt_conduit_str(c->conduit), c->imm, c->x[0], i,
			    r->x[i], c->x[i]);
}

/* The default answer: NOT_SUPPORTED, x1..x3 = 0. */
static inline void kt_assert_not_supported(const struct kt_call *c,
					   const struct kt_regs *r)
{
	kt_assert_ret(c, r, KT_NOT_SUPPORTED, 0, 0, 0);
}

static inline void kt_set_filter(struct kvm_vm *vm, uint32_t base,
				 uint32_t nr, uint8_t action)
{
	struct kvm_smccc_filter filter = {
		.base		= base,
		.nr_functions	= nr,
		.action		= action,
	};

	kvm_device_attr_set(vm->fd, KVM_ARM_VM_SMCCC_CTRL,
			    KVM_ARM_VM_SMCCC_FILTER, &filter);
}

/*
 * The kvmtrap VM statistics, in verdict order, then the forwards refused
 * (FORWARD verdicts that acted as DENY: the VMM did not opt in).
 */
struct kt_stats {
	uint64_t pass, handled, forward, deny, undef, refused;
};

static inline struct kt_stats kt_get_stats(struct kvm_vm *vm)
{
	return (struct kt_stats) {
		.pass		= vm_get_stat(vm, "trap_bpf_pass"),
		.handled	= vm_get_stat(vm, "trap_bpf_handled"),
		.forward	= vm_get_stat(vm, "trap_bpf_forward"),
		.deny		= vm_get_stat(vm, "trap_bpf_deny"),
		.undef		= vm_get_stat(vm, "trap_bpf_undef"),
		.refused	= vm_get_stat(vm, "trap_bpf_forward_refused"),
	};
}

/* The same counters from the VM fd's fdinfo ("trap_bpf_<name>:\t<n>"). */
static inline uint64_t kt_fdinfo_stat(struct kvm_vm *vm, const char *name)
{
	char path[64], line[128];
	unsigned long long n;
	size_t len = strlen(name);
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", vm->fd);
	f = fopen(path, "r");
	TEST_ASSERT(f, "open %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, len) && line[len] == ':' &&
		    sscanf(line + len + 1, "%llu", &n) == 1) {
			found = true;
			break;
		}
	fclose(f);
	TEST_ASSERT(found, "no %s line in %s", name, path);
	return n;
}

static inline struct kt_stats kt_get_fdinfo_stats(struct kvm_vm *vm)
{
	return (struct kt_stats) {
		.pass		= kt_fdinfo_stat(vm, "trap_bpf_pass"),
		.handled	= kt_fdinfo_stat(vm, "trap_bpf_handled"),
		.forward	= kt_fdinfo_stat(vm, "trap_bpf_forward"),
		.deny		= kt_fdinfo_stat(vm, "trap_bpf_deny"),
		.undef		= kt_fdinfo_stat(vm, "trap_bpf_undef"),
		.refused	= kt_fdinfo_stat(vm, "trap_bpf_forward_refused"),
	};
}

/* Binary stats as expected, and the VM fd's fdinfo the same numbers. */
#define kt_assert_stats(vm, p, h, f, d, u, r) do {			\
	struct kt_stats __s = kt_get_stats(vm);				\
	struct kt_stats __fi = kt_get_fdinfo_stats(vm);			\
									\
	TEST_ASSERT(!memcmp(&__s, &__fi, sizeof(__s)),			\
		    "fdinfo trap_bpf_* %lu %lu %lu %lu %lu %lu differ from " \
		    "the binary stats %lu %lu %lu %lu %lu %lu",		\
		    __fi.pass, __fi.handled, __fi.forward, __fi.deny,	\
		    __fi.undef, __fi.refused, __s.pass, __s.handled,	\
		    __s.forward, __s.deny, __s.undef, __s.refused);	\
	TEST_ASSERT(__s.pass == (p) && __s.handled == (h) &&		\
		    __s.forward == (f) && __s.deny == (d) &&		\
		    __s.undef == (u) && __s.refused == (r),		\
		    "trap_bpf_{pass,handled,forward,deny,undef,forward_refused} = " \
		    "%lu %lu %lu %lu %lu %lu, expected %lu %lu %lu %lu %lu %lu", \
		    __s.pass, __s.handled, __s.forward, __s.deny,	\
		    __s.undef, __s.refused, (uint64_t)(p), (uint64_t)(h),	\
		    (uint64_t)(f), (uint64_t)(d), (uint64_t)(u),	\
		    (uint64_t)(r));					\
} while (0)

/*
 * The VMM takes the exits of FORWARD verdicts (KVM_TRAP_ENABLE_FORWARD);
 * without this a FORWARD acts as DENY.
 */
static inline void kt_accept_forwards(struct kvm_vm *vm)
{
	vm_enable_cap(vm, KVM_CAP_TRAP_BPF, KVM_TRAP_ENABLE_FORWARD);
}

/*
 * TEST_ASSERT() reports a failure as a skip when errno happens to be
 * EACCES, which is what a verifier rejection leaves: fail with the error
 * in the message and errno cleared instead.
 */
#define kt_fail_errno(what, err) do {					\
	int __e = (err);						\
									\
	errno = 0;							\
	TEST_FAIL("%s: %s (errno %d)", what, strerror(__e), __e);	\
} while (0)

/* One instance of the policy program, its rule all zero (PASS). */
static inline struct kvmtrap_policy *kt_policy_load(void)
{
	struct kvmtrap_policy *skel = kvmtrap_policy__open_and_load();

	if (!skel)
		kt_fail_errno("kvmtrap_policy__open_and_load", errno);
	return skel;
}

/* An instance that shares @first's order map, to be chained after it. */
static inline struct kvmtrap_policy *
kt_policy_load_chained(struct kvmtrap_policy *first)
{
	struct kvmtrap_policy *skel = kvmtrap_policy__open();
	int r;

	if (!skel)
		kt_fail_errno("kvmtrap_policy__open", errno);
	r = bpf_map__reuse_fd(skel->maps.order, bpf_map__fd(first->maps.order));
	if (r)
		kt_fail_errno("bpf_map__reuse_fd", -r);
	r = kvmtrap_policy__load(skel);
	if (r)
		kt_fail_errno("kvmtrap_policy__load", -r);
	return skel;
}

static inline struct bpf_link *kt_policy_attach(struct kvmtrap_policy *skel,
						struct kvm_vm *vm)
{
	struct bpf_link *link;

	link = bpf_program__attach_kvm_trap(skel->progs.policy, vm->fd);
	if (!link)
		kt_fail_errno("bpf_program__attach_kvm_trap", errno);
	return link;
}

/* The program answers every call with @verdict. */
static inline void kt_rule_all(struct kvmtrap_policy *skel, uint32_t verdict)
{
	skel->bss->rule = (struct kt_rule) { .verdict = verdict };
}

/* ... and sets ret[0..9] = @base + 0..9 on HANDLED. */
static inline void kt_rule_ret(struct kvmtrap_policy *skel, uint32_t verdict,
			       uint64_t base)
{
	int i;

	kt_rule_all(skel, verdict);
	skel->bss->rule.set_ret = 1;
	for (i = 0; i < KT_NR_RET; i++)
		skel->bss->rule.ret[i] = base + i;
}

/*
 * The context the program saw at entry of its last run was that of call
 * @c from vCPU @vcpu_id: conduit, immediate and x1..x7 as the guest passed
 * them (zero-extended from 32 bits when @narrow), @flags, @func_id, and the
 * return registers preset to NOT_SUPPORTED, 0, 0...
 */
static inline void kt_assert_ctx(struct kvmtrap_policy *skel,
				 const struct kt_call *c, uint32_t vcpu_id,
				 uint32_t flags, uint64_t func_id, bool narrow)
{
	const struct kvm_trap_ctx *ctx = &skel->bss->seen.ctx;
	uint64_t want;
	int i;

	TEST_ASSERT(ctx->conduit == c->conduit, "ctx.conduit %u, expected %u",
		    ctx->conduit, c->conduit);
	TEST_ASSERT(ctx->flags == flags, "ctx.flags 0x%x, expected 0x%x",
		    ctx->flags, flags);
	TEST_ASSERT(ctx->func_id == func_id, "ctx.func_id 0x%llx, expected 0x%lx",
		    ctx->func_id, func_id);
	TEST_ASSERT(ctx->imm == c->imm, "ctx.imm 0x%x, expected 0x%x",
		    ctx->imm, c->imm);
	TEST_ASSERT(ctx->vcpu_id == vcpu_id, "ctx.vcpu_id %u, expected %u",
		    ctx->vcpu_id, vcpu_id);
	for (i = 0; i < KT_NR_ARGS; i++) {
		want = i < 7 ? c->x[i + 1] : 0;
		if (narrow)
			want = (uint32_t)want;
		TEST_ASSERT(ctx->args[i] == want,
			    "ctx.args[%d] 0x%llx, expected 0x%lx", i,
			    ctx->args[i], want);
	}
	for (i = 0; i < KT_NR_RET; i++) {
		want = i ? 0 : KT_NOT_SUPPORTED;
		TEST_ASSERT(ctx->ret[i] == want,
			    "ctx.ret[%d] preset 0x%llx, expected 0x%lx", i,
			    ctx->ret[i], want);
	}
}

static inline void kt_assert_runs(struct kvmtrap_policy *skel, uint64_t runs)
{
	TEST_ASSERT(skel->bss->seen.runs == runs,
		    "the program ran %llu times, expected %lu",
		    skel->bss->seen.runs, runs);
}

/* The usual test: one VM, one vCPU, one policy instance linked to it. */
struct kt_env {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct kvmtrap_policy *skel;
	struct bpf_link *link;
};

static inline void kt_env_init(struct kt_env *e)
{
	e->vm = kt_create_vm(&e->vcpu);
	e->skel = kt_policy_load();
	e->link = kt_policy_attach(e->skel, e->vm);
}

static inline void kt_env_free(struct kt_env *e)
{
	bpf_link__destroy(e->link);
	kvmtrap_policy__destroy(e->skel);
	kvm_vm_free(e->vm);
}

#endif /* KVMTRAP_VM_H */
