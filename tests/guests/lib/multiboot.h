/* SPDX-License-Identifier: MIT */
/* Reading the multiboot (v1) information the loader hands the test kernel:
 * command line and RAM ranges. Runs: guest (test kernel). */
#ifndef GUEST_MULTIBOOT_H
#define GUEST_MULTIBOOT_H

#include <stdbool.h>
#include <stdint.h>

#define MB_BOOT_MAGIC	0x2badb002u	/* in EAX at entry */
#define MB_MAX_RANGES	32

/* One range of usable RAM (multiboot memory type 1). */
struct mb_range {
	uint64_t base;
	uint64_t len;
};

/*
 * Copies what the test kernels need out of the multiboot information at
 * physical address info (the command line and the usable RAM ranges, from
 * the memory map if present, else from mem_lower/mem_upper), so that the
 * loader's copy may be overwritten afterwards. Returns 0, or -1 if magic
 * is not the multiboot v1 boot magic.
 */
int mb_init(uint32_t magic, uint32_t info);

/* The command line ("" if the loader gave none). */
const char *mb_cmdline(void);

/* The usable RAM ranges in loader order; *source says where they came
 * from ("mmap", "mem_upper" or "none"). Returns how many there are. */
int mb_ram_ranges(const struct mb_range **ranges, const char **source);

/* If the command line has a word "key=N" (N decimal or 0x hex), stores N
 * in *val and returns true. */
bool mb_cmdline_uint(const char *key, uint32_t *val);

#endif
