// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrap_cli_errors - the kvmtrap CLI's run-time errors (exit 1, one line
 * "kvmtrap: <what> <object>: <strerror>: <fix>"): no such process,
 * permission denied, objects with no or several kvm_trap programs or one
 * the verifier rejects, a full VM, an unknown link; and that a failed
 * attach leaves nothing under /sys/fs/bpf/kvmtrap.
 *
 * The test VMM, run() and the JSON parser: lib/kvmtrap_cli_common.h.
 */
#include "lib/kvmtrap_cli_common.h"

/* A pid that no process has: a child's, once reaped. */
static pid_t dead_pid(void)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (!pid)
		_exit(0);
	CHECK(waitpid(pid, NULL, 0) == pid, "waitpid: %s", strerror(errno));
	CHECK(kill(pid, 0) && errno == ESRCH, "pid %d still exists", pid);
	errno = 0;
	return pid;
}

/* ---- Tests: errors at run time ------------------------------------------- */

/* A pid with no process: "No such process", exit 1, nothing pinned. */
static void test_err_no_such_process(void)
{
	char *before = pin_snapshot();
	pid_t pid = dead_pid();
	struct run r;

	run(&r, "kvmtrap attach " CLI_OBJ " --vm %d", pid);
	expect_failure(&r);
	expect_err_has(&r, strerror(ESRCH));
	run(&r, "kvmtrap status --vm %d", pid);
	expect_failure(&r);
	expect_err_has(&r, strerror(ESRCH));
	run(&r, "kvmtrap query --vm %d hvc PSCI_VERSION", pid);
	expect_failure(&r);
	expect_err_has(&r, strerror(ESRCH));
	run(&r, "kvmtrap handled --vm %d", pid);
	expect_failure(&r);
	expect_err_has(&r, strerror(ESRCH));
	expect_pins_unchanged(before, "commands on a dead pid");
}

/*
 * Another user's VMM: "Permission denied" (or EPERM's text), naming the
 * fix, CAP_SYS_PTRACE; nothing pinned, no link.
 */
static void test_err_permission_denied(void)
{
	char *before;
	struct vmm v;
	struct run r;

	vmm_start(&v, NULL);
	before = pin_snapshot();
	run_as(&r, NOBODY, "kvmtrap attach " CLI_OBJ " --vm %d " SET_HANDLE_A,
	       v.pid);
	expect_failure(&r);
	expect_err_has(&r, "CAP_SYS_PTRACE");
	CHECK(strstr(r.err, strerror(EACCES)) ||
	      strstr(r.err, strerror(EPERM)),
	      "not \"%s\" or \"%s\": " RUN_FMT, strerror(EACCES),
	      strerror(EPERM), RUN_ARGS(&r));
	expect_pins_unchanged(before, "an attach without ptrace access");
	expect_no_links(&v, 0);
	call_expect_default(&v, 0, FUNC_A);

	run_as(&r, NOBODY, "kvmtrap status --vm %d", v.pid);
	expect_failure(&r);
	expect_err_has(&r, "CAP_SYS_PTRACE");
	/* With the fd given, the VM fd itself is refused (pidfd_getfd()). */
	run_as(&r, NOBODY, "kvmtrap status --vm %d:%d", v.pid, v.vm_fd[0]);
	expect_failure(&r);
	expect_err_has(&r, "CAP_SYS_PTRACE");
	expect_pins_unchanged(before, "status without ptrace access");
}

/* An object without a kvm_trap program: ENOEXEC, for attach and test. */
static void test_err_no_kvm_trap_program(void)
{
	char *before;
	struct vmm v;
	struct run r;

	vmm_start(&v, NULL);
	before = pin_snapshot();
	run(&r, "kvmtrap attach " SMOKE_OBJ " --vm %d", v.pid);
	expect_failure(&r);
	expect_err_has(&r, "bpf_smoke.bpf.o");
	expect_err_has(&r, strerror(ENOEXEC));
	expect_pins_unchanged(before, "an attach of an object without a kvm_trap program");
	expect_no_links(&v, 0);

	run(&r, "kvmtrap test " SMOKE_OBJ " hvc 0x1");
	expect_failure(&r);
	expect_err_has(&r, "bpf_smoke.bpf.o");
	expect_err_has(&r, strerror(ENOEXEC));
}

/* An object with several kvm_trap programs: which one is ambiguous. */
static void test_err_several_kvm_trap_programs(void)
{
	char *before;
	struct vmm v;
	struct run r;

	vmm_start(&v, NULL);
	before = pin_snapshot();
	run(&r, "kvmtrap attach " PROG_FAIL_OBJ " --vm %d", v.pid);
	expect_failure(&r);
	expect_err_has(&r, "kvmtrap_prog_fail.bpf.o");
	expect_err_has(&r, strerror(ENOEXEC));
	expect_pins_unchanged(before, "an attach of an object with several programs");
	expect_no_links(&v, 0);
}

/*
 * A policy the verifier rejects: exit 1 with one line, no verifier log;
 * with -v, the verifier's log on stderr.  Either way nothing is left in
 * bpffs (the handled list made for the load included) and no link.
 */
