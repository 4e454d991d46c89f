// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrap_cli_bpftool - bpftool sees what "kvmtrap attach" made: the VM's
 * kvm_trap link running the policy (link show), and the pinned handled
 * list, a hash map with BTF, its entry printed by field (map dump).
 *
 * The test VMM, run() and the JSON parser: lib/kvmtrap_cli_common.h.
 */
#include "lib/kvmtrap_cli_common.h"

/* ---- Tests: bpftool sees what the CLI made ------------------------------- */

/*
 * bpftool link show: a kvm_trap link of the VM, running the policy.  (The
 * whole list: "link show id N" and "pinned PATH" exit 255 after printing
 * in this bpftool, from a stale errno in do_show().)
 */
static void test_bpftool_link_show(void)
{
	char line[512], want[64];
	struct attached a;
	struct jv *o, *l = NULL;
	struct vmm v;
	struct run r;
	int i;

	vmm_start(&v, NULL);
	a = cli_attach(&v, 0, SET_HANDLE_A);

	run(&r, "bpftool link show");
	expect_ok(&r);
	snprintf(want, sizeof(want), "%u: kvm_trap ", a.link_id);
	for (i = 0; line_at(r.out, i, line, sizeof(line)); i++)
		if (!strncmp(line, want, strlen(want)))
			break;
	CHECK(line_at(r.out, i, line, sizeof(line)),
	      "bpftool link show has no line \"%s...\":\n%s", want, r.out);
	snprintf(want, sizeof(want), "prog %u", a.prog_id);
	CHECK(strstr(line, want), "bpftool link show: \"%s\" without \"%s\"", line,
	      want);
	CHECK(line_at(r.out, i + 1, line, sizeof(line)), "no line after the link's");
	snprintf(want, sizeof(want), "vm %s", v.name[0]);
	CHECK(strstr(line, want) && !strstr(line, "defunct"),
	      "bpftool link show: \"%s\", expected \"%s\" (not defunct)", line,
	      want);

	run(&r, "bpftool -j link show");
	o = run_json(&r);
	CHECK(o->type == J_ARR, "bpftool -j link show is not an array:\n%s", r.out);
	for (i = 0; i < o->n; i++)
		if (ju64(jat(o, i), "id") == a.link_id)
			l = jat(o, i);
	CHECK(l, "link %u not in bpftool -j link show:\n%s", a.link_id, r.out);
	jexpect_str(l, "type", "kvm_trap");
	jexpect_u64(l, "prog_id", a.prog_id);
	jexpect_u64(l, "vm_pid", v.pid);
	jexpect_u64(l, "vm_fd", v.vm_fd[0]);
	jexpect_bool(l, "defunct", false);

	run(&r, "bpftool -j prog show id %u", a.prog_id);
	o = run_json(&r);
	jexpect_str(o, "type", "kvm_trap");
	jexpect_str(o, "name", PROG_NAME);
}

/*
 * bpftool on the pinned handled list: a hash map named kvmtrap_handled
 * with BTF, the policy's entry printed by field, route and owner by name.
 */
static void test_bpftool_map_dump(void)
{
	const char *path;
	char buf[PATH_MAX];
	struct jv *o, *f;
	struct vmm v;
	struct run r;
	int i, found = 0;

	vmm_start(&v, NULL);
	cli_attach(&v, 0, SET_HANDLE_A);
	for (i = 0; i < 3; i++)
		call_expect(&v, 0, FUNC_A, ANSWER_A);
	snprintf(buf, sizeof(buf), PIN_ROOT "/%s/handled", v.name[0]);
	path = buf;

	run(&r, "bpftool -j map show pinned %s", path);
	o = run_json(&r);
	jexpect_str(o, "name", KVMTRAP_HANDLED_MAP_NAME);
	jexpect_str(o, "type", "hash");
	jexpect_u64(o, "bytes_key", sizeof(struct kvmtrap_handled_key));
	jexpect_u64(o, "bytes_value", sizeof(struct kvmtrap_handled_val));
	jexpect_u64(o, "max_entries", KVMTRAP_HANDLED_MAX);

	run(&r, "bpftool -j map dump pinned %s", path);
	o = run_json(&r);
	CHECK(o->type == J_ARR, "map dump is not an array:\n%s", r.out);
	for (i = 0; i < o->n; i++) {
		struct jv *key, *val;

		f = jobj(jat(o, i), "formatted");
		key = jobj(f, "key");
		val = jobj(f, "value");
		jkeys(key, "conduit,imm,first,last");
		jkeys(val, "route,owner,hits");
		if (!strcmp(jstr(val, "owner"), "KVMTRAP_OWNER_KERNEL")) {
			CHECK((!strcmp(jstr(val, "route"), "KVMTRAP_ROUTE_NATIVE") ||
			       !strcmp(jstr(val, "route"), "KVMTRAP_ROUTE_NATIVE_EL2")) &&
			      !ju64(val, "hits"),
			      "kernel entry %d: route %s hits %lu", i,
			      jstr(val, "route"), ju64(val, "hits"));
			continue;
		}
		found++;
		jexpect_u64(key, "conduit", KVM_TRAP_CONDUIT_HVC);
		jexpect_u64(key, "imm", 0);
		jexpect_u64(key, "first", FUNC_A);
		jexpect_u64(key, "last", FUNC_A);
		jexpect_str(val, "route", "KVMTRAP_ROUTE_BPF");
		jexpect_str(val, "owner", "KVMTRAP_OWNER_POLICY");
		jexpect_u64(val, "hits", 3);
	}
	CHECK(found == 1, "%d policy entries in the map, expected 1:\n%s", found,
	      r.out);

	/* Plain: bpftool prints BTF-formatted JSON too. */
	run(&r, "bpftool map dump pinned %s", path);
	expect_ok(&r);
	CHECK(strstr(r.out, "KVMTRAP_ROUTE_BPF") && strstr(r.out, "KVMTRAP_OWNER_POLICY"),
	      "bpftool map dump does not name route and owner:\n%s", r.out);
}

int main(int argc, char *argv[])
{
	static const struct kvmtrap_test tests[] = {
		KVMTRAP_TEST(test_bpftool_link_show),
		KVMTRAP_TEST(test_bpftool_map_dump),
	};

	return kvmtrap_run_tests(tests, ARRAY_SIZE(tests));
}
