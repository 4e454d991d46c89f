// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrap_cli_attach - "kvmtrap attach", "detach" and "replace" as a user
 * runs them, against real VMs held by test VMM processes: attach by pid
 * and by pid and fd of one of several VMs, by pid while a second VM fd
 * comes and goes (QEMU's start-up) or stays, the pin and the link checked
 * with libbpf and bpffs, detach of one link or all, by name after the VMM
 * exited, replace while the guest loops (no call lost), names from a
 * child pid namespace, and forwards: the warning when the VM refuses
 * them, refused until the VMM opts in.
 *
 * The test VMM, run() and the JSON parser: lib/kvmtrap_cli_common.h.
 */
#include "lib/kvmtrap_cli_common.h"

/* ---- Tests: attach ------------------------------------------------------- */

/*
 * attach by the VMM's pid: the text answer, the pin, the link on the VM
 * running the program with the --set values (an enumerator name, hex
 * numbers), the guest answered by it.  Nothing but the VM's directory is
 * added to bpffs.
 */
static void test_attach_by_pid(void)
{
	char want[512], *before, *after, prefix[PATH_MAX];
	struct bpf_link_info info;
	const char *l;
	struct vmm v;
	struct run r;
	uint32_t id;

	vmm_start(&v, NULL);
	before = pin_snapshot();
	call_expect_default(&v, 0, FUNC_A);

	run(&r, "kvmtrap attach %s --vm %d --set verdict=KVM_TRAP_HANDLED "
	    "--set func_id=0x%llx --set ret=0x%llx", CLI_OBJ, v.pid,
	    (unsigned long long)FUNC_A, ANSWER_A);
	expect_ok(&r);
	CHECK(sscanf(r.out, "attached " PROG_NAME " to VM %*s link %u", &id) == 1,
	      "not \"attached " PROG_NAME " to VM ...: link ID, pinned at ...\":\n%s",
	      r.out);
	snprintf(want, sizeof(want),
		 "attached %s to VM %s: link %u, pinned at " PIN_ROOT "/%s/link-%u\n",
		 PROG_NAME, v.name[0], id, v.name[0], id);
	CHECK(!strcmp(r.out, want), "attach printed:\n%sexpected:\n%s", r.out, want);
	CHECK(!link_info_by_id(id, &info), "link %u does not exist", id);
	snprintf(want, sizeof(want), PIN_ROOT "/%s/link-%u", v.name[0], id);
	expect_link(&v, 0, id, info.prog_id, PROG_NAME, want);

	/* The CLI is gone; the pinned link answers. */
	call_expect(&v, 0, FUNC_A, ANSWER_A);
	call_expect_default(&v, 0, FUNC_OTHER);

	/* Whatever attach added is under the VM's own directory. */
	after = pin_snapshot();
	snprintf(prefix, sizeof(prefix), PIN_ROOT "/%s\n", v.name[0]);
	for (l = after; *l; l = strchr(l, '\n') + 1) {
		char entry[PATH_MAX + 1];
		int len = strchr(l, '\n') - l;

		snprintf(entry, sizeof(entry), "%.*s\n", len, l);
		if (strstr(before, entry))
			continue;
		CHECK(!strcmp(entry, prefix) ||
		      (!strncmp(entry, prefix, strlen(prefix) - 1) &&
		       entry[strlen(prefix) - 1] == '/'),
		      "attach added %.*s, outside %.*s", len, l,
		      (int)strlen(prefix) - 1, prefix);
	}
}

/*
 * A VMM with two VMs: "--vm PID" is ambiguous (exit 1, nothing left),
 * "--vm PID:FD" attaches to that VM only.  list shows both, sorted by fd.
 */
static void test_attach_pid_fd_several_vms(void)
{
	struct vmm_opts o = { .nr_vms = 2 };
	struct jv *js, *vms;
	struct attached a;
	char *before;
	struct vmm v;
	struct run r;

	vmm_start(&v, &o);
	before = pin_snapshot();
	run(&r, "kvmtrap attach %s --vm %d " SET_HANDLE_B, CLI_OBJ, v.pid);
	expect_failure(&r);
	expect_pins_unchanged(before, "an attach to an ambiguous --vm PID");
	expect_no_links(&v, 0);
	expect_no_links(&v, 1);

	a = cli_attach(&v, 1, SET_HANDLE_B);
	call_expect(&v, 1, FUNC_A, ANSWER_B);
	call_expect_default(&v, 0, FUNC_A);
	expect_no_links(&v, 0);

	run(&r, "kvmtrap --json list");
	js = run_json(&r);
	vms = jarr(js, "vms");
	CHECK(vms->n == 2, "%d VMs listed, expected 2:\n%s", vms->n, r.out);
	jexpect_str(jat(vms, 0), "vm", v.name[0]);
	jexpect_str(jat(vms, 1), "vm", v.name[1]);
	CHECK(!jarr(jat(vms, 0), "links")->n, "links on VM 0:\n%s", r.out);
	CHECK(jarr(jat(vms, 1), "links")->n == 1, "not one link on VM 1:\n%s",
	      r.out);
	expect_json_link(jat(jarr(jat(vms, 1), "links"), 0), &a, PROG_NAME);
}

/*
 * This process as a VMM of bare VMs (no vCPU, no guest): what "--vm PID"
 * has to choose from while a VMM holds a second VM fd.
 */
static int create_bare_vm(void)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC), fd;

	CHECK(kvm >= 0, "open /dev/kvm: %s", strerror(errno));
	fd = ioctl(kvm, KVM_CREATE_VM, 0);
	CHECK(fd >= 0, "KVM_CREATE_VM: %s", strerror(errno));
	close(kvm);
	return fd;
}

