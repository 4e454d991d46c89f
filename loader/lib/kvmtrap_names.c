// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * kvmtrap_names.c: the name tables of libkvmtrap (function IDs, from the
 * architecture's table, verdicts, conduits, stages, routes, owners) and
 * their parsers.
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

#include "kvmtrap_arch.h"
#include "libkvmtrap.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

const char *kvmtrap_func_name(uint64_t func_id)
{
	size_t i;

	for (i = 0; i < KVMTRAP_ARCH->nr_funcs; i++)
		if (KVMTRAP_ARCH->funcs[i].id == func_id)
			return KVMTRAP_ARCH->funcs[i].name;
	return NULL;
}

int kvmtrap_func_at(unsigned int i, const char **name, uint64_t *func_id)
{
	if (i >= KVMTRAP_ARCH->nr_funcs)
		return -ENOENT;
	if (name)
		*name = KVMTRAP_ARCH->funcs[i].name;
	if (func_id)
		*func_id = KVMTRAP_ARCH->funcs[i].id;
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
	for (i = 0; i < KVMTRAP_ARCH->nr_funcs; i++) {
		if (!strcasecmp(s, KVMTRAP_ARCH->funcs[i].name)) {
			*func_id = KVMTRAP_ARCH->funcs[i].id;
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

bool kvmtrap_arch_conduit(uint32_t conduit)
{
	unsigned int i;

	for (i = 0; i < KVMTRAP_ARCH->nr_conduits; i++)
		if (KVMTRAP_ARCH->conduits[i] == conduit)
			return true;
	return false;
}
