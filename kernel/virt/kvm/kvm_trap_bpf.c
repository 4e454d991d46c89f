// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_trap_bpf.c: the link of BPF_PROG_TYPE_KVM_TRAP programs to a VM, and
 * the VM's kvmtrap state.
 *
 * A VMM links programs to one VM with BPF_LINK_CREATE (target_fd: the VM
 * fd).  When a vCPU of that VM makes a hypervisor call that KVM does not
 * handle natively, the architecture code runs the VM's programs in attach
 * order through kvm_trap_bpf_run() (linux/kvm_trap_bpf_run.h); the first
 * verdict other than PASS wins.
 *
 * Each VM's links sit in a small array that is replaced whole on every
 * change (writers under kvm_trap_mutex) and read under RCU by vCPUs.  A
 * link holds no reference on its VM: the VM's destruction makes its links
 * defunct, and a link released first leaves its VM at once.
 */
#include <linux/bpf.h>
#include <linux/file.h>
#include <linux/kvm_host.h>
#include <linux/kvm_trap_bpf.h>
#include <linux/kvm_trap_bpf_run.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

/*
 * One lock for all VMs: attach and detach are rare, and a global lock lets
 * a link's release and its VM's destruction meet safely without either
 * holding a reference on the other.
 */
static DEFINE_MUTEX(kvm_trap_mutex);
static unsigned int kvm_trap_nr_links;
DEFINE_STATIC_KEY_FALSE(kvm_trap_bpf_key);
/* Tested by the hcall paths of POWER's kvm-hv and kvm-pr modules. */
EXPORT_SYMBOL_GPL(kvm_trap_bpf_key);

static struct kvm_trap_link *to_trap_link(const struct bpf_link *link)
{
	return container_of(link, struct kvm_trap_link, link);
}

/* Called last in VM creation, where nothing can fail any more. */
void kvm_trap_bpf_init_vm(struct kvm *kvm, const char *fdname)
{
	/* The thread's pid, as in the name of the VM's debugfs directory. */
	kvm->trap.pid = get_task_pid(current, PIDTYPE_PID);
	if (kstrtou32(fdname, 10, &kvm->trap.fd))
		kvm->trap.fd = U32_MAX;
}

/*
 * The pid as the reader's pid namespace numbers it (0 if the VM's creator
 * is not visible there), as other BPF link types report their tasks.
 */
static pid_t kvm_trap_pid_nr(struct pid *pid)
{
	return pid_nr_ns(pid, task_active_pid_ns(current));
}

/*
 * The counters are here as well as in the binary stats: KVM_GET_STATS_FD
 * is a VM ioctl that only the VM's own process may make, and KVM's
 * debugfs names the VM by its init-namespace pid, which a reader in a
 * child pid namespace cannot know.  fdinfo is readable wherever the VM
 * fd is.
 */
static const char *const kvm_trap_stat_names[KVM_TRAP_NR_VERDICTS] = {
	[KVM_TRAP_PASS]		= "pass",
	[KVM_TRAP_HANDLED]	= "handled",
	[KVM_TRAP_FORWARD]	= "forward",
	[KVM_TRAP_DENY]		= "deny",
	[KVM_TRAP_UNDEF]	= "undef",
};

void kvm_trap_bpf_show_fdinfo(struct seq_file *m, struct file *filp)
{
	struct kvm *kvm = filp->private_data;
	struct kvm_vm_stat_generic *st = &kvm->stat.generic;
	int i;

	seq_printf(m, "vm:\t%d-%u\ntrap_forward:\t%d\n",
		   kvm_trap_pid_nr(kvm->trap.pid), kvm->trap.fd,
		   kvm_trap_bpf_forwards(&kvm->trap));
	for (i = 0; i < KVM_TRAP_NR_VERDICTS; i++)
		seq_printf(m, "trap_bpf_%s:\t%lld\n", kvm_trap_stat_names[i],
			   atomic64_read(&st->trap_bpf_verdict[i]));
	seq_printf(m, "trap_bpf_forward_refused:\t%lld\n",
		   atomic64_read(&st->trap_bpf_forward_refused));
}

int kvm_trap_bpf_enable_cap(struct kvm *kvm, struct kvm_enable_cap *cap)
{
	if (cap->flags || cap->args[1] || cap->args[2] || cap->args[3] ||
	    cap->args[0] & ~KVM_TRAP_ENABLE_ALL)
		return -EINVAL;

	/*
	 * One way only: a vCPU may be on its way out with a forwarded call,
	 * and the VMM has said it handles them.
	 */
	if (cap->args[0] & KVM_TRAP_ENABLE_FORWARD)
		WRITE_ONCE(kvm->trap.forward, true);
	return 0;
}

