/* SPDX-License-Identifier: MIT */
/*
 * A guest-visible local APIC, one per vCPU: registers, interrupt acceptance
 * and priority, EOI, IPIs and the timer, as a state machine with explicit
 * time and callbacks. It knows nothing of vCPUs, domains, VMCBs or locks:
 * the caller injects what vlapic_pending_vector() offers and routes the IPIs
 * and level-triggered EOIs it reports. Runs: host root mode and host unit
 * tests.
 *
 * Architecture: Intel SDM vol. 3A chapter 11 "Advanced Programmable Interrupt
 * Controller" (chapter 10 in editions before 2023; section numbers below are
 * the chapter-11 ones), AMD APM vol. 2 chapter 16 "Advanced Programmable
 * Interrupt Controller".
 *
 * Concurrency: the model takes no locks. The caller serialises every call on
 * one vlapic, including calls its own callbacks make back into it (a self
 * IPI routed back through send_ipi, for one). Callbacks run synchronously,
 * with the state consistent, at the end of the operation that caused them.
 *
 * Time: every function that can observe the timer takes now_ns, a monotonic
 * nanosecond clock of the caller's choosing; timer expiries due at now_ns are
 * delivered (IRR set) before the function does anything else.
 */
#ifndef SHALE_VLAPIC_H
#define SHALE_VLAPIC_H

#include <shale/types.h>

#define VLAPIC_DEFAULT_BASE 0xfee00000ULL
#define VLAPIC_VERSION 0x00050014u /* integrated APIC, max LVT 5 (as QEMU) */
#define VLAPIC_DEFAULT_BUS_HZ 1000000000ULL /* 1 GHz, as QEMU */
#define VLAPIC_MAX_HZ 4000000000ULL         /* bus/TSC rates are clamped */
#define VLAPIC_NO_EVENT (~0ULL)             /* vlapic_next_event_ns: none */

/* MSRs (SDM vol. 3A 11.4.4, 11.5.4.1, 11.12.1.2). */
#define MSR_IA32_APIC_BASE 0x1b
#define MSR_IA32_TSC_DEADLINE 0x6e0
#define MSR_X2APIC_FIRST 0x800
#define MSR_X2APIC_LAST 0x8ff

/* IA32_APIC_BASE bits. */
#define APIC_BASE_BSP (1ULL << 8)
#define APIC_BASE_EXTD (1ULL << 10) /* x2APIC mode */
#define APIC_BASE_EN (1ULL << 11)   /* xAPIC global enable */

/* Delivery modes, as encoded in ICR, LVT and IOAPIC entries bits 10:8. */
enum apic_delivery_mode {
	APIC_DM_FIXED = 0,
	APIC_DM_LOWEST = 1,
	APIC_DM_SMI = 2,
	APIC_DM_NMI = 4,
	APIC_DM_INIT = 5,
	APIC_DM_SIPI = 6,
	APIC_DM_EXTINT = 7,
};

enum apic_dest_mode {
	APIC_DEST_PHYSICAL = 0,
	APIC_DEST_LOGICAL = 1,
};

/* ICR bits 19:18 (SDM vol. 3A 11.6.1). */
enum apic_shorthand {
	APIC_SH_NONE = 0,
	APIC_SH_SELF = 1,
	APIC_SH_ALL = 2,          /* all including self */
	APIC_SH_ALL_BUT_SELF = 3,
};

/*
 * One IPI as the sender's ICR (or x2APIC SELF IPI register) encoded it. With
 * x2apic set, dest is a 32-bit x2APIC destination (0xffffffff broadcast);
 * otherwise the 8-bit xAPIC destination from ICR[63:56] (0xff broadcast).
 * The router picks targets with vlapic_ipi_matches() and hands the IPI to
 * each with vlapic_receive_ipi(); for APIC_DM_LOWEST it may pick the one
 * target with the lowest vlapic_ppr().
 */
