/* SPDX-License-Identifier: MIT */
/*
 * The 8254 PIT model (see shale/pit.h). A channel's state is the count N it
 * was loaded with and the guest time it started counting; its current
 * count and OUT level are functions of the clock ticks elapsed since then,
 * ticks = floor(elapsed_ns * 1193182 / 10^9), so a periodic channel never
 * drifts however long it runs. Modes 0-5 per the Intel 8254 data sheet,
 * binary and BCD counting, the latch and read-back commands.
 * Runs: host root mode and host unit tests.
 */
#include <shale/muldiv.h>
#include <shale/pit.h>
#include <shale/string.h>

#define CW_BCD 0x01
#define CW_SC_READBACK 3
#define RB_NO_COUNT 0x20  /* read-back: bit clear = latch the counts */
#define RB_NO_STATUS 0x10 /* read-back: bit clear = latch the statuses */
#define RW_LSB 1
#define RW_MSB 2
#define RW_LOHI 3
#define PORT_B_GATE2 0x01
#define PORT_B_RW 0x0f    /* gate, speaker, parity and IOCHK enables */
#define PORT_B_REFRESH 0x10
#define PORT_B_OUT2 0x20
#define REFRESH_NS 15085  /* DRAM refresh request period on the PC/AT */

static u64 ch_ticks(const struct pit_channel *c, u64 now)
{
	if (!c->running || now <= c->start_ns)
		return c->base_ticks;
	return c->base_ticks + muldiv64(now - c->start_ns, PIT_HZ, NSEC_PER_SEC);
}

/* The first guest time at which the channel's tick count reaches k. */
static u64 tick_time(const struct pit_channel *c, u64 k)
{
	if (k <= c->base_ticks)
		return c->start_ns;
	return c->start_ns + muldiv64_ceil(k - c->base_ticks, NSEC_PER_SEC, PIT_HZ);
}

static u32 modulus(const struct pit_channel *c)
{
	return c->bcd ? 10000 : 65536;
}

/* The counting element's value (0 .. modulus - 1) after d ticks. In modes
 * 2 and 3 the counter reloads every N ticks (mode 3 counts by two through
 * each half period); the other modes count down and wrap. */
static u32 ch_value(const struct pit_channel *c, u64 d)
{
	u32 n = c->reload, m = modulus(c);

	switch (c->mode) {
	case 2:
		return (n - (u32)(d % n)) % m;
	case 3:
		return (n - (u32)((2 * (d % n)) % n)) % m;
	default:
		return (n + m - (u32)(d % m)) % m;
	}
}

static u16 bin2bcd(u32 v)
{
	return (u16)((v % 10) | (v / 10 % 10) << 4 | (v / 100 % 10) << 8 |
		     (v / 1000 % 10) << 12);
}

static u32 bcd2bin(u16 v)
{
	return (v & 15) + (v >> 4 & 15) * 10 + (v >> 8 & 15) * 100 +
	       (v >> 12 & 15) * 1000;
}

/* The count as the data port reads it. */
static u16 ch_read_count(const struct pit_channel *c, u64 now)
{
	u32 v = ch_value(c, ch_ticks(c, now));

	return c->bcd ? bin2bcd(v) : (u16)v;
}

/* OUT per mode (data sheet, "Operation" figures): mode 0 low until
 * terminal count; mode 1 low from the trigger to terminal count; mode 2
 * low for the tick the count is 1; mode 3 high for the first ceil(N/2)
 * ticks of each period; modes 4 and 5 low for the tick after the count
 * reaches 0. A gate held low forces OUT high in modes 2 and 3. */
static bool ch_out(const struct pit_channel *c, u64 now)
{
	u64 d = ch_ticks(c, now);
	u32 n = c->reload;

	if (!c->loaded)
		return c->mode != 0;
	switch (c->mode) {
	case 0:
		return d >= n;
	case 1:
		return !c->triggered || d >= n;
	case 2:
		return !c->gate || n < 2 || d % n != n - 1;
	case 3:
		return !c->gate || n < 2 || d % n < (n + 1) / 2;
	case 4:
		return d != n;
	default:
		return !c->triggered || d != n;
	}
}

/* Rising edges of OUT at ticks k with from < k <= to, for a running
 * channel: at N in modes 0 and 1, at every multiple of N in modes 2 and 3
 * (a count below 2 is illegal there and gives none), at N + 1 in modes 4
 * and 5. */
