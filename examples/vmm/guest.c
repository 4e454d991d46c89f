// SPDX-License-Identifier: GPL-2.0
/*
 * guest.c: the guest of the example VMM, written as A64 instructions into
 * guest memory from the call script.
 *
 * A call's immediate is part of the HVC/SMC instruction, so the payload
 * is generated rather than compiled: one straight run of code per call,
 *
 *	x20 = &results[n]
 *	x0..x7 = the call's registers		(movz/movk)
 *	hvc #imm  or  smc #imm
 *	results[n].x[0..3] = x0..x3
 *	results[n].done = RESULT_DONE | n
 *	*MMIO_STEP = n				(the VMM reads KVM's counters)
 *
 * and after the last call *MMIO_DONE = number of calls.  The vector table
 * at VBAR_EL1 takes the undefined-instruction exception that a KVM_TRAP_UNDEF
 * verdict injects at the HVC/SMC: it records ESR_EL1 and ELR_EL1 in the
 * call's result slot (x20) and returns past the instruction, so the next
 * call still runs.  Any other exception is reported to the VMM by MMIO and
 * stops the guest.
 *
 * The guest runs at EL1 with the MMU off (KVM's reset state), so addresses
 * are physical and every data access is Device memory: each access is
 * aligned and a single register wide, which KVM can emulate for MMIO.
 */
#include <string.h>

#include <linux/kvm_trap.h>

#include "vmm.h"

_Static_assert(offsetof(struct guest_result, x) == RESULT_X_OFF, "x");
_Static_assert(offsetof(struct guest_result, done) == RESULT_DONE_OFF, "done");
_Static_assert(offsetof(struct guest_result, esr) == RESULT_ESR_OFF, "esr");
_Static_assert(offsetof(struct guest_result, elr) == RESULT_ELR_OFF, "elr");
_Static_assert(sizeof(struct guest_result) == 64, "result slot");
_Static_assert((GUEST_VECTORS & 0x7ff) == 0, "VBAR_EL1 alignment");
_Static_assert(MAX_CALLS * sizeof(struct guest_result) <=
	       GUEST_BASE + GUEST_SIZE - GUEST_RESULTS, "results area");

/* Registers the payload keeps across calls (KVM writes only x0..x3). */
#define X_SLOT		20	/* this call's struct guest_result */
#define X_MMIO		21	/* MMIO_BASE */
/* Scratch: the exception handler uses these, so does the payload. */
#define X_TMP		9
#define X_TMP2		10
#define X_TMP3		11

/* System registers as MRS/MSR encode them: op0, op1, CRn, CRm, op2. */
#define SYSREG(op0, op1, crn, crm, op2) \
	((op0) << 19 | (op1) << 16 | (crn) << 12 | (crm) << 8 | (op2) << 5)
#define ESR_EL1		SYSREG(3, 0, 5, 2, 0)
#define ELR_EL1		SYSREG(3, 0, 4, 0, 1)

/* ---- A64 encodings (Arm ARM, C6.2): only what the guest needs ---------- */

static uint32_t movz(int rd, uint16_t imm, int shift)
{
	return 0xd2800000 | (shift / 16) << 21 | (uint32_t)imm << 5 | rd;
}

static uint32_t movk(int rd, uint16_t imm, int shift)
{
	return 0xf2800000 | (shift / 16) << 21 | (uint32_t)imm << 5 | rd;
}

static uint32_t hvc(uint16_t imm)
{
	return 0xd4000002 | (uint32_t)imm << 5;
}

static uint32_t smc(uint16_t imm)
{
	return 0xd4000003 | (uint32_t)imm << 5;
}

/* stp xt, xt2, [xn, #off]: off a multiple of 8 in -512..504 */
static uint32_t stp(int rt, int rt2, int rn, int off)
{
	return 0xa9000000 | ((off / 8) & 0x7f) << 15 | rt2 << 10 | rn << 5 | rt;
}

/* str xt, [xn, #off]: off a multiple of 8 in 0..32760 */
static uint32_t str(int rt, int rn, int off)
{
	return 0xf9000000 | (off / 8) << 10 | rn << 5 | rt;
}

static uint32_t mrs(int rt, uint32_t sysreg)
{
	return 0xd5200000 | sysreg | rt;
}

static uint32_t msr(uint32_t sysreg, int rt)
{
	return 0xd5000000 | sysreg | rt;
}

/* lsr xd, xn, #shift (ubfm xd, xn, #shift, #63) */
static uint32_t lsr(int rd, int rn, int shift)
{
	return 0xd340fc00 | shift << 16 | rn << 5 | rd;
}

/* cbnz xt, . + off */
static uint32_t cbnz(int rt, int off)
{
	return 0xb5000000 | ((off / 4) & 0x7ffff) << 5 | rt;
}

/* add xd, xn, #imm (imm < 4096) */
static uint32_t add_imm(int rd, int rn, int imm)
{
	return 0x91000000 | imm << 10 | rn << 5 | rd;
}

#define ERET		0xd69f03e0
#define B_SELF		0x14000000	/* b . */

