/* SPDX-License-Identifier: MIT */
/*
 * The C string and memory routines the hypervisor provides for itself (see
 * shale/string.h). Runs: host root mode only; host unit tests use libc's.
 */
#include <shale/string.h>
#include <shale/types.h>

/*
 * gcc recognises a byte-copy or byte-fill loop and replaces it with a call
 * to memcpy/memset, which here would call itself forever. This turns that
 * pattern matching off for every function in the file.
 */
#define NO_LIBCALLS __attribute__((optimize("no-tree-loop-distribute-patterns")))

/* A u64 that may alias any other type, for the word-at-a-time loops. */
typedef u64 __attribute__((may_alias)) word_t;

static inline uintptr_t misalign(const void *p)
{
	return (uintptr_t)p & (sizeof(word_t) - 1);
}

/* Copies n bytes forwards, 8 at a time once both pointers are aligned (when
 * they can be). Also correct for overlapping buffers when dst < src. */
NO_LIBCALLS static void copy_forward(u8 *d, const u8 *s, size_t n)
{
	if (misalign(d) == misalign(s)) {
		for (; n && misalign(d); n--)
			*d++ = *s++;
		for (; n >= sizeof(word_t); n -= sizeof(word_t)) {
			*(word_t *)d = *(const word_t *)s;
			d += sizeof(word_t);
			s += sizeof(word_t);
		}
	}
	while (n--)
		*d++ = *s++;
}

NO_LIBCALLS void *memcpy(void *dst, const void *src, size_t n)
{
	copy_forward(dst, src, n);
	return dst;
}

/* Copies n bytes between buffers that may overlap: backwards when dst lies
 * above src, so no byte is overwritten before it has been read. */
NO_LIBCALLS void *memmove(void *dst, const void *src, size_t n)
{
	u8 *d = dst;
	const u8 *s = src;

	if (d <= s || d >= s + n) {
		copy_forward(d, s, n);
		return dst;
	}
	d += n;
	s += n;
	while (n--)
		*--d = *--s;
	return dst;
}

NO_LIBCALLS void *memset(void *dst, int c, size_t n)
{
	u8 *d = dst;
	u8 byte = (u8)c;

	if (n >= sizeof(word_t)) {
		word_t pattern = 0x0101010101010101ULL * byte;

		for (; misalign(d); n--)
			*d++ = byte;
		for (; n >= sizeof(word_t); n -= sizeof(word_t)) {
			*(word_t *)d = pattern;
			d += sizeof(word_t);
		}
	}
	while (n--)
		*d++ = byte;
	return dst;
}

NO_LIBCALLS int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

NO_LIBCALLS size_t strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return (size_t)(p - s);
}

NO_LIBCALLS size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

/* Like the C library, compares as unsigned char. */
NO_LIBCALLS int strcmp(const char *a, const char *b)
{
	const u8 *x = (const u8 *)a, *y = (const u8 *)b;

	while (*x && *x == *y) {
		x++;
		y++;
	}
	return *x - *y;
}

NO_LIBCALLS int strncmp(const char *a, const char *b, size_t n)
{
	const u8 *x = (const u8 *)a, *y = (const u8 *)b;

	for (; n; n--, x++, y++) {
		if (*x != *y)
			return *x - *y;
		if (!*x)
			break;
	}
	return 0;
}

/* Finds the first (char)c in s; the terminating NUL counts, as in C. */
NO_LIBCALLS char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

/* Finds the first byte (unsigned char)c in s[0..n), or NULL. */
NO_LIBCALLS void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (size_t i = 0; i < n; i++)
		if (p[i] == (unsigned char)c)
			return (void *)(p + i);
	return NULL;
}
