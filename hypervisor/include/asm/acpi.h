/* SPDX-License-Identifier: MIT */
/*
 * The firmware's ACPI tables as the host reads them: only what SMP bring-up
 * needs, the enabled processors listed in the MADT.
 * Runs: host root mode (boot CPU, at boot).
 */
#ifndef ASM_ACPI_H
#define ASM_ACPI_H

#include <shale/types.h>

struct acpi_cpu {
	u32 apic_id;
	u32 acpi_uid;
};

/* Fills out[0..max) with the enabled CPUs of the MADT, in table order, and
 * returns how many there are (which may exceed max), or -SH_ENOENT when
 * there is no valid RSDP/RSDT/XSDT/MADT. Checksums and lengths are checked;
 * a malformed table is reported and ignored. */
int acpi_find_cpus(struct acpi_cpu *out, unsigned int max);

#endif /* ASM_ACPI_H */
