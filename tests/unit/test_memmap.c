/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the boot memory map (hypervisor/mm/memmap.c): trimming,
 * merging and clipping of usable RAM, reserved ranges, free ranges, the
 * early top-down allocator and the accounting. Runs: host unit tests only.
 */
#include <string.h>

#include "support.h"

#include <shale/compiler.h>
#include <shale/errno.h>
#include <shale/memmap.h>

#define KiB (1ULL << 10)
#define MiB (1ULL << 20)
#define GiB (1ULL << 30)
#define LIMIT52 (1ULL << 52)

static struct memmap mm;

struct ranges {
	unsigned int n;
	struct mem_range r[64];
};

static void collect(paddr_t start, paddr_t end, void *arg)
{
	struct ranges *rs = arg;

	assert_true(rs->n < 64);
	rs->r[rs->n++] = (struct mem_range){ start, end };
}

static void free_ranges(struct ranges *rs)
{
	rs->n = 0;
	memmap_for_each_free(&mm, collect, rs);
}

static u64 free_bytes(void)
{
	struct ranges rs;
	u64 total = 0;
	unsigned int i;

	free_ranges(&rs);
	for (i = 0; i < rs.n; i++)
		total += rs.r[i].end - rs.r[i].start;
	return total;
}

static void assert_range(const struct mem_range *r, paddr_t start, paddr_t end)
{
	assert_int_equal(r->start, start);
	assert_int_equal(r->end, end);
}

static int setup(void **state)
{
	memset(&mm, 0xa5, sizeof(mm)); /* memmap_init must not rely on zeroes */
	memmap_init(&mm);
	return 0;
}

/* Usable ranges shrink to whole pages; what is left of less than a page,
 * or of zero length, is dropped. */
static void memmap_add_usable_trims_ranges_inward_to_pages(void **state)
{
	assert_int_equal(memmap_add_usable(&mm, 0x1001, 0x3000), 0);
	assert_int_equal(mm.nr_usable, 1);
	assert_range(&mm.usable[0], 0x2000, 0x4000);

	assert_int_equal(memmap_add_usable(&mm, 0x10800, 0x1000), 0);
	assert_int_equal(memmap_add_usable(&mm, 0x20000, 0xfff), 0);
	assert_int_equal(memmap_add_usable(&mm, 0x30000, 0), 0);
	assert_int_equal(mm.nr_usable, 1);
	assert_int_equal(memmap_usable_bytes(&mm), 0x2000);
}

/* Ranges given in any order end up sorted; overlapping and touching ones
 * merge, including one that bridges several. */
static void memmap_add_usable_sorts_and_merges_ranges(void **state)
{
	assert_int_equal(memmap_add_usable(&mm, 0x50000, 0x10000), 0);
	assert_int_equal(memmap_add_usable(&mm, 0x10000, 0x10000), 0);
	assert_int_equal(memmap_add_usable(&mm, 0x30000, 0x8000), 0);
	assert_int_equal(mm.nr_usable, 3);
	assert_range(&mm.usable[0], 0x10000, 0x20000);
	assert_range(&mm.usable[1], 0x30000, 0x38000);
	assert_range(&mm.usable[2], 0x50000, 0x60000);

	/* Touches the first on its right. */
	assert_int_equal(memmap_add_usable(&mm, 0x20000, 0x1000), 0);
	/* Overlaps the third. */
	assert_int_equal(memmap_add_usable(&mm, 0x4f000, 0x2000), 0);
	assert_int_equal(mm.nr_usable, 3);
	assert_range(&mm.usable[0], 0x10000, 0x21000);
	assert_range(&mm.usable[2], 0x4f000, 0x60000);

	/* Bridges the last two and extends past them. */
	assert_int_equal(memmap_add_usable(&mm, 0x34000, 0x40000), 0);
	assert_int_equal(mm.nr_usable, 2);
	assert_range(&mm.usable[0], 0x10000, 0x21000);
	assert_range(&mm.usable[1], 0x30000, 0x74000);

	/* Inside an existing range: no change. */
	assert_int_equal(memmap_add_usable(&mm, 0x40000, 0x1000), 0);
	assert_int_equal(mm.nr_usable, 2);
	assert_int_equal(memmap_usable_bytes(&mm), 0x11000 + 0x44000);
	assert_int_equal(memmap_usable_end(&mm), 0x74000);
}

