/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the 8254 model (hypervisor/dev/pit.c): periodic and
 * one-shot modes over long runs, the latch and read-back commands, byte
 * sequencing, and channel 2 through port 0x61 the way Linux calibrates the
 * TSC with it. Runs: host unit tests.
 */
#include "support.h"

#include <shale/pit.h>

#define T0 5000000000ULL /* guest time at which each test starts */

/* The first nanosecond at which 'ticks' PIT clocks have elapsed since t,
 * computed independently of the model with 128-bit arithmetic. */
static u64 tick_ns(u64 t, u64 ticks)
{
	unsigned __int128 ns = (unsigned __int128)ticks * 1000000000u;

	return t + (u64)((ns + PIT_HZ - 1) / PIT_HZ);
}

static u64 ticks_at(u64 t, u64 now)
{
	return (u64)((unsigned __int128)(now - t) * PIT_HZ / 1000000000u);
}

static void program(struct pit *p, u8 cw, u16 port, u16 count, u64 now)
{
	pit_write(p, PIT_MODE_PORT, cw, now);
	pit_write(p, port, (u8)count, now);
	pit_write(p, port, (u8)(count >> 8), now);
}

static u16 read_lohi(struct pit *p, u16 port, u64 now)
{
	u8 lo = pit_read(p, port, now);

	return (u16)(lo | pit_read(p, port, now) << 8);
}

/* Linux's periodic clockevent at HZ=1000: mode 2, LATCH = 1193. */
static void pit_mode2_raises_irq0_once_per_period_without_drift(void **state)
{
	struct pit p;
	u64 t = T0, ev;

	pit_init(&p, 0);
	program(&p, 0x34, PIT_CH0, 1193, T0);
	assert_int_equal(pit_irq0_due(&p, T0), 0);
	for (u64 k = 1; k <= 100000; k++) {
		ev = pit_next_event_ns(&p, t);
		assert_int_equal(ev, tick_ns(T0, k * 1193));
		assert_int_equal(pit_irq0_due(&p, ev - 1), 0);
		assert_int_equal(pit_irq0_due(&p, ev), 1);
		assert_int_equal(pit_irq0_due(&p, ev), 0);
		t = ev;
	}
	/* 100000 periods of 1193 ticks, to the nanosecond. */
	assert_int_equal(t - T0, 99984746669ULL);
}

static void pit_mode2_out_dips_for_one_tick_and_count_reloads(void **state)
{
	struct pit p;

	pit_init(&p, 0);
	program(&p, 0x34, PIT_CH0, 100, T0);
	assert_true(pit_out(&p, 0, T0));
	assert_int_equal(read_lohi(&p, PIT_CH0, tick_ns(T0, 98)), 2);
	assert_true(pit_out(&p, 0, tick_ns(T0, 98)));
	assert_false(pit_out(&p, 0, tick_ns(T0, 99)));
	assert_true(pit_out(&p, 0, tick_ns(T0, 100)));
	assert_int_equal(read_lohi(&p, PIT_CH0, tick_ns(T0, 100)), 100);
	assert_int_equal(read_lohi(&p, PIT_CH0, tick_ns(T0, 130)), 70);
}

static void pit_mode3_square_wave_is_periodic_without_drift(void **state)
{
	struct pit p;
	u64 t = T0, ev;
	u32 n = 11931; /* odd: high for 5966 ticks, low for 5965 */

	pit_init(&p, 0);
	program(&p, 0x36, PIT_CH0, (u16)n, T0);
	for (u64 k = 1; k <= 20000; k++) {
		u64 start = tick_ns(T0, (k - 1) * n);

		assert_true(pit_out(&p, 0, start));
		assert_true(pit_out(&p, 0, tick_ns(T0, (k - 1) * n + 5965)));
		assert_false(pit_out(&p, 0, tick_ns(T0, (k - 1) * n + 5966)));
		assert_false(pit_out(&p, 0, tick_ns(T0, k * n) - 1));
		ev = pit_next_event_ns(&p, t);
		assert_int_equal(ev, tick_ns(T0, k * n));
		assert_int_equal(pit_irq0_due(&p, ev), 1);
		t = ev;
	}
	assert_int_equal(ticks_at(T0, t), 20000ULL * n);
}

