/* SPDX-License-Identifier: MIT */
/*
 * The frame every interrupt and exception stub builds (hypervisor/arch/x86/
 * entry.asm) and the vectors Shale uses. Runs: host root mode.
 */
#ifndef ASM_TRAPS_H
#define ASM_TRAPS_H

#include <shale/types.h>

/* Pushed by entry.asm (GPRs, vector, error code) and the CPU (the rest).
 * Field order is the push order reversed; asm-offsets.c exports it. */
struct trap_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error_code;
	u64 rip, cs, rflags, rsp, ss;
};

#define VEC_NMI 2
#define VEC_DF 8
#define VEC_PF 14
#define VEC_MC 18

#define VEC_TIMER 0xf0   /* local APIC timer tick */
#define VEC_WAKEUP 0xf1  /* IPI that only ends a HLT (scheduler kick) */
#define VEC_SPURIOUS 0xff

/* IST slots in each CPU's TSS. */
#define IST_NMI 1
#define IST_DF 2
#define IST_MC 3

/* Sets up this CPU's IDT register (the table itself is shared). */
void traps_load_idt(void);
/* Fills the shared IDT (no IST stacks yet) and loads it; called once on the
 * boot CPU before anything else. */
void traps_init(void);
/* Switches NMI, #DF and #MC to their IST stacks; called once, after the boot
 * CPU has loaded its TSS and before any other CPU starts. */
void traps_use_ist(void);
/* Called by entry.asm for every vector. */
void trap_dispatch(struct trap_frame *f);
/* Prints f's registers (used by exception reports and panic). */
void trap_print_frame(const struct trap_frame *f);

#endif /* ASM_TRAPS_H */
