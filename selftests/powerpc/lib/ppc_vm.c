// SPDX-License-Identifier: GPL-2.0
/*
 * ppc_vm.c: VMs, vCPUs and hcalls for the POWER selftests (ppc_vm.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ppc_vm.h"

extern const char ppc_guest_start[], ppc_guest_end[];

/* LPCR[ILE]: interrupts of the guest are taken little-endian, as it runs. */
#define PPC_LPCR_ILE		0x0000000002000000ull

/* Runs of KVM_RUN without a report before the guest counts as stuck. */
#define PPC_MAX_EXITS		1000

void ppc_fail(const char *file, int line, const char *cond,
	      const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "# %s:%d: assertion failed: %s\n# ", file, line, cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (errno %d: %s)\n", errno, strerror(errno));
	exit(1);
}

enum ppc_kvm_type ppc_kvm_type(void)
{
	const char *mode = getenv("KVMTRAP_MODE");

	if (mode && !strcmp(mode, "pr"))
		return PPC_KVM_PR;
	return PPC_KVM_HV;
}

const char *ppc_kvm_name(enum ppc_kvm_type type)
{
	return type == PPC_KVM_PR ? "KVM-PR" : "KVM-HV";
}

struct ppc_vm *ppc_vm_create(enum ppc_kvm_type type)
{
	struct kvm_userspace_memory_region slot = { 0 };
	struct ppc_vm *vm = calloc(1, sizeof(*vm));
	size_t len = ppc_guest_end - ppc_guest_start;

	PPC_ASSERT(vm, "calloc");
	vm->type = type;
	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	PPC_ASSERT(vm->kvm_fd >= 0, "open /dev/kvm");
	vm->fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, (unsigned long)type);
	PPC_ASSERT(vm->fd >= 0, "KVM_CREATE_VM(%s)", ppc_kvm_name(type));

	vm->mem = mmap(NULL, PPC_VM_MEM_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	PPC_ASSERT(vm->mem != MAP_FAILED, "mmap guest memory");
	PPC_ASSERT(len <= PPC_VM_MEM_SIZE, "guest of %zu bytes", len);
	memcpy(vm->mem, ppc_guest_start, len);

	slot.slot = 0;
	slot.guest_phys_addr = 0;
	slot.memory_size = PPC_VM_MEM_SIZE;
	slot.userspace_addr = (uintptr_t)vm->mem;
	PPC_ASSERT(!ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &slot),
		   "KVM_SET_USER_MEMORY_REGION");
	return vm;
}

static uint64_t ppc_get_one_reg(struct ppc_vcpu *vcpu, uint64_t id)
{
	uint64_t val = 0;
	struct kvm_one_reg reg = { .id = id, .addr = (uintptr_t)&val };

	PPC_ASSERT(!ioctl(vcpu->fd, KVM_GET_ONE_REG, &reg),
		   "KVM_GET_ONE_REG %#llx", (unsigned long long)id);
	return val;
}

static void ppc_set_one_reg(struct ppc_vcpu *vcpu, uint64_t id, uint64_t val)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uintptr_t)&val };

	PPC_ASSERT(!ioctl(vcpu->fd, KVM_SET_ONE_REG, &reg),
		   "KVM_SET_ONE_REG %#llx", (unsigned long long)id);
}

struct ppc_vcpu *ppc_vcpu_add(struct ppc_vm *vm)
{
	struct ppc_vcpu *vcpu;
	struct kvm_regs regs;
	long size;

	PPC_ASSERT(vm->nr_vcpus < PPC_MAX_VCPUS, "too many vCPUs");
	vcpu = &vm->vcpus[vm->nr_vcpus];
	vcpu->vm = vm;
	vcpu->id = vm->nr_vcpus++;
	vcpu->fd = ioctl(vm->fd, KVM_CREATE_VCPU, (unsigned long)vcpu->id);
	PPC_ASSERT(vcpu->fd >= 0, "KVM_CREATE_VCPU %d", vcpu->id);
	size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	PPC_ASSERT(size > 0, "KVM_GET_VCPU_MMAP_SIZE");
	vcpu->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 vcpu->fd, 0);
	PPC_ASSERT(vcpu->run != MAP_FAILED, "mmap kvm_run");

	/*
	 * A PAPR guest: sc 1 is an hcall (KVM-PR), and the only kind of
	 * guest KVM-HV runs (kvmppc_sanity_check() refuses KVM_RUN without).
	 */
	{
		struct kvm_enable_cap cap = { .cap = KVM_CAP_PPC_PAPR };

		PPC_ASSERT(!ioctl(vcpu->fd, KVM_ENABLE_CAP, &cap),
			   "KVM_ENABLE_CAP(KVM_CAP_PPC_PAPR)");
	}
	/*
	 * KVM-PR puts a 64-bit CPU's interrupt vectors at 0xfff00000 (its
	 * HIOR), as a 970 firmware expects; a PAPR guest has them at 0.
	 */
	if (vm->type == PPC_KVM_PR)
		ppc_set_one_reg(vcpu, KVM_REG_PPC_HIOR, 0);
	ppc_set_one_reg(vcpu, KVM_REG_PPC_LPCR_64,
			ppc_get_one_reg(vcpu, KVM_REG_PPC_LPCR_64) |
			PPC_LPCR_ILE);

	ppc_get_regs(vcpu, &regs);
	regs.msr = PPC_MSR_SF | PPC_MSR_ME | PPC_MSR_RI | PPC_MSR_LE;
	regs.pc = PPC_GUEST_CALL;
	regs.gpr[1] = PPC_VM_MEM_SIZE - 0x1000 * (vcpu->id + 1);
	regs.gpr[30] = PPC_MMIO_EXCEPTION;
	regs.gpr[31] = PPC_MMIO_REPORT;
	ppc_set_regs(vcpu, &regs);
	return vcpu;
}

