/* SPDX-License-Identifier: MIT */
/*
 * The guest page-table walker, written once for the three guest formats:
 * guest_walk_{2,3,4}.c each define GUEST_LEVELS and include this file, which
 * then compiles to one exported function, GW_WALK_FN (guest_walk_lN); every
 * other function here is static. Runs: host root mode and host unit tests.
 *
 * Models SDM vol. 3 4.3 (32-bit), 4.4 (PAE), 4.5 (4-level), 4.6 (access
 * rights), 4.7 (#PF error code) and 4.8 (accessed and dirty flags); APM
 * vol. 2 5.2-5.6 and 8.4.2. Deliberately not modelled:
 * - the canonical-address check of 4-level paging: a non-canonical address
 *   raises #GP/#SS in the instruction before any walk, so the caller checks
 *   it; the walker only looks at bits 47:0;
 * - 5-level paging, protection keys, and AMD's reserved bit 8 in non-leaf
 *   PML4Es/PDPTEs;
 * - implicit supervisor accesses under SMAP (GDT, IDT, TSS reads from user
 *   mode fault whatever RFLAGS.AC says): every access is taken as explicit.
 */
#if !defined(GUEST_LEVELS) ||                                                  \
	(GUEST_LEVELS != 2 && GUEST_LEVELS != 3 && GUEST_LEVELS != 4)
#error "guest_walk_tmpl.h: define GUEST_LEVELS as 2, 3 or 4 before including"
#endif

#include <asm/msr-index.h>
#include <shale/compiler.h>
#include <shale/errno.h>
#include <shale/guest_walk.h>
#include <shale/string.h>

#include "guest_walk_types.h"

/* Setting A/D races with the guest's own writes to its tables; after this
 * many walks restarted for that reason the translation is returned as is. */
#define GW_AD_TRIES 8

/* The walk in progress: its inputs, what follows from the registers, and
 * where each entry lives so that the A/D pass can update it. */
struct gw_state {
	const struct guest_paging *gp;
	const struct guest_mem *mem;
	u64 va;        /* linear address: 32 bits wide below 4-level */
	u32 access;    /* PFEC_WRITE | PFEC_USER | PFEC_INSN */
	bool nxe;      /* EFER.NXE with PAE or 4-level: XD forbids fetches */
	u64 high_rsvd; /* entry bits above maxphyaddr that must be zero */
	guest_pte_t *ptep[GUEST_LEVELS + 1]; /* NULL: not in guest memory */
};

/* Index of va's entry in the table read at 'level'. */
static unsigned int gw_index(const struct gw_state *st, unsigned int level)
{
	unsigned int shift = PAGE_SHIFT + GW_INDEX_BITS * (level - 1);

	if (GUEST_LEVELS == 3 && level == 3)
		return (st->va >> 30) & 3; /* four PDPTEs */
	return (st->va >> shift) & ((1u << GW_INDEX_BITS) - 1);
}

/* Bytes mapped by a leaf entry at 'level': 4K, 2M or 1G (4M at level 2 of
 * 32-bit paging). */
static u64 gw_page_size(unsigned int level)
{
	return 1ULL << (PAGE_SHIFT + GW_INDEX_BITS * (level - 1));
}

/* Guest-physical address of the top table. 32-bit: CR3 bits 31:12; PAE: bits
 * 31:5, the 32-byte-aligned PDPT (SDM 4.4.1); 4-level: bits M-1:12, where
 * the PCID or PWT/PCD bits below are not part of the address and bits above
 * maxphyaddr cannot be loaded (MOV to CR3 raises #GP). */
static u64 gw_root(const struct gw_state *st)
{
	u64 cr3 = st->gp->cr3;

	if (GUEST_LEVELS == 2)
		return cr3 & 0xfffff000ULL;
	if (GUEST_LEVELS == 3)
		return cr3 & 0xffffffe0ULL;
	return cr3 & GW_ADDR_MASK & ~st->high_rsvd;
}

/* Does entry e, present at 'level', map a page rather than point to a table?
 * A PS bit that is reserved (PAE PDPTE, PML4E, PDPTE without 1 GiB pages)
 * says no here and is caught by gw_rsvd_bits. */
static bool gw_is_leaf(const struct gw_state *st, unsigned int level, u64 e)
{
	if (level == 1)
		return true;
	if (!(e & GW_PS))
		return false;
	if (GUEST_LEVELS == 2)
		return st->gp->cr4 & CR4_PSE; /* PS is ignored without PSE */
	if (GUEST_LEVELS == 3)
		return level == 2;
	return level == 2 || (level == 3 && st->gp->pdpe1gb);
}

