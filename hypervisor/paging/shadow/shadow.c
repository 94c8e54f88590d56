/* SPDX-License-Identifier: MIT */
/*
 * Shadow paging's entry points shared by every guest level: setting a
 * domain up, the hardware's view of CR0/CR3/CR4/EFER, switching top levels
 * on CR3 writes and paging-mode changes (with a small per-vCPU cache of
 * recent tops), the shared first and last steps of a #PF, INVLPG, the
 * identity shadow of an unpaged guest, and the domain-wide TLB flush.
 * Runs: host root mode.
 */
#include <asm/cpu.h>
#include <asm/msr-index.h>
#include <asm/percpu.h>
#include <shale/domain.h>
#include <shale/errno.h>
#include <shale/frames.h>
#include <shale/guest_mem.h>
#include <shale/guest_walk.h>
#include <shale/hvm.h>
#include <shale/p2m.h>
#include <shale/paging.h>
#include <shale/platform.h>
#include <shale/pod.h>
#include <shale/printk.h>
#include <shale/sched.h>
#include <shale/string.h>
#include <shale/vmexit_handlers.h>
#include <shale/xmalloc.h>

#include "shadow_private.h"

static int sh_page_fault_l0(struct vcpu *v, gva_t va, u32 pfec);

/* The mode of an unpaged guest (and of every vCPU before it has one). */
const struct paging_mode shadow_paging_mode = {
	.name = "shadow",
	.page_fault = sh_page_fault_l0,
	.invlpg = sh_invlpg,
	.gva_to_gfn = sh_gva_to_gfn,
	.update_cr3 = sh_update_cr3,
	.update_paging_modes = sh_update_paging_modes,
	.guest_levels = sh_guest_levels,
	.hw_cr = sh_hw_cr,
	.shadow = true,
};

int shadow_domain_init(struct domain *d)
{
	struct shadow_domain *sh = xzalloc(sizeof(*sh));
	u64 pages = d->cfg.shadow_memory_set ? d->cfg.shadow_memory_mib * 256 :
		    shadow_default_pages(d->cfg.vcpus, d->cfg.memory_mib);

	if (!sh)
		return -SH_ENOMEM;
	if (pages < shadow_min_pages(d->cfg.vcpus))
		pages = shadow_min_pages(d->cfg.vcpus);
	if (sh_pool_init(sh, d, pages, d->cfg.vcpus)) {
		xfree(sh);
		return -SH_ENOMEM;
	}
	d->shadow = sh;
	d->paging = &shadow_paging_mode;
	return 0;
}

void shadow_domain_fini(struct domain *d)
{
	sh_vmi_fini(d->shadow);
	sh_pool_fini(d->shadow);
	xfree(d->shadow);
	d->shadow = NULL;
}

void sh_flush_tlbs(struct shadow_domain *sh)
{
	paging_flush_domain_tlbs(sh->d);
}

void sh_guest_paging(struct vcpu *v, struct guest_paging *gp)
{
	paging_vcpu_state(v, gp);
	if (guest_paging_levels(gp) == 3)
		gp->pae_pdptes = v->domain->shadow->vcpu[v->id].pdptes;
}

/* What a guest page table in unpopulated PoD memory holds. */
static u64 sh_zero_table[SH_ENTRIES] __aligned(PAGE_SIZE);

/* The walker's view of guest memory: RAM and ROM, and a PoD frame as the
 * zeros it stands for (its entries are not present, so the walker never
 * writes there), without populating: the fault path walks with sh->lock
 * held, and a populate may sweep, which takes sh->lock (shadow_pod.c). */
static void *sh_map_gfn(void *ctx, gfn_t gfn)
{
	struct domain *d = ctx;
	struct p2m_entry e = p2m_get_entry(&d->p2m, gfn);

	if (e.type == p2m_ram_rw || e.type == p2m_ram_ro || e.type == p2m_rom)
		return mfn_to_virt(e.mfn);
	if (e.type == p2m_pod)
		return sh_zero_table;
	return NULL;
}

int sh_gva_to_gfn(struct vcpu *v, gva_t va, u32 access, gfn_t *gfn, u32 *pfec)
{
	struct guest_paging gp;
	struct guest_mem mem = { sh_map_gfn, v->domain };
	struct guest_walk w;
	int rc;

	sh_guest_paging(v, &gp);
	rc = guest_walk(&gp, &mem, va, access, true, &w);
	if (rc == -SH_EFAULT)
		*pfec = w.pfec;
	if (rc)
		return rc;
	*gfn = gpa_to_gfn(w.gpa);
	return 0;
}

