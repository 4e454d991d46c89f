// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrap_cli_usage - the kvmtrap command line tool (/usr/sbin/kvmtrap) as
 * a user runs it: help and usage errors.  "kvmtrap --help" and each
 * command's --help name every command; an unknown command, a missing
 * --vm and bad arguments exit 2 with a usage message.
 *
 * Shared with the other kvmtrap_cli_* suites: lib/kvmtrap_cli_common.h.
 */
#include "lib/kvmtrap_cli_common.h"

/* ---- Tests: help and usage errors ---------------------------------------- */

static const char *const commands[] = {
	"list", "attach", "detach", "prune", "replace", "status", "handled",
	"query", "test", "trace",
};

/* --help lists every command; COMMAND --help describes that one. */
static void test_help(void)
{
	struct run r;
	size_t i;

	run(&r, "kvmtrap --help");
	expect_ok(&r);
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		CHECK(has_word(r.out, commands[i]),
		      "\"kvmtrap --help\" does not list \"%s\":\n%s",
		      commands[i], r.out);
	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		run(&r, "kvmtrap %s --help", commands[i]);
		expect_ok(&r);
		CHECK(has_word(r.out, commands[i]), RUN_FMT, RUN_ARGS(&r));
	}
	run(&r, "kvmtrap attach --help");
	CHECK(strstr(r.out, "--vm") && strstr(r.out, "--set"),
	      "attach's help names neither --vm nor --set: " RUN_FMT, RUN_ARGS(&r));
}

/* No command, an unknown one, an unknown option: exit 2 with the usage. */
static void test_usage_unknown_command(void)
{
	struct run r;

	run(&r, "kvmtrap frobnicate");
	expect_usage(&r);
	expect_err_has(&r, "frobnicate");
	run(&r, "kvmtrap");
	expect_usage(&r);
	run(&r, "kvmtrap --frobnicate list");
	expect_usage(&r);
	expect_err_has(&r, "--frobnicate");
}

/* Every command that needs a VM says --vm is missing, exit 2. */
static void test_usage_missing_vm(void)
{
	static const char *const cmds[] = {
		"attach " CLI_OBJ,
		"detach --all",
		"detach --link 1",
		"replace --link 1 " CLI_OBJ,
		"status",
		"handled",
		"query hvc PSCI_VERSION",
		"trace --count 1",
	};
	struct run r;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		run(&r, "kvmtrap %s", cmds[i]);
		expect_usage(&r);
		expect_err_has(&r, "--vm");
	}
}

/*
 * Malformed arguments are usage errors (exit 2), found before anything is
 * done: pid 1 is never looked at.
 */
static void test_usage_bad_arguments(void)
{
	static const char *const cmds[] = {
		"list extra",
		"prune extra",
		"prune --vm 1",
		"status --vm abc",
		"status --vm 1:x",
		"status --vm 1 --frobnicate",
		"detach --vm 1",
		"detach --vm 1 --link 3 --all",
		"detach --vm 1 --link x",
		"attach --vm 1",
		"attach " CLI_OBJ " --vm 1 --set verdict",
		"replace --vm 1 " CLI_OBJ,
		"query --vm 1 hvc",
		"query --vm 1 svc 0x1",
		"query --vm 1 hvc NO_SUCH_FUNCTION",
		"query --vm 1 hvc #0x10000 0x1",
		"query --vm 1 --vcpu x hvc 0x1",
		"query --vm 1 hvc 0x1 1 2 3 4 5 6 7 8",
		"test " CLI_OBJ,
		"test " CLI_OBJ " smc",
		"trace --vm 1 --count x",
	};
	struct run r;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		run(&r, "kvmtrap %s", cmds[i]);
		expect_usage(&r);
	}
}

int main(int argc, char *argv[])
{
	static const struct kvmtrap_test tests[] = {
		KVMTRAP_TEST(test_help),
		KVMTRAP_TEST(test_usage_unknown_command),
		KVMTRAP_TEST(test_usage_missing_vm),
		KVMTRAP_TEST(test_usage_bad_arguments),
	};

	return kvmtrap_run_tests(tests, ARRAY_SIZE(tests));
}