/* The bits of a present entry at 'level' that must be zero; 'leaf' is
 * gw_is_leaf's answer. SDM tables 4-4 (32-bit), 4-8..4-11 (PAE: bits 62:M
 * are reserved, not ignored), 4-14..4-19 (4-level: bits 51:M; 62:52 are
 * ignored). */
static u64 gw_rsvd_bits(const struct gw_state *st, unsigned int level,
			bool leaf)
{
	u64 rsvd = st->high_rsvd;

	if (GUEST_LEVELS == 2) {
		/* Only a 4 MiB PDE has any: bit 21, and the PSE-36 bits 20:13
		 * (physical 39:32) that lie above maxphyaddr. */
		unsigned int m = MIN(MAX(st->gp->maxphyaddr, 32u), 40u);

		if (level != 2 || !leaf)
			return 0;
		return GW_BITS(13 + (m - 32), 21);
	}
	if (GUEST_LEVELS == 3 && level == 3) {
		/* A PAE PDPTE is used from the PDPTE registers, whose reserved
		 * bits the CPU checked when it loaded them (#GP on the MOV to
		 * CR0/CR3/CR4, SDM 4.4.1; see guest_pae_pdpte_valid). A walk
		 * never faults on them, even if the in-memory copy has changed
		 * since (QEMU's TCG sets bit 5 there, for one). */
		return 0;
	}
	if (!st->nxe)
		rsvd |= GW_XD;
	if (GUEST_LEVELS == 4 && level == 4)
		rsvd |= GW_PS;
	if (GUEST_LEVELS == 4 && level == 3)
		rsvd |= !st->gp->pdpe1gb ? GW_PS : leaf ? GW_BITS(13, 29) : 0;
	if (level == 2 && leaf)
		rsvd |= GW_BITS(13, 20);
	return rsvd;
}

/* Base guest-physical address of the page that leaf entry e maps. */
static u64 gw_frame(unsigned int level, u64 e)
{
	if (GUEST_LEVELS == 2 && level == 2)
		/* PSE-36: PDE bits 20:13 are physical bits 39:32. */
		return (e & 0xffc00000ULL) | (((e >> 13) & 0xff) << 32);
	return e & GW_ADDR_MASK & ~(gw_page_size(level) - 1);
}

/* Records a #PF in w: 'kind' is 0 (not present), PFEC_PRESENT (protection)
 * or PFEC_PRESENT | PFEC_RSVD, to which the access bits are added. I/D is set
 * for fetches only when SMEP or (PAE/4-level) NXE is on (SDM 4.7).
 * Returns -SH_EFAULT. */
static int gw_fault(const struct gw_state *st, struct guest_walk *w, u32 kind)
{
	u32 pfec = kind | (st->access & (PFEC_WRITE | PFEC_USER));

	if ((st->access & PFEC_INSN) &&
	    ((st->gp->cr4 & CR4_SMEP) || st->nxe))
		pfec |= PFEC_INSN;
	w->pfec = pfec;
	return -SH_EFAULT;
}

/* May the access go ahead on a page whose rights, combined over every level,
 * are user_page (U/S=1 everywhere), writable (R/W=1 everywhere) and nx (XD=1
 * somewhere, with NXE on)? SDM 4.6. */
static bool gw_permitted(const struct gw_state *st, bool user_page,
			 bool writable, bool nx)
{
	const struct guest_paging *gp = st->gp;
	bool write = st->access & PFEC_WRITE;
	bool fetch = st->access & PFEC_INSN;

	if (st->access & PFEC_USER)
		return user_page && !(write && !writable) && !(fetch && nx);
	/* Supervisor: read-only pages bind only with CR0.WP. */
	if (write && !writable && (gp->cr0 & CR0_WP))
		return false;
	if (fetch)
		return !nx && !(user_page && (gp->cr4 & CR4_SMEP));
	return !(user_page && (gp->cr4 & CR4_SMAP) &&
		 !(gp->rflags & GW_RFLAGS_AC));
}

/* Reads va's entry at 'level' from the table at guest-physical 'table' into
 * *e and w (PAE PDPTEs from gp->pae_pdptes when given), noting where it lives
 * in st->ptep. Returns 0, or -SH_EIO when the table is not RAM. */
static int gw_read(struct gw_state *st, struct guest_walk *w,
		   unsigned int level, u64 table, u64 *e)
{
	unsigned int idx = gw_index(st, level);
	guest_pte_t *t;
	u8 *frame;

	w->leaf_level = level;
	w->tables[level] = _gfn(table >> PAGE_SHIFT);
	st->ptep[level] = NULL;
	if (GUEST_LEVELS == 3 && level == 3 && st->gp->pae_pdptes) {
		*e = w->entries[level] = st->gp->pae_pdptes[idx];
		return 0;
	}
	frame = st->mem->map(st->mem->ctx, _gfn(table >> PAGE_SHIFT));
	if (!frame)
		return -SH_EIO;
	/* Only the PAE PDPT starts inside its frame. */
	t = (guest_pte_t *)(frame + (table & ~PAGE_MASK));
	st->ptep[level] = &t[idx];
	*e = w->entries[level] = __atomic_load_n(&t[idx], __ATOMIC_RELAXED);
	return 0;
}

