/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * kvmtrap_args.h: the pure C helpers of the kvmtrap CLI: parsing its
 * arguments (--vm, --set, the description of a call, numbers), building
 * the context of "kvmtrap test" as KVM builds it for a trapped call, the
 * hints of its error messages, and a small JSON writer.
 *
 * No libbpf and no system calls here: the host unit tests
 * (selftests/host/test_cli_args.c) build this file with the host compiler.
 * Parsers return 0 or a negative errno and, on failure, write the reason
 * for the user into @err (one line, no trailing newline).
 */
#ifndef __KVMTRAP_ARGS_H
#define __KVMTRAP_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/kvm_trap.h>

#include "libkvmtrap.h"

/* ---- Numbers ---------------------------------------------------------- */


/*
 * The number of option @opt ("--link"), from @min to @max, with the
 * user's error "bad --link 'x': expected a number from 1 to 4294967295".
 */
int kvmtrap_parse_opt_u64(const char *opt, const char *s, uint64_t min,
			  uint64_t max, uint64_t *v, char *err, size_t errlen);

/* ---- --vm PID[:FD] | NAME --------------------------------------------- */

enum kvmtrap_vm_spec_kind {
	KVMTRAP_VM_PID = 1,	/* "1234": the process's only VM fd */
	KVMTRAP_VM_PID_FD,	/* "1234:7": fd 7 of process 1234 */
	KVMTRAP_VM_NAME,	/* "1234-7": KVM's name of the VM */
};

struct kvmtrap_vm_spec {
	enum kvmtrap_vm_spec_kind kind;
	int pid;		/* PID, or the creator's pid of a NAME */
	int fd;			/* FD, the fd of a NAME, -1 for a bare PID */
	char name[KVMTRAP_VM_NAME_LEN];	/* NAME only, else "" */
};

int kvmtrap_parse_vm(const char *s, struct kvmtrap_vm_spec *spec,
		     char *err, size_t errlen);

/*
 * How messages name the VM before it is open, as the user wrote it:
 * "VM 1234:7", "VM 1234-7" or "the VM of process 1234".
 */
void kvmtrap_vm_spec_describe(const struct kvmtrap_vm_spec *spec, char *buf,
			      size_t len);

/* ---- --set KEY=VALUE -------------------------------------------------- */

#define KVMTRAP_SET_KEY_MAX	128

struct kvmtrap_setting {
	char key[KVMTRAP_SET_KEY_MAX];	/* a C identifier */
	const char *value;		/* points into the argument; may be "" */
};

int kvmtrap_parse_set(const char *arg, struct kvmtrap_setting *set,
		      char *err, size_t errlen);

/* ---- The call: hvc|smc [#IMM] FUNC [ARG...] --------------------------- */

/* The most of any architecture (POWER's r4..r12); arm64 takes x1..x7. */
#define KVMTRAP_CALL_MAX_ARGS	9

struct kvmtrap_call {
	uint32_t conduit;		/* KVM_TRAP_CONDUIT_* */
	uint32_t imm;			/* 0..0xffff (arm64) */
	uint64_t func_id;		/* x0, r3 */
	unsigned int nr_args;
	uint64_t args[KVMTRAP_CALL_MAX_ARGS];	/* x1..x7, r4..r12; the rest 0 */
};

/* @argv[0..@argc-1]: the words of the call, as on the command line. */
int kvmtrap_parse_call(int argc, char *const argv[], struct kvmtrap_call *call,
		       char *err, size_t errlen);

/*
 * Whether a caller (AArch32 when @aarch32) can make @call at all: an
 * AArch32 SMC has no immediate (its ISS holds only the condition), so an
 * immediate other than 0 is refused with the user's message.
 */
int kvmtrap_check_call(const struct kvmtrap_call *call, bool aarch32,
		       char *err, size_t errlen);

/*
 * The context KVM gives the programs when a vCPU (AArch32 when @aarch32)
 * makes @call: flags AARCH32 and SMC32 (immediate 0 and bit 30 of x0
 * clear), func_id w0 for an SMCCC call and x0 (narrowed) with an
 * immediate, x1..x7 narrowed to 32 bits for 32-bit callers, ret[] preset
 * to { NOT_SUPPORTED, 0, ... } (kvm_arm_trap_fill_ctx()).  -EINVAL, and
 * @ctx untouched, for a call kvmtrap_check_call() refuses.
 */
int kvmtrap_call_ctx(const struct kvmtrap_call *call, bool aarch32,
		     uint32_t vcpu_id, struct kvm_trap_ctx *ctx);


/* KVM_TRAP_QUERY's in-fields for @call; the out-fields are zeroed. */
void kvmtrap_call_query(const struct kvmtrap_call *call, bool aarch32,
			uint32_t vcpu_id, struct kvm_trap_query *q);

/*
 * True when KVM never offers @call to programs: an SMCCC call (immediate
 * 0) of the architecture service range, 0x8000xxxx and 0xc000xxxx.
 */
