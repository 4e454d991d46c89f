// SPDX-License-Identifier: GPL-2.0
/*
 * test_cli_args.c: host unit tests of loader/cli/kvmtrap_args.c, the pure C
 * part of the kvmtrap CLI: what it accepts on the command line (numbers,
 * --vm, --set, the description of a call) with the exact error for each
 * bad input, the rules of "kvmtrap rule" and their precedence
 * (bpf/route_table.h), the context "kvmtrap test" builds (it must be the one KVM's
 * kvm_arm_trap_fill_ctx() builds), the hints of its error messages and
 * its JSON writer.
 */
#include <errno.h>
#include <stdlib.h>

#include "kvmtrap_args.h"

#include "host_tap.h"

#define NOT_SUPPORTED	0xffffffffffffffffull
#define ERRLEN		256

/* ---- numbers ---------------------------------------------------------- */

static void test_parse_u64_good(void)
{
	static const struct {
		const char *s;
		uint64_t max, want;
	} cases[] = {
		{ "0", UINT64_MAX, 0 },
		{ "1", UINT64_MAX, 1 },
		{ "42", UINT64_MAX, 42 },
		{ "0x0", UINT64_MAX, 0 },
		{ "0x10", UINT64_MAX, 16 },
		{ "0XfF", UINT64_MAX, 255 },
		{ "0xC6000001", UINT64_MAX, 0xc6000001 },
		{ "18446744073709551615", UINT64_MAX, UINT64_MAX },
		{ "0xffffffffffffffff", UINT64_MAX, UINT64_MAX },
		{ "65535", 0xffff, 0xffff },
		{ "0xffff", 0xffff, 0xffff },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		uint64_t v = 12345;
		int r = kvmtrap_parse_u64(cases[i].s, cases[i].max, &v);

		CHECK(r == 0, "\"%s\" returned %d", cases[i].s, r);
		CHECK(v == cases[i].want, "\"%s\" gave 0x%" PRIx64, cases[i].s,
		      v);
	}
}

static void test_parse_u64_bad(void)
{
	static const struct {
		const char *s;
		uint64_t max;
		int want;
	} cases[] = {
		{ NULL, UINT64_MAX, -EINVAL },
		{ "", UINT64_MAX, -EINVAL },
		{ "-1", UINT64_MAX, -EINVAL },
		{ "+1", UINT64_MAX, -EINVAL },
		{ " 1", UINT64_MAX, -EINVAL },
		{ "1 ", UINT64_MAX, -EINVAL },
		{ "010", UINT64_MAX, -EINVAL },		/* no octal */
		{ "00", UINT64_MAX, -EINVAL },
		{ "0x", UINT64_MAX, -EINVAL },
		{ "0x-1", UINT64_MAX, -EINVAL },
		{ "0x 1", UINT64_MAX, -EINVAL },
		{ "0xg", UINT64_MAX, -EINVAL },
		{ "1a", UINT64_MAX, -EINVAL },
		{ "abc", UINT64_MAX, -EINVAL },
		{ "1.5", UINT64_MAX, -EINVAL },
		{ "18446744073709551616", UINT64_MAX, -ERANGE },
		{ "0x10000000000000000", UINT64_MAX, -ERANGE },
		{ "99999999999999999999999", UINT64_MAX, -ERANGE },
		{ "65536", 0xffff, -ERANGE },
		{ "0x10000", 0xffff, -ERANGE },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		uint64_t v = 12345;
		int r = kvmtrap_parse_u64(cases[i].s, cases[i].max, &v);

		CHECK(r == cases[i].want, "\"%s\" returned %d, want %d",
		      cases[i].s ? cases[i].s : "(null)", r, cases[i].want);
		CHECK(v == 12345, "\"%s\" changed the output on failure",
		      cases[i].s ? cases[i].s : "(null)");
	}
}

