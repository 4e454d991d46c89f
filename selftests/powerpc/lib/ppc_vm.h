/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ppc_vm.h: a small standalone KVM library for the POWER selftests.
 *
 * Linux 6.12 has no POWER port of the KVM selftest library, so this is
 * the least the kvmtrap tests need: a VM of either flavour (KVM-HV or
 * KVM-PR, chosen per VM by the KVM_CREATE_VM type) with one memory slot
 * at guest physical 0 holding ppc_guest.S, vCPUs that make one hcall per
 * ppc_call(), and the answer as the guest saw it.  Failures end the test
 * process (one process per test, kvmtrap_test.h).
 */
#ifndef PPC_VM_H
#define PPC_VM_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/kvm.h>

/* KVM_CREATE_VM types */
enum ppc_kvm_type {
	PPC_KVM_HV = KVM_VM_PPC_HV,
	PPC_KVM_PR = KVM_VM_PPC_PR,
};

/* Entry points of ppc_guest.S, as guest physical addresses. */
#define PPC_GUEST_CALL		0x1000
#define PPC_GUEST_LOOP		0x1100
#define PPC_GUEST_FP		0x1200
#define PPC_GUEST_FAKE_SC1	0x1400
/* Outside guest memory: stores there exit to the VMM as MMIO. */
#define PPC_MMIO_REPORT		0x40000000ull
#define PPC_MMIO_EXCEPTION	0x40001000ull

#define PPC_VM_MEM_SIZE		(2u << 20)
#define PPC_MAX_VCPUS		8

/* MSR bits the guest runs with */
#define PPC_MSR_SF		(1ull << 63)
#define PPC_MSR_VEC		(1ull << 25)
#define PPC_MSR_VSX		(1ull << 23)
#define PPC_MSR_FP		(1ull << 13)
#define PPC_MSR_ME		(1ull << 12)
#define PPC_MSR_RI		(1ull << 1)
#define PPC_MSR_LE		(1ull << 0)
#define PPC_SRR1_PROGILL	0x00080000ull

/* PAPR status values (hvcall.h is not UAPI) */
#define H_SUCCESS		0
#define H_FUNCTION		(-2l)
#define H_RANDOM		0x300
#define H_PROD			0xe8
#define H_GET_TERM_CHAR		0x54
#define H_SET_MODE		0x31c
#define H_SET_DABR		0x28
#define H_SET_XDABR		0x134
#define H_LOGICAL_CI_LOAD	0x3c
#define H_CPPR			0x68
#define H_SVM_INIT_ABORT	0xef14
#define H_ENTER_NESTED		0xf804
#define H_TLB_INVALIDATE	0xf808

/* Fail the test (its own process) with a message, as TEST_ASSERT() does. */
#define PPC_ASSERT(cond, fmt, ...)					\
	do {								\
		if (!(cond))						\
			ppc_fail(__FILE__, __LINE__, #cond, fmt,	\
				 ##__VA_ARGS__);			\
	} while (0)

#define PPC_ASSERT_EQ(a, b)						\
	do {								\
		uint64_t __a = (uint64_t)(a), __b = (uint64_t)(b);	\
		PPC_ASSERT(__a == __b, "%s = %#llx, %s = %#llx", #a,	\
			   (unsigned long long)__a, #b,			\
			   (unsigned long long)__b);			\
	} while (0)

void ppc_fail(const char *file, int line, const char *cond,
	      const char *fmt, ...) __attribute__((noreturn, format(printf, 4, 5)));

struct ppc_vm;

struct ppc_vcpu {
	struct ppc_vm *vm;
	int fd;
	int id;
	struct kvm_run *run;
	/* The guest steps over a program interrupt (benchmark of UNDEF). */
	bool resume_after_program;
};

struct ppc_vm {
	enum ppc_kvm_type type;
	int kvm_fd;
	int fd;
	void *mem;
	unsigned int nr_vcpus;
	struct ppc_vcpu vcpus[PPC_MAX_VCPUS];
};

/* One hcall: r3 (the number) and r4..r12 in, r3..r12 out. */
struct ppc_call {
	uint64_t r[10];
};

/* How the guest came back from ppc_call(). */
enum ppc_outcome {
	PPC_ANSWERED,	/* the hcall returned: r3..r12 in ppc_result.r */
	PPC_INTERRUPT,	/* an interrupt: vector, srr0, srr1 */
	PPC_HCALL_EXIT,	/* KVM_EXIT_PAPR_HCALL: the VMM's turn */
};

struct ppc_result {
	enum ppc_outcome outcome;
	uint64_t r[10];			/* r3..r12 (PPC_ANSWERED) */
	uint64_t vector, srr0, srr1;	/* PPC_INTERRUPT */
	uint64_t pc;
};

/* The KVM flavour under test: $KVMTRAP_MODE, "hv" (default) or "pr". */
enum ppc_kvm_type ppc_kvm_type(void);
const char *ppc_kvm_name(enum ppc_kvm_type type);

struct ppc_vm *ppc_vm_create(enum ppc_kvm_type type);
struct ppc_vcpu *ppc_vcpu_add(struct ppc_vm *vm);
void ppc_vm_free(struct ppc_vm *vm);
/* KVM_CAP_PPC_ENABLE_HCALL */
void ppc_vm_enable_hcall(struct ppc_vm *vm, uint64_t nr, bool on);

/*
 * Make @c from @vcpu (PPC_GUEST_CALL) and run until the guest reports.  A
 * KVM_EXIT_PAPR_HCALL comes back as PPC_HCALL_EXIT with the exit left in
 * vcpu->run: ppc_answer() completes it.
 */
void ppc_call(struct ppc_vcpu *vcpu, const struct ppc_call *c,
	      struct ppc_result *res);
/* The same from another entry point of ppc_guest.S (PPC_GUEST_FAKE_SC1). */
void ppc_call_at(struct ppc_vcpu *vcpu, uint64_t pc, const struct ppc_call *c,
		 struct ppc_result *res);
/* Answer the pending KVM_EXIT_PAPR_HCALL with @ret and run to the report. */
void ppc_answer(struct ppc_vcpu *vcpu, int64_t ret, struct ppc_result *res);
/* Make @c @n times in the guest (PPC_GUEST_LOOP); the last answer. */
void ppc_call_loop(struct ppc_vcpu *vcpu, const struct ppc_call *c,
		   uint64_t n, struct ppc_result *res);

/* An hcall with number @nr and arguments r4..r12 = base + 1..9. */
struct ppc_call ppc_hcall(uint64_t nr, uint64_t base);

/* ppc_fp_probe.S: f14..f31 and v20..v31 in and out, 42 doublewords each */
#define PPC_FP_PROBE_WORDS	42
long ppc_fp_probe(int vcpu_fd, unsigned long n, const uint64_t *in,
		  uint64_t *out, unsigned long kvm_run);

void ppc_get_regs(struct ppc_vcpu *vcpu, struct kvm_regs *regs);
void ppc_set_regs(struct ppc_vcpu *vcpu, const struct kvm_regs *regs);

#endif /* PPC_VM_H */
