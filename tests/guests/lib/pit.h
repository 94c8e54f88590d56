/* SPDX-License-Identifier: MIT */
/* Delays, bounded waits and count reads on PIT channel 2 (the speaker
 * channel, gated by port 0x61 bit 0, its output OUT2 read back in port
 * 0x61 bit 5, its count latched through port 0x43), the way Linux
 * calibrates against the PIT. Only one CPU may use it at a time. Runs:
 * guest (test kernel). */
#ifndef GUEST_PIT_H
#define GUEST_PIT_H

#include <stdbool.h>
#include <stdint.h>

#define PIT_HZ		1193182u
#define PIT_MAX_US	54000u	/* the longest single count (< 65536 ticks) */

/* Starts channel 2 counting down us microseconds (1..PIT_MAX_US) in mode
 * 0 with the gate on and the speaker off. */
void pit_start(uint32_t us);

/* The same for a count of ticks (1..65535) at PIT_HZ. */
void pit_start_ticks(uint32_t ticks);

/* Channel 2's current count (latched, then read low and high byte). In
 * mode 0 it keeps counting down past 0, wrapping to 0xffff, after OUT2
 * has gone high. */
uint16_t pit_count(void);

/* True once the count started by pit_start has run out (OUT2 high). */
bool pit_expired(void);

/* Busy-waits us microseconds (any length; longer ones in chunks). */
void pit_delay_us(uint32_t us);

/* A bounded wait: pit_deadline_start arms it, pit_deadline_passed polls
 * it (re-arming channel 2 chunk by chunk) and says when us have gone. */
struct pit_deadline {
	uint32_t left_us;	/* not yet started in chunks */
	uint32_t polls;		/* of the current chunk */
};
void pit_deadline_start(struct pit_deadline *d, uint32_t us);
bool pit_deadline_passed(struct pit_deadline *d);

/* Polls of OUT2 after which a chunk that never ran out counts as run out
 * anyway: far more than a 54 ms count takes even at one poll per 10 ns. */
#define PIT_POLL_LIMIT	5000000u

/* True once some wait gave up on OUT2 after PIT_POLL_LIMIT polls; every
 * wait then ends at once, so a host without a working channel 2 fails the
 * checks that need it instead of hanging. */
bool pit_stalled(void);

/*
 * Measures a clock against channel 2: both are read at two instants at
 * least ticks (< 50000) PIT ticks apart, each instant a read of the clock
 * bracketed by two PIT reads no more than ticks / 100 apart. Unlike timing
 * a countdown, this does not care whether the vCPU runs when the PIT runs
 * out, only that it does not stall inside a bracket (retried) or for the
 * whole 55 ms the 16-bit count lasts (OUT2 then reads high; the try is
 * dropped). *dclock is how far the clock moved (down if down, else up;
 * within mask), *dpit the PIT ticks. Returns the tries it took (up to
 * tries), or 0 if none held (then both are 0).
 */
int pit_measure(uint32_t (*read)(void), bool down, uint32_t mask,
		uint32_t ticks, int tries, uint32_t *dclock, uint32_t *dpit);

#endif
