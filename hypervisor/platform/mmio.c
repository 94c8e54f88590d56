/* SPDX-License-Identifier: MIT */
/*
 * Emulated MMIO: a guest access to a p2m_mmio page stops with a nested
 * page fault; the instruction is decoded and performed by the emulator
 * (hypervisor/emulate/), whose memory callbacks send accesses to that page
 * to the device and any other operand to guest RAM, through the guest's
 * own page tables. Runs: host root mode, on the vCPU's CPU.
 */
#include <shale/domain.h>
#include <shale/emulate.h>
#include <shale/errno.h>
#include <shale/guest_mem.h>
#include <shale/guest_walk.h>
#include <shale/hvm.h>
#include <shale/paging.h>
#include <shale/platform.h>
#include <shale/string.h>
#include <shale/vmexit.h>
#include <shale/vmexit_handlers.h>

#include "platform_internal.h"

struct mmio_access {
	struct vcpu *v;
	u64 gpa;        /* the faulting access's guest-physical address */
	bool device_ok; /* false once a device refused an access */
};

static u32 access_kind(struct vcpu *v, u32 extra)
{
	return extra | (hvm->cpl(v) == 3 ? PFEC_USER : 0);
}

/* Linear address -> guest-physical, faulting like the CPU would. */
static int translate(struct emul_ctx *c, u64 la, u32 access, u64 *gpa)
{
	struct mmio_access *m = c->priv;
	u32 pfec = 0;
	gfn_t gfn;
	int rc = paging_gva_to_gfn(m->v, _gva(la), access_kind(m->v, access), &gfn,
				   &pfec);

	if (rc == -SH_EFAULT)
		return emul_raise_pf(c, la, pfec);
	if (rc)
		return EMUL_UNHANDLED;
	*gpa = (gfn_x(gfn) << PAGE_SHIFT) | (la & (PAGE_SIZE - 1));
	return 0;
}

static int mmio_fetch(struct emul_ctx *c, u64 la, void *buf, unsigned int size)
{
	struct mmio_access *m = c->priv;
	u64 gpa;
	int rc = translate(c, la, PFEC_INSN, &gpa);

	if (rc)
		return rc;
	return guest_phys_read(m->v->domain, _gpa(gpa), buf, size) ? EMUL_UNHANDLED : 0;
}

/* One data access: to the device page in 4-byte units (the APICs take
 * only aligned dwords), anywhere else to guest RAM. */
static int mmio_rw(struct emul_ctx *c, u64 la, void *buf, unsigned int size,
		   bool write)
{
	struct mmio_access *m = c->priv;
	u64 gpa;
	int rc = translate(c, la, write ? PFEC_WRITE : 0, &gpa);
	u32 val = 0;

	if (rc)
		return rc;
	if ((gpa & PAGE_MASK) != (m->gpa & PAGE_MASK)) {
		rc = write ? guest_phys_write(m->v->domain, _gpa(gpa), buf, size)
			   : guest_phys_read(m->v->domain, _gpa(gpa), buf, size);
		return rc ? EMUL_UNHANDLED : 0;
	}
	if (size != 4 || (gpa & 3)) {
		/* Partial APIC register accesses: reads see the dword's bytes,
		 * writes are dropped (SDM 10.4.1: undefined; Shale ignores). */
		if (write || size > 4 || ((gpa & 3) + size) > 4)
			return 0;
		if (!platform_apic_mmio(m->v, gpa & ~3UL, false, &val))
			m->device_ok = false;
		val >>= 8 * (gpa & 3);
		memcpy(buf, &val, size);
		return 0;
	}
	if (write)
		memcpy(&val, buf, 4);
	if (!platform_apic_mmio(m->v, gpa, write, &val))
		m->device_ok = false;
	if (!write)
		memcpy(buf, &val, 4);
	return 0;
}

static int mmio_read(struct emul_ctx *c, u64 la, void *buf, unsigned int size)
{
	return mmio_rw(c, la, buf, size, false);
}

static int mmio_write(struct emul_ctx *c, u64 la, const void *buf,
		      unsigned int size)
{
	return mmio_rw(c, la, (void *)buf, size, true);
}

static const struct emul_ops mmio_ops = {
	.fetch = mmio_fetch, .read = mmio_read, .write = mmio_write,
	.cmpxchg = NULL, /* device models serialise themselves */
};

bool platform_mmio(struct vcpu *v, const struct vm_exit *e)
{
	return platform_mmio_gpa(v, e->npf.gpa);
}

bool platform_mmio_gpa(struct vcpu *v, u64 gpa)
{
	struct mmio_access m = { v, gpa, true };
	struct emul_ctx c;
	int rc;

	if (!v->domain->platform)
		return false;
	vcpu_emul_begin(v, &c, &mmio_ops, &m);
	rc = emul_insn(&c);
	if (rc == EMUL_UNHANDLED || !m.device_ok)
		return false;
	vcpu_emul_end(v, &c, rc);
	return true;
}
