/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for populate-on-demand (hypervisor/paging/pod.c, pod_sweep.c,
 * pod_audit.c) on the real p2m and frame allocator over a 3 GiB fake arena
 * (lazily committed; tests touch only what they populate, and give back
 * the one 1 GiB block they populate): marking, the target in both
 * directions, populate at every order, cache break-up, split-and-retry,
 * the zero-page sweep, exhaustion, fini and the audit.
 * Runs: host unit tests only.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "support.h"

#include <shale/errno.h>
#include <shale/frames.h>
#include <shale/p2m.h>
#include <shale/pod.h>

#include "../../hypervisor/paging/pod_internal.h"

#define N2M (1ULL << P2M_ORDER_2M)
#define N1G (1ULL << P2M_ORDER_1G)
#define ARENA_BASE (4 * N1G) /* 1 GiB aligned, so 1 GiB blocks exist */
#define ARENA_FRAMES (3 * N1G)

/* Guest frames the tests mark: a 1 GiB-aligned gigabyte, and places well
 * away from it for 2M and 4K entries. */
#define G1G (1 * N1G)
#define G2M (3 * N1G)
#define G4K (3 * N1G + 64 * N2M + 3) /* not 2M aligned */

static struct p2m p2m;
static struct pod pod;
static bool pod_finished; /* the test ran pod_fini itself */

/* The flush hook records its calls; it can play a guest that writes the
 * page under check before the flush lands. */
static unsigned int flush_calls;
static gfn_t flush_gfn;
static mfn_t flush_mfn;
static unsigned int flush_order;
static volatile u8 *flush_scribble;

static void flush_hook(void *arg, gfn_t gfn, mfn_t mfn, unsigned int order)
{
	flush_calls++;
	flush_gfn = gfn;
	flush_mfn = mfn;
	flush_order = order;
	if (flush_scribble) {
		*flush_scribble = 0x5a;
		flush_scribble = NULL;
	}
}

/* Blocks taken from the allocator to leave it short. */
static struct {
	mfn_t m;
	unsigned int order;
} hoard[4096];
static size_t nr_hoard;

static int setup(void **state)
{
	unit_frames_init(_mfn(ARENA_BASE), ARENA_FRAMES);
	unit_console_reset();
	assert_int_equal(p2m_init(&p2m), 0);
	pod_init(&pod, flush_hook, NULL);
	pod_finished = false;
	flush_calls = 0;
	flush_scribble = NULL;
	nr_hoard = 0;
	return 0;
}

static void unhoard(void)
{
	while (nr_hoard) {
		nr_hoard--;
		free_frames(hoard[nr_hoard].m, hoard[nr_hoard].order);
	}
}

/* Every test leaves a consistent pod, and fini gives every frame back.
 * The arena goes away before any check fails, so the next test can run. */
static int teardown(void **state)
{
	int audit = pod_finished ? 0 : pod_audit(&pod, &p2m), buddy;
	u64 free;

	unhoard();
	pod_fini(&pod, &p2m);
	p2m_fini(&p2m);
	free = machine_frames.free_frames;
	buddy = buddy_audit(&machine_frames);
	unit_frames_fini();
	assert_int_equal(audit, 0);
	assert_int_equal(free, ARENA_FRAMES);
	assert_int_equal(buddy, 0);
	return 0;
}

/* Takes every free frame but 'leave' single frames. */
static void hoard_all_but(u64 leave)
{
	mfn_t *keep = calloc(leave + 1, sizeof(*keep));
	unsigned int order = BUDDY_MAX_ORDER + 1;
	u64 i;

	assert_non_null(keep);
	for (i = 0; i < leave; i++) {
		keep[i] = alloc_frames(0);
		assert_false(mfn_eq(keep[i], INVALID_MFN));
	}
	while (order-- > 0) {
		mfn_t m;

		while (!mfn_eq(m = alloc_frames(order), INVALID_MFN)) {
			assert_true(nr_hoard < ARRAY_SIZE(hoard));
			hoard[nr_hoard].m = m;
			hoard[nr_hoard++].order = order;
		}
	}
	for (i = 0; i < leave; i++)
		free_frames(keep[i], 0);
	free(keep);
	assert_int_equal(machine_frames.free_frames, leave);
}

static void mark(u64 gfn, u64 nr)
{
	assert_int_equal(pod_mark_range(&pod, &p2m, _gfn(gfn), nr), 0);
}

static void target(u64 frames)
{
	assert_int_equal(pod_set_target(&pod, &p2m, frames), 0);
}

static mfn_t populate(u64 gfn)
{
	mfn_t m = INVALID_MFN;

	assert_int_equal(pod_populate(&pod, &p2m, _gfn(gfn), &m), 0);
	return m;
}

static struct p2m_entry entry(u64 gfn)
{
	return p2m_get_entry(&p2m, _gfn(gfn));
}

#define assert_entry(gfn_, t_, order_)                                         \
	do {                                                                   \
		struct p2m_entry e_ = entry(gfn_);                             \
		assert_string_equal(p2m_type_name(e_.type),                    \
				    p2m_type_name(t_));                        \
		assert_int_equal(e_.order, (order_));                          \
	} while (0)

