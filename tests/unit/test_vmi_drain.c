/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the VMI queue drain's validation core
 * (hypervisor/vmi/drain.c) against a real P2M over the fake arena: valid
 * entries re-synced with the guest's own values, and every kind of forged
 * entry (unaligned, outside RAM, MMIO, PoD, the ROM, a queue page, an
 * unknown level, a count beyond capacity) refused, counted and reported,
 * never handed to the re-sync callback. Runs: host unit tests only.
 */
#include <stdlib.h>
#include <string.h>

#include "support.h"

#include <shale/errno.h>
#include <shale/frames.h>
#include <shale/p2m.h>
#include <shale/vmi_drain.h>

#define ARENA_BASE 0x10000
#define ARENA_FRAMES 4096

#define RAM_PAGES 16        /* guest RAM: gfns [0, 16) */
#define ROM_GFN 0xc0        /* p2m_rom */
#define MMIO_GFN 0xfee00    /* p2m_mmio */
#define POD_GFN 0x200       /* p2m_pod */
#define QUEUE_GFN 5         /* RAM, but registered as a queue page */

static struct p2m p2m;
static struct vmi_drain_ctx ctx;
static mfn_t ram[RAM_PAGES], rom;

/* What the re-sync callback saw. */
static struct {
	u64 gpa, entry;
	unsigned int level;
	bool pae;
} seen[VMI_QUEUE_CAPACITY];
static unsigned int nr_seen;

static void resync(void *arg, u64 gpa, unsigned int level, bool pae, u64 entry)
{
	assert_ptr_equal(arg, &ctx);
	assert_true(nr_seen < VMI_QUEUE_CAPACITY);
	seen[nr_seen++] = (typeof(seen[0])){ gpa, entry, level, pae };
}

static u64 *guest_u64(u64 gpa)
{
	return (u64 *)((u8 *)mfn_to_virt(ram[gpa >> PAGE_SHIFT]) +
		       (gpa & (PAGE_SIZE - 1)));
}

static int setup(void **state)
{
	unit_frames_init(_mfn(ARENA_BASE), ARENA_FRAMES);
	assert_int_equal(p2m_init(&p2m), 0);
	for (unsigned int i = 0; i < RAM_PAGES; i++) {
		ram[i] = alloc_frames_zeroed(0);
		assert_int_equal(p2m_set_entry(&p2m, _gfn(i), ram[i], 0, p2m_ram_rw), 0);
	}
	rom = alloc_frames_zeroed(0);
	assert_int_equal(p2m_set_entry(&p2m, _gfn(ROM_GFN), rom, 0, p2m_rom), 0);
	assert_int_equal(p2m_set_entry(&p2m, _gfn(MMIO_GFN), INVALID_MFN, 0, p2m_mmio), 0);
	assert_int_equal(p2m_set_entry(&p2m, _gfn(POD_GFN), INVALID_MFN, 0, p2m_pod), 0);
	vmi_drain_init(&ctx, &p2m);
	ctx.resync = resync;
	ctx.resync_arg = &ctx;
	assert_int_equal(vmi_drain_exclude(&ctx, ROM_GFN, 1), 0);
	assert_int_equal(vmi_drain_exclude(&ctx, QUEUE_GFN, 1), 0);
	nr_seen = 0;
	return 0;
}

static int teardown(void **state)
{
	p2m_fini(&p2m);
	for (unsigned int i = 0; i < RAM_PAGES; i++)
		free_frames(ram[i], 0);
	free_frames(rom, 0);
	assert_int_equal(machine_frames.free_frames, ARENA_FRAMES);
	unit_frames_fini();
	return 0;
}

/* A queue page's worth of memory. */
static union {
	struct vmi_queue q;
	u8 raw[VMI_QUEUE_SIZE];
} page;

static void queue(unsigned int n, const struct vmi_qentry *e)
{
	memset(&page, 0, sizeof(page));
	page.q.count = n;
	page.q.capacity = VMI_QUEUE_CAPACITY;
	if (n)
		memcpy(page.q.entries, e, n * sizeof(*e));
}

static long drain1(u64 gpa, u32 level, u32 flags)
{
	struct vmi_qentry e = { gpa, level, flags };

	queue(1, &e);
	return vmi_drain(&ctx, &page.q, VMI_QUEUE_CAPACITY, VMI_DRAIN_EXPLICIT);
}

static long refused_one(void)
{
	return vmi_drain_status(1, 0);
}

/* Valid entries reach the callback with the value in guest memory, not
 * anything the queue could claim. */
