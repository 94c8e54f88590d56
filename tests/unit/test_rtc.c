/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the MC146818A model (hypervisor/dev/rtc.c): the time in
 * BCD and binary, 24- and 12-hour form, the update cycle and UIP, the SET
 * bit and divider reset as Linux sets the clock, periodic, update-ended and
 * alarm interrupts, register C, the NMI mask bit and the NVRAM.
 * Runs: host unit tests.
 */
#include "support.h"

#include <shale/rtc.h>

#define SEC 1000000000ULL
#define T0 (3 * SEC + 123456789) /* guest time at init: mid-second */
#define LEAP_EVE 1709251198      /* 2024-02-29 23:59:58 UTC, a Thursday */
#define Y2K_EVE 946684799        /* 1999-12-31 23:59:59 UTC */
#define JUNE 1686832496          /* 2023-06-15 12:34:56 UTC */

static u8 cmos_read(struct rtc *r, u8 index, u64 now)
{
	rtc_write(r, RTC_INDEX_PORT, index, now);
	return rtc_read(r, RTC_DATA_PORT, now);
}

static void cmos_write(struct rtc *r, u8 index, u8 val, u64 now)
{
	rtc_write(r, RTC_INDEX_PORT, index, now);
	rtc_write(r, RTC_DATA_PORT, val, now);
}

static void rtc_reads_the_time_in_bcd_24_hour_form(void **state)
{
	struct rtc r;

	rtc_init(&r, LEAP_EVE, T0);
	assert_int_equal(cmos_read(&r, 0x0b, T0), 0x02);
	assert_int_equal(cmos_read(&r, 0x00, T0), 0x58);
	assert_int_equal(cmos_read(&r, 0x02, T0), 0x59);
	assert_int_equal(cmos_read(&r, 0x04, T0), 0x23);
	assert_int_equal(cmos_read(&r, 0x06, T0), 5);
	assert_int_equal(cmos_read(&r, 0x07, T0), 0x29);
	assert_int_equal(cmos_read(&r, 0x08, T0), 0x02);
	assert_int_equal(cmos_read(&r, 0x09, T0), 0x24);
	assert_int_equal(cmos_read(&r, 0x32, T0), 0x20);
}

static void rtc_reads_the_time_in_binary_12_hour_form(void **state)
{
	struct rtc r;
	u64 t = T0 + 2 * SEC;

	rtc_init(&r, LEAP_EVE, T0);
	cmos_write(&r, 0x0b, 0x04, T0); /* binary, 12-hour */
	assert_int_equal(cmos_read(&r, 0x04, T0), 0x80 | 11);
	assert_int_equal(cmos_read(&r, 0x00, T0), 58);
	assert_int_equal(cmos_read(&r, 0x07, T0), 29);
	/* Two seconds on: midnight, 1 March, shown as 12 AM. */
	assert_int_equal(cmos_read(&r, 0x04, t), 12);
	assert_int_equal(cmos_read(&r, 0x00, t), 0);
	assert_int_equal(cmos_read(&r, 0x07, t), 1);
	assert_int_equal(cmos_read(&r, 0x08, t), 3);
	assert_int_equal(cmos_read(&r, 0x06, t), 6);
	/* Noon is 12 PM. */
	t += 12 * 3600 * SEC;
	assert_int_equal(cmos_read(&r, 0x04, t), 0x80 | 12);
}

static void rtc_clock_advances_with_guest_time_into_a_new_century(void **state)
{
	struct rtc r;

	rtc_init(&r, Y2K_EVE, T0);
	assert_int_equal(cmos_read(&r, 0x09, T0), 0x99);
	assert_int_equal(cmos_read(&r, 0x32, T0), 0x19);
	/* The first update is one second after init, not at a rounded
	 * guest time. */
	assert_int_equal(cmos_read(&r, 0x00, T0 + SEC - 1), 0x59);
	assert_int_equal(cmos_read(&r, 0x00, T0 + SEC), 0x00);
	assert_int_equal(cmos_read(&r, 0x09, T0 + SEC), 0x00);
	assert_int_equal(cmos_read(&r, 0x32, T0 + SEC), 0x20);
	assert_int_equal(cmos_read(&r, 0x06, T0 + SEC), 7);
	assert_int_equal(rtc_time(&r, T0 + 86400 * SEC), Y2K_EVE + 86400);
}

