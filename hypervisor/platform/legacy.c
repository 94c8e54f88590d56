/* SPDX-License-Identifier: MIT */
/*
 * The legacy PC devices of the platform: the 8259 PIC pair, the 8254 PIT
 * with port 0x61, the MC146818 RTC/CMOS, the ACPI PM timer, and ports a PC
 * boot touches harmlessly (POST codes at 0x80, system control port A at
 * 0x92, whose bit 0 resets the machine). ISA IRQ lines go to both the PIC
 * and the IOAPIC, IRQ0 on IOAPIC pin 2 as the MADT's override says.
 * Runs: host root mode, under the platform lock.
 */
#include <shale/acpi_tables.h>
#include <shale/domain.h>
#include <shale/platform.h>

#include "platform_internal.h"

#define PIT_PORT 0x40
#define PORT_B 0x61
#define RTC_PORT 0x70
#define POST_PORT 0x80
#define SYSCTL_A_PORT 0x92
#define RTC_IRQ 8
#define RTC_EPOCH_DEFAULT 1767225600 /* 2026-01-01T00:00:00Z */

static struct platform *plat(struct vcpu *v)
{
	return v->domain->platform;
}

static void pic_io(struct vcpu *v, u16 port, unsigned int size, bool write,
		   u32 *val)
{
	struct platform *p = plat(v);

	spin_lock(&p->lock);
	if (write)
		pic_write(&p->pic, port, (u8)*val);
	else
		*val = pic_read(&p->pic, port);
	spin_unlock(&p->lock);
}

static void pit_io(struct vcpu *v, u16 port, unsigned int size, bool write,
		   u32 *val)
{
	struct platform *p = plat(v);
	u64 now = platform_now_ns(v->domain);

	spin_lock(&p->lock);
	if (write)
		pit_write(&p->pit, port, (u8)*val, now);
	else
		*val = pit_read(&p->pit, port, now);
	spin_unlock(&p->lock);
}

static void rtc_io(struct vcpu *v, u16 port, unsigned int size, bool write,
		   u32 *val)
{
	struct platform *p = plat(v);
	u64 now = platform_now_ns(v->domain);

	spin_lock(&p->lock);
	if (write)
		rtc_write(&p->rtc, port, (u8)*val, now);
	else
		*val = rtc_read(&p->rtc, port, now);
	spin_unlock(&p->lock);
}

static void pmtimer_io(struct vcpu *v, u16 port, unsigned int size, bool write,
		       u32 *val)
{
	if (!write)
		*val = pmtimer_read(&plat(v)->pmtimer, platform_now_ns(v->domain));
}

/* POST codes go nowhere; reads of 0x80 return what a PC's bus floats to. */
static void post_io(struct vcpu *v, u16 port, unsigned int size, bool write,
		    u32 *val)
{
	if (!write)
		*val = 0xff;
}

/* System control port A: bit 1 is A20 (always on), bit 0 a fast reset. */
static void sysctl_a_io(struct vcpu *v, u16 port, unsigned int size, bool write,
			u32 *val)
{
	if (!write)
		*val = 0x02;
	else if (*val & 1)
		domain_poweroff(v->domain, "reset through port 0x92", true);
}

/* Memory sizes in CMOS, where firmware and old kernels look for them. */
static void cmos_memory(struct rtc *r, u64 ram)
{
	u64 ext_kib = MIN((ram > (1UL << 20) ? ram - (1UL << 20) : 0) >> 10, 0xfc00UL);
	u64 above16 = MIN(ram, 3UL << 30) > (16UL << 20) ?
		      (MIN(ram, 3UL << 30) - (16UL << 20)) >> 16 : 0;
	u64 above4g = ram > (3UL << 30) ? (ram - (3UL << 30)) >> 16 : 0;

	rtc_cmos_set(r, CMOS_BASE_MEM_LO, 0x80);     /* 640 KiB */
	rtc_cmos_set(r, CMOS_BASE_MEM_LO + 1, 0x02);
	rtc_cmos_set(r, CMOS_EXT_MEM_LO, (u8)ext_kib);
	rtc_cmos_set(r, CMOS_EXT_MEM_LO + 1, (u8)(ext_kib >> 8));
	rtc_cmos_set(r, CMOS_EXT_MEM2_LO, (u8)ext_kib);
	rtc_cmos_set(r, CMOS_EXT_MEM2_LO + 1, (u8)(ext_kib >> 8));
	rtc_cmos_set(r, CMOS_MEM_16M_LO, (u8)above16);
	rtc_cmos_set(r, CMOS_MEM_16M_LO + 1, (u8)(above16 >> 8));
	rtc_cmos_set(r, CMOS_MEM_4G_LO, (u8)above4g);
	rtc_cmos_set(r, CMOS_MEM_4G_LO + 1, (u8)(above4g >> 8));
	rtc_cmos_set(r, CMOS_MEM_4G_LO + 2, (u8)(above4g >> 16));
}

/* The PIC's INTR output reaches the boot vCPU through LINT0, which
 * firmware leaves in ExtINT mode (virtual wire). */
static void pic_intr_changed(void *ctx, bool asserted)
{
	struct domain *d = ctx;

	if (asserted)
		vlapic_raise_lvt(d->platform->lapic[0], VLAPIC_LVT_LINT0);
}

void platform_legacy_init(struct domain *d, struct platform *p, u64 now)
{
	pic_init(&p->pic, pic_intr_changed, d);
	pit_init(&p->pit, now);
	rtc_init(&p->rtc, RTC_EPOCH_DEFAULT, now);
	cmos_memory(&p->rtc, d->ram_bytes);
	pmtimer_init(&p->pmtimer, now, true);
	domain_register_io(d, 0x20, 2, pic_io);
	domain_register_io(d, 0xa0, 2, pic_io);
	domain_register_io(d, 0x4d0, 2, pic_io);
	domain_register_io(d, PIT_PORT, 4, pit_io);
	domain_register_io(d, PORT_B, 1, pit_io);
	domain_register_io(d, RTC_PORT, 2, rtc_io);
	domain_register_io(d, ACPI_PM_TMR_PORT, ACPI_PM_TMR_LEN, pmtimer_io);
	domain_register_io(d, POST_PORT, 1, post_io);
	domain_register_io(d, SYSCTL_A_PORT, 1, sysctl_a_io);
}

/* ISA IRQ n is IOAPIC pin n, except the timer: IRQ0 is pin 2 (MADT
 * interrupt source override). */
static unsigned int isa_to_gsi(unsigned int irq)
{
	return irq == 0 ? 2 : irq;
}

void platform_set_isa_irq(struct domain *d, struct platform *p,
			  unsigned int irq, bool level)
{
	if (irq >= 16 || !!(p->isa_levels & (1u << irq)) == level)
		return;
	p->isa_levels ^= 1u << irq;
	pic_set_irq(&p->pic, irq, level);
	platform_ioapic_set_irq(d, p, isa_to_gsi(irq), level);
}

static void pulse(struct domain *d, struct platform *p, unsigned int irq)
{
	platform_set_isa_irq(d, p, irq, true);
	platform_set_isa_irq(d, p, irq, false);
}

u64 platform_legacy_timers(struct domain *d, struct platform *p, u64 now)
{
	/* Periods missed while the guest was not running collapse into one
	 * interrupt, as a late timer interrupt on hardware would. */
	if (pit_irq0_due(&p->pit, now))
		pulse(d, p, 0);
	if (rtc_irq_due(&p->rtc, now))
		pulse(d, p, RTC_IRQ);
	return MIN(pit_next_event_ns(&p->pit, now), rtc_next_event_ns(&p->rtc, now));
}
