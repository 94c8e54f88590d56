/* SPDX-License-Identifier: MIT */
/* A small printf on COM1. Runs: guest (test kernel). */
#include <stdbool.h>
#include <stdint.h>

#include <stddef.h>

#include "printf.h"
#include "serial.h"

/* Where characters go: COM1, or a buffer for snprintf. */
struct sink {
	char *buf;	/* NULL: COM1 */
	size_t size, len;
};

struct spec {
	bool left;	/* '-': pad on the right */
	bool zero;	/* '0': pad with zeros */
	int width;
};

static void put(struct sink *k, char c)
{
	if (!k->buf)
		serial_putc(c);
	else if (k->len + 1 < k->size)
		k->buf[k->len] = c;
	k->len++;
}

/* Divides *n by 10 in place and returns the remainder, using only 32-bit
 * divisions (there is no libgcc for __udivdi3). */
static uint32_t div10(uint64_t *n)
{
	uint32_t hi = (uint32_t)(*n >> 32), lo = (uint32_t)*n;
	uint32_t qh = hi / 10, r = hi % 10;
	uint32_t mid = r << 16 | lo >> 16;
	uint32_t qm = mid / 10;
	uint32_t low = (mid % 10) << 16 | (lo & 0xffff);
	uint32_t ql = low / 10;

	*n = (uint64_t)qh << 32 | qm << 16 | ql;
	return low % 10;
}

/* Prints s (len bytes) padded to the spec's width; returns chars sent. */
static int emit(struct sink *k, const struct spec *sp, const char *s, int len, bool neg)
{
	int pad = sp->width - len - (neg ? 1 : 0), n = 0;

	if (!sp->left && !sp->zero)
		for (; pad > 0; pad--, n++)
			put(k, ' ');
	if (neg) {
		put(k, '-');
		n++;
	}
	if (!sp->left)
		for (; pad > 0; pad--, n++)
			put(k, '0');
	for (int i = 0; i < len; i++, n++)
		put(k, s[i]);
	for (; pad > 0; pad--, n++)
		put(k, ' ');
	return n;
}

static int emit_uint(struct sink *k, const struct spec *sp, uint64_t v, unsigned base,
		     bool upper, bool neg)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[24];
	int i = sizeof(buf);

	do {
		if (base == 16) {
			buf[--i] = digits[v & 0xf];
			v >>= 4;
		} else {
			buf[--i] = digits[div10(&v)];
		}
	} while (v);
	return emit(k, sp, buf + i, (int)sizeof(buf) - i, neg);
}

static int format(struct sink *k, const char *fmt, va_list ap)
{
	int n = 0;

	for (; *fmt; fmt++) {
		struct spec sp = { false, false, 0 };
		int lng = 0;
		uint64_t u;
		int64_t s;

		if (*fmt != '%') {
			put(k, *fmt);
			n++;
			continue;
		}
		for (fmt++; *fmt == '-' || *fmt == '0'; fmt++) {
			if (*fmt == '-')
				sp.left = true;
			else
				sp.zero = true;
		}
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			sp.width = sp.width * 10 + (*fmt - '0');
		for (; *fmt == 'l'; fmt++)
			lng++;

		switch (*fmt) {
		case 'd':
		case 'i':
			s = lng >= 2 ? va_arg(ap, long long)
			    : lng ? va_arg(ap, long) : va_arg(ap, int);
			u = s < 0 ? 0 - (uint64_t)s : (uint64_t)s;
			n += emit_uint(k, &sp, u, 10, false, s < 0);
			break;
		case 'u':
		case 'x':
		case 'X':
			u = lng >= 2 ? va_arg(ap, unsigned long long)
			    : lng ? va_arg(ap, unsigned long)
			    : va_arg(ap, unsigned int);
			n += emit_uint(k, &sp, u, *fmt == 'u' ? 10 : 16,
				       *fmt == 'X', false);
			break;
		case 'p':
			put(k, '0');
			put(k, 'x');
			n += 2 + emit_uint(k, &sp, (uintptr_t)va_arg(ap, void *),
					   16, false, false);
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);
			int len = 0;

			if (!str)
				str = "(null)";
			while (str[len])
				len++;
			sp.zero = false;
			n += emit(k, &sp, str, len, false);
			break;
		}
		case 'c': {
			char c = (char)va_arg(ap, int);

			sp.zero = false;
			n += emit(k, &sp, &c, 1, false);
			break;
		}
		case '%':
			put(k, '%');
			n++;
			break;
		default:	/* unknown: print it as is, so the bug shows */
			put(k, '%');
			n++;
			if (!*fmt)
				return n;
			put(k, *fmt);
			n++;
			break;
		}
	}
	return n;
}

int vprintf(const char *fmt, va_list ap)
{
	struct sink k = { NULL, 0, 0 };

	return format(&k, fmt, ap);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink k = { buf, size, 0 };
	int n = format(&k, fmt, ap);

	if (size)
		buf[k.len < size ? k.len : size - 1] = 0;
	return n;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}
