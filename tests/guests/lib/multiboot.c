/* SPDX-License-Identifier: MIT */
/* Reading the multiboot (v1) information the loader hands the test kernel:
 * command line and RAM ranges. Runs: guest (test kernel). */
#include <stddef.h>

#include "multiboot.h"
#include "string.h"

/* Multiboot specification 0.6.96, section 3.3. */
#define MB_INFO_MEM	(1u << 0)
#define MB_INFO_CMDLINE	(1u << 2)
#define MB_INFO_MMAP	(1u << 6)
#define MB_MMAP_RAM	1

struct mb_info {
	uint32_t flags;
	uint32_t mem_lower;	/* KiB below 1 MiB */
	uint32_t mem_upper;	/* KiB from 1 MiB up to the first hole */
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count;
	uint32_t mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length;
	uint32_t mmap_addr;
} __attribute__((packed));

struct mb_mmap_entry {
	uint32_t size;		/* of the rest of the entry */
	uint64_t base;
	uint64_t len;
	uint32_t type;
} __attribute__((packed));

static char mb_cmdline_buf[512];
static struct mb_range mb_ranges[MB_MAX_RANGES];
static int mb_nranges;
static const char *mb_source = "none";

static void mb_add_range(uint64_t base, uint64_t len)
{
	if (len && mb_nranges < MB_MAX_RANGES)
		mb_ranges[mb_nranges++] = (struct mb_range){ base, len };
}

int mb_init(uint32_t magic, uint32_t info)
{
	const struct mb_info *mbi = (const struct mb_info *)info;

	if (magic != MB_BOOT_MAGIC)
		return -1;
	if (mbi->flags & MB_INFO_CMDLINE) {
		const char *s = (const char *)mbi->cmdline;
		size_t i;

		for (i = 0; s[i] && i < sizeof(mb_cmdline_buf) - 1; i++)
			mb_cmdline_buf[i] = s[i];
		mb_cmdline_buf[i] = 0;
	}
	if (mbi->flags & MB_INFO_MMAP) {
		uint32_t p = mbi->mmap_addr;
		uint32_t end = p + mbi->mmap_length;

		while (p + sizeof(struct mb_mmap_entry) <= end) {
			const struct mb_mmap_entry *e = (const void *)p;

			if (e->type == MB_MMAP_RAM)
				mb_add_range(e->base, e->len);
			p += e->size + 4;
		}
		mb_source = "mmap";
	} else if (mbi->flags & MB_INFO_MEM) {
		mb_add_range(0, (uint64_t)mbi->mem_lower << 10);
		mb_add_range(1u << 20, (uint64_t)mbi->mem_upper << 10);
		mb_source = "mem_upper";
	}
	return 0;
}

const char *mb_cmdline(void)
{
	return mb_cmdline_buf;
}

int mb_ram_ranges(const struct mb_range **ranges, const char **source)
{
	*ranges = mb_ranges;
	*source = mb_source;
	return mb_nranges;
}

/* Parses a decimal or 0x-hex number ending at a space or the string's
 * end; returns false on anything else. */
static bool mb_parse_uint(const char *s, uint32_t *val)
{
	uint32_t v = 0, base = 10;
	bool any = false;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (; *s && *s != ' '; s++, any = true) {
		uint32_t d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return false;
		v = v * base + d;
	}
	*val = v;
	return any;
}

bool mb_cmdline_uint(const char *key, uint32_t *val)
{
	size_t klen = strlen(key);
	const char *s = mb_cmdline_buf;

	while (*s) {
		while (*s == ' ')
			s++;
		if (!strncmp(s, key, klen) && s[klen] == '=')
			return mb_parse_uint(s + klen + 1, val);
		while (*s && *s != ' ')
			s++;
	}
	return false;
}
