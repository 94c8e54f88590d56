/* SPDX-License-Identifier: MIT */
/*
 * The machine's frame allocator (one global buddy) and the direct map.
 * Runs: host root mode; host unit tests link the same frames.c against a
 * fake arena that implements the direct-map seam.
 */
#ifndef SHALE_FRAMES_H
#define SHALE_FRAMES_H

#include <shale/buddy.h>
#include <shale/types.h>

extern struct buddy machine_frames;

/* Allocates 2^order contiguous, naturally aligned machine frames (contents
 * undefined). Returns INVALID_MFN when memory is short. */
mfn_t alloc_frames(unsigned int order);
/* As alloc_frames, with the frames zeroed through the direct map. */
mfn_t alloc_frames_zeroed(unsigned int order);
void free_frames(mfn_t head, unsigned int order);
/* Turns an allocated block of 'order' into 2^(order - new_order) blocks of
 * 'new_order', each freed on its own (buddy_split). */
void split_frames(mfn_t head, unsigned int order, unsigned int new_order);

/* Boot only: covers machine memory below 'limit' (what the direct map
 * reaches) with metadata taken from the early allocator, and frees every
 * range the memory map has free. The memory map takes no allocations after. */
struct memmap;
void frames_boot_init(struct memmap *mm, paddr_t limit);

/* One zeroed page, as a direct-map pointer; NULL when memory is short. */
void *alloc_page_zeroed(void);
void free_page(void *va);

/* The direct-map seam: every machine frame Shale touches is reached through
 * these. In the hypervisor they are arithmetic on DIRECTMAP_BASE
 * (hypervisor/arch/x86/directmap.c); in tests, on a host buffer. */
void *mfn_to_virt(mfn_t m);
mfn_t virt_to_mfn(const void *va);

static inline void *paddr_to_virt(paddr_t p)
{
	return (char *)mfn_to_virt(paddr_to_mfn(p)) + (p & (PAGE_SIZE - 1));
}

#endif /* SHALE_FRAMES_H */
