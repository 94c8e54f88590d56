/* SPDX-License-Identifier: MIT */
/*
 * The virtual local APIC (see shale/vlapic.h): register access in xAPIC and
 * x2APIC modes, IA32_APIC_BASE, interrupt acceptance, priority, EOI, IPIs
 * and destination matching; the timer lives in vlapic_timer.c.
 * Runs: host root mode and host unit tests.
 * Intel SDM vol. 3A chapter 11 (register map: table 11-1, x2APIC MSRs:
 * table 11-6); AMD APM vol. 2 section 16.3.
 */
#include <shale/errno.h>
#include <shale/string.h>
#include <shale/vlapic.h>

#include "vlapic_internal.h"

/* xAPIC MMIO offsets; the x2APIC MSR is 0x800 + offset / 16. */
#define REG_ID 0x020
#define REG_VERSION 0x030
#define REG_TPR 0x080
#define REG_APR 0x090
#define REG_PPR 0x0a0
#define REG_EOI 0x0b0
#define REG_RRD 0x0c0
#define REG_LDR 0x0d0
#define REG_DFR 0x0e0
#define REG_SVR 0x0f0
#define REG_ISR 0x100 /* 8 registers, 0x100-0x170 */
#define REG_TMR 0x180
#define REG_IRR 0x200
#define REG_ESR 0x280
#define REG_ICR_LO 0x300
#define REG_ICR_HI 0x310
#define REG_LVT 0x320 /* 6 entries, 0x320-0x370, in enum vlapic_lvt order */
#define REG_TMICT 0x380
#define REG_TMCCT 0x390
#define REG_TDCR 0x3e0
#define REG_SELF_IPI 0x3f0 /* x2APIC only */

#define SVR_WRITABLE 0x3ffu /* vector, APIC software enable, focus disable */
#define SVR_ENABLE (1u << 8)
#define ICR_WRITABLE 0x000ccfffu /* vector..dest mode, level, trigger, shorthand */
#define TDCR_WRITABLE 0xbu

/* ESR bits (SDM vol. 3A 11.5.3). */
#define ESR_SEND_ILLEGAL (1u << 5)
#define ESR_RECV_ILLEGAL (1u << 6)

#define GP (-SH_EINVAL)

/* Writable bits of each LVT entry (SDM figure 11-8); delivery status
 * (bit 12) and LINT remote IRR (bit 14) are read-only and read 0 here. */
static const u32 lvt_writable[VLAPIC_NR_LVT] = {
	[VLAPIC_LVT_TIMER] = 0x700ff,   /* vector, mask, timer mode */
	[VLAPIC_LVT_THERMAL] = 0x107ff, /* vector, delivery mode, mask */
	[VLAPIC_LVT_PERF] = 0x107ff,
	[VLAPIC_LVT_LINT0] = 0x1a7ff,   /* ... polarity, trigger mode */
	[VLAPIC_LVT_LINT1] = 0x1a7ff,
	[VLAPIC_LVT_ERROR] = 0x100ff,
};

/* ------------------------------------------------------ 256-bit registers */

static bool vec_test(const u32 *r, unsigned int vec)
{
	return (r[vec / 32] >> (vec % 32)) & 1;
}

static void vec_set(u32 *r, unsigned int vec)
{
	r[vec / 32] |= 1u << (vec % 32);
}

static void vec_clear(u32 *r, unsigned int vec)
{
	r[vec / 32] &= ~(1u << (vec % 32));
}

/* The highest set bit of a 256-bit register, or -1. */
static int vec_highest(const u32 *r)
{
	for (int i = 7; i >= 0; i--)
		if (r[i])
			return i * 32 + 31 - __builtin_clz(r[i]);
	return -1;
}

/* ----------------------------------------------------------- reset, init */

/* SDM vol. 3A 11.12.10.2: logical x2APIC ID = cluster (ID[19:4]) in bits
 * 31:16 and one bit per member (ID[3:0]) in bits 15:0. */
static u32 x2apic_ldr(u32 id)
{
	return ((id >> 4) << 16) | (1u << (id & 0xf));
}

/* Register state after power-up or INIT (SDM vol. 3A 11.4.7.1): IRR, ISR,
 * TMR, ICR, LDR, TPR, timer counts and divide cleared, DFR all ones, SVR
 * 0xff (software-disabled), every LVT entry masked. ID and base untouched. */
