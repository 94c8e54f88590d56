/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the small-object allocator (hypervisor/mm/xmalloc.c) on
 * the real frame allocator over a fake arena: size classes, large blocks,
 * slab pages given back, zeroing, overflow, stats and caught misuse.
 * Runs: host unit tests only.
 */
#include <stdint.h>
#include <string.h>

#include "support.h"

#include <shale/frames.h>
#include <shale/xmalloc.h>

#define ARENA_BASE 0x10000
#define ARENA_FRAMES 4096

static int setup(void **state)
{
	unit_frames_init(_mfn(ARENA_BASE), ARENA_FRAMES);
	return 0;
}

/* Every test must give back all it took: the allocator's state outlives
 * the arena. */
static int teardown(void **state)
{
	struct xmalloc_stats st;

	xmalloc_get_stats(&st);
	assert_int_equal(st.allocations, 0);
	assert_int_equal(st.pages_in_use, 0);
	assert_int_equal(st.bytes_in_use, 0);
	assert_int_equal(machine_frames.free_frames, ARENA_FRAMES);
	assert_int_equal(buddy_audit(&machine_frames), 0);
	unit_frames_fini();
	return 0;
}

static struct xmalloc_stats stats(void)
{
	struct xmalloc_stats st;

	xmalloc_get_stats(&st);
	return st;
}

/* Each class from 16 to 2048 bytes (and sizes just above a class) gives
 * 16-byte-aligned, never page-aligned objects that do not overlap, and is
 * charged at the rounded-up size. */
static void xmalloc_serves_every_size_class_with_disjoint_aligned_objects(void **state)
{
	enum { N = 40 };
	static const size_t sizes[] = { 1, 16, 17, 32, 33, 64, 100, 128, 129,
					256, 300, 512, 513, 1024, 1025, 2048 };
	static const size_t rounded[] = { 16, 16, 32, 32, 64, 64, 128, 128,
					  256, 256, 512, 512, 1024, 1024, 2048,
					  2048 };
	unsigned char *p[N];
	unsigned int s, i;

	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		for (i = 0; i < N; i++) {
			p[i] = xmalloc(sizes[s]);
			assert_non_null(p[i]);
			assert_int_equal((uintptr_t)p[i] % 16, 0);
			assert_int_not_equal((uintptr_t)p[i] % PAGE_SIZE, 0);
			memset(p[i], i + 1, sizes[s]);
		}
		assert_int_equal(stats().allocations, N);
		assert_int_equal(stats().bytes_in_use, N * rounded[s]);
		for (i = 0; i < N; i++) {
			assert_int_equal(p[i][0], i + 1);
			assert_int_equal(p[i][sizes[s] - 1], i + 1);
		}
		for (i = 0; i < N; i++)
			xfree(p[i]);
		assert_int_equal(stats().bytes_in_use, 0);
	}
}

/* A slab page comes from the frame allocator on first use and goes back
 * when its last object is freed; a full page makes the next object start a
 * second page. */
static void xmalloc_gives_an_emptied_slab_page_back_to_the_frame_allocator(void **state)
{
	u64 free0 = machine_frames.free_frames;
	void *p[100];
	unsigned int i, per_page;

	p[0] = xmalloc(64);
	assert_int_equal(machine_frames.free_frames, free0 - 1);
	assert_int_equal(stats().pages_in_use, 1);
	for (i = 1; stats().pages_in_use == 1; i++) {
		assert_true(i < 100);
		p[i] = xmalloc(64);
	}
	per_page = i - 1;
	/* The header takes room: fewer than 4096 / 64 objects per page. */
	assert_true(per_page >= 50 && per_page < PAGE_SIZE / 64);
	assert_int_equal(machine_frames.free_frames, free0 - 2);

	xfree(p[per_page]); /* the only object on the second page */
	assert_int_equal(machine_frames.free_frames, free0 - 1);
	assert_int_equal(stats().pages_in_use, 1);
	for (i = 0; i + 1 < per_page; i++)
		xfree(p[i]);
	assert_int_equal(machine_frames.free_frames, free0 - 1);
	xfree(p[per_page - 1]);
	assert_int_equal(machine_frames.free_frames, free0);
	assert_int_equal(stats().pages_in_use, 0);
}

