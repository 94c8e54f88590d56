/* SPDX-License-Identifier: MIT */
/*
 * The Linux loader: a bzImage entered through the 32-bit boot protocol
 * (Documentation/x86/boot.rst, "32-bit boot protocol"): the protected-mode
 * kernel is placed at its preferred address, a zero page (struct
 * boot_params) carries the setup header, the e820 map, the command line,
 * the initramfs and the ACPI RSDP address, and the boot vCPU starts in flat
 * 32-bit protected mode at code32_start with ESI pointing at the zero page.
 * Why not PVH: Debian ships a bzImage, whose PVH entry note lives only in
 * the uncompressed vmlinux; the bzImage protocol boots it as is.
 * Runs: host root mode, at boot.
 */
#include <shale/compiler.h>
#include <shale/domain.h>
#include <shale/e820.h>
#include <shale/errno.h>
#include <shale/frames.h>
#include <shale/guest_mem.h>
#include <shale/loader.h>
#include <shale/platform.h>
#include <shale/printk.h>
#include <shale/string.h>

/* Offsets in the bzImage and in struct boot_params (boot.rst, zero-page.rst). */
#define SETUP_SECTS 0x1f1
#define BOOT_FLAG 0x1fe
#define HDR_JUMP 0x200
#define HDR_MAGIC 0x202
#define HDR_VERSION 0x206
#define TYPE_OF_LOADER 0x210
#define LOADFLAGS 0x211
#define CODE32_START 0x214
#define RAMDISK_IMAGE 0x218
#define RAMDISK_SIZE 0x21c
#define HEAP_END_PTR 0x224
#define CMD_LINE_PTR 0x228
#define INITRD_ADDR_MAX 0x22c
#define KERNEL_ALIGNMENT 0x230
#define RELOCATABLE 0x234
#define CMDLINE_SIZE 0x238
#define PREF_ADDRESS 0x258
#define INIT_SIZE 0x260
#define BP_ACPI_RSDP 0x070
#define BP_E820_ENTRIES 0x1e8
#define BP_E820_TABLE 0x2d0
#define BP_E820_MAX 128

#define LOADED_HIGH 0x01
#define KEEP_SEGMENTS 0x40
#define CAN_USE_HEAP 0x80

/* Where Shale puts things in the guest (all below the kernel, above the
 * BIOS data area, inside RAM the e820 map reports as usable). */
#define ZERO_PAGE_GPA 0x10000UL
#define CMDLINE_GPA 0x20000UL
#define CMDLINE_MAX 2048

#define FAIL(err, size, ...) (sh_snprintf(err, size, __VA_ARGS__), -SH_EINVAL)

static u32 rd32(const u8 *p)
{
	u32 v;

	memcpy(&v, p, 4);
	return v;
}

static u64 rd64(const u8 *p)
{
	u64 v;

	memcpy(&v, p, 8);
	return v;
}

static void wr32(u8 *p, u32 v)
{
	memcpy(p, &v, 4);
}

static void wr64(u8 *p, u64 v)
{
	memcpy(p, &v, 8);
}

bool loader_is_bzimage(const u8 *image, u64 size)
{
	return size > 0x264 && image[BOOT_FLAG] == 0x55 &&
	       image[BOOT_FLAG + 1] == 0xaa && !memcmp(image + HDR_MAGIC, "HdrS", 4);
}

/* Fills the zero page's e820 table from the domain's firmware map. */
static int fill_e820(struct domain *d, u8 *bp, char *err, size_t err_size)
{
	struct e820_entry map[BP_E820_MAX];
	int n = platform_e820(d, map, BP_E820_MAX);

	if (n <= 0)
		return FAIL(err, err_size, "no e820 map");
	for (int i = 0; i < n; i++) {
		u8 *e = bp + BP_E820_TABLE + i * 20;

		wr64(e, map[i].addr);
		wr64(e + 8, map[i].size);
		wr32(e + 16, map[i].type);
	}
	bp[BP_E820_ENTRIES] = (u8)n;
	return 0;
}

