/* SPDX-License-Identifier: MIT */
/*
 * Builds the ACPI table set of an HVM guest into a buffer (see
 * shale/acpi_tables.h for what the tables promise the guest).
 * Runs: host root mode and host unit tests.
 * Every layout below is from ACPI 6.4 chapter 5.2; the section is cited on
 * each struct. All fields are little-endian, which x86 is natively.
 */
#include <shale/acpi_tables.h>
#include <shale/compiler.h>
#include <shale/errno.h>
#include <shale/string.h>

BUILD_BUG_ON(__BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__);

#define OEM_ID "SHALE "      /* 6 bytes */
#define OEM_TABLE_ID "SHALEHVM" /* 8 bytes */
#define OEM_REVISION 1
#define CREATOR_ID "SHAL"
#define CREATOR_REVISION 1

/* ACPI 6.4 5.2.5.3, table 5.3: Root System Description Pointer. */
struct acpi_rsdp {
	char signature[8]; /* "RSD PTR " */
	u8 checksum;       /* over the first 20 bytes (the ACPI 1.0 part) */
	char oem_id[6];
	u8 revision; /* 2 = ACPI 2.0 and later */
	u32 rsdt_address;
	u32 length; /* 36 */
	u64 xsdt_address;
	u8 extended_checksum; /* over all 36 bytes */
	u8 reserved[3];
} __packed;
BUILD_BUG_ON(sizeof(struct acpi_rsdp) != 36);

#define RSDP_V1_LEN 20

/* ACPI 6.4 5.2.6, table 5.4: the header every other table starts with. */
struct acpi_header {
	char signature[4];
	u32 length;
	u8 revision;
	u8 checksum; /* the whole table sums to 0 */
	char oem_id[6];
	char oem_table_id[8];
	u32 oem_revision;
	char creator_id[4];
	u32 creator_revision;
} __packed;
BUILD_BUG_ON(sizeof(struct acpi_header) != 36);

/* ACPI 6.4 5.2.3.2, table 5.1: Generic Address Structure. */
struct acpi_gas {
	u8 space_id; /* 1 = system I/O */
	u8 bit_width;
	u8 bit_offset;
	u8 access_size; /* 0 undefined, 1 byte, 2 word, 3 dword, 4 qword */
	u64 address;
} __packed;
BUILD_BUG_ON(sizeof(struct acpi_gas) != 12);

#define GAS_SYSTEM_IO 1
#define GAS_ACCESS_BYTE 1

/* ACPI 6.4 5.2.9, table 5.9: Fixed ACPI Description Table, revision 6. */
struct acpi_fadt {
	struct acpi_header h; /* "FACP" */
	u32 firmware_ctrl;
	u32 dsdt;
	u8 reserved0; /* INT_MODEL in ACPI 1.0 */
	u8 preferred_pm_profile;
	u16 sci_int;
	u32 smi_cmd;
	u8 acpi_enable, acpi_disable, s4bios_req, pstate_cnt;
	u32 pm1a_evt_blk, pm1b_evt_blk, pm1a_cnt_blk, pm1b_cnt_blk;
	u32 pm2_cnt_blk, pm_tmr_blk, gpe0_blk, gpe1_blk;
	u8 pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len;
	u8 gpe0_blk_len, gpe1_blk_len, gpe1_base, cst_cnt;
	u16 p_lvl2_lat, p_lvl3_lat, flush_size, flush_stride;
	u8 duty_offset, duty_width, day_alrm, mon_alrm, century;
	u16 iapc_boot_arch;
	u8 reserved1;
	u32 flags;
	struct acpi_gas reset_reg;
	u8 reset_value;
	u16 arm_boot_arch;
	u8 minor_version;
	u64 x_firmware_ctrl;
	u64 x_dsdt;
	struct acpi_gas x_pm1a_evt_blk, x_pm1b_evt_blk;
	struct acpi_gas x_pm1a_cnt_blk, x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk, x_pm_tmr_blk;
	struct acpi_gas x_gpe0_blk, x_gpe1_blk;
	struct acpi_gas sleep_control_reg, sleep_status_reg;
	u64 hypervisor_vendor_id;
} __packed;
BUILD_BUG_ON(sizeof(struct acpi_fadt) != 276);
BUILD_BUG_ON(offsetof(struct acpi_fadt, iapc_boot_arch) != 109);
BUILD_BUG_ON(offsetof(struct acpi_fadt, reset_reg) != 116);
BUILD_BUG_ON(offsetof(struct acpi_fadt, x_firmware_ctrl) != 132);
BUILD_BUG_ON(offsetof(struct acpi_fadt, x_pm_tmr_blk) != 208);