static void regs_reset(struct vlapic *v)
{
	v->tpr = 0;
	v->ldr = vlapic_x2apic_mode(v) ? x2apic_ldr(v->id) : 0;
	v->dfr = 0xffffffff;
	v->svr = 0xff;
	memset(v->isr, 0, sizeof(v->isr));
	memset(v->tmr, 0, sizeof(v->tmr));
	memset(v->irr, 0, sizeof(v->irr));
	v->esr = v->esr_new = 0;
	v->icr_lo = v->icr_hi = 0;
	for (int i = 0; i < VLAPIC_NR_LVT; i++)
		v->lvt[i] = LVT_MASKED;
	v->tmict = v->tdcr = 0;
	vlapic_timer_reset(v);
}

static u64 clamp_hz(u64 hz)
{
	if (!hz)
		return VLAPIC_DEFAULT_BUS_HZ;
	return hz > VLAPIC_MAX_HZ ? VLAPIC_MAX_HZ : hz;
}

void vlapic_init(struct vlapic *v, const struct vlapic_config *cfg,
		 const struct vlapic_ops *ops, void *ctx)
{
	static const struct vlapic_ops no_ops;
	unsigned int phys = cfg->phys_bits ? cfg->phys_bits : 52;

	memset(v, 0, sizeof(*v));
	v->initial_id = cfg->apic_id;
	v->x2apic_ok = cfg->x2apic;
	v->bus_hz = clamp_hz(cfg->bus_hz);
	v->tsc_hz = clamp_hz(cfg->tsc_hz);
	/* Bits 7:0 and 9, and everything from MAXPHYADDR up (SDM 11.4.4). */
	v->base_rsvd = 0x2ffULL | (phys < 64 ? ~0ULL << phys : 0);
	v->ops = ops ? ops : &no_ops;
	v->ctx = ctx;
	v->apic_base = VLAPIC_DEFAULT_BASE | APIC_BASE_EN |
		       (cfg->bsp ? APIC_BASE_BSP : 0);
	v->id = cfg->apic_id & 0xff; /* the xAPIC ID is initial ID[7:0] */
	regs_reset(v);
	if (cfg->virtual_wire) {
		v->svr = SVR_ENABLE | 0xff;
		v->lvt[VLAPIC_LVT_LINT0] = (APIC_DM_EXTINT << 8) | (1u << 15);
		v->lvt[VLAPIC_LVT_LINT1] = APIC_DM_NMI << 8;
	}
}

void vlapic_reset(struct vlapic *v)
{
	regs_reset(v);
}

/* --------------------------------------------------- priority, acceptance */

u8 vlapic_ppr(const struct vlapic *v)
{
	int isrv = vec_highest(v->isr);
	u32 isr_class = isrv < 0 ? 0 : (u32)isrv & 0xf0;

	/* SDM vol. 3A 11.8.3.1: PPR = TPR if TPR[7:4] >= ISRV[7:4], else
	 * ISRV[7:4] with PPR[3:0] = 0. */
	if ((v->tpr & 0xf0) >= isr_class)
		return (u8)v->tpr;
	return (u8)isr_class;
}

int vlapic_pending_vector(const struct vlapic *v)
{
	int irrv = vec_highest(v->irr);

	if (!vlapic_hw_enabled(v) || irrv < 0)
		return -1;
	if (((u32)irrv & 0xf0) <= (vlapic_ppr(v) & 0xf0u))
		return -1;
	return irrv;
}

bool vlapic_ack(struct vlapic *v, u8 vector)
{
	if (!vec_test(v->irr, vector))
		return false;
	vec_clear(v->irr, vector);
	vec_set(v->isr, vector);
	return true;
}

u32 vlapic_take_events(struct vlapic *v, u8 *sipi_vector)
{
	u32 ev = v->events;

	if (sipi_vector)
		*sipi_vector = v->sipi_vector;
	v->events = 0;
	return ev;
}

static void notify(struct vlapic *v)
{
	if (v->ops->notify)
		v->ops->notify(v->ctx);
}

/* Records an error and raises the error LVT (SDM vol. 3A 11.5.3). An error
 * vector below 16 would itself be illegal: the entry then stays silent. */
static void set_error(struct vlapic *v, u32 bits)
{
	u32 lvt = v->lvt[VLAPIC_LVT_ERROR];

	v->esr_new |= bits;
	if (!(lvt & LVT_MASKED) && (lvt & LVT_VECTOR) >= 16)
		vlapic_accept(v, lvt & LVT_VECTOR, false, APIC_DM_FIXED);
}

