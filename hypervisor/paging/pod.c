/* SPDX-License-Identifier: MIT */
/*
 * Populate-on-demand (shale/pod.h): the per-order cache lists, the target,
 * marking guest ranges as PoD and demand populate.
 * Runs: host root mode and host unit tests (against a fake arena).
 *
 * The sweep that takes zeroed pages back is in pod_sweep.c, the audit in
 * pod_audit.c. Every p2m change made here either needs no new table (a
 * leaf replaced at its own order: cannot fail) or is a p2m_set_entry whose
 * failure leaves the map as it was, so an error never leaves the
 * accounting half-updated.
 */
#include <shale/bug.h>
#include <shale/errno.h>
#include <shale/frames.h>
#include <shale/pod.h>
#include <shale/string.h>

#include "pod_internal.h"

void pod_init(struct pod *pod, pod_flush_fn flush, void *flush_arg)
{
	memset(pod, 0, sizeof(*pod));
	spin_lock_init(&pod->lock);
	for (unsigned int i = 0; i < POD_NR_LISTS; i++)
		pod->head[i] = INVALID_MFN;
	pod->flush = flush;
	pod->flush_arg = flush_arg;
}

/* ------------------------------------------------------------ the cache */

void pod_cache_push(struct pod *pod, mfn_t m, unsigned int list)
{
	struct frame_info *fi = buddy_frame(&machine_frames, m);

	POD_BUG_ON_LOCKED(!fi, pod);
	*(u64 *)mfn_to_virt(m) =
		mfn_x(pod->count[list] ? pod->head[list] : INVALID_MFN);
	fi->user = POD_USER_CACHE;
	pod->head[list] = m;
	pod->count[list]++;
	pod->cache_frames += pod_list_frames(list);
}

/* Takes the top block off a non-empty list. */
static mfn_t cache_pop(struct pod *pod, unsigned int list)
{
	mfn_t m = pod->head[list];

	POD_BUG_ON_LOCKED(!pod->count[list], pod);
	pod->head[list] = pod_cache_next(m);
	pod->count[list]--;
	pod->cache_frames -= pod_list_frames(list);
	return m;
}

/* Breaks one block of a non-empty list (2M or 1G) into 512 blocks of the
 * next list down, lowest address on top. */
static void cache_break(struct pod *pod, unsigned int list)
{
	unsigned int order = pod_list_order(list);
	mfn_t m = cache_pop(pod, list);
	u64 i;

	split_frames(m, order, order - 9);
	for (i = 512; i-- > 0;)
		pod_cache_push(pod, _mfn(mfn_x(m) + (i << (order - 9))),
			       list - 1);
	if (list == POD_1G)
		pod->stats.breaks_1g++;
	else
		pod->stats.breaks_2m++;
}

mfn_t pod_cache_take(struct pod *pod, unsigned int list)
{
	unsigned int from = list;

	while (from < POD_NR_LISTS && !pod->count[from])
		from++;
	if (from == POD_NR_LISTS)
		return INVALID_MFN;
	for (; from > list; from--)
		cache_break(pod, from);
	return cache_pop(pod, list);
}

/* True when pod_cache_take(list) would give a block. */
static bool cache_can_give(const struct pod *pod, unsigned int list)
{
	for (; list < POD_NR_LISTS; list++)
		if (pod->count[list])
			return true;
	return false;
}

u64 pod_cache_goal(const struct pod *pod)
{
	u64 goal = pod->target > pod->populated ?
			   pod->target - pod->populated : 0;

	return MIN(goal, pod->outstanding);
}

void pod_cache_shrink(struct pod *pod, u64 max_frames)
{
	unsigned int list;

	for (list = POD_NR_LISTS; list-- > 0;) {
		u64 n = pod_list_frames(list);

		while (pod->cache_frames > max_frames &&
		       pod->cache_frames - max_frames >= n) {
			mfn_t m = pod_cache_take(pod, list);

			if (mfn_eq(m, INVALID_MFN))
				break;
			pod->backing -= n;
			pod->stats.frees[list]++;
			free_frames(m, pod_list_order(list));
		}
	}
}

