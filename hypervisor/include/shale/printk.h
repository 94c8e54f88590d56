/* SPDX-License-Identifier: MIT */
/*
 * Formatted output: sh_vsnprintf (hypervisor/lib/vsnprintf.c) and printk
 * (hypervisor/printk.c), which formats a line and hands it to the serial
 * console. Runs: host root mode and host unit tests (tests/unit/support.c
 * supplies a printk that captures what was printed).
 *
 * Supported conversions: %d %i %u %x %X %o %c %s %p %% with flags '-', '0',
 * '+', ' ', a width and precision (or '*'), and length modifiers hh h l ll z t.
 * %p prints 0x followed by 16 hex digits.
 */
#ifndef SHALE_PRINTK_H
#define SHALE_PRINTK_H

#include <stdarg.h>
#include <shale/compiler.h>
#include <shale/types.h>

/* Formats into buf (always NUL-terminated when size > 0). Returns the length
 * the full output would have had, like C99 vsnprintf. */
int sh_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int sh_snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

/* Prints to the console. Output of one call is never interleaved with
 * another CPU's; a single call prints at most PRINTK_MAX bytes. */
#define PRINTK_MAX 1024
void printk(const char *fmt, ...) __printf(1, 2);
void vprintk(const char *fmt, va_list ap);

/* Writes len bytes to the serial console (hypervisor/arch/x86/serial.c).
 * printk calls it with the console lock held and interrupts off. */
void console_write(const char *s, size_t len);

/* Writes a preformatted buffer of any length to the console as one unit
 * (for the long stats and summary lines). */
void printk_buffer(const char *s, size_t len);

/* From a panic on: print without taking the console lock (the other CPUs
 * are being stopped and may hold it). */
void printk_panic_mode(void);

#endif /* SHALE_PRINTK_H */