struct apic_ipi {
	u32 dest;
	u8 vector;
	u8 delivery_mode;   /* enum apic_delivery_mode */
	u8 dest_mode;       /* enum apic_dest_mode */
	u8 shorthand;       /* enum apic_shorthand */
	bool level;         /* ICR bit 14: assert */
	bool trigger_level; /* ICR bit 15, as written (receivers ignore it) */
	bool x2apic;        /* sent in x2APIC mode: dest is 32 bits wide */
};

/* The local vector table, in register order (0x320 ... 0x370). There is no
 * CMCI entry: the version register says max LVT 5. */
enum vlapic_lvt {
	VLAPIC_LVT_TIMER,
	VLAPIC_LVT_THERMAL,
	VLAPIC_LVT_PERF,
	VLAPIC_LVT_LINT0,
	VLAPIC_LVT_LINT1,
	VLAPIC_LVT_ERROR,
	VLAPIC_NR_LVT,
};

/* Events that are not IRR vectors, for vlapic_take_events(). */
#define VLAPIC_EV_NMI (1u << 0)
#define VLAPIC_EV_INIT (1u << 1)
#define VLAPIC_EV_SIPI (1u << 2)   /* vector in the sipi_vector out-parameter */
#define VLAPIC_EV_EXTINT (1u << 3) /* ask the 8259 PIC for the vector */

/* What the vlapic reports to its owner. Any member may be NULL. */
struct vlapic_ops {
	/* An ICR or SELF IPI write sent 'ipi'; the callee routes it to every
	 * target, this APIC included when the shorthand or dest names it. */
	void (*send_ipi)(void *ctx, const struct apic_ipi *ipi);
	/* The guest EOIed a level-triggered vector (TMR bit set): the IOAPIC
	 * should clear Remote IRR on entries with this vector. */
	void (*eoi_level)(void *ctx, u8 vector);
	/* An IRR bit or an event became pending: wake the vCPU if it halted. */
	void (*notify)(void *ctx);
};

struct vlapic_config {
	u32 apic_id;  /* initial APIC ID (the x2APIC ID; xAPIC uses bits 7:0) */
	bool bsp;     /* IA32_APIC_BASE.BSP */
	bool x2apic;  /* x2APIC mode may be enabled (CPUID.01H:ECX[21]) */
	u64 bus_hz;   /* timer clock before the divider; 0: 1 GHz */
	u64 tsc_hz;   /* guest TSC rate for TSC-deadline mode; 0: 1 GHz */
	u8 phys_bits; /* MAXPHYADDR, for APIC base reserved bits; 0: 52 */
	/* Start as firmware leaves each CPU for an OS that never touches the
	 * APIC: software-enabled, LINT0 ExtINT (the 8259 PIC passes through),
	 * LINT1 NMI ("virtual wire", MP spec 1.4 section 3.6.2.2; SeaBIOS). */
	bool virtual_wire;
};

/* The timer's state (vlapic_timer.c). An armed one-shot or periodic timer
 * counted base_count at base_ns; expiry k (k = 0, 1, ...) falls when
 * base_count + k * tmict counts have elapsed, so periodic expiries sit on a
 * fixed grid and never drift, however late vlapic_tick() is called. */
struct vlapic_timer {
	u64 base_ns;
	u32 base_count;   /* 0: one-shot/periodic disarmed */
	u64 next;         /* index k of the next expiry to deliver */
	u64 deadline_ns;  /* TSC-deadline mode: expiry; 0: disarmed */
	u64 tsc_deadline; /* IA32_TSC_DEADLINE as written; 0 after expiry */
};

/* All fields belong to the owning vCPU's device state and are guarded by
 * whatever serialises calls on it (see the top of this file). */
struct vlapic {
	/* Fixed at vlapic_init. */
	u32 initial_id;
	bool x2apic_ok;
	u64 bus_hz, tsc_hz;
	u64 base_rsvd; /* IA32_APIC_BASE reserved bits */
	const struct vlapic_ops *ops;
	void *ctx;

