/* SPDX-License-Identifier: MIT */
/* The GDT (ring-0 and ring-3 flat segments, a 64-bit code segment for the
 * long-mode trap stubs) and the 32- and 64-bit TSSs that give ring-3 traps a
 * ring-0 stack. Runs: guest (test kernel). */
#ifndef GUEST_DESC_H
#define GUEST_DESC_H

#include <stdbool.h>

/* Selectors, RPL included. The 32-bit code segments run C both in legacy
 * protected mode and, in long mode, as compatibility-mode code. */
enum desc_sel {
	SEL_KCODE32 = 0x08,
	SEL_KDATA   = 0x10,
	SEL_UCODE32 = 0x18 | 3,
	SEL_UDATA   = 0x20 | 3,
	SEL_KCODE64 = 0x28,	/* 64-bit, only for the long-mode trap stubs */
	SEL_TSS32   = 0x30,
	SEL_TSS64   = 0x38,	/* 16-byte descriptor: slots 7 and 8 */
};

/* Loads the GDT, reloads every segment register with the flat ring-0
 * selectors and loads the 32-bit TSS. Call once, in protected mode with
 * paging off. */
void desc_init(void);

/* Loads TR with the TSS for the mode the CPU is in now: the 64-bit TSS when
 * long mode is active (EFER.LMA=1), else the 32-bit one. Call after each
 * switch into or out of long mode. */
void desc_load_tss(bool long_mode);

#endif
