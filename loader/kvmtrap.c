// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * kvmtrap.c: the kvmtrap command line tool.  Lists the KVM VMs of the
 * host with their kvm_trap links, attaches, replaces and detaches BPF
 * policies, shows a VM's verdict counters and handled-call list, asks KVM
 * how it would route a described call, runs a policy on a described call
 * without a VM, and streams a policy's decisions.
 *
 * A table of subcommands: each has an options struct with its defaults,
 * an option table and a do_<cmd>().  Every enum is printed and parsed
 * through libkvmtrap's name tables; parsing of arguments is in
 * kvmtrap_args.c (tested on the host).  One exit convention: 0 success,
 * 1 failure at run time, 2 bad command line.  Errors are one line on
 * stderr naming the object, the errno and the fix.  libbpf is silent
 * unless -v.  See Documentation/kvmtrap.8.rst.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kvmtrap_args.h"
#include "libkvmtrap.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* Global options: before the command or among its options. */
static int verbose;
static bool json;

struct cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *synopsis;		/* after "kvmtrap NAME " */
	const char *summary;		/* one line for the command list */
	const char *help;		/* what it does and its own options */
};

static const struct cmd *cur_cmd;	/* for usage errors and --help */

/* ---- Output of errors and usage --------------------------------------- */

static void print_cmd_usage(const struct cmd *c, FILE *f)
{
	fprintf(f, "usage: kvmtrap %s%s%s\n", c->name, *c->synopsis ? " " : "",
		c->synopsis);
}

static void print_cmd_help(const struct cmd *c, FILE *f)
{
	print_cmd_usage(c, f);
	fprintf(f, "\n%s\n", c->help);
	fputs("  -j, --json            JSON output on stdout\n"
	      "  -v, --verbose         libbpf's messages (the verifier log) on stderr\n"
	      "  -h, --help            this help\n", f);
}

static void print_usage(FILE *f);

/* A bad command line: the reason, the usage, exit status 2. */
static void __attribute__((noreturn, format(printf, 1, 2)))
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
static int fail_fix(int err, const char *what, const char *object,
		    const char *fix)
{
	char msg[1024];

	kvmtrap_format_error(msg, sizeof(msg), what, object, err, fix);
	fprintf(stderr, "%s\n", msg);
	return EXIT_FAIL;
}

static int fail(enum kvmtrap_op op, int err, const char *what,
		const char *object)
{
	const char *fix = kvmtrap_hint(op, err);

	/* With -v the log is already there: point at it instead. */
	if (verbose && op == KVMTRAP_OP_LOAD && (abs(err) == EACCES ||
						 abs(err) == EINVAL))
		fix = "the verifier rejected the policy: see the verifier log above";
	return fail_fix(err, what, object, fix);
}

static int print_libbpf(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	/* -v: warnings and the verifier log; -vv: libbpf's debug chatter */
	if (!verbose || (level == LIBBPF_DEBUG && verbose < 2))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

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

/*
 * The next option of the command that is not a common one, -1 at the end
 * (operands are permuted to argv[optind..]).  --help exits here.
 */
static int next_opt(int argc, char **argv, const struct option *opts)
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

static void parse_vm_opt(const char *s, struct kvmtrap_vm_spec *spec)
{
	char err[256];

	if (kvmtrap_parse_vm(s, spec, err, sizeof(err)))
		usage_error("%s", err);
}

static uint64_t parse_num_opt(const char *opt, const char *s, uint64_t min,
			      uint64_t max)
{
	char err[256];
	uint64_t v;

	if (kvmtrap_parse_opt_u64(opt, s, min, max, &v, err, sizeof(err)))
		usage_error("%s", err);
	return v;
}

/* ---- VMs, links, lists ------------------------------------------------ */

/*
 * Open the VM of --vm for @what ("attach to", ...).  A NAME is taken as fd
 * FD of its creator PID, which must still be that VM.
 */
static int open_vm(const struct kvmtrap_vm_spec *spec, const char *what,
		   struct kvmtrap_vm **vm)
{
	char obj[64], fix[256];
	int err;

	kvmtrap_vm_spec_describe(spec, obj, sizeof(obj));
	err = kvmtrap_vm_open_pid(spec->pid, spec->fd, vm);
	if (err)
		return fail(KVMTRAP_OP_OPEN_VM, err, what, obj);
	if (spec->kind == KVMTRAP_VM_NAME &&
	    strcmp(kvmtrap_vm_name(*vm), spec->name)) {
		snprintf(fix, sizeof(fix),
			 "fd %d of process %d is VM %s: give the VM as --vm PID:FD (kvmtrap list shows where it is)",
			 spec->fd, spec->pid, kvmtrap_vm_name(*vm));
		kvmtrap_vm_close(*vm);
		*vm = NULL;
		return fail_fix(ENXIO, what, obj, fix);
	}
	return EXIT_OK;
}

/*
 * KVM's name of the VM of --vm, for the commands that work from pins and
 * link IDs alone: a NAME as it is, else from the VM opened for a moment.
 */
static int vm_name_of(const struct kvmtrap_vm_spec *spec, const char *what,
		      char *name, size_t len)
{
	struct kvmtrap_vm *vm;
	int r;

	if (spec->kind == KVMTRAP_VM_NAME) {
		snprintf(name, len, "%s", spec->name);
		return EXIT_OK;
	}
	r = open_vm(spec, what, &vm);
	if (r)
		return r;
	snprintf(name, len, "%s", kvmtrap_vm_name(vm));
	kvmtrap_vm_close(vm);
	return EXIT_OK;
}

/* All links of VM @vm_name (NULL: of every VM), malloc()ed in *@out. */
static int get_links(const char *vm_name, struct kvmtrap_link_info **out)
{
	struct kvmtrap_link_info *l = NULL;
	int n = 0, cap = 0;

	/* Links may come and go between the calls: retry until it fits. */
	for (;;) {
		n = kvmtrap_links(vm_name, l, cap);
		if (n < 0 || n <= cap)
			break;
		cap = n + 4;
		free(l);
		l = calloc(cap, sizeof(*l));
		if (!l)
			return -ENOMEM;
	}
	if (n < 0)
		free(l);
	else
		*out = l;
	return n;
}

static int get_handled(const char *vm_name,
		       struct kvmtrap_handled_entry **out)
{
	struct kvmtrap_handled_entry *e = NULL;
	int n, cap = 0;

	for (;;) {
		n = kvmtrap_handled_read(vm_name, e, cap);
		if (n < 0 || n <= cap)
			break;
		cap = n + 16;
		free(e);
		e = calloc(cap, sizeof(*e));
		if (!e)
			return -ENOMEM;
	}
	if (n < 0)
		free(e);
	else
		*out = e;
	return n;
}

/*
 * KVM's own part of the list (KVM_TRAP_NATIVE_LIST) as list entries, for a
 * VM that has no list pinned: what it handles in the kernel all the same.
 */
static int get_native(const struct kvmtrap_vm *vm,
		      struct kvmtrap_handled_entry **out)
{
	struct kvmtrap_handled_entry *e;
	struct kvm_trap_range *r;
	int n, i;

	n = kvmtrap_native_list(vm, &r);
	if (n < 0)
		return n;
	e = calloc(n ? n : 1, sizeof(*e));
	if (!e) {
		free(r);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		e[i].key.conduit = r[i].conduit;
		e[i].key.first = r[i].first;
		e[i].key.last = r[i].last;
		e[i].val.route = r[i].flags & KVM_TRAP_RANGE_EL2 ?
				 KVMTRAP_ROUTE_NATIVE_EL2 : KVMTRAP_ROUTE_NATIVE;
		e[i].val.owner = KVMTRAP_OWNER_KERNEL;
	}
	free(r);
	*out = e;
	return n;
}

static int get_vms(struct kvmtrap_vm_ref **out)
{
	struct kvmtrap_vm_ref *r = NULL;
	int n, cap = 0;

	for (;;) {
		n = kvmtrap_list_vms(r, cap);
		if (n < 0 || n <= cap)
			break;
		cap = n + 4;
		free(r);
		r = calloc(cap, sizeof(*r));
		if (!r)
			return -ENOMEM;
	}
	if (n < 0)
		free(r);
	else
		*out = r;
	return n;
}

static const struct kvmtrap_link_info *
find_link(const struct kvmtrap_link_info *l, int n, uint32_t id)
{
	int i;

	for (i = 0; i < n; i++)
		if (l[i].link_id == id)
			return &l[i];
	return NULL;
}

static bool vm_dir_exists(const char *vm_name)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", KVMTRAP_BPFFS_DIR, vm_name);
	return !stat(path, &st);
}

static const char *verdict_str(uint32_t v)
{
	const char *n = kvmtrap_verdict_name(v);

	/* The verifier bounds a program's return value to the verdicts. */
	return n ? n : "unknown";
}

static const char *name_or_dash(const char *s)
{
	return s && *s ? s : "-";
}

/* ---- Shared output ---------------------------------------------------- */

/* Whether a VM takes forwarded calls: 1, 0, or < 0 for unknown. */
static const char *forwards_word(int forwards)
{
	return forwards < 0 ? "-" : forwards ? "yes" : "no";
}

static struct kvmtrap_json jw;

static void json_begin(void)
{
	kvmtrap_json_init(&jw, stdout);
}

static void json_end(void)
{
	putchar('\n');
}

static void json_link(const struct kvmtrap_link_info *li)
{
	kvmtrap_json_begin_object(&jw);
	kvmtrap_json_kv_u64(&jw, "link_id", li->link_id);
	kvmtrap_json_kv_u64(&jw, "prog_id", li->prog_id);
	kvmtrap_json_kv_string(&jw, "prog_name", li->prog_name);
	kvmtrap_json_kv_bool(&jw, "pinned", li->pinned);
	kvmtrap_json_kv_bool(&jw, "defunct", li->defunct);
	kvmtrap_json_end_object(&jw);
}

/* "accepts_forwards": true, false, or null when unknown */
static void json_forwards(int forwards)
{
	kvmtrap_json_key(&jw, "accepts_forwards");
	if (forwards < 0)
		kvmtrap_json_null(&jw);
	else
		kvmtrap_json_bool(&jw, forwards);
}

