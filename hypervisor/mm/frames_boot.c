/* SPDX-License-Identifier: MIT */
/*
 * Handing machine memory to the frame allocator at boot: the per-frame
 * metadata is an early allocation, then every free range of the memory map
 * becomes free frames. After this the early allocator is not used again.
 * Runs: host root mode, boot CPU, once.
 */
#include <shale/bug.h>
#include <shale/frames.h>
#include <shale/memmap.h>
#include <shale/printk.h>

static void add_free_range(paddr_t start, paddr_t end, void *arg)
{
	paddr_t limit = *(const paddr_t *)arg;

	if (start >= limit)
		return;
	if (end > limit)
		end = limit;
	buddy_add_range(&machine_frames, paddr_to_mfn(start),
			(end - start) >> PAGE_SHIFT);
}

void frames_boot_init(struct memmap *mm, paddr_t limit)
{
	u64 nr = MIN(memmap_usable_end(mm), limit) >> PAGE_SHIFT;
	u64 bytes = nr * sizeof(struct frame_info);
	/* Below 1 GiB if it fits, where the image already broke the first
	 * 1 GiB block: the others stay whole for guests' 1 GiB pages. */
	paddr_t meta = memmap_alloc(mm, bytes, PAGE_SIZE, MIN(limit, 1UL << 30));

	if (!meta)
		meta = memmap_alloc(mm, bytes, PAGE_SIZE, limit);

	if (!meta)
		panic("no room for %lu KiB of frame metadata", bytes >> 10);
	buddy_init(&machine_frames, _mfn(0), nr, paddr_to_virt(meta));
	memmap_for_each_free(mm, add_free_range, &limit);
}
