// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrap_cli_common.c - the code the kvmtrap CLI selftests share
 * (declared in kvmtrap_cli_common.h): the guest and the test VMM process
 * holding its VMs, the kernel's view of links and pins, and the CLI's
 * attach, status and query as the tests use them.  Built once
 * (selftests/lib/, not a selftest of its own) and linked into every
 * selftests/kvmtrap_cli_*.c binary.
 */
#include "kvmtrap_cli_common.h"

void sleep_ms(unsigned int ms)
{
	usleep(ms * 1000);
}

/* ---- The guest ----------------------------------------------------------- */

static struct {
	uint64_t run;		/* loop on the next request */
	uint64_t stop;		/* set by the VMM: end the loop */
	uint64_t smc;
	uint64_t func;
	uint64_t answer_a, answer_b;
	struct loop_result res;
} guest_loop;

#define LOOP_MAX	(1ull << 26)

/* Call guest_loop.func with x1 = the call's index until told to stop. */
static void guest_run_loop(void)
{
	struct arm_smccc_res r;
	uint64_t i, last = 0;

	for (i = 0; !READ_ONCE(guest_loop.stop) && i < LOOP_MAX; i++) {
		if (guest_loop.smc)
			smccc_smc(guest_loop.func, i, 0, 0, 0, 0, 0, 0, &r);
		else
			smccc_hvc(guest_loop.func, i, 0, 0, 0, 0, 0, 0, &r);
		uint64_t a = guest_loop.answer_a, b = guest_loop.answer_b;

		if (r.a0 == a && r.a1 == a + 1) {
			guest_loop.res.from_a++;
		} else if (r.a0 == b && r.a1 == b + 1) {
			guest_loop.res.from_b++;
		} else {
			guest_loop.res.other++;
			guest_loop.res.other_x0 = r.a0;
		}
		if (i && r.a0 != last)
			guest_loop.res.switches++;
		last = r.a0;
		WRITE_ONCE(guest_loop.res.done, i + 1);
	}
}

/* One call per request (kvmtrap_vm.h's guest_req), or a loop. */
static void guest_code(void)
{
	for (;;) {
		if (READ_ONCE(guest_loop.run))
			guest_run_loop();
		else
			guest_do_call(&guest_req, &guest_res);
		GUEST_SYNC(0);
	}
}

/* ---- The test VMM: a child process holding the VMs ----------------------- */

static ssize_t read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return got ? (ssize_t)got : n;
		got += n;
	}
	return got;
}

static bool write_full(int fd, const void *buf, size_t len)
{
	size_t put = 0;

	while (put < len) {
		ssize_t n = write(fd, (const char *)buf + put, len - put);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		put += n;
	}
	return true;
}

/* Run until the guest's report, resuming after the exits of a forward. */
static uint32_t vmm_run_to_sync(struct kvm_vcpu *vcpu)
{
	uint32_t exits = 0;
	struct ucall uc;

	for (;;) {
		vcpu_run(vcpu);
		if (vcpu->run->exit_reason != KVM_EXIT_HYPERCALL)
			break;
		exits++;
	}
	switch (get_ucall(vcpu, &uc)) {
	case UCALL_SYNC:
		break;
	case UCALL_ABORT:
		REPORT_GUEST_ASSERT(uc);
		break;
	default:
		TEST_FAIL("VMM: unexpected exit %s (%u)",
			  exit_reason_str(vcpu->run->exit_reason),
			  vcpu->run->exit_reason);
	}
	return exits;
}

static void *vmm_loop_thread(void *vcpu)
{
	vmm_run_to_sync(vcpu);
	return NULL;
}

static uint32_t vmm_link_id(struct bpf_link *link)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);

	TEST_ASSERT(!bpf_link_get_info_by_fd(bpf_link__fd(link), &info, &len),
		    "VMM: bpf_link_get_info_by_fd");
	return info.id;
}