/* Ends that overflow or lie past 2^52 are clipped there; ranges that start
 * past it are dropped. */
static void memmap_add_usable_clips_overflowing_and_huge_ranges(void **state)
{
	assert_int_equal(memmap_add_usable(&mm, 0xfffffffffffff000ULL, 0x2000), 0);
	assert_int_equal(memmap_add_usable(&mm, LIMIT52, 0x100000), 0);
	assert_int_equal(mm.nr_usable, 0);

	assert_int_equal(memmap_add_usable(&mm, LIMIT52 - 0x2000, ~0ULL), 0);
	assert_int_equal(mm.nr_usable, 1);
	assert_range(&mm.usable[0], LIMIT52 - 0x2000, LIMIT52);

	assert_int_equal(memmap_add_usable(&mm, 0x1234, ~0ULL - 0x1000), 0);
	assert_int_equal(mm.nr_usable, 1);
	assert_range(&mm.usable[0], 0x2000, LIMIT52);
}

/* A full table refuses a new range and keeps what it has, but a range that
 * merges into existing ones needs no slot and is still taken. */
static void memmap_add_usable_refuses_new_ranges_when_the_table_is_full(void **state)
{
	unsigned int i;

	for (i = 0; i < MEMMAP_MAX_USABLE; i++)
		assert_int_equal(memmap_add_usable(&mm, (u64)i * 0x10000, 0x1000), 0);
	assert_int_equal(mm.nr_usable, MEMMAP_MAX_USABLE);
	assert_int_equal(memmap_add_usable(&mm, 0x8000, 0x1000), -SH_ENOSPC);
	assert_int_equal(memmap_add_usable(&mm, 0x10000000, 0x1000), -SH_ENOSPC);
	assert_int_equal(mm.nr_usable, MEMMAP_MAX_USABLE);
	assert_int_equal(memmap_usable_bytes(&mm), MEMMAP_MAX_USABLE * 0x1000ULL);

	assert_int_equal(memmap_add_usable(&mm, 0x1000, 0xf000), 0);
	assert_int_equal(mm.nr_usable, MEMMAP_MAX_USABLE - 1);
	assert_range(&mm.usable[0], 0, 0x11000);
	assert_int_equal(memmap_add_usable(&mm, 0x21000, 0x1000), 0);
	assert_range(&mm.usable[1], 0x20000, 0x22000);
}

/* Reserved ranges grow outward to pages; empty, inverted and unknown-kind
 * ranges are refused. */
static void memmap_reserve_widens_outward_and_refuses_bad_ranges(void **state)
{
	assert_int_equal(memmap_reserve(&mm, 0x1800, 0x2001, MEM_IMAGE), 0);
	assert_int_equal(mm.nr_reserved, 1);
	assert_int_equal(mm.reserved[0].start, 0x1000);
	assert_int_equal(mm.reserved[0].end, 0x3000);
	assert_int_equal(mm.reserved[0].kind, MEM_IMAGE);

	assert_int_equal(memmap_reserve(&mm, 0x5000, 0x5000, MEM_IMAGE), -SH_EINVAL);
	assert_int_equal(memmap_reserve(&mm, 0x6000, 0x5000, MEM_IMAGE), -SH_EINVAL);
	assert_int_equal(memmap_reserve(&mm, 0x5000, 0x6000, MEM_KINDS), -SH_EINVAL);
	assert_int_equal(mm.nr_reserved, 1);

	/* An end past 2^52 is clipped; a range wholly past it is not stored. */
	assert_int_equal(memmap_reserve(&mm, LIMIT52 - 1, ~0ULL, MEM_MODULE), 0);
	assert_int_equal(mm.reserved[1].start, LIMIT52 - 0x1000);
	assert_int_equal(mm.reserved[1].end, LIMIT52);
	assert_int_equal(memmap_reserve(&mm, LIMIT52, LIMIT52 + 5, MEM_MODULE), 0);
	assert_int_equal(mm.nr_reserved, 2);
}

