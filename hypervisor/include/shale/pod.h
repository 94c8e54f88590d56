/* SPDX-License-Identifier: MIT */
/*
 * Populate-on-demand: a domain's guest RAM beyond what is backed is mapped
 * by p2m_pod entries and filled on first touch from a per-domain cache of
 * machine blocks kept on three free lists (1 GiB, 2 MiB, 4 KiB).
 * Runs: host root mode and host unit tests (against a fake arena).
 *
 * Accounting, in 4 KiB frames (pod_audit checks all of it):
 *
 *   backing     = cache + populated       frames this pod holds from the
 *                                         frame allocator
 *   outstanding = p2m->frames[p2m_pod]    frames under PoD entries
 *   cache      <= outstanding             the cache never holds more than
 *                                         the PoD entries could ever use
 *   target                                backing asked for by
 *                                         pod_set_target; the cache is
 *                                         filled to min(target - populated,
 *                                         outstanding), as Xen does
 *
 * "populated" counts only blocks pod_populate mapped (tagged
 * POD_USER_GUEST in their frame_info): RAM a domain got any other way is
 * never swept, counted or freed here.
 *
 * Every block on a list, and every populated block, is one allocated block
 * of the frame allocator of exactly its order (a broken 1 GiB block is
 * buddy_split into 512 blocks of 2 MiB), so each can be freed on its own.
 * Free lists are linked through the cached frames themselves: the first
 * eight bytes of each block (through mfn_to_virt) hold the next block's
 * mfn. Cached memory holds nothing else, and is zeroed when populated.
 *
 * Only pod_* functions may create, change or remove p2m_pod entries or the
 * RAM entries pod_populate made; anyone else doing so breaks the
 * accounting above.
 *
 * Taking memory back (the sweep) is safe against every user of it:
 *   - NPT walks the p2m itself; the entry turns PoD and the flush hook
 *     flushes the domain's ASIDs before the frame is re-checked and cached.
 *   - Shadow entries: the flush hook takes the shadow lock, removes every
 *     shadow entry mapping the old machine frames and flushes the domain's
 *     TLBs (shadow_drop_gfns). The shadow code looks a gfn up and installs
 *     its entry under the shadow lock, so a sweep cannot run between the
 *     lookup and the install: the hook waits for the lock and then removes
 *     what was installed. It populates (pod_populate) with the shadow
 *     lock dropped.
 *   - Shale's own accesses on the guest's behalf: the same bracket.
 *   A frame Shale keeps mapped beyond one bracketed access must not be
 *   PoD-populated RAM (or must never be all zero).
 *
 * Locking: pod->lock guards everything in struct pod; every function here
 * takes it, and takes p2m->lock (through the p2m functions) and the frame
 * allocator's lock inside it (shale/lock-order.h). The flush hook runs
 * with pod->lock held, so any lock it takes (the shadow lock) comes after
 * pod->lock in the lock order.
 */
#ifndef SHALE_POD_H
#define SHALE_POD_H

#include <shale/p2m.h>
#include <shale/spinlock.h>
#include <shale/types.h>

/* The three cache lists, indexed by order / 9. */
enum pod_list { POD_4K = 0, POD_2M, POD_1G, POD_NR_LISTS };

static inline unsigned int pod_list_order(unsigned int list)
{
	return 9 * list;
}

/* frame_info.user of a PoD block: 'D' in the high byte; a block on a
 * cache list, or one mapped in the guest by pod_populate. */
#define POD_USER_CACHE 0x4401
#define POD_USER_GUEST 0x4402

/* Recently populated 2M/4K entries the sweep checks first. */
#define POD_RING_SIZE 64

/* Bounds of one sweep (see pod_sweep): 4 KiB pages read, counting both the
 * check and the re-check after a flush, and p2m lookups made by the scan
 * that follows the ring. */
#define POD_SWEEP_BUDGET_PAGES 4096
#define POD_SWEEP_MAX_LOOKUPS 1024
/* What pod_populate's emergency sweep tries to reclaim at least. */
#define POD_SWEEP_WANT_FRAMES 512

