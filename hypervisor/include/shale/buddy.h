/* SPDX-License-Identifier: MIT */
/*
 * A binary buddy allocator over machine frame numbers, orders 0 (4 KiB) to
 * BUDDY_MAX_ORDER (18, 1 GiB). Its metadata lives out of band in an array of
 * struct frame_info (one per frame it covers), so it never writes to the
 * memory it manages and runs unchanged in host unit tests.
 * Runs: host root mode and host unit tests.
 *
 * Blocks are naturally aligned on absolute frame numbers: an order-n block
 * starts at an mfn that is a multiple of 2^n, so an order-18 block is a
 * 1 GiB-aligned machine range, as the P2M's 1 GiB entries require.
 */
#ifndef SHALE_BUDDY_H
#define SHALE_BUDDY_H

#include <shale/spinlock.h>
#include <shale/types.h>

#define BUDDY_MAX_ORDER 18
#define BUDDY_NONE 0xffffffffu

enum frame_state {
	FRAME_RESERVED = 0, /* never handed to the allocator (holes, image, ...) */
	FRAME_FREE_HEAD,    /* first frame of a free block of 'order' */
	FRAME_USED_HEAD,    /* first frame of an allocated block of 'order' */
	FRAME_TAIL,         /* any other frame of a free or allocated block */
};

/* Per-frame metadata. 'next'/'prev' link free heads of one order (indices
 * relative to buddy->base, BUDDY_NONE ends a list). 'user' is free for the
 * block's owner (xmalloc keeps its size class there). */
struct frame_info {
	u32 next;
	u32 prev;
	u8 state;
	u8 order;
	u16 user;
};

struct buddy {
	spinlock_t lock;         /* guards everything below */
	u64 base;                /* first mfn covered by frames[] */
	u64 nr_frames;           /* number of entries in frames[] */
	struct frame_info *frames;
	u32 free_head[BUDDY_MAX_ORDER + 1];
	u64 free_blocks[BUDDY_MAX_ORDER + 1]; /* blocks on each list */
	u64 free_frames;         /* total frames on all lists */
	u64 managed_frames;      /* frames ever added with buddy_add_range */
};

/* Sets up an allocator covering [base, base + nr_frames) with every frame
 * reserved. 'meta' must hold nr_frames entries; nr_frames < 2^32. */
void buddy_init(struct buddy *b, mfn_t base, u64 nr_frames,
		struct frame_info *meta);

/* Hands the frames [start, start + nr) to the allocator as free. They must be
 * inside the covered range and currently reserved. Coalesces with free
 * neighbours. */
void buddy_add_range(struct buddy *b, mfn_t start, u64 nr);

/* Allocates a naturally aligned block of 2^order frames. Returns its first
 * mfn, or INVALID_MFN when no block of that order can be had. */
mfn_t buddy_alloc(struct buddy *b, unsigned int order);

/* Returns a block obtained from buddy_alloc with the same order. Freeing
 * anything else is a bug in the caller (BUG_ON). */
void buddy_free(struct buddy *b, mfn_t head, unsigned int order);

/* Turns an allocated block of 'order' into 2^(order - new_order) allocated
 * blocks of 'new_order' (the first at 'head'), each keeping the block's
 * 'user' tag and each freed on its own with buddy_free(.., new_order).
 * Splitting anything but an allocated head of 'order' is BUG. */
void buddy_split(struct buddy *b, mfn_t head, unsigned int order,
		 unsigned int new_order);

/* The metadata of an mfn inside the covered range, else NULL. */
struct frame_info *buddy_frame(struct buddy *b, mfn_t m);

/* Checks every invariant (list links, states, counts, no two free buddies
 * left unmerged). Returns 0, or -SH_EINVAL after printing the first
 * violation. Takes the lock. */
int buddy_audit(struct buddy *b);

#endif /* SHALE_BUDDY_H */
