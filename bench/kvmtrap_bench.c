// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrap_bench - guest instructions per trap, for `make bench`.
 *
 * Run in the test VM booted with QEMU -icount shift=0, where the virtual
 * clock advances one nanosecond per instruction executed by the emulated
 * CPU: guest, host kernel and this VMM alike.  A time difference read with
 * CLOCK_MONOTONIC_RAW is therefore a count of instructions, and the same
 * run gives the same count.
 *
 * For each case the guest makes N identical calls in a tight loop, then
 * reports (GUEST_SYNC).  One round of N calls minus one round of none,
 * divided by N, is the cost of one call: the HVC/SMC exit, KVM's decision,
 * what the verdict costs (for forwards: the exit to this VMM, its answer
 * and the next KVM_RUN) and the return to the guest.  The fixed cost of a
 * round (the report, KVM_RUN itself) cancels out.  Each round is repeated
 * and the smallest time kept: a timer tick that lands in a round is a cost
 * of the clock, not of the call.
 *
 * Output, one line per case run, for scripts/bench.sh to tabulate:
 *	BENCH <case> <instructions per call> <calls per round>
 * Cases that need KVM_CAP_TRAP_BPF are left out on a kernel without it.
 * Every case checks what the guest got back, so a fast wrong answer is an
 * error, not a result.
 *
 * The "policy-" cases measure the bundled policies of the policy library
 * (bpf/NAME.bpf.c, in the VM under POLICY_DIR) loaded as a VMM loads them,
 * through libkvmtrap: open by path, knobs set, loaded against the VM (so
 * that their handled-call list is the VM's pinned one), attached.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/arm-smccc.h>
#include <linux/kvm_trap.h>
#include <linux/psci.h>

#include <bpf/libbpf.h>

#include "libkvmtrap.h"

#include "kvm_util.h"
#include "processor.h"
#include "test_util.h"
#include "ucall_common.h"

#include "kvmtrap_bench.skel.h"

/* A function ID no native handler knows: OEM service, SMC64. */
#define BENCH_FUNC ARM_SMCCC_CALL_VAL(ARM_SMCCC_FAST_CALL, ARM_SMCCC_SMC_64, \
				      ARM_SMCCC_OWNER_OEM, 0x42)
#define NOT_SUPPORTED ((uint64_t)SMCCC_RET_NOT_SUPPORTED)
/* What the VMM answers a forwarded call with. */
#define FWD_X0 0ull
#define FWD_X1 0xf1ull

#define ROUNDS 9

/* Where the VM's initramfs installs the policy library (bpf/). */
#define POLICY_DIR "/usr/lib/kvmtrap/policies"
/* The SMCCC Call UID query of the SiP service (owner 2), SMC32/HVC32. */
#define SIP_CALL_UID ARM_SMCCC_CALL_VAL(ARM_SMCCC_FAST_CALL, ARM_SMCCC_SMC_32, \
					ARM_SMCCC_OWNER_SIP, 0xff01)
/* handled_in_bpf's default answer to it, its uid0 knob (w0). */
#define HANDLED_IN_BPF_UID0 0x3a5e8f2cull
/* x0 of the route_table rule the call matches. */
#define ROUTE_X0 0x7ab1eull

enum serve {
	SERVE_NONE,	/* no exit expected */
	SERVE_ONE_REG,	/* read x1..x6, write x0..x3 with KVM_*_ONE_REG */
	SERVE_RET_REGS,	/* args[] from the exit, x0..x3 via ret_regs[] */
};

struct bench_case {
	const char *name;
	uint32_t conduit;
	uint64_t x0;		/* the function ID the guest calls */
	const char *prog;	/* program linked to the VM, or NULL */
	bool filter_fwd;	/* SMCCC filter: FWD_TO_USER for BENCH_FUNC */
	enum serve serve;
	uint64_t want_x0;	/* x0 the guest must see after the call */
	bool want_undef;	/* ...or an undefined-instruction exception */
	unsigned int n;		/* calls per round */
	/* A policy of the library, loaded by path through libkvmtrap: */
	const char *policy;	/* POLICY_DIR/<policy>.bpf.o, or NULL */
	const char *knob;	/* kvmtrap_policy_set(knob, value) */
	const char *value;
	unsigned int rules;	/* route_table: rules in its table */
	bool reader;		/* count as a reader of its events */
};

