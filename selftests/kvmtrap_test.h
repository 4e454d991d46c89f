/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmtrap_test.h - the small harness every kvmtrap in-VM selftest uses.
 *
 * Built on the upstream KVM selftest library of the same tree.  Each test is
 * one behaviour in one test_*() function and runs in its own child process:
 * TEST_ASSERT() exits the child, so one failing test is reported as "not ok"
 * and the others still run.  Output is kselftest TAP.
 *
 * KVMTRAP_TEST=name[,name...] in the environment runs only the named tests
 * (for a developer chasing one failure; the plan counts only those).
 */
#ifndef KVMTRAP_TEST_H
#define KVMTRAP_TEST_H

#include <stdint.h>
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

/* Whether @name is in the comma-separated @only (NULL: every test is). */
static inline int kvmtrap_test_selected(const char *only, const char *name)
{
	size_t len = strlen(name);
	const char *p;

	if (!only || !*only)
		return 1;
	for (p = only; (p = strstr(p, name)); p += len)
		if ((p == only || p[-1] == ',') && (!p[len] || p[len] == ','))
			return 1;
	return 0;
}

static inline int kvmtrap_run_tests(const struct kvmtrap_test *tests,
				    size_t n)
{
	const char *only = getenv("KVMTRAP_TEST");
	size_t i, planned = 0;

	for (i = 0; i < n; i++)
		planned += kvmtrap_test_selected(only, tests[i].name);
	ksft_print_header();
	ksft_set_plan(planned);
	for (i = 0; i < n; i++) {
		int status;
		pid_t pid;

		if (!kvmtrap_test_selected(only, tests[i].name))
			continue;
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
		else if (WIFEXITED(status) && WEXITSTATUS(status) == KSFT_XFAIL)
			ksft_test_result_xfail("%s\n", tests[i].name);
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

/*
 * splitmix64: the next number of the stream whose state is *@x.  The
 * random tests (kvmtrap_stress, kvmtrap_fuzz) derive their streams from
 * one printed seed with it, so that a run can be replayed.
 */
static inline uint64_t kt_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/*
 * A test's own deadline of @ms on the default kernel, stretched by
 * KVMTRAP_TIME_SCALE (the VM's /init exports it: 3 on the debug kernel),
 * so that a slow kernel or a loaded machine gives a slow pass rather than
 * a false failure.  Deadlines end hangs; they do not judge speed.
 */
static inline unsigned long kt_deadline_ms(unsigned long ms)
{
	const char *v = getenv("KVMTRAP_TIME_SCALE");
	unsigned long scale = v ? strtoul(v, NULL, 10) : 1;

	return ms * (scale ? scale : 1);
}

#endif /* KVMTRAP_TEST_H */