/*
 * QEMU's start-up, reduced: the VM exists, a second VM fd comes and goes
 * (its host CPU probe).  "attach --vm PID" started while both are there
 * waits for the second one to go and attaches to the VM that stays,
 * instead of failing with EEXIST.
 */
static void test_attach_pid_waits_out_second_vm(void)
{
	char name[VM_NAME_LEN], got[VM_NAME_LEN];
	int vm = create_bare_vm(), probe = create_bare_vm();
	struct proc p;
	struct run r;
	uint64_t t0;
	struct jv *js;

	snprintf(name, sizeof(name), "%d-%d", getpid(), vm);
	t0 = now_ms();
	spawn(&p, &r, 0, "kvmtrap --json attach %s --vm %d " SET_HANDLE_B,
	      CLI_OBJ, getpid());
	/* Long enough for the CLI to see both fds, shorter than its wait. */
	sleep_ms(400);
	close(probe);
	finish(&p, CLI_TIMEOUT_MS);
	expect_exit(&r, 0);
	/* This bare VM's creator has not opted in to forwards. */
	expect_err_has(&r, "does not accept forwards");
	js = json_parse(r.out);
	snprintf(got, sizeof(got), "%s", jstr(js, "vm"));
	CHECK(!strcmp(got, name), "attached to VM %s, not to %s that stayed:\n%s",
	      got, name, r.out);
	CHECK(now_ms() - t0 >= 400, "attach returned before the second VM fd went");
	run(&r, "kvmtrap detach --vm %s --all", name);
	expect_ok(&r);
	close(vm);
}

/*
 * Two VM fds that both stay: after its wait, "attach --vm PID" fails with
 * one line that names both VMs and how to give one; nothing is pinned.
 */
static void test_attach_pid_two_vms_names_them(void)
{
	int a = create_bare_vm(), b = create_bare_vm();
	char want[64], *before = pin_snapshot();
	struct run r;
	uint64_t t0 = now_ms();

	run(&r, "kvmtrap attach %s --vm %d " SET_HANDLE_B, CLI_OBJ, getpid());
	expect_failure(&r);
	expect_err_has(&r, "File exists");
	snprintf(want, sizeof(want), "(%d-%d, %d-%d)", getpid(), a, getpid(), b);
	expect_err_has(&r, want);
	expect_err_has(&r, "--vm PID:FD or --vm PID-FD");
	CHECK(now_ms() - t0 >= 3000, "attach gave up after %llu ms, before its 3 s",
	      (unsigned long long)(now_ms() - t0));
	expect_pins_unchanged(before, "a failed attach to a process with two VMs");
	close(a);
	close(b);
}