/* A full reserved table refuses a new range, but a same-kind range that
 * touches an existing one is merged into it. */
static void memmap_reserve_refuses_new_ranges_when_the_table_is_full(void **state)
{
	unsigned int i;

	for (i = 0; i < MEMMAP_MAX_RESERVED; i++)
		assert_int_equal(memmap_reserve(&mm, (u64)i * 0x10000,
						(u64)i * 0x10000 + 0x1000,
						(enum mem_kind)(i % MEM_KINDS)),
				 0);
	assert_int_equal(mm.nr_reserved, MEMMAP_MAX_RESERVED);
	assert_int_equal(memmap_reserve(&mm, 0x8000, 0x9000, MEM_LOW), -SH_ENOSPC);
	/* Touches the MEM_LOW range at 0 but is another kind: needs a slot. */
	assert_int_equal(memmap_reserve(&mm, 0x1000, 0x2000, MEM_IMAGE), -SH_ENOSPC);
	assert_int_equal(memmap_reserve(&mm, 0x1000, 0x2000, MEM_LOW), 0);
	assert_int_equal(mm.nr_reserved, MEMMAP_MAX_RESERVED);
	/* Bridges [0, 0x2000) and [0x40000, 0x41000), both MEM_LOW. */
	assert_int_equal(memmap_reserve(&mm, 0x2000, 0x40000, MEM_LOW), 0);
	assert_int_equal(mm.nr_reserved, MEMMAP_MAX_RESERVED - 1);
}

/* Free ranges are the usable ranges minus every reserved range, maximal and
 * in ascending order; reserved ranges outside RAM or spanning holes do no
 * harm. */
static void memmap_free_ranges_are_usable_minus_reserved(void **state)
{
	struct ranges rs;

	assert_int_equal(memmap_add_usable(&mm, 0x100000, 0x100000), 0);
	assert_int_equal(memmap_add_usable(&mm, 0x400000, 0x400000), 0);
	assert_int_equal(memmap_add_usable(&mm, 0x1000, 0x9e000), 0);
	/* Overlapping pair, different kinds. */
	assert_int_equal(memmap_reserve(&mm, 0x120000, 0x130000, MEM_IMAGE), 0);
	assert_int_equal(memmap_reserve(&mm, 0x128000, 0x140000, MEM_MODULE), 0);
	/* Adjacent pair, different kinds: no free range between them. */
	assert_int_equal(memmap_reserve(&mm, 0x150000, 0x151000, MEM_MODULE), 0);
	assert_int_equal(memmap_reserve(&mm, 0x151000, 0x152000, MEM_BOOT_ALLOC), 0);
	/* Spans the hole between the second and third usable ranges. */
	assert_int_equal(memmap_reserve(&mm, 0x1f0000, 0x410000, MEM_MODULE), 0);
	/* Entirely outside RAM. */
	assert_int_equal(memmap_reserve(&mm, 0x900000, 0xa00000, MEM_MODULE), 0);
	/* Covers the end of the last range. */
	assert_int_equal(memmap_reserve(&mm, 0x7ff800, 0x900000, MEM_BOOT_ALLOC), 0);

	free_ranges(&rs);
	assert_int_equal(rs.n, 5);
	assert_range(&rs.r[0], 0x1000, 0x9f000);
	assert_range(&rs.r[1], 0x100000, 0x120000);
	assert_range(&rs.r[2], 0x140000, 0x150000);
	assert_range(&rs.r[3], 0x152000, 0x1f0000);
	assert_range(&rs.r[4], 0x410000, 0x7ff000);
}

