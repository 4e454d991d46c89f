// SPDX-License-Identifier: GPL-2.0
/*
 * bpf_smoke - the BPF side of the test VM works: a skeleton loads, the
 * kernel verifies and JIT-compiles the program, BPF_PROG_TEST_RUN runs it
 * and its results (context out, return value, map update, CO-RE read of
 * current's tgid) are what the program computes.
 */
#include <errno.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "test_util.h"

#include "kvmtrap_test.h"
#include "bpf_smoke.h"
#include "bpf_smoke.skel.h"

static struct bpf_smoke *open_and_load(void)
{
	struct bpf_smoke *skel = bpf_smoke__open_and_load();

	TEST_ASSERT(skel, "bpf_smoke__open_and_load: %s", strerror(errno));
	return skel;
}

static void test_prog_is_jited(void)
{
	struct bpf_smoke *skel = open_and_load();
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int r;

	r = bpf_prog_get_info_by_fd(bpf_program__fd(skel->progs.smoke), &info, &len);
	TEST_ASSERT(!r, "bpf_prog_get_info_by_fd: %s", strerror(errno));
	TEST_ASSERT(info.type == BPF_PROG_TYPE_SYSCALL, "type %u", info.type);
	TEST_ASSERT(info.jited_prog_len > 0, "program was not JIT-compiled");
	TEST_ASSERT(info.btf_id > 0, "program has no BTF");
	bpf_smoke__destroy(skel);
}

static void test_prog_test_run(void)
{
	struct bpf_smoke *skel = open_and_load();
	struct bpf_smoke_args args = { .in = 14 };
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		    .ctx_in = &args, .ctx_size_in = sizeof(args));
	int r;

	r = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.smoke), &opts);
	TEST_ASSERT(!r, "BPF_PROG_TEST_RUN: %s", strerror(errno));
	TEST_ASSERT(opts.retval == BPF_SMOKE_RETVAL, "retval %u", opts.retval);
	TEST_ASSERT(args.out == 43, "out %llu, expected 43", args.out);
	TEST_ASSERT(args.pid_seen == (__u32)getpid(), "CO-RE tgid %u, pid %d",
		    args.pid_seen, getpid());
	TEST_ASSERT(skel->bss->runs == 1, "runs %llu", skel->bss->runs);
	bpf_smoke__destroy(skel);
}

static const struct kvmtrap_test tests[] = {
	KVMTRAP_TEST(test_prog_is_jited),
	KVMTRAP_TEST(test_prog_test_run),
};

int main(void)
{
	return kvmtrap_run_tests(tests, ARRAY_SIZE(tests));
}
