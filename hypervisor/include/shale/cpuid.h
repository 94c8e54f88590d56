/* SPDX-License-Identifier: MIT */
/*
 * The CPUID a guest sees, and the control-register bits that follow from
 * it (a CR4 or EFER bit whose feature is not offered raises #GP, as on a CPU
 * without the feature). Runs: host root mode.
 */
#ifndef SHALE_CPUID_H
#define SHALE_CPUID_H

#include <asm/cpu.h>
#include <shale/types.h>

struct vcpu;

/* The guest's answer for CPUID(leaf, subleaf). */
void cpuid_guest(struct vcpu *v, u32 leaf, u32 subleaf, struct cpuid_regs *r);

u64 cpuid_guest_cr4_allowed(struct vcpu *v);
u64 cpuid_guest_efer_allowed(struct vcpu *v);
unsigned int cpuid_guest_maxphyaddr(struct vcpu *v);

/* One feature bit of the guest's CPUID: reg is 'a', 'b', 'c' or 'd'. */
bool cpuid_guest_has(struct vcpu *v, u32 leaf, char reg, unsigned int bit);

#endif /* SHALE_CPUID_H */
