// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrap_ppc_policies - the bundled policies (bpf/, loaded by path through
 * libkvmtrap as a VMM loads them) on a POWER guest's hcalls, in the KVM
 * flavour under test ($KVMTRAP_MODE):
 *
 *  - route_table answers an hcall from a PAPR rule in the kernel (r3..r6),
 *    and passes the others, which exit to the VMM.
 *  - The SMCCC policies (handled_in_bpf, forward_vendor) pass PAPR hcalls,
 *    even one whose number is an SMCCC function ID they would answer.
 *  - audit records a PAPR hcall with its conduit and arguments.
 *  - Nothing stays pinned after the VM is gone.
 *
 * One behaviour per test_*(), one VM per test.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/kvm_trap.h>

#include "kvmtrap_handled.h"
#include "kvmtrap_test.h"
#include "libkvmtrap.h"
#include "ppc_vm.h"

#define POLICY_DIR	"/usr/lib/kvmtrap/policies"
/* What a guest asks about Spectre mitigations at boot; the VMM answers. */
#define H_GET_CPU_CHARACTERISTICS	0x1c8
/* The SiP service's Call UID, as handled_in_bpf answers it for SMCCC. */
#define SIP_CALL_UID	0x8200ff01ull

struct env {
	struct ppc_vm *vm;
	struct ppc_vcpu *vcpu;
	struct kvmtrap_vm *kvm;
	struct kvmtrap_policy *p[2];
	char name[KVMTRAP_VM_NAME_LEN];
};

static void env_init(struct env *e)
{
	int r;

	memset(e, 0, sizeof(*e));
	e->vm = ppc_vm_create(ppc_kvm_type());
	e->vcpu = ppc_vcpu_add(e->vm);
	r = kvmtrap_vm_open(e->vm->fd, &e->kvm);
	PPC_ASSERT(!r, "kvmtrap_vm_open: %s", strerror(-r));
	snprintf(e->name, sizeof(e->name), "%s", kvmtrap_vm_name(e->kvm));
}

static struct kvmtrap_policy *attach(struct env *e, int slot,
				     const char *policy)
{
	char path[256];
	int r;

	snprintf(path, sizeof(path), POLICY_DIR "/%s.bpf.o", policy);
	r = kvmtrap_policy_open(path, &e->p[slot]);
	PPC_ASSERT(!r, "kvmtrap_policy_open(%s): %s", path, strerror(-r));
	r = kvmtrap_policy_load(e->p[slot], e->kvm);
	PPC_ASSERT(!r, "kvmtrap_policy_load(%s): %s", policy, strerror(-r));
	r = kvmtrap_policy_attach(e->p[slot], e->kvm);
	PPC_ASSERT(r >= 0, "kvmtrap_policy_attach(%s): %s", policy,
		   strerror(-r));
	return e->p[slot];
}

static void env_free(struct env *e)
{
	int i, r;

	for (i = 0; i < 2; i++)
		if (e->p[i])
			kvmtrap_policy_close(e->p[i]);
	kvmtrap_vm_close(e->kvm);
	ppc_vm_free(e->vm);
	r = kvmtrap_vm_cleanup(e->name);
	PPC_ASSERT(!r, "kvmtrap_vm_cleanup(%s): %s", e->name, strerror(-r));
}