/* Where reserved ranges overlap, each byte counts once, under the lowest
 * kind; bytes outside usable RAM count nowhere. */
static void memmap_overlapping_reserved_ranges_count_once_under_the_lowest_kind(void **state)
{
	u64 bytes[MEM_KINDS];

	assert_int_equal(memmap_add_usable(&mm, 0, 16 * MiB), 0);
	assert_int_equal(memmap_reserve(&mm, 2 * MiB, 4 * MiB, MEM_MODULE), 0);
	assert_int_equal(memmap_reserve(&mm, 1 * MiB, 3 * MiB, MEM_IMAGE), 0);
	assert_int_equal(memmap_reserve(&mm, 2 * MiB + 512 * KiB, 5 * MiB,
					MEM_BOOT_ALLOC), 0);
	assert_int_equal(memmap_reserve(&mm, 0, 1 * MiB + 4 * KiB, MEM_LOW), 0);
	assert_int_equal(memmap_reserve(&mm, 15 * MiB, 20 * MiB, MEM_MODULE), 0);
	assert_int_equal(memmap_reserve(&mm, 2 * MiB, 2 * MiB + 4 * KiB, MEM_LOW), 0);

	memmap_account(&mm, bytes);
	assert_int_equal(bytes[MEM_LOW], 1 * MiB + 8 * KiB);
	assert_int_equal(bytes[MEM_IMAGE], 2 * MiB - 8 * KiB);
	assert_int_equal(bytes[MEM_MODULE], 1 * MiB + 1 * MiB);
	assert_int_equal(bytes[MEM_BOOT_ALLOC], 1 * MiB);
	assert_int_equal(free_bytes(), 16 * MiB - 5 * MiB - 1 * MiB);
}

/* The early allocator hands out the highest aligned fit that ends at or
 * below the limit, rounds sizes up to pages and reserves what it returns. */
static void memmap_alloc_returns_the_highest_aligned_fit_below_the_limit(void **state)
{
	u64 bytes[MEM_KINDS];

	assert_int_equal(memmap_add_usable(&mm, 1 * MiB, 63 * MiB), 0);
	assert_int_equal(memmap_alloc(&mm, 0x1000, 0, 64 * MiB), 64 * MiB - 0x1000);
	assert_int_equal(memmap_alloc(&mm, 0x3000, 2 * MiB, 64 * MiB), 62 * MiB);
	assert_int_equal(memmap_alloc(&mm, 1, 0x1000, 10 * MiB + 123),
			 10 * MiB - 0x1000);
	assert_int_equal(memmap_alloc(&mm, 1, 0x10, 10 * MiB + 123),
			 10 * MiB - 0x2000);
	/* A limit above RAM means the top of RAM. */
	assert_int_equal(memmap_alloc(&mm, 0x2000, 0, ~0ULL), 64 * MiB - 0x3000);
	/* The gap left above the 2 MiB-aligned block is used first. */
	assert_int_equal(memmap_alloc(&mm, 0x1000, 0, 64 * MiB),
			 64 * MiB - 0x4000);

	memmap_account(&mm, bytes);
	assert_int_equal(bytes[MEM_BOOT_ALLOC], 0x1000 + 0x3000 + 0x1000 +
			 0x1000 + 0x2000 + 0x1000);
	assert_int_equal(bytes[MEM_LOW] + bytes[MEM_IMAGE] + bytes[MEM_MODULE], 0);
}

/* The allocator steps over reserved ranges, takes the last free page, and
 * then returns 0; bad sizes and alignments return 0 without reserving. */
