// SPDX-License-Identifier: GPL-2.0
/*
 * test_names.c: host unit tests of loader/lib/kvmtrap_names.c, the name
 * tables that the kvmtrap CLI and libkvmtrap use for parsing, help and
 * output: every name round-trips, lookups ignore case, unknown names and
 * values are rejected, and the well-known SMCCC function IDs have the
 * values of Linux's include/linux/arm-smccc.h and uapi/linux/psci.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <strings.h>

#include "libkvmtrap.h"

#include "host_tap.h"

/* Every table entry: lookups by ID and by name, in three cases. */
static void test_func_table_round_trips(void)
{
	unsigned int i, n = 0;
	const char *name;
	uint64_t id;

	for (i = 0; kvmtrap_func_at(i, &name, &id) == 0; i++) {
		char lower[64], mixed[64];
		uint64_t got;
		size_t k;

		n++;
		CHECK(name && *name, "entry %u has no name", i);
		if (!name)
			continue;
		CHECK(strlen(name) < sizeof(lower), "%s is too long", name);
		CHECK_STR(kvmtrap_func_name(id), name);

		got = 0;
		CHECK(kvmtrap_func_parse(name, &got) == 0, "%s", name);
		CHECK(got == id, "%s parsed as 0x%" PRIx64 ", want 0x%" PRIx64,
		      name, got, id);

		for (k = 0; name[k] && k < sizeof(lower) - 1; k++) {
			lower[k] = tolower((unsigned char)name[k]);
			mixed[k] = k & 1 ? lower[k] : name[k];
		}
		lower[k] = mixed[k] = '\0';
		got = 0;
		CHECK(kvmtrap_func_parse(lower, &got) == 0 && got == id,
		      "%s in lower case", name);
		got = 0;
		CHECK(kvmtrap_func_parse(mixed, &got) == 0 && got == id,
		      "%s in mixed case (%s)", name, mixed);

		/* SMCCC fast calls: 32 bits, bit 31 set */
		CHECK(id <= UINT32_MAX && (id & 0x80000000),
		      "%s is 0x%" PRIx64, name, id);
	}
	CHECK(n >= 20, "only %u function names", n);
	CHECK_INT(kvmtrap_func_at(n, &name, &id), -ENOENT);
	CHECK_INT(kvmtrap_func_at(n + 100, NULL, NULL), -ENOENT);
	CHECK_INT(kvmtrap_func_at(0, NULL, NULL), 0);
}

/* No two entries share a name (in any case) or an ID. */
static void test_func_table_unique(void)
{
	const char *a, *b;
	uint64_t ia, ib;
	unsigned int i, j;

	for (i = 0; kvmtrap_func_at(i, &a, &ia) == 0; i++)
		for (j = i + 1; kvmtrap_func_at(j, &b, &ib) == 0; j++) {
			CHECK(strcasecmp(a, b) != 0, "%s twice", a);
			CHECK(ia != ib, "%s and %s are both 0x%" PRIx64, a, b,
			      ia);
		}
}

/* The names the CLI documents, with their IDs from the kernel headers. */
static void test_func_known_ids(void)
{
	static const struct {
		const char *name;
		uint64_t id;
	} cases[] = {
		{ "SMCCC_VERSION", 0x80000000 },
		{ "SMCCC_ARCH_FEATURES", 0x80000001 },
		{ "SMCCC_ARCH_WORKAROUND_1", 0x80008000 },
		{ "SMCCC_ARCH_WORKAROUND_2", 0x80007fff },
		{ "SMCCC_ARCH_WORKAROUND_3", 0x80003fff },
		{ "PSCI_VERSION", 0x84000000 },
		{ "PSCI_CPU_SUSPEND", 0x84000001 },
		{ "PSCI_CPU_SUSPEND_64", 0xc4000001 },
		{ "PSCI_CPU_OFF", 0x84000002 },
		{ "PSCI_CPU_ON", 0x84000003 },
		{ "PSCI_CPU_ON_64", 0xc4000003 },
		{ "PSCI_AFFINITY_INFO", 0x84000004 },
		{ "PSCI_AFFINITY_INFO_64", 0xc4000004 },
		{ "PSCI_SYSTEM_OFF", 0x84000008 },
		{ "PSCI_SYSTEM_RESET", 0x84000009 },
		{ "PSCI_FEATURES", 0x8400000a },
		{ "PSCI_SYSTEM_SUSPEND_64", 0xc400000e },
		{ "PSCI_SYSTEM_RESET2", 0x84000012 },
		{ "TRNG_VERSION", 0x84000050 },
		{ "TRNG_FEATURES", 0x84000051 },
		{ "TRNG_GET_UUID", 0x84000052 },
		{ "TRNG_RND32", 0x84000053 },
		{ "TRNG_RND64", 0xc4000053 },
		{ "PV_TIME_FEATURES", 0xc5000020 },
		{ "PV_TIME_ST", 0xc5000021 },
		{ "KVM_VENDOR_HYP_CALL_UID", 0x8600ff01 },
		{ "KVM_VENDOR_HYP_FEATURES", 0x86000000 },
		{ "KVM_PTP", 0x86000001 },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		uint64_t id = 0;
		int r = kvmtrap_func_parse(cases[i].name, &id);

		CHECK(r == 0, "%s returned %d", cases[i].name, r);
		CHECK(id == cases[i].id, "%s is 0x%" PRIx64 ", want 0x%" PRIx64,
		      cases[i].name, id, cases[i].id);
		CHECK_STR(kvmtrap_func_name(cases[i].id), cases[i].name);
	}
}

