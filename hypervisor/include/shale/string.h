/* SPDX-License-Identifier: MIT */
/*
 * The C string/memory routines the hypervisor provides for itself
 * (hypervisor/lib/string.c). The prototypes match the C library's, so the
 * host unit tests link the same callers against libc without any #ifdef.
 * Runs: host root mode and host unit tests.
 */
#ifndef SHALE_STRING_H
#define SHALE_STRING_H

#include <shale/types.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
void *memchr(const void *s, int c, size_t n);

/* Copies at most size-1 bytes of src into dst and NUL-terminates (size > 0).
 * Returns strlen(src), so a result >= size means dst was truncated. */
size_t sh_strlcpy(char *dst, const char *src, size_t size);

#endif /* SHALE_STRING_H */