bool vlapic_accept(struct vlapic *v, u8 vector, bool trigger_level,
		   enum apic_delivery_mode dm)
{
	if (!vlapic_hw_enabled(v))
		return false;
	switch (dm) {
	case APIC_DM_FIXED:
	case APIC_DM_LOWEST:
		/* SDM 11.4.7.2: a software-disabled APIC takes only NMI, INIT,
		 * SMI and SIPI; what is already in IRR/ISR stays. */
		if (!(v->svr & SVR_ENABLE))
			return false;
		if (vector < 16) {
			set_error(v, ESR_RECV_ILLEGAL);
			return false;
		}
		vec_set(v->irr, vector);
		/* SDM 11.8.4: TMR set for level, cleared for edge. */
		if (trigger_level)
			vec_set(v->tmr, vector);
		else
			vec_clear(v->tmr, vector);
		break;
	case APIC_DM_NMI:
		v->events |= VLAPIC_EV_NMI;
		break;
	case APIC_DM_INIT:
		v->events |= VLAPIC_EV_INIT;
		break;
	case APIC_DM_SIPI:
		v->events |= VLAPIC_EV_SIPI;
		v->sipi_vector = vector;
		break;
	case APIC_DM_EXTINT:
		v->events |= VLAPIC_EV_EXTINT;
		break;
	default:
		return false; /* SMI (no SMM here) and the reserved mode 3 */
	}
	notify(v);
	return true;
}

void vlapic_raise_lvt(struct vlapic *v, enum vlapic_lvt lvt)
{
	u32 e;
	enum apic_delivery_mode dm;

	if ((unsigned int)lvt >= VLAPIC_NR_LVT)
		return;
	/* SDM 11.4.3: with the APIC globally disabled the LINT pins are the
	 * processor's INTR and NMI inputs. */
	if (!vlapic_hw_enabled(v)) {
		if (lvt == VLAPIC_LVT_LINT0 || lvt == VLAPIC_LVT_LINT1) {
			v->events |= lvt == VLAPIC_LVT_LINT0 ? VLAPIC_EV_EXTINT
							     : VLAPIC_EV_NMI;
			notify(v);
		}
		return;
	}
	e = v->lvt[lvt];
	if (e & LVT_MASKED)
		return;
	dm = (lvt == VLAPIC_LVT_TIMER || lvt == VLAPIC_LVT_ERROR)
		     ? APIC_DM_FIXED
		     : (enum apic_delivery_mode)LVT_DELIVERY(e);
	/* LINT inputs are taken as edges: no LVT remote IRR in this model. */
	vlapic_accept(v, e & LVT_VECTOR, false, dm);
}

/* EOI (SDM vol. 3A 11.8.5): retire the highest in-service vector; a
 * level-triggered one is broadcast so the IOAPIC clears Remote IRR. */
static void do_eoi(struct vlapic *v)
{
	int vec = vec_highest(v->isr);

	if (vec < 0)
		return;
	vec_clear(v->isr, (unsigned int)vec);
	if (vec_test(v->tmr, (unsigned int)vec) && v->ops->eoi_level)
		v->ops->eoi_level(v->ctx, (u8)vec);
}

/* ------------------------------------------------------------------ IPIs */

/* Checks an IPI as the sending APIC would (SDM vol. 3A 11.6.1, 11.5.3) and
 * hands it to the router. */
static void send_ipi(struct vlapic *v, const struct apic_ipi *ipi)
{
	switch (ipi->delivery_mode) {
	case APIC_DM_FIXED:
	case APIC_DM_LOWEST:
		if (ipi->vector < 16) {
			set_error(v, ESR_SEND_ILLEGAL);
			return;
		}
		break;
	case APIC_DM_INIT:
		/* INIT level de-assert only synchronised arbitration IDs; it
		 * is a no-op since the Pentium 4 (SDM 11.6.1). Linux sends it
		 * after every INIT. */
		if (ipi->trigger_level && !ipi->level)
			return;
		break;
	case APIC_DM_NMI:
	case APIC_DM_SIPI:
		break;
	default:
		return; /* SMI (no SMM), reserved, ExtINT (not an IPI) */
	}
	/* The self shorthand is valid only with fixed delivery. */
	if (ipi->shorthand == APIC_SH_SELF &&
	    ipi->delivery_mode != APIC_DM_FIXED)
		return;
	if (v->ops->send_ipi)
		v->ops->send_ipi(v->ctx, ipi);
}