unsigned int sh_guest_levels(struct vcpu *v)
{
	struct guest_paging gp;

	paging_vcpu_state(v, &gp);
	return guest_paging_levels(&gp);
}

/* The hardware always pages (CR0.PG, and WP so that read-only shadow
 * entries bind the guest kernel too): PAE shadows for guests below 4
 * levels, with long mode off until the guest's is active. */
u64 sh_hw_cr(struct vcpu *v, unsigned int n, u64 guest)
{
	struct sh_vcpu *svc = &v->domain->shadow->vcpu[v->id];
	unsigned int levels = sh_guest_levels(v);

	switch (n) {
	case 0:
		return guest | CR0_PG | CR0_WP;
	case 3:
		return svc->top ? mfn_x(svc->top->mfn) << PAGE_SHIFT : 0;
	case 4:
		/* SMEP/SMAP bind only with paging on: the identity shadow of
		 * an unpaged guest maps everything as user pages. */
		if (!levels)
			guest &= ~(CR4_SMEP | CR4_SMAP);
		return (levels == 4 ? guest : guest | CR4_PAE) & ~CR4_PCIDE;
	default:
		return levels == 4 ? guest : guest & ~(EFER_LME | EFER_LMA);
	}
}

struct sh_page *sh_get(struct shadow_domain *sh, u64 gfn, unsigned int type,
		       unsigned int sub, unsigned int variant,
		       unsigned int owner)
{
	struct sh_page *sp = sh_lookup(sh, gfn, type, sub, variant, owner);

	if (sp) {
		sh_touch(sh, sp);
		return sp;
	}
	sp = sh_create(sh, gfn, type, sub, variant, owner);
	if (!sp)
		return NULL;
	if (sh_type_is_pt(type)) {
		struct p2m_entry pe = p2m_get_entry(&sh->d->p2m, _gfn(gfn));

		if (pe.type == p2m_ram_rw && !sh->pv)
			sh_remove_write_access(sh, gfn, pe.mfn);
		if (type == SH_L1 || type == SH_L1_32)
			sh_l1_prefill(sh, sp);
	} else if (type == SH_FL1) {
		for (unsigned int i = 0; i < SH_ENTRIES; i++) {
			u64 e = sh_leaf_entry(sh, gfn + i, SH_RW | SH_US);

			if (!e)
				continue;
			sh_set_entry(sh, sp, i, e, NULL);
			if (e & SH_RW)
				sh_hint_writable(sh, gfn + i, sp, i);
		}
	}
	return sp;
}

static u8 sh_variant(struct vcpu *v, unsigned int levels)
{
	if (levels == 2)
		return (v->cr[4] & CR4_PSE) ? 2 : 0;
	if (levels >= 3)
		return (v->efer & EFER_NXE) ? 1 : 0;
	return 0;
}

/* Reads the four PAE PDPTEs at guest-physical gpa (32-byte aligned)
 * without populating: zeros from a PoD frame (what it holds) and, as
 * before, from anything that is not RAM. sh->lock held, which keeps the
 * sweep from reusing the frame meanwhile (shadow_pod.c). */
static void sh_read_pdptes(struct domain *d, u64 gpa, u64 out[4])
{
	struct p2m_entry e = p2m_get_entry(&d->p2m, _gfn(gpa >> PAGE_SHIFT));

	if (e.type == p2m_ram_rw || e.type == p2m_ram_ro || e.type == p2m_rom)
		memcpy(out, (u8 *)mfn_to_virt(e.mfn) + (gpa & (PAGE_SIZE - 1)),
		       4 * sizeof(u64));
	else
		memset(out, 0, 4 * sizeof(u64));
}

/* Makes the top for the vCPU's CR3 and mode current: from the cache, or a
 * new one; PAE PDPTs are (re)filled from the guest PDPTEs, which the CPU
 * loads at this point (SDM 4.4.1). sh->lock held. Returns 0 or -SH_ENOMEM. */
