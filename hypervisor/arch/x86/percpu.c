/* SPDX-License-Identifier: MIT */
/*
 * Per-CPU data: each CPU's GDT (with its own TSS and IST stacks) and the GS
 * base that makes this_cpu() work. Runs: host root mode, each CPU once.
 */
#include <asm/cpu.h>
#include <asm/layout.h>
#include <asm/msr-index.h>
#include <asm/percpu.h>
#include <asm/traps.h>
#include <shale/errno.h>
#include <shale/frames.h>

struct percpu percpu[MAX_CPUS];

int percpu_alloc_stacks(struct percpu *p)
{
	mfn_t m;

	if (!p->stack) {
		m = alloc_frames(CPU_STACK_ORDER);
		if (mfn_eq(m, INVALID_MFN))
			return -SH_ENOMEM;
		p->stack = mfn_to_virt(m);
	}
	for (unsigned int i = 0; i < 3; i++) {
		m = alloc_frames(IST_STACK_ORDER);
		if (mfn_eq(m, INVALID_MFN))
			return -SH_ENOMEM;
		p->ist_stack[i] = mfn_to_virt(m);
	}
	return 0;
}

static u64 tss_descriptor_low(const struct tss64 *tss)
{
	u64 base = (u64)tss, limit = sizeof(*tss) - 1;

	return (limit & 0xffff) | ((base & 0xffffff) << 16) |
	       (0x89UL << 40) /* present, 64-bit TSS (available) */ |
	       (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
}

void percpu_load(struct percpu *p)
{
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) gdtr = { sizeof(p->gdt) - 1, (u64)p->gdt };
	const u64 ist_size = PAGE_SIZE << IST_STACK_ORDER;

	p->self = p;
	p->gdt[0] = 0;
	p->gdt[GDT_SEL_CODE64 / 8] = 0x00af9a000000ffffUL;
	p->gdt[GDT_SEL_DATA / 8] = 0x00cf92000000ffffUL;
	p->gdt[GDT_SEL_TSS / 8] = tss_descriptor_low(&p->tss);
	p->gdt[GDT_SEL_TSS / 8 + 1] = (u64)&p->tss >> 32;
	p->tss.iomap_base = sizeof(p->tss); /* no I/O bitmap */
	p->tss.ist[IST_NMI - 1] = (u64)p->ist_stack[0] + ist_size;
	p->tss.ist[IST_DF - 1] = (u64)p->ist_stack[1] + ist_size;
	p->tss.ist[IST_MC - 1] = (u64)p->ist_stack[2] + ist_size;

	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movl %2, %%eax\n\t"
			 "movl %%eax, %%ds\n\t"
			 "movl %%eax, %%es\n\t"
			 "movl %%eax, %%ss\n\t"
			 "ltr %w3\n\t"
			 :
			 : "m"(gdtr), "i"(GDT_SEL_CODE64), "i"(GDT_SEL_DATA),
			   "r"(GDT_SEL_TSS)
			 : "rax", "memory");
	wrmsr(MSR_GS_BASE, (u64)p);
	traps_load_idt();
}
