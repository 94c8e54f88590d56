/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for shadow paging's side of populate-on-demand
 * (hypervisor/paging/shadow/shadow_pod.c) with the real shadow pool and
 * write protection over the fake arena: the PoD flush hook clears exactly
 * the leaves that map the reclaimed machine frames (in guest-L1 and FL1
 * shadows alike), drops the page-table shadows of the reclaimed guest
 * frames but not pinned tops, and always flushes; a populate fills the
 * empty entries of the FL1 shadows over it and nothing else.
 * Runs: host unit tests only.
 */
#include "shadow_arena.h"

#include <shale/errno.h>

/* Guest frame g is "RAM" at machine frame GUEST_MFN0 + g when g is in
 * [ram_from, ram_to); only the numbers are used, never the memory. */
#define GUEST_MFN0 (ARENA_BASE + 1024)

static u64 ram_from, ram_to;

static u64 leaf(u64 gfn, bool rw)
{
	return ((GUEST_MFN0 + gfn) << PAGE_SHIFT) | SH_P | SH_A |
	       (rw ? SH_RW | SH_D : 0);
}

/* The seam to shadow_l1.c: RAM in [ram_from, ram_to), writable. */
u64 sh_leaf_entry(struct shadow_domain *s, u64 gfn, u64 flags)
{
	return gfn >= ram_from && gfn < ram_to ? leaf(gfn, flags & SH_RW) : 0;
}

static int setup(void **state)
{
	(void)state;
	shadow_arena_setup(16, 1);
	ram_from = ram_to = 0;
	return 0;
}

/* A 2 MiB reclaim (machine frames of gfns 512..1023) clears those leaves
 * in a guest-L1 shadow and in an FL1, keeps the leaves of other frames,
 * gives the writable counts back, and flushes once. */
static void shadow_pod_drop_clears_only_leaves_of_the_frames(void **state)
{
	struct sh_page *l1 = sh_create(sh, 7, SH_L1, 0, 0, 0);
	struct sh_page *fl1 = sh_create(sh, 512, SH_FL1, 0, 0, 0);

	sh_set_entry(sh, l1, 0, leaf(600, true), NULL);
	sh_set_entry(sh, l1, 1, leaf(511, true), NULL);
	sh_set_entry(sh, l1, 2, leaf(1024, false), NULL);
	sh_set_entry(sh, l1, 3, SH_GNP, NULL);
	for (unsigned int i = 0; i < SH_ENTRIES; i++)
		sh_set_entry(sh, fl1, i, leaf(512 + i, true), NULL);
	assert_int_equal(sh_wcount(sh, _mfn(GUEST_MFN0 + 600)), 2);

	shadow_drop_gfns(&dom, _gfn(512), _mfn(GUEST_MFN0 + 512), 9);

	assert_int_equal(sh_table(l1)[0], 0);
	assert_int_equal(sh_table(l1)[1], leaf(511, true));
	assert_int_equal(sh_table(l1)[2], leaf(1024, false));
	assert_int_equal(sh_table(l1)[3], SH_GNP);
	for (unsigned int i = 0; i < SH_ENTRIES; i++)
		assert_int_equal(sh_table(fl1)[i], 0);
	assert_int_equal(sh_wcount(sh, _mfn(GUEST_MFN0 + 600)), 0);
	assert_int_equal(sh_wcount(sh, _mfn(GUEST_MFN0 + 511)), 1);
	assert_int_equal(flushes, 1);
	assert_false(sh->need_flush);
}

/* A reclaimed frame that was a guest page table loses its shadows (a
 * guest L1 linked from an L2, here); a pinned top of a reclaimed frame
 * stays, and so do the shadows of other frames. */
