// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * kvmtrap_rule_text.c: a route_table rule as a user types it ("kvmtrap rule
 * add", a VMM's configuration) and as tools print its key.  Part of
 * libkvmtrap so that a VMM reads rules in the same words as the CLI.
 *
 * Plain C with no libbpf, so that the host unit tests build it too.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "kvmtrap_arch.h"
#include "libkvmtrap.h"

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* After the conduits of the architecture ("hvc|smc") */
#define RULE_FORM "%s|any [#IMM|#any] FUNC|FIRST..LAST|all"

/* One end of FUNCS: a name or a number, with the user's message. */
static int parse_rule_func(const char *s, const char *word, uint64_t *v,
			   char *err, size_t errlen)
{
	int r = kvmtrap_func_parse(s, v);

	if (r == -ERANGE) {
		set_err(err, errlen, "bad function '%s' in '%s': above 0xffffffffffffffff",
			s, word);
		return -EINVAL;
	}
	if (r) {
		set_err(err, errlen,
			"bad function '%s' in '%s': expected %s or a number",
			s, word, KVMTRAP_ARCH->func_what);
		return -EINVAL;
	}
	return 0;
}

int kvmtrap_parse_rule(int argc, char *const argv[], bool with_verdict,
		       struct route_rule *rule, char *err, size_t errlen)
{
	struct route_rule_key *k = &rule->key;
	char first[128];
	const char *dots;
	uint64_t v;
	int i = 0, r, n;

	memset(rule, 0, sizeof(*rule));
	if (argc < 1) {
		set_err(err, errlen, "missing the rule: " RULE_FORM "%s",
			KVMTRAP_ARCH->conduit_alts,
			with_verdict ? " VERDICT [X0..X3]" : "");
		return -EINVAL;
	}
	if (!strcasecmp(argv[i], "any")) {
		k->conduit = ROUTE_CONDUIT_ANY;
	} else {
		r = kvmtrap_conduit_parse(argv[i], &k->conduit);
		if (r || !kvmtrap_arch_conduit(k->conduit)) {
			set_err(err, errlen, "bad conduit '%s': expected %s",
				argv[i], KVMTRAP_ARCH->conduit_list_any);
			return -EINVAL;
		}
	}
	i++;

	if (i < argc && argv[i][0] == '#' && !KVMTRAP_ARCH->imm_max) {
		set_err(err, errlen, "bad immediate '%s': %s calls have none",
			argv[i], KVMTRAP_ARCH->conduit_alts);
		return -EINVAL;
	}
	if (i < argc && argv[i][0] == '#') {
		if (!strcasecmp(argv[i] + 1, "any")) {
			k->imm = ROUTE_IMM_ANY;
		} else if (kvmtrap_parse_u64(argv[i] + 1,
					     KVMTRAP_ARCH->imm_max, &v)) {
			set_err(err, errlen,
				"bad immediate '%s': expected #0 to #0x%x (decimal or 0x hex) or #any",
				argv[i], KVMTRAP_ARCH->imm_max);
			return -EINVAL;
		} else {
			k->imm = v;
		}
		i++;
	}

	if (i >= argc) {
		set_err(err, errlen, "missing FUNCS after '%s': " RULE_FORM,
			argv[i - 1], KVMTRAP_ARCH->conduit_alts);
		return -EINVAL;
	}
	dots = strstr(argv[i], "..");
	if (!strcasecmp(argv[i], "all")) {
		k->first = 0;
		k->last = UINT64_MAX;
	} else if (dots) {
		n = dots - argv[i];
		if (n >= (int)sizeof(first)) {
			set_err(err, errlen, "bad range '%s': too long", argv[i]);
			return -EINVAL;
		}
		memcpy(first, argv[i], n);
		first[n] = 0;
		if (parse_rule_func(first, argv[i], &v, err, errlen))
			return -EINVAL;
		k->first = v;
		if (parse_rule_func(dots + 2, argv[i], &v, err, errlen))
			return -EINVAL;
		k->last = v;
		if (k->first > k->last) {
			set_err(err, errlen,
				"bad range '%s': FIRST is above LAST", argv[i]);
			return -EINVAL;
		}
	} else {
		if (parse_rule_func(argv[i], argv[i], &v, err, errlen))
			return -EINVAL;
		k->first = v;
		k->last = v;
	}
	i++;

	if (!with_verdict) {
		if (i < argc) {
			set_err(err, errlen,
				"unexpected '%s' after the rule: a rule is deleted by " RULE_FORM,
				argv[i], KVMTRAP_ARCH->conduit_alts);
			return -EINVAL;
		}
		return 0;
	}
	if (i >= argc) {
		set_err(err, errlen,
			"missing VERDICT after '%s': pass, handled, forward, deny or undef",
			argv[i - 1]);
		return -EINVAL;
	}
	if (kvmtrap_verdict_parse(argv[i], &rule->val.verdict)) {
		set_err(err, errlen,
			"bad verdict '%s': expected pass, handled, forward, deny or undef",
			argv[i]);
		return -EINVAL;
	}
	i++;
	if (i < argc && rule->val.verdict != KVM_TRAP_HANDLED) {
		set_err(err, errlen,
			"unexpected '%s': only a handled rule takes X0..X3",
			argv[i]);
		return -EINVAL;
	}
	if (argc - i > 4) {
		set_err(err, errlen, "too many values: at most 4 (%s)",
			KVMTRAP_ARCH->ret_regs);
		return -EINVAL;
	}
	for (n = 0; i < argc; i++, n++) {
		r = kvmtrap_parse_u64(argv[i], UINT64_MAX, &v);
		rule->val.ret[n] = v;
		if (r) {
			set_err(err, errlen,
				"bad value '%s' for %s%d: expected a number (decimal or 0x hex) up to 0xffffffffffffffff",
				argv[i], KVMTRAP_ARCH->reg_prefix,
				(int)KVMTRAP_ARCH->reg_first + n);
			return -EINVAL;
		}
	}
	return 0;
}

void kvmtrap_rule_describe(const struct route_rule_key *key, char *buf,
			   size_t len)
{
	char imm[16] = "", funcs[64];

	if (key->imm == ROUTE_IMM_ANY)
		snprintf(imm, sizeof(imm), " #any");
	else if (key->imm)
		snprintf(imm, sizeof(imm), " #0x%x", key->imm);
	if (!key->first && key->last == UINT64_MAX)
		snprintf(funcs, sizeof(funcs), "all");
	else if (key->first == key->last)
		snprintf(funcs, sizeof(funcs), "0x%llx",
			 (unsigned long long)key->first);
	else
		snprintf(funcs, sizeof(funcs), "0x%llx..0x%llx",
			 (unsigned long long)key->first,
			 (unsigned long long)key->last);
	snprintf(buf, len, "%s%s %s",
		 key->conduit == ROUTE_CONDUIT_ANY ? "any" :
		 kvmtrap_conduit_name(key->conduit) ?: "?", imm, funcs);
}
