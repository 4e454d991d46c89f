/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * audit.h: what the audit policy (audit.bpf.c) shares with user space.
 * Its "audit_counts" array map counts, per vCPU, the calls the policy saw
 * (a __u64 per entry, indexed by vcpu_id % AUDIT_MAX_VCPUS).
 */
#ifndef __AUDIT_H
#define __AUDIT_H

#define AUDIT_COUNTS_MAP_NAME	"audit_counts"
#define AUDIT_MAX_VCPUS		256

#endif /* __AUDIT_H */