int loader_load_linux(struct domain *d, const struct boot_module *kernel,
		      const struct boot_module *ramdisk, struct loaded_image *img,
		      char *err, size_t err_size)
{
	static u8 bp[PAGE_SIZE]; /* domains are built one at a time */
	const u8 *image = paddr_to_virt(kernel->start);
	u64 size = kernel->end - kernel->start, setup_size, pm_size, load, init_size;
	u64 low_end = MIN(d->ram_bytes, GUEST_LOW_RAM_MAX);
	u16 version = (u16)(image[HDR_VERSION] | image[HDR_VERSION + 1] << 8);
	unsigned int sects = image[SETUP_SECTS] ? image[SETUP_SECTS] : 4;
	size_t hdr_end = 0x202 + image[HDR_JUMP + 1];
	size_t cmd_len = strlen(d->cfg.cmdline);

	if (version < 0x20c)
		return FAIL(err, err_size, "boot protocol %x.%02x is older than 2.12",
			    version >> 8, version & 0xff);
	if (!(image[LOADFLAGS] & LOADED_HIGH))
		return FAIL(err, err_size, "not a bzImage (zImage kernels are not supported)");
	setup_size = (u64)(sects + 1) * 512;
	if (setup_size >= size || hdr_end > setup_size || hdr_end > 0x280)
		return FAIL(err, err_size, "setup header runs past the image");
	pm_size = size - setup_size;
	init_size = rd32(image + INIT_SIZE);
	load = rd64(image + PREF_ADDRESS);
	if (!image[RELOCATABLE] || load < 0x100000)
		load = 0x100000;
	if (load + MAX(init_size, pm_size) > low_end)
		return FAIL(err, err_size, "needs %lu MiB of RAM below 3 GiB to unpack",
			    (load + MAX(init_size, pm_size)) >> 20);
	if (cmd_len >= MIN((u64)rd32(image + CMDLINE_SIZE) + 1, (u64)CMDLINE_MAX))
		return FAIL(err, err_size, "command line longer than the kernel accepts");
	if (guest_phys_write(d, _gpa(load), image + setup_size, pm_size))
		return FAIL(err, err_size, "cannot write the kernel at 0x%lx", load);

	memset(bp, 0, sizeof(bp));
	memcpy(bp + SETUP_SECTS, image + SETUP_SECTS, hdr_end - SETUP_SECTS);
	bp[TYPE_OF_LOADER] = 0xff; /* undefined boot loader */
	bp[LOADFLAGS] = (u8)((bp[LOADFLAGS] & ~KEEP_SEGMENTS) | CAN_USE_HEAP);
	bp[HEAP_END_PTR] = 0x00;   /* heap_end_ptr 0xfe00: as big as allowed */
	bp[HEAP_END_PTR + 1] = 0xfe;
	wr32(bp + CODE32_START, (u32)load);
	wr32(bp + CMD_LINE_PTR, (u32)CMDLINE_GPA);
	if (guest_phys_write(d, _gpa(CMDLINE_GPA), d->cfg.cmdline, cmd_len + 1))
		return FAIL(err, err_size, "cannot write the command line");
	if (ramdisk) {
		u64 rd_size = ramdisk->end - ramdisk->start;
		u64 top = MIN(low_end, (u64)rd32(image + INITRD_ADDR_MAX) + 1);
		u64 at = ALIGN_DOWN(top - MIN(rd_size, top), 0x200000UL);

		if (rd_size > top || at < load + MAX(init_size, pm_size))
			return FAIL(err, err_size, "initramfs of %lu KiB does not fit "
				    "above the kernel", rd_size >> 10);
		if (guest_phys_write(d, _gpa(at), paddr_to_virt(ramdisk->start), rd_size))
			return FAIL(err, err_size, "cannot write the initramfs");
		wr32(bp + RAMDISK_IMAGE, (u32)at);
		wr32(bp + RAMDISK_SIZE, (u32)rd_size);
	}
	wr64(bp + BP_ACPI_RSDP, platform_rsdp_gpa(d));
	if (fill_e820(d, bp, err, err_size))
		return -SH_EINVAL;
	if (guest_phys_write(d, _gpa(ZERO_PAGE_GPA), bp, sizeof(bp)))
		return FAIL(err, err_size, "cannot write the zero page");

	memset(img, 0, sizeof(*img));
	img->mode = BOOT_PROTECTED32; /* CS = __BOOT_CS, DS = __BOOT_DS */
	img->regs.rip = load;
	img->regs.rsi = ZERO_PAGE_GPA;
	printk("shale: domain %s: Linux boot protocol %x.%02x, kernel at 0x%lx "
	       "(%lu KiB, unpacks to %lu KiB)%s\n", d->name, version >> 8,
	       version & 0xff, load, pm_size >> 10, init_size >> 10,
	       ramdisk ? ", initramfs loaded" : "");
	return 0;
}
