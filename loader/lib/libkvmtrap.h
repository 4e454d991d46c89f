/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libkvmtrap.h: the C API a VMM (or the kvmtrap CLI) uses to give one VM
 * its own BPF policies for the hypervisor calls KVM does not handle.
 *
 * The order of use reads top to bottom:
 *
 *	kvmtrap_vm_open(vm_fd, &vm);		 or kvmtrap_vm_open_pid()
 *	kvmtrap_policy_open("deny.bpf.o", &p);
 *	kvmtrap_policy_set(p, "verdict", "undef"); const volatile globals
 *	kvmtrap_policy_load(p, vm);		 verifier, JIT
 *	link_fd = kvmtrap_policy_attach(p, vm);	 live from here on
 *	kvmtrap_pin(vm, link_fd, path, sizeof(path));
 *	...
 *	kvmtrap_detach(link_fd); kvmtrap_unpin(vm, link_id);
 *	kvmtrap_policy_close(p); kvmtrap_vm_close(vm);
 *
 * Conventions: every function that can fail returns a negative errno
 * (-ENOENT, -EPERM, ...) and sets nothing else; counts and fds are >= 0.
 * The library never prints: libbpf's messages go wherever the caller's
 * libbpf_set_print() callback sends them.
 *
 * State on the host, per VM, under /sys/fs/bpf/kvmtrap/<vm>/ where <vm> is
 * KVM's own name of the VM, "<pid>-<fd>" (the creator's pid and the VM's fd
 * number in it, as in /sys/kernel/debug/kvm and in the VM fd's fdinfo):
 *
 *	link-<id>	a pinned kvm_trap link (kvmtrap_pin())
 *	handled		the handled-call list (kvmtrap_handled_*())
 *
 * See Documentation/libkvmtrap.rst.
 */
#ifndef __LIBKVMTRAP_H
#define __LIBKVMTRAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/kvm_trap.h>

#include "kvmtrap_handled.h"
#include "route_table.h"	/* bpf/route_table.h */

#ifndef KVM_TRAP_ENABLE_FORWARD
#define KVM_TRAP_ENABLE_FORWARD		(1ULL << 0)
#endif
#ifndef KVM_TRAP_QUERY_REFUSED
#define KVM_TRAP_QUERY_REFUSED		(1U << 2)
#endif

