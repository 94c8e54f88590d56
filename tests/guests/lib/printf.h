/* SPDX-License-Identifier: MIT */
/* A small printf on COM1, and snprintf. Runs: guest (test kernel). */
#ifndef GUEST_PRINTF_H
#define GUEST_PRINTF_H

#include <stdarg.h>
#include <stddef.h>

/*
 * Prints to COM1. Supports %d %i %u %x %X %s %c %p %% with an optional
 * '-' or '0' flag, a width, and the length modifiers l and ll (so %lx and
 * %llx print 32- and 64-bit values). Returns the number of characters.
 */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);

/* The same into buf: at most size - 1 characters and a NUL. Returns the
 * length the whole output would have had. */
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

#endif
