/* SPDX-License-Identifier: MIT */
/*
 * What pod.c, pod_sweep.c and pod_audit.c share and nothing else may call:
 * the cache lists and the locked halves of the sweep and the trim.
 * Runs: host root mode and host unit tests.
 *
 * Every function here needs pod->lock held.
 */
#ifndef SHALE_PAGING_POD_INTERNAL_H
#define SHALE_PAGING_POD_INTERNAL_H

#include <shale/bug.h>
#include <shale/frames.h>
#include <shale/pod.h>

/* As BUG_ON, with pod->lock dropped first (see buddy.c). */
#define POD_BUG_ON_LOCKED(cond, pod)                                           \
	do {                                                                   \
		if (unlikely(cond)) {                                          \
			spin_unlock(&(pod)->lock);                             \
			bug_fail(__FILE__, __LINE__, #cond);                   \
		}                                                              \
	} while (0)

static inline u64 pod_list_frames(unsigned int list)
{
	return 1ULL << pod_list_order(list);
}

/* The next block after m on its free list (INVALID_MFN ends it). */
static inline mfn_t pod_cache_next(mfn_t m)
{
	return _mfn(*(u64 *)mfn_to_virt(m));
}

/* Puts the allocated block m of the list's order on that list, tagged
 * POD_USER_CACHE. The caller has already counted it in pod->backing. */
void pod_cache_push(struct pod *pod, mfn_t m, unsigned int list);

/* Takes a block of the list's order off the cache, breaking one bigger
 * cached block as far down as needed when that list is empty. Returns
 * INVALID_MFN when no list of that order or above holds anything. The
 * block stays counted in pod->backing; its contents are undefined. */
mfn_t pod_cache_take(struct pod *pod, unsigned int list);

/* Frees cached blocks until the cache is at most max_frames: 1 GiB blocks
 * first, then 2 MiB, then 4 KiB (see pod_set_target). */
void pod_cache_shrink(struct pod *pod, u64 max_frames);

/* The cache the target allows: min(target - populated, outstanding). */
u64 pod_cache_goal(const struct pod *pod);

/* Remembers a populated 2M or 4K entry for the sweep. */
void pod_ring_push(struct pod *pod, u64 gfn, unsigned int order);

/* pod_sweep without the lock and without the trim to the target. */
u64 pod_sweep_locked(struct pod *pod, struct p2m *p2m, u64 want_frames);

#endif /* SHALE_PAGING_POD_INTERNAL_H */