static void shadow_pod_drop_unshadows_page_tables_of_the_gfns(void **state)
{
	struct sh_page *top = sh_create(sh, 41, SH_L4_TOP, 4, 0, 1);
	struct sh_page *l2 = sh_create(sh, 100, SH_L2, 0, 0, 0);
	struct sh_page *l1 = sh_create(sh, 40, SH_L1, 0, 0, 0);
	struct sh_page *other = sh_create(sh, 42, SH_L1, 0, 0, 0);

	sh_pin(top);
	sh_link(sh, l2, 0, l1, SH_P | SH_RW);
	sh_link(sh, l2, 1, other, SH_P | SH_RW);
	sh_link(sh, top, 0, l2, SH_P | SH_RW);

	shadow_drop_gfns(&dom, _gfn(40), _mfn(GUEST_MFN0 + 40), 1);

	assert_null(sh_lookup(sh, 40, SH_L1, 0, 0, 0));
	assert_int_equal(sh_table(l2)[0], 0);
	assert_ptr_equal(sh_lookup(sh, 41, SH_L4_TOP, 4, 0, 1), top);
	assert_ptr_equal(sh_lookup(sh, 42, SH_L1, 0, 0, 0), other);
	assert_int_equal(flushes, 1);
	assert_int_equal(sh->in_use, 3); /* the zombie was freed */
	sh_unpin(sh, top);
	sh_commit(sh);
}

/* Nothing maps the frame any more, but the guest may have dropped its PTE
 * without INVLPG: the TLBs are flushed anyway. */
static void shadow_pod_drop_flushes_even_with_no_shadow(void **state)
{
	shadow_drop_gfns(&dom, _gfn(3), _mfn(GUEST_MFN0 + 3), 0);
	assert_int_equal(flushes, 1);
}

/* A 2 MiB populate fills every empty entry of the FL1 over it from the
 * p2m and leaves set entries alone; no other FL1 changes. */
static void shadow_pod_refill_fills_the_fl1_over_a_2m_populate(void **state)
{
	struct sh_page *fl1 = sh_create(sh, 1024, SH_FL1, 0, 0, 0);
	struct sh_page *next = sh_create(sh, 1536, SH_FL1, 0, 0, 0);
	u64 kept = leaf(1024 + 9, false);

	sh_set_entry(sh, fl1, 9, kept, NULL);
	ram_from = 1024;
	ram_to = 2048;
	sh_pod_refill(sh, 1024 + 77, 9);
	for (unsigned int i = 0; i < SH_ENTRIES; i++)
		assert_int_equal(sh_table(fl1)[i],
				 i == 9 ? kept : leaf(1024 + i, true));
	for (unsigned int i = 0; i < SH_ENTRIES; i++)
		assert_int_equal(sh_table(next)[i], 0);
	assert_int_equal(sh_wcount(sh, _mfn(GUEST_MFN0 + 1024 + 77)), 1);
}

/* A 4 KiB populate fills only its own entry; a 1 GiB one every FL1 in
 * that GiB (and skips regions with no FL1). */
static void shadow_pod_refill_covers_exactly_the_populated_order(void **state)
{
	struct sh_page *a = sh_create(sh, 0, SH_FL1, 0, 0, 0);
	struct sh_page *b = sh_create(sh, 511 * 512, SH_FL1, 0, 0, 0);

	ram_from = 0;
	ram_to = 1ULL << 18;
	sh_pod_refill(sh, 5, 0);
	for (unsigned int i = 0; i < SH_ENTRIES; i++)
		assert_int_equal(sh_table(a)[i], i == 5 ? leaf(5, true) : 0);
	sh_pod_refill(sh, 12345, 18);
	for (unsigned int i = 0; i < SH_ENTRIES; i++) {
		assert_int_equal(sh_table(a)[i], leaf(i, true));
		assert_int_equal(sh_table(b)[i], leaf(511 * 512 + i, true));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(shadow_pod_drop_clears_only_leaves_of_the_frames, setup, shadow_arena_teardown),
		cmocka_unit_test_setup_teardown(shadow_pod_drop_unshadows_page_tables_of_the_gfns, setup, shadow_arena_teardown),
		cmocka_unit_test_setup_teardown(shadow_pod_drop_flushes_even_with_no_shadow, setup, shadow_arena_teardown),
		cmocka_unit_test_setup_teardown(shadow_pod_refill_fills_the_fl1_over_a_2m_populate, setup, shadow_arena_teardown),
		cmocka_unit_test_setup_teardown(shadow_pod_refill_covers_exactly_the_populated_order, setup, shadow_arena_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
