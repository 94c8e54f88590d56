/* SPDX-License-Identifier: MIT */
/*
 * A small JSON writer into a fixed buffer, for the stats and summary lines
 * that tools/shale-run and the tests parse. Strings are escaped; output that
 * does not fit sets 'overflow' and is cut at a value boundary.
 * Runs: host root mode and host unit tests.
 */
#ifndef SHALE_JSON_H
#define SHALE_JSON_H

#include <shale/types.h>

#define JSON_MAX_DEPTH 8

struct json_out {
	char *buf;
	size_t size;
	size_t len;
	bool overflow;
	unsigned int depth;
	bool need_comma[JSON_MAX_DEPTH];
};

/* Starts an empty document in buf[0..size); buf stays NUL-terminated. */
void json_init(struct json_out *j, char *buf, size_t size);

/* In an object pass the member's key; in an array (or at top level) NULL. */
void json_object_begin(struct json_out *j, const char *key);
void json_object_end(struct json_out *j);
void json_array_begin(struct json_out *j, const char *key);
void json_array_end(struct json_out *j);
void json_u64(struct json_out *j, const char *key, u64 v);
void json_s64(struct json_out *j, const char *key, s64 v);
void json_bool(struct json_out *j, const char *key, bool v);
void json_str(struct json_out *j, const char *key, const char *s);

#endif /* SHALE_JSON_H */
