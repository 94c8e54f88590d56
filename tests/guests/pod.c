/* SPDX-License-Identifier: MIT */
/* pod.elf: checks Shale's populate-on-demand from inside a domain that sees
 * more RAM (maxmem) than is backed (its target). It touches memory
 * sparsely and sequentially, zeroes a large region and goes on touching
 * new memory (which fits only if Shale's zero-page sweep takes the zeroed
 * pages back), and moves its target down and up as a balloon driver would,
 * watching SHALE_HC_MEMORY_INFO all along; on bare QEMU (no Shale
 * signature) only the touch, zero and verify passes run, with a line
 * saying why the rest is skipped. With "exhaust=1" it writes to every page
 * of RAM instead, more than the target can ever back: Shale must crash the
 * domain; if it ever finishes it says so and exits 1. Paging off, flat
 * addressing, RAM below 4 GiB only. Runs: guest (test kernel). */
#include <shale-abi.h>

#include "insn.h"
#include "runtime.h"
#include "x86.h"

#define KIB		1024u
#define MIB		(1u << 20)
#define PAGE		4096u
#define CHUNK		(2u * MIB)	/* one sparse word per 2 MiB */
#define TOP		0xfffff000ull	/* as memory.c: ends fit in 32 bits */
#define LOW_START	0x1000u		/* low RAM pass: page 0 left alone */
#define LOW_END		0x9f000u
#define MAX_RANGES	(MB_MAX_RANGES * 2)	/* the image may split one */
#define MAX_REPORTS	8		/* mismatches printed per pass */
#define SPARSE_BATCH	16		/* sparse words live at once */
#define SAMPLE_EVERY	(8u * MIB)	/* MEMORY_INFO during a pass */
#define EXHAUST_STEP	(32u * MIB)	/* progress lines with exhaust=1 */
/* How far the reported maxmem may be above the map's RAM (the EBDA and
 * BIOS area below 1 MiB are counted in maxmem but are not RAM to the
 * guest), and how far the start target may be from the expected one. */
#define MAXMEM_SLACK_KIB	(4u * KIB)
#define TARGET_SLACK_KIB	(4u * KIB)

#define CPUID_1_ECX_HV	(1u << 31)

/* A part of RAM above 1 MiB and the image: [start, end), 4-byte aligned. */
struct region {
	uint32_t start, end;
};

static struct region ranges[MAX_RANGES];
static int nranges;
static uint64_t map_ram_kib;		/* all RAM the map offers */

static bool shale;			/* CPUID 0x40000000 names Shale */
static char not_shale[96];		/* else why not */
static bool have_info;			/* MEMORY_INFO answered at start */
static struct shale_memory_info info0;	/* ... with this */
/* Check that new memory reads 0 before the first write: under Shale only,
 * since QEMU's firmware leaves data in RAM it calls usable. */
static bool check_fresh;

/* What the phases use, from the top of the largest RAM range down:
 * seq (written, then zeroed), fresh (new memory after the zeroing), late
 * (new memory under the lowered target). */
static struct region seq, fresh, late;

static unsigned reports;		/* mismatches printed in this pass */

/* A mix of a 32-bit word (lowbias32, as memory.c) with bit 0 set, so a
 * word holding a tag is never a zero word. */
static uint32_t tag(uint32_t addr, uint32_t seed)
{
	uint32_t x = addr ^ seed;

	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	x *= 0x846ca68bu;
	x ^= x >> 16;
	return x | 1;
}

/* The word of page p that a pass writes: at an offset that moves from
 * page to page, so a page mapped at the wrong offset shows. The word at
 * offset ^ 0x800, in the other half of the page, is only read. */
static uint32_t page_word(uint32_t p)
{
	return p + (((p >> 12) * 0x44u) & 0xffcu);
}

static uint32_t other_word(uint32_t p)
{
	return p + ((((p >> 12) * 0x44u) & 0xffcu) ^ 0x800u);
}