static void test_parse_opt_u64(void)
{
	char err[ERRLEN] = "";
	uint64_t v = 0;

	CHECK_INT(kvmtrap_parse_opt_u64("--link", "5", 1, UINT32_MAX, &v,
					err, sizeof(err)), 0);
	CHECK_U64(v, 5);
	CHECK_STR(err, "");
	CHECK_INT(kvmtrap_parse_opt_u64("--link", "0xffffffff", 1, UINT32_MAX,
					&v, err, sizeof(err)), 0);
	CHECK_U64(v, UINT32_MAX);

	v = 7;
	CHECK_INT(kvmtrap_parse_opt_u64("--link", "0", 1, UINT32_MAX, &v, err,
					sizeof(err)), -EINVAL);
	CHECK_STR(err, "bad --link '0': expected a number from 1 to 4294967295");
	CHECK_INT(kvmtrap_parse_opt_u64("--link", "4294967296", 1, UINT32_MAX,
					&v, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "bad --link '4294967296': "
		  "expected a number from 1 to 4294967295");
	CHECK_INT(kvmtrap_parse_opt_u64("--vcpu", "x", 0, UINT32_MAX, &v, err,
					sizeof(err)), -EINVAL);
	CHECK_STR(err, "bad --vcpu 'x': expected a number from 0 to 4294967295");
	CHECK_INT(kvmtrap_parse_opt_u64("--count", "", 1, 10, &v, err,
					sizeof(err)), -EINVAL);
	CHECK_STR(err, "bad --count '': expected a number from 1 to 10");
	CHECK_U64(v, 7);
}

/* ---- --vm ------------------------------------------------------------- */

static void test_parse_vm_good(void)
{
	static const struct {
		const char *s;
		enum kvmtrap_vm_spec_kind kind;
		int pid, fd;
		const char *name;
	} cases[] = {
		{ "1234", KVMTRAP_VM_PID, 1234, -1, "" },
		{ "1234:7", KVMTRAP_VM_PID_FD, 1234, 7, "" },
		{ "1234-7", KVMTRAP_VM_NAME, 1234, 7, "1234-7" },
		{ "1:0", KVMTRAP_VM_PID_FD, 1, 0, "" },
		{ "1-0", KVMTRAP_VM_NAME, 1, 0, "1-0" },
		{ "2147483647:2147483647", KVMTRAP_VM_PID_FD, 2147483647,
		  2147483647, "" },
		{ "2147483647-2147483647", KVMTRAP_VM_NAME, 2147483647,
		  2147483647, "2147483647-2147483647" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct kvmtrap_vm_spec spec;
		char err[ERRLEN] = "";
		int r = kvmtrap_parse_vm(cases[i].s, &spec, err, sizeof(err));

		CHECK(r == 0, "\"%s\" returned %d (%s)", cases[i].s, r, err);
		CHECK_INT(spec.kind, cases[i].kind);
		CHECK_INT(spec.pid, cases[i].pid);
		CHECK_INT(spec.fd, cases[i].fd);
		CHECK_STR(spec.name, cases[i].name);
		CHECK_STR(err, "");
	}
}

#define VM_FORMS "give PID, PID:FD or the VM's name PID-FD"

static void test_parse_vm_bad(void)
{
	static const struct {
		const char *s;
		const char *err;
	} cases[] = {
		{ NULL, "empty --vm: " VM_FORMS },
		{ "", "empty --vm: " VM_FORMS },
		{ "abc", "bad --vm 'abc': " VM_FORMS },
		{ "vm1", "bad --vm 'vm1': " VM_FORMS },
		{ "0", "bad --vm '0': PID must be from 1 to 2147483647" },
		{ "0:3", "bad --vm '0:3': PID must be from 1 to 2147483647" },
		{ "2147483648",
		  "bad --vm '2147483648': PID must be from 1 to 2147483647" },
		{ "99999999999999999999-1",
		  "bad --vm '99999999999999999999-1': PID must be from 1 to 2147483647" },
		{ "12:", "bad --vm '12:': " VM_FORMS },
		{ "12-", "bad --vm '12-': " VM_FORMS },
		{ ":7", "bad --vm ':7': " VM_FORMS },
		{ "-7", "bad --vm '-7': " VM_FORMS },
		{ "12:x", "bad --vm '12:x': " VM_FORMS },
		{ "12:3:4", "bad --vm '12:3:4': " VM_FORMS },
		{ "12-3-4", "bad --vm '12-3-4': " VM_FORMS },
		{ "12:-1", "bad --vm '12:-1': " VM_FORMS },
		{ "12_3", "bad --vm '12_3': " VM_FORMS },
		{ "0x10", "bad --vm '0x10': " VM_FORMS },	/* decimal only */
		{ "12:0x3", "bad --vm '12:0x3': " VM_FORMS },
		{ "012", "bad --vm '012': " VM_FORMS },
		{ " 12", "bad --vm ' 12': " VM_FORMS },
		{ "12 ", "bad --vm '12 ': " VM_FORMS },
		{ "12:2147483648",
		  "bad --vm '12:2147483648': FD must be from 0 to 2147483647" },
		{ "12-2147483648",
		  "bad --vm '12-2147483648': FD must be from 0 to 2147483647" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct kvmtrap_vm_spec spec;
		char err[ERRLEN] = "";
		int r = kvmtrap_parse_vm(cases[i].s, &spec, err, sizeof(err));

		CHECK(r == -EINVAL, "\"%s\" returned %d",
		      cases[i].s ? cases[i].s : "(null)", r);
		CHECK_STR(err, cases[i].err);
	}
}

static void test_vm_spec_describe(void)
{
	struct kvmtrap_vm_spec spec;
	char buf[64];

	kvmtrap_parse_vm("1234", &spec, NULL, 0);
	kvmtrap_vm_spec_describe(&spec, buf, sizeof(buf));
	CHECK_STR(buf, "the VM of process 1234");
	kvmtrap_parse_vm("1234:7", &spec, NULL, 0);
	kvmtrap_vm_spec_describe(&spec, buf, sizeof(buf));
	CHECK_STR(buf, "VM 1234:7");
	kvmtrap_parse_vm("1234-7", &spec, NULL, 0);
	kvmtrap_vm_spec_describe(&spec, buf, sizeof(buf));
	CHECK_STR(buf, "VM 1234-7");
}

/* ---- --set ------------------------------------------------------------ */

static void test_parse_set_good(void)
{
	static const struct {
		const char *arg, *key, *value;
	} cases[] = {
		{ "verdict=undef", "verdict", "undef" },
		{ "a=", "a", "" },
		{ "x=a=b", "x", "a=b" },
		{ "_k1=0x10", "_k1", "0x10" },
		{ "Func_ID=PSCI_VERSION", "Func_ID", "PSCI_VERSION" },
		{ "s= spaces kept ", "s", " spaces kept " },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct kvmtrap_setting set;
		char err[ERRLEN] = "";
		int r = kvmtrap_parse_set(cases[i].arg, &set, err, sizeof(err));

		CHECK(r == 0, "\"%s\" returned %d (%s)", cases[i].arg, r, err);
		CHECK_STR(set.key, cases[i].key);
		CHECK_STR(set.value, cases[i].value);
	}
}

static void test_parse_set_bad(void)
{
	static const struct {
		const char *arg, *err;
	} cases[] = {
		{ "verdict", "bad --set 'verdict': expected KEY=VALUE" },
		{ "", "bad --set '': expected KEY=VALUE" },
		{ "=1", "bad --set '=1': KEY is empty" },
		{ "1a=2", "bad --set '1a=2': KEY must be a C identifier" },
		{ "a-b=1", "bad --set 'a-b=1': KEY must be a C identifier" },
		{ "a b=1", "bad --set 'a b=1': KEY must be a C identifier" },
		{ "a.b=1", "bad --set 'a.b=1': KEY must be a C identifier" },
		{ " a=1", "bad --set ' a=1': KEY must be a C identifier" },
	};
	struct kvmtrap_setting set;
	char err[ERRLEN], arg[200];
	size_t i;
	int r;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		err[0] = '\0';
		r = kvmtrap_parse_set(cases[i].arg, &set, err, sizeof(err));
		CHECK(r == -EINVAL, "\"%s\" returned %d", cases[i].arg, r);
		CHECK_STR(err, cases[i].err);
	}

	/* 127 characters fit the key buffer, 128 do not */
	memset(arg, 'k', 127);
	strcpy(arg + 127, "=1");
	r = kvmtrap_parse_set(arg, &set, err, sizeof(err));
	CHECK(r == 0, "a 127-character key returned %d", r);
	CHECK_INT(strlen(set.key), 127);
	memset(arg, 'k', 128);
	strcpy(arg + 128, "=1");
	err[0] = '\0';
	r = kvmtrap_parse_set(arg, &set, err, sizeof(err));
	CHECK(r == -EINVAL, "a 128-character key returned %d", r);
	CHECK_STR(err, "bad --set 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk...': "
		  "KEY is longer than 127 characters");
}

/* ---- the call --------------------------------------------------------- */

static int parse_call(struct kvmtrap_call *call, char *err,
		      const char *const *words, int n)
{
	err[0] = '\0';
	return kvmtrap_parse_call(n, (char *const *)words, call, err, ERRLEN);
}

#define PARSE_CALL(call, err, ...) ({					\
	static const char *const __w[] = { __VA_ARGS__ };		\
	parse_call(call, err, __w, ARRAY_SIZE(__w));			\
})

static void test_parse_call_good(void)
{
	struct kvmtrap_call c;
	char err[ERRLEN];
	int r;

	r = PARSE_CALL(&c, err, "hvc", "PSCI_VERSION");
	CHECK(r == 0, "returned %d (%s)", r, err);
	CHECK_INT(c.conduit, KVM_TRAP_CONDUIT_HVC);
	CHECK_INT(c.imm, 0);
	CHECK_U64(c.func_id, 0x84000000);
	CHECK_INT(c.nr_args, 0);

	r = PARSE_CALL(&c, err, "SMC", "#0x10", "0xc6000001", "1", "0x2");
	CHECK(r == 0, "returned %d (%s)", r, err);
	CHECK_INT(c.conduit, KVM_TRAP_CONDUIT_SMC);
	CHECK_INT(c.imm, 0x10);
	CHECK_U64(c.func_id, 0xc6000001);
	CHECK_INT(c.nr_args, 2);
	CHECK_U64(c.args[0], 1);
	CHECK_U64(c.args[1], 2);
	CHECK_U64(c.args[2], 0);

	r = PARSE_CALL(&c, err, "Hvc", "#65535", "psci_cpu_on_64", "1", "2",
		       "3", "4", "5", "6", "0xffffffffffffffff");
	CHECK(r == 0, "returned %d (%s)", r, err);
	CHECK_INT(c.imm, 0xffff);
	CHECK_U64(c.func_id, 0xc4000003);
	CHECK_INT(c.nr_args, 7);
	CHECK_U64(c.args[0], 1);
	CHECK_U64(c.args[5], 6);
	CHECK_U64(c.args[6], UINT64_MAX);

	r = PARSE_CALL(&c, err, "smc", "#0", "18446744073709551615");
	CHECK(r == 0, "returned %d (%s)", r, err);
	CHECK_INT(c.imm, 0);
	CHECK_U64(c.func_id, UINT64_MAX);
}