/* Allocates blocks until the cache holds goal frames: 1 GiB blocks while
 * at least 1 GiB is missing and the allocator has one, then 2 MiB, then
 * 4 KiB, never overshooting. Returns 0, or -SH_ENOMEM short of the goal. */
static int cache_grow(struct pod *pod, u64 goal)
{
	unsigned int list;

	for (list = POD_NR_LISTS; list-- > 0;) {
		u64 n = pod_list_frames(list);

		while (pod->cache_frames < goal &&
		       goal - pod->cache_frames >= n) {
			mfn_t m = alloc_frames(pod_list_order(list));

			if (mfn_eq(m, INVALID_MFN))
				break;
			pod->backing += n;
			pod->stats.allocs[list]++;
			pod_cache_push(pod, m, list);
		}
	}
	return pod->cache_frames < goal ? -SH_ENOMEM : 0;
}

/* See shale/pod.h. p2m is unused: the goal depends only on counters. */
int pod_set_target(struct pod *pod, struct p2m *p2m, u64 target_frames)
{
	int rc = 0;
	u64 goal;

	spin_lock(&pod->lock);
	pod->target = target_frames;
	goal = pod_cache_goal(pod);
	if (pod->cache_frames < goal)
		rc = cache_grow(pod, goal);
	else
		pod_cache_shrink(pod, goal);
	spin_unlock(&pod->lock);
	return rc;
}

/* ------------------------------------------------------------- marking */

/* The largest entry order (1G, 2M, 4K) that starts at g and ends by end. */
static unsigned int mark_order(u64 g, u64 end)
{
	static const unsigned int orders[] = { P2M_ORDER_1G, P2M_ORDER_2M };

	for (unsigned int i = 0; i < ARRAY_SIZE(orders); i++) {
		u64 n = 1ULL << orders[i];

		if (!(g & (n - 1)) && end - g >= n)
			return orders[i];
	}
	return P2M_ORDER_4K;
}

/* Clears the entries pod_mark_range made in [g, stop) of the range ending
 * at end (the same decomposition). Each is a leaf at its own order, so no
 * table is needed and this cannot fail. */
static void unmark(struct pod *pod, struct p2m *p2m, u64 g, u64 stop, u64 end)
{
	while (g < stop) {
		unsigned int order = mark_order(g, end);
		int rc = p2m_set_entry(p2m, _gfn(g), INVALID_MFN, order,
				       p2m_invalid);

		POD_BUG_ON_LOCKED(rc, pod);
		pod->outstanding -= 1ULL << order;
		g += 1ULL << order;
	}
}

/* True when every gfn of [g, end) is p2m_invalid; one lookup per empty
 * region (up to 1 GiB each). */
static bool range_unmapped(struct p2m *p2m, u64 g, u64 end)
{
	while (g < end) {
		struct p2m_entry e = p2m_get_entry(p2m, _gfn(g));

		if (e.type != p2m_invalid)
			return false;
		g = (g | ((1ULL << e.order) - 1)) + 1;
	}
	return true;
}

/* See shale/pod.h. */
int pod_mark_range(struct pod *pod, struct p2m *p2m, gfn_t gfn, u64 nr)
{
	u64 start = gfn_x(gfn), end, g;
	int rc = 0;

	if (!nr)
		return 0;
	if (start > P2M_MAX_GFN || nr > P2M_MAX_GFN + 1 - start)
		return -SH_EINVAL;
	end = start + nr;

	spin_lock(&pod->lock);
	if (!range_unmapped(p2m, start, end)) {
		rc = -SH_EINVAL;
		goto out;
	}
	for (g = start; g < end;) {
		unsigned int order = mark_order(g, end);

		rc = p2m_set_entry(p2m, _gfn(g), INVALID_MFN, order, p2m_pod);
		if (rc) {
			unmark(pod, p2m, start, g, end);
			goto out;
		}
		pod->outstanding += 1ULL << order;
		g += 1ULL << order;
	}
	pod->end_gfn = MAX(pod->end_gfn, end);
out:
	spin_unlock(&pod->lock);
	return rc;
}

