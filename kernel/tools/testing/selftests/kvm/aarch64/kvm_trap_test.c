// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvm_trap_test - BPF_PROG_TYPE_KVM_TRAP programs deciding a VM's HVC/SMC
 * calls (Documentation/virt/kvm/trap-bpf.rst).
 *
 * The programs are raw BPF instructions loaded with bpf(2), so the test
 * needs neither clang nor libbpf.  One program, linked to the VM with
 * BPF_LINK_CREATE, answers four OEM function IDs that KVM does not
 * implement with each of the verdicts, and passes on everything else:
 *
 *  - HANDLED: the guest gets the program's x0..x3;
 *  - DENY and no program at all: SMCCC_RET_NOT_SUPPORTED;
 *  - UNDEF: an undefined-instruction exception at the HVC/SMC;
 *  - FORWARD: a KVM_EXIT_HYPERCALL once the VMM enabled it with
 *    KVM_ENABLE_CAP(KVM_CAP_TRAP_BPF), a DENY before;
 *  - a call KVM implements (SMCCC_VERSION) never reaches the program;
 *  - KVM_TRAP_QUERY and KVM_TRAP_NATIVE_LIST tell the same without side
 *    effects;
 *  - BPF_LINK_UPDATE and BPF_LINK_DETACH take effect on the next call;
 *  - the verifier refuses a program that writes the call's arguments.
 */
#include <linux/arm-smccc.h>
#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/kvm_trap.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "processor.h"
#include "test_util.h"

/* OEM service calls: no KVM service implements them. */
#define FN(n)		ARM_SMCCC_CALL_VAL(ARM_SMCCC_FAST_CALL, ARM_SMCCC_SMC_64, \
					   ARM_SMCCC_OWNER_OEM, (n))
#define FN_HANDLED	FN(1)
#define FN_DENY		FN(2)
#define FN_UNDEF	FN(3)
#define FN_FORWARD	FN(4)
#define FN_OTHER	FN(5)

#define ANSWER		0x6b74
#define ARG		0x1234
/* x2 and x3 of each call: a verdict's answer must overwrite them. */
#define ARG2		0x2222
#define ARG3		0x3333
#define HVC_0		0xd4000002	/* the encodings of HVC #0 and SMC #0 */
#define SMC_0		0xd4000003
#define NOT_SUPPORTED	((uint64_t)SMCCC_RET_NOT_SUPPORTED)

#define CTX_FUNC_ID	offsetof(struct kvm_trap_ctx, func_id)
#define CTX_ARG(n)	(offsetof(struct kvm_trap_ctx, args) + 8 * (n))
#define CTX_RET(n)	(offsetof(struct kvm_trap_ctx, ret) + 8 * (n))

/*
 * The guest's next call, written by the host before each KVM_RUN, and the
 * undefined-instruction exceptions the guest has taken, with the
 * instruction the last one pointed at.
 */
static struct {
	uint32_t conduit;
	uint32_t func_id;
} next_call;
static uint64_t undef_count;
static uint32_t undef_insn;

static void guest_undef_handler(struct ex_regs *regs)
{
	undef_count++;
	undef_insn = *(uint32_t *)regs->pc;
	/* Step over the HVC/SMC that the exception points at. */
	regs->pc += 4;
}

static void guest_main(void)
{
	struct arm_smccc_res res;

	for (;;) {
		if (READ_ONCE(next_call.conduit) == KVM_TRAP_CONDUIT_SMC)
			smccc_smc(READ_ONCE(next_call.func_id), ARG, ARG2, ARG3,
				  0, 0, 0, 0, &res);
		else
			smccc_hvc(READ_ONCE(next_call.func_id), ARG, ARG2, ARG3,
				  0, 0, 0, 0, &res);
		GUEST_SYNC6(READ_ONCE(undef_count), READ_ONCE(undef_insn),
			    res.a0, res.a1, res.a2, res.a3);
	}
}

/*
 * The function IDs are compared as 32-bit values (BPF_JMP32): a 64-bit
 * compare would sign-extend the immediate 0xc30000nn and never match.
 *
 * if (w(func_id) == FN_HANDLED) { ret[0] = ANSWER; ret[1] = args[0] + 1;
 *				    return HANDLED; }
 * if (w(func_id) == FN_DENY) return DENY; ... UNDEF, FORWARD likewise;
 * return PASS;
 */
