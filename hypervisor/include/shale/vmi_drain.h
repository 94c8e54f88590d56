/* SPDX-License-Identifier: MIT */
/*
 * The VMI queue drain's validation core: checks every entry of a batch of
 * deferred page-table updates (a vCPU's queue page or a batch in guest
 * memory) against the domain's P2M, re-reads the guest's own entry and
 * hands it to the paging code's re-sync callback. Portable: it reaches
 * memory only through the P2M and mfn_to_virt, so it links into host unit
 * tests against the fake arena. Runs: host root mode and host unit tests.
 *
 * What an entry must be to be applied: its level known (1-4; 1-3 for PAE
 * entries), its address aligned to the entry size (8), inside the
 * guest-physical space, on a p2m_ram_rw frame (the domain's own RAM: never
 * MMIO, PoD, ROM or another domain's memory, which the P2M cannot name),
 * and outside every excluded range (the ROM and the queue pages, which
 * Shale registers with the context). Anything else is refused, counted and
 * reported; nothing the queue holds is trusted beyond naming an entry.
 */
#ifndef SHALE_VMI_DRAIN_H
#define SHALE_VMI_DRAIN_H

#include <shale/types.h>

#include <vmi-rom.h>

struct p2m;

/* Counters of one domain (updated atomically: every vCPU drains). */
struct vmi_drain_stats {
	u64 drains[VMI_DRAIN_NR_REASONS]; /* batches drained, by reason */
	u64 entries;                      /* entries applied */
	u64 refused;                      /* entries refused */
	u64 batches_refused;              /* whole batches refused (count) */
};

/* A guest-frame range no entry may name: [first, first + nr). */
struct vmi_drain_range {
	u64 first_gfn, nr;
};

#define VMI_DRAIN_MAX_EXCLUDED 8

/* Re-syncs whatever the paging code derived from the guest entry at gpa
 * (level 1-4; pae: a 3-level guest) whose current value Shale just read
 * from the guest's own page table. Called without the P2M lock. */
typedef void (*vmi_resync_fn)(void *arg, u64 gpa, unsigned int level,
			      bool pae, u64 entry);

struct vmi_drain_ctx {
	struct p2m *p2m;
	struct vmi_drain_range excluded[VMI_DRAIN_MAX_EXCLUDED];
	unsigned int nr_excluded;
	vmi_resync_fn resync; /* NULL: nothing to re-sync (HAP) */
	void *resync_arg;
	struct vmi_drain_stats stats;
};

/* Starts a context for the domain whose P2M is p2m: nothing excluded. */
void vmi_drain_init(struct vmi_drain_ctx *c, struct p2m *p2m);

/* Excludes guest frames [first_gfn, first_gfn + nr) (the ROM, a queue
 * page). Returns 0 or -SH_ENOSPC when the table is full. */
int vmi_drain_exclude(struct vmi_drain_ctx *c, u64 first_gfn, u64 nr);

/* Checks one entry as described above. Returns 0 with *mfn and the entry's
 * current value in *val, or -SH_EINVAL. */
int vmi_drain_check(struct vmi_drain_ctx *c, const struct vmi_qentry *e,
		    mfn_t *mfn, u64 *val);

/*
 * Drains a batch: reads q->count once (the guest may be writing it), then
 * each entry once into Shale's own copy, checks it and re-syncs it.
 * capacity is how many entries the memory behind q holds. Returns the
 * drain status (VMI_DRAIN_* fields: refused count, first refused index),
 * or -VMI_E2BIG, with nothing applied, when the count exceeds capacity.
 * reason (a VMI_DRAIN_*) is counted; an unknown one as VMI_DRAIN_EXPLICIT.
 */
long vmi_drain(struct vmi_drain_ctx *c, const struct vmi_queue *q,
	       u32 capacity, unsigned int reason);

/* The status word for 'refused' entries refused, the first at index
 * 'first' (ignored when refused is 0). */
static inline long vmi_drain_status(u32 refused, u32 first)
{
	if (!refused)
		return 0;
	if (refused > VMI_DRAIN_REFUSED_MASK)
		refused = VMI_DRAIN_REFUSED_MASK;
	return (long)(((u64)refused << VMI_DRAIN_REFUSED_SHIFT) |
		      (first & VMI_DRAIN_FIRST_MASK));
}

#endif /* SHALE_VMI_DRAIN_H */