/* The VMM: create the VMs, report their fds, serve requests until EOF. */
static void __noreturn
vmm_main(const struct vmm_opts *o, int req_fd, int rep_fd)
{
	struct kvm_vcpu *vcpus[MAX_VMS];
	struct kvm_vm *vms[MAX_VMS];
	volatile uint64_t *done = NULL, *stop = NULL;
	pthread_t thread;
	int i, loop_vm = -1;
	struct kvmtrap_policy *skels[KVM_CAP_TRAP_BPF_LINKS];
	struct bpf_link *links[KVM_CAP_TRAP_BPF_LINKS];
	struct vmm_req req;
	struct vmm_rep rep = {};

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_NAME, VMM_COMM);
	for (i = 0; i < o->nr_vms; i++) {
		vms[i] = kt_create_vm_n(1, &vcpus[i], guest_code);
		rep.vm_fd[i] = vms[i]->fd;
		/* It resumes every KVM_EXIT_HYPERCALL: it takes forwards. */
		if (!o->refuse_forwards)
			kt_accept_forwards(vms[i]);
	}
	for (i = 0; i < o->nr_filters; i++)
		kt_set_filter(vms[0], o->filter[i].base,
			      o->filter[i].nr_functions, o->filter[i].action);
	if (!write_full(rep_fd, &rep, sizeof(rep)))
		_exit(1);

	while (read_full(req_fd, &req, sizeof(req)) == sizeof(req)) {
		struct kvm_vm *vm = vms[req.vm];

		memset(&rep, 0, sizeof(rep));
		switch (req.op) {
		case VMM_CALL:
			guest_req = req.call;
			sync_global_to_guest(vm, guest_req);
			rep.exits = vmm_run_to_sync(vcpus[req.vm]);
			sync_global_from_guest(vm, guest_res);
			rep.regs = guest_res;
			break;
		case VMM_STATS:
			rep.stats = kt_get_stats(vm);
			break;
		case VMM_ACCEPT_FORWARDS:
			kt_accept_forwards(vm);
			break;
		case VMM_LOOP_START:
			TEST_ASSERT(loop_vm < 0, "VMM: a loop is running");
			memset(&guest_loop, 0, sizeof(guest_loop));
			guest_loop.run = 1;
			guest_loop.smc =
				req.call.conduit == KVM_TRAP_CONDUIT_SMC;
			guest_loop.func = req.call.x[0];
			guest_loop.answer_a = req.answer_a;
			guest_loop.answer_b = req.answer_b;
			sync_global_to_guest(vm, guest_loop);
			done = addr_gva2hva(vm,
					    (vm_vaddr_t)&guest_loop.res.done);
			stop = addr_gva2hva(vm, (vm_vaddr_t)&guest_loop.stop);
			loop_vm = req.vm;
			TEST_ASSERT(!pthread_create(&thread, NULL,
						    vmm_loop_thread,
						    vcpus[req.vm]),
				    "VMM: pthread_create");
			break;
		case VMM_LOOP_DONE:
			TEST_ASSERT(loop_vm >= 0, "VMM: no loop running");
			rep.loop.done = READ_ONCE(*done);
			break;
		case VMM_HOLD_LINKS:
			/* A VMM's own links, as libbpf makes them: not pinned. */
			for (i = 0; i < (int)req.call.x[0]; i++) {
				skels[i] = kt_policy_load();
				links[i] = kt_policy_attach(skels[i], vm);
				rep.link_ids[i] = vmm_link_id(links[i]);
			}
			break;
		case VMM_LOOP_STOP:
			TEST_ASSERT(loop_vm >= 0, "VMM: no loop running");
			*stop = 1;
			pthread_join(thread, NULL);
			vm = vms[loop_vm];
			sync_global_from_guest(vm, guest_loop);
			rep.loop = guest_loop.res;
			guest_loop.run = 0;
			sync_global_to_guest(vm, guest_loop);
			loop_vm = -1;
			break;
		default:
			TEST_FAIL("VMM: request %u", req.op);
		}
		if (!write_full(rep_fd, &rep, sizeof(rep)))
			break;
	}
	_exit(0);
}

/* ---- The test's side of the VMM, and cleanup ----------------------------- */

static struct vmm_reg vmms[8];
static int nr_vmms;
static pid_t test_pid;

/* Remove the pins of VM @name (links and handled list) and its directory. */
static void remove_pins(const char *name)
{
	char dir[PATH_MAX], path[PATH_MAX + 256];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), PIN_ROOT "/%s", name);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/* At exit of the test (also a failed one): no VMM, no pins of its VMs left. */
static void cleanup(void)
{
	int i, j;

	if (getpid() != test_pid)
		return;
	for (i = 0; i < nr_vmms; i++) {
		struct vmm_reg *v = &vmms[i];

		if (v->pid > 0) {
			kill(v->pid, SIGKILL);
			waitpid(v->pid, NULL, 0);
			v->pid = 0;
		}
		for (j = 0; j < v->nr_vms; j++)
			remove_pins(v->name[j]);
	}
}