static bool frame_zero(mfn_t m)
{
	const u8 *p = mfn_to_virt(m);

	for (size_t i = 0; i < PAGE_SIZE; i++)
		if (p[i])
			return false;
	return true;
}

/* The guest writes one byte at 'offset' of the frame that backs gfn. */
static void guest_write(u64 gfn, size_t offset, u8 v)
{
	struct p2m_entry e = entry(gfn);

	assert_int_equal(e.type, p2m_ram_rw);
	((u8 *)mfn_to_virt(e.mfn))[offset] = v;
}

/* Drops the host memory behind a block the test is done looking at; it
 * reads as zero afterwards, as it did. */
static void release(mfn_t m, unsigned int order)
{
	assert_int_equal(madvise(mfn_to_virt(m), PAGE_SIZE << order,
				 MADV_DONTNEED),
			 0);
}

/* -------------------------------------------------------------- marking */

/* A range that starts and ends off 2M boundaries gets 4K entries at its
 * ends, 2M entries up to a 1G boundary, and 1G entries inside. */
static void pod_mark_range_uses_the_largest_aligned_entries_and_counts_them(void **state)
{
	u64 start = N1G - N2M - 3, nr = 2 * N1G + N2M + 5 - start;

	mark(start, nr);
	assert_entry(start, p2m_pod, P2M_ORDER_4K);
	assert_entry(N1G - N2M - 1, p2m_pod, P2M_ORDER_4K);
	assert_entry(N1G - N2M, p2m_pod, P2M_ORDER_2M);
	assert_entry(N1G, p2m_pod, P2M_ORDER_1G);
	assert_entry(2 * N1G, p2m_pod, P2M_ORDER_2M);
	assert_entry(2 * N1G + N2M, p2m_pod, P2M_ORDER_4K);
	assert_entry(2 * N1G + N2M + 4, p2m_pod, P2M_ORDER_4K);
	assert_entry(2 * N1G + N2M + 5, p2m_invalid, P2M_ORDER_4K);
	assert_int_equal(p2m.leaves[0], 3 + 5);
	assert_int_equal(p2m.leaves[1], 2);
	assert_int_equal(p2m.leaves[2], 1);
	assert_int_equal(pod.outstanding, nr);
	assert_int_equal(p2m.frames[p2m_pod], nr);
	assert_int_equal(pod.end_gfn, start + nr);
}

/* Marking over a mapped frame, or past the p2m, is refused with nothing
 * changed; an empty range is a no-op. */
static void pod_mark_range_refuses_mapped_or_out_of_range_gfns(void **state)
{
	assert_int_equal(p2m_set_entry(&p2m, _gfn(G2M + 700), _mfn(1 << 30),
				       P2M_ORDER_4K, p2m_mmio),
			 0);
	assert_int_equal(pod_mark_range(&pod, &p2m, _gfn(G2M), 2 * N2M),
			 -SH_EINVAL);
	assert_int_equal(pod_mark_range(&pod, &p2m, _gfn(P2M_MAX_GFN), 2),
			 -SH_EINVAL);
	assert_int_equal(pod_mark_range(&pod, &p2m, _gfn(P2M_MAX_GFN + 1), 1),
			 -SH_EINVAL);
	assert_int_equal(pod_mark_range(&pod, &p2m, _gfn(G2M), 0), 0);
	assert_entry(G2M, p2m_invalid, P2M_ORDER_2M);
	assert_entry(G2M + 699, p2m_invalid, P2M_ORDER_4K);
	assert_int_equal(pod.outstanding, 0);
	assert_int_equal(p2m.frames[p2m_pod], 0);
	mark(P2M_MAX_GFN, 1);
	assert_int_equal(pod.outstanding, 1);
}

/* When a later entry of the range cannot get its p2m tables, the entries
 * already marked are cleared again. */
static void pod_mark_range_out_of_tables_unmarks_what_it_marked(void **state)
{
	/* The 1G entry needs one table (a PDPT), the 4K after it two more. */
	hoard_all_but(1);
	assert_int_equal(pod_mark_range(&pod, &p2m, _gfn(G1G), N1G + 1),
			 -SH_ENOMEM);
	assert_entry(G1G, p2m_invalid, P2M_ORDER_1G);
	assert_int_equal(pod.outstanding, 0);
	assert_int_equal(p2m.frames[p2m_pod], 0);
	assert_int_equal(pod.end_gfn, 0);
}

/* --------------------------------------------------------------- target */

/* Raising the target allocates 1G blocks while a gigabyte is missing,
 * then 2M, then 4K, never more than asked. */
