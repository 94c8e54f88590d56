/* SPDX-License-Identifier: MIT */
/* Switching between flat 32-bit protected mode (paging off) and the three
 * paging modes: 2-level, PAE, and long mode with 4-level paging, where the
 * guest's 32-bit C keeps running as compatibility-mode code. Runs: guest
 * (test kernel). */
#ifndef GUEST_MODE_H
#define GUEST_MODE_H

#include <stdint.h>

#include "pt.h"

#define MODE_PSE	(1u << 0)	/* CR4.PSE: 4M pages (2-level) */
#define MODE_NXE	(1u << 1)	/* EFER.NXE: the NX bit (PAE, 4-level) */

/*
 * Turns paging on with pt's tables, from protected mode with paging off:
 * 2-level (CR4.PAE=0), PAE (CR4.PAE=1), or 4-level, which enters long
 * mode (CR4.PAE, EFER.LME, then CR0.PG; AMD APM vol. 2, 14.6.1) and loads
 * the 64-bit IDT and TSS. Sets CR0.WP. The caller's code, stack, the
 * pool of tables, the GDT, IDTs and TSSs must be identity-mapped by pt.
 */
void mode_enter(const struct pt *pt, uint32_t flags);

/* Turns paging off again (from compatibility mode when in long mode, then
 * clears EFER.LME; SDM vol. 3, 10.8.5.4) and clears CR4.PAE/PSE and
 * EFER.NXE: flat 32-bit protected mode with the 32-bit IDT and TSS. */
void mode_leave(void);

#endif
