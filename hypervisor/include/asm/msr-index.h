/* SPDX-License-Identifier: MIT */
/*
 * MSR numbers and control-register / EFER bits Shale uses.
 * Sources: AMD APM vol. 2 (sections 3.1, 15.30), Intel SDM vol. 4.
 * Runs: host root mode (and the guest-facing MSR emulation later).
 */
#ifndef ASM_MSR_INDEX_H
#define ASM_MSR_INDEX_H

#define MSR_IA32_APIC_BASE 0x1b
#define MSR_IA32_FEATURE_CONTROL 0x0000003a
#define MSR_IA32_PAT 0x00000277
#define MSR_EFER 0xc0000080
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_SFMASK 0xc0000084
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_VM_CR 0xc0010114      /* APM 15.30.1 */
#define MSR_VM_HSAVE_PA 0xc0010117 /* APM 15.30.4 */

#define EFER_SCE (1UL << 0)
#define EFER_LME (1UL << 8)
#define EFER_LMA (1UL << 10)
#define EFER_NXE (1UL << 11)
#define EFER_SVME (1UL << 12)

#define VM_CR_SVMDIS (1UL << 4)

#define CR0_PE (1UL << 0)
#define CR0_MP (1UL << 1)
#define CR0_EM (1UL << 2)
#define CR0_TS (1UL << 3)
#define CR0_ET (1UL << 4)
#define CR0_NE (1UL << 5)
#define CR0_WP (1UL << 16)
#define CR0_AM (1UL << 18)
#define CR0_NW (1UL << 29)
#define CR0_CD (1UL << 30)
#define CR0_PG (1UL << 31)

#define CR4_VME (1UL << 0)
#define CR4_PVI (1UL << 1)
#define CR4_TSD (1UL << 2)
#define CR4_DE (1UL << 3)
#define CR4_PSE (1UL << 4)
#define CR4_PAE (1UL << 5)
#define CR4_MCE (1UL << 6)
#define CR4_PGE (1UL << 7)
#define CR4_PCE (1UL << 8)
#define CR4_OSFXSR (1UL << 9)
#define CR4_OSXMMEXCPT (1UL << 10)
#define CR4_VMXE (1UL << 13)
#define CR4_FSGSBASE (1UL << 16)
#define CR4_PCIDE (1UL << 17)
#define CR4_OSXSAVE (1UL << 18)
#define CR4_SMEP (1UL << 20)
#define CR4_SMAP (1UL << 21)

#endif /* ASM_MSR_INDEX_H */
