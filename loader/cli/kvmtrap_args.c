// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * kvmtrap_args.c: the pure C helpers of the kvmtrap CLI (see
 * kvmtrap_args.h): argument parsing, the "kvmtrap test" context, error
 * hints and the JSON writer.
 *
 * Kept apart from the commands so that the host unit tests can build and
 * check it without libbpf or a VM: what a user can type and what the CLI
 * makes of it is decided here.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kvmtrap_arch.h"
#include "kvmtrap_args.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

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

/* ---- Numbers ---------------------------------------------------------- */

int kvmtrap_parse_opt_u64(const char *opt, const char *s, uint64_t min,
			  uint64_t max, uint64_t *v, char *err, size_t errlen)
{
	uint64_t n;

	if (kvmtrap_parse_u64(s, max, &n) || n < min) {
		set_err(err, errlen,
			"bad %s '%s': expected a number from %llu to %llu",
			opt, s ? s : "", (unsigned long long)min,
			(unsigned long long)max);
		return -EINVAL;
	}
	*v = n;
	return 0;
}

/* ---- --vm ------------------------------------------------------------- */

#define VM_FORMS "give PID, PID:FD or the VM's name PID-FD"

/* Pids and fds are decimal everywhere (/proc, KVM's names): only that. */
static int parse_dec(const char *s, uint64_t max, uint64_t *v)
{
	const char *p;

	for (p = s; *p; p++)
		if (*p < '0' || *p > '9')
			return -EINVAL;
	return kvmtrap_parse_u64(s, max, v);
}

int kvmtrap_parse_vm(const char *s, struct kvmtrap_vm_spec *spec,
		     char *err, size_t errlen)
{
	char pid_s[24];
	const char *sep;
	uint64_t pid, fd;
	size_t n;
	int r;

	memset(spec, 0, sizeof(*spec));
	spec->fd = -1;
	if (!s || !*s) {
		set_err(err, errlen, "empty --vm: " VM_FORMS);
		return -EINVAL;
	}
	sep = s + strcspn(s, ":-");
	n = sep - s;
	if (n == 0 || n >= sizeof(pid_s)) {
		set_err(err, errlen, "bad --vm '%s': " VM_FORMS, s);
		return -EINVAL;
	}
	memcpy(pid_s, s, n);
	pid_s[n] = '\0';
	r = parse_dec(pid_s, INT_MAX, &pid);
	if (r == -ERANGE || (!r && pid == 0)) {
		set_err(err, errlen, "bad --vm '%s': PID must be from 1 to %d",
			s, INT_MAX);
		return -EINVAL;
	}
	if (r) {
		set_err(err, errlen, "bad --vm '%s': " VM_FORMS, s);
		return -EINVAL;
	}
	spec->pid = pid;
	if (!*sep) {
		spec->kind = KVMTRAP_VM_PID;
		return 0;
	}

	r = parse_dec(sep + 1, INT_MAX, &fd);
	if (r == -ERANGE) {
		set_err(err, errlen, "bad --vm '%s': FD must be from 0 to %d",
			s, INT_MAX);
		return -EINVAL;
	}
	if (r) {
		set_err(err, errlen, "bad --vm '%s': " VM_FORMS, s);
		return -EINVAL;
	}
	spec->fd = fd;
	if (*sep == ':') {
		spec->kind = KVMTRAP_VM_PID_FD;
	} else {
		spec->kind = KVMTRAP_VM_NAME;
		snprintf(spec->name, sizeof(spec->name), "%d-%d", spec->pid,
			 spec->fd);
	}
	return 0;
}

void kvmtrap_vm_spec_describe(const struct kvmtrap_vm_spec *spec, char *buf,
			      size_t len)
{
	switch (spec->kind) {
	case KVMTRAP_VM_PID_FD:
		snprintf(buf, len, "VM %d:%d", spec->pid, spec->fd);
		break;
	case KVMTRAP_VM_NAME:
		snprintf(buf, len, "VM %s", spec->name);
		break;
	default:
		snprintf(buf, len, "the VM of process %d", spec->pid);
		break;
	}
}

