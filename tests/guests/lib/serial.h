/* SPDX-License-Identifier: MIT */
/* COM1 (0x3F8) output, polled. Runs: guest (test kernel). */
#ifndef GUEST_SERIAL_H
#define GUEST_SERIAL_H

/* Sets COM1 to 115200 8N1 with FIFOs; safe to call more than once. */
void serial_init(void);

/* Sends one byte, waiting for the transmitter; '\n' goes out as "\r\n". */
void serial_putc(char c);

#endif