static void test_route_table_papr_rule(void)
{
	struct route_rule rule = {
		.key = {
			.conduit = KVM_TRAP_CONDUIT_PAPR_HCALL,
			.imm = 0,
			.first = H_GET_CPU_CHARACTERISTICS,
			.last = H_GET_CPU_CHARACTERISTICS,
		},
		.val.verdict = KVM_TRAP_HANDLED,
		.val.ret = { H_SUCCESS, 0x1234, 0x5678, 0x9abc },
	};
	struct ppc_call c = ppc_hcall(H_GET_CPU_CHARACTERISTICS, 0);
	struct kvmtrap_policy *p;
	struct ppc_result res;
	struct env e;
	int r;

	env_init(&e);
	p = attach(&e, 0, "route_table");
	r = kvmtrap_rule_add(kvmtrap_policy_rules_fd(p), &rule);
	PPC_ASSERT(!r, "kvmtrap_rule_add: %s", strerror(-r));

	ppc_call(e.vcpu, &c, &res);
	PPC_ASSERT_EQ(res.outcome, PPC_ANSWERED);
	PPC_ASSERT_EQ(res.r[0], H_SUCCESS);
	PPC_ASSERT_EQ(res.r[1], 0x1234);
	PPC_ASSERT_EQ(res.r[2], 0x5678);
	PPC_ASSERT_EQ(res.r[3], 0x9abc);

	/* Another hcall: no rule, the VMM's. */
	c = ppc_hcall(H_GET_CPU_CHARACTERISTICS + 4, 0);
	ppc_call(e.vcpu, &c, &res);
	PPC_ASSERT_EQ(res.outcome, PPC_HCALL_EXIT);
	env_free(&e);
}

static void test_smccc_policies_pass_papr(void)
{
	struct ppc_call c = ppc_hcall(SIP_CALL_UID, 0);
	struct ppc_result res;
	struct env e;

	env_init(&e);
	attach(&e, 0, "handled_in_bpf");
	attach(&e, 1, "forward_vendor");
	ppc_call(e.vcpu, &c, &res);
	PPC_ASSERT_EQ(res.outcome, PPC_HCALL_EXIT);
	PPC_ASSERT_EQ(e.vcpu->run->papr_hcall.nr, SIP_CALL_UID);
	PPC_ASSERT_EQ(e.vcpu->run->papr_hcall.flags, 0);
	env_free(&e);
}

static int audit_seen;
static struct kvmtrap_event audit_last;

static int on_event(void *ctx, void *data, size_t len)
{
	if (len >= sizeof(audit_last)) {
		memcpy(&audit_last, data, sizeof(audit_last));
		audit_seen++;
	}
	return 0;
}

static void test_audit_records_papr(void)
{
	struct ppc_call c = ppc_hcall(H_GET_CPU_CHARACTERISTICS, 0x100);
	struct ring_buffer *rb;
	struct ppc_result res;
	struct bpf_map *map;
	struct env e;

	env_init(&e);
	map = bpf_object__find_map_by_name(
		kvmtrap_policy_object(attach(&e, 0, "audit")), "kvmtrap_events");
	PPC_ASSERT(map, "audit has no kvmtrap_events");
	rb = ring_buffer__new(bpf_map__fd(map), on_event, NULL, NULL);
	PPC_ASSERT(rb, "ring_buffer__new");
	/* The policy writes events while it has readers. */
	map = bpf_object__find_map_by_name(kvmtrap_policy_object(e.p[0]),
					   KVMTRAP_READERS_MAP_NAME);
	PPC_ASSERT(map && kvmtrap_readers_add(bpf_map__fd(map), 1) == 1,
		   "kvmtrap_readers_add");
	ppc_call(e.vcpu, &c, &res);
	PPC_ASSERT_EQ(res.outcome, PPC_HCALL_EXIT);
	PPC_ASSERT(ring_buffer__consume(rb) >= 0, "ring_buffer__consume");
	PPC_ASSERT_EQ(audit_seen, 1);
	PPC_ASSERT_EQ(audit_last.conduit, KVM_TRAP_CONDUIT_PAPR_HCALL);
	PPC_ASSERT_EQ(audit_last.func_id, H_GET_CPU_CHARACTERISTICS);
	PPC_ASSERT_EQ(audit_last.args[0], 0x101);
	PPC_ASSERT_EQ(audit_last.args[2], 0x103);
	ring_buffer__free(rb);
	env_free(&e);
}

int main(void)
{
	static const struct kvmtrap_test tests[] = {
		KVMTRAP_TEST(test_route_table_papr_rule),
		KVMTRAP_TEST(test_smccc_policies_pass_papr),
		KVMTRAP_TEST(test_audit_records_papr),
	};

	printf("# %s\n", ppc_kvm_name(ppc_kvm_type()));
	return kvmtrap_run_tests(tests, sizeof(tests) / sizeof(tests[0]));
}