static void kvm_trap_count_link(int delta)
{
	lockdep_assert_held(&kvm_trap_mutex);

	if (delta > 0 && !kvm_trap_nr_links++) {
		static_branch_enable(&kvm_trap_bpf_key);
		kvm_arch_trap_bpf_enable(true);
	} else if (delta < 0 && !--kvm_trap_nr_links) {
		kvm_arch_trap_bpf_enable(false);
		static_branch_disable(&kvm_trap_bpf_key);
	}
}

/* Publish @links (or no array when @nr is 0) as the VM's program list. */
static int kvm_trap_publish(struct kvm *kvm, struct kvm_trap_link **links,
			    unsigned int nr, gfp_t gfp)
{
	struct kvm_trap_array *old, *new = NULL;

	lockdep_assert_held(&kvm_trap_mutex);

	if (nr) {
		new = kzalloc(sizeof(*new), gfp);
		if (!new)
			return -ENOMEM;
		new->nr = nr;
		memcpy(new->links, links, nr * sizeof(*links));
	}

	old = rcu_replace_pointer(kvm->trap.array, new,
				  lockdep_is_held(&kvm_trap_mutex));
	if (old)
		kfree_rcu(old, rcu);
	return 0;
}

static int kvm_trap_add(struct kvm *kvm, struct kvm_trap_link *link)
{
	struct kvm_trap_link *links[KVM_TRAP_MAX_LINKS];
	struct kvm_trap_array *arr;
	unsigned int nr = 0;
	int r;

	arr = rcu_dereference_protected(kvm->trap.array,
					lockdep_is_held(&kvm_trap_mutex));
	if (arr) {
		if (arr->nr >= KVM_TRAP_MAX_LINKS)
			return -E2BIG;
		nr = arr->nr;
		memcpy(links, arr->links, nr * sizeof(*links));
	}
	links[nr++] = link;

	r = kvm_trap_publish(kvm, links, nr, GFP_KERNEL_ACCOUNT);
	if (r)
		return r;

	link->kvm = kvm;
	kvm_trap_count_link(1);
	return 0;
}

/*
 * Take @link out of its VM's list.  Removing must not fail, nor leave the
 * VM's other links unenforced for a moment (a strict policy would let calls
 * through): the new array, a few dozen bytes, is allocated with
 * __GFP_NOFAIL.
 */
static void kvm_trap_del(struct kvm_trap_link *link)
{
	struct kvm_trap_link *links[KVM_TRAP_MAX_LINKS];
	struct kvm *kvm = link->kvm;
	struct kvm_trap_array *arr;
	unsigned int i, nr = 0;

	lockdep_assert_held(&kvm_trap_mutex);

	arr = rcu_dereference_protected(kvm->trap.array,
					lockdep_is_held(&kvm_trap_mutex));
	for (i = 0; i < arr->nr; i++)
		if (arr->links[i] != link)
			links[nr++] = arr->links[i];

	kvm_trap_publish(kvm, links, nr, GFP_KERNEL_ACCOUNT | __GFP_NOFAIL);

	WRITE_ONCE(link->kvm, NULL);
	kvm_trap_count_link(-1);
}

void kvm_trap_bpf_destroy_vm(struct kvm *kvm)
{
	struct kvm_trap_array *arr;
	unsigned int i;

	mutex_lock(&kvm_trap_mutex);
	arr = rcu_replace_pointer(kvm->trap.array, NULL,
				  lockdep_is_held(&kvm_trap_mutex));
	if (arr) {
		for (i = 0; i < arr->nr; i++) {
			WRITE_ONCE(arr->links[i]->kvm, NULL);
			kvm_trap_count_link(-1);
		}
		kfree_rcu(arr, rcu);
	}
	mutex_unlock(&kvm_trap_mutex);

	put_pid(kvm->trap.pid);
}

/*
 * The statistics are indexed by verdict on the hot path; the names the
 * binary stats interface gives them must be the same counters.
 */
static_assert(offsetof(struct kvm_vm_stat_generic, trap_bpf_verdict) ==
	      offsetof(struct kvm_vm_stat_generic, trap_bpf_pass));
static_assert(ARRAY_SIZE(((struct kvm_vm_stat_generic *)NULL)->trap_bpf_verdict) ==
	      KVM_TRAP_NR_VERDICTS);
static_assert(offsetof(struct kvm_vm_stat_generic, trap_bpf_undef) ==
	      offsetof(struct kvm_vm_stat_generic, trap_bpf_pass) +
	      KVM_TRAP_UNDEF * sizeof(atomic64_t));

/* ---- link ---- */