void vmm_start(struct vmm *v, const struct vmm_opts *opts)
{
	struct vmm_opts o = opts ? *opts : (struct vmm_opts){ .nr_vms = 1 };
	int req[2], rep[2], i;
	struct vmm_rep first;

	if (!o.nr_vms)
		o.nr_vms = 1;
	if (!test_pid) {
		test_pid = getpid();
		atexit(cleanup);
		signal(SIGPIPE, SIG_IGN);
	}
	CHECK(nr_vmms < (int)ARRAY_SIZE(vmms), "too many VMMs");
	memset(v, 0, sizeof(*v));
	v->nr_vms = o.nr_vms;
	v->reg = &vmms[nr_vmms++];

	CHECK(!pipe2(req, O_CLOEXEC) && !pipe2(rep, O_CLOEXEC), "pipe2: %s",
	      strerror(errno));
	fflush(NULL);
	v->pid = fork();
	CHECK(v->pid >= 0, "fork: %s", strerror(errno));
	v->reg->pid = v->pid;
	if (!v->pid) {
		/*
		 * fork() copies the test's ends of the other VMMs' pipes: held
		 * here, they would keep those VMMs from seeing EOF when the
		 * test closes its request pipe, and vmm_stop() would wait for
		 * ever.
		 */
		for (i = 0; i < nr_vmms - 1; i++)
			if (vmms[i].pid) {
				close(vmms[i].req);
				close(vmms[i].rep);
			}
		close(req[1]);
		close(rep[0]);
		vmm_main(&o, req[0], rep[1]);
	}
	close(req[0]);
	close(rep[1]);
	v->req = req[1];
	v->rep = rep[0];
	v->reg->req = v->req;
	v->reg->rep = v->rep;
	CHECK(read_full(v->rep, &first, sizeof(first)) == sizeof(first),
	      "the VMM (pid %d) died before reporting its VM fd", v->pid);
	for (i = 0; i < v->nr_vms; i++) {
		v->vm_fd[i] = first.vm_fd[i];
		snprintf(v->name[i], VM_NAME_LEN, "%d-%d", v->pid, v->vm_fd[i]);
		snprintf(v->reg->name[i], VM_NAME_LEN, "%s", v->name[i]);
	}
	v->reg->nr_vms = v->nr_vms;
}

struct vmm_rep vmm_request(struct vmm *v, uint32_t op, int vm,
			   const struct kt_call *c, uint64_t a,
			   uint64_t b)
{
	struct vmm_req req = {
		.op = op, .vm = vm, .answer_a = a, .answer_b = b,
	};
	struct vmm_rep rep;

	if (c)
		req.call = *c;
	CHECK(write_full(v->req, &req, sizeof(req)) &&
	      read_full(v->rep, &rep, sizeof(rep)) == sizeof(rep),
	      "the VMM (pid %d) died on request %u", v->pid, op);
	return rep;
}

/* The guest of VM @vm makes call @c; its registers after it. */
struct kt_regs vmm_call(struct vmm *v, int vm, const struct kt_call *c,
			uint32_t *exits)
{
	struct vmm_rep rep = vmm_request(v, VMM_CALL, vm, c, 0, 0);

	if (exits)
		*exits = rep.exits;
	return rep.regs;
}

struct kt_stats vmm_stats(struct vmm *v, int vm)
{
	return vmm_request(v, VMM_STATS, vm, NULL, 0, 0).stats;
}

void vmm_loop_start(struct vmm *v, int vm, uint32_t conduit,
		    uint64_t func, uint64_t a, uint64_t b)
{
	struct kt_call c = { .conduit = conduit, .x = { func } };

	vmm_request(v, VMM_LOOP_START, vm, &c, a, b);
}

uint64_t vmm_loop_done(struct vmm *v)
{
	return vmm_request(v, VMM_LOOP_DONE, 0, NULL, 0, 0).loop.done;
}

/* Wait until the looping guest has made @n calls. */
uint64_t vmm_wait_calls(struct vmm *v, uint64_t n)
{
	uint64_t deadline = now_ms() + kt_deadline_ms(120 * 1000), done;

	while ((done = vmm_loop_done(v)) < n) {
		CHECK(now_ms() < deadline,
		      "the guest made only %lu of %lu calls in 120 s", done, n);
		sleep_ms(20);
	}
	return done;
}

