/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the ACPI table builder (hypervisor/firmware/acpi_tables.c):
 * the tables are parsed back from the buffer by guest-physical address,
 * with offsets taken from the ACPI 6.4 spec (5.2.5-5.2.12), not from the
 * builder's structs. Runs: host unit tests.
 *
 * `test_acpi_tables --dump FILE [NR_VCPUS]` instead writes a built set to
 * FILE for tests/integration/test_acpi_tables_iasl.py (iasl, acpiexec).
 */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#include <shale/acpi_tables.h>
#include <shale/compiler.h>
#include <shale/errno.h>

#define BUF_SIZE 0x20000

static u8 buf[BUF_SIZE];
static u64 buf_base; /* the gpa buf[0] stands for */

static u16 rd16(const u8 *p)
{
	return (u16)(p[0] | p[1] << 8);
}

static u32 rd32(const u8 *p)
{
	return (u32)rd16(p) | (u32)rd16(p + 2) << 16;
}

static u64 rd64(const u8 *p)
{
	return (u64)rd32(p) | (u64)rd32(p + 4) << 32;
}

static u8 sum(const u8 *p, size_t len)
{
	u8 s = 0;

	while (len--)
		s = (u8)(s + *p++);
	return s;
}

/* The bytes at gpa inside the built set, checking len bytes fit. */
static const u8 *at(u64 gpa, size_t len)
{
	assert_true(gpa >= buf_base);
	assert_true(gpa - buf_base + len <= BUF_SIZE);
	return buf + (gpa - buf_base);
}

/* The table with header at gpa: checks the signature and returns it. */
static const u8 *table(u64 gpa, const char *sig)
{
	const u8 *t = at(gpa, 36);

	assert_memory_equal(t, sig, 4);
	at(gpa, rd32(t + 4));
	return t;
}

/* Builds the set for nr vCPUs at base with the default config. */
static struct acpi_layout build(unsigned int nr, u64 base)
{
	struct acpi_config cfg;
	struct acpi_layout l;
	int n;

	acpi_config_init(&cfg, nr);
	memset(buf, 0xa5, sizeof(buf)); /* catch bytes left unwritten */
	buf_base = base;
	n = acpi_build(buf, sizeof(buf), _gpa(base), &cfg, &l);
	assert_true(n > 0);
	assert_int_equal((size_t)n, l.size);
	assert_true((size_t)n <= acpi_tables_size(&cfg));
	return l;
}

static u64 fadt_of(const struct acpi_layout *l)
{
	const u8 *xsdt = table(gpa_x(l->xsdt), "XSDT");

	return rd64(xsdt + 36);
}

static void acpi_every_table_checksums_to_zero(void **state)
{
	static const unsigned int nrs[] = { 1, 2, 4, 64, ACPI_MAX_VCPUS };

	for (unsigned int i = 0; i < ARRAY_SIZE(nrs); i++) {
		struct acpi_layout l = build(nrs[i], ACPI_TABLES_GPA);
		const gpa_t t[] = { l.rsdt, l.xsdt, l.fadt, l.dsdt, l.madt };

		for (unsigned int j = 0; j < ARRAY_SIZE(t); j++) {
			const u8 *h = at(gpa_x(t[j]), 36);

			assert_int_equal(sum(h, rd32(h + 4)), 0);
		}
		assert_true(l.size <= ACPI_TABLES_MAX);
	}
}

static void acpi_rsdp_has_v1_and_extended_checksums(void **state)
{
	struct acpi_layout l = build(2, ACPI_TABLES_GPA);
	const u8 *r = at(gpa_x(l.rsdp), 36);

	assert_int_equal(gpa_x(l.rsdp), ACPI_TABLES_GPA);
	assert_memory_equal(r, "RSD PTR ", 8);
	assert_int_equal(r[15], 2);         /* revision: ACPI 2.0+ */
	assert_int_equal(rd32(r + 20), 36); /* length */
	assert_int_equal(sum(r, 20), 0);
	assert_int_equal(sum(r, 36), 0);
	assert_int_equal(rd32(r + 16), gpa_x(l.rsdt));
	assert_int_equal(rd64(r + 24), gpa_x(l.xsdt));
	/* A guest scanning 0xe0000-0xfffff on 16-byte boundaries finds it. */
	assert_int_equal(gpa_x(l.rsdp) % 16, 0);
	assert_true(gpa_x(l.rsdp) >= 0xe0000 && gpa_x(l.rsdp) < 0x100000);
}