static void test_func_parse_numbers(void)
{
	static const struct {
		const char *s;
		uint64_t id;
	} cases[] = {
		{ "0", 0 },
		{ "12", 12 },
		{ "0x84000000", 0x84000000 },
		{ "0XC6000001", 0xc6000001 },
		{ "2214592512", 0x84000000 },
		{ "0xffffffffffffffff", UINT64_MAX },
		{ "18446744073709551615", UINT64_MAX },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		uint64_t id = 1;
		int r = kvmtrap_func_parse(cases[i].s, &id);

		CHECK(r == 0, "\"%s\" returned %d", cases[i].s, r);
		CHECK(id == cases[i].id, "\"%s\" is 0x%" PRIx64, cases[i].s,
		      id);
	}
}

static void test_func_parse_rejects(void)
{
	static const struct {
		const char *s;
		int err;
	} cases[] = {
		{ NULL, -EINVAL },
		{ "", -EINVAL },
		{ "PSCI", -EINVAL },
		{ "PSCI_VERSIONX", -EINVAL },
		{ "PSCI_VERSION ", -EINVAL },
		{ " PSCI_VERSION", -EINVAL },
		{ "PSCI-VERSION", -EINVAL },
		{ "ARM_SMCCC_VERSION", -EINVAL },
		{ "-1", -EINVAL },
		{ "+1", -EINVAL },
		{ "0x", -EINVAL },
		{ "1x", -EINVAL },
		{ "0x1g", -EINVAL },
		{ "010", -EINVAL },
		{ "0x10000000000000000", -ERANGE },
		{ "18446744073709551616", -ERANGE },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		uint64_t id = 12345;
		int r = kvmtrap_func_parse(cases[i].s, &id);

		CHECK(r == cases[i].err, "\"%s\" returned %d, want %d",
		      cases[i].s ? cases[i].s : "(null)", r, cases[i].err);
		CHECK(id == 12345, "\"%s\" changed the output",
		      cases[i].s ? cases[i].s : "(null)");
	}
	CHECK_STR(kvmtrap_func_name(0xc6000042), NULL);
	CHECK_STR(kvmtrap_func_name(0), NULL);
	/* only whole IDs: no match on the low 32 bits of a 64-bit value */
	CHECK_STR(kvmtrap_func_name(0x184000000ull), NULL);
}

/*
 * One enum table: @names[v] is the name of value v (NULL where none);
 * values 0..@n+2 are checked, so the first ones past the table too.
 */
