// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * main.c: the kvmtrap command line tool.  Lists the KVM VMs of the
 * host with their kvm_trap links, attaches, replaces and detaches BPF
 * policies, shows a VM's verdict counters and handled-call list, asks KVM
 * how it would route a described call, runs a policy on a described call
 * without a VM, and streams a policy's decisions.
 *
 * A table of subcommands: each has an options struct with its defaults,
 * an option table and a do_<cmd>(), in the file of its group (vm.c,
 * status.c, link.c, call.c, trace.c, rule.c); what they share is in
 * common.c, lookup.c and output.c, declared in main.h.  Every enum is
 * printed and parsed through libkvmtrap's name tables; parsing of
 * arguments is in kvmtrap_args.c (tested on the host).  One exit
 * convention: 0 success, 1 failure at run time, 2 bad command line.
 * Errors are one line on stderr naming the object, the errno and the
 * fix.  libbpf is silent unless -v.  See Documentation/kvmtrap.8.rst.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "main.h"

/*
 * How the help texts spell a call, for the architecture the tool is built
 * for (messages take the same from libkvmtrap's table, kvmtrap_arch.h).
 */
#if defined(__powerpc64__)
#define HELP_CALL	"papr FUNC [ARG...]"
#define HELP_FUNC							\
	"FUNC is a PAPR hcall name (e.g.\n"				\
	"H_RANDOM, any case) or a number, r3; ARGs are r4..r12.  Numbers are\n" \
	"decimal or 0x hex.\n"
#define HELP_AARCH32	"the caller runs with MSR[SF] = 0"
#define HELP_TEST_RET							\
	"the return registers r3..r12 as a HANDLED verdict would set them.\n"
#define HELP_RULE_CALL	"CONDUIT FUNCS"
#define HELP_RULE							\
	"CONDUIT is papr or any; FUNCS an hcall number, FIRST..LAST\n"	\
	"(inclusive) or all, as PAPR names or numbers; VERDICT pass, handled,\n" \
	"forward, deny or undef; X0..X3 the values a handled hcall returns in\n" \
	"r3..r6 (the rest 0).  Of the rules matching a"
#else
#define HELP_CALL	"hvc|smc [#IMM] FUNC [ARG...]"
#define HELP_FUNC							\
	"FUNC is an SMCCC name (e.g.\n"					\
	"PSCI_VERSION, any case) or a number, x0; ARGs are x1..x7.  Numbers are\n" \
	"decimal or 0x hex; quote #IMM for the shell ('#0x10').\n"
#define HELP_AARCH32	"the caller runs AArch32"
#define HELP_TEST_RET							\
	"ret[0..3] as a HANDLED verdict would return them (32 bits for SMC32\n" \
	"calls and AArch32 callers).\n"
#define HELP_RULE_CALL	"CONDUIT [#IMM] FUNCS"
#define HELP_RULE							\
	"CONDUIT is hvc, smc or any; #IMM the immediate, #0..#0xffff or #any\n" \
	"(left out: #0, the SMCCC calls; quote it for the shell); FUNCS a\n" \
	"function ID, FIRST..LAST (inclusive) or all, IDs as SMCCC names or\n" \
	"numbers; VERDICT pass, handled, forward, deny or undef; X0..X3 the\n" \
	"values a handled call returns (the rest 0).  Of the rules matching a"
#endif

/* Global options: before the command or among its options. */
int verbose;
bool json;

const struct cmd *cur_cmd;	/* for usage errors and --help */

static int print_libbpf(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	/* -v: warnings and the verifier log; -vv: libbpf's debug chatter */
	if (!verbose || (level == LIBBPF_DEBUG && verbose < 2))
		return 0;
	return vfprintf(stderr, fmt, ap);
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
	  "--vm PID[:FD] [--aarch32] [--vcpu N] " HELP_CALL,
	  "ask KVM how it would route a call",
	  "Run KVM's whole decision for a described call (KVM_TRAP_QUERY) without\n"
	  "a vCPU and without side effects: which stage decides, the verdict, the\n"
	  "link and program, the return values.  " HELP_FUNC
	  "\n"
	  "  --vm PID[:FD]         the VM\n"
	  "  --aarch32             " HELP_AARCH32 "\n"
	  "  --vcpu N              the vcpu_id the programs see (default 0)\n" },
	{ "test", do_test,
	  "POLICY.bpf.o [--set KEY=VALUE]... [--aarch32] [--vcpu N] " HELP_CALL,
	  "run a policy on a described call, without a VM",
	  "Load POLICY.bpf.o and run it once (BPF_PROG_TEST_RUN) on the context\n"
	  "KVM would give it for the described call; print its verdict and\n"
	  HELP_TEST_RET
	  "\n"
	  "  --set KEY=VALUE       as for attach (repeatable)\n"
	  "  --aarch32             " HELP_AARCH32 "\n"
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
	  "add|del|list --vm PID[:FD] [--link ID] [" HELP_RULE_CALL " [VERDICT [X0..X3]]]",
	  "edit the rules of a VM's route_table policy",
	  "Add, delete or list the rules of the route_table policy linked to the\n"
	  "VM (its \"route_rules\" map).  A rule maps a call to a verdict:\n"
	  "\n"
	  "  kvmtrap rule add --vm VM " HELP_RULE_CALL " VERDICT [X0 [X1 [X2 [X3]]]]\n"
	  "  kvmtrap rule del --vm VM " HELP_RULE_CALL "\n"
	  "  kvmtrap rule list --vm VM\n"
	  "\n"
	  HELP_RULE "\n"
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

void print_usage(FILE *f)
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
