/* SPDX-License-Identifier: MIT */
/*
 * The shadow fault handler, written once for the three guest paging
 * formats: shadow_{2,3,4}.c define GUEST_LEVELS and include this file,
 * which compiles to one exported struct paging_mode (sh_paging_lN); every
 * function here is static. 2-level and PAE guests run on PAE shadows (a
 * per-vCPU PDPT), 4-level guests on 4-level shadows (a per-vCPU L4).
 * Runs: host root mode. SDM vol. 3 4.3-4.6; AMD APM vol. 2 5.3-5.6.
 *
 * Propagation follows the guest walk that sh_fault_begin made (A/D set):
 * for each level the shadow of the guest table the entry points to is
 * found or made, and the shadow entry gets the guest entry's P/RW/US/NX.
 * A guest superpage is splintered: its entry points to an FL1 (or, for
 * 1 GiB, an FL2 of FL1s) that maps the same frames with full rights, and
 * the entry itself carries the guest's rights, RW only once D is set.
 */
#if !defined(GUEST_LEVELS) ||                                                  \
	(GUEST_LEVELS != 2 && GUEST_LEVELS != 3 && GUEST_LEVELS != 4)
#error "shadow_multi.h: define GUEST_LEVELS as 2, 3 or 4 before including"
#endif

#include <asm/msr-index.h>
#include <shale/guest_walk.h>
#include <shale/p2m.h>
#include <shale/paging.h>
#include <shale/vmi.h>
#include <shale/vmexit_handlers.h>

#include "shadow_private.h"

#if GUEST_LEVELS == 2
#define SH_MODE sh_paging_l2
#define SH_FAULT_FN sh_page_fault_l2
#elif GUEST_LEVELS == 3
#define SH_MODE sh_paging_l3
#define SH_FAULT_FN sh_page_fault_l3
#else
#define SH_MODE sh_paging_l4
#define SH_FAULT_FN sh_page_fault_l4
#endif

/* Guest frame number of the first 4 KiB of the guest superpage entry e at
 * 'level' (the 2 MiB half of a 4 MiB page that va falls in). */
static u64 sh_super_gfn(u64 e, unsigned int level, u64 va)
{
	if (GUEST_LEVELS == 2)
		return (((e & 0xffc00000ULL) | (((e >> 13) & 0xff) << 32)) >>
			PAGE_SHIFT) + ((va >> 21) & 1) * 512;
	if (level == 3)
		return (e & SH_ADDR & ~((1ULL << 30) - 1)) >> PAGE_SHIFT;
	return (e & SH_ADDR & ~((1ULL << 21) - 1)) >> PAGE_SHIFT;
}