/* Above 2 KiB an allocation is a naturally aligned block of 2^order pages,
 * returned whole by xfree; impossible sizes give NULL. */
static void xmalloc_large_sizes_take_naturally_aligned_page_blocks(void **state)
{
	static const struct { size_t size; unsigned int order; } cases[] = {
		{ 2049, 0 }, { 4096, 0 }, { 4097, 1 }, { 5 * 4096, 3 },
		{ 64 * 4096, 6 },
	};
	u64 free0 = machine_frames.free_frames, pages = 0;
	void *p[5];
	unsigned int i;

	for (i = 0; i < 5; i++) {
		mfn_t m;

		p[i] = xmalloc(cases[i].size);
		assert_non_null(p[i]);
		assert_int_equal((uintptr_t)p[i] % PAGE_SIZE, 0);
		m = virt_to_mfn(p[i]);
		assert_int_equal(mfn_x(m) % (1ULL << cases[i].order), 0);
		assert_int_equal(buddy_frame(&machine_frames, m)->state,
				 FRAME_USED_HEAD);
		assert_int_equal(buddy_frame(&machine_frames, m)->order,
				 cases[i].order);
		memset(p[i], 0x5a, cases[i].size);
		pages += 1ULL << cases[i].order;
		assert_int_equal(machine_frames.free_frames, free0 - pages);
	}
	assert_int_equal(stats().pages_in_use, pages);
	assert_int_equal(stats().bytes_in_use, pages * PAGE_SIZE);
	for (i = 0; i < 5; i++)
		xfree(p[i]);
	assert_int_equal(machine_frames.free_frames, free0);

	assert_null(xmalloc(0));
	assert_null(xmalloc((PAGE_SIZE << BUDDY_MAX_ORDER) + 1));
	assert_null(xmalloc(SIZE_MAX));
	assert_null(xmalloc(ARENA_FRAMES * PAGE_SIZE * 2)); /* fits no arena */
	assert_int_equal(stats().allocations, 0);
}

/* With every frame taken, xmalloc returns NULL; one frame back and it
 * works again. */
static void xmalloc_returns_null_when_frames_run_out_and_recovers(void **state)
{
	mfn_t m;
	void *p;

	while (!mfn_eq(alloc_frames(0), INVALID_MFN))
		;
	assert_null(xmalloc(16));
	assert_null(xmalloc(8192));
	assert_int_equal(stats().pages_in_use, 0);

	m = _mfn(ARENA_BASE + 17);
	free_frames(m, 0);
	p = xmalloc(16);
	assert_non_null(p);
	assert_true(mfn_eq(virt_to_mfn(p), m));
	xfree(p);
	/* Give the rest back so teardown sees a whole arena. */
	for (m = _mfn(ARENA_BASE); mfn_x(m) < ARENA_BASE + ARENA_FRAMES;
	     m = _mfn(mfn_x(m) + 1))
		if (buddy_frame(&machine_frames, m)->state == FRAME_USED_HEAD)
			free_frames(m, 0);
}

/* xzalloc zeroes memory that was dirty before, small and large. */
static void xzalloc_zeroes_memory_that_was_dirty(void **state)
{
	unsigned char *p, *q;
	size_t sizes[] = { 200, 3 * 4096 }, i, j;

	for (i = 0; i < 2; i++) {
		p = xmalloc(sizes[i]);
		assert_non_null(p);
		memset(p, 0xee, sizes[i]);
		xfree(p);
		q = xzalloc(sizes[i]);
		assert_ptr_equal(q, p); /* the same, dirty memory came back */
		for (j = 0; j < sizes[i]; j++)
			assert_int_equal(q[j], 0);
		xfree(q);
	}
}

/* xzalloc_array refuses a product that overflows and zeroes one that does
 * not. */
