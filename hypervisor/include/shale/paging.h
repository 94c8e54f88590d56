/* SPDX-License-Identifier: MIT */
/*
 * The paging interface: each domain has one struct paging_mode, fixed by
 * hap= at creation (HAP: NPT/EPT; shadow). Common code calls it only through
 * the inline wrappers below. Runs: host root mode.
 */
#ifndef SHALE_PAGING_H
#define SHALE_PAGING_H

#include <shale/guest_walk.h>
#include <shale/types.h>
#include <shale/vcpu.h>

struct domain;

struct paging_mode {
	const char *name;
	/* A guest #PF the hardware reported (shadow only). Returns 1 if it was
	 * the guest's own fault (to be reflected), 0 if fixed. */
	int (*page_fault)(struct vcpu *v, gva_t va, u32 pfec);
	void (*invlpg)(struct vcpu *v, gva_t va);
	/* Translates with the guest's tables; on a fault *pfec is the error
	 * code the guest should get. Returns 0, -SH_EFAULT or -SH_EIO. */
	int (*gva_to_gfn)(struct vcpu *v, gva_t va, u32 access, gfn_t *gfn,
			  u32 *pfec);
	/* The guest wrote CR3 (v->cr[3] holds the new value). */
	void (*update_cr3)(struct vcpu *v);
	/* CR0/CR4/EFER changed: recompute the vCPU's paging mode. */
	void (*update_paging_modes)(struct vcpu *v);
	unsigned int (*guest_levels)(struct vcpu *v);
	/* What the hardware should hold in CR0, CR3, CR4 or EFER (n = 8)
	 * for the guest-visible value 'guest' (HAP: the same). */
	u64 (*hw_cr)(struct vcpu *v, unsigned int n, u64 guest);
	/* Shadow only: the guest's CR0/CR3/CR4 reads must be intercepted
	 * (their hardware values differ), and INVLPG, #PF, CR3 writes. */
	bool shadow;
};

extern const struct paging_mode hap_paging_mode;
/* Shadow paging: the mode of a domain with hap = 0 before its vCPUs pick
 * one per guest paging level (hypervisor/paging/shadow/). */
extern const struct paging_mode shadow_paging_mode;

/* Frees the domain's paging structures (shadow pool); HAP: nothing. */
void paging_domain_fini(struct domain *d);

struct vm_exit;
/* A nested page fault (HAP): devices, read-only memory, or a crash. */
void hap_nested_fault(struct vcpu *v, const struct vm_exit *e);

/* Chooses and sets up the domain's paging mode from d->cfg.hap. Returns 0,
 * or -SH_EOPNOTSUPP if that mode is not available. */
int paging_domain_init(struct domain *d);

/* Makes every vCPU of the domain drop its cached translations before it
 * runs guest code again; vCPUs in the guest on other CPUs are kicked out
 * and waited for. */
void paging_flush_domain_tlbs(struct domain *d);

/* Populate-on-demand for a domain whose maxmem exceeds its memory: all of
 * its RAM becomes PoD, backed up to 'memory' on first touch (HAP only for
 * now). Returns 0, -SH_EOPNOTSUPP or -SH_ENOMEM. */
int paging_pod_init(struct domain *d);

/* The P2M entry for gfn, populating it first if it is populate-on-demand.
 * Returns 0, or -SH_ENOMEM when the domain's PoD is exhausted (*e is then
 * the p2m_pod entry). */
struct p2m_entry;
int paging_gfn_entry(struct domain *d, gfn_t gfn, struct p2m_entry *e);

/* Fills a guest_paging description from the vCPU's registers. */
void paging_vcpu_state(struct vcpu *v, struct guest_paging *gp);

const struct paging_mode *domain_paging(const struct vcpu *v);

/* Translates a guest-virtual address for an access of kind 'access'
 * (PFEC_WRITE/USER/INSN). Returns 0, -SH_EFAULT (*pfec set) or -SH_EIO. */
static inline int paging_gva_to_gfn(struct vcpu *v, gva_t va, u32 access,
				    gfn_t *gfn, u32 *pfec)
{
	return domain_paging(v)->gva_to_gfn(v, va, access, gfn, pfec);
}

/* The guest executed INVLPG va (or the ROM asked for it). */
static inline void paging_invlpg(struct vcpu *v, gva_t va)
{
	domain_paging(v)->invlpg(v, va);
}

/* The guest loaded CR3. */
static inline void paging_update_cr3(struct vcpu *v)
{
	domain_paging(v)->update_cr3(v);
}

/* The guest changed CR0, CR4 or EFER in a way that may switch modes. */
static inline void paging_update_paging_modes(struct vcpu *v)
{
	domain_paging(v)->update_paging_modes(v);
}

/* A #PF the hardware raised in the guest (shadow paging intercepts them):
 * fixes the shadow, emulates, or delivers the guest's own fault. */
static inline void paging_page_fault(struct vcpu *v, gva_t va, u32 pfec)
{
	domain_paging(v)->page_fault(v, va, pfec);
}

/* The value the hardware should see for CR n (0, 3, 4; 8 = EFER). */
static inline u64 paging_hw_cr(struct vcpu *v, unsigned int n, u64 guest)
{
	return domain_paging(v)->hw_cr(v, n, guest);
}

/* 0, 2, 3 or 4: the guest's current number of paging levels. */
static inline unsigned int paging_guest_levels(struct vcpu *v)
{
	return domain_paging(v)->guest_levels(v);
}

#endif /* SHALE_PAGING_H */
