/* SPDX-License-Identifier: MIT */
/*
 * The machine's frame allocator: one global buddy over all machine frames,
 * with zeroing helpers that write through the direct map (shale/frames.h).
 * Runs: host root mode and host unit tests (against a fake arena).
 */
#include <shale/bug.h>
#include <shale/frames.h>
#include <shale/string.h>

/* Set up at boot from the memory map; see shale/buddy.h for its lock. */
struct buddy machine_frames;

mfn_t alloc_frames(unsigned int order)
{
	return buddy_alloc(&machine_frames, order);
}

/* Zeroes page by page: the direct map is not assumed to be contiguous
 * across frames, only within one. */
mfn_t alloc_frames_zeroed(unsigned int order)
{
	mfn_t m = alloc_frames(order);
	u64 i;

	if (mfn_eq(m, INVALID_MFN))
		return m;
	for (i = 0; i < (1ULL << order); i++)
		memset(mfn_to_virt(_mfn(mfn_x(m) + i)), 0, PAGE_SIZE);
	return m;
}

void free_frames(mfn_t head, unsigned int order)
{
	buddy_free(&machine_frames, head, order);
}

void split_frames(mfn_t head, unsigned int order, unsigned int new_order)
{
	buddy_split(&machine_frames, head, order, new_order);
}

void *alloc_page_zeroed(void)
{
	mfn_t m = alloc_frames_zeroed(0);

	return mfn_eq(m, INVALID_MFN) ? NULL : mfn_to_virt(m);
}

/* Frees a page from alloc_page_zeroed; NULL is ignored. */
void free_page(void *va)
{
	if (!va)
		return;
	BUG_ON((unsigned long)va & (PAGE_SIZE - 1));
	free_frames(virt_to_mfn(va), 0);
}