/* FADT feature flags (ACPI 6.4 table 5.10). */
#define FADT_WBINVD (1U << 0)
#define FADT_PROC_C1 (1U << 2)
#define FADT_PWR_BUTTON (1U << 4) /* set: no fixed-feature power button */
#define FADT_SLP_BUTTON (1U << 5) /* set: no fixed-feature sleep button */
#define FADT_FIX_RTC (1U << 6)    /* set: no RTC wake status in PM1 */
#define FADT_TMR_VAL_EXT (1U << 8)
#define FADT_RESET_REG_SUP (1U << 10)

/* IA-PC boot architecture flags (ACPI 6.4 table 5.11). */
#define BOOT_LEGACY_DEVICES (1U << 0)
#define BOOT_8042 (1U << 1)
#define BOOT_VGA_NOT_PRESENT (1U << 2)
#define BOOT_MSI_NOT_SUPPORTED (1U << 3)
#define BOOT_CMOS_RTC_NOT_PRESENT (1U << 5)

#define FADT_REVISION 6
#define FADT_MINOR_VERSION 4 /* ACPI 6.4 */

/* ACPI 6.4 5.2.10, table 5.15: Firmware ACPI Control Structure. */
struct acpi_facs {
	char signature[4]; /* "FACS" */
	u32 length;        /* 64 */
	u32 hardware_signature;
	u32 firmware_waking_vector;
	u32 global_lock;
	u32 flags;
	u64 x_firmware_waking_vector;
	u8 version; /* 2 */
	u8 reserved0[3];
	u32 ospm_flags;
	u8 reserved1[24];
} __packed;
BUILD_BUG_ON(sizeof(struct acpi_facs) != 64);

#define FACS_ALIGN 64 /* ACPI 6.4 5.2.10: "aligned on a 64-byte boundary" */

/* ACPI 6.4 5.2.12, table 5.19: Multiple APIC Description Table. */
struct acpi_madt {
	struct acpi_header h; /* "APIC" */
	u32 lapic_address;
	u32 flags;
} __packed;
BUILD_BUG_ON(sizeof(struct acpi_madt) != 44);

#define MADT_REVISION 5 /* ACPI 6.3 and 6.4 */
#define MADT_PCAT_COMPAT 1U /* dual 8259s present (they must be masked) */

/* MADT structure types (ACPI 6.4 table 5.21). */
#define MADT_LAPIC 0
#define MADT_IOAPIC 1
#define MADT_ISO 2
#define MADT_LAPIC_NMI 4

/* ACPI 6.4 5.2.12.2, table 5.22: Processor Local APIC. */
struct madt_lapic {
	u8 type, length; /* 0, 8 */
	u8 processor_uid;
	u8 apic_id;
	u32 flags; /* bit 0: enabled */
} __packed;
BUILD_BUG_ON(sizeof(struct madt_lapic) != 8);

#define MADT_LAPIC_ENABLED 1U

/* ACPI 6.4 5.2.12.3, table 5.24: I/O APIC. */
struct madt_ioapic {
	u8 type, length; /* 1, 12 */
	u8 ioapic_id;
	u8 reserved;
	u32 address;
	u32 gsi_base;
} __packed;
BUILD_BUG_ON(sizeof(struct madt_ioapic) != 12);

