// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrap_aarch32 - calls from an AArch32 guest (KVM_ARM_VCPU_EL1_32BIT),
 * on CPUs that run AArch32 at EL1 (KVM_CAP_ARM_EL1_32BIT; skipped
 * otherwise):
 *
 *  - The context has KVM_TRAP_F_AARCH32 (plus SMC32 for a function ID with
 *    bit 30 clear and immediate 0), func_id = r0, args = r1..r7, a non-zero
 *    HVC immediate in imm.
 *  - HANDLED returns the low 32 bits of ret[0..3] in r0..r3, r4..r7 kept.
 *  - DENY: r0 = NOT_SUPPORTED (0xffffffff).
 *  - FORWARD exits with flags AARCH32 | BPF (| SMC), never 16BIT for an
 *    A32 HVC/SMC; x0 is preset to 0xffffffff; RET_REGS answers in r0..r3.
 *  - UNDEF takes the Undefined Instruction exception at the HVC/SMC: UND
 *    mode, LR_und = the instruction's address + 4.
 *
 * The guest is a few hand-encoded A32 instructions run with the MMU off;
 * its registers are set and read with KVM_{SET,GET}_ONE_REG, and it
 * reports by a store to an unbacked address (an MMIO exit).  An AArch32
 * guest cannot see the upper halves of its registers: results are
 * compared on 32 bits, except x0 at a FORWARD exit, before the guest runs.
 *
 * One behaviour per test_*(), one VM per test.
 */
#include "kvmtrap_vm.h"

/* A32 encodings, condition AL. */
#define A32_HVC(imm)	(0xe1400070u | (((imm) & 0xfff0) << 4) | ((imm) & 0xf))
#define A32_SMC		0xe1600070u		/* smc #0 */
#define A32_STR_R0(rn)	(0xe5800000u | ((rn) << 16))	/* str r0, [rn] */
#define A32_B_BACK2	0xeafffffcu		/* b .-8 */

#define MEM_SIZE	0x10000
#define MMIO_REPORT	0x10000000ull		/* r8: the call is done */
#define MMIO_UNDEF	0x10001000ull		/* r9: undefined instruction */
#define MMIO_STRAY	0x10002000ull		/* r10: any other exception */

/* Blocks of "call; str r0, [r8]; b call". */
#define HVC_BLOCK	0x100
#define SMC_BLOCK	0x200
#define HVC1_BLOCK	0x300

#define A32_MODE_MASK	0x1f
#define A32_MODE_UND	0x1b
#define REG_LR_UND	22			/* x22 is LR_und */

#define RET_BASE	0xabcdef0011223340ull

struct a32 {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct kvmtrap_policy *skel;
	struct bpf_link *link;
	uint32_t block;
	bool started;
};

static uint64_t get_reg(struct kvm_vcpu *vcpu, int i)
{
	uint64_t v;

	vcpu_get_reg(vcpu, ARM64_CORE_REG(regs.regs[i]), &v);
	return v;
}

static void set_reg(struct kvm_vcpu *vcpu, int i, uint64_t v)
{
	vcpu_set_reg(vcpu, ARM64_CORE_REG(regs.regs[i]), v);
}

static void put_block(uint32_t *mem, uint32_t block, uint32_t insn)
{
	mem[block / 4] = insn;
	mem[block / 4 + 1] = A32_STR_R0(8);
	mem[block / 4 + 2] = A32_B_BACK2;
}

