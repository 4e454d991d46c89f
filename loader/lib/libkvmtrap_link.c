// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libkvmtrap_link.c: kvm_trap links.  Replace and detach, what a link
 * says about itself, finding a VM's links by ID, and the per-VM directory
 * on bpffs where links are pinned:
 *
 *	KVMTRAP_BPFFS_DIR/<vm>/link-<id>
 *	KVMTRAP_BPFFS_DIR/<vm>/handled
 *
 * The directory exists while something is pinned in it: the last unpin
 * removes it with the handled-call list.  KVMTRAP_BPFFS_DIR itself stays
 * (it carries the lock of kvmtrap__lock()).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include <bpf/bpf.h>

#include "libkvmtrap_internal.h"

#define BPFFS_MOUNT	"/sys/fs/bpf"
#define LINK_PREFIX	"link-"

/* ---- The per-VM directory ---- */

int kvmtrap__path(char *buf, size_t len, const char *vm_name,
		  const char *file)
{
	int n;

	/* A name with a slash or a dot-dot would leave our directory. */
	if (vm_name && (!*vm_name || strchr(vm_name, '/') ||
			!strcmp(vm_name, ".") || !strcmp(vm_name, "..")))
		return -EINVAL;
	if (!vm_name)
		n = snprintf(buf, len, "%s", KVMTRAP_BPFFS_DIR);
	else if (!file)
		n = snprintf(buf, len, "%s/%s", KVMTRAP_BPFFS_DIR, vm_name);
	else
		n = snprintf(buf, len, "%s/%s/%s", KVMTRAP_BPFFS_DIR, vm_name,
			     file);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* bpffs at /sys/fs/bpf, mounting it if it is not there. */
static int ensure_bpffs(void)
{
	struct statfs sfs;

	if (!statfs(BPFFS_MOUNT, &sfs) && sfs.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", BPFFS_MOUNT, "bpf", 0, "mode=0700"))
		return -errno;
	return 0;
}

int kvmtrap__lock(bool create)
{
	int fd, err;

	if (create) {
		err = ensure_bpffs();
		if (err)
			return err;
		if (mkdir(KVMTRAP_BPFFS_DIR, 0700) && errno != EEXIST)
			return -errno;
	}
	fd = open(KVMTRAP_BPFFS_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

void kvmtrap__unlock(int lock_fd)
{
	if (lock_fd >= 0)
		close(lock_fd);		/* drops the flock() */
}

int kvmtrap__mkdir_vm(const char *vm_name, struct kvmtrap_undo *u)
{
	char path[PATH_MAX];
	int err;

	err = kvmtrap__path(path, sizeof(path), vm_name, NULL);
	if (err)
		return err;
	if (!mkdir(path, 0700))
		snprintf(u->dir, sizeof(u->dir), "%s", path);
	else if (errno != EEXIST)
		return -errno;
	return 0;
}

/* Whether the VM's directory still holds a link pin. */
static int has_link_pins(const char *dir)
{
	struct dirent *de;
	int found = 0;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (!strncmp(de->d_name, LINK_PREFIX, strlen(LINK_PREFIX))) {
			found = 1;
			break;
		}
	}
	closedir(d);
	return found;
}

void kvmtrap__undo_locked(struct kvmtrap_undo *u)
{
	char dir[PATH_MAX];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", u->dir[0] ? u->dir : u->pin);
	if (!u->dir[0] && (slash = strrchr(dir, '/')))
		*slash = '\0';
	if (dir[0] && !has_link_pins(dir)) {
		if (u->pin[0])
			unlink(u->pin);
		if (u->dir[0])
			rmdir(u->dir);
	}
	memset(u, 0, sizeof(*u));
}

void kvmtrap__undo(struct kvmtrap_undo *u)
{
	int lock;

	if (!u->dir[0] && !u->pin[0])
		return;
	lock = kvmtrap__lock(false);
	kvmtrap__undo_locked(u);
	kvmtrap__unlock(lock);
}

/* ---- Links ---- */

int kvmtrap_replace(int link_fd, int new_prog_fd, int old_prog_fd)
{
	LIBBPF_OPTS(bpf_link_update_opts, opts);

	if (old_prog_fd >= 0) {
		opts.flags = BPF_F_REPLACE;
		opts.old_prog_fd = old_prog_fd;
	}
	if (bpf_link_update(link_fd, new_prog_fd, &opts))
		return -errno;
	return 0;
}

int kvmtrap_detach(int link_fd)
{
	if (bpf_link_detach(link_fd))
		return -errno;
	return 0;
}

int kvmtrap_link_fd(uint32_t link_id)
{
	int fd = bpf_link_get_fd_by_id(link_id);

	return fd < 0 ? -errno : fd;
}

/* The ID of the link pinned at @path, or a negative errno. */
static int pinned_link_id(const char *path, uint32_t *id)
{
	struct bpf_link_info li = {};
	__u32 len = sizeof(li);
	int fd, err = 0;

	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	if (bpf_link_get_info_by_fd(fd, &li, &len))
		err = -errno;
	else
		*id = li.id;
	close(fd);
	return err;
}

static bool is_pinned(const char *vm_name, uint32_t link_id)
{
	char path[PATH_MAX], file[32];
	uint32_t id = 0;

	snprintf(file, sizeof(file), LINK_PREFIX "%u", link_id);
	if (kvmtrap__path(path, sizeof(path), vm_name, file))
		return false;
	return !pinned_link_id(path, &id) && id == link_id;
}

int kvmtrap_link_info(int link_fd, struct kvmtrap_link_info *info)
{
	struct bpf_link_info li = {};
	struct bpf_prog_info pi = {};
	__u32 len = sizeof(li);
	int prog_fd;

	if (bpf_link_get_info_by_fd(link_fd, &li, &len))
		return -errno;
	if (li.type != BPF_LINK_TYPE_KVM_TRAP)
		return -EINVAL;

	memset(info, 0, sizeof(*info));
	info->link_id = li.id;
	info->prog_id = li.prog_id;
	info->defunct = li.kvm_trap.defunct;
	snprintf(info->vm, sizeof(info->vm), "%u-%u", li.kvm_trap.vm_pid,
		 li.kvm_trap.vm_fd);

	/* The name is a nicety: a program we may not open keeps "". */
	prog_fd = bpf_prog_get_fd_by_id(li.prog_id);
	if (prog_fd >= 0) {
		len = sizeof(pi);
		if (!bpf_prog_get_info_by_fd(prog_fd, &pi, &len))
			snprintf(info->prog_name, sizeof(info->prog_name),
				 "%s", pi.name);
		close(prog_fd);
	}
	info->pinned = is_pinned(info->vm, li.id);
	return 0;
}

int kvmtrap_links(const char *vm_name, struct kvmtrap_link_info *infos,
		  int max)
{
	__u32 id = 0;
	int n = 0;

	if (max < 0 || (max && !infos))
		return -EINVAL;
	/* Link IDs come in ascending order, which is the attach order. */
	while (!bpf_link_get_next_id(id, &id)) {
		struct kvmtrap_link_info info;
		int fd, err;

		fd = bpf_link_get_fd_by_id(id);
		if (fd < 0) {
			if (errno == ENOENT)	/* gone meanwhile */
				continue;
			return -errno;
		}
		err = kvmtrap_link_info(fd, &info);
		close(fd);
		if (err == -EINVAL)	/* another link type */
			continue;
		if (err)
			return err;
		if (vm_name && strcmp(vm_name, info.vm))
			continue;
		if (n < max)
			infos[n] = info;
		n++;
	}
	if (errno != ENOENT)
		return -errno;
	return n;
}

int kvmtrap_links_alloc(const char *vm_name, struct kvmtrap_link_info **out)
{
	struct kvmtrap_link_info *l = NULL;
	int n, cap = 0;

	*out = NULL;
	/* Links may come and go between the calls: retry until it fits. */
	for (;;) {
		n = kvmtrap_links(vm_name, l, cap);
		if (n < 0 || n <= cap)
			break;
		cap = n + 4;
		free(l);
		l = calloc(cap, sizeof(*l));
		if (!l)
			return -ENOMEM;
	}
	if (n < 0)
		free(l);
	else
		*out = l;
	return n;
}

/* ---- Pins ---- */

int kvmtrap_pin(struct kvmtrap_vm *vm, int link_fd, char *path, size_t len)
{
	struct kvmtrap_undo undo = {};
	struct kvmtrap_link_info info;
	char pin[PATH_MAX], file[32];
	int err, lock;

	err = kvmtrap_link_info(link_fd, &info);
	if (err)
		return err;
	/* Pinned under another VM's name, it would be lost to that VM. */
	if (strcmp(info.vm, vm->name))
		return -EINVAL;
	snprintf(file, sizeof(file), LINK_PREFIX "%u", info.link_id);
	err = kvmtrap__path(pin, sizeof(pin), vm->name, file);
	if (err)
		return err;
	if (path && len && strlen(pin) >= len)
		return -ENAMETOOLONG;

	lock = kvmtrap__lock(true);
	if (lock < 0)
		return lock;
	err = kvmtrap__mkdir_vm(vm->name, &undo);
	if (!err && bpf_obj_pin(link_fd, pin)) {
		err = -errno;
		kvmtrap__undo_locked(&undo);
	}
	kvmtrap__unlock(lock);
	if (!err && path && len)
		snprintf(path, len, "%s", pin);
	return err;
}

/*
 * The VM's directory and its handled-call list go with its last link pin:
 * the list describes the VM's policies, and without a pinned link none
 * outlives its loader.
 */
static int remove_vm_dir(const char *vm_name)
{
	char dir[PATH_MAX], handled[PATH_MAX];
	int r;

	if (kvmtrap__path(dir, sizeof(dir), vm_name, NULL) ||
	    kvmtrap__path(handled, sizeof(handled), vm_name, "handled"))
		return -ENAMETOOLONG;
	r = has_link_pins(dir);
	if (r)
		return r < 0 ? r : -EBUSY;
	if (unlink(handled) && errno != ENOENT)
		return -errno;
	if (rmdir(dir) && errno != ENOENT)
		return -errno;
	return 0;
}

int kvmtrap_unpin(const char *vm_name, uint32_t link_id)
{
	char pin[PATH_MAX], file[32];
	int err, lock;

	snprintf(file, sizeof(file), LINK_PREFIX "%u", link_id);
	err = kvmtrap__path(pin, sizeof(pin), vm_name, file);
	if (err)
		return err;
	lock = kvmtrap__lock(false);
	if (lock < 0)
		return lock;
	if (unlink(pin)) {
		err = -errno;
	} else {
		/* Another link still pinned there keeps the directory. */
		err = remove_vm_dir(vm_name);
		if (err == -EBUSY)
			err = 0;
	}
	kvmtrap__unlock(lock);
	return err;
}

int kvmtrap_vm_cleanup(const char *vm_name)
{
	int err, lock;

	if (!vm_name)
		return -EINVAL;
	lock = kvmtrap__lock(false);
	if (lock == -ENOENT)
		return 0;
	if (lock < 0)
		return lock;
	err = remove_vm_dir(vm_name);
	kvmtrap__unlock(lock);
	return err == -ENOENT ? 0 : err;
}

int kvmtrap_prog_map_ids(uint32_t prog_id, uint32_t **ids)
{
	struct bpf_prog_info pi = {};
	__u32 len = sizeof(pi), nr;
	uint32_t *m = NULL;
	int fd, r;

	fd = bpf_prog_get_fd_by_id(prog_id);
	if (fd < 0)
		return -errno;
	if (bpf_prog_get_info_by_fd(fd, &pi, &len)) {
		r = -errno;
		goto out;
	}
	/* Asked twice: the count first, then the IDs into room for them. */
	nr = pi.nr_map_ids;
	m = calloc(nr ? nr : 1, sizeof(*m));
	if (!m) {
		r = -ENOMEM;
		goto out;
	}
	memset(&pi, 0, sizeof(pi));
	pi.nr_map_ids = nr;
	pi.map_ids = (__u64)(unsigned long)m;
	len = sizeof(pi);
	if (bpf_prog_get_info_by_fd(fd, &pi, &len)) {
		r = -errno;
		free(m);
		goto out;
	}
	*ids = m;
	/* A program's maps are fixed at load; the smaller count is safe. */
	r = pi.nr_map_ids < nr ? pi.nr_map_ids : nr;
out:
	close(fd);
	return r;
}