/* ACPI 6.4 5.2.12.5, table 5.25: Interrupt Source Override. */
struct madt_iso {
	u8 type, length; /* 2, 10 */
	u8 bus;          /* 0 = ISA */
	u8 source;       /* ISA IRQ */
	u32 gsi;
	u16 flags; /* MPS INTI flags, table 5.26 */
} __packed;
BUILD_BUG_ON(sizeof(struct madt_iso) != 10);

/* MPS INTI flags (ACPI 6.4 table 5.26): polarity bits 1:0, trigger 3:2. */
#define INTI_ACTIVE_HIGH 0x1
#define INTI_EDGE (0x1 << 2)
#define INTI_LEVEL (0x3 << 2)

/* ACPI 6.4 5.2.12.7, table 5.28: Local APIC NMI. */
struct madt_lapic_nmi {
	u8 type, length; /* 4, 6 */
	u8 processor_uid; /* 0xff = every processor */
	u16 flags;        /* MPS INTI flags; 0 = conforms to the bus */
	u8 lint;
} __packed;
BUILD_BUG_ON(sizeof(struct madt_lapic_nmi) != 6);

#define MADT_NR_ISO 2

#define SDT_NR_ENTRIES 2 /* FADT, MADT (the FACS and DSDT hang off the FADT) */

/*
 * The DSDT's AML body after its header (ACPI 6.4 chapter 20 grammar).
 * DefinitionBlock revision 2 (64-bit integers), holding:
 *   Name (_S5, Package (4) { 5, 5, 0, 0 })
 *     \_S5: PM1a and PM1b SLP_TYP for soft-off, then two reserved values
 *     (ACPI 6.4 7.4.2). Shale has no PM1b; 5 = ACPI_SLP_TYP_S5.
 *   Method (_PIC, 1, NotSerialized) { }
 *     \_PIC: the OS says PIC (0) or APIC (1) mode; there is no _PRT to
 *     switch, so it does nothing, but an OS that looks for it finds it.
 */
static const u8 dsdt_aml[] = {
	0x08,                   /* NameOp */
	'_', 'S', '5', '_',     /* NameSeg "_S5_" */
	0x12,                   /* PackageOp */
	0x08,                   /* PkgLength: 8 bytes from here to the end */
	0x04,                   /* NumElements */
	0x0a, ACPI_SLP_TYP_S5, /* BytePrefix 5: PM1a_CNT.SLP_TYP */
	0x0a, ACPI_SLP_TYP_S5, /* BytePrefix 5: PM1b_CNT.SLP_TYP */
	0x00,                   /* ZeroOp: reserved */
	0x00,                   /* ZeroOp: reserved */
	0x14,                   /* MethodOp */
	0x06,                   /* PkgLength: 6 bytes from here to the end */
	'_', 'P', 'I', 'C',     /* NameSeg "_PIC" */
	0x01,                   /* MethodFlags: 1 argument, not serialized */
};

#define DSDT_REVISION 2

/* Offsets of each table from base; computed once by plan(). */
struct plan {
	size_t facs, dsdt, fadt, madt, rsdt, xsdt, end;
	u32 madt_len, rsdt_len, xsdt_len;
};

static size_t madt_length(unsigned int nr_vcpus)
{
	return sizeof(struct acpi_madt) + nr_vcpus * sizeof(struct madt_lapic) +
	       sizeof(struct madt_ioapic) + MADT_NR_ISO * sizeof(struct madt_iso) +
	       sizeof(struct madt_lapic_nmi);
}

static bool config_valid(const struct acpi_config *cfg)
{
	return cfg->nr_vcpus >= 1 && cfg->nr_vcpus <= ACPI_MAX_VCPUS &&
	       cfg->sci_irq < 16;
}

