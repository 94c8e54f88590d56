/* SPDX-License-Identifier: MIT */
/*
 * Exact a * mul / div in 64-bit arithmetic, for converting between guest
 * nanoseconds and a device's clock ticks without 128-bit division (the
 * freestanding image has no libgcc). Runs: host root mode and host unit tests.
 */
#ifndef SHALE_MULDIV_H
#define SHALE_MULDIV_H

#include <shale/types.h>

#define NSEC_PER_SEC 1000000000ULL

/* floor(a * mul / div), exact as long as mul * div fits in 64 bits and the
 * result does: a = q * div + r, so a * mul / div = q * mul + r * mul / div
 * with r * mul < div * mul. */
static inline u64 muldiv64(u64 a, u32 mul, u32 div)
{
	return (a / div) * mul + (a % div) * mul / div;
}

/* ceil(a * mul / div), under the same conditions. */
static inline u64 muldiv64_ceil(u64 a, u32 mul, u32 div)
{
	return (a / div) * mul + ((a % div) * mul + div - 1) / div;
}

#endif /* SHALE_MULDIV_H */
