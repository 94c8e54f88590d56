/* SPDX-License-Identifier: MIT */
/*
 * Seams for host unit tests: a captured console, BUG_ON/panic turned into
 * cmocka assertion failures, and a fake machine-memory arena behind the
 * direct-map functions. Runs: host unit tests only.
 */
#ifndef UNIT_SUPPORT_H
#define UNIT_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <shale/types.h>

/* Everything printk wrote since the last unit_console_reset(). */
const char *unit_console(void);
void unit_console_reset(void);

/* Backs mfns [base, base + nr) with host memory (mmap, lazily committed) so
 * mfn_to_virt/virt_to_mfn work on them. One arena at a time. */
void unit_arena_init(mfn_t base, u64 nr_frames);
void unit_arena_fini(void);

/* Sets up the global machine_frames buddy over the whole arena, all free. */
void unit_frames_init(mfn_t base, u64 nr_frames);
void unit_frames_fini(void);

#endif /* UNIT_SUPPORT_H */