/* Lays the tables out after the RSDP for a set starting at gpa base. */
static void plan(struct plan *p, u64 base, const struct acpi_config *cfg)
{
	size_t off = sizeof(struct acpi_rsdp);

	p->facs = ALIGN_UP(base + off, FACS_ALIGN) - base;
	off = p->facs + sizeof(struct acpi_facs);
	p->dsdt = off;
	off = ALIGN_UP(off + sizeof(struct acpi_header) + sizeof(dsdt_aml), 16);
	p->fadt = off;
	off = ALIGN_UP(off + sizeof(struct acpi_fadt), 16);
	p->madt = off;
	p->madt_len = (u32)madt_length(cfg->nr_vcpus);
	off = ALIGN_UP(off + p->madt_len, 16);
	p->rsdt = off;
	p->rsdt_len = sizeof(struct acpi_header) + SDT_NR_ENTRIES * sizeof(u32);
	off = ALIGN_UP(off + p->rsdt_len, 16);
	p->xsdt = off;
	p->xsdt_len = sizeof(struct acpi_header) + SDT_NR_ENTRIES * sizeof(u64);
	p->end = off + p->xsdt_len;
}

/* The checksum byte for len bytes at p whose checksum field is still 0:
 * the value that makes all len bytes sum to 0 (mod 256). */
static u8 checksum_fix(const void *p, size_t len)
{
	const u8 *b = p;
	u8 sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (u8)(sum + b[i]);
	return (u8)(0x100 - sum);
}

static void header_init(struct acpi_header *h, const char *sig, u32 length,
			u8 revision)
{
	memcpy(h->signature, sig, 4);
	h->length = length;
	h->revision = revision;
	h->checksum = 0;
	memcpy(h->oem_id, OEM_ID, 6);
	memcpy(h->oem_table_id, OEM_TABLE_ID, 8);
	h->oem_revision = OEM_REVISION;
	memcpy(h->creator_id, CREATOR_ID, 4);
	h->creator_revision = CREATOR_REVISION;
}

static void header_seal(struct acpi_header *h)
{
	h->checksum = checksum_fix(h, h->length);
}

static struct acpi_gas gas_io(u16 port, unsigned int bytes, u8 access_size)
{
	return (struct acpi_gas){
		.space_id = GAS_SYSTEM_IO,
		.bit_width = (u8)(bytes * 8),
		.access_size = access_size,
		.address = port,
	};
}

static void build_facs(struct acpi_facs *f)
{
	memcpy(f->signature, "FACS", 4);
	f->length = sizeof(*f);
	f->version = 2;
}

static void build_dsdt(struct acpi_header *h)
{
	header_init(h, "DSDT", sizeof(*h) + sizeof(dsdt_aml), DSDT_REVISION);
	memcpy(h + 1, dsdt_aml, sizeof(dsdt_aml));
	header_seal(h);
}

static void build_fadt(struct acpi_fadt *f, const struct acpi_config *cfg,
		       u64 facs, u64 dsdt)
{
	header_init(&f->h, "FACP", sizeof(*f), FADT_REVISION);
	f->minor_version = FADT_MINOR_VERSION;
	/* ACPI 6.4 5.2.9: X_FIRMWARE_CTRL must be zero when FIRMWARE_CTRL is
	 * used, so only one of the two names the FACS (always the 32-bit one
	 * here: the set lives below 4 GiB). DSDT and X_DSDT may both be set. */
	f->firmware_ctrl = (u32)facs;
	f->dsdt = (u32)dsdt;
	f->x_dsdt = dsdt;
	f->sci_int = cfg->sci_irq;
	/* SMI_CMD, ACPI_ENABLE, ACPI_DISABLE stay 0: no SMM, ACPI always on. */
	f->pm1a_evt_blk = cfg->pm1a_evt_port;
	f->pm1a_cnt_blk = cfg->pm1a_cnt_port;
	f->pm_tmr_blk = cfg->pm_tmr_port;
	f->pm1_evt_len = ACPI_PM1_EVT_LEN;
	f->pm1_cnt_len = ACPI_PM1_CNT_LEN;
	f->pm_tmr_len = ACPI_PM_TMR_LEN;
	f->x_pm1a_evt_blk = gas_io(cfg->pm1a_evt_port, ACPI_PM1_EVT_LEN, 0);
	f->x_pm1a_cnt_blk = gas_io(cfg->pm1a_cnt_port, ACPI_PM1_CNT_LEN, 0);
	f->x_pm_tmr_blk = gas_io(cfg->pm_tmr_port, ACPI_PM_TMR_LEN, 0);
	/* Latencies above 100 and 1000 us say C2 and C3 are not supported. */
	f->p_lvl2_lat = 0x0fff;
	f->p_lvl3_lat = 0x0fff;
	f->century = cfg->rtc_absent ? 0 : 0x32; /* CMOS century byte */
	f->iapc_boot_arch = BOOT_LEGACY_DEVICES | BOOT_VGA_NOT_PRESENT |
			    BOOT_MSI_NOT_SUPPORTED |
			    (cfg->rtc_absent ? BOOT_CMOS_RTC_NOT_PRESENT : 0);
	f->flags = FADT_WBINVD | FADT_PROC_C1 | FADT_PWR_BUTTON |
		   FADT_SLP_BUTTON | FADT_FIX_RTC | FADT_TMR_VAL_EXT |
		   FADT_RESET_REG_SUP;
	f->reset_reg = gas_io(cfg->reset_port, 1, GAS_ACCESS_BYTE);
	f->reset_value = cfg->reset_value;
	header_seal(&f->h);
}