static void acpi_rsdt_and_xsdt_list_the_fadt_and_madt(void **state)
{
	struct acpi_layout l = build(4, ACPI_TABLES_GPA);
	const u8 *rsdt = table(gpa_x(l.rsdt), "RSDT");
	const u8 *xsdt = table(gpa_x(l.xsdt), "XSDT");

	assert_int_equal(rd32(rsdt + 4), 36 + 2 * 4);
	assert_int_equal(rd32(xsdt + 4), 36 + 2 * 8);
	for (unsigned int i = 0; i < 2; i++)
		assert_int_equal(rd32(rsdt + 36 + 4 * i), rd64(xsdt + 36 + 8 * i));
	table(rd64(xsdt + 36), "FACP");
	table(rd64(xsdt + 44), "APIC");
	assert_int_equal(rd64(xsdt + 36), gpa_x(l.fadt));
	assert_int_equal(rd64(xsdt + 44), gpa_x(l.madt));
}

static void acpi_madt_has_a_lapic_per_vcpu_an_ioapic_and_overrides(void **state)
{
	static const unsigned int nrs[] = { 1, 3, 8, ACPI_MAX_VCPUS };

	for (unsigned int k = 0; k < ARRAY_SIZE(nrs); k++) {
		unsigned int nr = nrs[k], lapics = 0, ioapics = 0, isos = 0,
			     nmis = 0, entries = 0;
		struct acpi_layout l = build(nr, ACPI_TABLES_GPA);
		const u8 *m = table(gpa_x(l.madt), "APIC");
		u32 len = rd32(m + 4);

		assert_int_equal(rd32(m + 36), 0xfee00000);
		assert_int_equal(rd32(m + 40), 1); /* PCAT_COMPAT */
		for (u32 off = 44; off < len; off += m[off + 1], entries++) {
			const u8 *e = m + off;

			assert_true(e[1] >= 2 && off + e[1] <= len);
			switch (e[0]) {
			case 0: /* Processor Local APIC */
				assert_int_equal(e[1], 8);
				assert_int_equal(e[2], lapics); /* UID */
				assert_int_equal(e[3], lapics); /* APIC ID */
				assert_int_equal(rd32(e + 4), 1); /* enabled */
				lapics++;
				break;
			case 1: /* I/O APIC */
				assert_int_equal(e[1], 12);
				assert_int_equal(e[2], ACPI_IOAPIC_ID_DEFAULT);
				assert_int_equal(rd32(e + 4), 0xfec00000);
				assert_int_equal(rd32(e + 8), 0);
				ioapics++;
				break;
			case 2: /* Interrupt Source Override */
				assert_int_equal(e[1], 10);
				assert_int_equal(e[2], 0); /* ISA */
				if (e[3] == 0) {
					assert_int_equal(rd32(e + 4), 2);
					assert_int_equal(rd16(e + 8), 0x5);
				} else {
					assert_int_equal(e[3], 9);
					assert_int_equal(rd32(e + 4), 9);
					assert_int_equal(rd16(e + 8), 0xd);
				}
				isos++;
				break;
			case 4: /* Local APIC NMI */
				assert_int_equal(e[1], 6);
				assert_int_equal(e[2], 0xff); /* all processors */
				assert_int_equal(e[5], 1);    /* LINT1 */
				nmis++;
				break;
			default:
				fail_msg("unexpected MADT entry type %u", e[0]);
			}
		}
		assert_int_equal(lapics, nr);
		assert_int_equal(ioapics, 1);
		assert_int_equal(isos, 2);
		assert_int_equal(nmis, 1);
		assert_int_equal(entries, nr + 1 + 2 + 1);
	}
}

/* Checks a System I/O Generic Address Structure (ACPI 6.4 5.2.3.2). */
static void check_gas_io(const u8 *g, u16 port, unsigned int bits)
{
	assert_int_equal(g[0], 1); /* System I/O */
	assert_int_equal(g[1], bits);
	assert_int_equal(g[2], 0);
	assert_int_equal(rd64(g + 4), port);
}

