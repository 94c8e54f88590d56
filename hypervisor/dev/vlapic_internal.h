/* SPDX-License-Identifier: MIT */
/*
 * What vlapic.c (registers, interrupts) and vlapic_timer.c (the timer) share
 * and nobody else needs. Runs: host root mode and host unit tests.
 * LVT layout: Intel SDM vol. 3A figure 11-8; timer: SDM 11.5.4.
 */
#ifndef SHALE_VLAPIC_INTERNAL_H
#define SHALE_VLAPIC_INTERNAL_H

#include <shale/vlapic.h>

#define LVT_VECTOR 0x000ffu
#define LVT_DELIVERY(lvt) (((lvt) >> 8) & 7)
#define LVT_MASKED (1u << 16)
#define LVT_TIMER_MODE(lvt) (((lvt) >> 17) & 3)

#define TIMER_ONESHOT 0
#define TIMER_PERIODIC 1
#define TIMER_TSC_DEADLINE 2 /* 3 is reserved: the timer does not run */

/* Stops the timer and clears its state (reset, APIC disable). */
void vlapic_timer_reset(struct vlapic *v);

/* Delivers the expiries due at now_ns; every timer-visible entry point
 * calls it first. */
void vlapic_timer_update(struct vlapic *v, u64 now_ns);

/* The current-count register at now_ns. */
u32 vlapic_timer_ccr(const struct vlapic *v, u64 now_ns);

/* Writes of the LVT timer entry (already masked to its writable bits),
 * the initial-count and the divide-configuration registers. */
void vlapic_timer_write_lvt(struct vlapic *v, u64 now_ns, u32 lvt);
void vlapic_timer_write_icr(struct vlapic *v, u64 now_ns, u32 count);
void vlapic_timer_write_dcr(struct vlapic *v, u64 now_ns, u32 dcr);

#endif /* SHALE_VLAPIC_INTERNAL_H */
