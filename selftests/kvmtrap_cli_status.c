// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrap_cli_status - "kvmtrap status" and "kvmtrap handled" as a user runs
 * them, against real VMs held by test VMM processes: the link and the
 * counters moving exactly with the guest's calls (also while it loops),
 * what the kernel handles shown for a VM with nothing attached, the
 * handled list entry by entry against "kvmtrap query" (and bpftool's dump
 * of the pinned map), and its table.
 *
 * The test VMM, run() and the JSON parser: lib/kvmtrap_cli_common.h.
 */
#include "lib/kvmtrap_cli_common.h"

/* The entry of @owner whose range holds (@conduit, @imm, @id), or NULL. */
static const struct hentry *covering_hentry(const struct hentry *h, int n,
					    const char *conduit, uint32_t imm,
					    uint64_t id, const char *owner)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(h[i].conduit, conduit) && h[i].imm == imm &&
		    h[i].first <= id && id <= h[i].last &&
		    (!owner || !strcmp(h[i].owner, owner)))
			return &h[i];
	return NULL;
}

/* ---- Tests: status ------------------------------------------------------- */

/*
 * status: the link, the six counters moving exactly with the guest's calls
 * (and equal to what the VMM reads itself), the policy's handled entry
 * counting its answers.
 */
static void test_status_counts_calls(void)
{
	struct hentry h[KVMTRAP_HANDLED_MAX];
	struct kt_stats s0, s1;
	struct attached a;
	struct jv *o;
	struct vmm v;
	struct run r;
	int i, n;
	const char *const counters[] = { "pass", "handled", "forward", "deny",
					  "undef", "forward_refused" };
	char id[16];

	vmm_start(&v, NULL);
	a = cli_attach(&v, 0, SET_HANDLE_A " --set other=3");
	o = cli_status(&v, 0, &r);
	CHECK(jarr(o, "links")->n == 1, "not one link in status:\n%s", r.out);
	expect_json_link(jat(jarr(o, "links"), 0), &a, PROG_NAME);
	s0 = json_stats(o);
	expect_stats_equal(s0, vmm_stats(&v, 0), "status before the calls");

	for (i = 0; i < 5; i++)
		call_expect(&v, 0, FUNC_A, ANSWER_A);
	for (i = 0; i < 3; i++)
		call_expect_default(&v, 0, FUNC_OTHER);	/* denied */

	o = cli_status(&v, 0, &r);
	s1 = json_stats(o);
	expect_stats_equal(s1, (struct kt_stats){
		.pass = s0.pass, .handled = s0.handled + 5,
		.forward = s0.forward, .deny = s0.deny + 3,
		.undef = s0.undef, .refused = s0.refused,
	}, "status after 5 handled and 3 denied calls");
	expect_stats_equal(s1, vmm_stats(&v, 0), "status vs the VMM's own reading");
	n = json_hentries(jarr(o, "handled"), h, KVMTRAP_HANDLED_MAX);
	expect_policy_hentry(h, n, "hvc", 0, FUNC_A, 5);
	CHECK(!covering_hentry(h, n, "hvc", 0, FUNC_OTHER, NULL),
	      "the denied call 0x%lx is in the handled list:\n%s",
	      (uint64_t)FUNC_OTHER, r.out);

	/* The same in text, and by PID:FD. */
	run(&r, "kvmtrap status --vm %d:%d", v.pid, v.vm_fd[0]);
	expect_ok(&r);
	for (i = 0; i < (int)ARRAY_SIZE(counters); i++)
		CHECK(has_word(r.out, counters[i]), "status does not show %s:\n%s",
		      counters[i], r.out);
	snprintf(id, sizeof(id), "%u", a.link_id);
	CHECK(has_word(r.out, id) && has_word(r.out, PROG_NAME),
	      "status does not show link %s of %s:\n%s", id, PROG_NAME, r.out);
	CHECK(strstr(r.out, v.name[0]), "status does not name VM %s:\n%s",
	      v.name[0], r.out);

	/* By KVM's name of the VM. */
	run(&r, "kvmtrap --json status --vm %s", v.name[0]);
	o = run_json(&r);
	jexpect_str(o, "vm", v.name[0]);
	CHECK(jarr(o, "links")->n == 1, "not one link in status by name:\n%s",
	      r.out);
	expect_json_link(jat(jarr(o, "links"), 0), &a, PROG_NAME);
}

