// SPDX-License-Identifier: GPL-2.0
/*
 * script.c: the two small text formats of the example VMM.
 *
 * A call script (*.calls) lists the calls the guest makes, in order, and
 * the SMCCC filter ranges of its VM:
 *
 *	hvc PSCI_VERSION			# a call: conduit, function, x1..
 *	smc #0x1 0xc2000001 1 2			# with an immediate
 *	filter deny 0xc2000100 0xc20001ff	# KVM_ARM_VM_SMCCC_FILTER
 *	filter fwd 0xc2000200
 *
 * A call is "hvc" or "smc", an optional immediate "#IMM" (0..0xffff), the
 * function (x0: a name kvmtrap_func_name() knows, or a number) and up to
 * seven arguments (x1..x7).  A filter line takes an action (deny, fwd) and
 * a range of SMCCC function IDs, FIRST to LAST inclusive.
 *
 * A policy set (*.policies) lists the policies attached to the VM, in
 * attach order (the first verdict other than PASS wins), one per line:
 *
 *	audit					# /usr/lib/kvmtrap/policies/audit.bpf.o
 *	deny_unknown verdict=undef		# with kvmtrap_policy_set()
 *	/tmp/mine.bpf.o func_id=0xc6000001	# a path
 *
 * A word without a '/' names a policy of the library; each KEY=VALUE sets
 * a read-only global of the policy, as "kvmtrap attach --set" does.
 *
 * A route_table line may be followed by the rules of that route_table,
 * one per line, with the words of "kvmtrap rule add" (kvmtrap_parse_rule()):
 *
 *	route_table
 *	rule smc 0xc3000042 handled 0 0x42	# answered in the kernel
 *	rule hvc #any all deny
 *
 * vmm.c adds them to the policy's rule map after loading it.
 *
 * In both, a '#' at the start of a line or after a blank (not "#0x1")
 * starts a comment.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/kvm.h>
#include <linux/kvm_trap.h>

#include "libkvmtrap.h"
#include "vmm.h"

#define MAX_WORDS	16

/* Print "FILE:LINE: message" and return -1. */
#define fail(file, lineno, fmt, ...) \
	(fprintf(stderr, "%s:%d: " fmt "\n", file, lineno, ##__VA_ARGS__), -1)

/*
 * Split @line into words in @buf, dropping the comment.  Returns the
 * number of words, or -1 when there are too many.
 */
static int split(const char *line, char *buf, size_t size, char **words)
{
	int n = 0;
	char *p;

	snprintf(buf, size, "%s", line);
	for (p = buf; *p; p++) {
		bool start = p == buf || p[-1] == ' ' || p[-1] == '\t';

		if (*p == '#' && (p == buf || (start && (!p[1] || p[1] == ' ' ||
							 p[1] == '\t')))) {
			*p = 0;
			break;
		}
	}
	for (p = strtok(buf, " \t\r\n"); p; p = strtok(NULL, " \t\r\n")) {
		if (n == MAX_WORDS)
			return -1;
		words[n++] = p;
	}
	return n;
}

/* The words back as one line, for the table. */
static void join(char *out, size_t size, char **words, int n)
{
	size_t len = 0;
	int i;

	out[0] = 0;
	for (i = 0; i < n && len < size; i++)
		len += snprintf(out + len, size - len, "%s%s", i ? " " : "",
				words[i]);
}

static int parse_filter(struct script *s, char **w, int n, const char *file,
			int lineno)
{
	struct filter *f = &s->filters[s->nr_filters];
	uint64_t first, last;

	if (n < 3 || n > 4)
		return fail(file, lineno, "usage: filter deny|fwd FIRST [LAST]");
	if (s->nr_filters == MAX_FILTERS)
		return fail(file, lineno, "more than %d filter ranges",
			    MAX_FILTERS);
	if (!strcmp(w[1], "deny"))
		f->action = KVM_SMCCC_FILTER_DENY;
	else if (!strcmp(w[1], "fwd") || !strcmp(w[1], "forward"))
		f->action = KVM_SMCCC_FILTER_FWD_TO_USER;
	else
		return fail(file, lineno, "filter action \"%s\": deny or fwd",
			    w[1]);
	if (kvmtrap_func_parse(w[2], &first) ||
	    kvmtrap_func_parse(n == 4 ? w[3] : w[2], &last))
		return fail(file, lineno, "filter range: a function name or number");
	if (first > UINT32_MAX || last > UINT32_MAX || last < first)
		return fail(file, lineno,
			    "filter range 0x%llx-0x%llx: 32-bit IDs, FIRST <= LAST",
			    (unsigned long long)first, (unsigned long long)last);
	f->first = first;
	f->last = last;
	s->nr_filters++;
	return 0;
}

static int parse_call(struct script *s, char **w, int n, const char *file,
		      int lineno)
{
	struct call *c = &s->calls[s->nr_calls];
	uint64_t v;
	int i = 1;

	if (s->nr_calls == MAX_CALLS)
		return fail(file, lineno, "more than %d calls", MAX_CALLS);
	memset(c, 0, sizeof(*c));
	c->conduit = !strcmp(w[0], "smc") ? KVM_TRAP_CONDUIT_SMC :
					    KVM_TRAP_CONDUIT_HVC;
	if (i < n && w[i][0] == '#') {
		if (kvmtrap_parse_u64(w[i] + 1, 0xffff, &v))
			return fail(file, lineno,
				    "immediate \"%s\": #0 to #0xffff", w[i]);
		c->imm = v;
		i++;
	}
	if (i == n)
		return fail(file, lineno, "usage: hvc|smc [#IMM] FUNC [ARG...]");
	if (kvmtrap_func_parse(w[i], &c->x[0]))
		return fail(file, lineno,
			    "function \"%s\": a name (PSCI_VERSION) or a number",
			    w[i]);
	for (i++; i < n; i++) {
		if (c->nr_args == 7)
			return fail(file, lineno, "more than 7 arguments (x1..x7)");
		if (kvmtrap_parse_u64(w[i], UINT64_MAX, &c->x[++c->nr_args]))
			return fail(file, lineno, "argument \"%s\": a number",
				    w[i]);
	}
	join(c->text, sizeof(c->text), w, n);
	s->nr_calls++;
	return 0;
}

int script_add_line(struct script *s, const char *line, const char *file,
		    int lineno)
{
	char buf[LINE_MAX_LEN], *w[MAX_WORDS];
	int n = split(line, buf, sizeof(buf), w);

	if (n < 0)
		return fail(file, lineno, "more than %d words", MAX_WORDS);
	if (!n)
		return 0;
	if (!strcmp(w[0], "filter"))
		return parse_filter(s, w, n, file, lineno);
	if (!strcmp(w[0], "hvc") || !strcmp(w[0], "smc"))
		return parse_call(s, w, n, file, lineno);
	return fail(file, lineno, "\"%s\": a line is hvc, smc or filter", w[0]);
}

/* Is @word (a policy set's first word) the route_table policy? */
static bool is_route_table(const char *word)
{
	const char *base = strrchr(word, '/');

	base = base ? base + 1 : word;
	return !strcmp(base, "route_table") ||
	       !strcmp(base, "route_table.bpf.o");
}

/* "rule CONDUIT [#IMM] FUNCS VERDICT [X0..X3]": a rule of the last line. */
static int parse_rule(struct policy_set *ps, char **w, int n,
		      const char *file, int lineno)
{
	struct policy_line *p = ps->nr ? &ps->lines[ps->nr - 1] : NULL;
	char err[256];

	if (!p || !p->route_table)
		return fail(file, lineno,
			    "a rule line without a route_table line before it");
	if (p->nr_rules == ROUTE_RULES_MAX)
		return fail(file, lineno, "more than %d rules (route_table's limit)",
			    ROUTE_RULES_MAX);
	if (kvmtrap_parse_rule(n - 1, w + 1, true, &p->rules[p->nr_rules],
			       err, sizeof(err)))
		return fail(file, lineno, "%s", err);
	p->rule_lineno[p->nr_rules++] = lineno;
	return 0;
}

int policy_add_line(struct policy_set *ps, const char *line,
		    const char *file, int lineno)
{
	struct policy_line *p = &ps->lines[ps->nr];
	char buf[LINE_MAX_LEN], *w[MAX_WORDS], *eq;
	int n = split(line, buf, sizeof(buf), w), i;
	size_t used = 0;

	if (n < 0)
		return fail(file, lineno, "more than %d words", MAX_WORDS);
	if (!n)
		return 0;
	if (!strcmp(w[0], "rule"))
		return parse_rule(ps, w, n, file, lineno);
	if (ps->nr == MAX_POLICIES)
		return fail(file, lineno, "more than %d policies (links per VM)",
			    MAX_POLICIES);
	memset(p, 0, sizeof(*p));
	p->route_table = is_route_table(w[0]);
	snprintf(p->file, sizeof(p->file), "%s", file);
	if (strchr(w[0], '/'))
		snprintf(p->path, sizeof(p->path), "%s", w[0]);
	else
		snprintf(p->path, sizeof(p->path), "%s/%s%s", POLICY_DIR, w[0],
			 strstr(w[0], ".bpf.o") ? "" : ".bpf.o");
	/* Keep KEY and VALUE strings in the line's own buffer. */
	for (i = 1; i < n; i++) {
		size_t len = strlen(w[i]) + 1;

		eq = strchr(w[i], '=');
		if (!eq || eq == w[i])
			return fail(file, lineno, "\"%s\": settings are KEY=VALUE",
				    w[i]);
		if (p->nr_sets == MAX_SETS)
			return fail(file, lineno, "more than %d settings",
				    MAX_SETS);
		memcpy(p->buf + used, w[i], len);
		p->key[p->nr_sets] = p->buf + used;
		p->value[p->nr_sets] = p->buf + used + (eq - w[i]) + 1;
		p->buf[used + (eq - w[i])] = 0;
		p->nr_sets++;
		used += len;
	}
	join(p->text, sizeof(p->text), w, n);
	ps->nr++;
	return 0;
}

/* Feed each line of @path to @add; -1 when the file or a line is bad. */
static int read_lines(const char *path, void *obj,
		      int (*add)(void *obj, const char *line,
				 const char *file, int lineno))
{
	char line[LINE_MAX_LEN];
	int lineno = 0, err = 0;
	FILE *f = fopen(path, "r");

	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	while (!err && fgets(line, sizeof(line), f)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(f))
			err = fail(path, lineno, "line longer than %d characters",
				   LINE_MAX_LEN - 2);
		else
			err = add(obj, line, path, lineno);
	}
	fclose(f);
	return err;
}

static int add_call_line(void *s, const char *line, const char *file,
			 int lineno)
{
	return script_add_line(s, line, file, lineno);
}

static int add_policy_line(void *ps, const char *line, const char *file,
			   int lineno)
{
	return policy_add_line(ps, line, file, lineno);
}

int script_read(struct script *s, const char *path)
{
	return read_lines(path, s, add_call_line);
}

int policy_read(struct policy_set *ps, const char *path)
{
	return read_lines(path, ps, add_policy_line);
}
