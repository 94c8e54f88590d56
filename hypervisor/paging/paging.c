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
#include <shale/pod.h>
#include <shale/sched.h>
#include <shale/shadow.h>
#include <asm/cpu.h>
#include <asm/percpu.h>

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

/* A vCPU in the guest is made to exit by an IPI and waited for; one about
 * to enter sees asid_generation cleared (both sides use sequentially
 * consistent accesses) and takes a fresh ASID. */
void paging_flush_domain_tlbs(struct domain *d)
{
	struct vcpu *self = this_cpu()->current;

	for (unsigned int i = 0; i < d->nr_vcpus; i++)
		__atomic_store_n(&d->vcpus[i]->asid_generation, 0, __ATOMIC_SEQ_CST);
	for (unsigned int i = 0; i < d->nr_vcpus; i++) {
		struct vcpu *u = d->vcpus[i];
		u64 seq;

		if (u == self || !__atomic_load_n(&u->in_guest, __ATOMIC_SEQ_CST))
			continue;
		seq = __atomic_load_n(&u->exit_seq, __ATOMIC_SEQ_CST);
		sched_kick(u->pcpu);
		while (__atomic_load_n(&u->in_guest, __ATOMIC_SEQ_CST) &&
		       __atomic_load_n(&u->exit_seq, __ATOMIC_SEQ_CST) == seq)
			cpu_relax();
	}
}

/* The PoD flush hook (pod_flush_fn): a gfn range lost its mapping to
 * machine frames [mfn, mfn + 2^order). Under HAP the hardware's cached
 * guest-physical translations must go, on every CPU; under shadow paging
 * every shadow entry mapping those frames, and then the TLBs. Runs with
 * pod->lock held (the shadow lock comes after it). */
static void pod_flush(void *arg, gfn_t gfn, mfn_t mfn, unsigned int order)
{
	struct domain *d = arg;

	if (d->shadow)
		shadow_drop_gfns(d, gfn, mfn, order);
	else
		paging_flush_domain_tlbs(d);
}

int paging_pod_init(struct domain *d)
{
	struct guest_ram_range r[2];
	unsigned int n = guest_ram_layout(d->cfg.maxmem_mib << 20, r);
	int rc;

	pod_init(&d->pod, pod_flush, d);
	d->pod_enabled = true;
	/* The first 2 MiB holds firmware areas (EBDA, BIOS area, ACPI tables,
	 * a PV domain's ROM) that take other types and are touched a page at
	 * a time: keep it in 4 KiB entries (marking gfn 0 apart makes the
	 * rest of it misaligned for 2 MiB), as Xen does. */
	for (unsigned int i = 0; i < n; i++) {
		u64 first = r[i].start >> PAGE_SHIFT, end = r[i].end >> PAGE_SHIFT;
		u64 cuts[4] = { first, first, first, end };
		unsigned int nc = 0;

		if (first == 0 && end > 512) {
			cuts[1] = 1;
			cuts[2] = 512;
			nc = 3;
		} else {
			cuts[1] = end;
			nc = 1;
		}
		for (unsigned int c = 0; c < nc; c++) {
			u64 from = cuts[c], to = c + 1 < nc ? cuts[c + 1] : end;

			rc = pod_mark_range(&d->pod, &d->p2m, _gfn(from), to - from);
			if (rc)
				return rc;
		}
	}
	return pod_set_target(&d->pod, &d->p2m, (d->cfg.memory_mib << 20) >> PAGE_SHIFT);
}

int paging_gfn_entry(struct domain *d, gfn_t gfn, struct p2m_entry *e)
{
	mfn_t m;

	*e = p2m_get_entry(&d->p2m, gfn);
	if (e->type != p2m_pod || !d->pod_enabled)
		return 0;
	if (pod_populate(&d->pod, &d->p2m, gfn, &m))
		return -SH_ENOMEM;
	*e = p2m_get_entry(&d->p2m, gfn);
	return 0;
}
