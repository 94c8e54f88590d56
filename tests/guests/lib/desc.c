/* SPDX-License-Identifier: MIT */
/* The GDT (ring-0 and ring-3 flat segments, a 64-bit code segment for the
 * long-mode trap stubs) and the 32- and 64-bit TSSs that give ring-3 traps a
 * ring-0 stack. Runs: guest (test kernel). */
#include <stdint.h>

#include "desc.h"

/* Flat 4 GiB segments: G=1; D=1 (32-bit) or L=1 (64-bit); P=1. */
#define SEG_KCODE32	0x00cf9a000000ffffull	/* DPL 0, execute/read */
#define SEG_KDATA	0x00cf92000000ffffull	/* DPL 0, read/write */
#define SEG_UCODE32	0x00cffa000000ffffull	/* DPL 3, execute/read */
#define SEG_UDATA	0x00cff2000000ffffull	/* DPL 3, read/write */
#define SEG_KCODE64	0x00af9a000000ffffull	/* DPL 0, L=1 */
#define SEG_TSS_AVAIL	0x89			/* P, type 9: available TSS */

/* 32-bit TSS (SDM vol. 3, 8.2.1); only SS0:ESP0 and the I/O map base
 * matter here. */
struct tss32 {
	uint32_t link, esp0, ss0, esp1, ss1, esp2, ss2;
	uint32_t cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
	uint32_t es, cs, ss, ds, fs, gs, ldt;
	uint16_t trap, iomap_base;
} __attribute__((packed));

/* 64-bit TSS (AMD APM vol. 2, 12.2.5); only RSP0 and the I/O map base
 * matter here. */
struct tss64 {
	uint32_t rsvd0;
	uint64_t rsp[3];
	uint64_t rsvd1;
	uint64_t ist[7];
	uint64_t rsvd2;
	uint16_t rsvd3, iomap_base;
} __attribute__((packed));

static uint64_t desc_gdt[10] __attribute__((aligned(16)));
static struct tss32 desc_tss32;
static struct tss64 desc_tss64;
/* The ring-0 stack that traps from ring 3 arrive on, in both TSSs. */
static uint8_t desc_trap_stack[8192] __attribute__((aligned(16)));

/* A system-segment descriptor's low 8 bytes for base/limit/type. */
static uint64_t desc_system(uint32_t base, uint32_t limit, uint8_t type)
{
	return (uint64_t)(limit & 0xffff) |
	       (uint64_t)(base & 0xffffff) << 16 |
	       (uint64_t)type << 40 |
	       (uint64_t)((limit >> 16) & 0xf) << 48 |
	       (uint64_t)(base >> 24) << 56;
}

void desc_init(void)
{
	uint32_t top = (uint32_t)(desc_trap_stack + sizeof(desc_trap_stack));
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) gdtr = { sizeof(desc_gdt) - 1,
					   (uint32_t)desc_gdt };

	desc_tss32.esp0 = top;
	desc_tss32.ss0 = SEL_KDATA;
	desc_tss32.iomap_base = sizeof(desc_tss32);	/* no I/O bitmap */
	desc_tss64.rsp[0] = top;
	desc_tss64.iomap_base = sizeof(desc_tss64);

	desc_gdt[SEL_KCODE32 >> 3] = SEG_KCODE32;
	desc_gdt[SEL_KDATA >> 3] = SEG_KDATA;
	desc_gdt[SEL_UCODE32 >> 3] = SEG_UCODE32;
	desc_gdt[SEL_UDATA >> 3] = SEG_UDATA;
	desc_gdt[SEL_KCODE64 >> 3] = SEG_KCODE64;
	/* The TSS descriptors are written by desc_load_tss. */

	__asm__ volatile("lgdt %[gdtr]\n\t"
			 "ljmp %[cs], $1f\n"
			 "1:\n\t"
			 "mov %[ds], %%ds\n\t"
			 "mov %[ds], %%es\n\t"
			 "mov %[ds], %%fs\n\t"
			 "mov %[ds], %%gs\n\t"
			 "mov %[ds], %%ss"
			 : : [gdtr] "m"(gdtr), [cs] "i"(SEL_KCODE32),
			   [ds] "r"((uint32_t)SEL_KDATA) : "memory");
	desc_load_tss(false);
}

void desc_load_tss(bool long_mode)
{
	uint16_t sel = long_mode ? SEL_TSS64 : SEL_TSS32;

	/* Rewriting the descriptor also clears the busy bit that an earlier
	 * LTR of it set; LTR of a busy TSS raises #GP. */
	if (long_mode) {
		desc_gdt[SEL_TSS64 >> 3] = desc_system(
			(uint32_t)&desc_tss64, sizeof(desc_tss64) - 1,
			SEG_TSS_AVAIL);
		desc_gdt[(SEL_TSS64 >> 3) + 1] = 0;	/* base bits 63:32 */
	} else {
		desc_gdt[SEL_TSS32 >> 3] = desc_system(
			(uint32_t)&desc_tss32, sizeof(desc_tss32) - 1,
			SEG_TSS_AVAIL);
	}
	__asm__ volatile("ltr %0" : : "r"(sel) : "memory");
}