static void pit_mode3_counts_down_by_two(void **state)
{
	struct pit p;

	pit_init(&p, 0);
	program(&p, 0x36, PIT_CH0, 1000, T0);
	assert_int_equal(read_lohi(&p, PIT_CH0, tick_ns(T0, 10)), 980);
	assert_int_equal(read_lohi(&p, PIT_CH0, tick_ns(T0, 510)), 980);
}

static void pit_late_caller_sees_every_missed_period(void **state)
{
	struct pit p;

	pit_init(&p, 0);
	program(&p, 0x34, PIT_CH0, 1000, T0);
	assert_int_equal(pit_irq0_due(&p, tick_ns(T0, 10500)), 10);
	assert_int_equal(pit_next_event_ns(&p, tick_ns(T0, 10500)),
			 tick_ns(T0, 11000));
	/* An unreported edge makes the next event "now". */
	assert_int_equal(pit_next_event_ns(&p, tick_ns(T0, 12000) + 7),
			 tick_ns(T0, 12000) + 7);
}

static void pit_mode0_fires_once_at_terminal_count(void **state)
{
	struct pit p;
	u64 tc = tick_ns(T0, 5000);

	pit_init(&p, 0);
	program(&p, 0x30, PIT_CH0, 5000, T0);
	assert_false(pit_out(&p, 0, T0));
	assert_int_equal(pit_next_event_ns(&p, T0), tc);
	assert_false(pit_out(&p, 0, tc - 1));
	assert_int_equal(pit_irq0_due(&p, tc - 1), 0);
	assert_true(pit_out(&p, 0, tc));
	assert_int_equal(pit_irq0_due(&p, tc), 1);
	assert_int_equal(pit_next_event_ns(&p, tc), PIT_NEVER);
	assert_int_equal(pit_irq0_due(&p, tc + 10000000000ULL), 0);
	/* The counter keeps counting down through zero. */
	assert_int_equal(read_lohi(&p, PIT_CH0, tick_ns(T0, 5001)), 0xffff);
	/* A new count re-arms it. */
	pit_write(&p, PIT_CH0, 10, tc);
	pit_write(&p, PIT_CH0, 0, tc);
	assert_false(pit_out(&p, 0, tc));
	assert_int_equal(pit_next_event_ns(&p, tc), tick_ns(tc, 10));
}

static void pit_mode4_strobes_once_after_the_count(void **state)
{
	struct pit p;

	pit_init(&p, 0);
	program(&p, 0x38, PIT_CH0, 100, T0);
	assert_true(pit_out(&p, 0, T0));
	assert_false(pit_out(&p, 0, tick_ns(T0, 100)));
	assert_true(pit_out(&p, 0, tick_ns(T0, 101)));
	assert_int_equal(pit_next_event_ns(&p, T0), tick_ns(T0, 101));
	assert_int_equal(pit_irq0_due(&p, tick_ns(T0, 1000)), 1);
}

static void pit_control_word_stops_channel0_until_a_count_arrives(void **state)
{
	struct pit p;

	pit_init(&p, 0);
	pit_write(&p, PIT_MODE_PORT, 0x34, T0);
	assert_int_equal(pit_next_event_ns(&p, T0), PIT_NEVER);
	assert_int_equal(pit_irq0_due(&p, T0 + 1000000000), 0);
	pit_write(&p, PIT_CH0, 0x00, T0 + 1000000000);
	assert_int_equal(pit_next_event_ns(&p, T0), PIT_NEVER);
	pit_write(&p, PIT_CH0, 0x10, T0 + 1000000000);
	assert_int_equal(pit_next_event_ns(&p, T0),
			 tick_ns(T0 + 1000000000, 0x1000));
}

