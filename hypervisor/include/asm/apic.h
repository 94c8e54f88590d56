/* SPDX-License-Identifier: MIT */
/*
 * The host's local APIC (xAPIC MMIO mode) and its timer, and the PIT used
 * once at boot to calibrate the TSC and the APIC timer.
 * Runs: host root mode. Register offsets: Intel SDM vol. 3 table 11-1,
 * AMD APM vol. 2 section 16.3.
 */
#ifndef ASM_APIC_H
#define ASM_APIC_H

#include <shale/types.h>

#define APIC_ICR_INIT 0x00000500
#define APIC_ICR_STARTUP 0x00000600
#define APIC_ICR_NMI 0x00000400
#define APIC_ICR_FIXED 0x00000000
#define APIC_ICR_LEVEL_ASSERT 0x00004000
#define APIC_ICR_TRIGGER_LEVEL 0x00008000
#define APIC_ICR_ALL_BUT_SELF 0x000c0000

/* Enables this CPU's local APIC (software enable, spurious vector). */
void lapic_init(void);
u32 lapic_id(void);
void lapic_eoi(void);
/* Sends an IPI: 'icr_low' is the delivery mode/vector/shorthand word. */
void lapic_send_ipi(u32 apic_id, u32 icr_low);

/* Measures the TSC and APIC timer rates against the PIT (boot CPU only). */
void time_calibrate(void);
/* Starts this CPU's periodic APIC timer at hz interrupts a second. */
void lapic_timer_start(u32 hz);
/* Busy-waits about 'us' microseconds on the calibrated TSC. */
void udelay(u64 us);
/* TSC ticks per microsecond / per millisecond, as calibrated (0 before
 * time_calibrate). */
u64 tsc_per_us(void);
u64 tsc_khz(void);

#endif /* ASM_APIC_H */
