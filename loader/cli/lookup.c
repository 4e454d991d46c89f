// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * lookup.c: the VMs, links and handled-call lists the commands work on:
 * opening the VM of --vm and reading what libkvmtrap reports of it.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "main.h"

/* ---- VMs, links, lists ------------------------------------------------ */

/*
 * Open the VM of --vm for @what ("attach to", ...).  A NAME is taken as fd
 * FD of its creator PID, which must still be that VM.
 */
int open_vm(const struct kvmtrap_vm_spec *spec, const char *what,
		   struct kvmtrap_vm **vm)
{
	char obj[64], fix[256];
	int err;

	kvmtrap_vm_spec_describe(spec, obj, sizeof(obj));
	err = kvmtrap_vm_open_pid(spec->pid, spec->fd, vm);
	if (err)
		return fail(KVMTRAP_OP_OPEN_VM, err, what, obj);
	if (spec->kind == KVMTRAP_VM_NAME &&
	    strcmp(kvmtrap_vm_name(*vm), spec->name)) {
		snprintf(fix, sizeof(fix),
			 "fd %d of process %d is VM %s: give the VM as --vm PID:FD (kvmtrap list shows where it is)",
			 spec->fd, spec->pid, kvmtrap_vm_name(*vm));
		kvmtrap_vm_close(*vm);
		*vm = NULL;
		return fail_fix(ENXIO, what, obj, fix);
	}
	return EXIT_OK;
}

/*
 * KVM's name of the VM of --vm, for the commands that work from pins and
 * link IDs alone: a NAME as it is, else from the VM opened for a moment.
 */
int vm_name_of(const struct kvmtrap_vm_spec *spec, const char *what,
		      char *name, size_t len)
{
	struct kvmtrap_vm *vm;
	int r;

	if (spec->kind == KVMTRAP_VM_NAME) {
		snprintf(name, len, "%s", spec->name);
		return EXIT_OK;
	}
	r = open_vm(spec, what, &vm);
	if (r)
		return r;
	snprintf(name, len, "%s", kvmtrap_vm_name(vm));
	kvmtrap_vm_close(vm);
	return EXIT_OK;
}

/* All links of VM @vm_name (NULL: of every VM), malloc()ed in *@out. */
int get_links(const char *vm_name, struct kvmtrap_link_info **out)
{
	struct kvmtrap_link_info *l = NULL;
	int n = 0, cap = 0;

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

int get_handled(const char *vm_name,
		       struct kvmtrap_handled_entry **out)
{
	struct kvmtrap_handled_entry *e = NULL;
	int n, cap = 0;

	for (;;) {
		n = kvmtrap_handled_read(vm_name, e, cap);
		if (n < 0 || n <= cap)
			break;
		cap = n + 16;
		free(e);
		e = calloc(cap, sizeof(*e));
		if (!e)
			return -ENOMEM;
	}
	if (n < 0)
		free(e);
	else
		*out = e;
	return n;
}

/*
 * KVM's own part of the list (KVM_TRAP_NATIVE_LIST) as list entries, for a
 * VM that has no list pinned: what it handles in the kernel all the same.
 */
int get_native(const struct kvmtrap_vm *vm,
		      struct kvmtrap_handled_entry **out)
{
	struct kvmtrap_handled_entry *e;
	struct kvm_trap_range *r;
	int n, i;

	n = kvmtrap_native_list(vm, &r);
	if (n < 0)
		return n;
	e = calloc(n ? n : 1, sizeof(*e));
	if (!e) {
		free(r);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		e[i].key.conduit = r[i].conduit;
		e[i].key.first = r[i].first;
		e[i].key.last = r[i].last;
		e[i].val.route = r[i].flags & KVM_TRAP_RANGE_EL2 ?
				 KVMTRAP_ROUTE_NATIVE_EL2 : KVMTRAP_ROUTE_NATIVE;
		e[i].val.owner = KVMTRAP_OWNER_KERNEL;
	}
	free(r);
	*out = e;
	return n;
}

const struct kvmtrap_link_info *
find_link(const struct kvmtrap_link_info *l, int n, uint32_t id)
{
	int i;

	for (i = 0; i < n; i++)
		if (l[i].link_id == id)
			return &l[i];
	return NULL;
}

bool vm_dir_exists(const char *vm_name)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", KVMTRAP_BPFFS_DIR, vm_name);
	return !stat(path, &st);
}
