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
#include <shale/spinlock.h>
#include <shale/types.h>

struct vcpu;

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
	mfn_t hvm_host_vmsave; /* SVM: host state for VMSAVE/VMLOAD */
	u32 asid_next;       /* next guest ASID to hand out on this CPU */
	u64 asid_generation; /* bumped (with a full flush) when ASIDs run out */
	void *fpu_owner;     /* vCPU whose FPU/SSE state the CPU holds */
	spinlock_t runq_lock;
	struct vcpu *runq_head, *runq_tail; /* guarded by runq_lock */
	struct vcpu *current; /* vCPU running on this CPU, or NULL */
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

/* True once CPU 'c' has reached its idle loop. */
static inline bool percpu_ready_cpu(unsigned int c)
{
	return c < MAX_CPUS && __atomic_load_n(&percpu[c].online, __ATOMIC_ACQUIRE);
}

/* Loads this CPU's GDT, TSS and GS base. 'p' must have stacks set. */
void percpu_load(struct percpu *p);

/* Allocates the main and IST stacks for a CPU. Returns 0 or -SH_ENOMEM. */
int percpu_alloc_stacks(struct percpu *p);

#endif /* ASM_PERCPU_H */
