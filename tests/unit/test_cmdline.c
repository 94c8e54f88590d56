/* SPDX-License-Identifier: MIT */
/*
 * Tests for the command-line parser (hypervisor/cmdline.c): every option
 * type, its bounds and spellings, and the warnings printed for what it
 * refuses. Runs: host unit tests only.
 */
#include <stdio.h>
#include <string.h>

#include "support.h"

#include <shale/cmdline.h>
#include <shale/compiler.h>

static u64 maxcpus, mem, big;
static bool verbose, nosmp;
static char console[8];

static const struct cmdline_opt opts[] = {
	{ .key = "maxcpus", .type = CMDLINE_UINT, .dest = &maxcpus,
	  .min = 1, .max = 64 },
	{ .key = "mem", .type = CMDLINE_UINT, .dest = &mem,
	  .min = 0, .max = 0xffffffff },
	{ .key = "big", .type = CMDLINE_UINT, .dest = &big,
	  .min = 0, .max = UINT64_MAX },
	{ .key = "verbose", .type = CMDLINE_BOOL, .dest = &verbose },
	{ .key = "nosmp", .type = CMDLINE_BOOL, .dest = &nosmp },
	{ .key = "console", .type = CMDLINE_STRING, .dest = console,
	  .dest_size = sizeof(console) },
};

/* Puts every option back at its default and empties the console. */
static int reset(void **state)
{
	maxcpus = 4;
	mem = 0;
	big = 7;
	verbose = false;
	nosmp = false;
	strcpy(console, "com1");
	unit_console_reset();
	return 0;
}

static int parse(const char *line)
{
	return cmdline_parse(line, opts, ARRAY_SIZE(opts));
}

/* Asserts the console holds exactly 'want' (all warnings since reset). */
static void assert_console(const char *want)
{
	assert_string_equal(unit_console(), want);
	unit_console_reset();
}

/* An empty or all-blank line sets nothing and warns about nothing. */
static void cmdline_empty_line_changes_nothing(void **state)
{
	assert_int_equal(parse(""), 0);
	assert_int_equal(parse(" \t  \t"), 0);
	assert_int_equal(maxcpus, 4);
	assert_false(verbose);
	assert_string_equal(console, "com1");
	assert_console("");
}

/* Numbers are decimal, or hex after 0x/0X; a leading 0 is not octal. */
static void cmdline_uint_accepts_decimal_and_hex(void **state)
{
	assert_int_equal(parse("maxcpus=16 mem=0x1000"), 0);
	assert_int_equal(maxcpus, 16);
	assert_int_equal(mem, 0x1000);
	assert_int_equal(parse("maxcpus=0X2a mem=010"), 0);
	assert_int_equal(maxcpus, 42);
	assert_int_equal(mem, 10);
	assert_int_equal(parse("mem=0xDeadBeef"), 0);
	assert_int_equal(mem, 0xdeadbeef);
	assert_console("");
}

/* min and max are accepted, one past either is refused with a warning that
 * names the value, the key and the range; the old value stays. */
static void cmdline_uint_checks_bounds_and_names_the_range(void **state)
{
	assert_int_equal(parse("maxcpus=1"), 0);
	assert_int_equal(maxcpus, 1);
	assert_int_equal(parse("maxcpus=64"), 0);
	assert_int_equal(maxcpus, 64);

	assert_int_equal(parse("maxcpus=65"), 1);
	assert_int_equal(maxcpus, 64);
	assert_console("shale: cmdline: bad value '65' for 'maxcpus' "
		       "(expected a number from 1 to 64)\n");
	assert_int_equal(parse("maxcpus=0"), 1);
	assert_int_equal(maxcpus, 64);
	assert_console("shale: cmdline: bad value '0' for 'maxcpus' "
		       "(expected a number from 1 to 64)\n");
	assert_int_equal(parse("mem=0x100000000"), 1);
	assert_int_equal(mem, 0);
}

/* 2^64 - 1 fits; 2^64 and beyond, in decimal or hex, is refused. */
static void cmdline_uint_rejects_overflow(void **state)
{
	assert_int_equal(parse("big=18446744073709551615"), 0);
	assert_true(big == UINT64_MAX);
	big = 7;
	assert_int_equal(parse("big=0xffffffffffffffff"), 0);
	assert_true(big == UINT64_MAX);
	big = 7;

	assert_int_equal(parse("big=18446744073709551616"), 1);
	assert_int_equal(parse("big=99999999999999999999"), 1);
	assert_int_equal(parse("big=0x10000000000000000"), 1);
	assert_int_equal(parse("big=000000000000000000018446744073709551616"), 1);
	assert_int_equal(big, 7);
	assert_non_null(strstr(unit_console(),
			       "bad value '18446744073709551616' for 'big'"));
}

