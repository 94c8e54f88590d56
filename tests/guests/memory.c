/* SPDX-License-Identifier: MIT */
/* memory.elf: writes an address-dependent pattern over all RAM above
 * 1 MiB that the multiboot memory map offers (except the guest's own
 * image), then reads it all back, twice with different seeds, so that
 * every bit is seen both set and clear and two addresses that alias one
 * frame cannot both hold their value. Paging off, flat addressing, so only
 * RAM below 4 GiB is reachable. Runs: guest (test kernel). */
#include "runtime.h"

#define MIB		(1u << 20)
#define MAX_REGIONS	(MB_MAX_RANGES * 2)
#define MAX_REPORTS	8	/* mismatches printed per pass */
/* The end of what flat 32-bit addressing reaches; the last page of 4 GiB
 * is left out so that region ends fit in 32 bits. */
#define TOP		0xfffff000ull

/* A part of RAM to test: [start, end), 4-byte aligned. */
struct region {
	uint32_t start, end;
};

static struct region regions[MAX_REGIONS];
static int nregions;

/* A bijective mix of a 32-bit word (lowbias32), so that different
 * addresses get different values under one seed. */
static uint32_t pattern(uint32_t addr, uint32_t seed)
{
	uint32_t x = addr ^ seed;

	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	x *= 0x846ca68bu;
	x ^= x >> 16;
	return x;
}

static void add_region(uint32_t start, uint32_t end)
{
	start = (start + 3) & ~3u;
	end &= ~3u;
	if (start < end && nregions < MAX_REGIONS)
		regions[nregions++] = (struct region){ start, end };
}

/* Turns the usable RAM ranges into regions: clipped to [1 MiB, 4 GiB),
 * with the image cut out. Returns how many KiB were left out at or above 4 GiB. */
static uint64_t find_regions(void)
{
	const struct mb_range *r;
	const char *source;
	int n = mb_ram_ranges(&r, &source);
	uint32_t img_lo = runtime_image_start(), img_hi = runtime_image_end();
	uint64_t above_4g = 0;

	for (int i = 0; i < n; i++) {
		uint64_t lo = r[i].base, hi = r[i].base + r[i].len;

		printf("memory: RAM 0x%09llx-0x%09llx (%llu KiB, from %s)\n",
		       lo, hi, r[i].len >> 10, source);
		if (hi > TOP) {
			above_4g += (hi - (lo > TOP ? lo : TOP)) >> 10;
			hi = TOP;
		}
		if (lo < MIB)
			lo = MIB;
		if (lo >= hi)
			continue;
		uint32_t a = (uint32_t)lo, b = (uint32_t)hi;

		if (img_hi <= a || img_lo >= b) {
			add_region(a, b);
		} else {
			if (a < img_lo)
				add_region(a, img_lo);
			if (img_hi < b)
				add_region(img_hi, b);
		}
	}
	printf("memory: skipping the image at 0x%x-0x%x\n", img_lo, img_hi);
	return above_4g;
}

/* Writes pattern(addr, seed) ^ flip to every word of every region. */
static void fill(uint32_t seed, uint32_t flip)
{
	for (int i = 0; i < nregions; i++)
		for (uint32_t a = regions[i].start; a != regions[i].end; a += 4)
			*(volatile uint32_t *)a = pattern(a, seed) ^ flip;
}

/* Reads every word back; prints the first mismatches and returns how many
 * words differ. */
static uint32_t verify(uint32_t seed, uint32_t flip)
{
	uint32_t bad = 0;

	for (int i = 0; i < nregions; i++) {
		for (uint32_t a = regions[i].start; a != regions[i].end; a += 4) {
			uint32_t want = pattern(a, seed) ^ flip;
			uint32_t got = *(volatile uint32_t *)a;

			if (got == want)
				continue;
			if (bad++ < MAX_REPORTS)
				printf("memory: at 0x%08x read 0x%08x, wrote"
				       " 0x%08x\n", a, got, want);
		}
	}
	return bad;
}

int guest_main(void)
{
	static const struct {
		uint32_t seed, flip;
	} passes[] = {
		{ 0x5a17e000u, 0 },
		{ 0x0badf00du, 0xffffffffu },	/* every bit the other way */
	};
	uint64_t above_4g = find_regions();
	uint64_t bytes = 0;

	for (int i = 0; i < nregions; i++)
		bytes += regions[i].end - regions[i].start;
	check_scope("memory");
	if (above_4g)
		check_note("%llu KiB above 4 GiB not tested (paging is off)",
			   above_4g);
	if (!check(bytes >= MIB, "RAM above 1 MiB outside the image: %llu KiB"
		   " in %d regions", bytes >> 10, nregions))
		return check_finish();

	for (unsigned p = 0; p < sizeof(passes) / sizeof(passes[0]); p++) {
		uint32_t bad;

		fill(passes[p].seed, passes[p].flip);
		bad = verify(passes[p].seed, passes[p].flip);
		check(bad == 0, "pass %u (seed 0x%08x%s): %llu MiB written and"
		      " read back, %u words wrong", p + 1, passes[p].seed,
		      passes[p].flip ? ", inverted" : "", bytes >> 20, bad);
	}
	printf("memory: tested %llu MiB\n", bytes >> 20);
	return check_finish();
}