static const struct bench_case cases[] = {
	{ "native", KVM_TRAP_CONDUIT_HVC, ARM_SMCCC_VERSION_FUNC_ID,
	  .want_x0 = ARM_SMCCC_VERSION_1_1, .n = 400 },
	{ "native-psci", KVM_TRAP_CONDUIT_HVC, PSCI_0_2_FN_PSCI_VERSION,
	  .want_x0 = 0x10001, .n = 400 },
	{ "default", KVM_TRAP_CONDUIT_HVC, BENCH_FUNC,
	  .want_x0 = NOT_SUPPORTED, .n = 400 },
	{ "default-smc", KVM_TRAP_CONDUIT_SMC, BENCH_FUNC,
	  .want_x0 = NOT_SUPPORTED, .n = 400 },
	{ "filter-fwd-onereg", KVM_TRAP_CONDUIT_HVC, BENCH_FUNC,
	  .filter_fwd = true, .serve = SERVE_ONE_REG, .want_x0 = FWD_X0,
	  .n = 64 },
	/* From here on, only with KVM_CAP_TRAP_BPF. */
	{ "native-linked", KVM_TRAP_CONDUIT_HVC, ARM_SMCCC_VERSION_FUNC_ID,
	  "bench_handled", .want_x0 = ARM_SMCCC_VERSION_1_1, .n = 400 },
	{ "bpf-pass", KVM_TRAP_CONDUIT_HVC, BENCH_FUNC, "bench_pass",
	  .want_x0 = NOT_SUPPORTED, .n = 400 },
	{ "bpf-handled", KVM_TRAP_CONDUIT_HVC, BENCH_FUNC, "bench_handled",
	  .want_x0 = 0, .n = 400 },
	{ "bpf-handled-smc", KVM_TRAP_CONDUIT_SMC, BENCH_FUNC, "bench_handled",
	  .want_x0 = 0, .n = 400 },
	{ "bpf-deny", KVM_TRAP_CONDUIT_HVC, BENCH_FUNC, "bench_deny",
	  .want_x0 = NOT_SUPPORTED, .n = 400 },
	{ "bpf-undef", KVM_TRAP_CONDUIT_HVC, BENCH_FUNC, "bench_undef",
	  .want_x0 = BENCH_FUNC, .want_undef = true, .n = 400 },
	{ "bpf-fwd-retregs", KVM_TRAP_CONDUIT_HVC, BENCH_FUNC, "bench_forward",
	  .serve = SERVE_RET_REGS, .want_x0 = FWD_X0, .n = 64 },
	{ "bpf-fwd-onereg", KVM_TRAP_CONDUIT_HVC, BENCH_FUNC, "bench_forward",
	  .serve = SERVE_ONE_REG, .want_x0 = FWD_X0, .n = 64 },
	{ "filter-fwd-retregs", KVM_TRAP_CONDUIT_HVC, BENCH_FUNC,
	  .filter_fwd = true, .serve = SERVE_RET_REGS, .want_x0 = FWD_X0,
	  .n = 64 },
	/* The policy library, with the knobs its users would give it. */
	{ "policy-handled-in-bpf", KVM_TRAP_CONDUIT_HVC, SIP_CALL_UID,
	  .policy = "handled_in_bpf", .want_x0 = HANDLED_IN_BPF_UID0,
	  .n = 400 },
	{ "policy-route-table-1", KVM_TRAP_CONDUIT_HVC, BENCH_FUNC,
	  .policy = "route_table", .rules = 1, .want_x0 = ROUTE_X0,
	  .n = 400 },
	{ "policy-route-table-1-trace", KVM_TRAP_CONDUIT_HVC, BENCH_FUNC,
	  .policy = "route_table", .rules = 1, .reader = true,
	  .want_x0 = ROUTE_X0, .n = 400 },
	{ "policy-route-table-16", KVM_TRAP_CONDUIT_HVC, BENCH_FUNC,
	  .policy = "route_table", .rules = 16, .want_x0 = ROUTE_X0,
	  .n = 400 },
	{ "policy-route-table-64", KVM_TRAP_CONDUIT_HVC, BENCH_FUNC,
	  .policy = "route_table", .rules = 64, .want_x0 = ROUTE_X0,
	  .n = 400 },
	{ "policy-route-table-256", KVM_TRAP_CONDUIT_HVC, BENCH_FUNC,
	  .policy = "route_table", .rules = 256, .want_x0 = ROUTE_X0,
	  .n = 400 },
	{ "policy-route-table-1024", KVM_TRAP_CONDUIT_HVC, BENCH_FUNC,
	  .policy = "route_table", .rules = ROUTE_RULES_MAX,
	  .want_x0 = ROUTE_X0, .n = 400 },
	{ "policy-deny-unknown", KVM_TRAP_CONDUIT_HVC, BENCH_FUNC,
	  .policy = "deny_unknown", .want_x0 = BENCH_FUNC,
	  .want_undef = true, .n = 400 },
	/* A bucket too large to ever run out: every call is passed on. */
	{ "policy-ratelimit", KVM_TRAP_CONDUIT_HVC, BENCH_FUNC,
	  .policy = "ratelimit", .knob = "vcpu_burst", .value = "1000000000000",
	  .want_x0 = NOT_SUPPORTED, .n = 400 },
};