static void vmi_drain_resyncs_valid_entries_with_the_guests_own_values(void **state)
{
	struct vmi_qentry e[3] = {
		{ 0x1008, 1, 0 }, { 0x2ff8, 4, 0 }, { 0x3010, 3, VMI_QE_PAE },
	};

	*guest_u64(0x1008) = 0x1234567000000003ULL;
	*guest_u64(0x2ff8) = 0xabc067;
	*guest_u64(0x3010) = 0x5001;
	queue(3, e);
	assert_int_equal(vmi_drain(&ctx, &page.q, VMI_QUEUE_CAPACITY, VMI_DRAIN_FLUSH), 0);
	assert_int_equal(nr_seen, 3);
	assert_int_equal(seen[0].gpa, 0x1008);
	assert_int_equal(seen[0].entry, 0x1234567000000003ULL);
	assert_int_equal(seen[0].level, 1);
	assert_false(seen[0].pae);
	assert_int_equal(seen[1].entry, 0xabc067);
	assert_int_equal(seen[1].level, 4);
	assert_int_equal(seen[2].entry, 0x5001);
	assert_true(seen[2].pae);
	assert_int_equal(ctx.stats.entries, 3);
	assert_int_equal(ctx.stats.refused, 0);
	assert_int_equal(ctx.stats.drains[VMI_DRAIN_FLUSH], 1);
}

/* Entries are 8 bytes: any other alignment is refused. */
static void vmi_drain_refuses_unaligned_entries(void **state)
{
	for (u64 off = 1; off < 8; off++)
		assert_int_equal(drain1(0x1000 + off, 1, 0), refused_one());
	assert_int_equal(nr_seen, 0);
	assert_int_equal(ctx.stats.refused, 7);
}

/* Nothing outside the domain's RAM: unmapped, MMIO, PoD, beyond the
 * guest-physical space, the all-ones address. */
static void vmi_drain_refuses_entries_outside_ram(void **state)
{
	const u64 bad[] = {
		RAM_PAGES << PAGE_SHIFT, 0x100000, (u64)MMIO_GFN << PAGE_SHIFT,
		(u64)POD_GFN << PAGE_SHIFT, (P2M_MAX_GFN + 1) << PAGE_SHIFT,
		~7ULL, 1ULL << 52,
	};

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(drain1(bad[i], 1, 0), refused_one());
	assert_int_equal(nr_seen, 0);
}

/* The ROM and a registered queue page are never page tables. */
static void vmi_drain_refuses_the_rom_and_queue_pages(void **state)
{
	assert_int_equal(drain1((u64)ROM_GFN << PAGE_SHIFT, 1, 0), refused_one());
	assert_int_equal(drain1(((u64)ROM_GFN << PAGE_SHIFT) + 0xff8, 2, 0), refused_one());
	assert_int_equal(drain1((u64)QUEUE_GFN << PAGE_SHIFT, 1, 0), refused_one());
	assert_int_equal(nr_seen, 0);
	/* The frame next to the queue page is ordinary RAM. */
	assert_int_equal(drain1((u64)(QUEUE_GFN + 1) << PAGE_SHIFT, 1, 0), 0);
	assert_int_equal(nr_seen, 1);
}

/* Levels 1-4 (PAE 1-3); unknown flag bits are refused too. */
static void vmi_drain_refuses_unknown_levels_and_flags(void **state)
{
	assert_int_equal(drain1(0x1000, 0, 0), refused_one());
	assert_int_equal(drain1(0x1000, 5, 0), refused_one());
	assert_int_equal(drain1(0x1000, 4, VMI_QE_PAE), refused_one());
	assert_int_equal(drain1(0x1000, 0xffffffffu, 0), refused_one());
	assert_int_equal(drain1(0x1000, 1, 0x80), refused_one());
	assert_int_equal(nr_seen, 0);
	assert_int_equal(drain1(0x1000, 3, VMI_QE_PAE), 0);
}

/* A count beyond the memory behind the queue refuses the whole batch
 * before any entry is read. */
static void vmi_drain_refuses_a_count_beyond_capacity(void **state)
{
	struct vmi_qentry e = { 0x1000, 1, 0 };

	queue(1, &e);
	page.q.count = VMI_QUEUE_CAPACITY + 1;
	assert_int_equal(vmi_drain(&ctx, &page.q, VMI_QUEUE_CAPACITY, VMI_DRAIN_FULL),
			 -VMI_E2BIG);
	page.q.count = 2;
	assert_int_equal(vmi_drain(&ctx, &page.q, 1, VMI_DRAIN_FULL), -VMI_E2BIG);
	page.q.count = 0xffffffffu;
	assert_int_equal(vmi_drain(&ctx, &page.q, 0xffffffffu, VMI_DRAIN_FULL),
			 -VMI_E2BIG);
	assert_int_equal(nr_seen, 0);
	assert_int_equal(ctx.stats.batches_refused, 3);
	assert_int_equal(ctx.stats.drains[VMI_DRAIN_FULL], 0);
}

/* The status names how many were refused and the first; good entries in
 * between still apply. */
