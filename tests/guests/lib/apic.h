/* SPDX-License-Identifier: MIT */
/* The local APIC in xAPIC mode, through its MMIO page: registers, EOI,
 * IPIs through the ICR, and the timer (SDM vol. 3, chapter 11). Runs:
 * guest (test kernel), protected mode with paging off. */
#ifndef GUEST_APIC_H
#define GUEST_APIC_H

#include <stdbool.h>
#include <stdint.h>

#define LAPIC_DEFAULT_BASE	0xfee00000u

/* IA32_APIC_BASE (SDM vol. 3, 11.4.4). */
#define MSR_APIC_BASE		0x1bu
#define APIC_BASE_BSP		(1u << 8)
#define APIC_BASE_X2APIC	(1u << 10)
#define APIC_BASE_ENABLE	(1u << 11)
#define APIC_BASE_ADDR_MASK	0xfffff000u

/* Register offsets in the MMIO page (SDM vol. 3, table 11-1). */
#define LAPIC_ID		0x020
#define LAPIC_VERSION		0x030
#define LAPIC_TPR		0x080
#define LAPIC_EOI		0x0b0
#define LAPIC_SVR		0x0f0
#define LAPIC_ISR		0x100	/* 8 registers, 0x10 apart */
#define LAPIC_IRR		0x200	/* 8 registers, 0x10 apart */
#define LAPIC_ESR		0x280
#define LAPIC_ICR_LO		0x300
#define LAPIC_ICR_HI		0x310
#define LAPIC_LVT_TIMER		0x320
#define LAPIC_LVT_LINT0		0x350
#define LAPIC_LVT_LINT1		0x360
#define LAPIC_TIMER_INIT	0x380
#define LAPIC_TIMER_CUR		0x390
#define LAPIC_TIMER_DIV		0x3e0

#define LAPIC_SVR_ENABLE	(1u << 8)

/* ICR low word (SDM vol. 3, 11.6.1). */
#define ICR_FIXED		(0u << 8)
#define ICR_INIT		(5u << 8)
#define ICR_STARTUP		(6u << 8)
#define ICR_PENDING		(1u << 12)	/* delivery status: send pending */
#define ICR_ASSERT		(1u << 14)
#define ICR_LEVEL		(1u << 15)
#define ICR_SELF		(1u << 18)	/* destination shorthands */
#define ICR_ALL			(2u << 18)
#define ICR_ALL_BUT_SELF	(3u << 18)

/* LVT timer (SDM vol. 3, 11.5.1, 11.5.4). */
#define LVT_MASKED		(1u << 16)
#define LVT_TIMER_PERIODIC	(1u << 17)
#define LAPIC_TIMER_DIV_16	0x3u

/* Sets the MMIO base every function below uses (from the MADT, normally
 * LAPIC_DEFAULT_BASE, which is also the default until this is called). */
void lapic_set_base(uint32_t base);
uint32_t lapic_base(void);

uint32_t lapic_read(uint32_t reg);
void lapic_write(uint32_t reg, uint32_t val);

/* This CPU's xAPIC ID (bits 31:24 of the ID register). */
uint8_t lapic_id(void);

/* Software-enables this CPU's local APIC with spurious vector spurious
 * (SVR), and accepts every priority (TPR = 0). */
void lapic_enable(uint8_t spurious);

/* Signals end of interrupt for the highest-priority vector in service. */
void lapic_eoi(void);

/* True if vector's bit is set in the 256-bit register array at reg
 * (LAPIC_ISR or LAPIC_IRR). */
bool lapic_vector_set(uint32_t reg, uint8_t vector);

/*
 * Sends an IPI: ICR high = dest << 24, then ICR low = icr_lo (its write
 * sends). Waits for the delivery status to clear before and after, up to
 * a bounded number of reads; returns false if it never did. Callers
 * serialise ICR use on one CPU (interrupt handlers may send too: callers
 * outside handlers disable interrupts around it).
 */
bool lapic_send_ipi(uint8_t dest, uint32_t icr_lo);

/* Clears ESR and returns the errors it latched since the last call (a
 * write then a read, SDM vol. 3, 11.5.3). */
uint32_t lapic_esr(void);

#endif