static uint32_t rd(uint32_t a)
{
	return *(volatile uint32_t *)a;
}

static void wr(uint32_t a, uint32_t v)
{
	*(volatile uint32_t *)a = v;
}

static void report(const char *what, uint32_t a, uint32_t got, uint32_t want)
{
	if (reports++ < MAX_REPORTS)
		printf("pod: %s: at 0x%08x read 0x%08x, expected 0x%08x\n",
		       what, a, got, want);
}

/* --- Shale: detection and the two hypercalls ------------------------ */

static void detect_shale(void)
{
	uint32_t a, b, c, d;
	char sig[13] = { 0 };

	cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & CPUID_1_ECX_HV)) {
		snprintf(not_shale, sizeof(not_shale), "CPUID.1:ECX.hypervisor"
			 " (bit 31) is clear, so no hypervisor");
		return;
	}
	cpuid(SHALE_CPUID_BASE, 0, &a, &b, &c, &d);
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
	for (int i = 0; i < 12; i++)
		if (sig[i] < 0x20 || sig[i] > 0x7e)
			sig[i] = '.';
	shale = b == SHALE_CPUID_SIGNATURE_EBX &&
		c == SHALE_CPUID_SIGNATURE_ECX &&
		d == SHALE_CPUID_SIGNATURE_EDX;
	if (shale)
		check_note("cpuid 0x40000000: \"%s\": under Shale", sig);
	else
		snprintf(not_shale, sizeof(not_shale), "CPUID 0x40000000 names"
			 " \"%s\", not Shale", sig);
}

/* VMMCALL nr(a1) from ring 0; false (with a line) if it faulted. */
static bool hypercall(uint32_t nr, uint32_t a1, int32_t *ret)
{
	uint32_t r32;
	struct probe_result r = insn_vmmcall(0, nr, a1, 0, &r32);

	*ret = (int32_t)r32;
	if (r.faulted)
		printf("pod: vmmcall %u(0x%x): vector %u err=0x%x\n", nr, a1,
		       r.vector, r.error);
	return !r.faulted;
}

/* SHALE_HC_MEMORY_INFO into *mi; false (with a line) if it failed. */
static bool memory_info(struct shale_memory_info *mi)
{
	static struct shale_memory_info buf;	/* in the image: backed */
	int32_t ret;

	memset(&buf, 0xff, sizeof(buf));
	if (!hypercall(SHALE_HC_MEMORY_INFO, (uint32_t)&buf, &ret))
		return false;
	if (ret != 0) {
		printf("pod: SHALE_HC_MEMORY_INFO returned %d\n", ret);
		return false;
	}
	*mi = buf;
	return true;
}

static void print_info(const char *when, const struct shale_memory_info *mi)
{
	check_note("info %s: maxmem %llu KiB, target %llu KiB, populated %llu"
		   " KiB, cache %llu KiB, outstanding %llu KiB", when,
		   mi->maxmem_kib, mi->target_kib, mi->populated_kib,
		   mi->cache_kib, mi->outstanding_kib);
}

/* --- Watching MEMORY_INFO during a pass ------------------------------ */

/* Over one pass: populated must stay <= pop_limit and populated + cache
 * (the backing) <= back_limit. */
static struct monitor {
	bool on;
	uint64_t pop_limit, back_limit;
	unsigned samples, failed_calls, over;
	uint64_t pop_min, pop_max, back_max;
} mon;

static void monitor_start(uint64_t pop_limit, uint64_t back_limit)
{
	mon = (struct monitor){ .on = shale && have_info,
				.pop_limit = pop_limit,
				.back_limit = back_limit,
				.pop_min = ~0ull };
}

