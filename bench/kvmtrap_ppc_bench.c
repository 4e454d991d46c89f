// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrap_ppc_bench - guest instructions per PAPR hcall, for `make bench`
 * on POWER: KVM-HV nested under QEMU's pseries machine, the only POWER
 * setup QEMU 7.2 runs deterministically under -icount shift=0 (powernv
 * aborts with "Bad icount read", and KVM-PR does not run under pseries).
 *
 * The same method as kvmtrap_bench on arm64: the virtual clock counts one
 * nanosecond per emulated instruction, so a round of N hcalls (the guest's
 * PPC_GUEST_LOOP) minus a round of one, divided by N - 1, is the cost of
 * one hcall in instructions; the smallest of several rounds is kept.  The
 * rounds are timed around the bare KVM_RUN ioctls, and this binary is
 * built without vector instructions: after a VMM touched its FP or vector
 * registers, each of the next 255 returns to user space costs about 500
 * instructions more (the kernel's load_fp/load_vec), so it warms up with
 * more round trips than that first.
 *
 * Output, one line per case, as kvmtrap_bench:
 *	BENCH <case> <instructions per call> <calls per round>
 * Cases that need KVM_CAP_TRAP_BPF are left out on a kernel without it.
 * Each case checks what the guest got.  The "policy-" cases load the
 * bundled route_table policy (bpf/, in the VM under POLICY_DIR) through
 * libkvmtrap, as a VMM does, with its rules set in one swap.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <linux/kvm_trap.h>

#include "kvmtrap_bench.skel.h"
#include "libkvmtrap.h"
#include "ppc_vm.h"

#define BENCH_HCALL	0xf3f0	/* unknown to KVM */
#define VMM_ANSWER	0x600d
#define ROUNDS		9
#define WARM_UP		300
#define POLICY_DIR	"/usr/lib/kvmtrap/policies"
/* r3 of the route_table rule the hcall matches. */
#define ROUTE_R3	0x7ab1e

struct bench_case {
	const char *name;
	uint64_t hcall;
	const char *prog;	/* program linked to the VM, or NULL */
	uint64_t want_r3;	/* what the guest must get */
	bool undef;		/* a program interrupt per call, stepped over */
	unsigned int n;		/* calls per round */
	unsigned int rules;	/* route_table with that many rules */
};

static const struct bench_case cases[] = {
	/* H_PROD to the caller itself: answered by KVM at once. */
	{ "native", H_PROD, .want_r3 = H_SUCCESS, .n = 200 },
	{ "default", BENCH_HCALL, .want_r3 = VMM_ANSWER, .n = 100 },
	/* From here on, only with KVM_CAP_TRAP_BPF. */
	{ "native-linked", H_PROD, "bench_handled", .want_r3 = H_SUCCESS,
	  .n = 200 },
	{ "bpf-pass", BENCH_HCALL, "bench_pass", .want_r3 = VMM_ANSWER,
	  .n = 100 },
	{ "bpf-handled", BENCH_HCALL, "bench_handled", .want_r3 = 0, .n = 200 },
	{ "bpf-deny", BENCH_HCALL, "bench_deny", .want_r3 = (uint64_t)H_FUNCTION,
	  .n = 200 },
	{ "bpf-undef", BENCH_HCALL, "bench_undef", .want_r3 = BENCH_HCALL,
	  .undef = true, .n = 200 },
	{ "bpf-forward", BENCH_HCALL, "bench_forward", .want_r3 = VMM_ANSWER,
	  .n = 100 },
	{ "policy-route-table-1", BENCH_HCALL, .rules = 1, .want_r3 = ROUTE_R3,
	  .n = 200 },
	{ "policy-route-table-64", BENCH_HCALL, .rules = 64, .want_r3 = ROUTE_R3,
	  .n = 200 },
	{ "policy-route-table-1024", BENCH_HCALL, .rules = ROUTE_RULES_MAX,
	  .want_r3 = ROUTE_R3, .n = 200 },
};

#define FIRST_TRAP_CASE 2

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* One round of @n hcalls: virtual nanoseconds, i.e. instructions. */
static uint64_t round_ns(struct ppc_vcpu *vcpu, const struct bench_case *c,
			 uint64_t n)
{
	struct kvm_run *run = vcpu->run;
	struct kvm_regs regs;
	uint64_t t0, t1;
	int r;

	ppc_get_regs(vcpu, &regs);
	regs.pc = PPC_GUEST_LOOP;
	regs.gpr[3] = c->hcall;
	regs.gpr[4] = 0;	/* H_PROD: vCPU 0, the caller */
	regs.gpr[27] = c->undef;
	regs.gpr[29] = n;
	regs.gpr[30] = PPC_MMIO_EXCEPTION;
	regs.gpr[31] = PPC_MMIO_REPORT;
	ppc_set_regs(vcpu, &regs);

	/* The bare ioctl: the timed loop is the VMM's whole work. */
	t0 = now_ns();
	for (;;) {
		do {
			r = ioctl(vcpu->fd, KVM_RUN, NULL);
		} while (r == -1 && errno == EINTR);
		PPC_ASSERT(!r, "%s: KVM_RUN", c->name);
		if (run->exit_reason != KVM_EXIT_PAPR_HCALL)
			break;
		run->papr_hcall.ret = VMM_ANSWER;
	}
	t1 = now_ns();

	PPC_ASSERT(run->exit_reason == KVM_EXIT_MMIO &&
		   run->mmio.phys_addr == PPC_MMIO_REPORT,
		   "%s: exit %u", c->name, run->exit_reason);
	ppc_get_regs(vcpu, &regs);
	PPC_ASSERT(regs.gpr[3] == c->want_r3, "%s: r3 = %#llx, want %#llx",
		   c->name, (unsigned long long)regs.gpr[3],
		   (unsigned long long)c->want_r3);
	return t1 - t0;
}

/*
 * route_table with @c->rules rules for @vm, set in one swap: one for the
 * hcall (HANDLED, r3 = ROUTE_R3), the others DENY for hcall numbers around
 * it, which the search steps over.  Returns the link fd.
 */
static int attach_route_table(const struct bench_case *c, struct ppc_vm *vm,
			      struct kvmtrap_vm **kvm, struct kvmtrap_policy **p)
{
	struct route_rule *rules = calloc(c->rules, sizeof(*rules));
	unsigned int i;
	int r, link;

	PPC_ASSERT(rules, "calloc");
	for (i = 0; i < c->rules; i++) {
		uint64_t nr = c->hcall + 8 * ((int64_t)i - c->rules / 2);

		if (i && nr >= c->hcall)
			nr += 4;
		rules[i] = (struct route_rule){
			.key = {
				.conduit = KVM_TRAP_CONDUIT_PAPR_HCALL,
				.first = i ? nr : c->hcall,
				.last = i ? nr : c->hcall,
			},
			.val.verdict = i ? KVM_TRAP_DENY : KVM_TRAP_HANDLED,
			.val.ret = { i ? 0 : ROUTE_R3 },
		};
	}
	r = kvmtrap_vm_open(vm->fd, kvm);
	PPC_ASSERT(!r, "kvmtrap_vm_open: %s", strerror(-r));
	r = kvmtrap_policy_open(POLICY_DIR "/route_table.bpf.o", p);
	PPC_ASSERT(!r, "kvmtrap_policy_open: %s", strerror(-r));
	r = kvmtrap_policy_load(*p, *kvm);
	PPC_ASSERT(!r, "kvmtrap_policy_load: %s", strerror(-r));
	r = kvmtrap_rules_set(kvmtrap_policy_rules_fd(*p), rules, c->rules);
	PPC_ASSERT(!r, "kvmtrap_rules_set(%u): %s", c->rules, strerror(-r));
	link = kvmtrap_policy_attach(*p, *kvm);
	PPC_ASSERT(link >= 0, "kvmtrap_policy_attach: %s", strerror(-link));
	free(rules);
	return link;
}

static double run_case(const struct bench_case *c, struct kvmtrap_bench *skel)
{
	struct ppc_vm *vm = ppc_vm_create(PPC_KVM_HV);
	struct ppc_vcpu *vcpu = ppc_vcpu_add(vm);
	uint64_t t, best1 = UINT64_MAX, bestn = UINT64_MAX;
	char name[KVMTRAP_VM_NAME_LEN] = "";
	struct kvmtrap_policy *policy = NULL;
	struct kvmtrap_vm *kvm = NULL;
	struct bpf_link *link = NULL;
	int i, link_fd = -1;

	if (c->rules) {
		link_fd = attach_route_table(c, vm, &kvm, &policy);
		snprintf(name, sizeof(name), "%s", kvmtrap_vm_name(kvm));
	}
	if (c->prog) {
		struct bpf_program *p;

		p = bpf_object__find_program_by_name(skel->obj, c->prog);
		PPC_ASSERT(p, "no program %s", c->prog);
		link = bpf_program__attach_kvm_trap(p, vm->fd);
		PPC_ASSERT(link, "attach %s", c->prog);
	}

	/* Warm up: more returns to user space than load_fp/load_vec count. */
	for (i = 0; i < WARM_UP; i++)
		round_ns(vcpu, c, 1);
	for (i = 0; i < ROUNDS; i++) {
		t = round_ns(vcpu, c, 1);
		best1 = t < best1 ? t : best1;
		t = round_ns(vcpu, c, c->n + 1);
		bestn = t < bestn ? t : bestn;
	}

	bpf_link__destroy(link);
	if (c->rules) {
		close(link_fd);
		kvmtrap_policy_close(policy);
		kvmtrap_vm_close(kvm);
	}
	ppc_vm_free(vm);
	if (*name)
		kvmtrap_vm_cleanup(name);
	return (double)(bestn - best1) / c->n;
}

int main(int argc, char **argv)
{
	struct kvmtrap_bench *skel = NULL;
	unsigned int i, nr = sizeof(cases) / sizeof(cases[0]);
	const char *only = argc > 1 ? argv[1] : NULL;
	int kvm = open("/dev/kvm", O_RDWR);

	PPC_ASSERT(kvm >= 0, "open /dev/kvm");
	if (ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_TRAP_BPF) > 0) {
		skel = kvmtrap_bench__open_and_load();
		PPC_ASSERT(skel, "kvmtrap_bench__open_and_load");
	} else {
		nr = FIRST_TRAP_CASE;
	}
	for (i = 0; i < nr; i++) {
		if (only && strcmp(only, cases[i].name))
			continue;
		printf("BENCH %s %.3f %u\n", cases[i].name,
		       run_case(&cases[i], skel), cases[i].n);
		fflush(stdout);
	}
	kvmtrap_bench__destroy(skel);
	return 0;
}
