/* SPDX-License-Identifier: MIT */
/*
 * The platform's life and its hooks into the vCPU loop: creating the
 * devices and firmware of a domain, guest time, the work done before each
 * entry (timers, then interrupt delivery) and the wake-up test for halted
 * vCPUs. Runs: host root mode.
 */
#include <shale/domain.h>
#include <shale/errno.h>
#include <shale/platform.h>
#include <shale/time.h>
#include <shale/vmi.h>
#include <shale/xmalloc.h>

#include "platform_internal.h"

int platform_init(struct domain *d)
{
	struct platform *p = xzalloc(sizeof(*p));
	int rc;

	if (!p)
		return -SH_ENOMEM;
	spin_lock_init(&p->lock);
	p->boot_ns = host_ns();
	d->platform = p;
	rc = platform_firmware_init(d, p);
	if (!rc)
		rc = platform_apic_init(d, p, 0);
	if (!rc)
		platform_legacy_init(d, p, 0);
	/* PV domains: the same platform plus the VMI ROM. */
	if (!rc)
		rc = vmi_domain_init(d);
	return rc;
}

void platform_fini(struct domain *d)
{
	struct platform *p = d->platform;

	if (!p)
		return;
	vmi_domain_fini(d);
	platform_apic_fini(p);
	xfree(p);
	d->platform = NULL;
}

void platform_set_irq(struct domain *d, unsigned int irq, bool level)
{
	struct platform *p = d->platform;

	if (!p)
		return;
	spin_lock(&p->lock);
	platform_set_isa_irq(d, p, irq, level);
	spin_unlock(&p->lock);
}

u64 platform_now_ns(struct domain *d)
{
	return host_ns() - d->platform->boot_ns;
}

/* Runs the domain's device timers (any vCPU may; they are shared) and
 * readies this vCPU's interrupt. Returns false if it must not run. */
bool platform_prepare_entry(struct vcpu *v)
{
	struct platform *p = v->domain->platform;
	u64 now;
	bool run;

	if (!p)
		return true;
	now = platform_now_ns(v->domain);
	spin_lock(&p->lock);
	platform_legacy_timers(v->domain, p, now);
	run = platform_apic_prepare_entry(v, p, now);
	spin_unlock(&p->lock);
	return run;
}

bool platform_vcpu_wakeup_due(struct vcpu *v)
{
	struct platform *p = v->domain->platform;
	u64 now;
	bool due;

	if (!p)
		return false;
	now = platform_now_ns(v->domain);
	spin_lock(&p->lock);
	platform_legacy_timers(v->domain, p, now);
	vlapic_tick(p->lapic[v->id], now);
	due = vlapic_pending_vector(p->lapic[v->id]) >= 0 ||
	      vlapic_next_event_ns(p->lapic[v->id], now) <= now;
	spin_unlock(&p->lock);
	return due;
}
