// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * call.c: the commands on a described call: query (how KVM would route
 * it) and test (what a policy decides on it, without a VM).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "main.h"

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

int do_query(int argc, char **argv)
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

int do_test(int argc, char **argv)
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
