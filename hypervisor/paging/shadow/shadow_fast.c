/* SPDX-License-Identifier: MIT */
/*
 * The #PF fast path under shadow paging: many faults are the guest's own
 * (demand paging, copy-on-write, guard pages), and the shadows can prove
 * it without the full guest walk. The hardware's error code says what
 * failed; the shadow entries on the faulting address's path say why:
 *   - not present at the leaf, and the leaf is SH_GNP: the guest's PTE is
 *     not present (shadow_l1.c keeps SH_GNP in step with the guest);
 *   - present, and the access is a fetch (NX and SMEP come from the guest's
 *     own bits at every level) or a user access where some level has U/S
 *     clear (copied exactly at every level), or a write that the guest's
 *     own entries forbid (SH_GRO at some level) with CR0.WP set or from
 *     user mode.
 * Anything else (RW removed by Shale, an entry not made yet, reserved
 * bits) takes the full path. Runs: host root mode, on the vCPU's CPU.
 */
#include <asm/cpu.h>
#include <asm/msr-index.h>
#include <shale/domain.h>
#include <shale/frames.h>
#include <shale/guest_walk.h>
#include <shale/vmexit_handlers.h>

#include "shadow_private.h"

/* The hardware's walk of the vCPU's shadows for va: the leaf entry, and
 * what the levels above it allow. Returns false when a level above the
 * leaf is not present. sh->lock held. */
static bool sh_shadow_path(const struct sh_vcpu *svc, u64 va, u64 *leaf,
			   bool *guest_ro, bool *user_ok)
{
	const u64 *t = sh_table(svc->top);
	unsigned int level = svc->levels == 4 ? 4 : 3;

	*guest_ro = false;
	*user_ok = true;
	for (; level > 1; level--) {
		unsigned int idx = (svc->levels != 4 && level == 3) ?
			(unsigned int)((va >> 30) & 3) :
			(unsigned int)((va >> (12 + 9 * (level - 1))) & 511);
		u64 e = t[idx];

		if (!(e & SH_P))
			return false;
		/* A legacy PAE PDPTE carries no rights. */
		if (svc->levels == 4 || level != 3) {
			*guest_ro |= (e & SH_GRO) != 0;
			*user_ok &= (e & SH_US) != 0;
		}
		t = mfn_to_virt(_mfn((e & SH_ADDR) >> PAGE_SHIFT));
	}
	*leaf = t[(va >> 12) & 511];
	return true;
}

bool sh_fast_fault(struct vcpu *v, u64 va, u32 pfec)
{
	struct shadow_domain *sh = v->domain->shadow;
	struct sh_vcpu *svc = &sh->vcpu[v->id];
	u64 leaf = 0;
	bool guest_ro, user_ok, genuine = false;

	if (pfec & ~(PFEC_PRESENT | PFEC_WRITE | PFEC_USER | PFEC_INSN))
		return false;
	spin_lock(&sh->lock);
	if (svc->top && svc->levels &&
	    sh_shadow_path(svc, svc->levels == 4 ? va : (u32)va, &leaf,
			   &guest_ro, &user_ok)) {
		if (!(pfec & PFEC_PRESENT)) {
			genuine = leaf == SH_GNP;
		} else if (leaf & SH_P) {
			guest_ro |= (leaf & SH_GRO) != 0;
			user_ok &= (leaf & SH_US) != 0;
			genuine = (pfec & PFEC_INSN) ||
				  ((pfec & PFEC_USER) && !user_ok) ||
				  ((pfec & PFEC_WRITE) && guest_ro &&
				   ((pfec & PFEC_USER) || (v->cr[0] & CR0_WP)));
		}
	}
	if (genuine)
		sh->stats->fault_guest_fast++;
	spin_unlock(&sh->lock);
	if (!genuine)
		return false;
	/* I/D is reported only with SMEP, or NXE under PAE/4-level paging
	 * (SDM vol. 3 4.7); the PAE shadows of a 2-level guest would set it
	 * for the guest's EFER.NXE. */
	if (!(v->cr[4] & CR4_SMEP) &&
	    (svc->levels == 2 || !(v->efer & EFER_NXE)))
		pfec &= ~PFEC_INSN;
	vcpu_inject_pf(v, svc->levels == 4 ? va : (u32)va, pfec);
	return true;
}