/* ---- --set ------------------------------------------------------------ */

int kvmtrap_parse_set(const char *arg, struct kvmtrap_setting *set,
		      char *err, size_t errlen)
{
	const char *eq;
	size_t n, i;

	memset(set, 0, sizeof(*set));
	eq = arg ? strchr(arg, '=') : NULL;
	if (!eq) {
		set_err(err, errlen, "bad --set '%s': expected KEY=VALUE",
			arg ? arg : "");
		return -EINVAL;
	}
	n = eq - arg;
	if (n == 0) {
		set_err(err, errlen, "bad --set '%s': KEY is empty", arg);
		return -EINVAL;
	}
	if (n >= sizeof(set->key)) {
		set_err(err, errlen,
			"bad --set '%.*s...': KEY is longer than %zu characters",
			32, arg, sizeof(set->key) - 1);
		return -EINVAL;
	}
	/* Keys are the policy's global variables: C identifiers. */
	for (i = 0; i < n; i++) {
		char c = arg[i];
		bool ok = c == '_' || (c >= 'a' && c <= 'z') ||
			  (c >= 'A' && c <= 'Z') || (i && c >= '0' && c <= '9');

		if (!ok) {
			set_err(err, errlen,
				"bad --set '%s': KEY must be a C identifier",
				arg);
			return -EINVAL;
		}
	}
	memcpy(set->key, arg, n);
	set->key[n] = '\0';
	set->value = eq + 1;
	return 0;
}

/* ---- The call --------------------------------------------------------- */

/* After the conduits of the architecture ("hvc|smc") */
#define CALL_FORM "%s [#IMM] FUNC [ARG...]"

int kvmtrap_parse_call(int argc, char *const argv[], struct kvmtrap_call *call,
		       char *err, size_t errlen)
{
	uint64_t v;
	int i = 0, r;

	memset(call, 0, sizeof(*call));
	if (argc < 1) {
		set_err(err, errlen, "missing the call: " CALL_FORM,
			KVMTRAP_ARCH->conduit_alts);
		return -EINVAL;
	}
	r = kvmtrap_conduit_parse(argv[i], &call->conduit);
	if (r || !kvmtrap_arch_conduit(call->conduit)) {
		set_err(err, errlen, "bad conduit '%s': expected %s",
			argv[i], KVMTRAP_ARCH->conduit_list);
		return -EINVAL;
	}
	i++;

	if (i < argc && argv[i][0] == '#' && !KVMTRAP_ARCH->imm_max) {
		set_err(err, errlen, "bad immediate '%s': %s calls have none",
			argv[i], KVMTRAP_ARCH->conduit_alts);
		return -EINVAL;
	}
	if (i < argc && argv[i][0] == '#') {
		r = kvmtrap_parse_u64(argv[i] + 1, KVMTRAP_ARCH->imm_max, &v);
		if (r) {
			set_err(err, errlen,
				"bad immediate '%s': expected #0 to #0x%x (decimal or 0x hex)",
				argv[i], KVMTRAP_ARCH->imm_max);
			return -EINVAL;
		}
		call->imm = v;
		i++;
	}

	if (i >= argc) {
		set_err(err, errlen, "missing FUNC after '%s': " CALL_FORM,
			argv[i - 1], KVMTRAP_ARCH->conduit_alts);
		return -EINVAL;
	}
	r = kvmtrap_func_parse(argv[i], &call->func_id);
	if (r == -ERANGE) {
		set_err(err, errlen,
			"bad function '%s': above 0xffffffffffffffff",
			argv[i]);
		return -EINVAL;
	}
	if (r) {
		set_err(err, errlen,
			"bad function '%s': expected %s or a number",
			argv[i], KVMTRAP_ARCH->func_what);
		return -EINVAL;
	}
	i++;

	if (argc - i > (int)KVMTRAP_ARCH->nr_args) {
		set_err(err, errlen, "too many arguments: at most %u (%s)",
			KVMTRAP_ARCH->nr_args, KVMTRAP_ARCH->arg_regs);
		return -EINVAL;
	}
	for (; i < argc; i++) {
		r = kvmtrap_parse_u64(argv[i], UINT64_MAX, &v);
		if (r == -ERANGE) {
			set_err(err, errlen,
				"bad argument '%s': above 0xffffffffffffffff",
				argv[i]);
			return -EINVAL;
		}
		if (r) {
			set_err(err, errlen,
				"bad argument '%s': expected a number (decimal or 0x hex)",
				argv[i]);
			return -EINVAL;
		}
		call->args[call->nr_args++] = v;
	}
	return 0;
}