#define CALL_FORM "hvc|smc [#IMM] FUNC [ARG...]"
#define FUNC_FORM "expected an SMCCC name (e.g. PSCI_VERSION) or a number"

static void test_parse_call_bad(void)
{
	struct kvmtrap_call c;
	char err[ERRLEN];
	int r;

	r = parse_call(&c, err, NULL, 0);
	CHECK_INT(r, -EINVAL);
	CHECK_STR(err, "missing the call: " CALL_FORM);

#define BAD(msg, ...) do {						\
	r = PARSE_CALL(&c, err, __VA_ARGS__);				\
	CHECK_INT(r, -EINVAL);						\
	CHECK_STR(err, msg);						\
} while (0)
	BAD("bad conduit 'svc': expected hvc or smc", "svc", "1");
	BAD("bad conduit 'papr': expected hvc or smc", "papr", "1");
	BAD("bad conduit '': expected hvc or smc", "", "1");
	BAD("bad conduit '#1': expected hvc or smc", "#1", "hvc", "1");
	BAD("missing FUNC after 'hvc': " CALL_FORM, "hvc");
	BAD("missing FUNC after '#1': " CALL_FORM, "smc", "#1");
	BAD("bad immediate '#65536': expected #0 to #0xffff (decimal or 0x hex)",
	    "hvc", "#65536", "1");
	BAD("bad immediate '#0x10000': expected #0 to #0xffff (decimal or 0x hex)",
	    "hvc", "#0x10000", "1");
	BAD("bad immediate '#': expected #0 to #0xffff (decimal or 0x hex)",
	    "hvc", "#", "1");
	BAD("bad immediate '#-1': expected #0 to #0xffff (decimal or 0x hex)",
	    "hvc", "#-1", "1");
	BAD("bad immediate '#0x': expected #0 to #0xffff (decimal or 0x hex)",
	    "hvc", "#0x", "1");
	BAD("bad immediate '#imm': expected #0 to #0xffff (decimal or 0x hex)",
	    "hvc", "#imm", "1");
	/* one immediate only: the second is taken as the function */
	BAD("bad function '#2': " FUNC_FORM,
	    "hvc", "#1", "#2");
	BAD("bad function 'NO_SUCH_CALL': " FUNC_FORM,
	    "hvc", "NO_SUCH_CALL");
	BAD("bad function 'PSCI_VERSION_': " FUNC_FORM,
	    "hvc", "PSCI_VERSION_");
	BAD("bad function '-1': " FUNC_FORM,
	    "hvc", "-1");
	BAD("bad function '0x10000000000000000': above 0xffffffffffffffff",
	    "hvc", "0x10000000000000000");
	BAD("too many arguments: at most 7 (x1..x7)",
	    "hvc", "1", "1", "2", "3", "4", "5", "6", "7", "8");
	BAD("bad argument 'x': expected a number (decimal or 0x hex)",
	    "hvc", "1", "x");
	BAD("bad argument '-1': expected a number (decimal or 0x hex)",
	    "hvc", "1", "2", "-1");
	BAD("bad argument '010': expected a number (decimal or 0x hex)",
	    "smc", "1", "010");
	BAD("bad argument 'PSCI_VERSION': expected a number (decimal or 0x hex)",
	    "smc", "1", "PSCI_VERSION");
	BAD("bad argument '18446744073709551616': above 0xffffffffffffffff",
	    "hvc", "1", "18446744073709551616");
#undef BAD
}

/* ---- kvmtrap rule ------------------------------------------------------ */

static int parse_rule(struct route_rule *rule, bool verdict, char *err,
		      const char *const *words, int n)
{
	err[0] = '\0';
	return kvmtrap_parse_rule(n, (char *const *)words, verdict, rule, err,
				  ERRLEN);
}

#define PARSE_RULE(rule, verdict, err, ...) ({				\
	static const char *const __w[] = { __VA_ARGS__ };		\
	parse_rule(rule, verdict, err, __w, ARRAY_SIZE(__w));		\
})

static void check_key(const struct route_rule *r, uint32_t conduit,
		      uint32_t imm, uint64_t first, uint64_t last)
{
	CHECK_INT(r->key.conduit, conduit);
	CHECK_U64(r->key.imm, imm);
	CHECK_U64(r->key.first, first);
	CHECK_U64(r->key.last, last);
}

static void test_parse_rule_good(void)
{
	struct route_rule r;
	char err[ERRLEN];
	int n;

	n = PARSE_RULE(&r, true, err, "hvc", "0xc3000042", "deny");
	CHECK(n == 0, "returned %d (%s)", n, err);
	check_key(&r, KVM_TRAP_CONDUIT_HVC, 0, 0xc3000042, 0xc3000042);
	CHECK_INT(r.val.verdict, KVM_TRAP_DENY);
	CHECK_U64(r.val.ret[0], 0);
	CHECK_INT(route_rule_check(&r), 0);

	n = PARSE_RULE(&r, true, err, "ANY", "#any", "all", "undef");
	CHECK(n == 0, "returned %d (%s)", n, err);
	check_key(&r, ROUTE_CONDUIT_ANY, ROUTE_IMM_ANY, 0, UINT64_MAX);
	CHECK_INT(r.val.verdict, KVM_TRAP_UNDEF);

	/* names at both ends, an immediate, all four values */
	n = PARSE_RULE(&r, true, err, "smc", "#0xffff",
		       "PSCI_VERSION..psci_cpu_on_64", "handled", "1", "0x2",
		       "3", "0xffffffffffffffff");
	CHECK(n == 0, "returned %d (%s)", n, err);
	check_key(&r, KVM_TRAP_CONDUIT_SMC, 0xffff, 0x84000000, 0xc4000003);
	CHECK_INT(r.val.verdict, KVM_TRAP_HANDLED);
	CHECK_U64(r.val.ret[0], 1);
	CHECK_U64(r.val.ret[1], 2);
	CHECK_U64(r.val.ret[2], 3);
	CHECK_U64(r.val.ret[3], UINT64_MAX);
	CHECK_INT(route_rule_check(&r), 0);

	/* fewer values: the rest 0; a one-ID range; #0 is SMCCC */
	n = PARSE_RULE(&r, true, err, "hvc", "#0", "5..5", "handled", "7");
	CHECK(n == 0, "returned %d (%s)", n, err);
	check_key(&r, KVM_TRAP_CONDUIT_HVC, 0, 5, 5);
	CHECK_U64(r.val.ret[0], 7);
	CHECK_U64(r.val.ret[1], 0);

	n = PARSE_RULE(&r, true, err, "smc", "0..0xffffffffffffffff", "pass");
	CHECK(n == 0, "returned %d (%s)", n, err);
	check_key(&r, KVM_TRAP_CONDUIT_SMC, 0, 0, UINT64_MAX);
	CHECK_INT(r.val.verdict, KVM_TRAP_PASS);

	/* del: the key only */
	n = PARSE_RULE(&r, false, err, "any", "#1", "0x10..0x20");
	CHECK(n == 0, "returned %d (%s)", n, err);
	check_key(&r, ROUTE_CONDUIT_ANY, 1, 0x10, 0x20);
}