static void kvm_trap_link_release(struct bpf_link *link)
{
	struct kvm_trap_link *tl = to_trap_link(link);
	bool left = false;

	mutex_lock(&kvm_trap_mutex);
	if (tl->kvm) {
		kvm_trap_del(tl);
		left = true;
	}
	mutex_unlock(&kvm_trap_mutex);

	/*
	 * Once detach returns, no vCPU is still running this link's program:
	 * the VM is back to its default for every call that follows.
	 */
	if (left)
		synchronize_rcu();
}

static int kvm_trap_link_detach(struct bpf_link *link)
{
	kvm_trap_link_release(link);
	return 0;
}

static void kvm_trap_link_dealloc(struct bpf_link *link)
{
	struct kvm_trap_link *tl = to_trap_link(link);

	put_pid(tl->vm_pid);
	kfree(tl);
}

static int kvm_trap_link_update(struct bpf_link *link,
				struct bpf_prog *new_prog,
				struct bpf_prog *old_prog)
{
	struct kvm_trap_link *tl = to_trap_link(link);
	int r = 0;

	if (new_prog->type != BPF_PROG_TYPE_KVM_TRAP ||
	    new_prog->expected_attach_type != BPF_KVM_TRAP)
		return -EINVAL;

	mutex_lock(&kvm_trap_mutex);
	if (!tl->kvm) {
		r = -ENOLINK;
		goto out_unlock;
	}
	if (old_prog && link->prog != old_prog) {
		r = -EPERM;
		goto out_unlock;
	}
	/*
	 * vCPUs read link->prog under RCU; the old program is freed only
	 * after a grace period (bpf_prog_put), so a call in flight finishes
	 * on the old program and the next one runs the new one.
	 */
	old_prog = xchg(&link->prog, new_prog);
	bpf_prog_put(old_prog);
out_unlock:
	mutex_unlock(&kvm_trap_mutex);
	return r;
}

static void kvm_trap_link_show_fdinfo(const struct bpf_link *link,
				      struct seq_file *seq)
{
	struct kvm_trap_link *tl = to_trap_link(link);

	seq_printf(seq, "vm:\t%d-%u\ndefunct:\t%d\n",
		   kvm_trap_pid_nr(tl->vm_pid), tl->vm_fd, !READ_ONCE(tl->kvm));
}

static int kvm_trap_link_fill_link_info(const struct bpf_link *link,
					struct bpf_link_info *info)
{
	struct kvm_trap_link *tl = to_trap_link(link);

	info->kvm_trap.vm_pid = kvm_trap_pid_nr(tl->vm_pid);
	info->kvm_trap.vm_fd = tl->vm_fd;
	info->kvm_trap.defunct = !READ_ONCE(tl->kvm);
	return 0;
}

static const struct bpf_link_ops kvm_trap_link_ops = {
	.release = kvm_trap_link_release,
	.dealloc_deferred = kvm_trap_link_dealloc,
	.detach = kvm_trap_link_detach,
	.update_prog = kvm_trap_link_update,
	.show_fdinfo = kvm_trap_link_show_fdinfo,
	.fill_link_info = kvm_trap_link_fill_link_info,
};

int kvm_trap_link_attach(const union bpf_attr *attr, struct bpf_prog *prog)
{
	struct bpf_link_primer primer;
	struct kvm_trap_link *link;
	struct kvm *kvm;
	struct fd f;
	int r;

	if (attr->link_create.flags)
		return -EINVAL;

	f = fdget(attr->link_create.target_fd);
	if (!fd_file(f))
		return -EBADF;
	if (!file_is_kvm(fd_file(f))) {
		r = -EINVAL;
		goto out_fdput;
	}
	/* The open VM fd keeps the VM alive until the link is in its list. */
	kvm = fd_file(f)->private_data;

	link = kzalloc(sizeof(*link), GFP_USER);
	if (!link) {
		r = -ENOMEM;
		goto out_fdput;
	}
	bpf_link_init(&link->link, BPF_LINK_TYPE_KVM_TRAP, &kvm_trap_link_ops,
		      prog);
	link->vm_pid = get_pid(kvm->trap.pid);
	link->vm_fd = kvm->trap.fd;

	r = bpf_link_prime(&link->link, &primer);
	if (r) {
		put_pid(link->vm_pid);
		kfree(link);
		goto out_fdput;
	}

	mutex_lock(&kvm_trap_mutex);
	r = kvm_trap_add(kvm, link);
	mutex_unlock(&kvm_trap_mutex);
	if (r) {
		bpf_link_cleanup(&primer);
		goto out_fdput;
	}

	fdput(f);
	return bpf_link_settle(&primer);

out_fdput:
	fdput(f);
	return r;
}
