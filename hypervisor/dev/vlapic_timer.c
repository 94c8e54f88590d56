/* SPDX-License-Identifier: MIT */
/*
 * The virtual local APIC's timer: one-shot, periodic and TSC-deadline
 * modes driven by the caller's clock. Counts are computed from the time the
 * timer was armed, never accumulated tick by tick, so a late vlapic_tick()
 * neither loses counts nor shifts later periods.
 * Runs: host root mode and host unit tests.
 * Intel SDM vol. 3A 11.5.4 "APIC Timer" and 11.5.4.1 "TSC-Deadline Mode";
 * AMD APM vol. 2 section 16.4.1 "APIC Timer Interrupt".
 */
#include <shale/muldiv.h>
#include <shale/string.h>
#include <shale/vlapic.h>

#include "vlapic_internal.h"

/* Divide configuration bits 3,1:0 -> 2, 4, ..., 128, 1 (SDM figure 11-10). */
static u64 divisor(u32 tdcr)
{
	unsigned int code = ((tdcr & 8) >> 1) | (tdcr & 3);

	return 1ULL << ((code + 1) & 7);
}

static unsigned int timer_mode(const struct vlapic *v)
{
	return LVT_TIMER_MODE(v->lvt[VLAPIC_LVT_TIMER]);
}

/* Whole counts the timer has decremented since base_ns. */
static u64 counts_since(const struct vlapic *v, u64 now_ns)
{
	if (now_ns <= v->timer.base_ns)
		return 0;
	return muldiv64(now_ns - v->timer.base_ns, (u32)v->bus_hz, NSEC_PER_SEC) /
	       divisor(v->tdcr);
}

/* The first instant at which expiry k has happened: counts_since() reaches
 * base_count + k * tmict exactly then. */
static u64 expiry_ns(const struct vlapic *v, u64 k)
{
	u64 counts = v->timer.base_count + k * v->tmict;

	return v->timer.base_ns +
	       muldiv64_ceil(counts * divisor(v->tdcr), NSEC_PER_SEC,
			     (u32)v->bus_hz);
}

void vlapic_timer_reset(struct vlapic *v)
{
	memset(&v->timer, 0, sizeof(v->timer));
}

u32 vlapic_timer_ccr(const struct vlapic *v, u64 now_ns)
{
	const struct vlapic_timer *t = &v->timer;
	unsigned int mode = timer_mode(v);
	u64 e;

	/* Current count reads 0 in TSC-deadline mode and once a one-shot
	 * count has run out (SDM 11.5.4). */
	if (!t->base_count || (mode != TIMER_ONESHOT && mode != TIMER_PERIODIC))
		return 0;
	e = counts_since(v, now_ns);
	if (e < t->base_count)
		return (u32)(t->base_count - e);
	if (mode == TIMER_ONESHOT || !v->tmict)
		return 0;
	/* Periodic: reloaded from the initial count at each expiry. */
	return (u32)(v->tmict - (e - t->base_count) % v->tmict);
}

static void fire(struct vlapic *v)
{
	u32 lvt = v->lvt[VLAPIC_LVT_TIMER];

	/* A masked timer keeps counting but raises nothing (SDM 11.5.1). */
	if (!(lvt & LVT_MASKED))
		vlapic_accept(v, lvt & LVT_VECTOR, false, APIC_DM_FIXED);
}

void vlapic_timer_update(struct vlapic *v, u64 now_ns)
{
	struct vlapic_timer *t = &v->timer;
	u64 e, k;

	switch (timer_mode(v)) {
	case TIMER_TSC_DEADLINE:
		if (!t->tsc_deadline || now_ns < t->deadline_ns)
			return;
		/* SDM 11.5.4.1: firing disarms and zeroes the MSR. */
		t->tsc_deadline = 0;
		break;
	case TIMER_ONESHOT:
		if (!t->base_count || counts_since(v, now_ns) < t->base_count)
			return;
		t->base_count = 0;
		break;
	case TIMER_PERIODIC:
		if (!t->base_count)
			return;
		e = counts_since(v, now_ns);
		if (e < t->base_count)
			return;
		if (!v->tmict) { /* cannot happen: TMICT 0 disarms */
			t->base_count = 0;
			break;
		}
		k = (e - t->base_count) / v->tmict; /* the last expiry due */
		if (k < t->next)
			return;
		t->next = k + 1; /* missed periods coalesce into one IRR bit */
		break;
	default:
		return; /* reserved mode 11b: the timer does not run */
	}
	fire(v);
}

