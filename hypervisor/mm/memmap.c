/* SPDX-License-Identifier: MIT */
/*
 * The boot memory map (shale/memmap.h): usable RAM from the boot loader,
 * the ranges inside it that are taken, and the early top-down allocator.
 * Runs: host root mode (boot only) and host unit tests.
 *
 * Everything here comes from the boot loader, so every range is checked:
 * ends that overflow or lie above the 52-bit physical address limit are
 * clipped to it, and empty ranges are dropped. The tables are bounded
 * arrays; nothing is allocated.
 *
 * Usable ranges are kept sorted and disjoint, with gaps between them.
 * Reserved ranges are kept in the order they were added and may overlap;
 * touching or overlapping ranges of the same kind are merged so that runs
 * of early allocations take one entry.
 */
#include <shale/compiler.h>
#include <shale/errno.h>
#include <shale/memmap.h>

/* No x86-64 machine address reaches this (CPUID.80000008h caps it at 52). */
#define MEMMAP_PADDR_LIMIT (1ULL << 52)

void memmap_init(struct memmap *mm)
{
	mm->nr_usable = 0;
	mm->nr_reserved = 0;
}

/* start + len, clipped to MEMMAP_PADDR_LIMIT without overflowing. */
static paddr_t clip_end(paddr_t start, u64 len)
{
	if (start >= MEMMAP_PADDR_LIMIT)
		return MEMMAP_PADDR_LIMIT;
	if (len > MEMMAP_PADDR_LIMIT - start)
		return MEMMAP_PADDR_LIMIT;
	return start + len;
}

/* Ranges above the physical limit are dropped as if smaller than a page:
 * the boot loader cannot mean them, and the caller has nothing to do. */
int memmap_add_usable(struct memmap *mm, paddr_t start, u64 len)
{
	paddr_t s = ALIGN_UP(MIN(start, MEMMAP_PADDR_LIMIT), PAGE_SIZE);
	paddr_t e = ALIGN_DOWN(clip_end(start, len), PAGE_SIZE);
	unsigned int i, first, last;

	if (e <= s)
		return 0;
	/* Ranges [first, last) overlap or touch [s, e); they are contiguous
	 * in the sorted table. */
	for (first = 0; first < mm->nr_usable && mm->usable[first].end < s;)
		first++;
	for (last = first; last < mm->nr_usable && mm->usable[last].start <= e;)
		last++;

	if (first == last) {
		if (mm->nr_usable == MEMMAP_MAX_USABLE)
			return -SH_ENOSPC;
		for (i = mm->nr_usable; i > first; i--)
			mm->usable[i] = mm->usable[i - 1];
		mm->usable[first] = (struct mem_range){ s, e };
		mm->nr_usable++;
		return 0;
	}
	mm->usable[first].start = MIN(s, mm->usable[first].start);
	mm->usable[first].end = MAX(e, mm->usable[last - 1].end);
	for (i = last; i < mm->nr_usable; i++)
		mm->usable[first + 1 + i - last] = mm->usable[i];
	mm->nr_usable -= last - first - 1;
	return 0;
}

static void reserved_remove(struct memmap *mm, unsigned int i)
{
	for (; i + 1 < mm->nr_reserved; i++)
		mm->reserved[i] = mm->reserved[i + 1];
	mm->nr_reserved--;
}

/* A range wholly above the physical limit cannot cover usable RAM, so it
 * is accepted and not stored. */
int memmap_reserve(struct memmap *mm, paddr_t start, paddr_t end,
		   enum mem_kind kind)
{
	paddr_t s, e;
	unsigned int i;

	if (end <= start || (unsigned int)kind >= MEM_KINDS)
		return -SH_EINVAL;
	if (start >= MEMMAP_PADDR_LIMIT)
		return 0;
	s = ALIGN_DOWN(start, PAGE_SIZE);
	e = ALIGN_UP(MIN(end, MEMMAP_PADDR_LIMIT), PAGE_SIZE);

	/* Absorb every same-kind range that overlaps or touches; repeat since
	 * the grown range may reach ranges it did not reach before. */
	for (i = 0; i < mm->nr_reserved;) {
		struct mem_reserved *r = &mm->reserved[i];

		if (r->kind == kind && r->start <= e && s <= r->end) {
			s = MIN(s, r->start);
			e = MAX(e, r->end);
			reserved_remove(mm, i);
			i = 0;
		} else {
			i++;
		}
	}
	if (mm->nr_reserved == MEMMAP_MAX_RESERVED)
		return -SH_ENOSPC;
	mm->reserved[mm->nr_reserved++] = (struct mem_reserved){ s, e, kind };
	return 0;
}

