/* SPDX-License-Identifier: MIT */
/*
 * The PC's 8254 programmable interval timer (channels 0-2 at ports
 * 0x40-0x43) and the timer bits of system control port B (0x61), as a state
 * machine over explicit time: every call takes now_ns, a monotonic guest
 * time in nanoseconds that the caller provides. The counters run at
 * 1193182 Hz; counts and output edges are computed from the time each
 * count was loaded, so there is no accumulated rounding drift. The model
 * knows nothing of ports' owners or interrupts: the caller routes the ports
 * and raises IRQ0 when pit_irq0_due() says so.
 * Runs: host root mode and host unit tests.
 * Register semantics: Intel 8254 Programmable Interval Timer data sheet
 * (order no. 231164); port 0x61: IBM PC/AT technical reference, as Linux's
 * arch/x86/kernel/tsc.c and i8253 code use it.
 */
#ifndef SHALE_PIT_H
#define SHALE_PIT_H

#include <shale/types.h>

#define PIT_HZ 1193182
#define PIT_CH0 0x40
#define PIT_CH2 0x42
#define PIT_MODE_PORT 0x43
#define PIT_PORT_B 0x61

#define PIT_NEVER (~0ULL)

struct pit_channel {
	u32 reload;        /* the count N in use, 1..65536 (10000 in BCD) */
	u64 start_ns;      /* when counting last (re)started */
	u64 base_ticks;    /* ticks counted before start_ns (gate pauses) */
	bool running;      /* counting now: loaded, gated on, triggered */
	bool loaded;       /* a count was written since the control word */
	bool triggered;    /* modes 1 and 5: a gate edge started the count */
	bool gate;
	bool null_count;   /* status bit 6 */
	bool bcd;
	u8 mode;           /* 0-5 */
	u8 rw;             /* 1 LSB, 2 MSB, 3 LSB then MSB */
	bool write_lsb_pending, read_msb_next; /* lohi sequencing */
	u8 write_lsb;
	u8 latch_bytes;    /* latched count bytes left to read: 0, 1 or 2 */
	u16 latched;       /* the latched count */
	u8 latch_rw;       /* rw as it was when the count was latched */
	bool status_latched;
	u8 status;
};

struct pit {
	struct pit_channel ch[3];
	u8 port_b;          /* 0x61 bits 0-3 as written */
	u64 irq0_ticks;     /* channel 0 ticks already examined for edges */
};

/* Power-on state as a PC's BIOS leaves it (SeaBIOS programs channel 0 so):
 * every channel in mode 3 with count 65536, channels 0 and 1 running from
 * now_ns, channel 2's gate (port 0x61 bit 0) low. */
void pit_init(struct pit *p, u64 now_ns);

/* Port access for 0x40-0x43 and 0x61; other ports read 0xff and ignore
 * writes. Port 0x61 reads OUT2 in bit 5, a refresh toggle (period
 * 2 x 15.085 us) in bit 4, and bits 0-3 as written; writes of bit 0 drive
 * channel 2's gate. */
u8 pit_read(struct pit *p, u16 port, u64 now_ns);
void pit_write(struct pit *p, u16 port, u8 val, u64 now_ns);

/* The OUT line of channel ch (0-2) at now_ns. */
bool pit_out(const struct pit *p, unsigned int ch, u64 now_ns);

/* The number of rising edges of OUT0 (each one an IRQ0 edge) since the
 * last call or since channel 0 was last programmed, up to now_ns. A caller
 * that is late by several periods may deliver one and drop the rest. */
u32 pit_irq0_due(struct pit *p, u64 now_ns);

/* The earliest time >= now_ns at which pit_irq0_due() returns non-zero
 * (now_ns itself if it already would), or PIT_NEVER. */
u64 pit_next_event_ns(const struct pit *p, u64 now_ns);

#endif /* SHALE_PIT_H */
