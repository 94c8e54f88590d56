/* SPDX-License-Identifier: MIT */
/* Delays and bounded waits timed by PIT channel 2. Runs: guest (test
 * kernel). */
#include "pit.h"
#include "x86.h"

#define PIT_CH2		0x42
#define PIT_CMD		0x43
#define PIT_CMD_CH2_MODE0	0xb0	/* channel 2, lobyte/hibyte, mode 0, binary */
#define PIT_CMD_CH2_LATCH	0x80	/* channel 2, counter latch */
#define PORT_B		0x61		/* NMI status and control */
#define PORT_B_GATE2	0x01
#define PORT_B_SPEAKER	0x02
#define PORT_B_OUT2	0x20

void pit_start_ticks(uint32_t ticks)
{
	if (!ticks)
		ticks = 1;
	if (ticks > 0xffff)
		ticks = 0xffff;
	outb(PORT_B, (inb(PORT_B) & ~PORT_B_SPEAKER) | PORT_B_GATE2);
	outb(PIT_CMD, PIT_CMD_CH2_MODE0);	/* OUT2 goes low */
	outb(PIT_CH2, ticks & 0xff);
	outb(PIT_CH2, ticks >> 8);		/* counting starts */
}

void pit_start(uint32_t us)
{
	if (us > PIT_MAX_US)
		us = PIT_MAX_US;
	/* 1.193182 ticks per microsecond; us * 1193 stays within 32 bits. */
	pit_start_ticks(us * 1193u / 1000u);
}

uint16_t pit_count(void)
{
	uint8_t lo, hi;

	outb(PIT_CMD, PIT_CMD_CH2_LATCH);
	lo = inb(PIT_CH2);
	hi = inb(PIT_CH2);
	return (uint16_t)(lo | hi << 8);
}

bool pit_expired(void)
{
	return inb(PORT_B) & PORT_B_OUT2;
}

static bool pit_stuck;

bool pit_stalled(void)
{
	return pit_stuck;
}

void pit_deadline_start(struct pit_deadline *d, uint32_t us)
{
	uint32_t chunk = us < PIT_MAX_US ? us : PIT_MAX_US;

	d->left_us = us - chunk;
	d->polls = 0;
	pit_start(chunk ? chunk : 1);
}

bool pit_deadline_passed(struct pit_deadline *d)
{
	uint32_t chunk;

	if (!pit_expired()) {
		if (!pit_stuck && ++d->polls < PIT_POLL_LIMIT)
			return false;
		pit_stuck = true;
		return true;
	}
	if (!d->left_us)
		return true;
	chunk = d->left_us < PIT_MAX_US ? d->left_us : PIT_MAX_US;
	d->left_us -= chunk;
	d->polls = 0;
	pit_start(chunk);
	return false;
}

void pit_delay_us(uint32_t us)
{
	struct pit_deadline d;

	pit_deadline_start(&d, us);
	while (!pit_deadline_passed(&d))
		__asm__ volatile("pause");
}

/* Reads a clock between two reads of the PIT's count: *val, and *pit =
 * their midpoint. False if the PIT reads are more than ticks / 100 apart. */
static bool pit_sample(uint32_t (*read)(void), uint32_t ticks, uint32_t *val,
		       uint32_t *pit)
{
	uint16_t p0 = pit_count(), p1;

	*val = read();
	p1 = pit_count();
	*pit = p1 + (uint16_t)(p0 - p1) / 2u;
	return (uint16_t)(p0 - p1) <= ticks / 100;
}

int pit_measure(uint32_t (*read)(void), bool down, uint32_t mask,
		uint32_t ticks, int tries, uint32_t *dclock, uint32_t *dpit)
{
	for (int t = 1; t <= tries; t++) {
		uint32_t c0, c1, p0, p1;
		bool ok = false;

		pit_start_ticks(0xffff);
		for (int i = 0; i < 10 && !ok; i++)
			ok = pit_sample(read, ticks, &c0, &p0);
		if (!ok)
			continue;
		for (uint32_t n = 0; (uint16_t)(p0 - pit_count()) < ticks &&
		     !pit_expired() && n < PIT_POLL_LIMIT; n++)
			__asm__ volatile("pause");
		ok = false;
		for (int i = 0; i < 10 && !ok; i++)
			ok = pit_sample(read, ticks, &c1, &p1);
		if (!ok || pit_expired() || p0 <= p1)
			continue;
		*dclock = (down ? c0 - c1 : c1 - c0) & mask;
		*dpit = p0 - p1;
		return t;
	}
	*dclock = *dpit = 0;
	return 0;
}
