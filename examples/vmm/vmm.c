// SPDX-License-Identifier: GPL-2.0
/*
 * kvmtrap-vmm: an example VMM that gives its own VM BPF policies for the
 * guest's hypervisor calls, the way a real VMM uses KVM and libkvmtrap.
 *
 *	kvmtrap-vmm [-c CALLS] [-p POLICIES] [-P 'POLICY [KEY=VALUE]...']
 *		    [--tsv] [--hold] [--events] [-v] ['hvc|smc [#IMM] FUNC [ARG...]']...
 *
 * It reads a call script and a policy set (script.c), then, top to bottom:
 *
 *  1. creates an arm64 VM: /dev/kvm, KVM_CREATE_VM, one memslot, the SMCCC
 *     filter ranges of the script (KVM_ARM_VM_SMCCC_FILTER), one vCPU with
 *     PSCI 0.2 (KVM_ARM_VCPU_INIT), PC and VBAR_EL1 (KVM_SET_ONE_REG);
 *  2. writes the guest (guest.c): one HVC/SMC per scripted call;
 *  3. attaches the policies to this VM only: kvmtrap_vm_open(), opts in
 *     to the calls they forward (kvmtrap_vm_accept_forwards(): without
 *     it KVM turns a FORWARD verdict into DENY), then
 *     kvmtrap_policy_open/set/load/attach(), and kvmtrap_pin() so that
 *     "bpftool link show" and "kvmtrap status --vm PID" see them;
 *  4. asks KVM, before the guest runs, where each call will go
 *     (KVM_TRAP_QUERY through kvmtrap_query());
 *  5. runs the guest: serves the calls forwarded to it (KVM_EXIT_HYPERCALL,
 *     answered through run->hypercall.ret_regs with
 *     KVM_HYPERCALL_EXIT_RET_REGS), and after each call reads KVM's
 *     per-verdict counters to see which verdict the call really got;
 *  6. prints one line per call: the call, the route KVM_TRAP_QUERY
 *     predicted and the route it took (filter, native, bpf:<verdict>,
 *     default; "> vmm" when forwarded to us), the policy that decided, and
 *     what the guest saw in x0..x3, or "UNDEF at <pc>";
 *  7. with --hold, keeps the VM and its links until SIGINT or SIGTERM, for
 *     "kvmtrap handled --vm PID" and friends; then unpins and exits.
 *
 * With --events the VMM counts itself as a reader of its policies' event
 * streams (kvmtrap_readers_add()): they write an event per decision from
 * the start, and "kvmtrap trace" run later finds the guest's calls in the
 * ring buffers.  Without it a policy writes events only while a trace
 * runs, and the calls cost nothing for them.
 *
 * The VMM's own service, for every call forwarded to it: x0 = 0 (SMCCC
 * SUCCESS), x1 = the function ID it saw, x2 = the immediate, x3 = x1 of
 * the call, so the guest's registers show what reached the VMM.
 *
 * Exit status: 0 when every call went where KVM_TRAP_QUERY said it would
 * and returned what it said; 3 when not; 1 on errors, 2 on usage errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/kvm.h>
#include <linux/kvm_trap.h>

#include <bpf/libbpf.h>

#include "libkvmtrap.h"
#include "vmm.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define NOT_SUPPORTED	UINT64_MAX	/* SMCCC_RET_NOT_SUPPORTED, 64 bits */
#define EXIT_MISMATCH	3

#define REG_PC		(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | \
			 KVM_REG_ARM_CORE_REG(regs.pc))
#define REG_VBAR_EL1	ARM64_SYS_REG(3, 0, 12, 0, 0)

struct options {
	const char *calls;	/* -c */
	const char *policies;	/* -p */
	bool tsv;		/* --tsv: one tab-separated line per call */
	bool hold;		/* --hold: keep the VM until signalled */
	bool events;		/* --events: read the policies' events */
	bool verbose;		/* -v: libbpf's messages */
	int timeout;		/* --timeout: seconds for the guest's run */
};

struct vm {
	int kvm, fd, vcpu;
	void *mem;
	struct kvm_run *run;
	size_t run_size;
	struct kvmtrap_vm *kt;
	int nr_links;
	int link_fd[MAX_POLICIES];
	struct kvmtrap_link_info link[MAX_POLICIES];
};

/* What happened to one call, next to what KVM_TRAP_QUERY said would. */
struct record {
	struct kvm_trap_query q;
	bool ran;			/* the guest stored its results */
	bool forwarded;			/* KVM_EXIT_HYPERCALL for it */
	uint64_t fwd_flags, fwd_nr, fwd_args[6];
	uint32_t fwd_imm;
	uint64_t answer[4];		/* what the VMM gave x0..x3 */
	int verdict;			/* counter that moved, -1 for none */
	uint32_t stopped;		/* KVM_SYSTEM_EVENT_* type, or 0 */
	struct guest_result res;
	char query[24], route[24];
	const char *by;			/* the deciding policy's program */
	bool ok;
};

