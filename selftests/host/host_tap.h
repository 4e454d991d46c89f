/* SPDX-License-Identifier: GPL-2.0 */
/*
 * host_tap.h: the harness of the host unit tests (selftests/host/),
 * one behaviour per test_*() function, checks that report the file, line
 * and both values when they fail, and kselftest-style TAP output ending in
 * the "# Totals:" line that scripts/check.sh and the VM's runner read.
 *
 * The tests are pure C run in one process; a failed check marks its test
 * "not ok" and the test goes on, so one run shows every wrong value.
 */
#ifndef HOST_TAP_H
#define HOST_TAP_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct host_test {
	const char *name;
	void (*fn)(void);
};

#define HOST_TEST(f) { #f, f }
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static int host_test_failed;	/* checks failed in the running test */

static void __attribute__((format(printf, 3, 4)))
host_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("# %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	host_test_failed++;
}

#define CHECK(cond, fmt, ...) do {					\
	if (!(cond))							\
		host_fail(__FILE__, __LINE__, "%s: " fmt, #cond,	\
			  ##__VA_ARGS__);				\
} while (0)

#define CHECK_INT(got, want) do {					\
	long long __g = (got), __w = (want);				\
	if (__g != __w)							\
		host_fail(__FILE__, __LINE__, "%s is %lld, want %lld",	\
			  #got, __g, __w);				\
} while (0)

#define CHECK_U64(got, want) do {					\
	uint64_t __g = (got), __w = (want);				\
	if (__g != __w)							\
		host_fail(__FILE__, __LINE__,				\
			  "%s is 0x%" PRIx64 ", want 0x%" PRIx64,	\
			  #got, __g, __w);				\
} while (0)

/* Strings, either of which may be NULL. */
#define CHECK_STR(got, want) do {					\
	const char *__g = (got), *__w = (want);				\
	if ((!__g || !__w) ? __g != __w : strcmp(__g, __w) != 0)	\
		host_fail(__FILE__, __LINE__,				\
			  "%s is \"%s\", want \"%s\"", #got,		\
			  __g ? __g : "(null)", __w ? __w : "(null)");	\
} while (0)

static inline int host_run_tests(const struct host_test *tests, size_t n)
{
	unsigned int pass = 0, fail = 0;
	size_t i;

	printf("TAP version 13\n1..%zu\n", n);
	for (i = 0; i < n; i++) {
		host_test_failed = 0;
		tests[i].fn();
		if (host_test_failed) {
			printf("not ok %zu %s\n", i + 1, tests[i].name);
			fail++;
		} else {
			printf("ok %zu %s\n", i + 1, tests[i].name);
			pass++;
		}
	}
	printf("# Totals: pass:%u fail:%u skip:0 error:0 xpass:0 xfail:0\n",
	       pass, fail);
	return fail ? 1 : 0;
}

#endif /* HOST_TAP_H */
