/* SPDX-License-Identifier: MIT */
/*
 * Shadow paging's public face: the statistics a domain keeps (shown in its
 * stats JSON) and the pool size rules. The implementation lives in
 * hypervisor/paging/shadow/. Runs: host root mode and host unit tests.
 */
#ifndef SHALE_SHADOW_H
#define SHALE_SHADOW_H

#include <shale/types.h>

/* Counters of one shadow domain; guarded by the domain's shadow lock. */
struct shadow_stats {
	u64 fault_guest;      /* genuine guest #PF found by a full walk */
	u64 fault_guest_fast; /* ... found from the shadows alone */
	u64 fault_fixed;      /* fixed by propagating guest entries */
	u64 fault_mmio;       /* emulated MMIO reached through a shadow fault */
	u64 emulated_writes;  /* guest writes emulated (page tables, WP=0) */
	u64 unshadows;        /* frames unshadowed after many data writes */
	u64 wp_heuristic;     /* write access removed by the heuristic alone */
	u64 wp_brute;         /* ... that needed the brute-force scan */
	u64 recycles;         /* shadows recycled because the pool was short */
	u64 tlb_flushes;      /* domain-wide TLB flushes */
	u64 pages_in_use;     /* shadow pages held now */
	u64 pages_peak;
	u64 pool_pages;       /* the pool's budget */
};

/* The smallest pool, in pages: for each vCPU its current top level with
 * the four L2s a PAE top links and one full path below (top + 4 + 4 + an
 * FL1, rounded up to 16), and 32 for the shadows being made in one fault
 * (SH_RESERVE) and for the other vCPUs' paths. A pool given as smaller,
 * `shadow_memory = 0` included, gets this size (as Xen raises a too-small
 * allocation); a guest runs on it, more slowly, by recycling. */
static inline u64 shadow_min_pages(unsigned int vcpus)
{
	return 32 + (u64)vcpus * 16;
}

/* Default pool in pages: 1 MiB per vCPU + 8 KiB per MiB of RAM. */
static inline u64 shadow_default_pages(unsigned int vcpus, u64 ram_mib)
{
	return (u64)vcpus * 256 + ram_mib * 2;
}

struct shadow_domain;
struct domain;

/* Sets up shadow paging for a domain with hap = 0: its pool (size from
 * d->cfg.shadow_memory_mib, or the default) and d->paging. Returns 0 or
 * -SH_ENOMEM. */
int shadow_domain_init(struct domain *d);
/* Frees every shadow and the pool (the domain's vCPUs are off all CPUs). */
void shadow_domain_fini(struct domain *d);
/* The domain is PV with the VMI ROM's queue (vmi_domain_init): its page
 * tables are no longer write-protected, drains re-sync them, and each
 * vCPU's queue page is mapped in its top-level shadows. hap = 1: no-op. */
void shadow_vmi_attach(struct domain *d);
/* Shale wrote bytes [off, off + len) of guest frame gfn on the guest's
 * behalf (guest_phys_write): the shadows made from what was there are
 * brought up to date, as for an emulated guest write. Takes the shadow
 * lock; the caller holds no paging or PoD lock. */
void shadow_guest_wrote(struct domain *d, gfn_t gfn, unsigned int off,
			unsigned int len);
/* Populate-on-demand took guest frames [gfn, gfn + 2^order) back from
 * machine frames [mfn, mfn + 2^order) (the PoD flush hook, see pod.h):
 * removes every shadow leaf entry that maps those machine frames, drops
 * the page-table shadows of those guest frames (they were zero, so no
 * longer tables of anything) and flushes the domain's TLBs, all before it
 * returns. Takes the shadow lock: called with pod->lock held and no shadow
 * lock. */
void shadow_drop_gfns(struct domain *d, gfn_t gfn, mfn_t mfn,
		      unsigned int order);

#endif /* SHALE_SHADOW_H */
