/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ppc_guest.S: the guest of the POWER selftests, loaded at guest physical
 * address 0 and run in real mode (MSR[IR,DR] = 0), little-endian.
 *
 * The VMM drives it one hcall at a time: it sets r3..r12 and the PC to
 * PPC_GUEST_CALL, and the guest makes the hcall and stores to the report
 * address in r31, which exits to the VMM as MMIO with the hcall's answer
 * in r3..r12.  Every interrupt vector stores to the address in r30
 * instead, with SRR0 in r14, SRR1 in r15 and the vector in r16: that is
 * how a program interrupt (kvmtrap's UNDEF) reaches the VMM, unless r27
 * is not zero: then the guest goes on after the faulting instruction.  PPC_GUEST_LOOP
 * makes the same hcall r29 times before it reports (the link tests);
 * PPC_GUEST_FP loads floating-point and vector registers, then makes
 * r29 hcalls per report forever.
 *
 * Position-independent: only relative branches, addresses from the VMM.
 */

#define VECTOR(n)			\
	.org	n;			\
	mfsrr0	14;			\
	mfsrr1	15;			\
	li	16, n;			\
	stb	0, 0(30);		\
	b	.

	.section .rodata.ppc_guest, "a"
	.balign	4096
	.globl	ppc_guest_start
ppc_guest_start:
	b	.

	VECTOR(0x100)
	VECTOR(0x200)
	VECTOR(0x300)
	VECTOR(0x380)
	VECTOR(0x400)
	VECTOR(0x480)
	VECTOR(0x500)
	VECTOR(0x600)

	/*
	 * Program interrupt: with r27 != 0 (the benchmark's UNDEF rounds),
	 * resume after the faulting instruction instead of reporting.
	 */
	.org	0x700
	cmpdi	27, 0
	beq	1f
	mfsrr0	14
	addi	14, 14, 4
	mtsrr0	14
	rfid
1:	mfsrr0	14
	mfsrr1	15
	li	16, 0x700
	stb	0, 0(30)
	b	.

	VECTOR(0x800)
	VECTOR(0x900)
	VECTOR(0x980)
	VECTOR(0xa00)
	VECTOR(0xb00)
	VECTOR(0xc00)
	VECTOR(0xd00)
	VECTOR(0xe00)
	VECTOR(0xf00)
	VECTOR(0xf20)
	VECTOR(0xf40)
	VECTOR(0xf60)

	/* PPC_GUEST_CALL: one hcall, then the report. */
	.org	0x1000
	sc	1
	stb	0, 0(31)
	b	.

	/*
	 * PPC_GUEST_LOOP: r29 times the hcall in r3 with its arguments in
	 * r4..r12 as given (saved in r17..r26, since each answer overwrites
	 * r3..r12), then the report with the last answer.  The count is in
	 * a GPR, not CTR: CTR is volatile across sc 1 in PAPR, and KVM-PR's
	 * entry path does clobber it.
	 */
	.org	0x1100
	mr	17, 3
	mr	18, 4
	mr	19, 5
	mr	20, 6
	mr	21, 7
	mr	22, 8
	mr	23, 9
	mr	24, 10
	mr	25, 11
	mr	26, 12
1:	mr	3, 17
	mr	4, 18
	mr	5, 19
	mr	6, 20
	mr	7, 21
	mr	8, 22
	mr	9, 23
	mr	10, 24
	mr	11, 25
	mr	12, 26
	sc	1
	addi	29, 29, -1
	cmpdi	29, 0
	bne	1b
	stb	0, 0(31)
	b	.

	/*
	 * PPC_GUEST_FP: load f14..f31 and v20..v31 from the 42 doublewords
	 * at r28 (needs MSR[FP,VEC,VSX]), then forever: make the hcall in
	 * r17 r29 times (at least once) and report, so that every KVM_RUN
	 * switches between the guest's floating-point and vector state and
	 * the VMM's (ppc_fp_probe.S).
	 */
	.org	0x1200
	lfd	14, 0(28)
	lfd	15, 8(28)
	lfd	16, 16(28)
	lfd	17, 24(28)
	lfd	18, 32(28)
	lfd	19, 40(28)
	lfd	20, 48(28)
	lfd	21, 56(28)
	lfd	22, 64(28)
	lfd	23, 72(28)
	lfd	24, 80(28)
	lfd	25, 88(28)
	lfd	26, 96(28)
	lfd	27, 104(28)
	lfd	28, 112(28)
	lfd	29, 120(28)
	lfd	30, 128(28)
	lfd	31, 136(28)
	li	0, 144
	lvx	20, 28, 0
	li	0, 160
	lvx	21, 28, 0
	li	0, 176
	lvx	22, 28, 0
	li	0, 192
	lvx	23, 28, 0
	li	0, 208
	lvx	24, 28, 0
	li	0, 224
	lvx	25, 28, 0
	li	0, 240
	lvx	26, 28, 0
	li	0, 256
	lvx	27, 28, 0
	li	0, 272
	lvx	28, 28, 0
	li	0, 288
	lvx	29, 28, 0
	li	0, 304
	lvx	30, 28, 0
	li	0, 320
	lvx	31, 28, 0
3:	mr	15, 29
2:	mr	3, 17
	sc	1
	addi	15, 15, -1
	cmpdi	15, 0
	bgt	2b
	stb	0, 0(31)
	b	3b

	/*
	 * PPC_GUEST_FAKE_SC1: the hcall by the reserved instruction KVM-PR
	 * emulates as sc 1 (opcode 31, extended opcode 308), for a guest
	 * that itself runs PR KVM; then the report.
	 */
	.org	0x1400
	.long	0x7c000268
	stb	0, 0(31)
	b	.

	.globl	ppc_guest_end
ppc_guest_end:

	.section .note.GNU-stack, "", @progbits
