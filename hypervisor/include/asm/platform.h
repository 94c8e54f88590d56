/* SPDX-License-Identifier: MIT */
/*
 * The PC platform pieces the host itself uses: its serial console and the
 * way it leaves the machine. Runs: host root mode.
 */
#ifndef ASM_PLATFORM_H
#define ASM_PLATFORM_H

#include <shale/compiler.h>
#include <shale/types.h>

/* Programs COM1 for the console (115200 8N1). */
void serial_init(void);

/* Ends the run: under QEMU, writes the verdict to the isa-debug-exit port
 * (0xf4: 0 = success, 1 = failure; QEMU then exits with 1 or 3); elsewhere
 * halts every CPU with the verdict printed. */
__noreturn void machine_exit(bool success);

#endif /* ASM_PLATFORM_H */