static void send_icr(struct vlapic *v, bool x2)
{
	u32 lo = v->icr_lo;
	struct apic_ipi ipi = {
		.dest = x2 ? v->icr_hi : v->icr_hi >> 24,
		.vector = (u8)lo,
		.delivery_mode = (lo >> 8) & 7,
		.dest_mode = (lo >> 11) & 1,
		.level = (lo >> 14) & 1,
		.trigger_level = (lo >> 15) & 1,
		.shorthand = (lo >> 18) & 3,
		.x2apic = x2,
	};

	send_ipi(v, &ipi);
}

bool vlapic_matches_dest(const struct vlapic *v, u32 dest,
			 enum apic_dest_mode mode, bool x2apic)
{
	u32 ldr;

	if (!vlapic_hw_enabled(v))
		return false;
	if (!x2apic)
		dest &= 0xff;
	if (dest == (x2apic ? 0xffffffffu : 0xffu))
		return true; /* broadcast, physical or logical */
	if (mode == APIC_DEST_PHYSICAL)
		return dest == v->id;
	if (x2apic) {
		/* SDM 11.12.10: cluster in 31:16, member bitmap in 15:0. */
		if (!vlapic_x2apic_mode(v))
			return false;
		return (dest >> 16) == (v->ldr >> 16) && (dest & v->ldr & 0xffff);
	}
	if (vlapic_x2apic_mode(v))
		return false;
	/* SDM 11.6.2.2: flat model (DFR[31:28] = 1111b) ANDs the 8-bit
	 * destination with LDR[31:24]; cluster model (0000b) compares the
	 * cluster nibble and ANDs the member nibble. */
	ldr = v->ldr >> 24;
	if ((v->dfr >> 28) == 0xf)
		return dest & ldr;
	return (dest >> 4) == (ldr >> 4) && (dest & ldr & 0xf);
}

bool vlapic_ipi_matches(const struct vlapic *target, const struct apic_ipi *ipi,
			bool is_sender)
{
	if (!vlapic_hw_enabled(target))
		return false;
	switch (ipi->shorthand) {
	case APIC_SH_SELF:
		return is_sender;
	case APIC_SH_ALL:
		return true;
	case APIC_SH_ALL_BUT_SELF:
		return !is_sender;
	default:
		return vlapic_matches_dest(target, ipi->dest, ipi->dest_mode,
					   ipi->x2apic);
	}
}

void vlapic_receive_ipi(struct vlapic *target, const struct apic_ipi *ipi)
{
	vlapic_accept(target, ipi->vector, false,
		      (enum apic_delivery_mode)ipi->delivery_mode);
}

/* ------------------------------------------------------------- registers */

/* Reads the register at xAPIC offset 'off' (16-byte aligned) into *val;
 * false for a reserved offset. The caller handles the registers whose
 * x2APIC form differs (ID, ICR, the ones x2APIC lacks). */
static bool reg_read(struct vlapic *v, u64 now_ns, u32 off, u32 *val)
{
	*val = 0;
	if (off >= REG_ISR && off < REG_ESR) {
		unsigned int i = (off - REG_ISR) / 16;

		*val = i < 8 ? v->isr[i] : i < 16 ? v->tmr[i - 8] : v->irr[i - 16];
		return true;
	}
	if (off >= REG_LVT && off < REG_TMICT) {
		*val = v->lvt[(off - REG_LVT) / 16];
		return true;
	}
	switch (off) {
	case REG_ID:
		*val = v->id << 24;
		return true;
	case REG_VERSION:
		*val = VLAPIC_VERSION;
		return true;
	case REG_TPR:
		*val = v->tpr;
		return true;
	case REG_APR: /* arbitration priority: not modelled, as QEMU/KVM */
	case REG_EOI: /* write-only */
	case REG_RRD: /* remote read: never valid */
		return true;
	case REG_PPR:
		*val = vlapic_ppr(v);
		return true;
	case REG_LDR:
		*val = v->ldr;
		return true;
	case REG_DFR:
		*val = v->dfr;
		return true;
	case REG_SVR:
		*val = v->svr;
		return true;
	case REG_ESR:
		*val = v->esr;
		return true;
	case REG_ICR_LO:
		*val = v->icr_lo; /* delivery status 0: sends are instant */
		return true;
	case REG_ICR_HI:
		*val = v->icr_hi;
		return true;
	case REG_TMICT:
		*val = v->tmict;
		return true;
	case REG_TMCCT:
		*val = vlapic_timer_ccr(v, now_ns);
		return true;
	case REG_TDCR:
		*val = v->tdcr;
		return true;
	default:
		return false;
	}
}