static int sh_load_top(struct vcpu *v)
{
	struct shadow_domain *sh = v->domain->shadow;
	struct sh_vcpu *svc = &sh->vcpu[v->id];
	unsigned int levels = sh_guest_levels(v), own = v->id + 1;
	u8 var = sh_variant(v, levels);
	u64 key = levels == 0 ? 0 : levels == 3 ? v->cr[3] & 0xffffffe0ULL
			      : v->cr[3] & SH_ADDR;
	struct sh_top_slot *slot = NULL, *victim = &svc->cache[0];
	struct sh_page *top;

	if (sh_reserve(sh, SH_RESERVE))
		return -SH_ENOMEM;
	if (levels == 3)
		sh_read_pdptes(v->domain, key, svc->pdptes);
	for (unsigned int k = 0; k < SH_TOP_CACHE; k++) {
		struct sh_top_slot *s = &svc->cache[k];

		if (s->sp && s->cr3 == key && s->levels == levels &&
		    s->variant == var)
			slot = s;
		if (!s->sp || (victim->sp && s->lru < victim->lru))
			victim = s;
	}
	if (!slot) {
		top = sh_create(sh, levels == 4 ? key >> PAGE_SHIFT : key,
				levels == 4 ? SH_L4_TOP : SH_PDPT_TOP, levels, var, own);
		if (!top)
			return -SH_ENOMEM;
		sh_pin(top);
		if (levels == 4) {
			struct p2m_entry pe = p2m_get_entry(&sh->d->p2m,
							    _gfn(key >> PAGE_SHIFT));

			if (pe.type == p2m_ram_rw && !sh->pv)
				sh_remove_write_access(sh, key >> PAGE_SHIFT, pe.mfn);
		}
		slot = victim;
		if (slot->sp) {
			struct sh_page *old = slot->sp;

			slot->sp = NULL;
			if (svc->top == old)
				svc->top = NULL;
			sh_unpin(sh, old);
		}
		*slot = (struct sh_top_slot){ top, key, (u8)levels, var, 0 };
	}
	slot->lru = ++sh->clock;
	top = slot->sp;
	svc->top = top;
	svc->levels = levels;
	svc->variant = var;
	for (unsigned int i = 0; levels != 4 && i < 4; i++) {
		struct sh_page *l2 = NULL;
		u64 flags = SH_P;

		if (levels == 0) {
			l2 = sh_get(sh, i, SH_ID_L2, 0, 0, 0);
		} else if (levels == 2) {
			l2 = sh_get(sh, key >> PAGE_SHIFT, SH_L2_32, i, var,
				    i == 3 ? own : 0);
		} else if (svc->pdptes[i] & SH_P) {
			l2 = sh_get(sh, (svc->pdptes[i] & SH_ADDR) >> PAGE_SHIFT,
				    SH_L2, 0, var, i == 3 ? own : 0);
			flags |= svc->pdptes[i] & (SH_PWT | SH_PCD);
		} else if (sh_table(top)[i]) {
			sh_set_entry(sh, top, i, 0, NULL);
			continue;
		} else {
			continue;
		}
		if (!l2)
			return -SH_ENOMEM;
		sh_link(sh, top, i, l2, flags);
	}
	sh_vmi_install(sh, v);
	return 0;
}

/* Loads the top and tells the hardware (CR0/CR3/CR4/EFER, fresh ASID). */
static void sh_switch(struct vcpu *v)
{
	struct shadow_domain *sh = v->domain->shadow;
	static const struct paging_mode *const modes[5] = {
		&shadow_paging_mode, NULL, &sh_paging_l2, &sh_paging_l3,
		&sh_paging_l4,
	};
	int rc;

	v->paging = modes[sh_guest_levels(v)];
	spin_lock(&sh->lock);
	rc = sh_load_top(v);
	sh_commit(sh);
	spin_unlock(&sh->lock);
	if (rc)
		domain_crash(v->domain, v, "shadow pool of %lu pages too small "
			     "for a new top level", sh->budget);
	for (unsigned int n = 0; n <= 8; n += (n == 0 ? 3 : n == 3 ? 1 : 4))
		hvm->update_guest_cr(v, n);
	hvm->flush_guest_tlb(v);
}

void sh_update_cr3(struct vcpu *v)
{
	sh_switch(v);
}

void sh_update_paging_modes(struct vcpu *v)
{
	sh_switch(v);
}

