/* SPDX-License-Identifier: MIT */
/*
 * Private to shadow paging: shadow entry bits, the shadow page descriptor,
 * the per-domain pool and hash, the per-vCPU top levels, and the functions
 * the pool (shadow_pool.c), write protection (shadow_wp.c), emulation
 * (shadow_emul.c), the per-level template (shadow_multi.h) and the entry
 * points (shadow.c) share. Runs: host root mode and host unit tests.
 *
 * Shape. The hardware walks PAE (3-level) shadows for 2-level, PAE and
 * unpaged guests and 4-level shadows for 4-level guests. Every shadow
 * entry carries its own guest entry's P/RW/US/NX, so the hardware combines
 * rights over the levels as it would over the guest's tables; lower-level
 * shadows are shared by the vCPUs, each vCPU has its own top (and, PAE, its
 * own copy of the L2 under PDPT slot 3). Shadow entries are created only on
 * the fault path, after the guest walk has set the guest's A/D bits, and
 * are dropped (made not present) when the guest entry they came from is
 * written: the next access faults and propagates again.
 *
 * Locking: sh->lock (one per domain) guards every shadow table and
 * descriptor; it is taken after nothing but pod->lock (the PoD flush hook,
 * shadow_pod.c) and before p2m->lock and the allocators; shadow code never
 * takes pod->lock while holding it. The hardware reads shadows without it: entries are written
 * with single 64-bit stores, and have A (and D when writable) preset so
 * the hardware never writes to them.
 */
#ifndef PAGING_SHADOW_PRIVATE_H
#define PAGING_SHADOW_PRIVATE_H

#include <shale/domain.h>
#include <shale/frames.h>
#include <shale/shadow.h>
#include <shale/spinlock.h>
#include <shale/types.h>

/* Shadow entry bits (PAE and 4-level format, SDM tables 4-8..4-19). */
#define SH_P (1ULL << 0)
#define SH_RW (1ULL << 1)
#define SH_US (1ULL << 2)
#define SH_PWT (1ULL << 3)
#define SH_PCD (1ULL << 4)
#define SH_A (1ULL << 5)
#define SH_D (1ULL << 6)
#define SH_PAT (1ULL << 7) /* in a 4 KiB entry */
#define SH_NX (1ULL << 63)
#define SH_ADDR 0x000ffffffffff000ULL
/* Software bits (ignored by the hardware): SH_GRO in a present entry says
 * the guest's own entry at that level denies writes (so a write fault
 * through it is the guest's); SH_GNP, alone in a not-present shadow leaf,
 * says the guest's PTE is not present (so a fault on it is the guest's).
 * Both let the #PF fast path answer without walking the guest's tables. */
#define SH_GRO (1ULL << 9)
#define SH_GNP (1ULL << 10)

#define SH_ENTRIES 512

enum sh_type {
	SH_NONE,
	SH_L1,       /* a guest PAE/4-level L1 */
	SH_L1_32,    /* half 'sub' (0, 1) of a guest 32-bit L1 */
	SH_FL1,      /* the 2 MiB of guest-physical memory from gfn, splintered */
	SH_L2,       /* a guest PAE/4-level L2 (owner: a vCPU's private copy) */
	SH_L2_32,    /* quarter 'sub' (0..3) of a guest 32-bit L2 */
	SH_FL2,      /* a guest 1 GiB page from gfn, splintered into FL1s */
	SH_ID_L2,    /* identity map of guest-physical GiB 'gfn' (unpaged) */
	SH_L3,       /* a guest 4-level L3 */
	SH_L4_TOP,   /* a vCPU's shadow of a guest L4 */
	SH_PDPT_TOP, /* a vCPU's PAE PDPT ('sub' = guest levels 0, 2 or 3) */
	SH_NR_TYPES
};

/* One shadow page table. Descriptors of destroyed shadows ('zombie') stay
 * in the hash and the list until the next TLB flush (sh_commit), skipped
 * by every lookup: the hardware may still cache them until then. */
