// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_trap_prog.c: the BPF_PROG_TYPE_KVM_TRAP program type.
 *
 * A kvm_trap program sees one guest hypervisor call as a struct
 * kvm_trap_ctx and returns a verdict (enum kvm_trap_verdict, bounded by the
 * verifier in check_return_code()).  It may read the whole context and
 * write only the return registers.  BPF_PROG_TEST_RUN runs it on a
 * described call without a VM; linking it to a VM is kvm_trap_bpf.c's.
 */
#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/kvm_trap_bpf.h>
#include <linux/ktime.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>

static bool kvm_trap_is_valid_access(int off, int size,
				     enum bpf_access_type type,
				     const struct bpf_prog *prog,
				     struct bpf_insn_access_aux *info)
{
	if (off < 0 || off + size > sizeof(struct kvm_trap_ctx) || off % size)
		return false;
	if (type == BPF_READ)
		return true;
	/*
	 * The return registers are the only output of a program: what the
	 * guest asked (conduit, function, arguments) cannot be rewritten.
	 */
	return off >= offsetof(struct kvm_trap_ctx, ret);
}

static const struct bpf_func_proto *
kvm_trap_func_proto(enum bpf_func_id func_id, const struct bpf_prog *prog)
{
	return bpf_base_func_proto(func_id, prog);
}

const struct bpf_verifier_ops kvm_trap_verifier_ops = {
	.is_valid_access	= kvm_trap_is_valid_access,
	.get_func_proto		= kvm_trap_func_proto,
};

static int kvm_trap_check_ctx(const struct kvm_trap_ctx *ctx)
{
	if (ctx->flags & ~KVM_TRAP_F_ALL)
		return -EINVAL;
	switch (ctx->conduit) {
	case KVM_TRAP_CONDUIT_HVC:
	case KVM_TRAP_CONDUIT_SMC:
	case KVM_TRAP_CONDUIT_PAPR_HCALL:
		return 0;
	default:
		return -EINVAL;
	}
}

/*
 * BPF_PROG_TEST_RUN: run a program on a described call, without a VM.
 * ctx_in is a whole struct kvm_trap_ctx; ctx_out receives it as the program
 * left it (the return registers) and retval the verdict, unfiltered.
 */
static int kvm_trap_test_run(struct bpf_prog *prog, const union bpf_attr *kattr,
			     union bpf_attr __user *uattr)
{
	void __user *ctx_out = u64_to_user_ptr(kattr->test.ctx_out);
	void __user *ctx_in = u64_to_user_ptr(kattr->test.ctx_in);
	u32 size_out = kattr->test.ctx_size_out;
	u32 repeat = kattr->test.repeat ?: 1;
	struct kvm_trap_ctx ctx;
	u64 start, duration;
	u32 retval = 0, i;
	int r = 0;

	if (kattr->test.flags || kattr->test.cpu || kattr->test.batch_size ||
	    kattr->test.data_in || kattr->test.data_out ||
	    kattr->test.data_size_in || kattr->test.data_size_out)
		return -EINVAL;
	if (!ctx_in || kattr->test.ctx_size_in != sizeof(ctx) ||
	    (!ctx_out && size_out))
		return -EINVAL;
	if (copy_from_user(&ctx, ctx_in, sizeof(ctx)))
		return -EFAULT;
	r = kvm_trap_check_ctx(&ctx);
	if (r)
		return r;

	start = ktime_get_ns();
	for (i = 0; i < repeat; i++) {
		rcu_read_lock();
		migrate_disable();
		retval = bpf_prog_run(prog, &ctx);
		migrate_enable();
		rcu_read_unlock();
		if (need_resched()) {
			if (signal_pending(current))
				return -EINTR;
			cond_resched();
		}
	}
	duration = div_u64(ktime_get_ns() - start, repeat);

	if (ctx_out) {
		if (size_out < sizeof(ctx))
			r = -ENOSPC;
		if (copy_to_user(ctx_out, &ctx, min_t(u32, size_out, sizeof(ctx))))
			return -EFAULT;
		if (put_user((u32)sizeof(ctx), &uattr->test.ctx_size_out))
			return -EFAULT;
	}
	if (put_user(retval, &uattr->test.retval) ||
	    put_user(min_t(u64, duration, U32_MAX), &uattr->test.duration))
		return -EFAULT;
	return r;
}

const struct bpf_prog_ops kvm_trap_prog_ops = {
	.test_run = kvm_trap_test_run,
};