struct pod_stats {
	u64 populates[POD_NR_LISTS]; /* entries filled by pod_populate */
	u64 splits;                  /* PoD entries split to retry smaller */
	u64 breaks_1g;               /* cached 1G blocks broken into 512x2M */
	u64 breaks_2m;               /* cached 2M blocks broken into 512x4K */
	u64 sweeps;                  /* sweep passes (pod_sweep, emergency) */
	u64 reclaimed[POD_NR_LISTS]; /* zero pages the sweep took back (1G
				      * pages are never swept) */
	u64 sweep_restored;          /* zero at first check, written by the
				      * guest before the flush: mapped again */
	u64 allocs[POD_NR_LISTS];    /* blocks taken from the frame allocator */
	u64 frees[POD_NR_LISTS];     /* blocks given back to it */
	u64 donated;                 /* cached frames given back so that a
				      * split could get its p2m table */
	u64 zeroed_frames;           /* frames zeroed for the guest */
	u64 exhausted;               /* populates refused: nothing left */
};

/* Makes the old translation of [gfn, gfn + 2^order), which mapped machine
 * frames [mfn, mfn + 2^order), unusable on every CPU running the domain
 * before it returns: NPT, flush the domain's ASIDs; shadow paging, remove
 * every shadow entry that maps those frames and flush. Called with
 * pod->lock held, after the p2m entry has become PoD and before the frames
 * are re-checked and cached. */
typedef void (*pod_flush_fn)(void *arg, gfn_t gfn, mfn_t mfn,
			     unsigned int order);

struct pod_recent {
	u64 gfn;            /* first gfn of the entry */
	unsigned int order; /* P2M_ORDER_4K or P2M_ORDER_2M */
};

struct pod {
	spinlock_t lock;
	mfn_t head[POD_NR_LISTS];    /* top of each free list, or INVALID_MFN */
	u64 count[POD_NR_LISTS];     /* blocks on each list */
	u64 cache_frames;            /* frames on all lists */
	u64 populated;               /* frames of POD_USER_GUEST blocks mapped */
	u64 backing;                 /* frames held from the frame allocator */
	u64 outstanding;             /* frames under p2m_pod entries */
	u64 target;                  /* last pod_set_target */
	u64 end_gfn;                 /* above every gfn ever marked */
	u64 scan_gfn;                /* where the sweep's scan goes on */
	struct pod_recent ring[POD_RING_SIZE]; /* oldest at ring_next -
						* ring_len */
	unsigned int ring_next, ring_len;
	pod_flush_fn flush;          /* NULL: nothing to flush (tests) */
	void *flush_arg;
	struct pod_stats stats;
};

/* A consistent copy of a pod's counters, for the domain's stats line. */
struct pod_info {
	u64 cache_blocks[POD_NR_LISTS];
	u64 cache_frames, populated, backing, outstanding, target;
	struct pod_stats stats;
};

/* Sets up an empty pod: no cache, nothing outstanding, target 0. 'flush'
 * (may be NULL) is called whenever a mapping of guest RAM is taken away. */
void pod_init(struct pod *pod, pod_flush_fn flush, void *flush_arg);

/* Gives every cached block and every block pod_populate mapped back to the
 * frame allocator. Call with no vCPU of the domain running and before
 * p2m_fini: the p2m still maps the freed frames afterwards. */
void pod_fini(struct pod *pod, struct p2m *p2m);

/* Sets the target (frames of backing, cache + populated) and moves the
 * cache toward min(target - populated, outstanding): growing allocates
 * 1 GiB blocks first, then 2 MiB, then 4 KiB; shrinking frees 1 GiB blocks
 * first, then 2 MiB, then 4 KiB, breaking a bigger cached block when a
 * remainder needs it. Populated memory is never taken away here. Returns 0,
 * or -SH_ENOMEM when the frame allocator ran out while growing: what was
 * allocated stays in the cache (pod_get_info says how far it got). */