struct loop_result vmm_loop_stop(struct vmm *v)
{
	return vmm_request(v, VMM_LOOP_STOP, 0, NULL, 0, 0).loop;
}

/* The VMM links @n programs to VM 0 itself; their link IDs to @ids. */
void vmm_hold_links(struct vmm *v, int n, uint32_t *ids)
{
	struct kt_call c = { .x = { n } };
	struct vmm_rep rep = vmm_request(v, VMM_HOLD_LINKS, 0, &c, 0, 0);

	memcpy(ids, rep.link_ids, n * sizeof(*ids));
}

/* End the VMM: its VMs are destroyed with it. */
void vmm_stop(struct vmm *v)
{
	int status;

	close(v->req);
	CHECK(waitpid(v->pid, &status, 0) == v->pid, "waitpid: %s",
	      strerror(errno));
	close(v->rep);
	v->pid = 0;
	v->reg->pid = 0;
	CHECK(WIFEXITED(status) && !WEXITSTATUS(status),
	      "the VMM ended with status 0x%x", status);
}

/* "--vm" as the tests usually give it: the pid, or pid:fd with several VMs. */
static const char *vm_arg(const struct vmm *v, int vm)
{
	static char buf[MAX_VMS][32];

	if (v->nr_vms == 1)
		snprintf(buf[vm], sizeof(buf[vm]), "%d", v->pid);
	else
		snprintf(buf[vm], sizeof(buf[vm]), "%d:%d", v->pid, v->vm_fd[vm]);
	return buf[vm];
}

void call_expect(struct vmm *v, int vm, uint64_t func, uint64_t base)
{
	struct kt_call c = kt_smccc(KVM_TRAP_CONDUIT_HVC, func);
	struct kt_regs r = vmm_call(v, vm, &c, NULL);

	kt_assert_ret(&c, &r, base, base + 1, base + 2, base + 3);
}

void call_expect_default(struct vmm *v, int vm, uint64_t func)
{
	struct kt_call c = kt_smccc(KVM_TRAP_CONDUIT_HVC, func);
	struct kt_regs r = vmm_call(v, vm, &c, NULL);

	kt_assert_not_supported(&c, &r);
}

/* ---- The kernel's view: links, programs, bpffs --------------------------- */

int link_info_by_id(uint32_t id, struct bpf_link_info *info)
{
	__u32 len = sizeof(*info);
	int fd, r;

	fd = bpf_link_get_fd_by_id(id);
	if (fd < 0) {
		r = -errno;
		errno = 0;
		return r;
	}
	memset(info, 0, sizeof(*info));
	r = bpf_link_get_info_by_fd(fd, info, &len) ? -errno : 0;
	close(fd);
	errno = 0;
	return r;
}

static void prog_name_by_id(uint32_t id, char *name)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd;

	fd = bpf_prog_get_fd_by_id(id);
	CHECK(fd >= 0, "program %u: %s", id, strerror(errno));
	CHECK(!bpf_prog_get_info_by_fd(fd, &info, &len), "program %u info: %s",
	      id, strerror(errno));
	close(fd);
	snprintf(name, BPF_OBJ_NAME_LEN, "%s", info.name);
}

/* The IDs of the live (not defunct) kvm_trap links of VM @vm of @v. */
int vm_links(const struct vmm *v, int vm, uint32_t *ids, int max)
{
	struct bpf_link_info info;
	uint32_t id = 0;
	int n = 0;

	while (!bpf_link_get_next_id(id, &id)) {
		if (link_info_by_id(id, &info) ||
		    info.type != BPF_LINK_TYPE_KVM_TRAP)
			continue;
		if (info.kvm_trap.vm_pid != (uint32_t)v->pid ||
		    info.kvm_trap.vm_fd != (uint32_t)v->vm_fd[vm] ||
		    info.kvm_trap.defunct)
			continue;
		if (n < max)
			ids[n] = id;
		n++;
	}
	errno = 0;
	return n;
}

void expect_no_links(const struct vmm *v, int vm)
{
	uint32_t ids[16];
	int n = vm_links(v, vm, ids, 16);

	CHECK(!n, "VM %s has %d kvm_trap link(s), the first %u; expected none",
	      v->name[vm], n, ids[0]);
}

