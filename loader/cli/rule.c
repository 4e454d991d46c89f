// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * rule.c: the rule command, which edits and lists the rules of the
 * route_table policy linked to a VM.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "main.h"

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

int do_rule(int argc, char **argv)
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
