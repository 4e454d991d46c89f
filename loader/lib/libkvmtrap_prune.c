// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libkvmtrap_prune.c: the pins that outlive their VM.  A pinned link
 * holds its program and maps after its VM is destroyed (the link is then
 * defunct), and the VM's directory holds its handled-call list, until
 * someone unpins them.  kvmtrap_prune() finds the directories of VMs that
 * are gone and removes what is in them, under the lock of the per-VM
 * directories (kvmtrap__lock()), so that it never races a pin.
 *
 * A directory is taken for a gone VM's when no VM fd on the host carries
 * its name (kvmtrap_list_vms()) and none of its link pins is live: a live
 * link means the VM exists, even where this process cannot see it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "libkvmtrap_internal.h"

#define LINK_PREFIX	"link-"
#define HANDLED_FILE	"handled"

/* A growing array of stale pins. */
struct pin_list {
	struct kvmtrap_stale_pin *p;
	int n, cap;
};

static struct kvmtrap_stale_pin *pin_add(struct pin_list *l)
{
	struct kvmtrap_stale_pin *p;

	if (l->n == l->cap) {
		int cap = l->cap ? l->cap * 2 : 16;

		p = realloc(l->p, cap * sizeof(*p));
		if (!p)
			return NULL;
		l->p = p;
		l->cap = cap;
	}
	p = &l->p[l->n++];
	memset(p, 0, sizeof(*p));
	return p;
}

/* The names of every VM on the host, sorted; malloc()ed in *@out. */
static int live_vm_names(struct kvmtrap_vm_ref **out)
{
	struct kvmtrap_vm_ref *r = NULL;
	int n, i;

	n = kvmtrap_list_vms_alloc(&r);
	if (n < 0)
		return n;
	/* Without the fdinfo "vm:" line, the holder's name (its creator's). */
	for (i = 0; i < n; i++)
		if (!r[i].name[0])
			snprintf(r[i].name, sizeof(r[i].name), "%d-%d",
				 r[i].pid, r[i].fd);
	*out = r;
	return n;
}

static bool vm_is_live(const struct kvmtrap_vm_ref *vms, int n,
		       const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(vms[i].name, name))
			return true;
	return false;
}

/* "<pid>-<fd>", two decimal numbers: the directories the library makes. */
static bool is_vm_name(const char *s, unsigned int *pid, unsigned int *fd)
{
	int end = 0;

	return sscanf(s, "%u-%u%n", pid, fd, &end) == 2 && !s[end] &&
	       s[0] >= '0' && s[0] <= '9' && end < KVMTRAP_VM_NAME_LEN;
}

static int pin_cmp(const void *a, const void *b)
{
	const struct kvmtrap_stale_pin *x = a, *y = b;
	unsigned int xp = 0, xf = 0, yp = 0, yf = 0;

	is_vm_name(x->vm, &xp, &xf);
	is_vm_name(y->vm, &yp, &yf);
	if (xp != yp)
		return xp < yp ? -1 : 1;
	if (xf != yf)
		return xf < yf ? -1 : 1;
	/* In a directory: its links by ID, the list, the directory last. */
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return x->link.link_id < y->link.link_id ? -1 :
	       x->link.link_id > y->link.link_id;
}

/*
 * Append the stale pins of directory @name (of a VM not on the host) to
 * @l.  *@whole is false when something else stays in it: a live link
 * (the VM is alive after all, and nothing is appended) or files that are
 * not ours (they stay, and so does the directory).
 */
static int scan_dir(const char *name, struct pin_list *l, bool *whole)
{
	char dir[PATH_MAX], path[PATH_MAX + 256];
	int first = l->n, err = 0;
	struct dirent *de;
	DIR *d;

	*whole = true;
	err = kvmtrap__path(dir, sizeof(dir), name, NULL);
	if (err)
		return err;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		struct kvmtrap_stale_pin *p;
		struct kvmtrap_link_info li;
		int fd;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (!strcmp(de->d_name, HANDLED_FILE)) {
			p = pin_add(l);
			if (!p) {
				err = -ENOMEM;
				break;
			}
			snprintf(p->vm, sizeof(p->vm), "%s", name);
			p->kind = KVMTRAP_PIN_HANDLED;
			continue;
		}
		if (strncmp(de->d_name, LINK_PREFIX, strlen(LINK_PREFIX))) {
			*whole = false;		/* not ours: left alone */
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		fd = bpf_obj_get(path);
		if (fd < 0) {
			*whole = false;
			continue;
		}
		err = kvmtrap_link_info(fd, &li);
		close(fd);
		if (err) {
			/* Not a kvm_trap link: not ours either. */
			err = 0;
			*whole = false;
			continue;
		}
		if (!li.defunct) {
			/* The VM is alive: none of this is stale. */
			l->n = first;
			*whole = false;
			break;
		}
		p = pin_add(l);
		if (!p) {
			err = -ENOMEM;
			break;
		}
		snprintf(p->vm, sizeof(p->vm), "%s", name);
		p->kind = KVMTRAP_PIN_LINK;
		p->link = li;
	}
	closedir(d);
	if (err)
		l->n = first;
	return err;
}

