// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libkvmtrap_handled.c: the handled-call list of a VM, a BPF hash map
 * pinned at KVMTRAP_BPFFS_DIR/<vm>/handled (types in kvmtrap_handled.h).
 *
 * The map is created from the skeleton of kvmtrap_handled_map.bpf.c, so
 * that it carries the BTF of its key and value and "bpftool map dump"
 * prints them by field.  Its KERNEL entries are KVM's own answer
 * (KVM_TRAP_NATIVE_LIST), rewritten on every open; its POLICY entries
 * belong to the policies, which write them from BPF.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "libkvmtrap_internal.h"
#include "kvmtrap_handled_map.skel.h"

#define HANDLED_FILE	"handled"

/* A new, empty list with BTF; the skeleton goes, the map stays. */
static int create_map(void)
{
	struct kvmtrap_handled_map *skel;
	int fd;

	skel = kvmtrap_handled_map__open_and_load();
	if (!skel)
		return -errno;
	fd = fcntl(bpf_map__fd(skel->maps.kvmtrap_handled), F_DUPFD_CLOEXEC,
		   3);
	if (fd < 0)
		fd = -errno;
	kvmtrap_handled_map__destroy(skel);
	return fd;
}

/* A pinned object that is not our list must not be written to. */
static int check_map(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_map_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (info.type != BPF_MAP_TYPE_HASH ||
	    info.key_size != sizeof(struct kvmtrap_handled_key) ||
	    info.value_size != sizeof(struct kvmtrap_handled_val))
		return -EINVAL;
	return 0;
}

static bool same_key(const struct kvmtrap_handled_key *a,
		     const struct kvmtrap_handled_key *b)
{
	return a->conduit == b->conduit && a->imm == b->imm &&
	       a->first == b->first && a->last == b->last;
}

/*
 * Make the map's KERNEL entries exactly @want: stale ones are deleted and
 * the others written in place, so that a reader never sees the native
 * part empty while it is rebuilt.
 */
static int sync_native(int fd, const struct kvmtrap_handled_entry *want,
		       int n)
{
	struct kvmtrap_handled_key key, next, *stale = NULL;
	struct kvmtrap_handled_val val;
	int nstale = 0, cap = 0, i, err = 0;
	bool first = true;

	while (!bpf_map_get_next_key(fd, first ? NULL : &key, &next)) {
		first = false;
		key = next;
		if (bpf_map_lookup_elem(fd, &key, &val))
			continue;	/* deleted meanwhile */
		if (val.owner != KVMTRAP_OWNER_KERNEL)
			continue;
		for (i = 0; i < n; i++)
			if (same_key(&key, &want[i].key))
				break;
		if (i < n)
			continue;
		if (nstale == cap) {
			struct kvmtrap_handled_key *s;

			cap = cap ? cap * 2 : 16;
			s = realloc(stale, cap * sizeof(*s));
			if (!s) {
				err = -ENOMEM;
				goto out;
			}
			stale = s;
		}
		stale[nstale++] = key;
	}
	for (i = 0; i < nstale; i++)
		if (bpf_map_delete_elem(fd, &stale[i]) && errno != ENOENT) {
			err = -errno;
			goto out;
		}
	for (i = 0; i < n; i++)
		if (bpf_map_update_elem(fd, &want[i].key, &want[i].val,
					BPF_ANY)) {
			err = -errno;
			goto out;
		}
out:
	free(stale);
	return err;
}

static int refresh_native(const struct kvmtrap_vm *vm, int fd)
{
	struct kvmtrap_handled_entry *want;
	struct kvm_trap_range *ranges;
	int n, i, err;

	n = kvmtrap_native_list(vm, &ranges);
	if (n < 0)
		return n;
	want = calloc(n ? n : 1, sizeof(*want));
	if (!want) {
		free(ranges);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		want[i].key.conduit = ranges[i].conduit;
		/* native services are SMCCC calls: immediate 0 */
		want[i].key.imm = 0;
		want[i].key.first = ranges[i].first;
		want[i].key.last = ranges[i].last;
		want[i].val.route = ranges[i].flags & KVM_TRAP_RANGE_EL2 ?
				    KVMTRAP_ROUTE_NATIVE_EL2 :
				    KVMTRAP_ROUTE_NATIVE;
		want[i].val.owner = KVMTRAP_OWNER_KERNEL;
		want[i].val.hits = 0;
	}
	err = sync_native(fd, want, n);
	free(want);
	free(ranges);
	return err;
}