static const struct bpf_insn router[] = {
	BPF_LDX_MEM(BPF_DW, BPF_REG_2, BPF_REG_1, CTX_FUNC_ID),
	BPF_MOV64_IMM(BPF_REG_0, KVM_TRAP_DENY),
	BPF_JMP32_IMM(BPF_JEQ, BPF_REG_2, FN_DENY, 12),
	BPF_MOV64_IMM(BPF_REG_0, KVM_TRAP_UNDEF),
	BPF_JMP32_IMM(BPF_JEQ, BPF_REG_2, FN_UNDEF, 10),
	BPF_MOV64_IMM(BPF_REG_0, KVM_TRAP_FORWARD),
	BPF_JMP32_IMM(BPF_JEQ, BPF_REG_2, FN_FORWARD, 8),
	BPF_MOV64_IMM(BPF_REG_0, KVM_TRAP_PASS),
	BPF_JMP32_IMM(BPF_JNE, BPF_REG_2, FN_HANDLED, 6),
	BPF_MOV64_IMM(BPF_REG_3, ANSWER),
	BPF_STX_MEM(BPF_DW, BPF_REG_1, BPF_REG_3, CTX_RET(0)),
	BPF_LDX_MEM(BPF_DW, BPF_REG_3, BPF_REG_1, CTX_ARG(0)),
	BPF_ALU64_IMM(BPF_ADD, BPF_REG_3, 1),
	BPF_STX_MEM(BPF_DW, BPF_REG_1, BPF_REG_3, CTX_RET(1)),
	BPF_MOV64_IMM(BPF_REG_0, KVM_TRAP_HANDLED),
	BPF_EXIT_INSN(),
};

/* return DENY, whatever the call */
static const struct bpf_insn deny_all[] = {
	BPF_MOV64_IMM(BPF_REG_0, KVM_TRAP_DENY),
	BPF_EXIT_INSN(),
};

/* args[0] = 0; the context is read-only but for ret[] */
static const struct bpf_insn writes_args[] = {
	BPF_ST_MEM(BPF_DW, BPF_REG_1, CTX_ARG(0), 0),
	BPF_MOV64_IMM(BPF_REG_0, KVM_TRAP_PASS),
	BPF_EXIT_INSN(),
};

static char verifier_log[4096];

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/* Load a program, its verifier log in verifier_log. */
static int __prog_load(const struct bpf_insn *insns, size_t nr)
{
	union bpf_attr attr = {
		.prog_type		= BPF_PROG_TYPE_KVM_TRAP,
		.expected_attach_type	= BPF_KVM_TRAP,
		.insns			= (uintptr_t)insns,
		.insn_cnt		= nr,
		.license		= (uintptr_t)"GPL",
		.log_buf		= (uintptr_t)verifier_log,
		.log_size		= sizeof(verifier_log),
		.log_level		= 1,
	};

	return sys_bpf(BPF_PROG_LOAD, &attr);
}

static int prog_load(const struct bpf_insn *insns, size_t nr)
{
	int fd = __prog_load(insns, nr);

	TEST_ASSERT(fd >= 0, "BPF_PROG_LOAD: %s\n%s", strerror(errno), verifier_log);
	return fd;
}

static int link_create(int prog_fd, struct kvm_vm *vm)
{
	union bpf_attr attr = {
		.link_create.prog_fd		= prog_fd,
		.link_create.target_fd		= vm->fd,
		.link_create.attach_type	= BPF_KVM_TRAP,
	};
	int fd = sys_bpf(BPF_LINK_CREATE, &attr);

	TEST_ASSERT(fd >= 0, "BPF_LINK_CREATE: %s", strerror(errno));
	return fd;
}

static void obj_info(int fd, void *info, uint32_t len)
{
	union bpf_attr attr = {
		.info.bpf_fd	= fd,
		.info.info_len	= len,
		.info.info	= (uintptr_t)info,
	};

	TEST_ASSERT(!sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr),
		    "BPF_OBJ_GET_INFO_BY_FD: %s", strerror(errno));
}

static struct bpf_link_info link_info(int link_fd)
{
	struct bpf_link_info info = {};