/* ---- Tests: detach ------------------------------------------------------- */

/* The link of @id is gone from its VM: freed, or at least defunct. */
static void expect_link_gone(uint32_t id)
{
	struct bpf_link_info info;
	int r = link_info_by_id(id, &info);

	CHECK(r == -ENOENT || (!r && info.kvm_trap.defunct),
	      "link %u still live after detach (%s)", id,
	      r ? strerror(-r) : "not defunct");
}

/* detach --link: that link only, its pin gone, the next link answers. */
static void test_detach_link(void)
{
	char dir[PATH_MAX];
	struct attached a, b;
	struct jv *o, *d;
	struct vmm v;
	struct run r;

	vmm_start(&v, NULL);
	a = cli_attach(&v, 0, SET_HANDLE_A);
	b = cli_attach(&v, 0, SET_HANDLE_B);
	call_expect(&v, 0, FUNC_A, ANSWER_A);

	run(&r, "kvmtrap --json detach --vm %d --link %u", v.pid, a.link_id);
	o = run_json(&r);
	jkeys(o, "vm,detached");
	jexpect_str(o, "vm", v.name[0]);
	d = jarr(o, "detached");
	CHECK(d->n == 1 && jat_u64(d, 0) == a.link_id,
	      "detached is not [%u]:\n%s", a.link_id, r.out);
	CHECK(!path_exists(a.pin), "%s still pinned", a.pin);
	expect_link_gone(a.link_id);
	expect_link(&v, 0, b.link_id, b.prog_id, PROG_NAME, b.pin);
	call_expect(&v, 0, FUNC_A, ANSWER_B);

	/* By KVM's name of the VM, in text. */
	run(&r, "kvmtrap detach --vm %s --link %u", v.name[0], b.link_id);
	expect_ok(&r);
	CHECK(has_word(r.out, "detached") || has_word(r.out, "Detached"),
	      "detach says nothing about detaching: " RUN_FMT, RUN_ARGS(&r));
	CHECK(strstr(r.out, v.name[0]), "detach does not name the VM: " RUN_FMT,
	      RUN_ARGS(&r));
	CHECK(!path_exists(b.pin), "%s still pinned", b.pin);
	expect_link_gone(b.link_id);
	/* The last link pin gone: the VM's directory goes with its list. */
	snprintf(dir, sizeof(dir), PIN_ROOT "/%s", v.name[0]);
	CHECK(!path_exists(dir), "%s left after its last link was detached", dir);
	call_expect_default(&v, 0, FUNC_A);
}

/* detach --all: every link of the VM, bpffs as before the attaches. */
static void test_detach_all(void)
{
	struct attached a[3];
	char *before;
	struct jv *o, *d;
	struct vmm v;
	struct run r;
	int i, j;

	vmm_start(&v, NULL);
	before = pin_snapshot();
	a[0] = cli_attach(&v, 0, SET_HANDLE_A);
	a[1] = cli_attach(&v, 0, SET_HANDLE_B);
	a[2] = cli_attach(&v, 0, "--set verdict=3");
	call_expect(&v, 0, FUNC_A, ANSWER_A);

	run(&r, "kvmtrap --json detach --vm %d --all", v.pid);
	o = run_json(&r);
	jkeys(o, "vm,detached");
	jexpect_str(o, "vm", v.name[0]);
	d = jarr(o, "detached");
	CHECK(d->n == 3, "%d links detached, expected 3:\n%s", d->n, r.out);
	for (i = 0; i < 3; i++) {
		for (j = 0; j < 3; j++)
			if (jat_u64(d, j) == a[i].link_id)
				break;
		CHECK(j < 3, "link %u not in detached:\n%s", a[i].link_id, r.out);
		CHECK(!path_exists(a[i].pin), "%s still pinned", a[i].pin);
		expect_link_gone(a[i].link_id);
	}
	expect_pins_unchanged(before, "attach x3, detach --all");
	expect_no_links(&v, 0);
	call_expect_default(&v, 0, FUNC_A);

	run(&r, "kvmtrap --json list");
	o = run_json(&r);
	CHECK(!jarr(jat(jarr(o, "vms"), 0), "links")->n,
	      "links listed after detach --all:\n%s", r.out);
}