static void monitor_sample(void)
{
	struct shale_memory_info mi;
	uint64_t back;

	if (!mon.on)
		return;
	if (!memory_info(&mi)) {
		mon.failed_calls++;
		return;
	}
	mon.samples++;
	back = mi.populated_kib + mi.cache_kib;
	if (mi.populated_kib < mon.pop_min)
		mon.pop_min = mi.populated_kib;
	if (mi.populated_kib > mon.pop_max)
		mon.pop_max = mi.populated_kib;
	if (back > mon.back_max)
		mon.back_max = back;
	if ((mi.populated_kib > mon.pop_limit || back > mon.back_limit) &&
	    mon.over++ < MAX_REPORTS)
		print_info("over the limit", &mi);
}

/* The monitor's checks for the pass named what. */
static void monitor_check(const char *what)
{
	if (!mon.on)
		return;
	monitor_sample();
	check(!mon.failed_calls && !mon.over && mon.pop_max <= mon.pop_limit &&
	      mon.back_max <= mon.back_limit, "%s: over %u MEMORY_INFO"
	      " samples populated stayed <= %llu KiB (min %llu, max %llu KiB)"
	      " and populated + cache <= %llu KiB (max %llu KiB); %u failed"
	      " calls", what, mon.samples, mon.pop_limit, mon.pop_min,
	      mon.pop_max, mon.back_limit, mon.back_max, mon.failed_calls);
}

/* --- RAM ------------------------------------------------------------ */

static void add_range(uint64_t lo, uint64_t hi)
{
	lo = (lo + 3) & ~3ull;
	hi &= ~3ull;
	if (lo < hi && nranges < MAX_RANGES)
		ranges[nranges++] = (struct region){ (uint32_t)lo,
						     (uint32_t)hi };
}

/* The usable RAM above 1 MiB and the image, below TOP. */
static void find_ranges(void)
{
	const struct mb_range *r;
	const char *source;
	int n = mb_ram_ranges(&r, &source);
	uint32_t img_lo = runtime_image_start(), img_hi = runtime_image_end();

	for (int i = 0; i < n; i++) {
		uint64_t lo = r[i].base, hi = r[i].base + r[i].len;

		check_note("RAM 0x%09llx-0x%09llx (%llu KiB, from %s)", lo, hi,
			   r[i].len >> 10, source);
		map_ram_kib += r[i].len >> 10;
		if (hi > TOP)
			hi = TOP;
		if (lo < MIB)
			lo = MIB;
		if (lo >= hi)
			continue;
		if (img_hi <= lo || img_lo >= hi) {
			add_range(lo, hi);
		} else {
			if (lo < img_lo)
				add_range(lo, img_lo);
			if (img_hi < hi)
				add_range(img_hi, hi);
		}
	}
	check_note("image at 0x%x-0x%x", img_lo, img_hi);
}

/* Places seq, fresh and late at the top of the largest range: seq and
 * fresh of the same size (128 MiB, less if RAM or, under Shale, half the
 * target cannot hold it), late a quarter of that. Returns false if even
 * 8 MiB does not fit. */
static bool place_regions(void)
{
	struct region big = { 0, 0 };
	uint32_t size = 128 * MIB, top, bottom;

	for (int i = 0; i < nranges; i++)
		if (ranges[i].end - ranges[i].start > big.end - big.start)
			big = ranges[i];
	top = big.end & ~(CHUNK - 1);
	bottom = (big.start + CHUNK - 1) & ~(CHUNK - 1);
	if (have_info)
		while (size > 8 * MIB && (uint64_t)size / KIB >
		       info0.target_kib / 2)
			size /= 2;
	while (size > 8 * MIB && (top <= bottom ||
				  top - bottom < 2 * size + size / 4))
		size /= 2;
	if (top <= bottom || top - bottom < 2 * size + size / 4)
		return false;
	seq = (struct region){ top - size, top };
	fresh = (struct region){ top - 2 * size, top - size };
	late = (struct region){ top - 2 * size - size / 4, top - 2 * size };
	check_note("regions: sequential then zeroed 0x%08x-0x%08x, new memory"
		   " 0x%08x-0x%08x, new under the lowered target 0x%08x-0x%08x"
		   " (%u MiB, %u MiB, %u MiB)", seq.start, seq.end,
		   fresh.start, fresh.end, late.start, late.end, size / MIB,
		   size / MIB, size / 4 / MIB);
	return true;
}

