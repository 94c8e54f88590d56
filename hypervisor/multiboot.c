/* SPDX-License-Identifier: MIT */
/*
 * Reading the boot loader's information (multiboot 1 from QEMU -kernel,
 * multiboot 2 from GRUB) into boot_info. The information is input: every
 * size, count and string is bounded, and nothing is used in place after
 * this returns. Runs: host root mode, boot CPU, before the allocator exists.
 */
#include <shale/bootinfo.h>
#include <shale/compiler.h>
#include <shale/multiboot1.h>
#include <shale/errno.h>
#include <shale/frames.h>
#include <shale/printk.h>
#include <shale/string.h>

struct boot_info boot_info;

#define INFO_LIMIT (1UL << 32)   /* both protocols hand over 32-bit addresses */
#define MB2_INFO_MAX (1u << 20)  /* a sane upper bound for the whole block */

/* Copies the NUL-terminated string at physical 'pa' into dst (at most
 * size-1 bytes, always terminated). Returns false if 'pa' is unusable. */
static bool copy_string(paddr_t pa, char *dst, size_t size)
{
	size_t i;

	dst[0] = '\0';
	if (!pa || pa >= INFO_LIMIT)
		return false;
	for (i = 0; i + 1 < size && pa + i < INFO_LIMIT; i++) {
		char c = *(const char *)paddr_to_virt(pa + i);

		if (!c)
			break;
		dst[i] = c;
	}
	dst[i] = '\0';
	return true;
}

static void add_module(paddr_t start, paddr_t end, paddr_t string)
{
	struct boot_module *m;

	if (boot_info.nr_modules == BOOT_MODULES_MAX) {
		printk("shale: more than %u modules; the rest are ignored\n",
		       BOOT_MODULES_MAX);
		return;
	}
	if (end < start || end > INFO_LIMIT) {
		printk("shale: module [0x%lx, 0x%lx) is malformed; ignored\n",
		       start, end);
		return;
	}
	m = &boot_info.modules[boot_info.nr_modules++];
	m->start = start;
	m->end = end;
	copy_string(string, m->cmdline, sizeof(m->cmdline));
}

static void add_ram(u64 base, u64 len, u32 type)
{
	if (type != MB1_MEMORY_AVAILABLE)
		return;
	if (memmap_add_usable(&boot_info.memmap, base, len))
		printk("shale: memory map full; RAM at 0x%lx ignored\n", base);
}





static int parse_mb1(paddr_t pa)
{
	const struct mb1_info *mb = paddr_to_virt(pa);

	if (mb->flags & MB1_INFO_CMDLINE)
		copy_string(mb->cmdline, boot_info.cmdline,
			    sizeof(boot_info.cmdline));
	if (mb->flags & MB1_INFO_LOADER)
		copy_string(mb->boot_loader_name, boot_info.loader,
			    sizeof(boot_info.loader));
	if (!(mb->flags & MB1_INFO_MMAP)) {
		printk("shale: multiboot1 loader gave no memory map\n");
		return -SH_EINVAL;
	}
	for (u64 off = 0; off + sizeof(struct mb1_mmap) <= mb->mmap_length;) {
		const struct mb1_mmap *e = paddr_to_virt(mb->mmap_addr + off);

		if (e->size < sizeof(*e) - 4)
			return -SH_EINVAL;
		add_ram(e->base, e->length, e->type);
		off += (u64)e->size + 4;
	}
	if (mb->flags & MB1_INFO_MODS) {
		for (u32 i = 0; i < mb->mods_count && i <= BOOT_MODULES_MAX; i++) {
			const struct mb1_module *m =
				paddr_to_virt(mb->mods_addr + (u64)i * sizeof(*m));

			add_module(m->start, m->end, m->string);
		}
	}
	return 0;
}

struct mb2_tag {
	u32 type, size;
} __packed;

#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_LOADER 2
#define MB2_TAG_MODULE 3
#define MB2_TAG_MMAP 6
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15