/*
 * A VMM that died leaves defunct pinned links: detach by KVM's name of the
 * VM works from the pins, and cleans them.
 */
static void test_detach_by_name_after_vmm_exit(void)
{
	struct bpf_link_info info;
	struct attached a;
	char dir[PATH_MAX];
	struct jv *o, *d;
	struct vmm v;
	struct run r;

	vmm_start(&v, NULL);
	a = cli_attach(&v, 0, SET_HANDLE_A);
	vmm_stop(&v);
	CHECK(!link_info_by_id(a.link_id, &info) && info.kvm_trap.defunct,
	      "link %u is not defunct after its VM is gone", a.link_id);

	run(&r, "kvmtrap --json detach --vm %s --all", v.name[0]);
	o = run_json(&r);
	jkeys(o, "vm,detached");
	jexpect_str(o, "vm", v.name[0]);
	d = jarr(o, "detached");
	CHECK(d->n == 1 && jat_u64(d, 0) == a.link_id,
	      "detached is not [%u]:\n%s", a.link_id, r.out);
	snprintf(dir, sizeof(dir), PIN_ROOT "/%s", v.name[0]);
	CHECK(!path_exists(dir), "%s left after detach --all", dir);
}

/*
 * From a child pid namespace with its own /proc (what "unshare -p -f
 * --mount-proc" makes): list, attach and status name the VM by its
 * VMM's pid there, the one ps shows in the namespace, not the host's,
 * and status reads the VM's counters there.
 */
static void test_names_in_pid_ns(void)
{
	int status;
	pid_t pid;

	CHECK(!unshare(CLONE_NEWPID | CLONE_NEWNS), "unshare: %s",
	      strerror(errno));
	pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (!pid) {
		const struct jv *vms, *e;
		struct attached a;
		struct vmm v;
		struct run r;

		CHECK(getpid() == 1, "pid %d in a new pid namespace", getpid());
		CHECK(!mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) &&
		      !mount("proc", "/proc", "proc", 0, NULL),
		      "mount the namespace's /proc: %s", strerror(errno));
		vmm_start(&v, NULL);
		run(&r, "kvmtrap --json list");
		vms = jarr(run_json(&r), "vms");
		CHECK(vms->n == 1, "%d VMs listed in the namespace:\n%s", vms->n,
		      r.out);
		e = jat(vms, 0);
		jexpect_str(e, "vm", v.name[0]);
		jexpect_u64(e, "pid", v.pid);
		a = cli_attach(&v, 0, SET_HANDLE_A);
		run(&r, "kvmtrap list");
		expect_ok(&r);
		expect_list_row(r.out, &v, 0, 1, &a);
		call_expect(&v, 0, FUNC_A, ANSWER_A);
		/* Counted, and read without debugfs's host-pid name. */
		expect_stats_equal(json_stats(cli_status(&v, 0, &r)),
				   (struct kt_stats){ .handled = 1 },
				   "status in the pid namespace");
		exit(0);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      !WEXITSTATUS(status),
	      "the test in the pid namespace failed (status 0x%x)", status);
}

/* ---- Tests: forwards reach only a VMM that asked for them ---------------- */

#define SET_FORWARD_A	"--set verdict=2 --set func_id=0xc3000042"