/* The ID of the link pinned at @path, or a negative errno. */
static int pinned_link_id(const char *path)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	int fd, r;

	fd = bpf_obj_get(path);
	if (fd < 0) {
		r = -errno;
		errno = 0;
		return r;
	}
	r = bpf_link_get_info_by_fd(fd, &info, &len) ? -errno : (int)info.id;
	close(fd);
	errno = 0;
	return r;
}

bool path_exists(const char *path)
{
	struct stat st;
	bool r = !lstat(path, &st);

	errno = 0;
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every path under PIN_ROOT, two levels deep, sorted, one per line. */
char *pin_snapshot(void)
{
	char *paths[512], *out = NULL, sub[PATH_MAX];
	size_t len = 0;
	struct dirent *de, *de2;
	int n = 0, i;
	DIR *d, *d2;

	append(&out, &len, "", 0);
	d = opendir(PIN_ROOT);
	if (!d) {
		errno = 0;
		return out;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		CHECK(n < 511, "too many entries under " PIN_ROOT);
		CHECK(asprintf(&paths[n++], PIN_ROOT "/%s", de->d_name) > 0, "asprintf");
		snprintf(sub, sizeof(sub), PIN_ROOT "/%s", de->d_name);
		d2 = opendir(sub);
		if (!d2)
			continue;
		while ((de2 = readdir(d2))) {
			if (de2->d_name[0] == '.')
				continue;
			CHECK(n < 511, "too many entries under " PIN_ROOT);
			CHECK(asprintf(&paths[n++], "%s/%s", sub, de2->d_name) > 0,
			      "asprintf");
		}
		closedir(d2);
	}
	closedir(d);
	errno = 0;
	qsort(paths, n, sizeof(*paths), cmp_str);
	for (i = 0; i < n; i++) {
		append(&out, &len, paths[i], strlen(paths[i]));
		append(&out, &len, "\n", 1);
		free(paths[i]);
	}
	return out;
}

void expect_pins_unchanged(const char *before, const char *what)
{
	char *after = pin_snapshot();

	CHECK(!strcmp(before, after),
	      "%s changed " PIN_ROOT ":\nbefore:\n%safter:\n%s", what, before,
	      after);
	free(after);
}

/*
 * Link @link_id is a kvm_trap link of VM @vm of @v running program
 * @prog_id named @prog_name, pinned at @pin.
 */
void expect_link(const struct vmm *v, int vm, uint32_t link_id,
		 uint32_t prog_id, const char *prog_name,
		 const char *pin)
{
	struct bpf_link_info info;
	char name[BPF_OBJ_NAME_LEN];
	int r;

	r = link_info_by_id(link_id, &info);
	CHECK(!r, "link %u: %s", link_id, strerror(-r));
	CHECK(info.type == BPF_LINK_TYPE_KVM_TRAP, "link %u has type %u",
	      link_id, info.type);
	CHECK(info.prog_id == prog_id, "link %u runs program %u, expected %u",
	      link_id, info.prog_id, prog_id);
	CHECK(info.kvm_trap.vm_pid == (uint32_t)v->pid &&
	      info.kvm_trap.vm_fd == (uint32_t)v->vm_fd[vm] &&
	      !info.kvm_trap.defunct,
	      "link %u is on VM %u-%u%s, expected %s", link_id,
	      info.kvm_trap.vm_pid, info.kvm_trap.vm_fd,
	      info.kvm_trap.defunct ? " (defunct)" : "", v->name[vm]);
	prog_name_by_id(prog_id, name);
	CHECK(!strcmp(name, prog_name), "program %u is named \"%s\", expected \"%s\"",
	      prog_id, name, prog_name);
	r = pinned_link_id(pin);
	CHECK(r == (int)link_id, "%s: %s", pin,
	      r < 0 ? strerror(-r) : "pins another link");
}

/*
 * "kvmtrap --json attach OBJ --vm VM SETS": every member of the answer
 * checked against the kernel's view of the new link.
 */
struct attached cli_attach_obj(struct vmm *v, int vm, const char *obj,
			       const char *prog_name, const char *sets)
{
	struct attached a = {};
	char want_pin[PATH_MAX];
	struct jv *o;
	struct run r;

	run(&r, "kvmtrap --json attach %s --vm %s %s", obj, vm_arg(v, vm), sets);
	o = run_json(&r);
	jkeys(o, "vm,link_id,prog_id,prog_name,pin");
	jexpect_str(o, "vm", v->name[vm]);
	jexpect_str(o, "prog_name", prog_name);
	a.link_id = ju64(o, "link_id");
	a.prog_id = ju64(o, "prog_id");
	CHECK(a.link_id && a.prog_id, "link_id %u, prog_id %u in:\n%s",
	      a.link_id, a.prog_id, r.out);
	snprintf(want_pin, sizeof(want_pin), PIN_ROOT "/%s/link-%u", v->name[vm],
		 a.link_id);
	jexpect_str(o, "pin", want_pin);
	snprintf(a.pin, sizeof(a.pin), "%s", want_pin);
	expect_link(v, vm, a.link_id, a.prog_id, prog_name, a.pin);
	return a;
}

struct attached cli_attach(struct vmm *v, int vm, const char *sets)
{
	return cli_attach_obj(v, vm, CLI_OBJ, PROG_NAME, sets);
}

/* An element of a link list ("list", "status"): the link of @a. */
void expect_json_link(const struct jv *l, const struct attached *a,
		      const char *prog_name)
{
	jkeys(l, "link_id,prog_id,prog_name,pinned,defunct");
	jexpect_u64(l, "link_id", a->link_id);
	jexpect_u64(l, "prog_id", a->prog_id);
	jexpect_str(l, "prog_name", prog_name);
	jexpect_bool(l, "pinned", true);
	jexpect_bool(l, "defunct", false);
}

static void expect_json_stats_keys(const struct jv *s)
{
	jkeys(s, "pass,handled,forward,deny,undef,forward_refused");
}

struct kt_stats json_stats(const struct jv *o)
{
	const struct jv *s = jobj(o, "stats");

	expect_json_stats_keys(s);
	return (struct kt_stats){
		.pass		= ju64(s, "pass"),
		.handled	= ju64(s, "handled"),
		.forward	= ju64(s, "forward"),
		.deny		= ju64(s, "deny"),
		.undef		= ju64(s, "undef"),
		.refused	= ju64(s, "forward_refused"),
	};
}

void expect_stats_equal(struct kt_stats got, struct kt_stats want,
			const char *what)
{
	CHECK(!memcmp(&got, &want, sizeof(got)),
	      "%s: pass %lu handled %lu forward %lu deny %lu undef %lu refused %lu, "
	      "expected %lu %lu %lu %lu %lu %lu", what, got.pass, got.handled,
	      got.forward, got.deny, got.undef, got.refused, want.pass,
	      want.handled, want.forward, want.deny, want.undef, want.refused);
}

/* "kvmtrap --json status --vm VM", its shape checked. */
struct jv *cli_status(struct vmm *v, int vm, struct run *r)
{
	struct jv *o;

	run(r, "kvmtrap --json status --vm %s", vm_arg(v, vm));
	o = run_json(r);
	jkeys(o, "vm,accepts_forwards,links,stats,handled");
	jexpect_str(o, "vm", v->name[vm]);
	jarr(o, "links");
	jarr(o, "handled");
	json_stats(o);
	return o;
}

static struct hentry json_hentry(const struct jv *e)
{
	struct hentry h = {};

	jkeys(e, "conduit,imm,first,last,name,route,owner,hits");
	snprintf(h.conduit, sizeof(h.conduit), "%s", jstr(e, "conduit"));
	h.imm = ju64(e, "imm");
	h.first = ju64(e, "first");
	h.last = ju64(e, "last");
	snprintf(h.route, sizeof(h.route), "%s", jstr(e, "route"));
	snprintf(h.owner, sizeof(h.owner), "%s", jstr(e, "owner"));
	h.hits = ju64(e, "hits");
	h.has_name = !jis_null(e, "name");
	if (h.has_name)
		snprintf(h.name, sizeof(h.name), "%s", jstr(e, "name"));
	return h;
}

int json_hentries(const struct jv *list, struct hentry *h, int max)
{
	int i;

	CHECK(list->n <= max, "%d handled entries, more than %d", list->n, max);
	for (i = 0; i < list->n; i++)
		h[i] = json_hentry(jat(list, i));
	return list->n;
}

/* The entry for exactly (@conduit, @imm, @id..@id), or NULL. */
const struct hentry *find_hentry(const struct hentry *h, int n,
				 const char *conduit, uint32_t imm,
				 uint64_t id)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(h[i].conduit, conduit) && h[i].imm == imm &&
		    h[i].first == id && h[i].last == id)
			return &h[i];
	return NULL;
}