static void xzalloc_array_returns_null_when_the_size_overflows(void **state)
{
	unsigned char *p;
	unsigned int i;

	assert_null(xzalloc_array(SIZE_MAX / 2 + 1, 2));
	assert_null(xzalloc_array(SIZE_MAX, SIZE_MAX));
	assert_null(xzalloc_array((SIZE_MAX >> 12) + 1, 4096));
	assert_null(xzalloc_array(0, 8));
	assert_null(xzalloc_array(8, 0));
	assert_int_equal(stats().allocations, 0);

	p = xmalloc(300);
	memset(p, 0xff, 300);
	xfree(p);
	p = xzalloc_array(3, 100);
	assert_non_null(p);
	for (i = 0; i < 300; i++)
		assert_int_equal(p[i], 0);
	assert_int_equal(stats().bytes_in_use, 512);
	xfree(p);
}

/* The stats follow a mix of small and large allocations exactly. */
static void xmalloc_stats_count_bytes_pages_and_live_allocations(void **state)
{
	void *a = xmalloc(24), *b = xmalloc(24), *c = xmalloc(1000);
	void *d = xmalloc(10000);
	struct xmalloc_stats st = stats();

	assert_int_equal(st.allocations, 4);
	assert_int_equal(st.bytes_in_use, 32 + 32 + 1024 + 4 * PAGE_SIZE);
	assert_int_equal(st.pages_in_use, 1 + 1 + 4); /* two slabs, one block */
	xfree(b);
	xfree(d);
	st = stats();
	assert_int_equal(st.allocations, 2);
	assert_int_equal(st.bytes_in_use, 32 + 1024);
	assert_int_equal(st.pages_in_use, 2);
	xfree(a);
	xfree(c);
	xfree(NULL);
	assert_int_equal(stats().allocations, 0);
}

/* Freeing an object twice is caught, whether its page stayed a slab or
 * went back to the frame allocator; the allocator still works after. */
static void xfree_twice_is_caught(void **state)
{
	void *p = xmalloc(32), *keep = xmalloc(32);

	xfree(p);
	expect_assert_failure(xfree(p));
	xfree(keep); /* the page goes back */
	expect_assert_failure(xfree(keep));

	p = xmalloc(5000);
	xfree(p);
	expect_assert_failure(xfree(p));
	p = xmalloc(32);
	assert_non_null(p);
	xfree(p);
}

/* Pointers xmalloc did not hand out are caught: inside an object, in the
 * slab header, past the last object, or in a page that is not a slab. */
static void xfree_of_a_pointer_xmalloc_did_not_return_is_caught(void **state)
{
	unsigned char *p = xmalloc(64), *q = xmalloc(1024);
	unsigned char *qpage = (unsigned char *)((uintptr_t)q & ~(PAGE_SIZE - 1));
	unsigned char *page = alloc_page_zeroed();

	expect_assert_failure(xfree(p + 8));  /* inside an object */
	expect_assert_failure(xfree(p - 32)); /* in the slab header */
	/* 1 KiB objects: three fit after the header; a fourth would not. */
	expect_assert_failure(xfree(qpage + 64 + 3 * 1024));
	expect_assert_failure(xfree(page));      /* a page, not a block */
	expect_assert_failure(xfree(page + 64)); /* a page, not a slab */
	free_page(page);
	xfree(p);
	xfree(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(xmalloc_serves_every_size_class_with_disjoint_aligned_objects, setup, teardown),
		cmocka_unit_test_setup_teardown(xmalloc_gives_an_emptied_slab_page_back_to_the_frame_allocator, setup, teardown),
		cmocka_unit_test_setup_teardown(xmalloc_large_sizes_take_naturally_aligned_page_blocks, setup, teardown),
		cmocka_unit_test_setup_teardown(xmalloc_returns_null_when_frames_run_out_and_recovers, setup, teardown),
		cmocka_unit_test_setup_teardown(xzalloc_zeroes_memory_that_was_dirty, setup, teardown),
		cmocka_unit_test_setup_teardown(xzalloc_array_returns_null_when_the_size_overflows, setup, teardown),
		cmocka_unit_test_setup_teardown(xmalloc_stats_count_bytes_pages_and_live_allocations, setup, teardown),
		cmocka_unit_test_setup_teardown(xfree_twice_is_caught, setup, teardown),
		cmocka_unit_test_setup_teardown(xfree_of_a_pointer_xmalloc_did_not_return_is_caught, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
