/* SPDX-License-Identifier: MIT */
/*
 * sh_vsnprintf: the freestanding printf-style formatter behind printk (the
 * subset listed in shale/printk.h; no floating point). Runs: host root mode
 * and host unit tests, where it is compared against the C library's.
 */
#include <stdarg.h>
#include <shale/printk.h>
#include <shale/types.h>

/* Width and precision are clamped here so that a silly "%999999999d" cannot
 * overflow the arithmetic below; far beyond any line printk prints. */
#define FMT_FIELD_MAX 1000000

/* Where formatted bytes go: buf[0..size) receives what fits, len counts all. */
struct fmt_out {
	char *buf;
	size_t size;
	size_t len;
};

/* One conversion's flags, width and precision (-1 = not given). */
struct fmt_spec {
	bool minus, zero, plus, space, alt;
	int width;
	int prec;
};

static void out_char(struct fmt_out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_repeat(struct fmt_out *o, char c, int n)
{
	while (n-- > 0)
		out_char(o, c);
}

/* Emits the n bytes at s padded to the spec's width with spaces. */
static void out_padded(struct fmt_out *o, const char *s, int n,
		       const struct fmt_spec *sp)
{
	int pad = sp->width > n ? sp->width - n : 0;

	if (!sp->minus)
		out_repeat(o, ' ', pad);
	while (n-- > 0)
		out_char(o, *s++);
	if (sp->minus)
		out_repeat(o, ' ', pad);
}

/*
 * Emits an integer of magnitude val in base 8, 10 or 16, with a '-' when neg
 * (signed conversions only get '+'/' '), the given prefix ("0x", or ""), and
 * C99 semantics for precision (minimum digits; ".0" prints no digit for 0)
 * and for the '0' flag (ignored with '-' or a precision).
 */
static void out_number(struct fmt_out *o, u64 val, unsigned int base,
		       bool upper, bool is_signed, bool neg, const char *prefix,
		       const struct fmt_spec *sp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24]; /* 22 octal digits cover 64 bits */
	int ndig = 0, zeros, len, plen = 0, pad;
	char sign = 0;

	while (val) {
		tmp[ndig++] = digits[val % base];
		val /= base;
	}
	if (ndig == 0 && sp->prec != 0)
		tmp[ndig++] = '0';

	zeros = sp->prec > ndig ? sp->prec - ndig : 0;
	/* '#' with %o: the first digit printed must be a 0. */
	if (base == 8 && sp->alt && zeros == 0 &&
	    (ndig == 0 || tmp[ndig - 1] != '0'))
		zeros = 1;

	if (neg)
		sign = '-';
	else if (is_signed && sp->plus)
		sign = '+';
	else if (is_signed && sp->space)
		sign = ' ';

	while (prefix[plen])
		plen++;
	len = (sign ? 1 : 0) + plen + zeros + ndig;
	pad = sp->width > len ? sp->width - len : 0;
	if (sp->zero && !sp->minus && sp->prec < 0) {
		zeros += pad;
		pad = 0;
	}

	if (!sp->minus)
		out_repeat(o, ' ', pad);
	if (sign)
		out_char(o, sign);
	while (*prefix)
		out_char(o, *prefix++);
	out_repeat(o, '0', zeros);
	while (ndig > 0)
		out_char(o, tmp[--ndig]);
	if (sp->minus)
		out_repeat(o, ' ', pad);
}

/* Parses a decimal field at *fmt, saturating at FMT_FIELD_MAX. */
static int parse_field(const char **fmt)
{
	int v = 0;

	while (**fmt >= '0' && **fmt <= '9') {
		if (v < FMT_FIELD_MAX)
			v = v * 10 + (**fmt - '0');
		(*fmt)++;
	}
	return v > FMT_FIELD_MAX ? FMT_FIELD_MAX : v;
}

enum fmt_len { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_T };

/* Formats into buf (NUL-terminated when size > 0; buf may be NULL when size
 * is 0) and returns the length the whole output would have had. */
