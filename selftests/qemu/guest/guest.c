// SPDX-License-Identifier: GPL-2.0
/*
 * guest.c: a bare-metal aarch64 guest for Debian's qemu-system-aarch64 under
 * kvmtrap (the qemu suite).  It makes each call of calls[] once, in order,
 * and prints what it got on the virt machine's PL011, one line per call,
 * then "DONE" and powers off with PSCI SYSTEM_OFF.  The lines, fields
 * separated by one space, numbers in 0x hex:
 *
 *   CALL <i> <hvc|smc> <imm> <x0> RET <x0> <x1> <x2> <x3>
 *   CALL <i> <hvc|smc> <imm> <x0> UNDEF <esr> <elr> <address of the call>
 *   DONE <number of calls>
 *   FATAL <esr> <elr> <vector offset>	(an exception outside a call)
 *
 * x1..x3 go in as ARG1..ARG3 so that an answer that leaves them alone is
 * told from one that clears them.  Freestanding: no libc, MMU off (every
 * access is Device memory, so no unaligned access: -mstrict-align).
 */
#include <stdint.h>

#define UART_DR		((volatile uint32_t *)0x09000000)	/* virt's PL011 */
#define PSCI_SYSTEM_OFF	0x84000008ULL

#define ARG1		0x1111ULL
#define ARG2		0x2222ULL
#define ARG3		0x3333ULL

typedef int stub_fn(uint64_t regs[8]);
extern stub_fn call_hvc_0, call_smc_0, call_hvc_1234, call_smc_1;
extern char call_hvc_0_insn[], call_smc_0_insn[], call_hvc_1234_insn[],
	call_smc_1_insn[];
extern uint64_t undef_esr, undef_elr;

struct call {
	stub_fn *stub;
	const char *insn;	/* the HVC/SMC instruction of the stub */
	const char *conduit;
	uint64_t imm, x0;
};

/*
 * The suite (selftests/qemu/kvmtrap_qemu.c) describes the same calls, in
 * the same order, to "kvmtrap query": keep both tables in step.
 */
static const struct call calls[] = {
	{ call_hvc_0, call_hvc_0_insn, "hvc", 0, 0x84000000 },	/* PSCI_VERSION */
	{ call_hvc_0, call_hvc_0_insn, "hvc", 0, 0xc6000042 },	/* vendor hyp */
	{ call_smc_0, call_smc_0_insn, "smc", 0, 0xc2000001 },	/* SiP */
	{ call_hvc_0, call_hvc_0_insn, "hvc", 0, 0xc3000042 },	/* OEM */
	{ call_hvc_1234, call_hvc_1234_insn, "hvc", 0x1234, 0x42 },
	{ call_smc_1, call_smc_1_insn, "smc", 0x1, 0x5 },
};

static void putc_uart(char c)
{
	*UART_DR = (uint8_t)c;
}

static void puts_uart(const char *s)
{
	while (*s)
		putc_uart(*s++);
}

static void put_hex(uint64_t v)
{
	int shift = 60;

	puts_uart(" 0x");
	while (shift > 0 && !((v >> shift) & 0xf))
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		putc_uart("0123456789abcdef"[(v >> shift) & 0xf]);
}

static void put_dec(uint64_t v)
{
	char buf[24];
	int i = 0;

	do {
		buf[i++] = '0' + v % 10;
		v /= 10;
	} while (v);
	putc_uart(' ');
	while (i)
		putc_uart(buf[--i]);
}

static void system_off(void)
{
	uint64_t regs[8] = { PSCI_SYSTEM_OFF };

	call_hvc_0(regs);
	for (;;)
		asm volatile("wfi");
}

void guest_fatal(uint64_t esr, uint64_t elr, uint64_t vec)
{
	puts_uart("FATAL");
	put_hex(esr);
	put_hex(elr);
	put_hex(vec);
	puts_uart("\n");
	system_off();
}

void guest_main(void)
{
	unsigned int i, n = sizeof(calls) / sizeof(calls[0]);

	for (i = 0; i < n; i++) {
		const struct call *c = &calls[i];
		uint64_t regs[8] = { c->x0, ARG1, ARG2, ARG3 };

		puts_uart("CALL");
		put_dec(i);
		puts_uart(" ");
		puts_uart(c->conduit);
		put_hex(c->imm);
		put_hex(c->x0);
		if (c->stub(regs)) {
			puts_uart(" UNDEF");
			put_hex(undef_esr);
			put_hex(undef_elr);
			put_hex((uint64_t)c->insn);
		} else {
			puts_uart(" RET");
			put_hex(regs[0]);
			put_hex(regs[1]);
			put_hex(regs[2]);
			put_hex(regs[3]);
		}
		puts_uart("\n");
	}
	puts_uart("DONE");
	put_dec(n);
	puts_uart("\n");
	system_off();
}
