/* SPDX-License-Identifier: MIT */
/* External interrupts and IPIs: handlers for vectors 32-255 in the
 * runtime's 32-bit IDT (on the BSP) and in a second IDT that secondary CPUs
 * load, whose exception gates record an AP's exception and halt that CPU,
 * so that only the BSP ever ends the guest. Runs: guest (test kernel),
 * legacy protected mode. */
#ifndef GUEST_IRQ_H
#define GUEST_IRQ_H

#include <stdint.h>

/* Called with interrupts off, on the CPU that took vector; it must send
 * the EOI itself (a spurious-vector handler must not). */
typedef void (*irq_handler_t)(uint8_t vector);

/* An exception taken by an AP: the last one, and how many there were. */
struct irq_fault {
	uint32_t vector, error, eip, apic_id;
};
extern volatile struct irq_fault irq_ap_fault;
extern volatile uint32_t irq_ap_faults;

/* Interrupts that arrived at a vector without a handler. */
extern volatile uint32_t irq_unhandled;

/* Takes over the IDT loaded now (the runtime's 32-bit one) for the BSP and
 * builds the APs' IDT. Call once on the BSP, in legacy protected mode,
 * before irq_set_handler. */
void irq_init(void);

/* Routes vector (32-255) to fn on every CPU: an interrupt gate in both
 * IDTs. */
void irq_set_handler(uint8_t vector, irq_handler_t fn);

/* The IDTR image (limit, then base) an AP loads with LIDT. */
const void *irq_ap_idtr(void);

#endif