	/* Architectural state (SDM vol. 3A table 11-1). */
	u64 apic_base;
	u32 id;        /* APIC ID: 8 bits in xAPIC mode, 32 in x2APIC mode */
	u32 tpr, ldr, dfr, svr;
	u32 isr[8], tmr[8], irr[8];
	u32 esr;       /* as read: the errors latched by the last ESR write */
	u32 esr_new;   /* errors seen since the last ESR write */
	u32 icr_lo, icr_hi; /* x2APIC: icr_hi is the 32-bit destination */
	u32 lvt[VLAPIC_NR_LVT];
	u32 tmict, tdcr;
	struct vlapic_timer timer;

	/* Pending non-vector events and the last SIPI vector. */
	u32 events;
	u8 sipi_vector;
};

/* Power-on state (SDM vol. 3A 11.4.7.1): xAPIC mode enabled at
 * VLAPIC_DEFAULT_BASE, registers as after reset, then virtual wire mode if
 * cfg asks for it. ops may be NULL. */
void vlapic_init(struct vlapic *v, const struct vlapic_config *cfg,
		 const struct vlapic_ops *ops, void *ctx);

/* INIT reset (SDM vol. 3A 11.4.7.3): every register to its reset value
 * except the APIC ID and IA32_APIC_BASE (so x2APIC mode survives); the
 * timer stops. Pending events are left for vlapic_take_events(). */
void vlapic_reset(struct vlapic *v);

static inline bool vlapic_hw_enabled(const struct vlapic *v)
{
	return v->apic_base & APIC_BASE_EN;
}

static inline bool vlapic_x2apic_mode(const struct vlapic *v)
{
	return (v->apic_base & (APIC_BASE_EN | APIC_BASE_EXTD)) ==
	       (APIC_BASE_EN | APIC_BASE_EXTD);
}

/* True while the 4 KiB MMIO page at vlapic_mmio_base() answers (xAPIC). */
static inline bool vlapic_mmio_enabled(const struct vlapic *v)
{
	return vlapic_hw_enabled(v) && !vlapic_x2apic_mode(v);
}

static inline u64 vlapic_mmio_base(const struct vlapic *v)
{
	return v->apic_base & ~0xfffULL & ~v->base_rsvd;
}

/* True for the MSRs vlapic_msr_read/write handle (0x1b, 0x800-0x8ff). */
static inline bool vlapic_is_msr(u32 msr)
{
	return msr == MSR_IA32_APIC_BASE ||
	       (msr >= MSR_X2APIC_FIRST && msr <= MSR_X2APIC_LAST);
}

/*
 * A 4-byte access to the xAPIC page at 'offset' (0x000-0xff0, 16-byte
 * aligned registers). Reserved offsets read 0 and ignore writes; read-only
 * registers ignore writes. Returns -SH_EINVAL for an offset that is not
 * 4-byte aligned inside the page, -SH_EOPNOTSUPP when the page is not
 * decoded (APIC disabled or in x2APIC mode): the caller then treats the
 * access as one to unclaimed memory.
 */
int vlapic_mmio_read(struct vlapic *v, u64 now_ns, u32 offset, u32 *val);
int vlapic_mmio_write(struct vlapic *v, u64 now_ns, u32 offset, u32 val);

/*
 * RDMSR/WRMSR of IA32_APIC_BASE or an x2APIC register (SDM vol. 3A
 * 11.12.1). Returns 0, or -SH_EINVAL where the CPU raises #GP(0): an x2APIC
 * MSR outside x2APIC mode, a reserved MSR (incl. 0x809 APR, 0x80c, 0x80e DFR,
 * 0x831), a write to a read-only register, a read of EOI or SELF IPI, a set
 * reserved bit (SDM 11.12.1.3), or an illegal IA32_APIC_BASE transition
 * (SDM 11.12.5: disabled -> x2APIC, x2APIC -> xAPIC, EXTD without EN, EXTD
 * when x2APIC is not offered). The BSP bit ignores writes.
 */
int vlapic_msr_read(struct vlapic *v, u64 now_ns, u32 msr, u64 *val);
int vlapic_msr_write(struct vlapic *v, u64 now_ns, u32 msr, u64 val);