/* status while the guest loops: the handled counter grows with its calls. */
static void test_status_while_guest_loops(void)
{
	struct hentry h[KVMTRAP_HANDLED_MAX];
	uint64_t h1, h2, d1;
	struct loop_result res;
	struct jv *o;
	struct vmm v;
	struct run r;
	int n;

	vmm_start(&v, NULL);
	cli_attach(&v, 0, SET_HANDLE_A);
	vmm_loop_start(&v, 0, KVM_TRAP_CONDUIT_HVC, FUNC_A, ANSWER_A, ANSWER_B);
	vmm_wait_calls(&v, 100);
	h1 = json_stats(cli_status(&v, 0, &r)).handled;
	d1 = vmm_loop_done(&v);
	CHECK(h1 >= 100 && h1 <= d1 + 1,
	      "status: %lu handled, the guest had made at least 100 and at most %lu calls",
	      h1, d1);
	vmm_wait_calls(&v, d1 + 100);
	h2 = json_stats(cli_status(&v, 0, &r)).handled;
	CHECK(h2 > h1 && h2 >= d1 + 100,
	      "status: %lu handled, then %lu after the guest made calls %lu..%lu",
	      h1, h2, d1, d1 + 100);
	res = vmm_loop_stop(&v);
	CHECK(!res.other && res.from_a == res.done,
	      "%lu of %lu calls not answered by the policy", res.other, res.done);

	o = cli_status(&v, 0, &r);
	jexpect_u64(jobj(o, "stats"), "handled", res.done);
	n = json_hentries(jarr(o, "handled"), h, KVMTRAP_HANDLED_MAX);
	expect_policy_hentry(h, n, "hvc", 0, FUNC_A, res.done);
}

/*
 * A VM without any list pinned (nothing attached): status still shows
 * what it handles in the kernel, KVM's own part, and pins nothing.
 */
static void test_status_without_list_shows_native(void)
{
	struct hentry h[KVMTRAP_HANDLED_MAX];
	char dir[PATH_MAX];
	struct jv *o;
	struct vmm v;
	struct run r;
	int n;

	vmm_start(&v, NULL);
	o = cli_status(&v, 0, &r);
	CHECK(!jarr(o, "links")->n, "links in status of a VM without any:\n%s",
	      r.out);
	n = json_hentries(jarr(o, "handled"), h, KVMTRAP_HANDLED_MAX);
	CHECK(covering_hentry(h, n, "hvc", 0, 0x84000000, "kernel") &&
	      covering_hentry(h, n, "smc", 0, 0x80000000, "kernel"),
	      "PSCI_VERSION or SMCCC_VERSION missing from status:\n%s", r.out);
	CHECK(!covering_hentry(h, n, "hvc", 0, FUNC_A, NULL),
	      "an unknown call in status:\n%s", r.out);
	snprintf(dir, sizeof(dir), PIN_ROOT "/%s", jstr(o, "vm"));
	CHECK(access(dir, F_OK) && errno == ENOENT,
	      "status pinned something: %s exists", dir);
}

/* ---- Tests: handled ------------------------------------------------------ */

static const char *known_name(uint64_t id)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(known_funcs); i++)
		if (known_funcs[i].id == id)
			return known_funcs[i].name;
	return NULL;
}

/* Calls no KVM service knows: never native, never in the list as kernel's. */
static const uint64_t unknown_funcs[] = {
	0x83000042,	/* OEM, SMC32 */
	0xc3000043,	/* OEM, SMC64 */
	0x84000fff,	/* standard secure service, unallocated */
	0xc5000000,	/* standard hypervisor service, not PV time */
	0x86000100,	/* vendor hypervisor service, unallocated */
	0x12345678,	/* not a fast call */
};