static struct record records[MAX_CALLS];
static volatile sig_atomic_t timed_out;
static struct kvm_run *alarm_run;	/* the vCPU on_alarm() stops */

static void __attribute__((format(printf, 1, 2))) err_msg(const char *fmt, ...)
{
	va_list ap;

	fputs("kvmtrap-vmm: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	return vfprintf(stderr, fmt, ap);
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	return 0;
}

/* ---- 1. the VM ------------------------------------------------------------ */

static int vm_create(struct vm *vm)
{
	struct kvm_userspace_memory_region slot = {
		.slot = 0,
		.guest_phys_addr = GUEST_BASE,
		.memory_size = GUEST_SIZE,
	};

	vm->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm < 0) {
		err_msg("open /dev/kvm: %s: is KVM enabled in this kernel?",
			strerror(errno));
		return -1;
	}
	if (ioctl(vm->kvm, KVM_CHECK_EXTENSION, KVM_CAP_TRAP_BPF) <= 0) {
		err_msg("/dev/kvm: no KVM_CAP_TRAP_BPF: run a kvmtrap kernel");
		return -1;
	}
	vm->fd = ioctl(vm->kvm, KVM_CREATE_VM, 0);
	if (vm->fd < 0) {
		err_msg("KVM_CREATE_VM: %s", strerror(errno));
		return -1;
	}
	vm->mem = mmap(NULL, GUEST_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->mem == MAP_FAILED) {
		vm->mem = NULL;
		err_msg("guest memory (%llu bytes): %s",
			(unsigned long long)GUEST_SIZE, strerror(errno));
		return -1;
	}
	slot.userspace_addr = (uintptr_t)vm->mem;
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &slot)) {
		err_msg("KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* The filter must be set before the vCPU first runs (EBUSY after). */
static int vm_set_filters(struct vm *vm, const struct script *s)
{
	int i;

	for (i = 0; i < s->nr_filters; i++) {
		const struct filter *f = &s->filters[i];
		struct kvm_smccc_filter filter = {
			.base = f->first,
			.nr_functions = f->last - f->first + 1,
			.action = f->action,
		};
		struct kvm_device_attr attr = {
			.group = KVM_ARM_VM_SMCCC_CTRL,
			.attr = KVM_ARM_VM_SMCCC_FILTER,
			.addr = (uintptr_t)&filter,
		};

		if (ioctl(vm->fd, KVM_SET_DEVICE_ATTR, &attr)) {
			err_msg("SMCCC filter 0x%x-0x%x: %s%s", f->first,
				f->last, strerror(errno),
				errno == EEXIST ? ": ranges overlap" :
				errno == EINVAL ?
				": the Arm architecture range (0x8000xxxx, 0xc000xxxx) is KVM's" :
				"");
			return -1;
		}
	}
	return 0;
}

static int set_reg(int vcpu, uint64_t id, uint64_t value)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uintptr_t)&value };

	return ioctl(vcpu, KVM_SET_ONE_REG, &reg);
}

