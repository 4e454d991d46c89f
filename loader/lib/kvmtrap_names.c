// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * kvmtrap_names.c: the name tables of libkvmtrap (SMCCC function IDs,
 * verdicts, conduits, stages, routes, owners) and their parsers.
 *
 * One table per enum, used for parsing, for help and for output, so that
 * what the CLI accepts and what it prints cannot differ.  Plain C with
 * libc and the UAPI only: the host unit tests build this file with the host
 * compiler, without libbpf.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "libkvmtrap.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * SMCCC function IDs (ARM DEN0028): fast call bit 31, SMC64 bit 30, the
 * owning service in bits 29:24, the function number in 15:0.  Spelled out
 * here because include/linux/arm-smccc.h is not UAPI.
 */
#define SMCCC_FAST		0x80000000u
#define SMCCC_64		0x40000000u
#define SMCCC_ID(conv, owner, fn) \
	(SMCCC_FAST | (conv) | ((uint32_t)(owner) << 24) | (fn))
#define SMCCC_OWNER_ARCH		0
#define SMCCC_OWNER_STANDARD		4
#define SMCCC_OWNER_STANDARD_HYP	5
#define SMCCC_OWNER_VENDOR_HYP		6

#define ARCH32(fn)	SMCCC_ID(0, SMCCC_OWNER_ARCH, fn)
#define STD32(fn)	SMCCC_ID(0, SMCCC_OWNER_STANDARD, fn)
#define STD64(fn)	SMCCC_ID(SMCCC_64, SMCCC_OWNER_STANDARD, fn)
#define STDHYP64(fn)	SMCCC_ID(SMCCC_64, SMCCC_OWNER_STANDARD_HYP, fn)
#define VHYP32(fn)	SMCCC_ID(0, SMCCC_OWNER_VENDOR_HYP, fn)
#define VHYP64(fn)	SMCCC_ID(SMCCC_64, SMCCC_OWNER_VENDOR_HYP, fn)

struct func_name {
	const char *name;
	uint64_t id;
};

/*
 * The calls Linux's KVM knows (include/linux/arm-smccc.h,
 * include/uapi/linux/psci.h), named after those headers without their
 * ARM_SMCCC_/PSCI_x_y_FN prefixes.  A call that exists in both calling
 * conventions has its SMC32 ID under the plain name and its SMC64 ID under
 * the name with "_64"; a call that exists in one convention only has the
 * plain name (PV_TIME_ST is SMC64, TRNG_RND64 is its own function).
 */
