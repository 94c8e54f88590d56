/* SPDX-License-Identifier: MIT */
/*
 * The machine memory map Shale boots with: usable RAM from the boot loader's
 * map, and the ranges inside it that are not free (low memory, the image,
 * modules, early allocations). It also serves the early allocations made
 * before the buddy allocator exists (page tables, the frame metadata).
 * Runs: host root mode (boot only) and host unit tests.
 *
 * All ranges are half-open [start, end) byte ranges. Usable ranges are
 * trimmed inward to page boundaries, sorted and merged; reserved ranges are
 * widened outward to page boundaries.
 */
#ifndef SHALE_MEMMAP_H
#define SHALE_MEMMAP_H

#include <shale/types.h>

#define MEMMAP_MAX_USABLE 128
#define MEMMAP_MAX_RESERVED 128

enum mem_kind {
	MEM_LOW,        /* below 1 MiB: real-mode trampoline, firmware */
	MEM_IMAGE,      /* the hypervisor image incl. bss */
	MEM_MODULE,     /* multiboot modules */
	MEM_BOOT_ALLOC, /* early allocations (page tables, frame metadata) */
	MEM_KINDS
};

struct mem_range {
	paddr_t start;
	paddr_t end;
};

struct mem_reserved {
	paddr_t start;
	paddr_t end;
	enum mem_kind kind;
};

struct memmap {
	struct mem_range usable[MEMMAP_MAX_USABLE];
	unsigned int nr_usable;
	struct mem_reserved reserved[MEMMAP_MAX_RESERVED];
	unsigned int nr_reserved;
};

void memmap_init(struct memmap *mm);

/* Adds usable RAM [start, start + len). Ranges smaller than a page after
 * trimming are dropped; overlapping or touching ranges merge. Returns 0, or
 * -SH_ENOSPC when the table is full (the range is then dropped). */
int memmap_add_usable(struct memmap *mm, paddr_t start, u64 len);

/* Marks [start, end) as not free, of the given kind. Returns 0, -SH_EINVAL
 * for an empty or inverted range, -SH_ENOSPC when the table is full. */
int memmap_reserve(struct memmap *mm, paddr_t start, paddr_t end,
		   enum mem_kind kind);

/* Early allocation: the highest free, 'align'-aligned range of 'bytes'
 * (rounded up to pages) that ends at or below 'limit'; it is reserved as
 * MEM_BOOT_ALLOC. Returns its address, or 0 when nothing fits. */
paddr_t memmap_alloc(struct memmap *mm, u64 bytes, u64 align, paddr_t limit);

/* Total usable bytes, and the end of the highest usable range. */
u64 memmap_usable_bytes(const struct memmap *mm);
paddr_t memmap_usable_end(const struct memmap *mm);

/* True if [start, end) lies entirely inside one usable range. */
bool memmap_is_usable(const struct memmap *mm, paddr_t start, paddr_t end);

/* For each kind, the bytes of usable RAM it covers. A byte covered by
 * several reserved ranges is counted once, under the lowest kind. */
void memmap_account(const struct memmap *mm, u64 bytes[MEM_KINDS]);

/* Calls fn for every maximal page-aligned range that is usable and not
 * reserved, in ascending order. */
void memmap_for_each_free(const struct memmap *mm,
			  void (*fn)(paddr_t start, paddr_t end, void *arg),
			  void *arg);

#endif /* SHALE_MEMMAP_H */
