/* SPDX-License-Identifier: MIT */
/*
 * Shale's command line: space-separated key=value words (a bare key means
 * key=1 for booleans), checked against a table of known options. An unknown
 * key or a bad value prints a warning naming it and leaves the option at its
 * default. Runs: host root mode and host unit tests.
 */
#ifndef SHALE_CMDLINE_H
#define SHALE_CMDLINE_H

#include <shale/types.h>

enum cmdline_type {
	CMDLINE_UINT,   /* decimal or 0x hex, within [min, max]; dest is u64 */
	CMDLINE_BOOL,   /* 1/0, on/off, yes/no, true/false; dest is bool */
	CMDLINE_STRING, /* copied into a char array of dest_size bytes */
};

struct cmdline_opt {
	const char *key;
	enum cmdline_type type;
	void *dest;
	u64 min, max;     /* CMDLINE_UINT only */
	size_t dest_size; /* CMDLINE_STRING only: bytes incl. the NUL */
};

/* Parses 'line' against opts[0..nr). Words longer than 255 bytes are
 * refused. Returns the number of warnings printed (0 = all understood). */
int cmdline_parse(const char *line, const struct cmdline_opt *opts, size_t nr);

#endif /* SHALE_CMDLINE_H */
