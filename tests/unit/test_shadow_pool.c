/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the shadow pool and write protection
 * (hypervisor/paging/shadow/shadow_pool.c, shadow_wp.c) on the real frame
 * allocator over a fake arena: lookup by key and by machine frame,
 * reference counts freeing unreferenced shadows, zombies kept until the
 * TLB flush, pins, recycling of the least recently used shadow when the
 * budget is reached, writable counts and write-access removal by heuristic
 * and brute force, and re-syncing / unshadowing on emulated writes.
 * Runs: host unit tests only.
 */
#include "shadow_arena.h"

#include <shale/errno.h>

static int setup(void **state)
{
	(void)state;
	shadow_arena_setup(8, 2);
	return 0;
}

/* A made-up guest frame's machine frame (inside the arena's range, so
 * its writable count is tracked, but never touched). */
static mfn_t guest_mfn(u64 gfn)
{
	return _mfn(ARENA_BASE + ARENA_FRAMES - 1 - gfn);
}

static u64 leaf(u64 gfn, bool rw)
{
	return (mfn_x(guest_mfn(gfn)) << PAGE_SHIFT) | SH_P | SH_A |
	       (rw ? SH_RW | SH_D : 0);
}

/* Created shadows are found by their whole key and by machine frame. */
static void shadow_lookup_by_key_and_mfn(void **state)
{
	struct sh_page *a = sh_create(sh, 5, SH_L1, 0, 1, 0);
	struct sh_page *b = sh_create(sh, 5, SH_L1_32, 1, 0, 0);

	assert_non_null(a);
	assert_non_null(b);
	assert_ptr_equal(sh_lookup(sh, 5, SH_L1, 0, 1, 0), a);
	assert_ptr_equal(sh_lookup(sh, 5, SH_L1_32, 1, 0, 0), b);
	assert_null(sh_lookup(sh, 5, SH_L1, 0, 0, 0));
	assert_null(sh_lookup(sh, 5, SH_L1_32, 0, 0, 0));
	assert_ptr_equal(sh_by_mfn(sh, a->mfn), a);
	assert_int_equal(sh->in_use, 2);
	assert_int_equal(dom.shadow_stats.pages_peak, 2);
	assert_true(sh_gfn_is_pt(sh, 5));
	assert_false(sh_gfn_is_pt(sh, 6));
}

/* Replacing the only entry that points at a child destroys the child: a
 * zombie until the flush, freed after it. */
static void shadow_unreferenced_child_freed_after_flush(void **state)
{
	struct sh_page *top = sh_create(sh, 1, SH_L4_TOP, 4, 0, 1);
	struct sh_page *l3 = sh_create(sh, 2, SH_L3, 0, 0, 0);

	sh_pin(top);
	sh_link(sh, top, 7, l3, SH_P | SH_RW);
	assert_int_equal(l3->refs, 1);
	sh_commit(sh);
	assert_int_equal(flushes, 0); /* adding entries needs no flush */
	sh_set_entry(sh, top, 7, 0, NULL);
	assert_null(sh_lookup(sh, 2, SH_L3, 0, 0, 0));
	assert_int_equal(sh->in_use, 2); /* the zombie still counts */
	assert_true(sh->need_flush);
	sh_commit(sh);
	assert_int_equal(flushes, 1);
	assert_int_equal(sh->in_use, 1);
	sh_unpin(sh, top);
	sh_commit(sh);
	assert_int_equal(sh->in_use, 0);
}

/* Destroying a table drops its children recursively. */
static void shadow_destroy_cascades_to_children(void **state)
{
	struct sh_page *top = sh_create(sh, 1, SH_L4_TOP, 4, 0, 1);
	struct sh_page *l3 = sh_create(sh, 2, SH_L3, 0, 0, 0);
	struct sh_page *l2 = sh_create(sh, 3, SH_L2, 0, 0, 0);
	struct sh_page *l1 = sh_create(sh, 4, SH_L1, 0, 0, 0);

	sh_pin(top);
	sh_link(sh, top, 0, l3, SH_P);
	sh_link(sh, l3, 0, l2, SH_P);
	sh_link(sh, l2, 0, l1, SH_P);
	sh_set_entry(sh, l1, 0, leaf(100, true), NULL);
	assert_int_equal(sh_wcount(sh, guest_mfn(100)), 1);
	sh_unpin(sh, top);
	sh_commit(sh);
	assert_int_equal(sh->in_use, 0);
	assert_int_equal(sh_wcount(sh, guest_mfn(100)), 0);
}