/* Remove what @p names; its error in p->err. */
static void remove_pin(struct kvmtrap_stale_pin *p)
{
	char path[PATH_MAX], file[32];
	int r;

	switch (p->kind) {
	case KVMTRAP_PIN_LINK:
		snprintf(file, sizeof(file), LINK_PREFIX "%u",
			 p->link.link_id);
		r = kvmtrap__path(path, sizeof(path), p->vm, file);
		break;
	case KVMTRAP_PIN_HANDLED:
		r = kvmtrap__path(path, sizeof(path), p->vm, HANDLED_FILE);
		break;
	default:
		r = kvmtrap__path(path, sizeof(path), p->vm, NULL);
		break;
	}
	if (!r) {
		if (p->kind == KVMTRAP_PIN_DIR)
			r = rmdir(path) ? -errno : 0;
		else
			r = unlink(path) ? -errno : 0;
	}
	p->err = r;
}

int kvmtrap_prune(unsigned int flags, struct kvmtrap_stale_pin **pins)
{
	struct kvmtrap_vm_ref *vms = NULL;
	struct pin_list l = {};
	int nvms, lock, err = 0, i;
	struct dirent *de;
	DIR *root;

	if (flags & ~KVMTRAP_PRUNE_DRY_RUN)
		return -EINVAL;
	lock = kvmtrap__lock(false);
	if (lock == -ENOENT) {
		/* No KVMTRAP_BPFFS_DIR: nothing was ever pinned. */
		*pins = NULL;
		return 0;
	}
	if (lock < 0)
		return lock;
	/*
	 * Under the lock: a VM created after this looked, under the name of
	 * one that is gone, pins (and creates its handled list) only once
	 * the lock is free again, in a directory of its own.
	 */
	nvms = live_vm_names(&vms);
	if (nvms < 0) {
		err = nvms;
		goto out;
	}
	root = opendir(KVMTRAP_BPFFS_DIR);
	if (!root) {
		err = -errno;
		goto out;
	}
	while ((de = readdir(root))) {
		unsigned int pid, fd;
		bool whole;

		if (!is_vm_name(de->d_name, &pid, &fd) ||
		    vm_is_live(vms, nvms, de->d_name))
			continue;
		err = scan_dir(de->d_name, &l, &whole);
		if (err)
			break;
		/* The directory goes too when nothing else is in it. */
		if (!whole)
			continue;
		if (!pin_add(&l)) {
			err = -ENOMEM;
			break;
		}
		/* is_vm_name() checked that it fits */
		snprintf(l.p[l.n - 1].vm, sizeof(l.p[l.n - 1].vm), "%.*s",
			 (int)sizeof(l.p[l.n - 1].vm) - 1, de->d_name);
		l.p[l.n - 1].kind = KVMTRAP_PIN_DIR;
	}
	closedir(root);
	if (err)
		goto out;
	if (l.n)
		qsort(l.p, l.n, sizeof(*l.p), pin_cmp);

	if (!(flags & KVMTRAP_PRUNE_DRY_RUN)) {
		/* Pins first; a directory only once all of its pins went. */
		for (i = 0; i < l.n; i++) {
			struct kvmtrap_stale_pin *p = &l.p[i];
			bool ok = true;
			int j;

			if (p->kind != KVMTRAP_PIN_DIR) {
				remove_pin(p);
				continue;
			}
			for (j = i - 1; j >= 0 && !strcmp(l.p[j].vm, p->vm); j--)
				ok &= !l.p[j].err;
			if (ok)
				remove_pin(p);
			else
				p->err = -ENOTEMPTY;
		}
	}
out:
	kvmtrap__unlock(lock);
	free(vms);
	if (err) {
		free(l.p);
		return err;
	}
	*pins = l.p;
	return l.n;
}