static int vcpu_create(struct vm *vm)
{
	struct kvm_vcpu_init init;
	int size;

	vm->vcpu = ioctl(vm->fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu < 0) {
		err_msg("KVM_CREATE_VCPU: %s", strerror(errno));
		return -1;
	}
	/* The host CPU's own target, and PSCI 0.2 or later for the guest. */
	if (ioctl(vm->fd, KVM_ARM_PREFERRED_TARGET, &init)) {
		err_msg("KVM_ARM_PREFERRED_TARGET: %s", strerror(errno));
		return -1;
	}
	init.features[0] |= 1U << KVM_ARM_VCPU_PSCI_0_2;
	if (ioctl(vm->vcpu, KVM_ARM_VCPU_INIT, &init)) {
		err_msg("KVM_ARM_VCPU_INIT: %s", strerror(errno));
		return -1;
	}
	size = ioctl(vm->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < (int)sizeof(struct kvm_run)) {
		err_msg("KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
		return -1;
	}
	vm->run_size = size;
	vm->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       vm->vcpu, 0);
	if (vm->run == MAP_FAILED) {
		vm->run = NULL;
		err_msg("mmap kvm_run: %s", strerror(errno));
		return -1;
	}
	/* Reset state is EL1h, MMU off, exceptions masked. */
	if (set_reg(vm->vcpu, REG_PC, GUEST_CODE) ||
	    set_reg(vm->vcpu, REG_VBAR_EL1, GUEST_VECTORS)) {
		err_msg("KVM_SET_ONE_REG (PC, VBAR_EL1): %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- 3. the policies ----------------------------------------------------- */

static int attach_one(struct vm *vm, const struct policy_line *l, bool events)
{
	struct kvmtrap_link_info *info = &vm->link[vm->nr_links];
	struct kvmtrap_policy *p = NULL;
	int err, i, link_fd = -1;
	const char *step;

	step = "open";
	err = kvmtrap_policy_open(l->path, &p);
	for (i = 0; !err && i < l->nr_sets; i++) {
		step = "set";
		err = kvmtrap_policy_set(p, l->key[i], l->value[i]);
		if (err) {
			err_msg("policy %s: %s=%s: %s: %s", l->path, l->key[i],
				l->value[i], strerror(-err),
				err == -ENOENT ? "no such read-only global" :
						 "the value does not fit its type");
			goto out;
		}
	}
	if (!err) {
		step = "load";
		err = kvmtrap_policy_load(p, vm->kt);
	}
	/* route_table: its rules, in its map before it sees a call. */
	if (!err && l->nr_rules) {
		int map_fd = kvmtrap_policy_rules_fd(p);

		step = "add rules to";
		err = map_fd < 0 ? map_fd : 0;
		for (i = 0; !err && i < l->nr_rules; i++) {
			err = kvmtrap_rule_add(map_fd, &l->rules[i]);
			if (err) {
				char key[128];

				kvmtrap_rule_describe(&l->rules[i].key, key,
						      sizeof(key));
				err_msg("%s:%d: rule %s: %s%s", l->file,
					l->rule_lineno[i], key, strerror(-err),
					err == -EEXIST ? ": a rule with the same key is there" :
					err == -ENOSPC ? ": the map is full" : "");
				goto out;
			}
		}
	}
	if (!err) {
		step = "attach";
		link_fd = kvmtrap_policy_attach(p, vm->kt);
		err = link_fd < 0 ? link_fd : 0;
	}
	/* Pinned last: a failure before leaves nothing behind in bpffs. */
	if (!err) {
		step = "read link of";
		err = kvmtrap_link_info(link_fd, info);
	}
	if (!err) {
		step = "pin";
		err = kvmtrap_pin(vm->kt, link_fd, NULL, 0);
	}
	if (err) {
		err_msg("%s policy %s: %s%s", step, l->path, strerror(-err),
			err == -EACCES || err == -EINVAL ?
			": rerun with -v for the verifier's log" :
			err == -ENOEXEC ? ": one SEC(\"kvm_trap\") program" :
			err == -E2BIG ? ": too many links for one VM" : "");
		if (link_fd >= 0) {
			kvmtrap_detach(link_fd);
			close(link_fd);
		}
		goto out;
	}
	vm->link_fd[vm->nr_links++] = link_fd;
	/* Its events from now on: the maps live as long as the link. */
	if (events) {
		struct bpf_map *m = bpf_object__find_map_by_name(
			kvmtrap_policy_object(p), KVMTRAP_READERS_MAP_NAME);

		if (m)
			kvmtrap_readers_add(bpf_map__fd(m), 1);
	}
out:
	kvmtrap_policy_close(p);	/* the link holds the program */
	return err ? -1 : 0;
}

static int attach_policies(struct vm *vm, const struct policy_set *ps,
			   bool events)
{
	int err, i, fd;

	err = kvmtrap_vm_open(vm->fd, &vm->kt);
	if (err) {
		err_msg("kvmtrap_vm_open: %s", strerror(-err));
		return -1;
	}
	/*
	 * This VMM answers what the policies forward (also those that
	 * "kvmtrap attach" adds while it holds the VM): tell KVM so.
	 */
	err = kvmtrap_vm_accept_forwards(vm->kt);
	if (err) {
		err_msg("accept forwards on VM %s: %s", kvmtrap_vm_name(vm->kt),
			strerror(-err));
		return -1;
	}
	for (i = 0; i < ps->nr; i++)
		if (attach_one(vm, &ps->lines[i], events))
			return -1;
	/* The native part of the handled-call list, for bpftool map dump. */
	fd = kvmtrap_handled_open(vm->kt);
	if (fd < 0) {
		err_msg("handled-call list of VM %s: %s",
			kvmtrap_vm_name(vm->kt), strerror(-fd));
		return -1;
	}
	close(fd);
	return 0;
}

static const char *link_prog(const struct vm *vm, uint32_t link_id)
{
	int i;

	for (i = 0; i < vm->nr_links; i++)
		if (vm->link[i].link_id == link_id)
			return vm->link[i].prog_name;
	return "?";
}

static void vm_destroy(struct vm *vm)
{
	int i;

	for (i = 0; i < vm->nr_links; i++) {
		kvmtrap_unpin(kvmtrap_vm_name(vm->kt), vm->link[i].link_id);
		close(vm->link_fd[i]);
	}
	if (vm->kt)
		kvmtrap_vm_cleanup(kvmtrap_vm_name(vm->kt));
	kvmtrap_vm_close(vm->kt);
	if (vm->run)
		munmap(vm->run, vm->run_size);
	if (vm->vcpu >= 0)
		close(vm->vcpu);
	if (vm->fd >= 0)
		close(vm->fd);
	if (vm->mem)
		munmap(vm->mem, GUEST_SIZE);
	if (vm->kvm >= 0)
		close(vm->kvm);
}

/* ---- 4. the prediction --------------------------------------------------- */

static void route_name(char *buf, size_t size, uint32_t stage,
		       uint32_t verdict)
{
	switch (stage) {
	case KVM_TRAP_STAGE_FILTER:
	case KVM_TRAP_STAGE_BPF:
		snprintf(buf, size, "%s:%s", kvmtrap_stage_name(stage),
			 kvmtrap_verdict_name(verdict) ?: "?");
		break;
	default:
		snprintf(buf, size, "%s", kvmtrap_stage_name(stage) ?: "?");
	}
}

static int query_calls(struct vm *vm, const struct script *s)
{
	int n, err;

	for (n = 0; n < s->nr_calls; n++) {
		struct kvm_trap_query *q = &records[n].q;

		memset(q, 0, sizeof(*q));
		q->conduit = s->calls[n].conduit;
		q->imm = s->calls[n].imm;
		/* x0..x7; regs[8..9] stay 0 */
		memcpy(q->regs, s->calls[n].x, sizeof(s->calls[n].x));
		err = kvmtrap_query(vm->kt, q);
		if (err) {
			err_msg("KVM_TRAP_QUERY for \"%s\": %s",
				s->calls[n].text, strerror(-err));
			return -1;
		}
		route_name(records[n].query, sizeof(records[n].query),
			   q->stage, q->verdict);
		records[n].by = q->stage == KVM_TRAP_STAGE_BPF ?
				link_prog(vm, q->link_id) : "-";
		records[n].verdict = -1;
	}
	return 0;
}

/* ---- 5. running the guest ------------------------------------------------ */

/*
 * A call forwarded to us, by the SMCCC filter or by a policy: show it and
 * answer it through the run structure (KVM writes x0..x3 on the next
 * KVM_RUN; without KVM_HYPERCALL_EXIT_RET_REGS it would leave them).
 */
static void serve_hypercall(struct vm *vm, const struct options *o,
			    struct record *r, int n)
{
	struct kvm_run *run = vm->run;
	uint64_t flags = run->hypercall.flags;
	int i;

	r->forwarded = true;
	r->fwd_flags = flags;
	r->fwd_nr = run->hypercall.nr;
	r->fwd_imm = flags & KVM_HYPERCALL_EXIT_IMM ? run->hypercall.imm : 0;
	memcpy(r->fwd_args, run->hypercall.args, sizeof(r->fwd_args));

	r->answer[0] = 0;		/* SMCCC_RET_SUCCESS */
	r->answer[1] = r->fwd_nr;
	r->answer[2] = r->fwd_imm;
	r->answer[3] = r->fwd_args[0];
	for (i = 0; i < 4; i++)
		run->hypercall.ret_regs[i] = r->answer[i];
	run->hypercall.flags |= KVM_HYPERCALL_EXIT_RET_REGS;

	if (o->tsv)
		return;
	printf("vmm: call %d forwarded by %s: %s", n + 1,
	       flags & KVM_HYPERCALL_EXIT_BPF ? "a policy" : "the SMCCC filter",
	       flags & KVM_HYPERCALL_EXIT_SMC ? "smc" : "hvc");
	if (flags & KVM_HYPERCALL_EXIT_IMM)
		printf(" #0x%x", r->fwd_imm);
	printf(" 0x%" PRIx64 "%s%s, x1..x6 =", r->fwd_nr,
	       flags & KVM_HYPERCALL_EXIT_16BIT ? " (16-bit)" : "",
	       flags & KVM_HYPERCALL_EXIT_AARCH32 ? " (AArch32)" : "");
	for (i = 0; i < 6; i++)
		printf(" 0x%" PRIx64, r->fwd_args[i]);
	printf("\nvmm:   answered x0..x3 = 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64
	       " 0x%" PRIx64 "\n", r->answer[0], r->answer[1], r->answer[2],
	       r->answer[3]);
}

/* Which kvmtrap counter moved during call @r: its verdict, or -1. */
static int step(struct vm *vm, struct record *r, struct kvmtrap_stats *last)
{
	struct kvmtrap_stats now;
	int err, v;

	err = kvmtrap_vm_stats(vm->kt, &now);
	if (err) {
		err_msg("statistics of VM %s: %s", kvmtrap_vm_name(vm->kt),
			strerror(-err));
		return -1;
	}
	r->ran = true;
	r->verdict = -1;
	for (v = 0; v < KVM_TRAP_NR_VERDICTS; v++)
		if (now.verdict[v] != last->verdict[v])
			r->verdict = v;
	*last = now;
	return 0;
}

/*
 * --timeout: KVM_RUN returns EINTR when the alarm interrupts it.  If the
 * alarm comes while we are between two KVM_RUNs, immediate_exit makes the
 * next one return EINTR at once instead of running a looping guest
 * forever.
 */
static void on_alarm(int sig)
{
	timed_out = 1;
	if (alarm_run)
		alarm_run->immediate_exit = 1;
}

static void alarm_set(int seconds)
{
	struct itimerval it = { .it_value.tv_sec = seconds };

	setitimer(ITIMER_REAL, &it, NULL);
}

static int run_calls(struct vm *vm, const struct options *o,
		     const struct script *s)
{
	struct kvm_run *run = vm->run;
	struct kvmtrap_stats last;
	uint64_t fault[3] = { 0 };
	int n = 0, err;

	err = kvmtrap_vm_stats(vm->kt, &last);
	if (err) {
		err_msg("statistics of VM %s: %s", kvmtrap_vm_name(vm->kt),
			strerror(-err));
		return -1;
	}
	for (;;) {
		uint64_t data = 0;

		if (ioctl(vm->vcpu, KVM_RUN, NULL)) {
			if (errno == EINTR && !timed_out)
				continue;
			err_msg("KVM_RUN: %s", timed_out ?
				"the guest did not finish in time (--timeout)" :
				strerror(errno));
			return -1;
		}
		switch (run->exit_reason) {
		case KVM_EXIT_HYPERCALL:
			if (n == s->nr_calls) {
				err_msg("KVM_EXIT_HYPERCALL after the last call");
				return -1;
			}
			serve_hypercall(vm, o, &records[n], n);
			continue;
		case KVM_EXIT_MMIO:
			break;
		case KVM_EXIT_SYSTEM_EVENT:
			/* e.g. PSCI_SYSTEM_OFF: the guest is over. */
			if (n < s->nr_calls)
				records[n].stopped = run->system_event.type;
			return 0;
		default:
			err_msg("unexpected exit %u at call %d", run->exit_reason,
				n + 1);
			return -1;
		}

		if (!run->mmio.is_write || run->mmio.len != 8) {
			err_msg("guest: MMIO %s of %u bytes at 0x%llx",
				run->mmio.is_write ? "write" : "read",
				run->mmio.len, run->mmio.phys_addr);
			return -1;
		}
		memcpy(&data, run->mmio.data, sizeof(data));
		switch (run->mmio.phys_addr) {
		case MMIO_STEP:
			if (data != (uint64_t)n) {
				err_msg("guest: call %" PRIu64 " over, expected call %d",
					data + 1, n + 1);
				return -1;
			}
			if (step(vm, &records[n], &last))
				return -1;
			n++;
			break;
		case MMIO_DONE:
			return 0;
		case MMIO_FAULT_ESR:
			fault[0] = data;
			break;
		case MMIO_FAULT_ELR:
			fault[1] = data;
			break;
		case MMIO_FAULT_VEC:
			fault[2] = data;
			err_msg("guest: unexpected exception (vector slot %" PRIu64
				", ESR 0x%" PRIx64 ", ELR 0x%" PRIx64
				") at call %d", fault[2], fault[0], fault[1],
				n + 1);
			return -1;
		default:
			err_msg("guest: MMIO write to 0x%llx",
				run->mmio.phys_addr);
			return -1;
		}
	}
}

static int run_guest(struct vm *vm, const struct options *o,
		     const struct script *s)
{
	/* No SA_RESTART: the alarm makes KVM_RUN return EINTR. */
	struct sigaction sa = { .sa_handler = on_alarm };
	int err;

	alarm_run = vm->run;
	sigaction(SIGALRM, &sa, NULL);
	alarm_set(o->timeout);
	err = run_calls(vm, o, s);
	/* Disarmed on every way out, so that --hold is not interrupted. */
	alarm_set(0);
	alarm_run = NULL;
	return err;
}

/* ---- 6. what happened ---------------------------------------------------- */

/*
 * The route the call really took, from what the VMM saw: a forward exit,
 * the guest's exception record, or the kvmtrap counter that moved.  When
 * no counter moved, KVM decided before the programs (filter, native, or
 * the default of a call no program is offered), which the counters cannot
 * tell apart: the query's stage stands if it is one of those.  So it does
 * when all programs passed (trap_bpf_pass moved): an HVC #imm then goes on
 * as an SMCCC call of x0, to the filter, a native service or the default.
 */
static bool judge(struct record *r, const struct call *c)
{
	const struct kvm_trap_query *q = &r->q;
	struct kvm_trap_ctx ctx;
	uint64_t mask;
	int i;

	if (!r->ran) {
		snprintf(r->route, sizeof(r->route), "%s",
			 r->stopped ? "native" : "-");
		/* A PSCI SYSTEM_OFF/RESET never returns to the guest. */
		return r->stopped && q->stage == KVM_TRAP_STAGE_NATIVE;
	}
	if (r->forwarded)
		route_name(r->route, sizeof(r->route),
			   r->fwd_flags & KVM_HYPERCALL_EXIT_BPF ?
			   KVM_TRAP_STAGE_BPF : KVM_TRAP_STAGE_FILTER,
			   KVM_TRAP_FORWARD);
	else if (r->verdict > KVM_TRAP_PASS)
		route_name(r->route, sizeof(r->route), KVM_TRAP_STAGE_BPF,
			   r->verdict);
	else if (q->stage != KVM_TRAP_STAGE_BPF &&
		 !(q->stage == KVM_TRAP_STAGE_FILTER &&
		   q->verdict == KVM_TRAP_FORWARD))
		snprintf(r->route, sizeof(r->route), "%s", r->query);
	else if (r->verdict == KVM_TRAP_PASS)
		route_name(r->route, sizeof(r->route), KVM_TRAP_STAGE_DEFAULT, 0);
	else
		snprintf(r->route, sizeof(r->route), "kvm");

	if (strcmp(r->route, r->query))
		return false;
	/* An UNDEF is taken at the HVC/SMC itself, with EC 0. */
	if (q->verdict == KVM_TRAP_UNDEF && q->stage == KVM_TRAP_STAGE_BPF)
		return r->res.elr == c->pc && r->res.esr >> 26 == 0 &&
		       r->res.esr;
	if (r->res.esr)
		return false;
	/* KVM keeps 32 bits of each for an SMC32/HVC32 caller. */
	kvmtrap_ctx_from_call(q, &ctx);
	mask = kvmtrap_ctx_ret_mask(&ctx);
	for (i = 0; i < 4; i++) {
		if (r->forwarded && r->res.x[i] != (r->answer[i] & mask))
			return false;
		if ((q->out_flags & KVM_TRAP_QUERY_RET) &&
		    r->res.x[i] != q->ret[i])
			return false;
	}
	return true;
}

static const char *owner_name(uint64_t id)
{
	static const char *const owners[] = {
		"arch", "cpu", "SiP", "OEM", "std", "std-hyp", "vendor-hyp",
	};
	unsigned int owner = (id >> 24) & 0x3f;

	if (!(id & 0x80000000u) || id > UINT32_MAX)
		return NULL;
	if (owner < ARRAY_SIZE(owners))
		return owners[owner];
	return owner >= 50 ? "trusted-OS" : owner >= 48 ? "trusted-app" : NULL;
}

/* "hvc #0x1 0xc6000001 [vendor-hyp] 0x1 0x2": x0's name, then x1.. */
static void call_desc(char *buf, size_t size, const struct call *c)
{
	uint64_t id = c->imm ? c->x[0] : (uint32_t)c->x[0];
	const char *name = kvmtrap_func_name(id) ?: owner_name(id);
	size_t len;
	int i;

	len = snprintf(buf, size, "%s", kvmtrap_conduit_name(c->conduit));
	if (c->imm)
		len += snprintf(buf + len, size - len, " #0x%x", c->imm);
	len += snprintf(buf + len, size - len, " 0x%" PRIx64, c->x[0]);
	if (name)
		len += snprintf(buf + len, size - len, " [%s]", name);
	for (i = 1; i <= c->nr_args && len < size; i++)
		len += snprintf(buf + len, size - len, " 0x%" PRIx64, c->x[i]);
}

static void result_desc(char *buf, size_t size, const struct record *r)
{
	const uint64_t *x = r->res.x;

	if (!r->ran)
		snprintf(buf, size, r->stopped ? "stopped (system event %u)" :
			 "not run", r->stopped);
	else if (r->res.esr)
		snprintf(buf, size, "UNDEF at 0x%" PRIx64, r->res.elr);
	else if (x[0] == NOT_SUPPORTED && !x[1] && !x[2] && !x[3])
		snprintf(buf, size, "NOT_SUPPORTED");
	else
		snprintf(buf, size, "0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64
			 " 0x%" PRIx64, x[0], x[1], x[2], x[3]);
}

static void print_table(const struct script *s)
{
	char call[LINE_MAX_LEN], route[32], result[64];
	int n;

	printf("\n%-3s %-36s %-15s %-21s %-15s %s\n", "#", "CALL", "QUERY",
	       "ROUTE", "BY", "RESULT (x0..x3)");
	for (n = 0; n < s->nr_calls; n++) {
		const struct record *r = &records[n];

		call_desc(call, sizeof(call), &s->calls[n]);
		snprintf(route, sizeof(route), "%s%s", r->route,
			 r->forwarded ? " > vmm" : "");
		result_desc(result, sizeof(result), r);
		printf("%-3d %-36s %-15s %-21s %-15s %s%s\n", n + 1, call,
		       r->query, route, r->by, result,
		       r->ok ? "" : "  <- not as KVM_TRAP_QUERY said");
	}
}

/*
 * --tsv: the same data for programs, one call per line, tab-separated,
 * numbers in hex, "-" for none.  Columns are named by the header.
 */
static void print_tsv(const struct script *s)
{
	int n, i;

	printf("#n\tconduit\timm\tfunc\tname\targs\tquery\troute\tby\tfwd\t"
	       "x0\tx1\tx2\tx3\tundef_pc\tok\n");
	for (n = 0; n < s->nr_calls; n++) {
		const struct call *c = &s->calls[n];
		const struct record *r = &records[n];
		const char *name = kvmtrap_func_name(c->imm ? c->x[0] :
						     (uint32_t)c->x[0]);

		printf("%d\t%s\t0x%x\t0x%" PRIx64 "\t%s\t", n + 1,
		       kvmtrap_conduit_name(c->conduit), c->imm, c->x[0],
		       name ?: "-");
		for (i = 1; i <= c->nr_args; i++)
			printf("%s0x%" PRIx64, i > 1 ? "," : "", c->x[i]);
		printf("%s\t%s\t%s\t%s\t%s", c->nr_args ? "" : "-", r->query,
		       r->route, r->by, !r->forwarded ? "-" :
		       r->fwd_flags & KVM_HYPERCALL_EXIT_BPF ? "bpf" : "filter");
		for (i = 0; i < 4; i++)
			printf("\t0x%" PRIx64, r->res.x[i]);
		if (r->res.esr)
			printf("\t0x%" PRIx64, r->res.elr);
		else
			printf("\t-");
		printf("\t%s\n", r->ok ? "ok" : "mismatch");
	}
}

/* KVM's counters of the verdicts the VM's policies gave, all calls. */
static void print_stats(const struct vm *vm)
{
	struct kvmtrap_stats st;
	int v;

	if (kvmtrap_vm_stats(vm->kt, &st))
		return;
	printf("\nstats:");
	for (v = 0; v < KVM_TRAP_NR_VERDICTS; v++)
		printf(" %s %" PRIu64, kvmtrap_verdict_name(v), st.verdict[v]);
	printf(" forward_refused %" PRIu64 "\n", st.forward_refused);
}

static void print_header(const struct vm *vm, const struct script *s,
			 long code_size)
{
	int i;

	printf("kvmtrap-vmm: VM %s (pid %d), 1 vCPU, %d calls in %ld bytes "
	       "of guest code at 0x%llx\n", kvmtrap_vm_name(vm->kt), getpid(),
	       s->nr_calls, code_size, GUEST_CODE);
	for (i = 0; i < s->nr_filters; i++)
		printf("filter: %-4s 0x%08x-0x%08x\n",
		       s->filters[i].action == KVM_SMCCC_FILTER_DENY ?
		       "deny" : "fwd", s->filters[i].first, s->filters[i].last);
	if (!vm->nr_links)
		printf("policies: none\n");
	for (i = 0; i < vm->nr_links; i++)
		printf("policy %d: link %u prog %u %s, pinned at %s/%s/link-%u\n",
		       i + 1, vm->link[i].link_id, vm->link[i].prog_id,
		       vm->link[i].prog_name, KVMTRAP_BPFFS_DIR,
		       kvmtrap_vm_name(vm->kt), vm->link[i].link_id);
}

/* ---- main ------------------------------------------------------------------ */

static void usage(FILE *f)
{
	fprintf(f,
"usage: kvmtrap-vmm [OPTIONS] ['hvc|smc [#IMM] FUNC [ARG...]']...\n"
"\n"
"Run an arm64 guest that makes the given HVC/SMC calls, with BPF policies\n"
"attached to its VM, and show where each call went.\n"
"\n"
"  -c, --calls FILE      call script: calls and 'filter deny|fwd FIRST [LAST]'\n"
"  -p, --policies FILE   policy set: 'POLICY [KEY=VALUE]...' per line\n"
"  -P, --policy LINE     one more policy-set line\n"
"      --tsv             tab-separated output, one line per call\n"
"      --hold            keep the VM and its links until SIGINT/SIGTERM\n"
"      --events          read the policies' events from the start (kvmtrap trace\n"
"                        later finds the calls in their ring buffers)\n"
"      --timeout SEC     give up on a guest that runs longer (default 60)\n"
"  -v, --verbose         libbpf's messages (the verifier's log)\n"
"  -h, --help\n"
"\n"
"A POLICY without '/' is %s/POLICY.bpf.o.\n"
"Exit status: 0 all calls went as KVM_TRAP_QUERY predicted, 3 some did not,\n"
"1 error, 2 usage.\n", POLICY_DIR);
}

static struct script script;
static struct policy_set policies;

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "calls",	required_argument, NULL, 'c' },
		{ "policies",	required_argument, NULL, 'p' },
		{ "policy",	required_argument, NULL, 'P' },
		{ "tsv",	no_argument,	   NULL, 't' },
		{ "hold",	no_argument,	   NULL, 'H' },
		{ "events",	no_argument,	   NULL, 'E' },
		{ "timeout",	required_argument, NULL, 'T' },
		{ "verbose",	no_argument,	   NULL, 'v' },
		{ "help",	no_argument,	   NULL, 'h' },
		{}
	};
	int opt, i, lineno = 0;
	uint64_t v;

	o->timeout = 60;
	while ((opt = getopt_long(argc, argv, "c:p:P:vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			if (script_read(&script, optarg))
				return 1;
			break;
		case 'p':
			if (policy_read(&policies, optarg))
				return 1;
			break;
		case 'P':
			if (policy_add_line(&policies, optarg, "--policy",
					    ++lineno))
				return 2;
			break;
		case 't':
			o->tsv = true;
			break;
		case 'H':
			o->hold = true;
			break;
		case 'E':
			o->events = true;
			break;
		case 'T':
			if (kvmtrap_parse_u64(optarg, 3600, &v) || !v) {
				err_msg("--timeout %s: 1 to 3600 seconds", optarg);
				return 2;
			}
			o->timeout = v;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return 2;
		}
	}
	for (i = optind; i < argc; i++)
		if (script_add_line(&script, argv[i], "argument", i - optind + 1))
			return 2;
	if (!script.nr_calls) {
		err_msg("no calls: give a call script (-c) or calls as arguments");
		return 2;
	}
	return 0;
}

/* Until SIGINT or SIGTERM (blocked since the start, so none is lost). */
static void hold(const struct vm *vm, const struct options *o)
{
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	fprintf(o->tsv ? stderr : stdout,
		"kvmtrap-vmm: holding VM %s (pid %d) with %d links until SIGINT or SIGTERM\n",
		kvmtrap_vm_name(vm->kt), getpid(), vm->nr_links);
	fflush(NULL);
	sigwait(&set, &sig);
}

int main(int argc, char **argv)
{
	struct vm vm = { .kvm = -1, .fd = -1, .vcpu = -1 };
	struct options o = {};
	int ret, n, nr_ok = 0;
	sigset_t set;
	long size;

	ret = parse_args(argc, argv, &o);
	if (ret)
		return ret;
	libbpf_set_print(o.verbose ? libbpf_print : libbpf_quiet);
	/*
	 * SIGINT and SIGTERM are taken only by --hold's sigwait(): until then
	 * they wait, so that the VMM always unpins its links before it goes.
	 */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);

	ret = 1;
	if (vm_create(&vm) || vm_set_filters(&vm, &script) || vcpu_create(&vm))
		goto out;
	size = guest_build(vm.mem, &script);
	if (size < 0) {
		err_msg("the guest code for %d calls does not fit in %llu bytes",
			script.nr_calls, GUEST_CODE_MAX);
		goto out;
	}
	if (attach_policies(&vm, &policies, o.events) ||
	    query_calls(&vm, &script))
		goto out;
	if (!o.tsv)
		print_header(&vm, &script, size);
	fflush(stdout);
	if (run_guest(&vm, &o, &script))
		goto out;

	for (n = 0; n < script.nr_calls; n++) {
		records[n].res = ((struct guest_result *)((char *)vm.mem +
				  (GUEST_RESULTS - GUEST_BASE)))[n];
		if (records[n].ran &&
		    records[n].res.done != (RESULT_DONE | (uint64_t)n))
			records[n].ran = false;
		records[n].ok = judge(&records[n], &script.calls[n]);
		nr_ok += records[n].ok;
	}
	if (o.tsv) {
		print_tsv(&script);
	} else {
		print_table(&script);
		print_stats(&vm);
		printf("%d of %d calls went as KVM_TRAP_QUERY predicted\n",
		       nr_ok, script.nr_calls);
	}
	ret = nr_ok == script.nr_calls ? 0 : EXIT_MISMATCH;
	if (o.hold)
		hold(&vm, &o);
out:
	fflush(NULL);
	vm_destroy(&vm);
	return ret;
}
