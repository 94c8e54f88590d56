/* SPDX-License-Identifier: MIT */
/*
 * The pieces panic() is made of, shared with the exception reporter.
 * Runs: host root mode.
 */
#ifndef ARCH_X86_PANIC_H
#define ARCH_X86_PANIC_H

#include <shale/compiler.h>
#include <shale/types.h>

/* Claims the panic for this CPU with interrupts off; a CPU that loses the
 * race (or panics again while reporting) parks instead of returning. */
void panic_begin(void);
/* Prints the frame-pointer chain starting at 'rbp'. */
void panic_backtrace(u64 rbp);
/* Stops the other CPUs and leaves the machine with a failing verdict. */
__noreturn void panic_end(void);

bool panic_in_progress(void);
/* Parks this CPU for good (NMI from the panicking CPU). */
__noreturn void panic_park_cpu(void);
/* This CPU's index, 0 before per-CPU data exists. */
unsigned int panic_cpu_index(void);

/* Set once the boot CPU's GS points at its struct percpu. */
extern bool percpu_ready;

#endif /* ARCH_X86_PANIC_H */
