/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmtrap_test.h - the small harness every kvmtrap in-VM selftest uses.
 *
 * Built on the upstream KVM selftest library of the same tree.  Each test is
 * one behaviour in one test_*() function and runs in its own child process:
 * TEST_ASSERT() exits the child, so one failing test is reported as "not ok"
 * and the others still run.  Output is kselftest TAP.
 */
#ifndef KVMTRAP_TEST_H
#define KVMTRAP_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest.h"

struct kvmtrap_test {
	const char *name;
	void (*fn)(void);
};

#define KVMTRAP_TEST(f) { #f, f }

static inline int kvmtrap_run_tests(const struct kvmtrap_test *tests,
				    size_t n)
{
	size_t i;

	ksft_print_header();
	ksft_set_plan(n);
	for (i = 0; i < n; i++) {
		int status;
		pid_t pid;

		fflush(NULL);
		pid = fork();
		if (pid < 0)
			ksft_exit_fail_perror("fork");
		if (pid == 0) {
			tests[i].fn();
			exit(KSFT_PASS);
		}
		if (waitpid(pid, &status, 0) != pid)
			ksft_exit_fail_perror("waitpid");

		if (WIFEXITED(status) && WEXITSTATUS(status) == KSFT_PASS)
			ksft_test_result_pass("%s\n", tests[i].name);
		else if (WIFEXITED(status) && WEXITSTATUS(status) == KSFT_SKIP)
			ksft_test_result_skip("%s\n", tests[i].name);
		else if (WIFSIGNALED(status))
			ksft_test_result_fail("%s (signal %d)\n", tests[i].name,
					      WTERMSIG(status));
		else
			ksft_test_result_fail("%s (exit %d)\n", tests[i].name,
					      WEXITSTATUS(status));
	}
	ksft_finished();
	return 0;
}

#endif /* KVMTRAP_TEST_H */
