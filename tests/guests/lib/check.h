/* SPDX-License-Identifier: MIT */
/* Check accounting: one output line per check ("SCOPE: WHAT ok" or
 * "SCOPE: WHAT FAIL"), and a final PASS/FAIL. Runs: guest (test kernel). */
#ifndef GUEST_CHECK_H
#define GUEST_CHECK_H

#include <stdbool.h>

/* Sets the text that starts every following check line, e.g.
 * "paging: PAE 2M" (formatted like printf). */
void check_scope(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "SCOPE: <fmt...> ok" if ok, else "... FAIL", and counts it.
 * Returns ok. */
bool check(bool ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prints a line that is not a check: "SCOPE: <fmt...>". */
void check_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "checks: M run, N failed", then "PASS" if every check passed and
 * at least one ran, else "FAIL"; returns the exit code for guest_exit. */
int check_finish(void);

#endif