static void a32_init(struct a32 *g, uint32_t block)
{
	struct kvm_vcpu_init init;
	uint64_t pstate;
	uint32_t *mem;
	int i;

	g->vm = vm_create_barebones();
	vm_userspace_mem_region_add(g->vm, VM_MEM_SRC_ANONYMOUS, 0, 1,
				    MEM_SIZE / g->vm->page_size, 0);
	mem = addr_gpa2hva(g->vm, 0);
	/* Vectors at 0 (VBAR resets to 0, SCTLR.V to 0). */
	for (i = 0; i < 8; i++)
		mem[i] = A32_STR_R0(10);
	mem[1] = A32_STR_R0(9);
	put_block(mem, HVC_BLOCK, A32_HVC(0));
	put_block(mem, SMC_BLOCK, A32_SMC);
	put_block(mem, HVC1_BLOCK, A32_HVC(1));

	g->vcpu = __vm_vcpu_add(g->vm, 0);
	vm_ioctl(g->vm, KVM_ARM_PREFERRED_TARGET, &init);
	init.features[0] |= (1 << KVM_ARM_VCPU_EL1_32BIT) |
			    (1 << KVM_ARM_VCPU_PSCI_0_2);
	vcpu_ioctl(g->vcpu, KVM_ARM_VCPU_INIT, &init);
	vcpu_get_reg(g->vcpu, ARM64_CORE_REG(regs.pstate), &pstate);
	TEST_ASSERT(pstate & PSR_MODE32_BIT, "vCPU not AArch32: pstate 0x%lx", pstate);
	vcpu_set_reg(g->vcpu, ARM64_CORE_REG(regs.pc), block);
	g->block = block;
	g->started = false;

	g->skel = kt_policy_load();
	g->link = kt_policy_attach(g->skel, g->vm);
}

static void a32_free(struct a32 *g)
{
	bpf_link__destroy(g->link);
	kvmtrap_policy__destroy(g->skel);
	kvm_vm_free(g->vm);
}

/* The call of @c (r0..r7 = c->x[0..7]) as it will be made. */
static struct kt_call a32_call(uint32_t conduit, uint32_t imm, uint32_t r0)
{
	struct kt_call c = { .conduit = conduit, .imm = imm, .x = { r0 } };
	int i;

	for (i = 1; i < 8; i++)
		c.x[i] = (uint32_t)KT_ARG(i);
	return c;
}

/* Set r0..r7 and run the guest's call until its next exit. */
static void a32_start(struct a32 *g, const struct kt_call *c)
{
	int i;

	for (i = 0; i < 8; i++)
		set_reg(g->vcpu, i, c->x[i]);
	set_reg(g->vcpu, 8, MMIO_REPORT);
	set_reg(g->vcpu, 9, MMIO_UNDEF);
	set_reg(g->vcpu, 10, MMIO_STRAY);
	vcpu_run(g->vcpu);
}

static void assert_mmio_exit(struct a32 *g, uint64_t addr)
{
	struct kvm_run *run = g->vcpu->run;
	uint64_t pc;

	vcpu_get_reg(g->vcpu, ARM64_CORE_REG(regs.pc), &pc);
	TEST_ASSERT(run->exit_reason == KVM_EXIT_MMIO && run->mmio.phys_addr == addr,
		    "exit %s (%u) at 0x%llx, pc 0x%lx: expected an MMIO exit at 0x%lx",
		    exit_reason_str(run->exit_reason), run->exit_reason,
		    run->exit_reason == KVM_EXIT_MMIO ? run->mmio.phys_addr : 0,
		    pc, addr);
}

/* The report after the call: r0..r7. */
static void a32_report(struct a32 *g, uint64_t r[8])
{
	int i;

	assert_mmio_exit(g, MMIO_REPORT);
	for (i = 0; i < 8; i++)
		r[i] = get_reg(g->vcpu, i);
}

static void assert_ret32(const struct kt_call *c, const uint64_t r[8],
			 uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3)
{
	const uint64_t want[4] = { w0, w1, w2, w3 };
	int i;

	for (i = 0; i < 8; i++) {
		uint32_t w = i < 4 ? want[i] : c->x[i];

		TEST_ASSERT((uint32_t)r[i] == w, "r%d = 0x%x, expected 0x%x", i,
			    (uint32_t)r[i], w);
	}
}

static void check_ctx(uint32_t block, uint32_t conduit, uint32_t imm,
		      uint32_t r0, uint32_t flags)
{
	struct kt_call c = a32_call(conduit, imm, r0);
	uint64_t r[8];
	struct a32 g;

	a32_init(&g, block);
	kt_rule_ret(g.skel, KVM_TRAP_HANDLED, RET_BASE);
	a32_start(&g, &c);
	a32_report(&g, r);
	kt_assert_runs(g.skel, 1);
	kt_assert_ctx(g.skel, &c, 0, KVM_TRAP_F_AARCH32 | flags, r0, true);
	a32_free(&g);
}

