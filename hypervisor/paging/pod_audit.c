/* SPDX-License-Identifier: MIT */
/*
 * The populate-on-demand self-check (pod_audit in shale/pod.h): the free
 * lists against their counts and the frame allocator's tags, the populated
 * blocks against a p2m walk, and the accounting identities in shale/pod.h.
 * Runs: host root mode (debug checks) and host unit tests.
 */
#include <shale/errno.h>
#include <shale/frames.h>
#include <shale/pod.h>
#include <shale/printk.h>

#include "pod_internal.h"

static int audit_fail(const char *why, u64 have, u64 want)
{
	printk("pod audit: %s (0x%llx, expected 0x%llx)\n", why,
	       (unsigned long long)have, (unsigned long long)want);
	return -SH_EINVAL;
}

/* Walks one free list: each block an allocated frame-allocator block of
 * the list's order tagged as cached, as many as counted (a cycle ends the
 * walk at count + 1). Adds the frames to *frames. */
static int audit_list(const struct pod *pod, unsigned int list, u64 *frames)
{
	mfn_t m = pod->count[list] ? pod->head[list] : INVALID_MFN;
	u64 n = 0;

	while (!mfn_eq(m, INVALID_MFN)) {
		struct frame_info *fi = buddy_frame(&machine_frames, m);

		if (++n > pod->count[list])
			return audit_fail("free list longer than its count",
					  n, pod->count[list]);
		if (!fi)
			return audit_fail("cached block outside machine memory",
					  mfn_x(m), 0);
		if (fi->state != FRAME_USED_HEAD ||
		    fi->order != pod_list_order(list))
			return audit_fail("cached block is not one allocated "
					  "block of its list's order",
					  mfn_x(m), pod_list_order(list));
		if (fi->user != POD_USER_CACHE)
			return audit_fail("cached block not tagged as cached",
					  fi->user, POD_USER_CACHE);
		m = pod_cache_next(m);
	}
	if (n != pod->count[list])
		return audit_fail("free list shorter than its count", n,
				  pod->count[list]);
	*frames += n << pod_list_order(list);
	return 0;
}

struct guest_recount {
	u64 frames;       /* of POD_USER_GUEST blocks mapped */
	const char *why;  /* first violation, or NULL */
	u64 gfn;
};

/* p2m_for_each callback: counts the blocks pod_populate mapped, each of
 * which must be exactly one allocated block of its entry's order. */
static int recount_guest(gfn_t gfn, mfn_t mfn, unsigned int order,
			 enum p2m_type t, void *arg)
{
	struct frame_info *fi = buddy_frame(&machine_frames, mfn);
	struct guest_recount *rc = arg;

	if (!fi || (fi->user != POD_USER_GUEST && fi->user != POD_USER_CACHE))
		return 0;
	rc->gfn = gfn_x(gfn);
	if (fi->user == POD_USER_CACHE)
		rc->why = "a cached block is mapped in the guest";
	else if (t != p2m_ram_rw)
		rc->why = "a populated block is not mapped ram_rw";
	else if (fi->state != FRAME_USED_HEAD || fi->order != order)
		rc->why = "a populated block is not one allocated block of "
			  "its entry's order";
	if (rc->why)
		return 1;
	rc->frames += 1ULL << order;
	return 0;
}

/* See shale/pod.h. */
int pod_audit(struct pod *pod, struct p2m *p2m)
{
	struct guest_recount guest = { 0, NULL, 0 };
	u64 cached = 0, pod_frames;
	unsigned int list;
	int err;

	spin_lock(&pod->lock);
	err = p2m_audit(p2m);
	for (list = 0; !err && list < POD_NR_LISTS; list++)
		err = audit_list(pod, list, &cached);
	if (err)
		goto out;
	if (cached != pod->cache_frames) {
		err = audit_fail("cache_frames disagrees with the free lists",
				 pod->cache_frames, cached);
		goto out;
	}
	if (p2m_for_each(p2m, recount_guest, &guest)) {
		err = audit_fail(guest.why, guest.gfn, 0);
		goto out;
	}
	if (guest.frames != pod->populated) {
		err = audit_fail("populated disagrees with the p2m",
				 pod->populated, guest.frames);
		goto out;
	}
	if (pod->cache_frames + pod->populated != pod->backing) {
		err = audit_fail("cache + populated is not the backing",
				 pod->cache_frames + pod->populated,
				 pod->backing);
		goto out;
	}
	spin_lock(&p2m->lock);
	pod_frames = p2m->frames[p2m_pod];
	spin_unlock(&p2m->lock);
	if (pod->outstanding != pod_frames) {
		err = audit_fail("outstanding disagrees with the p2m's PoD "
				 "frames",
				 pod->outstanding, pod_frames);
		goto out;
	}
	if (pod->cache_frames > pod->outstanding) {
		err = audit_fail("cache larger than outstanding entries can use",
				 pod->cache_frames, pod->outstanding);
		goto out;
	}
	if (pod->ring_len > POD_RING_SIZE || pod->ring_next >= POD_RING_SIZE)
		err = audit_fail("ring indices out of range", pod->ring_len,
				 pod->ring_next);
out:
	spin_unlock(&pod->lock);
	return err;
}
