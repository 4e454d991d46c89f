/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmtrap_stress.h - what kvmtrap_stress.c and kvmtrap_stress.bpf.c share:
 * the one call the torture's guests make and how its answer is built.
 */
#ifndef KVMTRAP_STRESS_H
#define KVMTRAP_STRESS_H

/* An OEM SMCCC fast call no native handler knows (SMC64 owner 3, 0x57). */
#define KT_STRESS_FUNC		0xc3000057u

/*
 * HANDLED answers are x0 = 0 (SMCCC success), x1 = the epoch of the
 * program (which link operation put it in place), x2 = the VM's tag, x3 =
 * the caller's x1 ^ KT_STRESS_ECHO: an answer can be traced to its
 * program, its VM and its call.
 */
#define KT_STRESS_ECHO		0x5a5aa5a5c3c33c3cull

#endif /* KVMTRAP_STRESS_H */