static const struct func_name func_names[] = {
	/* Arm architecture calls */
	{ "SMCCC_VERSION",		ARCH32(0) },
	{ "SMCCC_ARCH_FEATURES",	ARCH32(1) },
	{ "SMCCC_ARCH_SOC_ID",		ARCH32(2) },
	{ "SMCCC_ARCH_WORKAROUND_1",	ARCH32(0x8000) },
	{ "SMCCC_ARCH_WORKAROUND_2",	ARCH32(0x7fff) },
	{ "SMCCC_ARCH_WORKAROUND_3",	ARCH32(0x3fff) },
	/* PSCI 0.2, 1.0, 1.1 */
	{ "PSCI_VERSION",		STD32(0) },
	{ "PSCI_CPU_SUSPEND",		STD32(1) },
	{ "PSCI_CPU_SUSPEND_64",	STD64(1) },
	{ "PSCI_CPU_OFF",		STD32(2) },
	{ "PSCI_CPU_ON",		STD32(3) },
	{ "PSCI_CPU_ON_64",		STD64(3) },
	{ "PSCI_AFFINITY_INFO",		STD32(4) },
	{ "PSCI_AFFINITY_INFO_64",	STD64(4) },
	{ "PSCI_MIGRATE",		STD32(5) },
	{ "PSCI_MIGRATE_64",		STD64(5) },
	{ "PSCI_MIGRATE_INFO_TYPE",	STD32(6) },
	{ "PSCI_MIGRATE_INFO_UP_CPU",	STD32(7) },
	{ "PSCI_MIGRATE_INFO_UP_CPU_64", STD64(7) },
	{ "PSCI_SYSTEM_OFF",		STD32(8) },
	{ "PSCI_SYSTEM_RESET",		STD32(9) },
	{ "PSCI_FEATURES",		STD32(10) },
	{ "PSCI_CPU_FREEZE",		STD32(11) },
	{ "PSCI_CPU_DEFAULT_SUSPEND",	STD32(12) },
	{ "PSCI_CPU_DEFAULT_SUSPEND_64", STD64(12) },
	{ "PSCI_NODE_HW_STATE",		STD32(13) },
	{ "PSCI_NODE_HW_STATE_64",	STD64(13) },
	{ "PSCI_SYSTEM_SUSPEND",	STD32(14) },
	{ "PSCI_SYSTEM_SUSPEND_64",	STD64(14) },
	{ "PSCI_SET_SUSPEND_MODE",	STD32(15) },
	{ "PSCI_STAT_RESIDENCY",	STD32(16) },
	{ "PSCI_STAT_RESIDENCY_64",	STD64(16) },
	{ "PSCI_STAT_COUNT",		STD32(17) },
	{ "PSCI_STAT_COUNT_64",		STD64(17) },
	{ "PSCI_SYSTEM_RESET2",		STD32(18) },
	{ "PSCI_SYSTEM_RESET2_64",	STD64(18) },
	{ "PSCI_MEM_PROTECT",		STD32(19) },
	{ "PSCI_MEM_PROTECT_CHECK_RANGE", STD32(20) },
	{ "PSCI_MEM_PROTECT_CHECK_RANGE_64", STD64(20) },
	/* TRNG (ARM DEN0098) */
	{ "TRNG_VERSION",		STD32(0x50) },
	{ "TRNG_FEATURES",		STD32(0x51) },
	{ "TRNG_GET_UUID",		STD32(0x52) },
	{ "TRNG_RND32",			STD32(0x53) },
	{ "TRNG_RND64",			STD64(0x53) },
	/* Paravirtualised time (ARM DEN0057A) */
	{ "PV_TIME_FEATURES",		STDHYP64(0x20) },
	{ "PV_TIME_ST",			STDHYP64(0x21) },
	/* KVM's vendor hypervisor service */
	{ "KVM_VENDOR_HYP_CALL_UID",	VHYP32(0xff01) },
	{ "KVM_VENDOR_HYP_FEATURES",	VHYP32(0) },
	{ "KVM_PTP",			VHYP32(1) },
	{ "KVM_HYP_MEMINFO",		VHYP64(2) },
	{ "KVM_MEM_SHARE",		VHYP64(3) },
	{ "KVM_MEM_UNSHARE",		VHYP64(4) },
	{ "KVM_MMIO_GUARD",		VHYP64(7) },
};

const char *kvmtrap_func_name(uint64_t func_id)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(func_names); i++)
		if (func_names[i].id == func_id)
			return func_names[i].name;
	return NULL;
}

int kvmtrap_func_at(unsigned int i, const char **name, uint64_t *func_id)
{
	if (i >= ARRAY_SIZE(func_names))
		return -ENOENT;
	if (name)
		*name = func_names[i].name;
	if (func_id)
		*func_id = func_names[i].id;
	return 0;
}

/*
 * A whole string as an unsigned number: decimal or 0x hex, no sign, no
 * spaces, up to @max.  -EINVAL: not a number; -ERANGE: above @max.
 */
int kvmtrap_parse_u64(const char *s, uint64_t max, uint64_t *v)
{
	unsigned long long n;
	const char *p;
	char *end;
	int base = 10;

	if (!s || !*s)
		return -EINVAL;
	p = s;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
		if (!*p)
			return -EINVAL;
	} else if (p[0] == '0' && p[1]) {
		/* "010" would be octal to strtoull(); say what we mean. */
		return -EINVAL;
	}
	/* strtoull() would skip spaces and take a sign: only digits here. */
	for (const char *q = p; *q; q++) {
		bool ok = (*q >= '0' && *q <= '9') ||
			  (base == 16 && ((*q >= 'a' && *q <= 'f') ||
					  (*q >= 'A' && *q <= 'F')));
		if (!ok)
			return -EINVAL;
	}
	errno = 0;
	n = strtoull(p, &end, base);
	if (errno == ERANGE || n > max)
		return -ERANGE;
	if (*end)
		return -EINVAL;
	*v = n;
	return 0;
}

