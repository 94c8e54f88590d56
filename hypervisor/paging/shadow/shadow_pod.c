/* SPDX-License-Identifier: MIT */
/*
 * Shadow paging's side of populate-on-demand: when the zero-page sweep
 * takes guest frames back, every shadow entry that maps their machine
 * frames goes before the frames can be reused (shadow_drop_gfns, the PoD
 * flush hook); when a fault populates a PoD entry, the splintered-superpage
 * shadows (FL1) that cover it are filled at once, so that touching a newly
 * backed 2 MiB does not fault once per 4 KiB.
 * Runs: host root mode and host unit tests (against the fake arena).
 *
 * Why holding sh->lock is enough against the sweep: the sweep turns the
 * p2m entry into PoD first and then calls the hook, which takes sh->lock.
 * Whoever looked the entry up under sh->lock and installed a shadow entry
 * from it is done before the hook runs, and the hook removes what it
 * installed; whoever looks it up later sees PoD. So a PoD gfn is never
 * mapped by a shadow (sh_leaf_entry gives 0 for it), and the shadow code
 * populates only with sh->lock dropped (lock order: pod->lock, then
 * sh->lock, in shale/lock-order.h).
 */
#include <shale/domain.h>
#include <shale/frames.h>
#include <shale/shadow.h>

#include "shadow_private.h"

/* Clears every present entry of leaf shadow sp that maps a machine frame
 * in [first, first + n). */
static void sh_pod_drop_leaves(struct shadow_domain *sh, struct sh_page *sp,
			       u64 first, u64 n)
{
	const u64 *t = sh_table(sp);

	for (unsigned int i = 0; i < SH_ENTRIES; i++) {
		u64 e = t[i];

		if ((e & SH_P) && ((e & SH_ADDR) >> PAGE_SHIFT) - first < n)
			sh_set_entry(sh, sp, i, 0, NULL);
	}
}

/* The locked half of shadow_drop_gfns, without the flush: leaves mapping
 * [mfn, mfn + 2^order) are cleared in every L1 and FL1 shadow (a brute
 * scan: shadow leaves map machine frames, and nothing indexes them by
 * frame), and the unpinned page-table shadows of [gfn, gfn + 2^order) are
 * unlinked (destroyed with their last reference). Pinned tops stay: they
 * shadow a zero table correctly and follow the guest's writes to it.
 * Sets need_flush. sh->lock held. */
void sh_pod_drop(struct shadow_domain *sh, u64 gfn, mfn_t mfn,
		 unsigned int order)
{
	u64 n = 1ULL << order;

	for (struct sh_page *sp = sh->all; sp; sp = sp->next)
		if (!sp->zombie && sp->level == 1)
			sh_pod_drop_leaves(sh, sp, mfn_x(mfn), n);
	for (struct sh_page *sp = sh->all; sp; sp = sp->next)
		if (!sp->zombie && !sp->pins && sh_type_is_pt(sp->type) &&
		    sp->gfn - gfn < n)
			sh_unlink_all(sh, sp);
	/* Always: the guest may have dropped its own mapping of the frame
	 * without INVLPG, and a stale TLB entry must not outlive the frame. */
	sh->need_flush = true;
}

/* See shale/shadow.h. */
void shadow_drop_gfns(struct domain *d, gfn_t gfn, mfn_t mfn,
		      unsigned int order)
{
	struct shadow_domain *sh = d->shadow;

	spin_lock(&sh->lock);
	sh_pod_drop(sh, gfn_x(gfn), mfn, order);
	sh_commit(sh);
	spin_unlock(&sh->lock);
}

/* Fills the empty entries [first, first + nr) of the FL1 shadow of the
 * 2 MiB region at base (if there is one) from the p2m, as sh_get fills a
 * new FL1. */
static void sh_pod_fill_fl1(struct shadow_domain *sh, u64 base,
			    unsigned int first, unsigned int nr)
{
	struct sh_page *sp = sh_lookup(sh, base, SH_FL1, 0, 0, 0);

	if (!sp)
		return;
	for (unsigned int i = first; i < first + nr; i++) {
		u64 e;

		if (sh_table(sp)[i])
			continue;
		e = sh_leaf_entry(sh, base + i, SH_RW | SH_US);
		if (!e)
			continue;
		sh_set_entry(sh, sp, i, e, NULL);
		if (e & SH_RW)
			sh_hint_writable(sh, base + i, sp, i);
	}
}

/* After a populate made the p2m entry of 'order' (4K, 2M or 1G) that
 * covers gfn RAM: the FL1 shadows over it get their empty entries filled
 * (guest-L1 shadows are left to fault: their rights come from the guest's
 * PTEs). sh->lock held. */
void sh_pod_refill(struct shadow_domain *sh, u64 gfn, unsigned int order)
{
	u64 base = gfn & ~((1ULL << order) - 1);

	if (order < 9) {
		sh_pod_fill_fl1(sh, gfn & ~511ULL, (unsigned int)(gfn & 511), 1);
		return;
	}
	for (u64 k = 0; k < (1ULL << (order - 9)); k++)
		sh_pod_fill_fl1(sh, base + k * SH_ENTRIES, 0, SH_ENTRIES);
}
