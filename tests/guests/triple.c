/* SPDX-License-Identifier: MIT */
/* triple.elf: ends in a triple fault on purpose. With an empty IDT, INT3
 * cannot be delivered (#GP), nor can that (#DF), and the CPU shuts down
 * (SDM vol. 3, 6.15, interrupt 8). It never writes to the exit port: the
 * VM must end by the shutdown alone. Runs: guest (test kernel). */
#include "runtime.h"

int guest_main(void)
{
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) empty = { 0, 0 };

	printf("triple.elf: about to triple fault\n");
	__asm__ volatile("lidt %0\n\t"
			 "int3" : : "m"(empty) : "memory");
	/* Not reached on a correct CPU. Still no exit port: hang, so the
	 * harness sees a timeout, not a pass. */
	printf("triple.elf: still running after the fault\nFAIL\n");
	for (;;)
		__asm__ volatile("cli; hlt");
}
