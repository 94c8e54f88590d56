/* SPDX-License-Identifier: MIT */
/*
 * The small-object allocator on top of the frame allocator: power-of-two
 * size classes from 16 bytes to 2 KiB carved from pages, and whole
 * naturally aligned page blocks for anything larger.
 * Runs: host root mode and host unit tests (against a fake arena).
 */
#ifndef SHALE_XMALLOC_H
#define SHALE_XMALLOC_H

#include <shale/types.h>

/* Returns at least 'size' bytes aligned to 16 (to PAGE_SIZE when size >
 * 2 KiB), or NULL when memory is short or size is 0. */
void *xmalloc(size_t size);
/* As xmalloc, zeroed. */
void *xzalloc(size_t size);
/* As xzalloc for n elements of 'size' bytes; NULL if n * size overflows. */
void *xzalloc_array(size_t n, size_t size);
/* Frees what xmalloc returned; NULL is ignored. */
void xfree(void *p);

struct xmalloc_stats {
	u64 bytes_in_use;  /* sum of rounded-up sizes handed out */
	u64 pages_in_use;  /* frames held by the allocator */
	u64 allocations;   /* live allocations */
};
void xmalloc_get_stats(struct xmalloc_stats *out);

#endif /* SHALE_XMALLOC_H */