/* The policy's entry for @func: route bpf, owner policy, @hits. */
void expect_policy_hentry(const struct hentry *h, int n,
			  const char *conduit, uint32_t imm,
			  uint64_t func, uint64_t hits)
{
	const struct hentry *e = find_hentry(h, n, conduit, imm, func);

	CHECK(e, "no handled entry %s #0x%x 0x%lx in:\n%s", conduit, imm, func,
	      json_text);
	CHECK(!strcmp(e->route, "bpf") && !strcmp(e->owner, "policy") &&
	      e->hits == hits,
	      "handled entry %s #0x%x 0x%lx: route %s owner %s hits %lu, "
	      "expected bpf policy %lu, in:\n%s", conduit, imm, func, e->route,
	      e->owner, e->hits, hits, json_text);
}

/* "kvmtrap --json query --vm VM @call", its shape checked. */
struct qres __printf(3, 4)
cli_query(struct vmm *v, int vm, const char *fmt, ...)
{
	char call[256];
	struct qres q = {};
	struct run r;
	struct jv *o, *ret;
	va_list ap;
	int i;

	va_start(ap, fmt);
	vsnprintf(call, sizeof(call), fmt, ap);
	va_end(ap);
	run(&r, "kvmtrap --json query --vm %s %s", vm_arg(v, vm), call);
	o = run_json(&r);
	jkeys(o, "vm,conduit,imm,func_id,name,stage,verdict,prog_verdict,refused,"
	      "link_id,prog_id,el2,ret");
	jexpect_str(o, "vm", v->name[vm]);
	snprintf(q.stage, sizeof(q.stage), "%s", jstr(o, "stage"));
	snprintf(q.verdict, sizeof(q.verdict), "%s", jstr(o, "verdict"));
	q.refused = jbool(o, "refused");
	if (!jis_null(o, "prog_verdict"))
		snprintf(q.prog_verdict, sizeof(q.prog_verdict), "%s",
			 jstr(o, "prog_verdict"));
	snprintf(q.conduit, sizeof(q.conduit), "%s", jstr(o, "conduit"));
	q.link_id = ju64(o, "link_id");
	q.prog_id = ju64(o, "prog_id");
	q.el2 = jbool(o, "el2");
	q.func_id = ju64(o, "func_id");
	q.imm = ju64(o, "imm");
	q.has_name = !jis_null(o, "name");
	if (q.has_name)
		snprintf(q.name, sizeof(q.name), "%s", jstr(o, "name"));
	q.has_ret = !jis_null(o, "ret");
	if (q.has_ret) {
		ret = jarr(o, "ret");
		CHECK(ret->n == 4, "query ret has %d elements, expected 4:\n%s",
		      ret->n, r.out);
		for (i = 0; i < 4; i++)
			q.ret[i] = jat_u64(ret, i);
	}
	CHECK(!strcmp(q.stage, "filter") || !strcmp(q.stage, "native") ||
	      !strcmp(q.stage, "bpf") || !strcmp(q.stage, "default"),
	      "query stage \"%s\":\n%s", q.stage, r.out);
	/* Only a program decides with a link, and gives its own verdict. */
	CHECK(!strcmp(q.stage, "bpf") == !!q.prog_verdict[0],
	      "query stage %s with prog_verdict \"%s\":\n%s", q.stage,
	      q.prog_verdict, r.out);
	CHECK(q.refused == (!strcmp(q.prog_verdict, "forward") &&
			    !strcmp(q.verdict, "deny")),
	      "query refused %d, prog_verdict %s, verdict %s:\n%s", q.refused,
	      q.prog_verdict, q.verdict, r.out);
	CHECK(!strcmp(q.stage, "bpf") == (q.link_id && q.prog_id),
	      "query stage %s with link_id %u prog_id %u:\n%s", q.stage,
	      q.link_id, q.prog_id, r.out);
	return q;
}

