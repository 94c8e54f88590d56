/* SPDX-License-Identifier: MIT */
/*
 * The vCPU scheduler: one run queue per physical CPU, round-robin time
 * slices counted in local APIC timer ticks; a vCPU that halts gives its CPU
 * up. Runs: host root mode, every CPU.
 */
#ifndef SHALE_SCHED_H
#define SHALE_SCHED_H

#include <shale/compiler.h>
#include <shale/vcpu.h>

#define SCHED_SLICE_TICKS 2

/* Gives the vCPU a home CPU (spreading vCPUs over the online CPUs). */
void sched_assign(struct vcpu *v);

/* OFFLINE or BLOCKED -> RUNNABLE, and kicks its CPU. A vCPU still on
 * its CPU is not queued: a block it began is undone (BLOCKED -> RUNNING),
 * or the wake is remembered for its next vcpu_block. */
void vcpu_wake(struct vcpu *v);

/* Called by the vCPU's own CPU before it checks whether anything would
 * wake the vCPU: forgets wakes from before. */
void vcpu_block_begin(struct vcpu *v);

/* Called by the vCPU's own CPU, which found nothing to wake it: RUNNING ->
 * BLOCKED (the CPU's scheduler then leaves it off the run queue), unless
 * vcpu_wake came since vcpu_block_begin. */
void vcpu_block(struct vcpu *v);

/* Each CPU's loop once it is up: runs vCPUs until every domain has ended;
 * the CPU that ends the last one prints the summary and exits. */
__noreturn void sched_loop(void);

/* Sends the wake-up IPI to a physical CPU (no-op for the calling CPU). */
void sched_kick(unsigned int pcpu);

#endif /* SHALE_SCHED_H */
