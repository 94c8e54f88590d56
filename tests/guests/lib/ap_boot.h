/* SPDX-License-Identifier: MIT */
/* Starting a secondary CPU (AP): a real-mode trampoline copied below
 * 1 MiB takes it from the STARTUP IPI to flat 32-bit protected mode on the
 * runtime's GDT, the APs' IDT (irq.h) and a stack of the caller's, where
 * it calls a C function. Runs: guest (test kernel), legacy protected mode
 * with paging off. */
#ifndef GUEST_AP_BOOT_H
#define GUEST_AP_BOOT_H

#include <stdbool.h>
#include <stdint.h>

/* The function an AP runs; it must not return (if it does, the AP halts
 * with interrupts off). */
typedef void (*ap_boot_fn_t)(uint32_t arg);

/* What one start did. */
struct ap_boot_result {
	bool icr_ok;		/* every IPI left the ICR (delivery idle) */
	bool arrived;		/* the AP reached 32-bit code */
	uint32_t esr;		/* ESR after the IPIs (0: no send errors) */
	uint32_t ipis;		/* INIT and STARTUP IPIs sent */
};

/* The trampoline's size in bytes (it fits one 4 KiB page). */
uint32_t ap_boot_size(void);

/* Copies the trampoline to page (4 KiB-aligned, below 1 MiB, RAM the
 * guest owns) and returns its STARTUP vector (page >> 12). Call after
 * irq_init, on the BSP. */
uint8_t ap_boot_install(uint32_t page);

/*
 * Starts the AP whose xAPIC ID is apic_id with the INIT-SIPI-SIPI
 * sequence (SDM vol. 3, 9.4.4.1): INIT, 10 ms, STARTUP, 200 us, STARTUP,
 * 200 us, the delays timed by PIT channel 2; an 82489DX (LAPIC version
 * below 0x10) gets a level INIT and its de-assert instead, and no STARTUP
 * (it cannot be started this way). Then waits up to timeout_us of PIT time
 * for the AP to reach 32-bit code, where it calls fn(arg) with interrupts
 * off on the stack below stack_top. One start at a time, interrupts off,
 * on the BSP with its local APIC enabled. Returns res->arrived.
 */
bool ap_boot_start(uint8_t apic_id, uint32_t stack_top, ap_boot_fn_t fn,
		   uint32_t arg, uint32_t timeout_us,
		   struct ap_boot_result *res);

#endif
