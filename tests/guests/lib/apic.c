/* SPDX-License-Identifier: MIT */
/* The local APIC in xAPIC mode, through its MMIO page. Runs: guest (test
 * kernel), protected mode with paging off. */
#include "apic.h"

/* Reads of the delivery status before giving up on an IPI. */
#define ICR_IDLE_POLLS	1000000

static uint32_t lapic_mmio = LAPIC_DEFAULT_BASE;

void lapic_set_base(uint32_t base)
{
	lapic_mmio = base;
}

uint32_t lapic_base(void)
{
	return lapic_mmio;
}

uint32_t lapic_read(uint32_t reg)
{
	return *(volatile uint32_t *)(lapic_mmio + reg);
}

void lapic_write(uint32_t reg, uint32_t val)
{
	*(volatile uint32_t *)(lapic_mmio + reg) = val;
}

uint8_t lapic_id(void)
{
	return (uint8_t)(lapic_read(LAPIC_ID) >> 24);
}

void lapic_enable(uint8_t spurious)
{
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | spurious);
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

bool lapic_vector_set(uint32_t reg, uint8_t vector)
{
	return lapic_read(reg + (vector / 32u) * 0x10u) & (1u << (vector % 32u));
}

/* Waits for the ICR's delivery status to read idle; false if it never does. */
static bool lapic_icr_idle(void)
{
	for (int i = 0; i < ICR_IDLE_POLLS; i++) {
		if (!(lapic_read(LAPIC_ICR_LO) & ICR_PENDING))
			return true;
		__asm__ volatile("pause");
	}
	return false;
}

bool lapic_send_ipi(uint8_t dest, uint32_t icr_lo)
{
	if (!lapic_icr_idle())
		return false;
	lapic_write(LAPIC_ICR_HI, (uint32_t)dest << 24);
	lapic_write(LAPIC_ICR_LO, icr_lo);
	return lapic_icr_idle();
}

uint32_t lapic_esr(void)
{
	lapic_write(LAPIC_ESR, 0);
	return lapic_read(LAPIC_ESR);
}