int kvmtrap_func_parse(const char *s, uint64_t *func_id)
{
	size_t i;

	if (!s)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(func_names); i++) {
		if (!strcasecmp(s, func_names[i].name)) {
			*func_id = func_names[i].id;
			return 0;
		}
	}
	return kvmtrap_parse_u64(s, UINT64_MAX, func_id);
}

/* Tables indexed by the enum's value; NULL where a value has no name. */
static const char *const verdict_names[KVM_TRAP_NR_VERDICTS] = {
	[KVM_TRAP_PASS]		= "pass",
	[KVM_TRAP_HANDLED]	= "handled",
	[KVM_TRAP_FORWARD]	= "forward",
	[KVM_TRAP_DENY]		= "deny",
	[KVM_TRAP_UNDEF]	= "undef",
};

static const char *const conduit_names[] = {
	[KVM_TRAP_CONDUIT_HVC]		= "hvc",
	[KVM_TRAP_CONDUIT_SMC]		= "smc",
	[KVM_TRAP_CONDUIT_PAPR_HCALL]	= "papr",
};

static const char *const stage_names[] = {
	[KVM_TRAP_STAGE_FILTER]		= "filter",
	[KVM_TRAP_STAGE_NATIVE]		= "native",
	[KVM_TRAP_STAGE_BPF]		= "bpf",
	[KVM_TRAP_STAGE_DEFAULT]	= "default",
};

static const char *const route_names[] = {
	[KVMTRAP_ROUTE_NATIVE]		= "native",
	[KVMTRAP_ROUTE_NATIVE_EL2]	= "native-el2",
	[KVMTRAP_ROUTE_BPF]		= "bpf",
};

static const char *const owner_names[] = {
	[KVMTRAP_OWNER_KERNEL]		= "kernel",
	[KVMTRAP_OWNER_POLICY]		= "policy",
};

static const char *const pin_kind_names[] = {
	[KVMTRAP_PIN_LINK]		= "link",
	[KVMTRAP_PIN_HANDLED]		= "handled",
	[KVMTRAP_PIN_DIR]		= "dir",
};

static const char *name_at(const char *const *names, size_t n, uint32_t v)
{
	return v < n ? names[v] : NULL;
}

/* A name of @names, case-insensitively; -EINVAL for anything else. */
static int name_parse(const char *const *names, size_t n, const char *s,
		      uint32_t *out)
{
	size_t i;

	if (!s)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (names[i] && !strcasecmp(s, names[i])) {
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *kvmtrap_verdict_name(uint32_t verdict)
{
	return name_at(verdict_names, ARRAY_SIZE(verdict_names), verdict);
}

int kvmtrap_verdict_parse(const char *s, uint32_t *verdict)
{
	return name_parse(verdict_names, ARRAY_SIZE(verdict_names), s,
			  verdict);
}

const char *kvmtrap_conduit_name(uint32_t conduit)
{
	return name_at(conduit_names, ARRAY_SIZE(conduit_names), conduit);
}

int kvmtrap_conduit_parse(const char *s, uint32_t *conduit)
{
	return name_parse(conduit_names, ARRAY_SIZE(conduit_names), s,
			  conduit);
}

const char *kvmtrap_stage_name(uint32_t stage)
{
	return name_at(stage_names, ARRAY_SIZE(stage_names), stage);
}

const char *kvmtrap_route_name(uint32_t route)
{
	return name_at(route_names, ARRAY_SIZE(route_names), route);
}

const char *kvmtrap_owner_name(uint32_t owner)
{
	return name_at(owner_names, ARRAY_SIZE(owner_names), owner);
}

const char *kvmtrap_pin_kind_name(uint32_t kind)
{
	return name_at(pin_kind_names, ARRAY_SIZE(pin_kind_names), kind);
}