#define RULE_FORM "hvc|smc|any [#IMM|#any] FUNC|FIRST..LAST|all"
#define VERDICTS "pass, handled, forward, deny or undef"

static void test_parse_rule_bad(void)
{
	struct route_rule r;
	char err[ERRLEN];
	int n;

	n = parse_rule(&r, true, err, NULL, 0);
	CHECK_INT(n, -EINVAL);
	CHECK_STR(err, "missing the rule: " RULE_FORM " VERDICT [X0..X3]");
	n = parse_rule(&r, false, err, NULL, 0);
	CHECK_STR(err, "missing the rule: " RULE_FORM);

#define BAD(v, msg, ...) do {						\
	n = PARSE_RULE(&r, v, err, __VA_ARGS__);			\
	CHECK_INT(n, -EINVAL);						\
	CHECK_STR(err, msg);						\
} while (0)
	BAD(true, "bad conduit 'papr': expected hvc, smc or any",
	    "papr", "1", "deny");
	BAD(true, "bad conduit 'anything': expected hvc, smc or any",
	    "anything", "1", "deny");
	BAD(true, "bad immediate '#0x10000': expected #0 to #0xffff (decimal or 0x hex) or #any",
	    "hvc", "#0x10000", "1", "deny");
	BAD(true, "bad immediate '#anything': expected #0 to #0xffff (decimal or 0x hex) or #any",
	    "hvc", "#anything", "1", "deny");
	BAD(true, "missing FUNCS after 'hvc': " RULE_FORM, "hvc");
	BAD(true, "missing FUNCS after '#any': " RULE_FORM, "smc", "#any");
	BAD(true, "bad range '0x2..0x1': FIRST is above LAST",
	    "hvc", "0x2..0x1", "deny");
	BAD(true, "bad function '' in '..0x1': " FUNC_FORM,
	    "hvc", "..0x1", "deny");
	BAD(true, "bad function '' in '0x1..': " FUNC_FORM,
	    "hvc", "0x1..", "deny");
	BAD(true, "bad function '.0x2' in '0x1...0x2': " FUNC_FORM,
	    "hvc", "0x1...0x2", "deny");
	BAD(true, "bad function 'NO_SUCH' in 'NO_SUCH': " FUNC_FORM,
	    "hvc", "NO_SUCH", "deny");
	BAD(true, "bad function '0x10000000000000000' in '1..0x10000000000000000': above 0xffffffffffffffff",
	    "hvc", "1..0x10000000000000000", "deny");
	BAD(true, "missing VERDICT after '1': " VERDICTS, "hvc", "1");
	BAD(true, "bad verdict 'maybe': expected " VERDICTS,
	    "hvc", "1", "maybe");
	BAD(true, "bad verdict '1': expected " VERDICTS, "hvc", "1", "1");
	BAD(true, "unexpected '5': only a handled rule takes X0..X3",
	    "hvc", "1", "deny", "5");
	BAD(true, "too many values: at most 4 (x0..x3)",
	    "hvc", "1", "handled", "1", "2", "3", "4", "5");
	BAD(true, "bad value 'x' for x1: expected a number (decimal or 0x hex) up to 0xffffffffffffffff",
	    "hvc", "1", "handled", "0", "x");
	BAD(false, "unexpected 'deny' after the rule: a rule is deleted by " RULE_FORM,
	    "hvc", "1", "deny");
#undef BAD
}

static void test_rule_describe(void)
{
	struct route_rule_key k = { ROUTE_CONDUIT_ANY, ROUTE_IMM_ANY, 0,
				    UINT64_MAX };
	char buf[96];

	kvmtrap_rule_describe(&k, buf, sizeof(buf));
	CHECK_STR(buf, "any #any all");
	k = (struct route_rule_key){ KVM_TRAP_CONDUIT_SMC, 0x10, 0xc2000000,
				     0xc200ffff };
	kvmtrap_rule_describe(&k, buf, sizeof(buf));
	CHECK_STR(buf, "smc #0x10 0xc2000000..0xc200ffff");
	k = (struct route_rule_key){ KVM_TRAP_CONDUIT_HVC, 0, 7, 7 };
	kvmtrap_rule_describe(&k, buf, sizeof(buf));
	CHECK_STR(buf, "hvc 0x7");
}

/* route_rule_check(): what kvmtrap_rule_add() refuses before the map does */
static void test_rule_check(void)
{
	struct route_rule ok = {
		.key = { KVM_TRAP_CONDUIT_HVC, 0, 1, 2 },
		.val = { .verdict = KVM_TRAP_HANDLED, .ret = { 1, 2, 3, 4 } },
	}, r;

	CHECK_INT(route_rule_check(&ok), 0);
	/* POWER's hcalls have rules too; no fourth conduit exists. */
	r = ok, r.key.conduit = KVM_TRAP_CONDUIT_PAPR_HCALL;
	CHECK_INT(route_rule_check(&r), 0);
	r = ok, r.key.conduit = KVM_TRAP_CONDUIT_PAPR_HCALL + 1;
	CHECK_INT(route_rule_check(&r), -EINVAL);
	r = ok, r.key.imm = 0x10000;
	CHECK_INT(route_rule_check(&r), -EINVAL);
	r = ok, r.key.imm = ROUTE_IMM_ANY;
	CHECK_INT(route_rule_check(&r), 0);
	r = ok, r.key.first = 3;
	CHECK_INT(route_rule_check(&r), -EINVAL);
	r = ok, r.val.verdict = KVM_TRAP_NR_VERDICTS;
	CHECK_INT(route_rule_check(&r), -EINVAL);
	r = ok, r.val.pad = 1;
	CHECK_INT(route_rule_check(&r), -EINVAL);
	r = ok, r.val.hits = 1;
	CHECK_INT(route_rule_check(&r), -EINVAL);
	r = ok, r.val.verdict = KVM_TRAP_FORWARD;
	CHECK_INT(route_rule_check(&r), -EINVAL);
	r.val.ret[0] = r.val.ret[1] = r.val.ret[2] = r.val.ret[3] = 0;
	CHECK_INT(route_rule_check(&r), 0);
}

/*
 * route_rule_better(): the precedence the policy applies, a strict order
 * on different keys: exact conduit, exact immediate, narrower, lower.
 */