#define FIRST_TRAP_CASE 5

/*
 * The trace ring buffer of the policy of the case running, drained before
 * each round (outside the timed loop) as "kvmtrap trace" would drain it:
 * a round of 400 events fits in it, so every call measured pays for its
 * event.  Left full, it would drop them and measure a cheaper path.
 */
static struct ring_buffer *bench_events;

/* Set by the VMM before each round. */
static struct {
	uint64_t x0, n;
	bool smc;
} bench_req;

/* Left by the guest after each round. */
static struct {
	uint64_t x0, undef;
} bench_res;

/* ---- guest ---- */

static void guest_undef_handler(struct ex_regs *regs)
{
	bench_res.undef++;
	regs->pc += 4;
}

/*
 * x0 is reloaded before each call, as every caller must: the answer
 * overwrites it.  x1..x3 hold the previous answer; KVM never reads them
 * for these calls.
 */
#define CALL_LOOP(insn)							\
	asm volatile("1:	mov	x0, %[f]\n"			\
		     "	" insn "\n"					\
		     "	subs	%[n], %[n], #1\n"			\
		     "	b.ne	1b\n"					\
		     "	mov	%[x0], x0\n"				\
		     : [n] "+r" (n), [x0] "=r" (x0)			\
		     : [f] "r" (f)					\
		     : "x0", "x1", "x2", "x3", "cc", "memory")

static void guest_code(void)
{
	for (;;) {
		uint64_t n = READ_ONCE(bench_req.n);
		uint64_t f = READ_ONCE(bench_req.x0);
		uint64_t x0 = 0;

		bench_res.undef = 0;
		if (n && READ_ONCE(bench_req.smc))
			CALL_LOOP("smc	#0");
		else if (n)
			CALL_LOOP("hvc	#0");
		WRITE_ONCE(bench_res.x0, x0);
		GUEST_SYNC(0);
	}
}

/* ---- VMM ---- */

