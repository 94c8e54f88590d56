/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the guest e820 map (hypervisor/firmware/e820.c): sorted,
 * non-overlapping, RAM exactly where shale/e820.h says the guest's memory
 * is, the holes reserved. Runs: host unit tests.
 */
#include "support.h"

#include <shale/acpi_tables.h>
#include <shale/e820.h>
#include <shale/errno.h>

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

/* Bytes of type in the map that fall inside [start, end). */
static u64 bytes_of(const struct e820_entry *m, int n, u32 type, u64 start,
		    u64 end)
{
	u64 total = 0;

	for (int i = 0; i < n; i++) {
		u64 s = MAX(m[i].addr, start), e = MIN(m[i].addr + m[i].size, end);

		if (m[i].type == type && s < e)
			total += e - s;
	}
	return total;
}

/* The type covering addr, or 0 for a gap. */
static u32 type_at(const struct e820_entry *m, int n, u64 addr)
{
	for (int i = 0; i < n; i++)
		if (addr >= m[i].addr && addr - m[i].addr < m[i].size)
			return m[i].type;
	return 0;
}

static int build(struct e820_entry *m, u64 maxmem)
{
	int n = e820_build(m, E820_MAX_ENTRIES, maxmem, maxmem);

	assert_true(n > 0 && n <= E820_MAX_ENTRIES);
	return n;
}

static void e820_maps_are_sorted_and_disjoint_for_every_size(void **state)
{
	static const u64 sizes[] = { 16 * MiB, 512 * MiB, 3 * GiB, 4 * GiB,
				     6 * GiB };

	for (unsigned int k = 0; k < ARRAY_SIZE(sizes); k++) {
		struct e820_entry m[E820_MAX_ENTRIES];
		int n = build(m, sizes[k]);

		for (int i = 0; i < n; i++) {
			assert_true(m[i].size > 0);
			assert_true(m[i].type == E820_RAM ||
				    m[i].type == E820_RESERVED);
			if (i)
				assert_true(m[i - 1].addr + m[i - 1].size <=
					    m[i].addr);
		}
	}
}

static void e820_ram_is_exactly_the_guest_memory(void **state)
{
	static const u64 sizes[] = { 16 * MiB, 512 * MiB, 3 * GiB, 4 * GiB,
				     6 * GiB };

	for (unsigned int k = 0; k < ARRAY_SIZE(sizes); k++) {
		struct e820_entry m[E820_MAX_ENTRIES];
		u64 maxmem = sizes[k], low = MIN(maxmem, 3 * GiB);
		u64 high = maxmem - low;
		int n = build(m, maxmem);

		/* Everything but the EBDA and the 640K-1M window is RAM. */
		assert_int_equal(bytes_of(m, n, E820_RAM, 0, ~0ULL),
				 maxmem - (0x100000 - 0x9fc00));
		assert_int_equal(bytes_of(m, n, E820_RAM, 0, 0x9fc00), 0x9fc00);
		assert_int_equal(bytes_of(m, n, E820_RAM, 1 * MiB, low),
				 low - 1 * MiB);
		assert_int_equal(bytes_of(m, n, E820_RAM, 4 * GiB, 4 * GiB + high),
				 high);
		/* Nothing is RAM beyond the guest's memory, nor in the hole. */
		assert_int_equal(bytes_of(m, n, E820_RAM, low, 4 * GiB), 0);
		assert_int_equal(bytes_of(m, n, E820_RAM, 4 * GiB + high, ~0ULL),
				 0);
		assert_int_equal(e820_lowmem_end(maxmem), low);
		assert_int_equal(e820_highmem_size(maxmem), high);
		assert_int_equal(n, high ? 6 : 5);
	}
}

static void e820_reserves_ebda_bios_area_and_apic_hole(void **state)
{
	struct e820_entry m[E820_MAX_ENTRIES];
	int n = build(m, 6 * GiB);

	assert_int_equal(type_at(m, n, 0x9fc00), E820_RESERVED);
	assert_int_equal(type_at(m, n, 0x9ffff), E820_RESERVED);
	assert_int_equal(type_at(m, n, 0xa0000), 0); /* VGA window: a gap */
	assert_int_equal(type_at(m, n, 0xdffff), 0);
	assert_int_equal(bytes_of(m, n, E820_RESERVED, 0xe0000, 0x100000),
			 0x20000);
	/* The ACPI tables live in the reserved BIOS area. */
	assert_int_equal(type_at(m, n, ACPI_TABLES_GPA), E820_RESERVED);
	assert_int_equal(type_at(m, n, ACPI_TABLES_GPA + ACPI_TABLES_MAX - 1),
			 E820_RESERVED);
	assert_int_equal(type_at(m, n, 3 * GiB), 0); /* PCI hole: a gap */
	assert_int_equal(type_at(m, n, 0xfec00000), E820_RESERVED);
	assert_int_equal(type_at(m, n, 0xfee00000), E820_RESERVED);
	assert_int_equal(type_at(m, n, 0xffffffff), E820_RESERVED);
	assert_int_equal(type_at(m, n, 4 * GiB), E820_RAM);
}

static void e820_rejects_bad_sizes_and_short_tables(void **state)
{
	struct e820_entry m[E820_MAX_ENTRIES];

	assert_int_equal(e820_build(m, E820_MAX_ENTRIES, 32 * MiB, 16 * MiB),
			 -SH_EINVAL); /* ram above maxmem */
	assert_int_equal(e820_build(m, E820_MAX_ENTRIES, MiB, MiB), -SH_EINVAL);
	assert_int_equal(e820_build(m, E820_MAX_ENTRIES, 0, 16 * MiB + 1),
			 -SH_EINVAL);
	assert_int_equal(e820_build(m, 4, 16 * MiB, 16 * MiB), -SH_ENOSPC);
	assert_int_equal(e820_build(m, 5, 16 * MiB, 16 * MiB), 5);
	assert_int_equal(e820_build(m, 5, 6 * GiB, 6 * GiB), -SH_ENOSPC);
	/* ram below maxmem: the map still describes maxmem. */
	assert_int_equal(e820_build(m, E820_MAX_ENTRIES, 256 * MiB, 512 * MiB),
			 5);
	assert_int_equal(m[3].addr + m[3].size, 512 * MiB);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(e820_maps_are_sorted_and_disjoint_for_every_size),
		cmocka_unit_test(e820_ram_is_exactly_the_guest_memory),
		cmocka_unit_test(e820_reserves_ebda_bios_area_and_apic_hole),
		cmocka_unit_test(e820_rejects_bad_sizes_and_short_tables),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