static void pod_set_target_fills_1g_then_2m_then_4k_blocks(void **state)
{
	u64 t = N1G + 3 * N2M + 5;

	mark(G1G, 2 * N1G);
	target(t);
	assert_int_equal(pod.stats.allocs[POD_1G], 1);
	assert_int_equal(pod.stats.allocs[POD_2M], 3);
	assert_int_equal(pod.stats.allocs[POD_4K], 5);
	assert_int_equal(pod.count[POD_1G], 1);
	assert_int_equal(pod.count[POD_2M], 3);
	assert_int_equal(pod.count[POD_4K], 5);
	assert_int_equal(pod.cache_frames, t);
	assert_int_equal(pod.backing, t);
	assert_int_equal(pod.target, t);
	assert_int_equal(machine_frames.free_frames,
			 ARENA_FRAMES - t - p2m.table_pages);
	assert_int_equal(pod_audit(&pod, &p2m), 0);
}

/* Lowering the target frees 1G blocks first, then 2M, then 4K. */
static void pod_set_target_lowers_by_freeing_1g_then_2m_then_4k_blocks(void **state)
{
	mark(G1G, 2 * N1G);
	target(N1G + 3 * N2M + 5);

	target(3 * N2M + 5); /* exactly one gigabyte less */
	assert_int_equal(pod.stats.frees[POD_1G], 1);
	assert_int_equal(pod.stats.frees[POD_2M], 0);
	assert_int_equal(pod.stats.frees[POD_4K], 0);

	target(N2M + 4);
	assert_int_equal(pod.stats.frees[POD_2M], 2);
	assert_int_equal(pod.stats.frees[POD_4K], 1);
	assert_int_equal(pod.count[POD_2M], 1);
	assert_int_equal(pod.count[POD_4K], 4);

	target(0);
	assert_int_equal(pod.stats.frees[POD_2M], 3);
	assert_int_equal(pod.stats.frees[POD_4K], 5);
	assert_int_equal(pod.cache_frames, 0);
	assert_int_equal(pod.backing, 0);
	assert_int_equal(machine_frames.free_frames,
			 ARENA_FRAMES - p2m.table_pages);
	assert_int_equal(pod.stats.breaks_1g + pod.stats.breaks_2m, 0);
}

/* Freeing less than any cached block breaks a bigger one down to 4K. */
static void pod_set_target_lowering_by_less_than_a_block_breaks_a_bigger_one(void **state)
{
	mark(G1G, N1G);
	target(N1G);
	target(N1G - 1);
	assert_int_equal(pod.stats.breaks_1g, 1);
	assert_int_equal(pod.stats.breaks_2m, 1);
	assert_int_equal(pod.stats.frees[POD_4K], 1);
	assert_int_equal(pod.count[POD_1G], 0);
	assert_int_equal(pod.count[POD_2M], 511);
	assert_int_equal(pod.count[POD_4K], 511);
	assert_int_equal(pod.cache_frames, N1G - 1);
	assert_int_equal(pod_audit(&pod, &p2m), 0);
}

/* With no free gigabyte in the allocator, 2M blocks fill the target. */
static void pod_set_target_falls_back_to_2m_blocks_without_a_free_1g(void **state)
{
	mfn_t g[2];
	unsigned int i, j;

	/* Keep one 2M piece of each whole gigabyte (the third holds the p2m
	 * root): no 1G block can form. */
	for (i = 0; i < 2; i++) {
		g[i] = alloc_frames(P2M_ORDER_1G);
		split_frames(g[i], P2M_ORDER_1G, P2M_ORDER_2M);
		for (j = 1; j < 512; j++)
			free_frames(_mfn(mfn_x(g[i]) + j * N2M), P2M_ORDER_2M);
	}
	assert_true(mfn_eq(alloc_frames(P2M_ORDER_1G), INVALID_MFN));
	mark(G1G, N1G);
	target(N1G);
	assert_int_equal(pod.stats.allocs[POD_1G], 0);
	assert_int_equal(pod.stats.allocs[POD_2M], 512);
	assert_int_equal(pod.stats.allocs[POD_4K], 0);
	assert_int_equal(pod.cache_frames, N1G);
	for (i = 0; i < 2; i++)
		free_frames(g[i], P2M_ORDER_2M);
}

/* The cache never grows past what outstanding PoD entries can use. */
static void pod_set_target_never_fills_more_than_outstanding_entries_can_use(void **state)
{
	mark(G2M, N2M + 3);
	target(N1G);
	assert_int_equal(pod.target, N1G);
	assert_int_equal(pod.cache_frames, N2M + 3);
	assert_int_equal(pod.stats.allocs[POD_1G], 0);
	assert_int_equal(pod.stats.allocs[POD_2M], 1);
	assert_int_equal(pod.stats.allocs[POD_4K], 3);
}

/* Out of memory while filling: -SH_ENOMEM, and what was allocated stays. */
static void pod_set_target_short_of_memory_keeps_the_partial_fill(void **state)
{
	struct pod_info info;

	mark(G1G, N1G);
	hoard_all_but(700);
	assert_int_equal(pod_set_target(&pod, &p2m, N1G), -SH_ENOMEM);
	pod_get_info(&pod, &info);
	assert_int_equal(info.cache_frames, 700);
	assert_int_equal(info.backing, 700);
	assert_int_equal(info.target, N1G);
	assert_int_equal(machine_frames.free_frames, 0);
	unhoard();
	target(N1G); /* memory is back: the fill completes */
	assert_int_equal(pod.cache_frames, N1G);
}

