/* SPDX-License-Identifier: MIT */
/*
 * A guest-visible I/O APIC: 24 input pins, the redirection table behind
 * IOREGSEL/IOWIN, edge and level triggering with Remote IRR, and EOI. It
 * knows nothing of vCPUs or local APICs: interrupt messages go out through
 * a callback that the caller routes (vlapic_matches_dest, vlapic_accept).
 * Runs: host root mode and host unit tests.
 * Register semantics: Intel 82093AA I/O APIC data sheet (order no.
 * 290566) section 3 "Register Description"; the EOI register of version
 * 0x20 I/O APICs: the I/O APIC register section of the Intel ICH data
 * sheets (ICH6 onwards).
 *
 * Concurrency: no locks; the caller serialises calls, including those its
 * deliver callback makes back into the IOAPIC.
 */
#ifndef SHALE_VIOAPIC_H
#define SHALE_VIOAPIC_H

#include <shale/types.h>
#include <shale/vlapic.h>

#define VIOAPIC_DEFAULT_BASE 0xfec00000ULL
#define VIOAPIC_PINS 24
#define VIOAPIC_VERSION_82093AA 0x11 /* no EOI register */
#define VIOAPIC_VERSION_ICH 0x20     /* EOI register at 0x40 */

/* MMIO offsets within the IOAPIC page. */
#define VIOAPIC_IOREGSEL 0x00
#define VIOAPIC_IOWIN 0x10
#define VIOAPIC_EOI 0x40

/* One interrupt message: physical or logical 8-bit xAPIC destination. */
typedef void (*vioapic_deliver_fn)(void *ctx, u32 dest,
				   enum apic_dest_mode dest_mode,
				   enum apic_delivery_mode delivery_mode,
				   u8 vector, bool trigger_level);

/* All fields are guarded by whatever serialises calls (see above). */
struct vioapic {
	u32 id;                   /* ID register, bits 27:24 */
	u8 version;
	u8 regsel;                /* IOREGSEL */
	u64 redir[VIOAPIC_PINS];  /* redirection entries as read, incl. RO bits */
	u32 pin_level;            /* electrical input level, bit per pin */
	vioapic_deliver_fn deliver;
	void *ctx;
};

/* Power-on state (82093AA 3.2.4: every entry masked): ID 'id' (4 bits),
 * 'version' VIOAPIC_VERSION_82093AA or VIOAPIC_VERSION_ICH, all pins low.
 * Messages go to deliver(ctx, ...), which may be NULL. */
void vioapic_init(struct vioapic *io, u8 id, u8 version,
		  vioapic_deliver_fn deliver, void *ctx);

/* 32-bit MMIO access at 'offset' in the IOAPIC page: IOREGSEL, IOWIN and,
 * from version 0x20, the write-only EOI register. Other offsets read 0 and
 * ignore writes; registers behind IOWIN that do not exist read all ones. */
u32 vioapic_mmio_read(struct vioapic *io, u32 offset);
void vioapic_mmio_write(struct vioapic *io, u32 offset, u32 val);

/*
 * Drives input 'pin' to electrical level 'level' (out-of-range pins are
 * ignored). An entry programmed active-low (polarity, bit 13) sees a low
 * pin as asserted. Edge-triggered: a message on each inactive-to-active
 * transition while unmasked (an edge while masked is lost). Level-triggered:
 * a message while the input is active, unmasked and Remote IRR is clear,
 * which sets Remote IRR until the EOI.
 */
void vioapic_set_irq(struct vioapic *io, unsigned int pin, bool level);

/* A local APIC EOIed level-triggered 'vector' (or the guest wrote the EOI
 * register): clears Remote IRR on every level entry with that vector and
 * sends again for any whose input is still active and unmasked. */
void vioapic_eoi(struct vioapic *io, u8 vector);

#endif /* SHALE_VIOAPIC_H */