static void build_madt(struct acpi_madt *m, u32 len,
		       const struct acpi_config *cfg)
{
	static const struct madt_iso isos[MADT_NR_ISO] = {
		/* The PIT's IRQ0 is wired to IOAPIC pin 2, as on every PC. */
		{ MADT_ISO, sizeof(struct madt_iso), 0, 0, 2,
		  INTI_EDGE | INTI_ACTIVE_HIGH },
		/* The SCI, level-triggered active high (ACPI 6.4 5.2.9); the
		 * source IRQ is patched to cfg->sci_irq below. */
		{ MADT_ISO, sizeof(struct madt_iso), 0, ACPI_SCI_IRQ,
		  ACPI_SCI_IRQ, INTI_LEVEL | INTI_ACTIVE_HIGH },
	};
	u8 *p = (u8 *)(m + 1);

	header_init(&m->h, "APIC", len, MADT_REVISION);
	m->lapic_address = ACPI_LAPIC_BASE;
	m->flags = MADT_PCAT_COMPAT;
	for (unsigned int i = 0; i < cfg->nr_vcpus; i++) {
		struct madt_lapic *l = (struct madt_lapic *)p;

		*l = (struct madt_lapic){ MADT_LAPIC, sizeof(*l), (u8)i, (u8)i,
					  MADT_LAPIC_ENABLED };
		p += sizeof(*l);
	}
	*(struct madt_ioapic *)p = (struct madt_ioapic){
		MADT_IOAPIC, sizeof(struct madt_ioapic), cfg->ioapic_id, 0,
		ACPI_IOAPIC_BASE, 0
	};
	p += sizeof(struct madt_ioapic);
	for (unsigned int i = 0; i < MADT_NR_ISO; i++) {
		struct madt_iso *iso = (struct madt_iso *)p;

		*iso = isos[i];
		if (i == 1) {
			iso->source = cfg->sci_irq;
			iso->gsi = cfg->sci_irq;
		}
		p += sizeof(*iso);
	}
	*(struct madt_lapic_nmi *)p = (struct madt_lapic_nmi){
		MADT_LAPIC_NMI, sizeof(struct madt_lapic_nmi), 0xff, 0, 1
	};
	header_seal(&m->h);
}

static void build_rsdt(struct acpi_header *h, u32 len, const u64 *tables)
{
	u8 *e = (u8 *)(h + 1);

	header_init(h, "RSDT", len, 1);
	for (unsigned int i = 0; i < SDT_NR_ENTRIES; i++) {
		u32 a = (u32)tables[i];

		memcpy(e + i * sizeof(a), &a, sizeof(a));
	}
	header_seal(h);
}

static void build_xsdt(struct acpi_header *h, u32 len, const u64 *tables)
{
	/* 64-bit entries at offset 36 are only 4-byte aligned: memcpy. */
	memcpy(h + 1, tables, SDT_NR_ENTRIES * sizeof(u64));
	header_init(h, "XSDT", len, 1);
	header_seal(h);
}

