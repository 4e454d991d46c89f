// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * kvmtrap_handled_map.bpf.c: the handled-call list map and nothing else.
 * libkvmtrap creates each VM's list from this object's skeleton, so that
 * the pinned map carries the BTF of struct kvmtrap_handled_key and
 * struct kvmtrap_handled_val (bpftool prints entries by field, routes and
 * owners by name), with the same definition the policies use through
 * bpf/kvmtrap.bpf.h.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define KVMTRAP_NO_HANDLED_MAP
#define KVMTRAP_NO_EVENTS_MAP
#include "kvmtrap.bpf.h"

KVMTRAP_HANDLED_MAP_DEF KVMTRAP_HANDLED_MAP SEC(".maps");