/* Trailing junk, signs, a bare 0x, an empty value and non-digits are
 * refused, each with a warning, and the option keeps its value. */
static void cmdline_uint_rejects_junk_signs_and_empty(void **state)
{
	static const char *const bad[] = {
		"maxcpus=12x", "maxcpus=0x", "maxcpus=", "maxcpus=-1",
		"maxcpus=+1", "maxcpus=0xg", "maxcpus=1.5", "maxcpus=two",
		"maxcpus=08a", "maxcpus=0x0x1", "maxcpus= 1",
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		/* "maxcpus= 1" is two words: an empty value, and unknown "1" */
		int want = strchr(bad[i], ' ') ? 2 : 1;

		assert_int_equal(parse(bad[i]), want);
		assert_int_equal(maxcpus, 4);
	}
	unit_console_reset();
	assert_int_equal(parse("maxcpus="), 1);
	assert_console("shale: cmdline: bad value '' for 'maxcpus' "
		       "(expected a number from 1 to 64)\n");
}

/* Each of 1/0, on/off, yes/no, true/false sets a boolean. */
static void cmdline_bool_accepts_every_spelling(void **state)
{
	static const char *const yes[] = { "1", "on", "yes", "true" };
	static const char *const no[] = { "0", "off", "no", "false" };
	char line[32];

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		snprintf(line, sizeof(line), "verbose=%s", yes[i]);
		assert_int_equal(parse(line), 0);
		assert_true(verbose);
		snprintf(line, sizeof(line), "verbose=%s", no[i]);
		assert_int_equal(parse(line), 0);
		assert_false(verbose);
	}
	assert_console("");
}

/* Anything else is refused with a warning listing the accepted spellings. */
static void cmdline_bool_rejects_other_words(void **state)
{
	static const char *const bad[] = {
		"verbose=2", "verbose=", "verbose=maybe", "verbose=onn",
		"verbose=y", "verbose=10", "verbose=truex",
	};

	verbose = true;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(parse(bad[i]), 1);
		assert_true(verbose);
	}
	unit_console_reset();
	assert_int_equal(parse("verbose=maybe"), 1);
	assert_console("shale: cmdline: bad value 'maybe' for 'verbose' "
		       "(expected 1/0, on/off, yes/no or true/false)\n");
}

/* A bare boolean key means key=1. */
static void cmdline_bare_bool_key_means_true(void **state)
{
	assert_int_equal(parse("nosmp verbose"), 0);
	assert_true(nosmp);
	assert_true(verbose);
	assert_console("");
}

/* A bare number or string key is refused: it has no value to take. */
static void cmdline_bare_non_bool_key_is_refused(void **state)
{
	assert_int_equal(parse("maxcpus"), 1);
	assert_int_equal(maxcpus, 4);
	assert_console("shale: cmdline: option 'maxcpus' needs a value "
		       "(expected a number from 1 to 64)\n");
	assert_int_equal(parse("console"), 1);
	assert_string_equal(console, "com1");
	assert_non_null(strstr(unit_console(), "'console'"));
}

/* A string that fits with its NUL is copied whole, '=' and all; an empty
 * value gives an empty string. */
static void cmdline_string_copies_when_it_fits(void **state)
{
	assert_int_equal(parse("console=ttyS0"), 0);
	assert_string_equal(console, "ttyS0");
	assert_int_equal(parse("console=1234567"), 0); /* 7 bytes + NUL = 8 */
	assert_string_equal(console, "1234567");
	assert_int_equal(parse("console=a=b"), 0);
	assert_string_equal(console, "a=b");
	assert_int_equal(parse("console="), 0);
	assert_string_equal(console, "");
	assert_console("");
}

/* A string one byte too long is refused, naming key and value, and the
 * old string is left intact. */
static void cmdline_string_too_long_warns_and_keeps_old_value(void **state)
{
	assert_int_equal(parse("console=12345678"), 1);
	assert_string_equal(console, "com1");
	assert_console("shale: cmdline: bad value '12345678' for 'console' "
		       "(expected at most 7 bytes)\n");
}