static void memmap_alloc_returns_zero_when_nothing_fits(void **state)
{
	unsigned int n = 0;
	paddr_t p, last = ~0ULL;

	assert_int_equal(memmap_add_usable(&mm, 1 * MiB, 64 * KiB), 0);
	assert_int_equal(memmap_reserve(&mm, 1 * MiB + 8 * KiB, 1 * MiB + 60 * KiB,
					MEM_IMAGE), 0);
	assert_int_equal(memmap_alloc(&mm, 0x3000, 0, ~0ULL), 0);
	assert_int_equal(memmap_alloc(&mm, 0x2000, 0, ~0ULL), 1 * MiB);
	assert_int_equal(memmap_alloc(&mm, 0, 0, ~0ULL), 0);
	assert_int_equal(memmap_alloc(&mm, 0x1000, 0x3000, ~0ULL), 0);
	assert_int_equal(memmap_alloc(&mm, ~0ULL, 0, ~0ULL), 0);
	assert_int_equal(memmap_alloc(&mm, 0x1000, 0, 1 * MiB + 60 * KiB), 0);
	assert_int_equal(free_bytes(), 4 * KiB);
	p = memmap_alloc(&mm, 0x1000, 0, ~0ULL);
	assert_int_equal(p, 1 * MiB + 60 * KiB);
	assert_int_equal(memmap_alloc(&mm, 0x1000, 0, ~0ULL), 0);
	assert_int_equal(free_bytes(), 0);

	/* Exhaust a fresh map page by page, top down. */
	memmap_init(&mm);
	assert_int_equal(memmap_add_usable(&mm, 4 * MiB, 32 * KiB), 0);
	while ((p = memmap_alloc(&mm, 0x1000, 0, ~0ULL)) != 0) {
		assert_true(p < last);
		last = p;
		n++;
	}
	assert_int_equal(n, 8);
	assert_int_equal(last, 4 * MiB);
	assert_int_equal(mm.nr_reserved, 1); /* adjacent allocations merged */
}

/* Address 0 is never handed out, since 0 means failure. */
static void memmap_alloc_never_returns_address_zero(void **state)
{
	assert_int_equal(memmap_add_usable(&mm, 0, 0x2000), 0);
	assert_int_equal(memmap_alloc(&mm, 0x1000, 0, ~0ULL), 0x1000);
	assert_int_equal(memmap_alloc(&mm, 0x1000, 0, ~0ULL), 0);
}

/* A range is usable only if one usable range holds all of it. */
static void memmap_is_usable_needs_one_range_to_hold_it_all(void **state)
{
	assert_int_equal(memmap_add_usable(&mm, 1 * MiB, 3 * GiB - 1 * MiB), 0);
	assert_int_equal(memmap_add_usable(&mm, 4 * GiB, 2 * GiB), 0);
	assert_true(memmap_is_usable(&mm, 1 * MiB, 3 * GiB));
	assert_true(memmap_is_usable(&mm, 3 * GiB - 0x1000, 3 * GiB));
	assert_false(memmap_is_usable(&mm, 3 * GiB - 0x1000, 3 * GiB + 0x1000));
	assert_false(memmap_is_usable(&mm, 2 * GiB, 5 * GiB));
	assert_false(memmap_is_usable(&mm, 1 * MiB - 1, 2 * MiB));
	assert_false(memmap_is_usable(&mm, 2 * MiB, 2 * MiB));
	assert_true(memmap_is_usable(&mm, 6 * GiB - 1, 6 * GiB));
	assert_int_equal(memmap_usable_end(&mm), 6 * GiB);
}

/* On a QEMU-like map with the image, a module and boot allocations, every
 * usable byte is either free or counted under exactly one kind. */
