/* SPDX-License-Identifier: MIT */
/*
 * The VMI queue drain's validation core (contract in shale/vmi_drain.h):
 * every queued entry is checked against the domain's P2M, the guest's own
 * entry re-read, and the paging code asked to re-sync what it derived.
 * Runs: host root mode and host unit tests (against the fake arena).
 */
#include <shale/compiler.h>
#include <shale/errno.h>
#include <shale/frames.h>
#include <shale/p2m.h>
#include <shale/string.h>
#include <shale/vmi_drain.h>

void vmi_drain_init(struct vmi_drain_ctx *c, struct p2m *p2m)
{
	memset(c, 0, sizeof(*c));
	c->p2m = p2m;
}

int vmi_drain_exclude(struct vmi_drain_ctx *c, u64 first_gfn, u64 nr)
{
	if (c->nr_excluded == VMI_DRAIN_MAX_EXCLUDED)
		return -SH_ENOSPC;
	c->excluded[c->nr_excluded++] = (struct vmi_drain_range){ first_gfn, nr };
	return 0;
}

static bool excluded(const struct vmi_drain_ctx *c, u64 gfn)
{
	for (unsigned int i = 0; i < c->nr_excluded; i++)
		if (gfn - c->excluded[i].first_gfn < c->excluded[i].nr)
			return true;
	return false;
}

int vmi_drain_check(struct vmi_drain_ctx *c, const struct vmi_qentry *e,
		    mfn_t *mfn, u64 *val)
{
	unsigned int max_level = (e->flags & VMI_QE_PAE) ? 3 : 4;
	struct p2m_entry pe;
	u64 gfn;

	if (e->level < 1 || e->level > max_level || (e->flags & ~VMI_QE_PAE))
		return -SH_EINVAL;
	if (e->gpa & 7)
		return -SH_EINVAL; /* every PAE / long-mode entry is 8 bytes */
	gfn = e->gpa >> PAGE_SHIFT;
	if (gfn > P2M_MAX_GFN || excluded(c, gfn))
		return -SH_EINVAL;
	pe = p2m_get_entry(c->p2m, _gfn(gfn));
	if (pe.type != p2m_ram_rw || mfn_eq(pe.mfn, INVALID_MFN))
		return -SH_EINVAL;
	*mfn = pe.mfn;
	/* The guest's own entry, read once: whatever the queue claimed. */
	*val = READ_ONCE(*(u64 *)((u8 *)mfn_to_virt(pe.mfn) +
				  (e->gpa & (PAGE_SIZE - 1))));
	return 0;
}

long vmi_drain(struct vmi_drain_ctx *c, const struct vmi_queue *q,
	       u32 capacity, unsigned int reason)
{
	u32 count = READ_ONCE(q->count), refused = 0, first = 0;
	u64 applied = 0;

	if (reason >= VMI_DRAIN_NR_REASONS)
		reason = VMI_DRAIN_EXPLICIT;
	if (count > capacity || count > VMI_QUEUE_CAPACITY) {
		__atomic_add_fetch(&c->stats.batches_refused, 1, __ATOMIC_RELAXED);
		return -VMI_E2BIG;
	}
	for (u32 i = 0; i < count; i++) {
		struct vmi_qentry e;
		mfn_t mfn;
		u64 val;

		/* One copy: the guest may rewrite the entry as Shale reads. */
		memcpy(&e, (const void *)&q->entries[i], sizeof(e));
		__asm__ volatile("" ::: "memory");
		if (vmi_drain_check(c, &e, &mfn, &val)) {
			if (!refused++)
				first = i;
			continue;
		}
		if (c->resync)
			c->resync(c->resync_arg, e.gpa, e.level,
				  e.flags & VMI_QE_PAE, val);
		applied++;
	}
	__atomic_add_fetch(&c->stats.drains[reason], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&c->stats.entries, applied, __ATOMIC_RELAXED);
	__atomic_add_fetch(&c->stats.refused, refused, __ATOMIC_RELAXED);
	return vmi_drain_status(refused, first);
}