static void json_links(const struct kvmtrap_link_info *l, int n)
{
	int i;

	kvmtrap_json_begin_array(&jw);
	for (i = 0; i < n; i++)
		json_link(&l[i]);
	kvmtrap_json_end_array(&jw);
}

/* "  link 5  prog 9  deny  pinned" */
static void print_link(const struct kvmtrap_link_info *li)
{
	const char *state = li->pinned && li->defunct ? "pinned,defunct" :
			     li->pinned ? "pinned" :
			     li->defunct ? "defunct" : "-";

	printf("  link %u  prog %u  %s  %s\n", li->link_id, li->prog_id,
	       name_or_dash(li->prog_name), state);
}

static void json_handled(const struct kvmtrap_handled_entry *e, int n)
{
	char name[128];
	int i;

	kvmtrap_json_begin_array(&jw);
	for (i = 0; i < n; i++) {
		const struct kvmtrap_handled_key *k = &e[i].key;
		const struct kvmtrap_handled_val *v = &e[i].val;
		bool named = kvmtrap_range_name(k->first, k->last, name,
						sizeof(name));

		kvmtrap_json_begin_object(&jw);
		kvmtrap_json_kv_string(&jw, "conduit",
				       kvmtrap_conduit_name(k->conduit));
		kvmtrap_json_kv_u64(&jw, "imm", k->imm);
		kvmtrap_json_kv_u64(&jw, "first", k->first);
		kvmtrap_json_kv_u64(&jw, "last", k->last);
		kvmtrap_json_kv_string(&jw, "name", named ? name : NULL);
		kvmtrap_json_kv_string(&jw, "route",
				       kvmtrap_route_name(v->route));
		kvmtrap_json_kv_string(&jw, "owner",
				       kvmtrap_owner_name(v->owner));
		kvmtrap_json_kv_u64(&jw, "hits", v->hits);
		kvmtrap_json_end_object(&jw);
	}
	kvmtrap_json_end_array(&jw);
}

/* NAME last: a range's name can be long, the other columns are not. */
#define HANDLED_FMT "%-7s %6s  %-18s  %-18s  %-10s  %-6s  %6s  %s\n"

static void print_handled(const struct kvmtrap_handled_entry *e, int n)
{
	int i;

	printf(HANDLED_FMT, "CONDUIT", "IMM", "FIRST", "LAST", "ROUTE",
	       "OWNER", "HITS", "NAME");
	for (i = 0; i < n; i++) {
		const struct kvmtrap_handled_key *k = &e[i].key;
		const struct kvmtrap_handled_val *v = &e[i].val;
		char name[128], imm[16], first[24], last[24], hits[24];

		kvmtrap_range_name(k->first, k->last, name, sizeof(name));
		snprintf(imm, sizeof(imm), "%u", k->imm);
		snprintf(first, sizeof(first), "0x%llx",
			 (unsigned long long)k->first);
		snprintf(last, sizeof(last), "0x%llx",
			 (unsigned long long)k->last);
		/* KVM does not count native calls: no number to show. */
		if (v->owner == KVMTRAP_OWNER_KERNEL)
			snprintf(hits, sizeof(hits), "-");
		else
			snprintf(hits, sizeof(hits), "%llu",
				 (unsigned long long)v->hits);
		printf(HANDLED_FMT,
		       name_or_dash(kvmtrap_conduit_name(k->conduit)), imm,
		       first, last,
		       name_or_dash(kvmtrap_route_name(v->route)),
		       name_or_dash(kvmtrap_owner_name(v->owner)), hits, name);
	}
}

static void json_ret(const uint64_t *ret, uint64_t mask)
{
	int i;

	kvmtrap_json_begin_array(&jw);
	for (i = 0; i < 4; i++)
		kvmtrap_json_u64(&jw, ret[i] & mask);
	kvmtrap_json_end_array(&jw);
}

static void print_ret(const uint64_t *ret, uint64_t mask)
{
	printf("; ret 0x%llx 0x%llx 0x%llx 0x%llx",
	       (unsigned long long)(ret[0] & mask),
	       (unsigned long long)(ret[1] & mask),
	       (unsigned long long)(ret[2] & mask),
	       (unsigned long long)(ret[3] & mask));
}

/*
 * After a policy went in: a VM whose VMM did not opt in to forwards turns
 * its programs' FORWARD verdicts into DENY, which the policy's author may
 * not expect.
 */
static void warn_forwards(const struct kvmtrap_vm *vm)
{
	if (kvmtrap_vm_forwards(vm) != 0)
		return;
	fprintf(stderr,
		"kvmtrap: warning: VM %s does not accept forwards: FORWARD verdicts of its programs are refused (the guest gets NOT_SUPPORTED) until its VMM opts in (KVM_ENABLE_CAP KVM_CAP_TRAP_BPF with KVM_TRAP_ENABLE_FORWARD, or kvmtrap_vm_accept_forwards())\n",
		kvmtrap_vm_name(vm));
}

/* ---- Policies: open, set, load ---------------------------------------- */

/* What attach, replace and test take: POLICY.bpf.o and its --set's. */
struct policy_opts {
	const char *path;
	struct kvmtrap_setting *sets;
	int nr_sets;
};

static void add_set(struct policy_opts *po, const char *arg)
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
static int open_policy(const struct policy_opts *po,
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

/* ---- Pins of VMs that are gone ----------------------------------------- */

/* The directories of the pins @p[0..@n-1] one after the other: [*i, end). */
static int stale_dir_end(const struct kvmtrap_stale_pin *p, int n, int i)
{
	int j;

	for (j = i + 1; j < n && !strcmp(p[j].vm, p[i].vm); j++)
		;
	return j;
}

static void stale_path(const struct kvmtrap_stale_pin *p, char *buf,
		       size_t len)
{
	if (p->kind == KVMTRAP_PIN_LINK)
		snprintf(buf, len, "%s/%s/link-%u", KVMTRAP_BPFFS_DIR, p->vm,
			 p->link.link_id);
	else if (p->kind == KVMTRAP_PIN_HANDLED)
		snprintf(buf, len, "%s/%s/handled", KVMTRAP_BPFFS_DIR, p->vm);
	else
		snprintf(buf, len, "%s/%s", KVMTRAP_BPFFS_DIR, p->vm);
}

/*
 * "list"'s part on them: per directory of a gone VM, its pinned links and
 * whether its handled-call list is there.
 */
#define ORPHAN_FMT "%-16s %5s  %-7s  %s\n"

static void print_orphans(const struct kvmtrap_stale_pin *p, int n)
{
	char dir[PATH_MAX], links[16];
	int i, j, end, nl;
	bool handled;

	printf("orphaned pins of VMs that are gone (kvmtrap prune removes them):\n");
	printf(ORPHAN_FMT, "VM", "LINKS", "HANDLED", "DIR");
	for (i = 0; i < n; i = end) {
		end = stale_dir_end(p, n, i);
		nl = 0;
		handled = false;
		for (j = i; j < end; j++) {
			nl += p[j].kind == KVMTRAP_PIN_LINK;
			handled |= p[j].kind == KVMTRAP_PIN_HANDLED;
		}
		snprintf(links, sizeof(links), "%d", nl);
		snprintf(dir, sizeof(dir), "%s/%s", KVMTRAP_BPFFS_DIR, p[i].vm);
		printf(ORPHAN_FMT, p[i].vm, links, handled ? "yes" : "no", dir);
		for (j = i; j < end; j++)
			if (p[j].kind == KVMTRAP_PIN_LINK)
				print_link(&p[j].link);
	}
}

static void json_orphans(const struct kvmtrap_stale_pin *p, int n)
{
	char dir[PATH_MAX];
	bool handled;
	int i, j, end;

	kvmtrap_json_begin_array(&jw);
	for (i = 0; i < n; i = end) {
		end = stale_dir_end(p, n, i);
		handled = false;
		for (j = i; j < end; j++)
			handled |= p[j].kind == KVMTRAP_PIN_HANDLED;
		snprintf(dir, sizeof(dir), "%s/%s", KVMTRAP_BPFFS_DIR, p[i].vm);
		kvmtrap_json_begin_object(&jw);
		kvmtrap_json_kv_string(&jw, "vm", p[i].vm);
		kvmtrap_json_kv_string(&jw, "dir", dir);
		kvmtrap_json_kv_bool(&jw, "handled", handled);
		kvmtrap_json_key(&jw, "links");
		kvmtrap_json_begin_array(&jw);
		for (j = i; j < end; j++)
			if (p[j].kind == KVMTRAP_PIN_LINK)
				json_link(&p[j].link);
		kvmtrap_json_end_array(&jw);
		kvmtrap_json_end_object(&jw);
	}
	kvmtrap_json_end_array(&jw);
}

/* ---- list ------------------------------------------------------------- */

#define LIST_FMT "%-16s %8s  %-16s %5s  %5s  %s\n"

static int do_list(int argc, char **argv)
{
	static const struct option opts[] = { COMMON_OPTS, {} };
	struct kvmtrap_link_info *links = NULL;
	struct kvmtrap_stale_pin *stale = NULL;
	struct kvmtrap_vm_ref *vms = NULL;
	int nvms, nlinks, nstale, i, j;
	char pid[16], fd[16], nl[16];

	if (next_opt(argc, argv, opts) != -1)
		usage_error("unexpected option");
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);

	nvms = get_vms(&vms);
	if (nvms < 0)
		return fail(KVMTRAP_OP_LIST, nvms, "list", "the VMs in /proc");
	/* Every kvm_trap link once, matched to the VMs by name. */
	nlinks = get_links(NULL, &links);
	if (nlinks < 0) {
		free(vms);
		return fail(KVMTRAP_OP_LIST, nlinks, "list", "the kvm_trap links");
	}
	/* And the pins that outlived their VM, which no VM row shows. */
	nstale = kvmtrap_prune(KVMTRAP_PRUNE_DRY_RUN, &stale);
	if (nstale < 0) {
		free(links);
		free(vms);
		return fail(KVMTRAP_OP_PRUNE, nstale, "list the pins under",
			    KVMTRAP_BPFFS_DIR);
	}
	for (i = 0; i < nvms; i++) {
		/*
		 * A kernel without the fdinfo "vm:" line: the holder's
		 * pid and fd are KVM's name when the holder created it.
		 */
		if (!vms[i].name[0])
			snprintf(vms[i].name, sizeof(vms[i].name), "%d-%d",
				 vms[i].pid, vms[i].fd);
	}

	if (json) {
		json_begin();
		kvmtrap_json_begin_object(&jw);
		kvmtrap_json_key(&jw, "vms");
		kvmtrap_json_begin_array(&jw);
	} else if (nvms) {
		printf(LIST_FMT, "VM", "PID", "COMM", "FD", "LINKS",
		       "FORWARDS");
	} else {
		printf("no KVM VMs on this host\n");
	}
	for (i = 0; i < nvms; i++) {
		const struct kvmtrap_vm_ref *r = &vms[i];
		int n = 0;

		for (j = 0; j < nlinks; j++)
			n += !strcmp(links[j].vm, r->name);
		if (json) {
			kvmtrap_json_begin_object(&jw);
			kvmtrap_json_kv_string(&jw, "vm", r->name);
			kvmtrap_json_kv_u64(&jw, "pid", r->pid);
			kvmtrap_json_kv_u64(&jw, "fd", r->fd);
			kvmtrap_json_kv_string(&jw, "comm", r->comm);
			json_forwards(r->forwards);
			kvmtrap_json_key(&jw, "links");
			kvmtrap_json_begin_array(&jw);
			for (j = 0; j < nlinks; j++)
				if (!strcmp(links[j].vm, r->name))
					json_link(&links[j]);
			kvmtrap_json_end_array(&jw);
			kvmtrap_json_end_object(&jw);
			continue;
		}
		snprintf(pid, sizeof(pid), "%d", r->pid);
		snprintf(fd, sizeof(fd), "%d", r->fd);
		snprintf(nl, sizeof(nl), "%d", n);
		printf(LIST_FMT, r->name, pid, name_or_dash(r->comm), fd, nl,
		       forwards_word(r->forwards));
		for (j = 0; j < nlinks; j++)
			if (!strcmp(links[j].vm, r->name))
				print_link(&links[j]);
	}
	if (json) {
		kvmtrap_json_end_array(&jw);
		kvmtrap_json_key(&jw, "orphans");
		json_orphans(stale, nstale);
		kvmtrap_json_end_object(&jw);
		json_end();
	} else if (nstale) {
		printf("\n");
		print_orphans(stale, nstale);
	}
	free(stale);
	free(links);
	free(vms);
	return EXIT_OK;
}

