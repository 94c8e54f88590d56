/* SPDX-License-Identifier: MIT */
/*
 * The interrupt fabric of a domain: one local APIC per vCPU and one IOAPIC,
 * wired together. IOAPIC deliveries and IPIs are routed to the local APICs
 * they name (SDM vol. 3 10.6, 10.11); INIT and SIPI move vCPUs in and out
 * of wait-for-SIPI (SDM 8.4); the APIC pages are MMIO and the x2APIC
 * registers MSRs. Runs: host root mode; everything here under the platform
 * lock except where a function says it takes it.
 */
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/msr-index.h>
#include <shale/cpuid.h>
#include <shale/domain.h>
#include <shale/errno.h>
#include <shale/hvm.h>
#include <shale/platform.h>
#include <shale/sched.h>
#include <shale/xmalloc.h>

#include "platform_internal.h"

#define LAPIC_BASE 0xfee00000UL
#define IOAPIC_BASE 0xfec00000UL
#define MSR_TSC_DEADLINE 0x6e0
#define APIC_BUS_HZ 1000000000ULL /* the timer's clock, as QEMU's */

/* The vCPU whose local APIC a vlapic callback belongs to. */
static struct vcpu *owner(void *ctx)
{
	return ctx;
}

/* Routes an IPI to every local APIC it names, the sender's included when
 * the shorthand or destination does. */
static void send_ipi(void *ctx, const struct apic_ipi *ipi)
{
	struct vcpu *from = owner(ctx);
	struct domain *d = from->domain;
	struct platform *p = d->platform;

	for (unsigned int i = 0; i < d->nr_vcpus; i++)
		if (vlapic_ipi_matches(p->lapic[i], ipi, d->vcpus[i] == from))
			vlapic_receive_ipi(p->lapic[i], ipi);
}

static void eoi_level(void *ctx, u8 vector)
{
	vioapic_eoi(&owner(ctx)->domain->platform->ioapic, vector);
}

/* Something became pending for the vCPU: a halted one must look. */
static void notify(void *ctx)
{
	vcpu_wake(owner(ctx));
}

static const struct vlapic_ops lapic_ops = { send_ipi, eoi_level, notify };

/* An IOAPIC redirection entry fired: fixed and NMI/INIT deliveries go to
 * every APIC the destination names; lowest priority to the matching APIC
 * with the lowest processor priority (SDM 10.6.2.4). */
static void ioapic_deliver(void *ctx, u32 dest, enum apic_dest_mode mode,
			   enum apic_delivery_mode dm, u8 vector, bool level)
{
	struct domain *d = ctx;
	struct platform *p = d->platform;
	struct vlapic *best = NULL;

	for (unsigned int i = 0; i < d->nr_vcpus; i++) {
		struct vlapic *l = p->lapic[i];

		if (!vlapic_matches_dest(l, dest, mode, false))
			continue;
		if (dm != APIC_DM_LOWEST) {
			vlapic_accept(l, vector, level, dm);
		} else if (!best || vlapic_ppr(l) < vlapic_ppr(best)) {
			best = l;
		}
	}
	if (best)
		vlapic_accept(best, vector, level, APIC_DM_FIXED);
}

void platform_ioapic_set_irq(struct domain *d, struct platform *p,
			     unsigned int gsi, bool level)
{
	vioapic_set_irq(&p->ioapic, gsi, level);
}

int platform_apic_init(struct domain *d, struct platform *p, u64 now)
{
	bool x2apic = cpuid_guest_has(d->vcpus[0], 1, 'c', 21);

	vioapic_init(&p->ioapic, ACPI_IOAPIC_ID_DEFAULT, 0x11, ioapic_deliver, d);
	for (unsigned int i = 0; i < d->nr_vcpus; i++) {
		struct vlapic_config cfg = {
			.apic_id = i, .bsp = i == 0, .x2apic = x2apic,
			.bus_hz = APIC_BUS_HZ, .tsc_hz = tsc_khz() * 1000,
			.phys_bits = (u8)cpuid_guest_maxphyaddr(d->vcpus[i]),
			.virtual_wire = true,
		};

		p->lapic[i] = xzalloc(sizeof(*p->lapic[i]));
		if (!p->lapic[i])
			return -SH_ENOMEM;
		vlapic_init(p->lapic[i], &cfg, &lapic_ops, d->vcpus[i]);
		p->wait_for_sipi[i] = i != 0;
	}
	/* The APIC pages are devices, not RAM (they sit in the 3-4 GiB hole). */
	if (p2m_set_entry(&d->p2m, _gfn(IOAPIC_BASE >> PAGE_SHIFT), INVALID_MFN, 0,
			  p2m_mmio) ||
	    p2m_set_entry(&d->p2m, _gfn(LAPIC_BASE >> PAGE_SHIFT), INVALID_MFN, 0,
			  p2m_mmio))
		return -SH_ENOMEM;
	return 0;
}

void platform_apic_fini(struct platform *p)
{
	for (unsigned int i = 0; i < MAX_VCPUS; i++) {
		xfree(p->lapic[i]);
		p->lapic[i] = NULL;
	}
}

