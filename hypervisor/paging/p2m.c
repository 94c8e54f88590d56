/* SPDX-License-Identifier: MIT */
/*
 * The physical-to-machine map (shale/p2m.h): a 4-level x86-64 page table
 * per domain that NPT walks directly, changed in two steps (prepare
 * allocates every table a change needs, commit cannot fail).
 * Runs: host root mode and host unit tests (against a fake arena).
 *
 * The entry format is in p2m_pte.h; the audit is in p2m_audit.c.
 *
 * Entries are written with single 64-bit stores in an order that keeps the
 * table valid for a concurrent hardware walk: a new table is filled before
 * it is linked, and a subtree is unlinked before it is freed. Flushing the
 * NPT TLBs (ASIDs) is the caller's business; the places where an old
 * translation stops being valid are marked "flush".
 */
#include <shale/bug.h>
#include <shale/errno.h>
#include <shale/frames.h>
#include <shale/p2m.h>

#include "p2m_pte.h"

/* As BUG_ON, with the p2m lock dropped first (see buddy.c). */
#define BUG_ON_LOCKED(cond, p)                                                 \
	do {                                                                   \
		if (unlikely(cond)) {                                          \
			spin_unlock(&(p)->lock);                               \
			bug_fail(__FILE__, __LINE__, #cond);                   \
		}                                                              \
	} while (0)

/* At most one new table per level below the root. */
#define P2M_MAX_PREALLOC (P2M_LEVELS - 1)

/* Tables obtained by prepare, handed out in order by commit. */
struct p2m_prealloc {
	mfn_t tables[P2M_MAX_PREALLOC];
	unsigned int nr;   /* allocated */
	unsigned int used; /* taken by commit */
};

static u64 *table_va(mfn_t m)
{
	return mfn_to_virt(m);
}

static u64 pte_table(mfn_t m)
{
	return P2M_PTE_P | P2M_PTE_RW | P2M_PTE_US | (mfn_x(m) << PAGE_SHIFT);
}

/* The leaf entry of type t at 'level' mapping from mfn (ignored for types
 * without backing). p2m_invalid is the all-zero entry. */
static u64 pte_leaf(enum p2m_type t, mfn_t mfn, unsigned int level)
{
	u64 e = (u64)t << P2M_PTE_TYPE_SHIFT;

	if (t == p2m_invalid)
		return 0;
	if (level > 1)
		e |= P2M_PTE_PS;
	if (p2m_type_backed(t))
		e |= P2M_PTE_P | P2M_PTE_US | (mfn_x(mfn) << PAGE_SHIFT);
	if (t == p2m_ram_rw)
		e |= P2M_PTE_RW;
	return e;
}

/* Adds (add) or removes (!add) leaf e of 'level' from the counters; an
 * empty entry counts for nothing. */
static void count_leaf(struct p2m *p, u64 e, unsigned int level, bool add)
{
	unsigned int t = p2m_pte_type(e);
	u64 nr = 1ULL << p2m_level_order(level);

	if (!e)
		return;
	BUG_ON_LOCKED(t == p2m_invalid || t >= p2m_nr_types, p);
	if (add) {
		p->leaves[level - 1]++;
		p->frames[t] += nr;
	} else {
		p->leaves[level - 1]--;
		p->frames[t] -= nr;
	}
}

/* Frees the table at 'level' and everything below it, uncounting its
 * leaves. The table must already be unlinked (and, on real hardware, the
 * NPT TLBs flushed before the pages are reused: see the contract note in
 * p2m_set_entry). Recursion is at most three deep. */
static void free_subtree(struct p2m *p, mfn_t m, unsigned int level)
{
	u64 *tab = table_va(m);
	unsigned int i;

	for (i = 0; i < P2M_ENTRIES; i++) {
		if (p2m_pte_is_table(tab[i], level))
			free_subtree(p, p2m_pte_mfn(tab[i]), level - 1);
		else
			count_leaf(p, tab[i], level, false);
	}
	free_frames(m, 0);
	p->table_pages--;
}

/* Allocates an empty root. Returns 0 or -SH_ENOMEM. */
int p2m_init(struct p2m *p)
{
	unsigned int i;

	spin_lock_init(&p->lock);
	spin_lock(&p->lock);
	p->table_pages = 0;
	p->splits = 0;
	for (i = 0; i < ARRAY_SIZE(p->leaves); i++)
		p->leaves[i] = 0;
	for (i = 0; i < p2m_nr_types; i++)
		p->frames[i] = 0;
	p->root = alloc_frames_zeroed(0);
	if (!mfn_eq(p->root, INVALID_MFN)) {
		buddy_frame(&machine_frames, p->root)->user =
			P2M_USER_TABLE_LEVEL(P2M_LEVELS);
		p->table_pages = 1;
	}
	spin_unlock(&p->lock);
	return p->table_pages ? 0 : -SH_ENOMEM;
}

/* Frees every table page, root included; the map is empty afterwards and
 * must be p2m_init'ed again before use. Calling it twice is harmless. */
void p2m_fini(struct p2m *p)
{
	spin_lock(&p->lock);
	if (!mfn_eq(p->root, INVALID_MFN)) {
		/* flush: the whole map goes away. */
		free_subtree(p, p->root, P2M_LEVELS);
		p->root = INVALID_MFN;
	}
	BUG_ON_LOCKED(p->table_pages != 0, p);
	spin_unlock(&p->lock);
}

/* The argument checks of p2m_set_entry. Returns 0 or -SH_EINVAL. */
static int check_args(u64 gfn, mfn_t mfn, unsigned int order,
		      enum p2m_type t)
{
	u64 nr;

	if (order != P2M_ORDER_4K && order != P2M_ORDER_2M &&
	    order != P2M_ORDER_1G)
		return -SH_EINVAL;
	nr = 1ULL << order;
	if ((unsigned int)t >= p2m_nr_types)
		return -SH_EINVAL;
	if ((gfn & (nr - 1)) || gfn > P2M_MAX_GFN - (nr - 1))
		return -SH_EINVAL;
	if (!p2m_type_backed(t))
		return 0;
	if ((mfn_x(mfn) & (nr - 1)) || mfn_x(mfn) > P2M_MAX_MFN - (nr - 1))
		return -SH_EINVAL; /* also refuses INVALID_MFN */
	return 0;
}

/* PREPARE, part 1: how many tables a leaf at 'target' for gfn needs: one
 * per level below the first entry on the way down that is not a table
 * (a missing table, or a superpage to split). None when the change is to
 * clear a range that is already empty. Caller holds the lock. */
static unsigned int tables_needed(struct p2m *p, u64 gfn, unsigned int target,
				  enum p2m_type t)
{
	u64 *tab = table_va(p->root);
	unsigned int level;

	for (level = P2M_LEVELS; level > target; level--) {
		u64 e = tab[p2m_pte_index(gfn, level)];

		if (p2m_pte_is_table(e, level)) {
			tab = table_va(p2m_pte_mfn(e));
			continue;
		}
		if (!e && t == p2m_invalid)
			return 0;
		return level - target;
	}
	return 0;
}

/* PREPARE, part 2: allocates nr zeroed tables, or none at all. Returns 0
 * or -SH_ENOMEM. */
static int prealloc_tables(struct p2m_prealloc *pa, unsigned int nr)
{
	pa->nr = 0;
	pa->used = 0;
	while (pa->nr < nr) {
		mfn_t m = alloc_frames_zeroed(0);

		if (mfn_eq(m, INVALID_MFN)) {
			while (pa->nr)
				free_frames(pa->tables[--pa->nr], 0);
			return -SH_ENOMEM;
		}
		pa->tables[pa->nr++] = m;
	}
	return 0;
}

/* COMMIT helper: the next preallocated table, tagged as a table of
 * 'level' and counted. Prepare counted exactly what commit takes. */
static mfn_t take_table(struct p2m *p, struct p2m_prealloc *pa,
			unsigned int level)
{
	mfn_t m;

	BUG_ON_LOCKED(pa->used >= pa->nr, p);
	m = pa->tables[pa->used++];
	buddy_frame(&machine_frames, m)->user = P2M_USER_TABLE_LEVEL(level);
	p->table_pages++;
	return m;
}

/* Fills the new table 'tab' (level - 1) with the superpage leaf e of
 * 'level' split into 512 entries of the next order: same type, same A/D,
 * consecutive mfns. Counts the split; the caller links the table. */
static void split_into(struct p2m *p, u64 *tab, u64 e, unsigned int level)
{
	enum p2m_type t = (enum p2m_type)p2m_pte_type(e);
	unsigned int child_order = p2m_level_order(level - 1);
	u64 base = mfn_x(p2m_pte_mfn(e));
	u64 ad = e & (P2M_PTE_A | P2M_PTE_D);
	unsigned int i;

	for (i = 0; i < P2M_ENTRIES; i++)
		tab[i] = pte_leaf(t, _mfn(base + ((u64)i << child_order)),
				  level - 1) | ad;
	BUG_ON_LOCKED(level == P2M_LEVELS, p); /* no leaves in the root */
	p->leaves[level - 1]--;
	p->leaves[level - 2] += P2M_ENTRIES;
	p->splits++; /* frames[] unchanged: same frames, same type */
}

/* COMMIT, last step: writes leaf 'e' into *pe at 'level'. What it replaces
 * (a smaller leaf, or a whole subtree once it is unlinked) is uncounted
 * and its tables freed. */
static void replace_entry(struct p2m *p, u64 *pe, unsigned int level, u64 e)
{
	u64 old = *pe;

	WRITE_ONCE(*pe, e);
	/* flush: the old translation (or subtree) for this range is gone. */
	if (p2m_pte_is_table(old, level))
		free_subtree(p, p2m_pte_mfn(old), level - 1);
	else
		count_leaf(p, old, level, false);
	count_leaf(p, e, level, true);
}

/* COMMIT: walks down to 'target', linking preallocated tables where one
 * is missing and splitting superpages on the way, then writes the leaf.
 * Cannot fail. Caller holds the lock. */
static void commit(struct p2m *p, u64 gfn, mfn_t mfn, unsigned int target,
		   enum p2m_type t, struct p2m_prealloc *pa)
{
	u64 *tab = table_va(p->root);
	unsigned int level;

	for (level = P2M_LEVELS; level > target; level--) {
		u64 *pe = &tab[p2m_pte_index(gfn, level)];
		u64 e = *pe;

		if (!p2m_pte_is_table(e, level)) {
			mfn_t m;

			if (!e && t == p2m_invalid)
				return; /* already clear */
			m = take_table(p, pa, level - 1);
			if (e)
				split_into(p, table_va(m), e, level);
			/* A split keeps every translation: no flush needed
			 * until the leaf below changes. */
			e = pte_table(m);
			WRITE_ONCE(*pe, e);
		}
		tab = table_va(p2m_pte_mfn(e));
	}
	replace_entry(p, &tab[p2m_pte_index(gfn, target)], target,
		      pte_leaf(t, mfn, target));
}

/* See shale/p2m.h. Table pages the new entry replaces go back to the
 * frame allocator here, before the caller's NPT flush: until that flush a
 * CPU running the domain may still walk them from its nested paging-
 * structure cache, so a new owner writing those frames first could be
 * seen as translations. Deferring such frees past the flush is the fix
 * once domains run on several CPUs. */
int p2m_set_entry(struct p2m *p, gfn_t gfn, mfn_t mfn, unsigned int order,
		  enum p2m_type t)
{
	unsigned int target = order / 9 + 1;
	struct p2m_prealloc pa;
	int rc;

	rc = check_args(gfn_x(gfn), mfn, order, t);
	if (rc)
		return rc;
	if (!p2m_type_backed(t))
		mfn = _mfn(0);

	spin_lock(&p->lock);
	BUG_ON_LOCKED(mfn_eq(p->root, INVALID_MFN), p);
	rc = prealloc_tables(&pa, tables_needed(p, gfn_x(gfn), target, t));
	if (!rc) {
		commit(p, gfn_x(gfn), mfn, target, t, &pa);
		BUG_ON_LOCKED(pa.used != pa.nr, p);
	}
	spin_unlock(&p->lock);
	return rc;
}

/* See shale/p2m.h. A gfn beyond P2M_MAX_GFN is invalid, order 1G (the
 * whole aligned 1 GiB around it is outside the map). */
struct p2m_entry p2m_get_entry(struct p2m *p, gfn_t gfn)
{
	struct p2m_entry r = { INVALID_MFN, p2m_invalid, P2M_ORDER_1G };
	u64 g = gfn_x(gfn);
	unsigned int level;
	u64 *tab;

	if (g > P2M_MAX_GFN)
		return r;
	spin_lock(&p->lock);
	BUG_ON_LOCKED(mfn_eq(p->root, INVALID_MFN), p);
	tab = table_va(p->root);
	for (level = P2M_LEVELS; level >= 1; level--) {
		u64 e = tab[p2m_pte_index(g, level)];

		if (p2m_pte_is_table(e, level)) {
			tab = table_va(p2m_pte_mfn(e));
			continue;
		}
		r.order = level == P2M_LEVELS ? P2M_ORDER_1G
					      : p2m_level_order(level);
		r.type = (enum p2m_type)p2m_pte_type(e);
		BUG_ON_LOCKED(r.type >= p2m_nr_types, p);
		if (p2m_type_backed(r.type))
			r.mfn = _mfn(mfn_x(p2m_pte_mfn(e)) +
				     (g & ((1ULL << r.order) - 1)));
		break;
	}
	spin_unlock(&p->lock);
	return r;
}

struct walk_fn {
	int (*fn)(gfn_t gfn, mfn_t mfn, unsigned int order, enum p2m_type t,
		  void *arg);
	void *arg;
};

/* Calls w->fn on each leaf of the table at 'level' whose first gfn is
 * 'base', in gfn order; stops at the first non-zero return. */
static int walk_table(struct p2m *p, mfn_t m, unsigned int level, u64 base,
		      const struct walk_fn *w)
{
	u64 *tab = table_va(m);
	unsigned int order = p2m_level_order(level);
	unsigned int i;
	int rc;

	for (i = 0; i < P2M_ENTRIES; i++) {
		u64 e = tab[i];
		u64 g = base + ((u64)i << order);
		enum p2m_type t = (enum p2m_type)p2m_pte_type(e);

		if (p2m_pte_is_table(e, level))
			rc = walk_table(p, p2m_pte_mfn(e), level - 1, g, w);
		else if (e)
			rc = w->fn(_gfn(g),
				   p2m_type_backed(t) ? p2m_pte_mfn(e) :
							INVALID_MFN,
				   order, t, w->arg);
		else
			rc = 0;
		if (rc)
			return rc;
	}
	return 0;
}

/* See shale/p2m.h. fn runs with p->lock held, so it must not call back
 * into the p2m. */
int p2m_for_each(struct p2m *p,
		 int (*fn)(gfn_t gfn, mfn_t mfn, unsigned int order,
			   enum p2m_type t, void *arg),
		 void *arg)
{
	struct walk_fn w = { fn, arg };
	int rc;

	spin_lock(&p->lock);
	BUG_ON_LOCKED(mfn_eq(p->root, INVALID_MFN), p);
	rc = walk_table(p, p->root, P2M_LEVELS, 0, &w);
	spin_unlock(&p->lock);
	return rc;
}

const char *p2m_type_name(enum p2m_type t)
{
	static const char *const names[p2m_nr_types] = {
		[p2m_invalid] = "invalid", [p2m_ram_rw] = "ram_rw",
		[p2m_ram_ro] = "ram_ro",   [p2m_rom] = "rom",
		[p2m_mmio] = "mmio",       [p2m_pod] = "pod",
	};

	return (unsigned int)t < p2m_nr_types ? names[t] : "unknown";
}