/* ---- prune ------------------------------------------------------------ */

struct prune_opts {
	bool dry_run;
};

/* "link 6 (prog 10 deny_all)", "the handled-call list", "the directory" */
static void stale_what(const struct kvmtrap_stale_pin *p, char *buf,
		       size_t len)
{
	if (p->kind == KVMTRAP_PIN_LINK)
		snprintf(buf, len, "link %u (prog %u %s)", p->link.link_id,
			 p->link.prog_id, name_or_dash(p->link.prog_name));
	else if (p->kind == KVMTRAP_PIN_HANDLED)
		snprintf(buf, len, "the handled-call list");
	else
		snprintf(buf, len, "the directory");
}

static int do_prune(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run",	no_argument,	NULL, OPT_DRY_RUN },
		COMMON_OPTS, {}
	};
	struct kvmtrap_stale_pin *p = NULL;
	char path[PATH_MAX], what[128], obj[PATH_MAX + 256];
	struct prune_opts o = {};
	int c, n, i, r = EXIT_OK;

	while ((c = next_opt(argc, argv, opts)) != -1) {
		if (c == OPT_DRY_RUN)
			o.dry_run = true;
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);

	n = kvmtrap_prune(o.dry_run ? KVMTRAP_PRUNE_DRY_RUN : 0, &p);
	if (n < 0)
		return fail(KVMTRAP_OP_PRUNE, n, "prune the pins under",
			    KVMTRAP_BPFFS_DIR);

	/* What could not go: one error line each, the rest is reported. */
	for (i = 0; i < n; i++) {
		if (!p[i].err)
			continue;
		stale_what(&p[i], what, sizeof(what));
		stale_path(&p[i], path, sizeof(path));
		snprintf(obj, sizeof(obj), "%s of VM %s (%s)", what, p[i].vm,
			 path);
		r = fail(KVMTRAP_OP_PRUNE, p[i].err, "remove", obj);
	}
	if (json) {
		json_begin();
		kvmtrap_json_begin_object(&jw);
		kvmtrap_json_kv_bool(&jw, "dry_run", o.dry_run);
		kvmtrap_json_key(&jw, "removed");
		kvmtrap_json_begin_array(&jw);
		for (i = 0; i < n; i++) {
			bool link = p[i].kind == KVMTRAP_PIN_LINK;

			if (p[i].err)
				continue;
			stale_path(&p[i], path, sizeof(path));
			kvmtrap_json_begin_object(&jw);
			kvmtrap_json_kv_string(&jw, "vm", p[i].vm);
			kvmtrap_json_kv_string(&jw, "kind",
					       kvmtrap_pin_kind_name(p[i].kind));
			kvmtrap_json_kv_string(&jw, "path", path);
			kvmtrap_json_key(&jw, "link_id");
			if (link)
				kvmtrap_json_u64(&jw, p[i].link.link_id);
			else
				kvmtrap_json_null(&jw);
			kvmtrap_json_key(&jw, "prog_id");
			if (link)
				kvmtrap_json_u64(&jw, p[i].link.prog_id);
			else
				kvmtrap_json_null(&jw);
			kvmtrap_json_kv_string(&jw, "prog_name",
					       link && p[i].link.prog_name[0] ?
					       p[i].link.prog_name : NULL);
			kvmtrap_json_end_object(&jw);
		}
		kvmtrap_json_end_array(&jw);
		kvmtrap_json_end_object(&jw);
		json_end();
	} else if (!n) {
		printf("no orphaned pins under %s\n", KVMTRAP_BPFFS_DIR);
	} else {
		for (i = 0; i < n; i++) {
			if (p[i].err)
				continue;
			stale_what(&p[i], what, sizeof(what));
			stale_path(&p[i], path, sizeof(path));
			printf("%s %s of VM %s: %s\n",
			       o.dry_run ? "would remove" : "removed", what,
			       p[i].vm, path);
		}
	}
	free(p);
	return r;
}

/* ---- attach ----------------------------------------------------------- */

struct attach_opts {
	struct kvmtrap_vm_spec vm;
	bool have_vm;
	struct policy_opts policy;
};

static int do_attach(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vm",		required_argument, NULL, OPT_VM },
		{ "set",	required_argument, NULL, OPT_SET },
		COMMON_OPTS, {}
	};
	struct attach_opts o = {};
	struct kvmtrap_policy *p = NULL;
	struct kvmtrap_link_info li;
	struct kvmtrap_vm *vm = NULL;
	char pin[PATH_MAX], obj[64], what[PATH_MAX + 32];
	const char *name, *prog;
	int c, r, link_fd = -1, err;
	bool had_dir;

	while ((c = next_opt(argc, argv, opts)) != -1) {
		switch (c) {
		case OPT_VM:
			parse_vm_opt(optarg, &o.vm);
			o.have_vm = true;
			break;
		case OPT_SET:
			add_set(&o.policy, optarg);
			break;
		}
	}
	if (optind >= argc)
		usage_error("missing POLICY.bpf.o");
	if (optind + 1 < argc)
		usage_error("unexpected argument '%s'", argv[optind + 1]);
	if (!o.have_vm)
		usage_error("missing --vm");
	o.policy.path = argv[optind];

	/* open, configure, load, attach, pin; one cleanup path */
	r = open_vm(&o.vm, "attach to", &vm);
	if (r)
		goto out;
	name = kvmtrap_vm_name(vm);
	snprintf(obj, sizeof(obj), "VM %s", name);
	r = open_policy(&o.policy, &p);
	if (r)
		goto out;

	/* What this attach creates on bpffs, it takes back if it fails. */
	had_dir = vm_dir_exists(name);
	err = kvmtrap_policy_load(p, vm);
	if (err) {
		r = fail(KVMTRAP_OP_LOAD, err, "load policy", o.policy.path);
		goto undo;
	}
	snprintf(what, sizeof(what), "attach %s to", o.policy.path);
	link_fd = kvmtrap_policy_attach(p, vm);
	if (link_fd < 0) {
		r = fail(KVMTRAP_OP_ATTACH, link_fd, what, obj);
		goto undo;
	}
	err = kvmtrap_link_info(link_fd, &li);
	if (err) {
		r = fail(KVMTRAP_OP_LINK, err, what, obj);
		goto detach;
	}
	err = kvmtrap_pin(vm, link_fd, pin, sizeof(pin));
	if (err) {
		snprintf(what, sizeof(what), "pin link %u of", li.link_id);
		r = fail(KVMTRAP_OP_PIN, err, what, obj);
		goto detach;
	}

	warn_forwards(vm);
	prog = li.prog_name[0] ? li.prog_name : kvmtrap_policy_name(p);
	if (json) {
		json_begin();
		kvmtrap_json_begin_object(&jw);
		kvmtrap_json_kv_string(&jw, "vm", name);
		kvmtrap_json_kv_u64(&jw, "link_id", li.link_id);
		kvmtrap_json_kv_u64(&jw, "prog_id", li.prog_id);
		kvmtrap_json_kv_string(&jw, "prog_name", prog);
		kvmtrap_json_kv_string(&jw, "pin", pin);
		kvmtrap_json_end_object(&jw);
		json_end();
	} else {
		printf("attached %s to VM %s: link %u, pinned at %s\n", prog,
		       name, li.link_id, pin);
	}
	r = EXIT_OK;
	goto out;

detach:
	/* Detached now, the link goes with its last fd, just below. */
	kvmtrap_detach(link_fd);
undo:
	if (!had_dir)
		kvmtrap_vm_cleanup(name);
out:
	if (link_fd >= 0)
		close(link_fd);
	kvmtrap_policy_close(p);
	kvmtrap_vm_close(vm);
	free(o.policy.sets);
	return r;
}

/* ---- detach ----------------------------------------------------------- */

struct detach_opts {
	struct kvmtrap_vm_spec vm;
	bool have_vm;
	uint32_t link_id;		/* 0: --all */
	bool all;
};

