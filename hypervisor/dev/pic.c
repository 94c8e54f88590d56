/* SPDX-License-Identifier: MIT */
/*
 * The cascaded 8259A pair (see shale/pic.h): initialisation words, masking,
 * rotating priorities, EOI and auto-EOI, edge and level inputs, poll mode
 * and the spurious IR7 answer, after the Intel 8259A data sheet.
 * Runs: host root mode and host unit tests.
 */
#include <shale/pic.h>
#include <shale/string.h>

#define ICW1_IC4 0x01
#define ICW1_SNGL 0x02
#define ICW1_LTIM 0x08
#define ICW1_SELECT 0x10 /* port A, bit 4 set: ICW1 */
#define ICW4_AEOI 0x02
#define ICW4_SFNM 0x10
#define OCW3_SELECT 0x08 /* port A, bits 4:3 = 01: OCW3 */
#define OCW3_RIS 0x01
#define OCW3_RR 0x02
#define OCW3_POLL 0x04
#define OCW3_SMM 0x20
#define OCW3_ESMM 0x40

static u8 level_mask(const struct pic_chip *c)
{
	return c->ltim ? 0xff : c->elcr;
}

/* The priority rank (0 = highest) of the best IR level in 'mask', or 8 if
 * none: the level after 'lowest' has the highest priority (data sheet,
 * "Rotation (Interrupt Priority)"). */
static unsigned int best_rank(const struct pic_chip *c, u8 mask)
{
	for (unsigned int rank = 0; rank < 8; rank++)
		if (mask & (1u << ((c->lowest + 1 + rank) & 7)))
			return rank;
	return 8;
}

static unsigned int rank_irq(const struct pic_chip *c, unsigned int rank)
{
	return (c->lowest + 1 + rank) & 7;
}

/* The IR level this chip asserts INT for now, or -1: the best unmasked
 * request, if it outranks every level in service. In special mask mode a
 * masked level in service blocks nothing; in special fully nested mode the
 * master lets the slave interrupt while its cascade level is in service. */
static int chip_pending(const struct pic_chip *c, bool master)
{
	unsigned int rank = best_rank(c, c->irr & ~c->imr);
	unsigned int irq, cur;
	u8 in_service = c->isr;

	if (rank == 8)
		return -1;
	irq = rank_irq(c, rank);
	if (c->special_mask)
		in_service &= ~c->imr;
	cur = best_rank(c, in_service);
	if (rank < cur)
		return (int)irq;
	if (master && c->sfnm && rank == cur && irq == PIC_CASCADE_IRQ)
		return (int)irq;
	return -1;
}

/* Recomputes the cascade input and the INTR output. The slave's INT drives
 * master IR2; as an edge input it is latched on every update that finds a
 * slave request (as KVM does), so a second slave request is not lost when
 * the slave's INT never drops between two auto-EOI acknowledges. */
static void pic_update(struct pic *p)
{
	struct pic_chip *m = &p->chip[0];
	u8 bit = 1u << PIC_CASCADE_IRQ;
	bool slave_int = chip_pending(&p->chip[1], false) >= 0;
	bool intr;

	if (level_mask(m) & bit)
		m->irr = slave_int ? (m->irr | bit) : (m->irr & ~bit);
	else if (slave_int)
		m->irr |= bit;
	intr = chip_pending(m, true) >= 0;
	if (intr != p->intr) {
		p->intr = intr;
		if (p->intr_changed)
			p->intr_changed(p->ctx, intr);
	}
}

static void chip_reset(struct pic_chip *c, u8 elcr_mask)
{
	memset(c, 0, sizeof(*c));
	c->lowest = 7;
	c->elcr_mask = elcr_mask;
}

void pic_init(struct pic *p, void (*intr_changed)(void *ctx, bool asserted),
	      void *ctx)
{
	/* ELCR: IRQ0-2 and IRQ8, IRQ13 are edge only (PIIX4 12.1.x). */
	chip_reset(&p->chip[0], 0xf8);
	chip_reset(&p->chip[1], 0xde);
	p->intr = false;
	p->intr_changed = intr_changed;
	p->ctx = ctx;
}

