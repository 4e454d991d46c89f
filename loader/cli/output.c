// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * output.c: what several commands print, as text and as JSON, so that
 * a link, a handled-call list or a return value reads the same in each.
 */
#include <stdio.h>

#include "kvmtrap_arch.h"
#include "main.h"

/* ---- Shared output ---------------------------------------------------- */

const char *verdict_str(uint32_t v)
{
	const char *n = kvmtrap_verdict_name(v);

	/* The verifier bounds a program's return value to the verdicts. */
	return n ? n : "unknown";
}

const char *name_or_dash(const char *s)
{
	return s && *s ? s : "-";
}

/* Whether a VM takes forwarded calls: 1, 0, or < 0 for unknown. */
const char *forwards_word(int forwards)
{
	return forwards < 0 ? "-" : forwards ? "yes" : "no";
}

struct kvmtrap_json jw;

void json_begin(void)
{
	kvmtrap_json_init(&jw, stdout);
}

void json_end(void)
{
	putchar('\n');
}

void json_link(const struct kvmtrap_link_info *li)
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
void json_forwards(int forwards)
{
	kvmtrap_json_key(&jw, "accepts_forwards");
	if (forwards < 0)
		kvmtrap_json_null(&jw);
	else
		kvmtrap_json_bool(&jw, forwards);
}

void json_links(const struct kvmtrap_link_info *l, int n)
{
	int i;

	kvmtrap_json_begin_array(&jw);
	for (i = 0; i < n; i++)
		json_link(&l[i]);
	kvmtrap_json_end_array(&jw);
}

/* "  link 5  prog 9  deny  pinned" */
void print_link(const struct kvmtrap_link_info *li)
{
	const char *state = li->pinned && li->defunct ? "pinned,defunct" :
			     li->pinned ? "pinned" :
			     li->defunct ? "defunct" : "-";

	printf("  link %u  prog %u  %s  %s\n", li->link_id, li->prog_id,
	       name_or_dash(li->prog_name), state);
}

void json_handled(const struct kvmtrap_handled_entry *e, int n)
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
		/* route_table's rules may be for any conduit, any immediate. */
		kvmtrap_json_kv_string(&jw, "conduit",
				       k->conduit == ROUTE_CONDUIT_ANY ? "any" :
				       kvmtrap_conduit_name(k->conduit));
		if (k->imm == ROUTE_IMM_ANY) {
			kvmtrap_json_key(&jw, "imm");
			kvmtrap_json_null(&jw);
		} else {
			kvmtrap_json_kv_u64(&jw, "imm", k->imm);
		}
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

void print_handled(const struct kvmtrap_handled_entry *e, int n)
{
	int i;

	printf(HANDLED_FMT, "CONDUIT", "IMM", "FIRST", "LAST", "ROUTE",
	       "OWNER", "HITS", "NAME");
	for (i = 0; i < n; i++) {
		const struct kvmtrap_handled_key *k = &e[i].key;
		const struct kvmtrap_handled_val *v = &e[i].val;
		char name[128], imm[16], first[24], last[24], hits[24];

		kvmtrap_range_name(k->first, k->last, name, sizeof(name));
		if (k->imm == ROUTE_IMM_ANY)
			snprintf(imm, sizeof(imm), "any");
		else
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
		       k->conduit == ROUTE_CONDUIT_ANY ? "any" :
		       name_or_dash(kvmtrap_conduit_name(k->conduit)), imm,
		       first, last,
		       name_or_dash(kvmtrap_route_name(v->route)),
		       name_or_dash(kvmtrap_owner_name(v->owner)), hits, name);
	}
}

void json_ret(const uint64_t *ret, uint64_t mask)
{
	int i;

	kvmtrap_json_begin_array(&jw);
	for (i = 0; i < (int)KVMTRAP_ARCH->nr_ret; i++)
		kvmtrap_json_u64(&jw, ret[i] & mask);
	kvmtrap_json_end_array(&jw);
}

/* The registers a HANDLED call returns: x0..x3, r3..r12. */
void print_ret(const uint64_t *ret, uint64_t mask)
{
	int i;

	printf("; ret");
	for (i = 0; i < (int)KVMTRAP_ARCH->nr_ret; i++)
		printf(" 0x%llx", (unsigned long long)(ret[i] & mask));
}

/*
 * After a policy went in: a VM whose VMM did not opt in to forwards turns
 * its programs' FORWARD verdicts into DENY, which the policy's author may
 * not expect.
 */
void warn_forwards(const struct kvmtrap_vm *vm)
{
	if (!KVMTRAP_ARCH->forward_opt_in || kvmtrap_vm_forwards(vm) != 0)
		return;
	fprintf(stderr,
		"kvmtrap: warning: VM %s does not accept forwards: FORWARD verdicts of its programs are refused (the guest gets NOT_SUPPORTED) until its VMM opts in (KVM_ENABLE_CAP KVM_CAP_TRAP_BPF with KVM_TRAP_ENABLE_FORWARD, or kvmtrap_vm_accept_forwards())\n",
		kvmtrap_vm_name(vm));
}
