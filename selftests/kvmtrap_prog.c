// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrap_prog - BPF_PROG_TYPE_KVM_TRAP as a program type, without a VM:
 *
 *  - The verifier lets a program read the whole struct kvm_trap_ctx and
 *    write only ret[] (any access size); it rejects, with "invalid
 *    bpf_context access", writes to the arguments, function ID or conduit,
 *    accesses before, after or misaligned within the context
 *    (kvmtrap_prog_fail.bpf.o, installed in /usr/libexec/kvmtrap/bpf);
 *    and atomics on the context, a moved or variably offset context
 *    pointer, sleepable programs, helpers of other types, a pointer in
 *    ret[] from a loader without CAP_PERFMON; tail calls reach kvm_trap
 *    programs only.
 *  - BPF_PROG_TEST_RUN runs a program on a described call: retval is its
 *    raw return value, ctx_out the context as it left it (ENOSPC when
 *    ctx_size_out is too small); ctx_in must be one whole struct
 *    kvm_trap_ctx with a valid conduit and only KVM_TRAP_F_* flags, and
 *    data, flags, cpu and batch_size are refused (EINVAL).
 *
 * One behaviour per test_*().
 */
#include <fcntl.h>
#include <libgen.h>
#include <linux/capability.h>
#include <sys/syscall.h>

#include "kvmtrap_vm.h"

#define FAIL_OBJ "kvmtrap_prog_fail.bpf.o"

#define RET_BASE 0x7e57000000000000ull

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

/* .../kvmtrap/selftests/kvmtrap_prog -> .../kvmtrap/bpf/FAIL_OBJ */
static void fail_obj_path(char *path, size_t size)
{
	char exe[256];
	ssize_t n;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	TEST_ASSERT(n > 0, "readlink /proc/self/exe: %s", strerror(errno));
	exe[n] = 0;
	snprintf(path, size, "%s/bpf/" FAIL_OBJ, dirname(dirname(exe)));
	TEST_ASSERT(!access(path, R_OK), "%s: %s", path, strerror(errno));
}

/*
 * Load program @name of the fail object alone.  Returns 0 or the load
 * error; the verifier's log is in @log.
 */
static int load_one_flags(const char *name, __u32 prog_flags, char *log,
			  size_t log_size)
{
	struct bpf_program *prog, *p;
	struct bpf_object *obj;
	char path[300];
	int err;

	fail_obj_path(path, sizeof(path));
	obj = bpf_object__open_file(path, NULL);
	if (!obj)
		kt_fail_errno(path, errno);
	prog = bpf_object__find_program_by_name(obj, name);
	TEST_ASSERT(prog, "no program %s in %s", name, path);
	TEST_ASSERT(bpf_program__type(prog) == BPF_PROG_TYPE_KVM_TRAP &&
		    bpf_program__expected_attach_type(prog) == BPF_KVM_TRAP,
		    "%s: SEC(\"kvm_trap\") not recognised by libbpf", name);
	bpf_object__for_each_program(p, obj)
		bpf_program__set_autoload(p, p == prog);
	bpf_program__set_flags(prog, bpf_program__flags(prog) | prog_flags);
	log[0] = 0;
	bpf_program__set_log_buf(prog, log, log_size);

	libbpf_set_print(quiet);
	err = bpf_object__load(obj);
	libbpf_set_print(NULL);
	bpf_object__close(obj);
	errno = 0;
	return err;
}

static int load_one(const char *name, char *log, size_t log_size)
{
	return load_one_flags(name, 0, log, log_size);
}

/* Rejected, with @want in the verifier's log (or libbpf's error). */
static void assert_rejected_log(const char *name, __u32 prog_flags, const char *want)
{
	static char log[64 * 1024];
	int err;

	err = load_one_flags(name, prog_flags, log, sizeof(log));
	TEST_ASSERT(err, "%s: the verifier accepted it", name);
	TEST_ASSERT(strstr(log, want), "%s: load failed (%s) without \"%s\" in the log:\n%s",
		    name, strerror(-err), want, log);
	ksft_print_msg("%s: %s\n", name, want);
}

