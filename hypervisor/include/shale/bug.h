/* SPDX-License-Identifier: MIT */
/*
 * Tier 3 of the error policy (DESIGN.md): a broken invariant of Shale's own.
 * Never use these for anything a guest can influence; that is an injected
 * fault, an error return, or domain_crash().
 * Runs: host root mode (hypervisor/arch/x86/panic.c) and host unit tests
 * (which provide bug_fail/panic to turn a failure into a test failure).
 */
#ifndef SHALE_BUG_H
#define SHALE_BUG_H

#include <shale/compiler.h>

/* Prints the message, this CPU's registers and a backtrace, stops the other
 * CPUs and powers the machine off with a failing status. */
__noreturn void panic(const char *fmt, ...) __printf(1, 2);

/* Called by BUG_ON with the failing expression; does not return. */
__noreturn void bug_fail(const char *file, int line, const char *expr);

#define BUG_ON(cond)                                                           \
	do {                                                                   \
		if (unlikely(cond))                                            \
			bug_fail(__FILE__, __LINE__, #cond);                   \
	} while (0)

#define BUG() bug_fail(__FILE__, __LINE__, "BUG")

#endif /* SHALE_BUG_H */