static void rtc_uip_is_set_for_244us_before_each_update(void **state)
{
	struct rtc r;
	u64 upd = T0 + 5 * SEC;
	u64 t;

	rtc_init(&r, JUNE, T0);
	assert_false(cmos_read(&r, 0x0a, upd - 244001) & 0x80);
	assert_true(cmos_read(&r, 0x0a, upd - 244000) & 0x80);
	assert_true(cmos_read(&r, 0x0a, upd - 1) & 0x80);
	/* During UIP the registers still hold the old second. */
	assert_int_equal(cmos_read(&r, 0x00, upd - 1), 0x00);
	assert_false(cmos_read(&r, 0x0a, upd) & 0x80);
	assert_int_equal(cmos_read(&r, 0x00, upd), 0x01);
	assert_int_equal(cmos_read(&r, 0x0a, upd), 0x26);
	/* Linux's mc146818_get_time(): wait for UIP to clear, then read. */
	for (t = upd + SEC - 200000; cmos_read(&r, 0x0a, t) & 0x80; t += 10000)
		;
	assert_true(t >= upd + SEC);
	assert_int_equal(cmos_read(&r, 0x00, t), 0x02);
}

static void rtc_set_bit_freezes_the_clock_for_writing(void **state)
{
	struct rtc r;
	u64 t = T0 + 400000000; /* 0.4 s after a second boundary */

	rtc_init(&r, JUNE, T0);
	cmos_write(&r, 0x0b, 0x02 | 0x10, T0); /* UIE on */
	cmos_write(&r, 0x0b, 0x80 | 0x02 | 0x10, t);
	assert_int_equal(cmos_read(&r, 0x0b, t), 0x82); /* SET clears UIE */
	assert_false(cmos_read(&r, 0x0a, T0 + SEC - 1000) & 0x80);
	assert_int_equal(cmos_read(&r, 0x00, t + 10 * SEC), 0x56);
	cmos_write(&r, 0x04, 0x07, t + 10 * SEC);
	cmos_write(&r, 0x02, 0x00, t + 10 * SEC);
	cmos_write(&r, 0x00, 0x30, t + 10 * SEC);
	cmos_write(&r, 0x0b, 0x02, t + 10 * SEC);
	assert_int_equal(rtc_time(&r, t + 10 * SEC), 
			 JUNE - (12 * 3600 + 34 * 60 + 56) + 7 * 3600 + 30);
	/* The divider kept its phase: the next update is at T0 + 11 s. */
	assert_int_equal(cmos_read(&r, 0x00, T0 + 11 * SEC - 1), 0x30);
	assert_int_equal(cmos_read(&r, 0x00, T0 + 11 * SEC), 0x31);
	assert_int_equal(cmos_read(&r, 0x04, T0 + 11 * SEC), 0x07);
}

/* drivers/rtc/rtc-mc146818-lib.c mc146818_set_time(): SET, divider reset
 * (0x70), the new time, then B and A restored. */
static void rtc_linux_set_time_restarts_the_divider_half_a_second_later(void **state)
{
	struct rtc r;
	u64 t = T0 + 2 * SEC + 700000000;
	u8 b, a;

	rtc_init(&r, JUNE, T0);
	b = cmos_read(&r, 0x0b, t);
	cmos_write(&r, 0x0b, b | 0x80, t);
	a = cmos_read(&r, 0x0a, t);
	cmos_write(&r, 0x0a, a | 0x70, t);
	cmos_write(&r, 0x00, 0x00, t);
	cmos_write(&r, 0x02, 0x00, t);
	cmos_write(&r, 0x04, 0x00, t);
	cmos_write(&r, 0x07, 0x01, t);
	cmos_write(&r, 0x08, 0x01, t);
	cmos_write(&r, 0x09, 0x25, t);
	cmos_write(&r, 0x32, 0x20, t);
	cmos_write(&r, 0x0b, b, t + 1000);
	assert_int_equal(cmos_read(&r, 0x00, t + 5 * SEC), 0x00); /* still reset */
	cmos_write(&r, 0x0a, a, t + 5 * SEC);
	assert_int_equal(cmos_read(&r, 0x0a, t + 5 * SEC), 0x26);
	assert_int_equal(cmos_read(&r, 0x00, t + 5 * SEC + SEC / 2 - 1), 0x00);
	assert_int_equal(cmos_read(&r, 0x00, t + 5 * SEC + SEC / 2), 0x01);
	/* 2025-01-01 00:00:01 */
	assert_int_equal(rtc_time(&r, t + 5 * SEC + SEC / 2), 1735689601);
}

