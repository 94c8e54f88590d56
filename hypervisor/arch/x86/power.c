/* SPDX-License-Identifier: MIT */
/*
 * Leaving the machine with a verdict. Runs: host root mode, any CPU.
 */
#include <asm/cpu.h>
#include <asm/platform.h>
#include <shale/printk.h>

#define ISA_DEBUG_EXIT_PORT 0xf4

void machine_exit(bool success)
{
	irq_disable();
	/* QEMU's isa-debug-exit ends the emulator with (value << 1) | 1. */
	outl(ISA_DEBUG_EXIT_PORT, success ? 0 : 1);
	/* Still here: no such device (GRUB on real hardware or Bochs). */
	printk("shale: halted (%s)\n", success ? "success" : "failure");
	for (;;)
		halt();
}