static void vmi_drain_reports_refused_count_and_first_index(void **state)
{
	struct vmi_qentry e[6] = {
		{ 0x1000, 1, 0 }, { 0x1000, 9, 0 }, { 0x2000, 2, 0 },
		{ (u64)ROM_GFN << PAGE_SHIFT, 1, 0 }, { 0x3001, 1, 0 },
		{ 0x4000, 1, 0 },
	};
	long st;

	queue(6, e);
	st = vmi_drain(&ctx, &page.q, VMI_QUEUE_CAPACITY, VMI_DRAIN_LAZY);
	assert_int_equal(st, vmi_drain_status(3, 1));
	assert_int_equal((st >> VMI_DRAIN_REFUSED_SHIFT) & VMI_DRAIN_REFUSED_MASK, 3);
	assert_int_equal(st & VMI_DRAIN_FIRST_MASK, 1);
	assert_int_equal(nr_seen, 3);
	assert_int_equal(ctx.stats.entries, 3);
	assert_int_equal(ctx.stats.refused, 3);
	assert_int_equal(ctx.stats.drains[VMI_DRAIN_LAZY], 1);
}

/* Every reason has its counter; an unknown one counts as explicit. */
static void vmi_drain_counts_drains_by_reason(void **state)
{
	queue(0, NULL);
	for (unsigned int r = 0; r < VMI_DRAIN_NR_REASONS; r++)
		assert_int_equal(vmi_drain(&ctx, &page.q, VMI_QUEUE_CAPACITY, r), 0);
	assert_int_equal(vmi_drain(&ctx, &page.q, VMI_QUEUE_CAPACITY, 99), 0);
	for (unsigned int r = 0; r < VMI_DRAIN_NR_REASONS; r++)
		assert_int_equal(ctx.stats.drains[r], r == VMI_DRAIN_EXPLICIT ? 2 : 1);
}

static void vmi_drain_exclude_table_has_a_limit(void **state)
{
	while (ctx.nr_excluded < VMI_DRAIN_MAX_EXCLUDED)
		assert_int_equal(vmi_drain_exclude(&ctx, 100, 1), 0);
	assert_int_equal(vmi_drain_exclude(&ctx, 100, 1), -SH_ENOSPC);
}

/* Random entries: whatever the drain applies lies in RAM, aligned, off
 * the ROM and the queue page, with a known level. */
static void vmi_drain_random_entries_reach_only_ram(void **state)
{
	srand(7);
	for (unsigned int round = 0; round < 200; round++) {
		struct vmi_qentry e[VMI_QUEUE_CAPACITY];
		unsigned int n = (unsigned int)rand() % VMI_QUEUE_CAPACITY;

		for (unsigned int i = 0; i < n; i++) {
			u64 r = ((u64)rand() << 31) ^ (u64)rand();

			switch (rand() % 4) {
			case 0: /* anywhere */
				e[i].gpa = r << (rand() % 24);
				break;
			case 1: /* near RAM, maybe unaligned */
				e[i].gpa = r % ((RAM_PAGES + 2) << PAGE_SHIFT);
				break;
			case 2: /* the ROM */
				e[i].gpa = ((u64)ROM_GFN << PAGE_SHIFT) + (r & 0xff8);
				break;
			default: /* aligned RAM */
				e[i].gpa = (r % (RAM_PAGES << PAGE_SHIFT)) & ~7ULL;
				break;
			}
			e[i].level = (u32)rand() % 6;
			e[i].flags = (u32)rand() % 3;
		}
		nr_seen = 0;
		queue(n, e);
		assert_true(vmi_drain(&ctx, &page.q, VMI_QUEUE_CAPACITY,
				      VMI_DRAIN_EXPLICIT) >= 0);
		for (unsigned int i = 0; i < nr_seen; i++) {
			u64 gfn = seen[i].gpa >> PAGE_SHIFT;

			assert_true(gfn < RAM_PAGES && gfn != QUEUE_GFN);
			assert_int_equal(seen[i].gpa & 7, 0);
			assert_true(seen[i].level >= 1 &&
				    seen[i].level <= (seen[i].pae ? 3u : 4u));
		}
	}
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(vmi_drain_resyncs_valid_entries_with_the_guests_own_values),
		T(vmi_drain_refuses_unaligned_entries),
		T(vmi_drain_refuses_entries_outside_ram),
		T(vmi_drain_refuses_the_rom_and_queue_pages),
		T(vmi_drain_refuses_unknown_levels_and_flags),
		T(vmi_drain_refuses_a_count_beyond_capacity),
		T(vmi_drain_reports_refused_count_and_first_index),
		T(vmi_drain_counts_drains_by_reason),
		T(vmi_drain_exclude_table_has_a_limit),
		T(vmi_drain_random_entries_reach_only_ram),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
