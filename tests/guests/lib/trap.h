/* SPDX-License-Identifier: MIT */
/* Exception handling: a 32-bit IDT for legacy protected mode and a 64-bit
 * IDT for long mode. A fault at a probe instruction (see probe.h) is
 * recorded and resumed at its recovery address; any other exception is
 * reported and ends the guest with EXIT_TRAP. Runs: guest (test kernel). */
#ifndef GUEST_TRAP_H
#define GUEST_TRAP_H

#include <stdbool.h>
#include <stdint.h>

#define VEC_PF 14

/* The last exception taken, written by both IDTs' handlers (the 64-bit
 * ones in trap64.asm). trap_recovered counts those resumed at a probe's
 * recovery address. */
extern volatile uint32_t trap_vector, trap_error, trap_eip, trap_cs;
extern volatile uint64_t trap_cr2;
extern volatile uint32_t trap_recovered;

/* Builds both IDTs and loads the 32-bit one. Call after desc_init. */
void trap_init(void);

/* Loads the IDT that matches the mode about to run: the 64-bit IDT right
 * after entering long mode, the 32-bit one right before leaving it. */
void trap_load_idt(bool long_mode);

/* "#PF" for vector 14, and so on; "#??" for an unknown vector. */
const char *trap_name(uint32_t vector);

#endif