/* One pass from the top table to the leaf, filling w (and st->ptep).
 * Faults follow hardware priority: a not-present or reserved-bit entry stops
 * the walk where it is found; rights are judged only on a full translation.
 * Returns 0 with w->gpa set, -SH_EFAULT with w->pfec set, or -SH_EIO. */
static int gw_walk_once(struct gw_state *st, struct guest_walk *w)
{
	unsigned int level = GUEST_LEVELS;
	u64 table = gw_root(st);
	bool user_page = true, writable = true, nx = false;
	bool leaf;
	u64 e;
	int rc;

	for (;;) {
		rc = gw_read(st, w, level, table, &e);
		if (rc)
			return rc;
		if (!(e & GW_P))
			return gw_fault(st, w, 0);
		leaf = gw_is_leaf(st, level, e);
		if (e & gw_rsvd_bits(st, level, leaf))
			return gw_fault(st, w, PFEC_PRESENT | PFEC_RSVD);
		if (!(GUEST_LEVELS == 3 && level == 3)) {
			/* PAE PDPTEs carry no rights. */
			user_page = user_page && (e & GW_US);
			writable = writable && (e & GW_RW);
		}
		nx = nx || (st->nxe && (e & GW_XD));
		if (leaf)
			break;
		table = e & GW_ADDR_MASK;
		level--;
	}
	if (!gw_permitted(st, user_page, writable, nx))
		return gw_fault(st, w, PFEC_PRESENT);
	w->gpa = _gpa(gw_frame(level, e) |
		      (st->va & (gw_page_size(level) - 1)));
	return 0;
}

/* Sets A in every entry of a successful walk and D in the leaf on a write
 * (SDM 4.8), each by compare-exchange against the value the walk read, so a
 * concurrent guest write is never overwritten. PAE PDPTEs have no A bit and
 * are left alone. Returns false when an entry changed under us: the
 * translation may be stale and the walk must be redone. */
static bool gw_set_ad(const struct gw_state *st, struct guest_walk *w)
{
	unsigned int level;
	guest_pte_t old, upd;

	for (level = GUEST_LEVELS; level >= w->leaf_level; level--) {
		if (GUEST_LEVELS == 3 && level == 3)
			continue;
		old = (guest_pte_t)w->entries[level];
		upd = old | (guest_pte_t)GW_A;
		if (level == w->leaf_level && (st->access & PFEC_WRITE))
			upd |= (guest_pte_t)GW_D;
		if (upd == old)
			continue;
		if (!__atomic_compare_exchange_n(st->ptep[level], &old, upd,
						 false, __ATOMIC_SEQ_CST,
						 __ATOMIC_RELAXED))
			return false;
		w->entries[level] = upd;
	}
	return true;
}

/* See guest_walk() in <shale/guest_walk.h>: the same contract for a guest
 * whose registers select GUEST_LEVELS levels. If the guest keeps changing
 * its entries while A/D are being set, the walk is redone at most
 * GW_AD_TRIES times; the last translation then stands, with the A/D bits
 * it could set. */
int GW_WALK_FN(const struct guest_paging *gp, const struct guest_mem *mem,
	       gva_t va, u32 access, bool set_ad, struct guest_walk *w)
{
	unsigned int m = MIN(MAX(gp->maxphyaddr, 32u), 52u);
	struct gw_state st = {
		.gp = gp,
		.mem = mem,
		.va = GUEST_LEVELS == 4 ? gva_x(va) : (u32)gva_x(va),
		.access = access & (PFEC_WRITE | PFEC_USER | PFEC_INSN),
		.nxe = GUEST_LEVELS != 2 && (gp->efer & EFER_NXE),
		.high_rsvd = GUEST_LEVELS == 2 ? 0
			     : GW_BITS(m, GUEST_LEVELS == 3 ? 62 : 51),
	};
	unsigned int tries;
	int rc;

	for (tries = 1;; tries++) {
		memset(w, 0, sizeof(*w));
		w->levels = GUEST_LEVELS;
		rc = gw_walk_once(&st, w);
		if (rc || !set_ad || gw_set_ad(&st, w) || tries >= GW_AD_TRIES)
			return rc;
	}
}

#undef GW_AD_TRIES
#undef GW_INDEX_BITS
#undef GW_ADDR_MASK
#undef GW_WALK_FN
#undef GUEST_LEVELS
