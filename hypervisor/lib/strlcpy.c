/* SPDX-License-Identifier: MIT */
/*
 * sh_strlcpy, kept apart from the libc-named routines in string.c so the
 * host unit tests can link it beside the C library.
 * Runs: host root mode and host unit tests.
 */
#include <shale/string.h>

size_t sh_strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}