static void rtc_write_while_running_sets_the_clock_at_once(void **state)
{
	struct rtc r;

	rtc_init(&r, JUNE, T0);
	cmos_write(&r, 0x02, 0x00, T0 + 100);
	assert_int_equal(rtc_time(&r, T0 + 100), JUNE - 34 * 60);
	assert_int_equal(cmos_read(&r, 0x00, T0 + SEC), 0x57);
}

/* Register A 0x26, PIE: the guest reads C in each handler. */
static void rtc_periodic_interrupt_at_1024hz_is_exact(void **state)
{
	struct rtc r;
	u64 t = T0, ev;

	rtc_init(&r, JUNE, T0);
	assert_int_equal(rtc_next_event_ns(&r, T0), RTC_NEVER);
	cmos_write(&r, 0x0b, 0x42, T0);
	for (unsigned int k = 1; k <= 1024 * 10; k++) {
		ev = rtc_next_event_ns(&r, t);
		assert_int_equal(ev, T0 + ((u64)k * SEC + 1023) / 1024);
		assert_false(rtc_irq_due(&r, ev - 1));
		assert_true(rtc_irq_due(&r, ev));
		assert_int_equal(cmos_read(&r, 0x0c, ev) & 0xc0, 0xc0);
		t = ev;
	}
	assert_int_equal(t, T0 + 10 * SEC);
}

static void rtc_periodic_interrupt_at_2hz_via_next_event(void **state)
{
	struct rtc r;
	u64 t = T0;

	rtc_init(&r, JUNE, T0);
	cmos_write(&r, 0x0a, 0x2f, T0); /* rate 15: 500 ms */
	cmos_write(&r, 0x0b, 0x42, T0);
	for (unsigned int k = 1; k <= 100; k++) {
		t = rtc_next_event_ns(&r, t);
		assert_int_equal(t, T0 + k * (SEC / 2));
		assert_true(rtc_irq_due(&r, t));
		assert_int_equal(cmos_read(&r, 0x0c, t) & 0xc0, 0xc0);
	}
	/* Rates 1 and 2 are 256 and 128 Hz with the 32.768 kHz base. */
	cmos_write(&r, 0x0a, 0x21, t);
	assert_int_equal(rtc_next_event_ns(&r, t), t + 3906250);
	cmos_write(&r, 0x0a, 0x22, t);
	assert_int_equal(rtc_next_event_ns(&r, t), t + 7812500);
	cmos_write(&r, 0x0a, 0x20, t); /* rate 0: off */
	assert_int_equal(rtc_next_event_ns(&r, t), RTC_NEVER);
}

static void rtc_register_c_is_read_to_clear_and_gates_new_edges(void **state)
{
	struct rtc r;
	u64 p = SEC / 1024 + 1;

	rtc_init(&r, JUNE, T0);
	cmos_write(&r, 0x0b, 0x42, T0);
	assert_true(rtc_irq_due(&r, T0 + 3 * p));
	/* IRQF stays up: no new edge, and nothing to wait for. */
	assert_false(rtc_irq_due(&r, T0 + 10 * p));
	assert_int_equal(rtc_next_event_ns(&r, T0 + 10 * p), RTC_NEVER);
	assert_int_equal(cmos_read(&r, 0x0c, T0 + 10 * p), 0xc0);
	assert_int_equal(cmos_read(&r, 0x0c, T0 + 10 * p), 0x00);
	assert_int_equal(rtc_next_event_ns(&r, T0 + 10 * p),
			 T0 + (11 * SEC + 1023) / 1024);
}

