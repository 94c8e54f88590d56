/* SPDX-License-Identifier: MIT */
/*
 * The multiboot (v1) guest loader: what QEMU's -kernel does for a test
 * kernel, done by Shale for a domain. It places the image (ELF32 program
 * headers, or the header's a.out-kludge addresses), writes a multiboot
 * information block with the domain's memory map and command line (and the
 * ramdisk as a module), and starts the boot vCPU in flat 32-bit protected
 * mode with EAX = 0x2BADB002 and EBX = the information block.
 * Multiboot specification 0.6.96, sections 3.1-3.3. Runs: host root mode.
 */
#include <shale/bootinfo.h>
#include <shale/compiler.h>
#include <shale/multiboot1.h>
#include <shale/domain.h>
#include <shale/errno.h>
#include <shale/frames.h>
#include <shale/guest_mem.h>
#include <shale/loader.h>
#include <shale/printk.h>
#include <shale/string.h>

#define MB1_HEADER_MAGIC 0x1badb002u
#define MB1_HEADER_SEARCH 8192
#define MB1_AOUT_KLUDGE (1u << 16)
#define MB1_INFO_GPA 0x9000UL  /* below the EBDA, above the IVT and BDA */
#define MB1_INFO_SIZE 0x3000UL
#define LOW_RAM_END 0x9fc00UL  /* what a PC reports as conventional RAM */

struct mb1_header {
	u32 magic, flags, checksum;
	u32 header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
};

struct elf32_ehdr {
	u8 ident[16];
	u16 type, machine;
	u32 version, entry, phoff, shoff, flags;
	u16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
} __packed;

struct elf32_phdr {
	u32 type, offset, vaddr, paddr, filesz, memsz, flags, align;
} __packed;

struct load_ctx {
	struct domain *d;
	const u8 *image;
	u64 size;
	char *err;
	size_t err_size;
	u64 image_start, image_end; /* guest-physical range the kernel took */
};

#define FAIL(ctx, ...)                                                         \
	(sh_snprintf((ctx)->err, (ctx)->err_size, __VA_ARGS__), -SH_EINVAL)

/* Copies image[off, off + filesz) to gpa and zeroes up to memsz, after
 * checking both ranges. */
static int place(struct load_ctx *c, u64 gpa, u64 off, u64 filesz, u64 memsz)
{
	static const u8 zeros[256];

	if (filesz > memsz || off > c->size || filesz > c->size - off)
		return FAIL(c, "segment at file offset 0x%lx runs past the image", off);
	if (gpa < 0x100000 || gpa + memsz < gpa ||
	    gpa + memsz > MIN(c->d->ram_bytes, GUEST_LOW_RAM_MAX))
		return FAIL(c, "segment [0x%lx, 0x%lx) is outside guest RAM above 1 MiB",
			    gpa, gpa + memsz);
	if (guest_phys_write(c->d, _gpa(gpa), c->image + off, filesz))
		return FAIL(c, "cannot write guest memory at 0x%lx", gpa);
	for (u64 z = filesz; z < memsz; z += sizeof(zeros))
		guest_phys_write(c->d, _gpa(gpa + z), zeros,
				 MIN((u64)sizeof(zeros), memsz - z));
	c->image_start = MIN(c->image_start, gpa);
	c->image_end = MAX(c->image_end, gpa + memsz);
	return 0;
}

static int load_elf32(struct load_ctx *c, u32 *entry)
{
	const struct elf32_ehdr *eh = (const void *)c->image;
	unsigned int loaded = 0;

	if (c->size < sizeof(*eh) || memcmp(eh->ident, "\177ELF", 4))
		return FAIL(c, "not an ELF file and no a.out-kludge addresses");
	if (eh->ident[4] != 1 || eh->machine != 3)
		return FAIL(c, "not a 32-bit x86 ELF (class %u, machine %u)",
			    eh->ident[4], eh->machine);
	if (eh->phentsize != sizeof(struct elf32_phdr) || eh->phnum > 64 ||
	    (u64)eh->phoff + (u64)eh->phnum * sizeof(struct elf32_phdr) > c->size)
		return FAIL(c, "bad ELF program header table");
	for (unsigned int i = 0; i < eh->phnum; i++) {
		const struct elf32_phdr *ph =
			(const void *)(c->image + eh->phoff + i * sizeof(*ph));
		int rc;

		if (ph->type != 1 || !ph->memsz) /* PT_LOAD */
			continue;
		rc = place(c, ph->paddr, ph->offset, ph->filesz, ph->memsz);
		if (rc)
			return rc;
		loaded++;
	}
	if (!loaded)
		return FAIL(c, "ELF has no loadable segment");
	*entry = eh->entry;
	return 0;
}

static int load_aout_kludge(struct load_ctx *c, const struct mb1_header *h,
			    u64 header_off, u32 *entry)
{
	u64 file_off, load_size, mem_size;

	if (h->header_addr < h->load_addr || h->header_addr - h->load_addr > header_off)
		return FAIL(c, "multiboot header addresses are inconsistent");
	file_off = header_off - (h->header_addr - h->load_addr);
	load_size = h->load_end_addr ? (u64)h->load_end_addr - h->load_addr
				     : c->size - file_off;
	mem_size = h->bss_end_addr ? (u64)h->bss_end_addr - h->load_addr : load_size;
	if (h->load_end_addr && h->load_end_addr < h->load_addr)
		return FAIL(c, "load_end_addr below load_addr");
	if (mem_size < load_size)
		return FAIL(c, "bss_end_addr below load_end_addr");
	*entry = h->entry_addr;
	return place(c, h->load_addr, file_off, load_size, mem_size);
}