/* "kvmtrap status --vm VM" (text) has the line @want. */
static void expect_status_line(struct vmm *v, const char *want)
{
	struct run r;

	run(&r, "kvmtrap status --vm %d", v->pid);
	expect_ok(&r);
	CHECK(has_line_prefix(r.out, want), "status has no line \"%s\":\n%s",
	      want, r.out);
}

/* The VM of @v in "kvmtrap --json list": whether it accepts forwards. */
static bool list_accepts_forwards(struct vmm *v)
{
	const struct jv *vms, *e;
	struct run r;
	int i;

	run(&r, "kvmtrap --json list");
	vms = jarr(run_json(&r), "vms");
	for (i = 0; i < vms->n; i++) {
		e = jat(vms, i);
		if (!strcmp(jstr(e, "vm"), v->name[0]))
			return jbool(e, "accepts_forwards");
	}
	CHECK(false, "VM %s not listed:\n%s", v->name[0], r.out);
	return false;
}

/*
 * attach to a VM whose VMM never opted in: it succeeds, and says on
 * stderr (one line, naming the VM) that the policy's forwards will be
 * refused; list and status say the VM does not accept forwards.  To a
 * VM that opted in: not a word on stderr.
 */
static void test_attach_warns_vm_refuses_forwards(void)
{
	struct vmm_opts o = { .nr_vms = 1, .refuse_forwards = true };
	struct vmm v, w;
	struct run r;

	vmm_start(&v, &o);
	run(&r, "kvmtrap attach %s --vm %d " SET_FORWARD_A, CLI_OBJ, v.pid);
	expect_exit(&r, 0);
	CHECK(count_lines(r.err) == 1 && strstr(r.err, "warning") &&
	      strstr(r.err, v.name[0]) &&
	      strstr(r.err, "does not accept forwards"),
	      "no warning about refused forwards: " RUN_FMT, RUN_ARGS(&r));
	CHECK(!list_accepts_forwards(&v), "list: VM %s accepts forwards",
	      v.name[0]);
	jexpect_bool(cli_status(&v, 0, &r), "accepts_forwards", false);
	expect_status_line(&v, "forwards: refused");

	vmm_start(&w, NULL);
	run(&r, "kvmtrap attach %s --vm %d " SET_FORWARD_A, CLI_OBJ, w.pid);
	expect_ok(&r);
	jexpect_bool(cli_status(&w, 0, &r), "accepts_forwards", true);
	expect_status_line(&w, "forwards: accepted");
}

/*
 * A policy forwards FUNC_A to a VMM that has not opted in: no exit
 * reaches the VMM, the guest gets NOT_SUPPORTED, trap_bpf_forward_refused
 * counts it, and the query says so (program's verdict forward, the
 * guest's deny).  After the VMM opts in, the same call exits to it.
 */