void acpi_config_init(struct acpi_config *cfg, unsigned int nr_vcpus)
{
	*cfg = (struct acpi_config){
		.nr_vcpus = nr_vcpus,
		.ioapic_id = ACPI_IOAPIC_ID_DEFAULT,
		.sci_irq = ACPI_SCI_IRQ,
		.pm1a_evt_port = ACPI_PM1A_EVT_PORT,
		.pm1a_cnt_port = ACPI_PM1A_CNT_PORT,
		.pm_tmr_port = ACPI_PM_TMR_PORT,
		.reset_port = ACPI_RESET_PORT,
		.reset_value = ACPI_RESET_VALUE,
	};
}

size_t acpi_tables_size(const struct acpi_config *cfg)
{
	size_t most = 0;
	struct plan p;

	if (!config_valid(cfg))
		return 0;
	/* Only base mod 64 changes the padding before the FACS. */
	for (u64 b = 0; b < FACS_ALIGN; b += 16) {
		plan(&p, b, cfg);
		most = MAX(most, p.end);
	}
	return most;
}

int acpi_build_rsdp(void *buf, size_t size, gpa_t rsdt, gpa_t xsdt)
{
	struct acpi_rsdp *r = buf;

	if (size < sizeof(*r))
		return -SH_ENOSPC;
	if (gpa_x(rsdt) > 0xffffffffULL)
		return -SH_EINVAL;
	memset(r, 0, sizeof(*r));
	memcpy(r->signature, "RSD PTR ", 8);
	memcpy(r->oem_id, OEM_ID, 6);
	r->revision = 2;
	r->rsdt_address = (u32)gpa_x(rsdt);
	r->length = sizeof(*r);
	r->xsdt_address = gpa_x(xsdt);
	/* ACPI 6.4 5.2.5.3: the first checksum covers the ACPI 1.0 fields
	 * only; the extended one covers everything, the first included. */
	r->checksum = checksum_fix(r, RSDP_V1_LEN);
	r->extended_checksum = checksum_fix(r, sizeof(*r));
	return sizeof(*r);
}

int acpi_build(void *buf, size_t size, gpa_t base,
	       const struct acpi_config *cfg, struct acpi_layout *out)
{
	u64 b = gpa_x(base);
	u8 *t = buf;
	struct plan p;
	u64 sdt[SDT_NR_ENTRIES];

	if (!config_valid(cfg) || !IS_ALIGNED(b, 16))
		return -SH_EINVAL;
	plan(&p, b, cfg);
	if (b > 0x100000000ULL - p.end) /* 32-bit RSDT and FADT pointers */
		return -SH_EINVAL;
	if (size < p.end)
		return -SH_ENOSPC;

	memset(t, 0, p.end);
	build_facs((struct acpi_facs *)(t + p.facs));
	build_dsdt((struct acpi_header *)(t + p.dsdt));
	build_fadt((struct acpi_fadt *)(t + p.fadt), cfg, b + p.facs,
		   b + p.dsdt);
	build_madt((struct acpi_madt *)(t + p.madt), p.madt_len, cfg);
	sdt[0] = b + p.fadt;
	sdt[1] = b + p.madt;
	build_rsdt((struct acpi_header *)(t + p.rsdt), p.rsdt_len, sdt);
	build_xsdt((struct acpi_header *)(t + p.xsdt), p.xsdt_len, sdt);
	acpi_build_rsdp(t, size, _gpa(b + p.rsdt), _gpa(b + p.xsdt));

	if (out)
		*out = (struct acpi_layout){
			.rsdp = base,
			.rsdt = _gpa(b + p.rsdt),
			.xsdt = _gpa(b + p.xsdt),
			.fadt = _gpa(b + p.fadt),
			.facs = _gpa(b + p.facs),
			.dsdt = _gpa(b + p.dsdt),
			.madt = _gpa(b + p.madt),
			.size = p.end,
		};
	return (int)p.end;
}
