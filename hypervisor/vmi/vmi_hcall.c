/* SPDX-License-Identifier: MIT */
/*
 * The VMI hypercalls the ROM (and a guest that forges batches) makes:
 * init, flushing this vCPU's or a set of vCPUs' TLBs (without guest
 * IPIs), and the drains.
 * Every argument is guest input and checked. Runs: host root mode.
 */
#include <asm/cpu.h>
#include <shale/compiler.h>
#include <shale/domain.h>
#include <shale/guest_mem.h>
#include <shale/hvm.h>
#include <shale/json.h>
#include <shale/sched.h>
#include <shale/string.h>
#include <shale/vmexit_handlers.h>
#include <shale/xmalloc.h>

#include <shale-abi.h>

#include "vmi_internal.h"

/* The largest vCPU bitmap a guest may pass (Linux's NR_CPUS of 4096). */
#define VMI_FLUSH_MAX_BITS 4096
/* Re-kick a target vCPU every this many polls while waiting for it. */
#define VMI_FLUSH_REKICK 4096

bool vmi_is_hypercall(u64 nr)
{
	return nr >= VMI_HC_FIRST && nr <= VMI_HC_LAST;
}

static s64 hc_init(struct vcpu *v, u64 version)
{
	struct vmi_domain *vd = vmi_of(v->domain);

	if ((version >> 16) != VMI_API_MAJOR)
		return -SHALE_EINVAL;
	__atomic_add_fetch(&vd->inits, 1, __ATOMIC_RELAXED);
	return (s64)(v->id | (v->domain->cfg.hap ? VMI_INIT_HAP : 0) |
		     (mfn_eq(vmi_queue_mfn(v->domain, v->id), INVALID_MFN) ?
		      0 : VMI_INIT_QUEUE));
}

/* Exits the vCPU has made so far (monotonic; read without its CPU). */
static u64 exits_so_far(const struct vcpu *t)
{
	u64 n = 0;

	for (unsigned int r = 0; r < EXIT_NR; r++)
		n += READ_ONCE(t->stats.exits[r]);
	return n;
}

/*
 * Flushes the TLBs of the vCPUs in 'mask' and returns once none of them
 * can use a translation cached before the call. hvm->flush_guest_tlb makes
 * the vCPU take a fresh ASID at its next entry; a vCPU in guest mode on
 * another CPU keeps its ASID until it exits, so it is kicked and waited
 * for until it is off-CPU (not RUNNING), has exited since (its exit count
 * moved: the next entry re-reads the ASID generation), or waits in this
 * same call (in_flush: it enters again only after a fresh ASID). Between
 * a vCPU's exit count and its next ASID check the scheduler path takes a
 * lock (a full barrier), so a moved count means the flush is seen.
 * Deadlock-free: a waiter is in host mode with in_flush set.
 */
static void flush_vcpus_sync(struct vcpu *self, u64 mask)
{
	struct domain *d = self->domain;
	struct vmi_domain *vd = vmi_of(d);
	u64 seen[MAX_VCPUS];

	for (unsigned int i = 0; i < d->nr_vcpus; i++)
		if (mask & (1ULL << i))
			hvm->flush_guest_tlb(d->vcpus[i]);
	__atomic_store_n(&vd->in_flush[self->id], 1, __ATOMIC_SEQ_CST);
	for (unsigned int i = 0; i < d->nr_vcpus; i++) {
		struct vcpu *t = d->vcpus[i];

		if (!(mask & (1ULL << i)) || t == self)
			continue;
		seen[i] = exits_so_far(t);
		if (READ_ONCE(t->state) == VCPU_RUNNING)
			sched_kick(READ_ONCE(t->pcpu));
	}
	for (unsigned int i = 0; i < d->nr_vcpus; i++) {
		struct vcpu *t = d->vcpus[i];
		unsigned int polls = 0;

		if (!(mask & (1ULL << i)) || t == self)
			continue;
		while (READ_ONCE(t->state) == VCPU_RUNNING &&
		       exits_so_far(t) == seen[i] &&
		       !__atomic_load_n(&vd->in_flush[i], __ATOMIC_SEQ_CST) &&
		       !domain_is_dying(d)) {
			if (++polls % VMI_FLUSH_REKICK == 0)
				sched_kick(READ_ONCE(t->pcpu));
			cpu_relax();
		}
	}
	__atomic_store_n(&vd->in_flush[self->id], 0, __ATOMIC_SEQ_CST);
}

