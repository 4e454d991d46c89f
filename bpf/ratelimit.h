/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ratelimit.h: what the ratelimit policy (ratelimit.bpf.c) shares with
 * user space: the layout of its "rl_counts" array map.
 *
 * Entry i < RATELIMIT_MAX_VCPUS counts the calls of the vCPUs whose
 * vcpu_id % RATELIMIT_MAX_VCPUS is i; entry RATELIMIT_MAX_VCPUS counts
 * the whole VM.
 */
#ifndef __RATELIMIT_H
#define __RATELIMIT_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define RATELIMIT_COUNTS_MAP_NAME	"rl_counts"
#define RATELIMIT_MAX_VCPUS		64
#define RATELIMIT_VM_SLOT		RATELIMIT_MAX_VCPUS

struct ratelimit_count {
	__u64 passed;		/* within the rate: passed on */
	__u64 limited;		/* over the rate: got the verdict */
};

#endif /* __RATELIMIT_H */
