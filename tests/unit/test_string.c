/* SPDX-License-Identifier: MIT */
/*
 * Tests for the hypervisor's own string routines (hypervisor/lib/string.c),
 * compared with the C library's. Runs: host unit tests only.
 *
 * The routines share their names with libc's, so this file includes the
 * source under renamed symbols (shs_memcpy, ...) rather than linking it.
 */
#include <stdio.h>
#include <string.h>

#include "support.h"

#include <shale/compiler.h>

#define memcpy shs_memcpy
#define memmove shs_memmove
#define memset shs_memset
#define memcmp shs_memcmp
#define strlen shs_strlen
#define strnlen shs_strnlen
#define strcmp shs_strcmp
#define strncmp shs_strncmp
#define strchr shs_strchr
#define memchr shs_memchr
#include "../../hypervisor/lib/string.c"
#include "../../hypervisor/lib/strlcpy.c"
#undef memcpy
#undef memmove
#undef memset
#undef memcmp
#undef strlen
#undef strnlen
#undef strcmp
#undef strncmp
#undef strchr

#define AREA 96
#define MAXLEN 40

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

/* Fills a buffer with a pattern no two nearby bytes share. */
static void fill(unsigned char *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(seed + i * 7 + 1);
}

/* memcpy copies exactly n bytes for every alignment of source and
 * destination and every length, touching nothing around them. */
static void string_memcpy_copies_every_alignment_and_length(void **state)
{
	unsigned char src[AREA], got[AREA], want[AREA];

	fill(src, sizeof(src), 3);
	for (size_t so = 0; so < 16; so++)
	for (size_t d = 0; d < 16; d++)
	for (size_t n = 0; n <= MAXLEN; n++) {
		memset(got, 0xee, sizeof(got));
		memset(want, 0xee, sizeof(want));
		assert_ptr_equal(shs_memcpy(got + d, src + so, n), got + d);
		memcpy(want + d, src + so, n);
		assert_memory_equal(got, want, sizeof(got));
	}
}

/* memmove is right for overlaps in both directions and every offset. */
static void string_memmove_handles_overlap_both_ways(void **state)
{
	unsigned char got[AREA], want[AREA];

	for (size_t so = 0; so < 24; so++)
	for (size_t d = 0; d < 24; d++)
	for (size_t n = 0; n <= MAXLEN; n++) {
		fill(got, sizeof(got), 11);
		fill(want, sizeof(want), 11);
		assert_ptr_equal(shs_memmove(got + d, got + so, n), got + d);
		memmove(want + d, want + so, n);
		assert_memory_equal(got, want, sizeof(got));
	}
}

/* memset fills exactly n bytes with the low byte of c at every alignment. */
static void string_memset_fills_every_alignment_and_length(void **state)
{
	unsigned char got[AREA], want[AREA];

	for (size_t d = 0; d < 16; d++)
	for (size_t n = 0; n <= MAXLEN; n++) {
		fill(got, sizeof(got), 5);
		fill(want, sizeof(want), 5);
		assert_ptr_equal(shs_memset(got + d, 0x1a5, n), got + d);
		memset(want + d, 0x1a5, n);
		assert_memory_equal(got, want, sizeof(got));
	}
}

/* Comparisons order bytes as unsigned char and agree in sign with libc. */
static void string_comparisons_agree_with_libc(void **state)
{
	static const char *const s[] = {
		"", "a", "b", "ab", "abc", "abd", "abc\x80", "abc\x7f", "\xff",
		"ABC", "abcdefgh", "abcdefgi",
	};

	for (size_t i = 0; i < ARRAY_SIZE(s); i++)
	for (size_t j = 0; j < ARRAY_SIZE(s); j++) {
		size_t n = MIN(strlen(s[i]), strlen(s[j])) + 1;

		assert_int_equal(sign(shs_strcmp(s[i], s[j])),
				 sign(strcmp(s[i], s[j])));
		assert_int_equal(sign(shs_memcmp(s[i], s[j], n)),
				 sign(memcmp(s[i], s[j], n)));
		for (size_t k = 0; k <= 9; k++)
			assert_int_equal(sign(shs_strncmp(s[i], s[j], k)),
					 sign(strncmp(s[i], s[j], k)));
	}
	assert_int_equal(shs_memcmp("x", "y", 0), 0);
}

/* strlen, strnlen and strchr (which finds the terminating NUL too). */
static void string_lengths_and_strchr_agree_with_libc(void **state)
{
	const char *hay = "hypervisor";
	const char not_terminated[4] = { 'a', 'b', 'c', 'd' };

	assert_int_equal(shs_strlen(""), 0);
	assert_int_equal(shs_strlen(hay), 10);
	assert_int_equal(shs_strnlen(hay, 4), 4);
	assert_int_equal(shs_strnlen(hay, 100), 10);
	assert_int_equal(shs_strnlen(not_terminated, 4), 4);
	for (int c = 0; c < 256; c++)
		assert_ptr_equal(shs_strchr(hay, c), strchr(hay, c));
	assert_ptr_equal(shs_strchr(hay, 'v' + 256), hay + 5);
}

/* sh_strlcpy truncates to size-1 bytes, always terminates, and returns the
 * source length so callers can detect truncation. */
static void string_strlcpy_truncates_and_returns_source_length(void **state)
{
	char buf[8];

	memset(buf, '@', sizeof(buf));
	assert_int_equal(sh_strlcpy(buf, "shale", sizeof(buf)), 5);
	assert_string_equal(buf, "shale");
	assert_int_equal(sh_strlcpy(buf, "hypervisor", sizeof(buf)), 10);
	assert_string_equal(buf, "hypervi");
	assert_int_equal(sh_strlcpy(buf, "1234567", sizeof(buf)), 7);
	assert_string_equal(buf, "1234567");
	memset(buf, '@', sizeof(buf));
	assert_int_equal(sh_strlcpy(buf, "abc", 1), 3);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], '@');
	assert_int_equal(sh_strlcpy(buf, "abc", 0), 3);
	assert_int_equal(buf[1], '@');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(string_memcpy_copies_every_alignment_and_length),
		cmocka_unit_test(string_memmove_handles_overlap_both_ways),
		cmocka_unit_test(string_memset_fills_every_alignment_and_length),
		cmocka_unit_test(string_comparisons_agree_with_libc),
		cmocka_unit_test(string_lengths_and_strchr_agree_with_libc),
		cmocka_unit_test(string_strlcpy_truncates_and_returns_source_length),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