#ifdef __cplusplus
extern "C" {
#endif

struct bpf_object;

/* Where the per-VM directories live. */
#define KVMTRAP_BPFFS_DIR	"/sys/fs/bpf/kvmtrap"
/* "<pid>-<fd>": two decimal numbers and a dash, with the NUL. */
#define KVMTRAP_VM_NAME_LEN	24

/* ---- VMs ---------------------------------------------------------------- */

struct kvmtrap_vm;

/*
 * Use @vm_fd (a KVM VM fd of this process; borrowed, not closed by
 * kvmtrap_vm_close()).  Reads KVM's name of the VM from the fd's fdinfo.
 * -EBADF: not an open fd; -ENOTTY: not a KVM VM fd; -EOPNOTSUPP: the
 * kernel lacks KVM_CAP_TRAP_BPF.
 */
int kvmtrap_vm_open(int vm_fd, struct kvmtrap_vm **vm);

/*
 * Take VM fd @fd of process @pid with pidfd_open()/pidfd_getfd() (the fd
 * is owned and closed by kvmtrap_vm_close()).  @fd < 0: the process's only
 * VM fd (-EEXIST when it has several, -ENOENT when none).
 * -ESRCH: no such process; -EPERM: no ptrace access to it (the caller must
 * be the VMM's user or have CAP_SYS_PTRACE); -EBADF: no such fd in it;
 * -ENOTTY: that fd is not a KVM VM; -EOPNOTSUPP: no KVM_CAP_TRAP_BPF.
 */
int kvmtrap_vm_open_pid(pid_t pid, int fd, struct kvmtrap_vm **vm);

void kvmtrap_vm_close(struct kvmtrap_vm *vm);
int kvmtrap_vm_fd(const struct kvmtrap_vm *vm);
/* "<pid>-<fd>", KVM's name of the VM */
const char *kvmtrap_vm_name(const struct kvmtrap_vm *vm);

/*
 * For the VMM, on its own VM: take the calls that programs FORWARD, as
 * KVM_EXIT_HYPERCALL exits (KVM_ENABLE_CAP KVM_CAP_TRAP_BPF with
 * KVM_TRAP_ENABLE_FORWARD).  Without it a FORWARD verdict acts as DENY.
 * For the VM's lifetime; before or after links exist; repeating it is
 * fine.  -EIO: not the process that created the VM (KVM's rule for VM
 * ioctls); -EINVAL: the kernel has no such opt-in.
 */
int kvmtrap_vm_accept_forwards(struct kvmtrap_vm *vm);

/*
 * Whether the VM takes forwarded calls (1) or its programs' FORWARD
 * verdicts are refused (0), from the VM fd's fdinfo ("trap_forward:"):
 * also for another process's VM.  -EOPNOTSUPP: the kernel does not say.
 */
int kvmtrap_vm_forwards(const struct kvmtrap_vm *vm);

/* One VM fd found in /proc/<pid>/fd (an anon_inode:kvm-vm link). */
struct kvmtrap_vm_ref {
	pid_t pid;			/* the process holding the fd */
	int fd;				/* its fd number there */
	char name[KVMTRAP_VM_NAME_LEN];	/* KVM's name, "" if unreadable */
	char comm[16];			/* /proc/<pid>/comm */
	int forwards;			/* as kvmtrap_vm_forwards(); -1: unknown */
};

/*
 * Every VM fd on the host, sorted by pid then fd; one VM held by several
 * processes appears once per holder.  Fills up to @max, returns how many
 * there are (so a return > @max means: call again with more room).
 */
int kvmtrap_list_vms(struct kvmtrap_vm_ref *refs, int max);

/*
 * The same list, all of it, in one malloc()ed array (NULL when there are
 * none) that the caller free()s: no second call when VMs come and go.
 */
int kvmtrap_list_vms_alloc(struct kvmtrap_vm_ref **refs);

/* Per-verdict counts from KVM's binary statistics of the VM. */
struct kvmtrap_stats {
	uint64_t verdict[KVM_TRAP_NR_VERDICTS];	/* trap_bpf_<verdict> */
	/* FORWARD verdicts turned into DENY: the VMM has not opted in */
	uint64_t forward_refused;		/* trap_bpf_forward_refused */
};

/*
 * From KVM_GET_STATS_FD, or from the VM fd's fdinfo for another process's
 * VM (KVM refuses it the ioctl).  -EOPNOTSUPP: no such counters.
 */
int kvmtrap_vm_stats(const struct kvmtrap_vm *vm, struct kvmtrap_stats *st);

/* ---- Policies: a BPF object with one SEC("kvm_trap") program --------- */

struct kvmtrap_policy;

/*
 * Open @path.  -ENOENT: no such file; -EINVAL: not a BPF ELF object;
 * -ENOEXEC: the object has no kvm_trap program (or more than one).
 */
int kvmtrap_policy_open(const char *path, struct kvmtrap_policy **p);

/*
 * Set the read-only global @key (a const volatile variable of the policy)
 * to @value before load.  Integers take decimal, 0x hex or a negative
 * number and must fit the variable; bool takes true/false/1/0; enums take
 * an enumerator name (also in any case and without its prefix up to an
 * underscore: "undef" for KVM_TRAP_UNDEF) or a number; char arrays take
 * the string (with its NUL).
 * -ENOENT: no such variable; -EINVAL: the value does not parse or fit;
 * -EBUSY: already loaded.
 */
int kvmtrap_policy_set(struct kvmtrap_policy *p, const char *key,
		       const char *value);

/*
 * Load (verify and JIT) the policy.  With @vm, a map of the policy named
 * "kvmtrap_handled" becomes that VM's pinned handled-call list (created if
 * needed); without, it is a private map.  On failure the verifier's log has
 * gone to libbpf's print callback.  -EACCES/-EINVAL: rejected by the
 * verifier (-EINVAL also, with @vm, when the policy's "kvmtrap_handled"
 * map is not of kvmtrap_handled.h's shape); -EBUSY: already loaded.
 */
int kvmtrap_policy_load(struct kvmtrap_policy *p, struct kvmtrap_vm *vm);

/*
 * Attach the loaded policy to @vm.  Returns a new link fd the caller owns.
 * -EINVAL: not loaded; -E2BIG: the VM already has KVM_CAP_TRAP_BPF links.
 */
int kvmtrap_policy_attach(struct kvmtrap_policy *p, struct kvmtrap_vm *vm);

int kvmtrap_policy_prog_fd(const struct kvmtrap_policy *p);
/* The kvm_trap program's name (its C function name) */
const char *kvmtrap_policy_name(const struct kvmtrap_policy *p);
struct bpf_object *kvmtrap_policy_object(const struct kvmtrap_policy *p);
void kvmtrap_policy_close(struct kvmtrap_policy *p);

/*
 * Run the loaded policy once with BPF_PROG_TEST_RUN on @ctx (in and out:
 * ret[] holds what the program set); no VM needed.  The verdict goes to
 * *@verdict, possibly outside enum kvm_trap_verdict.
 */
int kvmtrap_policy_test(struct kvmtrap_policy *p, struct kvm_trap_ctx *ctx,
			uint32_t *verdict);

/*
 * Whether the in-fields of @q (conduit, flags, imm) describe a call a
 * vCPU can make: conduit HVC or SMC, flags only KVM_TRAP_QUERY_AARCH32,
 * an immediate up to 0xffff, and none (0) for an AArch32 SMC, which has
 * no immediate.  0 or -EINVAL.
 */
int kvmtrap_call_valid(const struct kvm_trap_query *q);

/*
 * The context KVM gives the programs when a vCPU makes the call described
 * by the in-fields of @q (conduit, flags, imm, vcpu_id, regs: the same
 * description as for kvmtrap_query()): SMC32 and AArch32 flags, w0 as
 * func_id for an SMCCC call, x1..x7 narrowed for 32-bit callers, ret[]
 * preset to { SMCCC NOT_SUPPORTED, 0, ... }.  For kvmtrap_policy_test().
 * -EINVAL (and @ctx untouched) for a call kvmtrap_call_valid() refuses.
 */
int kvmtrap_ctx_from_call(const struct kvm_trap_query *q,
			  struct kvm_trap_ctx *ctx);

/* What KVM keeps of ret[0..3] for the caller of @ctx: 32 bits or 64. */
uint64_t kvmtrap_ctx_ret_mask(const struct kvm_trap_ctx *ctx);

/* ---- Links -------------------------------------------------------------- */

/* Attach any loaded kvm_trap program; returns a link fd. */
int kvmtrap_attach(int prog_fd, struct kvmtrap_vm *vm);
/*
 * Swap the link's program atomically (BPF_LINK_UPDATE): every call sees
 * either the old or the new program.  @old_prog_fd >= 0 makes it fail with
 * -EPERM if the link no longer runs that program.
 */
int kvmtrap_replace(int link_fd, int new_prog_fd, int old_prog_fd);
/* Take the link off its VM (BPF_LINK_DETACH); the fd stays valid. */
int kvmtrap_detach(int link_fd);

struct kvmtrap_link_info {
	uint32_t link_id;
	uint32_t prog_id;
	char prog_name[16];		/* BPF_OBJ_NAME_LEN */
	char vm[KVMTRAP_VM_NAME_LEN];	/* KVM's name of the VM */
	bool defunct;			/* detached, or its VM is gone */
	bool pinned;			/* pinned under the VM's directory */
};

int kvmtrap_link_info(int link_fd, struct kvmtrap_link_info *info);

/*
 * The kvm_trap links of VM @vm_name on the host (all of them, pinned or
 * not, found by link ID), in attach order (link IDs ascend).  Fills up to
 * @max, returns how many there are.  NULL @vm_name: every kvm_trap link.
 */
int kvmtrap_links(const char *vm_name, struct kvmtrap_link_info *infos,
		  int max);
/*
 * The same, all of them, malloc()ed in *@out (the caller frees it; NULL
 * when there are none).  Returns how many, or a negative errno.
 */
int kvmtrap_links_alloc(const char *vm_name, struct kvmtrap_link_info **out);

/* A new fd for link @link_id (pinned or not); -ENOENT when there is none. */
int kvmtrap_link_fd(uint32_t link_id);

/*
 * The IDs of the maps that program @prog_id uses (a link's policy: its
 * ring buffer, its rule table...).  *@ids is malloc()ed, the caller frees
 * it; returns the count.  -ENOENT: no such program.
 */
int kvmtrap_prog_map_ids(uint32_t prog_id, uint32_t **ids);

/*
 * Pin @link_fd as KVMTRAP_BPFFS_DIR/<vm>/link-<id> (creating the
 * directories; bpffs is mounted at /sys/fs/bpf if it is not).  The path
 * goes to @path when non-NULL.  -EEXIST: already pinned there; -EINVAL:
 * not a kvm_trap link, or a link of another VM; -ENAMETOOLONG: @len is
 * too small for the path.
 */
int kvmtrap_pin(struct kvmtrap_vm *vm, int link_fd, char *path, size_t len);

/*
 * Remove the pin of link @link_id of VM @vm_name, and the VM's directory
 * with its handled-call list when no link pin is left in it.  The link is
 * not detached: it lives on while an fd of it is open, and if the pin was
 * its last reference the kernel releases it asynchronously, shortly after.
 * -ENOENT: not pinned there.
 */
int kvmtrap_unpin(const char *vm_name, uint32_t link_id);

/*
 * Remove VM @vm_name's directory with its handled-call list if no link
 * pin is left in it: after an attach that failed past kvmtrap_policy_load(),
 * or for a VM whose links were never pinned.  0 also when there is no
 * directory; -EBUSY: a link is still pinned there.
 */
int kvmtrap_vm_cleanup(const char *vm_name);

/* ---- Pins that outlive their VM ------------------------------------------ */

/* What is left in the directory of a VM that is gone. */
enum kvmtrap_pin_kind {
	KVMTRAP_PIN_LINK = 1,	/* link-<id>: a defunct kvm_trap link */
	KVMTRAP_PIN_HANDLED,	/* handled: the VM's handled-call list */
	KVMTRAP_PIN_DIR,	/* the directory itself, once emptied */
};

struct kvmtrap_stale_pin {
	char vm[KVMTRAP_VM_NAME_LEN];	/* the directory: KVM's name of the VM */
	enum kvmtrap_pin_kind kind;
	int err;			/* 0: removed (or would be); else why not */
	struct kvmtrap_link_info link;	/* KVMTRAP_PIN_LINK: the link */
};

/* kvmtrap_prune(): find what is stale, remove nothing. */
#define KVMTRAP_PRUNE_DRY_RUN	(1U << 0)

/*
 * Remove the pins of VMs that are gone: every directory under
 * KVMTRAP_BPFFS_DIR named "<pid>-<fd>" that no VM fd on the host carries
 * as its name and that holds no live link loses its defunct link pins,
 * its handled-call list and then itself (unless other files stay in it).
 * Under the lock of kvmtrap_pin()/kvmtrap_unpin().  *@pins (malloc()ed,
 * NULL when there are none; the caller frees it) lists each pin, sorted
 * by VM, then links by ID, the list, the directory; each with its own
 * err (-errno of its removal; a directory whose pins did not all go
 * gets -ENOTEMPTY).  Returns how many; -errno when looking failed
 * (nothing was removed then).
 */
int kvmtrap_prune(unsigned int flags, struct kvmtrap_stale_pin **pins);

/* ---- The handled-call list and the query --------------------------------- */

/*
 * The VM's handled-call list map (KVMTRAP_BPFFS_DIR/<vm>/handled), created
 * and pinned if needed, with its native entries (owner KERNEL) rebuilt
 * from KVM_TRAP_NATIVE_LIST.  Returns a map fd the caller owns.
 */
int kvmtrap_handled_open(struct kvmtrap_vm *vm);

/*
 * The entries of VM @vm_name's pinned list, sorted by conduit, immediate,
 * first ID.  Fills up to @max, returns how many there are; -ENOENT when
 * the VM has no list pinned.
 */
int kvmtrap_handled_read(const char *vm_name,
			 struct kvmtrap_handled_entry *entries, int max);

/*
 * Count the caller in or out (@delta +1 or -1) as a reader of a policy's
 * event stream, through its "kvmtrap_readers" map @map_fd
 * (kvmtrap_handled.h): the policy writes events only while it has
 * readers.  Returns the count after the change, or -EINVAL when @map_fd is
 * not such a map (a policy built without one always writes events).
 */
int kvmtrap_readers_add(int map_fd, int delta);

/*
 * KVM_TRAP_NATIVE_LIST: the ranges KVM answers itself for this VM.
 * *@ranges is malloc()ed, the caller frees it; returns the count.
 */
int kvmtrap_native_list(const struct kvmtrap_vm *vm,
			struct kvm_trap_range **ranges);

/* KVM_TRAP_QUERY: in-fields of @q set by the caller, out-fields zero. */
int kvmtrap_query(const struct kvmtrap_vm *vm, struct kvm_trap_query *q);

/* ---- The rules of the route_table policy --------------------------------- */

/*
 * The "route_rules" map (bpf/route_table.h) of the route_table policy
 * linked to VM @vm_name: that of link @link_id, or with @link_id 0 of the
 * only linked program that has one.  Returns a new map fd the caller
 * closes, and the link's ID in *@found_link (when not NULL).
 * -ENOENT: no program linked to the VM (or none of link @link_id) has a
 * rule map; -EEXIST: several have one and @link_id is 0; -ESRCH: the VM
 * has no link @link_id.
 */
int kvmtrap_rules_open(const char *vm_name, uint32_t link_id,
		       uint32_t *found_link);

/*
 * The rule map of loaded policy @p (route_table.bpf.o), borrowed: valid
 * until kvmtrap_policy_close().  -ENOENT: the policy has none; -EINVAL:
 * not loaded.
 */
int kvmtrap_policy_rules_fd(const struct kvmtrap_policy *p);

/*
 * Add @rule (its hits must be 0) to rule map @map_fd; the policy uses it
 * from the next call on.  Every edit compiles and swaps in a whole new
 * table (bpf/route_table.h): a call sees the rules before the edit or
 * after it, never a mixture, and the hits of the other rules go on.
 * -EINVAL: route_rule_check() refuses it, or @map_fd is not a rule map;
 * -EEXIST: a rule with the same key (conduit, immediate, range) is there
 * (delete it first); -ENOSPC: the map holds ROUTE_RULES_MAX rules;
 * -E2BIG: the compiled table would need more than ROUTE_TABLE_MAX
 * intervals (many rules for any conduit or immediate beside many
 * immediates).
 */
int kvmtrap_rule_add(int map_fd, const struct route_rule *rule);

/* Delete the rule of @key.  -ENOENT: there is none. */
int kvmtrap_rule_del(int map_fd, const struct route_rule_key *key);

/*
 * Replace all the rules of @map_fd with the @n of @rules, in one swap (a
 * VMM's configuration, a benchmark's thousand rules); the hits of rules
 * that stay go on.  Errors as kvmtrap_rule_add(), -EEXIST for two rules of
 * one key.
 */
int kvmtrap_rules_set(int map_fd, const struct route_rule *rules, int n);

/*
 * The rules of @map_fd, most specific first (the order in which the
 * policy prefers them, route_rule_better()), with their hits.  Fills up
 * to @max, returns how many there are.
 */
int kvmtrap_rule_list(int map_fd, struct route_rule *rules, int max);

/*
 * A rule of the route_table policy (bpf/route_table.h) as typed:
 *
 *	CONDUIT	hvc, smc (arm64), papr (POWER) or any
 *	#IMM	#0..#0xffff or #any; left out: #0, the SMCCC calls (arm64
 *		only: a PAPR hcall has none)
 *	FUNCS	FUNC, FIRST..LAST (inclusive) or all; each a call's name
 *		(kvmtrap_func_parse()) or a number
 *	VERDICT	pass, handled, forward, deny or undef (with
 *		@with_verdict only)
 *	X0..X3	handled only: the values of x0..x3 (r3..r6), the rest 0
 *
 * Without @with_verdict ("rule del") only the key is parsed and the
 * words must end after FUNCS.  @rule is zeroed first.  -EINVAL with a
 * one-line message in @err (@errlen bytes, may be 0) when the words are
 * not a rule; the words are those of "kvmtrap rule add" and "rule del".
 */
int kvmtrap_parse_rule(int argc, char *const argv[], bool with_verdict,
		       struct route_rule *rule, char *err, size_t errlen);

/* "hvc #any 0x84000000..0x8400ffff": the key of a rule, as typed. */
void kvmtrap_rule_describe(const struct route_rule_key *key, char *buf,
			   size_t len);

/* ---- Names shared by parsing, help and output ---------------------------- */

/* The well-known SMCCC function IDs, e.g. "PSCI_VERSION"; NULL if none. */
const char *kvmtrap_func_name(uint64_t func_id);
/*
 * A whole string as an unsigned number: decimal or 0x hex, no sign, no
 * spaces, no octal (a leading 0 is only allowed alone or before x).
 * -EINVAL: not a number; -ERANGE: above @max.
 */
int kvmtrap_parse_u64(const char *s, uint64_t max, uint64_t *v);
/* A name from that table, or a number (kvmtrap_parse_u64(), 64 bits). */
int kvmtrap_func_parse(const char *s, uint64_t *func_id);
/* Iterate the table: *@name and *@func_id of entry @i; -ENOENT past it. */
int kvmtrap_func_at(unsigned int i, const char **name, uint64_t *func_id);

/* "pass", "handled", "forward", "deny", "undef"; NULL when out of range */
const char *kvmtrap_verdict_name(uint32_t verdict);
int kvmtrap_verdict_parse(const char *s, uint32_t *verdict);
/* "hvc", "smc", "papr" */
const char *kvmtrap_conduit_name(uint32_t conduit);
int kvmtrap_conduit_parse(const char *s, uint32_t *conduit);
/* "filter", "native", "bpf", "default" */
const char *kvmtrap_stage_name(uint32_t stage);
/* "native", "native-el2", "bpf" and "kernel", "policy" */
const char *kvmtrap_route_name(uint32_t route);
const char *kvmtrap_owner_name(uint32_t owner);
/* "link", "handled", "dir": enum kvmtrap_pin_kind */
const char *kvmtrap_pin_kind_name(uint32_t kind);

#ifdef __cplusplus
}
#endif

#endif /* __LIBKVMTRAP_H */
