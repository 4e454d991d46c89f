// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * common.c: what every command of the kvmtrap CLI shares: usage and
 * error messages, the options common to all commands and the opening of
 * a policy with its --set's.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "main.h"

/* ---- Output of errors and usage --------------------------------------- */

void print_cmd_usage(const struct cmd *c, FILE *f)
{
	fprintf(f, "usage: kvmtrap %s%s%s\n", c->name, *c->synopsis ? " " : "",
		c->synopsis);
}

void print_cmd_help(const struct cmd *c, FILE *f)
{
	print_cmd_usage(c, f);
	fprintf(f, "\n%s\n", c->help);
	fputs("  -j, --json            JSON output on stdout\n"
	      "  -v, --verbose         libbpf's messages (the verifier log) on stderr\n"
	      "  -h, --help            this help\n", f);
}

/* A bad command line: the reason, the usage, exit status 2. */
void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("kvmtrap: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (cur_cmd)
		print_cmd_usage(cur_cmd, stderr);
	else
		print_usage(stderr);
	exit(EXIT_USAGE);
}

/* "kvmtrap: <what> <object>: <strerror>: <fix>"; returns EXIT_FAIL. */
int fail_fix(int err, const char *what, const char *object,
		    const char *fix)
{
	char msg[1024];

	kvmtrap_format_error(msg, sizeof(msg), what, object, err, fix);
	fprintf(stderr, "%s\n", msg);
	return EXIT_FAIL;
}

int fail(enum kvmtrap_op op, int err, const char *what,
		const char *object)
{
	const char *fix = kvmtrap_hint(op, err);

	/* With -v the log is already there: point at it instead. */
	if (verbose && op == KVMTRAP_OP_LOAD && (abs(err) == EACCES ||
						 abs(err) == EINVAL))
		fix = "the verifier rejected the policy: see the verifier log above";
	return fail_fix(err, what, object, fix);
}

/*
 * The next option of the command that is not a common one, -1 at the end
 * (operands are permuted to argv[optind..]).  --help exits here.
 */
int next_opt(int argc, char **argv, const struct option *opts)
{
	int c;

	while ((c = getopt_long(argc, argv, ":hjv", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			print_cmd_help(cur_cmd, stdout);
			exit(EXIT_OK);
		case 'j':
			json = true;
			break;
		case 'v':
			verbose++;
			break;
		case ':':
			usage_error("option '%s' needs an argument",
				    argv[optind - 1]);
		case '?':
			if (optopt)
				usage_error("unknown option '-%c'", optopt);
			usage_error("unknown option '%s'", argv[optind - 1]);
		default:
			return c;
		}
	}
	return -1;
}

void parse_vm_opt(const char *s, struct kvmtrap_vm_spec *spec)
{
	char err[256];

	if (kvmtrap_parse_vm(s, spec, err, sizeof(err)))
		usage_error("%s", err);
}

uint64_t parse_num_opt(const char *opt, const char *s, uint64_t min,
			      uint64_t max)
{
	char err[256];
	uint64_t v;

	if (kvmtrap_parse_opt_u64(opt, s, min, max, &v, err, sizeof(err)))
		usage_error("%s", err);
	return v;
}

/* ---- Policies: open, set, load ---------------------------------------- */

void add_set(struct policy_opts *po, const char *arg)
{
	struct kvmtrap_setting *s;
	char err[256];

	s = realloc(po->sets, (po->nr_sets + 1) * sizeof(*s));
	if (!s) {
		fprintf(stderr, "kvmtrap: out of memory\n");
		exit(EXIT_FAIL);
	}
	po->sets = s;
	if (kvmtrap_parse_set(arg, &s[po->nr_sets], err, sizeof(err)))
		usage_error("%s", err);
	po->nr_sets++;
}

/* Open and configure (the --set's) the policy; not loaded yet. */
int open_policy(const struct policy_opts *po,
		       struct kvmtrap_policy **p)
{
	char obj[PATH_MAX + 256];
	int i, err;

	err = kvmtrap_policy_open(po->path, p);
	if (err)
		return fail(KVMTRAP_OP_OPEN_POLICY, err, "open policy",
			    po->path);
	for (i = 0; i < po->nr_sets; i++) {
		err = kvmtrap_policy_set(*p, po->sets[i].key,
					 po->sets[i].value);
		if (err) {
			snprintf(obj, sizeof(obj), "%s=%s in %s",
				 po->sets[i].key, po->sets[i].value, po->path);
			kvmtrap_policy_close(*p);
			*p = NULL;
			return fail(KVMTRAP_OP_SET, err, "set", obj);
		}
	}
	return EXIT_OK;
}
