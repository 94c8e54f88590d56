/* SPDX-License-Identifier: MIT */
/*
 * What the boot loader told Shale, copied out of the multiboot information
 * (v1 or v2) into Shale's own storage: the command line, the modules and the
 * memory map. Runs: host root mode (filled once at boot, read-only after).
 */
#ifndef SHALE_BOOTINFO_H
#define SHALE_BOOTINFO_H

#include <shale/memmap.h>
#include <shale/types.h>

#define BOOT_CMDLINE_MAX 512
#define BOOT_MODULES_MAX 32
#define BOOT_MODULE_CMDLINE_MAX 128

struct boot_module {
	paddr_t start;
	paddr_t end; /* exclusive */
	char cmdline[BOOT_MODULE_CMDLINE_MAX];
};

struct boot_info {
	unsigned int protocol; /* 1 or 2 */
	char loader[64];
	char cmdline[BOOT_CMDLINE_MAX];
	struct boot_module modules[BOOT_MODULES_MAX];
	unsigned int nr_modules;
	paddr_t acpi_rsdp; /* copy of the RSDP handed over by a v2 loader, else 0 */
	u8 rsdp_copy[36];
	struct memmap memmap;
};

extern struct boot_info boot_info;

#define MULTIBOOT1_BOOT_MAGIC 0x2BADB002
#define MULTIBOOT2_BOOT_MAGIC 0x36D76289

/* Parses the loader's information at physical 'info' (reachable through the
 * direct map) into boot_info. Every length and pointer is bounds-checked;
 * returns 0, or -SH_EINVAL for an unknown magic or malformed information
 * (the reason is printed). */
int multiboot_parse(u32 magic, paddr_t info);

#endif /* SHALE_BOOTINFO_H */