/*
 * From 'pos' (below 'end'), the end of the stretch over which coverage by
 * reserved ranges does not change. *kind is set to the lowest kind covering
 * the stretch, or MEM_KINDS if none does. O(nr_reserved).
 */
static paddr_t segment(const struct memmap *mm, paddr_t pos, paddr_t end,
		       enum mem_kind *kind)
{
	unsigned int i;

	*kind = MEM_KINDS;
	for (i = 0; i < mm->nr_reserved; i++) {
		const struct mem_reserved *r = &mm->reserved[i];

		if (r->start > pos && r->start < end)
			end = r->start;
		if (r->end > pos && r->end < end)
			end = r->end;
		if (r->start <= pos && pos < r->end && r->kind < *kind)
			*kind = r->kind;
	}
	return end;
}

void memmap_for_each_free(const struct memmap *mm,
			  void (*fn)(paddr_t start, paddr_t end, void *arg),
			  void *arg)
{
	unsigned int u;

	for (u = 0; u < mm->nr_usable; u++) {
		paddr_t pos = mm->usable[u].start, end = mm->usable[u].end;
		paddr_t run_start = 0, run_end = 0;

		while (pos < end) {
			enum mem_kind kind;
			paddr_t next = segment(mm, pos, end, &kind);

			if (kind == MEM_KINDS) {
				if (run_end != pos)
					run_start = pos;
				run_end = next;
			} else if (run_end > run_start) {
				fn(run_start, run_end, arg);
				run_start = run_end = 0;
			}
			pos = next;
		}
		if (run_end > run_start)
			fn(run_start, run_end, arg);
	}
}

void memmap_account(const struct memmap *mm, u64 bytes[MEM_KINDS])
{
	unsigned int u, k;

	for (k = 0; k < MEM_KINDS; k++)
		bytes[k] = 0;
	for (u = 0; u < mm->nr_usable; u++) {
		paddr_t pos = mm->usable[u].start, end = mm->usable[u].end;

		while (pos < end) {
			enum mem_kind kind;
			paddr_t next = segment(mm, pos, end, &kind);

			if (kind != MEM_KINDS)
				bytes[kind] += next - pos;
			pos = next;
		}
	}
}

struct alloc_req {
	u64 size, align;
	paddr_t limit;
	paddr_t found; /* highest fit so far, 0: none */
};

/* Free ranges come in ascending order, so any fit replaces the last. */
static void alloc_fit(paddr_t start, paddr_t end, void *arg)
{
	struct alloc_req *req = arg;
	paddr_t top = MIN(end, req->limit), at;

	if (top < start || top - start < req->size)
		return;
	at = ALIGN_DOWN(top - req->size, req->align);
	if (at >= start && at != 0)
		req->found = at;
}

/* Address 0 is never returned, since 0 means failure. 'align' must be a
 * power of two; below a page it is taken as a page. */
paddr_t memmap_alloc(struct memmap *mm, u64 bytes, u64 align, paddr_t limit)
{
	struct alloc_req req;

	if (!bytes || bytes > MEMMAP_PADDR_LIMIT || (align & (align - 1)))
		return 0;
	req.size = ALIGN_UP(bytes, PAGE_SIZE);
	req.align = MAX(align, (u64)PAGE_SIZE);
	req.limit = limit;
	req.found = 0;
	memmap_for_each_free(mm, alloc_fit, &req);
	if (!req.found ||
	    memmap_reserve(mm, req.found, req.found + req.size, MEM_BOOT_ALLOC))
		return 0;
	return req.found;
}

u64 memmap_usable_bytes(const struct memmap *mm)
{
	u64 total = 0;
	unsigned int i;

	for (i = 0; i < mm->nr_usable; i++)
		total += mm->usable[i].end - mm->usable[i].start;
	return total;
}

paddr_t memmap_usable_end(const struct memmap *mm)
{
	return mm->nr_usable ? mm->usable[mm->nr_usable - 1].end : 0;
}

bool memmap_is_usable(const struct memmap *mm, paddr_t start, paddr_t end)
{
	unsigned int i;

	if (end <= start)
		return false;
	for (i = 0; i < mm->nr_usable; i++)
		if (mm->usable[i].start <= start && end <= mm->usable[i].end)
			return true;
	return false;
}
