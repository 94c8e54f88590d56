/* SPDX-License-Identifier: MIT */
/*
 * The JSON writer behind the stats and summary lines (see shale/json.h).
 * Runs: host root mode and host unit tests.
 */
#include <shale/json.h>
#include <shale/printk.h>

void json_init(struct json_out *j, char *buf, size_t size)
{
	j->buf = buf;
	j->size = size;
	j->len = 0;
	j->overflow = false;
	j->depth = 0;
	j->need_comma[0] = false;
	if (size)
		buf[0] = '\0';
}

static void put(struct json_out *j, const char *s, size_t n)
{
	if (j->overflow || j->len + n + 1 > j->size) {
		j->overflow = true;
		return;
	}
	for (size_t i = 0; i < n; i++)
		j->buf[j->len++] = s[i];
	j->buf[j->len] = '\0';
}

static void putc_(struct json_out *j, char c)
{
	put(j, &c, 1);
}

static void put_string(struct json_out *j, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	putc_(j, '"');
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			putc_(j, '\\');
			putc_(j, (char)c);
		} else if (c < 0x20 || c == 0x7f) {
			char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

			put(j, esc, sizeof(esc));
		} else {
			putc_(j, (char)c);
		}
	}
	putc_(j, '"');
}

/* The separator and key that precede every value. */
static void member(struct json_out *j, const char *key)
{
	if (j->need_comma[j->depth])
		putc_(j, ',');
	j->need_comma[j->depth] = true;
	if (key) {
		put_string(j, key);
		putc_(j, ':');
	}
}

static void open_(struct json_out *j, const char *key, char c)
{
	member(j, key);
	putc_(j, c);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->depth++;
	else
		j->overflow = true;
	j->need_comma[j->depth] = false;
}

static void close_(struct json_out *j, char c)
{
	if (j->depth)
		j->depth--;
	putc_(j, c);
}

void json_object_begin(struct json_out *j, const char *key)
{
	open_(j, key, '{');
}

void json_object_end(struct json_out *j)
{
	close_(j, '}');
}

void json_array_begin(struct json_out *j, const char *key)
{
	open_(j, key, '[');
}

void json_array_end(struct json_out *j)
{
	close_(j, ']');
}

void json_u64(struct json_out *j, const char *key, u64 v)
{
	char num[24];
	int n = sh_snprintf(num, sizeof(num), "%lu", (unsigned long)v);

	member(j, key);
	put(j, num, (size_t)n);
}

void json_s64(struct json_out *j, const char *key, s64 v)
{
	char num[24];
	int n = sh_snprintf(num, sizeof(num), "%ld", (long)v);

	member(j, key);
	put(j, num, (size_t)n);
}

void json_bool(struct json_out *j, const char *key, bool v)
{
	member(j, key);
	if (v)
		put(j, "true", 4);
	else
		put(j, "false", 5);
}

void json_str(struct json_out *j, const char *key, const char *s)
{
	member(j, key);
	put_string(j, s);
}
