/* SPDX-License-Identifier: MIT */
/*
 * The p2m's self-check (p2m_audit in shale/p2m.h): every entry's format
 * against p2m_pte.h, every table against the frame allocator's metadata,
 * and the counters against a recount.
 * Runs: host root mode (debug checks) and host unit tests.
 *
 * The CPU may set A (any entry) and D (leaves) in a live NPT table, so the
 * audit accepts them; every other bit is either meaningful or must be clear.
 */
#include <shale/buddy.h>
#include <shale/errno.h>
#include <shale/frames.h>
#include <shale/p2m.h>
#include <shale/printk.h>

#include "p2m_pte.h"

struct p2m_recount {
	u64 tables;
	u64 leaves[3];
	u64 frames[p2m_nr_types];
};

static int audit_fail(const char *why, unsigned int level, u64 gfn, u64 e)
{
	printk("p2m audit: %s (level %u, gfn 0x%llx, entry 0x%016llx)\n", why,
	       level, (unsigned long long)gfn, (unsigned long long)e);
	return -SH_EINVAL;
}

/* A table page must be an allocated single frame tagged as a p2m table of
 * its level: anything else is a stray or shared pointer. */
static const char *check_table_frame(mfn_t m, unsigned int level)
{
	struct frame_info *fi = buddy_frame(&machine_frames, m);

	if (!fi)
		return "table outside machine memory";
	if (fi->state != FRAME_USED_HEAD || fi->order != 0)
		return "table is not an allocated frame";
	if (fi->user != P2M_USER_TABLE_LEVEL(level))
		return "table page is not a p2m table of its level";
	return NULL;
}

/* The format of a present non-leaf entry: P|RW|US|address (A allowed). */
static const char *check_table_pte(u64 e)
{
	if (!(e & P2M_PTE_US))
		return "table entry without US";
	if (!(e & P2M_PTE_RW))
		return "table entry without RW";
	if (e & ~(P2M_PTE_P | P2M_PTE_RW | P2M_PTE_US | P2M_PTE_A |
		  P2M_PTE_ADDR))
		return "reserved or unused bit set in a table entry";
	return NULL;
}

/* The format of a non-zero leaf at 'level': type known and not invalid,
 * present bit, RW and PS as the type and level require, write-back, NX
 * clear, superpage mfn aligned (which also keeps the PAT bit clear). */
static const char *check_leaf_pte(u64 e, unsigned int level)
{
	unsigned int t = p2m_pte_type(e);
	u64 ps = level > 1 ? P2M_PTE_PS : 0;
	u64 align = (1ULL << p2m_level_order(level)) - 1;

	if (level == P2M_LEVELS)
		return "leaf in the root";
	if (t == p2m_invalid)
		return "non-zero entry of type invalid";
	if (t >= p2m_nr_types)
		return "unknown type";
	if (!p2m_type_backed(t))
		return e == ((e & P2M_PTE_TYPE) | ps) ?
			       NULL :
			       "mmio/pod leaf with bits besides type and PS";
	if (!(e & P2M_PTE_P))
		return "RAM/ROM leaf not present";
	if (!(e & P2M_PTE_US))
		return "present leaf without US";
	if (!(e & P2M_PTE_RW) != (t != p2m_ram_rw))
		return "RW bit does not match type";
	if ((e & P2M_PTE_PS) != ps)
		return "PS bit (PAT at level 1) does not match level";
	if (e & ~(P2M_PTE_P | P2M_PTE_RW | P2M_PTE_US | P2M_PTE_A | P2M_PTE_D |
		  P2M_PTE_PS | P2M_PTE_ADDR | P2M_PTE_TYPE))
		return "reserved, memory-type or NX bit set in a leaf";
	if (mfn_x(p2m_pte_mfn(e)) & align)
		return "superpage mfn not aligned";
	return NULL;
}

/* Checks the table m of 'level' (linked by entry 'link', first gfn 'base')
 * and everything below it, adding what it finds to rc. */
static int audit_table(struct p2m_recount *rc, mfn_t m, unsigned int level,
		       u64 base, u64 link)
{
	unsigned int order = p2m_level_order(level);
	const char *why = check_table_frame(m, level);
	unsigned int i;
	u64 *tab;

	if (why)
		return audit_fail(why, level, base, link);
	rc->tables++;
	tab = mfn_to_virt(m);
	for (i = 0; i < P2M_ENTRIES; i++) {
		u64 e = tab[i];
		u64 g = base + ((u64)i << order);
		int err;

		if (!e)
			continue;
		if (p2m_pte_is_table(e, level)) {
			why = check_table_pte(e);
			if (why)
				return audit_fail(why, level, g, e);
			err = audit_table(rc, p2m_pte_mfn(e), level - 1, g, e);
			if (err)
				return err;
			continue;
		}
		why = check_leaf_pte(e, level);
		if (why)
			return audit_fail(why, level, g, e);
		rc->leaves[level - 1]++;
		rc->frames[p2m_pte_type(e)] += 1ULL << order;
	}
	return 0;
}

static int count_fail(const char *name, unsigned int i, u64 have, u64 want)
{
	printk("p2m audit: %s[%u] is %llu, the recount gives %llu\n", name, i,
	       (unsigned long long)have, (unsigned long long)want);
	return -SH_EINVAL;
}

/* Compares the counters with the recount. */
static int audit_counters(const struct p2m *p, const struct p2m_recount *rc)
{
	unsigned int i;

	if (p->table_pages != rc->tables)
		return count_fail("table_pages", 0, p->table_pages, rc->tables);
	for (i = 0; i < ARRAY_SIZE(rc->leaves); i++)
		if (p->leaves[i] != rc->leaves[i])
			return count_fail("leaves", i, p->leaves[i],
					  rc->leaves[i]);
	for (i = 0; i < p2m_nr_types; i++)
		if (p->frames[i] != rc->frames[i])
			return count_fail("frames", i, p->frames[i],
					  rc->frames[i]);
	return 0;
}

/* See shale/p2m.h. A map without a root (failed init, or after fini) is
 * consistent when every counter is zero. */
int p2m_audit(struct p2m *p)
{
	struct p2m_recount rc = { 0 };
	int err = 0;

	spin_lock(&p->lock);
	if (!mfn_eq(p->root, INVALID_MFN))
		err = audit_table(&rc, p->root, P2M_LEVELS, 0, 0);
	if (!err)
		err = audit_counters(p, &rc);
	spin_unlock(&p->lock);
	return err;
}
