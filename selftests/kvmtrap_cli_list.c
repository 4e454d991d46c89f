// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrap_cli_list - "kvmtrap list", "list --orphans" and "prune" as a user
 * runs them, against real VMs held by test VMM processes: no VM, VMs and
 * their links in text and --json (parsed back and checked), an unpinned
 * link; pins that outlived their VM listed as orphans, removed by prune
 * (--dry-run, --json, a live VM's pins kept, nothing to do).
 *
 * The test VMM, run() and the JSON parser: lib/kvmtrap_cli_common.h.
 */
#include "lib/kvmtrap_cli_common.h"

/* Processes with a KVM VM fd open, other than the VMMs of this test. */
static int other_vm_holders(void)
{
	char path[PATH_MAX], target[64];
	struct dirent *p, *f;
	DIR *proc, *fds;
	int n = 0;

	proc = opendir("/proc");
	CHECK(proc, "opendir /proc: %s", strerror(errno));
	while ((p = readdir(proc))) {
		if (!isdigit((unsigned char)p->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", p->d_name);
		fds = opendir(path);
		if (!fds)
			continue;
		while ((f = readdir(fds))) {
			char fd_path[PATH_MAX + 300];
			ssize_t k;

			snprintf(fd_path, sizeof(fd_path), "%s/%s", path, f->d_name);
			k = readlink(fd_path, target, sizeof(target) - 1);
			if (k < 0)
				continue;
			target[k] = 0;
			if (!strcmp(target, "anon_inode:kvm-vm"))
				n++;
		}
		closedir(fds);
	}
	closedir(proc);
	errno = 0;
	return n;
}

/* ---- Tests: list --------------------------------------------------------- */

/*
 * No VM on the host: said so, and an empty "vms" array (and "orphans",
 * which another test's VMs may have left, is there).
 */
static void test_list_no_vm(void)
{
	struct jv *o;
	struct run r;

	CHECK(!other_vm_holders(), "a process holds a KVM VM fd already");
	run(&r, "kvmtrap list");
	expect_ok(&r);
	CHECK(strstr(r.out, "no KVM VMs on this host"),
	      "no \"no KVM VMs on this host\": " RUN_FMT, RUN_ARGS(&r));
	run(&r, "kvmtrap --json list");
	o = run_json(&r);
	jkeys(o, "vms,orphans");
	CHECK(!jarr(o, "vms")->n, "VMs listed on a host without any:\n%s", r.out);
}

/* One VMM's VM, then its link: table and JSON agree with the kernel. */
static void test_list_vm_and_links(void)
{
	struct attached a;
	struct jv *o, *vms, *e;
	struct vmm v;
	struct run r;

	vmm_start(&v, NULL);
	run(&r, "kvmtrap --json list");
	o = run_json(&r);
	jkeys(o, "vms,orphans");
	vms = jarr(o, "vms");
	CHECK(vms->n == 1, "%d VMs listed, expected the VMM's one:\n%s", vms->n,
	      r.out);
	e = jat(vms, 0);
	jkeys(e, "vm,pid,fd,comm,accepts_forwards,links");
	jexpect_bool(e, "accepts_forwards", true);
	jexpect_str(e, "vm", v.name[0]);
	jexpect_u64(e, "pid", v.pid);
	jexpect_u64(e, "fd", v.vm_fd[0]);
	jexpect_str(e, "comm", VMM_COMM);
	CHECK(!jarr(e, "links")->n, "links listed before any attach:\n%s", r.out);
	run(&r, "kvmtrap list");
	expect_ok(&r);
	expect_list_row(r.out, &v, 0, 0, NULL);

	a = cli_attach(&v, 0, SET_HANDLE_A);
	run(&r, "kvmtrap --json list");
	o = run_json(&r);
	e = jat(jarr(o, "vms"), 0);
	jexpect_str(e, "vm", v.name[0]);
	CHECK(jarr(e, "links")->n == 1, "expected one link:\n%s", r.out);
	expect_json_link(jat(jarr(e, "links"), 0), &a, PROG_NAME);
	run(&r, "kvmtrap list");
	expect_ok(&r);
	expect_list_row(r.out, &v, 0, 1, &a);
}

/*
 * A link the VMM made itself (libbpf, not pinned) is listed too, as not
 * pinned, with its program's name.
 */
static void test_list_unpinned_link(void)
{
	char line[512], tok[MAX_TOKENS][TOKEN_LEN], want[16];
	struct jv *o, *l;
	struct vmm v;
	struct run r;
	uint32_t id;
	int i, n = 0;

	vmm_start(&v, NULL);
	vmm_hold_links(&v, 1, &id);

	run(&r, "kvmtrap --json list");
	o = run_json(&r);
	CHECK(jarr(jat(jarr(o, "vms"), 0), "links")->n == 1,
	      "not one link listed:\n%s", r.out);
	l = jat(jarr(jat(jarr(o, "vms"), 0), "links"), 0);
	jkeys(l, "link_id,prog_id,prog_name,pinned,defunct");
	jexpect_u64(l, "link_id", id);
	jexpect_str(l, "prog_name", "policy");
	jexpect_bool(l, "pinned", false);
	jexpect_bool(l, "defunct", false);

	run(&r, "kvmtrap list");
	expect_ok(&r);
	snprintf(want, sizeof(want), "%u", id);
	for (i = 1; line_at(r.out, i, line, sizeof(line)); i++) {
		n = tokens(line, tok);
		if (isspace((unsigned char)line[0]) && tokens_have(tok, n, want))
			break;
	}
	CHECK(line_at(r.out, i, line, sizeof(line)), "no line of link %s:\n%s",
	      want, r.out);
	CHECK(tokens_have(tok, n, "policy") && !tokens_have(tok, n, "pinned"),
	      "link line \"%s\" not \"policy\" or shown pinned", line);
}

/* ---- Tests: pins that outlive their VM: list and prune ------------------- */

#define NR_GONE		3

/* VMMs that each had a policy attached with "kvmtrap attach", then exited. */
struct gone {
	struct vmm v[NR_GONE];
	struct attached a[NR_GONE];
	int order[NR_GONE];	/* by pid, as list and prune sort them */
};

/*
 * Start from a bpffs without the pins of VMs that earlier suites left
 * behind, so that what the test sees is its own.
 */
static void prune_earlier(void)
{
	struct run r;

	run(&r, "kvmtrap prune");
	expect_ok(&r);
}

static void make_gone(struct gone *g)
{
	struct bpf_link_info info;
	int i, j, t;

	for (i = 0; i < NR_GONE; i++) {
		vmm_start(&g->v[i], NULL);
		g->a[i] = cli_attach(&g->v[i], 0, SET_HANDLE_A);
	}
	for (i = 0; i < NR_GONE; i++) {
		vmm_stop(&g->v[i]);
		CHECK(!link_info_by_id(g->a[i].link_id, &info) &&
		      info.kvm_trap.defunct,
		      "link %u is not defunct after its VM is gone",
		      g->a[i].link_id);
		g->order[i] = i;
	}
	for (i = 1; i < NR_GONE; i++)
		for (j = i; j > 0 && g->v[g->order[j]].pid <
				     g->v[g->order[j - 1]].pid; j--) {
			t = g->order[j];
			g->order[j] = g->order[j - 1];
			g->order[j - 1] = t;
		}
}

/* The element of "orphans" for VM @name, NULL when there is none. */
static const struct jv *json_orphan(const struct jv *orphans, const char *name)
{
	int i;

	for (i = 0; i < orphans->n; i++)
		if (!strcmp(jstr(jat(orphans, i), "vm"), name))
			return jat(orphans, i);
	return NULL;
}

/* What prune prints for the pins of gone VM @i of @g, in its order. */
static void prune_lines(const struct gone *g, int i, const char *verb,
			char **out, size_t *len)
{
	const struct attached *a = &g->a[i];
	const char *name = g->v[i].name[0];
	char line[PATH_MAX + 256];
	int n;

	n = snprintf(line, sizeof(line),
		     "%s link %u (prog %u " PROG_NAME ") of VM %s: " PIN_ROOT "/%s/link-%u\n"
		     "%s the handled-call list of VM %s: " PIN_ROOT "/%s/handled\n"
		     "%s the directory of VM %s: " PIN_ROOT "/%s\n",
		     verb, a->link_id, a->prog_id, name, name, a->link_id,
		     verb, name, name, verb, name, name);
	append(out, len, line, n);
}

/* The lines of @text that start with @prefix (a pin_snapshot()'s). */
static char *lines_with_prefix(const char *text, const char *prefix)
{
	const char *l, *end;
	char *out = NULL;
	size_t len = 0;

	append(&out, &len, "", 0);
	for (l = text; *l; l = end + 1) {
		end = strchrnul(l, '\n');
		if (!strncmp(l, prefix, strlen(prefix)))
			append(&out, &len, l, end - l + !!*end);
		if (!*end)
			break;
	}
	return out;
}

/* A link that its last unpin released goes shortly after (a workqueue). */
static void wait_link_freed(uint32_t id)
{
	uint64_t deadline = now_ms() + kt_deadline_ms(10 * 1000);
	struct bpf_link_info info;

	while (link_info_by_id(id, &info) != -ENOENT) {
		CHECK(now_ms() < deadline, "link %u still exists 10 s after prune",
		      id);
		sleep_ms(10);
	}
}

/*
 * list --json: each gone VM's directory under "orphans" with its defunct
 * link and its handled-call list; a live VM's only under "vms".
 */
static void test_list_orphans_json(void)
{
	const struct jv *o, *e, *l;
	char dir[PATH_MAX];
	struct attached live_a;
	struct gone g;
	struct vmm live;
	struct run r;
	int i;

	prune_earlier();
	vmm_start(&live, NULL);
	live_a = cli_attach(&live, 0, SET_HANDLE_A);
	make_gone(&g);

	run(&r, "kvmtrap --json list");
	o = run_json(&r);
	jkeys(o, "vms,orphans");
	CHECK(jarr(o, "orphans")->n == NR_GONE, "%d orphans, expected %d:\n%s",
	      jarr(o, "orphans")->n, NR_GONE, r.out);
	for (i = 0; i < NR_GONE; i++) {
		e = jat(jarr(o, "orphans"), i);
		jexpect_str(e, "vm", g.v[g.order[i]].name[0]);
	}
	for (i = 0; i < NR_GONE; i++) {
		e = json_orphan(jarr(o, "orphans"), g.v[i].name[0]);
		jkeys(e, "vm,dir,handled,links");
		snprintf(dir, sizeof(dir), PIN_ROOT "/%s", g.v[i].name[0]);
		jexpect_str(e, "dir", dir);
		jexpect_bool(e, "handled", true);
		CHECK(jarr(e, "links")->n == 1, "not one link of VM %s:\n%s",
		      g.v[i].name[0], r.out);
		l = jat(jarr(e, "links"), 0);
		jkeys(l, "link_id,prog_id,prog_name,pinned,defunct");
		jexpect_u64(l, "link_id", g.a[i].link_id);
		jexpect_u64(l, "prog_id", g.a[i].prog_id);
		jexpect_str(l, "prog_name", PROG_NAME);
		jexpect_bool(l, "pinned", true);
		jexpect_bool(l, "defunct", true);
	}
	CHECK(!json_orphan(jarr(o, "orphans"), live.name[0]),
	      "the live VM %s is listed as an orphan:\n%s", live.name[0], r.out);
	CHECK(jarr(o, "vms")->n == 1, "%d VMs, expected the live one:\n%s",
	      jarr(o, "vms")->n, r.out);
	e = jat(jarr(o, "vms"), 0);
	jexpect_str(e, "vm", live.name[0]);
	expect_json_link(jat(jarr(e, "links"), 0), &live_a, PROG_NAME);
}

/*
 * list: after the VM table, a table of the gone VMs' directories (VM
 * LINKS HANDLED DIR), each followed by its link, shown pinned,defunct.
 */
static void test_list_orphans_table(void)
{
	char line[512], tok[MAX_TOKENS][TOKEN_LEN], want[PATH_MAX];
	int i, j, k, n, head = -1;
	struct gone g;
	struct vmm live;
	struct run r;

	prune_earlier();
	vmm_start(&live, NULL);
	cli_attach(&live, 0, SET_HANDLE_A);
	make_gone(&g);

	run(&r, "kvmtrap list");
	expect_ok(&r);
	expect_list_row(r.out, &live, 0, 1, NULL);
	for (i = 0; line_at(r.out, i, line, sizeof(line)); i++)
		if (strstr(line, "orphaned pins") &&
		    strstr(line, "kvmtrap prune")) {
			head = i + 1;
			break;
		}
	CHECK(head > 0, "no line on orphaned pins naming kvmtrap prune:\n%s",
	      r.out);
	CHECK(line_at(r.out, head, line, sizeof(line)), "no header:\n%s", r.out);
	n = tokens(line, tok);
	CHECK(n == 4 && !strcmp(tok[0], "VM") && !strcmp(tok[1], "LINKS") &&
	      !strcmp(tok[2], "HANDLED") && !strcmp(tok[3], "DIR"),
	      "the orphans' header is not \"VM LINKS HANDLED DIR\":\n%s", r.out);
	/* Row, link line; row, link line; ... by pid. */
	for (k = 0; k < NR_GONE; k++) {
		i = g.order[k];
		j = head + 1 + 2 * k;
		CHECK(line_at(r.out, j, line, sizeof(line)),
		      "no row %d of the orphans:\n%s", k, r.out);
		n = tokens(line, tok);
		snprintf(want, sizeof(want), PIN_ROOT "/%s", g.v[i].name[0]);
		CHECK(n == 4 && !strcmp(tok[0], g.v[i].name[0]) &&
		      !strcmp(tok[1], "1") && !strcmp(tok[2], "yes") &&
		      !strcmp(tok[3], want),
		      "row %d is not \"%s 1 yes %s\":\n%s", k, g.v[i].name[0],
		      want, r.out);
		CHECK(line_at(r.out, j + 1, line, sizeof(line)) &&
		      isspace((unsigned char)line[0]),
		      "no link line after orphan %s:\n%s", g.v[i].name[0], r.out);
		n = tokens(line, tok);
		snprintf(want, sizeof(want), "%u", g.a[i].link_id);
		/* tokens() splits "pinned,defunct" at the comma. */
		CHECK(tokens_have(tok, n, want) &&
		      tokens_have(tok, n, PROG_NAME) &&
		      strstr(line, " pinned,defunct"),
		      "link line of %s is not link %s " PROG_NAME " pinned,defunct:\n%s",
		      g.v[i].name[0], want, r.out);
	}
	CHECK(!line_at(r.out, head + 1 + 2 * NR_GONE, line, sizeof(line)),
	      "more than the %d orphans listed:\n%s", NR_GONE, r.out);
}

/*
 * prune: removes each gone VM's link pin, handled-call list and directory,
 * printing one line for each, by pid; and nothing else.
 */
static void test_prune_removes_orphans(void)
{
	char *want = NULL;
	size_t len = 0;
	struct gone g;
	struct run r;
	int k;

	prune_earlier();
	make_gone(&g);
	append(&want, &len, "", 0);
	for (k = 0; k < NR_GONE; k++)
		prune_lines(&g, g.order[k], "removed", &want, &len);

	run(&r, "kvmtrap prune");
	expect_ok(&r);
	CHECK(!strcmp(r.out, want), "prune printed:\n%sexpected:\n%s", r.out,
	      want);
	free(want);
}

/*
 * prune leaves nothing of the gone VMs: no directory under PIN_ROOT, no
 * link in the kernel, no orphan in list.
 */
static void test_prune_leaves_nothing(void)
{
	char dir[PATH_MAX], *snap;
	struct gone g;
	struct run r;
	int i;

	prune_earlier();
	make_gone(&g);
	run(&r, "kvmtrap prune");
	expect_ok(&r);
	snap = pin_snapshot();
	for (i = 0; i < NR_GONE; i++) {
		snprintf(dir, sizeof(dir), PIN_ROOT "/%s", g.v[i].name[0]);
		CHECK(!strstr(snap, dir), "%s left after prune:\n%s", dir, snap);
		wait_link_freed(g.a[i].link_id);
	}
	free(snap);
	run(&r, "kvmtrap --json list");
	CHECK(!jarr(run_json(&r), "orphans")->n, "orphans after prune:\n%s",
	      r.out);
}

/*
 * A live VM's pins stay, even a defunct link pinned in its directory
 * (detached without unpinning), while the gone VMs' go; its live link
 * still answers.
 */
static void test_prune_keeps_live_vm(void)
{
	char dir[PATH_MAX], *before, *after, *before_vm, *after_vm;
	struct attached a, b;
	struct gone g;
	struct vmm live;
	struct run r;
	int fd;

	prune_earlier();
	vmm_start(&live, NULL);
	a = cli_attach(&live, 0, SET_HANDLE_A);
	b = cli_attach(&live, 0, SET_HANDLE_B);
	fd = bpf_obj_get(a.pin);
	CHECK(fd >= 0 && !bpf_link_detach(fd), "detach %s: %s", a.pin,
	      strerror(errno));
	close(fd);
	make_gone(&g);

	snprintf(dir, sizeof(dir), PIN_ROOT "/%s", live.name[0]);
	before = pin_snapshot();
	run(&r, "kvmtrap prune");
	expect_ok(&r);
	CHECK(!strstr(r.out, live.name[0]), "prune names the live VM %s:\n%s",
	      live.name[0], r.out);
	after = pin_snapshot();
	before_vm = lines_with_prefix(before, dir);
	after_vm = lines_with_prefix(after, dir);
	CHECK(!strcmp(before_vm, after_vm),
	      "prune changed %s:\nbefore:\n%safter:\n%s", dir, before_vm,
	      after_vm);
	CHECK(path_exists(a.pin) && path_exists(b.pin),
	      "a pin of live VM %s went:\n%s", live.name[0], after);
	expect_link(&live, 0, b.link_id, b.prog_id, PROG_NAME, b.pin);
	call_expect(&live, 0, FUNC_A, ANSWER_B);
	free(before_vm);
	free(after_vm);
	free(before);
	free(after);
}

/* prune --dry-run prints what prune would remove, and removes nothing. */
static void test_prune_dry_run(void)
{
	char *want = NULL, *before;
	size_t len = 0;
	struct gone g;
	struct jv *o;
	struct run r;
	int k;

	prune_earlier();
	make_gone(&g);
	append(&want, &len, "", 0);
	for (k = 0; k < NR_GONE; k++)
		prune_lines(&g, g.order[k], "would remove", &want, &len);

	before = pin_snapshot();
	run(&r, "kvmtrap prune --dry-run");
	expect_ok(&r);
	CHECK(!strcmp(r.out, want), "prune --dry-run printed:\n%sexpected:\n%s",
	      r.out, want);
	run(&r, "kvmtrap --json prune --dry-run");
	o = run_json(&r);
	jexpect_bool(o, "dry_run", true);
	CHECK(jarr(o, "removed")->n == 3 * NR_GONE,
	      "%d pins in \"removed\", expected %d:\n%s",
	      jarr(o, "removed")->n, 3 * NR_GONE, r.out);
	expect_pins_unchanged(before, "prune --dry-run");
	free(before);
	free(want);
}

/*
 * prune --json: per gone VM, its link (with link and program IDs), its
 * list and its directory, each with its path.
 */
static void test_prune_json(void)
{
	char path[PATH_MAX];
	const struct jv *o, *e;
	struct gone g;
	struct run r;
	int i, k;

	prune_earlier();
	make_gone(&g);
	run(&r, "kvmtrap --json prune");
	o = run_json(&r);
	jkeys(o, "dry_run,removed");
	jexpect_bool(o, "dry_run", false);
	CHECK(jarr(o, "removed")->n == 3 * NR_GONE,
	      "%d pins in \"removed\", expected %d:\n%s",
	      jarr(o, "removed")->n, 3 * NR_GONE, r.out);
	for (k = 0; k < NR_GONE; k++) {
		const char *name;

		i = g.order[k];
		name = g.v[i].name[0];
		e = jat(jarr(o, "removed"), 3 * k);
		jkeys(e, "vm,kind,path,link_id,prog_id,prog_name");
		jexpect_str(e, "vm", name);
		jexpect_str(e, "kind", "link");
		snprintf(path, sizeof(path), PIN_ROOT "/%s/link-%u", name,
			 g.a[i].link_id);
		jexpect_str(e, "path", path);
		jexpect_u64(e, "link_id", g.a[i].link_id);
		jexpect_u64(e, "prog_id", g.a[i].prog_id);
		jexpect_str(e, "prog_name", PROG_NAME);

		e = jat(jarr(o, "removed"), 3 * k + 1);
		jexpect_str(e, "vm", name);
		jexpect_str(e, "kind", "handled");
		snprintf(path, sizeof(path), PIN_ROOT "/%s/handled", name);
		jexpect_str(e, "path", path);
		jexpect_null(e, "link_id");
		jexpect_null(e, "prog_id");
		jexpect_null(e, "prog_name");

		e = jat(jarr(o, "removed"), 3 * k + 2);
		jexpect_str(e, "vm", name);
		jexpect_str(e, "kind", "dir");
		snprintf(path, sizeof(path), PIN_ROOT "/%s", name);
		jexpect_str(e, "path", path);
		CHECK(!path_exists(path), "%s left after prune", path);
	}
}

/* prune with nothing to prune says so, exit 0; JSON "removed" is empty. */
static void test_prune_nothing_to_do(void)
{
	struct jv *o;
	struct run r;

	prune_earlier();
	run(&r, "kvmtrap prune");
	expect_ok(&r);
	CHECK(!strcmp(r.out, "no orphaned pins under " PIN_ROOT "\n"),
	      "not \"no orphaned pins under " PIN_ROOT "\": " RUN_FMT,
	      RUN_ARGS(&r));
	run(&r, "kvmtrap --json prune");
	o = run_json(&r);
	jkeys(o, "dry_run,removed");
	CHECK(!jarr(o, "removed")->n, "removed something:\n%s", r.out);
}

int main(int argc, char *argv[])
{
	static const struct kvmtrap_test tests[] = {
		KVMTRAP_TEST(test_list_no_vm),
		KVMTRAP_TEST(test_list_vm_and_links),
		KVMTRAP_TEST(test_list_unpinned_link),
		KVMTRAP_TEST(test_list_orphans_json),
		KVMTRAP_TEST(test_list_orphans_table),
		KVMTRAP_TEST(test_prune_removes_orphans),
		KVMTRAP_TEST(test_prune_leaves_nothing),
		KVMTRAP_TEST(test_prune_keeps_live_vm),
		KVMTRAP_TEST(test_prune_dry_run),
		KVMTRAP_TEST(test_prune_json),
		KVMTRAP_TEST(test_prune_nothing_to_do),
	};

	return kvmtrap_run_tests(tests, ARRAY_SIZE(tests));
}
