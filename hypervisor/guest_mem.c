/* SPDX-License-Identifier: MIT */
/*
 * Copies to and from guest memory through the P2M (see shale/guest_mem.h).
 * Runs: host root mode.
 */
#include <shale/domain.h>
#include <shale/errno.h>
#include <shale/frames.h>
#include <shale/guest_mem.h>
#include <shale/guest_walk.h>
#include <shale/paging.h>
#include <shale/shadow.h>
#include <shale/string.h>

/* The host address of guest frame gfn, if the domain has RAM there that
 * allows the access; NULL otherwise. */
static u8 *gfn_ptr(struct domain *d, gfn_t gfn, bool write)
{
	struct p2m_entry e = p2m_get_entry(&d->p2m, gfn);

	if (e.type == p2m_ram_rw ||
	    (!write && (e.type == p2m_ram_ro || e.type == p2m_rom)))
		return mfn_to_virt(e.mfn);
	return NULL;
}

/* Copies one piece within a single guest frame. Under populate-on-demand
 * the frame is populated first and held (pod_access_begin) so that a
 * zero-page sweep on another CPU cannot take it back mid-copy. */
static int copy_in_frame(struct domain *d, u64 a, u8 *b, size_t n, bool write)
{
	gfn_t gfn = _gfn(a >> PAGE_SHIFT);
	size_t off = a & (PAGE_SIZE - 1);
	struct p2m_entry e;
	u8 *p = NULL;

	if (d->pod_enabled) {
		if (pod_access_begin(&d->pod, &d->p2m, gfn, &e))
			return -SH_EFAULT;
		if (e.type == p2m_ram_rw ||
		    (!write && (e.type == p2m_ram_ro || e.type == p2m_rom)))
			p = mfn_to_virt(e.mfn);
	} else {
		p = gfn_ptr(d, gfn, write);
	}
	if (p) {
		if (write)
			memcpy(p + off, b, n);
		else
			memcpy(b, p + off, n);
	}
	if (d->pod_enabled)
		pod_access_end(&d->pod);
	if (p && write && d->shadow)
		shadow_guest_wrote(d, gfn, (unsigned int)off, (unsigned int)n);
	return p ? 0 : -SH_EFAULT;
}

static int guest_phys_copy(struct domain *d, gpa_t gpa, void *buf, size_t len,
			   bool write)
{
	u64 a = gpa_x(gpa);
	u8 *b = buf;

	if (a + len < a)
		return -SH_EFAULT;
	while (len) {
		size_t n = MIN(len, PAGE_SIZE - (a & (PAGE_SIZE - 1)));

		if (copy_in_frame(d, a, b, n, write))
			return -SH_EFAULT;
		a += n;
		b += n;
		len -= n;
	}
	return 0;
}

int guest_phys_read(struct domain *d, gpa_t gpa, void *buf, size_t len)
{
	return guest_phys_copy(d, gpa, buf, len, false);
}

int guest_phys_write(struct domain *d, gpa_t gpa, const void *buf, size_t len)
{
	return guest_phys_copy(d, gpa, (void *)buf, len, true);
}

/* Walks and copies page by page in either direction (guest_virt_read and
 * guest_virt_write). */
static int guest_virt_copy(struct vcpu *v, gva_t va, void *buf, size_t len,
			   u32 access, u32 *pfec, u64 *fault_va, bool write)
{
	u64 a = gva_x(va);
	u8 *b = buf;

	while (len) {
		size_t off = a & (PAGE_SIZE - 1), n = MIN(len, PAGE_SIZE - off);
		gfn_t gfn;
		gpa_t gpa;
		int rc = paging_gva_to_gfn(v, _gva(a), access, &gfn, pfec);

		if (rc) {
			*fault_va = a;
			return rc;
		}
		gpa = _gpa((gfn_x(gfn) << PAGE_SHIFT) + off);
		rc = write ? guest_phys_write(v->domain, gpa, b, n)
			   : guest_phys_read(v->domain, gpa, b, n);
		if (rc)
			return -SH_EIO;
		a += n;
		b += n;
		len -= n;
	}
	return 0;
}

int guest_virt_write(struct vcpu *v, gva_t va, const void *buf, size_t len,
		     u32 access, u32 *pfec, u64 *fault_va)
{
	return guest_virt_copy(v, va, (void *)buf, len, access | PFEC_WRITE,
			       pfec, fault_va, true);
}

int guest_virt_read(struct vcpu *v, gva_t va, void *buf, size_t len,
		    u32 access, u32 *pfec, u64 *fault_va)
{
	return guest_virt_copy(v, va, buf, len, access, pfec, fault_va, false);
}