struct sh_page {
	mfn_t mfn;
	u64 gfn;            /* the guest frame (or region) it shadows */
	u8 type;            /* enum sh_type */
	u8 sub;
	u8 variant;         /* guest NXE (bit 0) and PSE (bit 1) it was made for */
	u8 level;           /* the hardware level of this table, 1..4 */
	u16 owner;          /* 0: shared; vCPU id + 1: that vCPU's own */
	u16 emul_writes;    /* emulated writes since a fault last went through */
	bool zombie;
	u32 refs;           /* shadow entries pointing here */
	u32 pins;           /* tops: held by vCPUs' current/cached tops */
	u64 lru;            /* sh->clock when last used */
	struct sh_page *hnext, *mnext, *next;
};

/* A vCPU's recently used tops, keyed by guest CR3 and mode. */
#define SH_TOP_CACHE 4
struct sh_top_slot {
	struct sh_page *sp; /* pinned while here; NULL: empty */
	u64 cr3;
	u8 levels, variant;
	u64 lru;
};

struct sh_vcpu {
	struct sh_page *top;    /* current top (also in cache[]) or NULL */
	unsigned int levels;    /* guest levels the top was made for */
	u8 variant;
	u64 pdptes[4];          /* PAE: the guest PDPTEs loaded with CR3 */
	struct sh_top_slot cache[SH_TOP_CACHE];
};

#define SH_HASH 1024
#define SH_HINTS 256
/* Pages one fault's propagation can need (4-level: L3, L2, L1) and one top
 * switch (a PDPT and four L2s), with a spare. */
#define SH_RESERVE 6
/* Emulated writes to a page table with no fault through its shadow in
 * between, after which the frame counts as data and is unshadowed. */
#define SH_UNSHADOW_WRITES 64

/* Where a writable mapping of a guest frame was last installed. */
struct sh_hint {
	u64 gfn;
	struct sh_page *sp;
	u16 idx;
};

struct shadow_domain {
	spinlock_t lock;
	struct domain *d;
	struct shadow_stats *stats;     /* &d->shadow_stats */
	u64 budget;                     /* pages the pool may hold */
	u64 in_use;                     /* pages held, zombies included */
	u64 clock;
	bool need_flush;                /* a flush is due before relying on
					 * the last changes (sh_commit) */
	struct sh_page *hash[SH_HASH];  /* by gfn */
	struct sh_page *mhash[SH_HASH]; /* by mfn */
	struct sh_page *all;            /* every shadow */
	/* Writable shadow leaf entries per machine frame (index mfn -
	 * wbase); 0xffff sticks once reached and means "unknown". */
	u16 *wcount;
	u64 wbase, wnr;
	unsigned int wcount_order;
	struct sh_hint hints[SH_HINTS];
	unsigned int nr_vcpus;
	struct sh_vcpu vcpu[MAX_VCPUS];
	/* A PV domain with the VMI ROM's queue (shadow_vmi.c): its page
	 * tables are not write-protected (the ROM reports its writes and
	 * drains re-sync them), and each vCPU's queue page is mapped at the
	 * ABI's linear address through these private tables (4-level: L3,
	 * L2, L1; PAE: the L1 under the vCPU's own copy of the top L2). */
	bool pv;
	mfn_t vmi_tables[MAX_VCPUS][3];
};

/* Is this type a write-protected shadow of a guest page table? */
static inline bool sh_type_is_pt(unsigned int t)
{
	return t == SH_L1 || t == SH_L1_32 || t == SH_L2 || t == SH_L2_32 ||
	       t == SH_L3 || t == SH_L4_TOP;
}

static inline u64 *sh_table(const struct sh_page *sp)
{
	return mfn_to_virt(sp->mfn);
}

/* Rights of a non-leaf guest entry in shadow form (A preset). */
static inline u64 sh_nonleaf_flags(u64 e, bool nxe)
{
	return SH_P | SH_A | (e & (SH_RW | SH_US | SH_PWT | SH_PCD)) |
	       (nxe ? (e & SH_NX) : 0) | ((e & SH_RW) ? 0 : SH_GRO);
}

