/* SPDX-License-Identifier: MIT */
/*
 * The e820 memory map Shale reports to an HVM guest, and where the guest's
 * RAM sits in guest-physical space. Runs: host root mode and host unit tests.
 * Types: ACPI 6.4 15.1 (INT 15h E820h, "Address Range Types").
 *
 * A guest with maxmem M bytes has its RAM at [0, lowmem) and, when M is
 * above 3 GiB, at [4 GiB, 4 GiB + M - lowmem), lowmem = min(M, 3 GiB); the
 * 3-4 GiB hole holds MMIO (IOAPIC 0xfec00000, local APIC 0xfee00000). The
 * map lists:
 *   [0, 0x9fc00)                  RAM
 *   [0x9fc00, 0xa0000)            reserved: the EBDA
 *   [0xe0000, 0x100000)           reserved: BIOS area, holds the ACPI tables
 *                                 (ACPI_TABLES_GPA, see shale/acpi_tables.h)
 *   [0x100000, lowmem)            RAM
 *   [0xfec00000, 0x100000000)     reserved: IOAPIC, local APIC, BIOS ROM
 *   [4 GiB, 4 GiB + M - lowmem)   RAM, only when M > 3 GiB
 * [0xa0000, 0xe0000) (VGA window, option ROMs) and [lowmem, 0xfec00000)
 * are gaps, as on a PC: a guest places PCI BARs in gaps. The bytes of
 * [0x9fc00, 0x100000) are part of M but are not RAM to the guest (as with
 * QEMU's -m); the caller still backs them, since the EBDA and the ACPI
 * tables live there.
 *
 * The map describes maxmem, not the current allocation: a guest whose
 * memory is below maxmem learns its target some other way (a balloon), as
 * under Xen with populate-on-demand.
 */
#ifndef SHALE_E820_H
#define SHALE_E820_H

#include <shale/compiler.h>
#include <shale/types.h>

enum e820_type {
	E820_RAM = 1,
	E820_RESERVED = 2,
	E820_ACPI = 3, /* ACPI reclaim memory */
	E820_NVS = 4,  /* ACPI NVS memory */
};

/* One INT 15h E820h entry; the same 20-byte layout as Linux's
 * boot_params.e820_table[], so a map can be copied there as is. */
struct e820_entry {
	u64 addr;
	u64 size;
	u32 type; /* enum e820_type */
} __packed;
BUILD_BUG_ON(sizeof(struct e820_entry) != 20);

#define E820_EBDA_START 0x9fc00ULL
#define E820_BIOS_START 0xe0000ULL
#define E820_HIGH_RAM_START 0x100000ULL  /* 1 MiB */
#define E820_LOWMEM_LIMIT 0xc0000000ULL  /* 3 GiB */
#define E820_MMIO_START 0xfec00000ULL    /* IOAPIC */
#define E820_4G 0x100000000ULL
#define E820_MIN_MAXMEM (2ULL << 20)     /* 2 MiB: some RAM above 1 MiB */
#define E820_MAX_ENTRIES 6               /* what e820_build() can emit */

/* Bytes of guest-physical RAM below 4 GiB for maxmem bytes: [0, result). */
static inline u64 e820_lowmem_end(u64 maxmem)
{
	return MIN(maxmem, E820_LOWMEM_LIMIT);
}

/* Bytes of RAM at and above 4 GiB: [4 GiB, 4 GiB + result). */
static inline u64 e820_highmem_size(u64 maxmem)
{
	return maxmem - e820_lowmem_end(maxmem);
}

/*
 * Writes the map above for a guest of ram bytes with maxmem bytes of
 * address space into map[0..max), sorted by address, non-overlapping.
 * Returns the number of entries, -SH_EINVAL if ram > maxmem, maxmem is not
 * page-aligned or below E820_MIN_MAXMEM, or -SH_ENOSPC if max is too small.
 */
int e820_build(struct e820_entry *map, unsigned int max, u64 ram, u64 maxmem);

#endif /* SHALE_E820_H */
