/* SPDX-License-Identifier: MIT */
/*
 * Emulated guest writes under shadow paging: a write that faulted on a page
 * the shadows keep read-only (a guest page table, or a read-only page the
 * guest kernel may write with CR0.WP = 0) is performed by the instruction
 * emulator (hypervisor/emulate/), whose callbacks translate through the
 * guest's tables and write guest RAM through the P2M; a write landing in a
 * page table drops the shadow entries it made stale (shadow_wp.c).
 * Runs: host root mode, on the vCPU's CPU.
 */
#include <shale/domain.h>
#include <shale/emulate.h>
#include <shale/errno.h>
#include <shale/frames.h>
#include <shale/guest_mem.h>
#include <shale/guest_walk.h>
#include <shale/hvm.h>
#include <shale/p2m.h>
#include <shale/paging.h>
#include <shale/pod.h>
#include <shale/string.h>
#include <shale/vmexit_handlers.h>

#include "shadow_private.h"

/* Linear -> guest-physical for an access of kind 'access', raising the #PF
 * the guest would take. */
static int sh_emul_translate(struct emul_ctx *c, u64 la, u32 access, u64 *gpa)
{
	struct vcpu *v = c->priv;
	u32 pfec = 0;
	gfn_t gfn;
	int rc = paging_gva_to_gfn(v, _gva(la), access |
				   (hvm->cpl(v) == 3 ? PFEC_USER : 0), &gfn, &pfec);

	if (rc == -SH_EFAULT)
		return emul_raise_pf(c, la, pfec);
	if (rc)
		return EMUL_UNHANDLED;
	*gpa = (gfn_x(gfn) << PAGE_SHIFT) | (la & (PAGE_SIZE - 1));
	return 0;
}

/* Splits [la, la + size) at page boundaries and calls fn on each piece
 * with its guest-physical address. */
static int sh_emul_pages(struct emul_ctx *c, u64 la, u8 *buf, unsigned int size,
			 u32 access,
			 int (*fn)(struct emul_ctx *c, u64 gpa, u8 *buf,
				   unsigned int n))
{
	while (size) {
		unsigned int n = MIN(size, (unsigned int)(PAGE_SIZE - (la & (PAGE_SIZE - 1))));
		u64 gpa;
		int rc = sh_emul_translate(c, la, access, &gpa);

		if (rc)
			return rc;
		rc = fn(c, gpa, buf, n);
		if (rc)
			return rc;
		la += n;
		buf += n;
		size -= n;
	}
	return 0;
}

static int sh_emul_read_gpa(struct emul_ctx *c, u64 gpa, u8 *buf, unsigned int n)
{
	struct vcpu *v = c->priv;

	return guest_phys_read(v->domain, _gpa(gpa), buf, n) ? EMUL_UNHANDLED : 0;
}

/* The host pointer to guest RAM at gpa when it is writable RAM, or NULL.
 * Callers hold sh->lock. */
static u8 *sh_emul_ram(struct domain *d, u64 gpa)
{
	struct p2m_entry pe = p2m_get_entry(&d->p2m, _gfn(gpa >> PAGE_SHIFT));

	if (pe.type != p2m_ram_rw)
		return NULL;
	return (u8 *)mfn_to_virt(pe.mfn) + (gpa & (PAGE_SIZE - 1));
}

/* Takes sh->lock and returns sh_emul_ram(d, gpa) under it. A PoD frame
 * (a zeroed page table the sweep took back after the write faulted) is
 * populated first, with the lock dropped: the sweep takes it. The caller
 * releases sh->lock. */
static u8 *sh_emul_lock_ram(struct domain *d, u64 gpa)
{
	struct shadow_domain *sh = d->shadow;
	u8 *p;

	for (unsigned int tries = 0;; tries++) {
		mfn_t m;

		spin_lock(&sh->lock);
		p = sh_emul_ram(d, gpa);
		if (p || !d->pod_enabled || tries == 3 ||
		    p2m_get_entry(&d->p2m, _gfn(gpa >> PAGE_SHIFT)).type != p2m_pod)
			return p;
		spin_unlock(&sh->lock);
		if (pod_populate(&d->pod, &d->p2m, _gfn(gpa >> PAGE_SHIFT), &m)) {
			spin_lock(&sh->lock);
			return NULL;
		}
	}
}

/* Stores n bytes at p: a naturally aligned 2/4/8-byte store in one access,
 * as the CPU does, so concurrent A/D updates by compare-exchange see
 * either the old or the new entry. */
static void sh_emul_store(u8 *p, const u8 *buf, unsigned int n)
{
	u64 val = 0;

	if ((n == 2 || n == 4 || n == 8) && !((uintptr_t)p & (n - 1))) {
		memcpy(&val, buf, n);
		if (n == 8)
			__atomic_store_n((u64 *)p, val, __ATOMIC_SEQ_CST);
		else if (n == 4)
			__atomic_store_n((u32 *)p, (u32)val, __ATOMIC_SEQ_CST);
		else
			__atomic_store_n((u16 *)p, (u16)val, __ATOMIC_SEQ_CST);
		return;
	}
	memcpy(p, buf, n);
}

