/* SPDX-License-Identifier: MIT */
/*
 * Tests for sh_vsnprintf (hypervisor/lib/vsnprintf.c), mostly by comparing it
 * with the host C library's vsnprintf over many format/argument combinations.
 * Runs: host unit tests only.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "support.h"

#include <shale/compiler.h>
#include <shale/printk.h>

static unsigned long nr_checked, nr_mismatch;

/* Formats with both libc and Shale and records a mismatch (printing the first
 * few) rather than failing at once, so one run shows a whole pattern. */
static void check(const char *fmt, ...)
{
	char want[512], got[512];
	int want_n, got_n;
	va_list ap, ap2;

	va_start(ap, fmt);
	va_copy(ap2, ap);
	want_n = vsnprintf(want, sizeof(want), fmt, ap);
	got_n = sh_vsnprintf(got, sizeof(got), fmt, ap2);
	va_end(ap2);
	va_end(ap);

	nr_checked++;
	if (want_n != got_n || strcmp(want, got) != 0) {
		if (nr_mismatch++ < 20)
			print_error("fmt \"%s\": libc %d \"%s\", shale %d \"%s\"\n",
				    fmt, want_n, want, got_n, got);
	}
}

static void check_reset(void)
{
	nr_checked = nr_mismatch = 0;
}

static void check_done(unsigned long at_least)
{
	if (nr_mismatch)
		print_error("%lu of %lu formats differ from libc\n",
			    nr_mismatch, nr_checked);
	assert_int_equal(nr_mismatch, 0);
	assert_true(nr_checked >= at_least);
}

static const char *const flag_sets[] = {
	"", "-", "0", "+", " ", "#", "-0", "-+", "- ", "0+", "0 ", "+ ",
	"#0", "#-", "-0+ #", "0+#",
};
static const char *const widths[] = { "", "1", "5", "12", "*" };
static const char *const precs[] = { "", ".", ".0", ".1", ".3", ".12", ".*" };
static const int star_widths[] = { 0, 7, -7, 25 };
static const int star_precs[] = { 0, 4, -1, 20 };
static const char *const lengths[] = { "hh", "h", "", "l", "ll", "z", "t" };
static const char convs[] = "diuxXo";

static const long long int_values[] = {
	0, 1, -1, 7, 42, 127, 128, 255, 256, -128, -129, 32767, -32768, 65535,
	65536, INT_MAX, INT_MIN, UINT_MAX, 0x123456789abcdefLL, LLONG_MAX,
	LLONG_MIN,
};

/* Passes v as the type the length modifier asks for (after promotion). */
#define CALL_WITH_LENGTH(lm, ...)                                              \
	do {                                                                   \
		if (!strcmp(lm, "hh") || !strcmp(lm, "h") || !*(lm))           \
			check(fmt, __VA_ARGS__ (int)v);                        \
		else if (!strcmp(lm, "l"))                                     \
			check(fmt, __VA_ARGS__ (long)v);                       \
		else if (!strcmp(lm, "ll"))                                    \
			check(fmt, __VA_ARGS__ (long long)v);                  \
		else if (!strcmp(lm, "z"))                                     \
			check(fmt, __VA_ARGS__ (size_t)v);                     \
		else                                                           \
			check(fmt, __VA_ARGS__ (ptrdiff_t)v);                  \
	} while (0)

/* %d %i %u %x %X %o: every flag set, width, precision (literal and '*',
 * negative '*' included), length modifier and a spread of edge values match
 * the C library. */
static void vsnprintf_integers_match_libc(void **state)
{
	check_reset();
	for (size_t f = 0; f < ARRAY_SIZE(flag_sets); f++)
	for (size_t w = 0; w < ARRAY_SIZE(widths); w++)
	for (size_t p = 0; p < ARRAY_SIZE(precs); p++)
	for (size_t l = 0; l < ARRAY_SIZE(lengths); l++)
	for (size_t c = 0; c < sizeof(convs) - 1; c++) {
		bool sw = widths[w][0] == '*', spr = !strcmp(precs[p], ".*");
		const char *lm = lengths[l];
		char fmt[32];

		snprintf(fmt, sizeof(fmt), "[%%%s%s%s%s%c]", flag_sets[f],
			 widths[w], precs[p], lm, convs[c]);
		for (size_t i = 0; i < ARRAY_SIZE(int_values); i++) {
			long long v = int_values[i];

			for (size_t k = 0; k < ARRAY_SIZE(star_widths); k++) {
				int sw_v = star_widths[k], sp_v = star_precs[k];

				if (sw && spr)
					CALL_WITH_LENGTH(lm, sw_v, sp_v, );
				else if (sw)
					CALL_WITH_LENGTH(lm, sw_v, );
				else if (spr)
					CALL_WITH_LENGTH(lm, sp_v, );
				else if (k == 0)
					CALL_WITH_LENGTH(lm, );
			}
		}
	}
	check_done(100000);
}

/* %s and %c with width, precision and '-' match the C library, and %s never
 * reads past the precision. */