	obj_info(link_fd, &info, sizeof(info));
	return info;
}

static uint32_t prog_id(int prog_fd)
{
	struct bpf_prog_info info = {};

	obj_info(prog_fd, &info, sizeof(info));
	return info.id;
}

static struct kvm_vm *setup_vm(struct kvm_vcpu **vcpu)
{
	struct kvm_vm *vm = vm_create_with_one_vcpu(vcpu, guest_main);

	vm_init_descriptor_tables(vm);
	vcpu_init_descriptor_tables(*vcpu);
	vm_install_sync_handler(vm, VECTOR_SYNC_CURRENT, ESR_EC_UNKNOWN,
				guest_undef_handler);
	return vm;
}

/* What the guest saw after one call. */
struct result {
	uint64_t undefs;
	uint32_t undef_insn;
	uint64_t x[4];
};

static void sync_result(struct kvm_vcpu *vcpu, struct result *r)
{
	struct ucall uc;
	int i;

	switch (get_ucall(vcpu, &uc)) {
	case UCALL_SYNC:
		r->undefs = uc.args[0];
		r->undef_insn = uc.args[1];
		for (i = 0; i < 4; i++)
			r->x[i] = uc.args[2 + i];
		break;
	case UCALL_ABORT:
		REPORT_GUEST_ASSERT(uc);
		break;
	default:
		TEST_FAIL("unexpected exit %s", exit_reason_str(vcpu->run->exit_reason));
	}
}

static void set_next_call(struct kvm_vcpu *vcpu, uint32_t conduit,
			  uint32_t func_id)
{
	next_call.conduit = conduit;
	next_call.func_id = func_id;
	sync_global_to_guest(vcpu->vm, next_call);
}

/* Let the guest make one call; it must come back with no exit but the ucall. */
static void guest_call(struct kvm_vcpu *vcpu, uint32_t conduit,
		       uint32_t func_id, struct result *r)
{
	set_next_call(vcpu, conduit, func_id);
	vcpu_run(vcpu);
	sync_result(vcpu, r);
}

static const char *conduit_str(uint32_t conduit)
{
	return conduit == KVM_TRAP_CONDUIT_SMC ? "SMC" : "HVC";
}

/* DENY, and a call nobody decided: x0 = NOT_SUPPORTED, x1..x3 = 0. */
static void expect_not_supported(struct kvm_vcpu *vcpu, uint32_t conduit,
				 uint32_t func_id)
{
	struct result r;

	guest_call(vcpu, conduit, func_id, &r);
	TEST_ASSERT(r.x[0] == NOT_SUPPORTED && !r.x[1] && !r.x[2] && !r.x[3] &&
		    !r.undefs,
		    "%s 0x%x: x0..x3 = 0x%lx 0x%lx 0x%lx 0x%lx, %lu undefs, expected NOT_SUPPORTED",
		    conduit_str(conduit), func_id, r.x[0], r.x[1], r.x[2], r.x[3],
		    r.undefs);
}