static int sh_emul_write_gpa(struct emul_ctx *c, u64 gpa, u8 *buf, unsigned int n)
{
	struct vcpu *v = c->priv;
	struct shadow_domain *sh = v->domain->shadow;
	u8 *p;

	p = sh_emul_lock_ram(v->domain, gpa);
	if (!p) {
		spin_unlock(&sh->lock);
		return EMUL_UNHANDLED;
	}
	sh_emul_store(p, buf, n);
	sh->stats->emulated_writes++;
	sh_resync_write(sh, gpa >> PAGE_SHIFT, gpa & (PAGE_SIZE - 1), n);
	sh_commit(sh);
	spin_unlock(&sh->lock);
	return 0;
}

void shadow_guest_wrote(struct domain *d, gfn_t gfn, unsigned int off,
			unsigned int len)
{
	struct shadow_domain *sh = d->shadow;

	spin_lock(&sh->lock);
	sh_resync_write(sh, gfn_x(gfn), off, len);
	sh_commit(sh);
	spin_unlock(&sh->lock);
}

static int sh_emul_fetch(struct emul_ctx *c, u64 la, void *buf, unsigned int size)
{
	return sh_emul_pages(c, la, buf, size, PFEC_INSN, sh_emul_read_gpa);
}

static int sh_emul_read(struct emul_ctx *c, u64 la, void *buf, unsigned int size)
{
	return sh_emul_pages(c, la, buf, size, c->rmw ? PFEC_WRITE : 0,
			     sh_emul_read_gpa);
}

static int sh_emul_write(struct emul_ctx *c, u64 la, const void *buf,
			 unsigned int size)
{
	return sh_emul_pages(c, la, (u8 *)buf, size, PFEC_WRITE, sh_emul_write_gpa);
}

/* LOCK CMPXCHG and the locked read-modify-writes: atomic against the
 * guest's other vCPUs (whose writes to a shadowed frame are emulated under
 * sh->lock too) and against A/D updates (compare-exchange). */
static int sh_emul_cmpxchg(struct emul_ctx *c, u64 la, void *old,
			   const void *new, unsigned int size, bool *swapped)
{
	struct vcpu *v = c->priv;
	struct shadow_domain *sh = v->domain->shadow;
	u64 gpa;
	u8 *p;
	int rc;

	if ((la & (PAGE_SIZE - 1)) + size > PAGE_SIZE)
		return EMUL_UNHANDLED;
	rc = sh_emul_translate(c, la, PFEC_WRITE, &gpa);
	if (rc)
		return rc;
	p = sh_emul_lock_ram(v->domain, gpa);
	if (!p) {
		spin_unlock(&sh->lock);
		return EMUL_UNHANDLED;
	}
	if (size == 8 && !((uintptr_t)p & 7)) {
		*swapped = __atomic_compare_exchange_n((u64 *)p, (u64 *)old,
						       *(const u64 *)new, false,
						       __ATOMIC_SEQ_CST,
						       __ATOMIC_SEQ_CST);
	} else if (size == 4 && !((uintptr_t)p & 3)) {
		*swapped = __atomic_compare_exchange_n((u32 *)p, (u32 *)old,
						       *(const u32 *)new, false,
						       __ATOMIC_SEQ_CST,
						       __ATOMIC_SEQ_CST);
	} else {
		*swapped = !memcmp(p, old, size);
		if (*swapped)
			memcpy(p, new, size);
		else
			memcpy(old, p, size);
	}
	if (*swapped) {
		sh->stats->emulated_writes++;
		sh_resync_write(sh, gpa >> PAGE_SHIFT, gpa & (PAGE_SIZE - 1), size);
		sh_commit(sh);
	}
	spin_unlock(&sh->lock);
	return 0;
}

static const struct emul_ops sh_emul_ops = {
	.fetch = sh_emul_fetch,
	.read = sh_emul_read,
	.write = sh_emul_write,
	.cmpxchg = sh_emul_cmpxchg,
};

void sh_emulate(struct vcpu *v)
{
	struct emul_ctx c;
	int rc;

	vcpu_emul_begin(v, &c, &sh_emul_ops, v);
	rc = emul_insn(&c);
	if (rc == EMUL_UNHANDLED) {
		domain_crash(v->domain, v, "write to a write-protected page by an "
			     "instruction Shale does not emulate (%02x %02x %02x "
			     "%02x)", c.insn.bytes[0], c.insn.bytes[1],
			     c.insn.bytes[2], c.insn.bytes[3]);
		return;
	}
	vcpu_emul_end(v, &c, rc);
}