static void test_forward_refused_until_vmm_opts_in(void)
{
	struct vmm_opts o = { .nr_vms = 1, .refuse_forwards = true };
	struct kt_call c = kt_smccc(KVM_TRAP_CONDUIT_HVC, FUNC_A);
	struct kt_stats st0, st1;
	struct kt_regs regs;
	uint32_t exits;
	struct qres q;
	struct vmm v;
	struct run r;

	vmm_start(&v, &o);
	run(&r, "kvmtrap attach %s --vm %d " SET_FORWARD_A, CLI_OBJ, v.pid);
	expect_exit(&r, 0);
	st0 = vmm_stats(&v, 0);

	q = cli_query(&v, 0, "hvc 0x%x", FUNC_A);
	expect_query(&q, "forward refused", "bpf", "deny");
	CHECK(q.refused && !strcmp(q.prog_verdict, "forward"),
	      "query: refused %d, prog_verdict %s; expected a refused forward",
	      q.refused, q.prog_verdict);
	expect_query_ret(&q, "forward refused", NOT_SUPPORTED, 0, 0, 0);
	run(&r, "kvmtrap query --vm %d hvc 0x%x", v.pid, FUNC_A);
	expect_ok(&r);
	CHECK(strstr(r.out, "forward refused") && strstr(r.out, "deny"),
	      "query does not say the forward is refused:\n%s", r.out);

	regs = vmm_call(&v, 0, &c, &exits);
	CHECK(!exits, "%u forward exits reached a VMM that did not opt in",
	      exits);
	kt_assert_not_supported(&c, &regs);
	/* trap_bpf_forward counts what the program said, refused or not. */
	st1 = st0;
	st1.forward++;
	st1.refused++;
	expect_stats_equal(vmm_stats(&v, 0), st1, "a refused forward");
	expect_stats_equal(json_stats(cli_status(&v, 0, &r)), st1,
			   "status after a refused forward");

	vmm_request(&v, VMM_ACCEPT_FORWARDS, 0, NULL, 0, 0);
	CHECK(list_accepts_forwards(&v), "list: VM %s refuses forwards after the opt-in",
	      v.name[0]);
	expect_status_line(&v, "forwards: accepted");
	q = cli_query(&v, 0, "hvc 0x%x", FUNC_A);
	expect_query(&q, "forward accepted", "bpf", "forward");
	CHECK(!q.refused, "query: a forward refused after the opt-in");
	vmm_call(&v, 0, &c, &exits);
	CHECK(exits == 1, "%u forward exits after the opt-in, expected 1",
	      exits);
	st1.forward++;
	expect_stats_equal(vmm_stats(&v, 0), st1, "a forward after the opt-in");
}

/* ---- Tests: replace ------------------------------------------------------ */

/*
 * replace while the guest loops on calls: every call is answered by the
 * old or the new program, the answers switch once, the calls made after
 * replace returned get the new answer, none is lost (each counted as
 * handled), the link and its pin stay.
 */
static void test_replace_while_guest_loops(void)
{
	uint64_t before, after;
	struct loop_result res;
	struct bpf_link_info info;
	struct kt_stats st;
	struct attached a;
	struct jv *o;
	struct vmm v;
	struct run r;

	vmm_start(&v, NULL);
	a = cli_attach(&v, 0, SET_HANDLE_A);
	vmm_loop_start(&v, 0, KVM_TRAP_CONDUIT_HVC, FUNC_A, ANSWER_A, ANSWER_B);
	before = vmm_wait_calls(&v, 200);
	run(&r, "kvmtrap --json replace --vm %d --link %u %s " SET_HANDLE_B,
	    v.pid, a.link_id, CLI_OBJ);
	after = vmm_loop_done(&v);
	vmm_wait_calls(&v, after + 200);
	res = vmm_loop_stop(&v);

	o = run_json(&r);
	jkeys(o, "vm,link_id,old_prog_id,prog_id,prog_name");
	jexpect_str(o, "vm", v.name[0]);
	jexpect_u64(o, "link_id", a.link_id);
	jexpect_u64(o, "old_prog_id", a.prog_id);
	jexpect_str(o, "prog_name", PROG_NAME);
	CHECK(ju64(o, "prog_id") != a.prog_id, "replace kept program %u:\n%s",
	      a.prog_id, r.out);
	CHECK(!link_info_by_id(a.link_id, &info), "link %u gone", a.link_id);
	expect_link(&v, 0, a.link_id, ju64(o, "prog_id"), PROG_NAME, a.pin);

	ksft_print_msg("%lu calls, replace between calls %lu and %lu: %lu answers from the old program, %lu from the new\n",
		       res.done, before, after, res.from_a, res.from_b);
	CHECK(!res.other, "%lu answers from neither program, the last x0 0x%lx",
	      res.other, res.other_x0);
	CHECK(res.switches == 1, "the answers switched %lu times", res.switches);
	CHECK(res.from_a >= before && res.from_a <= after + 1,
	      "%lu answers from the old program, replace between calls %lu and %lu",
	      res.from_a, before, after);
	CHECK(res.from_a + res.from_b == res.done, "%lu + %lu answers for %lu calls",
	      res.from_a, res.from_b, res.done);
	st = vmm_stats(&v, 0);
	expect_stats_equal(st, (struct kt_stats){ .handled = res.done },
			   "the VM's statistics after the loop");
	call_expect(&v, 0, FUNC_A, ANSWER_B);
}