static void test_rule_precedence(void)
{
	/* each is better than every later one */
	static const struct route_rule_key order[] = {
		{ KVM_TRAP_CONDUIT_HVC, 0, 5, 5 },
		{ KVM_TRAP_CONDUIT_HVC, 0, 0, 9 },
		{ KVM_TRAP_CONDUIT_HVC, 0, 1, 10 },
		{ KVM_TRAP_CONDUIT_HVC, 0, 0, UINT64_MAX },
		{ KVM_TRAP_CONDUIT_HVC, ROUTE_IMM_ANY, 5, 5 },
		{ KVM_TRAP_CONDUIT_HVC, ROUTE_IMM_ANY, 0, UINT64_MAX },
		{ ROUTE_CONDUIT_ANY, 0, 5, 5 },
		{ ROUTE_CONDUIT_ANY, 0, 0, UINT64_MAX },
		{ ROUTE_CONDUIT_ANY, ROUTE_IMM_ANY, 5, 5 },
		{ ROUTE_CONDUIT_ANY, ROUTE_IMM_ANY, 0, UINT64_MAX },
	};
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(order); i++) {
		CHECK(!route_rule_better(&order[i], &order[i]),
		      "rule %zu better than itself", i);
		for (j = i + 1; j < ARRAY_SIZE(order); j++) {
			CHECK(route_rule_better(&order[i], &order[j]),
			      "rule %zu not better than rule %zu", i, j);
			CHECK(!route_rule_better(&order[j], &order[i]),
			      "rule %zu better than rule %zu", j, i);
		}
	}
	/* matching: conduit, immediate, both bounds inclusive */
	CHECK(route_rule_matches(&order[2], KVM_TRAP_CONDUIT_HVC, 0, 1), "1");
	CHECK(route_rule_matches(&order[2], KVM_TRAP_CONDUIT_HVC, 0, 10), "10");
	CHECK(!route_rule_matches(&order[2], KVM_TRAP_CONDUIT_HVC, 0, 0), "0");
	CHECK(!route_rule_matches(&order[2], KVM_TRAP_CONDUIT_HVC, 0, 11), "11");
	CHECK(!route_rule_matches(&order[2], KVM_TRAP_CONDUIT_SMC, 0, 5), "smc");
	CHECK(!route_rule_matches(&order[2], KVM_TRAP_CONDUIT_HVC, 1, 5), "#1");
	CHECK(route_rule_matches(&order[9], KVM_TRAP_CONDUIT_SMC, 0xffff,
				 UINT64_MAX), "any");
	CHECK(route_rule_matches(&order[4], KVM_TRAP_CONDUIT_HVC, 0x42, 5),
	      "#any");
}

/* ---- the context of "kvmtrap test", as kvm_arm_trap_fill_ctx() -------- */

/* x1..x7 with both halves non-zero and different */
#define ARG(n) ((((0xa0ull + (n)) * 0x01010101ull) << 32) | \
		((n) * 0x11111111ull))

static void make_call(struct kvmtrap_call *c, uint32_t conduit, uint32_t imm,
		      uint64_t func_id)
{
	int i;

	memset(c, 0, sizeof(*c));
	c->conduit = conduit;
	c->imm = imm;
	c->func_id = func_id;
	c->nr_args = 7;
	for (i = 0; i < 7; i++)
		c->args[i] = ARG(i + 1);
}

static void check_ctx_common(const struct kvm_trap_ctx *ctx, uint32_t vcpu)
{
	int i;

	CHECK_INT(ctx->vcpu_id, vcpu);
	CHECK_U64(ctx->args[7], 0);
	CHECK_U64(ctx->args[8], 0);
	/* NOT_SUPPORTED in all 64 bits whoever calls, then zeroes */
	CHECK_U64(ctx->ret[0], NOT_SUPPORTED);
	for (i = 1; i < KVM_TRAP_NR_RET; i++)
		CHECK(ctx->ret[i] == 0, "ret[%d] is 0x%" PRIx64, i,
		      (uint64_t)ctx->ret[i]);
}

static void test_call_ctx_smc64(void)
{
	struct kvm_trap_ctx ctx;
	struct kvmtrap_call c;
	int i;

	make_call(&c, KVM_TRAP_CONDUIT_HVC, 0, 0xc6000042);
	kvmtrap_call_ctx(&c, false, 3, &ctx);
	CHECK_INT(ctx.conduit, KVM_TRAP_CONDUIT_HVC);
	CHECK_INT(ctx.flags, 0);
	CHECK_U64(ctx.func_id, 0xc6000042);
	CHECK_INT(ctx.imm, 0);
	for (i = 0; i < 7; i++)
		CHECK_U64(ctx.args[i], ARG(i + 1));
	check_ctx_common(&ctx, 3);
	CHECK_U64(kvmtrap_ctx_ret_mask(&ctx), UINT64_MAX);
}

static void test_call_ctx_smc32_narrows_args(void)
{
	struct kvm_trap_ctx ctx;
	struct kvmtrap_call c;
	int i;

	make_call(&c, KVM_TRAP_CONDUIT_SMC, 0, 0x86000042);
	kvmtrap_call_ctx(&c, false, 0, &ctx);
	CHECK_INT(ctx.conduit, KVM_TRAP_CONDUIT_SMC);
	CHECK_INT(ctx.flags, KVM_TRAP_F_SMC32);
	CHECK_U64(ctx.func_id, 0x86000042);
	for (i = 0; i < 7; i++)
		CHECK_U64(ctx.args[i], ARG(i + 1) & 0xffffffff);
	check_ctx_common(&ctx, 0);
	CHECK_U64(kvmtrap_ctx_ret_mask(&ctx), 0xffffffff);
}

static void test_call_ctx_smccc_func_is_w0(void)
{
	struct kvm_trap_ctx ctx;
	struct kvmtrap_call c;

	/* x0's upper half is not part of an SMCCC function ID */
	make_call(&c, KVM_TRAP_CONDUIT_HVC, 0, 0x12345678c6000042ull);
	kvmtrap_call_ctx(&c, false, 0, &ctx);
	CHECK_U64(ctx.func_id, 0xc6000042);
	CHECK_INT(ctx.flags, 0);
	CHECK_U64(ctx.args[0], ARG(1));

	/* bit 30 of x0 decides SMC32, whatever the upper half holds */
	make_call(&c, KVM_TRAP_CONDUIT_HVC, 0, 0xffffffff86000042ull);
	kvmtrap_call_ctx(&c, false, 0, &ctx);
	CHECK_U64(ctx.func_id, 0x86000042);
	CHECK_INT(ctx.flags, KVM_TRAP_F_SMC32);
	CHECK_U64(ctx.args[0], ARG(1) & 0xffffffff);
}

static void test_call_ctx_imm_keeps_x0(void)
{
	struct kvm_trap_ctx ctx;
	struct kvmtrap_call c;
	int i;

	/* an immediate: not SMCCC, no SMC32 even with bit 30 clear */
	make_call(&c, KVM_TRAP_CONDUIT_SMC, 0x42, 0x1234567800000001ull);
	kvmtrap_call_ctx(&c, false, 7, &ctx);
	CHECK_INT(ctx.flags, 0);
	CHECK_INT(ctx.imm, 0x42);
	CHECK_U64(ctx.func_id, 0x1234567800000001ull);
	for (i = 0; i < 7; i++)
		CHECK_U64(ctx.args[i], ARG(i + 1));
	check_ctx_common(&ctx, 7);
	CHECK_U64(kvmtrap_ctx_ret_mask(&ctx), UINT64_MAX);
}

