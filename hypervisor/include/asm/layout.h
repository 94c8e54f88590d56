/* SPDX-License-Identifier: MIT */
/*
 * The host's address-space layout. Included by C, by the linker script
 * (through cpp) and, via the generated asm-offsets.inc, by NASM.
 * Runs: host root mode (build-time constants only).
 *
 *   0x0000000000008000  AP real-mode trampoline (physical, below 1 MiB)
 *   0x0000000000100000  where the image is loaded (physical)
 *   0xffff800000000000  direct map of all machine memory (DIRECTMAP_BASE)
 *   0xffffffff80000000  the image, linked here (HV_VIRT_BASE + physical)
 */
#ifndef ASM_LAYOUT_H
#define ASM_LAYOUT_H

#define HV_PHYS_LOAD 0x100000
#define HV_VIRT_BASE 0xffffffff80000000
#define DIRECTMAP_BASE 0xffff800000000000
#define DIRECTMAP_SIZE 0x0000010000000000 /* 1 TiB of machine memory */

#define TRAMPOLINE_PHYS 0x8000
#define TRAMPOLINE_PARAMS_OFFSET 0x10

#define BOOT_STACK_SIZE 0x1000 /* 32-bit boot stub only */
#define CPU_STACK_ORDER 2  /* 16 KiB per CPU */
#define IST_STACK_ORDER 0  /* 4 KiB each for NMI, #DF, #MC */

#define MAX_CPUS 64

/* Selectors of the per-CPU GDT (hypervisor/arch/x86/percpu.c). */
#define GDT_SEL_CODE64 0x08
#define GDT_SEL_DATA 0x10
#define GDT_SEL_TSS 0x18

#endif /* ASM_LAYOUT_H */