int sh_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct fmt_out o = { .buf = buf, .size = size, .len = 0 };

	while (*fmt) {
		struct fmt_spec sp = { .width = 0, .prec = -1 };
		enum fmt_len lm = LEN_NONE;
		const char *start = fmt;
		bool neg = false;
		u64 uval;
		s64 sval;
		unsigned int base = 10;
		char c;

		if (*fmt != '%') {
			out_char(&o, *fmt++);
			continue;
		}
		fmt++;

		for (;; fmt++) {
			if (*fmt == '-')
				sp.minus = true;
			else if (*fmt == '0')
				sp.zero = true;
			else if (*fmt == '+')
				sp.plus = true;
			else if (*fmt == ' ')
				sp.space = true;
			else if (*fmt == '#')
				sp.alt = true;
			else
				break;
		}

		if (*fmt == '*') {
			sp.width = va_arg(ap, int);
			fmt++;
			if (sp.width < 0) { /* a negative '*' width means '-' */
				sp.minus = true;
				sp.width = sp.width < -FMT_FIELD_MAX ?
						   FMT_FIELD_MAX : -sp.width;
			} else if (sp.width > FMT_FIELD_MAX) {
				sp.width = FMT_FIELD_MAX;
			}
		} else {
			sp.width = parse_field(&fmt);
		}

		if (*fmt == '.') {
			fmt++;
			if (*fmt == '*') {
				sp.prec = va_arg(ap, int); /* negative: as if absent */
				fmt++;
				if (sp.prec > FMT_FIELD_MAX)
					sp.prec = FMT_FIELD_MAX;
				if (sp.prec < 0)
					sp.prec = -1;
			} else {
				sp.prec = parse_field(&fmt);
			}
		}

		if (fmt[0] == 'h' && fmt[1] == 'h') {
			lm = LEN_HH;
			fmt += 2;
		} else if (fmt[0] == 'l' && fmt[1] == 'l') {
			lm = LEN_LL;
			fmt += 2;
		} else if (*fmt == 'h') {
			lm = LEN_H;
			fmt++;
		} else if (*fmt == 'l') {
			lm = LEN_L;
			fmt++;
		} else if (*fmt == 'z') {
			lm = LEN_Z;
			fmt++;
		} else if (*fmt == 't') {
			lm = LEN_T;
			fmt++;
		}

		switch (*fmt) {
		case 'd':
		case 'i':
			switch (lm) {
			case LEN_HH: sval = (signed char)va_arg(ap, int); break;
			case LEN_H: sval = (short)va_arg(ap, int); break;
			case LEN_L: sval = va_arg(ap, long); break;
			case LEN_LL: sval = va_arg(ap, long long); break;
			case LEN_Z: sval = va_arg(ap, long); break; /* ssize_t */
			case LEN_T: sval = va_arg(ap, ptrdiff_t); break;
			default: sval = va_arg(ap, int); break;
			}
			neg = sval < 0;
			/* Negate in unsigned arithmetic so INT64_MIN is fine. */
			uval = neg ? (u64)0 - (u64)sval : (u64)sval;
			out_number(&o, uval, 10, false, true, neg, "", &sp);
			break;
		case 'o':
		case 'u':
		case 'x':
		case 'X':
			switch (lm) {
			case LEN_HH: uval = (unsigned char)va_arg(ap, unsigned int); break;
			case LEN_H: uval = (unsigned short)va_arg(ap, unsigned int); break;
			case LEN_L: uval = va_arg(ap, unsigned long); break;
			case LEN_LL: uval = va_arg(ap, unsigned long long); break;
			case LEN_Z: uval = va_arg(ap, size_t); break;
			case LEN_T: uval = (u64)va_arg(ap, ptrdiff_t); break;
			default: uval = va_arg(ap, unsigned int); break;
			}
			if (*fmt == 'o')
				base = 8;
			else if (*fmt != 'u')
				base = 16;
			out_number(&o, uval, base, *fmt == 'X', false, false,
				   base == 16 && sp.alt && uval ?
					   (*fmt == 'X' ? "0X" : "0x") : "",
				   &sp);
			break;
		case 'p':
			/* Always 0x and 16 digits, so columns of addresses line up. */
			uval = (u64)(uintptr_t)va_arg(ap, void *);
			sp.prec = 16;
			out_number(&o, uval, 16, false, false, false, "0x", &sp);
			break;
		case 'c':
			c = (char)va_arg(ap, int);
			out_padded(&o, &c, 1, &sp);
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			int n = 0;

			if (!s)
				s = "(null)";
			/* Never read past prec bytes: s need not be terminated. */
			while ((sp.prec < 0 || n < sp.prec) && s[n])
				n++;
			out_padded(&o, s, n, &sp);
			break;
		}
		case '%':
			out_char(&o, '%');
			break;
		default:
			/* Unknown or truncated conversion: print it as written. */
			while (start < fmt)
				out_char(&o, *start++);
			if (!*fmt)
				continue;
			out_char(&o, *fmt);
			break;
		}
		fmt++;
	}

	if (size > 0)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len > 0x7fffffff ? 0x7fffffff : (int)o.len;
}

int sh_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = sh_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