static void test_verdicts(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = setup_vm(&vcpu);
	int prog_fd, link_fd;
	struct result r;
	uint32_t c;

	for (c = KVM_TRAP_CONDUIT_HVC; c <= KVM_TRAP_CONDUIT_SMC; c++)
		expect_not_supported(vcpu, c, FN_HANDLED);

	prog_fd = prog_load(router, ARRAY_SIZE(router));
	link_fd = link_create(prog_fd, vm);

	for (c = KVM_TRAP_CONDUIT_HVC; c <= KVM_TRAP_CONDUIT_SMC; c++) {
		/* ret[] is preset to zero beyond what the program wrote. */
		guest_call(vcpu, c, FN_HANDLED, &r);
		TEST_ASSERT(r.x[0] == ANSWER && r.x[1] == ARG + 1 && !r.x[2] &&
			    !r.x[3] && !r.undefs,
			    "%s HANDLED: x0..x3 = 0x%lx 0x%lx 0x%lx 0x%lx, %lu undefs",
			    conduit_str(c), r.x[0], r.x[1], r.x[2], r.x[3], r.undefs);

		expect_not_supported(vcpu, c, FN_DENY);
		expect_not_supported(vcpu, c, FN_OTHER);

		/*
		 * An exception at the HVC/SMC itself, which leaves the
		 * registers as they were.
		 */
		guest_call(vcpu, c, FN_UNDEF, &r);
		TEST_ASSERT(r.undefs == 1 &&
			    r.undef_insn == (c == KVM_TRAP_CONDUIT_SMC ? SMC_0 : HVC_0) &&
			    r.x[0] == FN_UNDEF && r.x[1] == ARG && r.x[2] == ARG2 &&
			    r.x[3] == ARG3,
			    "%s UNDEF: %lu undefs, at insn 0x%x, x0..x3 = 0x%lx 0x%lx 0x%lx 0x%lx",
			    conduit_str(c), r.undefs, r.undef_insn, r.x[0], r.x[1],
			    r.x[2], r.x[3]);
		/* The other calls expect no exception: count from zero again. */
		undef_count = 0;
		sync_global_to_guest(vm, undef_count);

		/* SMCCC_VERSION is KVM's: the program is not asked. */
		guest_call(vcpu, c, ARM_SMCCC_VERSION_FUNC_ID, &r);
		TEST_ASSERT(r.x[0] == ARM_SMCCC_VERSION_1_1,
			    "%s SMCCC_VERSION: x0 = 0x%lx", conduit_str(c), r.x[0]);
	}

	/* One final verdict counted per call the program decided. */
	TEST_ASSERT_EQ(vm_get_stat(vm, "trap_bpf_handled"), 2);
	TEST_ASSERT_EQ(vm_get_stat(vm, "trap_bpf_deny"), 2);
	TEST_ASSERT_EQ(vm_get_stat(vm, "trap_bpf_undef"), 2);
	TEST_ASSERT_EQ(vm_get_stat(vm, "trap_bpf_pass"), 2);
	TEST_ASSERT_EQ(vm_get_stat(vm, "trap_bpf_forward"), 0);

	close(link_fd);
	close(prog_fd);
	kvm_vm_free(vm);
}

static void test_forward(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = setup_vm(&vcpu);
	struct kvm_run *run = vcpu->run;
	int prog_fd, link_fd, i;
	struct result r;
	uint64_t x0;

	prog_fd = prog_load(router, ARRAY_SIZE(router));
	link_fd = link_create(prog_fd, vm);

	/* The VMM did not ask for forwarded calls: they are denied. */
	expect_not_supported(vcpu, KVM_TRAP_CONDUIT_HVC, FN_FORWARD);
	TEST_ASSERT_EQ(vm_get_stat(vm, "trap_bpf_forward_refused"), 1);

	vm_enable_cap(vm, KVM_CAP_TRAP_BPF, KVM_TRAP_ENABLE_FORWARD);

	set_next_call(vcpu, KVM_TRAP_CONDUIT_SMC, FN_FORWARD);
	vcpu_run(vcpu);
	TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_HYPERCALL);
	TEST_ASSERT_EQ(run->hypercall.nr, FN_FORWARD);
	TEST_ASSERT_EQ(run->hypercall.args[0], ARG);
	TEST_ASSERT_EQ(run->hypercall.args[1], ARG2);
	TEST_ASSERT(run->hypercall.flags & KVM_HYPERCALL_EXIT_SMC,
		    "KVM_HYPERCALL_EXIT_SMC not set: flags 0x%llx", run->hypercall.flags);
	TEST_ASSERT(run->hypercall.flags & KVM_HYPERCALL_EXIT_BPF,
		    "KVM_HYPERCALL_EXIT_BPF not set: flags 0x%llx", run->hypercall.flags);
	/* What a VMM that ignores the exit leaves the guest. */
	vcpu_get_reg(vcpu, ARM64_CORE_REG(regs.regs[0]), &x0);
	TEST_ASSERT_EQ(x0, NOT_SUPPORTED);

	/* The VMM answers in x0..x3. */
	for (i = 0; i < 4; i++)
		run->hypercall.ret_regs[i] = 0x100 + i;
	run->hypercall.flags |= KVM_HYPERCALL_EXIT_RET_REGS;
	vcpu_run(vcpu);
	sync_result(vcpu, &r);
	for (i = 0; i < 4; i++)
		TEST_ASSERT(r.x[i] == 0x100 + i, "forwarded: x%d = 0x%lx, expected 0x%x",
			    i, r.x[i], 0x100 + i);
	/* Two FORWARD verdicts, of which the first was refused. */
	TEST_ASSERT_EQ(vm_get_stat(vm, "trap_bpf_forward"), 2);
	TEST_ASSERT_EQ(vm_get_stat(vm, "trap_bpf_forward_refused"), 1);

	close(link_fd);
	close(prog_fd);
	kvm_vm_free(vm);
}