static int detach_one(const char *vm_name, uint32_t id)
{
	char what[64], obj[64];
	int fd, err;

	snprintf(what, sizeof(what), "detach link %u from", id);
	snprintf(obj, sizeof(obj), "VM %s", vm_name);
	fd = kvmtrap_link_fd(id);
	if (fd < 0)
		return fail(KVMTRAP_OP_LINK, fd, what, obj);
	err = kvmtrap_detach(fd);
	close(fd);
	if (err)
		return fail(KVMTRAP_OP_DETACH, err, what, obj);
	/* An unpinned link has gone with its fd. */
	err = kvmtrap_unpin(vm_name, id);
	if (err && err != -ENOENT) {
		snprintf(what, sizeof(what), "unpin link %u of", id);
		return fail(KVMTRAP_OP_DETACH, err, what, obj);
	}
	return EXIT_OK;
}

static int do_detach(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vm",		required_argument, NULL, OPT_VM },
		{ "link",	required_argument, NULL, OPT_LINK },
		{ "all",	no_argument,	   NULL, OPT_ALL },
		COMMON_OPTS, {}
	};
	struct kvmtrap_link_info *links = NULL;
	struct detach_opts o = {};
	char name[KVMTRAP_VM_NAME_LEN], obj[64], what[64], fix[256];
	uint32_t *done = NULL;
	int c, n, i, ndone = 0, r;

	while ((c = next_opt(argc, argv, opts)) != -1) {
		switch (c) {
		case OPT_VM:
			parse_vm_opt(optarg, &o.vm);
			o.have_vm = true;
			break;
		case OPT_LINK:
			o.link_id = parse_num_opt("--link", optarg, 1,
						  UINT32_MAX);
			break;
		case OPT_ALL:
			o.all = true;
			break;
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (!o.have_vm)
		usage_error("missing --vm");
	if (!o.all == !o.link_id)
		usage_error("give one of --link ID and --all");

	r = vm_name_of(&o.vm, "detach from", name, sizeof(name));
	if (r)
		return r;
	snprintf(obj, sizeof(obj), "VM %s", name);
	n = get_links(name, &links);
	if (n < 0)
		return fail(KVMTRAP_OP_LINK, n, "find the links of", obj);
	if (o.link_id && !find_link(links, n, o.link_id)) {
		snprintf(what, sizeof(what), "detach link %u from", o.link_id);
		snprintf(fix, sizeof(fix),
			 "VM %s has no link %u: kvmtrap status --vm %s lists its links",
			 name, o.link_id, name);
		free(links);
		return fail_fix(ENOENT, what, obj, fix);
	}

	done = calloc(n ? n : 1, sizeof(*done));
	if (!done) {
		free(links);
		return fail(KVMTRAP_OP_DETACH, -ENOMEM, "detach from", obj);
	}
	r = EXIT_OK;
	for (i = 0; i < n && !r; i++) {
		if (o.link_id && links[i].link_id != o.link_id)
			continue;
		r = detach_one(name, links[i].link_id);
		if (!r)
			done[ndone++] = links[i].link_id;
	}
	/* --all leaves no directory behind, even one without link pins. */
	if (!r && o.all)
		kvmtrap_vm_cleanup(name);

	/* What was done is reported even when a later link failed. */
	if (json && !r) {
		json_begin();
		kvmtrap_json_begin_object(&jw);
		kvmtrap_json_kv_string(&jw, "vm", name);
		kvmtrap_json_key(&jw, "detached");
		kvmtrap_json_begin_array(&jw);
		for (i = 0; i < ndone; i++)
			kvmtrap_json_u64(&jw, done[i]);
		kvmtrap_json_end_array(&jw);
		kvmtrap_json_end_object(&jw);
		json_end();
	} else if (!json) {
		for (i = 0; i < ndone; i++)
			printf("detached link %u from VM %s\n", done[i], name);
		if (!r && !ndone)
			printf("VM %s has no links\n", name);
	}
	free(done);
	free(links);
	return r;
}

/* ---- replace ---------------------------------------------------------- */

struct replace_opts {
	struct kvmtrap_vm_spec vm;
	bool have_vm;
	uint32_t link_id;
	struct policy_opts policy;
};

static int do_replace(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vm",		required_argument, NULL, OPT_VM },
		{ "link",	required_argument, NULL, OPT_LINK },
		{ "set",	required_argument, NULL, OPT_SET },
		COMMON_OPTS, {}
	};
	struct kvmtrap_link_info *links = NULL, li;
	const struct kvmtrap_link_info *old;
	struct replace_opts o = {};
	struct kvmtrap_policy *p = NULL;
	struct kvmtrap_vm *vm = NULL;
	char obj[64], what[64], fix[256];
	int c, n, r, err, link_fd = -1, old_fd = -1;
	uint32_t old_prog_id;
	const char *name;
	bool had_dir;

	while ((c = next_opt(argc, argv, opts)) != -1) {
		switch (c) {
		case OPT_VM:
			parse_vm_opt(optarg, &o.vm);
			o.have_vm = true;
			break;
		case OPT_LINK:
			o.link_id = parse_num_opt("--link", optarg, 1,
						  UINT32_MAX);
			break;
		case OPT_SET:
			add_set(&o.policy, optarg);
			break;
		}
	}
	if (optind >= argc)
		usage_error("missing POLICY.bpf.o");
	if (optind + 1 < argc)
		usage_error("unexpected argument '%s'", argv[optind + 1]);
	if (!o.have_vm)
		usage_error("missing --vm");
	if (!o.link_id)
		usage_error("missing --link");
	o.policy.path = argv[optind];

	snprintf(what, sizeof(what), "replace the program of link %u of",
		 o.link_id);
	r = open_vm(&o.vm, what, &vm);
	if (r)
		goto out;
	name = kvmtrap_vm_name(vm);
	snprintf(obj, sizeof(obj), "VM %s", name);

	n = get_links(name, &links);
	if (n < 0) {
		r = fail(KVMTRAP_OP_LINK, n, "find the links of", obj);
		goto out;
	}
	old = find_link(links, n, o.link_id);
	if (!old) {
		snprintf(fix, sizeof(fix),
			 "VM %s has no link %u: kvmtrap status --vm %s lists its links",
			 name, o.link_id, name);
		r = fail_fix(ENOENT, what, obj, fix);
		goto out;
	}
	old_prog_id = old->prog_id;
	link_fd = kvmtrap_link_fd(o.link_id);
	if (link_fd < 0) {
		r = fail(KVMTRAP_OP_LINK, link_fd, what, obj);
		goto out;
	}

	r = open_policy(&o.policy, &p);
	if (r)
		goto out;
	had_dir = vm_dir_exists(name);
	err = kvmtrap_policy_load(p, vm);
	if (err) {
		r = fail(KVMTRAP_OP_LOAD, err, "load policy", o.policy.path);
		goto undo;
	}
	/*
	 * Only if the link still runs the program we saw (BPF_F_REPLACE):
	 * a program that is gone was replaced meanwhile, and replacing
	 * without the check would silently drop that other change.
	 */
	old_fd = bpf_prog_get_fd_by_id(old_prog_id);
	if (old_fd < 0) {
		err = -errno;
		r = err == -ENOENT ?
		    fail_fix(EPERM, what, obj,
			     kvmtrap_hint(KVMTRAP_OP_REPLACE, EPERM)) :
		    fail(KVMTRAP_OP_LINK, err, what, obj);
		goto undo;
	}
	err = kvmtrap_replace(link_fd, kvmtrap_policy_prog_fd(p), old_fd);
	if (err) {
		r = fail(KVMTRAP_OP_REPLACE, err, what, obj);
		goto undo;
	}
	err = kvmtrap_link_info(link_fd, &li);
	if (err) {
		r = fail(KVMTRAP_OP_LINK, err, what, obj);
		goto out;
	}

	warn_forwards(vm);
	if (json) {
		json_begin();
		kvmtrap_json_begin_object(&jw);
		kvmtrap_json_kv_string(&jw, "vm", name);
		kvmtrap_json_kv_u64(&jw, "link_id", li.link_id);
		kvmtrap_json_kv_u64(&jw, "old_prog_id", old_prog_id);
		kvmtrap_json_kv_u64(&jw, "prog_id", li.prog_id);
		kvmtrap_json_kv_string(&jw, "prog_name", li.prog_name);
		kvmtrap_json_end_object(&jw);
		json_end();
	} else {
		printf("replaced the program of link %u of VM %s: prog %u -> prog %u (%s)\n",
		       li.link_id, name, old_prog_id, li.prog_id,
		       name_or_dash(li.prog_name));
	}
	r = EXIT_OK;
	goto out;

undo:
	/* A list this replace created for a link that is not pinned */
	if (!had_dir)
		kvmtrap_vm_cleanup(name);
out:
	if (old_fd >= 0)
		close(old_fd);
	if (link_fd >= 0)
		close(link_fd);
	kvmtrap_policy_close(p);
	kvmtrap_vm_close(vm);
	free(links);
	free(o.policy.sets);
	return r;
}

/* ---- status and handled ----------------------------------------------- */

struct vm_opts {
	struct kvmtrap_vm_spec vm;
	bool have_vm;
};

