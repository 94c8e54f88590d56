/* SPDX-License-Identifier: MIT */
/*
 * The virtual I/O APIC (see shale/vioapic.h): the indirect register window,
 * the 24-entry redirection table, edge and level inputs with Remote IRR,
 * and EOI with re-delivery of still-asserted level inputs.
 * Runs: host root mode and host unit tests.
 * Intel 82093AA I/O APIC data sheet section 3 (3.1 IOREGSEL/IOWIN, 3.2.1
 * ID, 3.2.2 version, 3.2.3 arbitration, 3.2.4 redirection table).
 */
#include <shale/string.h>
#include <shale/vioapic.h>

/* Registers behind IOWIN. */
#define REG_ID 0x00
#define REG_VERSION 0x01
#define REG_ARB 0x02
#define REG_REDIR 0x10 /* pin n: low dword at 0x10 + 2n, high at 0x11 + 2n */

/* Redirection entry bits (82093AA 3.2.4). */
#define RTE_VECTOR 0xffULL
#define RTE_DELIVERY(e) ((enum apic_delivery_mode)(((e) >> 8) & 7))
#define RTE_DEST_LOGICAL (1ULL << 11)
#define RTE_POLARITY_LOW (1ULL << 13)
#define RTE_REMOTE_IRR (1ULL << 14)
#define RTE_LEVEL (1ULL << 15)
#define RTE_MASKED (1ULL << 16)
#define RTE_DEST(e) ((u32)((e) >> 56))
/* Writable: vector, delivery mode, dest mode, polarity, trigger, mask in
 * the low dword (delivery status and Remote IRR are read-only); the
 * destination in bits 63:56. */
#define RTE_WRITABLE_LO 0x1afffULL
#define RTE_WRITABLE_HI 0xff00000000000000ULL

void vioapic_init(struct vioapic *io, u8 id, u8 version,
		  vioapic_deliver_fn deliver, void *ctx)
{
	memset(io, 0, sizeof(*io));
	io->id = id & 0xf;
	io->version = version;
	for (unsigned int i = 0; i < VIOAPIC_PINS; i++)
		io->redir[i] = RTE_MASKED;
	io->deliver = deliver;
	io->ctx = ctx;
}

/* Whether the entry's input is active: the pin level, inverted for an
 * active-low entry. */
static bool input_active(const struct vioapic *io, unsigned int pin)
{
	bool high = (io->pin_level >> pin) & 1;

	return high != !!(io->redir[pin] & RTE_POLARITY_LOW);
}

/* Level semantics (Remote IRR) apply to fixed and lowest-priority entries;
 * SMI, NMI, INIT and ExtINT require edge trigger mode (82093AA 3.2.4). */
static bool is_level(u64 e)
{
	return (e & RTE_LEVEL) &&
	       (RTE_DELIVERY(e) == APIC_DM_FIXED ||
		RTE_DELIVERY(e) == APIC_DM_LOWEST);
}

static void send_msg(struct vioapic *io, unsigned int pin)
{
	u64 e = io->redir[pin];
	bool level = is_level(e);

	/* Remote IRR: set when a level interrupt is sent, cleared by the
	 * EOI; set before the callback so the state is final when it runs. */
	if (level)
		io->redir[pin] |= RTE_REMOTE_IRR;
	if (io->deliver)
		io->deliver(io->ctx, RTE_DEST(e),
			    (e & RTE_DEST_LOGICAL) ? APIC_DEST_LOGICAL
						   : APIC_DEST_PHYSICAL,
			    RTE_DELIVERY(e), (u8)(e & RTE_VECTOR), level);
}

/* Sends a level entry's message if it is due: input active, entry
 * unmasked, no message outstanding. */
static void service_level(struct vioapic *io, unsigned int pin)
{
	u64 e = io->redir[pin];

	if (is_level(e) && !(e & (RTE_MASKED | RTE_REMOTE_IRR)) &&
	    input_active(io, pin))
		send_msg(io, pin);
}

void vioapic_set_irq(struct vioapic *io, unsigned int pin, bool level)
{
	bool was;

	if (pin >= VIOAPIC_PINS)
		return;
	was = input_active(io, pin);
	if (level)
		io->pin_level |= 1u << pin;
	else
		io->pin_level &= ~(1u << pin);
	if (is_level(io->redir[pin]))
		service_level(io, pin);
	else if (!was && input_active(io, pin) &&
		 !(io->redir[pin] & RTE_MASKED))
		send_msg(io, pin);
}

void vioapic_eoi(struct vioapic *io, u8 vector)
{
	for (unsigned int pin = 0; pin < VIOAPIC_PINS; pin++) {
		u64 e = io->redir[pin];

		if (!(e & RTE_REMOTE_IRR) || (e & RTE_VECTOR) != vector)
			continue;
		io->redir[pin] = e & ~RTE_REMOTE_IRR;
		service_level(io, pin); /* still asserted: interrupt again */
	}
}

static void write_redir(struct vioapic *io, unsigned int index, u32 val)
{
	unsigned int pin = (index - REG_REDIR) / 2;
	u64 e = io->redir[pin];

	if (index & 1) {
		e = (e & ~RTE_WRITABLE_HI) | (((u64)val << 32) & RTE_WRITABLE_HI);
	} else {
		e = (e & ~RTE_WRITABLE_LO) | (val & RTE_WRITABLE_LO);
		/* An edge entry has no Remote IRR. Linux relies on this to
		 * clear a stuck one on version 0x11 (level -> edge -> level,
		 * "clear_IO_APIC_pin"); KVM behaves the same. */
		if (!(e & RTE_LEVEL))
			e &= ~RTE_REMOTE_IRR;
	}
	io->redir[pin] = e;
	service_level(io, pin); /* e.g. unmasking an asserted level input */
}

static u32 iowin_read(const struct vioapic *io)
{
	unsigned int index = io->regsel;

	switch (index) {
	case REG_ID:
	case REG_ARB: /* the arbitration ID is loaded from the ID */
		return io->id << 24;
	case REG_VERSION:
		return io->version | ((VIOAPIC_PINS - 1) << 16);
	}
	if (index >= REG_REDIR && index < REG_REDIR + 2 * VIOAPIC_PINS) {
		u64 e = io->redir[(index - REG_REDIR) / 2];

		return (index & 1) ? (u32)(e >> 32) : (u32)e;
	}
	return 0xffffffff; /* no register there, as QEMU and KVM */
}

static void iowin_write(struct vioapic *io, u32 val)
{
	unsigned int index = io->regsel;

	if (index == REG_ID)
		io->id = (val >> 24) & 0xf;
	else if (index >= REG_REDIR && index < REG_REDIR + 2 * VIOAPIC_PINS)
		write_redir(io, index, val);
	/* version and arbitration are read-only */
}

u32 vioapic_mmio_read(struct vioapic *io, u32 offset)
{
	switch (offset) {
	case VIOAPIC_IOREGSEL:
		return io->regsel;
	case VIOAPIC_IOWIN:
		return iowin_read(io);
	default:
		return 0; /* includes the write-only EOI register */
	}
}

void vioapic_mmio_write(struct vioapic *io, u32 offset, u32 val)
{
	switch (offset) {
	case VIOAPIC_IOREGSEL:
		io->regsel = (u8)val;
		break;
	case VIOAPIC_IOWIN:
		iowin_write(io, val);
		break;
	case VIOAPIC_EOI:
		if (io->version >= VIOAPIC_VERSION_ICH)
			vioapic_eoi(io, (u8)val);
		break;
	default:
		break;
	}
}