static void serve(struct kvm_vcpu *vcpu, enum serve how)
{
	struct kvm_run *run = vcpu->run;
	uint64_t args[6];
	int i;

	TEST_ASSERT(how != SERVE_NONE && run->hypercall.nr == BENCH_FUNC,
		    "unexpected hypercall exit, nr 0x%llx", run->hypercall.nr);
	if (how == SERVE_ONE_REG) {
		/* What a VMM does without the exit's args[] and ret_regs[]. */
		for (i = 0; i < 6; i++)
			vcpu_get_reg(vcpu, ARM64_CORE_REG(regs.regs[i + 1]),
				     &args[i]);
		vcpu_set_reg(vcpu, ARM64_CORE_REG(regs.regs[0]), FWD_X0);
		vcpu_set_reg(vcpu, ARM64_CORE_REG(regs.regs[1]), FWD_X1);
		vcpu_set_reg(vcpu, ARM64_CORE_REG(regs.regs[2]), args[0]);
		vcpu_set_reg(vcpu, ARM64_CORE_REG(regs.regs[3]), args[1]);
	} else {
		run->hypercall.ret_regs[0] = FWD_X0;
		run->hypercall.ret_regs[1] = FWD_X1;
		run->hypercall.ret_regs[2] = run->hypercall.args[0];
		run->hypercall.ret_regs[3] = run->hypercall.args[1];
		run->hypercall.flags |= KVM_HYPERCALL_EXIT_RET_REGS;
	}
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* One round of @n calls: virtual nanoseconds, i.e. instructions. */
static uint64_t round_ns(struct kvm_vcpu *vcpu, const struct bench_case *c,
			 uint64_t n)
{
	struct kvm_run *run = vcpu->run;
	struct ucall uc;
	uint64_t t0, t1;
	int r;

	bench_req.n = n;
	sync_global_to_guest(vcpu->vm, bench_req);
	if (bench_events)
		TEST_ASSERT(ring_buffer__consume(bench_events) >= 0,
			    "%s: draining the trace events", c->name);

	/* The bare ioctl: the timed loop is the VMM's whole work. */
	t0 = now_ns();
	for (;;) {
		do {
			r = ioctl(vcpu->fd, KVM_RUN, NULL);
		} while (r == -1 && errno == EINTR);
		TEST_ASSERT(!r, "KVM_RUN: %s", strerror(errno));
		if (run->exit_reason != KVM_EXIT_HYPERCALL)
			break;
		serve(vcpu, c->serve);
	}
	t1 = now_ns();

	switch (get_ucall(vcpu, &uc)) {
	case UCALL_SYNC:
		break;
	case UCALL_ABORT:
		REPORT_GUEST_ASSERT(uc);
		break;
	default:
		TEST_FAIL("%s: unexpected exit %s", c->name,
			  exit_reason_str(run->exit_reason));
	}
	sync_global_from_guest(vcpu->vm, bench_res);
	if (n) {
		TEST_ASSERT(bench_res.x0 == c->want_x0,
			    "%s: the guest got x0 = 0x%lx, expected 0x%lx",
			    c->name, bench_res.x0, c->want_x0);
		TEST_ASSERT(bench_res.undef == (c->want_undef ? n : 0),
			    "%s: %lu undefined-instruction exceptions in %lu calls",
			    c->name, bench_res.undef, n);
	}
	return t1 - t0;
}

static struct kvm_vm *create_vm(struct kvm_vcpu **vcpu)
{
	struct kvm_vcpu_init init;
	struct kvm_vm *vm;

	vm = vm_create(1);
	vm_ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init);
	init.features[0] |= 1 << KVM_ARM_VCPU_PSCI_0_2;
	vm_init_descriptor_tables(vm);
	*vcpu = aarch64_vcpu_add(vm, 0, &init, guest_code);
	vcpu_init_descriptor_tables(*vcpu);
	vm_install_sync_handler(vm, VECTOR_SYNC_CURRENT, ESR_EC_UNKNOWN,
				guest_undef_handler);
	return vm;
}

static int bench_event(void *ctx, void *data, size_t size)
{
	return 0;
}

/*
 * Fill route_table's rule map with @c->rules rules, in one swap: one for
 * the call, HANDLED with x0 = ROUTE_X0, and the others for function IDs
 * around it (half below, half above), which the search steps over.
 */