static void test_aarch32_hvc_ctx(void)
{
	check_ctx(HVC_BLOCK, KVM_TRAP_CONDUIT_HVC, 0, KT_FUNC_32,
		  KVM_TRAP_F_SMC32);
}

static void test_aarch32_smc_ctx(void)
{
	check_ctx(SMC_BLOCK, KVM_TRAP_CONDUIT_SMC, 0, KT_FUNC_32,
		  KVM_TRAP_F_SMC32);
}

/* An SMC64 function ID from AArch32: not SMC32, still all 32-bit. */
static void test_aarch32_smc64_id_ctx(void)
{
	check_ctx(HVC_BLOCK, KVM_TRAP_CONDUIT_HVC, 0, KT_FUNC_64, 0);
}

static void test_aarch32_hvc_imm_ctx(void)
{
	check_ctx(HVC1_BLOCK, KVM_TRAP_CONDUIT_HVC, 1, 0x12345678, 0);
}

static void check_handled(uint32_t block, uint32_t conduit)
{
	struct kt_call c = a32_call(conduit, 0, KT_FUNC_32);
	uint64_t r[8];
	struct a32 g;

	a32_init(&g, block);
	kt_rule_ret(g.skel, KVM_TRAP_HANDLED, RET_BASE);
	a32_start(&g, &c);
	a32_report(&g, r);
	assert_ret32(&c, r, RET_BASE, RET_BASE + 1, RET_BASE + 2, RET_BASE + 3);
	kt_assert_stats(g.vm, 0, 1, 0, 0, 0, 0);
	a32_free(&g);
}

static void test_aarch32_hvc_handled_truncated(void)
{
	check_handled(HVC_BLOCK, KVM_TRAP_CONDUIT_HVC);
}

static void test_aarch32_smc_handled_truncated(void)
{
	check_handled(SMC_BLOCK, KVM_TRAP_CONDUIT_SMC);
}

static void test_aarch32_deny(void)
{
	struct kt_call c = a32_call(KVM_TRAP_CONDUIT_HVC, 0, KT_FUNC_32);
	uint64_t r[8];
	struct a32 g;

	a32_init(&g, HVC_BLOCK);
	kt_rule_ret(g.skel, KVM_TRAP_DENY, RET_BASE);
	a32_start(&g, &c);
	a32_report(&g, r);
	assert_ret32(&c, r, KT_NOT_SUPPORTED, 0, 0, 0);
	a32_free(&g);
}

/*
 * FORWARD: the exit, the preset x0 as KVM left it (32 bits), then the
 * VMM's answer through RET_REGS; a second call is resumed unanswered.
 */
static void check_forward(uint32_t block, uint32_t conduit, uint64_t flags)
{
	struct kt_call c = a32_call(conduit, 0, KT_FUNC_32);
	struct kvm_run *run;
	uint64_t r[8];
	struct a32 g;
	int i;

	a32_init(&g, block);
	kt_accept_forwards(g.vm);
	run = g.vcpu->run;
	kt_rule_all(g.skel, KVM_TRAP_FORWARD);
	a32_start(&g, &c);
	kt_assert_hypercall_exit(g.vcpu);
	TEST_ASSERT(run->hypercall.nr == KT_FUNC_32, "hypercall.nr 0x%llx",
		    run->hypercall.nr);
	TEST_ASSERT(run->hypercall.flags == flags, "hypercall.flags 0x%llx, expected 0x%lx",
		    run->hypercall.flags, flags);
	TEST_ASSERT(!run->hypercall.imm, "hypercall.imm 0x%x", run->hypercall.imm);
	for (i = 0; i < 6; i++)
		TEST_ASSERT(run->hypercall.args[i] == c.x[i + 1],
			    "hypercall.args[%d] 0x%llx, expected 0x%lx", i,
			    run->hypercall.args[i], c.x[i + 1]);
	TEST_ASSERT(get_reg(g.vcpu, 0) == 0xffffffffull,
		    "x0 at the exit 0x%lx, expected 0xffffffff", get_reg(g.vcpu, 0));

	run->hypercall.flags |= KVM_HYPERCALL_EXIT_RET_REGS;
	for (i = 0; i < 4; i++)
		run->hypercall.ret_regs[i] = ~RET_BASE + i;
	vcpu_run(g.vcpu);
	a32_report(&g, r);
	assert_ret32(&c, r, ~RET_BASE, ~RET_BASE + 1, ~RET_BASE + 2,
		     ~RET_BASE + 3);

	a32_start(&g, &c);
	kt_assert_hypercall_exit(g.vcpu);
	vcpu_run(g.vcpu);
	a32_report(&g, r);
	assert_ret32(&c, r, KT_NOT_SUPPORTED, c.x[1], c.x[2], c.x[3]);
	kt_assert_stats(g.vm, 0, 0, 2, 0, 0, 0);
	a32_free(&g);
}