int kvmtrap_check_call(const struct kvmtrap_call *call, bool aarch32,
		       char *err, size_t errlen)
{
	if (aarch32 && call->conduit == KVM_TRAP_CONDUIT_SMC && call->imm) {
		set_err(err, errlen,
			"bad immediate '#0x%x' for an AArch32 smc: an AArch32 SMC has no immediate (KVM always sees #0): leave the immediate out, or describe an hvc",
			call->imm);
		return -EINVAL;
	}
	return 0;
}

int kvmtrap_call_ctx(const struct kvmtrap_call *call, bool aarch32,
		     uint32_t vcpu_id, struct kvm_trap_ctx *ctx)
{
	struct kvm_trap_query q;

	kvmtrap_call_query(call, aarch32, vcpu_id, &q);
	return kvmtrap_ctx_from_call(&q, ctx);
}

void kvmtrap_call_query(const struct kvmtrap_call *call, bool aarch32,
			uint32_t vcpu_id, struct kvm_trap_query *q)
{
	int i;

	memset(q, 0, sizeof(*q));
	q->conduit = call->conduit;
	q->flags = aarch32 ? KVM_TRAP_QUERY_AARCH32 : 0;
	q->imm = call->imm;
	q->vcpu_id = vcpu_id;
	/* The registers as the guest has them: KVM does the narrowing. */
	q->regs[0] = call->func_id;
	for (i = 0; i < KVMTRAP_CALL_MAX_ARGS; i++)
		q->regs[i + 1] = call->args[i];
}

bool kvmtrap_call_is_arch_range(const struct kvmtrap_call *call)
{
	return KVMTRAP_ARCH->is_arch_range(call->imm, call->func_id);
}

void kvmtrap_call_describe(uint32_t conduit, uint32_t imm, uint64_t func_id,
			   char *buf, size_t len)
{
	const char *cname = kvmtrap_conduit_name(conduit);
	const char *fname = kvmtrap_func_name(func_id);
	char cbuf[24], ibuf[16] = "";

	if (!cname) {
		snprintf(cbuf, sizeof(cbuf), "conduit %u", conduit);
		cname = cbuf;
	}
	if (imm)
		snprintf(ibuf, sizeof(ibuf), " #0x%x", imm);
	if (fname)
		snprintf(buf, len, "%s%s %s (0x%llx)", cname, ibuf, fname,
			 (unsigned long long)func_id);
	else
		snprintf(buf, len, "%s%s 0x%llx", cname, ibuf,
			 (unsigned long long)func_id);
}

bool kvmtrap_range_name(uint64_t first, uint64_t last, char *buf, size_t len)
{
	const char *a = kvmtrap_func_name(first);
	const char *b = kvmtrap_func_name(last);

	if (first == last && a) {
		snprintf(buf, len, "%s", a);
		return true;
	}
	if (first != last && a && b) {
		snprintf(buf, len, "%s..%s", a, b);
		return true;
	}
	/* KVM's ranges often start at a named call and end past the table. */
	if (first != last && a) {
		snprintf(buf, len, "%s..0x%llx", a, (unsigned long long)last);
		return true;
	}
	snprintf(buf, len, "-");
	return false;
}

/* ---- Error messages --------------------------------------------------- */

struct hint {
	int op;				/* enum kvmtrap_op or ANY_OP */
	int err;
	const char *fix;
};

#define ANY_OP (-1)

