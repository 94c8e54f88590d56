/* SPDX-License-Identifier: MIT */
/* Page-table builders for the three x86 paging formats: 2-level (32-bit
 * entries; 4K, and 4M with CR4.PSE), PAE (4K and 2M) and 4-level (4K, 2M
 * and 1G). Tables come from a static pool and are reached through the
 * identity map, so they can be read and changed with paging on or off.
 * Only linear addresses below 4 GiB are handled. Runs: guest (test kernel). */
#ifndef GUEST_PT_H
#define GUEST_PT_H

#include <stdint.h>

/* Entry bits (SDM vol. 3, 4.3-4.5); the same positions in every format,
 * except NX, which 2-level entries lack. */
#define PT_P	(1ull << 0)
#define PT_W	(1ull << 1)
#define PT_U	(1ull << 2)
#define PT_A	(1ull << 5)
#define PT_D	(1ull << 6)
#define PT_PS	(1ull << 7)
#define PT_NX	(1ull << 63)

#define PT_4K	0x1000ull
#define PT_2M	0x200000ull
#define PT_4M	0x400000ull
#define PT_1G	0x40000000ull

enum pt_mode {
	PT_2LEVEL = 2,
	PT_PAE = 3,
	PT_4LEVEL = 4,
};

struct pt {
	enum pt_mode mode;
	uint32_t root;		/* physical address, for CR3 */
};

/* Frees every table of every struct pt; they must no longer be in use. */
void pt_reset(void);

/* Starts an empty address space of the given format. Returns 0 or -1 if
 * the pool is exhausted. */
int pt_init(struct pt *pt, enum pt_mode mode);

/*
 * Maps [va, va + size) to pa with one leaf entry of that size (4K, 2M, 4M
 * or 1G, as the format allows), flags | PT_P (| PT_PS above 4K). Missing
 * tables on the way are created with P, W and U (only P in PAE PDPTEs,
 * where W and U are reserved), so the leaf's flags decide. Returns 0, or -1
 * for a size the format lacks, a misaligned va or pa, NX in a 2-level
 * entry, a large page in the way, or an exhausted pool.
 */
int pt_map(struct pt *pt, uint32_t va, uint64_t pa, uint64_t size,
	   uint64_t flags);

/* Identity-maps [0, end) with 4K pages, P | flags. Returns 0 or -1. */
int pt_identity(struct pt *pt, uint32_t end, uint64_t flags);

/*
 * The entry that maps va at the level whose entries each cover span bytes
 * (4K: PTE, 2M or 4M: PDE, 1G: PDPTE, 512G: PML4E). pt_get returns 0 if
 * the walk cannot reach that level; pt_set writes the entry (the caller
 * then invalidates the TLB) and returns 0, or -1 if it cannot reach it.
 */
uint64_t pt_get(const struct pt *pt, uint32_t va, uint64_t span);
int pt_set(const struct pt *pt, uint32_t va, uint64_t span, uint64_t entry);

#endif
