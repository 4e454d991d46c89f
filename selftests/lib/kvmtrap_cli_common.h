/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmtrap_cli_common.h - what the kvmtrap CLI selftests
 * (selftests/kvmtrap_cli_*.c, one binary per group of commands) share;
 * the code is in kvmtrap_cli_common.c, built once and linked into each.
 *
 * A test VMM is a child process that creates an arm64 VM (upstream KVM
 * selftest library, kvmtrap_vm.h) whose guest makes HVC/SMC calls, one per
 * request or in a loop, reports its VM fd over a pipe and keeps running;
 * the test then drives "kvmtrap ... --vm <VMM pid>" (run() of
 * kvmtrap_run.h) and checks what the CLI says against what the guest sees,
 * the kernel's view of links and programs (libbpf), bpffs, and bpftool.
 * --json output is parsed (kvmtrap_run.h's small JSON parser; integers
 * with strtoull, as u64 may exceed 2^53) and checked member by member.
 *
 * Here: the objects the tests load, the test VMM (vmm_start(), requests,
 * vmm_stop(); an atexit handler reaps the VMMs and removes their pins),
 * the kernel's view of links and pins, and the CLI's attach, status and
 * query as the tests use them.
 *
 * The policies: kvmtrap_cli.bpf.o (configurable with --set, see
 * kvmtrap_cli.bpf.c), kvmtrap_cli_fail.bpf.o (one program the verifier
 * rejects), and objects of other selftests: kvmtrap_policy.bpf.o (a
 * kvm_trap program without a "kvmtrap_events" ring buffer),
 * kvmtrap_prog_fail.bpf.o (several kvm_trap programs), bpf_smoke.bpf.o (no
 * kvm_trap program).
 *
 * One behaviour per test_*(), one VMM per test.  KVMTRAP_CLI_VERBOSE=1 in
 * the environment shows every command run and its output.
 */
#ifndef KVMTRAP_CLI_COMMON_H
#define KVMTRAP_CLI_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>

#include "kvmtrap_vm.h"
#include "kvmtrap_handled.h"
#include "kvmtrap_run.h"

#define OBJ_DIR		"/usr/libexec/kvmtrap/bpf"
#define CLI_OBJ		OBJ_DIR "/kvmtrap_cli.bpf.o"
#define CLI_FAIL_OBJ	OBJ_DIR "/kvmtrap_cli_fail.bpf.o"
#define PROG_FAIL_OBJ	OBJ_DIR "/kvmtrap_prog_fail.bpf.o"
#define SMOKE_OBJ	OBJ_DIR "/bpf_smoke.bpf.o"
#define POLICY_OBJ	OBJ_DIR "/kvmtrap_policy.bpf.o"
#define PIN_ROOT	"/sys/fs/bpf/kvmtrap"
#define PROG_NAME	"cli_policy"	/* the program of kvmtrap_cli.bpf.o */
#define VMM_COMM	"kt_vmm"
#define NOBODY		65534

#define MAX_VMS		2
#define KVM_CAP_TRAP_BPF_LINKS	8	/* KVM_CHECK_EXTENSION(KVM_CAP_TRAP_BPF) */
#define VM_NAME_LEN	24

#define FUNC_A		KT_FUNC_64		/* 0xc3000042 */
#define FUNC_OTHER	(KT_FUNC_64 + 1)
#define ANSWER_A	0xa000000000000a00ull
#define ANSWER_B	0xb000000000000b00ull
#define NOT_SUPPORTED	0xffffffffffffffffull

#define STR(x)		#x
#define XSTR(x)		STR(x)

/* cli_policy answers FUNC_A with ANSWER_A (or _B) in x0..x3. */
#define SET_HANDLE_A	"--set verdict=1 --set func_id=0xc3000042 " \
			"--set ret=0xa000000000000a00"
#define SET_HANDLE_B	"--set verdict=1 --set func_id=0xc3000042 " \
			"--set ret=0xb000000000000b00"

/* ---- The guest ----------------------------------------------------------- */

/* What the guest saw of the calls of one loop. */
struct loop_result {
	uint64_t done;		/* calls answered */
	uint64_t from_a;	/* whole answers ANSWER_A, + 1 in x1 */
	uint64_t from_b;	/* ... ANSWER_B */
	uint64_t other;		/* anything else */
	uint64_t other_x0;	/* the last of those */
	uint64_t switches;	/* changes of x0 from one call to the next */
};

/* ---- The test VMM: a child process holding the VMs ----------------------- */

struct vmm_opts {
	int nr_vms;
	int nr_filters;			/* SMCCC filter ranges of VM 0 */
	struct kvm_smccc_filter filter[2];
	bool refuse_forwards;		/* do not opt in to forwarded calls */
};

enum vmm_op {
	VMM_CALL = 1,		/* one call: the registers after it */
	VMM_STATS,		/* the VM's trap_bpf_* statistics */
	VMM_LOOP_START,		/* loop on calls (in a vCPU thread) */
	VMM_LOOP_DONE,		/* calls it made so far */
	VMM_LOOP_STOP,		/* stop it: what it saw */
	VMM_HOLD_LINKS,		/* link x[0] kvmtrap_policy programs, unpinned */
	VMM_ACCEPT_FORWARDS,	/* opt in to forwarded calls now */
};

struct vmm_req {
	uint32_t op;
	uint32_t vm;		/* which of the VMM's VMs */
	struct kt_call call;	/* CALL; LOOP_START: conduit and x[0] */
	uint64_t answer_a, answer_b;	/* LOOP_START */
};