/* --- Passes --------------------------------------------------------- */

/* Writes tag(word, seed) to one word of every page of r, first checking
 * that another word of the page reads 0 (new memory is zero). Returns
 * how many pages were not. */
static uint32_t touch_pages(struct region r, uint32_t seed, const char *what)
{
	uint32_t nonzero = 0;

	reports = 0;
	for (uint32_t p = r.start; p < r.end; p += PAGE) {
		uint32_t z = check_fresh ? rd(other_word(p)) : 0;

		if (z) {
			nonzero++;
			report(what, other_word(p), z, 0);
		}
		wr(page_word(p), tag(page_word(p), seed));
		if ((p - r.start) % SAMPLE_EVERY == SAMPLE_EVERY - PAGE)
			monitor_sample();
	}
	return nonzero;
}

/* Reads back what touch_pages wrote; returns how many words differ. */
static uint32_t verify_pages(struct region r, uint32_t seed, const char *what)
{
	uint32_t bad = 0;

	reports = 0;
	for (uint32_t p = r.start; p < r.end; p += PAGE) {
		uint32_t a = page_word(p), got = rd(a), want = tag(a, seed);

		if (got != want) {
			bad++;
			report(what, a, got, want);
		}
	}
	return bad;
}

/* Low RAM below 640 KiB, page 0 aside: one word per 4 KiB saved,
 * overwritten, read back and restored (the loader's boot information
 * lives there and has been copied; nothing else does). */
static void low_pass(void)
{
	const struct mb_range *r;
	const char *source;
	int n = mb_ram_ranges(&r, &source);
	uint32_t pages = 0, bad = 0, seed = 0x10e0b0e1u;

	reports = 0;
	for (int i = 0; i < n; i++) {
		uint64_t lo = r[i].base, hi = r[i].base + r[i].len;

		lo = lo < LOW_START ? LOW_START : (lo + PAGE - 1) & ~(PAGE - 1);
		hi = hi > LOW_END ? LOW_END : hi & ~(uint64_t)(PAGE - 1);
		for (uint32_t p = (uint32_t)lo; p < hi; p += PAGE) {
			uint32_t a = page_word(p), save = rd(a), want;

			want = tag(a, seed) == save ? ~save : tag(a, seed);
			wr(a, want);
			if (rd(a) != want) {
				bad++;
				report("low RAM", a, rd(a), want);
			}
			wr(a, save);
			pages++;
		}
	}
	if (pages)
		check(bad == 0, "low RAM: %u pages in 0x%x-0x%x, one word each"
		      " written, read back and restored: %u wrong", pages,
		      LOW_START, LOW_END, bad);
	else
		check_note("low RAM: none in the map below 640 KiB: skipped");
}

/* The sparse pass's batch and counts. */
static struct sparse {
	uint32_t batch[SPARSE_BATCH], nb;
	uint32_t words, bad, nonzero, fresh_from, lowest, highest;
} sp;

#define SEED_SPARSE	0x5ba45e00u

/* Checks that the batch's words read 0 (fresh), writes them, reads them
 * all back, and sets them to 0 again. */
static void sparse_flush(void)
{
	for (uint32_t k = 0; k < sp.nb; k++) {
		uint32_t a = sp.batch[k], z = check_fresh ? rd(a) : 0;

		if (z && a >= sp.fresh_from) {
			sp.nonzero++;
			report("sparse: fresh", a, z, 0);
		}
		wr(a, tag(a, SEED_SPARSE));
	}
	for (uint32_t k = 0; k < sp.nb; k++) {
		uint32_t a = sp.batch[k], got = rd(a);
		uint32_t want = tag(a, SEED_SPARSE);

		if (got != want) {
			sp.bad++;
			report("sparse", a, got, want);
		}
		wr(a, 0);
	}
	sp.words += sp.nb;
	sp.nb = 0;
	monitor_sample();
}