int kvmtrap__handled_open(struct kvmtrap_vm *vm, struct kvmtrap_undo *u)
{
	char path[PATH_MAX];
	int fd, err, lock;

	err = kvmtrap__path(path, sizeof(path), vm->name, HANDLED_FILE);
	if (err)
		return err;
	/* Creating it must not race an unpin removing the directory. */
	lock = kvmtrap__lock(true);
	if (lock < 0)
		return lock;
	fd = bpf_obj_get(path);
	if (fd < 0 && errno != ENOENT) {
		err = -errno;
		goto out;
	}
	if (fd < 0) {
		err = kvmtrap__mkdir_vm(vm->name, u);
		if (err)
			goto err_undo;
		fd = create_map();
		if (fd < 0) {
			err = fd;
			goto err_undo;
		}
		if (bpf_obj_pin(fd, path)) {
			err = -errno;
			goto err_close;
		}
		snprintf(u->pin, sizeof(u->pin), "%s", path);
	}
	err = check_map(fd);
	if (!err)
		err = refresh_native(vm, fd);
	if (err)
		goto err_close;
	kvmtrap__unlock(lock);
	return fd;

err_close:
	close(fd);
err_undo:
	kvmtrap__undo_locked(u);
out:
	kvmtrap__unlock(lock);
	return err;
}

int kvmtrap_handled_open(struct kvmtrap_vm *vm)
{
	struct kvmtrap_undo undo = {};

	return kvmtrap__handled_open(vm, &undo);
}

static int entry_cmp(const void *a, const void *b)
{
	const struct kvmtrap_handled_key *x = a, *y = b;

	if (x->conduit != y->conduit)
		return x->conduit < y->conduit ? -1 : 1;
	if (x->imm != y->imm)
		return x->imm < y->imm ? -1 : 1;
	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return x->last < y->last ? -1 : x->last > y->last;
}

int kvmtrap_handled_read(const char *vm_name,
			 struct kvmtrap_handled_entry *entries, int max)
{
	struct kvmtrap_handled_entry *all = NULL, *rules = NULL;
	struct kvmtrap_handled_key key, next;
	char path[PATH_MAX];
	int fd, n = 0, cap = 0, nr, err;
	bool first = true;

	if (max < 0 || (max && !entries))
		return -EINVAL;
	err = kvmtrap__path(path, sizeof(path), vm_name, HANDLED_FILE);
	if (err)
		return err;
	fd = bpf_obj_get(path);
	if (fd < 0 && errno != ENOENT)
		return -errno;
	if (fd >= 0) {
		err = check_map(fd);
		if (err)
			goto out;
	}
	while (fd >= 0 && !bpf_map_get_next_key(fd, first ? NULL : &key, &next)) {
		first = false;
		key = next;
		if (n == cap) {
			struct kvmtrap_handled_entry *a;

			cap = cap ? cap * 2 : 64;
			a = realloc(all, cap * sizeof(*a));
			if (!a) {
				err = -ENOMEM;
				goto out;
			}
			all = a;
		}
		all[n].key = key;
		if (bpf_map_lookup_elem(fd, &key, &all[n].val))
			continue;	/* deleted meanwhile */
		n++;
	}
	/* Policies that count in place (route_table, ...): they join here. */
	nr = kvmtrap__policy_handled(vm_name, &rules);
	if (nr > 0) {
		struct kvmtrap_handled_entry *a = realloc(all, (n + nr) * sizeof(*a));

		if (!a) {
			err = -ENOMEM;
			goto out;
		}
		all = a;
		memcpy(all + n, rules, nr * sizeof(*rules));
		n += nr;
	}
	if (fd < 0 && nr <= 0) {
		err = -ENOENT;
		goto out;
	}
	if (n)
		qsort(all, n, sizeof(*all), entry_cmp);
	if (max)
		memcpy(entries, all, (n < max ? n : max) * sizeof(*all));
	err = n;
out:
	free(rules);
	free(all);
	if (fd >= 0)
		close(fd);
	return err;
}

int kvmtrap_readers_add(int map_fd, int delta)
{
	struct bpf_map_info mi = {};
	__u32 len = sizeof(mi);
	uint32_t *n;
	int r;

	if (bpf_map_get_info_by_fd(map_fd, &mi, &len))
		return -errno;
	if (mi.type != BPF_MAP_TYPE_ARRAY || mi.key_size != 4 ||
	    mi.value_size != 4 || mi.max_entries != 1 ||
	    !(mi.map_flags & BPF_F_MMAPABLE) ||
	    strcmp(mi.name, KVMTRAP_READERS_MAP_NAME))
		return -EINVAL;
	n = mmap(NULL, sysconf(_SC_PAGESIZE), PROT_READ | PROT_WRITE,
		 MAP_SHARED, map_fd, 0);
	if (n == MAP_FAILED)
		return -errno;
	/* The policy reads it on every call: no lost update among readers. */
	r = (int)__atomic_add_fetch(n, delta, __ATOMIC_SEQ_CST);
	munmap(n, sysconf(_SC_PAGESIZE));
	return r;
}
