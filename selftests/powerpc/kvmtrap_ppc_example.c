// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrap_ppc_example - the POWER example VMM (examples/ppc-vmm,
 * /usr/sbin/kvmtrap-ppc-vmm) as a user runs it, in the KVM flavour under
 * test ($KVMTRAP_MODE, which it reads too): it exits 0, and its report says
 * that the hcall exited to it without the policy, stayed in the kernel
 * with it (KVM_TRAP_QUERY agreeing), and exited again once it was closed.
 */
#include <stdio.h>
#include <string.h>

#include "kvmtrap_test.h"
#include "ppc_vm.h"

#define __printf(a, b)	__attribute__((format(printf, a, b)))
#define TEST_FAIL(fmt, ...) \
	ppc_fail(__FILE__, __LINE__, "check", fmt, ##__VA_ARGS__)
#include "kvmtrap_run.h"

static void test_example_vmm(void)
{
	static const char *const want[] = {
		"1. no policy",
		"   KVM_TRAP_QUERY: stage default, verdict forward",
		"   guest got r3 0 r4 0xa000000000000000 r5 0xc000000000000000 (1 exit to the VMM)",
		"2. the VMM links",
		"   KVM_TRAP_QUERY: stage bpf, verdict handled",
		"   guest got r3 0 r4 0xa000000000000000 r5 0xc000000000000000 (0 exits to the VMM)",
		"   100 more in a loop:\n   guest got r3 0 r4 0xa000000000000000 r5 0xc000000000000000 (0 exits to the VMM)",
		"3. the VMM closes the policy",
		"   KVM_TRAP_QUERY: stage default, verdict forward",
		"   guest got r3 0 r4 0xa000000000000000 r5 0xc000000000000000 (1 exit to the VMM)",
		"kvmtrap-ppc-vmm: ok",
	};
	const char *at;
	struct run r;
	size_t i;

	run(&r, "/usr/sbin/kvmtrap-ppc-vmm -n 100");
	expect_ok(&r);
	/* In this order. */
	at = r.out;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		at = strstr(at, want[i]);
		CHECK(at, "no \"%s\" (in order) in: " RUN_FMT, want[i], RUN_ARGS(&r));
		at += strlen(want[i]);
	}
}

/* A bad count is a usage error. */
static void test_example_usage(void)
{
	struct run r;

	run(&r, "/usr/sbin/kvmtrap-ppc-vmm -n 0");
	expect_exit(&r, 2);
	expect_err_has(&r, "usage: kvmtrap-ppc-vmm");
}

int main(void)
{
	static const struct kvmtrap_test tests[] = {
		KVMTRAP_TEST(test_example_vmm),
		KVMTRAP_TEST(test_example_usage),
	};

	printf("# %s\n", ppc_kvm_name(ppc_kvm_type()));
	return kvmtrap_run_tests(tests, sizeof(tests) / sizeof(tests[0]));
}