/* One word per 2 MiB across all the ranges (at an offset that moves from
 * one 2 MiB to the next), SPARSE_BATCH at a time: each batch's words are
 * checked to read 0 (fresh), written, read back once the whole batch is
 * written, and set to 0 again, so that what the pass populated can be
 * taken back (touching 2 MiB everywhere would need all of maxmem). Within
 * the first 2 MiB after the image a loader may have left boot information
 * (QEMU does): no freshness check there. */
static void sparse_pass(void)
{
	sp = (struct sparse){
		.fresh_from = (runtime_image_end() + 2 * CHUNK - 1) &
			      ~(CHUNK - 1),
		.lowest = 0xffffffffu,
	};
	reports = 0;
	for (int i = 0; i < nranges; i++) {
		uint64_t lo = ranges[i].start, hi = ranges[i].end;

		for (uint64_t c = lo & ~(uint64_t)(CHUNK - 1); c < hi;
		     c += CHUNK) {
			uint64_t a = c + (tag((uint32_t)c, SEED_SPARSE) &
					  (CHUNK - 4));

			if (a < lo || a + 4 > hi)
				a = c < lo ? lo : c;
			sp.batch[sp.nb++] = (uint32_t)a;
			if (a < sp.lowest)
				sp.lowest = (uint32_t)a;
			if (a > sp.highest)
				sp.highest = (uint32_t)a;
			if (sp.nb == SPARSE_BATCH)
				sparse_flush();
		}
	}
	if (sp.nb)
		sparse_flush();
	check(sp.words > 0 && sp.bad == 0, "sparse: %u words, one per 2 MiB"
	      " in 0x%08x-0x%08x, %u at a time written, read back and zeroed"
	      " again: %u wrong", sp.words, sp.lowest, sp.highest,
	      SPARSE_BATCH, sp.bad);
	if (check_fresh)
		check(sp.nonzero == 0, "sparse: new memory read 0 before the"
		      " write (above 0x%08x): %u words did not", sp.fresh_from,
		      sp.nonzero);
}

/* REP STOSD of zeros over r, one 4 KiB page (1024 dwords) at a time. */
static void zero_region(struct region r)
{
	for (uint32_t p = r.start; p < r.end; p += PAGE) {
		uint32_t dst = p, count = PAGE / 4;

		__asm__ volatile("cld; rep stosl" : "+D"(dst), "+c"(count)
				 : "a"(0) : "memory");
	}
}

/* Every word of r reads 0; returns how many do not. */
static uint32_t verify_zero(struct region r, const char *what)
{
	uint32_t bad = 0;

	reports = 0;
	for (uint32_t a = r.start; a < r.end; a += 4) {
		uint32_t got = rd(a);

		if (got) {
			bad++;
			report(what, a, got, 0);
		}
	}
	return bad;
}

/* One word per 2 MiB of r reads 0; returns how many do not. */
static uint32_t sample_zero(struct region r, const char *what)
{
	uint32_t bad = 0;

	reports = 0;
	for (uint32_t c = r.start; c < r.end; c += CHUNK) {
		uint32_t a = page_word(c + (tag(c, 0x2e40u) & (CHUNK - PAGE)));
		uint32_t got = rd(a);

		if (got) {
			bad++;
			report(what, a, got, 0);
		}
	}
	return bad;
}

/* --- Phases --------------------------------------------------------- */

#define SEED_SEQ	0x5e9a0001u
#define SEED_FRESH	0xf4e50002u
#define SEED_LATE	0x1a7e0003u

static bool info_now(const char *when, struct shale_memory_info *mi)
{
	if (!shale || !have_info)
		return false;
	if (!check(memory_info(mi), "MEMORY_INFO %s answered", when))
		return false;
	print_info(when, mi);
	return true;
}

/* Step 1: what MEMORY_INFO says at the start, against the memory map and
 * the target the domain was given (target_mib=N, default 256). */
