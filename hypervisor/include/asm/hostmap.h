/* SPDX-License-Identifier: MIT */
/*
 * The host page tables: a direct map of machine memory at DIRECTMAP_BASE
 * and the image at HV_VIRT_BASE. Runs: host root mode (built at boot).
 */
#ifndef ASM_HOSTMAP_H
#define ASM_HOSTMAP_H

#include <shale/memmap.h>
#include <shale/types.h>

/* Builds the final host page tables from the memory map (page-table pages
 * are early allocations below 4 GiB) and switches the boot CPU to them.
 * Returns the end of the directly mapped machine memory. */
paddr_t hostmap_init(struct memmap *mm);

/* The root to load on every CPU once it runs high (APs in ap_start). */
paddr_t hostmap_root(void);

/* CR4/EFER bits every CPU sets for the host tables (PGE, NXE). */
void hostmap_cpu_setup(void);

#endif /* ASM_HOSTMAP_H */