#define HINT_CAP \
	"the kernel lacks KVM_CAP_TRAP_BPF: boot a kernel built with CONFIG_KVM_TRAP_BPF"
#define HINT_ROOT \
	"run as root (BPF needs CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN)"
#define HINT_LIST "kvmtrap list shows the VMs and their fds"
#define HINT_BPFFS "mount bpffs: mount -t bpf bpf /sys/fs/bpf"

/* First match wins: the specific entries come before the ANY_OP ones. */
static const struct hint hints[] = {
	{ KVMTRAP_OP_OPEN_VM, ESRCH, "no process with that pid: " HINT_LIST },
	{ KVMTRAP_OP_OPEN_VM, EPERM,
	  "run as the VMM's user or with CAP_SYS_PTRACE" },
	{ KVMTRAP_OP_OPEN_VM, EACCES,
	  "run as the VMM's user or with CAP_SYS_PTRACE, with access to /dev/kvm" },
	{ KVMTRAP_OP_OPEN_VM, ENOENT,
	  "the process has no KVM VM fd: " HINT_LIST },
	{ KVMTRAP_OP_OPEN_VM, EEXIST,
	  "the process has several VM fds: give one as --vm PID:FD (" HINT_LIST ")" },
	{ KVMTRAP_OP_OPEN_VM, EBADF, "the process has no such fd: " HINT_LIST },
	{ KVMTRAP_OP_OPEN_VM, ENOTTY, "that fd is not a KVM VM: " HINT_LIST },
	{ KVMTRAP_OP_OPEN_VM, ENOSYS,
	  "the kernel lacks pidfd_getfd(): Linux 5.6 or later is needed" },

	{ KVMTRAP_OP_OPEN_POLICY, ENOENT, "check the path of the BPF object" },
	{ KVMTRAP_OP_OPEN_POLICY, EACCES, "check the permissions of the file" },
	{ KVMTRAP_OP_OPEN_POLICY, EINVAL,
	  "not a BPF ELF object: build the policy with clang -target bpf" },
	{ KVMTRAP_OP_OPEN_POLICY, ENOEXEC,
	  "the object has no kvm_trap program: a policy needs exactly one SEC(\"kvm_trap\") program" },

	{ KVMTRAP_OP_SET, ENOENT,
	  "the policy has no such const volatile variable: bpftool btf dump file POLICY.bpf.o lists them" },
	{ KVMTRAP_OP_SET, EINVAL,
	  "the value does not parse or does not fit the variable's type" },

	{ KVMTRAP_OP_LOAD, EACCES,
	  "the verifier rejected the policy: rerun with -v for the verifier log" },
	{ KVMTRAP_OP_LOAD, EINVAL,
	  "the verifier rejected the policy: rerun with -v for the verifier log" },
	/* loading for a VM builds its handled-call list from the kernel's */
	{ KVMTRAP_OP_LOAD, ENOTTY,
	  "the kernel lacks KVM_TRAP_NATIVE_LIST: boot a kernel with kvmtrap's handled-call list" },

	{ KVMTRAP_OP_ATTACH, E2BIG,
	  "the VM has as many links as KVM_CAP_TRAP_BPF allows: detach one (kvmtrap detach --vm VM --link ID)" },
	{ KVMTRAP_OP_ATTACH, EBADF, "the VM is gone: " HINT_LIST },
	{ KVMTRAP_OP_ATTACH, EINVAL,
	  "the fd is not a KVM VM or the program is not a kvm_trap program" },

	{ KVMTRAP_OP_PIN, EEXIST,
	  "a stale pin of that link ID is in the way: remove it with rm" },
	{ KVMTRAP_OP_PIN, ENOENT, HINT_BPFFS },
	{ KVMTRAP_OP_PIN, ENODEV, HINT_BPFFS },

	{ KVMTRAP_OP_LINK, ENOENT,
	  "no such link: kvmtrap status --vm VM lists the VM's links" },

	{ KVMTRAP_OP_DETACH, ENOENT,
	  "no such link: kvmtrap status --vm VM lists the VM's links" },

	{ KVMTRAP_OP_REPLACE, EPERM,
	  "the link's program changed meanwhile: run kvmtrap replace again" },
	{ KVMTRAP_OP_REPLACE, ENOLINK,
	  "the link is defunct (detached, or its VM is gone): attach the policy as a new link" },
	{ KVMTRAP_OP_REPLACE, EINVAL,
	  "the new program is not a kvm_trap program" },

	{ KVMTRAP_OP_STATS, ENOENT,
	  "the VM has no trap_bpf_* statistics: boot a kernel built with CONFIG_KVM_TRAP_BPF" },

	{ KVMTRAP_OP_HANDLED, ENOTTY,
	  "the kernel lacks KVM_TRAP_NATIVE_LIST: boot a kernel with kvmtrap's handled-call list" },
	{ KVMTRAP_OP_HANDLED, ENOENT,
	  "the VM has no handled-call list pinned: kvmtrap handled --vm PID[:FD] creates it" },

	{ KVMTRAP_OP_QUERY, ENOTTY,
	  "the kernel lacks KVM_TRAP_QUERY: boot a kernel with kvmtrap's query" },
	{ KVMTRAP_OP_QUERY, EINVAL,
	  "KVM refused the described call: check the conduit, immediate and --vcpu" },

	{ KVMTRAP_OP_TEST, EINVAL,
	  "the kernel refused the context: check the conduit and flags" },
	{ KVMTRAP_OP_TEST, 524 /* ENOTSUPP */,
	  "the kernel cannot test-run kvm_trap programs: boot a kernel built with CONFIG_KVM_TRAP_BPF" },

	{ KVMTRAP_OP_TRACE, ENOENT,
	  "the VM has no policy with a kvmtrap_events ring buffer: attach one that calls kvmtrap_emit()" },

	{ KVMTRAP_OP_RULES, ENOENT,
	  "the VM has no route_table policy: kvmtrap attach /usr/lib/kvmtrap/policies/route_table.bpf.o --vm VM" },
	{ KVMTRAP_OP_RULES, EEXIST,
	  "the VM has several route_table policies: choose one with --link ID (kvmtrap status --vm VM lists them)" },
	{ KVMTRAP_OP_RULES, ESRCH,
	  "no such link of the VM: kvmtrap status --vm VM lists the VM's links" },
	{ KVMTRAP_OP_RULE_ADD, EEXIST,
	  "a rule with that conduit, immediate and range is there: delete it first (kvmtrap rule del)" },
	{ KVMTRAP_OP_RULE_ADD, ENOSPC,
	  "the table is full (64 rules): delete one first (kvmtrap rule del)" },
	{ KVMTRAP_OP_RULE_ADD, EINVAL,
	  "the policy refused the rule: see kvmtrap rule --help" },
	{ KVMTRAP_OP_RULE_DEL, ENOENT,
	  "no rule with that conduit, immediate and range: kvmtrap rule list --vm VM shows them" },

	{ KVMTRAP_OP_PRUNE, ENOTEMPTY,
	  "a pin in it could not be removed (see above); run kvmtrap prune again once it is fixed" },
	{ KVMTRAP_OP_PRUNE, EBUSY,
	  "the pin is in use: run kvmtrap prune again" },

	{ ANY_OP, EOPNOTSUPP, HINT_CAP },
	/* kvm_vm_ioctl(): only the VM's own process, and not while it dies */
	{ ANY_OP, EIO,
	  "KVM takes this VM's ioctls only from the process that created it, and not while the VM is being destroyed" },
	{ ANY_OP, EPERM, HINT_ROOT },
	{ ANY_OP, EACCES, HINT_ROOT },
	{ ANY_OP, ENOMEM,
	  "out of memory: free some, or raise the memory cgroup limit" },
	{ ANY_OP, EMFILE, "too many open files: raise the limit (ulimit -n)" },
};

