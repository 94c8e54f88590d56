/* SPDX-License-Identifier: MIT */
/*
 * Seams for host unit tests (see support.h). Runs: host unit tests only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "support.h"

#include <shale/bug.h>
#include <shale/frames.h>
#include <shale/printk.h>

static char console_buf[1 << 16];
static size_t console_len;

static void capture(const char *s, size_t len)
{
	size_t room = sizeof(console_buf) - 1 - console_len;

	if (len > room)
		len = room;
	memcpy(console_buf + console_len, s, len);
	console_len += len;
	console_buf[console_len] = '\0';
	if (getenv("UNIT_VERBOSE"))
		fwrite(s, 1, len, stderr);
}

/* The hypervisor's printk (hypervisor/printk.c) takes the console lock with
 * interrupts off; tests format with the same sh_vsnprintf into a buffer. */
void vprintk(const char *fmt, va_list ap)
{
	char line[PRINTK_MAX];
	int n = sh_vsnprintf(line, sizeof(line), fmt, ap);

	capture(line, n < (int)sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

void printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}

const char *unit_console(void)
{
	return console_buf;
}

void unit_console_reset(void)
{
	console_len = 0;
	console_buf[0] = '\0';
}

void bug_fail(const char *file, int line, const char *expr)
{
	mock_assert(0, expr, file, line);
	abort(); /* mock_assert does not return when the assertion fails */
}

void panic(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	mock_assert(0, msg, __FILE__, __LINE__);
	abort();
}

static u8 *arena;
static u64 arena_base, arena_frames;

void unit_arena_init(mfn_t base, u64 nr_frames)
{
	assert_null(arena);
	arena = mmap(NULL, nr_frames << PAGE_SHIFT, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(arena != MAP_FAILED);
	arena_base = mfn_x(base);
	arena_frames = nr_frames;
}

void unit_arena_fini(void)
{
	munmap(arena, arena_frames << PAGE_SHIFT);
	arena = NULL;
}

void *mfn_to_virt(mfn_t m)
{
	assert_true(mfn_x(m) >= arena_base &&
		    mfn_x(m) < arena_base + arena_frames);
	return arena + ((mfn_x(m) - arena_base) << PAGE_SHIFT);
}

mfn_t virt_to_mfn(const void *va)
{
	const u8 *p = va;

	assert_true(p >= arena && p < arena + (arena_frames << PAGE_SHIFT));
	return _mfn(arena_base + (u64)((p - arena) >> PAGE_SHIFT));
}

static struct frame_info *unit_meta;

void unit_frames_init(mfn_t base, u64 nr_frames)
{
	unit_arena_init(base, nr_frames);
	unit_meta = calloc(nr_frames, sizeof(*unit_meta));
	assert_non_null(unit_meta);
	buddy_init(&machine_frames, base, nr_frames, unit_meta);
	buddy_add_range(&machine_frames, base, nr_frames);
}

void unit_frames_fini(void)
{
	free(unit_meta);
	unit_meta = NULL;
	unit_arena_fini();
}