static void parse_vm_only(int argc, char **argv, struct vm_opts *o)
{
	static const struct option opts[] = {
		{ "vm",		required_argument, NULL, OPT_VM },
		COMMON_OPTS, {}
	};
	int c;

	while ((c = next_opt(argc, argv, opts)) != -1) {
		if (c == OPT_VM) {
			parse_vm_opt(optarg, &o->vm);
			o->have_vm = true;
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (!o->have_vm)
		usage_error("missing --vm");
}

/*
 * The VM for status and handled.  PID[:FD] must open; a NAME may be a VM
 * that is gone or not ours to open, whose pins and links still tell about
 * it: then *@vm stays NULL and *@open_err says why.
 */
static int open_vm_or_name(const struct kvmtrap_vm_spec *spec,
			   const char *what, struct kvmtrap_vm **vm,
			   int *open_err, char *name, size_t len)
{
	int err;

	*vm = NULL;
	*open_err = 0;
	if (spec->kind != KVMTRAP_VM_NAME) {
		err = open_vm(spec, what, vm);
		if (!err)
			snprintf(name, len, "%s", kvmtrap_vm_name(*vm));
		return err;
	}
	snprintf(name, len, "%s", spec->name);
	err = kvmtrap_vm_open_pid(spec->pid, spec->fd, vm);
	if (!err && strcmp(kvmtrap_vm_name(*vm), spec->name)) {
		kvmtrap_vm_close(*vm);
		*vm = NULL;
		err = -ENXIO;
	}
	*open_err = err;
	return EXIT_OK;
}

/* Going on without the VM of NAME @spec: say so, once. */
static void note_not_opened(const struct kvmtrap_vm_spec *spec, int err)
{
	fprintf(stderr,
		"kvmtrap: note: VM %s not opened (fd %d of process %d: %s): from its pins and links only\n",
		spec->name, spec->fd, spec->pid, kvmtrap_strerror(err));
}

/* Neither opened nor pinned nor linked: there is no such VM to show. */
static int fail_no_vm(const struct kvmtrap_vm_spec *spec, const char *what,
		      int err)
{
	char obj[64];

	kvmtrap_vm_spec_describe(spec, obj, sizeof(obj));
	return fail(KVMTRAP_OP_OPEN_VM, err, what, obj);
}

static int do_status(int argc, char **argv)
{
	struct kvmtrap_handled_entry *handled = NULL;
	struct kvmtrap_link_info *links = NULL;
	struct kvmtrap_stats st;
	struct kvmtrap_vm *vm;
	struct vm_opts o = {};
	char name[KVMTRAP_VM_NAME_LEN], obj[64];
	int nlinks, nhandled, r, err, open_err, i, forwards = -1;
	bool have_stats = false;

	parse_vm_only(argc, argv, &o);
	r = open_vm_or_name(&o.vm, "read the status of", &vm, &open_err,
			    name, sizeof(name));
	if (r)
		return r;
	snprintf(obj, sizeof(obj), "VM %s", name);

	nlinks = get_links(name, &links);
	if (nlinks < 0) {
		r = fail(KVMTRAP_OP_LINK, nlinks, "find the links of", obj);
		goto out;
	}
	if (vm) {
		err = kvmtrap_vm_stats(vm, &st);
		if (err) {
			r = fail(KVMTRAP_OP_STATS, err, "read the statistics of",
				 obj);
			goto out;
		}
		have_stats = true;
		forwards = kvmtrap_vm_forwards(vm);
		if (forwards < 0 && forwards != -EOPNOTSUPP) {
			r = fail(KVMTRAP_OP_OPEN_VM, forwards,
				 "read the fdinfo of", obj);
			goto out;
		}
	}
	/*
	 * Status does not create a list.  With none pinned, what the VM
	 * handles in the kernel is KVM's own part, asked of KVM directly.
	 */
	nhandled = get_handled(name, &handled);
	if (nhandled == -ENOENT) {
		if (!vm && !nlinks) {
			r = fail_no_vm(&o.vm, "read the status of", open_err);
			goto out;
		}
		nhandled = vm ? get_native(vm, &handled) : 0;
	}
	if (nhandled < 0) {
		r = fail(KVMTRAP_OP_HANDLED, nhandled,
			 "read the handled-call list of", obj);
		goto out;
	}
	if (!vm)
		note_not_opened(&o.vm, open_err);

	if (json) {
		json_begin();
		kvmtrap_json_begin_object(&jw);
		kvmtrap_json_kv_string(&jw, "vm", name);
		json_forwards(forwards);
		kvmtrap_json_key(&jw, "links");
		json_links(links, nlinks);
		kvmtrap_json_key(&jw, "stats");
		if (have_stats) {
			kvmtrap_json_begin_object(&jw);
			for (i = 0; i < KVM_TRAP_NR_VERDICTS; i++)
				kvmtrap_json_kv_u64(&jw,
						    kvmtrap_verdict_name(i),
						    st.verdict[i]);
			kvmtrap_json_kv_u64(&jw, "forward_refused",
					    st.forward_refused);
			kvmtrap_json_end_object(&jw);
		} else {
			kvmtrap_json_null(&jw);
		}
		kvmtrap_json_key(&jw, "handled");
		json_handled(handled, nhandled);
		kvmtrap_json_end_object(&jw);
		json_end();
	} else {
		printf("VM %s\n", name);
		if (forwards > 0)
			printf("forwards: accepted (FORWARD verdicts exit to the VMM)\n");
		else if (!forwards)
			printf("forwards: refused (FORWARD verdicts act as deny: the VMM has not enabled KVM_TRAP_ENABLE_FORWARD)\n");
		else
			printf("forwards: unknown\n");
		printf("links:%s\n", nlinks ? "" : " none");
		for (i = 0; i < nlinks; i++)
			print_link(&links[i]);
		if (have_stats) {
			printf("stats:");
			for (i = 0; i < KVM_TRAP_NR_VERDICTS; i++)
				printf(" %s %llu", kvmtrap_verdict_name(i),
				       (unsigned long long)st.verdict[i]);
			printf(" forward_refused %llu\n",
			       (unsigned long long)st.forward_refused);
		} else {
			printf("stats: unavailable (VM not opened)\n");
		}
		printf("handled:%s\n", nhandled ? "" : " none");
		if (nhandled)
			print_handled(handled, nhandled);
	}
	r = EXIT_OK;
out:
	free(handled);
	free(links);
	kvmtrap_vm_close(vm);
	return r;
}

static int do_handled(int argc, char **argv)
{
	struct kvmtrap_handled_entry *handled = NULL;
	struct kvmtrap_vm *vm;
	struct vm_opts o = {};
	char name[KVMTRAP_VM_NAME_LEN], obj[64];
	int n, r, fd, open_err;

	parse_vm_only(argc, argv, &o);
	r = open_vm_or_name(&o.vm, "list the handled calls of", &vm,
			    &open_err, name, sizeof(name));
	if (r)
		return r;
	snprintf(obj, sizeof(obj), "VM %s", name);

	/* The native part from the kernel, now: it may have changed. */
	if (vm) {
		fd = kvmtrap_handled_open(vm);
		if (fd < 0) {
			r = fail(KVMTRAP_OP_HANDLED, fd,
				 "refresh the handled-call list of", obj);
			goto out;
		}
		close(fd);
	}
	n = get_handled(name, &handled);
	if (n == -ENOENT && !vm) {
		r = fail_no_vm(&o.vm, "list the handled calls of", open_err);
		goto out;
	}
	if (n < 0) {
		r = fail(KVMTRAP_OP_HANDLED, n, "read the handled-call list of",
			 obj);
		goto out;
	}
	if (!vm)
		note_not_opened(&o.vm, open_err);

	if (json) {
		json_begin();
		kvmtrap_json_begin_object(&jw);
		kvmtrap_json_kv_string(&jw, "vm", name);
		kvmtrap_json_key(&jw, "handled");
		json_handled(handled, n);
		kvmtrap_json_end_object(&jw);
		json_end();
	} else if (n) {
		print_handled(handled, n);
	} else {
		printf("VM %s handles no calls in the kernel\n", name);
	}
	r = EXIT_OK;
out:
	free(handled);
	kvmtrap_vm_close(vm);
	return r;
}

/* ---- query and test --------------------------------------------------- */

struct call_opts {
	bool aarch32;
	uint32_t vcpu;
	struct kvmtrap_call call;
};

/* The call's words, once the options (--aarch32) are known. */
static void parse_call_words(int argc, char **argv, struct call_opts *o)
{
	char err[256];

	if (kvmtrap_parse_call(argc, argv, &o->call, err, sizeof(err)) ||
	    kvmtrap_check_call(&o->call, o->aarch32, err, sizeof(err)))
		usage_error("%s", err);
}

struct query_opts {
	struct kvmtrap_vm_spec vm;
	bool have_vm;
	struct call_opts c;
};

static int do_query(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vm",		required_argument, NULL, OPT_VM },
		{ "aarch32",	no_argument,	   NULL, OPT_AARCH32 },
		{ "vcpu",	required_argument, NULL, OPT_VCPU },
		COMMON_OPTS, {}
	};
	struct query_opts o = {};
	struct kvmtrap_vm *vm = NULL;
	struct kvm_trap_query q;
	struct kvm_trap_ctx ctx;
	char obj[64], call[160];
	const char *name;
	bool has_ret, refused;
	int c, r, err;

	while ((c = next_opt(argc, argv, opts)) != -1) {
		switch (c) {
		case OPT_VM:
			parse_vm_opt(optarg, &o.vm);
			o.have_vm = true;
			break;
		case OPT_AARCH32:
			o.c.aarch32 = true;
			break;
		case OPT_VCPU:
			o.c.vcpu = parse_num_opt("--vcpu", optarg, 0,
						 UINT32_MAX);
			break;
		}
	}
	if (!o.have_vm)
		usage_error("missing --vm");
	parse_call_words(argc - optind, argv + optind, &o.c);

	r = open_vm(&o.vm, "query", &vm);
	if (r)
		return r;
	name = kvmtrap_vm_name(vm);
	snprintf(obj, sizeof(obj), "VM %s", name);
	kvmtrap_call_query(&o.c.call, o.c.aarch32, o.c.vcpu, &q);
	err = kvmtrap_query(vm, &q);
	if (err) {
		r = fail(KVMTRAP_OP_QUERY, err, "query", obj);
		goto out;
	}

	/* The function ID as KVM and the programs see it */
	kvmtrap_call_ctx(&o.c.call, o.c.aarch32, o.c.vcpu, &ctx);
	has_ret = q.out_flags & KVM_TRAP_QUERY_RET;
	refused = q.out_flags & KVM_TRAP_QUERY_REFUSED;
	if (json) {
		json_begin();
		kvmtrap_json_begin_object(&jw);
		kvmtrap_json_kv_string(&jw, "vm", name);
		kvmtrap_json_kv_string(&jw, "conduit",
				       kvmtrap_conduit_name(q.conduit));
		kvmtrap_json_kv_u64(&jw, "imm", q.imm);
		kvmtrap_json_kv_u64(&jw, "func_id", ctx.func_id);
		kvmtrap_json_kv_string(&jw, "name",
				       kvmtrap_func_name(ctx.func_id));
		kvmtrap_json_kv_string(&jw, "stage",
				       kvmtrap_stage_name(q.stage));
		kvmtrap_json_kv_string(&jw, "verdict", verdict_str(q.verdict));
		/* What the deciding program returned, refused or not */
		kvmtrap_json_kv_string(&jw, "prog_verdict",
				       q.stage != KVM_TRAP_STAGE_BPF ? NULL :
				       refused ? "forward" :
				       verdict_str(q.verdict));
		kvmtrap_json_kv_bool(&jw, "refused", refused);
		kvmtrap_json_kv_u64(&jw, "link_id", q.link_id);
		kvmtrap_json_kv_u64(&jw, "prog_id", q.prog_id);
		kvmtrap_json_kv_bool(&jw, "el2", q.out_flags & KVM_TRAP_QUERY_EL2);
		kvmtrap_json_key(&jw, "ret");
		if (has_ret)
			json_ret((const uint64_t *)q.ret, UINT64_MAX);
		else
			kvmtrap_json_null(&jw);
		kvmtrap_json_end_object(&jw);
		json_end();
	} else {
		const char *stage = kvmtrap_stage_name(q.stage);

		kvmtrap_call_describe(q.conduit, q.imm, ctx.func_id, call,
				      sizeof(call));
		printf("%s: ", call);
		if (stage)
			printf("%s", stage);
		else
			printf("stage %u", q.stage);
		if (q.stage == KVM_TRAP_STAGE_BPF)
			printf(" (link %u, prog %u)", q.link_id, q.prog_id);
		if (q.out_flags & KVM_TRAP_QUERY_EL2)
			printf(" (at EL2)");
		/* What the program said, then what the guest gets */
		if (refused)
			printf(", forward refused (the VM does not accept forwards): %s",
			       verdict_str(q.verdict));
		else
			printf(", %s", verdict_str(q.verdict));
		if (has_ret)
			print_ret((const uint64_t *)q.ret, UINT64_MAX);
		printf("\n");
	}
	r = EXIT_OK;
out:
	kvmtrap_vm_close(vm);
	return r;
}

struct test_opts {
	struct policy_opts policy;
	struct call_opts c;
};

static int do_test(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "set",	required_argument, NULL, OPT_SET },
		{ "aarch32",	no_argument,	   NULL, OPT_AARCH32 },
		{ "vcpu",	required_argument, NULL, OPT_VCPU },
		COMMON_OPTS, {}
	};
	struct kvmtrap_policy *p = NULL;
	struct test_opts o = {};
	struct kvm_trap_ctx ctx;
	char call[160];
	uint32_t verdict;
	uint64_t mask;
	int c, r, err;

	while ((c = next_opt(argc, argv, opts)) != -1) {
		switch (c) {
		case OPT_SET:
			add_set(&o.policy, optarg);
			break;
		case OPT_AARCH32:
			o.c.aarch32 = true;
			break;
		case OPT_VCPU:
			o.c.vcpu = parse_num_opt("--vcpu", optarg, 0,
						 UINT32_MAX);
			break;
		}
	}
	if (optind >= argc)
		usage_error("missing POLICY.bpf.o");
	o.policy.path = argv[optind];
	parse_call_words(argc - optind - 1, argv + optind + 1, &o.c);

	kvmtrap_call_ctx(&o.c.call, o.c.aarch32, o.c.vcpu, &ctx);
	kvmtrap_call_describe(ctx.conduit, ctx.imm, ctx.func_id, call,
			      sizeof(call));
	if (kvmtrap_call_is_arch_range(&o.c.call))
		fprintf(stderr,
			"kvmtrap: note: KVM never offers %s to programs (architecture service range)\n",
			call);

	r = open_policy(&o.policy, &p);
	if (r)
		goto out;
	err = kvmtrap_policy_load(p, NULL);
	if (err) {
		r = fail(KVMTRAP_OP_LOAD, err, "load policy", o.policy.path);
		goto out;
	}
	err = kvmtrap_policy_test(p, &ctx, &verdict);
	if (err) {
		r = fail(KVMTRAP_OP_TEST, err, "test-run policy",
			 o.policy.path);
		goto out;
	}

	/* What a HANDLED verdict would give the caller */
	mask = kvmtrap_ctx_ret_mask(&ctx);
	if (json) {
		json_begin();
		kvmtrap_json_begin_object(&jw);
		kvmtrap_json_kv_string(&jw, "conduit",
				       kvmtrap_conduit_name(ctx.conduit));
		kvmtrap_json_kv_u64(&jw, "imm", ctx.imm);
		kvmtrap_json_kv_u64(&jw, "func_id", ctx.func_id);
		kvmtrap_json_kv_string(&jw, "name",
				       kvmtrap_func_name(ctx.func_id));
		kvmtrap_json_kv_string(&jw, "verdict", verdict_str(verdict));
		kvmtrap_json_key(&jw, "ret");
		json_ret((const uint64_t *)ctx.ret, mask);
		kvmtrap_json_end_object(&jw);
		json_end();
	} else {
		printf("%s: ", call);
		if (kvmtrap_verdict_name(verdict))
			printf("%s", kvmtrap_verdict_name(verdict));
		else
			printf("unknown verdict %u", verdict);
		print_ret((const uint64_t *)ctx.ret, mask);
		printf("\n");
	}
	r = EXIT_OK;