int pod_set_target(struct pod *pod, struct p2m *p2m, u64 target_frames);

/* Maps [gfn, gfn + nr) as p2m_pod with 1 GiB entries where alignment
 * allows, else 2 MiB, else 4 KiB, and counts them outstanding. The range
 * must be unmapped (p2m_invalid). Returns 0; -SH_EINVAL for a range that
 * is out of the p2m or partly mapped (nothing changed); -SH_ENOMEM when a
 * p2m table could not be allocated (no entry changed; empty tables made on
 * the way may remain, as after clearing a range). */
int pod_mark_range(struct pod *pod, struct p2m *p2m, gfn_t gfn, u64 nr);

/* Backs the PoD entry that covers gfn, on the first touch of it (nested
 * fault; shadow faults and Shale's own accesses use pod_access_begin): a
 * zeroed block of the entry's order from the cache, breaking a bigger
 * cached block when that list is empty; when no block of that order or
 * bigger is cached, a sweep runs first (once), and if there is still none
 * the entry is split and the populate retried a size smaller, so it
 * succeeds while anything at all is cached. Sets *out_mfn to the machine
 * frame of gfn itself. Returns 0 (also when gfn was populated meanwhile:
 * RAM, nothing to do), -SH_EINVAL when gfn is neither PoD nor RAM, or
 * -SH_ENOMEM when nothing is cached and nothing could be reclaimed (or, the
 * host being out of memory too, no p2m table for a split): the guest used
 * up its allocation; crash it, naming PoD exhaustion. */
int pod_populate(struct pod *pod, struct p2m *p2m, gfn_t gfn, mfn_t *out_mfn);

/* Brackets one short access by Shale to guest frame gfn (an emulated
 * access, a ROM queue drain, installing a shadow entry for it): with
 * pod->lock held no sweep can take the frame away in the middle. A PoD gfn
 * is populated first. Returns 0 with pod->lock held and *e the entry as it
 * is now (any type: the caller checks it, reaches RAM through
 * mfn_to_virt(e->mfn), then calls pod_access_end); or -SH_ENOMEM, lock not
 * held, when the gfn is PoD and could not be populated (as pod_populate).
 * Nothing between the two may sleep, take a lock above pod->lock or call
 * another pod_* function. */
int pod_access_begin(struct pod *pod, struct p2m *p2m, gfn_t gfn,
		     struct p2m_entry *e);
void pod_access_end(struct pod *pod);

/* Takes zeroed guest pages back into the cache (their entries become PoD
 * again) until want_frames are reclaimed or a bound is reached: first the
 * ring of recently populated entries, oldest first, then a scan of the
 * marked gfn space [0, end_gfn) from where the last scan stopped, at most
 * once round. Only blocks pod_populate mapped are candidates: 2 MiB
 * entries whose 512 pages are all zero, 4 KiB entries whose page is; 1 GiB
 * entries never. Bound per call: no check starts once
 * POD_SWEEP_BUDGET_PAGES pages have been read (a check and its re-check
 * read at most 1024), so at most POD_SWEEP_BUDGET_PAGES + 1023 pages; at
 * most POD_RING_SIZE + POD_SWEEP_MAX_LOOKUPS p2m lookups; and two p2m
 * changes and one flush per page taken or mapped back. Then frees cached
 * frames beyond the target (pod_populate's own sweep keeps them for the
 * guest). Returns the frames reclaimed. */
u64 pod_sweep(struct pod *pod, struct p2m *p2m, u64 want_frames);

/* Checks the accounting at the top of this file against the free lists,
 * the frame allocator's tags and a p2m walk (after p2m_audit). Returns 0,
 * or -SH_EINVAL after printing the first violation. */
int pod_audit(struct pod *pod, struct p2m *p2m);

/* Copies the counters, consistently. */
void pod_get_info(struct pod *pod, struct pod_info *out);

#endif /* SHALE_POD_H */