/* ------------------------------------------------------------ populate */

/* Every frame a guest is given is zeroed here, and only here, so that no
 * guest ever sees what the memory held before (another domain's data, or
 * a free-list link). Page by page: the direct map is only contiguous
 * within a frame (see frames.c). */
static void zero_block(struct pod *pod, mfn_t m, unsigned int order)
{
	u64 n = 1ULL << order;

	for (u64 i = 0; i < n; i++)
		memset(mfn_to_virt(_mfn(mfn_x(m) + i)), 0, PAGE_SIZE);
	pod->stats.zeroed_frames += n;
}

/* Splits the PoD entry of 'order' (2M or 1G) that covers gfn into 512 PoD
 * entries of the next order down. The split needs one p2m table; when the
 * frame allocator has none, cached 4K frames are given back to it for the
 * table (a populate must succeed while anything is cached), at most one
 * per level. Returns 0 or -SH_ENOMEM (entry unchanged). */
static int split_entry(struct pod *pod, struct p2m *p2m, u64 gfn,
		       unsigned int order)
{
	unsigned int small = order - 9;
	u64 base = gfn & ~((1ULL << small) - 1);
	int rc, tries;

	for (tries = 0;; tries++) {
		mfn_t m;

		rc = p2m_set_entry(p2m, _gfn(base), INVALID_MFN, small,
				   p2m_pod);
		if (rc != -SH_ENOMEM || tries == 3)
			break;
		m = pod_cache_take(pod, POD_4K);
		if (mfn_eq(m, INVALID_MFN))
			break;
		pod->backing--;
		pod->stats.donated++;
		free_frames(m, 0);
	}
	POD_BUG_ON_LOCKED(rc && rc != -SH_ENOMEM, pod);
	if (!rc)
		pod->stats.splits++;
	return rc;
}

/* Maps block m (from the cache) for the PoD entry of 'order' at base. */
static void map_block(struct pod *pod, struct p2m *p2m, u64 base, mfn_t m,
		      unsigned int order)
{
	u64 n = 1ULL << order;
	int rc;

	zero_block(pod, m, order);
	buddy_frame(&machine_frames, m)->user = POD_USER_GUEST;
	/* Same order as the PoD entry it replaces: no table, cannot fail.
	 * Non-present to present: nothing to flush. */
	rc = p2m_set_entry(p2m, _gfn(base), m, order, p2m_ram_rw);
	POD_BUG_ON_LOCKED(rc, pod);
	pod->outstanding -= n;
	pod->populated += n;
	pod->stats.populates[order / 9]++;
	if (order != P2M_ORDER_1G)
		pod_ring_push(pod, base, order);
}

/* pod_populate with pod->lock held. Each turn of the loop either maps the
 * entry, splits it (at most twice), sweeps (at most once: when no block of
 * the entry's order or above is cached, which is when the cache "runs
 * low" for this entry) or gives up. The entry is looked up again every
 * turn: a sweep or another CPU may have changed it. */
