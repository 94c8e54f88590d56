/* SPDX-License-Identifier: MIT */
/* Ending a test kernel through the isa-debug-exit port. Runs: guest (test
 * kernel). */
#include "exit.h"
#include "printf.h"
#include "x86.h"

#define DEBUG_EXIT_PORT 0xf4

void guest_exit(uint8_t code)
{
	/* run-bare looks for this line to tell a guest's exit 0 from a QEMU
	 * that failed to start (both make QEMU exit with status 1). */
	printf("exit: %u\n", code);
	outb(DEBUG_EXIT_PORT, code);
	halt_forever();
}