/*
 * IA32_TSC_DEADLINE (SDM vol. 3A 11.5.4.1). Outside TSC-deadline mode it
 * reads 0 and ignores writes. A write of 0 disarms; a deadline at or before
 * tsc_now (the guest TSC at now_ns) fires at once. Reads return 0 once the
 * deadline has fired.
 */
u64 vlapic_tsc_deadline_read(struct vlapic *v, u64 now_ns);
void vlapic_tsc_deadline_write(struct vlapic *v, u64 now_ns, u64 tsc_now,
			       u64 val);

/*
 * Offers an interrupt message to this APIC (SDM vol. 3A 11.8.4). Fixed and
 * lowest priority set the IRR bit, and the TMR bit for a level-triggered
 * one; they are dropped while the APIC is software-disabled, and vectors
 * 0-15 only set ESR "received illegal vector". NMI, INIT, SIPI and ExtINT
 * become events (vlapic_take_events); SMI is dropped (no SMM). Returns
 * whether the message was accepted.
 */
bool vlapic_accept(struct vlapic *v, u8 vector, bool trigger_level,
		   enum apic_delivery_mode dm);

/* The highest IRR vector whose priority class is above PPR's, or -1
 * (SDM vol. 3A 11.8.3.1). */
int vlapic_pending_vector(const struct vlapic *v);

/* The caller injected 'vector': move it from IRR to ISR. Returns false
 * (and changes nothing) if the vector was not in IRR. */
bool vlapic_ack(struct vlapic *v, u8 vector);

/* Returns and clears the pending VLAPIC_EV_* events; *sipi_vector gets the
 * vector of the last SIPI when VLAPIC_EV_SIPI is set. */
u32 vlapic_take_events(struct vlapic *v, u8 *sipi_vector);

/* An edge on the source of an LVT entry other than the timer (LINT0/1 pins,
 * thermal, performance counter overflow): delivers per the entry's delivery
 * mode unless it is masked (SDM vol. 3A 11.5.1). */
void vlapic_raise_lvt(struct vlapic *v, enum vlapic_lvt lvt);

/* Processor priority (SDM vol. 3A 11.8.3.1), for lowest-priority
 * arbitration. */
u8 vlapic_ppr(const struct vlapic *v);

/*
 * Whether a message addressed to 'dest' in 'mode' reaches this APIC (SDM
 * vol. 3A 11.6.2, 11.12.10). With x2apic, dest is a 32-bit x2APIC
 * destination: physical ID or 0xffffffff, or logical cluster (31:16) and
 * member bitmap (15:0) matched against the x2APIC LDR. Otherwise dest is
 * 8 bits: physical ID or 0xff, or logical matched against LDR[31:24] in the
 * flat or cluster model the DFR selects (0xff is a broadcast in both); an
 * x2APIC-mode APIC takes only the broadcast of an 8-bit logical message.
 * A hardware-disabled APIC matches nothing.
 */
bool vlapic_matches_dest(const struct vlapic *v, u32 dest,
			 enum apic_dest_mode mode, bool x2apic);

/* Whether 'ipi' targets 'target' (shorthand first, then destination);
 * is_sender says whether 'target' is the APIC that sent it. */
bool vlapic_ipi_matches(const struct vlapic *target, const struct apic_ipi *ipi,
			bool is_sender);

/* Delivers 'ipi' to one target: vlapic_accept() as edge-triggered (the ICR
 * trigger bit matters only for INIT level de-assert, SDM 11.6.1). */
void vlapic_receive_ipi(struct vlapic *target, const struct apic_ipi *ipi);

/* Delivers timer expiries due at now_ns (IRR for the LVT timer vector
 * unless masked); a periodic timer that missed several periods fires once
 * and stays on its grid. */
void vlapic_tick(struct vlapic *v, u64 now_ns);

/* When the timer next needs vlapic_tick(): an absolute time in ns (<= now_ns
 * if overdue), or VLAPIC_NO_EVENT when disarmed or masked. */
u64 vlapic_next_event_ns(const struct vlapic *v, u64 now_ns);

#endif /* SHALE_VLAPIC_H */
