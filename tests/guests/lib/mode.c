/* SPDX-License-Identifier: MIT */
/* Switching between flat 32-bit protected mode (paging off) and the three
 * paging modes. Runs: guest (test kernel). */
#include <stdbool.h>

#include "desc.h"
#include "mode.h"
#include "trap.h"
#include "x86.h"

/* EFER exists only on CPUs with long mode or NX: touch it only if asked. */
static bool mode_efer_used;
static bool mode_long;

void mode_enter(const struct pt *pt, uint32_t flags)
{
	uint32_t cr4 = read_cr4() & ~(CR4_PAE | CR4_PSE);
	uint64_t efer_set = 0;

	if (pt->mode != PT_2LEVEL)
		cr4 |= CR4_PAE;
	else if (flags & MODE_PSE)
		cr4 |= CR4_PSE;
	if (pt->mode != PT_2LEVEL && flags & MODE_NXE)
		efer_set |= EFER_NXE;
	if (pt->mode == PT_4LEVEL)
		efer_set |= EFER_LME;

	write_cr4(cr4);
	write_cr3(pt->root);	/* PAE: also loads the four PDPTEs */
	mode_efer_used = efer_set != 0;
	if (mode_efer_used)
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | efer_set);
	write_cr0(read_cr0() | CR0_PG | CR0_WP);

	mode_long = pt->mode == PT_4LEVEL;
	if (mode_long) {
		/* Now in compatibility mode: from here on every exception
		 * goes through the 64-bit IDT. */
		trap_load_idt(true);
		desc_load_tss(true);
	}
}

void mode_leave(void)
{
	if (mode_long)
		trap_load_idt(false);
	write_cr0(read_cr0() & ~CR0_PG);	/* identity-mapped code */
	if (mode_efer_used)
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) & ~(uint64_t)(EFER_LME | EFER_NXE));
	write_cr4(read_cr4() & ~(CR4_PAE | CR4_PSE));
	if (mode_long)
		desc_load_tss(false);
	mode_long = false;
	mode_efer_used = false;
}