/* ---- emitting ------------------------------------------------------------ */

struct code {
	uint32_t *insn;		/* where the next instruction goes */
	uint32_t *end;
	uint64_t addr;		/* its guest address */
	bool full;
};

static void emit(struct code *c, uint32_t insn)
{
	if (c->insn == c->end) {
		c->full = true;
		return;
	}
	*c->insn++ = insn;
	c->addr += 4;
}

/* rd = v: movz of the lowest non-zero halfword, movk of the others. */
static void emit_mov(struct code *c, int rd, uint64_t v)
{
	bool first = true;
	int shift;

	for (shift = 0; shift < 64; shift += 16) {
		uint16_t h = v >> shift;

		if (!h)
			continue;
		emit(c, first ? movz(rd, h, shift) : movk(rd, h, shift));
		first = false;
	}
	if (first)
		emit(c, movz(rd, 0, 0));
}

/*
 * Every vector slot but one reports an unexpected exception: ESR, ELR and
 * the slot's number to the VMM, then stops.  Eight instructions.
 */
static void emit_unexpected(struct code *c, int slot)
{
	emit(c, mrs(X_TMP, ESR_EL1));
	emit(c, mrs(X_TMP2, ELR_EL1));
	emit(c, movz(X_TMP3, MMIO_BASE >> 16, 16));
	emit(c, str(X_TMP, X_TMP3, MMIO_FAULT_ESR - MMIO_BASE));
	emit(c, str(X_TMP2, X_TMP3, MMIO_FAULT_ELR - MMIO_BASE));
	emit(c, movz(X_TMP, slot, 0));
	emit(c, str(X_TMP, X_TMP3, MMIO_FAULT_VEC - MMIO_BASE));
	emit(c, B_SELF);
}

/*
 * Slot 4 (synchronous, current EL with SP_ELx: the guest runs in EL1h):
 * an exception class 0 (unknown reason, which is how an undefined
 * instruction is reported) is recorded in the current call's slot and
 * skipped; anything else is unexpected.
 */
static void emit_sync(struct code *c)
{
	emit(c, mrs(X_TMP, ESR_EL1));
	emit(c, lsr(X_TMP2, X_TMP, 26));		/* ESR_ELx.EC */
	emit(c, cbnz(X_TMP2, 7 * 4));			/* to emit_unexpected */
	emit(c, mrs(X_TMP2, ELR_EL1));
	emit(c, str(X_TMP, X_SLOT, RESULT_ESR_OFF));
	emit(c, str(X_TMP2, X_SLOT, RESULT_ELR_OFF));
	emit(c, add_imm(X_TMP2, X_TMP2, 4));		/* past the HVC/SMC */
	emit(c, msr(ELR_EL1, X_TMP2));
	emit(c, ERET);
	emit_unexpected(c, 4);
}

static void build_vectors(uint32_t *vbar)
{
	int slot;

	/* 16 slots of 0x80 bytes (32 instructions) each. */
	for (slot = 0; slot < 16; slot++) {
		struct code c = {
			.insn = vbar + slot * 32,
			.end = vbar + (slot + 1) * 32,
			.addr = GUEST_VECTORS + slot * 0x80,
		};

		if (slot == 4)
			emit_sync(&c);
		else
			emit_unexpected(&c, slot);
	}
}

static void emit_call(struct code *c, struct call *call, int n)
{
	int r;

	emit_mov(c, X_SLOT, GUEST_RESULTS + n * sizeof(struct guest_result));
	for (r = 0; r < 8; r++)
		emit_mov(c, r, call->x[r]);
	call->pc = c->addr;
	emit(c, call->conduit == KVM_TRAP_CONDUIT_SMC ? smc(call->imm) :
							 hvc(call->imm));
	emit(c, stp(0, 1, X_SLOT, RESULT_X_OFF));
	emit(c, stp(2, 3, X_SLOT, RESULT_X_OFF + 16));
	emit_mov(c, X_TMP, RESULT_DONE | n);
	emit(c, str(X_TMP, X_SLOT, RESULT_DONE_OFF));
	emit_mov(c, X_TMP, n);
	emit(c, str(X_TMP, X_MMIO, MMIO_STEP - MMIO_BASE));
}

long guest_build(void *mem, struct script *s)
{
	uint32_t *code = (uint32_t *)((char *)mem + (GUEST_CODE - GUEST_BASE));
	struct code c = {
		.insn = code,
		.end = code + GUEST_CODE_MAX / 4,
		.addr = GUEST_CODE,
	};
	int n;

	memset(mem, 0, GUEST_SIZE);
	build_vectors(mem);

	emit_mov(&c, X_MMIO, MMIO_BASE);
	for (n = 0; n < s->nr_calls; n++)
		emit_call(&c, &s->calls[n], n);
	emit_mov(&c, X_TMP, s->nr_calls);
	emit(&c, str(X_TMP, X_MMIO, MMIO_DONE - MMIO_BASE));
	emit(&c, B_SELF);

	return c.full ? -1 : (long)(c.addr - GUEST_CODE);
}
