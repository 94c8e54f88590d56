/* SPDX-License-Identifier: MIT */
/* Finding and reading the ACPI tables a PC firmware leaves in memory.
 * Runs: guest (test kernel). */
#include "acpi.h"
#include "string.h"

#define BDA_EBDA_SEGMENT	0x40eu
#define EBDA_SCAN_LEN		1024u
#define BIOS_AREA_START		0xe0000u
#define BIOS_AREA_END		0x100000u

bool acpi_checksum_ok(const void *p, uint32_t len)
{
	const volatile uint8_t *b = p;
	uint8_t sum = 0;

	for (uint32_t i = 0; i < len; i++)
		sum += b[i];
	return sum == 0;
}

/* Scans [start, end) on 16-byte boundaries; *first keeps the first match
 * of the signature, the return value is the first with a good checksum. */
static const struct acpi_rsdp *acpi_scan(uint32_t start, uint32_t end,
					 const struct acpi_rsdp **first)
{
	for (uint32_t a = start; a + ACPI_RSDP_V1_LEN <= end; a += 16) {
		const struct acpi_rsdp *r = (const void *)a;

		if (memcmp(r->signature, "RSD PTR ", 8))
			continue;
		if (!*first)
			*first = r;
		if (acpi_checksum_ok(r, ACPI_RSDP_V1_LEN))
			return r;
	}
	return NULL;
}

const struct acpi_rsdp *acpi_find_rsdp(const char **where, uint32_t *ebda)
{
	const struct acpi_rsdp *ebda_first = NULL, *bios_first = NULL, *r;
	uint32_t bda = BDA_EBDA_SEGMENT, seg;

	/* Hidden from GCC, which takes addresses below 4 KiB for NULL
	 * dereferences (-Warray-bounds). */
	__asm__("" : "+r"(bda));
	seg = *(const volatile uint16_t *)bda;

	*ebda = seg << 4;
	if (*ebda < 0x400 || *ebda >= BIOS_AREA_START)
		*ebda = 0;
	*where = "EBDA";
	if (*ebda) {
		r = acpi_scan(*ebda, *ebda + EBDA_SCAN_LEN, &ebda_first);
		if (r)
			return r;
	}
	r = acpi_scan(BIOS_AREA_START, BIOS_AREA_END, &bios_first);
	if (r || !ebda_first)
		*where = "BIOS area";
	return r ? r : ebda_first ? ebda_first : bios_first;
}

uint32_t acpi_root_count(const struct acpi_header *root, bool xsdt)
{
	if (root->length < sizeof(*root))
		return 0;
	return (root->length - sizeof(*root)) / (xsdt ? 8u : 4u);
}

uint64_t acpi_root_entry(const struct acpi_header *root, bool xsdt,
			 uint32_t i)
{
	const uint8_t *p = (const uint8_t *)(root + 1);
	uint64_t v;

	/* XSDT entries are 8 bytes at 4-byte alignment: copy, not cast. */
	if (xsdt) {
		memcpy(&v, p + 8 * i, 8);
		return v;
	}
	return ((const uint32_t *)p)[i];
}

const struct acpi_madt_entry *acpi_madt_next(const struct acpi_madt *madt,
					     const struct acpi_madt_entry *prev)
{
	uint32_t end = (uint32_t)madt + madt->h.length;
	uint32_t at = prev ? (uint32_t)prev + prev->length
			   : (uint32_t)(madt + 1);
	const struct acpi_madt_entry *e = (const void *)at;

	if (at + sizeof(*e) > end || e->length < sizeof(*e) ||
	    at + e->length > end)
		return NULL;
	return e;
}

const struct acpi_madt *acpi_find_madt(void)
{
	const char *where;
	uint32_t ebda;
	const struct acpi_rsdp *rsdp = acpi_find_rsdp(&where, &ebda);
	const struct acpi_header *root;
	bool xsdt;

	if (!rsdp)
		return NULL;
	xsdt = rsdp->revision >= 2 && rsdp->xsdt && rsdp->xsdt < 0xfffff000ull;
	root = (const void *)(xsdt ? (uint32_t)rsdp->xsdt : rsdp->rsdt);
	if (!root)
		return NULL;
	for (uint32_t i = 0; i < acpi_root_count(root, xsdt); i++) {
		uint64_t a = acpi_root_entry(root, xsdt, i);

		if (a && a < 0xfffff000ull &&
		    !memcmp(((const struct acpi_header *)(uint32_t)a)->signature,
			    "APIC", 4))
			return (const void *)(uint32_t)a;
	}
	return NULL;
}

int acpi_madt_enabled_cpus(const struct acpi_madt *madt, uint8_t skip,
			   uint8_t *apic_ids, int max)
{
	int n = 0;

	for (const struct acpi_madt_entry *e = acpi_madt_next(madt, NULL);
	     e && n < max; e = acpi_madt_next(madt, e)) {
		const struct acpi_madt_lapic *l = (const void *)e;

		if (e->type == MADT_LAPIC && e->length >= sizeof(*l) &&
		    (l->flags & MADT_ENABLED) && l->apic_id != skip)
			apic_ids[n++] = l->apic_id;
	}
	return n;
}