out:
	kvmtrap_policy_close(p);
	free(o.policy.sets);
	return r;
}

/* ---- trace ------------------------------------------------------------ */

struct trace_opts {
	struct kvmtrap_vm_spec vm;
	bool have_vm;
	uint64_t count;			/* 0: until a signal */
	uint64_t timeout;		/* seconds, 0: none */
};

static volatile sig_atomic_t trace_stop;
static uint64_t trace_seen, trace_max;

static void on_signal(int sig)
{
	trace_stop = 1;
}

/*
 * Events of one poll, from all the VM's ring buffers: each policy has its
 * own, and a poll drains them one after the other, so they are put in
 * time order before they are printed.
 */
static struct kvmtrap_event *trace_batch;
static size_t trace_nr, trace_cap;

static int on_event(void *ctx, void *data, size_t size)
{
	struct kvmtrap_event *b;

	if (size < sizeof(*trace_batch))
		return 0;
	if (trace_nr == trace_cap) {
		b = realloc(trace_batch, (trace_cap * 2 + 64) * sizeof(*b));
		if (!b)
			return -ENOMEM;
		trace_batch = b;
		trace_cap = trace_cap * 2 + 64;
	}
	memcpy(&trace_batch[trace_nr++], data, sizeof(*trace_batch));
	return 0;
}

static int event_cmp(const void *a, const void *b)
{
	const struct kvmtrap_event *x = a, *y = b;

	return x->time_ns < y->time_ns ? -1 : x->time_ns > y->time_ns;
}

static void print_event(const struct kvmtrap_event *e)
{
	char call[160];

	if (json) {
		json_begin();
		kvmtrap_json_begin_object(&jw);
		kvmtrap_json_kv_u64(&jw, "time_ns", e->time_ns);
		kvmtrap_json_kv_u64(&jw, "vcpu", e->vcpu_id);
		kvmtrap_json_kv_string(&jw, "conduit",
				       kvmtrap_conduit_name(e->conduit));
		kvmtrap_json_kv_u64(&jw, "imm", e->imm);
		kvmtrap_json_kv_u64(&jw, "func_id", e->func_id);
		kvmtrap_json_kv_string(&jw, "name",
				       kvmtrap_func_name(e->func_id));
		kvmtrap_json_key(&jw, "args");
		kvmtrap_json_begin_array(&jw);
		kvmtrap_json_u64(&jw, e->args[0]);
		kvmtrap_json_u64(&jw, e->args[1]);
		kvmtrap_json_u64(&jw, e->args[2]);
		kvmtrap_json_end_array(&jw);
		kvmtrap_json_kv_string(&jw, "verdict", verdict_str(e->verdict));
		kvmtrap_json_end_object(&jw);
		json_end();
	} else {
		kvmtrap_call_describe(e->conduit, e->imm, e->func_id, call,
				      sizeof(call));
		printf("%llu vcpu %u %s args 0x%llx 0x%llx 0x%llx: %s\n",
		       (unsigned long long)e->time_ns, e->vcpu_id, call,
		       (unsigned long long)e->args[0],
		       (unsigned long long)e->args[1],
		       (unsigned long long)e->args[2], verdict_str(e->verdict));
	}
}

/* Print the batch in time order; false once --count events are out. */
static bool print_batch(void)
{
	size_t i;

	qsort(trace_batch, trace_nr, sizeof(*trace_batch), event_cmp);
	for (i = 0; i < trace_nr; i++) {
		print_event(&trace_batch[i]);
		if (trace_max && ++trace_seen >= trace_max)
			break;
	}
	trace_nr = 0;
	/* A reader at the other end of a pipe sees each batch at once. */
	fflush(stdout);
	return !trace_max || trace_seen < trace_max;
}

/*
 * Add the "kvmtrap_events" ring buffers of program @prog_id to *@rb (once
 * each: @ids and @fds hold the map IDs and fds taken so far).  Returns how
 * many it added.
 */