static void pit_power_on_channel0_ticks_at_18_2_hz(void **state)
{
	struct pit p;

	pit_init(&p, 0);
	assert_int_equal(pit_next_event_ns(&p, 0), tick_ns(0, 65536));
	assert_int_equal(pit_irq0_due(&p, 1000000000), 18);
	assert_true(pit_out(&p, 2, 0)); /* mode 3, gate low: OUT high */
}

static void pit_latch_command_freezes_the_count_until_read(void **state)
{
	struct pit p;

	pit_init(&p, 0);
	program(&p, 0x34, PIT_CH0, 50000, T0);
	pit_write(&p, PIT_MODE_PORT, 0x00, tick_ns(T0, 1234));
	/* A second latch before the read is ignored. */
	pit_write(&p, PIT_MODE_PORT, 0x00, tick_ns(T0, 2000));
	assert_int_equal(read_lohi(&p, PIT_CH0, tick_ns(T0, 3000)), 50000 - 1234);
	/* After it is read, reads are live again. */
	assert_int_equal(read_lohi(&p, PIT_CH0, tick_ns(T0, 4000)), 46000);
}

static void pit_read_back_latches_status_then_count(void **state)
{
	struct pit p;

	pit_init(&p, 0);
	program(&p, 0x30, PIT_CH0, 300, T0);
	program(&p, 0xb4, PIT_CH2, 7000, T0); /* gate low: not counting */
	/* Read-back: count and status, channels 0 and 2. */
	pit_write(&p, PIT_MODE_PORT, 0xc0 | 0x02 | 0x08, tick_ns(T0, 100));
	assert_int_equal(pit_read(&p, PIT_CH0, T0), 0x30); /* OUT 0, lohi, mode 0 */
	assert_int_equal(read_lohi(&p, PIT_CH0, tick_ns(T0, 250)), 200);
	assert_int_equal(pit_read(&p, PIT_CH2, T0), 0xb4); /* OUT 1, lohi, mode 2 */
	assert_int_equal(read_lohi(&p, PIT_CH2, T0), 7000);
	/* Status only, after terminal count: OUT set. */
	pit_write(&p, PIT_MODE_PORT, 0xe0 | 0x02, tick_ns(T0, 400));
	assert_int_equal(pit_read(&p, PIT_CH0, T0), 0xb0);
	/* A control word without a count reports null count. */
	pit_write(&p, PIT_MODE_PORT, 0x10, T0);
	pit_write(&p, PIT_MODE_PORT, 0xe2, T0);
	assert_int_equal(pit_read(&p, PIT_CH0, T0), 0x50);
}

static void pit_byte_access_modes_sequence_lsb_and_msb(void **state)
{
	struct pit p;

	pit_init(&p, 0);
	/* LSB only: the MSB is zero. */
	pit_write(&p, PIT_MODE_PORT, 0x14, T0);
	pit_write(&p, PIT_CH0, 0x80, T0);
	assert_int_equal(pit_read(&p, PIT_CH0, T0), 0x80);
	assert_int_equal(pit_read(&p, PIT_CH0, tick_ns(T0, 16)), 0x70);
	/* MSB only: the LSB is zero. */
	pit_write(&p, PIT_MODE_PORT, 0x24, T0);
	pit_write(&p, PIT_CH0, 0x12, T0);
	assert_int_equal(pit_read(&p, PIT_CH0, T0), 0x12);
	assert_int_equal(read_lohi(&p, PIT_CH0, T0), 0x1212);
	/* LSB then MSB: one count is loaded only after both bytes. */
	pit_write(&p, PIT_MODE_PORT, 0x34, T0);
	pit_write(&p, PIT_CH0, 0x34, T0);
	assert_int_equal(pit_next_event_ns(&p, T0), PIT_NEVER);
	pit_write(&p, PIT_CH0, 0x12, T0);
	assert_int_equal(read_lohi(&p, PIT_CH0, T0), 0x1234);
	assert_int_equal(pit_read(&p, PIT_CH0, T0), 0x34);
	assert_int_equal(pit_read(&p, PIT_CH0, T0), 0x12);
}

