/* SPDX-License-Identifier: MIT */
/*
 * The shadow pool: a per-domain budget of shadow pages taken from the frame
 * allocator, a hash of shadows by (guest frame, type, sub, variant,
 * owner) and one by machine frame, reference counts from parent entries,
 * pins for vCPUs' tops, and recycling of the least recently used shadows
 * when the budget is reached. Freed shadows become zombies until the
 * domain's TLBs are flushed.
 * Runs: host root mode and host unit tests (against the fake arena).
 */
#include <shale/bug.h>
#include <shale/errno.h>
#include <shale/frames.h>
#include <shale/string.h>
#include <shale/xmalloc.h>

#include "shadow_private.h"

static unsigned int hash_of(u64 key)
{
	return (unsigned int)((key * 0x9e3779b97f4a7c15ULL) >> 54) & (SH_HASH - 1);
}

int sh_pool_init(struct shadow_domain *sh, struct domain *d, u64 budget,
		 unsigned int nr_vcpus)
{
	u64 bytes;

	spin_lock_init(&sh->lock);
	sh->d = d;
	sh->stats = &d->shadow_stats;
	sh->budget = budget;
	sh->nr_vcpus = nr_vcpus;
	sh->stats->pool_pages = budget;
	/* One u16 per machine frame the allocator covers. */
	sh->wbase = machine_frames.base;
	sh->wnr = machine_frames.nr_frames;
	bytes = sh->wnr * sizeof(u16);
	for (sh->wcount_order = 0; (PAGE_SIZE << sh->wcount_order) < bytes;)
		sh->wcount_order++;
	{
		mfn_t m = alloc_frames_zeroed(sh->wcount_order);

		if (mfn_eq(m, INVALID_MFN))
			return -SH_ENOMEM;
		sh->wcount = mfn_to_virt(m);
	}
	return 0;
}

/* Frees a zombie's frame and descriptor (after the flush). */
static void sh_free(struct shadow_domain *sh, struct sh_page *sp)
{
	free_frames(sp->mfn, 0);
	xfree(sp);
	sh->in_use--;
	sh->stats->pages_in_use = sh->in_use;
}

/* Unhooks and frees every zombie. */
static void sh_reap(struct shadow_domain *sh)
{
	struct sh_page **pp;

	for (unsigned int b = 0; b < SH_HASH; b++) {
		for (pp = &sh->hash[b]; *pp;) {
			if ((*pp)->zombie)
				*pp = (*pp)->hnext;
			else
				pp = &(*pp)->hnext;
		}
		for (pp = &sh->mhash[b]; *pp;) {
			if ((*pp)->zombie)
				*pp = (*pp)->mnext;
			else
				pp = &(*pp)->mnext;
		}
	}
	for (pp = &sh->all; *pp;) {
		struct sh_page *sp = *pp;

		if (sp->zombie) {
			*pp = sp->next;
			sh_free(sh, sp);
		} else {
			pp = &sp->next;
		}
	}
}

void sh_pool_fini(struct shadow_domain *sh)
{
	for (struct sh_page *sp = sh->all; sp; sp = sp->next)
		sp->zombie = true; /* no vCPU runs: no entry needs undoing */
	sh_reap(sh);
	if (sh->wcount)
		free_frames(virt_to_mfn(sh->wcount), sh->wcount_order);
	sh->wcount = NULL;
}

struct sh_page *sh_lookup(struct shadow_domain *sh, u64 gfn, unsigned int type,
			  unsigned int sub, unsigned int variant,
			  unsigned int owner)
{
	for (struct sh_page *sp = sh->hash[hash_of(gfn)]; sp; sp = sp->hnext)
		if (!sp->zombie && sp->gfn == gfn && sp->type == type &&
		    sp->sub == sub && sp->variant == variant && sp->owner == owner)
			return sp;
	return NULL;
}

struct sh_page *sh_by_mfn(struct shadow_domain *sh, mfn_t m)
{
	for (struct sh_page *sp = sh->mhash[hash_of(mfn_x(m))]; sp; sp = sp->mnext)
		if (!sp->zombie && mfn_eq(sp->mfn, m))
			return sp;
	return NULL;
}