void pic_set_irq(struct pic *p, unsigned int irq, bool level)
{
	struct pic_chip *c;
	u8 bit;

	/* IRQ2 is the cascade; on a PC the ISA bus's IRQ2 line is IRQ9. */
	if (irq > 15 || irq == PIC_CASCADE_IRQ)
		return;
	c = &p->chip[irq >> 3];
	bit = 1u << (irq & 7);
	if (level_mask(c) & bit)
		c->irr = level ? (c->irr | bit) : (c->irr & ~bit);
	else if (level && !(c->lines & bit))
		c->irr |= bit;
	c->lines = level ? (c->lines | bit) : (c->lines & ~bit);
	pic_update(p);
}

bool pic_has_interrupt(const struct pic *p)
{
	/* The cascade latch is kept current by pic_update, so the master's
	 * own view is the whole answer. */
	return chip_pending(&p->chip[0], true) >= 0;
}

/* The INTA (or poll) acknowledge of level irq on one chip: IRR -> ISR, or
 * in auto-EOI mode no ISR bit at all (and a rotation if so set). A level
 * input is not cleared: it requests again after the EOI if still high. */
static void chip_ack(struct pic_chip *c, unsigned int irq)
{
	u8 bit = 1u << irq;

	if (c->auto_eoi) {
		if (c->rotate_on_aeoi)
			c->lowest = (u8)irq;
	} else {
		c->isr |= bit;
	}
	if (!(level_mask(c) & bit))
		c->irr &= ~bit;
}

u8 pic_intack(struct pic *p)
{
	struct pic_chip *m = &p->chip[0], *s = &p->chip[1];
	int irq = chip_pending(m, true);
	int sirq;
	u8 vec;

	if (irq < 0) {
		/* No request left at INTA: the 8259A answers IR7 and sets no
		 * ISR bit (data sheet, "Interrupt Sequence", note on IR7). */
		vec = (u8)(m->vector_base | 7);
	} else if (irq == PIC_CASCADE_IRQ) {
		sirq = chip_pending(s, false);
		if (sirq >= 0) {
			chip_ack(s, (unsigned int)sirq);
			vec = (u8)(s->vector_base | sirq);
		} else {
			vec = (u8)(s->vector_base | 7); /* spurious IRQ15 */
		}
		chip_ack(m, PIC_CASCADE_IRQ);
	} else {
		chip_ack(m, (unsigned int)irq);
		vec = (u8)(m->vector_base | irq);
	}
	pic_update(p);
	return vec;
}

int pic_get_interrupt(struct pic *p)
{
	if (!pic_has_interrupt(p))
		return -1;
	return pic_intack(p);
}

/* OCW2: end of interrupt and priority rotation, selected by R, SL, EOI in
 * bits 7:5, with the level in bits 2:0 for the specific forms. */
static void chip_ocw2(struct pic_chip *c, u8 val)
{
	unsigned int level = val & 7;
	unsigned int rank;

	switch (val >> 5) {
	case 0: /* clear rotate in auto-EOI mode */
		c->rotate_on_aeoi = false;
		break;
	case 4: /* set rotate in auto-EOI mode */
		c->rotate_on_aeoi = true;
		break;
	case 1: /* non-specific EOI */
	case 5: /* rotate on non-specific EOI */
		rank = best_rank(c, c->isr);
		if (rank == 8)
			break;
		level = rank_irq(c, rank);
		c->isr &= ~(1u << level);
		if (val >> 5 == 5)
			c->lowest = (u8)level;
		break;
	case 3: /* specific EOI */
		c->isr &= ~(1u << level);
		break;
	case 7: /* rotate on specific EOI */
		c->isr &= ~(1u << level);
		c->lowest = (u8)level;
		break;
	case 6: /* set priority: 'level' becomes the lowest */
		c->lowest = (u8)level;
		break;
	default: /* 2: no operation */
		break;
	}
}

static void chip_ocw3(struct pic_chip *c, u8 val)
{
	if (val & OCW3_POLL)
		c->poll = true;
	if (val & OCW3_RR)
		c->read_isr = val & OCW3_RIS;
	if (val & OCW3_ESMM)
		c->special_mask = val & OCW3_SMM;
}