/* Rights of a guest leaf entry in shadow form: RW only once the guest's D
 * bit is set, so the first write faults and D is set as hardware would;
 * SH_GRO when the guest entry itself is read-only. */
static inline u64 sh_leaf_flags(u64 e, bool nxe, bool small)
{
	u64 f = SH_P | SH_A | (e & (SH_US | SH_PWT | SH_PCD)) |
		(nxe ? (e & SH_NX) : 0);

	if (!(e & SH_RW))
		f |= SH_GRO;
	else if (e & SH_D)
		f |= SH_RW;
	if (small)
		f |= e & SH_PAT;
	return f;
}

/* ---- shadow_pool.c: pool, hash, references, recycling ---- */

/* Sets up an empty pool of 'budget' pages. Returns 0 or -SH_ENOMEM. */
int sh_pool_init(struct shadow_domain *sh, struct domain *d, u64 budget,
		 unsigned int nr_vcpus);
/* Frees every shadow and the pool's own memory. */
void sh_pool_fini(struct shadow_domain *sh);
/* The live shadow with this key, or NULL. sh->lock held (all below too). */
struct sh_page *sh_lookup(struct shadow_domain *sh, u64 gfn, unsigned int type,
			  unsigned int sub, unsigned int variant,
			  unsigned int owner);
/* The live shadow whose table is machine frame m, or NULL. */
struct sh_page *sh_by_mfn(struct shadow_domain *sh, mfn_t m);
/* Makes a new, empty shadow (refs 0, pins 0). Uses the room sh_reserve
 * made; returns NULL only when the pool and the host are both out of
 * memory. A PDPT_TOP lies below 4 GiB. */
struct sh_page *sh_create(struct shadow_domain *sh, u64 gfn, unsigned int type,
			  unsigned int sub, unsigned int variant,
			  unsigned int owner);
/* Makes room for n new shadows, recycling the least recently used ones
 * that no vCPU's current top needs. Returns 0, or -SH_ENOMEM when even
 * that cannot make room (the pool is below its minimum). */
int sh_reserve(struct shadow_domain *sh, unsigned int n);
/* Writes entry idx of sp: the old entry's child shadow loses a reference
 * (and is destroyed at none), 'child' (or NULL for a leaf) gains one, and
 * leaf writable counts follow. A present non-leaf entry replaced sets
 * need_flush. */
void sh_set_entry(struct shadow_domain *sh, struct sh_page *sp,
		  unsigned int idx, u64 val, struct sh_page *child);
/* Points entry idx of parent at child with flags (no-op when equal). */
void sh_link(struct shadow_domain *sh, struct sh_page *parent,
	     unsigned int idx, struct sh_page *child, u64 flags);
/* Pin counts for tops; the last unpin of an unreferenced shadow destroys
 * it. */
void sh_pin(struct sh_page *sp);
void sh_unpin(struct shadow_domain *sh, struct sh_page *sp);
/* Clears every entry that points at sp (which is destroyed when its last
 * reference goes); sets need_flush. */
void sh_unlink_all(struct shadow_domain *sh, struct sh_page *sp);
/* Performs the TLB flush the last changes need, then frees the zombies. */
void sh_commit(struct shadow_domain *sh);
/* Marks sp used now. */
static inline void sh_touch(struct shadow_domain *sh, struct sh_page *sp)
{
	sp->lru = ++sh->clock;
	sp->emul_writes = 0;
}
/* The seam to the hardware: flush every vCPU's TLB of the domain and wait
 * until none can still use an old translation (shadow.c; unit tests fake
 * it). sh->lock held. */
void sh_flush_tlbs(struct shadow_domain *sh);
/* Writable count of machine frame m (0xffff: unknown). */
u16 sh_wcount(const struct shadow_domain *sh, mfn_t m);

/* ---- shadow_wp.c: write protection of guest page tables ---- */

/* Does guest frame gfn have a live page-table shadow? */
bool sh_gfn_is_pt(struct shadow_domain *sh, u64 gfn);
/* Removes write access to guest frame gfn (machine frame m) from every
 * shadow leaf: the remembered place first, then a scan of every L1 if
 * writable mappings remain. Sets need_flush when it changed anything. */