/* (gva bitmap, nbits, flags): the bitmap is read from guest memory as
 * bytes (bit i of byte i / 8), so 32- and 64-bit ulong arrays agree. */
static s64 hc_flush_vcpus(struct vcpu *v, u64 bitmap, u64 nbits, u64 flags)
{
	struct domain *d = v->domain;
	struct vmi_domain *vd = vmi_of(d);
	u8 bytes[VMI_FLUSH_MAX_BITS / 8];
	u64 mask = 0, fault_va, targets = 0;
	u32 pfec;

	if (nbits > VMI_FLUSH_MAX_BITS || (flags & ~(u64)VMI_FLUSH_GLOBAL))
		return -SHALE_EINVAL;
	if (nbits && guest_virt_read(v, _gva(bitmap), bytes, (nbits + 7) / 8, 0,
				     &pfec, &fault_va))
		return -SHALE_EFAULT;
	for (u64 i = 0; i < nbits; i++) {
		if (!(bytes[i / 8] & (1u << (i % 8))))
			continue;
		if (i >= d->nr_vcpus)
			return -SHALE_EINVAL; /* no such vCPU */
		mask |= 1ULL << i;
		targets++;
	}
	/* The caller's own updates first: the targets then flush to them. */
	if (vmi_queue_pending(v))
		vmi_queue_drain(v, VMI_DRAIN_FLUSH);
	__atomic_add_fetch(&vd->flushes, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&vd->flushed_vcpus, targets, __ATOMIC_RELAXED);
	flush_vcpus_sync(v, mask);
	return 0;
}

/*
 * (reason, flags): the ROM's flush_tlb on shadow paging in one exit. The
 * caller's queue is drained first (counted under 'reason' only when it
 * held entries, as the ROM's own drains are), so the flush that follows
 * covers those updates; then the TLB is flushed the way the native
 * instruction the ROM replaces would: a reload of the current CR3, which
 * under shadow paging also re-reads PAE PDPTEs and takes a fresh ASID
 * (global entries go too, as VMI_FLUSH_GLOBAL asks). On a HAP domain the
 * hardware walks the guest's own tables: a fresh ASID is the whole flush.
 */
static s64 hc_flush_local(struct vcpu *v, u64 reason, u64 flags)
{
	s64 status = 0;

	if (reason >= VMI_DRAIN_NR_REASONS || (flags & ~(u64)VMI_FLUSH_GLOBAL))
		return -SHALE_EINVAL;
	if (vmi_queue_pending(v))
		status = vmi_queue_drain(v, (unsigned int)reason);
	__atomic_add_fetch(&vmi_of(v->domain)->local_flushes, 1,
			   __ATOMIC_RELAXED);
	if (v->domain->cfg.hap)
		hvm->flush_guest_tlb(v);
	else if (!vcpu_set_cr3(v, v->cr[3]))
		return -SHALE_EINVAL; /* a bad PDPTE: MOV CR3 would #GP */
	return status;
}

/* (gva batch, reason): a batch in guest memory laid out like a queue page.
 * Copied into Shale first, so the guest cannot change it under the drain. */
static s64 hc_drain_batch(struct vcpu *v, u64 gva, u64 reason)
{
	struct vmi_domain *vd = vmi_of(v->domain);
	union {
		struct vmi_queue q;
		u8 raw[VMI_QUEUE_SIZE];
	} *buf;
	u64 fault_va;
	u32 pfec, count, capacity;
	s64 ret;

	if (reason >= VMI_DRAIN_NR_REASONS)
		return -SHALE_EINVAL;
	buf = xmalloc(sizeof(*buf));
	if (!buf)
		return -SHALE_EFAULT;
	ret = -SHALE_EFAULT;
	if (guest_virt_read(v, _gva(gva), buf->raw, VMI_QUEUE_HDR_SIZE, 0, &pfec,
			    &fault_va))
		goto out;
	count = buf->q.count;
	capacity = buf->q.capacity;
	if (count > capacity || count > VMI_QUEUE_CAPACITY) {
		/* Counted and refused by the drain without reading further. */
		ret = vmi_drain(&vd->drain, &buf->q, 0, (unsigned int)reason);
		goto out;
	}
	if (count && guest_virt_read(v, _gva(gva + VMI_QUEUE_HDR_SIZE),
				     buf->raw + VMI_QUEUE_HDR_SIZE,
				     (size_t)count * VMI_QENTRY_SIZE, 0, &pfec,
				     &fault_va))
		goto out;
	ret = vmi_drain(&vd->drain, &buf->q, count, (unsigned int)reason);
out:
	xfree(buf);
	return ret;
}