static void assert_rejected(const char *name, const char *access)
{
	static char log[64 * 1024];
	char want[96];
	int err;

	err = load_one(name, log, sizeof(log));
	TEST_ASSERT(err, "%s: the verifier accepted it", name);
	snprintf(want, sizeof(want), "invalid bpf_context access %s", access);
	TEST_ASSERT(strstr(log, want), "%s: load failed (%s) without \"%s\" in the log:\n%s",
		    name, strerror(-err), want, log);
	ksft_print_msg("%s: %s\n", name, want);
}

/*
 * A program whose return value may fall outside enum kvm_trap_verdict is
 * rejected, with the verifier's line naming the range.
 */
static void assert_rejected_retval(const char *name, const char *value)
{
	static char log[64 * 1024];
	char want[128];
	int err;

	err = load_one(name, log, sizeof(log));
	TEST_ASSERT(err, "%s: the verifier accepted it", name);
	snprintf(want, sizeof(want),
		 "At program exit the register R0 has %s should have been in [0, 4]",
		 value);
	TEST_ASSERT(strstr(log, want), "%s: load failed (%s) without \"%s\" in the log:\n%s",
		    name, strerror(-err), want, log);
	ksft_print_msg("%s: %s\n", name, want);
}

static void test_verifier_rejects_return_5(void)
{
	assert_rejected_retval("ret_five", "smin=5 smax=5");
}

static void test_verifier_rejects_unbounded_return(void)
{
	assert_rejected_retval("ret_map_value", "unknown scalar value");
}

/* The same map value, bounded first, is a valid verdict. */
static void test_verifier_accepts_bounded_return(void)
{
	static char log[64 * 1024];
	int err;

	err = load_one("ok_map_value_bounded", log, sizeof(log));
	TEST_ASSERT(!err, "ok_map_value_bounded rejected (%s):\n%s",
		    strerror(-err), log);
}

static void test_verifier_accepts_ret_writes(void)
{
	static char log[64 * 1024];
	int err;

	err = load_one("ok_edges", log, sizeof(log));
	TEST_ASSERT(!err, "ok_edges rejected (%s):\n%s", strerror(-err), log);
}

static void test_verifier_rejects_arg_write(void)
{
	assert_rejected("write_arg", "off=24 size=8");
}

static void test_verifier_rejects_arg_tail_write(void)
{
	assert_rejected("write_arg_tail", "off=92 size=4");
}

static void test_verifier_rejects_func_id_write(void)
{
	assert_rejected("write_func_id", "off=8 size=8");
}

static void test_verifier_rejects_conduit_write(void)
{
	assert_rejected("write_conduit", "off=0 size=4");
}

static void test_verifier_rejects_read_past_end(void)
{
	assert_rejected("read_oob", "off=176 size=8");
}

static void test_verifier_rejects_write_past_end(void)
{
	assert_rejected("write_oob", "off=176 size=8");
}

static void test_verifier_rejects_read_before_start(void)
{
	assert_rejected("read_negative", "off=-8 size=8");
}

static void test_verifier_rejects_misaligned_read(void)
{
	assert_rejected("read_misaligned", "off=4 size=8");
}

static void test_verifier_rejects_misaligned_ret_write(void)
{
	assert_rejected("write_ret_misaligned", "off=98 size=4");
}

static void test_verifier_rejects_atomic_on_ctx(void)
{
	assert_rejected_log("atomic_ret", 0, "ctx is not allowed");
}

static void test_verifier_rejects_moved_ctx_ptr(void)
{
	assert_rejected_log("ctx_ptr_moved", 0, "dereference of modified ctx ptr R1 off=96 disallowed");
}

static void test_verifier_rejects_variable_ctx_offset(void)
{
	assert_rejected_log("ctx_var_offset", 0, "variable ctx access var_off=(0x0; 0x38) disallowed");
}

/* Programs run in the trap path with preemption off: never sleepable. */
static void test_verifier_rejects_sleepable(void)
{
	assert_rejected_log("ok_edges", BPF_F_SLEEPABLE,
			    "programs can be sleepable");
}

static void test_verifier_rejects_foreign_helper(void)
{
	assert_rejected_log("helper_send_signal", 0, "program of this type cannot use helper bpf_send_signal#109");
}