void expect_query(const struct qres *q, const char *what,
		  const char *stage, const char *verdict)
{
	CHECK(!strcmp(q->stage, stage) && !strcmp(q->verdict, verdict),
	      "query %s: stage %s, verdict %s; expected %s, %s", what, q->stage,
	      q->verdict, stage, verdict);
}

void expect_query_ret(const struct qres *q, const char *what,
		      uint64_t r0, uint64_t r1, uint64_t r2, uint64_t r3)
{
	const uint64_t want[4] = { r0, r1, r2, r3 };
	int i;

	CHECK(q->has_ret, "query %s: ret null, expected 0x%lx...", what, r0);
	for (i = 0; i < 4; i++)
		CHECK(q->ret[i] == want[i], "query %s: ret[%d] 0x%lx, expected 0x%lx",
		      what, i, q->ret[i], want[i]);
}

/* ---- list's rows, the CLI's names of calls ------------------------------- */

/*
 * The table row of VM @name: VM PID COMM FD LINKS FORWARDS (the test VMM
 * opts in unless told not to, so "yes" is expected); with @a, the next line
 * is that link: ID, program ID, program name, pinned.
 */
void expect_list_row(const char *out, const struct vmm *v, int vm,
		     int nr_links, const struct attached *a)
{
	char line[512], tok[MAX_TOKENS][TOKEN_LEN], want[32];
	int i, n;

	CHECK(line_at(out, 0, line, sizeof(line)), "empty list:\n%s", out);
	n = tokens(line, tok);
	CHECK(n == 6 && !strcmp(tok[0], "VM") && !strcmp(tok[1], "PID") &&
	      !strcmp(tok[2], "COMM") && !strcmp(tok[3], "FD") &&
	      !strcmp(tok[4], "LINKS") && !strcmp(tok[5], "FORWARDS"),
	      "the list's header is not \"VM PID COMM FD LINKS FORWARDS\":\n%s",
	      out);
	for (i = 1; line_at(out, i, line, sizeof(line)); i++) {
		n = tokens(line, tok);
		if (n && !strcmp(tok[0], v->name[vm]))
			break;
	}
	CHECK(n == 6, "no row of 6 columns for VM %s:\n%s", v->name[vm], out);
	snprintf(want, sizeof(want), "%d", v->pid);
	CHECK(!strcmp(tok[1], want), "PID %s, expected %s:\n%s", tok[1], want, out);
	CHECK(!strcmp(tok[2], VMM_COMM), "COMM %s, expected %s:\n%s", tok[2],
	      VMM_COMM, out);
	snprintf(want, sizeof(want), "%d", v->vm_fd[vm]);
	CHECK(!strcmp(tok[3], want), "FD %s, expected %s:\n%s", tok[3], want, out);
	snprintf(want, sizeof(want), "%d", nr_links);
	CHECK(!strcmp(tok[4], want), "LINKS %s, expected %s:\n%s", tok[4], want,
	      out);
	CHECK(!strcmp(tok[5], "yes"), "FORWARDS %s, expected yes:\n%s", tok[5],
	      out);
	if (!a)
		return;
	CHECK(line_at(out, i + 1, line, sizeof(line)) &&
	      isspace((unsigned char)line[0]),
	      "no indented link line after VM %s:\n%s", v->name[vm], out);
	n = tokens(line, tok);
	snprintf(want, sizeof(want), "%u", a->link_id);
	CHECK(tokens_have(tok, n, want), "link line without link ID %s:\n%s",
	      want, out);
	snprintf(want, sizeof(want), "%u", a->prog_id);
	CHECK(tokens_have(tok, n, want), "link line without program ID %s:\n%s",
	      want, out);
	CHECK(tokens_have(tok, n, PROG_NAME) && tokens_have(tok, n, "pinned") &&
	      !tokens_have(tok, n, "defunct"),
	      "link line without \"%s pinned\" (or defunct):\n%s", PROG_NAME, out);
}

const struct known_func known_funcs[NR_KNOWN_FUNCS] = {
	{ "SMCCC_VERSION",		0x80000000 },
	{ "SMCCC_ARCH_FEATURES",	0x80000001 },
	{ "SMCCC_ARCH_WORKAROUND_1",	0x80008000 },
	{ "SMCCC_ARCH_WORKAROUND_2",	0x80007fff },
	{ "SMCCC_ARCH_WORKAROUND_3",	0x80003fff },
	{ "PSCI_VERSION",		0x84000000 },
	{ "TRNG_VERSION",		0x84000050 },
	{ "KVM_VENDOR_HYP_CALL_UID",	0x8600ff01 },
};