/* (gpa lo, gpa hi, how): one update reported by a ROM without a queue. */
static s64 hc_update(struct vcpu *v, u64 lo, u64 hi, u64 how)
{
	struct vmi_domain *vd = vmi_of(v->domain);
	union {
		struct vmi_queue q;
		u8 raw[VMI_QUEUE_HDR_SIZE + VMI_QENTRY_SIZE];
	} one;

	if (hi >> 32 || (how & ~(u64)(VMI_PTE_LEVEL_MASK | VMI_PTE_DEFER |
				       VMI_PTE_PAE)))
		return -SHALE_EINVAL;
	memset(&one, 0, sizeof(one));
	one.q.count = 1;
	one.q.capacity = 1;
	one.q.entries[0].gpa = lo | (hi << 32);
	one.q.entries[0].level = how & VMI_PTE_LEVEL_MASK;
	one.q.entries[0].flags = (how & VMI_PTE_PAE) ? VMI_QE_PAE : 0;
	__atomic_add_fetch(&vd->updates, 1, __ATOMIC_RELAXED);
	return vmi_drain(&vd->drain, &one.q, 1, VMI_DRAIN_EXPLICIT);
}

s64 vmi_hypercall(struct vcpu *v, u64 nr, u64 a1, u64 a2, u64 a3, u64 a4)
{
	if (!vmi_of(v->domain)->present)
		return -SHALE_ENOSYS;
	switch (nr) {
	case VMI_HC_INIT:
		return hc_init(v, a1);
	case VMI_HC_FLUSH_VCPUS:
		return hc_flush_vcpus(v, a1, a2, a3);
	case VMI_HC_DRAIN:
		if (a1 >= VMI_DRAIN_NR_REASONS)
			return -SHALE_EINVAL;
		return vmi_queue_drain(v, (unsigned int)a1);
	case VMI_HC_DRAIN_BATCH:
		return hc_drain_batch(v, a1, a2);
	case VMI_HC_UPDATE:
		return hc_update(v, a1, a2, a3);
	case VMI_HC_FLUSH_LOCAL:
		return hc_flush_local(v, a1, a2);
	default:
		return -SHALE_ENOSYS;
	}
}

void vmi_stats_json(struct domain *d, struct json_out *j, u64 exits_total)
{
	static const char *const reasons[VMI_DRAIN_NR_REASONS] = {
		[VMI_DRAIN_FULL] = "full", [VMI_DRAIN_FLUSH] = "flush",
		[VMI_DRAIN_CR3] = "cr3", [VMI_DRAIN_INVLPG] = "invlpg",
		[VMI_DRAIN_FAULT] = "fault", [VMI_DRAIN_LAZY] = "lazy_exit",
		[VMI_DRAIN_EXPLICIT] = "explicit",
	};
	struct vmi_domain *vd = vmi_of(d);
	const struct vmi_drain_stats *s = &vd->drain.stats;
	u64 updates;

	if (d->cfg.type != DOMAIN_PV)
		return;
	updates = READ_ONCE(s->entries) + READ_ONCE(vd->updates);
	json_object_begin(j, "vmi");
	json_u64(j, "inits", READ_ONCE(vd->inits));
	json_object_begin(j, "drains");
	for (unsigned int r = 0; r < VMI_DRAIN_NR_REASONS; r++)
		json_u64(j, reasons[r], READ_ONCE(s->drains[r]));
	json_object_end(j);
	json_u64(j, "entries_drained", READ_ONCE(s->entries));
	json_u64(j, "entries_refused", READ_ONCE(s->refused));
	json_u64(j, "batches_refused", READ_ONCE(s->batches_refused));
	json_u64(j, "updates_reported", READ_ONCE(vd->updates));
	json_u64(j, "vcpu_flushes", READ_ONCE(vd->flushes));
	json_u64(j, "vcpus_flushed", READ_ONCE(vd->flushed_vcpus));
	json_u64(j, "local_flushes", READ_ONCE(vd->local_flushes));
	if (updates)
		json_u64(j, "exits_per_1000_updates",
			 (exits_total * 1000 + updates / 2) / updates);
	json_object_end(j);
}
