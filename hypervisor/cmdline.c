/* SPDX-License-Identifier: MIT */
/*
 * Parses Shale's command line (key=value words) against a table of options,
 * warning about anything it does not understand (see shale/cmdline.h).
 * Runs: host root mode at boot, and host unit tests.
 */
#include <shale/cmdline.h>
#include <shale/printk.h>
#include <shale/string.h>
#include <shale/types.h>

#define WORD_MAX 255 /* longest word accepted, in bytes */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 16;
}

/* Parses all of s as a decimal or 0x-prefixed hex u64 (a leading 0 does not
 * mean octal). Fails on an empty string, a sign, junk or overflow. */
static bool parse_u64(const char *s, u64 *out)
{
	unsigned int base = 10;
	u64 v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return false;
	for (; *s; s++) {
		unsigned int d = (unsigned int)digit_value(*s);

		if (d >= base || v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

static bool parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "1", "on", "yes", "true" };
	static const char *const no[] = { "0", "off", "no", "false" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcmp(s, yes[i])) {
			*out = true;
			return true;
		}
		if (!strcmp(s, no[i])) {
			*out = false;
			return true;
		}
	}
	return false;
}

/* Describes what opt accepts, for warnings: "a number from 1 to 64". */
static void describe(const struct cmdline_opt *opt, char *buf, size_t size)
{
	switch (opt->type) {
	case CMDLINE_UINT:
		sh_snprintf(buf, size, "a number from %llu to %llu",
			    (unsigned long long)opt->min,
			    (unsigned long long)opt->max);
		break;
	case CMDLINE_BOOL:
		sh_snprintf(buf, size, "1/0, on/off, yes/no or true/false");
		break;
	case CMDLINE_STRING:
		sh_snprintf(buf, size, "at most %llu bytes",
			    (unsigned long long)(opt->dest_size ?
						 opt->dest_size - 1 : 0));
		break;
	}
}

/* Stores value (NULL for a bare key) into opt's destination if it is valid
 * for the option's type; otherwise leaves it alone. Returns false when the
 * value was refused. */
static bool apply(const struct cmdline_opt *opt, const char *value)
{
	u64 num;
	bool flag;
	size_t len;

	switch (opt->type) {
	case CMDLINE_UINT:
		if (!value || !parse_u64(value, &num) || num < opt->min ||
		    num > opt->max)
			return false;
		*(u64 *)opt->dest = num;
		return true;
	case CMDLINE_BOOL:
		if (!value) {
			*(bool *)opt->dest = true;
			return true;
		}
		if (!parse_bool(value, &flag))
			return false;
		*(bool *)opt->dest = flag;
		return true;
	case CMDLINE_STRING:
		if (!value)
			return false;
		len = strlen(value);
		if (len >= opt->dest_size)
			return false;
		memcpy(opt->dest, value, len + 1);
		return true;
	}
	return false;
}

/* Handles one word (NUL-terminated, modifiable). Returns warnings printed. */
static int parse_word(char *word, const struct cmdline_opt *opts, size_t nr)
{
	char *value = strchr(word, '=');
	char expected[64];
	const struct cmdline_opt *opt = NULL;

	if (value)
		*value++ = '\0';
	for (size_t i = 0; i < nr; i++) {
		if (!strcmp(word, opts[i].key)) {
			opt = &opts[i];
			break;
		}
	}
	if (!opt) {
		printk("shale: cmdline: unknown option '%s' ignored\n", word);
		return 1;
	}
	if (apply(opt, value))
		return 0;

	describe(opt, expected, sizeof(expected));
	if (value)
		printk("shale: cmdline: bad value '%s' for '%s' (expected %s)\n",
		       value, word, expected);
	else
		printk("shale: cmdline: option '%s' needs a value (expected %s)\n",
		       word, expected);
	return 1;
}

/* Splits line at blanks and parses each word. See shale/cmdline.h. */
int cmdline_parse(const char *line, const struct cmdline_opt *opts, size_t nr)
{
	char word[WORD_MAX + 1];
	int warnings = 0;

	if (!line)
		return 0;
	for (;;) {
		const char *start;
		size_t len;

		while (is_blank(*line))
			line++;
		if (!*line)
			return warnings;
		start = line;
		while (*line && !is_blank(*line))
			line++;
		len = (size_t)(line - start);

		if (len > WORD_MAX) {
			printk("shale: cmdline: word '%.32s...' is longer than %d bytes, ignored\n",
			       start, WORD_MAX);
			warnings++;
			continue;
		}
		memcpy(word, start, len);
		word[len] = '\0';
		warnings += parse_word(word, opts, nr);
	}
}