/* ICW1 starts the initialisation sequence: the edge-sense circuit is reset
 * (an edge input that is high must go low and high again), IMR and ISR are
 * cleared, IR7 gets the lowest priority, special mask mode is cleared, and
 * status reads return IRR. Without IC4 the ICW4 functions are cleared. */
static void chip_icw1(struct pic_chip *c, u8 val)
{
	c->icw4_needed = val & ICW1_IC4;
	c->single = val & ICW1_SNGL;
	c->ltim = val & ICW1_LTIM;
	c->imr = 0;
	c->isr = 0;
	c->irr = level_mask(c) & c->lines;
	c->lowest = 7;
	c->special_mask = false;
	c->read_isr = false;
	c->poll = false;
	c->rotate_on_aeoi = false;
	if (!c->icw4_needed) {
		c->auto_eoi = false;
		c->sfnm = false;
	}
	c->init_step = 2;
}

/* ICW2-ICW4 arrive on port B while initialising. ICW4's uPM bit is not
 * looked at: the model always uses 8086 vectoring (ICW2 & 0xf8 | level),
 * and the buffered-mode bits have no meaning without a bus. */
static void chip_icw(struct pic_chip *c, u8 val)
{
	switch (c->init_step) {
	case 2:
		c->vector_base = val & 0xf8;
		c->init_step = c->single ? (c->icw4_needed ? 4 : 0) : 3;
		break;
	case 3:
		c->icw3 = val;
		c->init_step = c->icw4_needed ? 4 : 0;
		break;
	default:
		c->auto_eoi = val & ICW4_AEOI;
		c->sfnm = val & ICW4_SFNM;
		c->init_step = 0;
		break;
	}
}

/* A poll read: the INTA cycle without the interrupt, on this chip alone. */
static u8 chip_poll(struct pic *p, struct pic_chip *c)
{
	int irq = chip_pending(c, c == &p->chip[0]);

	c->poll = false;
	if (irq < 0)
		return 0;
	chip_ack(c, (unsigned int)irq);
	pic_update(p);
	return (u8)(0x80 | irq);
}

u8 pic_read(struct pic *p, u16 port)
{
	struct pic_chip *c;

	switch (port) {
	case PIC_MASTER_CMD:
	case PIC_SLAVE_CMD:
		c = &p->chip[port == PIC_SLAVE_CMD];
		if (c->poll)
			return chip_poll(p, c);
		return c->read_isr ? c->isr : c->irr;
	case PIC_MASTER_DATA:
	case PIC_SLAVE_DATA:
		return p->chip[port == PIC_SLAVE_DATA].imr;
	case PIC_ELCR_MASTER:
	case PIC_ELCR_SLAVE:
		return p->chip[port == PIC_ELCR_SLAVE].elcr;
	default:
		return 0xff;
	}
}

void pic_write(struct pic *p, u16 port, u8 val)
{
	struct pic_chip *c;

	switch (port) {
	case PIC_MASTER_CMD:
	case PIC_SLAVE_CMD:
		c = &p->chip[port == PIC_SLAVE_CMD];
		if (val & ICW1_SELECT)
			chip_icw1(c, val);
		else if (val & OCW3_SELECT)
			chip_ocw3(c, val);
		else
			chip_ocw2(c, val);
		break;
	case PIC_MASTER_DATA:
	case PIC_SLAVE_DATA:
		c = &p->chip[port == PIC_SLAVE_DATA];
		if (c->init_step)
			chip_icw(c, val);
		else
			c->imr = val;
		break;
	case PIC_ELCR_MASTER:
	case PIC_ELCR_SLAVE:
		/* A level input requests for as long as it is high; one that
		 * becomes edge keeps what it has latched. */
		c = &p->chip[port == PIC_ELCR_SLAVE];
		c->elcr = val & c->elcr_mask;
		c->irr = (u8)((c->irr & ~level_mask(c)) |
			      (c->lines & level_mask(c)));
		break;
	default:
		return;
	}
	pic_update(p);
}
