// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrap_maps - what a policy may do on the trap path: update maps whose
 * locks sleep on PREEMPT_RT (LPM trie, hash map without preallocation) on
 * every guest call, without "sleeping function called from invalid
 * context" (CONFIG_DEBUG_ATOMIC_SLEEP) or any other kernel report.  On a
 * PREEMPT_RT kernel this holds only because programs run there with
 * migration disabled rather than preemption (kvm_trap_bpf_pin()); on the
 * others it is the control.
 *
 * One behaviour per test_*(), one VM per test.
 */
#include <fcntl.h>
#include <sys/utsname.h>

#include "kvmtrap_vm.h"
#include "kvmtrap_maps.skel.h"

#define NR_CALLS 200

/* Any record of a kernel problem since @fd was opened at the log's end. */
static bool kmsg_reports_problem(int fd, char *rec, size_t size)
{
	static const char * const bad[] = {
		"BUG:", "WARNING:", "sleeping function called",
		"scheduling while atomic", "Call trace:",
	};
	unsigned int i;
	ssize_t n;

	for (;;) {
		n = read(fd, rec, size - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: read on */
		if (n <= 0)
			return false;
		rec[n] = 0;
		for (i = 0; i < ARRAY_SIZE(bad); i++)
			if (strstr(rec, bad[i]))
				return true;
	}
}

static void check_map_updates_on_calls(uint32_t conduit)
{
	struct kt_call c = kt_smccc(conduit, KT_FUNC_64);
	struct kvmtrap_maps *skel;
	struct bpf_link *link;
	struct kvm_vcpu *vcpu;
	struct utsname u;
	struct kt_regs r;
	struct kvm_vm *vm;
	char rec[1024];
	int kmsg, i;

	uname(&u);
	ksft_print_msg("kernel %s (%s)\n", u.release,
		       strstr(u.version, "PREEMPT_RT") ? "PREEMPT_RT" : "not RT");
	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	TEST_ASSERT(kmsg >= 0, "open /dev/kmsg: %s", strerror(errno));
	lseek(kmsg, 0, SEEK_END);

	vm = kt_create_vm(&vcpu);
	skel = kvmtrap_maps__open_and_load();
	if (!skel)
		kt_fail_errno("kvmtrap_maps__open_and_load", errno);
	link = bpf_program__attach_kvm_trap(skel->progs.count_calls, vm->fd);
	if (!link)
		kt_fail_errno("bpf_program__attach_kvm_trap", errno);

	for (i = 1; i <= NR_CALLS; i++) {
		kt_run_call(vcpu, &c, &r);
		TEST_ASSERT(r.x[0] == (uint64_t)i && !r.undef_count,
			    "call %d: x0 %lu, %lu exceptions, expected x0 %d",
			    i, r.x[0], r.undef_count, i);
	}
	kt_assert_stats(vm, 0, NR_CALLS, 0, 0, 0, 0);
	TEST_ASSERT(!kmsg_reports_problem(kmsg, rec, sizeof(rec)),
		    "the kernel reported a problem during the calls: %s", rec);

	close(kmsg);
	bpf_link__destroy(link);
	kvmtrap_maps__destroy(skel);
	kvm_vm_free(vm);
}

static void test_hvc_map_updates_on_every_call(void)
{
	check_map_updates_on_calls(KVM_TRAP_CONDUIT_HVC);
}

static void test_smc_map_updates_on_every_call(void)
{
	check_map_updates_on_calls(KVM_TRAP_CONDUIT_SMC);
}

static const struct kvmtrap_test tests[] = {
	KVMTRAP_TEST(test_hvc_map_updates_on_every_call),
	KVMTRAP_TEST(test_smc_map_updates_on_every_call),
};

int main(void)
{
	return kvmtrap_run_tests(tests, ARRAY_SIZE(tests));
}