static void vsnprintf_strings_and_chars_match_libc(void **state)
{
	static const char *const strs[] = { "", "a", "hello", "hello, world" };
	static const char *const sflags[] = { "", "-" };
	static const char not_terminated[3] = { 'a', 'b', 'c' };

	check_reset();
	for (size_t f = 0; f < ARRAY_SIZE(sflags); f++)
	for (size_t w = 0; w < ARRAY_SIZE(widths); w++)
	for (size_t p = 0; p < ARRAY_SIZE(precs); p++) {
		bool sw = widths[w][0] == '*', spr = !strcmp(precs[p], ".*");
		char fmt[32];

		snprintf(fmt, sizeof(fmt), "<%%%s%s%ss>", sflags[f], widths[w],
			 precs[p]);
		for (size_t i = 0; i < ARRAY_SIZE(strs); i++)
			for (size_t k = 0; k < ARRAY_SIZE(star_widths); k++) {
				if (sw && spr)
					check(fmt, star_widths[k], star_precs[k], strs[i]);
				else if (sw)
					check(fmt, star_widths[k], strs[i]);
				else if (spr)
					check(fmt, star_precs[k], strs[i]);
				else if (k == 0)
					check(fmt, strs[i]);
			}

		snprintf(fmt, sizeof(fmt), "<%%%s%sc>", sflags[f], widths[w]);
		for (size_t k = 0; k < ARRAY_SIZE(star_widths); k++) {
			if (sw)
				check(fmt, star_widths[k], 'x');
			else if (k == 0)
				check(fmt, 'x');
		}
	}
	check("%.3s|", not_terminated);
	check("%c%c%c", 'a', 0x7f, 0xff);
	check("100%% sure %%d %5s%%", "x");
	check("no conversions at all");
	check("");
	check_done(400);
}

/* Mixed lines like the ones printk callers write match the C library. */
static void vsnprintf_mixed_lines_match_libc(void **state)
{
	check_reset();
	check("shale: domain %s exit %d {\"exits\":%lu}\n", "pv64", -3, 12345UL);
	check("cpu%u: %-8s|%08x|%+d|% d|%#o|%#X", 3u, "svm", 0xbeefu, 5, 7, 8u, 255u);
	check("%zu %zd %td %tx", (size_t)123456789, (long)-5, (ptrdiff_t)-9,
	      (ptrdiff_t)-1);
	check("%hhd %hhu %hd %hu", 300, 300, 70000, 70000);
	check("%*d|%-*d|%.*d|%*.*x", 6, 42, 6, 42, 5, 42, 8, 6, 0xabu);
	check("%llx %lld %llo", ~0ULL, LLONG_MIN, ~0ULL);
	check("%-5c|%5c|%c", 'a', 'b', 'c');
	check_done(7);
}

/* %p prints 0x and 16 hex digits whatever the value (libc differs here). */
static void vsnprintf_pointer_is_0x_and_16_digits(void **state)
{
	char buf[64];

	assert_int_equal(sh_snprintf(buf, sizeof(buf), "%p", NULL), 18);
	assert_string_equal(buf, "0x0000000000000000");
	sh_snprintf(buf, sizeof(buf), "%p", (void *)0xffff800000001000UL);
	assert_string_equal(buf, "0xffff800000001000");
	sh_snprintf(buf, sizeof(buf), "%p", (void *)0x1234);
	assert_string_equal(buf, "0x0000000000001234");
	sh_snprintf(buf, sizeof(buf), "[%20p]", (void *)0x1);
	assert_string_equal(buf, "[  0x0000000000000001]");
	sh_snprintf(buf, sizeof(buf), "[%-20p]", (void *)0x1);
	assert_string_equal(buf, "[0x0000000000000001  ]");
}

/* %s of NULL prints "(null)" rather than faulting. */
static void vsnprintf_null_string_prints_null(void **state)
{
	char buf[32];
	/* volatile: keeps gcc from rejecting the NULL argument at compile time */
	const char *volatile nothing = NULL;

	assert_int_equal(sh_snprintf(buf, sizeof(buf), "<%s>", nothing), 8);
	assert_string_equal(buf, "<(null)>");
	sh_snprintf(buf, sizeof(buf), "<%8s>", nothing);
	assert_string_equal(buf, "<  (null)>");
}

/* Every buffer size from 0 up truncates to size-1 bytes, NUL-terminates,
 * never writes past size, and returns the full length. */
static void vsnprintf_truncates_and_returns_full_length(void **state)
{
	const char *want = "value=0x0000abcd name=shale -17";
	size_t full = strlen(want);

	for (size_t size = 0; size <= full + 2; size++) {
		char buf[64];

		memset(buf, '@', sizeof(buf));
		assert_int_equal(sh_snprintf(buf, size, "value=%#010x name=%s %d",
					     0xabcdu, "shale", -17),
				 (int)full);
		if (size > 0) {
			size_t kept = MIN(size - 1, full);

			assert_memory_equal(buf, want, kept);
			assert_int_equal(buf[kept], '\0');
		}
		for (size_t i = size; i < sizeof(buf); i++)
			assert_int_equal(buf[i], '@');
	}
}

/* size 0 with a NULL buffer only measures. */
static void vsnprintf_size_zero_with_null_buffer_only_measures(void **state)
{
	assert_int_equal(sh_snprintf(NULL, 0, "%s-%d", "abc", 12345), 9);
	assert_int_equal(sh_snprintf(NULL, 0, "%s", ""), 0);
}

/* A width wider than the buffer still counts every padding byte. */
static void vsnprintf_wide_field_counts_beyond_buffer(void **state)
{
	char buf[8];

	assert_int_equal(sh_snprintf(buf, sizeof(buf), "%300d", 1), 300);
	assert_string_equal(buf, "       ");
	assert_int_equal(sh_snprintf(buf, sizeof(buf), "%.200u", 1u), 200);
	assert_string_equal(buf, "0000000");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vsnprintf_integers_match_libc),
		cmocka_unit_test(vsnprintf_strings_and_chars_match_libc),
		cmocka_unit_test(vsnprintf_mixed_lines_match_libc),
		cmocka_unit_test(vsnprintf_pointer_is_0x_and_16_digits),
		cmocka_unit_test(vsnprintf_null_string_prints_null),
		cmocka_unit_test(vsnprintf_truncates_and_returns_full_length),
		cmocka_unit_test(vsnprintf_size_zero_with_null_buffer_only_measures),
		cmocka_unit_test(vsnprintf_wide_field_counts_beyond_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