static int populate_locked(struct pod *pod, struct p2m *p2m, gfn_t gfn,
			   mfn_t *out_mfn)
{
	bool swept = false;

	for (;;) {
		struct p2m_entry e = p2m_get_entry(p2m, gfn);
		unsigned int list = e.order / 9;
		u64 base = gfn_x(gfn) & ~((1ULL << e.order) - 1);
		mfn_t m;
		int rc;

		if (e.type == p2m_ram_rw || e.type == p2m_ram_ro) {
			*out_mfn = e.mfn;
			return 0;
		}
		if (e.type != p2m_pod)
			return -SH_EINVAL;
		if (!swept && !cache_can_give(pod, list)) {
			pod_sweep_locked(pod, p2m,
					 MAX(1ULL << e.order,
					     (u64)POD_SWEEP_WANT_FRAMES));
			swept = true;
			continue;
		}
		m = pod_cache_take(pod, list);
		if (!mfn_eq(m, INVALID_MFN)) {
			map_block(pod, p2m, base, m, e.order);
			*out_mfn = _mfn(mfn_x(m) + (gfn_x(gfn) - base));
			return 0;
		}
		if (!pod->cache_frames) {
			pod->stats.exhausted++;
			return -SH_ENOMEM;
		}
		/* Something is cached but nothing of this order or above:
		 * there is always a 4K block, so the entry is 2M or 1G. */
		POD_BUG_ON_LOCKED(list == POD_4K, pod);
		rc = split_entry(pod, p2m, gfn_x(gfn), e.order);
		if (rc) {
			pod->stats.exhausted++;
			return rc;
		}
	}
}

/* See shale/pod.h. */
int pod_populate(struct pod *pod, struct p2m *p2m, gfn_t gfn, mfn_t *out_mfn)
{
	int rc;

	spin_lock(&pod->lock);
	rc = populate_locked(pod, p2m, gfn, out_mfn);
	spin_unlock(&pod->lock);
	return rc;
}

/* See shale/pod.h. */
int pod_access_begin(struct pod *pod, struct p2m *p2m, gfn_t gfn,
		     struct p2m_entry *e)
{
	spin_lock(&pod->lock);
	*e = p2m_get_entry(p2m, gfn);
	if (e->type == p2m_pod) {
		mfn_t m;
		int rc = populate_locked(pod, p2m, gfn, &m);

		if (rc) {
			spin_unlock(&pod->lock);
			return rc;
		}
		*e = p2m_get_entry(p2m, gfn);
	}
	return 0;
}

void pod_access_end(struct pod *pod)
{
	spin_unlock(&pod->lock);
}

/* ------------------------------------------------------- fini and info */

/* p2m_for_each callback of pod_fini: frees a block pod_populate mapped.
 * Runs with the p2m lock held; takes only the frame allocator's. */
static int free_guest_block(gfn_t gfn, mfn_t mfn, unsigned int order,
			    enum p2m_type t, void *arg)
{
	struct frame_info *fi = buddy_frame(&machine_frames, mfn);
	struct pod *pod = arg;
	u64 n = 1ULL << order;

	if (!fi || fi->user != POD_USER_GUEST)
		return 0;
	BUG_ON(fi->state != FRAME_USED_HEAD || fi->order != order);
	BUG_ON(pod->populated < n);
	pod->populated -= n;
	pod->backing -= n;
	free_frames(mfn, order);
	return 0;
}

/* See shale/pod.h. */
void pod_fini(struct pod *pod, struct p2m *p2m)
{
	unsigned int list;

	spin_lock(&pod->lock);
	for (list = 0; list < POD_NR_LISTS; list++)
		while (pod->count[list]) {
			free_frames(cache_pop(pod, list),
				    pod_list_order(list));
			pod->backing -= pod_list_frames(list);
		}
	p2m_for_each(p2m, free_guest_block, pod);
	POD_BUG_ON_LOCKED(pod->populated || pod->backing, pod);
	pod->outstanding = 0;
	pod->target = 0;
	pod->ring_len = 0;
	spin_unlock(&pod->lock);
}

void pod_get_info(struct pod *pod, struct pod_info *out)
{
	spin_lock(&pod->lock);
	for (unsigned int i = 0; i < POD_NR_LISTS; i++)
		out->cache_blocks[i] = pod->count[i];
	out->cache_frames = pod->cache_frames;
	out->populated = pod->populated;
	out->backing = pod->backing;
	out->outstanding = pod->outstanding;
	out->target = pod->target;
	out->stats = pod->stats;
	spin_unlock(&pod->lock);
}