bool sh_fault_begin(struct vcpu *v, gva_t va, u32 pfec, struct guest_walk *w,
		    struct p2m_entry *pe)
{
	struct domain *d = v->domain;
	struct shadow_domain *sh = d->shadow;
	struct guest_mem mem = { sh_map_gfn, d };
	struct guest_paging gp;
	unsigned int populates = 0;
	u64 gpa;
	int rc;

retry:
	sh_guest_paging(v, &gp);
	spin_lock(&sh->lock);
	if (!sh->vcpu[v->id].top && sh_load_top(v)) {
		spin_unlock(&sh->lock);
		domain_crash(d, v, "shadow pool too small for a top level");
		return false;
	}
	rc = guest_walk(&gp, &mem, va, pfec & (PFEC_WRITE | PFEC_USER | PFEC_INSN),
			true, w);
	if (rc == -SH_EFAULT) {
		if (w->leaf_level == 1 && !(w->entries[1] & SH_P))
			sh_l1_mark_not_present(sh, gfn_x(w->tables[1]),
					       w->levels == 2 ? SH_L1_32 : SH_L1,
					       w->levels == 2 ?
					       (unsigned int)((gva_x(va) >> 21) & 1) : 0,
					       sh->vcpu[v->id].variant,
					       (unsigned int)((gva_x(va) >> 12) & 511));
		sh->stats->fault_guest++;
		spin_unlock(&sh->lock);
		vcpu_inject_pf(v, gva_x(va), w->pfec);
		return false;
	}
	if (rc) {
		spin_unlock(&sh->lock);
		domain_crash(d, v, "guest page table at 0x%lx is not RAM",
			     gfn_x(w->tables[w->leaf_level]) << PAGE_SHIFT);
		return false;
	}
	gpa = gpa_x(w->gpa);
	*pe = p2m_get_entry(&d->p2m, gpa_to_gfn(w->gpa));
	if (pe->type == p2m_pod && d->pod_enabled) {
		/* Populated with sh->lock dropped (a sweep takes it), then the
		 * walk is redone: the guest's tables may have changed. */
		mfn_t m;

		spin_unlock(&sh->lock);
		v->stats.npf_pod++;
		if (pod_populate(&d->pod, &d->p2m, gpa_to_gfn(w->gpa), &m)) {
			domain_crash(d, v, "populate-on-demand exhausted: the guest "
				     "touched more than its %lu MiB target and no "
				     "zeroed page could be reclaimed",
				     d->cfg.memory_mib);
			return false;
		}
		if (++populates < 4)
			goto retry;
		return false; /* swept again at once: the guest faults again */
	}
	if (populates && pe->type == p2m_ram_rw)
		sh_pod_refill(sh, gpa >> PAGE_SHIFT, pe->order);
	if (pe->type == p2m_mmio) {
		sh->stats->fault_mmio++;
		v->stats.npf_mmio++;
		spin_unlock(&sh->lock);
		if (!platform_mmio_gpa(v, gpa))
			domain_crash(d, v, "MMIO access at 0x%lx: no device or "
				     "instruction Shale emulates there", gpa);
		return false;
	}
	if (pe->type != p2m_ram_rw && pe->type != p2m_ram_ro &&
	    pe->type != p2m_rom) {
		spin_unlock(&sh->lock);
		v->stats.npf_invalid++;
		domain_crash(d, v, "access at guest-physical 0x%lx (va 0x%lx), "
			     "outside the domain's memory (%s)", gpa, gva_x(va),
			     p2m_type_name(pe->type));
		return false;
	}
	if (sh_reserve(sh, SH_RESERVE)) {
		spin_unlock(&sh->lock);
		domain_crash(d, v, "shadow pool of %lu pages too small",
			     sh->budget);
		return false;
	}
	return true;
}

void sh_fault_abort(struct vcpu *v)
{
	struct shadow_domain *sh = v->domain->shadow;

	sh_commit(sh);
	spin_unlock(&sh->lock);
	domain_crash(v->domain, v, "shadow pool of %lu pages exhausted",
		     sh->budget);
}