static u64 ch_rises(const struct pit_channel *c, u64 from, u64 to)
{
	u64 n = c->reload;

	if (!c->loaded || !c->running || to <= from)
		return 0;
	switch (c->mode) {
	case 0:
	case 1:
		return from < n && n <= to;
	case 2:
	case 3:
		return n < 2 ? 0 : to / n - from / n;
	default:
		return from < n + 1 && n + 1 <= to;
	}
}

/* The first tick after 'from' at which OUT rises, or PIT_NEVER. */
static u64 ch_next_rise(const struct pit_channel *c, u64 from)
{
	u64 n = c->reload;

	if (!c->loaded || !c->running)
		return PIT_NEVER;
	switch (c->mode) {
	case 0:
	case 1:
		return from < n ? n : PIT_NEVER;
	case 2:
	case 3:
		return n < 2 ? PIT_NEVER : (from / n + 1) * n;
	default:
		return from < n + 1 ? n + 1 : PIT_NEVER;
	}
}

/* Starts counting from N at now. Modes 1 and 5 wait for a gate edge.
 * A count written to a running mode 2 or 3 channel restarts it at once,
 * where the 8254 would finish the current period first; QEMU and KVM do
 * the same, and Linux writes the control word first anyway. */
static void ch_load(struct pit *p, struct pit_channel *c, u16 val, u64 now)
{
	u32 n = c->bcd ? bcd2bin(val) : val;

	c->reload = n ? n : modulus(c);
	c->loaded = true;
	c->null_count = false;
	c->triggered = false;
	c->base_ticks = 0;
	c->start_ns = now;
	c->running = (c->mode == 1 || c->mode == 5) ? false : c->gate;
	if (c == &p->ch[0])
		p->irq0_ticks = 0;
}

/* A gate change (only channel 2's gate is wired): low pauses modes 0 and
 * 4 and stops modes 2 and 3; a rising edge resumes 0 and 4, restarts 2
 * and 3 from N, and triggers 1 and 5. */
static void ch_set_gate(struct pit_channel *c, bool level, u64 now)
{
	u64 d = ch_ticks(c, now);

	if (level == c->gate)
		return;
	c->gate = level;
	if (!c->loaded)
		return;
	if (!level) {
		if (c->mode != 1 && c->mode != 5) {
			c->base_ticks = d;
			c->running = false;
		}
		return;
	}
	if (c->mode == 0 || c->mode == 4) {
		c->base_ticks = d;
	} else {
		c->base_ticks = 0;
		c->triggered = true;
	}
	c->start_ns = now;
	c->running = true;
}

static void ch_latch_count(struct pit_channel *c, u64 now)
{
	/* A second latch before the first is read is ignored. */
	if (c->latch_bytes)
		return;
	c->latched = ch_read_count(c, now);
	c->latch_rw = c->rw;
	c->latch_bytes = c->rw == RW_LOHI ? 2 : 1;
}

static void ch_latch_status(struct pit_channel *c, u64 now)
{
	if (c->status_latched)
		return;
	c->status = (u8)(ch_out(c, now) << 7 | c->null_count << 6 |
			 c->rw << 4 | c->mode << 1 | c->bcd);
	c->status_latched = true;
}

/* A control word: the channel stops, OUT takes its initial level for the
 * mode, and counting waits for a count. Modes 6 and 7 are 2 and 3. */
static void ch_control(struct pit *p, struct pit_channel *c, u8 val, u64 now)
{
	c->base_ticks = ch_ticks(c, now);
	c->running = false;
	c->loaded = false;
	c->triggered = false;
	c->null_count = true;
	c->mode = (val >> 1) & 7;
	if (c->mode > 5)
		c->mode -= 4;
	c->bcd = val & CW_BCD;
	c->rw = (val >> 4) & 3;
	c->write_lsb_pending = false;
	c->read_msb_next = false;
	if (c == &p->ch[0])
		p->irq0_ticks = c->base_ticks;
}

static void pit_write_mode(struct pit *p, u8 val, u64 now)
{
	unsigned int sc = val >> 6;

	if (sc == CW_SC_READBACK) {
		for (unsigned int i = 0; i < 3; i++) {
			if (!(val & (2u << i)))
				continue;
			if (!(val & RB_NO_STATUS))
				ch_latch_status(&p->ch[i], now);
			if (!(val & RB_NO_COUNT))
				ch_latch_count(&p->ch[i], now);
		}
		return;
	}
	if (((val >> 4) & 3) == 0)
		ch_latch_count(&p->ch[sc], now);
	else
		ch_control(p, &p->ch[sc], val, now);
}