static void rtc_flags_set_without_enables_and_enabling_raises_irq(void **state)
{
	struct rtc r;
	u64 t = T0 + SEC + 1;

	rtc_init(&r, JUNE, T0);
	assert_false(rtc_irq_due(&r, t));
	assert_int_equal(cmos_read(&r, 0x0c, t), 0x50); /* PF, UF; no IRQF */
	assert_false(rtc_irq_due(&r, t + SEC));
	cmos_write(&r, 0x0b, 0x12, t + SEC); /* UIE with UF already set */
	assert_true(rtc_irq_due(&r, t + SEC));
	assert_int_equal(cmos_read(&r, 0x0c, t + SEC), 0xd0);
}

static void rtc_update_ended_interrupt_comes_each_second(void **state)
{
	struct rtc r;
	u64 t = T0;

	rtc_init(&r, JUNE, T0);
	cmos_write(&r, 0x0b, 0x12, T0);
	for (unsigned int k = 1; k <= 5; k++) {
		t = rtc_next_event_ns(&r, t);
		assert_int_equal(t, T0 + k * SEC);
		assert_true(rtc_irq_due(&r, t));
		assert_int_equal(cmos_read(&r, 0x0c, t) & 0x90, 0x90);
	}
}

static void rtc_alarm_fires_at_the_matching_second(void **state)
{
	struct rtc r;
	u64 at = T0 + 64 * SEC; /* 12:36:00 */

	rtc_init(&r, JUNE, T0);
	cmos_write(&r, 0x01, 0x00, T0);
	cmos_write(&r, 0x03, 0x36, T0);
	cmos_write(&r, 0x05, 0x12, T0);
	cmos_write(&r, 0x0b, 0x22, T0);
	assert_int_equal(rtc_next_event_ns(&r, T0), at);
	assert_false(rtc_irq_due(&r, at - 1));
	assert_true(rtc_irq_due(&r, at));
	assert_int_equal(cmos_read(&r, 0x0c, at) & 0xb0, 0xb0); /* IRQF, AF, UF */
	/* The same time tomorrow. */
	assert_int_equal(rtc_next_event_ns(&r, at), at + 86400 * SEC);
}

static void rtc_alarm_dont_care_bytes_match_every_value(void **state)
{
	struct rtc r;
	u64 t = T0;

	rtc_init(&r, JUNE, T0);
	cmos_write(&r, 0x01, 0x30, T0);
	cmos_write(&r, 0x03, 0xff, T0);
	cmos_write(&r, 0x05, 0xc0, T0);
	cmos_write(&r, 0x0b, 0x22, T0);
	for (unsigned int k = 0; k < 3; k++) {
		t = rtc_next_event_ns(&r, t);
		assert_int_equal(t, T0 + (34 + 60 * k) * SEC); /* hh:mm:30 */
		assert_true(rtc_irq_due(&r, t));
		assert_int_equal(cmos_read(&r, 0x0c, t) & 0xa0, 0xa0);
	}
	/* An alarm the guest missed by sleeping through it still sets AF. */
	cmos_read(&r, 0x0c, t);
	assert_true(rtc_irq_due(&r, t + 3600 * SEC));
	/* An impossible alarm never fires. */
	cmos_write(&r, 0x01, 0x75, t + 3600 * SEC);
	assert_int_equal(cmos_read(&r, 0x0c, t + 3600 * SEC) & 0x20, 0x20);
	assert_int_equal(rtc_next_event_ns(&r, t + 3600 * SEC), RTC_NEVER);
}

static void rtc_nmi_mask_bit_is_kept_apart_from_the_index(void **state)
{
	struct rtc r;

	rtc_init(&r, JUNE, T0);
	assert_false(rtc_nmi_masked(&r));
	rtc_write(&r, RTC_INDEX_PORT, 0x8d, T0);
	assert_true(rtc_nmi_masked(&r));
	assert_int_equal(rtc_read(&r, RTC_DATA_PORT, T0), 0x80); /* reg D */
	rtc_write(&r, RTC_INDEX_PORT, 0x0d, T0);
	assert_false(rtc_nmi_masked(&r));
	assert_int_equal(rtc_read(&r, RTC_INDEX_PORT, T0), 0xff);
}

