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
#include <time.h>
#include <unistd.h>

#include "main.h"

/* ---- VMs, links, lists ------------------------------------------------ */

/*
 * A VMM may hold a second VM fd for a moment.  QEMU does at start-up: with
 * -cpu host it creates a scratch VM with one vCPU to read the host CPU's
 * ID registers, while its own VM already exists, and closes it at once.
 * Given a bare pid, "the process's VM" is then still well defined a few
 * milliseconds later: wait for the process to hold one VM fd again rather
 * than fail, or pick the scratch VM, which has vCPUs as the real one may
 * not have yet.  Past VM_SETTLE_MS the process really has several VMs.
 */
#define VM_SETTLE_MS		3000
#define VM_SETTLE_STEP_US	5000

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

/* The names of @pid's VM fds, "1234-7, 1234-9", and how many there are. */
static int vm_names_of_pid(int pid, char *buf, size_t len)
{
	struct kvmtrap_vm_ref *refs = NULL;
	int n, i, found = 0;
	size_t off = 0;

	buf[0] = 0;
	n = kvmtrap_list_vms_alloc(&refs);
	for (i = 0; i < n; i++) {
		if (refs[i].pid != pid)
			continue;
		if (off < len)
			off += snprintf(buf + off, len - off, "%s%d-%d",
					found ? ", " : "", pid, refs[i].fd);
		found++;
	}
	free(refs);
	return found;
}

/*
 * Open the VM of --vm for @what ("attach to", ...).  A NAME is taken as fd
 * FD of its creator PID, which must still be that VM.
 */
int open_vm(const struct kvmtrap_vm_spec *spec, const char *what,
		   struct kvmtrap_vm **vm)
{
	uint64_t deadline = mono_ms() + VM_SETTLE_MS;
	char obj[64], fix[512], names[256];
	int err, n;

	kvmtrap_vm_spec_describe(spec, obj, sizeof(obj));
	err = kvmtrap_vm_open_pid(spec->pid, spec->fd, vm);
	while (err == -EEXIST && spec->fd < 0 && mono_ms() < deadline) {
		usleep(VM_SETTLE_STEP_US);
		err = kvmtrap_vm_open_pid(spec->pid, spec->fd, vm);
	}
	if (err == -EEXIST && spec->fd < 0) {
		n = vm_names_of_pid(spec->pid, names, sizeof(names));
		snprintf(fix, sizeof(fix),
			 "process %d has held %d VM fds (%s) for %d s: name one as --vm PID:FD or --vm PID-FD (kvmtrap list shows them)",
			 spec->pid, n, names, VM_SETTLE_MS / 1000);
		return fail_fix(err, what, obj, fix);
	}
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
