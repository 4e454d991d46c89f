// SPDX-License-Identifier: GPL-2.0
/*
 * test_arch_ppc64.c: host unit tests of loader/lib/kvmtrap_arch_ppc64.c,
 * POWER's table for libkvmtrap and the kvmtrap CLI (the host build uses
 * arm64's as KVMTRAP_ARCH, so these call POWER's directly): PAPR hcall
 * names with their numbers from PAPR and hvcall.h, and the context of a
 * described hcall as kvmppc_trap_fill_ctx() builds it in the kernel.
 */
#include <errno.h>
#include <strings.h>

#include "kvmtrap_arch.h"

#include "host_tap.h"

static const struct kvmtrap_arch *ppc = &kvmtrap_arch_ppc64;

static bool ppc_name(const char *name, uint64_t *id)
{
	unsigned int i;

	for (i = 0; i < ppc->nr_funcs; i++) {
		if (!strcasecmp(ppc->funcs[i].name, name)) {
			*id = ppc->funcs[i].id;
			return true;
		}
	}
	return false;
}

/* Well-known numbers, as Linux's arch/powerpc/include/asm/hvcall.h has them. */
static void test_known_hcalls(void)
{
	static const struct { const char *name; uint64_t id; } known[] = {
		{ "H_REMOVE", 0x04 }, { "H_ENTER", 0x08 }, { "H_CEDE", 0xe0 },
		{ "H_CONFER", 0xe4 }, { "H_PROD", 0xe8 }, { "H_RANDOM", 0x300 },
		{ "H_SET_MODE", 0x31c }, { "H_GET_TERM_CHAR", 0x54 },
		{ "H_PUT_TERM_CHAR", 0x58 }, { "H_RTAS", 0xf000 },
		{ "H_ENTER_NESTED", 0xf804 }, { "H_SVM_INIT_ABORT", 0xef14 },
	};
	unsigned int i;
	uint64_t id = 0;

	for (i = 0; i < ARRAY_SIZE(known); i++) {
		CHECK(ppc_name(known[i].name, &id), "%s not found", known[i].name);
		CHECK_U64(id, known[i].id);
	}
}

/*
 * Names are unique, numbers unique, and every number a multiple of 4, as
 * PAPR numbers them, but for QEMU's private H_LOGICAL_MEMOP (0xf001).
 */
static void test_table_consistent(void)
{
	unsigned int i, j;

	CHECK(ppc->nr_funcs > 40, "only %u names", ppc->nr_funcs);
	for (i = 0; i < ppc->nr_funcs; i++) {
		CHECK(!strncmp(ppc->funcs[i].name, "H_", 2), "%s",
		      ppc->funcs[i].name);
		CHECK(!(ppc->funcs[i].id % 4) || ppc->funcs[i].id == 0xf001,
		      "%s = %#" PRIx64,
		      ppc->funcs[i].name, ppc->funcs[i].id);
		for (j = i + 1; j < ppc->nr_funcs; j++) {
			CHECK(strcasecmp(ppc->funcs[i].name, ppc->funcs[j].name),
			      "%s twice", ppc->funcs[i].name);
			CHECK(ppc->funcs[i].id != ppc->funcs[j].id,
			      "%s and %s share %#" PRIx64, ppc->funcs[i].name,
			      ppc->funcs[j].name, ppc->funcs[i].id);
		}
	}
}

static void test_ctx_of_hcall(void)
{
	struct kvm_trap_query q = { .conduit = KVM_TRAP_CONDUIT_PAPR_HCALL };
	struct kvm_trap_ctx ctx;
	int i;

	q.vcpu_id = 3;
	for (i = 0; i < KVM_TRAP_QUERY_NR_REGS; i++)
		q.regs[i] = 0x1000 + i;
	q.regs[0] = 0x300;
	CHECK_INT(ppc->ctx_from_call(&q, &ctx), 0);
	CHECK_INT(ctx.conduit, KVM_TRAP_CONDUIT_PAPR_HCALL);
	CHECK_INT(ctx.flags, 0);
	CHECK_U64(ctx.func_id, 0x300);
	CHECK_INT(ctx.imm, 0);
	CHECK_INT(ctx.vcpu_id, 3);
	/* r4..r12: all nine */
	for (i = 0; i < KVM_TRAP_NR_ARGS; i++)
		CHECK_U64(ctx.args[i], 0x1000 + i + 1);
	CHECK_U64(ctx.ret[0], (uint64_t)-2);	/* H_FUNCTION */
	for (i = 1; i < KVM_TRAP_NR_RET; i++)
		CHECK_U64(ctx.ret[i], 0);
	CHECK_U64(ppc->ret_mask(&ctx), UINT64_MAX);
}

/* What sc 1 cannot be: another conduit, an immediate, an unknown flag. */
static void test_invalid_calls(void)
{
	struct kvm_trap_query q = { .conduit = KVM_TRAP_CONDUIT_PAPR_HCALL };
	struct kvm_trap_ctx ctx;

	CHECK_INT(ppc->call_valid(&q), 0);
	q.conduit = KVM_TRAP_CONDUIT_HVC;
	CHECK_INT(ppc->call_valid(&q), -EINVAL);
	CHECK_INT(ppc->ctx_from_call(&q, &ctx), -EINVAL);
	q.conduit = KVM_TRAP_CONDUIT_PAPR_HCALL;
	q.imm = 1;
	CHECK_INT(ppc->call_valid(&q), -EINVAL);
	q.imm = 0;
	q.flags = 2;
	CHECK_INT(ppc->call_valid(&q), -EINVAL);
	/* MSR[SF] = 0: flagged, the registers whole */
	q.flags = KVM_TRAP_QUERY_32BIT;
	q.regs[1] = 0x123456789ull;
	CHECK_INT(ppc->ctx_from_call(&q, &ctx), 0);
	CHECK_INT(ctx.flags, KVM_TRAP_F_32BIT);
	CHECK_U64(ctx.args[0], 0x123456789ull);
}

/* What differs from arm64 in the table's own fields. */
static void test_registers_and_forwards(void)
{
	CHECK_INT(ppc->nr_args, 9);
	CHECK_INT(ppc->nr_ret, 10);
	CHECK_INT(ppc->reg_first, 3);
	CHECK_STR(ppc->reg_prefix, "r");
	CHECK(!ppc->forward_opt_in, "POWER forwards need no opt-in");
	CHECK(kvmtrap_arch_arm64.forward_opt_in, "arm64 forwards do");
	CHECK_INT(ppc->nr_conduits, 1);
	CHECK_INT(ppc->conduits[0], KVM_TRAP_CONDUIT_PAPR_HCALL);
}

static const struct host_test tests[] = {
	HOST_TEST(test_known_hcalls),
	HOST_TEST(test_table_consistent),
	HOST_TEST(test_ctx_of_hcall),
	HOST_TEST(test_invalid_calls),
	HOST_TEST(test_registers_and_forwards),
};

int main(void)
{
	return host_run_tests(tests, ARRAY_SIZE(tests));
}
