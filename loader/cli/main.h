/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * main.h: what the files of the kvmtrap CLI share, and nothing of it is
 * API: the global options, the table entry of a command, the options every
 * command takes, and the helpers of common.c, lookup.c and output.c.
 */
#ifndef __KVMTRAP_CLI_MAIN_H
#define __KVMTRAP_CLI_MAIN_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "kvmtrap_args.h"
#include "libkvmtrap.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* Global options: before the command or among its options. */
extern int verbose;
extern bool json;

struct cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *synopsis;		/* after "kvmtrap NAME " */
	const char *summary;		/* one line for the command list */
	const char *help;		/* what it does and its own options */
};

extern const struct cmd *cur_cmd;	/* for usage errors and --help */

/* The commands, one file per group (main.c has help). */
int do_list(int argc, char **argv);
int do_prune(int argc, char **argv);
int do_status(int argc, char **argv);
int do_handled(int argc, char **argv);
int do_attach(int argc, char **argv);
int do_detach(int argc, char **argv);
int do_replace(int argc, char **argv);
int do_query(int argc, char **argv);
int do_test(int argc, char **argv);
int do_trace(int argc, char **argv);
int do_rule(int argc, char **argv);

/* ---- Options common to every command ---------------------------------- */

#define COMMON_OPTS						\
	{ "help",	no_argument,	NULL, 'h' },		\
	{ "json",	no_argument,	NULL, 'j' },		\
	{ "verbose",	no_argument,	NULL, 'v' }

/* Long-only options of the commands, returned by next_opt() */
enum {
	OPT_VM = 256,
	OPT_SET,
	OPT_LINK,
	OPT_ALL,
	OPT_AARCH32,
	OPT_VCPU,
	OPT_COUNT,
	OPT_TIMEOUT,
	OPT_DRY_RUN,
};

/* What attach, replace and test take: POLICY.bpf.o and its --set's. */
struct policy_opts {
	const char *path;
	struct kvmtrap_setting *sets;
	int nr_sets;
};

/* common.c: usage, errors, options, policies */
void print_usage(FILE *f);
void print_cmd_usage(const struct cmd *c, FILE *f);
void print_cmd_help(const struct cmd *c, FILE *f);
void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *fmt, ...);
int fail_fix(int err, const char *what, const char *object, const char *fix);
int fail(enum kvmtrap_op op, int err, const char *what, const char *object);
int next_opt(int argc, char **argv, const struct option *opts);
void parse_vm_opt(const char *s, struct kvmtrap_vm_spec *spec);
uint64_t parse_num_opt(const char *opt, const char *s, uint64_t min,
		       uint64_t max);
void add_set(struct policy_opts *po, const char *arg);
int open_policy(const struct policy_opts *po, struct kvmtrap_policy **p);

/* lookup.c: VMs, links, lists */
int open_vm(const struct kvmtrap_vm_spec *spec, const char *what,
	    struct kvmtrap_vm **vm);
int vm_name_of(const struct kvmtrap_vm_spec *spec, const char *what,
	       char *name, size_t len);
int get_handled(const char *vm_name, struct kvmtrap_handled_entry **out);
int get_native(const struct kvmtrap_vm *vm,
	       struct kvmtrap_handled_entry **out);
const struct kvmtrap_link_info *
find_link(const struct kvmtrap_link_info *l, int n, uint32_t id);
bool vm_dir_exists(const char *vm_name);

/* output.c: what several commands print, as text and as JSON */
extern struct kvmtrap_json jw;

const char *verdict_str(uint32_t v);
const char *name_or_dash(const char *s);
const char *forwards_word(int forwards);
void json_begin(void);
void json_end(void);
void json_link(const struct kvmtrap_link_info *li);
void json_forwards(int forwards);
void json_links(const struct kvmtrap_link_info *l, int n);
void print_link(const struct kvmtrap_link_info *li);
void json_handled(const struct kvmtrap_handled_entry *e, int n);
void print_handled(const struct kvmtrap_handled_entry *e, int n);
void json_ret(const uint64_t *ret, uint64_t mask);
void print_ret(const uint64_t *ret, uint64_t mask);
void warn_forwards(const struct kvmtrap_vm *vm);

#endif /* __KVMTRAP_CLI_MAIN_H */
