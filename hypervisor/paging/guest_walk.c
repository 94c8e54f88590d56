/* SPDX-License-Identifier: MIT */
/*
 * The guest walker's front door: works out how many levels the guest's
 * registers select and hands the walk to the walker compiled for that format
 * (guest_walk_{2,3,4}.c), or translates directly when paging is off.
 * Runs: host root mode and host unit tests.
 */
#include <asm/msr-index.h>
#include <shale/compiler.h>
#include <shale/guest_walk.h>
#include <shale/string.h>

#include "guest_walk_types.h"

/* SDM 4.1.1 (table 4-1): CR0.PG off means no paging; EFER.LMA means 4-level
 * (LMA implies PAE, and a CR4.LA57 guest is not supported); otherwise
 * CR4.PAE chooses between PAE and 32-bit paging. */
unsigned int guest_paging_levels(const struct guest_paging *gp)
{
	if (!(gp->cr0 & CR0_PG))
		return 0;
	if (gp->efer & EFER_LMA)
		return 4;
	if (gp->cr4 & CR4_PAE)
		return 3;
	return 2;
}

/* See <shale/guest_walk.h>. With paging off the guest cannot be in long mode
 * (LMA requires PG), so linear addresses are 32 bits wide and map one to one
 * onto guest-physical ones; nothing can fault. */
int guest_walk(const struct guest_paging *gp, const struct guest_mem *mem,
	       gva_t va, u32 access, bool set_ad, struct guest_walk *w)
{
	switch (guest_paging_levels(gp)) {
	case 2:
		return guest_walk_l2(gp, mem, va, access, set_ad, w);
	case 3:
		return guest_walk_l3(gp, mem, va, access, set_ad, w);
	case 4:
		return guest_walk_l4(gp, mem, va, access, set_ad, w);
	}
	memset(w, 0, sizeof(*w));
	w->gpa = _gpa(gva_x(va) & 0xffffffffULL);
	return 0;
}

bool guest_pae_pdpte_valid(const struct guest_paging *gp, u64 pdpte)
{
	unsigned int m = MIN(MAX(gp->maxphyaddr, 32u), 52u);
	u64 rsvd = (1ULL << 1) | (1ULL << 2) | (0xfULL << 5) | (1ULL << 63) |
		   (((1ULL << 63) - 1) & ~((1ULL << m) - 1));

	return !(pdpte & 1) || !(pdpte & rsvd);
}