bool kvmtrap_call_is_arch_range(const struct kvmtrap_call *call);

/*
 * "hvc PSCI_VERSION (0x84000000)", "smc #0x10 0x1234": how output and
 * messages show a call (conduit, immediate when not 0, function).
 */
void kvmtrap_call_describe(uint32_t conduit, uint32_t imm, uint64_t func_id,
			   char *buf, size_t len);

/*
 * The name of a handled-call list entry: the function's name when
 * @first == @last, "A..B" for a range whose ends both have names, and
 * "A..0xLAST" when only the first has one.  Returns false (and "-" in
 * @buf) when there is none.
 */
bool kvmtrap_range_name(uint64_t first, uint64_t last, char *buf, size_t len);

/* ---- kvmtrap rule: CONDUIT [#IMM] FUNCS [VERDICT [X0 [X1 [X2 [X3]]]]] ---- */

/* ---- Error messages --------------------------------------------------- */

/* What failed, to choose the fix a message suggests. */
enum kvmtrap_op {
	KVMTRAP_OP_OPEN_VM,	/* kvmtrap_vm_open_pid() */
	KVMTRAP_OP_OPEN_POLICY,	/* kvmtrap_policy_open() */
	KVMTRAP_OP_SET,		/* kvmtrap_policy_set() */
	KVMTRAP_OP_LOAD,	/* kvmtrap_policy_load() */
	KVMTRAP_OP_ATTACH,	/* kvmtrap_policy_attach() */
	KVMTRAP_OP_PIN,		/* kvmtrap_pin() */
	KVMTRAP_OP_LINK,	/* a link by ID: kvmtrap_link_fd(), _links() */
	KVMTRAP_OP_DETACH,	/* kvmtrap_detach(), kvmtrap_unpin() */
	KVMTRAP_OP_REPLACE,	/* kvmtrap_replace() */
	KVMTRAP_OP_STATS,	/* kvmtrap_vm_stats() */
	KVMTRAP_OP_HANDLED,	/* kvmtrap_handled_open(), _read() */
	KVMTRAP_OP_QUERY,	/* kvmtrap_query() */
	KVMTRAP_OP_TEST,	/* kvmtrap_policy_test() */
	KVMTRAP_OP_TRACE,	/* the ring buffers of "kvmtrap trace" */
	KVMTRAP_OP_LIST,	/* kvmtrap_list_vms(), kvmtrap_links() */
	KVMTRAP_OP_RULES,	/* kvmtrap_rules_open() */
	KVMTRAP_OP_RULE_ADD,	/* kvmtrap_rule_add() */
	KVMTRAP_OP_RULE_DEL,	/* kvmtrap_rule_del() */
	KVMTRAP_OP_PRUNE,	/* kvmtrap_prune() */
};

/*
 * The fix to suggest when @op failed with errno @err (either sign).
 * Never NULL.
 */
const char *kvmtrap_hint(enum kvmtrap_op op, int err);

/* strerror() of @err (either sign), also for the kernel's ENOTSUPP (524). */
const char *kvmtrap_strerror(int err);

/*
 * The CLI's one-line error: "kvmtrap: <what> <object>: <strerror>: <fix>",
 * without a newline.  Returns what snprintf() returns.
 */
int kvmtrap_format_error(char *buf, size_t len, const char *what,
			 const char *object, int err, const char *fix);

/* ---- JSON ------------------------------------------------------------- */

#define KVMTRAP_JSON_DEPTH	16

/*
 * A compact JSON writer: values are separated by commas as they come, keys
 * go before values inside objects.  Integers are written as unsigned
 * decimal; strings are escaped (control characters as \u00XX, bytes that
 * are not UTF-8 as U+FFFD).
 */
struct kvmtrap_json {
	FILE *f;
	int depth;
	bool first[KVMTRAP_JSON_DEPTH];	/* no value yet at that depth */
	bool after_key;
};

void kvmtrap_json_init(struct kvmtrap_json *j, FILE *f);
void kvmtrap_json_begin_object(struct kvmtrap_json *j);
void kvmtrap_json_end_object(struct kvmtrap_json *j);
void kvmtrap_json_begin_array(struct kvmtrap_json *j);
void kvmtrap_json_end_array(struct kvmtrap_json *j);
void kvmtrap_json_key(struct kvmtrap_json *j, const char *key);
/* NULL is written as null */
void kvmtrap_json_string(struct kvmtrap_json *j, const char *s);
void kvmtrap_json_u64(struct kvmtrap_json *j, uint64_t v);
void kvmtrap_json_bool(struct kvmtrap_json *j, bool v);
void kvmtrap_json_null(struct kvmtrap_json *j);

/* key and value in one */
void kvmtrap_json_kv_string(struct kvmtrap_json *j, const char *key,
			    const char *s);
void kvmtrap_json_kv_u64(struct kvmtrap_json *j, const char *key, uint64_t v);
void kvmtrap_json_kv_bool(struct kvmtrap_json *j, const char *key, bool v);

#endif /* __KVMTRAP_ARGS_H */
