/* SPDX-License-Identifier: MIT */
/*
 * The host page tables and the direct map. All machine memory up to the end
 * of usable RAM (at least 4 GiB, so the local APIC and IOAPIC are covered)
 * is mapped at DIRECTMAP_BASE with 2 MiB pages: write-back where the 2 MiB
 * holds usable RAM, uncached otherwise (MMIO holes), never executable. The
 * image is mapped at HV_VIRT_BASE. The identity map of the boot tables is
 * gone once the boot CPU switches. Runs: host root mode.
 */
#include <asm/cpu.h>
#include <asm/hostmap.h>
#include <asm/layout.h>
#include <asm/msr-index.h>
#include <shale/bug.h>
#include <shale/compiler.h>
#include <shale/frames.h>
#include <shale/printk.h>
#include <shale/string.h>

#define PTE_P (1UL << 0)
#define PTE_RW (1UL << 1)
#define PTE_PWT (1UL << 3)
#define PTE_PCD (1UL << 4)
#define PTE_PS (1UL << 7)
#define PTE_G (1UL << 8)
#define PTE_NX (1UL << 63)

#define SZ_2M (1UL << 21)
#define SZ_1G (1UL << 30)
#define SZ_4G (1UL << 32)

extern const char __bss_phys_end[];

static paddr_t host_root;
static bool host_nx;

void *mfn_to_virt(mfn_t m)
{
	return (void *)(DIRECTMAP_BASE + mfn_to_paddr(m));
}

mfn_t virt_to_mfn(const void *va)
{
	u64 a = (u64)va;

	if (a >= HV_VIRT_BASE)
		return paddr_to_mfn(a - HV_VIRT_BASE);
	BUG_ON(a < DIRECTMAP_BASE || a >= DIRECTMAP_BASE + DIRECTMAP_SIZE);
	return paddr_to_mfn(a - DIRECTMAP_BASE);
}

/* A zeroed page-table page from the early allocator: below 1 GiB if it can
 * (the image already breaks that gigabyte, so 1 GiB blocks for guests stay
 * whole), else below 4 GiB, which the boot tables map at DIRECTMAP_BASE. */
static u64 *table_alloc(struct memmap *mm, paddr_t *pa)
{
	*pa = memmap_alloc(mm, PAGE_SIZE, PAGE_SIZE, SZ_1G);
	if (!*pa)
		*pa = memmap_alloc(mm, PAGE_SIZE, PAGE_SIZE, SZ_4G);
	if (!*pa)
		panic("hostmap: no memory below 4 GiB for page tables");
	memset(paddr_to_virt(*pa), 0, PAGE_SIZE);
	return paddr_to_virt(*pa);
}

/* Returns the next-level table under entry 'i' of 'table', allocating it. */
static u64 *table_next(struct memmap *mm, u64 *table, unsigned int i)
{
	paddr_t pa;
	u64 *next;

	if (table[i] & PTE_P)
		return paddr_to_virt(table[i] & 0x000ffffffffff000UL);
	next = table_alloc(mm, &pa);
	table[i] = pa | PTE_P | PTE_RW;
	return next;
}

static unsigned int idx(u64 va, unsigned int level)
{
	return (va >> (12 + 9 * (level - 1))) & 511;
}

/* Maps [pa, pa + 2 MiB) at va with the given leaf attributes. */
static void map_2m(struct memmap *mm, u64 *pml4, u64 va, paddr_t pa, u64 attr)
{
	u64 *pdpt = table_next(mm, pml4, idx(va, 4));
	u64 *pd = table_next(mm, pdpt, idx(va, 3));

	pd[idx(va, 2)] = pa | attr | PTE_P | PTE_PS;
}

/* True if any byte of [start, end) is usable RAM. */
static bool overlaps_ram(const struct memmap *mm, paddr_t start, paddr_t end)
{
	for (unsigned int i = 0; i < mm->nr_usable; i++)
		if (mm->usable[i].start < end && start < mm->usable[i].end)
			return true;
	return false;
}

void hostmap_cpu_setup(void)
{
	if (host_nx)
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	write_cr3(host_root);
	write_cr4(read_cr4() | CR4_PGE);
}

paddr_t hostmap_init(struct memmap *mm)
{
	paddr_t end = MAX((paddr_t)SZ_4G, ALIGN_UP(memmap_usable_end(mm), SZ_1G));
	paddr_t image_end = ALIGN_UP((paddr_t)__bss_phys_end, SZ_2M);
	u64 *pml4;

	host_nx = (cpuid(0x80000001).edx >> 20) & 1;
	if (end > DIRECTMAP_SIZE) {
		printk("shale: memory above %lu GiB is not used\n",
		       DIRECTMAP_SIZE >> 30);
		end = DIRECTMAP_SIZE;
	}
	pml4 = table_alloc(mm, &host_root);
	for (paddr_t pa = 0; pa < end; pa += SZ_2M) {
		u64 attr = PTE_RW | PTE_G | (host_nx ? PTE_NX : 0);

		if (!overlaps_ram(mm, pa, pa + SZ_2M))
			attr |= PTE_PCD | PTE_PWT; /* MMIO hole */
		map_2m(mm, pml4, DIRECTMAP_BASE + pa, pa, attr);
	}
	for (paddr_t pa = 0; pa < image_end; pa += SZ_2M)
		map_2m(mm, pml4, HV_VIRT_BASE + pa, pa, PTE_RW | PTE_G);

	hostmap_cpu_setup();
	return end;
}

paddr_t hostmap_root(void)
{
	return host_root;
}