static void test_call_ctx_aarch32(void)
{
	struct kvm_trap_ctx ctx;
	struct kvmtrap_call c;
	int i;

	/* AArch32 with an immediate: func_id is w0 too */
	make_call(&c, KVM_TRAP_CONDUIT_HVC, 1, 0x1234567800000001ull);
	kvmtrap_call_ctx(&c, true, 1, &ctx);
	CHECK_INT(ctx.flags, KVM_TRAP_F_AARCH32);
	CHECK_U64(ctx.func_id, 0x00000001);
	for (i = 0; i < 7; i++)
		CHECK_U64(ctx.args[i], ARG(i + 1) & 0xffffffff);
	check_ctx_common(&ctx, 1);
	CHECK_U64(kvmtrap_ctx_ret_mask(&ctx), 0xffffffff);

	/* AArch32 with an SMC64 ID: no SMC32 flag, still narrowed */
	make_call(&c, KVM_TRAP_CONDUIT_SMC, 0, 0xc6000042);
	kvmtrap_call_ctx(&c, true, 0, &ctx);
	CHECK_INT(ctx.flags, KVM_TRAP_F_AARCH32);
	CHECK_U64(ctx.args[6], ARG(7) & 0xffffffff);

	/* AArch32 SMC32 */
	make_call(&c, KVM_TRAP_CONDUIT_SMC, 0, 0x86000042);
	kvmtrap_call_ctx(&c, true, 0, &ctx);
	CHECK_INT(ctx.flags, KVM_TRAP_F_AARCH32 | KVM_TRAP_F_SMC32);
}

static void test_call_ctx_fewer_args(void)
{
	struct kvm_trap_ctx ctx;
	struct kvmtrap_call c;
	char err[ERRLEN];
	int i, r;

	r = PARSE_CALL(&c, err, "hvc", "0xc6000001", "5");
	CHECK(r == 0, "returned %d (%s)", r, err);
	memset(&ctx, 0xaa, sizeof(ctx));
	kvmtrap_call_ctx(&c, false, 0, &ctx);
	CHECK_U64(ctx.args[0], 5);
	for (i = 1; i < KVM_TRAP_NR_ARGS; i++)
		CHECK(ctx.args[i] == 0, "args[%d] is 0x%" PRIx64, i,
		      (uint64_t)ctx.args[i]);
	check_ctx_common(&ctx, 0);
}

/* An AArch32 SMC has no immediate: refused, with the fix in the message. */
static void test_check_call_aarch32_smc_imm(void)
{
	struct kvmtrap_call c;
	char err[ERRLEN];
	int r;

	r = PARSE_CALL(&c, err, "smc", "#0x10", "0x1234");
	CHECK(r == 0, "returned %d (%s)", r, err);
	err[0] = '\0';
	CHECK_INT(kvmtrap_check_call(&c, true, err, ERRLEN), -EINVAL);
	CHECK_STR(err, "bad immediate '#0x10' for an AArch32 smc: an AArch32 SMC has no immediate (KVM always sees #0): leave the immediate out, or describe an hvc");

	r = PARSE_CALL(&c, err, "SMC", "#1", "PSCI_VERSION");
	CHECK(r == 0, "returned %d (%s)", r, err);
	CHECK_INT(kvmtrap_check_call(&c, true, err, ERRLEN), -EINVAL);
}

/* What an AArch32 caller can make, and any call from AArch64, passes. */
static void test_check_call_good(void)
{
	static const char *const calls[][3] = {
		{ "smc", "#0", "0x1234" },	/* #0 is no immediate */
		{ "hvc", "#0xffff", "0x1234" },	/* A32 HVC has one */
		{ "hvc", "#1", "0x1" },
	};
	struct kvmtrap_call c;
	char err[ERRLEN];
	size_t i;
	int r;

	for (i = 0; i < ARRAY_SIZE(calls); i++) {
		r = parse_call(&c, err, calls[i], 3);
		CHECK(r == 0, "returned %d (%s)", r, err);
		err[0] = '\0';
		CHECK_INT(kvmtrap_check_call(&c, true, err, ERRLEN), 0);
		CHECK_STR(err, "");
		CHECK_INT(kvmtrap_check_call(&c, false, err, ERRLEN), 0);
	}
	r = PARSE_CALL(&c, err, "smc", "#0x10", "0x1234");
	CHECK(r == 0, "returned %d (%s)", r, err);
	CHECK_INT(kvmtrap_check_call(&c, false, err, ERRLEN), 0);
	r = PARSE_CALL(&c, err, "smc", "0x1234");
	CHECK(r == 0, "returned %d (%s)", r, err);
	CHECK_INT(kvmtrap_check_call(&c, true, err, ERRLEN), 0);
}

/*
 * libkvmtrap's context helpers refuse the same call with -EINVAL and
 * leave the context as it was.
 */
static void test_call_ctx_refuses_aarch32_smc_imm(void)
{
	struct kvm_trap_ctx ctx, before;
	struct kvm_trap_query q;
	struct kvmtrap_call c;

	make_call(&c, KVM_TRAP_CONDUIT_SMC, 0xf, 0x86000042);
	memset(&ctx, 0xaa, sizeof(ctx));
	before = ctx;
	CHECK_INT(kvmtrap_call_ctx(&c, true, 0, &ctx), -EINVAL);
	CHECK(!memcmp(&ctx, &before, sizeof(ctx)), "the context was written");

	kvmtrap_call_query(&c, true, 0, &q);
	CHECK_INT(kvmtrap_call_valid(&q), -EINVAL);
	CHECK_INT(kvmtrap_ctx_from_call(&q, &ctx), -EINVAL);
	CHECK(!memcmp(&ctx, &before, sizeof(ctx)), "the context was written");

	/* the same from AArch64, or as an HVC, is a call */
	CHECK_INT(kvmtrap_call_ctx(&c, false, 0, &ctx), 0);
	CHECK_INT(ctx.imm, 0xf);
	c.conduit = KVM_TRAP_CONDUIT_HVC;
	CHECK_INT(kvmtrap_call_ctx(&c, true, 0, &ctx), 0);
	CHECK_INT(ctx.imm, 0xf);
	CHECK_INT(ctx.flags, KVM_TRAP_F_AARCH32);
}

/* kvmtrap_call_valid(): conduit, flags and the immediate's range. */
static void test_call_valid(void)
{
	struct kvm_trap_query q = {
		.conduit = KVM_TRAP_CONDUIT_HVC, .imm = 0xffff,
	};

	CHECK_INT(kvmtrap_call_valid(&q), 0);
	q.imm = 0x10000;
	CHECK_INT(kvmtrap_call_valid(&q), -EINVAL);
	q.imm = 0;
	q.conduit = KVM_TRAP_CONDUIT_PAPR_HCALL;
	CHECK_INT(kvmtrap_call_valid(&q), -EINVAL);
	q.conduit = 0;
	CHECK_INT(kvmtrap_call_valid(&q), -EINVAL);
	q.conduit = KVM_TRAP_CONDUIT_SMC;
	q.flags = KVM_TRAP_QUERY_AARCH32;
	CHECK_INT(kvmtrap_call_valid(&q), 0);
	q.flags = 1U << 1;
	CHECK_INT(kvmtrap_call_valid(&q), -EINVAL);
}

