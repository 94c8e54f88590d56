/* SPDX-License-Identifier: MIT */
/*
 * Finding the host's processors in the ACPI MADT. The RSDP comes from the
 * multiboot2 loader if it passed one, else from a scan of the EBDA and the
 * BIOS area (ACPI 6.4 section 5.2.5.1). Firmware tables are input like any
 * other: every checksum and length is checked before use.
 * Runs: host root mode, boot CPU, at boot.
 */
#include <asm/acpi.h>
#include <shale/bootinfo.h>
#include <shale/compiler.h>
#include <shale/errno.h>
#include <shale/frames.h>
#include <shale/printk.h>
#include <shale/string.h>

#define ACPI_TABLE_MAX (1u << 20) /* no table we read is anywhere near 1 MiB */
#define ACPI_PHYS_LIMIT (1UL << 32)

struct rsdp {
	char signature[8];
	u8 checksum;
	char oem_id[6];
	u8 revision;
	u32 rsdt;
	u32 length; /* ACPI 2.0+ */
	u64 xsdt;
	u8 ext_checksum;
	u8 reserved[3];
} __packed;

struct sdt_header {
	char signature[4];
	u32 length;
	u8 revision;
	u8 checksum;
	char oem_id[6];
	char oem_table_id[8];
	u32 oem_revision;
	u32 creator_id;
	u32 creator_revision;
} __packed;

struct madt {
	struct sdt_header h;
	u32 lapic_addr;
	u32 flags;
	u8 entries[];
} __packed;

#define MADT_LAPIC 0
#define MADT_X2APIC 9
#define MADT_CPU_ENABLED 1u

static u8 sum(const void *p, size_t n)
{
	const u8 *b = p;
	u8 s = 0;

	while (n--)
		s += *b++;
	return s;
}

static const struct rsdp *rsdp_check(const void *p)
{
	const struct rsdp *r = p;

	if (memcmp(r->signature, "RSD PTR ", 8) || sum(r, 20))
		return NULL;
	if (r->revision >= 2 &&
	    (r->length < sizeof(*r) || r->length > 4096 || sum(r, r->length)))
		return NULL;
	return r;
}

static const struct rsdp *rsdp_scan(paddr_t start, paddr_t end)
{
	for (paddr_t p = start; p + 20 <= end; p += 16) {
		const struct rsdp *r = rsdp_check(paddr_to_virt(p));

		if (r)
			return r;
	}
	return NULL;
}

static const struct rsdp *rsdp_find(void)
{
	paddr_t ebda;

	if (boot_info.acpi_rsdp)
		return rsdp_check(boot_info.rsdp_copy);
	ebda = (paddr_t)*(const u16 *)paddr_to_virt(0x40e) << 4;
	if (ebda >= 0x80000 && ebda < 0xa0000) {
		const struct rsdp *r = rsdp_scan(ebda, ebda + 1024);

		if (r)
			return r;
	}
	return rsdp_scan(0xe0000, 0x100000);
}

/* The table at 'pa' if its header, length and checksum are sound. */
static const struct sdt_header *sdt_map(paddr_t pa, const char *sig)
{
	const struct sdt_header *h;

	if (!pa || pa >= ACPI_PHYS_LIMIT - sizeof(*h))
		return NULL;
	h = paddr_to_virt(pa);
	if (h->length < sizeof(*h) || h->length > ACPI_TABLE_MAX ||
	    pa + h->length > ACPI_PHYS_LIMIT)
		return NULL;
	if (sig && memcmp(h->signature, sig, 4))
		return NULL;
	if (sum(h, h->length)) {
		printk("shale: acpi: table %.4s at 0x%lx has a bad checksum\n",
		       h->signature, pa);
		return NULL;
	}
	return h;
}

static const struct madt *madt_find(const struct rsdp *r)
{
	const struct sdt_header *root;
	size_t entry_size, n;

	if (r->revision >= 2 && r->xsdt) {
		root = sdt_map(r->xsdt, "XSDT");
		entry_size = 8;
	} else {
		root = sdt_map(r->rsdt, "RSDT");
		entry_size = 4;
	}
	if (!root)
		return NULL;
	n = (root->length - sizeof(*root)) / entry_size;
	for (size_t i = 0; i < n; i++) {
		const u8 *e = (const u8 *)(root + 1) + i * entry_size;
		u64 pa = 0;
		const struct sdt_header *h;

		memcpy(&pa, e, entry_size);
		h = sdt_map(pa, "APIC");
		if (h && h->length >= sizeof(struct madt))
			return (const struct madt *)h;
	}
	return NULL;
}

int acpi_find_cpus(struct acpi_cpu *out, unsigned int max)
{
	const struct rsdp *r = rsdp_find();
	const struct madt *m;
	const u8 *p, *end;
	unsigned int n = 0;

	if (!r || !(m = madt_find(r)))
		return -SH_ENOENT;
	p = m->entries;
	end = (const u8 *)m + m->h.length;
	while (p + 2 <= end) {
		u8 type = p[0], len = p[1];
		u32 apic_id, uid, flags;

		if (len < 2 || p + len > end) {
			printk("shale: acpi: MADT entry of length %u runs past the table\n",
			       len);
			break;
		}
		if (type == MADT_LAPIC && len >= 8) {
			uid = p[2];
			apic_id = p[3];
			memcpy(&flags, p + 4, 4);
		} else if (type == MADT_X2APIC && len >= 16) {
			memcpy(&apic_id, p + 4, 4);
			memcpy(&flags, p + 8, 4);
			memcpy(&uid, p + 12, 4);
		} else {
			p += len;
			continue;
		}
		if (flags & MADT_CPU_ENABLED) {
			if (n < max)
				out[n] = (struct acpi_cpu){ apic_id, uid };
			n++;
		}
		p += len;
	}
	return (int)n;
}