static void write_svr(struct vlapic *v, u32 val)
{
	/* SDM 11.4.7.2: software disable masks every LVT entry. */
	if (!(val & SVR_ENABLE))
		for (int i = 0; i < VLAPIC_NR_LVT; i++)
			v->lvt[i] |= LVT_MASKED;
	v->svr = val;
}

/* Writes LVT entry i; x2 rejects set reserved bits (read-only bits are
 * ignored) and the reserved timer mode 11b. */
static int write_lvt(struct vlapic *v, u64 now_ns, unsigned int i, u32 val,
		     bool x2)
{
	u32 ro = 0x1000 | (i == VLAPIC_LVT_LINT0 || i == VLAPIC_LVT_LINT1 ? 0x4000 : 0);

	if (x2 && ((val & ~(lvt_writable[i] | ro)) ||
		   (i == VLAPIC_LVT_TIMER && LVT_TIMER_MODE(val) == 3)))
		return GP;
	val &= lvt_writable[i];
	if (!(v->svr & SVR_ENABLE))
		val |= LVT_MASKED; /* SDM 11.4.7.2: cannot unmask while disabled */
	if (i == VLAPIC_LVT_TIMER)
		vlapic_timer_write_lvt(v, now_ns, val);
	else
		v->lvt[i] = val;
	return 0;
}

/* Writes the register at 'off'. In xAPIC mode (x2 false) read-only and
 * reserved registers ignore the write and it never fails; in x2APIC mode
 * they, and set reserved bits, are #GP (SDM 11.12.1.2-3). */
static int reg_write(struct vlapic *v, u64 now_ns, u32 off, u32 val, bool x2)
{
	if (off >= REG_LVT && off < REG_TMICT)
		return write_lvt(v, now_ns, (off - REG_LVT) / 16, val, x2);
	switch (off) {
	case REG_ID:
		if (x2)
			return GP;
		v->id = val >> 24;
		return 0;
	case REG_TPR:
		if (x2 && (val & ~0xffu))
			return GP;
		v->tpr = val & 0xff;
		return 0;
	case REG_EOI:
		if (x2 && val)
			return GP;
		do_eoi(v);
		return 0;
	case REG_LDR:
		if (x2)
			return GP;
		v->ldr = val & 0xff000000;
		return 0;
	case REG_DFR:
		if (x2)
			return GP;
		v->dfr = val | 0x0fffffff;
		return 0;
	case REG_SVR:
		if (x2 && (val & ~SVR_WRITABLE))
			return GP;
		write_svr(v, val & SVR_WRITABLE);
		return 0;
	case REG_ESR:
		/* SDM 11.5.3: a write latches the errors seen since the last
		 * one into the readable register. x2APIC allows only 0. */
		if (x2 && val)
			return GP;
		v->esr = v->esr_new;
		v->esr_new = 0;
		return 0;
	case REG_ICR_LO:
		if (x2)
			return GP; /* the caller handles the 64-bit MSR */
		v->icr_lo = val & ICR_WRITABLE;
		send_icr(v, false);
		return 0;
	case REG_ICR_HI:
		if (x2)
			return GP;
		v->icr_hi = val & 0xff000000;
		return 0;
	case REG_TMICT:
		vlapic_timer_write_icr(v, now_ns, val);
		return 0;
	case REG_TDCR:
		if (x2 && (val & ~TDCR_WRITABLE))
			return GP;
		vlapic_timer_write_dcr(v, now_ns, val & TDCR_WRITABLE);
		return 0;
	case REG_SELF_IPI:
		if (!x2)
			return 0; /* reserved in xAPIC mode */
		if (val & ~0xffu)
			return GP;
		send_ipi(v, &(struct apic_ipi){
				    .dest = v->id,
				    .vector = (u8)val,
				    .delivery_mode = APIC_DM_FIXED,
				    .shorthand = APIC_SH_SELF,
				    .x2apic = true,
			    });
		return 0;
	default:
		return x2 ? GP : 0; /* read-only or reserved */
	}
}