static void start_info(void)
{
	uint32_t want_mib = 256;
	uint64_t want;
	struct shale_memory_info *mi = &info0;

	if (!shale) {
		check_note("MEMORY_INFO and MEMORY_TARGET checks skipped: %s",
			   not_shale);
		return;
	}
	have_info = check(memory_info(mi), "MEMORY_INFO at the start"
			  " answered");
	if (!have_info)
		return;
	print_info("at the start", mi);
	mb_cmdline_uint("target_mib", &want_mib);
	want = (uint64_t)want_mib * KIB;
	check(mi->maxmem_kib >= map_ram_kib &&
	      mi->maxmem_kib - map_ram_kib <= MAXMEM_SLACK_KIB, "maxmem %llu"
	      " KiB against the memory map's %llu KiB of RAM: at most %u KiB"
	      " above it", mi->maxmem_kib, map_ram_kib, MAXMEM_SLACK_KIB);
	check(mi->target_kib + TARGET_SLACK_KIB >= want &&
	      mi->target_kib <= want + TARGET_SLACK_KIB, "target %llu KiB"
	      " within %u KiB of %llu KiB (target_mib=%u)", mi->target_kib,
	      TARGET_SLACK_KIB, want, want_mib);
	check(mi->target_kib < mi->maxmem_kib, "target %llu KiB below maxmem"
	      " %llu KiB (so this is a populate-on-demand domain)",
	      mi->target_kib, mi->maxmem_kib);
	check(mi->populated_kib + mi->cache_kib <= mi->target_kib,
	      "populated + cache %llu KiB <= target %llu KiB",
	      mi->populated_kib + mi->cache_kib, mi->target_kib);
	check(mi->cache_kib <= mi->outstanding_kib, "cache %llu KiB <="
	      " outstanding %llu KiB", mi->cache_kib, mi->outstanding_kib);
	check(mi->outstanding_kib + mi->target_kib + MAXMEM_SLACK_KIB >=
	      mi->maxmem_kib && mi->populated_kib + mi->outstanding_kib <=
	      mi->maxmem_kib, "outstanding %llu KiB: at least maxmem -"
	      " target - %u KiB, and populated + outstanding <= maxmem",
	      mi->outstanding_kib, MAXMEM_SLACK_KIB);
}

/* Step 2: sparse, then sequential. */
static void touch_phase(void)
{
	struct shale_memory_info before = info0, after;
	uint64_t target = info0.target_kib;
	uint32_t n;

	check_scope("pod");
	monitor_start(target, target);
	low_pass();
	sparse_pass();
	monitor_check("sparse");
	if (info_now("after the sparse pass", &after)) {
		check(after.populated_kib > before.populated_kib, "sparse:"
		      " populated grew, %llu -> %llu KiB",
		      before.populated_kib, after.populated_kib);
		check(after.populated_kib <= after.target_kib &&
		      after.populated_kib + after.cache_kib <=
		      after.target_kib, "sparse: populated %llu KiB and"
		      " populated + cache %llu KiB <= target %llu KiB",
		      after.populated_kib, after.populated_kib +
		      after.cache_kib, after.target_kib);
	}

	monitor_start(target, target);
	n = touch_pages(seq, SEED_SEQ, "sequential: fresh");
	if (check_fresh)
		check(n == 0, "sequential: new memory read 0 before the write,"
		      " one word per 4 KiB: %u did not", n);
	n = verify_pages(seq, SEED_SEQ, "sequential");
	check(n == 0, "sequential: %u MiB at 0x%08x-0x%08x, one word per"
	      " 4 KiB written and read back: %u wrong",
	      (seq.end - seq.start) / MIB, seq.start, seq.end, n);
	monitor_check("sequential");
}

/* Step 3: zero seq, then touch fresh, which fits only if the zeroed pages
 * are taken back. */
