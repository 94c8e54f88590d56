/* SPDX-License-Identifier: MIT */
/*
 * Hardware-assisted paging (AMD NPT): the hardware walks the guest's own
 * tables and then the P2M, so most of struct paging_mode is empty. What
 * remains is translating guest-virtual addresses for emulation (with the
 * same walker shadow paging uses) and the nested page faults: MMIO goes to
 * device models, writes to read-only memory and ROM are dropped, anything
 * else the guest touches outside its memory crashes the domain.
 * Runs: host root mode. AMD APM vol. 2 15.25.
 */
#include <shale/domain.h>
#include <shale/errno.h>
#include <shale/frames.h>
#include <shale/guest_walk.h>
#include <shale/hvm.h>
#include <shale/paging.h>
#include <shale/platform.h>
#include <shale/vmexit_handlers.h>

/* The walker's view of guest memory: the domain's RAM (and ROM) only. */
static void *hap_map_gfn(void *ctx, gfn_t gfn)
{
	struct domain *d = ctx;
	struct p2m_entry e;

	/* Guest page tables may live in memory not yet populated. */
	if (paging_gfn_entry(d, gfn, &e))
		return NULL;
	if (e.type == p2m_ram_rw || e.type == p2m_ram_ro || e.type == p2m_rom)
		return mfn_to_virt(e.mfn);
	return NULL;
}

static int hap_gva_to_gfn(struct vcpu *v, gva_t va, u32 access, gfn_t *gfn,
			  u32 *pfec)
{
	struct guest_paging gp;
	struct guest_mem mem = { hap_map_gfn, v->domain };
	struct guest_walk w;
	int rc;

	paging_vcpu_state(v, &gp);
	rc = guest_walk(&gp, &mem, va, access, true, &w);
	if (rc == -SH_EFAULT)
		*pfec = w.pfec;
	if (rc)
		return rc;
	*gfn = gpa_to_gfn(w.gpa);
	return 0;
}

static int hap_page_fault(struct vcpu *v, gva_t va, u32 pfec)
{
	return 1; /* never intercepted under HAP: always the guest's own */
}

static void hap_invlpg(struct vcpu *v, gva_t va)
{
}

static void hap_update_cr3(struct vcpu *v)
{
}

static void hap_update_paging_modes(struct vcpu *v)
{
}

static unsigned int hap_guest_levels(struct vcpu *v)
{
	struct guest_paging gp;

	paging_vcpu_state(v, &gp);
	return guest_paging_levels(&gp);
}

static u64 hap_hw_cr(struct vcpu *v, unsigned int n, u64 guest)
{
	return guest; /* the hardware walks the guest's own tables */
}

const struct paging_mode hap_paging_mode = {
	.hw_cr = hap_hw_cr,
	.name = "hap",
	.page_fault = hap_page_fault,
	.invlpg = hap_invlpg,
	.gva_to_gfn = hap_gva_to_gfn,
	.update_cr3 = hap_update_cr3,
	.update_paging_modes = hap_update_paging_modes,
	.guest_levels = hap_guest_levels,
};

void hap_nested_fault(struct vcpu *v, const struct vm_exit *e)
{
	struct domain *d = v->domain;
	struct p2m_entry ent = p2m_get_entry(&d->p2m, gpa_to_gfn(_gpa(e->npf.gpa)));

	switch (ent.type) {
	case p2m_ram_rw:
		/* Already mapped: a fault raced with a P2M change. */
		hvm->flush_guest_tlb(v);
		return;
	case p2m_ram_ro:
	case p2m_rom:
		v->stats.npf_ro_write++;
		domain_crash(d, v, "write to read-only guest memory at 0x%lx",
			     e->npf.gpa);
		return;
	case p2m_pod:
		v->stats.npf_pod++;
		if (paging_gfn_entry(d, gpa_to_gfn(_gpa(e->npf.gpa)), &ent))
			domain_crash(d, v, "populate-on-demand exhausted: the guest "
				     "touched more than its %lu MiB target and no "
				     "zeroed page could be reclaimed",
				     d->cfg.memory_mib);
		return;
	case p2m_mmio:
		v->stats.npf_mmio++;
		if (!platform_mmio(v, e))
			domain_crash(d, v, "MMIO access at 0x%lx: no device or "
				     "instruction Shale emulates there", e->npf.gpa);
		return;
	default:
		v->stats.npf_invalid++;
		domain_crash(d, v, "%s at guest-physical 0x%lx, outside the domain's "
			     "memory (%s)", e->npf.write ? "write" : e->npf.fetch ?
			     "fetch" : "read", e->npf.gpa, p2m_type_name(ent.type));
		return;
	}
}
