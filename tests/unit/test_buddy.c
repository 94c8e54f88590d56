/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the buddy allocator (hypervisor/mm/buddy.c): splitting and
 * merging, natural alignment on absolute mfns, exhaustion, fragmentation,
 * odd ranges, caught misuse and the audit. Runs: host unit tests only.
 */
#include <stdlib.h>
#include <string.h>

#include "support.h"

#include <shale/buddy.h>
#include <shale/errno.h>

#define O18 (1ULL << BUDDY_MAX_ORDER)

/* A buddy over [base, base + nr) whose metadata is freed by buddy_put. */
static void buddy_get(struct buddy *b, u64 base, u64 nr)
{
	struct frame_info *meta = calloc(nr ? nr : 1, sizeof(*meta));

	assert_non_null(meta);
	buddy_init(b, _mfn(base), nr, meta);
}

static void buddy_put(struct buddy *b)
{
	free(b->frames);
	b->frames = NULL;
}

/* xorshift64: a fixed sequence on every host. */
static u64 rng_next(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Adding a 1 GiB-aligned 1 GiB range gives exactly one order-18 block. */
static void buddy_add_range_of_an_aligned_gigabyte_gives_one_top_block(void **state)
{
	struct buddy b;
	unsigned int o;

	buddy_get(&b, 3 * O18, O18);
	buddy_add_range(&b, _mfn(3 * O18), O18);
	for (o = 0; o < BUDDY_MAX_ORDER; o++)
		assert_int_equal(b.free_blocks[o], 0);
	assert_int_equal(b.free_blocks[BUDDY_MAX_ORDER], 1);
	assert_int_equal(b.free_frames, O18);
	assert_int_equal(b.managed_frames, O18);
	assert_int_equal(buddy_audit(&b), 0);
	buddy_put(&b);
}

/* An order-0 allocation splits the top block into one free block of every
 * lower order; freeing it merges them back into one. */
static void buddy_free_merges_buddies_back_into_one_block(void **state)
{
	struct buddy b;
	unsigned int o;
	mfn_t m;

	buddy_get(&b, O18, O18);
	buddy_add_range(&b, _mfn(O18), O18);
	m = buddy_alloc(&b, 0);
	assert_int_equal(mfn_x(m), O18);
	for (o = 0; o < BUDDY_MAX_ORDER; o++)
		assert_int_equal(b.free_blocks[o], 1);
	assert_int_equal(b.free_blocks[BUDDY_MAX_ORDER], 0);
	assert_int_equal(b.free_frames, O18 - 1);
	assert_int_equal(buddy_frame(&b, m)->state, FRAME_USED_HEAD);
	assert_int_equal(buddy_audit(&b), 0);

	buddy_free(&b, m, 0);
	for (o = 0; o < BUDDY_MAX_ORDER; o++)
		assert_int_equal(b.free_blocks[o], 0);
	assert_int_equal(b.free_blocks[BUDDY_MAX_ORDER], 1);
	assert_int_equal(b.free_frames, O18);
	assert_int_equal(buddy_frame(&b, m)->state, FRAME_FREE_HEAD);
	assert_int_equal(buddy_frame(&b, m)->order, BUDDY_MAX_ORDER);
	assert_int_equal(buddy_audit(&b), 0);
	buddy_put(&b);
}

/* One allocation of each order 0..18 from an unaligned range: each block is
 * aligned on its absolute mfn, inside the range, and marked used. */
static void buddy_alloc_gives_naturally_aligned_blocks_at_every_order(void **state)
{
	u64 base = 3, nr = 3 * O18, used = 0;
	mfn_t got[BUDDY_MAX_ORDER + 1];
	struct buddy b;
	unsigned int o;

	buddy_get(&b, base, nr);
	buddy_add_range(&b, _mfn(base), nr);
	for (o = 0; o <= BUDDY_MAX_ORDER; o++) {
		u64 m;

		got[o] = buddy_alloc(&b, o);
		m = mfn_x(got[o]);
		assert_false(mfn_eq(got[o], INVALID_MFN));
		assert_int_equal(m & ((1ULL << o) - 1), 0);
		assert_true(m >= base && m + (1ULL << o) <= base + nr);
		assert_int_equal(buddy_frame(&b, got[o])->state, FRAME_USED_HEAD);
		assert_int_equal(buddy_frame(&b, got[o])->order, o);
		used += 1ULL << o;
		assert_int_equal(b.free_frames, nr - used);
		assert_int_equal(buddy_audit(&b), 0);
	}
	for (o = 0; o <= BUDDY_MAX_ORDER; o++)
		buddy_free(&b, got[o], o);
	assert_int_equal(b.free_frames, nr);
	assert_int_equal(b.free_blocks[BUDDY_MAX_ORDER], 2);
	assert_int_equal(buddy_audit(&b), 0);
	buddy_put(&b);
}

/* When every frame is out, allocations fail at every order; one free makes
 * that block available again. Orders above the maximum always fail. */
static void buddy_alloc_fails_when_exhausted_and_succeeds_after_a_free(void **state)
{
	mfn_t m[4], again;
	struct buddy b;
	unsigned int i;

	buddy_get(&b, 64, 16);
	buddy_add_range(&b, _mfn(64), 16);
	assert_true(mfn_eq(buddy_alloc(&b, 5), INVALID_MFN));
	assert_true(mfn_eq(buddy_alloc(&b, BUDDY_MAX_ORDER + 1), INVALID_MFN));
	for (i = 0; i < 4; i++) {
		m[i] = buddy_alloc(&b, 2);
		assert_false(mfn_eq(m[i], INVALID_MFN));
	}
	assert_int_equal(b.free_frames, 0);
	assert_true(mfn_eq(buddy_alloc(&b, 2), INVALID_MFN));
	assert_true(mfn_eq(buddy_alloc(&b, 0), INVALID_MFN));

	buddy_free(&b, m[2], 2);
	assert_true(mfn_eq(buddy_alloc(&b, 3), INVALID_MFN));
	again = buddy_alloc(&b, 2);
	assert_true(mfn_eq(again, m[2]));
	for (i = 0; i < 4; i++)
		buddy_free(&b, m[i], 2);
	assert_int_equal(b.free_blocks[4], 1);
	assert_int_equal(buddy_audit(&b), 0);
	buddy_put(&b);
}

/* A zeroed, never initialised allocator has nothing to give. */
static void buddy_alloc_from_an_uninitialised_allocator_fails(void **state)
{
	struct buddy b;

	memset(&b, 0, sizeof(b));
	assert_true(mfn_eq(buddy_alloc(&b, 0), INVALID_MFN));
	assert_null(buddy_frame(&b, _mfn(0)));
}

/* All 2^18 frames out at order 0, every other one back: no two free frames
 * are buddies, so no order-1 block exists; the rest back: one 1 GiB block. */
static void buddy_fragmented_frames_merge_only_when_all_are_free(void **state)
{
	u64 *m = malloc(O18 * sizeof(*m)), i;
	struct buddy b;

	assert_non_null(m);
	buddy_get(&b, 5 * O18, O18);
	buddy_add_range(&b, _mfn(5 * O18), O18);
	for (i = 0; i < O18; i++) {
		m[i] = mfn_x(buddy_alloc(&b, 0));
		assert_int_not_equal(m[i], mfn_x(INVALID_MFN));
	}
	assert_true(mfn_eq(buddy_alloc(&b, 0), INVALID_MFN));
	for (i = 0; i < O18; i++)
		if (!(m[i] & 1))
			buddy_free(&b, _mfn(m[i]), 0);
	assert_int_equal(b.free_frames, O18 / 2);
	assert_int_equal(b.free_blocks[0], O18 / 2);
	assert_true(mfn_eq(buddy_alloc(&b, 1), INVALID_MFN));
	assert_int_equal(buddy_audit(&b), 0);

	for (i = 0; i < O18; i++)
		if (m[i] & 1)
			buddy_free(&b, _mfn(m[i]), 0);
	assert_int_equal(b.free_blocks[0], 0);
	assert_int_equal(b.free_blocks[BUDDY_MAX_ORDER], 1);
	assert_int_equal(mfn_x(buddy_alloc(&b, BUDDY_MAX_ORDER)), 5 * O18);
	assert_int_equal(buddy_audit(&b), 0);
	free(m);
	buddy_put(&b);
}

/* From a range starting 7 frames past a 1 GiB boundary, every 1 GiB block
 * is aligned on the absolute mfn; the partial gigabytes at either end give
 * none. */
static void buddy_gigabyte_blocks_are_aligned_on_absolute_mfns(void **state)
{
	u64 base = 5 * O18 + 7, nr = 3 * O18, n = 0;
	struct buddy b;
	mfn_t m;

	buddy_get(&b, base, nr);
	buddy_add_range(&b, _mfn(base), nr);
	while (!mfn_eq(m = buddy_alloc(&b, BUDDY_MAX_ORDER), INVALID_MFN)) {
		assert_int_equal(mfn_x(m) % O18, 0);
		assert_true(mfn_x(m) >= base && mfn_x(m) + O18 <= base + nr);
		n++;
	}
	assert_int_equal(n, 2);
	assert_int_equal(b.free_frames, nr - 2 * O18);
	assert_int_equal(buddy_audit(&b), 0);
	buddy_put(&b);
}

/* A range of more than 1 GiB that contains no whole aligned gigabyte gives
 * no order-18 block, only smaller ones. */
static void buddy_misaligned_range_gives_no_gigabyte_block(void **state)
{
	u64 base = O18 + 1, nr = O18 + 100;
	struct buddy b;

	buddy_get(&b, base, nr);
	buddy_add_range(&b, _mfn(base), nr);
	assert_int_equal(b.free_blocks[BUDDY_MAX_ORDER], 0);
	assert_true(mfn_eq(buddy_alloc(&b, BUDDY_MAX_ORDER), INVALID_MFN));
	assert_int_equal(mfn_x(buddy_alloc(&b, BUDDY_MAX_ORDER - 1)),
			 O18 + O18 / 2);
	assert_int_equal(buddy_audit(&b), 0);
	buddy_put(&b);
}

/* An odd range is cut into the largest aligned blocks that fit, and later
 * ranges coalesce with free neighbours, but never with frames outside the
 * covered range. */
static void buddy_add_range_cuts_odd_ranges_into_maximal_aligned_blocks(void **state)
{
	struct buddy b;

	buddy_get(&b, 100, 1000);
	/* [101, 138): 101/o0 102/o1 104/o3 112/o4 128/o3 136/o1 */
	buddy_add_range(&b, _mfn(101), 37);
	assert_int_equal(b.free_blocks[0], 1);
	assert_int_equal(b.free_blocks[1], 2);
	assert_int_equal(b.free_blocks[2], 0);
	assert_int_equal(b.free_blocks[3], 2);
	assert_int_equal(b.free_blocks[4], 1);
	assert_int_equal(b.free_frames, 37);
	assert_int_equal(buddy_frame(&b, _mfn(112))->order, 4);
	assert_int_equal(buddy_frame(&b, _mfn(113))->state, FRAME_TAIL);
	assert_int_equal(buddy_frame(&b, _mfn(100))->state, FRAME_RESERVED);
	assert_int_equal(buddy_audit(&b), 0);

	/* 100 merges with 101, then with [102, 104); its order-2 buddy 96 is
	 * outside the covered range. */
	buddy_add_range(&b, _mfn(100), 1);
	assert_int_equal(b.free_blocks[0], 0);
	assert_int_equal(b.free_blocks[1], 1);
	assert_int_equal(b.free_blocks[2], 1);
	assert_int_equal(buddy_frame(&b, _mfn(100))->order, 2);
	assert_int_equal(buddy_frame(&b, _mfn(100))->state, FRAME_FREE_HEAD);

	/* Zero frames: nothing changes. */
	buddy_add_range(&b, _mfn(500), 0);
	assert_int_equal(b.managed_frames, 38);
	assert_int_equal(buddy_audit(&b), 0);
	buddy_put(&b);
}

/* Two halves of an aligned range added one after the other end up as the
 * single block the whole range would have given. */
static void buddy_add_range_coalesces_adjacent_ranges(void **state)
{
	struct buddy b;

	buddy_get(&b, 1024, 1024);
	buddy_add_range(&b, _mfn(1024 + 512), 512);
	buddy_add_range(&b, _mfn(1024 + 3), 509);
	buddy_add_range(&b, _mfn(1024), 3);
	assert_int_equal(b.free_blocks[10], 1);
	assert_int_equal(b.free_frames, 1024);
	assert_int_equal(mfn_x(buddy_alloc(&b, 10)), 1024);
	assert_int_equal(buddy_audit(&b), 0);
	buddy_put(&b);
}

/* Freeing a block twice is a caller bug; nothing changes and the lock is not
 * left held. */
static void buddy_double_free_is_caught(void **state)
{
	struct buddy b;
	mfn_t m, keep;

	buddy_get(&b, 0, 64);
	buddy_add_range(&b, _mfn(0), 64);
	m = buddy_alloc(&b, 1);
	keep = buddy_alloc(&b, 1); /* m's buddy: keeps m from merging */
	buddy_free(&b, m, 1);
	expect_assert_failure(buddy_free(&b, m, 1));
	assert_false(spin_is_locked(&b.lock));
	assert_int_equal(b.free_frames, 62);
	assert_int_equal(buddy_audit(&b), 0);
	buddy_free(&b, keep, 1);
	assert_int_equal(b.free_blocks[6], 1);
	buddy_put(&b);
}

/* Freeing a frame inside a block, or a block with another order, is a bug. */
static void buddy_free_of_a_tail_or_with_the_wrong_order_is_caught(void **state)
{
	struct buddy b;
	mfn_t m;

	buddy_get(&b, 0, 64);
	buddy_add_range(&b, _mfn(0), 64);
	m = buddy_alloc(&b, 2);
	expect_assert_failure(buddy_free(&b, _mfn(mfn_x(m) + 1), 0));
	expect_assert_failure(buddy_free(&b, m, 1));
	expect_assert_failure(buddy_free(&b, m, 3));
	expect_assert_failure(buddy_free(&b, _mfn(64), 0));
	assert_int_equal(buddy_audit(&b), 0);
	buddy_free(&b, m, 2);
	assert_int_equal(b.free_frames, 64);
	buddy_put(&b);
}

/* Adding frames that are already free, or outside the covered range, is a
 * bug. */
static void buddy_add_range_of_free_or_uncovered_frames_is_caught(void **state)
{
	struct buddy b;

	buddy_get(&b, 16, 32);
	buddy_add_range(&b, _mfn(16), 8);
	expect_assert_failure(buddy_add_range(&b, _mfn(20), 8));
	expect_assert_failure(buddy_add_range(&b, _mfn(40), 9));
	expect_assert_failure(buddy_add_range(&b, _mfn(15), 1));
	assert_int_equal(b.free_frames, 8);
	assert_int_equal(b.managed_frames, 8);
	assert_int_equal(buddy_audit(&b), 0);
	buddy_put(&b);
}

/* A seeded random sequence of allocations and frees of orders 0..6: blocks
 * never overlap, stay aligned, and the audit passes after every step. */
static void buddy_audit_passes_after_every_step_of_a_random_sequence(void **state)
{
	enum { NR = 3001, BASE = 77, STEPS = 4000, LIVE = 256 };
	u8 *owner = calloc(NR, 1);
	struct { u64 m; unsigned int o; } live[LIVE];
	unsigned int nlive = 0, step;
	u64 seed = 0x9e3779b97f4a7c15ULL, t;
	struct buddy b;

	assert_non_null(owner);
	buddy_get(&b, BASE, NR);
	buddy_add_range(&b, _mfn(BASE + 5), 1000);
	buddy_add_range(&b, _mfn(BASE + 1500), NR - 1500);
	buddy_add_range(&b, _mfn(BASE + 1005), 400);
	for (step = 0; step < STEPS; step++) {
		u64 r = rng_next(&seed);

		if (nlive && (nlive == LIVE || (r & 3) == 0 || (r & 3) == 1)) {
			unsigned int i = (unsigned int)((r >> 8) % nlive);

			for (t = 0; t < (1ULL << live[i].o); t++)
				owner[live[i].m - BASE + t] = 0;
			buddy_free(&b, _mfn(live[i].m), live[i].o);
			live[i] = live[--nlive];
		} else {
			unsigned int o = (unsigned int)((r >> 8) % 7);
			mfn_t m = buddy_alloc(&b, o);

			if (!mfn_eq(m, INVALID_MFN)) {
				assert_int_equal(mfn_x(m) % (1ULL << o), 0);
				for (t = 0; t < (1ULL << o); t++) {
					assert_int_equal(owner[mfn_x(m) - BASE + t], 0);
					owner[mfn_x(m) - BASE + t] = 1;
				}
				live[nlive].m = mfn_x(m);
				live[nlive++].o = o;
			}
		}
		assert_int_equal(buddy_audit(&b), 0);
	}
	while (nlive) {
		nlive--;
		buddy_free(&b, _mfn(live[nlive].m), live[nlive].o);
	}
	assert_int_equal(b.free_frames, b.managed_frames);
	assert_int_equal(buddy_audit(&b), 0);
	free(owner);
	buddy_put(&b);
}

/* A buddy of 64 free frames at 0 with one order-0 frame allocated (so
 * every order below 6 has a free block), for the corruption tests. */
static void corruptible(struct buddy *b)
{
	buddy_get(b, 0, 64);
	buddy_add_range(b, _mfn(0), 64);
	assert_int_equal(mfn_x(buddy_alloc(b, 0)), 0);
	assert_int_equal(buddy_audit(b), 0);
	unit_console_reset();
}

static void expect_audit_failure(struct buddy *b, const char *what)
{
	assert_int_equal(buddy_audit(b), -SH_EINVAL);
	assert_non_null(strstr(unit_console(), "buddy: audit"));
	assert_non_null(strstr(unit_console(), what));
	assert_false(spin_is_locked(&b->lock));
	buddy_put(b);
}

/* Each kind of damaged metadata is reported by the audit. */
static void buddy_audit_detects_corrupted_metadata(void **state)
{
	struct buddy b;

	corruptible(&b); /* a tail claims to be a head */
	b.frames[33].state = FRAME_FREE_HEAD;
	expect_audit_failure(&b, "not a tail");

	corruptible(&b); /* a free head with the wrong order */
	b.frames[32].order = 4;
	expect_audit_failure(&b, "wrong list");

	corruptible(&b); /* a broken back link */
	b.frames[b.free_head[3]].prev = 5;
	expect_audit_failure(&b, "prev link");

	corruptible(&b); /* a forward link that loops */
	b.frames[b.free_head[2]].next = b.free_head[2];
	expect_audit_failure(&b, "longer than its count");

	corruptible(&b); /* a count that disagrees with the list */
	b.free_blocks[1]++;
	expect_audit_failure(&b, "shorter than its count");

	corruptible(&b); /* a handed-out frame turned back into a hole */
	b.frames[0].state = FRAME_RESERVED;
	expect_audit_failure(&b, "managed frame count");

	corruptible(&b); /* a tail with no head before it */
	b.frames[0].state = FRAME_TAIL;
	expect_audit_failure(&b, "tail without a head");

	/* A used block moved off its natural alignment. */
	buddy_get(&b, 0, 4);
	buddy_add_range(&b, _mfn(0), 4);
	assert_int_equal(mfn_x(buddy_alloc(&b, 1)), 0);
	b.frames[0].state = FRAME_RESERVED;
	b.frames[1] = (struct frame_info){ .next = BUDDY_NONE,
					   .prev = BUDDY_NONE,
					   .state = FRAME_USED_HEAD, .order = 1 };
	unit_console_reset();
	expect_audit_failure(&b, "not naturally aligned");

	/* Two free order-0 buddies left side by side, listed and counted. */
	buddy_get(&b, 0, 2);
	buddy_add_range(&b, _mfn(0), 2);
	assert_int_equal(mfn_x(buddy_alloc(&b, 0)), 0);
	assert_int_equal(mfn_x(buddy_alloc(&b, 0)), 1);
	b.frames[0] = (struct frame_info){ .next = 1, .prev = BUDDY_NONE,
					   .state = FRAME_FREE_HEAD };
	b.frames[1] = (struct frame_info){ .next = BUDDY_NONE, .prev = 0,
					   .state = FRAME_FREE_HEAD };
	b.free_head[0] = 0;
	b.free_blocks[0] = 2;
	b.free_frames = 2;
	unit_console_reset();
	expect_audit_failure(&b, "unmerged");
}

/* buddy_frame reaches exactly the covered frames. */
static void buddy_frame_is_null_outside_the_covered_range(void **state)
{
	struct buddy b;

	buddy_get(&b, 1000, 10);
	assert_null(buddy_frame(&b, _mfn(999)));
	assert_null(buddy_frame(&b, _mfn(1010)));
	assert_null(buddy_frame(&b, INVALID_MFN));
	assert_ptr_equal(buddy_frame(&b, _mfn(1000)), &b.frames[0]);
	assert_ptr_equal(buddy_frame(&b, _mfn(1009)), &b.frames[9]);
	assert_int_equal(buddy_frame(&b, _mfn(1009))->state, FRAME_RESERVED);
	buddy_put(&b);
}

/* A split block is pieces of the smaller order, each with the block's user
 * tag, that free one by one and merge back into the original block. */
static void buddy_split_gives_pieces_that_free_on_their_own_and_merge(void **state)
{
	struct buddy b;
	mfn_t m;
	u64 i;

	buddy_get(&b, 0, 64);
	buddy_add_range(&b, _mfn(0), 64);
	m = buddy_alloc(&b, 4);
	buddy_frame(&b, m)->user = 0x1234;
	buddy_split(&b, m, 4, 2);
	assert_int_equal(buddy_audit(&b), 0);
	for (i = 0; i < 16; i += 4) {
		struct frame_info *fi = buddy_frame(&b, _mfn(mfn_x(m) + i));

		assert_int_equal(fi->state, FRAME_USED_HEAD);
		assert_int_equal(fi->order, 2);
		assert_int_equal(fi->user, 0x1234);
	}
	expect_assert_failure(buddy_free(&b, m, 4));
	expect_assert_failure(buddy_split(&b, m, 4, 2));
	expect_assert_failure(buddy_split(&b, m, 2, 3));
	assert_false(spin_is_locked(&b.lock));
	buddy_split(&b, _mfn(mfn_x(m) + 4), 2, 0); /* a piece splits again */
	for (i = 0; i < 4; i++)
		buddy_free(&b, _mfn(mfn_x(m) + 4 + i), 0);
	buddy_free(&b, _mfn(mfn_x(m) + 12), 2);
	buddy_free(&b, m, 2);
	buddy_free(&b, _mfn(mfn_x(m) + 8), 2);
	assert_int_equal(buddy_audit(&b), 0);
	assert_int_equal(b.free_frames, 64);
	assert_int_equal(b.free_blocks[6], 1);
	buddy_put(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(buddy_add_range_of_an_aligned_gigabyte_gives_one_top_block),
		cmocka_unit_test(buddy_free_merges_buddies_back_into_one_block),
		cmocka_unit_test(buddy_alloc_gives_naturally_aligned_blocks_at_every_order),
		cmocka_unit_test(buddy_alloc_fails_when_exhausted_and_succeeds_after_a_free),
		cmocka_unit_test(buddy_alloc_from_an_uninitialised_allocator_fails),
		cmocka_unit_test(buddy_fragmented_frames_merge_only_when_all_are_free),
		cmocka_unit_test(buddy_gigabyte_blocks_are_aligned_on_absolute_mfns),
		cmocka_unit_test(buddy_misaligned_range_gives_no_gigabyte_block),
		cmocka_unit_test(buddy_add_range_cuts_odd_ranges_into_maximal_aligned_blocks),
		cmocka_unit_test(buddy_add_range_coalesces_adjacent_ranges),
		cmocka_unit_test(buddy_double_free_is_caught),
		cmocka_unit_test(buddy_free_of_a_tail_or_with_the_wrong_order_is_caught),
		cmocka_unit_test(buddy_add_range_of_free_or_uncovered_frames_is_caught),
		cmocka_unit_test(buddy_audit_passes_after_every_step_of_a_random_sequence),
		cmocka_unit_test(buddy_audit_detects_corrupted_metadata),
		cmocka_unit_test(buddy_frame_is_null_outside_the_covered_range),
		cmocka_unit_test(buddy_split_gives_pieces_that_free_on_their_own_and_merge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