static void zero_phase(void)
{
	struct shale_memory_info before, after;
	uint64_t target = info0.target_kib;
	uint32_t n;

	info_now("before zeroing", &before);
	monitor_start(target, target);
	zero_region(seq);
	n = verify_zero(seq, "zero");
	check(n == 0, "zero: %u MiB at 0x%08x-0x%08x cleared with REP STOSD"
	      " page by page, every word reads 0: %u do not",
	      (seq.end - seq.start) / MIB, seq.start, seq.end, n);
	n = touch_pages(fresh, SEED_FRESH, "new: fresh");
	if (check_fresh)
		check(n == 0, "new: new memory read 0 before the write, one"
		      " word per 4 KiB: %u did not", n);
	n = verify_pages(fresh, SEED_FRESH, "new");
	check(n == 0, "new: %u MiB at 0x%08x-0x%08x after the zeroing, one"
	      " word per 4 KiB written and read back: %u wrong",
	      (fresh.end - fresh.start) / MIB, fresh.start, fresh.end, n);
	n = sample_zero(seq, "zero: again");
	check(n == 0, "zero: the zeroed region still reads 0 afterwards (one"
	      " word per 2 MiB): %u do not", n);
	monitor_check("zero and new");
	if (info_now("after zeroing and new memory", &after))
		check(after.populated_kib <= after.target_kib &&
		      after.populated_kib + after.cache_kib <=
		      after.target_kib, "zero and new: populated %llu -> %llu"
		      " KiB, populated + cache %llu KiB <= target %llu KiB",
		      before.populated_kib, after.populated_kib,
		      after.populated_kib + after.cache_kib,
		      after.target_kib);
}

/* SHALE_HC_MEMORY_TARGET(kib): checks it returns want. */
static void set_target(uint64_t kib, int32_t want, const char *why)
{
	int32_t ret = 0;
	bool ok = hypercall(SHALE_HC_MEMORY_TARGET, (uint32_t)kib, &ret);

	check(ok && ret == want, "balloon: MEMORY_TARGET(%llu KiB)%s returned"
	      " %d (want %d)", kib, why, ret, want);
}

/* The target as MEMORY_TARGET(0) and MEMORY_INFO read it is want. */
static void expect_target(uint64_t want, struct shale_memory_info *mi)
{
	int32_t ret = 0;
	bool ok = hypercall(SHALE_HC_MEMORY_TARGET, 0, &ret);

	check(ok && (uint32_t)ret == want, "balloon: MEMORY_TARGET(0) reads"
	      " the target back: %d KiB (want %llu)", ret, want);
	if (check(memory_info(mi), "balloon: MEMORY_INFO answered")) {
		print_info("now", mi);
		check(mi->target_kib == want && mi->maxmem_kib ==
		      info0.maxmem_kib, "balloon: MEMORY_INFO has target %llu"
		      " KiB, maxmem %llu KiB unchanged", mi->target_kib,
		      mi->maxmem_kib);
	}
}

/* Step 4: down to three quarters of the target (the zeroed region is more
 * than that), touch new memory there, up again, and above maxmem. */