void vlapic_tick(struct vlapic *v, u64 now_ns)
{
	vlapic_timer_update(v, now_ns);
}

u64 vlapic_next_event_ns(const struct vlapic *v, u64 now_ns)
{
	const struct vlapic_timer *t = &v->timer;

	if (v->lvt[VLAPIC_LVT_TIMER] & LVT_MASKED)
		return VLAPIC_NO_EVENT;
	switch (timer_mode(v)) {
	case TIMER_TSC_DEADLINE:
		return t->tsc_deadline ? t->deadline_ns : VLAPIC_NO_EVENT;
	case TIMER_ONESHOT:
		return t->base_count ? expiry_ns(v, 0) : VLAPIC_NO_EVENT;
	case TIMER_PERIODIC:
		return t->base_count ? expiry_ns(v, t->next) : VLAPIC_NO_EVENT;
	default:
		return VLAPIC_NO_EVENT;
	}
}

/* Restarts the count from its current value at now_ns, so a change of
 * divider or of one-shot/periodic mode applies from here on. The fraction
 * of a count already elapsed is dropped. */
static void rebase(struct vlapic *v, u64 now_ns)
{
	u32 cur = vlapic_timer_ccr(v, now_ns);

	v->timer.base_ns = now_ns;
	v->timer.base_count = cur;
	v->timer.next = 0;
}

void vlapic_timer_write_lvt(struct vlapic *v, u64 now_ns, u32 lvt)
{
	unsigned int from = timer_mode(v), to = LVT_TIMER_MODE(lvt);

	if (from != to) {
		if (from > TIMER_PERIODIC || to > TIMER_PERIODIC) {
			/* SDM 11.5.4.1: switching to or from TSC-deadline
			 * mode disarms the timer (KVM also clears TMICT). */
			vlapic_timer_reset(v);
			v->tmict = 0;
		} else {
			rebase(v, now_ns);
		}
	}
	v->lvt[VLAPIC_LVT_TIMER] = lvt;
}

void vlapic_timer_write_icr(struct vlapic *v, u64 now_ns, u32 count)
{
	/* Ignored in TSC-deadline mode (SDM 11.5.4.1). A count of 0 stops
	 * the timer. */
	if (timer_mode(v) == TIMER_TSC_DEADLINE)
		return;
	v->tmict = count;
	v->timer.base_ns = now_ns;
	v->timer.base_count = count;
	v->timer.next = 0;
}

void vlapic_timer_write_dcr(struct vlapic *v, u64 now_ns, u32 dcr)
{
	u32 cur = vlapic_timer_ccr(v, now_ns);

	v->tdcr = dcr;
	if (v->timer.base_count) {
		v->timer.base_ns = now_ns;
		v->timer.base_count = cur;
		v->timer.next = 0;
	}
}

u64 vlapic_tsc_deadline_read(struct vlapic *v, u64 now_ns)
{
	vlapic_timer_update(v, now_ns);
	if (!vlapic_hw_enabled(v) || timer_mode(v) != TIMER_TSC_DEADLINE)
		return 0;
	return v->timer.tsc_deadline;
}

void vlapic_tsc_deadline_write(struct vlapic *v, u64 now_ns, u64 tsc_now,
			       u64 val)
{
	struct vlapic_timer *t = &v->timer;
	u64 delta;

	vlapic_timer_update(v, now_ns);
	if (!vlapic_hw_enabled(v) || timer_mode(v) != TIMER_TSC_DEADLINE)
		return;
	t->tsc_deadline = val;
	if (!val)
		return;
	delta = val > tsc_now ? val - tsc_now : 0;
	if (delta / v->tsc_hz >= (1ULL << 32)) /* over a century away */
		t->deadline_ns = VLAPIC_NO_EVENT - 1;
	else
		t->deadline_ns = now_ns + muldiv64_ceil(delta, NSEC_PER_SEC,
						      (u32)v->tsc_hz);
	vlapic_timer_update(v, now_ns); /* a deadline in the past fires now */
}
