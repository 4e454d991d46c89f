/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm_trap_bpf.h: kvmtrap, per-VM BPF programs that decide what happens to
 * the guest hypervisor calls KVM does not handle natively.
 *
 * The generic part is the program type (virt/kvm/kvm_trap_prog.c) and the
 * link, per-VM program list and statistics (virt/kvm/kvm_trap_bpf.c); each
 * architecture builds the context of a trapped call, runs
 * kvm_trap_bpf_run() (linux/kvm_trap_bpf_run.h) and applies the verdict.
 */
#ifndef __LINUX_KVM_TRAP_BPF_H
#define __LINUX_KVM_TRAP_BPF_H

#include <linux/jump_label.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#include <uapi/linux/kvm_trap.h>

struct bpf_prog;
struct file;
struct kvm;
struct kvm_enable_cap;
struct pid;
struct seq_file;
struct kvm_trap_array;
struct kvm_trap_query;
struct kvm_trap_range;
union bpf_attr;

/* What KVM_CHECK_EXTENSION(KVM_CAP_TRAP_BPF) advertises. */
#define KVM_TRAP_MAX_LINKS	8

/* Per-VM state, embedded in struct kvm. */
struct kvm_trap_vm {
	/* The VM's links in attach order; NULL when there is none. */
	struct kvm_trap_array __rcu *array;
	/*
	 * KVM's name of the VM, <pid>-<fd> as in its debugfs directory.  The
	 * pid is kept as a struct pid so that each reader sees the number
	 * its own pid namespace gives it.
	 */
	struct pid *pid;
	u32 fd;
	/* The VMM takes KVM_EXIT_HYPERCALL for FORWARD (KVM_ENABLE_CAP). */
	bool forward;
};

#ifdef CONFIG_KVM_TRAP_BPF

DECLARE_STATIC_KEY_FALSE(kvm_trap_bpf_key);

/*
 * True when the VM has at least one link.  The static key keeps this to a
 * patched-out branch on hosts where no program is attached to any VM.
 */
static __always_inline bool kvm_trap_bpf_active(struct kvm_trap_vm *vm)
{
	return static_branch_unlikely(&kvm_trap_bpf_key) &&
	       rcu_access_pointer(vm->array);
}

void kvm_trap_bpf_init_vm(struct kvm *kvm, const char *fdname);
void kvm_trap_bpf_destroy_vm(struct kvm *kvm);
/* The VM fd's fdinfo names the VM as kvmtrap (and its links) do. */
void kvm_trap_bpf_show_fdinfo(struct seq_file *m, struct file *filp);
int kvm_trap_link_attach(const union bpf_attr *attr, struct bpf_prog *prog);
/* KVM_ENABLE_CAP(KVM_CAP_TRAP_BPF) on the VM fd */
int kvm_trap_bpf_enable_cap(struct kvm *kvm, struct kvm_enable_cap *cap);

/* Does the VMM of @kvm take forwarded calls?  See KVM_TRAP_ENABLE_FORWARD. */
static inline bool kvm_trap_bpf_forwards(struct kvm_trap_vm *vm)
{
	return READ_ONCE(vm->forward);
}

/* VM ioctls that any process holding the VM fd may use, not only its VMM. */
static inline bool kvm_trap_bpf_any_mm_ioctl(unsigned int ioctl)
{
	return ioctl == KVM_TRAP_QUERY || ioctl == KVM_TRAP_NATIVE_LIST;
}

/* KVM_TRAP_QUERY and KVM_TRAP_NATIVE_LIST (virt/kvm/kvm_trap_query.c) */
long kvm_trap_vm_ioctl(struct kvm *kvm, unsigned int ioctl, void __user *argp);

/* The native list of a VM under construction. */
struct kvm_trap_native {
	struct kvm_trap_range *r;
	u32 nr, room;
};

/*
 * Add @first..@last (IDs @step apart: 1 for SMCCC, 4 for PAPR hcalls) to
 * @n, merged with the range added last when they meet.  -ENOSPC when full.
 */
int kvm_trap_native_add(struct kvm_trap_native *n, u32 conduit, u32 flags,
			u64 first, u64 last, u64 step);

/*
 * The architecture's half of the two ioctls.  kvm_arch_trap_query() checks
 * the fields that are the architecture's (conduit, flags, imm, regs) and
 * fills the out fields, whose input is zero: -EINVAL for a call the
 * architecture cannot make.  kvm_arch_trap_native_build() adds the VM's
 * native ranges to @n, in any order.
 */
int kvm_arch_trap_query(struct kvm *kvm, struct kvm_trap_query *q);
int kvm_arch_trap_native_build(struct kvm *kvm, struct kvm_trap_native *n);

/*
 * Called under the kvmtrap mutex when the first link on the host appears
 * (true) and after the last one is gone (false), so that an architecture
 * can switch its trap handlers without a test on the native path.
 */
void kvm_arch_trap_bpf_enable(bool enable);

#else /* !CONFIG_KVM_TRAP_BPF */

static inline bool kvm_trap_bpf_active(struct kvm_trap_vm *vm)
{
	return false;
}

static inline void kvm_trap_bpf_init_vm(struct kvm *kvm, const char *fdname)
{
}

static inline void kvm_trap_bpf_destroy_vm(struct kvm *kvm)
{
}

static inline bool kvm_trap_bpf_any_mm_ioctl(unsigned int ioctl)
{
	return false;
}

static inline long kvm_trap_vm_ioctl(struct kvm *kvm, unsigned int ioctl,
				     void __user *argp)
{
	return -ENOTTY;
}

static inline int kvm_trap_bpf_enable_cap(struct kvm *kvm,
					  struct kvm_enable_cap *cap)
{
	return -EINVAL;
}

#endif /* CONFIG_KVM_TRAP_BPF */

#endif /* __LINUX_KVM_TRAP_BPF_H */