/* INIT puts the vCPU in wait-for-SIPI; SIPI starts it in real mode at
 * vector << 12 (SDM 8.4.4.1, 10.6.1). A SIPI outside wait-for-SIPI is
 * ignored, as on hardware. */
static void take_init_sipi(struct vcpu *v, struct platform *p, u32 ev, u8 sipi)
{
	if (ev & VLAPIC_EV_INIT) {
		vlapic_reset(p->lapic[v->id]);
		p->wait_for_sipi[v->id] = true;
	}
	if ((ev & VLAPIC_EV_SIPI) && p->wait_for_sipi[v->id]) {
		p->wait_for_sipi[v->id] = false;
		v->regs = (struct cpu_regs){ .rip = (u64)sipi << 12 };
		hvm->vcpu_reset(v, BOOT_REAL_SIPI);
	}
}

bool platform_apic_prepare_entry(struct vcpu *v, struct platform *p, u64 now)
{
	struct vlapic *l = p->lapic[v->id];
	u8 sipi = 0;
	u32 ev;
	int vec;

	vlapic_tick(l, now);
	ev = vlapic_take_events(l, &sipi);
	take_init_sipi(v, p, ev, sipi);
	if (p->wait_for_sipi[v->id])
		return false;
	/* An NMI that cannot go in at this entry waits for the next exit
	 * (the interrupt window, or a host tick at the latest). */
	if ((ev & VLAPIC_EV_NMI) && !hvm->inject_nmi(v)) {
		vlapic_accept(l, 0, false, APIC_DM_NMI);
		hvm->set_intr_window(v, true);
	}
	if (hvm->intr_blocked(v)) {
		if (vlapic_pending_vector(l) >= 0 || (ev & VLAPIC_EV_EXTINT))
			hvm->set_intr_window(v, true);
		if (ev & VLAPIC_EV_EXTINT)
			vlapic_raise_lvt(l, VLAPIC_LVT_LINT0); /* keep it pending */
		return true;
	}
	if (ev & VLAPIC_EV_EXTINT) {
		vec = pic_get_interrupt(&p->pic);
		if (vec >= 0) {
			hvm->inject_intr(v, (unsigned int)vec);
			return true;
		}
	}
	vec = vlapic_pending_vector(l);
	if (vec >= 0 && vlapic_ack(l, (u8)vec))
		hvm->inject_intr(v, (unsigned int)vec);
	return true;
}

bool platform_apic_mmio(struct vcpu *v, u64 gpa, bool write, u32 *val)
{
	struct platform *p = v->domain->platform;
	struct vlapic *l = p->lapic[v->id];
	u64 now = platform_now_ns(v->domain);
	bool ok = true;

	spin_lock(&p->lock);
	if ((gpa & PAGE_MASK) == IOAPIC_BASE) {
		if (write)
			vioapic_mmio_write(&p->ioapic, (u32)(gpa & 0xfff), *val);
		else
			*val = vioapic_mmio_read(&p->ioapic, (u32)(gpa & 0xfff));
	} else if (vlapic_mmio_enabled(l) && (gpa & PAGE_MASK) == vlapic_mmio_base(l)) {
		if (write)
			vlapic_mmio_write(l, now, (u32)(gpa & 0xfff), *val);
		else
			vlapic_mmio_read(l, now, (u32)(gpa & 0xfff), val);
	} else {
		ok = false;
	}
	spin_unlock(&p->lock);
	return ok;
}

bool platform_msr_read(struct vcpu *v, u32 msr, u64 *val, bool *handled)
{
	struct platform *p = v->domain->platform;
	struct vlapic *l;
	u64 now;
	int rc = 0;

	*handled = p && (msr == MSR_IA32_APIC_BASE || vlapic_is_msr(msr) ||
			 msr == MSR_TSC_DEADLINE);
	if (!*handled)
		return false;
	l = p->lapic[v->id];
	now = platform_now_ns(v->domain);
	spin_lock(&p->lock);
	if (msr == MSR_TSC_DEADLINE)
		*val = vlapic_tsc_deadline_read(l, now);
	else
		rc = vlapic_msr_read(l, now, msr, val);
	spin_unlock(&p->lock);
	return rc == 0;
}

bool platform_msr_write(struct vcpu *v, u32 msr, u64 val, bool *handled)
{
	struct platform *p = v->domain->platform;
	struct vlapic *l;
	u64 now;
	int rc = 0;

	*handled = p && (msr == MSR_IA32_APIC_BASE || vlapic_is_msr(msr) ||
			 msr == MSR_TSC_DEADLINE);
	if (!*handled)
		return false;
	l = p->lapic[v->id];
	now = platform_now_ns(v->domain);
	spin_lock(&p->lock);
	if (msr == MSR_TSC_DEADLINE)
		vlapic_tsc_deadline_write(l, now, rdtsc() + (u64)v->tsc_offset, val);
	else
		rc = vlapic_msr_write(l, now, msr, val);
	spin_unlock(&p->lock);
	return rc == 0;
}
