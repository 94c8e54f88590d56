/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the fw_cfg model (hypervisor/dev/fwcfg.c), driven only
 * through its ports the way a guest (SeaBIOS, a test kernel) does it, per
 * QEMU docs/specs/fw_cfg.rst. Runs: host unit tests.
 */
#include <stdio.h>
#include <string.h>

#include "support.h"

#include <shale/errno.h>
#include <shale/fwcfg.h>

static void sel(struct fwcfg *f, u16 key)
{
	fwcfg_io_write(f, FWCFG_PORT_SEL, 2, key);
}

static void rd(struct fwcfg *f, void *dst, size_t n)
{
	u8 *p = dst;

	while (n--)
		*p++ = (u8)fwcfg_io_read(f, FWCFG_PORT_DATA, 1);
}

static u64 rd_le(struct fwcfg *f, unsigned int bytes)
{
	u8 b[8];
	u64 v = 0;

	rd(f, b, bytes);
	for (unsigned int i = bytes; i--;)
		v = v << 8 | b[i];
	return v;
}

static u32 rd_be(struct fwcfg *f, unsigned int bytes)
{
	u8 b[4];
	u32 v = 0;

	rd(f, b, bytes);
	for (unsigned int i = 0; i < bytes; i++)
		v = v << 8 | b[i];
	return v;
}

static void fwcfg_signature_reads_qemu_then_zeros(void **state)
{
	struct fwcfg f;
	char sig[6];

	fwcfg_init(&f);
	rd(&f, sig, 4); /* selected at reset */
	assert_memory_equal(sig, "QEMU", 4);
	sel(&f, FW_CFG_SIGNATURE);
	rd(&f, sig, 6);
	assert_memory_equal(sig, "QEMU\0\0", 6); /* past the end: 0 */
	sel(&f, FW_CFG_SIGNATURE); /* selecting again rewinds */
	rd(&f, sig, 4);
	assert_memory_equal(sig, "QEMU", 4);
}

static void fwcfg_id_reports_only_the_traditional_interface(void **state)
{
	struct fwcfg f;

	fwcfg_init(&f);
	sel(&f, FW_CFG_ID);
	assert_int_equal(rd_le(&f, 4), 1); /* bit 0 traditional, no DMA */
}

static void fwcfg_ram_size_and_cpu_counts_are_little_endian(void **state)
{
	struct fwcfg f;

	fwcfg_init(&f);
	assert_int_equal(fwcfg_add_u64(&f, FW_CFG_RAM_SIZE, 0x180000000ULL), 0);
	assert_int_equal(fwcfg_add_u16(&f, FW_CFG_NB_CPUS, 4), 0);
	assert_int_equal(fwcfg_add_u16(&f, FW_CFG_MAX_CPUS, 8), 0);
	sel(&f, FW_CFG_RAM_SIZE);
	assert_int_equal(rd_le(&f, 8), 0x180000000ULL);
	sel(&f, FW_CFG_NB_CPUS);
	assert_int_equal(rd_le(&f, 2), 4);
	assert_int_equal(rd_le(&f, 2), 0);
	sel(&f, FW_CFG_MAX_CPUS);
	assert_int_equal(rd_le(&f, 2), 8);
	/* Adding again replaces; the write-channel bit does not change the
	 * item a read selects. */
	assert_int_equal(fwcfg_add_u16(&f, FW_CFG_NB_CPUS, 2), 0);
	sel(&f, FW_CFG_NB_CPUS | FW_CFG_WRITE_CHANNEL);
	assert_int_equal(rd_le(&f, 2), 2);
}

static void fwcfg_unknown_keys_read_zeros(void **state)
{
	struct fwcfg f;

	fwcfg_init(&f);
	sel(&f, FW_CFG_NUMA);
	assert_int_equal(rd_le(&f, 8), 0);
	sel(&f, 0x8003); /* arch-local E820: not provided */
	assert_int_equal(rd_le(&f, 4), 0);
	sel(&f, 0x3fff);
	assert_int_equal(rd_le(&f, 4), 0);
}

