// SPDX-License-Identifier: GPL-2.0
/*
 * bpf_smoke.bpf.c - the smallest program that proves the BPF toolchain end
 * to end: compiled against vmlinux.h from our kernel's BTF, loaded through a
 * bpftool skeleton and a static libbpf, verified and JIT-compiled by the test
 * kernel, run with BPF_PROG_TEST_RUN.  It touches a map (the .bss), a helper
 * and a CO-RE read of a kernel struct.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include "bpf_smoke.h"

__u64 runs;

SEC("syscall")
int smoke(struct bpf_smoke_args *args)
{
	struct task_struct *task = (void *)bpf_get_current_task();

	args->out = args->in * 3 + 1;
	args->pid_seen = BPF_CORE_READ(task, tgid);
	__sync_fetch_and_add(&runs, 1);
	return BPF_SMOKE_RETVAL;
}

char LICENSE[] SEC("license") = "GPL";