static void balloon_phase(void)
{
	struct shale_memory_info mi = { 0 };
	uint64_t target = info0.target_kib;
	uint64_t low = target * 3 / 4 / KIB * KIB, backing;
	uint64_t live = ((fresh.end - fresh.start) + (late.end - late.start) +
			 runtime_image_end()) / KIB;
	uint32_t n;

	if (!shale || !have_info) {
		touch_pages(late, SEED_LATE, "late: fresh");
		check_note("balloon: skipped: %s", shale ? "no MEMORY_INFO" :
			   not_shale);
		return;
	}
	check_note("balloon: lowering the target to %llu KiB; %llu KiB of"
		   " what was written is still live", low, live);
	set_target(low, 0, "");
	expect_target(low, &mi);
	check(mi.cache_kib == 0 || mi.populated_kib + mi.cache_kib <= low,
	      "balloon: no cache beyond the lowered target (cache %llu KiB,"
	      " populated %llu KiB)", mi.cache_kib, mi.populated_kib);
	/* Populated memory is only taken back by the sweep, as needed: the
	 * backing may stay above the new target but must not grow. */
	backing = mi.populated_kib + mi.cache_kib;
	if (backing < low)
		backing = low;
	monitor_start(backing, backing);
	n = touch_pages(late, SEED_LATE, "late: fresh");
	check(n == 0, "late: new memory read 0 before the write, one word"
	      " per 4 KiB: %u did not", n);
	n = verify_pages(late, SEED_LATE, "late");
	check(n == 0, "late: %u MiB at 0x%08x-0x%08x under the lowered"
	      " target, one word per 4 KiB written and read back: %u wrong",
	      (late.end - late.start) / MIB, late.start, late.end, n);
	monitor_check("late, under the lowered target");
	if (check(memory_info(&mi), "balloon: MEMORY_INFO answered"))
		print_info("under the lowered target", &mi);

	set_target(target, 0, " (back up)");
	expect_target(target, &mi);
	check(mi.populated_kib + mi.cache_kib <= target, "balloon: populated"
	      " + cache %llu KiB <= target %llu KiB again",
	      mi.populated_kib + mi.cache_kib, target);
	set_target(info0.maxmem_kib + PAGE / KIB, -SHALE_EINVAL,
		   " (a page above maxmem)");
	set_target(0xfffff000u, -SHALE_EINVAL, " (far above maxmem)");
	expect_target(target, &mi);
}

/* Step 5: everything still live holds its values. */
static void final_phase(void)
{
	struct shale_memory_info mi;
	uint32_t n;

	n = verify_pages(fresh, SEED_FRESH, "final: new");
	n += verify_pages(late, SEED_LATE, "final: late");
	check(n == 0, "final: the new memory still holds its values (%u MiB"
	      " and %u MiB): %u wrong", (fresh.end - fresh.start) / MIB,
	      (late.end - late.start) / MIB, n);
	info_now("final", &mi);
}

/* exhaust=1: a non-zero word in every page of RAM above the image. */
static int exhaust(void)
{
	struct shale_memory_info mi;
	uint64_t done = 0, next = EXHAUST_STEP, total = 0;

	for (int i = 0; i < nranges; i++)
		total += ranges[i].end - ranges[i].start;
	if (shale && memory_info(&mi))
		print_info("at the start", &mi);
	check_note("exhaust: writing to every page of %llu MiB of RAM, more"
		   " than any target below maxmem can back", total >> 20);
	for (int i = 0; i < nranges; i++) {
		uint32_t lo = (ranges[i].start + PAGE - 1) & ~(PAGE - 1);

		for (uint32_t p = lo; p < ranges[i].end &&
		     ranges[i].end - p >= 4; p += PAGE) {
			wr(p, tag(p, 0xe1a05700u));
			done += PAGE;
			if (done >= next) {
				check_note("exhaust: %llu MiB touched (up to"
					   " 0x%08x)", done >> 20, p);
				next += EXHAUST_STEP;
			}
		}
	}
	printf("pod: exhaust: touched everything (Shale should have stopped"
	       " this)\n");
	printf("FAIL\n");
	return EXIT_FAIL;
}

int guest_main(void)
{
	uint32_t ex = 0;

	check_scope("pod");
	printf("pod: command line: \"%s\"\n", mb_cmdline());
	find_ranges();
	detect_shale();
	check_fresh = shale;
	if (!check_fresh)
		check_note("new-memory-reads-0 checks skipped: %s (and QEMU's"
			   " firmware leaves data in RAM it calls usable)",
			   not_shale);
	if (mb_cmdline_uint("exhaust", &ex) && ex)
		return exhaust();

	start_info();
	if (!check(place_regions(), "RAM above the image holds the regions"))
		return check_finish();
	touch_phase();
	zero_phase();
	balloon_phase();
	final_phase();
	return check_finish();
}
