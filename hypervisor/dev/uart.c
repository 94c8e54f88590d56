/* SPDX-License-Identifier: MIT */
/*
 * The 16550A UART model (see shale/uart.h): transmit goes straight out,
 * the transmitter is always empty, the receive FIFO holds what the host
 * queued, and the scratch, divisor, modem-control (with loopback) and
 * line-control registers behave as Linux's 8250 driver probes them.
 * Runs: host root mode and host unit tests.
 */
#include <shale/string.h>
#include <shale/uart.h>

#define REG_RBR_THR 0
#define REG_IER 1
#define REG_IIR_FCR 2
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5
#define REG_MSR 6
#define REG_SCR 7

#define LCR_DLAB 0x80
#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define IER_RDA 0x01
#define IER_THRE 0x02
#define IIR_NONE 0x01
#define IIR_THRE 0x02
#define IIR_RDA 0x04
#define IIR_FIFO 0xc0
#define MCR_LOOP 0x10
#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02

void uart_init(struct uart *u, void (*tx)(void *ctx, u8 byte), void *ctx)
{
	memset(u, 0, sizeof(*u));
	u->lsr = LSR_THRE | LSR_TEMT;
	u->msr = 0xb0; /* DCD, DSR, CTS asserted: a cable is attached */
	u->tx = tx;
	u->ctx = ctx;
}

bool uart_receive(struct uart *u, u8 byte)
{
	if (u->rx_count == UART_RX_FIFO) {
		u->lsr |= LSR_OE;
		return false;
	}
	u->rx[(u->rx_head + u->rx_count++) % UART_RX_FIFO] = byte;
	u->lsr |= LSR_DR;
	return true;
}

static u8 rx_pop(struct uart *u)
{
	u8 b;

	if (!u->rx_count)
		return 0;
	b = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % UART_RX_FIFO;
	if (!--u->rx_count)
		u->lsr &= ~LSR_DR;
	return b;
}

/* The interrupt identification the IIR reports now (highest priority). */
static u8 iir_now(const struct uart *u)
{
	u8 fifo = (u->fcr & FCR_ENABLE) ? IIR_FIFO : 0;

	if ((u->ier & IER_RDA) && u->rx_count)
		return fifo | IIR_RDA;
	if ((u->ier & IER_THRE) && u->thr_irq_pending)
		return fifo | IIR_THRE;
	return fifo | IIR_NONE;
}

bool uart_irq_pending(const struct uart *u)
{
	return !(iir_now(u) & IIR_NONE);
}

/* In loopback the modem outputs feed the modem inputs (MCR bits 0-3 show
 * up as MSR bits 5, 4, 6, 7: DSR<-DTR, CTS<-RTS, RI<-OUT1, DCD<-OUT2). */
static u8 msr_now(const struct uart *u)
{
	u8 m = u->mcr;

	if (!(u->mcr & MCR_LOOP))
		return u->msr;
	return (u8)(((m & 1) << 5) | ((m & 2) << 3) | ((m & 4) << 4) | ((m & 8) << 4));
}

u8 uart_read(struct uart *u, unsigned int reg)
{
	u8 v;

	switch (reg & 7) {
	case REG_RBR_THR:
		if (u->lcr & LCR_DLAB)
			return u->dll;
		return rx_pop(u);
	case REG_IER:
		return (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
	case REG_IIR_FCR:
		v = iir_now(u);
		if ((v & 0x0f) == IIR_THRE)
			u->thr_irq_pending = false; /* reading IIR clears it */
		return v;
	case REG_LCR:
		return u->lcr;
	case REG_MCR:
		return u->mcr;
	case REG_LSR:
		v = u->lsr;
		u->lsr &= ~LSR_OE;
		return v;
	case REG_MSR:
		return msr_now(u);
	default:
		return u->scr;
	}
}

void uart_write(struct uart *u, unsigned int reg, u8 val)
{
	switch (reg & 7) {
	case REG_RBR_THR:
		if (u->lcr & LCR_DLAB) {
			u->dll = val;
		} else {
			if (u->mcr & MCR_LOOP)
				uart_receive(u, val);
			else if (u->tx)
				u->tx(u->ctx, val);
			u->thr_irq_pending = true;
		}
		break;
	case REG_IER:
		if (u->lcr & LCR_DLAB) {
			u->dlm = val;
		} else {
			/* Enabling THRE with an empty transmitter raises it. */
			if ((val & IER_THRE) && !(u->ier & IER_THRE))
				u->thr_irq_pending = true;
			u->ier = val & 0x0f;
		}
		break;
	case REG_IIR_FCR:
		u->fcr = val & 0xc9;
		if (val & FCR_CLEAR_RX) {
			u->rx_count = 0;
			u->lsr &= ~LSR_DR;
		}
		break;
	case REG_LCR:
		u->lcr = val;
		break;
	case REG_MCR:
		u->mcr = val & 0x1f;
		break;
	case REG_SCR:
		u->scr = val;
		break;
	default:
		break; /* LSR and MSR are read-only */
	}
}
