/* SPDX-License-Identifier: MIT */
/*
 * Steps of bringing a CPU up that the boot CPU and the APs share
 * (setup.c). Runs: host root mode.
 */
#ifndef ARCH_X86_SETUP_H
#define ARCH_X86_SETUP_H

#include <asm/percpu.h>

/* Local APIC, timer tick and the virtualization extension for the calling
 * CPU, then marks it online. Its GDT, TSS and GS are already loaded. */
void cpu_bring_up(struct percpu *p);

/* The timer frequency every CPU ticks at (from the command line). */
extern unsigned int tick_hz;

#endif /* ARCH_X86_SETUP_H */
