/* SPDX-License-Identifier: MIT */
/*
 * Shadow paging for a PV domain with the VMI ROM's deferred-update queue:
 * each vCPU's queue page (hypervisor/vmi/queue.c) mapped at the same
 * linear address in that vCPU's own top-level shadow, and the drain's
 * re-sync callback. VMI_QUEUE_VA64 (0xffff800000000000) is top slot 256
 * of a 4-level guest, in the hole Linux leaves to hypervisors; the
 * private L3 -> L2 -> L1 below it belong to the vCPU. VMI_QUEUE_VA_PAE
 * (0xffe00000) is entry 511 of the L2 under PDPT slot 3, which every vCPU
 * has its own copy of; the guest keeps that 2 MiB free (reservetop=2M).
 * The mappings are supervisor-only, writable, never executable.
 * Runs: host root mode.
 */
#include <shale/domain.h>
#include <shale/frames.h>
#include <shale/shadow.h>
#include <shale/vmi.h>

#include "shadow_private.h"

_Static_assert(((VMI_QUEUE_VA64 >> 39) & 511) == SH_VMI_SLOT64 &&
	       (VMI_QUEUE_VA64 & ((1ULL << 39) - 1)) == 0,
	       "the 64-bit queue page starts its top-level slot");
_Static_assert(((VMI_QUEUE_VA_PAE >> 30) & 3) == 3 &&
	       ((VMI_QUEUE_VA_PAE >> 21) & 511) == SH_VMI_PDE_PAE &&
	       (VMI_QUEUE_VA_PAE & ((1u << 21) - 1)) == 0,
	       "the PAE queue page starts the top 2 MiB");

/* The drain's callback: the guest entry at gpa changed, as if Shale had
 * written it. */
static void sh_vmi_resync(void *arg, u64 gpa, unsigned int level, bool pae,
			  u64 entry)
{
	shadow_guest_wrote(arg, _gfn(gpa >> PAGE_SHIFT),
			   (unsigned int)(gpa & (PAGE_SIZE - 1)), 8);
}

void shadow_vmi_attach(struct domain *d)
{
	if (!d->shadow)
		return;
	d->shadow->pv = true;
	vmi_set_resync(d, sh_vmi_resync, d);
}

/* The vCPU's private table n (made on first use), or NULL. */
static u64 *sh_vmi_table(struct shadow_domain *sh, unsigned int vcpu,
			 unsigned int n)
{
	mfn_t *m = &sh->vmi_tables[vcpu][n];

	if (mfn_x(*m) == 0) {
		mfn_t f = alloc_frames_zeroed(0);

		if (mfn_eq(f, INVALID_MFN))
			return NULL;
		*m = f;
	}
	return mfn_to_virt(*m);
}

static u64 sh_vmi_entry_to(const u64 *table)
{
	return (mfn_x(virt_to_mfn(table)) << PAGE_SHIFT) | SH_P | SH_RW | SH_A;
}

void sh_vmi_install(struct shadow_domain *sh, struct vcpu *v)
{
	struct sh_vcpu *svc = &sh->vcpu[v->id];
	mfn_t q = vmi_queue_mfn(sh->d, v->id);
	struct sh_page *l2;
	u64 *l1, e;

	if (!sh->pv || mfn_eq(q, INVALID_MFN) || !svc->top ||
	    (svc->levels != 4 && svc->levels != 3))
		return;
	l1 = sh_vmi_table(sh, v->id, 0);
	if (!l1)
		return; /* no queue page: the ROM's next drain refills it */
	l1[0] = (mfn_x(q) << PAGE_SHIFT) | SH_P | SH_RW | SH_A | SH_D;
	if (svc->levels == 4) {
		u64 *l2t = sh_vmi_table(sh, v->id, 1);
		u64 *l3t = sh_vmi_table(sh, v->id, 2);

		if (!l2t || !l3t)
			return;
		l2t[0] = sh_vmi_entry_to(l1);
		l3t[0] = sh_vmi_entry_to(l2t);
		e = sh_vmi_entry_to(l3t);
		if (sh_table(svc->top)[SH_VMI_SLOT64] != e)
			sh_set_entry(sh, svc->top, SH_VMI_SLOT64, e, NULL);
		return;
	}
	e = sh_table(svc->top)[3];
	if (!(e & SH_P))
		return;
	l2 = sh_by_mfn(sh, _mfn((e & SH_ADDR) >> PAGE_SHIFT));
	if (!l2 || l2->owner != v->id + 1)
		return;
	e = sh_vmi_entry_to(l1);
	if (sh_table(l2)[SH_VMI_PDE_PAE] != e)
		sh_set_entry(sh, l2, SH_VMI_PDE_PAE, e, NULL);
}

bool sh_vmi_reserved(const struct shadow_domain *sh, unsigned int levels,
		     u64 va)
{
	if (!sh->pv)
		return false;
	if (levels == 4)
		return ((va >> 39) & 511) == SH_VMI_SLOT64 && (va >> 48) == 0xffff;
	return levels == 3 && (u32)va >= VMI_QUEUE_VA_PAE;
}

void sh_vmi_fini(struct shadow_domain *sh)
{
	for (unsigned int i = 0; i < MAX_VCPUS; i++)
		for (unsigned int n = 0; n < 3; n++)
			if (mfn_x(sh->vmi_tables[i][n]))
				free_frames(sh->vmi_tables[i][n], 0);
}
