/* SPDX-License-Identifier: MIT */
/*
 * The PC's cascaded pair of 8259A programmable interrupt controllers, as a
 * state machine: inputs IRQ0-15, the INTR output, the INTA cycle, and the
 * registers behind ports 0x20/0x21 (master), 0xa0/0xa1 (slave) and the
 * edge/level control registers 0x4d0/0x4d1. It knows nothing of vCPUs or
 * locks: the caller serialises calls, routes the ports and delivers INTR.
 * Runs: host root mode and host unit tests.
 * Register semantics: Intel 8259A data sheet (order no. 231468), and the
 * PIIX/ICH ELCR registers (Intel 82371AB PIIX4 data sheet, 12.1.x).
 */
#ifndef SHALE_PIC_H
#define SHALE_PIC_H

#include <shale/types.h>

#define PIC_MASTER_CMD 0x20
#define PIC_MASTER_DATA 0x21
#define PIC_SLAVE_CMD 0xa0
#define PIC_SLAVE_DATA 0xa1
#define PIC_ELCR_MASTER 0x4d0
#define PIC_ELCR_SLAVE 0x4d1
#define PIC_CASCADE_IRQ 2

/* One 8259A. Bit n of each 8-bit field is the chip's input IRn. */
struct pic_chip {
	u8 irr;           /* interrupt request register */
	u8 isr;           /* in-service register */
	u8 imr;           /* interrupt mask register (OCW1) */
	u8 lines;         /* input levels as last set (edge detection) */
	u8 elcr;          /* 1 = level triggered (ELCR or ICW1.LTIM) */
	u8 elcr_mask;     /* ELCR bits that can be set on this chip */
	u8 lowest;        /* the IR level with the lowest priority (rotation) */
	u8 vector_base;   /* ICW2 & 0xf8 */
	u8 icw3;
	u8 init_step;     /* 0: ready; 2, 3, 4: expecting that ICW next */
	bool icw4_needed, single, ltim;
	bool auto_eoi, rotate_on_aeoi, sfnm; /* ICW4 AEOI, OCW2 R-AEOI, SFNM */
	bool read_isr;    /* OCW3 RR/RIS: reads of port A return ISR, not IRR */
	bool poll;        /* OCW3 P: the next read of port A is a poll */
	bool special_mask; /* OCW3 SMM */
};

struct pic {
	struct pic_chip chip[2]; /* [0] master at 0x20, [1] slave at 0xa0 */
	bool intr;               /* the master's INTR output as last reported */
	void (*intr_changed)(void *ctx, bool asserted);
	void *ctx;
};

/* Resets both chips to their power-on state (uninitialised, vectors 0-15,
 * all inputs edge triggered and low). intr_changed(ctx, level), if not NULL,
 * is called from any function below whenever the INTR output changes. */
void pic_init(struct pic *p, void (*intr_changed)(void *ctx, bool asserted),
	      void *ctx);

/* Drives input irq (0-15; 8-15 are the slave's IR0-7) to 'level'. An edge
 * triggered input latches a request on a low-to-high transition; a level
 * triggered one requests for as long as it is high. Out-of-range irq is
 * ignored. IRQ2 of the master is the slave's INTR and not a free input. */
void pic_set_irq(struct pic *p, unsigned int irq, bool level);

/* True when INTR is asserted: an unmasked request outranks what is in
 * service (the master's view, through the cascade). */
bool pic_has_interrupt(const struct pic *p);

/* Acknowledges the highest-priority request if INTR is asserted, as the
 * CPU's INTA cycle would, and returns its vector; -1 (and no change) if INTR
 * is not asserted. IRR -> ISR, or neither in auto-EOI mode; a level input
 * stays requested. If the master's cascade request has no slave request
 * behind it any more, the vector is the slave's IR7 (spurious IRQ15). */
int pic_get_interrupt(struct pic *p);

/* The raw INTA cycle, for a caller that has committed to taking an
 * interrupt it saw asserted earlier: as pic_get_interrupt, but when no
 * request is left (lowered or masked meanwhile) the 8259A answers with the
 * master's IR7 vector without setting ISR -- the spurious IRQ7. */
u8 pic_intack(struct pic *p);

/* Register access for ports 0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1; other
 * ports read 0xff and ignore writes. Reads of port A return IRR or ISR per
 * OCW3, or the poll word (0x80 | level, acknowledging it) after a poll
 * command; port B returns IMR. */
u8 pic_read(struct pic *p, u16 port);
void pic_write(struct pic *p, u16 port, u8 val);

#endif /* SHALE_PIC_H */