static void ch_write(struct pit *p, struct pit_channel *c, u8 val, u64 now)
{
	switch (c->rw) {
	case RW_LSB:
		ch_load(p, c, val, now);
		break;
	case RW_MSB:
		ch_load(p, c, (u16)(val << 8), now);
		break;
	default:
		if (!c->write_lsb_pending) {
			c->write_lsb = val;
			c->write_lsb_pending = true;
		} else {
			c->write_lsb_pending = false;
			ch_load(p, c, (u16)(c->write_lsb | val << 8), now);
		}
		break;
	}
}

/* A latched status comes first, then a latched count, else the live
 * count, byte by byte as the access mode says. */
static u8 ch_read(struct pit_channel *c, u64 now)
{
	u16 v;

	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	if (c->latch_bytes) {
		v = c->latched;
		if (c->latch_rw == RW_MSB ||
		    (c->latch_rw == RW_LOHI && c->latch_bytes == 1)) {
			c->latch_bytes = 0;
			return (u8)(v >> 8);
		}
		c->latch_bytes--;
		return (u8)v;
	}
	v = ch_read_count(c, now);
	switch (c->rw) {
	case RW_LSB:
		return (u8)v;
	case RW_MSB:
		return (u8)(v >> 8);
	default:
		c->read_msb_next = !c->read_msb_next;
		return c->read_msb_next ? (u8)v : (u8)(v >> 8);
	}
}

void pit_init(struct pit *p, u64 now_ns)
{
	memset(p, 0, sizeof(*p));
	for (unsigned int i = 0; i < 3; i++) {
		struct pit_channel *c = &p->ch[i];

		c->gate = i != 2;
		ch_control(p, c, (u8)(i << 6 | RW_LOHI << 4 | 3 << 1), now_ns);
		ch_load(p, c, 0, now_ns);
	}
}

u8 pit_read(struct pit *p, u16 port, u64 now_ns)
{
	switch (port) {
	case PIT_CH0:
	case PIT_CH0 + 1:
	case PIT_CH2:
		return ch_read(&p->ch[port - PIT_CH0], now_ns);
	case PIT_PORT_B:
		return (u8)((p->port_b & PORT_B_RW) |
			    ((now_ns / REFRESH_NS) & 1 ? PORT_B_REFRESH : 0) |
			    (ch_out(&p->ch[2], now_ns) ? PORT_B_OUT2 : 0));
	default:
		return 0xff; /* the mode register is write-only */
	}
}

void pit_write(struct pit *p, u16 port, u8 val, u64 now_ns)
{
	switch (port) {
	case PIT_CH0:
	case PIT_CH0 + 1:
	case PIT_CH2:
		ch_write(p, &p->ch[port - PIT_CH0], val, now_ns);
		break;
	case PIT_MODE_PORT:
		pit_write_mode(p, val, now_ns);
		break;
	case PIT_PORT_B:
		p->port_b = val & PORT_B_RW;
		ch_set_gate(&p->ch[2], val & PORT_B_GATE2, now_ns);
		break;
	default:
		break;
	}
}

bool pit_out(const struct pit *p, unsigned int ch, u64 now_ns)
{
	return ch < 3 && ch_out(&p->ch[ch], now_ns);
}

u32 pit_irq0_due(struct pit *p, u64 now_ns)
{
	const struct pit_channel *c = &p->ch[0];
	u64 d = ch_ticks(c, now_ns);
	u64 n;

	if (d <= p->irq0_ticks)
		return 0;
	n = ch_rises(c, p->irq0_ticks, d);
	p->irq0_ticks = d;
	return n > 0xffffffffu ? 0xffffffffu : (u32)n;
}

u64 pit_next_event_ns(const struct pit *p, u64 now_ns)
{
	const struct pit_channel *c = &p->ch[0];
	u64 k = ch_next_rise(c, p->irq0_ticks);
	u64 t;

	if (k == PIT_NEVER)
		return PIT_NEVER;
	t = tick_time(c, k);
	return t > now_ns ? t : now_ns;
}