static struct kvm_trap_query query(struct kvm_vm *vm, uint32_t func_id)
{
	struct kvm_trap_query q = {
		.conduit	= KVM_TRAP_CONDUIT_HVC,
		.regs		= { func_id, ARG },
	};

	vm_ioctl(vm, KVM_TRAP_QUERY, &q);
	return q;
}

static void test_query(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = setup_vm(&vcpu);
	struct bpf_link_info info;
	struct kvm_trap_query q;
	int prog_fd, link_fd;

	q = query(vm, FN_HANDLED);
	TEST_ASSERT(q.stage == KVM_TRAP_STAGE_DEFAULT && q.verdict == KVM_TRAP_DENY,
		    "no program: stage %u verdict %u", q.stage, q.verdict);

	prog_fd = prog_load(router, ARRAY_SIZE(router));
	link_fd = link_create(prog_fd, vm);
	info = link_info(link_fd);
	TEST_ASSERT_EQ(info.type, BPF_LINK_TYPE_KVM_TRAP);
	TEST_ASSERT_EQ(info.prog_id, prog_id(prog_fd));

	q = query(vm, FN_HANDLED);
	TEST_ASSERT(q.stage == KVM_TRAP_STAGE_BPF && q.verdict == KVM_TRAP_HANDLED &&
		    q.link_id == info.id && q.prog_id == info.prog_id &&
		    (q.out_flags & KVM_TRAP_QUERY_RET) &&
		    q.ret[0] == ANSWER && q.ret[1] == ARG + 1,
		    "query: stage %u verdict %u link %u prog %u flags 0x%x ret 0x%llx 0x%llx",
		    q.stage, q.verdict, q.link_id, q.prog_id, q.out_flags,
		    q.ret[0], q.ret[1]);

	q = query(vm, FN_FORWARD);
	TEST_ASSERT(q.stage == KVM_TRAP_STAGE_BPF && q.verdict == KVM_TRAP_DENY &&
		    (q.out_flags & KVM_TRAP_QUERY_REFUSED),
		    "FORWARD without KVM_TRAP_ENABLE_FORWARD: stage %u verdict %u flags 0x%x",
		    q.stage, q.verdict, q.out_flags);

	q = query(vm, ARM_SMCCC_VERSION_FUNC_ID);
	TEST_ASSERT(q.stage == KVM_TRAP_STAGE_NATIVE && q.verdict == KVM_TRAP_HANDLED,
		    "SMCCC_VERSION: stage %u verdict %u", q.stage, q.verdict);

	/* A query is a dry run: nothing counted. */
	TEST_ASSERT_EQ(vm_get_stat(vm, "trap_bpf_handled"), 0);
	TEST_ASSERT_EQ(vm_get_stat(vm, "trap_bpf_forward"), 0);
	TEST_ASSERT_EQ(vm_get_stat(vm, "trap_bpf_forward_refused"), 0);

	close(link_fd);
	close(prog_fd);
	kvm_vm_free(vm);
}

static bool native_list_has(const struct kvm_trap_native_list *l, uint64_t id)
{
	uint32_t i;

	for (i = 0; i < l->nr; i++)
		if (l->ranges[i].conduit == KVM_TRAP_CONDUIT_HVC &&
		    l->ranges[i].first <= id && id <= l->ranges[i].last)
			return true;
	return false;
}

static void test_native_list(void)
{
	const uint32_t room = 256;
	struct kvm_trap_native_list *l;
	struct kvm_vm *vm = vm_create_barebones();

	l = calloc(1, sizeof(*l) + room * sizeof(l->ranges[0]));
	TEST_ASSERT(l, "calloc");
	l->nr = room;
	vm_ioctl(vm, KVM_TRAP_NATIVE_LIST, l);
	TEST_ASSERT(l->nr > 0 && l->nr <= room, "%u ranges", l->nr);
	TEST_ASSERT(native_list_has(l, ARM_SMCCC_VERSION_FUNC_ID),
		    "SMCCC_VERSION is not in the native list of %u ranges", l->nr);
	TEST_ASSERT(!native_list_has(l, FN_HANDLED), "0x%x is in the native list",
		    FN_HANDLED);

	free(l);
	kvm_vm_free(vm);
}

