/* SPDX-License-Identifier: MIT */
/*
 * Write protection of guest page tables: a guest frame with a page-table
 * shadow is mapped read-only by every shadow leaf, so the guest's writes
 * to it fault and are emulated (shadow_emul.c); this file removes write
 * access when a frame becomes a page table (the remembered last writable
 * mapping first, a scan of every shadow L1 when writable mappings remain),
 * drops the shadow entries an emulated write made stale, and unshadows
 * frames the guest keeps writing as data.
 * Runs: host root mode and host unit tests. Callers hold sh->lock.
 */
#include <shale/frames.h>

#include "shadow_private.h"

bool sh_gfn_is_pt(struct shadow_domain *sh, u64 gfn)
{
	unsigned int h = (unsigned int)((gfn * 0x9e3779b97f4a7c15ULL) >> 54) &
			 (SH_HASH - 1);

	for (struct sh_page *sp = sh->hash[h]; sp; sp = sp->hnext)
		if (!sp->zombie && sp->gfn == gfn && sh_type_is_pt(sp->type))
			return true;
	return false;
}

void sh_hint_writable(struct shadow_domain *sh, u64 gfn, struct sh_page *sp,
		      unsigned int idx)
{
	struct sh_hint *h = &sh->hints[gfn % SH_HINTS];

	h->gfn = gfn;
	h->sp = sp;
	h->idx = (u16)idx;
}

void sh_hints_forget(struct shadow_domain *sh, struct sh_page *sp)
{
	if (sp->level != 1)
		return;
	for (unsigned int i = 0; i < SH_HINTS; i++)
		if (sh->hints[i].sp == sp)
			sh->hints[i].sp = NULL;
}

/* Clears RW in entry idx of leaf shadow sp if it maps machine frame m
 * writable. Returns true if it did. */
static bool sh_wp_entry(struct shadow_domain *sh, struct sh_page *sp,
			unsigned int idx, mfn_t m)
{
	u64 e = sh_table(sp)[idx];

	if (!(e & SH_P) || !(e & SH_RW) ||
	    (e & SH_ADDR) != (mfn_x(m) << PAGE_SHIFT))
		return false;
	sh_set_entry(sh, sp, idx, e & ~SH_RW, NULL);
	return true;
}

void sh_remove_write_access(struct shadow_domain *sh, u64 gfn, mfn_t m)
{
	struct sh_hint *h = &sh->hints[gfn % SH_HINTS];
	bool any = false;

	if (sh_wcount(sh, m) == 0)
		return;
	/* The guest kernel's direct map usually holds the one writable
	 * mapping, and it is where the last writable entry was installed. */
	if (h->sp && h->gfn == gfn && !h->sp->zombie)
		any = sh_wp_entry(sh, h->sp, h->idx, m);
	if (any && sh_wcount(sh, m) == 0) {
		sh->stats->wp_heuristic++;
		sh->need_flush = true;
		return;
	}
	for (struct sh_page *sp = sh->all; sp; sp = sp->next) {
		if (sp->zombie || sp->level != 1)
			continue;
		for (unsigned int i = 0; i < SH_ENTRIES; i++)
			sh_wp_entry(sh, sp, i, m);
	}
	sh->stats->wp_brute++;
	sh->need_flush = true;
}

/* Drops entry idx of sp if present. */
static void sh_zap(struct shadow_domain *sh, struct sh_page *sp,
		   unsigned int idx)
{
	if (idx < SH_ENTRIES && sh_table(sp)[idx])
		sh_set_entry(sh, sp, idx, 0, NULL);
}

/* Brings the entries of sp made from guest entry gi of its frame up to
 * date: a guest-L1 shadow takes the new entry, others drop theirs (the
 * next access through it faults and propagates). */
static void sh_zap_guest_entry(struct shadow_domain *sh, struct sh_page *sp,
			       unsigned int gi)
{
	switch (sp->type) {
	case SH_L1_32:
		if ((gi >> 9) == sp->sub)
			sh_l1_refresh(sh, sp, gi & 511);
		break;
	case SH_L1:
		if (gi < SH_ENTRIES)
			sh_l1_refresh(sh, sp, gi);
		break;
	case SH_L2_32:
		if ((gi >> 8) == sp->sub) {
			sh_zap(sh, sp, 2 * (gi & 255));
			sh_zap(sh, sp, 2 * (gi & 255) + 1);
		}
		break;
	default:
		if (!sh_vmi_entry(sh, sp, gi))
			sh_zap(sh, sp, gi);
		break;
	}
}

void sh_resync_write(struct shadow_domain *sh, u64 gfn, unsigned int off,
		     unsigned int len)
{
	unsigned int h = (unsigned int)((gfn * 0x9e3779b97f4a7c15ULL) >> 54) &
			 (SH_HASH - 1);
	bool unshadow = false;

	if (!len)
		return;
	for (struct sh_page *sp = sh->hash[h]; sp; sp = sp->hnext) {
		unsigned int esize, first, last;

		if (sp->zombie || sp->gfn != gfn || !sh_type_is_pt(sp->type))
			continue;
		esize = (sp->type == SH_L1_32 || sp->type == SH_L2_32) ? 4 : 8;
		first = off / esize;
		last = (off + len - 1) / esize;
		for (unsigned int gi = first; gi <= last; gi++)
			sh_zap_guest_entry(sh, sp, gi);
		/* A PV guest's reported updates are page-table writes. */
		if (++sp->emul_writes >= SH_UNSHADOW_WRITES && !sp->pins &&
		    !sh->pv)
			unshadow = true;
	}
	/* Written as data again and again: no longer a page table. */
	if (unshadow)
		sh_unshadow_gfn(sh, gfn);
}

bool sh_unshadow_gfn(struct shadow_domain *sh, u64 gfn)
{
	unsigned int h = (unsigned int)((gfn * 0x9e3779b97f4a7c15ULL) >> 54) &
			 (SH_HASH - 1);
	bool any = false, left = false;

	for (struct sh_page *sp = sh->hash[h]; sp; sp = sp->hnext) {
		if (sp->zombie || sp->gfn != gfn || !sh_type_is_pt(sp->type))
			continue;
		if (sp->pins) {
			left = true;
			continue;
		}
		sh_unlink_all(sh, sp);
		any = true;
	}
	if (any)
		sh->stats->unshadows++;
	return any && !left;
}
