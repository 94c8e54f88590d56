/* SPDX-License-Identifier: MIT */
/*
 * Host time in nanoseconds, the clock every device model's explicit time
 * comes from (a domain's guest time is host time since it was built).
 * Runs: host root mode, any CPU (the TSC is invariant on the CPUs Shale
 * runs on, and the same rate on every CPU).
 */
#ifndef SHALE_TIME_H
#define SHALE_TIME_H

#include <shale/types.h>

/* Nanoseconds since an arbitrary origin; monotonic, on every CPU. */
u64 host_ns(void);

/* The TSC value at host time ns (for TSC-deadline timers). */
u64 host_ns_to_tsc(u64 ns);

#endif /* SHALE_TIME_H */
