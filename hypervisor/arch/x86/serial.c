/* SPDX-License-Identifier: MIT */
/*
 * The host console: a polled 16550 UART on COM1 (115200 8N1).
 * Runs: host root mode, any CPU (callers serialise through printk's lock).
 */
#include <asm/cpu.h>
#include <asm/platform.h>
#include <shale/printk.h>

#define COM1 0x3f8
#define UART_THR 0 /* transmit holding register */
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_LSR_THRE 0x20

/* Programs COM1 for 115200 baud, 8 data bits, no parity, one stop bit. */
void serial_init(void)
{
	outb(COM1 + UART_IER, 0x00);
	outb(COM1 + UART_LCR, 0x80); /* DLAB on: divisor follows */
	outb(COM1 + 0, 0x01);        /* 115200 = 115200 / 1 */
	outb(COM1 + 1, 0x00);
	outb(COM1 + UART_LCR, 0x03); /* 8N1, DLAB off */
	outb(COM1 + UART_FCR, 0xc7); /* FIFOs on and cleared */
	outb(COM1 + UART_MCR, 0x03); /* DTR, RTS */
}

static void serial_putc(char c)
{
	unsigned int spins = 0;

	/* Bounded wait: a missing UART must not hang the machine. */
	while (!(inb(COM1 + UART_LSR) & UART_LSR_THRE) && ++spins < 100000)
		cpu_relax();
	outb(COM1 + UART_THR, (u8)c);
}

void console_write(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			serial_putc('\r');
		serial_putc(s[i]);
	}
}