const char *kvmtrap_hint(enum kvmtrap_op op, int err)
{
	size_t i;

	if (err < 0)
		err = -err;
	for (i = 0; i < ARRAY_SIZE(hints); i++)
		if ((hints[i].op == (int)op || hints[i].op == ANY_OP) &&
		    hints[i].err == err)
			return hints[i].fix;
	return "rerun with -v for libbpf's messages";
}

const char *kvmtrap_strerror(int err)
{
	if (err < 0)
		err = -err;
	/* The kernel's internal ENOTSUPP leaks out of some bpf() commands. */
	if (err == 524)
		return "Operation not supported (ENOTSUPP)";
	return strerror(err);
}

int kvmtrap_format_error(char *buf, size_t len, const char *what,
			 const char *object, int err, const char *fix)
{
	return snprintf(buf, len, "kvmtrap: %s %s: %s: %s", what, object,
			kvmtrap_strerror(err), fix);
}

/* ---- JSON ------------------------------------------------------------- */

void kvmtrap_json_init(struct kvmtrap_json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->first[0] = true;
}

/* Before every value and key: a comma unless it is the first one. */
static void json_sep(struct kvmtrap_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
}

static void json_open(struct kvmtrap_json *j, char c)
{
	json_sep(j);
	fputc(c, j->f);
	/* Deeper than anything the CLI writes: stays valid, only uglier. */
	if (j->depth < KVMTRAP_JSON_DEPTH - 1)
		j->depth++;
	j->first[j->depth] = true;
}