void ppc_vm_free(struct ppc_vm *vm)
{
	unsigned int i;

	for (i = 0; i < vm->nr_vcpus; i++)
		close(vm->vcpus[i].fd);
	close(vm->fd);
	close(vm->kvm_fd);
	munmap(vm->mem, PPC_VM_MEM_SIZE);
	free(vm);
}

void ppc_vm_enable_hcall(struct ppc_vm *vm, uint64_t nr, bool on)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_PPC_ENABLE_HCALL,
		.args = { nr, on },
	};

	PPC_ASSERT(!ioctl(vm->fd, KVM_ENABLE_CAP, &cap),
		   "KVM_ENABLE_CAP(ENABLE_HCALL %#llx, %d)",
		   (unsigned long long)nr, on);
}

void ppc_get_regs(struct ppc_vcpu *vcpu, struct kvm_regs *regs)
{
	PPC_ASSERT(!ioctl(vcpu->fd, KVM_GET_REGS, regs), "KVM_GET_REGS");
}

void ppc_set_regs(struct ppc_vcpu *vcpu, const struct kvm_regs *regs)
{
	PPC_ASSERT(!ioctl(vcpu->fd, KVM_SET_REGS, regs), "KVM_SET_REGS");
}

struct ppc_call ppc_hcall(uint64_t nr, uint64_t base)
{
	struct ppc_call c;
	int i;

	c.r[0] = nr;
	for (i = 1; i < 10; i++)
		c.r[i] = base + i;
	return c;
}

/* Run until the guest reports, is interrupted or makes an hcall exit. */
static void ppc_run(struct ppc_vcpu *vcpu, struct ppc_result *res)
{
	struct kvm_run *run = vcpu->run;
	struct kvm_regs regs;
	int i, n;

	memset(res, 0, sizeof(*res));
	for (n = 0; n < PPC_MAX_EXITS; n++) {
		if (ioctl(vcpu->fd, KVM_RUN, 0)) {
			PPC_ASSERT(errno == EINTR || errno == EAGAIN,
				   "KVM_RUN");
			continue;
		}
		if (run->exit_reason == KVM_EXIT_PAPR_HCALL) {
			res->outcome = PPC_HCALL_EXIT;
			return;
		}
		PPC_ASSERT(run->exit_reason == KVM_EXIT_MMIO,
			   "vCPU %d: exit reason %u", vcpu->id,
			   run->exit_reason);
		ppc_get_regs(vcpu, &regs);
		res->pc = regs.pc;
		if (run->mmio.phys_addr == PPC_MMIO_REPORT) {
			res->outcome = PPC_ANSWERED;
			for (i = 0; i < 10; i++)
				res->r[i] = regs.gpr[3 + i];
			return;
		}
		PPC_ASSERT(run->mmio.phys_addr == PPC_MMIO_EXCEPTION,
			   "MMIO at %#llx",
			   (unsigned long long)run->mmio.phys_addr);
		res->outcome = PPC_INTERRUPT;
		res->srr0 = regs.gpr[14];
		res->srr1 = regs.gpr[15];
		res->vector = regs.gpr[16];
		return;
	}
	PPC_ASSERT(0, "vCPU %d: no report after %d exits", vcpu->id, n);
}

static void ppc_start(struct ppc_vcpu *vcpu, uint64_t pc,
		      const struct ppc_call *c, uint64_t count)
{
	struct kvm_regs regs;
	int i;

	ppc_get_regs(vcpu, &regs);
	for (i = 0; i < 10; i++)
		regs.gpr[3 + i] = c->r[i];
	regs.gpr[27] = vcpu->resume_after_program;
	regs.gpr[29] = count;
	regs.gpr[30] = PPC_MMIO_EXCEPTION;
	regs.gpr[31] = PPC_MMIO_REPORT;
	regs.msr = PPC_MSR_SF | PPC_MSR_ME | PPC_MSR_RI | PPC_MSR_LE;
	regs.pc = pc;
	ppc_set_regs(vcpu, &regs);
}

void ppc_call(struct ppc_vcpu *vcpu, const struct ppc_call *c,
	      struct ppc_result *res)
{
	ppc_start(vcpu, PPC_GUEST_CALL, c, 0);
	ppc_run(vcpu, res);
}

void ppc_call_at(struct ppc_vcpu *vcpu, uint64_t pc, const struct ppc_call *c,
		 struct ppc_result *res)
{
	ppc_start(vcpu, pc, c, 0);
	ppc_run(vcpu, res);
}

void ppc_call_loop(struct ppc_vcpu *vcpu, const struct ppc_call *c,
		   uint64_t n, struct ppc_result *res)
{
	PPC_ASSERT(n > 0, "a loop of no call");
	ppc_start(vcpu, PPC_GUEST_LOOP, c, n);
	ppc_run(vcpu, res);
}

void ppc_answer(struct ppc_vcpu *vcpu, int64_t ret, struct ppc_result *res)
{
	PPC_ASSERT(vcpu->run->exit_reason == KVM_EXIT_PAPR_HCALL,
		   "no hcall exit to answer");
	vcpu->run->papr_hcall.ret = ret;
	ppc_run(vcpu, res);
}
