/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * kvmtrap_handled.h: the handled-call list of a VM and the decision events
 * of a policy, shared by BPF policies, libkvmtrap and the kvmtrap CLI.
 *
 * The handled-call list is a BPF hash map pinned per VM at
 * /sys/fs/bpf/kvmtrap/<vm>/handled.  Each entry is a call or a range of
 * calls that the VM answers in the kernel:
 *
 *  - owner KERNEL: KVM's native services for that VM, written by
 *    libkvmtrap from KVM_TRAP_NATIVE_LIST (the kernel's own answer, after
 *    the SMCCC filter and the firmware bitmaps).  KVM does not count native
 *    calls per function (that would cost every native call), so hits stays 0.
 *  - owner POLICY: a call a policy answered with HANDLED, entered and
 *    counted by the policy itself (kvmtrap_note_handled() in
 *    bpf/kvmtrap.bpf.h), never for a query.
 *
 * The names are BTF: "bpftool map dump" prints keys and values by field,
 * and enums by name.
 */
#ifndef __KVMTRAP_HANDLED_H
#define __KVMTRAP_HANDLED_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Map name (BPF_OBJ_NAME_LEN - 1 characters at most) and size. */
#define KVMTRAP_HANDLED_MAP		kvmtrap_handled
#define KVMTRAP_HANDLED_MAP_NAME	"kvmtrap_handled"
#define KVMTRAP_HANDLED_MAX		1024
/*
 * A policy's own counted slots, map "kvmtrap_counted" (bpf/kvmtrap.bpf.h,
 * KVMTRAP_HANDLED_COUNTS):
 * an array of struct kvmtrap_handled_entry, those with hits joining the
 * VM's list when it is read.
 */
#define KVMTRAP_HANDLED_COUNTS_MAP_NAME	"kvmtrap_counted"

enum kvmtrap_route {
	KVMTRAP_ROUTE_NATIVE		= 1,	/* a KVM service (EL1 handler) */
	KVMTRAP_ROUTE_NATIVE_EL2	= 2,	/* answered at EL2, before KVM */
	KVMTRAP_ROUTE_BPF		= 3,	/* a policy returned HANDLED */
};

enum kvmtrap_owner {
	KVMTRAP_OWNER_KERNEL		= 1,
	KVMTRAP_OWNER_POLICY		= 2,
};

struct kvmtrap_handled_key {
	__u32 conduit;			/* enum kvm_trap_conduit */
	__u32 imm;			/* immediate, 0 for SMCCC calls */
	__u64 first;			/* function ID, or first of a range */
	__u64 last;			/* last of the range (== first) */
};

struct kvmtrap_handled_val {
	enum kvmtrap_route route;
	enum kvmtrap_owner owner;
	__u64 hits;			/* POLICY: calls answered; KERNEL: 0 */
};

struct kvmtrap_handled_entry {
	struct kvmtrap_handled_key key;
	struct kvmtrap_handled_val val;
};

/*
 * One decision, as a policy streams it through a BPF_MAP_TYPE_RINGBUF map
 * named "kvmtrap_events" for "kvmtrap trace".  A policy of
 * bpf/kvmtrap.bpf.h writes events only while the u32 in its one-entry,
 * mmap()able array "kvmtrap_readers" is not zero: a reader adds 1 to it
 * for as long as it reads (kvmtrap_trace_readers() in libkvmtrap), and a
 * reader killed before it could take its 1 back leaves the events on,
 * which costs time, not correctness.  A policy without the map always
 * writes them.
 */
#define KVMTRAP_EVENTS_MAP_NAME		"kvmtrap_events"
#define KVMTRAP_READERS_MAP_NAME	"kvmtrap_readers"

struct kvmtrap_event {
	__u64 time_ns;			/* bpf_ktime_get_ns() */
	__u64 func_id;
	__u64 args[3];			/* x1..x3 */
	__u32 vcpu_id;
	__u32 conduit;
	__u32 imm;
	__u32 flags;			/* KVM_TRAP_F_* of the context */
	__u32 verdict;			/* what the policy returned */
	__u32 pad;
};

#endif /* __KVMTRAP_HANDLED_H */
