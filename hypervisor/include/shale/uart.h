/* SPDX-License-Identifier: MIT */
/*
 * A 16550A UART device model: the registers and state machine, without any
 * knowledge of ports or domains (the caller maps COM1's ports to it and
 * supplies where transmitted bytes go). Runs: host root mode and unit tests.
 * Register semantics: the National Semiconductor PC16550D data sheet.
 */
#ifndef SHALE_UART_H
#define SHALE_UART_H

#include <shale/types.h>

#define UART_RX_FIFO 16

struct uart {
	u8 ier, lcr, mcr, lsr, msr, scr, dll, dlm, fcr;
	u8 rx[UART_RX_FIFO];
	unsigned int rx_head, rx_count;
	bool thr_irq_pending;     /* THRE interrupt raised, not yet read */
	void (*tx)(void *ctx, u8 byte);
	void *ctx;
};

/* Resets to the power-on state; transmitted bytes go to tx(ctx, byte). */
void uart_init(struct uart *u, void (*tx)(void *ctx, u8 byte), void *ctx);

/* Register access, 'reg' = port - base (0..7). */
u8 uart_read(struct uart *u, unsigned int reg);
void uart_write(struct uart *u, unsigned int reg, u8 val);

/* Queues a received byte; false if the FIFO is full (the byte is lost and
 * the overrun bit set, as on hardware). */
bool uart_receive(struct uart *u, u8 byte);

/* True when the UART asserts its interrupt line (IER/IIR state). */
bool uart_irq_pending(const struct uart *u);

#endif /* SHALE_UART_H */