static void test_link_update_detach(void)
{
	union bpf_attr attr = {};
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = setup_vm(&vcpu);
	int prog_fd, deny_fd, link_fd;
	struct result r;

	prog_fd = prog_load(router, ARRAY_SIZE(router));
	deny_fd = prog_load(deny_all, ARRAY_SIZE(deny_all));
	link_fd = link_create(prog_fd, vm);

	guest_call(vcpu, KVM_TRAP_CONDUIT_HVC, FN_HANDLED, &r);
	TEST_ASSERT_EQ(r.x[0], ANSWER);

	attr.link_update.link_fd = link_fd;
	attr.link_update.new_prog_fd = deny_fd;
	TEST_ASSERT(!sys_bpf(BPF_LINK_UPDATE, &attr), "BPF_LINK_UPDATE: %s",
		    strerror(errno));
	expect_not_supported(vcpu, KVM_TRAP_CONDUIT_HVC, FN_HANDLED);
	TEST_ASSERT_EQ(vm_get_stat(vm, "trap_bpf_deny"), 1);
	TEST_ASSERT_EQ(link_info(link_fd).prog_id, prog_id(deny_fd));
	TEST_ASSERT_EQ(query(vm, FN_HANDLED).prog_id, prog_id(deny_fd));

	memset(&attr, 0, sizeof(attr));
	attr.link_detach.link_fd = link_fd;
	TEST_ASSERT(!sys_bpf(BPF_LINK_DETACH, &attr), "BPF_LINK_DETACH: %s",
		    strerror(errno));
	expect_not_supported(vcpu, KVM_TRAP_CONDUIT_HVC, FN_HANDLED);
	/* Nobody decided the last call: no verdict counted. */
	TEST_ASSERT_EQ(vm_get_stat(vm, "trap_bpf_deny"), 1);
	TEST_ASSERT_EQ(vm_get_stat(vm, "trap_bpf_pass"), 0);
	TEST_ASSERT_EQ(vm_get_stat(vm, "trap_bpf_handled"), 1);
	TEST_ASSERT_EQ(query(vm, FN_HANDLED).stage, KVM_TRAP_STAGE_DEFAULT);

	close(link_fd);
	close(deny_fd);
	close(prog_fd);
	kvm_vm_free(vm);
}

static void test_verifier(void)
{
	int fd;

	fd = __prog_load(writes_args, ARRAY_SIZE(writes_args));
	TEST_ASSERT(fd < 0 && errno == EACCES,
		    "a program writing args[0] loaded: fd %d, %s", fd, strerror(errno));
	TEST_ASSERT(strstr(verifier_log, "invalid bpf_context access"),
		    "verifier log without the reason:\n%s", verifier_log);
}

/*
 * Loading a program needs CAP_BPF (or CAP_SYS_ADMIN). Only EPERM means that:
 * any other failure is the kernel's, and the subtests report it.
 */
static bool can_load_programs(void)
{
	int fd = __prog_load(deny_all, ARRAY_SIZE(deny_all));

	if (fd >= 0)
		close(fd);
	return fd >= 0 || errno != EPERM;
}

int main(void)
{
	TEST_REQUIRE(kvm_has_cap(KVM_CAP_TRAP_BPF));
	__TEST_REQUIRE(can_load_programs(), "cannot load BPF programs: %s",
		       strerror(errno));

	ksft_print_header();
	ksft_set_plan(6);

	test_verifier();
	ksft_test_result_pass("verifier\n");
	test_verdicts();
	ksft_test_result_pass("verdicts\n");
	test_forward();
	ksft_test_result_pass("forward\n");
	test_query();
	ksft_test_result_pass("query\n");
	test_native_list();
	ksft_test_result_pass("native_list\n");
	test_link_update_detach();
	ksft_test_result_pass("link_update_detach\n");

	ksft_finished();
}