/* Drop CAP_PERFMON and CAP_SYS_ADMIN from the effective set, keep CAP_BPF. */
static void drop_perfmon(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	TEST_ASSERT(!syscall(SYS_capget, &hdr, data), "capget: %s", strerror(errno));
	data[CAP_TO_INDEX(CAP_PERFMON)].effective &= ~CAP_TO_MASK(CAP_PERFMON);
	data[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	TEST_ASSERT(data[CAP_TO_INDEX(CAP_BPF)].effective & CAP_TO_MASK(CAP_BPF),
		    "no CAP_BPF to start with");
	TEST_ASSERT(!syscall(SYS_capset, &hdr, data), "capset: %s", strerror(errno));
}

/*
 * A pointer stored in ret[] reaches the guest: the verifier allows that
 * only to a loader with CAP_PERFMON (or CAP_SYS_ADMIN), as it allows
 * pointer leaks to other program types (allow_ptr_leaks); a loader with
 * CAP_BPF alone gets "leaks addr into ctx".  Documentation/kvm-trap-api.rst
 * says so to whoever hands policies to root.
 */
static void test_verifier_pointer_in_ret_needs_perfmon(void)
{
	static char log[64 * 1024];
	int err;

	err = load_one("ptr_in_ret", log, sizeof(log));
	TEST_ASSERT(!err, "ptr_in_ret rejected with CAP_PERFMON (%s):\n%s",
		    strerror(-err), log);
	drop_perfmon();
	assert_rejected_log("ptr_in_ret", 0, "leaks addr into ctx");
}

/*
 * A kvm_trap program's prog array takes kvm_trap programs only: a socket
 * filter cannot be a tail call target (EINVAL), a kvm_trap program can.
 */
static void test_tail_call_same_type_only(void)
{
	const struct bpf_insn ret0[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	struct bpf_program *p;
	struct bpf_object *obj;
	char path[300];
	int map, other, r, key = 0, fd;

	fail_obj_path(path, sizeof(path));
	obj = bpf_object__open_file(path, NULL);
	TEST_ASSERT(obj, "%s: %s", path, strerror(errno));
	bpf_object__for_each_program(p, obj)
		bpf_program__set_autoload(p, !strcmp(bpf_program__name(p), "ok_tail_call") ||
					  !strcmp(bpf_program__name(p), "ok_edges"));
	TEST_ASSERT(!bpf_object__load(obj), "load ok_tail_call: %s", strerror(errno));
	map = bpf_object__find_map_fd_by_name(obj, "jmp_table");
	TEST_ASSERT(map >= 0, "no jmp_table");

	other = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "sockfilter", "GPL", ret0, 2, NULL);
	TEST_ASSERT(other >= 0, "socket filter: %s", strerror(errno));
	r = bpf_map_update_elem(map, &key, &other, BPF_ANY);
	TEST_ASSERT(r && errno == EINVAL, "socket filter in the prog array: %d (%s), expected EINVAL",
		    r, strerror(errno));
	fd = bpf_program__fd(bpf_object__find_program_by_name(obj, "ok_edges"));
	TEST_ASSERT(!bpf_map_update_elem(map, &key, &fd, BPF_ANY),
		    "kvm_trap program in the prog array: %s", strerror(errno));
	close(other);
	bpf_object__close(obj);
}

/* ---- BPF_PROG_TEST_RUN ---- */

static struct kvmtrap_policy *load_policy(void)
{
	return kt_policy_load();
}

static struct kvm_trap_ctx sample_ctx(void)
{
	struct kvm_trap_ctx ctx = {
		.conduit = KVM_TRAP_CONDUIT_SMC,
		.flags = KVM_TRAP_F_SMC32,
		.func_id = 0x83000042,
		.imm = 0,
		.vcpu_id = 3,
	};
	int i;

	for (i = 0; i < KVM_TRAP_NR_ARGS; i++)
		ctx.args[i] = 0x1000 + i;
	ctx.ret[0] = ~0ull;
	return ctx;
}

/* Run @skel's program; returns 0 or the errno. */
static int test_run(struct kvmtrap_policy *skel, struct bpf_test_run_opts *opts)
{
	int r, err;

	r = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.policy), opts);
	err = errno;
	errno = 0;
	return r ? err : 0;
}