static void pit_count_zero_means_65536(void **state)
{
	struct pit p;

	pit_init(&p, 0);
	program(&p, 0x34, PIT_CH0, 0, T0);
	assert_int_equal(pit_next_event_ns(&p, T0), tick_ns(T0, 65536));
	assert_int_equal(read_lohi(&p, PIT_CH0, tick_ns(T0, 1)), 0xffff);
}

static void pit_bcd_counts_in_decimal(void **state)
{
	struct pit p;

	pit_init(&p, 0);
	program(&p, 0x31, PIT_CH0, 0x1000, T0); /* mode 0, BCD 1000 */
	assert_int_equal(read_lohi(&p, PIT_CH0, tick_ns(T0, 1)), 0x0999);
	assert_int_equal(pit_next_event_ns(&p, T0), tick_ns(T0, 1000));
	program(&p, 0x31, PIT_CH0, 0x0000, T0); /* 0 is 10000 */
	assert_int_equal(pit_next_event_ns(&p, T0), tick_ns(T0, 10000));
	assert_int_equal(read_lohi(&p, PIT_CH0, tick_ns(T0, 10001)), 0x9999);
}

/* arch/x86/kernel/tsc.c pit_calibrate_tsc(): gate high and speaker off,
 * channel 2 in mode 0 with a 50 ms count, poll port 0x61 bit 5. */
static void pit_port61_gate_and_out2_serve_linux_tsc_calibration(void **state)
{
	struct pit p;
	u16 latch = 1193182 / (1000 / 50);
	u64 t = T0, tc;
	unsigned int polls = 0;

	pit_init(&p, 0);
	pit_write(&p, PIT_PORT_B, (pit_read(&p, PIT_PORT_B, t) & ~0x02) | 0x01, t);
	assert_int_equal(pit_read(&p, PIT_PORT_B, t) & 0x0f, 0x01);
	pit_write(&p, PIT_MODE_PORT, 0xb0, t);
	pit_write(&p, PIT_CH2, latch & 0xff, t);
	pit_write(&p, PIT_CH2, latch >> 8, t);
	tc = tick_ns(t, latch);
	while (!(pit_read(&p, PIT_PORT_B, t) & 0x20)) {
		assert_true(t < tc);
		t += 997;
		polls++;
	}
	assert_true(t >= tc && t < tc + 997);
	assert_true(polls > 50000);
	/* IRQ0 is channel 0's business only: still 18.2 Hz from power-on. */
	assert_int_equal(pit_irq0_due(&p, t), ticks_at(0, t) / 65536);
}

/* tsc.c quick_pit_calibrate(): mode 0 from 0xffff, read LSB then MSB
 * without latching and watch the MSB step down every 256 ticks. */
static void pit_live_lohi_reads_let_linux_watch_the_msb(void **state)
{
	struct pit p;
	u64 t = T0;

	pit_init(&p, 0);
	pit_write(&p, PIT_PORT_B, 0x01, t);
	pit_write(&p, PIT_MODE_PORT, 0xb0, t);
	pit_write(&p, PIT_CH2, 0xff, t);
	pit_write(&p, PIT_CH2, 0xff, t);
	for (unsigned int i = 0; i < 200; i++) {
		u64 at = tick_ns(T0, 256 * i + 128);

		pit_read(&p, PIT_CH2, at);
		assert_int_equal(pit_read(&p, PIT_CH2, at), 0xff - i);
	}
}