static void json_close(struct kvmtrap_json *j, char c)
{
	fputc(c, j->f);
	if (j->depth > 0)
		j->depth--;
}

void kvmtrap_json_begin_object(struct kvmtrap_json *j)
{
	json_open(j, '{');
}

void kvmtrap_json_end_object(struct kvmtrap_json *j)
{
	json_close(j, '}');
}

void kvmtrap_json_begin_array(struct kvmtrap_json *j)
{
	json_open(j, '[');
}

void kvmtrap_json_end_array(struct kvmtrap_json *j)
{
	json_close(j, ']');
}

/* Length of the valid UTF-8 sequence at @s, 0 if it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates and beyond U+10FFFF are not UTF-8 */
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
	    (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static void json_quote(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', f);
	while (*s) {
		size_t n;

		switch (*s) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		default:
			if (*s < 0x20 || *s == 0x7f) {
				fprintf(f, "\\u%04x", *s);
				break;
			}
			n = utf8_len(s);
			if (!n) {
				/* e.g. a process name cut inside a character */
				fputs("\\ufffd", f);
				break;
			}
			fwrite(s, 1, n, f);
			s += n;
			continue;
		}
		s++;
	}
	fputc('"', f);
}

void kvmtrap_json_key(struct kvmtrap_json *j, const char *key)
{
	json_sep(j);
	json_quote(j->f, key);
	fputc(':', j->f);
	j->after_key = true;
}

void kvmtrap_json_string(struct kvmtrap_json *j, const char *s)
{
	json_sep(j);
	if (s)
		json_quote(j->f, s);
	else
		fputs("null", j->f);
}

void kvmtrap_json_u64(struct kvmtrap_json *j, uint64_t v)
{
	json_sep(j);
	fprintf(j->f, "%llu", (unsigned long long)v);
}

void kvmtrap_json_bool(struct kvmtrap_json *j, bool v)
{
	json_sep(j);
	fputs(v ? "true" : "false", j->f);
}

void kvmtrap_json_null(struct kvmtrap_json *j)
{
	json_sep(j);
	fputs("null", j->f);
}

void kvmtrap_json_kv_string(struct kvmtrap_json *j, const char *key,
			    const char *s)
{
	kvmtrap_json_key(j, key);
	kvmtrap_json_string(j, s);
}

void kvmtrap_json_kv_u64(struct kvmtrap_json *j, const char *key, uint64_t v)
{
	kvmtrap_json_key(j, key);
	kvmtrap_json_u64(j, v);
}

void kvmtrap_json_kv_bool(struct kvmtrap_json *j, const char *key, bool v)
{
	kvmtrap_json_key(j, key);
	kvmtrap_json_bool(j, v);
}