/* The verdict and the return registers come back; the rest is untouched. */
static void test_run_handled_ret(void)
{
	struct kvmtrap_policy *skel = load_policy();
	struct kvm_trap_ctx in = sample_ctx(), out;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &in,
		    .ctx_size_in = sizeof(in), .ctx_out = &out,
		    .ctx_size_out = sizeof(out));
	int i, err;

	kt_rule_ret(skel, KVM_TRAP_HANDLED, RET_BASE);
	memset(&out, 0xa5, sizeof(out));
	err = test_run(skel, &opts);
	TEST_ASSERT(!err, "BPF_PROG_TEST_RUN: %s", strerror(err));
	TEST_ASSERT(opts.retval == KVM_TRAP_HANDLED, "retval %u", opts.retval);
	TEST_ASSERT(opts.ctx_size_out == sizeof(out), "ctx_size_out %u",
		    opts.ctx_size_out);
	TEST_ASSERT(!memcmp(&out, &in, offsetof(struct kvm_trap_ctx, ret)),
		    "ctx_out differs from ctx_in before ret[]");
	for (i = 0; i < KVM_TRAP_NR_RET; i++)
		TEST_ASSERT(out.ret[i] == RET_BASE + i, "ctx_out.ret[%d] 0x%llx",
			    i, out.ret[i]);
	/* The program saw ctx_in. */
	TEST_ASSERT(!memcmp(&skel->bss->seen.ctx, &in, sizeof(in)),
		    "the program did not see ctx_in");
	TEST_ASSERT(skel->bss->seen.runs == 1, "runs %llu", skel->bss->seen.runs);
	kvmtrap_policy__destroy(skel);
}

static void test_run_retval_is_verdict(void)
{
	const uint32_t values[] = { KVM_TRAP_PASS, KVM_TRAP_HANDLED,
				    KVM_TRAP_FORWARD, KVM_TRAP_DENY,
				    KVM_TRAP_UNDEF };
	struct kvmtrap_policy *skel = load_policy();
	struct kvm_trap_ctx in = sample_ctx();
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &in,
		    .ctx_size_in = sizeof(in));
	int i, err;

	for (i = 0; i < ARRAY_SIZE(values); i++) {
		kt_rule_all(skel, values[i]);
		err = test_run(skel, &opts);
		TEST_ASSERT(!err, "BPF_PROG_TEST_RUN: %s", strerror(err));
		TEST_ASSERT(opts.retval == values[i], "retval %u, the program returned %u",
			    opts.retval, values[i]);
	}
	kvmtrap_policy__destroy(skel);
}

static void test_run_repeat(void)
{
	struct kvmtrap_policy *skel = load_policy();
	struct kvm_trap_ctx in = sample_ctx();
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &in,
		    .ctx_size_in = sizeof(in), .repeat = 100);
	int err;

	kt_rule_all(skel, KVM_TRAP_DENY);
	err = test_run(skel, &opts);
	TEST_ASSERT(!err, "BPF_PROG_TEST_RUN: %s", strerror(err));
	TEST_ASSERT(opts.retval == KVM_TRAP_DENY, "retval %u", opts.retval);
	TEST_ASSERT(skel->bss->seen.runs == 100, "runs %llu, expected 100",
		    skel->bss->seen.runs);
	kvmtrap_policy__destroy(skel);
}

static void test_run_ctx_size_einval(void)
{
	struct kvmtrap_policy *skel = load_policy();
	struct kvm_trap_ctx in[2] = { sample_ctx() };
	const uint32_t sizes[] = { sizeof(in[0]) - 8, sizeof(in[0]) + 8, 8 };
	int i, err;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = in,
			    .ctx_size_in = sizes[i]);

		err = test_run(skel, &opts);
		TEST_ASSERT(err == EINVAL, "ctx_size_in %u: %s, expected EINVAL",
			    sizes[i], strerror(err));
	}
	{
		LIBBPF_OPTS(bpf_test_run_opts, opts);

		err = test_run(skel, &opts);
		TEST_ASSERT(err == EINVAL, "no ctx_in: %s, expected EINVAL",
			    strerror(err));
	}
	TEST_ASSERT(!skel->bss->seen.runs, "the program ran");
	kvmtrap_policy__destroy(skel);
}

static void test_run_data_einval(void)
{
	struct kvmtrap_policy *skel = load_policy();
	struct kvm_trap_ctx in = sample_ctx();
	char data[64] = {}, data_out[64];
	int err;

	{
		LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &in,
			    .ctx_size_in = sizeof(in), .data_in = data,
			    .data_size_in = sizeof(data));

		err = test_run(skel, &opts);
		TEST_ASSERT(err == EINVAL, "data_in: %s, expected EINVAL", strerror(err));
	}
	{
		LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &in,
			    .ctx_size_in = sizeof(in), .data_out = data_out,
			    .data_size_out = sizeof(data_out));

		err = test_run(skel, &opts);
		TEST_ASSERT(err == EINVAL, "data_out: %s, expected EINVAL", strerror(err));
	}
	TEST_ASSERT(!skel->bss->seen.runs, "the program ran");
	kvmtrap_policy__destroy(skel);
}

