/* SPDX-License-Identifier: MIT */
/* The C half of a test kernel's start: set up the runtime, run
 * guest_main, exit with its result. Runs: guest (test kernel). */
#include "desc.h"
#include "runtime.h"
#include "serial.h"
#include "trap.h"

/* Linker script. */
extern char __image_start[], __image_end[];

/* Called from entry.asm only. */
__attribute__((noreturn)) void runtime_start(uint32_t magic, uint32_t info);

uint32_t runtime_image_start(void)
{
	return (uint32_t)__image_start & ~0xfffu;
}

uint32_t runtime_image_end(void)
{
	return (uint32_t)__image_end;
}

void runtime_start(uint32_t magic, uint32_t info)
{
	serial_init();
	desc_init();
	trap_init();
	if (mb_init(magic, info)) {
		printf("runtime: EAX=0x%x is not the multiboot magic 0x%x\n",
		       magic, MB_BOOT_MAGIC);
		printf("FAIL\n");
		guest_exit(EXIT_SETUP);
	}
	guest_exit((uint8_t)guest_main());
}