/* A full pool recycles the least recently used unpinned shadow. */
static void shadow_reserve_recycles_least_recently_used(void **state)
{
	struct sh_page *top = sh_create(sh, 1, SH_PDPT_TOP, 3, 0, 1);
	struct sh_page *l2[3];

	sh_pin(top);
	for (unsigned int i = 0; i < 3; i++) {
		l2[i] = sh_create(sh, 10 + i, SH_L2, 0, 0, 0);
		sh_link(sh, top, i, l2[i], SH_P);
	}
	sh_touch(sh, l2[0]);   /* l2[1] is now the oldest */
	assert_int_equal(sh->in_use, 4);
	assert_int_equal(sh_reserve(sh, 5), 0); /* 8 - 4 < 5: one must go */
	assert_int_equal(dom.shadow_stats.recycles, 1);
	assert_null(sh_lookup(sh, 11, SH_L2, 0, 0, 0));
	assert_non_null(sh_lookup(sh, 10, SH_L2, 0, 0, 0));
	assert_int_equal(sh_table(top)[1], 0);
	assert_int_equal(sh->in_use, 3);
	sh_unpin(sh, top);
}

/* Pinned tops are never recycled: a pool of only pins cannot make room. */
static void shadow_reserve_fails_when_everything_is_pinned(void **state)
{
	struct sh_page *t[8];

	for (unsigned int i = 0; i < 8; i++) {
		t[i] = sh_create(sh, i, SH_L4_TOP, 4, 0, 1);
		sh_pin(t[i]);
	}
	assert_int_equal(sh_reserve(sh, 1), -SH_ENOMEM);
	for (unsigned int i = 0; i < 8; i++)
		sh_unpin(sh, t[i]);
}

/* Write access goes by the remembered place when that was the only
 * writable mapping, else by scanning every L1. */
static void shadow_remove_write_access_heuristic_then_brute_force(void **state)
{
	struct sh_page *a = sh_create(sh, 20, SH_L1, 0, 0, 0);
	struct sh_page *b = sh_create(sh, 21, SH_FL1, 0, 0, 0);
	mfn_t m = guest_mfn(300);

	sh_set_entry(sh, a, 3, leaf(300, true), NULL);
	sh_hint_writable(sh, 300, a, 3);
	sh_remove_write_access(sh, 300, m);
	assert_int_equal(dom.shadow_stats.wp_heuristic, 1);
	assert_int_equal(dom.shadow_stats.wp_brute, 0);
	assert_int_equal(sh_table(a)[3] & SH_RW, 0);
	assert_int_equal(sh_wcount(sh, m), 0);

	sh_set_entry(sh, a, 3, leaf(300, true), NULL);
	sh_set_entry(sh, b, 9, leaf(300, true), NULL);
	sh_hint_writable(sh, 300, a, 3);
	assert_int_equal(sh_wcount(sh, m), 2);
	sh_remove_write_access(sh, 300, m);
	assert_int_equal(dom.shadow_stats.wp_brute, 1);
	assert_int_equal(sh_table(b)[9] & SH_RW, 0);
	assert_int_equal(sh_wcount(sh, m), 0);
	/* Nothing writable left: nothing to do, nothing counted. */
	sh_remove_write_access(sh, 300, m);
	assert_int_equal(dom.shadow_stats.wp_brute, 1);
	assert_true(sh->need_flush);
}

/* A write to a 32-bit guest L1 re-syncs the entry in the right half only;
 * to a PAE L1 that entry; to a 32-bit L2 it drops both PAE entries of the
 * right quarter. */
