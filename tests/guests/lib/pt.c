/* SPDX-License-Identifier: MIT */
/* Page-table builders for the three x86 paging formats: 2-level, PAE and
 * 4-level. Runs: guest (test kernel). */
#include <stdbool.h>
#include <stddef.h>

#include "pt.h"
#include "string.h"

#define PT_POOL_PAGES	96
#define PT_ADDR_MASK	0x000ffffffffff000ull	/* table/frame address */

static uint8_t pt_pool[PT_POOL_PAGES][4096] __attribute__((aligned(4096)));
static int pt_pool_used;

/* One level of a format: the linear-address bit its index starts at and
 * how many bits the index has. levels[0] is the root. */
struct pt_format {
	int nlevels;
	int entry_size;		/* 4 or 8 bytes */
	struct {
		int shift, bits;
	} levels[4];
};

static const struct pt_format pt_formats[] = {
	[PT_2LEVEL] = { 2, 4, { { 22, 10 }, { 12, 10 } } },
	[PT_PAE] = { 3, 8, { { 30, 2 }, { 21, 9 }, { 12, 9 } } },
	[PT_4LEVEL] = { 4, 8, { { 39, 9 }, { 30, 9 }, { 21, 9 }, { 12, 9 } } },
};

static uint32_t pt_alloc(void)
{
	if (pt_pool_used == PT_POOL_PAGES)
		return 0;
	memset(pt_pool[pt_pool_used], 0, 4096);
	return (uint32_t)pt_pool[pt_pool_used++];
}

void pt_reset(void)
{
	pt_pool_used = 0;
}

int pt_init(struct pt *pt, enum pt_mode mode)
{
	pt->mode = mode;
	pt->root = pt_alloc();
	return pt->root ? 0 : -1;
}

static uint64_t pt_read(const struct pt_format *f, uint32_t table, int i)
{
	if (f->entry_size == 4)
		return ((volatile uint32_t *)table)[i];
	return ((volatile uint64_t *)table)[i];
}

static void pt_write(const struct pt_format *f, uint32_t table, int i,
		     uint64_t e)
{
	if (f->entry_size == 4)
		((volatile uint32_t *)table)[i] = (uint32_t)e;
	else
		((volatile uint64_t *)table)[i] = e;
}

static int pt_index(const struct pt_format *f, int level, uint32_t va)
{
	int shift = f->levels[level].shift;

	if (shift >= 32)
		return 0;	/* the PML4 index of a 32-bit address */
	return (va >> shift) & ((1u << f->levels[level].bits) - 1);
}

/* The level of f whose entries cover span bytes, or -1. */
static int pt_level_of(const struct pt_format *f, uint64_t span)
{
	for (int l = 0; l < f->nlevels; l++)
		if (1ull << f->levels[l].shift == span)
			return l;
	return -1;
}

/* Flags for a table entry pointing at a lower table. */
static uint64_t pt_table_flags(const struct pt *pt, int level)
{
	if (pt->mode == PT_PAE && level == 0)
		return PT_P;	/* PDPTE: bits 1, 2 and 5-8 are reserved */
	return PT_P | PT_W | PT_U;
}

/*
 * Walks to the table holding va's entry at level `target`; creates
 * missing tables if create. Returns the table's address, or 0 if a table
 * is missing (and !create), a large page is in the way, or the pool is
 * exhausted.
 */
static uint32_t pt_walk(const struct pt *pt, uint32_t va, int target,
			bool create)
{
	const struct pt_format *f = &pt_formats[pt->mode];
	uint32_t table = pt->root;

	for (int l = 0; l < target; l++) {
		int i = pt_index(f, l, va);
		uint64_t e = pt_read(f, table, i);

		if (!(e & PT_P)) {
			uint32_t next;

			if (!create || !(next = pt_alloc()))
				return 0;
			e = next | pt_table_flags(pt, l);
			pt_write(f, table, i, e);
		} else if (e & PT_PS) {
			return 0;	/* a large page maps va already */
		}
		table = (uint32_t)(e & PT_ADDR_MASK);
	}
	return table;
}

int pt_map(struct pt *pt, uint32_t va, uint64_t pa, uint64_t size,
	   uint64_t flags)
{
	const struct pt_format *f = &pt_formats[pt->mode];
	int level = pt_level_of(f, size);
	uint32_t table;

	if (level < 0 || (pt->mode == PT_PAE && level == 0) ||
	    (pt->mode == PT_4LEVEL && level == 0))
		return -1;	/* no 1G leaf in PAE, no 512G leaf at all */
	if ((va | pa) & (size - 1))
		return -1;
	if (pt->mode == PT_2LEVEL && (flags & PT_NX || pa >> 32))
		return -1;
	table = pt_walk(pt, va, level, true);
	if (!table)
		return -1;
	if (size > PT_4K)
		flags |= PT_PS;
	pt_write(f, table, pt_index(f, level, va), pa | flags | PT_P);
	return 0;
}

int pt_identity(struct pt *pt, uint32_t end, uint64_t flags)
{
	for (uint32_t a = 0; a < end; a += PT_4K)
		if (pt_map(pt, a, a, PT_4K, flags))
			return -1;
	return 0;
}

uint64_t pt_get(const struct pt *pt, uint32_t va, uint64_t span)
{
	const struct pt_format *f = &pt_formats[pt->mode];
	int level = pt_level_of(f, span);
	uint32_t table;

	if (level < 0 || !(table = pt_walk(pt, va, level, false)))
		return 0;
	return pt_read(f, table, pt_index(f, level, va));
}

int pt_set(const struct pt *pt, uint32_t va, uint64_t span, uint64_t entry)
{
	const struct pt_format *f = &pt_formats[pt->mode];
	int level = pt_level_of(f, span);
	uint32_t table;

	if (level < 0 || !(table = pt_walk(pt, va, level, false)))
		return -1;
	pt_write(f, table, pt_index(f, level, va), entry);
	return 0;
}
