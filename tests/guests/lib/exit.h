/* SPDX-License-Identifier: MIT */
/* Ending a test kernel through the isa-debug-exit port. Runs: guest (test
 * kernel). */
#ifndef GUEST_EXIT_H
#define GUEST_EXIT_H

#include <stdint.h>

/* Exit codes the runtime uses; guests may use any byte. */
#define EXIT_PASS	0	/* every check passed */
#define EXIT_FAIL	1	/* at least one check failed */
#define EXIT_TRAP	2	/* an exception nobody expected */
#define EXIT_SETUP	3	/* bad boot information or a missing feature */

/*
 * Prints "exit: CODE" and writes code to port 0xF4, which ends the VM
 * (QEMU then exits with status 2 * code + 1). If the write does not end
 * it, halts forever with interrupts off. Never returns.
 */
__attribute__((noreturn)) void guest_exit(uint8_t code);

#endif