static void test_call_query(void)
{
	struct kvm_trap_query q;
	struct kvmtrap_call c;
	int i;

	make_call(&c, KVM_TRAP_CONDUIT_SMC, 0x10, 0x12345678c6000042ull);
	memset(&q, 0xaa, sizeof(q));
	kvmtrap_call_query(&c, true, 5, &q);
	CHECK_INT(q.conduit, KVM_TRAP_CONDUIT_SMC);
	CHECK_INT(q.flags, KVM_TRAP_QUERY_AARCH32);
	CHECK_INT(q.imm, 0x10);
	CHECK_INT(q.vcpu_id, 5);
	/* the registers go as given: KVM narrows them itself */
	CHECK_U64(q.regs[0], 0x12345678c6000042ull);
	for (i = 1; i < 8; i++)
		CHECK_U64(q.regs[i], ARG(i));
	CHECK_INT(q.stage, 0);
	CHECK_INT(q.verdict, 0);
	CHECK_INT(q.link_id, 0);
	CHECK_INT(q.prog_id, 0);
	CHECK_INT(q.out_flags, 0);
	CHECK_INT(q.pad, 0);
	for (i = 0; i < 4; i++)
		CHECK_U64(q.ret[i], 0);

	kvmtrap_call_query(&c, false, 0, &q);
	CHECK_INT(q.flags, 0);
}

static void test_call_is_arch_range(void)
{
	static const struct {
		uint32_t imm;
		uint64_t func_id;
		bool want;
	} cases[] = {
		{ 0, 0x80000000, true },	/* SMCCC_VERSION */
		{ 0, 0x80008000, true },	/* ARCH_WORKAROUND_1 */
		{ 0, 0x8000ffff, true },
		{ 0, 0xc0000001, true },	/* SMC64 arch call */
		{ 0, 0x180000000ull, true },	/* w0 is what counts */
		{ 0, 0x84000000, false },	/* PSCI_VERSION */
		{ 0, 0x81000000, false },	/* CPU service */
		{ 0, 0x00000000, false },	/* yielding call */
		{ 0, 0x40000000, false },
		{ 1, 0x80000000, false },	/* an immediate: not SMCCC */
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct kvmtrap_call c = {
			.conduit = KVM_TRAP_CONDUIT_HVC,
			.imm = cases[i].imm,
			.func_id = cases[i].func_id,
		};

		CHECK(kvmtrap_call_is_arch_range(&c) == cases[i].want,
		      "imm %u func 0x%" PRIx64, cases[i].imm,
		      cases[i].func_id);
	}
}

static void test_call_describe(void)
{
	char buf[128];

	kvmtrap_call_describe(KVM_TRAP_CONDUIT_HVC, 0, 0x84000000, buf,
			      sizeof(buf));
	CHECK_STR(buf, "hvc PSCI_VERSION (0x84000000)");
	kvmtrap_call_describe(KVM_TRAP_CONDUIT_SMC, 0x10, 0x1234, buf,
			      sizeof(buf));
	CHECK_STR(buf, "smc #0x10 0x1234");
	kvmtrap_call_describe(KVM_TRAP_CONDUIT_SMC, 0xffff, 0xc4000003, buf,
			      sizeof(buf));
	CHECK_STR(buf, "smc #0xffff PSCI_CPU_ON_64 (0xc4000003)");
	kvmtrap_call_describe(7, 0, 0, buf, sizeof(buf));
	CHECK_STR(buf, "conduit 7 0x0");
}

static void test_range_name(void)
{
	char buf[128];

	CHECK(kvmtrap_range_name(0x84000000, 0x84000000, buf, sizeof(buf)),
	      "PSCI_VERSION has a name");
	CHECK_STR(buf, "PSCI_VERSION");
	CHECK(kvmtrap_range_name(0x84000000, 0x84000003, buf, sizeof(buf)),
	      "a range of known ends has a name");
	CHECK_STR(buf, "PSCI_VERSION..PSCI_CPU_ON");
	CHECK(kvmtrap_range_name(0x84000000, 0x8400001f, buf, sizeof(buf)),
	      "a range with an unknown end is named by its first");
	CHECK_STR(buf, "PSCI_VERSION..0x8400001f");
	CHECK(!kvmtrap_range_name(0x84000020, 0x8400003f, buf, sizeof(buf)),
	      "a range with an unknown first has no name");
	CHECK_STR(buf, "-");
	CHECK(!kvmtrap_range_name(0xc6000042, 0xc6000042, buf, sizeof(buf)),
	      "an unknown call has no name");
	CHECK_STR(buf, "-");
}

/* ---- error messages --------------------------------------------------- */

