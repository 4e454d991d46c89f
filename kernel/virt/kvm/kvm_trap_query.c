// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_trap_query.c: the VM ioctls of kvmtrap that ask what happens to a
 * guest's call without a vCPU: KVM_TRAP_QUERY and KVM_TRAP_NATIVE_LIST.
 *
 * What is the same on every architecture lives here: the copies from and
 * to user space, the checks of the fields every architecture shares, the
 * list's size protocol.  The decision is the architecture's
 * (kvm_arch_trap_query(), kvm_arch_trap_native_build()), taken by the code
 * that routes its trapped calls.
 */
#include <linux/kvm_host.h>
#include <linux/kvm_trap_bpf.h>
#include <linux/mm.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/uaccess.h>

/*
 * More than any architecture lists: arm64's filter can split its under
 * 150 candidates into one range per ID and conduit; POWER has under 400
 * hcall numbers to look at.
 */
#define KVM_TRAP_NATIVE_MAX	512

int kvm_trap_native_add(struct kvm_trap_native *n, u32 conduit, u32 flags,
			u64 first, u64 last, u64 step)
{
	struct kvm_trap_range *prev = n->nr ? &n->r[n->nr - 1] : NULL;

	/* Adjacent ranges of one kind are one range. */
	if (prev && prev->conduit == conduit && prev->flags == flags &&
	    prev->last + step == first) {
		prev->last = last;
		return 0;
	}
	if (n->nr == n->room)
		return -ENOSPC;
	n->r[n->nr++] = (struct kvm_trap_range) {
		.conduit = conduit, .flags = flags, .first = first, .last = last,
	};
	return 0;
}

static int kvm_trap_range_cmp(const void *a, const void *b)
{
	const struct kvm_trap_range *x = a, *y = b;

	if (x->conduit != y->conduit)
		return x->conduit < y->conduit ? -1 : 1;
	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return 0;
}

static int kvm_trap_query(struct kvm *kvm, struct kvm_trap_query __user *uq)
{
	struct kvm_trap_query q;
	int r;

	if (copy_from_user(&q, uq, sizeof(q)))
		return -EFAULT;
	/* The out fields are zero on entry, so that they can become inputs. */
	if (memchr_inv(&q.stage, 0, sizeof(q) - offsetof(typeof(q), stage)))
		return -EINVAL;

	r = kvm_arch_trap_query(kvm, &q);
	if (r)
		return r;

	if (copy_to_user(uq, &q, sizeof(q)))
		return -EFAULT;
	return 0;
}

static int kvm_trap_native_list(struct kvm *kvm,
				struct kvm_trap_native_list __user *ul)
{
	struct kvm_trap_native_list hdr;
	struct kvm_trap_native n = {};
	u32 room;
	int r;

	if (copy_from_user(&hdr, ul, sizeof(hdr)))
		return -EFAULT;
	if (hdr.pad)
		return -EINVAL;

	n.room = KVM_TRAP_NATIVE_MAX;
	n.r = kvcalloc(n.room, sizeof(*n.r), GFP_KERNEL_ACCOUNT);
	if (!n.r)
		return -ENOMEM;
	r = kvm_arch_trap_native_build(kvm, &n);
	if (WARN_ON_ONCE(r))
		goto out;
	sort(n.r, n.nr, sizeof(*n.r), kvm_trap_range_cmp, NULL);

	room = hdr.nr;
	hdr.nr = n.nr;
	r = -EFAULT;
	if (copy_to_user(ul, &hdr, sizeof(hdr)))
		goto out;
	r = -E2BIG;
	if (room < n.nr)
		goto out;
	r = -EFAULT;
	if (copy_to_user(ul->ranges, n.r, array_size(n.nr, sizeof(*n.r))))
		goto out;
	r = 0;
out:
	kvfree(n.r);
	return r;
}

long kvm_trap_vm_ioctl(struct kvm *kvm, unsigned int ioctl, void __user *argp)
{
	switch (ioctl) {
	case KVM_TRAP_QUERY:
		return kvm_trap_query(kvm, argp);
	case KVM_TRAP_NATIVE_LIST:
		return kvm_trap_native_list(kvm, argp);
	default:
		return -ENOTTY;
	}
}
