/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libkvmtrap_internal.h: what the parts of libkvmtrap share and a caller
 * of the library never sees: the VM and policy structures, and the
 * helpers for the per-VM directory under KVMTRAP_BPFFS_DIR.
 */
#ifndef __LIBKVMTRAP_INTERNAL_H
#define __LIBKVMTRAP_INTERNAL_H

#include <errno.h>
#include <limits.h>

#include "libkvmtrap.h"

struct bpf_program;

struct kvmtrap_vm {
	int fd;				/* the VM fd */
	bool owned;			/* from pidfd_getfd(): we close it */
	char name[KVMTRAP_VM_NAME_LEN];	/* KVM's "<pid>-<fd>" */
};

struct kvmtrap_policy {
	struct bpf_object *obj;
	struct bpf_program *prog;	/* the one SEC("kvm_trap") program */
	bool load_tried;		/* bpf_object__load() runs once only */
	bool loaded;
};

/*
 * What one call created under KVMTRAP_BPFFS_DIR, so that a later failing
 * step of the same call can take exactly that back and nothing else.
 */
struct kvmtrap_undo {
	char dir[PATH_MAX];		/* the VM's directory, if created */
	char pin[PATH_MAX];		/* the handled list, if pinned */
};

/* KVMTRAP_BPFFS_DIR/<vm>[/<file>] into @buf; -ENAMETOOLONG if too long. */
int kvmtrap__path(char *buf, size_t len, const char *vm_name,
		  const char *file);

/*
 * Serialise the changes to the per-VM directories between processes:
 * without it, an unpin that finds a directory without link pins and
 * removes it races a pin going into it (which then fails with ENOENT,
 * or finds the handled list gone).  An flock() on KVMTRAP_BPFFS_DIR,
 * which is never removed for that reason.  @create: mount bpffs and
 * create KVMTRAP_BPFFS_DIR if needed, else -ENOENT when it is not there.
 * Returns the fd to give to kvmtrap__unlock().
 */
int kvmtrap__lock(bool create);
void kvmtrap__unlock(int lock_fd);

/*
 * Make KVMTRAP_BPFFS_DIR/<vm>/ exist, recording in @u whether it was
 * created.  Under kvmtrap__lock(true).
 */
int kvmtrap__mkdir_vm(const char *vm_name, struct kvmtrap_undo *u);

/*
 * Remove what @u records, pin first, then the directory, unless a link
 * has been pinned in that directory meanwhile: the list is then that
 * link's.  kvmtrap__undo() takes the lock, __undo_locked() runs under it.
 */
void kvmtrap__undo(struct kvmtrap_undo *u);
void kvmtrap__undo_locked(struct kvmtrap_undo *u);

/* The handled list of @vm, opened or created; see kvmtrap_handled_open(). */
int kvmtrap__handled_open(struct kvmtrap_vm *vm, struct kvmtrap_undo *u);

/* libbpf's own error codes (-LIBBPF_ERRNO__*, below -4000) as -EINVAL. */
static inline int kvmtrap__errno(int err)
{
	if (err >= 0)
		return err;
	return err < -4000 ? -EINVAL : err;
}

/*
 * What VM @vm_name's linked policies counted themselves, as handled-call
 * list entries (route BPF, owner POLICY): route_table's HANDLED rules with
 * their hits, and the counted slots of policies with a
 * kvmtrap_counted map.  They count in place instead of in the list,
 * and the list gets them when it is read.  *@out is malloc()ed; returns
 * how many.
 */
int kvmtrap__policy_handled(const char *vm_name,
			    struct kvmtrap_handled_entry **out);

#endif /* __LIBKVMTRAP_INTERNAL_H */
