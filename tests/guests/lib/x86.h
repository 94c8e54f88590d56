/* SPDX-License-Identifier: MIT */
/* Inline wrappers for the x86 instructions the test kernels use (ports,
 * control registers, MSRs, TLB, CPUID). Runs: guest (test kernel). */
#ifndef GUEST_X86_H
#define GUEST_X86_H

#include <stdint.h>

#define CR0_PE (1u << 0)
#define CR0_WP (1u << 16)
#define CR0_PG (1u << 31)

#define CR4_PSE (1u << 4)
#define CR4_PAE (1u << 5)

#define MSR_EFER  0xc0000080u
#define EFER_LME  (1u << 8)
#define EFER_LMA  (1u << 10)
#define EFER_NXE  (1u << 11)

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

#define DEFINE_CR(n)							\
	static inline uint32_t read_cr##n(void)				\
	{								\
		uint32_t v;						\
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));	\
		return v;						\
	}								\
	static inline void write_cr##n(uint32_t v)			\
	{								\
		__asm__ volatile("mov %0, %%cr" #n : : "r"(v) : "memory"); \
	}
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v),
			 "d"((uint32_t)(v >> 32)) : "memory");
}

/* Drops the TLB entry (and cached walk) for the page holding addr. */
static inline void invlpg(uint32_t addr)
{
	__asm__ volatile("invlpg (%0)" : : "r"(addr) : "memory");
}

/* Drops every non-global TLB entry and the paging-structure caches. */
static inline void flush_tlb(void)
{
	write_cr3(read_cr3());
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t *a,
			 uint32_t *b, uint32_t *c, uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
			 : "a"(leaf), "c"(sub));
}

__attribute__((noreturn)) static inline void halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

#endif
