/* SPDX-License-Identifier: MIT */
/*
 * The MC146818A RTC/CMOS model (see shale/rtc.h). While the clock runs it
 * is a second boundary of the divider chain (tick0) and the wall-clock
 * second at that boundary (sec0); the time registers are computed from
 * them when read, in BCD or binary and 12- or 24-hour form as register B
 * says. While the guest holds SET (or the divider in reset) the registers
 * are frozen bytes it may rewrite; releasing them parses the bytes back.
 * Flags in register C are brought up to date lazily, whenever the guest or
 * the caller looks, from the time elapsed since the last look.
 * Runs: host root mode and host unit tests.
 */
#include <shale/muldiv.h>
#include <shale/rtc.h>
#include <shale/string.h>

#define REG_SEC 0x00
#define REG_SEC_ALARM 0x01
#define REG_MIN 0x02
#define REG_MIN_ALARM 0x03
#define REG_HOUR 0x04
#define REG_HOUR_ALARM 0x05
#define REG_WDAY 0x06
#define REG_MDAY 0x07
#define REG_MONTH 0x08
#define REG_YEAR 0x09
#define REG_A 0x0a
#define REG_B 0x0b
#define REG_C 0x0c
#define REG_D 0x0d
#define REG_CENTURY 0x32
#define NVRAM_FIRST 0x0e

#define A_UIP 0x80
#define A_DV_RESET 0x60 /* divider bits 11x: chain held in reset */
#define A_RS 0x0f
#define B_SET 0x80
#define B_PIE 0x40
#define B_AIE 0x20
#define B_UIE 0x10
#define B_DM_BINARY 0x04
#define B_24H 0x02
#define C_IRQF 0x80
#define C_PF 0x40
#define C_AF 0x20
#define C_UF 0x10
#define C_SOURCES 0x70  /* PF/AF/UF line up with PIE/AIE/UIE in B */
#define D_VRT 0x80
#define HOUR_PM 0x80
#define ALARM_ANY 0xc0  /* "don't care" code: both top bits set */

#define OSC_HZ 32768
#define UIP_NS 244000ULL /* UIP rises 244 us before each update */
#define SECS_PER_DAY 86400

/* Internal times are now_ns + BIAS, so that "half a second before now"
 * (where the divider's first update after a reset falls) is never
 * negative, even at guest time 0. */
#define BIAS_NS NSEC_PER_SEC
#define NEVER_SEC INT64_MAX

static u64 biased(const struct rtc *r, u64 now)
{
	u64 t = now + BIAS_NS;

	return t < r->last ? r->last : t;
}