static void rtc_register_d_reports_valid_ram_and_is_read_only(void **state)
{
	struct rtc r;

	rtc_init(&r, JUNE, T0);
	cmos_write(&r, 0x0d, 0x00, T0);
	assert_int_equal(cmos_read(&r, 0x0d, T0), 0x80);
	cmos_write(&r, 0x0c, 0xff, T0);
	assert_int_equal(cmos_read(&r, 0x0c, T0), 0x00);
}

static void rtc_nvram_keeps_guest_bytes_and_caller_presets(void **state)
{
	struct rtc r;

	rtc_init(&r, JUNE, T0);
	rtc_cmos_set(&r, CMOS_BASE_MEM_LO, 0x80);
	rtc_cmos_set(&r, CMOS_BASE_MEM_LO + 1, 0x02);
	rtc_cmos_set(&r, CMOS_MEM_16M_LO, 0x00);
	rtc_cmos_set(&r, CMOS_MEM_16M_LO + 1, 0x0f);
	rtc_cmos_set(&r, CMOS_MEM_4G_LO + 2, 0x01);
	rtc_cmos_set(&r, CMOS_EQUIPMENT, 0x06);
	rtc_cmos_set(&r, 0x32, 0x99); /* the century is the clock's */
	rtc_cmos_set(&r, 0x0b, 0xff); /* registers are not NVRAM */
	rtc_cmos_set(&r, 0x80, 0xff); /* out of range */
	assert_int_equal(cmos_read(&r, 0x15, T0), 0x80);
	assert_int_equal(cmos_read(&r, 0x16, T0), 0x02);
	assert_int_equal(cmos_read(&r, 0x35, T0), 0x0f);
	assert_int_equal(cmos_read(&r, 0x5d, T0), 0x01);
	assert_int_equal(cmos_read(&r, 0x14, T0), 0x06);
	assert_int_equal(cmos_read(&r, 0x32, T0), 0x20);
	assert_int_equal(cmos_read(&r, 0x0b, T0), 0x02);
	for (unsigned int i = 0x40; i < 0x80; i++)
		cmos_write(&r, (u8)i, (u8)(i ^ 0x5a), T0);
	for (unsigned int i = 0x40; i < 0x80; i++)
		assert_int_equal(cmos_read(&r, (u8)i, T0), i ^ 0x5a);
	/* The index wraps at 128 bytes: 0xc0 with NMI off is 0x40. */
	assert_int_equal(cmos_read(&r, 0xc0, T0), 0x40 ^ 0x5a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rtc_reads_the_time_in_bcd_24_hour_form),
		cmocka_unit_test(rtc_reads_the_time_in_binary_12_hour_form),
		cmocka_unit_test(rtc_clock_advances_with_guest_time_into_a_new_century),
		cmocka_unit_test(rtc_uip_is_set_for_244us_before_each_update),
		cmocka_unit_test(rtc_set_bit_freezes_the_clock_for_writing),
		cmocka_unit_test(rtc_linux_set_time_restarts_the_divider_half_a_second_later),
		cmocka_unit_test(rtc_write_while_running_sets_the_clock_at_once),
		cmocka_unit_test(rtc_periodic_interrupt_at_1024hz_is_exact),
		cmocka_unit_test(rtc_periodic_interrupt_at_2hz_via_next_event),
		cmocka_unit_test(rtc_register_c_is_read_to_clear_and_gates_new_edges),
		cmocka_unit_test(rtc_flags_set_without_enables_and_enabling_raises_irq),
		cmocka_unit_test(rtc_update_ended_interrupt_comes_each_second),
		cmocka_unit_test(rtc_alarm_fires_at_the_matching_second),
		cmocka_unit_test(rtc_alarm_dont_care_bytes_match_every_value),
		cmocka_unit_test(rtc_nmi_mask_bit_is_kept_apart_from_the_index),
		cmocka_unit_test(rtc_register_d_reports_valid_ram_and_is_read_only),
		cmocka_unit_test(rtc_nvram_keeps_guest_bytes_and_caller_presets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
