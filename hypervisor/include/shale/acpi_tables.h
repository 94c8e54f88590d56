/* SPDX-License-Identifier: MIT */
/*
 * The ACPI tables Shale gives an HVM guest (RSDP, RSDT, XSDT, FADT, FACS,
 * MADT, DSDT), built into a caller's buffer for a given guest-physical base;
 * no knowledge of domains or guest memory (the caller copies the bytes into
 * guest RAM). Runs: host root mode and host unit tests.
 * Layouts: ACPI 6.4 chapter 5.2 (5.2.5 RSDP, 5.2.7 RSDT, 5.2.8 XSDT,
 * 5.2.9 FADT, 5.2.10 FACS, 5.2.11.1 DSDT, 5.2.12 MADT); AML: chapter 20.
 *
 * Where the tables live: the whole set goes at ACPI_TABLES_GPA (0xe0000),
 * RSDP first, inside the BIOS area [0xe0000, 0x100000) that e820_build()
 * reports as reserved. A guest that scans for the RSDP (ACPI 6.4 5.2.5.1:
 * 16-byte boundaries in 0xe0000-0xfffff) finds it there; a Linux guest
 * booted through boot_params can be given layout.rsdp directly. The caller
 * backs that range with ordinary guest RAM (as on a PC, where the BIOS area
 * is shadowed RAM): the guest may write the FACS.
 *
 * What the guest sees (and what Shale's devices must match):
 * - one Processor Local APIC per vCPU, APIC ID = ACPI processor UID = vCPU
 *   index, enabled; one IOAPIC (cfg->ioapic_id, 0xfec00000, GSI base 0);
 *   ISA IRQ0 -> GSI 2 (edge, high), IRQ 9 -> GSI 9 (level, high, the SCI);
 *   LINT1 of every local APIC is the NMI input.
 * - ACPI is always enabled: SMI_CMD = 0, so the OS never asks to switch
 *   modes (ACPI 6.4 5.2.9, "SMI_CMD"); PM1a_CNT must read SCI_EN = 1.
 * - PM1a event block (status + enable, 4 bytes), PM1a control (2 bytes) and
 *   a 32-bit 3.579545 MHz PM timer (4 bytes) at cfg's ports; no GPE blocks,
 *   no fixed power/sleep buttons, no SMM, no S1-S4.
 * - Power-off: the guest writes PM1a_CNT with SLP_EN and SLP_TYP =
 *   ACPI_SLP_TYP_S5 (from the DSDT's \_S5); reset: it writes
 *   cfg->reset_value to cfg->reset_port (0xcf9, value 6, as on a PIIX).
 * - IAPC_BOOT_ARCH: legacy ISA devices present (COM1, PIT, PIC), no 8042
 *   (Linux then skips the keyboard controller), no VGA, no MSI (there is no
 *   PCI), CMOS RTC present unless cfg->rtc_absent.
 * - The DSDT holds only \_S5 and an empty \_PIC; no Processor or ACPI0007
 *   objects: Linux brings CPUs up from the MADT alone, and without them only
 *   the ACPI processor driver (C-/P-state control) has nothing to bind to.
 */
#ifndef SHALE_ACPI_TABLES_H
#define SHALE_ACPI_TABLES_H

#include <shale/types.h>

/* Where Shale puts the table set in guest-physical memory (see above). */
#define ACPI_TABLES_GPA 0xe0000ULL
#define ACPI_TABLES_MAX (0x100000ULL - ACPI_TABLES_GPA)

#define ACPI_LAPIC_BASE 0xfee00000U
#define ACPI_IOAPIC_BASE 0xfec00000U
/* QEMU's IOAPIC ID; the IOAPIC ID register holds only 4 bits on an 82093AA,
 * so "nr_vcpus" would not fit for large guests. */
#define ACPI_IOAPIC_ID_DEFAULT 0
/* xAPIC IDs 0..254 (0xff is the broadcast ID). */
#define ACPI_MAX_VCPUS 255

/* The I/O ports acpi_config_init() picks (QEMU PIIX4 PM at 0xb000). */
#define ACPI_PM1A_EVT_PORT 0xb000
#define ACPI_PM1A_CNT_PORT 0xb004
#define ACPI_PM_TMR_PORT 0xb008
#define ACPI_RESET_PORT 0xcf9
#define ACPI_RESET_VALUE 0x06 /* CF9: system reset (bit 2) | hard (bit 1) */
#define ACPI_SCI_IRQ 9

/* Block lengths in bytes (ACPI 6.4 4.8.3). */
#define ACPI_PM1_EVT_LEN 4
#define ACPI_PM1_CNT_LEN 2
#define ACPI_PM_TMR_LEN 4

/* PM1 control register bits (ACPI 6.4 4.8.3.2.1, table 4.13), for the
 * device model behind cfg->pm1a_cnt_port. */
#define ACPI_PM1_CNT_SCI_EN 0x0001
#define ACPI_PM1_CNT_SLP_TYP_SHIFT 10
#define ACPI_PM1_CNT_SLP_TYP_MASK (7U << ACPI_PM1_CNT_SLP_TYP_SHIFT)
#define ACPI_PM1_CNT_SLP_EN 0x2000
/* The SLP_TYP value the DSDT's \_S5 package gives for soft-off: a write of
 * PM1a_CNT with SLP_EN set and SLP_TYP == 5 means "power off". */
#define ACPI_SLP_TYP_S5 5

struct acpi_config {
	unsigned int nr_vcpus; /* 1..ACPI_MAX_VCPUS */
	u8 ioapic_id;
	u8 sci_irq; /* ISA IRQ = GSI of the SCI (level, active high) */
	u16 pm1a_evt_port, pm1a_cnt_port, pm_tmr_port;
	u16 reset_port;
	u8 reset_value;
	bool rtc_absent; /* sets IAPC_BOOT_ARCH "CMOS RTC not present" */
};

/* Guest-physical addresses of each table acpi_build() wrote. */
struct acpi_layout {
	gpa_t rsdp, rsdt, xsdt, fadt, facs, dsdt, madt;
	size_t size; /* bytes from base_gpa to the end of the last table */
};

/* Fills cfg with Shale's defaults above for nr_vcpus vCPUs. */
void acpi_config_init(struct acpi_config *cfg, unsigned int nr_vcpus);

/* An upper bound on the bytes acpi_build() uses for cfg at any 16-byte
 * aligned base (it includes the worst-case alignment padding), or 0 if cfg
 * is invalid. */
size_t acpi_tables_size(const struct acpi_config *cfg);

/*
 * Writes the complete, checksummed table set into buf as it must appear at
 * guest-physical base (16-byte aligned; the whole set below 4 GiB), RSDP
 * first at base. Bytes in buf between tables are zeroed. Returns the bytes
 * used, -SH_ENOSPC if size is too small, -SH_EINVAL for a bad cfg or base.
 * If out is non-NULL it receives every table's address.
 */
int acpi_build(void *buf, size_t size, gpa_t base, const struct acpi_config *cfg,
	       struct acpi_layout *out);

/*
 * Writes only a 36-byte ACPI 2.0+ RSDP (both checksums) naming the given
 * RSDT and XSDT, for a caller that puts the RSDP somewhere else than
 * acpi_build() did. Returns 36 or -SH_ENOSPC / -SH_EINVAL (rsdt above 4 GiB).
 */
int acpi_build_rsdp(void *buf, size_t size, gpa_t rsdt, gpa_t xsdt);

#endif /* SHALE_ACPI_TABLES_H */
