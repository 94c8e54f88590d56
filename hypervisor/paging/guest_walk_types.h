/* SPDX-License-Identifier: MIT */
/*
 * Private to the guest page-table walker: the entry bits every format shares,
 * the per-level entry points, and (when GUEST_LEVELS is defined) the few
 * types and constants that differ between 2-level, PAE and 4-level tables.
 * Runs: host root mode and host unit tests.
 */
#ifndef PAGING_GUEST_WALK_TYPES_H
#define PAGING_GUEST_WALK_TYPES_H

#include <shale/guest_walk.h>

/* Entry bits common to all three formats (SDM 4.3-4.5, APM 5.3-5.4). */
#define GW_P (1ULL << 0)
#define GW_RW (1ULL << 1)
#define GW_US (1ULL << 2)
#define GW_A (1ULL << 5)
#define GW_D (1ULL << 6)
#define GW_PS (1ULL << 7)
#define GW_XD (1ULL << 63)

/* RFLAGS.AC: lets supervisor data accesses reach user pages under SMAP. */
#define GW_RFLAGS_AC (1ULL << 18)

/* Bits lo..hi inclusive (0 <= lo <= hi <= 63); empty when lo > hi. */
#define GW_BITS(lo, hi)                                                        \
	((lo) > (hi) ? 0ULL                                                    \
		     : ((~0ULL >> (63 - (hi))) & (~0ULL << (lo))))

/* One walker per guest format, compiled from guest_walk_tmpl.h by
 * guest_walk_{2,3,4}.c; guest_walk() picks one. Same contract as
 * guest_walk() for a guest whose registers select that many levels. */
int guest_walk_l2(const struct guest_paging *gp, const struct guest_mem *mem,
		  gva_t va, u32 access, bool set_ad, struct guest_walk *w);
int guest_walk_l3(const struct guest_paging *gp, const struct guest_mem *mem,
		  gva_t va, u32 access, bool set_ad, struct guest_walk *w);
int guest_walk_l4(const struct guest_paging *gp, const struct guest_mem *mem,
		  gva_t va, u32 access, bool set_ad, struct guest_walk *w);

#endif /* PAGING_GUEST_WALK_TYPES_H */

/*
 * The level-dependent part, read once by guest_walk_tmpl.h; the template
 * #undefs these macros at its end.
 *   guest_pte_t        one entry as it sits in guest memory
 *   GW_INDEX_BITS      table index bits per level below the top
 *   GW_ADDR_MASK       the entry bits that can hold a frame address
 *   GW_WALK_FN         the exported walker of this level
 */
#if defined(GUEST_LEVELS) && !defined(GW_WALK_FN)
#if GUEST_LEVELS == 2
typedef u32 guest_pte_t;
#define GW_INDEX_BITS 10
#define GW_ADDR_MASK 0xfffff000ULL
#define GW_WALK_FN guest_walk_l2
#elif GUEST_LEVELS == 3
typedef u64 guest_pte_t;
#define GW_INDEX_BITS 9
#define GW_ADDR_MASK GW_BITS(12, 51)
#define GW_WALK_FN guest_walk_l3
#elif GUEST_LEVELS == 4
typedef u64 guest_pte_t;
#define GW_INDEX_BITS 9
#define GW_ADDR_MASK GW_BITS(12, 51)
#define GW_WALK_FN guest_walk_l4
#else
#error "guest_walk_types.h: GUEST_LEVELS must be 2, 3 or 4"
#endif
#endif /* GUEST_LEVELS */
