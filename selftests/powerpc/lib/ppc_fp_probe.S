/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ppc_fp_probe.S: KVM_RUN in a loop with known values in the VMM's
 * non-volatile floating-point (f14..f31) and vector (v20..v31) registers,
 * which the ELFv2 ABI says a system call keeps.  Written in assembly so
 * that the compiler cannot spill them to memory around the calls: what
 * comes back is what the kernel left in the registers.
 *
 * long ppc_fp_probe(int vcpu_fd, unsigned long n, const uint64_t *in,
 *		     uint64_t *out, unsigned long kvm_run);
 *
 * in and out: 16-byte aligned, 42 doublewords each: f14..f31 (18), then
 * v20..v31 (12 x 2).  Runs the ioctl kvm_run (KVM_RUN: its number depends
 * on the architecture's ioctl encoding) n times; returns 0, or -errno of the
 * first KVM_RUN that failed.  The caller's own f14..f31 and v20..v31 are
 * restored on return.
 */
#define FRAME		512
#define SAVE_GPR	32	/* r26..r31 */
#define SAVE_FPR	80	/* f14..f31 */
#define SAVE_VR		224	/* v20..v31, 16-byte aligned */
#define VR_OFF		144	/* v20 in in[] and out[] */
#define NR_IOCTL	54

	.text
	.globl	ppc_fp_probe
	.type	ppc_fp_probe, @function
ppc_fp_probe:
	stdu	1, -FRAME(1)
	std	26, SAVE_GPR+0(1)
	std	27, SAVE_GPR+8(1)
	std	28, SAVE_GPR+16(1)
	std	29, SAVE_GPR+24(1)
	std	30, SAVE_GPR+32(1)
	std	31, SAVE_GPR+40(1)
	stfd	14, SAVE_FPR+0(1)
	stfd	15, SAVE_FPR+8(1)
	stfd	16, SAVE_FPR+16(1)
	stfd	17, SAVE_FPR+24(1)
	stfd	18, SAVE_FPR+32(1)
	stfd	19, SAVE_FPR+40(1)
	stfd	20, SAVE_FPR+48(1)
	stfd	21, SAVE_FPR+56(1)
	stfd	22, SAVE_FPR+64(1)
	stfd	23, SAVE_FPR+72(1)
	stfd	24, SAVE_FPR+80(1)
	stfd	25, SAVE_FPR+88(1)
	stfd	26, SAVE_FPR+96(1)
	stfd	27, SAVE_FPR+104(1)
	stfd	28, SAVE_FPR+112(1)
	stfd	29, SAVE_FPR+120(1)
	stfd	30, SAVE_FPR+128(1)
	stfd	31, SAVE_FPR+136(1)
	li	0, SAVE_VR+0
	stvx	20, 1, 0
	li	0, SAVE_VR+16
	stvx	21, 1, 0
	li	0, SAVE_VR+32
	stvx	22, 1, 0
	li	0, SAVE_VR+48
	stvx	23, 1, 0
	li	0, SAVE_VR+64
	stvx	24, 1, 0
	li	0, SAVE_VR+80
	stvx	25, 1, 0
	li	0, SAVE_VR+96
	stvx	26, 1, 0
	li	0, SAVE_VR+112
	stvx	27, 1, 0
	li	0, SAVE_VR+128
	stvx	28, 1, 0
	li	0, SAVE_VR+144
	stvx	29, 1, 0
	li	0, SAVE_VR+160
	stvx	30, 1, 0
	li	0, SAVE_VR+176
	stvx	31, 1, 0
	mr	31, 3		/* vcpu fd */
	mr	30, 4		/* runs left */
	mr	29, 5		/* in */
	mr	28, 6		/* out */
	mr	26, 7		/* the ioctl */
	li	27, 0		/* result */
	lfd	14, 0(29)
	lfd	15, 8(29)
	lfd	16, 16(29)
	lfd	17, 24(29)
	lfd	18, 32(29)
	lfd	19, 40(29)
	lfd	20, 48(29)
	lfd	21, 56(29)
	lfd	22, 64(29)
	lfd	23, 72(29)
	lfd	24, 80(29)
	lfd	25, 88(29)
	lfd	26, 96(29)
	lfd	27, 104(29)
	lfd	28, 112(29)
	lfd	29, 120(29)
	lfd	30, 128(29)
	lfd	31, 136(29)
	li	0, VR_OFF+0
	lvx	20, 29, 0
	li	0, VR_OFF+16
	lvx	21, 29, 0
	li	0, VR_OFF+32
	lvx	22, 29, 0
	li	0, VR_OFF+48
	lvx	23, 29, 0
	li	0, VR_OFF+64
	lvx	24, 29, 0
	li	0, VR_OFF+80
	lvx	25, 29, 0
	li	0, VR_OFF+96
	lvx	26, 29, 0
	li	0, VR_OFF+112
	lvx	27, 29, 0
	li	0, VR_OFF+128
	lvx	28, 29, 0
	li	0, VR_OFF+144
	lvx	29, 29, 0
	li	0, VR_OFF+160
	lvx	30, 29, 0
	li	0, VR_OFF+176
	lvx	31, 29, 0
1:	cmpdi	30, 0
	beq	3f
	li	0, NR_IOCTL
	mr	3, 31
	mr	4, 26
	li	5, 0
	sc
	bns+	2f
	neg	27, 3		/* SO set: r3 holds the errno */
	b	3f
2:	addi	30, 30, -1
	b	1b
3:
	stfd	14, 0(28)
	stfd	15, 8(28)
	stfd	16, 16(28)
	stfd	17, 24(28)
	stfd	18, 32(28)
	stfd	19, 40(28)
	stfd	20, 48(28)
	stfd	21, 56(28)
	stfd	22, 64(28)
	stfd	23, 72(28)
	stfd	24, 80(28)
	stfd	25, 88(28)
	stfd	26, 96(28)
	stfd	27, 104(28)
	stfd	28, 112(28)
	stfd	29, 120(28)
	stfd	30, 128(28)
	stfd	31, 136(28)
	li	0, VR_OFF+0
	stvx	20, 28, 0
	li	0, VR_OFF+16
	stvx	21, 28, 0
	li	0, VR_OFF+32
	stvx	22, 28, 0
	li	0, VR_OFF+48
	stvx	23, 28, 0
	li	0, VR_OFF+64
	stvx	24, 28, 0
	li	0, VR_OFF+80
	stvx	25, 28, 0
	li	0, VR_OFF+96
	stvx	26, 28, 0
	li	0, VR_OFF+112
	stvx	27, 28, 0
	li	0, VR_OFF+128
	stvx	28, 28, 0
	li	0, VR_OFF+144
	stvx	29, 28, 0
	li	0, VR_OFF+160
	stvx	30, 28, 0
	li	0, VR_OFF+176
	stvx	31, 28, 0
	lfd	14, SAVE_FPR+0(1)
	lfd	15, SAVE_FPR+8(1)
	lfd	16, SAVE_FPR+16(1)
	lfd	17, SAVE_FPR+24(1)
	lfd	18, SAVE_FPR+32(1)
	lfd	19, SAVE_FPR+40(1)
	lfd	20, SAVE_FPR+48(1)
	lfd	21, SAVE_FPR+56(1)
	lfd	22, SAVE_FPR+64(1)
	lfd	23, SAVE_FPR+72(1)
	lfd	24, SAVE_FPR+80(1)
	lfd	25, SAVE_FPR+88(1)
	lfd	26, SAVE_FPR+96(1)
	lfd	27, SAVE_FPR+104(1)
	lfd	28, SAVE_FPR+112(1)
	lfd	29, SAVE_FPR+120(1)
	lfd	30, SAVE_FPR+128(1)
	lfd	31, SAVE_FPR+136(1)
	li	0, SAVE_VR+0
	lvx	20, 1, 0
	li	0, SAVE_VR+16
	lvx	21, 1, 0
	li	0, SAVE_VR+32
	lvx	22, 1, 0
	li	0, SAVE_VR+48
	lvx	23, 1, 0
	li	0, SAVE_VR+64
	lvx	24, 1, 0
	li	0, SAVE_VR+80
	lvx	25, 1, 0
	li	0, SAVE_VR+96
	lvx	26, 1, 0
	li	0, SAVE_VR+112
	lvx	27, 1, 0
	li	0, SAVE_VR+128
	lvx	28, 1, 0
	li	0, SAVE_VR+144
	lvx	29, 1, 0
	li	0, SAVE_VR+160
	lvx	30, 1, 0
	li	0, SAVE_VR+176
	lvx	31, 1, 0
	mr	3, 27
	ld	26, SAVE_GPR+0(1)
	ld	27, SAVE_GPR+8(1)
	ld	28, SAVE_GPR+16(1)
	ld	29, SAVE_GPR+24(1)
	ld	30, SAVE_GPR+32(1)
	ld	31, SAVE_GPR+40(1)
	addi	1, 1, FRAME
	blr
	.size	ppc_fp_probe, . - ppc_fp_probe

	.section .note.GNU-stack, "", @progbits
