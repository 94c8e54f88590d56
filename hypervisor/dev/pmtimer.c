/* SPDX-License-Identifier: MIT */
/*
 * The ACPI PM timer model (see shale/pmtimer.h): the count is
 * floor(elapsed_ns * 3579545 / 10^9) from the start time, so it neither
 * drifts nor goes backwards. Runs: host root mode and host unit tests.
 */
#include <shale/muldiv.h>
#include <shale/pmtimer.h>

void pmtimer_init(struct pmtimer *t, u64 now_ns, bool ext32)
{
	t->start_ns = now_ns;
	t->mask = ext32 ? 0xffffffffu : 0xffffffu;
}

static u64 ticks(const struct pmtimer *t, u64 now)
{
	if (now <= t->start_ns)
		return 0;
	return muldiv64(now - t->start_ns, PMTIMER_HZ, NSEC_PER_SEC);
}

u32 pmtimer_read(const struct pmtimer *t, u64 now_ns)
{
	return (u32)ticks(t, now_ns) & t->mask;
}

u64 pmtimer_next_toggle_ns(const struct pmtimer *t, u64 now_ns)
{
	u64 half = ((u64)t->mask + 1) / 2; /* ticks between top-bit toggles */
	u64 k = (ticks(t, now_ns) / half + 1) * half;

	return t->start_ns + muldiv64_ceil(k, NSEC_PER_SEC, PMTIMER_HZ);
}