int vlapic_mmio_read(struct vlapic *v, u64 now_ns, u32 offset, u32 *val)
{
	if (!vlapic_mmio_enabled(v))
		return -SH_EOPNOTSUPP;
	if (offset > 0xffc || (offset & 3))
		return -SH_EINVAL;
	vlapic_timer_update(v, now_ns);
	*val = 0;
	if (!(offset & 0xf))
		reg_read(v, now_ns, offset, val);
	return 0;
}

int vlapic_mmio_write(struct vlapic *v, u64 now_ns, u32 offset, u32 val)
{
	if (!vlapic_mmio_enabled(v))
		return -SH_EOPNOTSUPP;
	if (offset > 0xffc || (offset & 3))
		return -SH_EINVAL;
	vlapic_timer_update(v, now_ns);
	if (!(offset & 0xf))
		reg_write(v, now_ns, offset, val, false);
	return 0;
}

/* IA32_APIC_BASE writes (SDM vol. 3A 11.4.4, 11.12.5, figure 11-27). */
static int write_apic_base(struct vlapic *v, u64 val)
{
	const u64 both = APIC_BASE_EN | APIC_BASE_EXTD;
	u64 from = v->apic_base & both, to = val & both;

	if ((val & v->base_rsvd) || ((val & APIC_BASE_EXTD) && !v->x2apic_ok))
		return GP;
	if (to == APIC_BASE_EXTD)
		return GP; /* EXTD without EN is an invalid state */
	if (from == 0 && to == both)
		return GP; /* disabled -> x2APIC must go through xAPIC */
	if (from == both && to == APIC_BASE_EN)
		return GP; /* x2APIC -> xAPIC must go through disabled */
	v->apic_base = (val & ~APIC_BASE_BSP) | (v->apic_base & APIC_BASE_BSP);
	if (from && !to) {
		/* Disabling puts the APIC back in its power-up state. */
		v->id = v->initial_id & 0xff;
		regs_reset(v);
	} else if (from == APIC_BASE_EN && to == both) {
		/* SDM 11.12.5.1: xAPIC -> x2APIC keeps the registers but the
		 * ID becomes the x2APIC ID and LDR is derived from it. */
		v->id = v->initial_id;
		v->ldr = x2apic_ldr(v->id);
	}
	return 0;
}

int vlapic_msr_read(struct vlapic *v, u64 now_ns, u32 msr, u64 *val)
{
	u32 off, lo;

	if (msr == MSR_IA32_APIC_BASE) {
		*val = v->apic_base;
		return 0;
	}
	if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST ||
	    !vlapic_x2apic_mode(v))
		return GP;
	vlapic_timer_update(v, now_ns);
	off = (msr - MSR_X2APIC_FIRST) * 16;
	switch (off) {
	case REG_ID:
		*val = v->id;
		return 0;
	case REG_ICR_LO:
		*val = ((u64)v->icr_hi << 32) | v->icr_lo;
		return 0;
	case REG_APR: /* absent in x2APIC mode (SDM table 11-6) */
	case REG_RRD:
	case REG_DFR:
	case REG_ICR_HI:
	case REG_EOI: /* write-only */
	case REG_SELF_IPI:
		return GP;
	}
	if (!reg_read(v, now_ns, off, &lo))
		return GP;
	*val = lo;
	return 0;
}

int vlapic_msr_write(struct vlapic *v, u64 now_ns, u32 msr, u64 val)
{
	u32 off;

	if (msr == MSR_IA32_APIC_BASE)
		return write_apic_base(v, val);
	if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST ||
	    !vlapic_x2apic_mode(v))
		return GP;
	vlapic_timer_update(v, now_ns);
	off = (msr - MSR_X2APIC_FIRST) * 16;
	if (off == REG_ICR_LO) {
		/* SDM 11.12.9: one 64-bit register, destination in 63:32. */
		if ((u32)val & ~ICR_WRITABLE)
			return GP;
		v->icr_lo = (u32)val;
		v->icr_hi = (u32)(val >> 32);
		send_icr(v, true);
		return 0;
	}
	if (val >> 32)
		return GP; /* bits 63:32 are reserved in every other register */
	return reg_write(v, now_ns, off, (u32)val, true);
}