static void add_rules(const struct bench_case *c, struct kvmtrap_policy *p)
{
	int fd = kvmtrap_policy_rules_fd(p), r;
	struct route_rule *rules = calloc(c->rules, sizeof(*rules));
	unsigned int i;

	TEST_ASSERT(fd >= 0, "%s: kvmtrap_policy_rules_fd: %s", c->name,
		    strerror(-fd));
	TEST_ASSERT(rules, "calloc");
	for (i = 0; i < c->rules; i++) {
		uint64_t id = c->x0 + 2 * ((int64_t)i - c->rules / 2);

		rules[i] = (struct route_rule){
			.key = {
				.conduit = c->conduit,
				.imm = 0,
				.first = i ? id + (id >= c->x0) : c->x0,
				.last = i ? id + (id >= c->x0) : c->x0,
			},
			.val.verdict = i ? KVM_TRAP_DENY : KVM_TRAP_HANDLED,
			.val.ret = { i ? 0 : ROUTE_X0 },
		};
	}
	r = kvmtrap_rules_set(fd, rules, c->rules);
	TEST_ASSERT(!r, "%s: kvmtrap_rules_set(%u rules): %s", c->name,
		    c->rules, strerror(-r));
	free(rules);
}

/* Load @c->policy as a VMM does and link it to @vm; returns the link fd. */
static int attach_policy(const struct bench_case *c, struct kvm_vm *vm,
			 struct kvmtrap_vm **kvm, struct kvmtrap_policy **p)
{
	char path[256];
	struct bpf_map *events;
	int r;

	snprintf(path, sizeof(path), POLICY_DIR "/%s.bpf.o", c->policy);
	r = kvmtrap_vm_open(vm->fd, kvm);
	TEST_ASSERT(!r, "%s: kvmtrap_vm_open: %s", c->name, strerror(-r));
	r = kvmtrap_policy_open(path, p);
	TEST_ASSERT(!r, "%s: kvmtrap_policy_open(%s): %s", c->name, path,
		    strerror(-r));
	if (c->knob) {
		r = kvmtrap_policy_set(*p, c->knob, c->value);
		TEST_ASSERT(!r, "%s: kvmtrap_policy_set(%s=%s): %s", c->name,
			    c->knob, c->value, strerror(-r));
	}
	r = kvmtrap_policy_load(*p, *kvm);
	TEST_ASSERT(!r, "%s: kvmtrap_policy_load: %s", c->name, strerror(-r));
	if (c->rules)
		add_rules(c, *p);
	events = bpf_object__find_map_by_name(kvmtrap_policy_object(*p),
					      "kvmtrap_events");
	if (events) {
		bench_events = ring_buffer__new(bpf_map__fd(events),
						bench_event, NULL, NULL);
		TEST_ASSERT(bench_events, "%s: ring_buffer__new: %s", c->name,
			    strerror(errno));
	}
	/* As "kvmtrap trace" does: the policy streams while it has readers. */
	if (c->reader) {
		struct bpf_map *readers = bpf_object__find_map_by_name(
			kvmtrap_policy_object(*p), KVMTRAP_READERS_MAP_NAME);

		TEST_ASSERT(events && readers, "%s: no event stream", c->name);
		r = kvmtrap_readers_add(bpf_map__fd(readers), 1);
		TEST_ASSERT(r == 1, "%s: kvmtrap_readers_add: %d", c->name, r);
	}
	r = kvmtrap_policy_attach(*p, *kvm);
	TEST_ASSERT(r >= 0, "%s: kvmtrap_policy_attach: %s", c->name,
		    strerror(-r));
	return r;
}