static void test_err_verifier_rejects(void)
{
	char *before;
	struct vmm v;
	struct run r;

	vmm_start(&v, NULL);
	before = pin_snapshot();
	run(&r, "kvmtrap attach " CLI_FAIL_OBJ " --vm %d", v.pid);
	expect_failure(&r);
	CHECK(strstr(r.err, "kvmtrap_cli_fail") || strstr(r.err, "cli_write_arg"),
	      "the error names neither the object nor the program: " RUN_FMT,
	      RUN_ARGS(&r));
	CHECK(strstr(r.err, strerror(EACCES)) ||
	      strstr(r.err, strerror(EINVAL)),
	      "not \"%s\" or \"%s\": " RUN_FMT, strerror(EACCES),
	      strerror(EINVAL), RUN_ARGS(&r));
	CHECK(!strstr(r.err, "bpf_context"), "verifier log without -v: " RUN_FMT,
	      RUN_ARGS(&r));
	expect_pins_unchanged(before, "an attach the verifier rejected");
	expect_no_links(&v, 0);

	run(&r, "kvmtrap -v attach " CLI_FAIL_OBJ " --vm %d", v.pid);
	expect_exit(&r, 1);
	CHECK(!r.out_len, "stdout: " RUN_FMT, RUN_ARGS(&r));
	expect_err_has(&r, "invalid bpf_context access");
	CHECK(has_line_prefix(r.err, "kvmtrap: "), "no error line: " RUN_FMT,
	      RUN_ARGS(&r));
	expect_pins_unchanged(before, "an attach -v the verifier rejected");
	expect_no_links(&v, 0);
	call_expect_default(&v, 0, FUNC_A);

	run(&r, "kvmtrap test " CLI_FAIL_OBJ " hvc 0x1");
	expect_failure(&r);
}

/*
 * More failed attaches, with links and the handled list already pinned:
 * the 9th link (E2BIG), an unknown --set variable, a value that does not
 * fit, a missing object.  None leaves anything behind.
 */
static void test_err_failed_attach_leaves_nothing(void)
{
	char *before;
	struct vmm v;
	struct run r;
	int i;

	vmm_start(&v, NULL);
	for (i = 0; i < 8; i++)
		cli_attach(&v, 0, "--set verdict=0");
	before = pin_snapshot();

	run(&r, "kvmtrap attach " CLI_OBJ " --vm %d", v.pid);
	expect_failure(&r);
	expect_err_has(&r, strerror(E2BIG));
	expect_pins_unchanged(before, "a 9th attach");

	run(&r, "kvmtrap attach " CLI_OBJ " --vm %d --set nosuchvar=1", v.pid);
	expect_failure(&r);
	expect_err_has(&r, "nosuchvar");
	expect_pins_unchanged(before, "an attach with an unknown --set");

	run(&r, "kvmtrap attach " CLI_OBJ " --vm %d --set func_id=notanumber", v.pid);
	expect_failure(&r);
	expect_err_has(&r, "func_id");
	expect_pins_unchanged(before, "an attach with a bad --set value");

	run(&r, "kvmtrap attach /nonexistent/policy.bpf.o --vm %d", v.pid);
	expect_failure(&r);
	expect_err_has(&r, "/nonexistent/policy.bpf.o");
	expect_err_has(&r, strerror(ENOENT));
	expect_pins_unchanged(before, "an attach of a missing object");
	CHECK(vm_links(&v, 0, NULL, 0) == 8, "%d links, expected 8",
	      vm_links(&v, 0, NULL, 0));
}

/*
 * A VMM that holds the VM's 8 links itself (unpinned): attach gets E2BIG
 * after the load made the VM's directory and handled list, and must take
 * both back.
 */
static void test_err_full_vm_leaves_nothing(void)
{
	uint32_t ids[KVM_CAP_TRAP_BPF_LINKS];
	char *before, dir[PATH_MAX];
	struct vmm v;
	struct run r;

	vmm_start(&v, NULL);
	vmm_hold_links(&v, KVM_CAP_TRAP_BPF_LINKS, ids);
	before = pin_snapshot();
	snprintf(dir, sizeof(dir), PIN_ROOT "/%s", v.name[0]);
	CHECK(!path_exists(dir), "%s exists before any pin", dir);

	run(&r, "kvmtrap attach " CLI_OBJ " --vm %d " SET_HANDLE_A, v.pid);
	expect_failure(&r);
	expect_err_has(&r, strerror(E2BIG));
	expect_pins_unchanged(before, "an attach to a VM with 8 links");
	CHECK(vm_links(&v, 0, NULL, 0) == KVM_CAP_TRAP_BPF_LINKS,
	      "%d links, expected the VMM's %d", vm_links(&v, 0, NULL, 0),
	      KVM_CAP_TRAP_BPF_LINKS);
}

/* detach and replace of a link the VM does not have: exit 1. */
static void test_err_unknown_link(void)
{
	struct attached a;
	struct vmm v;
	struct run r;

	vmm_start(&v, NULL);
	a = cli_attach(&v, 0, SET_HANDLE_A);
	run(&r, "kvmtrap detach --vm %d --link %u", v.pid, a.link_id + 1000);
	expect_failure(&r);
	run(&r, "kvmtrap replace --vm %d --link %u " CLI_OBJ, v.pid,
	    a.link_id + 1000);
	expect_failure(&r);
	expect_link(&v, 0, a.link_id, a.prog_id, PROG_NAME, a.pin);
	call_expect(&v, 0, FUNC_A, ANSWER_A);
}

int main(int argc, char *argv[])
{
	static const struct kvmtrap_test tests[] = {
		KVMTRAP_TEST(test_err_no_such_process),
		KVMTRAP_TEST(test_err_permission_denied),
		KVMTRAP_TEST(test_err_no_kvm_trap_program),
		KVMTRAP_TEST(test_err_several_kvm_trap_programs),
		KVMTRAP_TEST(test_err_verifier_rejects),
		KVMTRAP_TEST(test_err_failed_attach_leaves_nothing),
		KVMTRAP_TEST(test_err_full_vm_leaves_nothing),
		KVMTRAP_TEST(test_err_unknown_link),
	};

	return kvmtrap_run_tests(tests, ARRAY_SIZE(tests));
}