/* ------------------------------------------------------------- populate */

/* A 4K PoD entry gets a cached frame, zeroed first: what the frame held
 * in the cache (a list link, anything) never reaches the guest. */
static void pod_populate_fills_a_4k_entry_with_a_zeroed_frame(void **state)
{
	mfn_t top, m;

	mark(G4K, 8);
	target(8);
	top = pod.head[POD_4K];
	memset((u8 *)mfn_to_virt(top) + 8, 0xaa, PAGE_SIZE - 8);
	m = populate(G4K + 5);
	assert_int_equal(mfn_x(m), mfn_x(top));
	assert_true(frame_zero(m));
	assert_entry(G4K + 5, p2m_ram_rw, P2M_ORDER_4K);
	assert_entry(G4K + 4, p2m_pod, P2M_ORDER_4K);
	assert_int_equal(buddy_frame(&machine_frames, m)->user,
			 POD_USER_GUEST);
	assert_int_equal(pod.outstanding, 7);
	assert_int_equal(pod.populated, 1);
	assert_int_equal(pod.cache_frames, 7);
	assert_int_equal(pod.stats.populates[POD_4K], 1);
	assert_int_equal(pod.stats.zeroed_frames, 1);
}

/* 1G, 2M and 4K entries are each filled whole with a block of their own
 * order, and the frame returned is the one of the gfn asked for. */
static void pod_populate_fills_entries_at_every_order(void **state)
{
	mfn_t m1g, m2m, m4k;
	u64 g;

	mark(G1G, N1G);
	mark(G2M, N2M);
	mark(G4K, 1);
	target(N1G + N2M + 1);

	m1g = populate(G1G + 12345);
	assert_entry(G1G, p2m_ram_rw, P2M_ORDER_1G);
	assert_int_equal(mfn_x(entry(G1G).mfn) + 12345, mfn_x(m1g));
	assert_int_equal(mfn_x(entry(G1G).mfn) & (N1G - 1), 0);
	for (g = 0; g < N1G; g += N1G / 8)
		assert_true(frame_zero(_mfn(mfn_x(entry(G1G).mfn) + g)));
	release(entry(G1G).mfn, P2M_ORDER_1G);

	m2m = populate(G2M + 7);
	assert_entry(G2M, p2m_ram_rw, P2M_ORDER_2M);
	assert_int_equal(mfn_x(entry(G2M).mfn) + 7, mfn_x(m2m));
	assert_int_equal(mfn_x(entry(G2M).mfn) & (N2M - 1), 0);

	m4k = populate(G4K);
	assert_entry(G4K, p2m_ram_rw, P2M_ORDER_4K);
	assert_true(frame_zero(m4k));

	assert_int_equal(pod.stats.populates[POD_1G], 1);
	assert_int_equal(pod.stats.populates[POD_2M], 1);
	assert_int_equal(pod.stats.populates[POD_4K], 1);
	assert_int_equal(pod.stats.zeroed_frames, N1G + N2M + 1);
	assert_int_equal(pod.stats.breaks_1g + pod.stats.breaks_2m, 0);
	assert_int_equal(pod.stats.splits, 0);
	assert_int_equal(pod.populated, N1G + N2M + 1);
	assert_int_equal(pod.outstanding, 0);
	assert_int_equal(pod.cache_frames, 0);
}

/* With only a 1G block cached, a 2M populate breaks it into 512 x 2M and
 * a 4K populate then breaks one of those into 512 x 4K; only what is
 * populated is zeroed. */
static void pod_populate_breaks_a_cached_1g_block_into_2m_and_2m_into_4k(void **state)
{
	mfn_t big, m;

	mark(G1G, N1G);
	mark(G2M, N2M);
	mark(G4K, 1);
	target(N1G);
	assert_int_equal(pod.count[POD_1G], 1);
	big = pod.head[POD_1G];

	m = populate(G2M);
	assert_int_equal(mfn_x(m), mfn_x(big)); /* lowest piece first */
	assert_int_equal(pod.stats.breaks_1g, 1);
	assert_int_equal(pod.count[POD_1G], 0);
	assert_int_equal(pod.count[POD_2M], 511);
	assert_int_equal(buddy_frame(&machine_frames, m)->order, P2M_ORDER_2M);

	m = populate(G4K);
	assert_int_equal(mfn_x(m), mfn_x(big) + N2M);
	assert_int_equal(pod.stats.breaks_2m, 1);
	assert_int_equal(pod.count[POD_2M], 510);
	assert_int_equal(pod.count[POD_4K], 511);
	assert_int_equal(buddy_frame(&machine_frames, m)->order, 0);

	assert_int_equal(pod.stats.zeroed_frames, N2M + 1);
	assert_int_equal(pod.stats.splits, 0);
	assert_int_equal(pod.cache_frames, N1G - N2M - 1);
	assert_int_equal(pod_audit(&pod, &p2m), 0);
}

/* With only 4K frames cached, a gfn under a 1G entry splits it into 2M
 * entries, then its 2M entry into 4K entries, and gets a 4K frame; the
 * neighbours stay PoD at the sizes the splits left. */
static void pod_populate_splits_the_entry_when_no_block_of_its_order_exists(void **state)
{
	u64 gfn = G1G + 5 * N2M + 3;

	mark(G1G, N1G);
	target(5);
	assert_int_equal(pod.count[POD_4K], 5);
	populate(gfn);
	assert_entry(gfn, p2m_ram_rw, P2M_ORDER_4K);
	assert_entry(gfn + 1, p2m_pod, P2M_ORDER_4K);
	assert_entry(G1G + 5 * N2M, p2m_pod, P2M_ORDER_4K);
	assert_entry(G1G, p2m_pod, P2M_ORDER_2M);
	assert_entry(G1G + 6 * N2M, p2m_pod, P2M_ORDER_2M);
	assert_int_equal(pod.stats.splits, 2);
	assert_int_equal(p2m.splits, 2);
	assert_int_equal(pod.stats.sweeps, 1); /* once, before the first split */
	assert_int_equal(pod.stats.populates[POD_4K], 1);
	assert_int_equal(pod.outstanding, N1G - 1);
	assert_int_equal(pod.cache_frames, 4);
}

/* When a split needs a p2m table and the allocator has none, a cached
 * frame is given back for it, and the populate still succeeds. */
static void pod_populate_gives_a_cached_frame_back_when_a_split_needs_a_table(void **state)
{
	mark(G2M, N2M);
	target(5);
	hoard_all_but(0);
	populate(G2M + 1);
	assert_entry(G2M + 1, p2m_ram_rw, P2M_ORDER_4K);
	assert_int_equal(pod.stats.donated, 1);
	assert_int_equal(pod.stats.splits, 1);
	assert_int_equal(pod.backing, 4);
	assert_int_equal(pod.cache_frames, 3);
	assert_int_equal(pod.populated, 1);
}

/* A gfn already populated (another vCPU got there first) gives its frame
 * without taking another. */
static void pod_populate_of_a_populated_gfn_returns_its_frame(void **state)
{
	mfn_t a, b;

	mark(G2M, N2M);
	target(N2M);
	a = populate(G2M + 9);
	b = populate(G2M + 9);
	assert_int_equal(mfn_x(a), mfn_x(b));
	assert_int_equal(pod.stats.populates[POD_2M], 1);
}

/* Only PoD and RAM gfns can be populated. */
static void pod_populate_refuses_a_gfn_that_is_neither_pod_nor_ram(void **state)
{
	mfn_t m = INVALID_MFN;

	mark(G4K, 1);
	target(1);
	assert_int_equal(p2m_set_entry(&p2m, _gfn(G2M), INVALID_MFN,
				       P2M_ORDER_4K, p2m_mmio),
			 0);
	assert_int_equal(pod_populate(&pod, &p2m, _gfn(G2M), &m), -SH_EINVAL);
	assert_int_equal(pod_populate(&pod, &p2m, _gfn(G1G), &m), -SH_EINVAL);
	assert_int_equal(pod.cache_frames, 1);
	assert_int_equal(pod.stats.populates[POD_4K], 0);
}

/* With the cache empty and every populated page in use, a populate
 * sweeps, finds nothing and fails with -SH_ENOMEM, changing nothing; once
 * the guest zeroes a page, the next populate reclaims and uses it. */
static void pod_populate_after_a_fruitless_sweep_fails_with_enomem(void **state)
{
	mfn_t m = INVALID_MFN;
	u64 i;

	mark(G4K, 8);
	target(4);
	for (i = 0; i < 4; i++) {
		populate(G4K + i);
		guest_write(G4K + i, 100, 1);
	}
	assert_int_equal(pod_populate(&pod, &p2m, _gfn(G4K + 4), &m),
			 -SH_ENOMEM);
	assert_int_equal(pod.stats.exhausted, 1);
	assert_int_equal(pod.stats.sweeps, 1);
	assert_entry(G4K + 4, p2m_pod, P2M_ORDER_4K);
	assert_int_equal(pod.outstanding, 4);
	assert_int_equal(pod_audit(&pod, &p2m), 0);

	guest_write(G4K + 2, 100, 0);
	populate(G4K + 4);
	assert_int_equal(pod.stats.reclaimed[POD_4K], 1);
	assert_entry(G4K + 2, p2m_pod, P2M_ORDER_4K);
	assert_int_equal(pod.outstanding, 4);
	assert_int_equal(pod.populated, 4);
}

/* The access bracket populates a PoD gfn and hands back its RAM entry with
 * pod->lock held, so no sweep can take the frame until the end; other
 * types come back as they are, and exhaustion returns unlocked. */
static void pod_access_begin_populates_and_holds_the_lock_until_the_end(void **state)
{
	struct p2m_entry e;

	mark(G4K, 2);
	target(1);
	assert_int_equal(p2m_set_entry(&p2m, _gfn(G2M), INVALID_MFN,
				       P2M_ORDER_4K, p2m_mmio),
			 0);

	assert_int_equal(pod_access_begin(&pod, &p2m, _gfn(G4K + 1), &e), 0);
	assert_true(spin_is_locked(&pod.lock));
	assert_int_equal(e.type, p2m_ram_rw);
	assert_int_equal(e.order, P2M_ORDER_4K);
	((u8 *)mfn_to_virt(e.mfn))[0] = 1;
	pod_access_end(&pod);
	assert_false(spin_is_locked(&pod.lock));
	assert_int_equal(pod.stats.populates[POD_4K], 1);

	assert_int_equal(pod_access_begin(&pod, &p2m, _gfn(G2M), &e), 0);
	assert_int_equal(e.type, p2m_mmio);
	pod_access_end(&pod);

	assert_int_equal(pod_access_begin(&pod, &p2m, _gfn(G4K), &e),
			 -SH_ENOMEM);
	assert_false(spin_is_locked(&pod.lock));
	assert_entry(G4K, p2m_pod, P2M_ORDER_4K);
}

/* ---------------------------------------------------------------- sweep */

/* Populated 2M and 4K pages with data stay; exactly the zero ones go back
 * to the cache at their own order and their entries become PoD again. */
static void pod_sweep_takes_back_exactly_the_zero_pages_at_both_granularities(void **state)
{
	static const bool dirty2m[4] = { false, true, false, true };
	static const bool dirty4k[8] = { 0, 0, 1, 0, 0, 1, 0, 0 };
	mfn_t m2m[4], m4k[8];
	u64 got, i;

	mark(G2M, 4 * N2M);
	mark(G4K, 8);
	target(4 * N2M + 8);
	for (i = 0; i < 4; i++)
		m2m[i] = populate(G2M + i * N2M);
	for (i = 0; i < 8; i++)
		m4k[i] = populate(G4K + i);
	/* One byte in the last page of one superpage, in page 100 of the
	 * other: the whole 2M must be checked. */
	guest_write(G2M + 1 * N2M + 511, PAGE_SIZE - 1, 7);
	guest_write(G2M + 3 * N2M + 100, 0, 7);
	guest_write(G4K + 2, 2048, 7);
	guest_write(G4K + 5, 8, 7);

	got = pod_sweep(&pod, &p2m, ~0ULL);
	assert_int_equal(got, 2 * N2M + 6);
	assert_int_equal(pod.stats.reclaimed[POD_2M], 2);
	assert_int_equal(pod.stats.reclaimed[POD_4K], 6);
	assert_int_equal(pod.stats.reclaimed[POD_1G], 0);
	for (i = 0; i < 4; i++) {
		struct p2m_entry e = entry(G2M + i * N2M);

		assert_int_equal(e.order, P2M_ORDER_2M);
		assert_int_equal(e.type, dirty2m[i] ? p2m_ram_rw : p2m_pod);
		if (dirty2m[i])
			assert_int_equal(mfn_x(e.mfn), mfn_x(m2m[i]));
	}
	for (i = 0; i < 8; i++) {
		struct p2m_entry e = entry(G4K + i);

		assert_int_equal(e.type, dirty4k[i] ? p2m_ram_rw : p2m_pod);
		if (dirty4k[i])
			assert_int_equal(mfn_x(e.mfn), mfn_x(m4k[i]));
	}
	assert_int_equal(((u8 *)mfn_to_virt(m4k[2]))[2048], 7);
	assert_int_equal(pod.count[POD_2M], 2);
	assert_int_equal(pod.count[POD_4K], 6);
	assert_int_equal(pod.populated, 2 * N2M + 2);
	assert_int_equal(pod.outstanding, 2 * N2M + 6);
	assert_int_equal(flush_calls, 8);
	assert_int_equal(pod_audit(&pod, &p2m), 0);
}

/* Zero pages populated too long ago to be in the ring are found by the
 * scan over the marked gfns. */
static void pod_sweep_scans_past_the_ring_for_older_zero_pages(void **state)
{
	const u64 n = POD_RING_SIZE + 36;
	u64 i;

	mark(G4K, n);
	target(n);
	for (i = 0; i < n; i++) {
		populate(G4K + i);
		if (i != 0 && i != 10)
			guest_write(G4K + i, 0, 1);
	}
	assert_int_equal(pod_sweep(&pod, &p2m, ~0ULL), 2);
	assert_entry(G4K + 0, p2m_pod, P2M_ORDER_4K);
	assert_entry(G4K + 10, p2m_pod, P2M_ORDER_4K);
	assert_entry(G4K + 1, p2m_ram_rw, P2M_ORDER_4K);
	assert_int_equal(pod.ring_len, 0);
}

/* One sweep reads a bounded number of pages: with eight zero superpages
 * (1024 pages read each: check and re-check) it stops once the budget is
 * spent, and the next call takes the rest. */
static void pod_sweep_reads_a_bounded_number_of_pages_per_call(void **state)
{
	const u64 per_call = DIV_ROUND_UP(POD_SWEEP_BUDGET_PAGES, 2 * N2M);
	u64 i;

	assert_true(per_call < 8);
	mark(G2M, 8 * N2M);
	target(8 * N2M);
	for (i = 0; i < 8; i++)
		populate(G2M + i * N2M);
	assert_int_equal(pod_sweep(&pod, &p2m, ~0ULL), per_call * N2M);
	assert_int_equal(pod_sweep(&pod, &p2m, ~0ULL),
			 MIN(per_call, 8 - per_call) * N2M);
	assert_int_equal(pod.stats.sweeps, 2);
}

/* A page the guest writes between the first check and the flush is seen
 * by the re-check and mapped back with its data. */
static void pod_sweep_maps_back_a_page_the_guest_writes_during_the_check(void **state)
{
	mfn_t m;

	mark(G4K, 1);
	target(1);
	m = populate(G4K);
	flush_scribble = (u8 *)mfn_to_virt(m) + 123;
	assert_int_equal(pod_sweep(&pod, &p2m, ~0ULL), 0);
	assert_int_equal(flush_calls, 1);
	assert_int_equal(gfn_x(flush_gfn), G4K);
	assert_int_equal(mfn_x(flush_mfn), mfn_x(m)); /* the frame it mapped */
	assert_int_equal(flush_order, P2M_ORDER_4K);
	assert_entry(G4K, p2m_ram_rw, P2M_ORDER_4K);
	assert_int_equal(mfn_x(entry(G4K).mfn), mfn_x(m));
	assert_int_equal(((u8 *)mfn_to_virt(m))[123], 0x5a);
	assert_int_equal(pod.stats.sweep_restored, 1);
	assert_int_equal(pod.stats.reclaimed[POD_4K], 0);
	assert_int_equal(pod.populated, 1);
}

/* After the target was lowered below what is populated, pod_sweep gives
 * reclaimed frames beyond the target back to the allocator, while the
 * emergency sweep in pod_populate keeps them for the guest. */
static void pod_sweep_trims_to_the_target_but_populate_keeps_what_it_reclaims(void **state)
{
	u64 i;

	mark(G4K, 16);
	target(8);
	for (i = 0; i < 8; i++)
		populate(G4K + i);
	target(4);
	assert_int_equal(pod.backing, 8); /* populated memory stays */

	populate(G4K + 8); /* emergency sweep: all 8 zero, one used */
	assert_int_equal(pod.stats.reclaimed[POD_4K], 8);
	assert_int_equal(pod.backing, 8);
	assert_int_equal(pod.cache_frames, 7);

	assert_int_equal(pod_sweep(&pod, &p2m, ~0ULL), 1);
	assert_int_equal(pod.populated, 0);
	assert_int_equal(pod.backing, 4);
	assert_int_equal(pod.cache_frames, 4);
}

/* ---------------------------------------------------------- fini, audit */

/* fini gives back the cache and every populated block; only p2m tables
 * remain allocated until p2m_fini. */
static void pod_fini_returns_every_cached_and_populated_block(void **state)
{
	mark(G2M, 4 * N2M);
	mark(G4K, 4);
	target(4 * N2M + 4);
	populate(G2M);
	populate(G2M + 3 * N2M);
	populate(G4K + 1);
	pod_fini(&pod, &p2m);
	pod_finished = true;
	assert_int_equal(machine_frames.free_frames,
			 ARENA_FRAMES - p2m.table_pages);
	assert_int_equal(pod.backing, 0);
	assert_int_equal(pod.cache_frames, 0);
	assert_int_equal(pod.populated, 0);
}

