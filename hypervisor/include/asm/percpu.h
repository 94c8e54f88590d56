/* SPDX-License-Identifier: MIT */
/*
 * Per-CPU data, reached through GS (gs:0 holds the struct's own address).
 * Runs: host root mode.
 *
 * Lifetimes: every field is written by the CPU itself after it starts, or
 * by the boot CPU before it sends the SIPI; other CPUs only read the
 * published state (online, ticks) with READ_ONCE.
 */
#ifndef ASM_PERCPU_H
#define ASM_PERCPU_H

#include <asm/layout.h>
#include <shale/types.h>

struct tss64 {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __attribute__((packed));

struct percpu {
	struct percpu *self; /* gs:0, set once */
	u32 cpu;             /* Shale's index, 0 = boot CPU */
	u32 apic_id;
	bool online;         /* set by the CPU when it reaches its idle loop */
	bool hvm_enabled;    /* SVM (or VMX) turned on for this CPU */
	u64 ticks;           /* local APIC timer interrupts taken */
	u64 spurious;        /* unexpected vectors taken */
	void *stack;         /* bottom of the main stack (top = + size) */
	void *ist_stack[3];  /* NMI, #DF, #MC */
	mfn_t hvm_host_save; /* SVM host save area (VM_HSAVE_PA) */
	u64 gdt[5] __attribute__((aligned(16)));
	struct tss64 tss __attribute__((aligned(16)));
};

extern struct percpu percpu[MAX_CPUS];

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;

	__asm__ volatile("mov %%gs:0, %0" : "=r"(p));
	return p;
}

/* Loads this CPU's GDT, TSS and GS base. 'p' must have stacks set. */
void percpu_load(struct percpu *p);

/* Allocates the main and IST stacks for a CPU. Returns 0 or -SH_ENOMEM. */
int percpu_alloc_stacks(struct percpu *p);

#endif /* ASM_PERCPU_H */
