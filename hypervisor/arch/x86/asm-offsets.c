/* SPDX-License-Identifier: MIT */
/*
 * Generates build/gen/asm-offsets.inc: the struct offsets and constants the
 * NASM sources need, so they are never typed by hand (STYLE.md, habit 6).
 * Runs: build time only (compiled with -S, never linked).
 */
#include <stddef.h>

#include <asm/layout.h>
#include <asm/percpu.h>
#include <asm/smp.h>
#include <asm/traps.h>
#include <shale/vcpu.h>

#define DEFINE(sym, val) __asm__ volatile("\n@@OFFSET@@ " #sym " %0" ::"i"(val))
#define OFFSET(sym, type, member) DEFINE(sym, offsetof(type, member))

void asm_offsets(void);
void asm_offsets(void)
{
	DEFINE(HV_PHYS_LOAD, HV_PHYS_LOAD);
	DEFINE(HV_VIRT_BASE, HV_VIRT_BASE);
	DEFINE(DIRECTMAP_BASE, DIRECTMAP_BASE);
	DEFINE(TRAMPOLINE_PHYS, TRAMPOLINE_PHYS);
	DEFINE(TRAMPOLINE_PARAMS_OFFSET, TRAMPOLINE_PARAMS_OFFSET);
	DEFINE(BOOT_STACK_SIZE, BOOT_STACK_SIZE);

	OFFSET(TP_CR3, struct trampoline_params, cr3);
	OFFSET(TP_EFER_BITS, struct trampoline_params, efer_bits);
	OFFSET(TP_ENTRY, struct trampoline_params, entry);
	OFFSET(TP_STACK_TOP, struct trampoline_params, stack_top);
	OFFSET(TP_ARG, struct trampoline_params, arg);
	OFFSET(TP_STARTED, struct trampoline_params, started);
	DEFINE(TP_SIZE, sizeof(struct trampoline_params));

	OFFSET(TF_R15, struct trap_frame, r15);
	OFFSET(TF_RBP, struct trap_frame, rbp);
	OFFSET(TF_RAX, struct trap_frame, rax);
	OFFSET(TF_VECTOR, struct trap_frame, vector);
	OFFSET(TF_ERROR_CODE, struct trap_frame, error_code);
	OFFSET(TF_RIP, struct trap_frame, rip);
	DEFINE(TF_SIZE, sizeof(struct trap_frame));

	OFFSET(REGS_RAX, struct cpu_regs, rax);
	OFFSET(REGS_RCX, struct cpu_regs, rcx);
	OFFSET(REGS_RDX, struct cpu_regs, rdx);
	OFFSET(REGS_RBX, struct cpu_regs, rbx);
	OFFSET(REGS_RSP, struct cpu_regs, rsp);
	OFFSET(REGS_RBP, struct cpu_regs, rbp);
	OFFSET(REGS_RSI, struct cpu_regs, rsi);
	OFFSET(REGS_RDI, struct cpu_regs, rdi);
	OFFSET(REGS_R8, struct cpu_regs, r8);
	OFFSET(REGS_R9, struct cpu_regs, r9);
	OFFSET(REGS_R10, struct cpu_regs, r10);
	OFFSET(REGS_R11, struct cpu_regs, r11);
	OFFSET(REGS_R12, struct cpu_regs, r12);
	OFFSET(REGS_R13, struct cpu_regs, r13);
	OFFSET(REGS_R14, struct cpu_regs, r14);
	OFFSET(REGS_R15, struct cpu_regs, r15);
	OFFSET(REGS_RIP, struct cpu_regs, rip);
	OFFSET(REGS_RFLAGS, struct cpu_regs, rflags);
}
