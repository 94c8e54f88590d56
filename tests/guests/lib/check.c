/* SPDX-License-Identifier: MIT */
/* Check accounting: one output line per check, and a final PASS/FAIL.
 * Runs: guest (test kernel). */
#include <stdarg.h>

#include "check.h"
#include "exit.h"
#include "printf.h"

static char check_scope_buf[96];
static unsigned check_count, check_failed;

void check_scope(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(check_scope_buf, sizeof(check_scope_buf), fmt, ap);
	va_end(ap);
}

bool check(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", check_scope_buf);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(ok ? " ok\n" : " FAIL\n");
	check_count++;
	if (!ok)
		check_failed++;
	return ok;
}

void check_note(const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", check_scope_buf);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

int check_finish(void)
{
	printf("checks: %u run, %u failed\n", check_count, check_failed);
	if (check_failed || !check_count) {
		printf("FAIL\n");
		return EXIT_FAIL;
	}
	printf("PASS\n");
	return EXIT_PASS;
}
