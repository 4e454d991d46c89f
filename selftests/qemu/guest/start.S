/* SPDX-License-Identifier: GPL-2.0 */
/*
 * start.S: entry, exception vectors and the call stubs of the bare-metal
 * guest that the qemu suite runs under Debian's qemu-system-aarch64
 * (-M virt -accel kvm -cpu host, loaded with -device loader,cpu-num=0).
 *
 * The vCPU starts at _start in EL1h with the MMU off.  Each call of the
 * table is its own stub, because the immediate of HVC/SMC is part of the
 * instruction.  A synchronous exception taken at a stub's HVC/SMC (KVM's
 * UNDEF verdict) is recorded and the stub returns 1 to its caller, so the
 * guest goes on with the next call; any other exception is fatal.
 */

	.section .text.start, "ax"
	.global _start
_start:
	ldr	x0, =stack_top
	mov	sp, x0
	adr	x0, vectors
	msr	vbar_el1, x0
	isb
	/* The loader fills only what the ELF file holds. */
	ldr	x0, =__bss_start
	ldr	x1, =__bss_end
1:	cmp	x0, x1
	b.hs	2f
	str	xzr, [x0], #8
	b	1b
2:	bl	guest_main
3:	wfi
	b	3b

/*
 * int stub(u64 regs[8]): x0..x7 from regs[], the call, x0..x3 back into
 * regs[]; returns 0, or 1 when the call raised an exception instead.
 */
	.macro	STUB name, insn
	.global	\name
	.type	\name, %function
\name:
	stp	x29, x30, [sp, #-32]!
	str	x0, [sp, #16]
	mov	x8, x0
	ldp	x0, x1, [x8]
	ldp	x2, x3, [x8, #16]
	ldp	x4, x5, [x8, #32]
	ldp	x6, x7, [x8, #48]
	.global	\name\()_insn
\name\()_insn:
	\insn
	ldr	x8, [sp, #16]
	stp	x0, x1, [x8]
	stp	x2, x3, [x8, #16]
	mov	x0, #0
	ldp	x29, x30, [sp], #32
	ret
	.size	\name, . - \name
	.endm

	.text
	.global	stubs_start
stubs_start:
	STUB	call_hvc_0,	"hvc #0"
	STUB	call_smc_0,	"smc #0"
	STUB	call_hvc_1234,	"hvc #0x1234"
	STUB	call_smc_1,	"smc #0x1"
	.global	stubs_end
stubs_end:

/* Where an exception taken in a stub returns to: the stub's own return. */
undef_return:
	mov	x0, #1
	ldp	x29, x30, [sp], #32
	ret

/*
 * Synchronous exception from EL1h.  Inside a stub: record ESR_EL1 and
 * ELR_EL1 (in undef_esr, undef_elr) and return from the stub with 1.
 * Elsewhere the guest is broken: report and power off.  x8..x12 are free
 * in a stub (caller-saved, reloaded after the call).
 */
sync_el1h:
	mrs	x9, esr_el1
	mrs	x10, elr_el1
	adr	x11, stubs_start
	cmp	x10, x11
	b.lo	fatal_sync
	adr	x11, stubs_end
	cmp	x10, x11
	b.hs	fatal_sync
	adr	x11, undef_esr
	str	x9, [x11]
	adr	x11, undef_elr
	str	x10, [x11]
	adr	x11, undef_return
	msr	elr_el1, x11
	eret

fatal_sync:
	mov	x0, x9
	mov	x1, x10
	mov	x2, #0
	b	guest_fatal

/* Any other exception: guest_fatal(esr, elr, vector offset). */
	.macro	VEC_FATAL off
	.balign	0x80
	mrs	x0, esr_el1
	mrs	x1, elr_el1
	mov	x2, #\off
	b	guest_fatal
	.endm

	.balign	0x800
vectors:
	VEC_FATAL 0x000
	VEC_FATAL 0x080
	VEC_FATAL 0x100
	VEC_FATAL 0x180
	.balign	0x80
	b	sync_el1h		/* 0x200: current EL, SPx, synchronous */
	VEC_FATAL 0x280
	VEC_FATAL 0x300
	VEC_FATAL 0x380
	VEC_FATAL 0x400
	VEC_FATAL 0x480
	VEC_FATAL 0x500
	VEC_FATAL 0x580
	VEC_FATAL 0x600
	VEC_FATAL 0x680
	VEC_FATAL 0x700
	VEC_FATAL 0x780

	.data
	.balign	8
	.global	undef_esr, undef_elr
undef_esr:	.quad	0
undef_elr:	.quad	0

	.bss
	.balign	16
	.space	16384
stack_top:
