/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the physical-to-machine map (hypervisor/paging/p2m.c,
 * p2m_audit.c) on the real frame allocator over a fake arena: mapping and
 * lookup at every order, the raw NPT entry format, splitting, subtree
 * replacement, allocation failure leaving the map untouched, argument
 * checks, a random sequence against a reference model, the audit, fini and
 * the in-order walk. Only table pages come from the arena; the mfns that
 * leaves map are made up and never touched.
 * Runs: host unit tests only.
 */
#include <stdlib.h>
#include <string.h>

#include "support.h"

#include <shale/errno.h>
#include <shale/frames.h>
#include <shale/p2m.h>

#include "../../hypervisor/paging/p2m_pte.h"

#define ARENA_BASE 0x10000
#define ARENA_FRAMES 8192

#define N2M (1ULL << P2M_ORDER_2M)
#define N1G (1ULL << P2M_ORDER_1G)
#define MFN_BASE (64 * N1G) /* made-up machine frames, 1 GiB aligned */

static const unsigned int orders[] = { P2M_ORDER_4K, P2M_ORDER_2M,
				       P2M_ORDER_1G };

static struct p2m p2m;

static int setup(void **state)
{
	unit_frames_init(_mfn(ARENA_BASE), ARENA_FRAMES);
	unit_console_reset();
	assert_int_equal(p2m_init(&p2m), 0);
	return 0;
}

/* Every test leaves a consistent map, and fini gives back every table.
 * The arena goes away before any check fails, so the next test can run. */
static int teardown(void **state)
{
	int audit = p2m_audit(&p2m), buddy;
	u64 free;

	p2m_fini(&p2m);
	free = machine_frames.free_frames;
	buddy = buddy_audit(&machine_frames);
	unit_frames_fini();
	assert_int_equal(audit, 0);
	assert_int_equal(free, ARENA_FRAMES);
	assert_int_equal(buddy, 0);
	return 0;
}

static int set(u64 gfn, u64 mfn, unsigned int order, enum p2m_type t)
{
	return p2m_set_entry(&p2m, _gfn(gfn), _mfn(mfn), order, t);
}

/* True when gfn looks up as (mfn, t, order); says what it got otherwise. */
static bool entry_is(u64 gfn, mfn_t mfn, enum p2m_type t, unsigned int order)
{
	struct p2m_entry e = p2m_get_entry(&p2m, _gfn(gfn));

	if (mfn_eq(e.mfn, mfn) && e.type == t && e.order == order)
		return true;
	print_error("gfn 0x%llx: got mfn 0x%llx %s order %u, want mfn 0x%llx "
		    "%s order %u\n",
		    (unsigned long long)gfn, (unsigned long long)mfn_x(e.mfn),
		    p2m_type_name(e.type), e.order,
		    (unsigned long long)mfn_x(mfn), p2m_type_name(t), order);
	return false;
}

#define assert_entry(gfn, mfn, t, order)                                       \
	assert_true(entry_is((gfn), (mfn), (t), (order)))
#define assert_unmapped(gfn, order)                                            \
	assert_entry((gfn), INVALID_MFN, p2m_invalid, (order))

/* The entry at 'level' on gfn's walk (4 = the root's entry); every table
 * above it must exist. */
static u64 *entry_at(u64 gfn, unsigned int level)
{
	u64 *tab = mfn_to_virt(p2m.root);
	unsigned int l;

	for (l = P2M_LEVELS; l > level; l--) {
		u64 e = tab[p2m_pte_index(gfn, l)];

		assert_true(p2m_pte_is_table(e, l));
		tab = mfn_to_virt(p2m_pte_mfn(e));
	}
	return &tab[p2m_pte_index(gfn, level)];
}

/* The raw leaf that maps gfn (or the empty entry where the walk stops),
 * and its level. */
static u64 raw_leaf(u64 gfn, unsigned int *level)
{
	u64 *tab = mfn_to_virt(p2m.root);
	unsigned int l;

	for (l = P2M_LEVELS;; l--) {
		u64 e = tab[p2m_pte_index(gfn, l)];

		if (!p2m_pte_is_table(e, l)) {
			*level = l;
			return e;
		}
		tab = mfn_to_virt(p2m_pte_mfn(e));
	}
}

/* ---------------------------------------------------------- snapshots */

#define SNAP_WORDS (64 * (P2M_ENTRIES + 1))

/* Every table page (its mfn, then its entries) in walk order, and the
 * counters: equal snapshots mean a byte-identical map. */
struct snapshot {
	u64 words[SNAP_WORDS];
	size_t n;
	u64 table_pages, leaves[3], frames[p2m_nr_types], splits;
};

static struct snapshot snap_before, snap_after;

static void snap_table(struct snapshot *s, mfn_t m, unsigned int level)
{
	u64 *tab = mfn_to_virt(m);
	unsigned int i;

	assert_true(s->n + P2M_ENTRIES + 1 <= SNAP_WORDS);
	s->words[s->n++] = mfn_x(m);
	memcpy(&s->words[s->n], tab, PAGE_SIZE);
	s->n += P2M_ENTRIES;
	for (i = 0; i < P2M_ENTRIES; i++)
		if (p2m_pte_is_table(tab[i], level))
			snap_table(s, p2m_pte_mfn(tab[i]), level - 1);
}

static void snap_take(struct snapshot *s)
{
	s->n = 0;
	snap_table(s, p2m.root, P2M_LEVELS);
	s->table_pages = p2m.table_pages;
	memcpy(s->leaves, p2m.leaves, sizeof(s->leaves));
	memcpy(s->frames, p2m.frames, sizeof(s->frames));
	s->splits = p2m.splits;
}

static void assert_snap_equal(const struct snapshot *a,
			      const struct snapshot *b)
{
	assert_int_equal(a->n, b->n);
	assert_memory_equal(a->words, b->words, a->n * sizeof(u64));
	assert_int_equal(a->table_pages, b->table_pages);
	assert_memory_equal(a->leaves, b->leaves, sizeof(a->leaves));
	assert_memory_equal(a->frames, b->frames, sizeof(a->frames));
	assert_int_equal(a->splits, b->splits);
}

/* Takes every free arena frame; returns how many. */
static mfn_t hoard[ARENA_FRAMES];

static size_t hoard_all(void)
{
	size_t n = 0;
	mfn_t m;

	while (!mfn_eq(m = alloc_frames(0), INVALID_MFN))
		hoard[n++] = m;
	assert_int_equal(machine_frames.free_frames, 0);
	return n;
}

static void unhoard(size_t from, size_t to)
{
	while (from < to)
		free_frames(hoard[from++], 0);
}

/* -------------------------------------------------------------- tests */

/* A new map holds one zeroed table, the root; fini gives it back. */
static void p2m_init_allocates_one_empty_root_and_fini_returns_it(void **state)
{
	u64 *root = mfn_to_virt(p2m.root);
	unsigned int i;

	assert_int_equal(p2m.table_pages, 1);
	assert_int_equal(machine_frames.free_frames, ARENA_FRAMES - 1);
	for (i = 0; i < P2M_ENTRIES; i++)
		assert_int_equal(root[i], 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(p2m.leaves[i], 0);
	assert_int_equal(p2m_audit(&p2m), 0);
	p2m_fini(&p2m);
	assert_int_equal(machine_frames.free_frames, ARENA_FRAMES);
	assert_int_equal(p2m.table_pages, 0);
	assert_int_equal(p2m_audit(&p2m), 0);
}

/* At each order, a mapping answers for its first, middle and last gfn
 * with the matching mfn, leaves its neighbours unmapped, is counted, and
 * setting it invalid removes it again. */
static void p2m_maps_and_unmaps_at_every_order(void **state)
{
	u64 gfn = 3 * N1G, mfn = MFN_BASE + 5 * N1G;
	unsigned int i, k;

	for (i = 0; i < ARRAY_SIZE(orders); i++) {
		unsigned int o = orders[i];
		u64 nr = 1ULL << o;
		u64 offs[3] = { 0, nr / 2, nr - 1 };

		assert_int_equal(set(gfn, mfn, o, p2m_ram_rw), 0);
		for (k = 0; k < 3; k++)
			assert_entry(gfn + offs[k], _mfn(mfn + offs[k]),
				     p2m_ram_rw, o);
		assert_int_equal(p2m_get_entry(&p2m, _gfn(gfn - 1)).type,
				 p2m_invalid);
		assert_int_equal(p2m_get_entry(&p2m, _gfn(gfn + nr)).type,
				 p2m_invalid);
		assert_int_equal(p2m.leaves[i], 1);
		assert_int_equal(p2m.frames[p2m_ram_rw], nr);
		assert_int_equal(p2m_audit(&p2m), 0);

		assert_int_equal(set(gfn, INVALID_MFN.m, o, p2m_invalid), 0);
		for (k = 0; k < 3; k++)
			assert_int_equal(
				p2m_get_entry(&p2m, _gfn(gfn + offs[k])).type,
				p2m_invalid);
		assert_int_equal(p2m.leaves[i], 0);
		assert_int_equal(p2m.frames[p2m_ram_rw], 0);
		assert_int_equal(p2m_audit(&p2m), 0);
	}
}

/* An unmapped gfn reports the order of the level where the walk stopped:
 * 1G for an empty PML4E or PDPTE, 2M for an empty PDE, 4K for an empty
 * PTE; a gfn beyond the address space is unmapped too. */
static void p2m_get_entry_of_an_unmapped_gfn_gives_the_order_of_the_empty_level(void **state)
{
	assert_unmapped(0, P2M_ORDER_1G);
	assert_unmapped(P2M_MAX_GFN, P2M_ORDER_1G);
	assert_int_equal(set(0, MFN_BASE, P2M_ORDER_4K, p2m_ram_rw), 0);
	assert_unmapped(1, P2M_ORDER_4K);
	assert_unmapped(N2M - 1, P2M_ORDER_4K);
	assert_unmapped(N2M, P2M_ORDER_2M);
	assert_unmapped(N1G - 1, P2M_ORDER_2M);
	assert_unmapped(N1G, P2M_ORDER_1G);
	assert_unmapped(512 * N1G, P2M_ORDER_1G); /* next PML4E */
	assert_unmapped(P2M_MAX_GFN + 1, P2M_ORDER_1G);
	assert_unmapped(~0ULL, P2M_ORDER_1G);
}

/* For every type at every order the raw entry has P, RW, US and PS as NPT
 * needs them (RAM/ROM present, RW only for ram_rw, mmio/pod absent), is
 * write-back with NX clear, carries the type, and get_entry reports no mfn
 * for types without backing. */
static void p2m_raw_entries_carry_the_type_and_its_present_and_rw_bits(void **state)
{
	u64 gfn = 2 * N1G, mfn = MFN_BASE + 7 * N1G;
	unsigned int i, level;
	enum p2m_type t;

	for (i = 0; i < ARRAY_SIZE(orders); i++) {
		unsigned int o = orders[i];
		u64 last = (1ULL << o) - 1;

		for (t = p2m_ram_rw; t < p2m_nr_types; t++) {
			bool backed = t == p2m_ram_rw || t == p2m_ram_ro ||
				      t == p2m_rom;
			u64 e;

			assert_int_equal(set(gfn, backed ? mfn : INVALID_MFN.m,
					     o, t), 0);
			e = raw_leaf(gfn, &level);
			assert_int_equal(level, o / 9 + 1);
			assert_int_equal(!!(e & P2M_PTE_P), backed);
			assert_int_equal(!!(e & P2M_PTE_RW), t == p2m_ram_rw);
			assert_int_equal(!!(e & P2M_PTE_US), backed);
			assert_int_equal(!!(e & P2M_PTE_PS), o > 0);
			assert_int_equal(e & (P2M_PTE_PWT | P2M_PTE_PCD |
					      P2M_PTE_NX | P2M_PTE_G),
					 0);
			assert_int_equal(e & P2M_PTE_ADDR,
					 backed ? mfn << PAGE_SHIFT : 0);
			assert_int_equal(p2m_pte_type(e), t);
			assert_entry(gfn + last,
				     backed ? _mfn(mfn + last) : INVALID_MFN, t,
				     o);
			assert_int_equal(p2m_audit(&p2m), 0);
		}
		assert_int_equal(set(gfn, 0, o, p2m_invalid), 0);
		assert_int_equal(raw_leaf(gfn, &level), 0);
	}
	/* Non-leaf entries on the way: P|RW|US and an address only. */
	assert_int_equal(set(gfn, mfn, P2M_ORDER_4K, p2m_rom), 0);
	for (level = P2M_LEVELS; level > 1; level--) {
		u64 e = *entry_at(gfn, level);

		assert_int_equal(e & ~P2M_PTE_ADDR,
				 P2M_PTE_P | P2M_PTE_RW | P2M_PTE_US);
	}
}

/* Mapping a range again with another type moves its frames from one type
 * counter to the other without adding a leaf. */
static void p2m_retyping_a_range_moves_its_frames_between_type_counters(void **state)
{
	assert_int_equal(set(N1G, MFN_BASE, P2M_ORDER_1G, p2m_ram_rw), 0);
	assert_int_equal(set(N1G, MFN_BASE, P2M_ORDER_1G, p2m_rom), 0);
	assert_int_equal(p2m.frames[p2m_ram_rw], 0);
	assert_int_equal(p2m.frames[p2m_rom], N1G);
	assert_int_equal(p2m.leaves[2], 1);
	assert_int_equal(set(N1G, 0, P2M_ORDER_1G, p2m_pod), 0);
	assert_int_equal(p2m.frames[p2m_rom], 0);
	assert_int_equal(p2m.frames[p2m_pod], N1G);
	assert_entry(N1G + 77, INVALID_MFN, p2m_pod, P2M_ORDER_1G);
	assert_int_equal(p2m.frames[p2m_invalid], 0);
}

/* The last 1G and the last 4K below P2M_MAX_GFN can be mapped. */
static void p2m_maps_the_top_of_the_guest_address_space(void **state)
{
	u64 top1g = P2M_MAX_GFN + 1 - N1G;

	assert_int_equal(set(top1g, MFN_BASE, P2M_ORDER_1G, p2m_ram_rw), 0);
	assert_entry(P2M_MAX_GFN, _mfn(MFN_BASE + N1G - 1), p2m_ram_rw,
		     P2M_ORDER_1G);
	assert_int_equal(set(P2M_MAX_GFN, 42, P2M_ORDER_4K, p2m_ram_ro), 0);
	assert_entry(P2M_MAX_GFN, _mfn(42), p2m_ram_ro, P2M_ORDER_4K);
	assert_entry(P2M_MAX_GFN - 1, _mfn(MFN_BASE + N1G - 2), p2m_ram_rw,
		     P2M_ORDER_4K);
	assert_entry(top1g, _mfn(MFN_BASE), p2m_ram_rw, P2M_ORDER_2M);
}

/* Mapping one 4K frame inside a 1G page splits it into 2M pages and one of
 * those into 4K pages: every other frame of the 1G keeps its mfn and type
 * (checked for all 2^18 of them), A/D bits are inherited, and the
 * counters say 511 2M + 512 4K leaves after two splits. */
static void p2m_split_of_1g_into_2m_and_4k_keeps_every_other_mapping(void **state)
{
	u64 gfn = 5 * N1G, mfn = MFN_BASE + 3 * N1G;
	u64 hit = gfn + 7 * N2M + 300;
	unsigned int level;
	u64 i;

	assert_int_equal(set(gfn, mfn, P2M_ORDER_1G, p2m_ram_rw), 0);
	*entry_at(gfn, 3) |= P2M_PTE_A | P2M_PTE_D; /* as the CPU would */
	assert_int_equal(p2m.table_pages, 2);
	assert_int_equal(set(hit, 99, P2M_ORDER_4K, p2m_ram_ro), 0);

	assert_int_equal(p2m.splits, 2);
	assert_int_equal(p2m.table_pages, 4);
	assert_int_equal(p2m.leaves[2], 0);
	assert_int_equal(p2m.leaves[1], 511);
	assert_int_equal(p2m.leaves[0], 512);
	assert_int_equal(p2m.frames[p2m_ram_rw], N1G - 1);
	assert_int_equal(p2m.frames[p2m_ram_ro], 1);
	for (i = 0; i < N1G; i++) {
		u64 g = gfn + i;
		bool small = g >> P2M_ORDER_2M == hit >> P2M_ORDER_2M;

		if (g == hit)
			assert_entry(g, _mfn(99), p2m_ram_ro, P2M_ORDER_4K);
		else
			assert_entry(g, _mfn(mfn + i), p2m_ram_rw,
				     small ? P2M_ORDER_4K : P2M_ORDER_2M);
	}
	assert_int_equal(raw_leaf(gfn, &level) & (P2M_PTE_A | P2M_PTE_D),
			 P2M_PTE_A | P2M_PTE_D);
	assert_int_equal(level, 2);
	assert_int_equal(raw_leaf(hit + 1, &level) & (P2M_PTE_A | P2M_PTE_D),
			 P2M_PTE_A | P2M_PTE_D);
	assert_int_equal(level, 1);
	assert_int_equal(p2m_audit(&p2m), 0);
}

/* Splitting an absent (populate-on-demand) 1G page keeps every other frame
 * populate-on-demand, without an mfn, at the smaller orders. */
static void p2m_split_of_an_absent_superpage_keeps_its_type(void **state)
{
	u64 gfn = N1G, hit = gfn + 3 * N2M + 1;
	u64 i;

	assert_int_equal(set(gfn, INVALID_MFN.m, P2M_ORDER_1G, p2m_pod), 0);
	assert_int_equal(set(hit, MFN_BASE, P2M_ORDER_4K, p2m_ram_rw), 0);
	assert_int_equal(p2m.splits, 2);
	assert_int_equal(p2m.frames[p2m_pod], N1G - 1);
	for (i = 0; i < N1G; i += 97)
		if (gfn + i != hit)
			assert_entry(gfn + i, INVALID_MFN, p2m_pod,
				     (gfn + i) / N2M == hit / N2M ?
					     P2M_ORDER_4K :
					     P2M_ORDER_2M);
	assert_entry(hit - 1, INVALID_MFN, p2m_pod, P2M_ORDER_4K);
	assert_entry(hit, _mfn(MFN_BASE), p2m_ram_rw, P2M_ORDER_4K);
	assert_entry(hit + 1, INVALID_MFN, p2m_pod, P2M_ORDER_4K);
}

/* Clearing 4K inside a 2M page splits it and leaves 511 frames mapped;
 * clearing a range that is already empty allocates nothing. */
static void p2m_clearing_part_of_a_superpage_splits_it(void **state)
{
	u64 gfn = 9 * N2M, mfn = MFN_BASE + N2M;

	assert_int_equal(set(gfn, mfn, P2M_ORDER_2M, p2m_rom), 0);
	assert_int_equal(set(gfn + 10, 0, P2M_ORDER_4K, p2m_invalid), 0);
	assert_int_equal(p2m.splits, 1);
	assert_int_equal(p2m.leaves[1], 0);
	assert_int_equal(p2m.leaves[0], 511);
	assert_int_equal(p2m.frames[p2m_rom], 511);
	assert_unmapped(gfn + 10, P2M_ORDER_4K);
	assert_entry(gfn + 11, _mfn(mfn + 11), p2m_rom, P2M_ORDER_4K);

	snap_take(&snap_before);
	assert_int_equal(set(7 * N1G, 0, P2M_ORDER_4K, p2m_invalid), 0);
	assert_int_equal(set(gfn + 3 * N2M, 0, P2M_ORDER_2M, p2m_invalid), 0);
	assert_int_equal(set(gfn + 10, 0, P2M_ORDER_4K, p2m_invalid), 0);
	snap_take(&snap_after);
	assert_snap_equal(&snap_before, &snap_after);
}

/* A 2M or 1G entry written over a range of smaller entries frees their
 * tables: table_pages and the arena's free frames come back down. */
static void p2m_superpage_over_smaller_entries_frees_their_tables(void **state)
{
	u64 gfn = 2 * N1G;
	u64 free0 = machine_frames.free_frames;
	unsigned int i;

	/* 4K entries in 8 different 2M slots of one 1G: PDPT + PD + 8 PTs. */
	for (i = 0; i < 8; i++)
		assert_int_equal(set(gfn + i * 37 * N2M + i, MFN_BASE + i,
				     P2M_ORDER_4K, p2m_ram_rw), 0);
	assert_int_equal(set(gfn + 37 * N2M, 0, P2M_ORDER_2M, p2m_mmio), 0);
	assert_int_equal(set(gfn + 5 * N2M, MFN_BASE, P2M_ORDER_2M, p2m_rom), 0);
	assert_int_equal(p2m.table_pages, 1 + 1 + 1 + 7);
	assert_int_equal(machine_frames.free_frames, free0 - 9);
	assert_int_equal(p2m.leaves[0], 7);
	assert_int_equal(p2m.leaves[1], 2);

	/* 2M over one PT. */
	assert_int_equal(set(gfn + 2 * 37 * N2M, MFN_BASE, P2M_ORDER_2M,
			     p2m_ram_rw), 0);
	assert_int_equal(p2m.table_pages, 1 + 1 + 1 + 6);
	assert_int_equal(machine_frames.free_frames, free0 - 8);
	assert_int_equal(p2m_audit(&p2m), 0);

	/* 1G over the PD and its PTs. */
	assert_int_equal(set(gfn, MFN_BASE, P2M_ORDER_1G, p2m_ram_ro), 0);
	assert_int_equal(p2m.table_pages, 2);
	assert_int_equal(machine_frames.free_frames, free0 - 1);
	assert_int_equal(p2m.leaves[0], 0);
	assert_int_equal(p2m.leaves[1], 0);
	assert_int_equal(p2m.leaves[2], 1);
	assert_int_equal(p2m.frames[p2m_ram_rw], 0);
	assert_int_equal(p2m.frames[p2m_mmio], 0);
	assert_int_equal(p2m.frames[p2m_rom], 0);
	assert_int_equal(p2m.frames[p2m_ram_ro], N1G);
	assert_entry(gfn + 37 * N2M + 1, _mfn(MFN_BASE + 37 * N2M + 1),
		     p2m_ram_ro, P2M_ORDER_1G);

	/* Clearing the 1G (order 1G) leaves the PDPT, frees nothing else. */
	assert_int_equal(set(gfn, 0, P2M_ORDER_1G, p2m_invalid), 0);
	assert_int_equal(p2m.table_pages, 2);
	assert_int_equal(p2m.frames[p2m_ram_ro], 0);
}

/* With no free frame at all, every change that needs a table fails with
 * -SH_ENOMEM and leaves the map byte-identical; changes that need no table
 * still work. */
static void p2m_set_entry_out_of_frames_fails_and_changes_nothing(void **state)
{
	u64 big = 4 * N1G;
	size_t n;

	assert_int_equal(set(big, MFN_BASE, P2M_ORDER_1G, p2m_ram_rw), 0);
	assert_int_equal(set(N2M, MFN_BASE, P2M_ORDER_2M, p2m_ram_rw), 0);
	snap_take(&snap_before);
	n = hoard_all();

	/* A new 1G slot in a new PML4E: PDPT, PD and PT. */
	assert_int_equal(set(600 * N1G + 5, 1, P2M_ORDER_4K, p2m_ram_rw),
			 -SH_ENOMEM);
	/* A new 1G slot under the existing PDPT: PD and PT. */
	assert_int_equal(set(2 * N1G + 1, 1, P2M_ORDER_4K, p2m_mmio),
			 -SH_ENOMEM);
	/* A new 2M slot under an existing PD: a PT. */
	assert_int_equal(set(6 * N2M + 1, 1, P2M_ORDER_4K, p2m_ram_rw),
			 -SH_ENOMEM);
	/* Splits of the 1G (to 2M, and to 4K) and of the 2M. */
	assert_int_equal(set(big + N2M, 0, P2M_ORDER_2M, p2m_pod), -SH_ENOMEM);
	assert_int_equal(set(big + 1, 1, P2M_ORDER_4K, p2m_rom), -SH_ENOMEM);
	assert_int_equal(set(N2M + 1, 1, P2M_ORDER_4K, p2m_rom), -SH_ENOMEM);
	/* Clearing part of a superpage needs a split too. */
	assert_int_equal(set(big + N2M, 0, P2M_ORDER_2M, p2m_invalid),
			 -SH_ENOMEM);
	assert_int_equal(set(N2M + 3, 0, P2M_ORDER_4K, p2m_invalid),
			 -SH_ENOMEM);
	snap_take(&snap_after);
	assert_snap_equal(&snap_before, &snap_after);
	assert_int_equal(machine_frames.free_frames, 0);
	assert_int_equal(p2m_audit(&p2m), 0);

	/* No table needed: replacing, retyping and clearing whole entries. */
	assert_int_equal(set(big, MFN_BASE, P2M_ORDER_1G, p2m_ram_ro), 0);
	assert_int_equal(set(N2M, 0, P2M_ORDER_2M, p2m_invalid), 0);
	assert_int_equal(set(700 * N1G, 0, P2M_ORDER_4K, p2m_invalid), 0);
	assert_entry(big + 3, _mfn(MFN_BASE + 3), p2m_ram_ro, P2M_ORDER_1G);
	assert_int_equal(p2m.frames[p2m_ram_rw], 0);
	unhoard(0, n);
}

/* A change that needs two tables when only one frame is free fails, gives
 * that frame back, and leaves the map unchanged; with two it succeeds. */
static void p2m_set_entry_short_of_one_table_fails_and_returns_the_other(void **state)
{
	u64 big = 4 * N1G;
	size_t n;

	assert_int_equal(set(big, MFN_BASE, P2M_ORDER_1G, p2m_ram_rw), 0);
	snap_take(&snap_before);
	n = hoard_all();
	unhoard(n - 1, n);
	assert_int_equal(machine_frames.free_frames, 1);

	assert_int_equal(set(big + N2M + 1, 1, P2M_ORDER_4K, p2m_ram_rw),
			 -SH_ENOMEM); /* splits 1G and 2M */
	assert_int_equal(set(3 * N1G + 1, 1, P2M_ORDER_4K, p2m_ram_rw),
			 -SH_ENOMEM); /* new PD and PT */
	assert_int_equal(machine_frames.free_frames, 1);
	snap_take(&snap_after);
	assert_snap_equal(&snap_before, &snap_after);

	unhoard(n - 2, n - 1);
	assert_int_equal(set(big + N2M + 1, 1, P2M_ORDER_4K, p2m_ram_rw), 0);
	assert_int_equal(machine_frames.free_frames, 0);
	assert_int_equal(p2m.splits, 2);
	assert_entry(big + N2M + 1, _mfn(1), p2m_ram_rw, P2M_ORDER_4K);
	assert_entry(big + N2M + 2, _mfn(MFN_BASE + N2M + 2), p2m_ram_rw,
		     P2M_ORDER_4K);
	unhoard(0, n - 2);
}

/* Bad orders, misaligned gfns or mfns, ranges past P2M_MAX_GFN or past
 * the 52-bit mfn space, unknown types and missing mfns for RAM are all
 * refused with -SH_EINVAL and change nothing; the mfn of a type without
 * backing is ignored. */
static void p2m_set_entry_refuses_bad_arguments(void **state)
{
	static const unsigned int bad_orders[] = { 1, 8, 10, 17, 19, 27, 64,
						   ~0u };
	u64 max_mfn = (1ULL << 40) - 1;
	unsigned int i;

	assert_int_equal(set(N1G, MFN_BASE, P2M_ORDER_2M, p2m_ram_rw), 0);
	snap_take(&snap_before);
	for (i = 0; i < ARRAY_SIZE(bad_orders); i++)
		assert_int_equal(set(0, 0, bad_orders[i], p2m_ram_rw),
				 -SH_EINVAL);
	assert_int_equal(set(1, 0, P2M_ORDER_2M, p2m_ram_rw), -SH_EINVAL);
	assert_int_equal(set(N2M, 0, P2M_ORDER_1G, p2m_pod), -SH_EINVAL);
	assert_int_equal(set(N2M, 1, P2M_ORDER_2M, p2m_ram_rw), -SH_EINVAL);
	assert_int_equal(set(N1G, N2M, P2M_ORDER_1G, p2m_rom), -SH_EINVAL);
	assert_int_equal(set(P2M_MAX_GFN + 1, 0, P2M_ORDER_4K, p2m_ram_rw),
			 -SH_EINVAL);
	assert_int_equal(set(P2M_MAX_GFN + 1, 0, P2M_ORDER_1G, p2m_mmio),
			 -SH_EINVAL);
	assert_int_equal(set(~0ULL << 18, 0, P2M_ORDER_1G, p2m_invalid),
			 -SH_EINVAL);
	assert_int_equal(set(0, 0, P2M_ORDER_4K, p2m_nr_types), -SH_EINVAL);
	assert_int_equal(set(0, 0, P2M_ORDER_4K, (enum p2m_type)-1),
			 -SH_EINVAL);
	assert_int_equal(set(0, INVALID_MFN.m, P2M_ORDER_4K, p2m_ram_rw),
			 -SH_EINVAL);
	assert_int_equal(set(0, INVALID_MFN.m, P2M_ORDER_4K, p2m_ram_ro),
			 -SH_EINVAL);
	assert_int_equal(set(0, max_mfn + 1, P2M_ORDER_4K, p2m_rom),
			 -SH_EINVAL);
	assert_int_equal(set(0, max_mfn + 1, P2M_ORDER_2M, p2m_ram_rw),
			 -SH_EINVAL);
	snap_take(&snap_after);
	assert_snap_equal(&snap_before, &snap_after);

	/* The largest mfns fit; the mfn of mmio/pod/invalid is ignored. */
	assert_int_equal(set(0, max_mfn, P2M_ORDER_4K, p2m_ram_rw), 0);
	assert_entry(0, _mfn(max_mfn), p2m_ram_rw, P2M_ORDER_4K);
	assert_int_equal(set(N1G, max_mfn + 1 - N1G, P2M_ORDER_1G, p2m_rom), 0);
	assert_entry(2 * N1G - 1, _mfn(max_mfn), p2m_rom, P2M_ORDER_1G);
	assert_int_equal(set(N2M, 12345, P2M_ORDER_2M, p2m_mmio), 0);
	assert_entry(N2M + 1, INVALID_MFN, p2m_mmio, P2M_ORDER_2M);
	assert_int_equal(raw_leaf(N2M, &i) & P2M_PTE_ADDR, 0);
	assert_int_equal(set(N2M, 777, P2M_ORDER_2M, p2m_invalid), 0);
}

/* xorshift64: a fixed sequence on every host. */
static u64 rng_next(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* The reference model of the random test: a flat array over a 4 GiB
 * window of gfns, the mfn (INVALID_MFN without backing) and the type. */
#define WIN_FRAMES (4 * N1G)

struct model {
	u64 *mfn;
	u8 *type;
	u64 frames[p2m_nr_types]; /* frames of each type in the window */
};

static void model_set(struct model *m, u64 gfn, u64 mfn, unsigned int order,
		      enum p2m_type t)
{
	bool backed = t == p2m_ram_rw || t == p2m_ram_ro || t == p2m_rom;
	u64 i;

	for (i = 0; i < 1ULL << order; i++) {
		m->frames[m->type[gfn + i]]--;
		m->frames[t]++;
		m->type[gfn + i] = t;
		m->mfn[gfn + i] = backed ? mfn + i : INVALID_MFN.m;
	}
}

static void model_check(const struct model *m, u64 gfn)
{
	struct p2m_entry e = p2m_get_entry(&p2m, _gfn(gfn));

	if (e.type != m->type[gfn] || mfn_x(e.mfn) != m->mfn[gfn])
		print_error("gfn 0x%llx: %s 0x%llx, model %s 0x%llx\n",
			    (unsigned long long)gfn, p2m_type_name(e.type),
			    (unsigned long long)mfn_x(e.mfn),
			    p2m_type_name(m->type[gfn]),
			    (unsigned long long)m->mfn[gfn]);
	assert_int_equal(e.type, m->type[gfn]);
	assert_int_equal(mfn_x(e.mfn), m->mfn[gfn]);
	assert_true(e.order == P2M_ORDER_4K || e.order == P2M_ORDER_2M ||
		    e.order == P2M_ORDER_1G);
}

static int count_frames(gfn_t gfn, mfn_t mfn, unsigned int order,
			enum p2m_type t, void *arg)
{
	u64 *frames = arg;

	frames[t] += 1ULL << order;
	return 0;
}

/* A seeded random sequence of set_entry calls (all orders and types,
 * 4K ones bunched into 64 hot 2M slots so tables get shared, split and
 * replaced) agrees with the reference model after every step, by sampling
 * and by per-type frame counts, passes the audit after every step, and
 * agrees with it on every gfn of the window at the end. */
static void p2m_random_sequence_matches_a_reference_model_and_passes_audit(void **state)
{
	struct model m = { 0 };
	u64 seed = 0x5a1e5a1e9e3779b9ULL;
	u64 walked[p2m_nr_types] = { 0 };
	unsigned int step, k, t;
	u64 g;

	m.mfn = malloc(WIN_FRAMES * sizeof(*m.mfn));
	m.type = calloc(WIN_FRAMES, 1);
	assert_non_null(m.mfn);
	assert_non_null(m.type);
	for (g = 0; g < WIN_FRAMES; g++)
		m.mfn[g] = INVALID_MFN.m;
	m.frames[p2m_invalid] = WIN_FRAMES;

	for (step = 0; step < 1500; step++) {
		u64 r = rng_next(&seed);
		unsigned int pick = r % 10;
		unsigned int o = pick < 6 ? P2M_ORDER_4K :
				 pick < 9 ? P2M_ORDER_2M : P2M_ORDER_1G;
		enum p2m_type ty = (enum p2m_type)((r >> 8) % p2m_nr_types);
		u64 mfn = (rng_next(&seed) % (1ULL << 28)) & ~((1ULL << o) - 1);
		u64 gfn;

		if (o == P2M_ORDER_4K)
			gfn = ((rng_next(&seed) % 64) * 31 % (WIN_FRAMES / N2M)) *
				      N2M + rng_next(&seed) % N2M;
		else
			gfn = (rng_next(&seed) % WIN_FRAMES) & ~((1ULL << o) - 1);

		assert_int_equal(set(gfn, mfn, o, ty), 0);
		model_set(&m, gfn, mfn, o, ty);
		assert_int_equal(p2m_audit(&p2m), 0);
		model_check(&m, gfn);
		model_check(&m, gfn + (1ULL << o) / 2);
		model_check(&m, gfn + (1ULL << o) - 1);
		for (k = 0; k < 32; k++)
			model_check(&m, rng_next(&seed) % WIN_FRAMES);
		for (t = p2m_ram_rw; t < p2m_nr_types; t++)
			assert_int_equal(p2m.frames[t], m.frames[t]);
	}
	for (g = 0; g < WIN_FRAMES; g++)
		model_check(&m, g);
	assert_int_equal(p2m_for_each(&p2m, count_frames, walked), 0);
	for (t = p2m_ram_rw; t < p2m_nr_types; t++)
		assert_int_equal(walked[t], m.frames[t]);
	free(m.mfn);
	free(m.type);
}

/* One corruption of a raw entry and the audit message it must cause. */
struct corruption {
	const char *why;
	u64 gfn;
	unsigned int level;
	u64 clear, set;
};

/* Each kind of bad entry (missing US, RW or P against the type, unknown
 * or invalid type, misaligned superpage, reserved/memory-type/NX bits, an
 * absent leaf with extra bits, a leaf in the root, and tables that point
 * outside memory, at a free frame or at a table of another level) makes
 * the audit fail with a message; restoring the entry makes it pass. */
static void p2m_audit_reports_each_kind_of_corrupted_entry(void **state)
{
	u64 a = N1G, b = 2 * N1G + N2M, c = 3 * N1G + 5, d = 3 * N1G + 6,
	    e = 3 * N1G + 2 * N2M;
	mfn_t free_mfn;
	u64 pdpt_addr;
	unsigned int i;

	assert_int_equal(set(a, MFN_BASE, P2M_ORDER_1G, p2m_ram_rw), 0);
	assert_int_equal(set(b, MFN_BASE + N2M, P2M_ORDER_2M, p2m_ram_ro), 0);
	assert_int_equal(set(c, MFN_BASE + 5, P2M_ORDER_4K, p2m_rom), 0);
	assert_int_equal(set(d, 0, P2M_ORDER_4K, p2m_mmio), 0);
	assert_int_equal(set(e, 0, P2M_ORDER_2M, p2m_pod), 0);
	assert_int_equal(p2m_audit(&p2m), 0);
	pdpt_addr = *entry_at(0, 4) & P2M_PTE_ADDR;
	free_mfn = alloc_frames(0); /* a frame that is free, not a table */
	free_frames(free_mfn, 0);

	{
		struct corruption cases[] = {
			{ "present leaf without US", c, 1, P2M_PTE_US, 0 },
			{ "RW bit does not match", b, 2, 0, P2M_PTE_RW },
			{ "RW bit does not match", a, 3, P2M_PTE_RW, 0 },
			{ "not present", a, 3, P2M_PTE_P, 0 },
			{ "unknown type", c, 1, 0, 7ULL << P2M_PTE_TYPE_SHIFT },
			{ "type invalid", c, 1, P2M_PTE_TYPE, 0 },
			{ "not aligned", b, 2, 0, 1ULL << 13 },
			{ "not aligned", a, 3, 0, N2M << PAGE_SHIFT },
			{ "reserved", c, 1, 0, P2M_PTE_NX },
			{ "reserved", b, 2, 0, P2M_PTE_PCD },
			{ "reserved", c, 1, 0, P2M_PTE_G },
			{ "reserved", c, 1, 0, 1ULL << 56 },
			{ "PS bit", c, 1, 0, P2M_PTE_PS },
			{ "mmio/pod leaf", d, 1, 0, P2M_PTE_P | P2M_PTE_US },
			{ "mmio/pod leaf", e, 2, 0, 1ULL << 30 },
			{ "mmio/pod leaf", e, 2, P2M_PTE_PS, 0 },
			{ "leaf in the root", 100 * N1G * 512, 4, 0,
			  (u64)p2m_mmio << P2M_PTE_TYPE_SHIFT },
			{ "table entry without US", c, 2, P2M_PTE_US, 0 },
			{ "table entry without RW", c, 3, P2M_PTE_RW, 0 },
			{ "reserved or unused bit set in a table", c, 4, 0,
			  P2M_PTE_NX },
			{ "reserved or unused bit set in a table", c, 3, 0,
			  1ULL << 52 },
			{ "outside machine memory", c, 2, P2M_PTE_ADDR,
			  (u64)(ARENA_BASE - 1) << PAGE_SHIFT },
			{ "not an allocated frame", c, 2, P2M_PTE_ADDR,
			  mfn_x(free_mfn) << PAGE_SHIFT },
			{ "not a p2m table of its level", c, 2, P2M_PTE_ADDR,
			  pdpt_addr },
		};

		for (i = 0; i < ARRAY_SIZE(cases); i++) {
			u64 *pe = entry_at(cases[i].gfn, cases[i].level);
			u64 old = *pe;

			*pe = (old & ~cases[i].clear) | cases[i].set;
			unit_console_reset();
			assert_int_equal(p2m_audit(&p2m), -SH_EINVAL);
			if (!strstr(unit_console(), "p2m audit: ") ||
			    !strstr(unit_console(), cases[i].why))
				print_error("case %u: want \"%s\", got %s", i,
					    cases[i].why, unit_console());
			assert_non_null(strstr(unit_console(), cases[i].why));
			*pe = old;
			assert_int_equal(p2m_audit(&p2m), 0);
		}
	}
}

/* Counters that disagree with the table (and a table linked twice, which
 * the recount sees as an extra page) make the audit fail. */
static void p2m_audit_reports_counters_that_disagree_with_the_table(void **state)
{
	u64 *pe;
	u64 old;

	assert_int_equal(set(7, MFN_BASE, P2M_ORDER_4K, p2m_ram_rw), 0);
	assert_int_equal(set(N1G, MFN_BASE, P2M_ORDER_1G, p2m_rom), 0);

	p2m.leaves[0]++;
	unit_console_reset();
	assert_int_equal(p2m_audit(&p2m), -SH_EINVAL);
	assert_non_null(strstr(unit_console(), "p2m audit: leaves[0]"));
	p2m.leaves[0]--;

	p2m.frames[p2m_rom]--;
	unit_console_reset();
	assert_int_equal(p2m_audit(&p2m), -SH_EINVAL);
	assert_non_null(strstr(unit_console(), "p2m audit: frames[3]"));
	p2m.frames[p2m_rom]++;

	p2m.table_pages++;
	unit_console_reset();
	assert_int_equal(p2m_audit(&p2m), -SH_EINVAL);
	assert_non_null(strstr(unit_console(), "p2m audit: table_pages"));
	p2m.table_pages--;

	/* The PD of slot 0 linked a second time from slot 2. */
	pe = entry_at(2 * N1G, 3);
	old = *pe;
	*pe = *entry_at(0, 3);
	unit_console_reset();
	assert_int_equal(p2m_audit(&p2m), -SH_EINVAL);
	assert_non_null(strstr(unit_console(), "table_pages"));
	*pe = old;
	assert_int_equal(p2m_audit(&p2m), 0);
}

/* fini on a map with tables at every level, split superpages and all
 * types returns every table page to the frame allocator. */
static void p2m_fini_returns_every_table_page(void **state)
{
	unsigned int i;

	for (i = 0; i < 40; i++)
		assert_int_equal(set((u64)i * 77 * N1G + i * N2M + i,
				     MFN_BASE + i, P2M_ORDER_4K,
				     (enum p2m_type)(1 + i % 5)), 0);
	assert_int_equal(set(N1G, MFN_BASE, P2M_ORDER_1G, p2m_ram_rw), 0);
	assert_int_equal(set(N1G + 3, 0, P2M_ORDER_4K, p2m_invalid), 0);
	assert_true(p2m.table_pages > 40);
	assert_int_equal(machine_frames.free_frames,
			 ARENA_FRAMES - p2m.table_pages);
	p2m_fini(&p2m);
	assert_int_equal(p2m.table_pages, 0);
	assert_int_equal(machine_frames.free_frames, ARENA_FRAMES);
	assert_int_equal(buddy_audit(&machine_frames), 0);
	p2m_fini(&p2m); /* twice is harmless */
}

struct visit {
	u64 gfn, mfn;
	unsigned int order;
	enum p2m_type t;
};

struct visits {
	struct visit v[16];
	unsigned int n, stop_at;
};

static int record(gfn_t gfn, mfn_t mfn, unsigned int order, enum p2m_type t,
		  void *arg)
{
	struct visits *vs = arg;

	assert_true(vs->n < ARRAY_SIZE(vs->v));
	vs->v[vs->n++] = (struct visit){ gfn_x(gfn), mfn_x(mfn), order, t };
	return vs->n == vs->stop_at ? 42 : 0;
}

/* Entries set in scrambled order come back in gfn order, one call per
 * entry with its first gfn, mfn (none for mmio/pod), order and type. */
static void p2m_for_each_visits_entries_in_gfn_order(void **state)
{
	static const struct visit want[] = {
		{ 3, MFN_BASE + 3, P2M_ORDER_4K, p2m_ram_rw },
		{ N2M, ~0ULL, P2M_ORDER_2M, p2m_mmio },
		{ N1G, MFN_BASE, P2M_ORDER_1G, p2m_rom },
		{ 511 * N1G, ~0ULL, P2M_ORDER_4K, p2m_pod },
		{ 512 * N1G, MFN_BASE + N2M, P2M_ORDER_2M, p2m_ram_ro },
		{ P2M_MAX_GFN, 5, P2M_ORDER_4K, p2m_ram_rw },
	};
	static const unsigned int scramble[] = { 4, 1, 5, 0, 3, 2 };
	struct visits vs = { .n = 0, .stop_at = 0 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(scramble); i++) {
		const struct visit *w = &want[scramble[i]];

		assert_int_equal(set(w->gfn, w->mfn, w->order, w->t), 0);
	}
	assert_int_equal(p2m_for_each(&p2m, record, &vs), 0);
	assert_int_equal(vs.n, ARRAY_SIZE(want));
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		assert_int_equal(vs.v[i].gfn, want[i].gfn);
		assert_int_equal(vs.v[i].mfn, want[i].mfn);
		assert_int_equal(vs.v[i].order, want[i].order);
		assert_int_equal(vs.v[i].t, want[i].t);
	}
}

/* A non-zero return from the callback stops the walk at once and is what
 * p2m_for_each returns; an empty map makes no call. */
static void p2m_for_each_stops_when_the_callback_returns_non_zero(void **state)
{
	struct visits vs = { .n = 0, .stop_at = 3 };
	unsigned int i;

	assert_int_equal(p2m_for_each(&p2m, record, &vs), 0);
	assert_int_equal(vs.n, 0);
	for (i = 0; i < 6; i++)
		assert_int_equal(set((u64)i * N2M, MFN_BASE, P2M_ORDER_2M,
				     p2m_ram_rw), 0);
	assert_int_equal(p2m_for_each(&p2m, record, &vs), 42);
	assert_int_equal(vs.n, 3);
	assert_int_equal(vs.v[2].gfn, 2 * N2M);
}

/* Every type has its own name; anything else is "unknown". */
static void p2m_type_name_names_every_type(void **state)
{
	assert_string_equal(p2m_type_name(p2m_invalid), "invalid");
	assert_string_equal(p2m_type_name(p2m_ram_rw), "ram_rw");
	assert_string_equal(p2m_type_name(p2m_ram_ro), "ram_ro");
	assert_string_equal(p2m_type_name(p2m_rom), "rom");
	assert_string_equal(p2m_type_name(p2m_mmio), "mmio");
	assert_string_equal(p2m_type_name(p2m_pod), "pod");
	assert_string_equal(p2m_type_name(p2m_nr_types), "unknown");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(p2m_init_allocates_one_empty_root_and_fini_returns_it),
		T(p2m_maps_and_unmaps_at_every_order),
		T(p2m_get_entry_of_an_unmapped_gfn_gives_the_order_of_the_empty_level),
		T(p2m_raw_entries_carry_the_type_and_its_present_and_rw_bits),
		T(p2m_retyping_a_range_moves_its_frames_between_type_counters),
		T(p2m_maps_the_top_of_the_guest_address_space),
		T(p2m_split_of_1g_into_2m_and_4k_keeps_every_other_mapping),
		T(p2m_split_of_an_absent_superpage_keeps_its_type),
		T(p2m_clearing_part_of_a_superpage_splits_it),
		T(p2m_superpage_over_smaller_entries_frees_their_tables),
		T(p2m_set_entry_out_of_frames_fails_and_changes_nothing),
		T(p2m_set_entry_short_of_one_table_fails_and_returns_the_other),
		T(p2m_set_entry_refuses_bad_arguments),
		T(p2m_random_sequence_matches_a_reference_model_and_passes_audit),
		T(p2m_audit_reports_each_kind_of_corrupted_entry),
		T(p2m_audit_reports_counters_that_disagree_with_the_table),
		T(p2m_fini_returns_every_table_page),
		T(p2m_for_each_visits_entries_in_gfn_order),
		T(p2m_for_each_stops_when_the_callback_returns_non_zero),
		T(p2m_type_name_names_every_type),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