static void test_aarch32_hvc_forward(void)
{
	check_forward(HVC_BLOCK, KVM_TRAP_CONDUIT_HVC,
		      KVM_HYPERCALL_EXIT_AARCH32 | KVM_HYPERCALL_EXIT_BPF);
}

static void test_aarch32_smc_forward(void)
{
	check_forward(SMC_BLOCK, KVM_TRAP_CONDUIT_SMC,
		      KVM_HYPERCALL_EXIT_SMC | KVM_HYPERCALL_EXIT_AARCH32 |
		      KVM_HYPERCALL_EXIT_BPF);
}

/* UNDEF: the Undefined Instruction vector, in UND mode, LR = call + 4. */
static void check_undef(uint32_t block, uint32_t conduit)
{
	struct kt_call c = a32_call(conduit, 0, KT_FUNC_32);
	uint64_t pstate, lr;
	struct a32 g;

	a32_init(&g, block);
	kt_rule_all(g.skel, KVM_TRAP_UNDEF);
	a32_start(&g, &c);
	assert_mmio_exit(&g, MMIO_UNDEF);
	vcpu_get_reg(g.vcpu, ARM64_CORE_REG(regs.pstate), &pstate);
	lr = get_reg(g.vcpu, REG_LR_UND);
	TEST_ASSERT((pstate & A32_MODE_MASK) == A32_MODE_UND,
		    "pstate 0x%lx: expected UND mode", pstate);
	TEST_ASSERT((uint32_t)lr == block + 4, "LR_und 0x%lx, expected 0x%x",
		    lr, block + 4);
	kt_assert_runs(g.skel, 1);
	kt_assert_stats(g.vm, 0, 0, 0, 0, 1, 0);
	a32_free(&g);
}

static void test_aarch32_hvc_undef(void)
{
	check_undef(HVC_BLOCK, KVM_TRAP_CONDUIT_HVC);
}

static void test_aarch32_smc_undef(void)
{
	check_undef(SMC_BLOCK, KVM_TRAP_CONDUIT_SMC);
}

static const struct kvmtrap_test tests[] = {
	KVMTRAP_TEST(test_aarch32_hvc_ctx),
	KVMTRAP_TEST(test_aarch32_smc_ctx),
	KVMTRAP_TEST(test_aarch32_smc64_id_ctx),
	KVMTRAP_TEST(test_aarch32_hvc_imm_ctx),
	KVMTRAP_TEST(test_aarch32_hvc_handled_truncated),
	KVMTRAP_TEST(test_aarch32_smc_handled_truncated),
	KVMTRAP_TEST(test_aarch32_deny),
	KVMTRAP_TEST(test_aarch32_hvc_forward),
	KVMTRAP_TEST(test_aarch32_smc_forward),
	KVMTRAP_TEST(test_aarch32_hvc_undef),
	KVMTRAP_TEST(test_aarch32_smc_undef),
};

int main(void)
{
	if (!kvm_has_cap(KVM_CAP_ARM_EL1_32BIT)) {
		ksft_print_header();
		ksft_exit_skip("this CPU does not run AArch32 at EL1 (KVM_CAP_ARM_EL1_32BIT is 0)\n");
	}
	return kvmtrap_run_tests(tests, ARRAY_SIZE(tests));
}
