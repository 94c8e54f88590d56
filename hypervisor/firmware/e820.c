/* SPDX-License-Identifier: MIT */
/*
 * Builds an HVM guest's e820 map (the layout is in shale/e820.h).
 * Runs: host root mode and host unit tests.
 * Address range types: ACPI 6.4 15.1 (INT 15h E820h).
 */
#include <shale/e820.h>
#include <shale/errno.h>

static bool add(struct e820_entry *map, unsigned int max, unsigned int *n,
		u64 start, u64 end, enum e820_type type)
{
	if (*n == max)
		return false;
	map[(*n)++] = (struct e820_entry){ start, end - start, type };
	return true;
}

int e820_build(struct e820_entry *map, unsigned int max, u64 ram, u64 maxmem)
{
	u64 lowmem = e820_lowmem_end(maxmem);
	u64 highmem = e820_highmem_size(maxmem);
	unsigned int n = 0;
	bool ok;

	if (ram > maxmem || maxmem < E820_MIN_MAXMEM ||
	    !IS_ALIGNED(maxmem, PAGE_SIZE))
		return -SH_EINVAL;

	ok = add(map, max, &n, 0, E820_EBDA_START, E820_RAM) &&
	     add(map, max, &n, E820_EBDA_START, 0xa0000, E820_RESERVED) &&
	     add(map, max, &n, E820_BIOS_START, E820_HIGH_RAM_START,
		 E820_RESERVED) &&
	     add(map, max, &n, E820_HIGH_RAM_START, lowmem, E820_RAM) &&
	     add(map, max, &n, E820_MMIO_START, E820_4G, E820_RESERVED) &&
	     (!highmem ||
	      add(map, max, &n, E820_4G, E820_4G + highmem, E820_RAM));
	return ok ? (int)n : -SH_ENOSPC;
}
