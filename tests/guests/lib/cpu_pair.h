/* SPDX-License-Identifier: MIT */
/* Two CPUs running one test together: the BSP and the first AP the MADT
 * lists. The AP is started once; it then spins with interrupts off (no
 * HLT, no PAUSE exits: it stays in guest mode) until the BSP posts it a
 * function, and the two meet at numbered points. The AP loads the
 * runtime's 32-bit IDT, so probes (probe.h) recover on it too, but their
 * results go through shared variables: never probe on both CPUs at once.
 * Runs: guest (test kernel); cpu_pair_start in legacy protected mode
 * with paging off, the rest in any mode.
 */
#ifndef GUEST_CPU_PAIR_H
#define GUEST_CPU_PAIR_H

#include <stdbool.h>
#include <stdint.h>

#define CPU_PAIR_BSP 0u
#define CPU_PAIR_AP 1u

/* A function the AP runs for the BSP. */
typedef void (*cpu_pair_fn_t)(uint32_t arg);

/*
 * Finds the first enabled local APIC in the MADT other than the BSP's and
 * starts that CPU (INIT, SIPI, SIPI) with the trampoline at 0x8000. Call
 * once, on the BSP, in protected mode with paging off and interrupts off.
 * Returns true once the AP waits for work; false if the MADT lists one CPU
 * (*why = NULL) or the AP did not come up (*why says which step).
 */
bool cpu_pair_start(const char **why);

/* True after a successful cpu_pair_start. */
bool cpu_pair_online(void);

/* Has the AP run fn(arg); returns at once. The AP must have finished the
 * previous function (cpu_pair_wait). */
void cpu_pair_post(cpu_pair_fn_t fn, uint32_t arg);

/* Waits for the AP to finish the posted function. False if it has not
 * after a long spin (it stalled, or died on an exception). */
bool cpu_pair_wait(void);

/*
 * A rendezvous: 'cpu' (CPU_PAIR_BSP or CPU_PAIR_AP) has reached point n,
 * and waits until the other CPU has too. Points only increase across the
 * run. Returns false if the other CPU did not arrive after a long spin;
 * after that every later meeting fails at once on both sides, so one
 * stall cannot hang the test.
 */
bool cpu_pair_meet(unsigned int cpu, uint32_t n);

#endif