static void shadow_resync_write_zaps_the_matching_entries(void **state)
{
	struct sh_page *h0 = sh_create(sh, 30, SH_L1_32, 0, 0, 0);
	struct sh_page *h1 = sh_create(sh, 30, SH_L1_32, 1, 0, 0);
	struct sh_page *q1 = sh_create(sh, 31, SH_L2_32, 1, 0, 0);
	struct sh_page *l1 = sh_create(sh, 32, SH_L1, 0, 0, 0);

	sh_set_entry(sh, h1, 5, leaf(400, false), NULL);
	sh_set_entry(sh, h0, 5, leaf(401, false), NULL);
	sh_resync_write(sh, 30, (512 + 5) * 4, 4); /* guest PTE 517 */
	assert_int_equal(refreshes, 1);
	assert_ptr_equal(refreshed_sp, h1);
	assert_int_equal(refreshed_idx, 5);
	sh_resync_write(sh, 32, 8 * 7 + 4, 4); /* high half of PAE PTE 7 */
	assert_int_equal(refreshes, 2);
	assert_ptr_equal(refreshed_sp, l1);
	assert_int_equal(refreshed_idx, 7);

	sh_link(sh, q1, 2 * 3, l1, SH_P);
	sh_link(sh, q1, 2 * 3 + 1, l1, SH_P);
	assert_int_equal(l1->refs, 2);
	sh_resync_write(sh, 31, (256 + 3) * 4, 4); /* guest PDE 259 */
	assert_int_equal(sh_table(q1)[6], 0);
	assert_int_equal(sh_table(q1)[7], 0);
	assert_null(sh_lookup(sh, 32, SH_L1, 0, 0, 0)); /* no references left */
	sh_commit(sh);
}

/* A page table written as data SH_UNSHADOW_WRITES times in a row loses
 * its shadows; a fault through it in between resets the count. */
static void shadow_many_emulated_writes_unshadow_the_frame(void **state)
{
	struct sh_page *l2 = sh_create(sh, 40, SH_L2, 0, 0, 0);
	struct sh_page *l1 = sh_create(sh, 41, SH_L1, 0, 0, 0);

	sh_link(sh, l2, 0, l1, SH_P);
	for (unsigned int i = 0; i < SH_UNSHADOW_WRITES - 1; i++)
		sh_resync_write(sh, 41, 8 * 100, 8);
	sh_touch(sh, l1);
	for (unsigned int i = 0; i < SH_UNSHADOW_WRITES - 1; i++)
		sh_resync_write(sh, 41, 8 * 100, 8);
	assert_non_null(sh_lookup(sh, 41, SH_L1, 0, 0, 0));
	assert_int_equal(dom.shadow_stats.unshadows, 0);
	sh_resync_write(sh, 41, 8 * 100, 8);
	assert_null(sh_lookup(sh, 41, SH_L1, 0, 0, 0));
	assert_false(sh_gfn_is_pt(sh, 41));
	assert_int_equal(dom.shadow_stats.unshadows, 1);
	assert_int_equal(sh_table(l2)[0], 0);
	sh_commit(sh);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(shadow_lookup_by_key_and_mfn, setup, shadow_arena_teardown),
		cmocka_unit_test_setup_teardown(shadow_unreferenced_child_freed_after_flush, setup, shadow_arena_teardown),
		cmocka_unit_test_setup_teardown(shadow_destroy_cascades_to_children, setup, shadow_arena_teardown),
		cmocka_unit_test_setup_teardown(shadow_reserve_recycles_least_recently_used, setup, shadow_arena_teardown),
		cmocka_unit_test_setup_teardown(shadow_reserve_fails_when_everything_is_pinned, setup, shadow_arena_teardown),
		cmocka_unit_test_setup_teardown(shadow_remove_write_access_heuristic_then_brute_force, setup, shadow_arena_teardown),
		cmocka_unit_test_setup_teardown(shadow_resync_write_zaps_the_matching_entries, setup, shadow_arena_teardown),
		cmocka_unit_test_setup_teardown(shadow_many_emulated_writes_unshadow_the_frame, setup, shadow_arena_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
