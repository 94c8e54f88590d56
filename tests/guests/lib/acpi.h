/* SPDX-License-Identifier: MIT */
/* Finding and reading the ACPI tables a PC firmware leaves in memory: the
 * RSDP, the RSDT and XSDT, and the MADT's entries (ACPI 6.4, 5.2). Tables
 * are reached by physical address (paging off), so only those below 4 GiB.
 * Runs: guest (test kernel). */
#ifndef GUEST_ACPI_H
#define GUEST_ACPI_H

#include <stdbool.h>
#include <stdint.h>

/* RSDP (ACPI 6.4, 5.2.5.3); revision >= 2 adds the fields after rsdt. */
struct acpi_rsdp {
	char signature[8];		/* "RSD PTR " */
	uint8_t checksum;		/* of the first 20 bytes */
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt;
	uint32_t length;		/* of the whole structure */
	uint64_t xsdt;
	uint8_t ext_checksum;		/* of all length bytes */
	uint8_t reserved[3];
} __attribute__((packed));

#define ACPI_RSDP_V1_LEN	20

/* The header every system description table starts with (5.2.6). */
struct acpi_header {
	char signature[4];
	uint32_t length;		/* of the whole table, header included */
	uint8_t revision;
	uint8_t checksum;		/* all length bytes sum to 0 */
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} __attribute__((packed));

/* MADT (5.2.12): the header, then variable-length entries. */
struct acpi_madt {
	struct acpi_header h;
	uint32_t lapic_addr;
	uint32_t flags;			/* bit 0: PCAT_COMPAT (8259s present) */
} __attribute__((packed));

struct acpi_madt_entry {
	uint8_t type, length;
} __attribute__((packed));

enum acpi_madt_type {
	MADT_LAPIC = 0,
	MADT_IOAPIC = 1,
	MADT_ISO = 2,			/* interrupt source override */
	MADT_NMI_SOURCE = 3,
	MADT_LAPIC_NMI = 4,
	MADT_LAPIC_ADDR = 5,		/* 64-bit local APIC address override */
	MADT_X2APIC = 9,
	MADT_X2APIC_NMI = 10,
};

#define MADT_ENABLED		(1u << 0)
#define MADT_ONLINE_CAPABLE	(1u << 1)

struct acpi_madt_lapic {
	struct acpi_madt_entry e;
	uint8_t uid, apic_id;
	uint32_t flags;
} __attribute__((packed));

struct acpi_madt_ioapic {
	struct acpi_madt_entry e;
	uint8_t id, reserved;
	uint32_t addr, gsi_base;
} __attribute__((packed));

struct acpi_madt_iso {
	struct acpi_madt_entry e;
	uint8_t bus, source;
	uint32_t gsi;
	uint16_t flags;			/* polarity bits 1:0, trigger bits 3:2 */
} __attribute__((packed));

struct acpi_madt_lapic_addr {
	struct acpi_madt_entry e;
	uint16_t reserved;
	uint64_t addr;
} __attribute__((packed));

struct acpi_madt_x2apic {
	struct acpi_madt_entry e;
	uint16_t reserved;
	uint32_t x2apic_id, flags, uid;
} __attribute__((packed));

/* FADT (5.2.9), up to the fields the test kernels read. */
struct acpi_fadt {
	struct acpi_header h;
	uint32_t firmware_ctrl, dsdt;
	uint8_t reserved0, preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable, acpi_disable, s4bios_req, pstate_cnt;
	uint32_t pm1a_evt_blk, pm1b_evt_blk, pm1a_cnt_blk, pm1b_cnt_blk;
	uint32_t pm2_cnt_blk, pm_tmr_blk, gpe0_blk, gpe1_blk;
	uint8_t pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len;
} __attribute__((packed));

/* True if the len bytes at p sum to 0 (mod 256). */
bool acpi_checksum_ok(const void *p, uint32_t len);

/*
 * Looks for "RSD PTR " on 16-byte boundaries in the first KiB of the EBDA
 * (its segment is the word at 0x40E; skipped if that points below 0x400)
 * and then in 0xE0000-0xFFFFF, as ACPI 6.4 5.2.5.1 says. Returns the first
 * match whose 20-byte checksum is right, else the first match at all (so
 * the caller can report the bad checksum), else NULL. *where names the
 * area ("EBDA" or "BIOS area"); *ebda is the EBDA address it scanned (0 if
 * none).
 */
const struct acpi_rsdp *acpi_find_rsdp(const char **where, uint32_t *ebda);

/* The number of table addresses in a root table: 4-byte ones in an RSDT,
 * 8-byte ones in an XSDT (xsdt). */
uint32_t acpi_root_count(const struct acpi_header *root, bool xsdt);

/* Entry i (< acpi_root_count) of a root table. */
uint64_t acpi_root_entry(const struct acpi_header *root, bool xsdt,
			 uint32_t i);

/* The MADT entry after prev (the first if prev is NULL); NULL at the end
 * of the table or at an entry whose length is 0 or runs past the end. */
const struct acpi_madt_entry *acpi_madt_next(const struct acpi_madt *madt,
					     const struct acpi_madt_entry *prev);

/* The MADT ("APIC"), found through the RSDP and the XSDT (revision 2 and
 * below 4 GiB) or else the RSDT; NULL if there is none. Checksums are not
 * checked (smp.elf checks them). */
const struct acpi_madt *acpi_find_madt(void);

/* Stores the APIC IDs of the MADT's enabled processor local APIC entries,
 * in table order and leaving out 'skip' (e.g. the caller's own), in
 * apic_ids[], at most max of them; returns how many. */
int acpi_madt_enabled_cpus(const struct acpi_madt *madt, uint8_t skip,
			   uint8_t *apic_ids, int max);

#endif
