/* SPDX-License-Identifier: MIT */
/*
 * The per-vCPU deferred-update queue pages of a PV domain on shadow
 * paging: one host page per vCPU, outside the guest-physical space (no
 * P2M entry can name it, so no drain entry can), which shadow paging maps
 * at the ABI's fixed linear address in that vCPU's own top-level shadow;
 * and the drain of a vCPU's page at a flush point.
 * Runs: host root mode (domain build and destroy; the vCPU's own CPU for
 * drains).
 */
#include <shale/domain.h>
#include <shale/errno.h>
#include <shale/frames.h>
#include <shale/string.h>

#include "vmi_internal.h"

int vmi_queue_init(struct domain *d)
{
	struct vmi_domain *vd = vmi_of(d);

	for (unsigned int i = 0; i < d->nr_vcpus; i++) {
		mfn_t m = alloc_frames_zeroed(0);
		struct vmi_queue *q;

		if (mfn_eq(m, INVALID_MFN))
			return -SH_ENOMEM;
		q = mfn_to_virt(m);
		q->capacity = VMI_QUEUE_CAPACITY;
		q->vcpu_id = i;
		vd->queue[i] = m;
		vd->nr_queues = i + 1;
	}
	return 0;
}

void vmi_queue_fini(struct domain *d)
{
	struct vmi_domain *vd = vmi_of(d);

	for (unsigned int i = 0; i < vd->nr_queues; i++)
		free_frames(vd->queue[i], 0);
	vd->nr_queues = 0;
}

mfn_t vmi_queue_mfn(struct domain *d, unsigned int vcpu)
{
	struct vmi_domain *vd = vmi_of(d);

	return vcpu < vd->nr_queues ? vd->queue[vcpu] : INVALID_MFN;
}

long vmi_queue_drain(struct vcpu *v, unsigned int reason)
{
	struct vmi_domain *vd = vmi_of(v->domain);
	struct vmi_queue *q;
	long status;

	if (v->id >= vd->nr_queues)
		return -VMI_ENOSYS;
	q = mfn_to_virt(vd->queue[v->id]);
	/* The page is the guest's to write: vmi_drain reads the count and
	 * each entry once, and checks them; the header Shale owns is set
	 * again here. */
	status = vmi_drain(&vd->drain, q, VMI_QUEUE_CAPACITY, reason);
	WRITE_ONCE(q->count, 0);
	WRITE_ONCE(q->capacity, VMI_QUEUE_CAPACITY);
	WRITE_ONCE(q->vcpu_id, v->id);
	return status;
}

bool vmi_queue_pending(struct vcpu *v)
{
	struct vmi_domain *vd = vmi_of(v->domain);

	return v->id < vd->nr_queues &&
	       READ_ONCE(((struct vmi_queue *)mfn_to_virt(vd->queue[v->id]))->count);
}