struct vmm_rep {
	uint32_t exits;		/* CALL: KVM_EXIT_HYPERCALLs resumed */
	uint32_t pad;
	struct kt_regs regs;	/* CALL */
	struct kt_stats stats;	/* STATS */
	struct loop_result loop;	/* LOOP_DONE: .done; LOOP_STOP */
	uint32_t link_ids[KVM_CAP_TRAP_BPF_LINKS];	/* HOLD_LINKS */
	int vm_fd[MAX_VMS];	/* the first message: the VM fds */
};

/*
 * What cleanup() needs of a VMM, kept here rather than pointed to: a test's
 * struct vmm lives on its stack, gone when the atexit handler runs.
 */
struct vmm_reg {
	pid_t pid;		/* 0 once reaped */
	int req, rep;		/* the test's ends of its pipes */
	int nr_vms;
	char name[MAX_VMS][VM_NAME_LEN];
};

struct vmm {
	pid_t pid;
	int req, rep;		/* pipes to and from it */
	int nr_vms;
	int vm_fd[MAX_VMS];
	char name[MAX_VMS][VM_NAME_LEN];	/* KVM's "<pid>-<fd>" */
	struct vmm_reg *reg;
};

/* ---- The CLI's commands as the tests use them ---------------------------- */

struct attached {
	uint32_t link_id;
	uint32_t prog_id;
	char pin[PATH_MAX];
};

/* One entry of a handled-call list (JSON), as a struct. */
struct hentry {
	char conduit[8];
	uint32_t imm;
	uint64_t first, last;
	char route[16], owner[16];
	uint64_t hits;
	bool has_name;
	char name[96];
};

/* The answer of "kvmtrap --json query". */
struct qres {
	char stage[16], verdict[16];
	char prog_verdict[16];	/* "" unless stage bpf */
	bool refused;		/* a FORWARD the VM does not accept */
	uint32_t link_id, prog_id;
	bool el2;
	bool has_ret;
	uint64_t ret[4];
	uint64_t func_id;
	uint32_t imm;
	char conduit[8];
	bool has_name;
	char name[64];
};

/* ---- Functions (selftests/lib/kvmtrap_cli_common.c) --------------------- */

void sleep_ms(unsigned int ms);

void vmm_start(struct vmm *v, const struct vmm_opts *opts);

struct vmm_rep vmm_request(struct vmm *v, uint32_t op, int vm,
			   const struct kt_call *c, uint64_t a,
			   uint64_t b);

struct kt_regs vmm_call(struct vmm *v, int vm, const struct kt_call *c,
			uint32_t *exits);

struct kt_stats vmm_stats(struct vmm *v, int vm);

void vmm_loop_start(struct vmm *v, int vm, uint32_t conduit,
		    uint64_t func, uint64_t a, uint64_t b);

uint64_t vmm_loop_done(struct vmm *v);

uint64_t vmm_wait_calls(struct vmm *v, uint64_t n);

struct loop_result vmm_loop_stop(struct vmm *v);

void vmm_hold_links(struct vmm *v, int n, uint32_t *ids);

void vmm_stop(struct vmm *v);

void call_expect(struct vmm *v, int vm, uint64_t func, uint64_t base);

void call_expect_default(struct vmm *v, int vm, uint64_t func);

/* ---- The kernel's view: links, programs, bpffs --------------------------- */

int link_info_by_id(uint32_t id, struct bpf_link_info *info);

int vm_links(const struct vmm *v, int vm, uint32_t *ids, int max);

void expect_no_links(const struct vmm *v, int vm);

bool path_exists(const char *path);

char *pin_snapshot(void);

void expect_pins_unchanged(const char *before, const char *what);

void expect_link(const struct vmm *v, int vm, uint32_t link_id,
		 uint32_t prog_id, const char *prog_name,
		 const char *pin);

struct attached cli_attach_obj(struct vmm *v, int vm, const char *obj,
			       const char *prog_name, const char *sets);

struct attached cli_attach(struct vmm *v, int vm, const char *sets);

void expect_json_link(const struct jv *l, const struct attached *a,
		      const char *prog_name);

struct kt_stats json_stats(const struct jv *o);

void expect_stats_equal(struct kt_stats got, struct kt_stats want,
			const char *what);

struct jv *cli_status(struct vmm *v, int vm, struct run *r);

int json_hentries(const struct jv *list, struct hentry *h, int max);

const struct hentry *find_hentry(const struct hentry *h, int n,
				 const char *conduit, uint32_t imm,
				 uint64_t id);

void expect_policy_hentry(const struct hentry *h, int n,
			  const char *conduit, uint32_t imm,
			  uint64_t func, uint64_t hits);

struct qres __printf(3, 4)
cli_query(struct vmm *v, int vm, const char *fmt, ...);

void expect_query(const struct qres *q, const char *what,
		  const char *stage, const char *verdict);

void expect_query_ret(const struct qres *q, const char *what,
		      uint64_t r0, uint64_t r1, uint64_t r2, uint64_t r3);

void expect_list_row(const char *out, const struct vmm *v, int vm,
		     int nr_links, const struct attached *a);

/* Well-known function IDs, to check the names the CLI gives. */
struct known_func {
	const char *name;
	uint64_t id;
};

#define NR_KNOWN_FUNCS	8
extern const struct known_func known_funcs[NR_KNOWN_FUNCS];

#endif /* KVMTRAP_CLI_COMMON_H */