static void acpi_fadt_describes_pm_ports_reset_and_boot_flags(void **state)
{
	struct acpi_layout l = build(2, ACPI_TABLES_GPA);
	const u8 *f = table(fadt_of(&l), "FACP");
	u32 flags = rd32(f + 112);
	u16 boot = rd16(f + 109);

	assert_int_equal(rd32(f + 4), 276);
	assert_int_equal(f[8], 6);   /* revision */
	assert_int_equal(f[131], 4); /* minor version: ACPI 6.4 */
	assert_int_equal(rd16(f + 46), 9); /* SCI_INT */
	assert_int_equal(rd32(f + 48), 0); /* SMI_CMD: always in ACPI mode */
	assert_int_equal(f[52], 0);
	assert_int_equal(f[53], 0);
	assert_int_equal(rd32(f + 56), 0xb000); /* PM1a_EVT_BLK */
	assert_int_equal(rd32(f + 60), 0);      /* no PM1b */
	assert_int_equal(rd32(f + 64), 0xb004); /* PM1a_CNT_BLK */
	assert_int_equal(rd32(f + 76), 0xb008); /* PM_TMR_BLK */
	assert_int_equal(rd32(f + 80), 0);      /* no GPE0 */
	assert_int_equal(f[88], 4);
	assert_int_equal(f[89], 2);
	assert_int_equal(f[91], 4);
	check_gas_io(f + 148, 0xb000, 32); /* X_PM1a_EVT_BLK */
	check_gas_io(f + 172, 0xb004, 16); /* X_PM1a_CNT_BLK */
	check_gas_io(f + 208, 0xb008, 32); /* X_PM_TMR_BLK */
	check_gas_io(f + 116, 0xcf9, 8);   /* RESET_REG */
	assert_int_equal(f[116 + 3], 1);   /* byte access */
	assert_int_equal(f[128], 0x06);    /* RESET_VALUE */
	/* WBINVD, PROC_C1, PWR_BUTTON, SLP_BUTTON, TMR_VAL_EXT, RESET_REG_SUP */
	assert_int_equal(flags & 0x537, 0x535);
	assert_int_equal(flags & (1U << 20), 0); /* not HW_REDUCED_ACPI */
	/* legacy devices, no 8042, no VGA, no MSI, CMOS RTC present */
	assert_int_equal(boot, 0x0d);
}

static void acpi_fadt_points_at_an_aligned_facs_and_the_dsdt(void **state)
{
	static const u64 bases[] = { 0xe0000, 0xe0010, 0xe0020, 0xe0030 };

	for (unsigned int i = 0; i < ARRAY_SIZE(bases); i++) {
		struct acpi_layout l = build(1, bases[i]);
		const u8 *f = table(fadt_of(&l), "FACP");
		u64 facs = rd32(f + 36);
		const u8 *s = at(facs, 64);

		assert_int_equal(facs % 64, 0);
		assert_int_equal(facs, gpa_x(l.facs));
		/* X_FIRMWARE_CTRL must be 0 when FIRMWARE_CTRL is used. */
		assert_int_equal(rd64(f + 132), 0);
		assert_memory_equal(s, "FACS", 4);
		assert_int_equal(rd32(s + 4), 64);
		assert_int_equal(s[32], 2); /* version */
		assert_int_equal(rd32(f + 40), gpa_x(l.dsdt));
		assert_int_equal(rd64(f + 140), gpa_x(l.dsdt));
		table(gpa_x(l.dsdt), "DSDT");
	}
}

static void acpi_dsdt_names_s5_with_slp_typ_5(void **state)
{
	static const u8 s5[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04,
				 0x0a, 5, 0x0a, 5, 0x00, 0x00 };
	struct acpi_layout l = build(1, ACPI_TABLES_GPA);
	const u8 *d = table(gpa_x(l.dsdt), "DSDT");
	u32 len = rd32(d + 4);

	assert_int_equal(d[8], 2); /* 64-bit integers */
	assert_true(len > 36 + sizeof(s5));
	assert_non_null(memmem(d + 36, len - 36, s5, sizeof(s5)));
	assert_int_equal(ACPI_SLP_TYP_S5, 5);
}

static void acpi_build_rejects_small_buffers_and_bad_configs(void **state)
{
	struct acpi_config cfg;
	int n;

	acpi_config_init(&cfg, 2);
	n = acpi_build(buf, sizeof(buf), _gpa(ACPI_TABLES_GPA), &cfg, NULL);
	assert_true(n > 0);
	assert_int_equal(acpi_build(buf, (size_t)n - 1, _gpa(ACPI_TABLES_GPA),
				    &cfg, NULL), -SH_ENOSPC);
	assert_int_equal(acpi_build(buf, sizeof(buf), _gpa(ACPI_TABLES_GPA + 8),
				    &cfg, NULL), -SH_EINVAL);
	assert_int_equal(acpi_build(buf, sizeof(buf), _gpa(0xffffff00),
				    &cfg, NULL), -SH_EINVAL);
	cfg.nr_vcpus = 0;
	assert_int_equal(acpi_build(buf, sizeof(buf), _gpa(ACPI_TABLES_GPA),
				    &cfg, NULL), -SH_EINVAL);
	assert_int_equal(acpi_tables_size(&cfg), 0);
	cfg.nr_vcpus = ACPI_MAX_VCPUS + 1;
	assert_int_equal(acpi_build(buf, sizeof(buf), _gpa(ACPI_TABLES_GPA),
				    &cfg, NULL), -SH_EINVAL);
}