static double run_case(const struct bench_case *c, struct kvmtrap_bench *skel)
{
	struct kvmtrap_policy *policy = NULL;
	struct kvmtrap_vm *kvm = NULL;
	char vm_name[KVMTRAP_VM_NAME_LEN] = "";
	int link_fd = -1;
	uint64_t t, best0 = UINT64_MAX, bestn = UINT64_MAX;
	struct bpf_link *link = NULL;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	int i;

	vm = create_vm(&vcpu);
	/*
	 * This VMM answers forwards: without the opt-in KVM denies them.
	 * The unpatched baseline (no skeleton) has no such capability.
	 */
	if (skel)
		vm_enable_cap(vm, KVM_CAP_TRAP_BPF, KVM_TRAP_ENABLE_FORWARD);
	if (c->filter_fwd) {
		struct kvm_smccc_filter filter = {
			.base = BENCH_FUNC,
			.nr_functions = 1,
			.action = KVM_SMCCC_FILTER_FWD_TO_USER,
		};

		kvm_device_attr_set(vm->fd, KVM_ARM_VM_SMCCC_CTRL,
				    KVM_ARM_VM_SMCCC_FILTER, &filter);
	}
	if (c->prog) {
		struct bpf_program *p;

		p = bpf_object__find_program_by_name(skel->obj, c->prog);
		TEST_ASSERT(p, "no program %s", c->prog);
		link = bpf_program__attach_kvm_trap(p, vm->fd);
		TEST_ASSERT(link, "attach %s: %s", c->prog, strerror(errno));
	}
	if (c->policy) {
		link_fd = attach_policy(c, vm, &kvm, &policy);
		snprintf(vm_name, sizeof(vm_name), "%s", kvmtrap_vm_name(kvm));
	}

	bench_req.x0 = c->x0;
	bench_req.smc = c->conduit == KVM_TRAP_CONDUIT_SMC;
	/* Warm up: guest page tables, stage 2, caches of the emulator. */
	round_ns(vcpu, c, c->n);
	for (i = 0; i < ROUNDS; i++) {
		t = round_ns(vcpu, c, 0);
		best0 = t < best0 ? t : best0;
		t = round_ns(vcpu, c, c->n);
		bestn = t < bestn ? t : bestn;
	}

	bpf_link__destroy(link);
	if (c->policy) {
		ring_buffer__free(bench_events);
		bench_events = NULL;
		close(link_fd);
		kvmtrap_policy_close(policy);
		kvmtrap_vm_close(kvm);
	}
	kvm_vm_free(vm);
	if (vm_name[0]) {
		/* The handled-call list the load pinned for the VM. */
		int r = kvmtrap_vm_cleanup(vm_name);

		TEST_ASSERT(!r, "%s: kvmtrap_vm_cleanup(%s): %s", c->name,
			    vm_name, strerror(-r));
	}
	return (double)(bestn - best0) / c->n;
}

int main(int argc, char **argv)
{
	struct kvmtrap_bench *skel = NULL;
	unsigned int i, nr = FIRST_TRAP_CASE;
	int links;

	links = kvm_check_cap(KVM_CAP_TRAP_BPF);
	if (links > 0) {
		skel = kvmtrap_bench__open_and_load();
		TEST_ASSERT(skel, "kvmtrap_bench__open_and_load: %s",
			    strerror(errno));
		nr = ARRAY_SIZE(cases);
	}
	if (argc > 1) {
		for (i = 0; i < ARRAY_SIZE(cases); i++)
			if (!strcmp(argv[1], cases[i].name))
				break;
		if (i == ARRAY_SIZE(cases)) {
			fprintf(stderr, "kvmtrap_bench: no case '%s'; cases:",
				argv[1]);
			for (i = 0; i < ARRAY_SIZE(cases); i++)
				fprintf(stderr, " %s", cases[i].name);
			fprintf(stderr, "\n");
			return 2;
		}
	}
	printf("BENCH-INFO kvm_cap_trap_bpf %d\n", links);
	for (i = 0; i < nr; i++) {
		if (argc > 1 && strcmp(argv[1], cases[i].name))
			continue;
		printf("BENCH %s %.1f %u\n", cases[i].name,
		       run_case(&cases[i], skel), cases[i].n);
		fflush(stdout);
	}
	kvmtrap_bench__destroy(skel);
	return 0;
}
