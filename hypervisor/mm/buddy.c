/* SPDX-License-Identifier: MIT */
/*
 * The binary buddy allocator over machine frame numbers (shale/buddy.h).
 * Runs: host root mode and host unit tests.
 *
 * Representation: each free block's head is FRAME_FREE_HEAD on the list of
 * its order; each allocated block's head is FRAME_USED_HEAD; every other
 * frame of a block, free or allocated, is FRAME_TAIL. Tails are written only
 * when a range is added; a split turns one tail into a head and a merge turns
 * one head into a tail, so alloc and free stay O(order).
 */
#include <shale/buddy.h>
#include <shale/bug.h>
#include <shale/errno.h>
#include <shale/printk.h>

/*
 * BUG_ON for checks made with b->lock held: the lock is dropped first so
 * that whatever runs after the failure (the panic path printing state, or a
 * host test that caught the failure) does not find it held.
 */
#define BUG_ON_LOCKED(cond, l)                                                 \
	do {                                                                   \
		if (unlikely(cond)) {                                          \
			spin_unlock(l);                                        \
			bug_fail(__FILE__, __LINE__, #cond);                   \
		}                                                              \
	} while (0)

static inline u64 idx_mfn(const struct buddy *b, u32 idx)
{
	return b->base + idx;
}

/* Pushes the block at 'idx' onto the free list of 'order' as a free head.
 * Caller holds b->lock. */
static void list_push(struct buddy *b, u32 idx, unsigned int order)
{
	struct frame_info *fi = &b->frames[idx];
	u32 old = b->free_blocks[order] ? b->free_head[order] : BUDDY_NONE;

	fi->state = FRAME_FREE_HEAD;
	fi->order = order;
	fi->user = 0;
	fi->prev = BUDDY_NONE;
	fi->next = old;
	if (old != BUDDY_NONE)
		b->frames[old].prev = idx;
	b->free_head[order] = idx;
	b->free_blocks[order]++;
	b->free_frames += 1ULL << order;
}

/* Unlinks the free head at 'idx' from the list of its order; the caller
 * sets its new state. Caller holds b->lock. */
static void list_remove(struct buddy *b, u32 idx)
{
	struct frame_info *fi = &b->frames[idx];
	unsigned int order = fi->order;

	if (fi->prev != BUDDY_NONE)
		b->frames[fi->prev].next = fi->next;
	else
		b->free_head[order] = fi->next;
	if (fi->next != BUDDY_NONE)
		b->frames[fi->next].prev = fi->prev;
	fi->next = fi->prev = BUDDY_NONE;
	b->free_blocks[order]--;
	b->free_frames -= 1ULL << order;
}

/* Puts the block [idx, idx + 2^order), whose frames after the head are
 * tails, on the free lists, merging it with free buddies of each order on
 * the way up. Caller holds b->lock. */
static void free_block(struct buddy *b, u32 idx, unsigned int order)
{
	while (order < BUDDY_MAX_ORDER) {
		u64 buddy = idx_mfn(b, idx) ^ (1ULL << order);
		struct frame_info *bi;
		u32 bidx;

		if (buddy < b->base || buddy - b->base >= b->nr_frames)
			break;
		bidx = (u32)(buddy - b->base);
		bi = &b->frames[bidx];
		if (bi->state != FRAME_FREE_HEAD || bi->order != order)
			break;
		list_remove(b, bidx);
		/* The higher of the two heads becomes a tail of the merged block. */
		if (bidx < idx) {
			b->frames[idx].state = FRAME_TAIL;
			idx = bidx;
		} else {
			bi->state = FRAME_TAIL;
		}
		order++;
	}
	list_push(b, idx, order);
}

void buddy_init(struct buddy *b, mfn_t base, u64 nr_frames,
		struct frame_info *meta)
{
	unsigned int o;
	u64 i;

	BUG_ON(nr_frames >= (1ULL << 32));
	BUG_ON(mfn_x(base) + nr_frames < mfn_x(base));
	BUG_ON(nr_frames && !meta);

	spin_lock_init(&b->lock);
	b->base = mfn_x(base);
	b->nr_frames = nr_frames;
	b->frames = meta;
	for (i = 0; i < nr_frames; i++)
		meta[i] = (struct frame_info){ .next = BUDDY_NONE,
					       .prev = BUDDY_NONE,
					       .state = FRAME_RESERVED };
	for (o = 0; o <= BUDDY_MAX_ORDER; o++) {
		b->free_head[o] = BUDDY_NONE;
		b->free_blocks[o] = 0;
	}
	b->free_frames = 0;
	b->managed_frames = 0;
}

/* Splits [start, start + nr) into the largest naturally aligned blocks that
 * fit and frees each. Every frame must be covered and still reserved. */
void buddy_add_range(struct buddy *b, mfn_t start, u64 nr)
{
	u64 m = mfn_x(start), end = m + nr, i;

	BUG_ON(end < m);
	BUG_ON(nr && (m < b->base || end > b->base + b->nr_frames));

	spin_lock(&b->lock);
	for (i = m; i < end; i++)
		BUG_ON_LOCKED(b->frames[i - b->base].state != FRAME_RESERVED,
			      &b->lock);

	while (m < end) {
		unsigned int order = 0;
		u32 idx = (u32)(m - b->base);

		while (order < BUDDY_MAX_ORDER &&
		       !(m & (1ULL << order)) && /* aligned to 2^(order+1) */
		       end - m >= (2ULL << order))
			order++;
		for (i = 1; i < (1ULL << order); i++)
			b->frames[idx + i].state = FRAME_TAIL;
		free_block(b, idx, order);
		m += 1ULL << order;
	}
	b->managed_frames += nr;
	spin_unlock(&b->lock);
}

/* Takes the first free block of the smallest order >= 'order' and splits
 * it down, putting each upper half back on its list. */
mfn_t buddy_alloc(struct buddy *b, unsigned int order)
{
	unsigned int o;
	u32 idx;

	if (order > BUDDY_MAX_ORDER)
		return INVALID_MFN;

	spin_lock(&b->lock);
	/* The counts, not free_head, decide emptiness, so a zeroed struct
	 * buddy that was never initialised safely has nothing to give. */
	for (o = order; o <= BUDDY_MAX_ORDER && !b->free_blocks[o]; o++)
		;
	if (o > BUDDY_MAX_ORDER) {
		spin_unlock(&b->lock);
		return INVALID_MFN;
	}
	idx = b->free_head[o];
	list_remove(b, idx);
	while (o > order) {
		o--;
		list_push(b, idx + (1U << o), o);
	}
	b->frames[idx].state = FRAME_USED_HEAD;
	b->frames[idx].order = order;
	b->frames[idx].user = 0;
	spin_unlock(&b->lock);
	return _mfn(idx_mfn(b, idx));
}

/* Frees a block handed out by buddy_alloc at the same order: anything else
 * (a tail, a free block, another order, an mfn outside) is BUG. */
void buddy_free(struct buddy *b, mfn_t head, unsigned int order)
{
	u64 m = mfn_x(head);
	struct frame_info *fi;

	BUG_ON(order > BUDDY_MAX_ORDER);
	BUG_ON(m < b->base || m - b->base >= b->nr_frames);

	spin_lock(&b->lock);
	fi = &b->frames[m - b->base];
	BUG_ON_LOCKED(fi->state != FRAME_USED_HEAD, &b->lock);
	BUG_ON_LOCKED(fi->order != order, &b->lock);
	fi->user = 0;
	free_block(b, (u32)(m - b->base), order);
	spin_unlock(&b->lock);
}

/* Rewrites the head of each 2^new_order piece as an allocated head that
 * carries the block's 'user' tag; frames inside a piece stay tails. The
 * pieces are aligned and inside the block, so the block invariants hold. */
void buddy_split(struct buddy *b, mfn_t head, unsigned int order,
		 unsigned int new_order)
{
	u64 m = mfn_x(head), i;
	struct frame_info *fi;
	u16 user;

	BUG_ON(order > BUDDY_MAX_ORDER || new_order > order);
	BUG_ON(m < b->base || m - b->base >= b->nr_frames);

	spin_lock(&b->lock);
	fi = &b->frames[m - b->base];
	BUG_ON_LOCKED(fi->state != FRAME_USED_HEAD, &b->lock);
	BUG_ON_LOCKED(fi->order != order, &b->lock);
	user = fi->user;
	for (i = 0; i < (1ULL << order); i += 1ULL << new_order) {
		fi = &b->frames[m - b->base + i];
		fi->state = FRAME_USED_HEAD;
		fi->order = new_order;
		fi->user = user;
	}
	spin_unlock(&b->lock);
}

struct frame_info *buddy_frame(struct buddy *b, mfn_t m)
{
	if (mfn_x(m) < b->base || mfn_x(m) - b->base >= b->nr_frames)
		return NULL;
	return &b->frames[mfn_x(m) - b->base];
}

static int audit_fail(const char *what, u64 mfn, unsigned int order)
{
	printk("buddy: audit: %s (mfn 0x%llx, order %u)\n", what,
	       (unsigned long long)mfn, order);
	return -SH_EINVAL;
}

/* Walks each free list: links in range and doubly linked, no cycle, every
 * entry a free head of that order, counts as recorded. Caller holds lock. */
static int audit_lists(struct buddy *b)
{
	u64 frames = 0;
	unsigned int o;

	for (o = 0; o <= BUDDY_MAX_ORDER; o++) {
		u32 prev = BUDDY_NONE;
		u32 idx = b->free_blocks[o] ? b->free_head[o] : BUDDY_NONE;
		u64 n = 0;

		if (!b->free_blocks[o] && b->free_head[o] != BUDDY_NONE &&
		    b->nr_frames)
			return audit_fail("empty list with a head", 0, o);
		for (; idx != BUDDY_NONE; prev = idx, idx = b->frames[idx].next) {
			struct frame_info *fi;

			if (idx >= b->nr_frames)
				return audit_fail("list link out of range",
						  b->base + idx, o);
			if (++n > b->free_blocks[o])
				return audit_fail("list longer than its count",
						  idx_mfn(b, idx), o);
			fi = &b->frames[idx];
			if (fi->prev != prev)
				return audit_fail("bad prev link",
						  idx_mfn(b, idx), o);
			if (fi->state != FRAME_FREE_HEAD)
				return audit_fail("listed frame not a free head",
						  idx_mfn(b, idx), o);
			if (fi->order != o)
				return audit_fail("free head on wrong list",
						  idx_mfn(b, idx), o);
		}
		if (n != b->free_blocks[o])
			return audit_fail("list shorter than its count", 0, o);
		frames += n << o;
	}
	if (frames != b->free_frames)
		return audit_fail("free frame count mismatch", 0, 0);
	return 0;
}

/* Scans frames[] block by block: heads aligned, in range and followed by
 * tails; no orphan tail; no free block whose buddy is free at the same
 * order; per-order head counts equal the (already audited) list counts.
 * Caller holds lock. */
static int audit_frames(struct buddy *b)
{
	u64 heads[BUDDY_MAX_ORDER + 1] = { 0 };
	u64 managed = 0, i = 0, t;
	unsigned int o;

	while (i < b->nr_frames) {
		struct frame_info *fi = &b->frames[i];
		u64 m = b->base + i, size;

		if (fi->state == FRAME_RESERVED) {
			i++;
			continue;
		}
		if (fi->state == FRAME_TAIL)
			return audit_fail("tail without a head", m, 0);
		if (fi->state != FRAME_FREE_HEAD && fi->state != FRAME_USED_HEAD)
			return audit_fail("unknown frame state", m, fi->state);
		o = fi->order;
		if (o > BUDDY_MAX_ORDER)
			return audit_fail("order too large", m, o);
		size = 1ULL << o;
		if (m & (size - 1))
			return audit_fail("head not naturally aligned", m, o);
		if (size > b->nr_frames - i)
			return audit_fail("block runs past the end", m, o);
		for (t = 1; t < size; t++)
			if (b->frames[i + t].state != FRAME_TAIL)
				return audit_fail("block frame not a tail",
						  m + t, o);
		if (fi->state == FRAME_FREE_HEAD) {
			u64 bm = m ^ size;

			heads[o]++;
			if (o < BUDDY_MAX_ORDER && bm >= b->base &&
			    bm - b->base < b->nr_frames &&
			    b->frames[bm - b->base].state == FRAME_FREE_HEAD &&
			    b->frames[bm - b->base].order == o)
				return audit_fail("free buddies left unmerged",
						  m, o);
		}
		managed += size;
		i += size;
	}
	for (o = 0; o <= BUDDY_MAX_ORDER; o++)
		if (heads[o] != b->free_blocks[o])
			return audit_fail("free head not on its list", 0, o);
	if (managed != b->managed_frames)
		return audit_fail("managed frame count mismatch", 0, 0);
	return 0;
}

int buddy_audit(struct buddy *b)
{
	int rc;

	spin_lock(&b->lock);
	rc = audit_lists(b);
	if (!rc)
		rc = audit_frames(b);
	spin_unlock(&b->lock);
	return rc;
}
