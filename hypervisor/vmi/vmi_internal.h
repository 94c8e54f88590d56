/* SPDX-License-Identifier: MIT */
/*
 * State shared by the files of hypervisor/vmi/: one record per domain slot.
 * Runs: host root mode.
 */
#ifndef VMI_INTERNAL_H
#define VMI_INTERNAL_H

#include <shale/domain.h>
#include <shale/vmi.h>

struct vmi_domain {
	bool present;              /* the ROM is mapped (type = "pv") */
	mfn_t rom_mfn;             /* the domain's private copy of the ROM */
	unsigned int rom_order;
	struct vmi_drain_ctx drain; /* its stats outlive the domain */
	/* Counters (atomic): init calls, updates reported one by one
	 * (VMI_HC_UPDATE), multi-vCPU flushes and the vCPUs they flushed,
	 * local flushes (VMI_HC_FLUSH_LOCAL). */
	u64 inits, updates, flushes, flushed_vcpus, local_flushes;
	/* Set while the vCPU waits in VMI_HC_FLUSH_VCPUS (atomic): it is in
	 * host mode and takes a fresh ASID before it enters the guest again,
	 * so another flusher need not wait for it. */
	u32 in_flush[MAX_VCPUS];
	/* Shadow paging: each vCPU's queue page (queue.c). */
	mfn_t queue[MAX_VCPUS];
	unsigned int nr_queues;
};

/* queue.c: allocates a zeroed queue page per vCPU with its header set
 * (capacity, vcpu_id). Returns 0 or -SH_ENOMEM (pages made so far are
 * freed by vmi_queue_fini). */
int vmi_queue_init(struct domain *d);
void vmi_queue_fini(struct domain *d);

struct vmi_domain *vmi_of(struct domain *d);

#endif /* VMI_INTERNAL_H */