static void check_enum(const char *what, const char *(*name_of)(uint32_t),
		       int (*parse)(const char *, uint32_t *),
		       const char *const *names, uint32_t n)
{
	uint32_t v;

	for (v = 0; v < n + 3; v++) {
		const char *want = v < n ? names[v] : NULL;
		const char *got = name_of(v);
		char upper[32];
		uint32_t back;
		size_t k;

		CHECK((!got && !want) || (got && want && !strcmp(got, want)),
		      "%s %u is \"%s\", want \"%s\"", what, v,
		      got ? got : "(null)", want ? want : "(null)");
		if (!want || !parse)
			continue;
		back = 99;
		CHECK(parse(want, &back) == 0 && back == v, "%s \"%s\"", what,
		      want);
		for (k = 0; want[k] && k < sizeof(upper) - 1; k++)
			upper[k] = toupper((unsigned char)want[k]);
		upper[k] = '\0';
		back = 99;
		CHECK(parse(upper, &back) == 0 && back == v, "%s \"%s\"", what,
		      upper);
	}
	CHECK_STR(name_of(UINT32_MAX), NULL);
	if (parse) {
		static const char *const bad[] = {
			"", "nope", "0", "1", "pass ", " hvc", "native-", "-",
		};
		size_t i;

		for (i = 0; i < ARRAY_SIZE(bad); i++) {
			uint32_t back = 99;

			CHECK(parse(bad[i], &back) == -EINVAL && back == 99,
			      "%s \"%s\" accepted", what, bad[i]);
		}
		CHECK(parse(NULL, &v) == -EINVAL, "%s NULL accepted", what);
	}
}

static void test_verdicts(void)
{
	static const char *const names[] = {
		[KVM_TRAP_PASS] = "pass",
		[KVM_TRAP_HANDLED] = "handled",
		[KVM_TRAP_FORWARD] = "forward",
		[KVM_TRAP_DENY] = "deny",
		[KVM_TRAP_UNDEF] = "undef",
	};

	CHECK_INT(ARRAY_SIZE(names), KVM_TRAP_NR_VERDICTS);
	check_enum("verdict", kvmtrap_verdict_name, kvmtrap_verdict_parse,
		   names, ARRAY_SIZE(names));
}

static void test_conduits(void)
{
	static const char *const names[] = {
		[KVM_TRAP_CONDUIT_HVC] = "hvc",
		[KVM_TRAP_CONDUIT_SMC] = "smc",
		[KVM_TRAP_CONDUIT_PAPR_HCALL] = "papr",
	};

	check_enum("conduit", kvmtrap_conduit_name, kvmtrap_conduit_parse,
		   names, ARRAY_SIZE(names));
}

static void test_stages(void)
{
	static const char *const names[] = {
		[KVM_TRAP_STAGE_FILTER] = "filter",
		[KVM_TRAP_STAGE_NATIVE] = "native",
		[KVM_TRAP_STAGE_BPF] = "bpf",
		[KVM_TRAP_STAGE_DEFAULT] = "default",
	};

	check_enum("stage", kvmtrap_stage_name, NULL, names,
		   ARRAY_SIZE(names));
}

static void test_routes(void)
{
	static const char *const names[] = {
		[KVMTRAP_ROUTE_NATIVE] = "native",
		[KVMTRAP_ROUTE_NATIVE_EL2] = "native-el2",
		[KVMTRAP_ROUTE_BPF] = "bpf",
	};

	check_enum("route", kvmtrap_route_name, NULL, names,
		   ARRAY_SIZE(names));
}

static void test_owners(void)
{
	static const char *const names[] = {
		[KVMTRAP_OWNER_KERNEL] = "kernel",
		[KVMTRAP_OWNER_POLICY] = "policy",
	};

	check_enum("owner", kvmtrap_owner_name, NULL, names,
		   ARRAY_SIZE(names));
}

static void test_pin_kinds(void)
{
	static const char *const names[] = {
		[KVMTRAP_PIN_LINK] = "link",
		[KVMTRAP_PIN_HANDLED] = "handled",
		[KVMTRAP_PIN_DIR] = "dir",
	};

	check_enum("pin kind", kvmtrap_pin_kind_name, NULL, names,
		   ARRAY_SIZE(names));
}

static const struct host_test tests[] = {
	HOST_TEST(test_func_table_round_trips),
	HOST_TEST(test_func_table_unique),
	HOST_TEST(test_func_known_ids),
	HOST_TEST(test_func_parse_numbers),
	HOST_TEST(test_func_parse_rejects),
	HOST_TEST(test_verdicts),
	HOST_TEST(test_conduits),
	HOST_TEST(test_stages),
	HOST_TEST(test_routes),
	HOST_TEST(test_owners),
	HOST_TEST(test_pin_kinds),
};

int main(void)
{
	return host_run_tests(tests, ARRAY_SIZE(tests));
}
