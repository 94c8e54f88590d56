/* SPDX-License-Identifier: MIT */
/* CPUID feature tests for the paging features the test kernels exercise.
 * Runs: guest (test kernel). */
#ifndef GUEST_CPUID_H
#define GUEST_CPUID_H

#include <stdbool.h>
#include <stdint.h>

/* Leaf 1 EDX and leaf 0x80000001 EDX bits (AMD APM vol. 3, appendix E). */
#define CPUID_1_EDX_PSE		(1u << 3)
#define CPUID_1_EDX_PAE		(1u << 6)
#define CPUID_X1_EDX_NX		(1u << 20)
#define CPUID_X1_EDX_PDPE1GB	(1u << 26)
#define CPUID_X1_EDX_LM		(1u << 29)

/* True if CPUID leaf 1 reports every bit of mask in EDX. */
bool cpuid_has_1_edx(uint32_t mask);

/* True if the extended leaf 0x80000001 exists and reports every bit of
 * mask in EDX. */
bool cpuid_has_x1_edx(uint32_t mask);

#endif