/*
 * route_table's rules edited while the guest loops: every edit swaps a
 * whole compiled table, so each call gets the answer of the rules before
 * an edit or after it, never a mixture nor a miss.  A rule for
 * FUNC_A..FUNC_A + 1 answers ANSWER_A; adding a narrower one for FUNC_A
 * alone switches the answer to ANSWER_B, deleting it switches back; 100
 * other rules make the table deep enough to search.
 */
static void test_rule_edits_while_guest_loops(void)
{
	struct loop_result res;
	uint64_t done;
	struct vmm v;
	struct run r;
	int i;

	vmm_start(&v, NULL);
	run(&r, "kvmtrap attach /usr/lib/kvmtrap/policies/route_table.bpf.o --vm %d",
	    v.pid);
	expect_ok(&r);
	for (i = 0; i < 100; i++) {
		run(&r, "kvmtrap rule add --vm %d hvc %#x deny", v.pid,
		    FUNC_A + 0x100 + i);
		expect_ok(&r);
	}
	run(&r, "kvmtrap rule add --vm %d hvc %#x..%#x handled %#llx %#llx",
	    v.pid, FUNC_A, FUNC_A + 1, ANSWER_A, ANSWER_A + 1);
	expect_ok(&r);
	vmm_loop_start(&v, 0, KVM_TRAP_CONDUIT_HVC, FUNC_A, ANSWER_A, ANSWER_B);
	done = vmm_wait_calls(&v, 100);
	for (i = 0; i < 10; i++) {
		run(&r, "kvmtrap rule add --vm %d hvc %#x handled %#llx %#llx",
		    v.pid, FUNC_A, ANSWER_B, ANSWER_B + 1);
		expect_ok(&r);
		done = vmm_wait_calls(&v, done + 50);
		run(&r, "kvmtrap rule del --vm %d hvc %#x", v.pid, FUNC_A);
		expect_ok(&r);
		done = vmm_wait_calls(&v, done + 50);
	}
	res = vmm_loop_stop(&v);
	ksft_print_msg("%lu calls over 20 edits: %lu answers of the wide rule, %lu of the narrow one, %lu switches\n",
		       res.done, res.from_a, res.from_b, res.switches);
	CHECK(!res.other, "%lu answers from no rule or a mixture, the last x0 0x%lx",
	      res.other, res.other_x0);
	CHECK(res.from_a && res.from_b && res.from_a + res.from_b == res.done,
	      "%lu + %lu answers for %lu calls", res.from_a, res.from_b,
	      res.done);
	/* Each edit took effect before the next: one switch per edit. */
	CHECK(res.switches == 20, "the answers switched %lu times for 20 edits",
	      res.switches);
	run(&r, "kvmtrap detach --vm %d --all", v.pid);
	expect_ok(&r);
}

int main(int argc, char *argv[])
{
	static const struct kvmtrap_test tests[] = {
		KVMTRAP_TEST(test_attach_by_pid),
		KVMTRAP_TEST(test_attach_pid_fd_several_vms),
		KVMTRAP_TEST(test_attach_pid_waits_out_second_vm),
		KVMTRAP_TEST(test_attach_pid_two_vms_names_them),
		KVMTRAP_TEST(test_detach_link),
		KVMTRAP_TEST(test_detach_all),
		KVMTRAP_TEST(test_detach_by_name_after_vmm_exit),
		KVMTRAP_TEST(test_replace_while_guest_loops),
		KVMTRAP_TEST(test_rule_edits_while_guest_loops),
		KVMTRAP_TEST(test_attach_warns_vm_refuses_forwards),
		KVMTRAP_TEST(test_names_in_pid_ns),
		KVMTRAP_TEST(test_forward_refused_until_vmm_opts_in),
	};

	return kvmtrap_run_tests(tests, ARRAY_SIZE(tests));
}