static unsigned int type_level(unsigned int t)
{
	switch (t) {
	case SH_L1:
	case SH_L1_32:
	case SH_FL1:
		return 1;
	case SH_L3:
	case SH_PDPT_TOP:
		return 3;
	case SH_L4_TOP:
		return 4;
	default:
		return 2;
	}
}

/* A frame for a new shadow; a PDPT must lie below 4 GiB (legacy PAE CR3
 * holds 32 bits, APM 5.3.2), so frames above are set aside and retried. */
static mfn_t sh_alloc_frame(bool below_4g)
{
	mfn_t held[16];
	unsigned int n = 0;
	mfn_t m;

	for (;;) {
		m = alloc_frames_zeroed(0);
		if (mfn_eq(m, INVALID_MFN) || !below_4g ||
		    mfn_x(m) < (1ULL << (32 - PAGE_SHIFT)))
			break;
		if (n == ARRAY_SIZE(held)) {
			free_frames(m, 0);
			m = INVALID_MFN;
			break;
		}
		held[n++] = m;
	}
	while (n)
		free_frames(held[--n], 0);
	return m;
}

struct sh_page *sh_create(struct shadow_domain *sh, u64 gfn, unsigned int type,
			  unsigned int sub, unsigned int variant,
			  unsigned int owner)
{
	struct sh_page *sp = xzalloc(sizeof(*sp));
	unsigned int h;

	if (!sp)
		return NULL;
	sp->mfn = sh_alloc_frame(type == SH_PDPT_TOP);
	if (mfn_eq(sp->mfn, INVALID_MFN)) {
		xfree(sp);
		return NULL;
	}
	sp->gfn = gfn;
	sp->type = (u8)type;
	sp->sub = (u8)sub;
	sp->variant = (u8)variant;
	sp->owner = (u16)owner;
	sp->level = (u8)type_level(type);
	sp->lru = ++sh->clock;
	h = hash_of(gfn);
	sp->hnext = sh->hash[h];
	sh->hash[h] = sp;
	h = hash_of(mfn_x(sp->mfn));
	sp->mnext = sh->mhash[h];
	sh->mhash[h] = sp;
	sp->next = sh->all;
	sh->all = sp;
	sh->in_use++;
	sh->stats->pages_in_use = sh->in_use;
	if (sh->in_use > sh->stats->pages_peak)
		sh->stats->pages_peak = sh->in_use;
	return sp;
}

u16 sh_wcount(const struct shadow_domain *sh, mfn_t m)
{
	u64 i = mfn_x(m) - sh->wbase;

	return i < sh->wnr ? sh->wcount[i] : 0xffff;
}

static void wcount_add(struct shadow_domain *sh, u64 entry, int delta)
{
	u64 i = ((entry & SH_ADDR) >> PAGE_SHIFT) - sh->wbase;

	if (!(entry & SH_P) || !(entry & SH_RW) || i >= sh->wnr ||
	    sh->wcount[i] == 0xffff)
		return;
	sh->wcount[i] = (u16)(sh->wcount[i] + delta);
}

static void sh_destroy(struct shadow_domain *sh, struct sh_page *sp);

static void sh_unref(struct shadow_domain *sh, struct sh_page *sp)
{
	BUG_ON(!sp->refs);
	if (--sp->refs == 0 && !sp->pins)
		sh_destroy(sh, sp);
}

void sh_set_entry(struct shadow_domain *sh, struct sh_page *sp,
		  unsigned int idx, u64 val, struct sh_page *child)
{
	u64 *t = sh_table(sp);
	u64 old = t[idx];

	if (child)
		child->refs++;
	__atomic_store_n(&t[idx], val, __ATOMIC_RELEASE);
	if (sp->level == 1) {
		wcount_add(sh, old, -1);
		wcount_add(sh, val, +1);
		return;
	}
	if (old & SH_P) {
		struct sh_page *oc = sh_by_mfn(sh, _mfn((old & SH_ADDR) >> PAGE_SHIFT));

		sh->need_flush = true;
		if (oc)
			sh_unref(sh, oc);
	}
}