static void test_run_flags_cpu_batch_einval(void)
{
	struct kvmtrap_policy *skel = load_policy();
	struct kvm_trap_ctx in = sample_ctx();
	int err;

	{
		LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &in,
			    .ctx_size_in = sizeof(in),
			    .flags = BPF_F_TEST_RUN_ON_CPU, .cpu = 0);

		err = test_run(skel, &opts);
		TEST_ASSERT(err == EINVAL, "BPF_F_TEST_RUN_ON_CPU: %s, expected EINVAL",
			    strerror(err));
	}
	{
		LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &in,
			    .ctx_size_in = sizeof(in), .cpu = 1);

		err = test_run(skel, &opts);
		TEST_ASSERT(err == EINVAL, "cpu 1: %s, expected EINVAL", strerror(err));
	}
	{
		LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &in,
			    .ctx_size_in = sizeof(in), .batch_size = 1);

		err = test_run(skel, &opts);
		TEST_ASSERT(err == EINVAL, "batch_size 1: %s, expected EINVAL",
			    strerror(err));
	}
	TEST_ASSERT(!skel->bss->seen.runs, "the program ran");
	kvmtrap_policy__destroy(skel);
}

/* conduit 1..3 run, others are EINVAL. */
static void test_run_conduit_checked(void)
{
	const uint32_t conduits[] = { 0, 1, 2, 3, 4, 0xffffffff };
	struct kvmtrap_policy *skel = load_policy();
	struct kvm_trap_ctx in = sample_ctx();
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &in,
		    .ctx_size_in = sizeof(in));
	uint64_t runs = 0;
	int i, err;

	for (i = 0; i < ARRAY_SIZE(conduits); i++) {
		bool valid = conduits[i] >= 1 && conduits[i] <= 3;

		in.conduit = conduits[i];
		err = test_run(skel, &opts);
		runs += valid;
		TEST_ASSERT(err == (valid ? 0 : EINVAL), "conduit %u: %s, expected %s",
			    conduits[i], strerror(err), valid ? "success" : "EINVAL");
		TEST_ASSERT(skel->bss->seen.runs == runs, "conduit %u: runs %llu",
			    conduits[i], skel->bss->seen.runs);
	}
	TEST_ASSERT(skel->bss->seen.ctx.conduit == 3, "ctx.conduit %u",
		    skel->bss->seen.ctx.conduit);
	kvmtrap_policy__destroy(skel);
}

/* Every KVM_TRAP_F_* (QUERY too) is accepted and seen; other bits not. */
static void test_run_ctx_flags_checked(void)
{
	struct kvmtrap_policy *skel = load_policy();
	struct kvm_trap_ctx in = sample_ctx();
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &in,
		    .ctx_size_in = sizeof(in));
	int err;

	in.flags = KVM_TRAP_F_ALL;
	err = test_run(skel, &opts);
	TEST_ASSERT(!err, "flags 0x%x: %s", in.flags, strerror(err));
	TEST_ASSERT(skel->bss->seen.ctx.flags == KVM_TRAP_F_ALL, "ctx.flags 0x%x",
		    skel->bss->seen.ctx.flags);

	in.flags = KVM_TRAP_F_QUERY << 1;
	err = test_run(skel, &opts);
	TEST_ASSERT(err == EINVAL, "flags 0x%x: %s, expected EINVAL", in.flags,
		    strerror(err));
	in.flags = 0x80000000 | KVM_TRAP_F_SMC32;
	err = test_run(skel, &opts);
	TEST_ASSERT(err == EINVAL, "flags 0x%x: %s, expected EINVAL", in.flags,
		    strerror(err));
	TEST_ASSERT(skel->bss->seen.runs == 1, "runs %llu", skel->bss->seen.runs);
	kvmtrap_policy__destroy(skel);
}

