/* SPDX-License-Identifier: MIT */
/*
 * Choosing a domain's paging mode and describing a vCPU's paging registers
 * to the guest walker. Runs: host root mode.
 */
#include <asm/msr-index.h>
#include <shale/cpuid.h>
#include <shale/domain.h>
#include <shale/errno.h>
#include <shale/paging.h>

int paging_domain_init(struct domain *d)
{
	if (!d->cfg.hap)
		return shadow_domain_init(d);
	d->paging = &hap_paging_mode;
	return 0;
}

void paging_domain_fini(struct domain *d)
{
	if (d->shadow)
		shadow_domain_fini(d);
}

const struct paging_mode *domain_paging(const struct vcpu *v)
{
	return v->paging ? v->paging : v->domain->paging;
}

void paging_vcpu_state(struct vcpu *v, struct guest_paging *gp)
{
	*gp = (struct guest_paging){
		.cr0 = v->cr[0],
		.cr3 = v->cr[3],
		.cr4 = v->cr[4],
		.efer = v->efer,
		.rflags = v->regs.rflags,
		.maxphyaddr = cpuid_guest_maxphyaddr(v),
		.pdpe1gb = cpuid_guest_has(v, 0x80000001, 'd', 26),
		.pae_pdptes = NULL,
	};
}
