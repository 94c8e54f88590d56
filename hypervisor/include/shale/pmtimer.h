/* SPDX-License-Identifier: MIT */
/*
 * The ACPI power management timer (PM_TMR): a free-running counter at
 * 3.579545 MHz, 24 bits wide (32 with the FADT's TMR_VAL_EXT flag), read
 * as one 32-bit port. Its value is computed from now_ns, a monotonic guest
 * time the caller provides; the caller places the port (FADT PM_TMR_BLK).
 * Runs: host root mode and host unit tests.
 * Semantics: ACPI 6.0 specification, 4.8.2.1 "Power Management Timer" and
 * 4.8.3.3 "Power Management Timer (PM_TMR)".
 */
#ifndef SHALE_PMTIMER_H
#define SHALE_PMTIMER_H

#include <shale/types.h>

#define PMTIMER_HZ 3579545

struct pmtimer {
	u64 start_ns; /* guest time at which the count was 0 */
	u32 mask;     /* 0xffffff, or 0xffffffff with TMR_VAL_EXT */
};

/* Starts the counter at 0 at now_ns; ext32 says the FADT sets
 * TMR_VAL_EXT (a 32-bit counter). */
void pmtimer_init(struct pmtimer *t, u64 now_ns, bool ext32);

/* The value of a 32-bit read of PM_TMR at now_ns: the count, wrapped to
 * 24 or 32 bits (bits 31:24 read 0 on a 24-bit timer). */
u32 pmtimer_read(const struct pmtimer *t, u64 now_ns);

/* The first time after now_ns at which the counter's top bit (23 or 31)
 * toggles -- when hardware sets TMR_STS in PM1_STS, for a caller that
 * raises the SCI on it. */
u64 pmtimer_next_toggle_ns(const struct pmtimer *t, u64 now_ns);

#endif /* SHALE_PMTIMER_H */