static int add_prog_rings(uint32_t prog_id, struct ring_buffer **rb,
			  uint32_t *ids, int *fds, int *nids, int max_ids)
{
	int nr, i, added = 0, err = 0, k;
	uint32_t *map_ids;

	nr = kvmtrap_prog_map_ids(prog_id, &map_ids);
	if (nr < 0)
		return nr;

	for (i = 0; i < nr; i++) {
		struct bpf_map_info mi = {};
		__u32 mlen = sizeof(mi);
		bool dup = false;
		int map_fd;

		for (k = 0; k < *nids; k++)
			dup |= ids[k] == map_ids[i];
		if (dup || *nids >= max_ids)
			continue;
		map_fd = bpf_map_get_fd_by_id(map_ids[i]);
		if (map_fd < 0)
			continue;	/* gone meanwhile */
		if (bpf_map_get_info_by_fd(map_fd, &mi, &mlen) ||
		    mi.type != BPF_MAP_TYPE_RINGBUF ||
		    strcmp(mi.name, KVMTRAP_EVENTS_MAP_NAME)) {
			close(map_fd);
			continue;
		}
		if (!*rb) {
			*rb = ring_buffer__new(map_fd, on_event, NULL, NULL);
			if (!*rb)
				err = -errno;
		} else {
			err = ring_buffer__add(*rb, map_fd, on_event, NULL);
		}
		if (err) {
			close(map_fd);
			goto out;
		}
		/* The ring buffer polls the fd: kept open until the end. */
		fds[*nids] = map_fd;
		ids[(*nids)++] = map_ids[i];
		added++;
	}
out:
	free(map_ids);
	return err ? err : added;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

static int do_trace(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vm",		required_argument, NULL, OPT_VM },
		{ "count",	required_argument, NULL, OPT_COUNT },
		{ "timeout",	required_argument, NULL, OPT_TIMEOUT },
		COMMON_OPTS, {}
	};
	struct kvmtrap_link_info *links = NULL;
	struct ring_buffer *rb = NULL;
	struct trace_opts o = {};
	struct sigaction sa = {};
	char name[KVMTRAP_VM_NAME_LEN], obj[64], fix[256];
	uint32_t ids[64];
	int fds[64];
	int c, n, i, nids = 0, r, err;
	uint64_t deadline = 0;

	while ((c = next_opt(argc, argv, opts)) != -1) {
		switch (c) {
		case OPT_VM:
			parse_vm_opt(optarg, &o.vm);
			o.have_vm = true;
			break;
		case OPT_COUNT:
			o.count = parse_num_opt("--count", optarg, 1,
						UINT64_MAX);
			break;
		case OPT_TIMEOUT:
			/* 2^32 seconds still fit a u64 in milliseconds */
			o.timeout = parse_num_opt("--timeout", optarg, 1,
						  UINT32_MAX);
			break;
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (!o.have_vm)
		usage_error("missing --vm");

	r = vm_name_of(&o.vm, "trace", name, sizeof(name));
	if (r)
		return r;
	snprintf(obj, sizeof(obj), "VM %s", name);
	n = get_links(name, &links);
	if (n < 0)
		return fail(KVMTRAP_OP_LINK, n, "find the links of", obj);
	for (i = 0; i < n; i++) {
		if (links[i].defunct)
			continue;
		err = add_prog_rings(links[i].prog_id, &rb, ids, fds, &nids,
				     ARRAY_SIZE(ids));
		/* A program replaced meanwhile: its successor is not ours. */
		if (err < 0 && err != -ENOENT) {
			r = fail(KVMTRAP_OP_TRACE, err, "trace", obj);
			goto out;
		}
	}
	if (!rb) {
		snprintf(fix, sizeof(fix),
			 "VM %s has no policy with a kvmtrap_events ring buffer: attach one that calls kvmtrap_emit()",
			 name);
		r = fail_fix(ENOENT, "trace", obj, fix);
		goto out;
	}

	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);	/* no SA_RESTART: poll returns */
	sigaction(SIGTERM, &sa, NULL);
	trace_max = o.count;
	if (o.timeout)
		deadline = now_ms() + o.timeout * 1000;

	r = EXIT_OK;
	while (!trace_stop) {
		int wait = 100;

		if (deadline) {
			uint64_t t = now_ms();

			if (t >= deadline)
				break;
			if (deadline - t < (uint64_t)wait)
				wait = deadline - t;
		}
		err = ring_buffer__poll(rb, wait);
		if (!print_batch())
			break;		/* --count reached */
		if (err < 0 && err != -EINTR) {
			r = fail(KVMTRAP_OP_TRACE, err, "trace", obj);
			break;
		}
	}
out:
	free(trace_batch);
	ring_buffer__free(rb);
	for (i = 0; i < nids; i++)
		close(fds[i]);
	free(links);
	return r;
}

/* ---- rule ------------------------------------------------------------- */

struct rule_opts {
	struct kvmtrap_vm_spec vm;
	bool have_vm;
	uint32_t link;			/* 0: the VM's only route_table */
};

static const char *rule_conduit_str(uint32_t conduit)
{
	return conduit == ROUTE_CONDUIT_ANY ? "any" :
	       name_or_dash(kvmtrap_conduit_name(conduit));
}

static void json_rule(const struct route_rule *r)
{
	const struct route_rule_key *k = &r->key;
	int i;

	kvmtrap_json_begin_object(&jw);
	kvmtrap_json_kv_string(&jw, "conduit", rule_conduit_str(k->conduit));
	kvmtrap_json_key(&jw, "imm");
	if (k->imm == ROUTE_IMM_ANY)
		kvmtrap_json_null(&jw);
	else
		kvmtrap_json_u64(&jw, k->imm);
	kvmtrap_json_kv_u64(&jw, "first", k->first);
	kvmtrap_json_kv_u64(&jw, "last", k->last);
	kvmtrap_json_kv_string(&jw, "verdict", verdict_str(r->val.verdict));
	kvmtrap_json_key(&jw, "ret");
	kvmtrap_json_begin_array(&jw);
	for (i = 0; i < 4; i++)
		kvmtrap_json_u64(&jw, r->val.ret[i]);
	kvmtrap_json_end_array(&jw);
	kvmtrap_json_kv_u64(&jw, "hits", r->val.hits);
	kvmtrap_json_end_object(&jw);
}

#define RULE_FMT "%-7s %5s  %-18s  %-18s  %-7s  %8s  %s\n"

static void print_rules(const struct route_rule *rules, int n)
{
	char imm[16], first[24], last[24], hits[24], ret[96];
	int i;

	printf(RULE_FMT, "CONDUIT", "IMM", "FIRST", "LAST", "VERDICT", "HITS",
	       "RET");
	for (i = 0; i < n; i++) {
		const struct route_rule_key *k = &rules[i].key;
		const struct route_rule_val *v = &rules[i].val;

		if (k->imm == ROUTE_IMM_ANY)
			snprintf(imm, sizeof(imm), "any");
		else
			snprintf(imm, sizeof(imm), "0x%x", k->imm);
		snprintf(first, sizeof(first), "0x%llx",
			 (unsigned long long)k->first);
		snprintf(last, sizeof(last), "0x%llx",
			 (unsigned long long)k->last);
		snprintf(hits, sizeof(hits), "%llu",
			 (unsigned long long)v->hits);
		if (v->verdict == KVM_TRAP_HANDLED)
			snprintf(ret, sizeof(ret), "0x%llx 0x%llx 0x%llx 0x%llx",
				 (unsigned long long)v->ret[0],
				 (unsigned long long)v->ret[1],
				 (unsigned long long)v->ret[2],
				 (unsigned long long)v->ret[3]);
		else
			snprintf(ret, sizeof(ret), "-");
		printf(RULE_FMT, rule_conduit_str(k->conduit), imm, first,
		       last, verdict_str(v->verdict), hits, ret);
	}
}

static int do_rule(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vm",		required_argument, NULL, OPT_VM },
		{ "link",	required_argument, NULL, OPT_LINK },
		COMMON_OPTS, {}
	};
	struct route_rule rule, rules[ROUTE_RULES_MAX];
	char name[KVMTRAP_VM_NAME_LEN], obj[96], what[192], desc[96];
	char err[256];
	struct rule_opts o = {};
	const char *action;
	uint32_t link = 0;
	int c, fd, r, n, i;
	bool add, del;

	while ((c = next_opt(argc, argv, opts)) != -1) {
		switch (c) {
		case OPT_VM:
			parse_vm_opt(optarg, &o.vm);
			o.have_vm = true;
			break;
		case OPT_LINK:
			o.link = parse_num_opt("--link", optarg, 1, UINT32_MAX);
			break;
		}
	}
	if (optind >= argc)
		usage_error("missing add, del or list");
	action = argv[optind++];
	add = !strcmp(action, "add");
	del = !strcmp(action, "del");
	if (!add && !del && strcmp(action, "list"))
		usage_error("unknown rule command '%s': expected add, del or list",
			    action);
	if (add || del) {
		if (kvmtrap_parse_rule(argc - optind, argv + optind, add, &rule,
				       err, sizeof(err)))
			usage_error("%s", err);
	} else if (optind < argc) {
		usage_error("unexpected argument '%s'", argv[optind]);
	}
	if (!o.have_vm)
		usage_error("missing --vm");

	r = vm_name_of(&o.vm, "edit the rules of", name, sizeof(name));
	if (r)
		return r;
	snprintf(obj, sizeof(obj), "VM %s", name);
	fd = kvmtrap_rules_open(name, o.link, &link);
	if (fd < 0) {
		if (o.link)
			snprintf(obj, sizeof(obj), "VM %s link %u", name,
				 o.link);
		return fail(KVMTRAP_OP_RULES, fd, "find the route_table rules of",
			    obj);
	}
	snprintf(obj, sizeof(obj), "VM %s link %u", name, link);

	if (add || del) {
		kvmtrap_rule_describe(&rule.key, desc, sizeof(desc));
		if (add) {
			r = kvmtrap_rule_add(fd, &rule);
			snprintf(what, sizeof(what), "add rule '%s' to", desc);
		} else {
			r = kvmtrap_rule_del(fd, &rule.key);
			snprintf(what, sizeof(what), "delete rule '%s' of",
				 desc);
		}
		if (r) {
			r = fail(add ? KVMTRAP_OP_RULE_ADD :
				 KVMTRAP_OP_RULE_DEL, r, what, obj);
			goto out;
		}
		if (json) {
			json_begin();
			kvmtrap_json_begin_object(&jw);
			kvmtrap_json_kv_string(&jw, "vm", name);
			kvmtrap_json_kv_u64(&jw, "link_id", link);
			kvmtrap_json_kv_string(&jw, "action", action);
			kvmtrap_json_key(&jw, "rule");
			json_rule(&rule);
			kvmtrap_json_end_object(&jw);
			json_end();
		} else {
			printf("%s rule %s%s%s of VM %s link %u\n",
			       add ? "added" : "deleted", desc,
			       add ? " -> " : "",
			       add ? verdict_str(rule.val.verdict) : "",
			       name, link);
		}
		r = EXIT_OK;
		goto out;
	}

	n = kvmtrap_rule_list(fd, rules, ARRAY_SIZE(rules));
	if (n < 0) {
		r = fail(KVMTRAP_OP_RULES, n, "list the rules of", obj);
		goto out;
	}
	if (n > (int)ARRAY_SIZE(rules))
		n = ARRAY_SIZE(rules);
	if (json) {
		json_begin();
		kvmtrap_json_begin_object(&jw);
		kvmtrap_json_kv_string(&jw, "vm", name);
		kvmtrap_json_kv_u64(&jw, "link_id", link);
		kvmtrap_json_key(&jw, "rules");
		kvmtrap_json_begin_array(&jw);
		for (i = 0; i < n; i++)
			json_rule(&rules[i]);
		kvmtrap_json_end_array(&jw);
		kvmtrap_json_end_object(&jw);
		json_end();
	} else if (n) {
		print_rules(rules, n);
	} else {
		printf("VM %s link %u: no rules (every call is passed on)\n",
		       name, link);
	}
	r = EXIT_OK;
out:
	close(fd);
	return r;
}