static void fwcfg_file_dir_lists_files_sorted_by_name(void **state)
{
	static const char cmdline[] = "console=ttyS0";
	static const u8 blob[300] = { [0] = 0xaa, [299] = 0xbb };
	static const char *const names[] = { "etc/shale/cmdline", "etc/a" };
	struct fwcfg f;
	int k_cmd, k_blob;
	u8 got[300];

	fwcfg_init(&f);
	sel(&f, FW_CFG_FILE_DIR);
	assert_int_equal(rd_be(&f, 4), 0); /* empty directory */

	k_cmd = fwcfg_add_file(&f, names[0], cmdline, sizeof(cmdline) - 1);
	k_blob = fwcfg_add_file(&f, names[1], blob, sizeof(blob));
	assert_int_equal(k_cmd, FW_CFG_FILE_FIRST);
	assert_int_equal(k_blob, FW_CFG_FILE_FIRST + 1);

	sel(&f, FW_CFG_FILE_DIR);
	assert_int_equal(rd_be(&f, 4), 2);
	for (int i = 0; i < 2; i++) { /* "etc/a" sorts first */
		char name[FWCFG_NAME_MAX];
		u32 size = rd_be(&f, 4);
		u16 key = (u16)rd_be(&f, 2);

		assert_int_equal(rd_be(&f, 2), 0); /* reserved */
		rd(&f, name, sizeof(name));
		assert_string_equal(name, names[1 - i]);
		assert_int_equal(size, i ? sizeof(cmdline) - 1 : sizeof(blob));
		assert_int_equal(key, i ? k_cmd : k_blob);
	}
	assert_int_equal(rd_be(&f, 4), 0); /* past the directory */

	sel(&f, (u16)k_blob);
	rd(&f, got, sizeof(got));
	assert_memory_equal(got, blob, sizeof(blob));
	sel(&f, (u16)k_cmd);
	rd(&f, got, sizeof(cmdline));
	assert_memory_equal(got, "console=ttyS0", sizeof(cmdline)); /* then 0 */
}

static void fwcfg_rejects_bad_files_and_keys(void **state)
{
	static const u8 data[1];
	char longname[FWCFG_NAME_MAX + 1];
	struct fwcfg f;
	char name[16];

	fwcfg_init(&f);
	memset(longname, 'x', FWCFG_NAME_MAX);
	longname[FWCFG_NAME_MAX] = '\0';
	assert_int_equal(fwcfg_add_file(&f, "", data, 1), -SH_EINVAL);
	assert_int_equal(fwcfg_add_file(&f, longname, data, 1), -SH_EINVAL);
	longname[FWCFG_NAME_MAX - 1] = '\0'; /* 55 characters fit */
	assert_true(fwcfg_add_file(&f, longname, data, 1) >= FW_CFG_FILE_FIRST);
	assert_int_equal(fwcfg_add_file(&f, longname, data, 1), -SH_EEXIST);
	assert_int_equal(fwcfg_add_file(&f, "n", NULL, 1), -SH_EINVAL);
	assert_int_equal(fwcfg_add_u16(&f, FW_CFG_FILE_DIR, 1), -SH_EINVAL);
	assert_int_equal(fwcfg_add_u16(&f, FW_CFG_FILE_FIRST, 1), -SH_EINVAL);
	assert_int_equal(fwcfg_add_u16(&f, 0x4005, 1), -SH_EINVAL);
	assert_int_equal(fwcfg_add_bytes(&f, 0x8000, NULL, 4), -SH_EINVAL);
	assert_int_equal(fwcfg_add_u32(&f, 0x8002, 1), 0); /* arch-local ok */
	for (int i = 1; i < FWCFG_MAX_FILES; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		assert_true(fwcfg_add_file(&f, name, data, 1) > 0);
	}
	assert_int_equal(fwcfg_add_file(&f, "one-too-many", data, 1),
			 -SH_ENOSPC);
}

static void fwcfg_port_widths_follow_qemu(void **state)
{
	struct fwcfg f;

	fwcfg_init(&f);
	fwcfg_add_u16(&f, FW_CFG_NB_CPUS, 0x0102);
	/* A byte write to the selector is the deprecated data write: ignored. */
	fwcfg_io_write(&f, FWCFG_PORT_SEL, 1, FW_CFG_NB_CPUS);
	assert_int_equal(fwcfg_io_read(&f, FWCFG_PORT_DATA, 1), 'Q');
	sel(&f, FW_CFG_NB_CPUS);
	/* Wider data reads are not decoded and do not consume bytes. */
	assert_int_equal(fwcfg_io_read(&f, FWCFG_PORT_DATA, 2), 0xffff);
	assert_int_equal(fwcfg_io_read(&f, FWCFG_PORT_DATA, 4), 0xffffffff);
	/* A byte read of the selector port reads data, as QEMU's does. */
	assert_int_equal(fwcfg_io_read(&f, FWCFG_PORT_SEL, 1), 0x02);
	assert_int_equal(fwcfg_io_read(&f, FWCFG_PORT_DATA, 1), 0x01);
	fwcfg_io_write(&f, FWCFG_PORT_DATA, 1, 0x55); /* ignored */
	assert_int_equal(fwcfg_io_read(&f, FWCFG_PORT_DATA, 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fwcfg_signature_reads_qemu_then_zeros),
		cmocka_unit_test(fwcfg_id_reports_only_the_traditional_interface),
		cmocka_unit_test(fwcfg_ram_size_and_cpu_counts_are_little_endian),
		cmocka_unit_test(fwcfg_unknown_keys_read_zeros),
		cmocka_unit_test(fwcfg_file_dir_lists_files_sorted_by_name),
		cmocka_unit_test(fwcfg_rejects_bad_files_and_keys),
		cmocka_unit_test(fwcfg_port_widths_follow_qemu),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
