/* SPDX-License-Identifier: MIT */
/*
 * The host's local APIC in xAPIC mode (MMIO through the direct map, mapped
 * uncached by hostmap.c), its periodic timer, and the one-off PIT
 * calibration of the TSC and APIC timer rates.
 * Runs: host root mode; time_calibrate on the boot CPU only.
 * Registers: Intel SDM vol. 3 table 11-1; AMD APM vol. 2 section 16.3.
 */
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/layout.h>
#include <asm/msr-index.h>
#include <asm/traps.h>
#include <shale/bug.h>
#include <shale/compiler.h>
#include <shale/printk.h>

#define APIC_ID 0x020
#define APIC_TPR 0x080
#define APIC_EOI 0x0b0
#define APIC_SVR 0x0f0
#define APIC_ICR_LO 0x300
#define APIC_ICR_HI 0x310
#define APIC_LVT_TIMER 0x320
#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360
#define APIC_LVT_ERROR 0x370
#define APIC_TIMER_INIT 0x380
#define APIC_TIMER_CUR 0x390
#define APIC_TIMER_DIV 0x3e0

#define APIC_SVR_ENABLE (1u << 8)
#define APIC_LVT_MASKED (1u << 16)
#define APIC_LVT_PERIODIC (1u << 17)
#define APIC_ICR_BUSY (1u << 12)
#define APIC_TIMER_DIV_16 0x3

#define APIC_BASE_ENABLE (1UL << 11)
#define APIC_BASE_X2APIC (1UL << 10)

#define PIT_HZ 1193182
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PORT_B 0x61

static volatile u32 *lapic;
static u64 tsc_hz, apic_timer_hz;

static u32 lapic_read(u32 reg)
{
	return lapic[reg / 4];
}

static void lapic_write(u32 reg, u32 v)
{
	lapic[reg / 4] = v;
}

void lapic_init(void)
{
	u64 base = rdmsr(MSR_IA32_APIC_BASE);

	if (base & APIC_BASE_X2APIC)
		panic("local APIC is in x2APIC mode; Shale drives it as xAPIC");
	if (!(base & APIC_BASE_ENABLE))
		wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_ENABLE);
	lapic = (volatile u32 *)(DIRECTMAP_BASE + (base & 0xffffff000UL));

	lapic_write(APIC_TPR, 0);
	lapic_write(APIC_LVT_TIMER, APIC_LVT_MASKED);
	lapic_write(APIC_LVT_LINT0, APIC_LVT_MASKED);
	lapic_write(APIC_LVT_LINT1, APIC_LVT_MASKED);
	lapic_write(APIC_LVT_ERROR, APIC_LVT_MASKED);
	lapic_write(APIC_SVR, APIC_SVR_ENABLE | VEC_SPURIOUS);
}

u32 lapic_id(void)
{
	return lapic_read(APIC_ID) >> 24;
}

void lapic_eoi(void)
{
	lapic_write(APIC_EOI, 0);
}

void lapic_send_ipi(u32 apic_id, u32 icr_low)
{
	for (unsigned int spins = 0; lapic_read(APIC_ICR_LO) & APIC_ICR_BUSY;
	     spins++) {
		if (spins > 1000000)
			break; /* report below rather than hang */
		cpu_relax();
	}
	lapic_write(APIC_ICR_HI, apic_id << 24);
	lapic_write(APIC_ICR_LO, icr_low);
}

/* Runs PIT channel 2 in mode 0 for 'count' ticks and waits for OUT. */
static void pit_wait(u16 count)
{
	outb(PORT_B, (inb(PORT_B) & ~0x02) | 0x01); /* gate on, speaker off */
	outb(PIT_CMD, 0xb0); /* channel 2, lobyte/hibyte, mode 0, binary */
	outb(PIT_CH2, count & 0xff);
	outb(PIT_CH2, count >> 8);
	for (unsigned long spins = 0; !(inb(PORT_B) & 0x20); spins++)
		if (spins > 100000000UL)
			panic("PIT channel 2 never reached terminal count");
}

void time_calibrate(void)
{
	const u32 ms = 20;
	u64 tsc0, tsc1;
	u32 apic_left;

	lapic_write(APIC_TIMER_DIV, APIC_TIMER_DIV_16);
	lapic_write(APIC_LVT_TIMER, APIC_LVT_MASKED);
	lapic_write(APIC_TIMER_INIT, 0xffffffff);
	tsc0 = rdtsc();
	pit_wait((u16)(PIT_HZ * ms / 1000));
	tsc1 = rdtsc();
	apic_left = lapic_read(APIC_TIMER_CUR);
	lapic_write(APIC_TIMER_INIT, 0);

	tsc_hz = (tsc1 - tsc0) * (1000 / ms);
	apic_timer_hz = (u64)(0xffffffffu - apic_left) * (1000 / ms);
	if (!tsc_hz || !apic_timer_hz)
		panic("time calibration failed (tsc %lu Hz, apic %lu Hz)",
		      tsc_hz, apic_timer_hz);
	printk("shale: tsc %lu kHz, apic timer %lu kHz (after /16)\n",
	       tsc_hz / 1000, apic_timer_hz / 1000);
}

void lapic_timer_start(u32 hz)
{
	BUG_ON(!apic_timer_hz || !hz);
	lapic_write(APIC_TIMER_DIV, APIC_TIMER_DIV_16);
	lapic_write(APIC_LVT_TIMER, APIC_LVT_PERIODIC | VEC_TIMER);
	lapic_write(APIC_TIMER_INIT, (u32)MAX(apic_timer_hz / hz, 1UL));
}

u64 tsc_khz(void)
{
	return tsc_hz / 1000;
}

u64 tsc_per_us(void)
{
	return tsc_hz / 1000000;
}

void udelay(u64 us)
{
	u64 end = rdtsc() + us * MAX(tsc_per_us(), 1UL);

	while (rdtsc() < end)
		cpu_relax();
}
