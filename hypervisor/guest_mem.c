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

static int guest_phys_copy(struct domain *d, gpa_t gpa, void *buf, size_t len,
			   bool write)
{
	u64 a = gpa_x(gpa);
	u8 *b = buf;

	if (a + len < a)
		return -SH_EFAULT;
	while (len) {
		size_t off = a & (PAGE_SIZE - 1), n = MIN(len, PAGE_SIZE - off);
		u8 *p = gfn_ptr(d, _gfn(a >> PAGE_SHIFT), write);

		if (!p)
			return -SH_EFAULT;
		if (write)
			memcpy(p + off, b, n);
		else
			memcpy(b, p + off, n);
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

int guest_virt_read(struct vcpu *v, gva_t va, void *buf, size_t len,
		    u32 access, u32 *pfec, u64 *fault_va)
{
	u64 a = gva_x(va);
	u8 *b = buf;

	while (len) {
		size_t off = a & (PAGE_SIZE - 1), n = MIN(len, PAGE_SIZE - off);
		gfn_t gfn;
		int rc = paging_gva_to_gfn(v, _gva(a), access, &gfn, pfec);

		if (rc) {
			*fault_va = a;
			return rc;
		}
		if (guest_phys_read(v->domain, _gpa((gfn_x(gfn) << PAGE_SHIFT) + off),
				    b, n))
			return -SH_EIO;
		a += n;
		b += n;
		len -= n;
	}
	return 0;
}
