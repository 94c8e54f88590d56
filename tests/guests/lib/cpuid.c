/* SPDX-License-Identifier: MIT */
/* CPUID feature tests for the paging features the test kernels exercise.
 * Runs: guest (test kernel). */
#include "cpuid.h"
#include "x86.h"

bool cpuid_has_1_edx(uint32_t mask)
{
	uint32_t a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	return (d & mask) == mask;
}

bool cpuid_has_x1_edx(uint32_t mask)
{
	uint32_t a, b, c, d;

	cpuid(0x80000000u, 0, &a, &b, &c, &d);
	if (a < 0x80000001u)
		return false;
	cpuid(0x80000001u, 0, &a, &b, &c, &d);
	return (d & mask) == mask;
}