/* An unknown key is skipped with a warning that names it; the words around
 * it still apply. Keys match whole: a prefix is not a key. */
static void cmdline_unknown_key_warns_and_names_it(void **state)
{
	assert_int_equal(parse("verbose foo=bar maxcpus=8"), 1);
	assert_true(verbose);
	assert_int_equal(maxcpus, 8);
	assert_console("shale: cmdline: unknown option 'foo' ignored\n");

	assert_int_equal(parse("max=3 maxcpusx=3 MAXCPUS=3"), 3);
	assert_int_equal(maxcpus, 8);
	assert_console("shale: cmdline: unknown option 'max' ignored\n"
		       "shale: cmdline: unknown option 'maxcpusx' ignored\n"
		       "shale: cmdline: unknown option 'MAXCPUS' ignored\n");

	assert_int_equal(parse("bare =5"), 2);
	assert_console("shale: cmdline: unknown option 'bare' ignored\n"
		       "shale: cmdline: unknown option '' ignored\n");
}

/* A word of 255 bytes is parsed; one of 256 is refused whole, with a warning
 * that quotes its start, and parsing carries on after it. */
static void cmdline_word_longer_than_255_bytes_is_refused(void **state)
{
	char line[600];

	/* "foo=" + 251 'a' = 255 bytes: parsed, so an unknown-key warning. */
	memset(line, 'a', sizeof(line));
	memcpy(line, "foo=", 4);
	line[255] = '\0';
	assert_int_equal(parse(line), 1);
	assert_console("shale: cmdline: unknown option 'foo' ignored\n");

	/* "maxcpus=" + 248 digits = 256 bytes, then a good word. */
	memset(line, '0', sizeof(line));
	memcpy(line, "maxcpus=", 8);
	line[255] = '9';
	strcpy(line + 256, " verbose");
	assert_int_equal(parse(line), 1);
	assert_int_equal(maxcpus, 4);
	assert_true(verbose);
	assert_non_null(strstr(unit_console(), "'maxcpus=000"));
	assert_non_null(strstr(unit_console(), "longer than 255 bytes"));
}

/* Runs of spaces and tabs, leading and trailing, separate words. */
static void cmdline_blanks_between_words_are_ignored(void **state)
{
	assert_int_equal(parse("  \tmaxcpus=2 \t\t  verbose   console=vga\t "), 0);
	assert_int_equal(maxcpus, 2);
	assert_true(verbose);
	assert_string_equal(console, "vga");
	assert_console("");
}

/* A key given twice takes the last value; a later bad value does not undo
 * an earlier good one. */
static void cmdline_last_one_wins(void **state)
{
	assert_int_equal(parse("maxcpus=2 maxcpus=3 console=a console=b"), 0);
	assert_int_equal(maxcpus, 3);
	assert_string_equal(console, "b");
	assert_int_equal(parse("verbose verbose=off"), 0);
	assert_false(verbose);
	assert_int_equal(parse("maxcpus=5 maxcpus=500"), 1);
	assert_int_equal(maxcpus, 5);
}

/* The result counts every warning, one per refused word. */
static void cmdline_returns_number_of_warnings(void **state)
{
	assert_int_equal(parse("a b=1 maxcpus=0 verbose=x console=toolongvalue "
			       "nosmp maxcpus"), 6);
	assert_true(nosmp);
	assert_int_equal(maxcpus, 4);
	assert_false(verbose);
	assert_string_equal(console, "com1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup(name, reset)
		T(cmdline_empty_line_changes_nothing),
		T(cmdline_uint_accepts_decimal_and_hex),
		T(cmdline_uint_checks_bounds_and_names_the_range),
		T(cmdline_uint_rejects_overflow),
		T(cmdline_uint_rejects_junk_signs_and_empty),
		T(cmdline_bool_accepts_every_spelling),
		T(cmdline_bool_rejects_other_words),
		T(cmdline_bare_bool_key_means_true),
		T(cmdline_bare_non_bool_key_is_refused),
		T(cmdline_string_copies_when_it_fits),
		T(cmdline_string_too_long_warns_and_keeps_old_value),
		T(cmdline_unknown_key_warns_and_names_it),
		T(cmdline_word_longer_than_255_bytes_is_refused),
		T(cmdline_blanks_between_words_are_ignored),
		T(cmdline_last_one_wins),
		T(cmdline_returns_number_of_warnings),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