void sh_remove_write_access(struct shadow_domain *sh, u64 gfn, mfn_t m);
/* Entry idx of guest-L1 shadow sp (SH_L1 or SH_L1_32) was written by the
 * guest: sets the shadow entry from the guest's new entry (shadow_l1.c;
 * unit tests fake it). */
void sh_l1_refresh(struct shadow_domain *sh, struct sh_page *sp,
		   unsigned int idx);
/* Remembers that entry idx of leaf shadow sp maps gfn writable. */
void sh_hint_writable(struct shadow_domain *sh, u64 gfn, struct sh_page *sp,
		      unsigned int idx);
/* The guest wrote bytes [off, off + len) of guest frame gfn: updates (L1)
 * or drops (higher levels) the shadow entries made from the guest entries
 * there, and unshadows the frame after SH_UNSHADOW_WRITES such writes
 * without a fault through it. */
void sh_resync_write(struct shadow_domain *sh, u64 gfn, unsigned int off,
		     unsigned int len);
/* Unshadows guest frame gfn: its page-table shadows that no vCPU has
 * pinned (tops in use) go, counted as one unshadow; write access comes
 * back at the next write fault. Returns true if the frame had shadows and
 * none is left. sh->lock held; the caller commits. */
bool sh_unshadow_gfn(struct shadow_domain *sh, u64 gfn);
/* Forgets hints that name sp (it is being destroyed). */
void sh_hints_forget(struct shadow_domain *sh, struct sh_page *sp);

/* ---- shadow_emul.c: emulated guest writes ---- */

/* Emulates the instruction at RIP whose write faulted on a page the
 * shadows keep read-only (a guest page table, or a read-only page under
 * CR0.WP = 0); writes to page tables re-sync their shadows. Takes
 * sh->lock itself (the caller must not hold it). */
void sh_emulate(struct vcpu *v);

/* ---- shadow.c: shared by the level templates ---- */

struct guest_walk;
struct guest_paging;
struct p2m_entry;
/* The vCPU's guest paging registers, with the PAE PDPTEs loaded at CR3. */
void sh_guest_paging(struct vcpu *v, struct guest_paging *gp);
int sh_gva_to_gfn(struct vcpu *v, gva_t va, u32 access, gfn_t *gfn, u32 *pfec);
void sh_update_cr3(struct vcpu *v);
void sh_update_paging_modes(struct vcpu *v);
unsigned int sh_guest_levels(struct vcpu *v);
u64 sh_hw_cr(struct vcpu *v, unsigned int n, u64 guest);
/* The shared part of a #PF: walk (setting A/D), reflect a guest fault,
 * send MMIO to the platform. Returns true with *w and *pe filled when the
 * shadow should be propagated (sh->lock then held), false when the fault
 * was handled (lock not held). */
bool sh_fault_begin(struct vcpu *v, gva_t va, u32 pfec, struct guest_walk *w,
		    struct p2m_entry *pe);
/* Ends a propagation begun by sh_fault_begin for an access to guest frame
 * gfn: 'writable' says whether the shadow now lets the faulting access
 * write; if it could not, the write is emulated, unless the exit
 * interrupted an event's delivery (the write was the delivery's, a stack
 * push): then gfn is unshadowed and the event delivered again. Releases
 * sh->lock. */
void sh_fault_end(struct vcpu *v, u32 pfec, const struct p2m_entry *pe,
		  u64 gfn, bool writable);
/* Ends a propagation that found the pool exhausted: crashes the domain
 * (sh_reserve made room beforehand, so this is not expected). Releases
 * sh->lock. */
void sh_fault_abort(struct vcpu *v);
void sh_invlpg(struct vcpu *v, gva_t va);
/* The shadow for key, made (and write-protected / filled) if absent;
 * marked used. NULL when the pool is exhausted. */
struct sh_page *sh_get(struct shadow_domain *sh, u64 gfn, unsigned int type,
		       unsigned int sub, unsigned int variant,
		       unsigned int owner);