static void test_hints(void)
{
	static const struct {
		enum kvmtrap_op op;
		int err;
		const char *fix;
	} cases[] = {
		{ KVMTRAP_OP_OPEN_VM, EPERM,
		  "run as the VMM's user or with CAP_SYS_PTRACE" },
		{ KVMTRAP_OP_OPEN_VM, -EPERM,
		  "run as the VMM's user or with CAP_SYS_PTRACE" },
		{ KVMTRAP_OP_OPEN_VM, ESRCH,
		  "no process with that pid: kvmtrap list shows the VMs and their fds" },
		{ KVMTRAP_OP_OPEN_VM, EEXIST,
		  "the process has several VM fds: give one as --vm PID:FD (kvmtrap list shows the VMs and their fds)" },
		{ KVMTRAP_OP_OPEN_VM, ENOTTY,
		  "that fd is not a KVM VM: kvmtrap list shows the VMs and their fds" },
		{ KVMTRAP_OP_OPEN_VM, EOPNOTSUPP,
		  "the kernel lacks KVM_CAP_TRAP_BPF: boot a kernel built with CONFIG_KVM_TRAP_BPF" },
		{ KVMTRAP_OP_OPEN_POLICY, ENOEXEC,
		  "the object has no kvm_trap program: a policy needs exactly one SEC(\"kvm_trap\") program" },
		{ KVMTRAP_OP_OPEN_POLICY, ENOENT,
		  "check the path of the BPF object" },
		{ KVMTRAP_OP_LOAD, EACCES,
		  "the verifier rejected the policy: rerun with -v for the verifier log" },
		{ KVMTRAP_OP_LOAD, -EINVAL,
		  "the verifier rejected the policy: rerun with -v for the verifier log" },
		{ KVMTRAP_OP_LOAD, EPERM,
		  "run as root (BPF needs CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN)" },
		{ KVMTRAP_OP_ATTACH, E2BIG,
		  "the VM has as many links as KVM_CAP_TRAP_BPF allows: detach one (kvmtrap detach --vm VM --link ID)" },
		{ KVMTRAP_OP_REPLACE, ENOLINK,
		  "the link is defunct (detached, or its VM is gone): attach the policy as a new link" },
		{ KVMTRAP_OP_QUERY, ENOTTY,
		  "the kernel lacks KVM_TRAP_QUERY: boot a kernel with kvmtrap's query" },
		{ KVMTRAP_OP_TRACE, ENOENT,
		  "the VM has no policy with a kvmtrap_events ring buffer: attach one that calls kvmtrap_emit()" },
		/* EPERM means something else for a replace */
		{ KVMTRAP_OP_REPLACE, EPERM,
		  "the link's program changed meanwhile: run kvmtrap replace again" },
		{ KVMTRAP_OP_STATS, EIO,
		  "KVM takes this VM's ioctls only from the process that created it, and not while the VM is being destroyed" },
		{ KVMTRAP_OP_PRUNE, ENOTEMPTY,
		  "a pin in it could not be removed (see above); run kvmtrap prune again once it is fixed" },
		{ KVMTRAP_OP_PRUNE, EACCES,
		  "run as root (BPF needs CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN)" },
		/* any other: a way to learn more */
		{ KVMTRAP_OP_QUERY, EXDEV, "rerun with -v for libbpf's messages" },
		{ KVMTRAP_OP_LIST, 0, "rerun with -v for libbpf's messages" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		CHECK_STR(kvmtrap_hint(cases[i].op, cases[i].err),
			  cases[i].fix);
}

static void test_format_error(void)
{
	char buf[256];
	int n;

	n = kvmtrap_format_error(buf, sizeof(buf), "attach to", "VM 1234-7",
				 -EPERM,
				 kvmtrap_hint(KVMTRAP_OP_OPEN_VM, -EPERM));
	CHECK_STR(buf, "kvmtrap: attach to VM 1234-7: Operation not permitted: "
		  "run as the VMM's user or with CAP_SYS_PTRACE");
	CHECK_INT(n, strlen(buf));

	kvmtrap_format_error(buf, sizeof(buf), "open policy", "x.bpf.o",
			     ENOENT, "check the path of the BPF object");
	CHECK_STR(buf, "kvmtrap: open policy x.bpf.o: No such file or "
		  "directory: check the path of the BPF object");

	CHECK_STR(kvmtrap_strerror(-524), "Operation not supported (ENOTSUPP)");
	CHECK_STR(kvmtrap_strerror(EACCES), "Permission denied");
}

/* ---- JSON ------------------------------------------------------------- */

static char *json_of(void (*write)(struct kvmtrap_json *j))
{
	struct kvmtrap_json j;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	kvmtrap_json_init(&j, f);
	write(&j);
	fclose(f);
	return buf;
}

static void write_doc(struct kvmtrap_json *j)
{
	kvmtrap_json_begin_object(j);
	kvmtrap_json_kv_string(j, "vm", "123-7");
	kvmtrap_json_kv_u64(j, "pid", 123);
	kvmtrap_json_kv_u64(j, "big", UINT64_MAX);
	kvmtrap_json_kv_bool(j, "t", true);
	kvmtrap_json_kv_bool(j, "f", false);
	kvmtrap_json_kv_string(j, "none", NULL);
	kvmtrap_json_key(j, "n");
	kvmtrap_json_null(j);
	kvmtrap_json_key(j, "empty");
	kvmtrap_json_begin_array(j);
	kvmtrap_json_end_array(j);
	kvmtrap_json_key(j, "links");
	kvmtrap_json_begin_array(j);
	kvmtrap_json_begin_object(j);
	kvmtrap_json_kv_u64(j, "link_id", 5);
	kvmtrap_json_end_object(j);
	kvmtrap_json_begin_object(j);
	kvmtrap_json_end_object(j);
	kvmtrap_json_u64(j, 0);
	kvmtrap_json_begin_array(j);
	kvmtrap_json_u64(j, 1);
	kvmtrap_json_u64(j, 2);
	kvmtrap_json_end_array(j);
	kvmtrap_json_end_array(j);
	kvmtrap_json_kv_u64(j, "last", 0);
	kvmtrap_json_end_object(j);
}

static void write_escapes(struct kvmtrap_json *j)
{
	kvmtrap_json_begin_array(j);
	kvmtrap_json_string(j, "q\"b\\s/");
	kvmtrap_json_string(j, "n\nt\tr\r");
	kvmtrap_json_string(j, "\x01\x1f\x7f");
	kvmtrap_json_string(j, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	kvmtrap_json_string(j, "bad\xff" "end");
	kvmtrap_json_string(j, "cut\xc3");
	kvmtrap_json_string(j, "overlong\xc0\xaf");
	kvmtrap_json_string(j, "surrogate\xed\xa0\x80");
	kvmtrap_json_string(j, "");
	kvmtrap_json_end_array(j);
}

static void write_top_level_values(struct kvmtrap_json *j)
{
	/* trace writes one object per line: each starts afresh */
	kvmtrap_json_begin_object(j);
	kvmtrap_json_kv_u64(j, "a", 1);
	kvmtrap_json_end_object(j);
	fputc('\n', j->f);
	kvmtrap_json_init(j, j->f);
	kvmtrap_json_begin_object(j);
	kvmtrap_json_kv_u64(j, "a", 2);
	kvmtrap_json_end_object(j);
}

static void test_json(void)
{
	char *s;

	s = json_of(write_doc);
	CHECK_STR(s, "{\"vm\":\"123-7\",\"pid\":123,"
		  "\"big\":18446744073709551615,\"t\":true,\"f\":false,"
		  "\"none\":null,\"n\":null,\"empty\":[],"
		  "\"links\":[{\"link_id\":5},{},0,[1,2]],\"last\":0}");
	free(s);

	s = json_of(write_escapes);
	CHECK_STR(s, "[\"q\\\"b\\\\s/\",\"n\\nt\\tr\\r\","
		  "\"\\u0001\\u001f\\u007f\","
		  "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\","
		  "\"bad\\ufffdend\",\"cut\\ufffd\","
		  "\"overlong\\ufffd\\ufffd\","
		  "\"surrogate\\ufffd\\ufffd\\ufffd\",\"\"]");
	free(s);

	s = json_of(write_top_level_values);
	CHECK_STR(s, "{\"a\":1}\n{\"a\":2}");
	free(s);
}

static const struct host_test tests[] = {
	HOST_TEST(test_parse_u64_good),
	HOST_TEST(test_parse_u64_bad),
	HOST_TEST(test_parse_opt_u64),
	HOST_TEST(test_parse_vm_good),
	HOST_TEST(test_parse_vm_bad),
	HOST_TEST(test_vm_spec_describe),
	HOST_TEST(test_parse_set_good),
	HOST_TEST(test_parse_set_bad),
	HOST_TEST(test_parse_call_good),
	HOST_TEST(test_parse_call_bad),
	HOST_TEST(test_parse_rule_good),
	HOST_TEST(test_parse_rule_bad),
	HOST_TEST(test_rule_describe),
	HOST_TEST(test_rule_check),
	HOST_TEST(test_rule_precedence),
	HOST_TEST(test_call_ctx_smc64),
	HOST_TEST(test_call_ctx_smc32_narrows_args),
	HOST_TEST(test_call_ctx_smccc_func_is_w0),
	HOST_TEST(test_call_ctx_imm_keeps_x0),
	HOST_TEST(test_call_ctx_aarch32),
	HOST_TEST(test_call_ctx_fewer_args),
	HOST_TEST(test_check_call_aarch32_smc_imm),
	HOST_TEST(test_check_call_good),
	HOST_TEST(test_call_ctx_refuses_aarch32_smc_imm),
	HOST_TEST(test_call_valid),
	HOST_TEST(test_call_query),
	HOST_TEST(test_call_is_arch_range),
	HOST_TEST(test_call_describe),
	HOST_TEST(test_range_name),
	HOST_TEST(test_hints),
	HOST_TEST(test_format_error),
	HOST_TEST(test_json),
};

int main(void)
{
	return host_run_tests(tests, ARRAY_SIZE(tests));
}