/* Finds and checks the multiboot header in the first 8 KiB. */
static const struct mb1_header *find_header(struct load_ctx *c, u64 *off)
{
	for (u64 o = 0; o + sizeof(struct mb1_header) <= MIN(c->size, (u64)MB1_HEADER_SEARCH);
	     o += 4) {
		const struct mb1_header *h = (const void *)(c->image + o);

		if (h->magic == MB1_HEADER_MAGIC &&
		    (u32)(h->magic + h->flags + h->checksum) == 0) {
			*off = o;
			return h;
		}
	}
	return NULL;
}




/* Builds the information block at MB1_INFO_GPA: memory map, command line,
 * loader name and the ramdisk module. */
static int write_info(struct load_ctx *c, const struct boot_module *ramdisk)
{
	struct domain *d = c->d;
	static u8 block[MB1_INFO_SIZE]; /* domains are built one at a time */
	struct mb1_info *info = (void *)block;
	struct mb1_mmap *mm = (void *)(block + sizeof(*info));
	struct mb1_module *mod = (void *)(mm + 4);
	struct guest_ram_range ram[2];
	unsigned int nr_ram = guest_ram_layout(d->ram_bytes, ram);
	char *strings = (char *)(mod + 1);
	size_t cmd_len = strlen(d->cfg.cmdline);

	BUILD_BUG_ON(sizeof(*info) + 4 * sizeof(*mm) + sizeof(*mod) +
		     DOMCFG_CMDLINE_MAX + 1 + 16 > MB1_INFO_SIZE);
	memset(block, 0, sizeof(block));
	info->flags = MB1_INFO_MEMORY | MB1_INFO_CMDLINE | MB1_INFO_MMAP | MB1_INFO_LOADER;
	info->mem_lower = LOW_RAM_END >> 10;
	info->mem_upper = (u32)((ram[0].end - 0x100000) >> 10);
	mm[0] = (struct mb1_mmap){ 20, 0, LOW_RAM_END, MB1_MEMORY_AVAILABLE };
	mm[1] = (struct mb1_mmap){ 20, 0xf0000, 0x10000, MB1_MEMORY_RESERVED };
	mm[2] = (struct mb1_mmap){ 20, 0x100000, ram[0].end - 0x100000,
				    MB1_MEMORY_AVAILABLE };
	if (nr_ram == 2)
		mm[3] = (struct mb1_mmap){ 20, ram[1].start, ram[1].end - ram[1].start,
					    MB1_MEMORY_AVAILABLE };
	info->mmap_addr = (u32)(MB1_INFO_GPA + ((u8 *)mm - block));
	info->mmap_length = (2 + nr_ram) * sizeof(*mm);
	memcpy(strings, d->cfg.cmdline, cmd_len + 1);
	info->cmdline = (u32)(MB1_INFO_GPA + ((u8 *)strings - block));
	memcpy(strings + cmd_len + 1, "Shale", 6);
	info->boot_loader_name = info->cmdline + (u32)cmd_len + 1;
	if (ramdisk) {
		u64 size = ramdisk->end - ramdisk->start;
		u64 at = ALIGN_DOWN(ram[0].end - size, PAGE_SIZE);

		if (size > ram[0].end || at < ALIGN_UP(c->image_end, PAGE_SIZE))
			return FAIL(c, "ramdisk of %lu bytes does not fit above the kernel",
				    size);
		if (guest_phys_write(d, _gpa(at), paddr_to_virt(ramdisk->start), size))
			return FAIL(c, "cannot write the ramdisk");
		*mod = (struct mb1_module){ (u32)at, (u32)(at + size),
					    info->boot_loader_name + 6, 0 };
		memcpy(strings + cmd_len + 7, "ramdisk", 8);
		info->flags |= MB1_INFO_MODS;
		info->mods_count = 1;
		info->mods_addr = (u32)(MB1_INFO_GPA + ((u8 *)mod - block));
	}
	if (guest_phys_write(d, _gpa(MB1_INFO_GPA), block, sizeof(block)))
		return FAIL(c, "cannot write the multiboot information");
	return 0;
}

int loader_load_multiboot(struct domain *d, const struct boot_module *kernel,
			  const struct boot_module *ramdisk,
			  struct loaded_image *img, char *err, size_t err_size)
{
	struct load_ctx c = {
		.d = d, .image = paddr_to_virt(kernel->start),
		.size = kernel->end - kernel->start, .err = err,
		.err_size = err_size, .image_start = ~0UL, .image_end = 0,
	};
	const struct mb1_header *h;
	u64 header_off;
	u32 entry = 0;
	int rc;

	if (d->ram_bytes < (2UL << 20))
		return FAIL(&c, "a multiboot guest needs at least 2 MiB of RAM");
	h = find_header(&c, &header_off);
	if (!h)
		return FAIL(&c, "no multiboot header in the first 8 KiB");
	if (h->flags & MB1_AOUT_KLUDGE)
		rc = load_aout_kludge(&c, h, header_off, &entry);
	else
		rc = load_elf32(&c, &entry);
	if (rc)
		return rc;
	if (entry < c.image_start || entry >= c.image_end)
		return FAIL(&c, "entry point 0x%x is outside the loaded image", entry);
	rc = write_info(&c, ramdisk);
	if (rc)
		return rc;
	memset(img, 0, sizeof(*img));
	img->mode = BOOT_PROTECTED32;
	img->regs.rip = entry;
	img->regs.rax = 0x2badb002;
	img->regs.rbx = MB1_INFO_GPA;
	return 0;
}