static void pit_gate_low_pauses_mode0_and_restarts_mode2(void **state)
{
	struct pit p;
	u64 t1 = tick_ns(T0, 100), t2 = t1 + 1000000;
	u64 t3 = t2 + 1000000000, t4 = t3 + 1000000000;

	pit_init(&p, 0);
	pit_write(&p, PIT_PORT_B, 0x01, T0);
	program(&p, 0xb0, PIT_CH2, 1000, T0);
	pit_write(&p, PIT_PORT_B, 0x00, t1);
	assert_int_equal(read_lohi(&p, PIT_CH2, t2), 900);
	pit_write(&p, PIT_PORT_B, 0x01, t2);
	assert_int_equal(read_lohi(&p, PIT_CH2, tick_ns(t2, 50)), 850);
	assert_false(pit_read(&p, PIT_PORT_B, tick_ns(t2, 899)) & 0x20);
	assert_true(pit_read(&p, PIT_PORT_B, tick_ns(t2, 900)) & 0x20);

	/* Mode 2: gate low forces OUT high and stops; high reloads. */
	program(&p, 0xb4, PIT_CH2, 1000, t3);
	assert_false(pit_out(&p, 2, tick_ns(t3, 999)));
	pit_write(&p, PIT_PORT_B, 0x00, tick_ns(t3, 999));
	assert_true(pit_out(&p, 2, tick_ns(t3, 999)));
	assert_int_equal(read_lohi(&p, PIT_CH2, t4), 1);
	pit_write(&p, PIT_PORT_B, 0x01, t4);
	assert_int_equal(read_lohi(&p, PIT_CH2, t4), 1000);
	assert_true(pit_out(&p, 2, tick_ns(t4, 998)));
	assert_false(pit_out(&p, 2, tick_ns(t4, 999)));
}

static void pit_mode1_one_shot_waits_for_a_gate_edge(void **state)
{
	struct pit p;

	pit_init(&p, 0);
	program(&p, 0xb2, PIT_CH2, 500, T0);
	assert_true(pit_out(&p, 2, T0 + 1000000000));
	pit_write(&p, PIT_PORT_B, 0x01, T0);
	assert_false(pit_out(&p, 2, tick_ns(T0, 499)));
	assert_true(pit_out(&p, 2, tick_ns(T0, 500)));
}

static void pit_refresh_bit_toggles_every_15us(void **state)
{
	struct pit p;
	u8 a, b;

	pit_init(&p, 0);
	a = pit_read(&p, PIT_PORT_B, 0) & 0x10;
	b = pit_read(&p, PIT_PORT_B, 15085) & 0x10;
	assert_int_not_equal(a, b);
	assert_int_equal(pit_read(&p, PIT_PORT_B, 30170) & 0x10, a);
	/* The status bits 6 and 7 read as zero. */
	pit_write(&p, PIT_PORT_B, 0xff, 0);
	assert_int_equal(pit_read(&p, PIT_PORT_B, 0) & 0xcf, 0x0f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pit_mode2_raises_irq0_once_per_period_without_drift),
		cmocka_unit_test(pit_mode2_out_dips_for_one_tick_and_count_reloads),
		cmocka_unit_test(pit_mode3_square_wave_is_periodic_without_drift),
		cmocka_unit_test(pit_mode3_counts_down_by_two),
		cmocka_unit_test(pit_late_caller_sees_every_missed_period),
		cmocka_unit_test(pit_mode0_fires_once_at_terminal_count),
		cmocka_unit_test(pit_mode4_strobes_once_after_the_count),
		cmocka_unit_test(pit_control_word_stops_channel0_until_a_count_arrives),
		cmocka_unit_test(pit_power_on_channel0_ticks_at_18_2_hz),
		cmocka_unit_test(pit_latch_command_freezes_the_count_until_read),
		cmocka_unit_test(pit_read_back_latches_status_then_count),
		cmocka_unit_test(pit_byte_access_modes_sequence_lsb_and_msb),
		cmocka_unit_test(pit_count_zero_means_65536),
		cmocka_unit_test(pit_bcd_counts_in_decimal),
		cmocka_unit_test(pit_port61_gate_and_out2_serve_linux_tsc_calibration),
		cmocka_unit_test(pit_live_lohi_reads_let_linux_watch_the_msb),
		cmocka_unit_test(pit_gate_low_pauses_mode0_and_restarts_mode2),
		cmocka_unit_test(pit_mode1_one_shot_waits_for_a_gate_edge),
		cmocka_unit_test(pit_refresh_bit_toggles_every_15us),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