/* ctx_out too small: ENOSPC, what fits copied, the size needed reported. */
static void test_run_ctx_out_enospc(void)
{
	struct kvmtrap_policy *skel = load_policy();
	struct kvm_trap_ctx in = sample_ctx(), out;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &in,
		    .ctx_size_in = sizeof(in), .ctx_out = &out,
		    .ctx_size_out = offsetof(struct kvm_trap_ctx, ret[1]));
	int err;

	kt_rule_ret(skel, KVM_TRAP_HANDLED, RET_BASE);
	memset(&out, 0, sizeof(out));
	err = test_run(skel, &opts);
	TEST_ASSERT(err == ENOSPC, "short ctx_out: %s, expected ENOSPC",
		    strerror(err));
	TEST_ASSERT(opts.ctx_size_out == sizeof(out), "ctx_size_out %u, expected %zu",
		    opts.ctx_size_out, sizeof(out));
	TEST_ASSERT(out.ret[0] == RET_BASE && !out.ret[1],
		    "ctx_out.ret[0..1] 0x%llx 0x%llx: expected only ret[0] copied",
		    out.ret[0], out.ret[1]);
	TEST_ASSERT(opts.retval == KVM_TRAP_HANDLED, "retval %u", opts.retval);
	kvmtrap_policy__destroy(skel);
}

static void test_prog_info(void)
{
	struct kvmtrap_policy *skel = load_policy();
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int r;

	r = bpf_prog_get_info_by_fd(bpf_program__fd(skel->progs.policy), &info, &len);
	TEST_ASSERT(!r, "bpf_prog_get_info_by_fd: %s", strerror(errno));
	TEST_ASSERT(info.type == BPF_PROG_TYPE_KVM_TRAP, "type %u, expected %u",
		    info.type, BPF_PROG_TYPE_KVM_TRAP);
	TEST_ASSERT(info.jited_prog_len > 0, "not JIT-compiled");
	TEST_ASSERT(!strcmp(libbpf_bpf_prog_type_str(info.type), "kvm_trap"),
		    "libbpf names the type %s", libbpf_bpf_prog_type_str(info.type));
	kvmtrap_policy__destroy(skel);
}

static const struct kvmtrap_test tests[] = {
	KVMTRAP_TEST(test_verifier_accepts_ret_writes),
	KVMTRAP_TEST(test_verifier_rejects_return_5),
	KVMTRAP_TEST(test_verifier_rejects_unbounded_return),
	KVMTRAP_TEST(test_verifier_accepts_bounded_return),
	KVMTRAP_TEST(test_verifier_rejects_arg_write),
	KVMTRAP_TEST(test_verifier_rejects_arg_tail_write),
	KVMTRAP_TEST(test_verifier_rejects_func_id_write),
	KVMTRAP_TEST(test_verifier_rejects_conduit_write),
	KVMTRAP_TEST(test_verifier_rejects_read_past_end),
	KVMTRAP_TEST(test_verifier_rejects_write_past_end),
	KVMTRAP_TEST(test_verifier_rejects_read_before_start),
	KVMTRAP_TEST(test_verifier_rejects_misaligned_read),
	KVMTRAP_TEST(test_verifier_rejects_misaligned_ret_write),
	KVMTRAP_TEST(test_verifier_rejects_atomic_on_ctx),
	KVMTRAP_TEST(test_verifier_rejects_moved_ctx_ptr),
	KVMTRAP_TEST(test_verifier_rejects_variable_ctx_offset),
	KVMTRAP_TEST(test_verifier_rejects_sleepable),
	KVMTRAP_TEST(test_verifier_rejects_foreign_helper),
	KVMTRAP_TEST(test_verifier_pointer_in_ret_needs_perfmon),
	KVMTRAP_TEST(test_tail_call_same_type_only),
	KVMTRAP_TEST(test_prog_info),
	KVMTRAP_TEST(test_run_handled_ret),
	KVMTRAP_TEST(test_run_retval_is_verdict),
	KVMTRAP_TEST(test_run_repeat),
	KVMTRAP_TEST(test_run_ctx_size_einval),
	KVMTRAP_TEST(test_run_data_einval),
	KVMTRAP_TEST(test_run_flags_cpu_batch_einval),
	KVMTRAP_TEST(test_run_conduit_checked),
	KVMTRAP_TEST(test_run_ctx_flags_checked),
	KVMTRAP_TEST(test_run_ctx_out_enospc),
};

int main(void)
{
	return kvmtrap_run_tests(tests, ARRAY_SIZE(tests));
}
