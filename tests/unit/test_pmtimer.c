/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the ACPI PM timer (hypervisor/dev/pmtimer.c): its rate,
 * its 24- and 32-bit wrap, and the top-bit toggle times.
 * Runs: host unit tests.
 */
#include "support.h"

#include <shale/pmtimer.h>

#define SEC 1000000000ULL
#define T0 777777777ULL

/* The first nanosecond at which n ticks have elapsed since T0. */
static u64 tick_ns(u64 n)
{
	return T0 + (u64)(((unsigned __int128)n * SEC + PMTIMER_HZ - 1) / PMTIMER_HZ);
}

static void pmtimer_counts_at_3_579545_mhz(void **state)
{
	struct pmtimer t;
	u32 prev = 0;

	pmtimer_init(&t, T0, true);
	assert_int_equal(pmtimer_read(&t, T0), 0);
	assert_int_equal(pmtimer_read(&t, T0 + SEC / 1000), 3579);
	assert_int_equal(pmtimer_read(&t, T0 + SEC), 3579545);
	assert_int_equal(pmtimer_read(&t, T0 + 10 * SEC), 35795450);
	assert_int_equal(pmtimer_read(&t, tick_ns(1000) - 1), 999);
	assert_int_equal(pmtimer_read(&t, tick_ns(1000)), 1000);
	for (u64 ns = T0; ns < T0 + 100000; ns += 37) {
		u32 v = pmtimer_read(&t, ns);

		assert_true(v >= prev && v - prev <= 1);
		prev = v;
	}
}

static void pmtimer_24bit_counter_wraps_after_4_7_seconds(void **state)
{
	struct pmtimer t;

	pmtimer_init(&t, T0, false);
	assert_int_equal(pmtimer_read(&t, tick_ns(0xffffff)), 0xffffff);
	assert_int_equal(pmtimer_read(&t, tick_ns(0x1000000) - 1), 0xffffff);
	assert_int_equal(pmtimer_read(&t, tick_ns(0x1000000)), 0);
	assert_int_equal(pmtimer_read(&t, tick_ns(0x1000005)), 5);
	/* An hour on, bits 31:24 still read 0 and the count has not drifted. */
	assert_int_equal(pmtimer_read(&t, T0 + 3600 * SEC),
			 (3579545ULL * 3600) & 0xffffff);
}

static void pmtimer_32bit_counter_with_tmr_val_ext_wraps_after_20_minutes(void **state)
{
	struct pmtimer t;

	pmtimer_init(&t, T0, true);
	assert_int_equal(pmtimer_read(&t, tick_ns(0x1000000)), 0x1000000);
	assert_int_equal(pmtimer_read(&t, tick_ns(0xffffffffULL)), 0xffffffffu);
	assert_int_equal(pmtimer_read(&t, tick_ns(0x100000000ULL)), 0);
	assert_int_equal(pmtimer_read(&t, T0 + 86400 * SEC),
			 (u32)(3579545ULL * 86400));
}

static void pmtimer_top_bit_toggles_every_half_range(void **state)
{
	struct pmtimer t;

	pmtimer_init(&t, T0, false);
	assert_int_equal(pmtimer_next_toggle_ns(&t, T0), tick_ns(0x800000));
	assert_int_equal(pmtimer_next_toggle_ns(&t, tick_ns(0x800000)),
			 tick_ns(0x1000000));
	assert_int_equal(pmtimer_read(&t, tick_ns(0x800000)) & 0x800000, 0x800000);
	pmtimer_init(&t, T0, true);
	assert_int_equal(pmtimer_next_toggle_ns(&t, T0), tick_ns(0x80000000ULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pmtimer_counts_at_3_579545_mhz),
		cmocka_unit_test(pmtimer_24bit_counter_wraps_after_4_7_seconds),
		cmocka_unit_test(pmtimer_32bit_counter_with_tmr_val_ext_wraps_after_20_minutes),
		cmocka_unit_test(pmtimer_top_bit_toggles_every_half_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