/* ---- shadow_l1.c: guest L1 entries in shadow form ---- */

/* The shadow leaf entry for guest frame gfn with guest leaf rights 'flags'
 * (RW/US/NX/PWT/PCD/PAT already in shadow positions): RW kept only for RAM
 * that is not a page table. Returns 0 for frames that are not RAM. */
u64 sh_leaf_entry(struct shadow_domain *sh, u64 gfn, u64 flags);
/* Fills a new guest-L1 shadow from the guest's table: SH_GNP for entries
 * the guest has not present, a mapping for present ones the hardware
 * would use without a walk's side effect (A set; RW once D is set), 0
 * (fault and walk) for the rest. */
void sh_l1_prefill(struct shadow_domain *sh, struct sh_page *sp);
/* After a genuine not-present fault at level 1 of the guest's walk:
 * marks entry 'idx' of the guest L1 at gfn SH_GNP in its shadow, if that
 * shadow exists. */
void sh_l1_mark_not_present(struct shadow_domain *sh, u64 gfn,
			    unsigned int type, unsigned int sub,
			    unsigned int variant, unsigned int idx);

/* ---- shadow_pod.c: populate-on-demand ---- */

/* shadow_drop_gfns (shale/shadow.h) with sh->lock held and without the
 * flush: clears every leaf mapping machine frames [mfn, mfn + 2^order),
 * unlinks the unpinned page-table shadows of guest frames [gfn,
 * gfn + 2^order), and sets need_flush. */
void sh_pod_drop(struct shadow_domain *sh, u64 gfn, mfn_t mfn,
		 unsigned int order);
/* A populate just made the p2m entry of 'order' covering gfn RAM: fills
 * the empty entries of the FL1 shadows over it. */
void sh_pod_refill(struct shadow_domain *sh, u64 gfn, unsigned int order);

/* ---- shadow_vmi.c: the VMI ROM's queue pages ---- */

/* Maps v's queue page at the ABI's linear address in v's current top
 * (4-level: top slot 256; PAE: entry 511 of the vCPU's own L2 under PDPT
 * slot 3, when the guest has that slot). No-op for other domains.
 * sh->lock held. */
void sh_vmi_install(struct shadow_domain *sh, struct vcpu *v);
/* Is va inside the range the queue mapping owns (the 512 GiB slot or the
 * top 2 MiB)? Faults there are the guest's: the hole is the hypervisor's. */
bool sh_vmi_reserved(const struct shadow_domain *sh, unsigned int levels,
		     u64 va);
#define SH_VMI_SLOT64 256u  /* (VMI_QUEUE_VA64 >> 39) & 511 */
#define SH_VMI_PDE_PAE 511u /* (VMI_QUEUE_VA_PAE >> 21) & 511 */
/* Is entry idx of sp the queue mapping's (never re-synced from the
 * guest)? */
static inline bool sh_vmi_entry(const struct shadow_domain *sh,
				const struct sh_page *sp, unsigned int idx)
{
	if (!sh->pv)
		return false;
	return (sp->type == SH_L4_TOP && idx == SH_VMI_SLOT64) ||
	       (sp->type == SH_L2 && sp->owner && idx == SH_VMI_PDE_PAE);
}
/* Frees the private tables. */
void sh_vmi_fini(struct shadow_domain *sh);

/* ---- shadow_fast.c: the #PF fast path ---- */

/* Answers a #PF from the shadows alone when they prove it is the guest's
 * own fault (SH_GNP leaf, or a present path whose guest-exact rights deny
 * the access): injects it with its error code and CR2, counts it, and
 * returns true. False: take the full path. Takes sh->lock itself. */
bool sh_fast_fault(struct vcpu *v, u64 va, u32 pfec);
/* Drops the leaf shadow entry for va under the vCPU's top. */
void sh_zap_va(struct vcpu *v, u64 va);

extern const struct paging_mode sh_paging_l2, sh_paging_l3, sh_paging_l4;

#endif /* PAGING_SHADOW_PRIVATE_H */