/* See struct paging_mode: a #PF in a guest with GUEST_LEVELS levels. */
static int SH_FAULT_FN(struct vcpu *v, gva_t gva, u32 pfec)
{
	struct shadow_domain *sh = v->domain->shadow;
	struct sh_vcpu *svc = &sh->vcpu[v->id];
	struct sh_page *top = svc->top, *l2, *l1;
	unsigned int own = v->id + 1, var = svc->variant;
	bool nxe = GUEST_LEVELS != 2 && (var & 1);
	struct guest_walk w;
	struct p2m_entry pe;
	u64 va = GUEST_LEVELS == 4 ? gva_x(gva) : (u32)gva_x(gva);
	u64 path_rw = SH_RW, e, leaf;
	unsigned int i1, i2;

	/* A PV guest's queued updates first: the fault may be theirs. */
	if (sh->pv && vmi_queue_pending(v))
		vmi_queue_drain(v, VMI_DRAIN_FAULT);
	if (sh_vmi_reserved(sh, GUEST_LEVELS, va)) {
		vcpu_inject_pf(v, va, pfec & ~(u32)PFEC_INSN);
		return 1;
	}
	if (sh_fast_fault(v, va, pfec))
		return 1;
	if (!sh_fault_begin(v, gva, pfec, &w, &pe))
		return 1;
	if (GUEST_LEVELS == 4) {
		struct sh_page *l3 = sh_get(sh, gfn_x(w.tables[3]), SH_L3, 0, var, 0);
		unsigned int i3 = (va >> 30) & 511;

		if (!l3)
			goto oom;
		e = sh_nonleaf_flags(w.entries[4], nxe);
		sh_link(sh, top, (va >> 39) & 511, l3, e);
		path_rw &= e;
		if (w.leaf_level == 3) {
			l2 = sh_get(sh, sh_super_gfn(w.entries[3], 3, va), SH_FL2, 0, 0, 0);
			e = sh_leaf_flags(w.entries[3], nxe, false);
		} else {
			l2 = sh_get(sh, gfn_x(w.tables[2]), SH_L2, 0, var, 0);
			e = sh_nonleaf_flags(w.entries[3], nxe);
		}
		if (!l2)
			goto oom;
		sh_link(sh, l3, i3, l2, e);
		path_rw &= e;
	} else if (GUEST_LEVELS == 3) {
		unsigned int i3 = (va >> 30) & 3;

		l2 = sh_get(sh, gfn_x(w.tables[2]), SH_L2, 0, var, i3 == 3 ? own : 0);
		if (!l2)
			goto oom;
		/* A legacy PAE PDPTE has no rights and no A bit (SDM 4.4.1). */
		sh_link(sh, top, i3, l2, SH_P | (w.entries[3] & (SH_PWT | SH_PCD)));
		if (i3 == 3)
			sh_vmi_install(sh, v);
	} else {
		unsigned int q = (va >> 30) & 3;

		l2 = sh_get(sh, gfn_x(w.tables[2]), SH_L2_32, q, var, q == 3 ? own : 0);
		if (!l2)
			goto oom;
		sh_link(sh, top, q, l2, SH_P);
	}
	i2 = (va >> 21) & 511;
	if (l2->type == SH_FL2) {
		l1 = sh_get(sh, l2->gfn + (u64)i2 * 512, SH_FL1, 0, 0, 0);
		e = SH_P | SH_A | SH_RW | SH_US;
	} else if (w.leaf_level == 2) {
		l1 = sh_get(sh, sh_super_gfn(w.entries[2], 2, va), SH_FL1, 0, 0, 0);
		e = sh_leaf_flags(w.entries[2], nxe, false);
	} else {
		l1 = sh_get(sh, gfn_x(w.tables[1]),
			    GUEST_LEVELS == 2 ? SH_L1_32 : SH_L1,
			    GUEST_LEVELS == 2 ? (unsigned int)((va >> 21) & 1) : 0,
			    var, 0);
		e = sh_nonleaf_flags(w.entries[2], nxe);
	}
	if (!l1)
		goto oom;
	sh_link(sh, l2, i2, l1, e);
	path_rw &= e;
	i1 = (va >> 12) & 511;
	{
		u64 gfn = gpa_x(w.gpa) >> PAGE_SHIFT;

		/* A 4 KiB leaf takes the guest PTE's rights; an FL1 entry (a
		 * splintered superpage) has full rights, the guest's coming
		 * from the entry above it. Either way it is recomputed here:
		 * the frame may have stopped (or started) being a page table
		 * since the entry was made, and a stale read-only entry would
		 * send every later write to the emulator. */
		leaf = sh_leaf_entry(sh, gfn, l1->type == SH_FL1 ? SH_RW | SH_US :
				     sh_leaf_flags(w.entries[1], nxe, true));
		if (sh_table(l1)[i1] != leaf)
			sh_set_entry(sh, l1, i1, leaf, NULL);
		if (leaf & SH_RW)
			sh_hint_writable(sh, gfn, l1, i1);
	}
	leaf = sh_table(l1)[i1];
	sh_fault_end(v, pfec, &pe, gpa_x(w.gpa) >> PAGE_SHIFT,
		     (path_rw & leaf & SH_RW) && (leaf & SH_P));
	return 0;
oom:
	sh_fault_abort(v);
	return 0;
}

const struct paging_mode SH_MODE = {
	.name = "shadow",
	.page_fault = SH_FAULT_FN,
	.invlpg = sh_invlpg,
	.gva_to_gfn = sh_gva_to_gfn,
	.update_cr3 = sh_update_cr3,
	.update_paging_modes = sh_update_paging_modes,
	.guest_levels = sh_guest_levels,
	.hw_cr = sh_hw_cr,
	.shadow = true,
};

#undef SH_MODE
#undef SH_FAULT_FN
#undef GUEST_LEVELS
