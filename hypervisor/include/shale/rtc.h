/* SPDX-License-Identifier: MIT */
/*
 * The PC's MC146818A real-time clock and its CMOS RAM behind index port
 * 0x70 (bit 7: NMI disable) and data port 0x71, as a state machine over
 * explicit time: every call that can observe time takes now_ns, a
 * monotonic guest time in nanoseconds. The wall clock starts from the
 * seconds since the epoch the caller gives at init and advances with
 * now_ns. The model raises nothing itself: the caller asks rtc_irq_due()
 * and pulses IRQ8.
 * Runs: host root mode and host unit tests.
 * Register semantics: Motorola MC146818A data sheet (registers A-D, the
 * update cycle, periodic rates, alarm "don't care" codes); the century
 * byte at 0x32 and the NVRAM layout are the IBM PC/AT's.
 */
#ifndef SHALE_RTC_H
#define SHALE_RTC_H

#include <shale/types.h>

#define RTC_INDEX_PORT 0x70
#define RTC_DATA_PORT 0x71
#define RTC_NEVER (~0ULL)

/* CMOS indices a caller may want to preset with rtc_cmos_set(). */
#define CMOS_EQUIPMENT 0x14
#define CMOS_BASE_MEM_LO 0x15   /* KiB below 1 MiB, 0x15-0x16 */
#define CMOS_EXT_MEM_LO 0x17    /* KiB above 1 MiB up to 64 MiB, 0x17-0x18 */
#define CMOS_EXT_MEM2_LO 0x30   /* same, copy at 0x30-0x31 */
#define CMOS_MEM_16M_LO 0x34    /* 64 KiB units from 16 MiB to 4 GiB, 0x34-0x35 */
#define CMOS_MEM_4G_LO 0x5b     /* 64 KiB units above 4 GiB, 0x5b-0x5d */

struct rtc {
	u8 cmos[128];     /* registers and NVRAM; the time bytes (0, 2, 4,
			   * 6-9, 0x32) are only meaningful while stopped */
	u8 index;         /* selected by port 0x70 */
	bool nmi_masked;  /* port 0x70 bit 7 as last written */
	bool irq_edge;    /* IRQF rose and rtc_irq_due() has not said so */
	u64 tick0;        /* a second boundary of the divider chain, in
			   * biased guest ns (see rtc.c) */
	s64 sec0;         /* wall-clock seconds at tick0 */
	u64 last;         /* biased guest ns up to which flags are current */
};

/* Power-on state: clock running from 'epoch_seconds' (seconds since
 * 1970-01-01 00:00:00 UTC) at now_ns, 24-hour BCD mode, 1024 Hz periodic
 * rate selected but no interrupt enabled, NVRAM zeroed. */
void rtc_init(struct rtc *r, s64 epoch_seconds, u64 now_ns);

/* Presets a CMOS byte, index 0x0e-0x7f except the century byte 0x32,
 * which the clock owns; other indices are ignored. */
void rtc_cmos_set(struct rtc *r, unsigned int index, u8 val);

/* Port access for 0x70 and 0x71; other ports read 0xff and ignore
 * writes. Port 0x70 is write-only and reads 0xff. Reading register C
 * returns the flags and clears them. */
u8 rtc_read(struct rtc *r, u16 port, u64 now_ns);
void rtc_write(struct rtc *r, u16 port, u8 val, u64 now_ns);

/* True if the guest has disabled NMIs (port 0x70 bit 7). */
bool rtc_nmi_masked(const struct rtc *r);

/* The wall clock at now_ns in seconds since the epoch, as the guest set
 * it (frozen while the guest holds SET or the divider in reset). */
s64 rtc_time(const struct rtc *r, u64 now_ns);

/* True once for every rising edge of IRQF (register C bit 7) up to now_ns:
 * the IRQ8 edge to deliver. IRQF stays set, and no further edge comes,
 * until the guest reads register C. */
bool rtc_irq_due(struct rtc *r, u64 now_ns);

/* The earliest time >= now_ns at which rtc_irq_due() returns true (now_ns
 * if it already would), or RTC_NEVER while nothing enabled can fire. */
u64 rtc_next_event_ns(const struct rtc *r, u64 now_ns);

#endif /* SHALE_RTC_H */
