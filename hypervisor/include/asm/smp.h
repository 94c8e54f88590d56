/* SPDX-License-Identifier: MIT */
/*
 * Bringing up the other physical CPUs: the real-mode trampoline's parameter
 * block (shared with trampoline.asm through asm-offsets) and the SMP entry
 * points. Runs: host root mode.
 */
#ifndef ASM_SMP_H
#define ASM_SMP_H

#include <shale/types.h>

/* Lives at TRAMPOLINE_PHYS + TRAMPOLINE_PARAMS_OFFSET; the boot CPU fills it
 * before each INIT-SIPI-SIPI and the AP reads it on its way to long mode. */
struct trampoline_params {
	u32 cr3;       /* boot page tables (below 4 GiB: loaded from 32-bit) */
	u32 efer_bits; /* EFER bits to set with LME (NXE when supported) */
	u64 entry;     /* 64-bit C entry point, called with rdi = arg */
	u64 stack_top;
	u64 arg;
	u32 started;   /* the AP writes 1 as soon as it runs */
	u32 pad;
};

/* Starts every enabled CPU the ACPI MADT lists, up to 'max_cpus' in all.
 * Returns the number online (including the boot CPU). */
unsigned int smp_boot_cpus(unsigned int max_cpus);

/* CPUs found in the MADT and CPUs that reached their idle loop. */
extern unsigned int nr_cpus_found, nr_cpus_online;

/* The AP's C entry (from the trampoline). */
void ap_start(u64 cpu_index);

#endif /* ASM_SMP_H */