static void acpi_config_changes_reach_the_tables(void **state)
{
	struct acpi_config cfg;
	struct acpi_layout l;
	const u8 *f, *m;

	acpi_config_init(&cfg, 2);
	cfg.ioapic_id = 2;
	cfg.rtc_absent = true;
	cfg.pm1a_evt_port = 0x600;
	buf_base = ACPI_TABLES_GPA;
	assert_true(acpi_build(buf, sizeof(buf), _gpa(buf_base), &cfg, &l) > 0);
	f = table(gpa_x(l.fadt), "FACP");
	m = table(gpa_x(l.madt), "APIC");
	assert_int_equal(rd32(f + 56), 0x600);
	check_gas_io(f + 148, 0x600, 32);
	assert_int_equal(rd16(f + 109) & 0x20, 0x20); /* CMOS RTC not present */
	assert_int_equal(f[108], 0);                  /* no century byte */
	assert_int_equal(m[44 + 2 * 8 + 2], 2);       /* the IOAPIC's ID */
	assert_int_equal(sum(f, 276), 0);
}

static void acpi_rsdp_alone_names_the_given_tables(void **state)
{
	u8 r[40];

	assert_int_equal(acpi_build_rsdp(r, 35, _gpa(0x1000), _gpa(0x2000)),
			 -SH_ENOSPC);
	assert_int_equal(acpi_build_rsdp(r, sizeof(r), _gpa(1ULL << 32),
					 _gpa(0x2000)), -SH_EINVAL);
	assert_int_equal(acpi_build_rsdp(r, sizeof(r), _gpa(0x1000),
					 _gpa(0x123456789ULL)), 36);
	assert_int_equal(sum(r, 20), 0);
	assert_int_equal(sum(r, 36), 0);
	assert_int_equal(rd32(r + 16), 0x1000);
	assert_int_equal(rd64(r + 24), 0x123456789ULL);
}

/* Writes the set for nr vCPUs, built at ACPI_TABLES_GPA, to path, and
 * prints that base address on stdout. */
static int dump(const char *path, unsigned int nr)
{
	struct acpi_config cfg;
	FILE *fp;
	int n;

	acpi_config_init(&cfg, nr);
	n = acpi_build(buf, sizeof(buf), _gpa(ACPI_TABLES_GPA), &cfg, NULL);
	if (n < 0) {
		fprintf(stderr, "acpi_build: %d\n", n);
		return 1;
	}
	fp = fopen(path, "wb");
	if (!fp || fwrite(buf, 1, (size_t)n, fp) != (size_t)n || fclose(fp)) {
		perror(path);
		return 1;
	}
	printf("%#llx\n", (unsigned long long)ACPI_TABLES_GPA);
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(acpi_every_table_checksums_to_zero),
		cmocka_unit_test(acpi_rsdp_has_v1_and_extended_checksums),
		cmocka_unit_test(acpi_rsdt_and_xsdt_list_the_fadt_and_madt),
		cmocka_unit_test(acpi_madt_has_a_lapic_per_vcpu_an_ioapic_and_overrides),
		cmocka_unit_test(acpi_fadt_describes_pm_ports_reset_and_boot_flags),
		cmocka_unit_test(acpi_fadt_points_at_an_aligned_facs_and_the_dsdt),
		cmocka_unit_test(acpi_dsdt_names_s5_with_slp_typ_5),
		cmocka_unit_test(acpi_build_rejects_small_buffers_and_bad_configs),
		cmocka_unit_test(acpi_config_changes_reach_the_tables),
		cmocka_unit_test(acpi_rsdp_alone_names_the_given_tables),
	};

	if (argc >= 3 && !strcmp(argv[1], "--dump"))
		return dump(argv[2], argc > 3 ? (unsigned int)atoi(argv[3]) : 2);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
