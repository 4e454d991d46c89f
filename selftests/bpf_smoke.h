/* SPDX-License-Identifier: GPL-2.0 */
/* bpf_smoke.h - context shared by bpf_smoke.bpf.c and bpf_smoke.c. */
#ifndef BPF_SMOKE_H
#define BPF_SMOKE_H

struct bpf_smoke_args {
	__u64 in;
	__u64 out;
	__u32 pid_seen;
	__u32 pad;
};

#define BPF_SMOKE_RETVAL 42

#endif /* BPF_SMOKE_H */
