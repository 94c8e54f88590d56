/* SPDX-License-Identifier: MIT */
/*
 * The zero-page sweep of populate-on-demand (pod_sweep in shale/pod.h):
 * guest pages pod_populate filled that the guest has zeroed since go back
 * to the cache, and their entries become PoD again.
 * Runs: host root mode and host unit tests (against a fake arena).
 *
 * A page is taken back in three steps, as Xen's p2m_pod_zero_check does:
 * check that it is zero, turn its entry into PoD and flush (no vCPU can
 * write it after that), then check again. A guest write that landed
 * between the first check and the flush shows in the second, and the
 * entry is mapped back unchanged; a vCPU that faulted on the PoD entry in
 * that window waits in pod_populate for pod->lock, finds RAM and retries.
 */
#include <shale/frames.h>
#include <shale/pod.h>

#include "pod_internal.h"

void pod_ring_push(struct pod *pod, u64 gfn, unsigned int order)
{
	pod->ring[pod->ring_next] = (struct pod_recent){ gfn, order };
	pod->ring_next = (pod->ring_next + 1) % POD_RING_SIZE;
	if (pod->ring_len < POD_RING_SIZE)
		pod->ring_len++;
}

/* Takes the oldest entry off the ring; false when it is empty. */
static bool ring_pop(struct pod *pod, struct pod_recent *out)
{
	if (!pod->ring_len)
		return false;
	*out = pod->ring[(pod->ring_next + POD_RING_SIZE - pod->ring_len) %
			 POD_RING_SIZE];
	pod->ring_len--;
	return true;
}

/* True when the 2^order frames from m are all zero. Stops at the first
 * cache line that is not; adds the pages it read to *pages. The guest may
 * be writing meanwhile: the answer is only trusted after the flush. */
static bool frames_zero(mfn_t m, unsigned int order, u64 *pages)
{
	u64 n = 1ULL << order;

	for (u64 i = 0; i < n; i++) {
		const volatile u64 *w = mfn_to_virt(_mfn(mfn_x(m) + i));

		(*pages)++;
		for (unsigned int j = 0; j < PAGE_SIZE / 8; j += 8)
			if (w[j] | w[j + 1] | w[j + 2] | w[j + 3] | w[j + 4] |
			    w[j + 5] | w[j + 6] | w[j + 7])
				return false;
	}
	return true;
}

/* Takes the RAM entry e at base (2M or 4K) back into the cache if it maps
 * a block pod_populate gave and the guest has left it zero. Returns the
 * frames reclaimed (0 or 2^order). */
static u64 reclaim_entry(struct pod *pod, struct p2m *p2m, u64 base,
			 struct p2m_entry e, u64 *pages)
{
	struct frame_info *fi;
	unsigned int list = e.order / 9;
	u64 n = 1ULL << e.order;
	int rc;

	if (e.type != p2m_ram_rw || e.order == P2M_ORDER_1G)
		return 0;
	fi = buddy_frame(&machine_frames, e.mfn);
	if (!fi || fi->user != POD_USER_GUEST ||
	    fi->state != FRAME_USED_HEAD || fi->order != e.order)
		return 0;
	if (!frames_zero(e.mfn, e.order, pages))
		return 0;

	/* Replacing a leaf at its own order: no table, cannot fail. */
	rc = p2m_set_entry(p2m, _gfn(base), INVALID_MFN, e.order, p2m_pod);
	POD_BUG_ON_LOCKED(rc, pod);
	if (pod->flush)
		pod->flush(pod->flush_arg, _gfn(base), e.mfn, e.order);
	if (!frames_zero(e.mfn, e.order, pages)) {
		rc = p2m_set_entry(p2m, _gfn(base), e.mfn, e.order,
				   p2m_ram_rw);
		POD_BUG_ON_LOCKED(rc, pod);
		pod->stats.sweep_restored++;
		return 0;
	}
	pod->populated -= n;
	pod->outstanding += n;
	pod_cache_push(pod, e.mfn, list);
	pod->stats.reclaimed[list]++;
	return n;
}

/* See shale/pod.h for the order and the bounds: the ring costs one lookup
 * per entry, the scan one per step, and no check starts once the page
 * budget is spent. */
u64 pod_sweep_locked(struct pod *pod, struct p2m *p2m, u64 want_frames)
{
	u64 pages = 0, got = 0, scanned = 0;
	unsigned int lookups = 0;
	struct pod_recent r;

	pod->stats.sweeps++;
	while (got < want_frames && pages < POD_SWEEP_BUDGET_PAGES &&
	       ring_pop(pod, &r)) {
		struct p2m_entry e = p2m_get_entry(p2m, _gfn(r.gfn));

		if (e.order == r.order)
			got += reclaim_entry(pod, p2m, r.gfn, e, &pages);
	}
	/* The scan goes round [0, end_gfn) at most once per call. */
	while (got < want_frames && pages < POD_SWEEP_BUDGET_PAGES &&
	       lookups < POD_SWEEP_MAX_LOOKUPS && scanned < pod->end_gfn) {
		u64 g = pod->scan_gfn < pod->end_gfn ? pod->scan_gfn : 0;
		struct p2m_entry e = p2m_get_entry(p2m, _gfn(g));
		u64 next = (g | ((1ULL << e.order) - 1)) + 1;

		lookups++;
		got += reclaim_entry(pod, p2m, g & ~((1ULL << e.order) - 1), e,
				     &pages);
		scanned += next - g;
		pod->scan_gfn = next;
	}
	return got;
}

/* See shale/pod.h. Frames beyond the target go back to the frame
 * allocator here (the emergency sweep in pod_populate keeps them for the
 * guest), so calling this drives a ballooned-down domain to its target. */
u64 pod_sweep(struct pod *pod, struct p2m *p2m, u64 want_frames)
{
	u64 got;

	spin_lock(&pod->lock);
	got = pod_sweep_locked(pod, p2m, want_frames);
	pod_cache_shrink(pod, pod_cache_goal(pod));
	spin_unlock(&pod->lock);
	return got;
}
