/* SPDX-License-Identifier: MIT */
/*
 * Guest L1 entries in shadow form: the leaf entry for a guest frame, a new
 * guest-L1 shadow filled from the guest's table, an entry the guest wrote
 * brought up to date in place, and SH_GNP marks for entries the guest has
 * not present (so the #PF fast path can answer without a walk).
 * Runs: host root mode. Callers hold sh->lock.
 *
 * A shadow entry made here stands for what the hardware would do with the
 * guest's entry without a walk's side effects: it maps only entries whose
 * A bit is set (RW only once D is), and anything it cannot judge alone
 * (reserved bits set, a frame that is not RAM) stays 0, so that an access
 * faults and the full path walks, sets A/D and raises what the guest
 * would see.
 */
#include <shale/cpuid.h>
#include <shale/p2m.h>

#include "shadow_private.h"

u64 sh_leaf_entry(struct shadow_domain *sh, u64 gfn, u64 flags)
{
	struct p2m_entry pe = p2m_get_entry(&sh->d->p2m, _gfn(gfn));
	u64 e = (mfn_x(pe.mfn) << PAGE_SHIFT) | SH_P | SH_A | flags;

	if (pe.type == p2m_ram_rw) {
		if ((flags & SH_RW) && !sh->pv && sh_gfn_is_pt(sh, gfn))
			e &= ~SH_RW;
		return (e & SH_RW) ? e | SH_D : e;
	}
	if (pe.type == p2m_ram_ro || pe.type == p2m_rom)
		return e & ~SH_RW;
	return 0;
}

/* Bits of a PAE or 4-level guest PTE this code leaves to the walker:
 * 62:maxphyaddr (reserved in PAE entries, reserved or ignored in 4-level
 * ones) and XD when the shadow was made for NXE = 0. */
static u64 sh_l1_hard_bits(struct shadow_domain *sh, const struct sh_page *sp)
{
	unsigned int m = cpuid_guest_maxphyaddr(sh->d->vcpus[0]);

	m = m < 32 ? 32 : m > 52 ? 52 : m;
	return (((1ULL << 63) - 1) & ~((1ULL << m) - 1)) |
	       ((sp->variant & 1) ? 0 : SH_NX);
}

/* The shadow entry for guest PTE ge in guest-L1 shadow sp; *gfn gets the
 * frame it maps. */
static u64 sh_l1e_from_guest(struct shadow_domain *sh, const struct sh_page *sp,
			     u64 ge, u64 hard, u64 *gfn)
{
	bool wide = sp->type == SH_L1;

	if (!(ge & SH_P))
		return SH_GNP;
	if (!(ge & SH_A) || (ge & hard))
		return 0;
	*gfn = ((ge & (wide ? SH_ADDR : 0xfffff000ULL)) >> PAGE_SHIFT);
	return sh_leaf_entry(sh, *gfn, sh_leaf_flags(ge, wide && (sp->variant & 1),
						     true));
}

/* The guest's entries behind shadow sp: the frame's host address and the
 * first entry's index, or NULL when the frame is not RAM. */
static void *sh_l1_guest_table(struct shadow_domain *sh, const struct sh_page *sp)
{
	struct p2m_entry pe = p2m_get_entry(&sh->d->p2m, _gfn(sp->gfn));

	if (pe.type != p2m_ram_rw && pe.type != p2m_ram_ro)
		return NULL;
	return mfn_to_virt(pe.mfn);
}

static u64 sh_l1_guest_entry(const struct sh_page *sp, const void *table,
			     unsigned int idx)
{
	if (sp->type == SH_L1)
		return __atomic_load_n((const u64 *)table + idx, __ATOMIC_RELAXED);
	return __atomic_load_n((const u32 *)table + sp->sub * 512 + idx,
			       __ATOMIC_RELAXED);
}

/* Sets entry idx of sp from the guest entry ge. */
static void sh_l1_set(struct shadow_domain *sh, struct sh_page *sp,
		      unsigned int idx, u64 ge, u64 hard)
{
	u64 gfn = 0, e = sh_l1e_from_guest(sh, sp, ge, hard, &gfn);

	if (sh_table(sp)[idx] != e)
		sh_set_entry(sh, sp, idx, e, NULL);
	if ((e & SH_P) && (e & SH_RW))
		sh_hint_writable(sh, gfn, sp, idx);
}

void sh_l1_prefill(struct shadow_domain *sh, struct sh_page *sp)
{
	const void *table = sh_l1_guest_table(sh, sp);
	u64 hard = sh_l1_hard_bits(sh, sp);

	if (!table)
		return;
	for (unsigned int i = 0; i < SH_ENTRIES; i++)
		sh_l1_set(sh, sp, i, sh_l1_guest_entry(sp, table, i), hard);
}

void sh_l1_refresh(struct shadow_domain *sh, struct sh_page *sp,
		   unsigned int idx)
{
	const void *table = sh_l1_guest_table(sh, sp);

	if (!table) {
		if (sh_table(sp)[idx])
			sh_set_entry(sh, sp, idx, 0, NULL);
		return;
	}
	sh_l1_set(sh, sp, idx, sh_l1_guest_entry(sp, table, idx),
		  sh_l1_hard_bits(sh, sp));
}

void sh_l1_mark_not_present(struct shadow_domain *sh, u64 gfn,
			    unsigned int type, unsigned int sub,
			    unsigned int variant, unsigned int idx)
{
	struct sh_page *sp = sh_lookup(sh, gfn, type, sub, variant, 0);

	if (sp && sh_table(sp)[idx] != SH_GNP)
		sh_set_entry(sh, sp, idx, SH_GNP, NULL);
}