static s64 floor_div(s64 a, s64 b)
{
	s64 q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Days since 1970-01-01 of a proleptic Gregorian date, and back: Howard
 * Hinnant's "chrono-Compatible Low-Level Date Algorithms". */
static s64 days_from_civil(s64 y, unsigned int m, unsigned int d)
{
	s64 era, yoe, doy, doe;

	y -= m <= 2;
	era = floor_div(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(s64 z, s64 *y, unsigned int *m, unsigned int *d)
{
	s64 era, doe, yoe, doy, mp;

	z += 719468;
	era = floor_div(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static bool divider_reset(const struct rtc *r)
{
	return (r->cmos[REG_A] & A_DV_RESET) == A_DV_RESET;
}

static bool clock_running(const struct rtc *r)
{
	return !(r->cmos[REG_B] & B_SET) && !divider_reset(r);
}

/* The periodic interrupt's period in 32.768 kHz cycles, or 0 if off. Rate
 * selects 1 and 2 give 256 and 128 Hz with this time base, the same as
 * 8 and 9 (data sheet, table "Periodic Interrupt Rate"). */
static u32 periodic_cycles(const struct rtc *r)
{
	unsigned int rs = r->cmos[REG_A] & A_RS;

	if (!rs || divider_reset(r))
		return 0;
	if (rs <= 2)
		rs += 7;
	return 1u << (rs - 1);
}

static u64 periodic_index(const struct rtc *r, u64 t, u32 cycles)
{
	return muldiv64(t - r->tick0, OSC_HZ, NSEC_PER_SEC) / cycles;
}

static u8 to_reg(const struct rtc *r, unsigned int v)
{
	if (r->cmos[REG_B] & B_DM_BINARY)
		return (u8)v;
	return (u8)((v / 10 % 10) << 4 | v % 10);
}

static unsigned int from_reg(const struct rtc *r, u8 v)
{
	if (r->cmos[REG_B] & B_DM_BINARY)
		return v;
	return (v >> 4) * 10 + (v & 15);
}

static u8 hour_to_reg(const struct rtc *r, unsigned int h)
{
	if (r->cmos[REG_B] & B_24H)
		return to_reg(r, h);
	return (u8)(to_reg(r, h % 12 ? h % 12 : 12) | (h >= 12 ? HOUR_PM : 0));
}

/* 0-23, or a value above 23 when the byte is no valid hour. */
static unsigned int hour_from_reg(const struct rtc *r, u8 v)
{
	unsigned int h;

	if (r->cmos[REG_B] & B_24H)
		return from_reg(r, v);
	h = from_reg(r, v & ~HOUR_PM);
	if (h < 1 || h > 12)
		return 24;
	return h % 12 + (v & HOUR_PM ? 12 : 0);
}

static unsigned int clampu(unsigned int v, unsigned int lo, unsigned int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* Writes the time registers for wall-clock second 'sec'. The weekday is
 * 1-7 with Sunday 1, as PC firmware uses it. */
static void store_time(struct rtc *r, s64 sec)
{
	s64 days = floor_div(sec, SECS_PER_DAY);
	s64 sod = sec - days * SECS_PER_DAY;
	s64 wd = (days + 4) - floor_div(days + 4, 7) * 7; /* 1970-01-01: Thu */
	s64 y;
	unsigned int m, d;

	civil_from_days(days, &y, &m, &d);
	r->cmos[REG_SEC] = to_reg(r, (unsigned int)(sod % 60));
	r->cmos[REG_MIN] = to_reg(r, (unsigned int)(sod / 60 % 60));
	r->cmos[REG_HOUR] = hour_to_reg(r, (unsigned int)(sod / 3600));
	r->cmos[REG_WDAY] = to_reg(r, (unsigned int)wd + 1);
	r->cmos[REG_MDAY] = to_reg(r, d);
	r->cmos[REG_MONTH] = to_reg(r, m);
	r->cmos[REG_YEAR] = to_reg(r, (unsigned int)(y % 100));
	r->cmos[REG_CENTURY] = to_reg(r, (unsigned int)(y / 100));
}

/* The wall-clock second the time registers name. Out-of-range fields are
 * clamped (a real part would count on from nonsense; Linux never writes
 * any), and the weekday is not read: it follows from the date. */
static s64 load_time(const struct rtc *r)
{
	unsigned int sec = clampu(from_reg(r, r->cmos[REG_SEC]), 0, 59);
	unsigned int min = clampu(from_reg(r, r->cmos[REG_MIN]), 0, 59);
	unsigned int hour = clampu(hour_from_reg(r, r->cmos[REG_HOUR]), 0, 23);
	unsigned int mday = clampu(from_reg(r, r->cmos[REG_MDAY]), 1, 31);
	unsigned int mon = clampu(from_reg(r, r->cmos[REG_MONTH]), 1, 12);
	unsigned int yy = clampu(from_reg(r, r->cmos[REG_YEAR]), 0, 99);
	unsigned int cc = clampu(from_reg(r, r->cmos[REG_CENTURY]), 0, 99);

	return days_from_civil(cc * 100 + yy, mon, mday) * SECS_PER_DAY +
	       hour * 3600 + min * 60 + sec;
}

static s64 elapsed_secs(const struct rtc *r, u64 t)
{
	return (s64)((t - r->tick0) / NSEC_PER_SEC);
}

static s64 wall(const struct rtc *r, u64 t)
{
	return clock_running(r) ? r->sec0 + elapsed_secs(r, t) : load_time(r);
}

/* An alarm byte: the value to match, -1 for "don't care", -2 if it can
 * never match. */
static int alarm_field(const struct rtc *r, unsigned int reg, unsigned int max)
{
	u8 v = r->cmos[reg];
	unsigned int x;

	if ((v & ALARM_ANY) == ALARM_ANY)
		return -1;
	x = reg == REG_HOUR_ALARM ? hour_from_reg(r, v) : from_reg(r, v);
	return x <= max ? (int)x : -2;
}

/* The first wall-clock second after 'after' whose time of day matches the
 * alarm registers, or NEVER_SEC. Jumps a field at a time, so a day is
 * searched in a few hundred steps at most. */
static s64 alarm_next(const struct rtc *r, s64 after)
{
	int as = alarm_field(r, REG_SEC_ALARM, 59);
	int am = alarm_field(r, REG_MIN_ALARM, 59);
	int ah = alarm_field(r, REG_HOUR_ALARM, 23);
	s64 x = after + 1;

	if (as == -2 || am == -2 || ah == -2)
		return NEVER_SEC;
	for (unsigned int i = 0; i < 1000; i++) {
		s64 sod = x - floor_div(x, SECS_PER_DAY) * SECS_PER_DAY;
		int h = (int)(sod / 3600), m = (int)(sod / 60 % 60), s = (int)(sod % 60);

		if (ah >= 0 && h != ah)
			x += 3600 - sod % 3600;
		else if (am >= 0 && m != am)
			x += 60 - s;
		else if (as >= 0 && s != as)
			x += s < as ? as - s : 60 - s;
		else
			return x;
	}
	return NEVER_SEC;
}

/* IRQF = PF.PIE + AF.AIE + UF.UIE (data sheet, register C); its rising
 * edge is the interrupt. */
static void update_irqf(struct rtc *r)
{
	u8 *c = &r->cmos[REG_C];

	if (*c & r->cmos[REG_B] & C_SOURCES) {
		if (!(*c & C_IRQF))
			r->irq_edge = true;
		*c |= C_IRQF;
	} else {
		*c &= ~C_IRQF;
	}
}

/* Sets the flags for the periodic ticks and update cycles in (last, t]. */
static void advance(struct rtc *r, u64 t)
{
	u32 cycles = periodic_cycles(r);
	s64 b0, b1;

	if (t <= r->last)
		return;
	if (cycles && periodic_index(r, t, cycles) > periodic_index(r, r->last, cycles))
		r->cmos[REG_C] |= C_PF;
	if (clock_running(r)) {
		b0 = elapsed_secs(r, r->last);
		b1 = elapsed_secs(r, t);
		if (b1 > b0) {
			r->cmos[REG_C] |= C_UF;
			if (alarm_next(r, r->sec0 + b0) <= r->sec0 + b1)
				r->cmos[REG_C] |= C_AF;
		}
	}
	r->last = t;
	update_irqf(r);
}

static bool uip(const struct rtc *r, u64 t)
{
	return clock_running(r) &&
	       (t - r->tick0) % NSEC_PER_SEC >= NSEC_PER_SEC - UIP_NS;
}

/* Writes register A or B. Stopping the clock (SET, or divider reset)
 * freezes the current time into the registers; starting it parses them.
 * Leaving divider reset puts the first update half a second later (data
 * sheet, "Divider Control"); clearing SET keeps the divider's phase. */
static void write_control(struct rtc *r, unsigned int reg, u8 val, u64 t)
{
	bool was_running = clock_running(r), was_reset = divider_reset(r);
	s64 sec = wall(r, t);

	r->cmos[reg] = val;
	if (was_running && !clock_running(r))
		store_time(r, sec);
	if (was_reset && !divider_reset(r))
		r->tick0 = t - NSEC_PER_SEC / 2;
	if (!was_running && clock_running(r))
		r->sec0 = load_time(r) - elapsed_secs(r, t);
	update_irqf(r);
}

static bool is_time_reg(unsigned int i)
{
	return i == REG_SEC || i == REG_MIN || i == REG_HOUR ||
	       (i >= REG_WDAY && i <= REG_YEAR) || i == REG_CENTURY;
}

void rtc_init(struct rtc *r, s64 epoch_seconds, u64 now_ns)
{
	memset(r, 0, sizeof(*r));
	r->last = now_ns + BIAS_NS;
	r->tick0 = r->last;
	r->sec0 = epoch_seconds;
	r->cmos[REG_A] = 0x26; /* 32.768 kHz time base, 1024 Hz rate */
	r->cmos[REG_B] = B_24H;
	r->cmos[REG_D] = D_VRT;
}

void rtc_cmos_set(struct rtc *r, unsigned int index, u8 val)
{
	if (index >= NVRAM_FIRST && index < sizeof(r->cmos) && index != REG_CENTURY)
		r->cmos[index] = val;
}

bool rtc_nmi_masked(const struct rtc *r)
{
	return r->nmi_masked;
}

s64 rtc_time(const struct rtc *r, u64 now_ns)
{
	return wall(r, biased(r, now_ns));
}

static u8 read_data(struct rtc *r, u64 t)
{
	unsigned int i = r->index;
	u8 v;

	if (is_time_reg(i)) {
		if (clock_running(r))
			store_time(r, wall(r, t));
		return r->cmos[i];
	}
	switch (i) {
	case REG_A:
		return (u8)((r->cmos[REG_A] & ~A_UIP) | (uip(r, t) ? A_UIP : 0));
	case REG_C:
		advance(r, t);
		v = r->cmos[REG_C];
		r->cmos[REG_C] = 0; /* the IRQ line drops; the edge stays told */
		return v;
	case REG_D:
		return D_VRT;
	default:
		return r->cmos[i];
	}
}

static void write_data(struct rtc *r, u8 val, u64 t)
{
	unsigned int i = r->index;

	advance(r, t);
	if (is_time_reg(i)) {
		/* A write while running sets the clock at once (as QEMU does),
		 * keeping the divider's phase. */
		if (clock_running(r)) {
			store_time(r, wall(r, t));
			r->cmos[i] = val;
			r->sec0 = load_time(r) - elapsed_secs(r, t);
		} else {
			r->cmos[i] = val;
		}
		return;
	}
	switch (i) {
	case REG_A:
		write_control(r, REG_A, val & ~A_UIP, t);
		break;
	case REG_B:
		/* Setting SET clears UIE (data sheet, register B). */
		write_control(r, REG_B, (val & B_SET) ? (u8)(val & ~B_UIE) : val, t);
		break;
	case REG_C:
	case REG_D:
		break; /* read-only */
	default:
		r->cmos[i] = val;
		break;
	}
}

u8 rtc_read(struct rtc *r, u16 port, u64 now_ns)
{
	if (port != RTC_DATA_PORT)
		return 0xff; /* the index port is write-only */
	return read_data(r, biased(r, now_ns));
}

void rtc_write(struct rtc *r, u16 port, u8 val, u64 now_ns)
{
	if (port == RTC_INDEX_PORT) {
		r->index = val & 0x7f;
		r->nmi_masked = val & 0x80;
	} else if (port == RTC_DATA_PORT) {
		write_data(r, val, biased(r, now_ns));
	}
}

bool rtc_irq_due(struct rtc *r, u64 now_ns)
{
	bool due;

	advance(r, biased(r, now_ns));
	due = r->irq_edge;
	r->irq_edge = false;
	return due;
}

u64 rtc_next_event_ns(const struct rtc *r, u64 now_ns)
{
	u8 b = r->cmos[REG_B];
	u32 cycles = periodic_cycles(r);
	u64 best = RTC_NEVER, cand;
	s64 b0, s;

	if (r->irq_edge)
		return now_ns;
	if (r->cmos[REG_C] & C_IRQF)
		return RTC_NEVER; /* no new edge until the guest reads C */
	if ((b & B_PIE) && cycles) {
		u64 k = periodic_index(r, r->last, cycles) + 1;

		best = r->tick0 + muldiv64_ceil(k * cycles, NSEC_PER_SEC, OSC_HZ);
	}
	if (clock_running(r)) {
		b0 = elapsed_secs(r, r->last);
		if (b & B_UIE) {
			cand = r->tick0 + (u64)(b0 + 1) * NSEC_PER_SEC;
			best = cand < best ? cand : best;
		}
		s = (b & B_AIE) ? alarm_next(r, r->sec0 + b0) : NEVER_SEC;
		if (s != NEVER_SEC) {
			cand = r->tick0 + (u64)(s - r->sec0) * NSEC_PER_SEC;
			best = cand < best ? cand : best;
		}
	}
	if (best == RTC_NEVER)
		return RTC_NEVER;
	best -= BIAS_NS;
	return best > now_ns ? best : now_ns;
}