static void expect_query_native(struct vmm *v, const char *conduit,
				uint32_t imm, uint64_t id, bool el2,
				const char *why)
{
	struct qres q = cli_query(v, 0, "%s #0x%x 0x%lx", conduit, imm, id);
	char what[128];

	snprintf(what, sizeof(what), "%s #0x%x 0x%lx (%s)", conduit, imm, id, why);
	expect_query(&q, what, "native", "handled");
	CHECK(q.el2 == el2, "query %s: el2 %d, the list says %d", what, q.el2, el2);
}

static void expect_query_not_native(struct vmm *v, const char *conduit,
				    uint32_t imm, uint64_t id, const char *why)
{
	struct qres q = cli_query(v, 0, "%s #0x%x 0x%lx", conduit, imm, id);

	CHECK(strcmp(q.stage, "native"),
	      "query %s #0x%x 0x%lx (%s): stage native, but no kernel entry of the handled list covers it",
	      conduit, imm, id, why);
}

/*
 * The handled list agrees with the query, entry by entry: every kernel
 * range is native at both ends (el2 as its route says) and not just
 * outside them; every policy entry is answered by the link; IDs no
 * service knows are neither listed nor native.  bpftool's dump of the
 * pinned map holds the same entries.
 */
static void test_handled_agrees_with_query(void)
{
	static struct hentry h[KVMTRAP_HANDLED_MAX];
	struct kt_call c;
	struct attached a;
	struct jv *o, *dump;
	struct vmm v;
	struct run r;
	int i, n, kernel = 0;
	size_t k;

	vmm_start(&v, NULL);
	a = cli_attach(&v, 0, SET_HANDLE_A);
	call_expect(&v, 0, FUNC_A, ANSWER_A);
	call_expect(&v, 0, FUNC_A, ANSWER_A);
	c = kt_smccc(KVM_TRAP_CONDUIT_SMC, FUNC_A);
	vmm_call(&v, 0, &c, NULL);
	c = kt_imm_call(KVM_TRAP_CONDUIT_HVC, KT_IMM_42, FUNC_A);
	vmm_call(&v, 0, &c, NULL);

	run(&r, "kvmtrap --json handled --vm %d", v.pid);
	o = run_json(&r);
	jkeys(o, "vm,handled");
	jexpect_str(o, "vm", v.name[0]);
	n = json_hentries(jarr(o, "handled"), h, KVMTRAP_HANDLED_MAX);

	expect_policy_hentry(h, n, "hvc", 0, FUNC_A, 2);
	expect_policy_hentry(h, n, "smc", 0, FUNC_A, 1);
	expect_policy_hentry(h, n, "hvc", KT_IMM_42, FUNC_A, 1);
	CHECK(covering_hentry(h, n, "hvc", 0, 0x84000000, "kernel") &&
	      covering_hentry(h, n, "smc", 0, 0x84000000, "kernel") &&
	      covering_hentry(h, n, "hvc", 0, 0x80000000, "kernel"),
	      "PSCI_VERSION (hvc, smc) or SMCCC_VERSION not in the list as the kernel's:\n%s",
	      r.out);

	for (i = 0; i < n; i++) {
		const struct hentry *e = &h[i];
		bool is_kernel = !strcmp(e->owner, "kernel");
		const char *nf = known_name(e->first);
		const char *nl = known_name(e->last);

		CHECK(!strcmp(e->conduit, "hvc") || !strcmp(e->conduit, "smc"),
		      "entry %d: conduit %s", i, e->conduit);
		CHECK(e->first <= e->last, "entry %d: first 0x%lx > last 0x%lx", i,
		      e->first, e->last);
		if (i) {
			const struct hentry *p = &h[i - 1];
			int cc = strcmp(p->conduit, e->conduit);

			CHECK(cc < 0 || (!cc && (p->imm < e->imm ||
			      (p->imm == e->imm && p->last < e->first))),
			      "entries %d and %d not sorted by conduit, imm, ID or overlapping:\n%s",
			      i - 1, i, r.out);
		}
		if (is_kernel) {
			kernel++;
			CHECK((!strcmp(e->route, "native") ||
			       !strcmp(e->route, "native-el2")) && !e->hits &&
			      !e->imm, "kernel entry %d: route %s, hits %lu, imm %u",
			      i, e->route, e->hits, e->imm);
		} else {
			CHECK(!strcmp(e->owner, "policy") && !strcmp(e->route, "bpf") &&
			      e->first == e->last,
			      "entry %d: owner %s route %s 0x%lx..0x%lx", i,
			      e->owner, e->route, e->first, e->last);
		}
		if (e->first == e->last && nf)
			CHECK(e->has_name && !strcmp(e->name, nf),
			      "entry %d (0x%lx): name \"%s\", expected %s", i,
			      e->first, e->has_name ? e->name : "null", nf);
		if (e->first == e->last && !nf && e->first == FUNC_A)
			CHECK(!e->has_name, "entry %d (0x%lx): name \"%s\", expected null",
			      i, e->first, e->name);
		if (e->first != e->last && nf && nl)
			CHECK(e->has_name && strstr(e->name, "..") &&
			      strstr(e->name, nf) && strstr(e->name, nl),
			      "entry %d (0x%lx..0x%lx): name \"%s\", expected %s..%s",
			      i, e->first, e->last, e->has_name ? e->name : "null",
			      nf, nl);

		if (!is_kernel) {
			struct qres q = cli_query(&v, 0, "%s #0x%x 0x%lx", e->conduit,
						  e->imm, e->first);

			expect_query(&q, "of a policy entry", "bpf", "handled");
			CHECK(q.link_id == a.link_id && q.prog_id == a.prog_id,
			      "query of a policy entry: link %u prog %u, expected %u %u",
			      q.link_id, q.prog_id, a.link_id, a.prog_id);
			continue;
		}
		expect_query_native(&v, e->conduit, 0, e->first,
				    !strcmp(e->route, "native-el2"), "first of a range");
		if (e->last != e->first)
			expect_query_native(&v, e->conduit, 0, e->last,
					    !strcmp(e->route, "native-el2"),
					    "last of a range");
		if (e->first && !covering_hentry(h, n, e->conduit, 0,
						 e->first - 1, "kernel"))
			expect_query_not_native(&v, e->conduit, 0, e->first - 1,
						"just before a range");
		if (e->last < 0xffffffff &&
		    !covering_hentry(h, n, e->conduit, 0, e->last + 1, "kernel"))
			expect_query_not_native(&v, e->conduit, 0, e->last + 1,
						"just after a range");
	}
	for (k = 0; k < ARRAY_SIZE(unknown_funcs); k++) {
		CHECK(!covering_hentry(h, n, "hvc", 0, unknown_funcs[k], "kernel") &&
		      !covering_hentry(h, n, "smc", 0, unknown_funcs[k], "kernel"),
		      "unknown function 0x%lx listed as the kernel's:\n%s",
		      unknown_funcs[k], r.out);
		expect_query_not_native(&v, "hvc", 0, unknown_funcs[k], "unknown");
		expect_query_not_native(&v, "smc", 0, unknown_funcs[k], "unknown");
	}
	ksft_print_msg("%d handled entries, %d of them the kernel's, agree with the query\n",
		       n, kernel);

	/* bpftool sees the same list in the pinned map. */
	run(&r, "bpftool -j map dump pinned " PIN_ROOT "/%s/handled", v.name[0]);
	dump = run_json(&r);
	CHECK(dump->type == J_ARR && dump->n == n,
	      "the pinned map holds %d entries, the CLI listed %d:\n%s",
	      dump->type == J_ARR ? dump->n : -1, n, r.out);
	for (i = 0; i < dump->n; i++) {
		struct jv *f = jobj(jat(dump, i), "formatted");
		struct jv *key = jobj(f, "key"), *val = jobj(f, "value");
		const struct hentry *e;
		const char *conduit = ju64(key, "conduit") == KVM_TRAP_CONDUIT_SMC ?
				      "smc" : "hvc";
		uint64_t first = ju64(key, "first");

		e = covering_hentry(h, n, conduit, ju64(key, "imm"), first, NULL);
		CHECK(e && e->first == first && e->last == ju64(key, "last") &&
		      e->hits == ju64(val, "hits"),
		      "map entry %d (0x%lx) is not in the CLI's list the same way:\n%s",
		      i, first, r.out);
		CHECK(!strcmp(jstr(val, "owner"), !strcmp(e->owner, "kernel") ?
			      "KVMTRAP_OWNER_KERNEL" : "KVMTRAP_OWNER_POLICY"),
		      "map entry %d: owner %s, the CLI says %s", i,
		      jstr(val, "owner"), e->owner);
	}
}