/* ---- The table of commands -------------------------------------------- */

static int do_help(int argc, char **argv);

static const struct cmd cmds[] = {
	{ "list", do_list, "",
	  "every KVM VM on the host with its kvm_trap links",
	  "List every KVM VM fd on the host (/proc/*/fd) with the kvm_trap links\n"
	  "of its VM, then the pins of VMs that are gone (kvmtrap prune).\n" },
	{ "attach", do_attach, "POLICY.bpf.o --vm PID[:FD] [--set KEY=VALUE]...",
	  "load a policy for a VM, link it and pin the link",
	  "Load the kvm_trap program of POLICY.bpf.o for the VM (its\n"
	  "\"kvmtrap_handled\" map becomes the VM's handled-call list), link it to\n"
	  "the VM after its other links and pin the link at\n"
	  KVMTRAP_BPFFS_DIR "/<vm>/link-<id>.  Nothing stays pinned if a step fails.\n"
	  "\n"
	  "  --vm PID[:FD]         fd FD of process PID (FD may be left out when the\n"
	  "                        process has one VM fd), or KVM's name PID-FD\n"
	  "  --set KEY=VALUE       set the policy's const volatile variable KEY\n"
	  "                        before loading (repeatable)\n" },
	{ "detach", do_detach, "--vm VM (--link ID | --all)",
	  "take links off a VM and unpin them",
	  "Detach a link (BPF_LINK_DETACH) of the VM, or all of them, and remove\n"
	  "their pins; the VM's directory goes with its last link pin.\n"
	  "\n"
	  "  --vm VM               PID[:FD], or KVM's name PID-FD (also of a VM\n"
	  "                        that is gone)\n"
	  "  --link ID             the link (kvmtrap status lists them)\n"
	  "  --all                 every link of the VM\n" },
	{ "prune", do_prune, "[--dry-run]",
	  "remove the pins of VMs that are gone",
	  "Remove what stays pinned under " KVMTRAP_BPFFS_DIR " after a VM is gone:\n"
	  "the defunct link pins of each such VM, its handled-call list and its\n"
	  "directory (kvmtrap list shows them as orphaned pins).  Pins of a VM that\n"
	  "exists and live links are never touched.\n"
	  "\n"
	  "  --dry-run             print what would be removed, remove nothing\n" },
	{ "replace", do_replace,
	  "--vm PID[:FD] --link ID POLICY.bpf.o [--set KEY=VALUE]...",
	  "swap the program of a link atomically",
	  "Load POLICY.bpf.o for the VM and swap it in as the program of link ID\n"
	  "(BPF_LINK_UPDATE): every call sees either the old or the new program.\n"
	  "\n"
	  "  --vm PID[:FD]         the VM\n"
	  "  --link ID             the link whose program is replaced\n"
	  "  --set KEY=VALUE       as for attach (repeatable)\n" },
	{ "status", do_status, "--vm PID[:FD]",
	  "a VM's links, verdict counters and handled-call list",
	  "Show the VM's links, its six trap_bpf_* verdict counters and its\n"
	  "handled-call list as pinned.\n"
	  "\n"
	  "  --vm PID[:FD]         the VM; KVM's name PID-FD also works, without the\n"
	  "                        counters if the VM cannot be opened\n" },
	{ "handled", do_handled, "--vm PID[:FD]",
	  "the calls a VM handles in the kernel",
	  "Rebuild the native part of the VM's handled-call list from the kernel\n"
	  "(KVM_TRAP_NATIVE_LIST) and print the list: CONDUIT IMM FIRST LAST NAME\n"
	  "ROUTE OWNER HITS.\n"
	  "\n"
	  "  --vm PID[:FD]         the VM; KVM's name PID-FD also works, from the\n"
	  "                        pinned list only if the VM cannot be opened\n" },
	{ "query", do_query,
	  "--vm PID[:FD] [--aarch32] [--vcpu N] hvc|smc [#IMM] FUNC [ARG...]",
	  "ask KVM how it would route a call",
	  "Run KVM's whole decision for a described call (KVM_TRAP_QUERY) without\n"
	  "a vCPU and without side effects: which stage decides, the verdict, the\n"
	  "link and program, the return values.  FUNC is an SMCCC name (e.g.\n"
	  "PSCI_VERSION, any case) or a number, x0; ARGs are x1..x7.  Numbers are\n"
	  "decimal or 0x hex; quote #IMM for the shell ('#0x10').\n"
	  "\n"
	  "  --vm PID[:FD]         the VM\n"
	  "  --aarch32             the caller runs AArch32\n"
	  "  --vcpu N              the vcpu_id the programs see (default 0)\n" },
	{ "test", do_test,
	  "POLICY.bpf.o [--set KEY=VALUE]... [--aarch32] [--vcpu N] hvc|smc [#IMM] FUNC [ARG...]",
	  "run a policy on a described call, without a VM",
	  "Load POLICY.bpf.o and run it once (BPF_PROG_TEST_RUN) on the context\n"
	  "KVM would give it for the described call; print its verdict and\n"
	  "ret[0..3] as a HANDLED verdict would return them (32 bits for SMC32\n"
	  "calls and AArch32 callers).\n"
	  "\n"
	  "  --set KEY=VALUE       as for attach (repeatable)\n"
	  "  --aarch32             the caller runs AArch32\n"
	  "  --vcpu N              the vcpu_id the program sees (default 0)\n" },
	{ "trace", do_trace, "--vm PID[:FD] [--count N] [--timeout SEC]",
	  "stream the decisions of a VM's policies",
	  "Print the struct kvmtrap_event records that the VM's linked programs\n"
	  "write to their \"kvmtrap_events\" ring buffers, one line each, until\n"
	  "SIGINT or SIGTERM.\n"
	  "\n"
	  "  --vm PID[:FD]         the VM (or KVM's name PID-FD)\n"
	  "  --count N             stop after N events\n"
	  "  --timeout SEC         stop after SEC seconds\n" },
	{ "rule", do_rule,
	  "add|del|list --vm PID[:FD] [--link ID] [CONDUIT [#IMM] FUNCS [VERDICT [X0..X3]]]",
	  "edit the rules of a VM's route_table policy",
	  "Add, delete or list the rules of the route_table policy linked to the\n"
	  "VM (its \"route_rules\" map).  A rule maps a call to a verdict:\n"
	  "\n"
	  "  kvmtrap rule add --vm VM CONDUIT [#IMM] FUNCS VERDICT [X0 [X1 [X2 [X3]]]]\n"
	  "  kvmtrap rule del --vm VM CONDUIT [#IMM] FUNCS\n"
	  "  kvmtrap rule list --vm VM\n"
	  "\n"
	  "CONDUIT is hvc, smc or any; #IMM the immediate, #0..#0xffff or #any\n"
	  "(left out: #0, the SMCCC calls; quote it for the shell); FUNCS a\n"
	  "function ID, FIRST..LAST (inclusive) or all, IDs as SMCCC names or\n"
	  "numbers; VERDICT pass, handled, forward, deny or undef; X0..X3 the\n"
	  "values a handled call returns (the rest 0).  Of the rules matching a\n"
	  "call the most specific decides: exact conduit before any, then exact\n"
	  "immediate before #any, then the narrower range, then the lower FIRST.\n"
	  "list shows them in that order, with the calls each decided.\n"
	  "\n"
	  "  --vm PID[:FD]         the VM (or KVM's name PID-FD)\n"
	  "  --link ID             the route_table link, when the VM has several\n" },
	{ "help", do_help, "[COMMAND]", "this help, or a command's",
	  "Print the list of commands, or the help of COMMAND.\n" },
};

static const struct cmd *find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

static void print_usage(FILE *f)
{
	size_t i;

	fputs("usage: kvmtrap [-v|--verbose] [-j|--json] [-h|--help] COMMAND [ARGS]\n"
	      "\ncommands:\n", f);
	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		fprintf(f, "  %-9s %s\n", cmds[i].name, cmds[i].summary);
	fputs("\n\"kvmtrap COMMAND --help\" shows a command's options; "
	      "see kvmtrap(8).\n"
	      "Exit status: 0 success, 1 failure, 2 bad command line.\n", f);
}

static int do_help(int argc, char **argv)
{
	static const struct option opts[] = { COMMON_OPTS, {} };
	const struct cmd *c;

	if (next_opt(argc, argv, opts) != -1)
		usage_error("unexpected option");
	if (optind >= argc) {
		print_usage(stdout);
		return EXIT_OK;
	}
	if (optind + 1 < argc)
		usage_error("unexpected argument '%s'", argv[optind + 1]);
	c = find_cmd(argv[optind]);
	if (!c)
		usage_error("unknown command '%s'", argv[optind]);
	print_cmd_help(c, stdout);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = { COMMON_OPTS, {} };
	bool help = false;
	int c;

	libbpf_set_print(print_libbpf);
	opterr = 0;
	/* "+": stop at the command, whose options are its own */
	while ((c = getopt_long(argc, argv, "+:hjv", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			help = true;
			break;
		case 'j':
			json = true;
			break;
		case 'v':
			verbose++;
			break;
		case '?':
			if (optopt)
				usage_error("unknown option '-%c'", optopt);
			usage_error("unknown option '%s'", argv[optind - 1]);
		default:
			usage_error("bad option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		if (help) {
			print_usage(stdout);
			return EXIT_OK;
		}
		usage_error("missing COMMAND");
	}
	cur_cmd = find_cmd(argv[optind]);
	if (!cur_cmd)
		usage_error("unknown command '%s'", argv[optind]);
	if (help) {
		print_cmd_help(cur_cmd, stdout);
		return EXIT_OK;
	}
	/* The command sees its name as argv[0]; optind = 0 restarts getopt. */
	argc -= optind;
	argv += optind;
	optind = 0;
	return cur_cmd->run(argc, argv);
}