static void parse_mb2_mmap(paddr_t tag, u32 size)
{
	u32 entry_size = *(const u32 *)paddr_to_virt(tag + 8);

	if (entry_size < 24 || entry_size > 4096)
		return;
	for (u64 off = 16; off + entry_size <= size; off += entry_size) {
		const u8 *e = paddr_to_virt(tag + off);
		u64 base, len;
		u32 type;

		memcpy(&base, e, 8);
		memcpy(&len, e + 8, 8);
		memcpy(&type, e + 16, 4);
		add_ram(base, len, type);
	}
}

static int parse_mb2(paddr_t pa)
{
	u32 total = *(const u32 *)paddr_to_virt(pa);

	if (total < 16 || total > MB2_INFO_MAX || pa + total > INFO_LIMIT)
		return -SH_EINVAL;
	for (u64 off = 8; off + sizeof(struct mb2_tag) <= total;) {
		const struct mb2_tag *t = paddr_to_virt(pa + off);
		paddr_t tag = pa + off;
		u32 body = t->size - 8;

		if (t->size < 8 || off + t->size > total)
			return -SH_EINVAL;
		switch (t->type) {
		case MB2_TAG_END:
			return 0;
		case MB2_TAG_CMDLINE:
			copy_string(tag + 8, boot_info.cmdline,
				    MIN(sizeof(boot_info.cmdline), (size_t)body + 1));
			break;
		case MB2_TAG_LOADER:
			copy_string(tag + 8, boot_info.loader,
				    MIN(sizeof(boot_info.loader), (size_t)body + 1));
			break;
		case MB2_TAG_MODULE:
			if (t->size >= 17)
				add_module(*(const u32 *)paddr_to_virt(tag + 8),
					   *(const u32 *)paddr_to_virt(tag + 12),
					   tag + 16);
			break;
		case MB2_TAG_MMAP:
			if (t->size >= 16)
				parse_mb2_mmap(tag, t->size);
			break;
		case MB2_TAG_ACPI_OLD:
		case MB2_TAG_ACPI_NEW:
			if (body >= 20 && !boot_info.acpi_rsdp) {
				memcpy(boot_info.rsdp_copy, paddr_to_virt(tag + 8),
				       MIN((size_t)body, sizeof(boot_info.rsdp_copy)));
				boot_info.acpi_rsdp = tag + 8;
			}
			break;
		}
		off += ALIGN_UP((u64)t->size, 8);
	}
	return 0;
}

/* Multiboot loaders put the file's own path first on the command lines of
 * the image and of each module (QEMU's -kernel and -initrd, GRUB). A first
 * word with a '/' in it is that path, not an option: drop it. (Shale's
 * options and module words never contain '/'; tools/shale-run always
 * passes absolute paths.) */
static void strip_loader_path(char *cmdline)
{
	size_t end = 0, len = strlen(cmdline);

	while (cmdline[end] == ' ')
		end++;
	while (cmdline[end] && cmdline[end] != ' ')
		end++;
	if (!memchr(cmdline, '/', end))
		return;
	while (cmdline[end] == ' ')
		end++;
	memmove(cmdline, cmdline + end, len - end + 1);
}

int multiboot_parse(u32 magic, paddr_t info)
{
	int rc;

	memmap_init(&boot_info.memmap);
	if (info >= INFO_LIMIT)
		return -SH_EINVAL;
	if (magic == MULTIBOOT1_BOOT_MAGIC) {
		boot_info.protocol = 1;
		rc = parse_mb1(info);
	} else if (magic == MULTIBOOT2_BOOT_MAGIC) {
		boot_info.protocol = 2;
		rc = parse_mb2(info);
	} else {
		printk("shale: not started by a multiboot loader (magic 0x%x)\n",
		       magic);
		return -SH_EINVAL;
	}
	strip_loader_path(boot_info.cmdline);
	for (unsigned int i = 0; i < boot_info.nr_modules; i++)
		strip_loader_path(boot_info.modules[i].cmdline);
	return rc;
}
