/* SPDX-License-Identifier: MIT */
/*
 * Maps the VMI ROM into a PV domain: a private copy of the embedded image
 * (so Shale can set its flags word), read-only in the P2M at VMI_ROM_GPA,
 * where a guest scanning 0xC0000-0xDFFFF for option ROMs finds it.
 * Runs: host root mode (domain build and destroy).
 */
#include <shale/bug.h>
#include <shale/domain.h>
#include <shale/errno.h>
#include <shale/frames.h>
#include <shale/p2m.h>
#include <shale/printk.h>
#include <shale/shadow.h>
#include <shale/string.h>

#include "vmi_internal.h"

extern const u8 vmi_rom_image[], vmi_rom_image_end[];

static struct vmi_domain vmi_domains[MAX_DOMAINS];

struct vmi_domain *vmi_of(struct domain *d)
{
	return &vmi_domains[d->id];
}

_Static_assert(VMI_ROM_SIZE % PAGE_SIZE == 0, "the ROM fills whole pages");
_Static_assert(VMI_ROM_GPA % VMI_ROM_SCAN_STEP == 0 &&
	       VMI_ROM_GPA + VMI_ROM_SIZE <= VMI_ROM_SCAN_END,
	       "the ROM is where guests scan for it");

/* Sets the flags word of the copy at 'rom' and makes it sum to 0 again. */
static void rom_patch(u8 *rom, u32 flags)
{
	struct vmi_rom_header *h = (struct vmi_rom_header *)rom;
	u8 sum = 0;

	h->flags = flags;
	h->checksum = 0;
	for (size_t i = 0; i < VMI_ROM_SIZE; i++)
		sum += rom[i];
	h->checksum = (u8)-sum;
}

int vmi_domain_init(struct domain *d)
{
	struct vmi_domain *vd = vmi_of(d);
	unsigned int order = 0;
	u64 gfn = VMI_ROM_GPA >> PAGE_SHIFT;
	mfn_t m;

	memset(vd, 0, sizeof(*vd));
	vd->rom_mfn = INVALID_MFN;
	vmi_drain_init(&vd->drain, &d->p2m);
	if (d->cfg.type != DOMAIN_PV)
		return 0;
	/* The build checked the image (tools/vmi-rom-fixup). */
	BUG_ON((size_t)(vmi_rom_image_end - vmi_rom_image) != VMI_ROM_SIZE);
	while ((PAGE_SIZE << order) < VMI_ROM_SIZE)
		order++;
	m = alloc_frames(order);
	if (mfn_eq(m, INVALID_MFN))
		return -SH_ENOMEM;
	memcpy(mfn_to_virt(m), vmi_rom_image, VMI_ROM_SIZE);
	rom_patch(mfn_to_virt(m), d->cfg.hap ? VMI_ROM_F_HAP : VMI_ROM_F_QUEUE);
	/* The RAM frames under the ROM stay the domain's (freed with its
	 * chunks); the guest just cannot reach them any more. */
	for (u64 i = 0; i < (VMI_ROM_SIZE >> PAGE_SHIFT); i++) {
		if (p2m_set_entry(&d->p2m, _gfn(gfn + i), _mfn(mfn_x(m) + i),
				  P2M_ORDER_4K, p2m_rom)) {
			free_frames(m, order);
			return -SH_ENOMEM;
		}
	}
	vd->rom_mfn = m;
	vd->rom_order = order;
	vd->present = true;
	if (!d->cfg.hap) {
		int rc = vmi_queue_init(d);

		if (rc)
			return rc;
		shadow_vmi_attach(d);
	}
	/* No drain may name the ROM, whatever the P2M says of it later. */
	return vmi_drain_exclude(&vd->drain, gfn, VMI_ROM_SIZE >> PAGE_SHIFT);
}

void vmi_domain_fini(struct domain *d)
{
	struct vmi_domain *vd = vmi_of(d);

	/* present: vmi_domain_init ran for this slot and mapped the ROM. */
	if (vd->present && !mfn_eq(vd->rom_mfn, INVALID_MFN))
		free_frames(vd->rom_mfn, vd->rom_order);
	if (vd->present)
		vmi_queue_fini(d);
	vd->rom_mfn = INVALID_MFN;
}

void vmi_set_resync(struct domain *d, vmi_resync_fn fn, void *arg)
{
	struct vmi_domain *vd = vmi_of(d);

	vd->drain.resync_arg = arg;
	vd->drain.resync = fn;
}

int vmi_exclude_frames(struct domain *d, u64 first_gfn, u64 nr)
{
	return vmi_drain_exclude(&vmi_of(d)->drain, first_gfn, nr);
}
