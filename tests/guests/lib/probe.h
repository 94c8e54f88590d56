/* SPDX-License-Identifier: MIT */
/* Expected-fault probes: one read, write or instruction fetch at an
 * address, from ring 0 or ring 3, in whatever mode the CPU is in (legacy
 * protected mode, with or without paging, or long mode's compatibility
 * mode), reporting whether it faulted and how. Runs: guest (test kernel). */
#ifndef GUEST_PROBE_H
#define GUEST_PROBE_H

#include <stdbool.h>
#include <stdint.h>

enum probe_op {
	PROBE_READ,	/* load 32 bits from addr */
	PROBE_WRITE,	/* store 32 bits (value) to addr */
	PROBE_EXEC,	/* call addr; it must hold a RET to come back */
};

struct probe_result {
	bool faulted;
	uint32_t vector, error, eip, cs;	/* of the fault, if faulted */
	uint64_t cr2;				/* CR2 after the fault */
	uint32_t value;				/* what a read returned; for an
						 * exec, EAX as the called code
						 * left it */
};

/*
 * Performs op at addr from ring (0 or 3) and returns what happened. The
 * fault is caught only at the probe's own access (for PROBE_EXEC: at the
 * fetch from addr); an exception anywhere else is still unexpected and
 * ends the guest. Ring 3 runs on the runtime's user stack and code, which
 * must be mapped user-accessible when paging is on.
 */
struct probe_result probe(enum probe_op op, int ring, uint32_t addr,
			  uint32_t value);

/* For the trap handlers: if eip is a probe's faulting access, stores where
 * to resume in *recover and returns true. trap64.asm has its own copy of
 * this lookup. */
bool probe_recovery(uint32_t eip, uint32_t *recover);

/* The vector ring-3 probes use to come back to ring 0 (defined in
 * probe_asm.asm); its IDT gates must have DPL 3. */
extern const uint8_t probe_return_vector;

/* Where that vector lands (32-bit IDT, and trap64_user_return's target). */
extern char probe_user_return32[];

/* An armed PROBE_EXEC: a fault whose EIP is probe_exec_target resumes at
 * probe_exec_recover. Zero when no exec probe runs. */
extern volatile uint32_t probe_exec_target, probe_exec_recover;

#endif