void sh_link(struct shadow_domain *sh, struct sh_page *parent,
	     unsigned int idx, struct sh_page *child, u64 flags)
{
	u64 val = (mfn_x(child->mfn) << PAGE_SHIFT) | flags;

	if (sh_table(parent)[idx] != val)
		sh_set_entry(sh, parent, idx, val, child);
}

/* Makes sp a zombie: its entries are cleared (children lose references,
 * writable counts drop) and it leaves every lookup. */
static void sh_destroy(struct shadow_domain *sh, struct sh_page *sp)
{
	u64 *t = sh_table(sp);

	BUG_ON(sp->zombie);
	sp->zombie = true;
	sh->need_flush = true;
	sh_hints_forget(sh, sp);
	for (unsigned int i = 0; i < SH_ENTRIES; i++)
		if (t[i])
			sh_set_entry(sh, sp, i, 0, NULL);
}

void sh_pin(struct sh_page *sp)
{
	sp->pins++;
}

void sh_unpin(struct shadow_domain *sh, struct sh_page *sp)
{
	BUG_ON(!sp->pins);
	if (--sp->pins == 0 && !sp->refs)
		sh_destroy(sh, sp);
}

void sh_unlink_all(struct shadow_domain *sh, struct sh_page *sp)
{
	u64 want = mfn_x(sp->mfn) << PAGE_SHIFT;

	for (struct sh_page *p = sh->all; p && sp->refs; p = p->next) {
		u64 *t;

		if (p->zombie || p->level != sp->level + 1)
			continue;
		t = sh_table(p);
		for (unsigned int i = 0; i < SH_ENTRIES && sp->refs; i++)
			if ((t[i] & SH_P) && (t[i] & SH_ADDR) == want)
				sh_set_entry(sh, p, i, 0, NULL);
	}
	sh->need_flush = true;
}

void sh_commit(struct shadow_domain *sh)
{
	bool zombies = false;

	if (!sh->need_flush)
		return;
	sh_flush_tlbs(sh);
	sh->stats->tlb_flushes++;
	sh->need_flush = false;
	for (struct sh_page *sp = sh->all; sp && !zombies; sp = sp->next)
		zombies = sp->zombie;
	if (zombies)
		sh_reap(sh);
}

/* Recycles the least recently used shadow that is neither pinned nor a
 * top. Returns false when there is none. */
static bool sh_recycle_one(struct shadow_domain *sh)
{
	struct sh_page *best = NULL;

	for (struct sh_page *sp = sh->all; sp; sp = sp->next)
		if (!sp->zombie && !sp->pins && sp->refs &&
		    (!best || sp->lru < best->lru))
			best = sp;
	if (!best)
		return false;
	sh_unlink_all(sh, best);
	sh->stats->recycles++;
	return true;
}

/* Drops every cached top that is not a vCPU's current one. Returns true
 * if any went. */
static bool sh_evict_cached_tops(struct shadow_domain *sh)
{
	bool any = false;

	for (unsigned int i = 0; i < sh->nr_vcpus; i++) {
		struct sh_vcpu *svc = &sh->vcpu[i];

		for (unsigned int k = 0; k < SH_TOP_CACHE; k++) {
			struct sh_page *sp = svc->cache[k].sp;

			if (!sp || sp == svc->top)
				continue;
			svc->cache[k].sp = NULL;
			sh_unpin(sh, sp);
			any = true;
		}
	}
	return any;
}

int sh_reserve(struct shadow_domain *sh, unsigned int n)
{
	while (sh->in_use + n > sh->budget) {
		bool zombies = false;

		for (struct sh_page *sp = sh->all; sp && !zombies; sp = sp->next)
			zombies = sp->zombie;
		if (zombies) {
			sh->need_flush = true;
			sh_commit(sh);
			if (sh->in_use + n <= sh->budget)
				break;
		}
		if (!sh_recycle_one(sh) && !sh_evict_cached_tops(sh))
			return -SH_ENOMEM;
	}
	return 0;
}