/* xorshift64: a fixed sequence on every host. */
static u64 rng_next(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Random populates, guest writes and zeroing, target changes and sweeps
 * over a range of 2M and 4K entries: the audit holds after every step and
 * every machine frame is free, in the pod or a p2m table. */
static void pod_audit_holds_after_every_step_of_a_random_sequence(void **state)
{
	const u64 base = G2M, nr = 24 * N2M + 77; /* ends with 4K entries */
	u64 seed = 0x9e3779b97f4a7c15ULL;
	unsigned int step, fails = 0;

	mark(base, nr);
	target(8 * N2M);
	for (step = 0; step < 1500; step++) {
		u64 r = rng_next(&seed), gfn = base + r % nr;
		struct p2m_entry e;
		mfn_t m;
		int rc;

		switch ((r >> 40) % 8) {
		case 0: case 1: case 2:
			rc = pod_populate(&pod, &p2m, _gfn(gfn), &m);
			assert_true(rc == 0 || rc == -SH_ENOMEM);
			fails += rc != 0;
			if (!rc && (r >> 50) % 3)
				((u8 *)mfn_to_virt(m))[(r >> 20) % PAGE_SIZE] =
					(u8)(r | 1);
			break;
		case 3: /* the guest zeroes a page it holds */
			e = entry(gfn);
			if (e.type == p2m_ram_rw)
				memset(mfn_to_virt(e.mfn), 0, PAGE_SIZE);
			break;
		case 4: /* ... or a whole 2M entry */
			e = entry(gfn);
			if (e.type == p2m_ram_rw && e.order == P2M_ORDER_2M) {
				mfn_t h = _mfn(mfn_x(e.mfn) & ~(N2M - 1));

				for (u64 i = 0; i < N2M; i++)
					memset(mfn_to_virt(_mfn(mfn_x(h) + i)),
					       0, PAGE_SIZE);
			}
			break;
		case 5:
			assert_int_equal(pod_set_target(&pod, &p2m,
							(r >> 8) % (12 * N2M)),
					 0);
			break;
		default:
			pod_sweep(&pod, &p2m, (r >> 8) % (2 * N2M));
			break;
		}
		assert_int_equal(pod_audit(&pod, &p2m), 0);
		assert_int_equal(machine_frames.free_frames + pod.backing +
					 p2m.table_pages,
				 ARENA_FRAMES);
	}
	/* The sequence reached every path worth reaching. */
	assert_true(pod.stats.populates[POD_2M] > 0);
	assert_true(pod.stats.populates[POD_4K] > 0);
	assert_true(pod.stats.splits > 0);
	assert_true(pod.stats.breaks_2m > 0);
	assert_true(pod.stats.reclaimed[POD_2M] > 0);
	assert_true(pod.stats.reclaimed[POD_4K] > 0);
	assert_true(pod.stats.frees[POD_2M] > 0);
	assert_true(fails > 0);
	assert_int_equal(buddy_audit(&machine_frames), 0);
}

/* Expects the audit to fail, naming 'what', then undoes the damage. */
static void expect_audit_failure(const char *what)
{
	unit_console_reset();
	assert_int_equal(pod_audit(&pod, &p2m), -SH_EINVAL);
	assert_non_null(strstr(unit_console(), what));
}

/* Each counter broken on purpose is caught, and so is a wrong tag. */
static void pod_audit_detects_broken_counters_and_tags(void **state)
{
	struct frame_info *fi;

	mark(G2M, 2 * N2M);
	mark(G4K, 4);
	target(2 * N2M + 4);
	populate(G2M);
	populate(G4K);
	assert_int_equal(pod_audit(&pod, &p2m), 0);

	pod.populated++;
	expect_audit_failure("populated disagrees");
	pod.populated--;
	pod.outstanding--;
	expect_audit_failure("outstanding disagrees");
	pod.outstanding++;
	pod.backing++;
	expect_audit_failure("not the backing");
	pod.backing--;
	pod.cache_frames++;
	expect_audit_failure("cache_frames disagrees");
	pod.cache_frames--;
	pod.count[POD_4K]++;
	expect_audit_failure("shorter than its count");
	pod.count[POD_4K] -= 2;
	expect_audit_failure("longer than its count");
	pod.count[POD_4K]++;

	fi = buddy_frame(&machine_frames, pod.head[POD_2M]);
	fi->user = POD_USER_GUEST;
	expect_audit_failure("not tagged as cached");
	fi->user = POD_USER_CACHE;
	fi = buddy_frame(&machine_frames, entry(G4K).mfn);
	fi->user = POD_USER_CACHE;
	expect_audit_failure("cached block is mapped");
	fi->user = POD_USER_GUEST;
	assert_int_equal(pod_audit(&pod, &p2m), 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(pod_mark_range_uses_the_largest_aligned_entries_and_counts_them),
		T(pod_mark_range_refuses_mapped_or_out_of_range_gfns),
		T(pod_mark_range_out_of_tables_unmarks_what_it_marked),
		T(pod_set_target_fills_1g_then_2m_then_4k_blocks),
		T(pod_set_target_lowers_by_freeing_1g_then_2m_then_4k_blocks),
		T(pod_set_target_lowering_by_less_than_a_block_breaks_a_bigger_one),
		T(pod_set_target_falls_back_to_2m_blocks_without_a_free_1g),
		T(pod_set_target_never_fills_more_than_outstanding_entries_can_use),
		T(pod_set_target_short_of_memory_keeps_the_partial_fill),
		T(pod_populate_fills_a_4k_entry_with_a_zeroed_frame),
		T(pod_populate_fills_entries_at_every_order),
		T(pod_populate_breaks_a_cached_1g_block_into_2m_and_2m_into_4k),
		T(pod_populate_splits_the_entry_when_no_block_of_its_order_exists),
		T(pod_populate_gives_a_cached_frame_back_when_a_split_needs_a_table),
		T(pod_populate_of_a_populated_gfn_returns_its_frame),
		T(pod_populate_refuses_a_gfn_that_is_neither_pod_nor_ram),
		T(pod_populate_after_a_fruitless_sweep_fails_with_enomem),
		T(pod_access_begin_populates_and_holds_the_lock_until_the_end),
		T(pod_sweep_takes_back_exactly_the_zero_pages_at_both_granularities),
		T(pod_sweep_scans_past_the_ring_for_older_zero_pages),
		T(pod_sweep_reads_a_bounded_number_of_pages_per_call),
		T(pod_sweep_maps_back_a_page_the_guest_writes_during_the_check),
		T(pod_sweep_trims_to_the_target_but_populate_keeps_what_it_reclaims),
		T(pod_fini_returns_every_cached_and_populated_block),
		T(pod_audit_holds_after_every_step_of_a_random_sequence),
		T(pod_audit_detects_broken_counters_and_tags),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