static void memmap_accounting_adds_up_on_a_qemu_like_map(void **state)
{
	u64 bytes[MEM_KINDS], usable, taken = 0, meta;
	paddr_t pt[8], p;
	unsigned int i, k;

	assert_int_equal(memmap_add_usable(&mm, 4 * GiB, 2 * GiB), 0);
	assert_int_equal(memmap_add_usable(&mm, 0, 0x9fc00), 0);
	assert_int_equal(memmap_add_usable(&mm, 1 * MiB, 3 * GiB - 1 * MiB), 0);
	usable = memmap_usable_bytes(&mm);
	assert_int_equal(usable, 0x9f000 + 3 * GiB - 1 * MiB + 2 * GiB);

	assert_int_equal(memmap_reserve(&mm, 0, 1 * MiB, MEM_LOW), 0);
	assert_int_equal(memmap_reserve(&mm, 1 * MiB, 1 * MiB + 0x2345a0, MEM_IMAGE), 0);
	assert_int_equal(memmap_reserve(&mm, 0x1b00123, 0x1f80007, MEM_MODULE), 0);
	/* The boot loader's info, inside the image's last page. */
	assert_int_equal(memmap_reserve(&mm, 1 * MiB + 0x234000,
					1 * MiB + 0x234100, MEM_MODULE), 0);

	/* Page tables below 4 GiB, then frame metadata, 2 MiB-aligned. */
	for (i = 0; i < 8; i++) {
		pt[i] = memmap_alloc(&mm, 0x1000, 0, 4 * GiB);
		assert_true(pt[i] && pt[i] + 0x1000 <= 3 * GiB);
		assert_true(!i || pt[i] == pt[i - 1] - 0x1000);
	}
	assert_int_equal(pt[0], 3 * GiB - 0x1000);
	meta = (6 * GiB >> 12) * 12;
	p = memmap_alloc(&mm, meta, 2 * MiB, ~0ULL);
	assert_int_equal(p % (2 * MiB), 0);
	assert_true(p >= 4 * GiB && p + meta <= 6 * GiB);
	assert_int_equal(memmap_alloc(&mm, 100, 0, 1 * MiB), 0);

	memmap_account(&mm, bytes);
	assert_int_equal(bytes[MEM_LOW], 0x9f000);
	assert_int_equal(bytes[MEM_IMAGE], 0x235000);
	assert_int_equal(bytes[MEM_MODULE], 0x1f81000 - 0x1b00000);
	assert_int_equal(bytes[MEM_BOOT_ALLOC], 8 * 0x1000 + ALIGN_UP(meta, 0x1000));
	for (k = 0; k < MEM_KINDS; k++)
		taken += bytes[k];
	assert_int_equal(usable, free_bytes() + taken);
	assert_false(memmap_is_usable(&mm, 0x9f000, 0xa0000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(memmap_add_usable_trims_ranges_inward_to_pages, setup),
		cmocka_unit_test_setup(memmap_add_usable_sorts_and_merges_ranges, setup),
		cmocka_unit_test_setup(memmap_add_usable_clips_overflowing_and_huge_ranges, setup),
		cmocka_unit_test_setup(memmap_add_usable_refuses_new_ranges_when_the_table_is_full, setup),
		cmocka_unit_test_setup(memmap_reserve_widens_outward_and_refuses_bad_ranges, setup),
		cmocka_unit_test_setup(memmap_reserve_refuses_new_ranges_when_the_table_is_full, setup),
		cmocka_unit_test_setup(memmap_free_ranges_are_usable_minus_reserved, setup),
		cmocka_unit_test_setup(memmap_overlapping_reserved_ranges_count_once_under_the_lowest_kind, setup),
		cmocka_unit_test_setup(memmap_alloc_returns_the_highest_aligned_fit_below_the_limit, setup),
		cmocka_unit_test_setup(memmap_alloc_returns_zero_when_nothing_fits, setup),
		cmocka_unit_test_setup(memmap_alloc_never_returns_address_zero, setup),
		cmocka_unit_test_setup(memmap_is_usable_needs_one_range_to_hold_it_all, setup),
		cmocka_unit_test_setup(memmap_accounting_adds_up_on_a_qemu_like_map, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