/* The handled table: its header, and the policy's row with IDs in hex. */
static void test_handled_table(void)
{
	char line[512], tok[MAX_TOKENS][TOKEN_LEN];
	struct jv *o;
	struct vmm v;
	struct run r;
	int i, n, rows = 0, found = 0;
	const char *const head[] = { "CONDUIT", "IMM", "FIRST", "LAST", "ROUTE",
				     "OWNER", "HITS", "NAME" };

	vmm_start(&v, NULL);
	cli_attach(&v, 0, SET_HANDLE_A);
	call_expect(&v, 0, FUNC_A, ANSWER_A);
	call_expect(&v, 0, FUNC_A, ANSWER_A);

	run(&r, "kvmtrap handled --vm %d", v.pid);
	expect_ok(&r);
	CHECK(line_at(r.out, 0, line, sizeof(line)), "no output");
	n = tokens(line, tok);
	CHECK(n == 8, "header is not CONDUIT IMM FIRST LAST ROUTE OWNER HITS NAME:\n%s",
	      r.out);
	for (i = 0; i < 8; i++)
		CHECK(!strcmp(tok[i], head[i]), "header column %d is %s, expected %s:\n%s",
		      i, tok[i], head[i], r.out);
	for (i = 1; line_at(r.out, i, line, sizeof(line)); i++) {
		n = tokens(line, tok);
		if (!n)
			continue;
		rows++;
		CHECK(n == 8, "row of %d columns: \"%s\"", n, line);
		/* KVM's own entries have no hit count. */
		if (!strcmp(tok[5], "kernel"))
			CHECK(!strcmp(tok[6], "-"),
			      "kernel row with hits \"%s\": \"%s\"", tok[6], line);
		if (strcmp(tok[0], "hvc") || strtoull(tok[2], NULL, 16) != FUNC_A)
			continue;
		found++;
		CHECK(!strtoull(tok[1], NULL, 16) &&
		      strtoull(tok[3], NULL, 16) == FUNC_A &&
		      !strcmp(tok[4], "bpf") && !strcmp(tok[5], "policy") &&
		      !strcmp(tok[6], "2") && !strcmp(tok[7], "-"),
		      "policy row is not \"hvc 0 0x%x 0x%x bpf policy 2 -\": \"%s\"",
		      FUNC_A, FUNC_A, line);
		CHECK(strcasestr(tok[2], "c3000042"), "FIRST is not hex: \"%s\"", line);
	}
	CHECK(found == 1, "%d rows for hvc 0x%x:\n%s", found, FUNC_A, r.out);
	run(&r, "kvmtrap --json handled --vm %d", v.pid);
	o = run_json(&r);
	CHECK(jarr(o, "handled")->n == rows, "%d rows, %d JSON entries:\n%s", rows,
	      jarr(o, "handled")->n, r.out);
}

int main(int argc, char *argv[])
{
	static const struct kvmtrap_test tests[] = {
		KVMTRAP_TEST(test_status_counts_calls),
		KVMTRAP_TEST(test_status_while_guest_loops),
		KVMTRAP_TEST(test_status_without_list_shows_native),
		KVMTRAP_TEST(test_handled_agrees_with_query),
		KVMTRAP_TEST(test_handled_table),
	};

	return kvmtrap_run_tests(tests, ARRAY_SIZE(tests));
}