void sh_fault_end(struct vcpu *v, u32 pfec, const struct p2m_entry *pe,
		  u64 gfn, bool writable)
{
	struct shadow_domain *sh = v->domain->shadow;

	sh_commit(sh);
	if ((pfec & PFEC_WRITE) && !writable && pe->type == p2m_ram_rw &&
	    hvm->delivering_event(v)) {
		/* The write was the event delivery's (it pushes onto the
		 * stack), not the instruction's at RIP, which emulating would
		 * run: the frame stops being a shadowed page table instead,
		 * and the event is delivered again. */
		bool unshadowed = sh_unshadow_gfn(sh, gfn);

		sh_commit(sh);
		spin_unlock(&sh->lock);
		if (!unshadowed)
			domain_crash(v->domain, v, "an event's delivery wrote guest "
				     "frame 0x%lx, which Shale keeps read-only (a "
				     "top-level page table in use, or a read-only "
				     "page written with CR0.WP = 0)", gfn);
		return;
	}
	if ((pfec & PFEC_WRITE) && !writable) {
		spin_unlock(&sh->lock);
		if (pe->type != p2m_ram_rw) {
			v->stats.npf_ro_write++;
			domain_crash(v->domain, v, "write to read-only guest memory");
			return;
		}
		sh_emulate(v);
		return;
	}
	sh->stats->fault_fixed++;
	spin_unlock(&sh->lock);
	/* A permission upgrade needs no flush, but a stale entry might sit
	 * in this vCPU's TLB after a race with another vCPU: drop it. */
	hvm->flush_guest_tlb(v);
}

/* An unpaged guest: guest-physical = linear (below 4 GiB), mapped by the
 * identity shadow (PDPT -> ID_L2 per GiB -> FL1 per 2 MiB). */
static int sh_page_fault_l0(struct vcpu *v, gva_t va, u32 pfec)
{
	struct shadow_domain *sh = v->domain->shadow;
	struct sh_page *top, *l2, *l1;
	struct guest_walk w;
	struct p2m_entry pe;
	u64 a = (u32)gva_x(va);
	unsigned int q = (a >> 30) & 3, i2 = (a >> 21) & 511;

	if (!sh_fault_begin(v, va, pfec, &w, &pe))
		return 1;
	top = sh->vcpu[v->id].top;
	l2 = sh_get(sh, q, SH_ID_L2, 0, 0, 0);
	l1 = l2 ? sh_get(sh, a >> 21 << 9, SH_FL1, 0, 0, 0) : NULL;
	if (!l1) {
		sh_fault_abort(v);
		return 0;
	}
	sh_link(sh, top, q, l2, SH_P);
	sh_link(sh, l2, i2, l1, SH_P | SH_A | SH_RW | SH_US);
	{
		/* As the paged levels do: the frame may have been populated
		 * (or become a page table) since the FL1 was filled. */
		unsigned int i1 = (a >> 12) & 511;
		u64 leaf = sh_leaf_entry(sh, a >> PAGE_SHIFT, SH_RW | SH_US);

		if (sh_table(l1)[i1] != leaf)
			sh_set_entry(sh, l1, i1, leaf, NULL);
		if (leaf & SH_RW)
			sh_hint_writable(sh, a >> PAGE_SHIFT, l1, i1);
	}
	sh_fault_end(v, pfec, &pe, a >> PAGE_SHIFT,
		     sh_table(l1)[(a >> 12) & 511] & SH_RW);
	return 0;
}

void sh_zap_va(struct vcpu *v, u64 va)
{
	struct shadow_domain *sh = v->domain->shadow;
	struct sh_vcpu *svc = &sh->vcpu[v->id];
	struct sh_page *sp = svc->top;
	unsigned int level = svc->levels == 4 ? 4 : 3;

	if (svc->levels != 4)
		va = (u32)va;
	while (sp) {
		unsigned int idx = (level == 3 && svc->levels != 4) ?
			(va >> 30) & 3 : (va >> (12 + 9 * (level - 1))) & 511;
		u64 e = sh_table(sp)[idx];

		if (level == 1) {
			if (e)
				sh_set_entry(sh, sp, idx, 0, NULL);
			return;
		}
		if (!(e & SH_P))
			return;
		sp = sh_by_mfn(sh, _mfn((e & SH_ADDR) >> PAGE_SHIFT));
		level--;
	}
}

void sh_invlpg(struct vcpu *v, gva_t va)
{
	struct shadow_domain *sh = v->domain->shadow;

	spin_lock(&sh->lock);
	sh_zap_va(v, gva_x(va));
	sh_commit(sh);
	spin_unlock(&sh->lock);
	hvm->flush_guest_tlb(v);
}
