/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the virtual local APIC (hypervisor/dev/vlapic.c and
 * vlapic_timer.c): register semantics in xAPIC and x2APIC modes, the #GP
 * cases, priority, IRR/ISR/EOI, IPI encoding as Linux and the test kernels
 * send them, destination matching and the timer. Expected values come from
 * Intel SDM vol. 3A chapter 11. Runs: host unit tests.
 */
#include <string.h>

#include "support.h"

#include <shale/errno.h>
#include <shale/vlapic.h>

#define BASE_MSR MSR_IA32_APIC_BASE
#define NO_EVENT VLAPIC_NO_EVENT

/* What the callbacks saw. */
static struct {
	struct apic_ipi ipi[16];
	unsigned int nipi;
	u8 eoi[16];
	unsigned int neoi;
	unsigned int notified;
} seen;

static void cb_send_ipi(void *ctx, const struct apic_ipi *ipi)
{
	seen.ipi[seen.nipi++ % 16] = *ipi;
}

static void cb_eoi(void *ctx, u8 vector)
{
	seen.eoi[seen.neoi++ % 16] = vector;
}

static void cb_notify(void *ctx)
{
	seen.notified++;
}

static const struct vlapic_ops ops = {
	.send_ipi = cb_send_ipi,
	.eoi_level = cb_eoi,
	.notify = cb_notify,
};

static void setup_cfg(struct vlapic *v, const struct vlapic_config *cfg)
{
	memset(&seen, 0, sizeof(seen));
	vlapic_init(v, cfg, &ops, NULL);
}

/* An x2APIC-capable APIC with a 1 GHz bus and a 2 GHz TSC. */
static void setup(struct vlapic *v, u32 id)
{
	struct vlapic_config cfg = {
		.apic_id = id, .bsp = id == 0, .x2apic = true,
		.bus_hz = 1000000000, .tsc_hz = 2000000000, .phys_bits = 40,
	};

	setup_cfg(v, &cfg);
}

static u32 rd_at(struct vlapic *v, u64 now, u32 off)
{
	u32 val = 0xdeadbeef;

	assert_int_equal(vlapic_mmio_read(v, now, off, &val), 0);
	return val;
}

static void wr_at(struct vlapic *v, u64 now, u32 off, u32 val)
{
	assert_int_equal(vlapic_mmio_write(v, now, off, val), 0);
}

static u32 rd(struct vlapic *v, u32 off)
{
	return rd_at(v, 0, off);
}

static void wr(struct vlapic *v, u32 off, u32 val)
{
	wr_at(v, 0, off, val);
}

static u64 rdmsr(struct vlapic *v, u32 msr)
{
	u64 val = 0xdeadbeef;

	assert_int_equal(vlapic_msr_read(v, 0, msr, &val), 0);
	return val;
}

static int rdmsr_rc(struct vlapic *v, u32 msr)
{
	u64 val;

	return vlapic_msr_read(v, 0, msr, &val);
}

static int wrmsr(struct vlapic *v, u32 msr, u64 val)
{
	return vlapic_msr_write(v, 0, msr, val);
}

static void sw_enable(struct vlapic *v)
{
	wr(v, 0xf0, 0x1ff);
}

static void to_x2apic(struct vlapic *v)
{
	assert_int_equal(wrmsr(v, BASE_MSR, 0xfee00000 | APIC_BASE_EN |
						    APIC_BASE_EXTD),
			 0);
}

static bool isr_has(struct vlapic *v, unsigned int vec)
{
	return (rd(v, 0x100 + vec / 32 * 0x10) >> (vec % 32)) & 1;
}

static bool irr_has(struct vlapic *v, unsigned int vec)
{
	return (rd(v, 0x200 + vec / 32 * 0x10) >> (vec % 32)) & 1;
}

/* Takes the highest deliverable vector as the caller's injection would. */
static int inject(struct vlapic *v)
{
	int vec = vlapic_pending_vector(v);

	if (vec >= 0)
		assert_true(vlapic_ack(v, (u8)vec));
	return vec;
}

/* ------------------------------------------------------------ registers */

static void vlapic_power_on_state_matches_the_sdm(void **state)
{
	struct vlapic v;

	setup(&v, 0);
	assert_int_equal(rdmsr(&v, BASE_MSR), 0xfee00000 | 0x800 | 0x100);
	assert_int_equal(rd(&v, 0x020), 0);
	assert_int_equal(rd(&v, 0x030), 0x00050014); /* version, max LVT 5 */
	assert_int_equal(rd(&v, 0x0f0), 0xff);
	assert_int_equal(rd(&v, 0x0e0), 0xffffffff);
	for (u32 off = 0x320; off <= 0x370; off += 0x10)
		assert_int_equal(rd(&v, off), 0x10000);
	assert_int_equal(rd(&v, 0x080), 0);
	assert_int_equal(rd(&v, 0x380), 0);
	assert_int_equal(rd(&v, 0x3e0), 0);

	setup(&v, 3);
	assert_int_equal(rdmsr(&v, BASE_MSR), 0xfee00000 | 0x800); /* no BSP */
	assert_int_equal(rd(&v, 0x020), 3u << 24);
}

static void vlapic_xapic_writes_keep_only_writable_bits(void **state)
{
	struct vlapic v;

	setup(&v, 1);
	wr(&v, 0x080, 0xffffffff);
	assert_int_equal(rd(&v, 0x080), 0xff);
	wr(&v, 0x0d0, 0xffffffff);
	assert_int_equal(rd(&v, 0x0d0), 0xff000000);
	wr(&v, 0x0e0, 0);
	assert_int_equal(rd(&v, 0x0e0), 0x0fffffff); /* bits 27:0 read as 1 */
	wr(&v, 0x0f0, 0xffffffff);
	assert_int_equal(rd(&v, 0x0f0), 0x3ff);
	wr(&v, 0x3e0, 0xffffffff);
	assert_int_equal(rd(&v, 0x3e0), 0xb);
	wr(&v, 0x320, 0xffffffff);
	assert_int_equal(rd(&v, 0x320), 0x700ff);
	wr(&v, 0x350, 0xffffffff);
	assert_int_equal(rd(&v, 0x350), 0x1a7ff); /* no delivery status, no remote IRR */
	wr(&v, 0x370, 0xffffffff);
	assert_int_equal(rd(&v, 0x370), 0x100ff);
	wr(&v, 0x310, 0xffffffff);
	assert_int_equal(rd(&v, 0x310), 0xff000000);
	wr(&v, 0x020, 0x07000000);
	assert_int_equal(rd(&v, 0x020), 0x07000000); /* xAPIC ID is writable */
}

static void vlapic_xapic_read_only_registers_ignore_writes(void **state)
{
	struct vlapic v;

	setup(&v, 1);
	sw_enable(&v);
	vlapic_accept(&v, 0x40, false, APIC_DM_FIXED);
	wr(&v, 0x030, 0);
	assert_int_equal(rd(&v, 0x030), 0x00050014);
	wr(&v, 0x0a0, 0xff);
	assert_int_equal(rd(&v, 0x0a0), 0);
	wr(&v, 0x200 + 0x20, 0);
	assert_true(irr_has(&v, 0x40));
	wr(&v, 0x100 + 0x20, 0xffffffff);
	assert_false(isr_has(&v, 0x40));
	wr(&v, 0x390, 1234);
	assert_int_equal(rd(&v, 0x390), 0);
}

static void vlapic_xapic_reserved_offsets_read_zero(void **state)
{
	static const u32 reserved[] = { 0x000, 0x010, 0x040, 0x070, 0x2f0,
					0x3a0, 0x3f0, 0x400, 0xff0, 0x024 };
	struct vlapic v;
	u32 val;

	setup(&v, 1);
	for (unsigned int i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		wr(&v, reserved[i], 0xffffffff);
		assert_int_equal(rd(&v, reserved[i]), 0);
	}
	assert_int_equal(rd(&v, 0x0b0), 0); /* EOI is write-only */
	assert_int_equal(rd(&v, 0x090), 0); /* APR is not modelled */
	assert_int_equal(vlapic_mmio_read(&v, 0, 0x021, &val), -SH_EINVAL);
	assert_int_equal(vlapic_mmio_read(&v, 0, 0x1000, &val), -SH_EINVAL);
	assert_int_equal(vlapic_mmio_write(&v, 0, 0x082, 0), -SH_EINVAL);
}

/* SDM 11.5.3: errors accumulate internally and show after an ESR write. */
static void vlapic_esr_shows_errors_after_a_write(void **state)
{
	struct vlapic v;

	setup(&v, 1);
	sw_enable(&v);
	assert_false(vlapic_accept(&v, 5, false, APIC_DM_FIXED));
	assert_int_equal(vlapic_pending_vector(&v), -1);
	assert_int_equal(rd(&v, 0x280), 0);
	wr(&v, 0x280, 0);
	assert_int_equal(rd(&v, 0x280), 0x40); /* received illegal vector */
	wr(&v, 0x300, 0x00000003);            /* fixed IPI, vector 3 */
	assert_int_equal(seen.nipi, 0);
	wr(&v, 0x280, 0);
	assert_int_equal(rd(&v, 0x280), 0x20); /* send illegal vector */
	wr(&v, 0x280, 0);
	assert_int_equal(rd(&v, 0x280), 0);
}

static void vlapic_error_raises_the_error_lvt(void **state)
{
	struct vlapic v;

	setup(&v, 1);
	sw_enable(&v);
	wr(&v, 0x370, 0xfe);
	vlapic_accept(&v, 2, false, APIC_DM_FIXED);
	assert_int_equal(vlapic_pending_vector(&v), 0xfe);
}

static void vlapic_software_disable_masks_lvts_and_drops_fixed(void **state)
{
	struct vlapic v;

	setup(&v, 1);
	wr(&v, 0x350, 0x700); /* ExtINT, unmask: refused while disabled */
	assert_int_equal(rd(&v, 0x350), 0x10700);
	sw_enable(&v);
	wr(&v, 0x350, 0x700);
	assert_int_equal(rd(&v, 0x350), 0x700);
	vlapic_accept(&v, 0x41, false, APIC_DM_FIXED);
	wr(&v, 0x0f0, 0xff);
	assert_int_equal(rd(&v, 0x350), 0x10700);
	assert_true(irr_has(&v, 0x41)); /* what was pending stays */
	assert_false(vlapic_accept(&v, 0x42, false, APIC_DM_FIXED));
	assert_false(irr_has(&v, 0x42));
	assert_true(vlapic_accept(&v, 0, false, APIC_DM_NMI));
	assert_int_equal(vlapic_take_events(&v, NULL), VLAPIC_EV_NMI);
}

/* ------------------------------------------------------ priority and EOI */

static void vlapic_tpr_blocks_its_own_and_lower_priority_classes(void **state)
{
	struct vlapic v;

	setup(&v, 1);
	sw_enable(&v);
	wr(&v, 0x080, 0x50);
	vlapic_accept(&v, 0x5f, false, APIC_DM_FIXED);
	assert_int_equal(rd(&v, 0x0a0), 0x50);
	assert_int_equal(vlapic_pending_vector(&v), -1);
	vlapic_accept(&v, 0x61, false, APIC_DM_FIXED);
	assert_int_equal(vlapic_pending_vector(&v), 0x61);
	wr(&v, 0x080, 0x6f);
	assert_int_equal(vlapic_pending_vector(&v), -1);
	wr(&v, 0x080, 0x00);
	assert_int_equal(vlapic_pending_vector(&v), 0x61);
	assert_int_equal(inject(&v), 0x61);
	assert_int_equal(inject(&v), -1); /* 0x5f is below the in-service class */
	assert_int_equal(rd(&v, 0x0a0), 0x60);
	/* PPR is TPR when TPR's class is at least the in-service class */
	wr(&v, 0x080, 0x65);
	assert_int_equal(rd(&v, 0x0a0), 0x65);
	wr(&v, 0x080, 0x5f);
	assert_int_equal(rd(&v, 0x0a0), 0x60);
}

static void vlapic_nested_interrupts_retire_highest_first(void **state)
{
	struct vlapic v;

	setup(&v, 1);
	sw_enable(&v);
	vlapic_accept(&v, 0x40, false, APIC_DM_FIXED);
	assert_int_equal(inject(&v), 0x40);
	vlapic_accept(&v, 0x30, false, APIC_DM_FIXED);
	vlapic_accept(&v, 0x45, false, APIC_DM_FIXED);
	assert_int_equal(vlapic_pending_vector(&v), -1); /* same class waits */
	vlapic_accept(&v, 0x80, false, APIC_DM_FIXED);
	assert_int_equal(inject(&v), 0x80); /* nests above 0x40 */
	assert_true(isr_has(&v, 0x40));
	assert_true(isr_has(&v, 0x80));
	assert_int_equal(rd(&v, 0x0a0), 0x80);

	wr(&v, 0x0b0, 0);
	assert_false(isr_has(&v, 0x80));
	assert_true(isr_has(&v, 0x40));
	assert_int_equal(vlapic_pending_vector(&v), -1);
	wr(&v, 0x0b0, 0);
	assert_false(isr_has(&v, 0x40));
	assert_int_equal(inject(&v), 0x45);
	wr(&v, 0x0b0, 0);
	assert_int_equal(inject(&v), 0x30);
	wr(&v, 0x0b0, 0);
	assert_int_equal(vlapic_pending_vector(&v), -1);
	wr(&v, 0x0b0, 0); /* EOI with nothing in service is harmless */
	assert_int_equal(seen.neoi, 0); /* all edge-triggered */
}

static void vlapic_level_triggered_eoi_calls_back_with_the_vector(void **state)
{
	struct vlapic v;

	setup(&v, 1);
	sw_enable(&v);
	vlapic_accept(&v, 0x71, true, APIC_DM_FIXED);
	assert_int_equal(rd(&v, 0x180 + 0x30), 1u << 17); /* TMR bit 0x71 */
	assert_int_equal(inject(&v), 0x71);
	wr(&v, 0x0b0, 0);
	assert_int_equal(seen.neoi, 1);
	assert_int_equal(seen.eoi[0], 0x71);

	vlapic_accept(&v, 0x71, false, APIC_DM_FIXED); /* now edge: TMR clear */
	assert_int_equal(rd(&v, 0x180 + 0x30), 0);
	assert_int_equal(inject(&v), 0x71);
	wr(&v, 0x0b0, 0);
	assert_int_equal(seen.neoi, 1);
}

static void vlapic_ack_of_a_vector_not_in_irr_changes_nothing(void **state)
{
	struct vlapic v;

	setup(&v, 1);
	sw_enable(&v);
	assert_false(vlapic_ack(&v, 0x50));
	assert_false(isr_has(&v, 0x50));
	assert_int_equal(rd(&v, 0x0a0), 0);
}

static void vlapic_accept_reports_nmi_init_sipi_as_events(void **state)
{
	struct vlapic v;
	u8 sipi = 0;

	setup(&v, 1);
	assert_true(vlapic_accept(&v, 0, false, APIC_DM_INIT));
	assert_true(vlapic_accept(&v, 0x9a, false, APIC_DM_SIPI));
	assert_true(vlapic_accept(&v, 0, false, APIC_DM_NMI));
	assert_false(vlapic_accept(&v, 0, false, APIC_DM_SMI));
	assert_int_equal(seen.notified, 3);
	assert_int_equal(vlapic_take_events(&v, &sipi),
			 VLAPIC_EV_INIT | VLAPIC_EV_SIPI | VLAPIC_EV_NMI);
	assert_int_equal(sipi, 0x9a);
	assert_int_equal(vlapic_take_events(&v, &sipi), 0);
	assert_int_equal(vlapic_pending_vector(&v), -1);
}

/* ------------------------------------------------------------------ IPIs */

static void vlapic_linux_init_sipi_sequence_sends_init_and_startup(void **state)
{
	struct vlapic v;

	setup(&v, 0);
	wr(&v, 0x310, 0x01000000);
	wr(&v, 0x300, 0x0000c500); /* INIT, level, assert */
	wr(&v, 0x300, 0x00008500); /* INIT level de-assert: not sent */
	wr(&v, 0x300, 0x00000608); /* STARTUP, vector 8 (0x8000) */
	assert_int_equal(seen.nipi, 2);
	assert_int_equal(seen.ipi[0].delivery_mode, APIC_DM_INIT);
	assert_int_equal(seen.ipi[0].dest, 1);
	assert_int_equal(seen.ipi[0].dest_mode, APIC_DEST_PHYSICAL);
	assert_int_equal(seen.ipi[0].shorthand, APIC_SH_NONE);
	assert_true(seen.ipi[0].level);
	assert_true(seen.ipi[0].trigger_level);
	assert_false(seen.ipi[0].x2apic);
	assert_int_equal(seen.ipi[1].delivery_mode, APIC_DM_SIPI);
	assert_int_equal(seen.ipi[1].vector, 8);
	assert_int_equal(seen.ipi[1].dest, 1);
	assert_int_equal(rd(&v, 0x300) & 0x1000, 0); /* delivery status idle */
}

static void vlapic_test_kernel_init_sipi_encoding_is_sent(void **state)
{
	struct vlapic v;

	setup(&v, 0);
	wr(&v, 0x310, 0x02000000);
	wr(&v, 0x300, 0x00004500);
	wr(&v, 0x300, 0x00004610);
	assert_int_equal(seen.nipi, 2);
	assert_int_equal(seen.ipi[0].delivery_mode, APIC_DM_INIT);
	assert_true(seen.ipi[0].level);
	assert_false(seen.ipi[0].trigger_level);
	assert_int_equal(seen.ipi[1].delivery_mode, APIC_DM_SIPI);
	assert_int_equal(seen.ipi[1].vector, 0x10);
	assert_int_equal(seen.ipi[1].dest, 2);
	assert_int_equal(rd(&v, 0x300), 0x4610);
}

static void vlapic_icr_encodes_every_shorthand_and_mode(void **state)
{
	static const struct {
		u32 icr;
		u8 dm, dest_mode, shorthand;
	} cases[] = {
		{ 0x00040031, APIC_DM_FIXED, APIC_DEST_PHYSICAL, APIC_SH_SELF },
		{ 0x00080032, APIC_DM_FIXED, APIC_DEST_PHYSICAL, APIC_SH_ALL },
		{ 0x000c0033, APIC_DM_FIXED, APIC_DEST_PHYSICAL, APIC_SH_ALL_BUT_SELF },
		{ 0x00000834, APIC_DM_FIXED, APIC_DEST_LOGICAL, APIC_SH_NONE },
		{ 0x00000935, APIC_DM_LOWEST, APIC_DEST_LOGICAL, APIC_SH_NONE },
		{ 0x000c0400, APIC_DM_NMI, APIC_DEST_PHYSICAL, APIC_SH_ALL_BUT_SELF },
		{ 0x000c4500, APIC_DM_INIT, APIC_DEST_PHYSICAL, APIC_SH_ALL_BUT_SELF },
		{ 0x000c0699, APIC_DM_SIPI, APIC_DEST_PHYSICAL, APIC_SH_ALL_BUT_SELF },
	};
	struct vlapic v;

	setup(&v, 0);
	wr(&v, 0x310, 0x0f000000);
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		seen.nipi = 0;
		wr(&v, 0x300, cases[i].icr);
		assert_int_equal(seen.nipi, 1);
		assert_int_equal(seen.ipi[0].vector, cases[i].icr & 0xff);
		assert_int_equal(seen.ipi[0].delivery_mode, cases[i].dm);
		assert_int_equal(seen.ipi[0].dest_mode, cases[i].dest_mode);
		assert_int_equal(seen.ipi[0].shorthand, cases[i].shorthand);
		assert_int_equal(seen.ipi[0].dest, 0x0f);
	}
}

static void vlapic_icr_drops_invalid_combinations(void **state)
{
	struct vlapic v;

	setup(&v, 0);
	wr(&v, 0x300, 0x00040400); /* NMI to self */
	wr(&v, 0x300, 0x00040500); /* INIT to self */
	wr(&v, 0x300, 0x00000200); /* SMI */
	wr(&v, 0x300, 0x00000700); /* ExtINT */
	wr(&v, 0x300, 0x0000000f); /* fixed, illegal vector */
	assert_int_equal(seen.nipi, 0);
}

static void vlapic_x2apic_icr_is_one_64bit_msr(void **state)
{
	struct vlapic v;

	setup(&v, 0);
	to_x2apic(&v);
	assert_int_equal(wrmsr(&v, 0x830, (0x12345ULL << 32) | 0x4500), 0);
	assert_int_equal(seen.nipi, 1);
	assert_int_equal(seen.ipi[0].dest, 0x12345);
	assert_true(seen.ipi[0].x2apic);
	assert_int_equal(seen.ipi[0].delivery_mode, APIC_DM_INIT);
	assert_int_equal(rdmsr(&v, 0x830), (0x12345ULL << 32) | 0x4500);
	assert_int_equal(rdmsr_rc(&v, 0x831), -SH_EINVAL);
	assert_int_equal(wrmsr(&v, 0x831, 0), -SH_EINVAL);
	assert_int_equal(wrmsr(&v, 0x830, 0x1000 | 0x40), -SH_EINVAL); /* bit 12 */
	assert_int_equal(wrmsr(&v, 0x830, 0x2000 | 0x40), -SH_EINVAL); /* bit 13 */
	assert_int_equal(wrmsr(&v, 0x830, 0x100000 | 0x40), -SH_EINVAL);
	assert_int_equal(seen.nipi, 1);
	assert_int_equal(wrmsr(&v, 0x830, (0xffffffffULL << 32) | 0xc0040), 0);
	assert_int_equal(seen.ipi[1].shorthand, APIC_SH_ALL_BUT_SELF);
}

static void vlapic_x2apic_self_ipi_msr_targets_self(void **state)
{
	struct vlapic v;

	setup(&v, 7);
	to_x2apic(&v);
	assert_int_equal(wrmsr(&v, 0x83f, 0x31), 0);
	assert_int_equal(seen.nipi, 1);
	assert_int_equal(seen.ipi[0].shorthand, APIC_SH_SELF);
	assert_int_equal(seen.ipi[0].vector, 0x31);
	assert_int_equal(seen.ipi[0].delivery_mode, APIC_DM_FIXED);
	assert_int_equal(rdmsr_rc(&v, 0x83f), -SH_EINVAL); /* write-only */
	assert_int_equal(wrmsr(&v, 0x83f, 0x131), -SH_EINVAL);
	assert_int_equal(seen.nipi, 1);
}

static void vlapic_ipi_shorthand_selects_targets(void **state)
{
	struct vlapic a, b;
	struct apic_ipi ipi = { .vector = 0x40, .dest = 1 };

	setup(&a, 0);
	setup(&b, 1);
	ipi.shorthand = APIC_SH_SELF;
	assert_true(vlapic_ipi_matches(&a, &ipi, true));
	assert_false(vlapic_ipi_matches(&b, &ipi, false));
	ipi.shorthand = APIC_SH_ALL;
	assert_true(vlapic_ipi_matches(&a, &ipi, true));
	assert_true(vlapic_ipi_matches(&b, &ipi, false));
	ipi.shorthand = APIC_SH_ALL_BUT_SELF;
	assert_false(vlapic_ipi_matches(&a, &ipi, true));
	assert_true(vlapic_ipi_matches(&b, &ipi, false));
	ipi.shorthand = APIC_SH_NONE;
	assert_false(vlapic_ipi_matches(&a, &ipi, true));
	assert_true(vlapic_ipi_matches(&b, &ipi, false));
}

static void vlapic_received_ipis_are_edge_triggered(void **state)
{
	struct vlapic v;
	struct apic_ipi ipi = { .vector = 0x60, .trigger_level = true,
				.level = true };

	setup(&v, 1);
	sw_enable(&v);
	vlapic_receive_ipi(&v, &ipi);
	assert_int_equal(rd(&v, 0x180 + 0x30), 0); /* TMR clear */
	assert_int_equal(inject(&v), 0x60);
	wr(&v, 0x0b0, 0);
	assert_int_equal(seen.neoi, 0);
}

/* --------------------------------------------------- destination matching */

static void vlapic_physical_destination_matches_id_and_broadcast(void **state)
{
	struct vlapic v;

	setup(&v, 3);
	assert_true(vlapic_matches_dest(&v, 3, APIC_DEST_PHYSICAL, false));
	assert_false(vlapic_matches_dest(&v, 4, APIC_DEST_PHYSICAL, false));
	assert_true(vlapic_matches_dest(&v, 0xff, APIC_DEST_PHYSICAL, false));
	assert_true(vlapic_matches_dest(&v, 0xffffffff, APIC_DEST_PHYSICAL, true));
	to_x2apic(&v);
	assert_true(vlapic_matches_dest(&v, 3, APIC_DEST_PHYSICAL, true));
	assert_false(vlapic_matches_dest(&v, 0x103, APIC_DEST_PHYSICAL, true));
	assert_true(vlapic_matches_dest(&v, 0xff, APIC_DEST_PHYSICAL, false));
	assert_int_equal(wrmsr(&v, BASE_MSR, 0xfee00000), 0);
	assert_false(vlapic_matches_dest(&v, 3, APIC_DEST_PHYSICAL, false));
	assert_false(vlapic_matches_dest(&v, 0xff, APIC_DEST_PHYSICAL, false));
}

static void vlapic_logical_flat_destination_ands_ldr_bits(void **state)
{
	struct vlapic v;

	setup(&v, 2);
	wr(&v, 0x0d0, 0x04000000); /* Linux flat: 1 << cpu */
	assert_true(vlapic_matches_dest(&v, 0x04, APIC_DEST_LOGICAL, false));
	assert_true(vlapic_matches_dest(&v, 0x0e, APIC_DEST_LOGICAL, false));
	assert_false(vlapic_matches_dest(&v, 0x02, APIC_DEST_LOGICAL, false));
	assert_false(vlapic_matches_dest(&v, 0x00, APIC_DEST_LOGICAL, false));
	assert_true(vlapic_matches_dest(&v, 0xff, APIC_DEST_LOGICAL, false));
}

static void vlapic_logical_cluster_destination_matches_cluster_and_member(void **state)
{
	struct vlapic v;

	setup(&v, 2);
	wr(&v, 0x0e0, 0x0fffffff); /* cluster model */
	wr(&v, 0x0d0, 0x21000000); /* cluster 2, member bit 0 */
	assert_true(vlapic_matches_dest(&v, 0x21, APIC_DEST_LOGICAL, false));
	assert_true(vlapic_matches_dest(&v, 0x2f, APIC_DEST_LOGICAL, false));
	assert_false(vlapic_matches_dest(&v, 0x22, APIC_DEST_LOGICAL, false));
	assert_false(vlapic_matches_dest(&v, 0x31, APIC_DEST_LOGICAL, false));
	assert_true(vlapic_matches_dest(&v, 0xff, APIC_DEST_LOGICAL, false));
	/* the same LDR in the flat model is bit 5 | bit 0 */
	wr(&v, 0x0e0, 0xffffffff);
	assert_true(vlapic_matches_dest(&v, 0x20, APIC_DEST_LOGICAL, false));
}

static void vlapic_x2apic_logical_destination_uses_the_derived_ldr(void **state)
{
	struct vlapic v;

	setup(&v, 0x13);
	to_x2apic(&v);
	assert_int_equal(rdmsr(&v, 0x80d), 0x00010008); /* cluster 1, bit 3 */
	assert_true(vlapic_matches_dest(&v, 0x0001000c, APIC_DEST_LOGICAL, true));
	assert_false(vlapic_matches_dest(&v, 0x00020008, APIC_DEST_LOGICAL, true));
	assert_false(vlapic_matches_dest(&v, 0x00010004, APIC_DEST_LOGICAL, true));
	assert_true(vlapic_matches_dest(&v, 0xffffffff, APIC_DEST_LOGICAL, true));
	assert_false(vlapic_matches_dest(&v, 0x08, APIC_DEST_LOGICAL, false));
	assert_true(vlapic_matches_dest(&v, 0xff, APIC_DEST_LOGICAL, false));
}

/* ------------------------------------------------------------- x2APIC */

static void vlapic_x2apic_msrs_fault_outside_x2apic_mode(void **state)
{
	struct vlapic v;

	setup(&v, 1);
	assert_int_equal(rdmsr_rc(&v, 0x808), -SH_EINVAL);
	assert_int_equal(wrmsr(&v, 0x808, 0), -SH_EINVAL);
	assert_int_equal(rdmsr_rc(&v, 0x802), -SH_EINVAL);
}

static void vlapic_x2apic_registers_read_through_msrs(void **state)
{
	struct vlapic v;
	u32 val;

	setup(&v, 0x123);
	assert_int_equal(rd(&v, 0x020), 0x23u << 24); /* xAPIC: ID[7:0] */
	to_x2apic(&v);
	assert_int_equal(vlapic_mmio_read(&v, 0, 0x020, &val), -SH_EOPNOTSUPP);
	assert_int_equal(rdmsr(&v, 0x802), 0x123);
	assert_int_equal(rdmsr(&v, 0x803), 0x00050014);
	assert_int_equal(rdmsr(&v, 0x80d), (0x12u << 16) | (1u << 3));
	assert_int_equal(wrmsr(&v, 0x808, 0x20), 0);
	assert_int_equal(rdmsr(&v, 0x808), 0x20);
	assert_int_equal(wrmsr(&v, 0x80f, 0x1ff), 0);
	assert_int_equal(rdmsr(&v, 0x80f), 0x1ff);
	assert_true(vlapic_accept(&v, 0x91, true, APIC_DM_FIXED));
	assert_int_equal(rdmsr(&v, 0x824), 1u << 17); /* IRR 0x91 */
	assert_int_equal(rdmsr(&v, 0x81c), 1u << 17); /* TMR 0x91 */
	assert_int_equal(inject(&v), 0x91);
	assert_int_equal(rdmsr(&v, 0x814), 1u << 17); /* ISR 0x91 */
	assert_int_equal(rdmsr(&v, 0x80a), 0x90);      /* PPR */
	assert_int_equal(wrmsr(&v, 0x80b, 0), 0);      /* EOI */
	assert_int_equal(rdmsr(&v, 0x814), 0);
	assert_int_equal(seen.eoi[0], 0x91);
}

static void vlapic_x2apic_gp_cases_fault(void **state)
{
	struct vlapic v;

	setup(&v, 5);
	to_x2apic(&v);
	/* read-only registers */
	assert_int_equal(wrmsr(&v, 0x802, 5), -SH_EINVAL);
	assert_int_equal(wrmsr(&v, 0x803, 0), -SH_EINVAL);
	assert_int_equal(wrmsr(&v, 0x80a, 0), -SH_EINVAL);
	assert_int_equal(wrmsr(&v, 0x80d, 0), -SH_EINVAL);
	assert_int_equal(wrmsr(&v, 0x810, 0), -SH_EINVAL);
	assert_int_equal(wrmsr(&v, 0x820, 0), -SH_EINVAL);
	assert_int_equal(wrmsr(&v, 0x839, 0), -SH_EINVAL);
	/* reserved MSRs: APR, RRD, DFR, CMCI (no max LVT 6), ICR high */
	static const u32 rsvd[] = { 0x800, 0x801, 0x809, 0x80c, 0x80e, 0x82f,
				    0x831, 0x83a, 0x840, 0x8ff };
	for (unsigned int i = 0; i < sizeof(rsvd) / sizeof(rsvd[0]); i++) {
		assert_int_equal(rdmsr_rc(&v, rsvd[i]), -SH_EINVAL);
		assert_int_equal(wrmsr(&v, rsvd[i], 0), -SH_EINVAL);
	}
	/* write-only registers */
	assert_int_equal(rdmsr_rc(&v, 0x80b), -SH_EINVAL);
	/* non-zero reserved bits */
	assert_int_equal(wrmsr(&v, 0x80b, 1), -SH_EINVAL);
	assert_int_equal(wrmsr(&v, 0x828, 1), -SH_EINVAL);
	assert_int_equal(wrmsr(&v, 0x808, 0x100), -SH_EINVAL);
	assert_int_equal(wrmsr(&v, 0x808, 1ULL << 32), -SH_EINVAL);
	assert_int_equal(wrmsr(&v, 0x80f, 0x11ff), -SH_EINVAL);
	assert_int_equal(wrmsr(&v, 0x83e, 0x4), -SH_EINVAL);
	assert_int_equal(wrmsr(&v, 0x832, 0x60020), -SH_EINVAL); /* mode 11b */
	assert_int_equal(wrmsr(&v, 0x832, 0x80020), -SH_EINVAL);
	assert_int_equal(wrmsr(&v, 0x837, 0x10700), -SH_EINVAL); /* error: no mode */
	/* legal writes of the same registers */
	assert_int_equal(wrmsr(&v, 0x828, 0), 0);
	assert_int_equal(wrmsr(&v, 0x83e, 0xb), 0);
	assert_int_equal(wrmsr(&v, 0x832, 0x400ef), 0); /* TSC-deadline */
	assert_int_equal(wrmsr(&v, 0x835, 0x1a7ff | 0x1000 | 0x4000), 0);
}

static void vlapic_apic_base_follows_the_legal_transitions(void **state)
{
	struct vlapic v;
	u32 val;

	setup(&v, 0);
	/* xAPIC -> x2APIC -> xAPIC is refused, x2APIC -> disabled works */
	to_x2apic(&v);
	assert_int_equal(wrmsr(&v, BASE_MSR, 0xfee00000 | APIC_BASE_EN),
			 -SH_EINVAL);
	assert_true(vlapic_x2apic_mode(&v));
	assert_int_equal(wrmsr(&v, BASE_MSR, 0xfee00000), 0);
	assert_false(vlapic_hw_enabled(&v));
	assert_int_equal(vlapic_mmio_read(&v, 0, 0x30, &val), -SH_EOPNOTSUPP);
	/* disabled -> x2APIC is refused, disabled -> xAPIC works */
	assert_int_equal(wrmsr(&v, BASE_MSR, 0xfee00000 | APIC_BASE_EN |
						   APIC_BASE_EXTD),
			 -SH_EINVAL);
	assert_int_equal(wrmsr(&v, BASE_MSR, 0xfee00000 | APIC_BASE_EN), 0);
	assert_true(vlapic_mmio_enabled(&v));
	/* EXTD without EN; reserved bits 9 and above MAXPHYADDR (40) */
	assert_int_equal(wrmsr(&v, BASE_MSR, 0xfee00000 | APIC_BASE_EXTD),
			 -SH_EINVAL);
	assert_int_equal(wrmsr(&v, BASE_MSR, 0xfee00000 | 0x800 | 0x200),
			 -SH_EINVAL);
	assert_int_equal(wrmsr(&v, BASE_MSR, (1ULL << 40) | 0xfee00800),
			 -SH_EINVAL);
	/* the BSP bit ignores writes; the base can move */
	assert_int_equal(wrmsr(&v, BASE_MSR, 0xfed00000 | APIC_BASE_EN), 0);
	assert_int_equal(rdmsr(&v, BASE_MSR), 0xfed00000 | 0x800 | 0x100);
	assert_int_equal(vlapic_mmio_base(&v), 0xfed00000);
}

static void vlapic_apic_base_refuses_x2apic_when_not_offered(void **state)
{
	struct vlapic v;
	struct vlapic_config cfg = { .apic_id = 1 };

	setup_cfg(&v, &cfg);
	assert_int_equal(wrmsr(&v, BASE_MSR, 0xfee00000 | APIC_BASE_EN |
						   APIC_BASE_EXTD),
			 -SH_EINVAL);
	assert_false(vlapic_x2apic_mode(&v));
}

static void vlapic_disabling_the_apic_resets_its_registers(void **state)
{
	struct vlapic v;

	setup(&v, 2);
	sw_enable(&v);
	wr(&v, 0x080, 0x30);
	wr(&v, 0x020, 0x09000000);
	vlapic_accept(&v, 0x50, false, APIC_DM_FIXED);
	assert_int_equal(wrmsr(&v, BASE_MSR, 0xfee00000), 0);
	assert_int_equal(vlapic_pending_vector(&v), -1);
	assert_int_equal(wrmsr(&v, BASE_MSR, 0xfee00000 | APIC_BASE_EN), 0);
	assert_int_equal(rd(&v, 0x080), 0);
	assert_int_equal(rd(&v, 0x0f0), 0xff);
	assert_int_equal(rd(&v, 0x020), 2u << 24);
	assert_false(irr_has(&v, 0x50));
}

static void vlapic_init_reset_keeps_id_and_base(void **state)
{
	struct vlapic v;

	setup(&v, 4);
	sw_enable(&v);
	wr(&v, 0x020, 0x0a000000);
	wr(&v, 0x0d0, 0x01000000);
	wr(&v, 0x350, 0x700);
	wr(&v, 0x380, 1000);
	vlapic_accept(&v, 0x50, false, APIC_DM_FIXED);
	vlapic_reset(&v);
	assert_int_equal(rd(&v, 0x020), 0x0a000000);
	assert_int_equal(rdmsr(&v, BASE_MSR), 0xfee00800);
	assert_int_equal(rd(&v, 0x0f0), 0xff);
	assert_int_equal(rd(&v, 0x0d0), 0);
	assert_int_equal(rd(&v, 0x350), 0x10000);
	assert_int_equal(rd(&v, 0x380), 0);
	assert_int_equal(vlapic_next_event_ns(&v, 0), NO_EVENT);
	assert_false(irr_has(&v, 0x50));

	to_x2apic(&v); /* INIT keeps x2APIC mode, ID and derived LDR */
	vlapic_reset(&v);
	assert_true(vlapic_x2apic_mode(&v));
	assert_int_equal(rdmsr(&v, 0x802), 4);
	assert_int_equal(rdmsr(&v, 0x80d), 1u << 4);
}

/* -------------------------------------------------------------- LVT LINT */

static void vlapic_virtual_wire_passes_lint0_extint_and_lint1_nmi(void **state)
{
	struct vlapic v;
	struct vlapic_config cfg = { .apic_id = 0, .virtual_wire = true };

	setup_cfg(&v, &cfg);
	assert_int_equal(rd(&v, 0x0f0) & 0x100, 0x100);
	vlapic_raise_lvt(&v, VLAPIC_LVT_LINT0);
	vlapic_raise_lvt(&v, VLAPIC_LVT_LINT1);
	assert_int_equal(vlapic_take_events(&v, NULL),
			 VLAPIC_EV_EXTINT | VLAPIC_EV_NMI);
	wr(&v, 0x350, 0x10700); /* Linux masks LINT0 once the IOAPIC runs */
	vlapic_raise_lvt(&v, VLAPIC_LVT_LINT0);
	assert_int_equal(vlapic_take_events(&v, NULL), 0);
	wr(&v, 0x350, 0x55); /* fixed */
	vlapic_raise_lvt(&v, VLAPIC_LVT_LINT0);
	assert_int_equal(vlapic_pending_vector(&v), 0x55);
	/* globally disabled: LINT1 is the NMI pin itself */
	assert_int_equal(wrmsr(&v, BASE_MSR, 0xfee00000), 0);
	vlapic_raise_lvt(&v, VLAPIC_LVT_LINT1);
	assert_int_equal(vlapic_take_events(&v, NULL), VLAPIC_EV_NMI);
}

/* ----------------------------------------------------------------- timer */

static void vlapic_one_shot_timer_counts_down_and_fires_once(void **state)
{
	struct vlapic v;

	setup(&v, 1);
	sw_enable(&v);
	wr(&v, 0x3e0, 0xb);        /* divide by 1: one count per ns */
	wr(&v, 0x320, 0x20);       /* one-shot, vector 0x20 */
	wr_at(&v, 100, 0x380, 1000);
	assert_int_equal(rd_at(&v, 350, 0x390), 750);
	assert_int_equal(vlapic_next_event_ns(&v, 350), 1100);
	vlapic_tick(&v, 1099);
	assert_int_equal(vlapic_pending_vector(&v), -1);
	vlapic_tick(&v, 1100);
	assert_int_equal(inject(&v), 0x20);
	wr_at(&v, 1100, 0x0b0, 0);
	assert_int_equal(rd_at(&v, 1200, 0x390), 0);
	assert_int_equal(rd_at(&v, 1200, 0x380), 1000);
	assert_int_equal(vlapic_next_event_ns(&v, 1200), NO_EVENT);
	vlapic_tick(&v, 5000);
	assert_int_equal(vlapic_pending_vector(&v), -1);
	/* writing the initial count again re-arms; 0 stops */
	wr_at(&v, 6000, 0x380, 10);
	assert_int_equal(vlapic_next_event_ns(&v, 6000), 6010);
	wr_at(&v, 6005, 0x380, 0);
	assert_int_equal(vlapic_next_event_ns(&v, 6005), NO_EVENT);
	assert_int_equal(rd_at(&v, 6005, 0x390), 0);
}

static void vlapic_timer_divide_values_scale_the_count_rate(void **state)
{
	static const struct {
		u32 tdcr, div;
	} cases[] = { { 0x0, 2 },  { 0x1, 4 },  { 0x2, 8 },   { 0x3, 16 },
		      { 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 }, { 0xb, 1 } };
	struct vlapic v;

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setup(&v, 1);
		sw_enable(&v);
		wr(&v, 0x3e0, cases[i].tdcr);
		wr(&v, 0x320, 0x20);
		wr_at(&v, 0, 0x380, 100);
		assert_int_equal(rd_at(&v, 10 * cases[i].div, 0x390), 90);
		assert_int_equal(rd_at(&v, 10 * cases[i].div - 1, 0x390), 91);
		assert_int_equal(vlapic_next_event_ns(&v, 0), 100 * cases[i].div);
	}
}

static void vlapic_divide_change_keeps_the_current_count(void **state)
{
	struct vlapic v;

	setup(&v, 1);
	sw_enable(&v);
	wr(&v, 0x3e0, 0xb);
	wr(&v, 0x320, 0x20);
	wr_at(&v, 0, 0x380, 100);
	wr_at(&v, 40, 0x3e0, 0x0); /* 60 counts left, now at 2 ns each */
	assert_int_equal(rd_at(&v, 40, 0x390), 60);
	assert_int_equal(rd_at(&v, 60, 0x390), 50);
	assert_int_equal(vlapic_next_event_ns(&v, 60), 160);
}

/* Expiry k of a periodic timer started at t0: ceil((k + 1) * count * div
 * * 1e9 / bus_hz) ns after t0, computed independently in 128 bits. */
static u64 grid(u64 t0, u64 k, u64 count, u64 div, u64 bus_hz)
{
	unsigned __int128 cyc = (unsigned __int128)(k + 1) * count * div;

	return t0 + (u64)((cyc * 1000000000u + bus_hz - 1) / bus_hz);
}

static void vlapic_periodic_timer_stays_on_its_grid_without_drift(void **state)
{
	/* An odd bus rate makes a period a fraction of a ns (69840.28...). */
	const u64 bus = 14318180, count = 1000, t0 = 12345;
	struct vlapic_config cfg = { .apic_id = 1, .bus_hz = bus };
	struct vlapic v;
	unsigned int fired = 0;
	u64 now = t0;

	setup_cfg(&v, &cfg);
	sw_enable(&v);
	wr(&v, 0x3e0, 0xb);
	wr(&v, 0x320, 0x20030); /* periodic, vector 0x30 */
	wr_at(&v, t0, 0x380, count);
	for (u64 k = 0; k < 20000; k++) {
		u64 due = grid(t0, k, count, 1, bus);

		assert_int_equal(vlapic_next_event_ns(&v, now), due);
		vlapic_tick(&v, due - 1);
		assert_int_equal(vlapic_pending_vector(&v), -1);
		now = due + (k * 7919) % 30000; /* late by up to 30 us */
		vlapic_tick(&v, now);
		if (inject(&v) == 0x30) {
			fired++;
			wr_at(&v, now, 0x0b0, 0);
		}
	}
	assert_int_equal(fired, 20000);
	/* the current count agrees with the same grid */
	assert_int_equal(rd_at(&v, grid(t0, 20000, count, 1, bus), 0x390), count);
}

static void vlapic_periodic_timer_coalesces_missed_periods(void **state)
{
	struct vlapic v;

	setup(&v, 1);
	sw_enable(&v);
	wr(&v, 0x3e0, 0xb);
	wr(&v, 0x320, 0x20040);
	wr_at(&v, 0, 0x380, 100);
	vlapic_tick(&v, 1050); /* ten periods due */
	assert_int_equal(inject(&v), 0x40);
	wr_at(&v, 1050, 0x0b0, 0);
	assert_int_equal(vlapic_pending_vector(&v), -1);
	assert_int_equal(vlapic_next_event_ns(&v, 1050), 1100);
	assert_int_equal(rd_at(&v, 1050, 0x390), 50);
	vlapic_tick(&v, 1100);
	assert_int_equal(inject(&v), 0x40);
}

static void vlapic_masked_timer_counts_but_does_not_fire(void **state)
{
	struct vlapic v;

	setup(&v, 1);
	sw_enable(&v);
	wr(&v, 0x3e0, 0xb);
	wr(&v, 0x320, 0x30020); /* periodic, masked */
	wr_at(&v, 0, 0x380, 100);
	assert_int_equal(vlapic_next_event_ns(&v, 0), NO_EVENT);
	assert_int_equal(rd_at(&v, 30, 0x390), 70);
	vlapic_tick(&v, 250);
	assert_int_equal(vlapic_pending_vector(&v), -1);
	/* unmasking at 250 does not deliver the periods that passed masked */
	wr_at(&v, 250, 0x320, 0x20020);
	assert_int_equal(vlapic_pending_vector(&v), -1);
	assert_int_equal(vlapic_next_event_ns(&v, 250), 300);
	vlapic_tick(&v, 300);
	assert_int_equal(vlapic_pending_vector(&v), 0x20);
}

static void vlapic_tsc_deadline_timer_fires_at_the_deadline(void **state)
{
	struct vlapic v;

	setup(&v, 1); /* TSC at 2 GHz */
	sw_enable(&v);
	vlapic_tsc_deadline_write(&v, 0, 0, 1000); /* ignored: one-shot mode */
	assert_int_equal(vlapic_tsc_deadline_read(&v, 0), 0);
	wr(&v, 0x320, 0x400ef);
	wr_at(&v, 0, 0x380, 500); /* ignored in TSC-deadline mode */
	assert_int_equal(rd(&v, 0x380), 0);
	assert_int_equal(rd(&v, 0x390), 0);

	vlapic_tsc_deadline_write(&v, 1000, 5000, 5000 + 2001);
	assert_int_equal(vlapic_tsc_deadline_read(&v, 1000), 7001);
	assert_int_equal(vlapic_next_event_ns(&v, 1000), 1000 + 1001);
	vlapic_tick(&v, 2000);
	assert_int_equal(vlapic_pending_vector(&v), -1);
	vlapic_tick(&v, 2001);
	assert_int_equal(inject(&v), 0xef);
	assert_int_equal(vlapic_tsc_deadline_read(&v, 2001), 0);
	assert_int_equal(vlapic_next_event_ns(&v, 2001), NO_EVENT);
	wr_at(&v, 2001, 0x0b0, 0);

	/* a deadline already passed fires at once; 0 disarms */
	vlapic_tsc_deadline_write(&v, 3000, 9000, 8000);
	assert_int_equal(inject(&v), 0xef);
	wr_at(&v, 3000, 0x0b0, 0);
	vlapic_tsc_deadline_write(&v, 3000, 9000, 20000);
	vlapic_tsc_deadline_write(&v, 3000, 9000, 0);
	assert_int_equal(vlapic_next_event_ns(&v, 3000), NO_EVENT);
	vlapic_tick(&v, 100000);
	assert_int_equal(vlapic_pending_vector(&v), -1);
}

static void vlapic_leaving_tsc_deadline_mode_disarms_the_timer(void **state)
{
	struct vlapic v;

	setup(&v, 1);
	sw_enable(&v);
	wr(&v, 0x320, 0x400ef);
	vlapic_tsc_deadline_write(&v, 0, 0, 1000);
	wr(&v, 0x320, 0x000ef); /* back to one-shot */
	assert_int_equal(vlapic_next_event_ns(&v, 0), NO_EVENT);
	wr(&v, 0x320, 0x400ef);
	assert_int_equal(vlapic_tsc_deadline_read(&v, 0), 0);
	/* and entering it stops a one-shot count */
	wr(&v, 0x320, 0x000ef);
	wr(&v, 0x380, 1000);
	wr(&v, 0x320, 0x400ef);
	assert_int_equal(vlapic_next_event_ns(&v, 0), NO_EVENT);
	assert_int_equal(rd(&v, 0x380), 0);
}

static void vlapic_x2apic_timer_registers_work_through_msrs(void **state)
{
	struct vlapic v;
	u64 val;

	setup(&v, 1);
	to_x2apic(&v);
	assert_int_equal(wrmsr(&v, 0x80f, 0x1ff), 0);
	assert_int_equal(wrmsr(&v, 0x83e, 0x3), 0);   /* divide by 16 */
	assert_int_equal(wrmsr(&v, 0x832, 0x20), 0);
	assert_int_equal(wrmsr(&v, 0x838, 1000), 0);
	assert_int_equal(vlapic_msr_read(&v, 1600, 0x839, &val), 0);
	assert_int_equal(val, 900);
	assert_int_equal(vlapic_next_event_ns(&v, 1600), 16000);
	assert_int_equal(vlapic_msr_read(&v, 16000, 0x839, &val), 0);
	assert_int_equal(val, 0);
	assert_int_equal(vlapic_pending_vector(&v), 0x20); /* the read ticked */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vlapic_power_on_state_matches_the_sdm),
		cmocka_unit_test(vlapic_xapic_writes_keep_only_writable_bits),
		cmocka_unit_test(vlapic_xapic_read_only_registers_ignore_writes),
		cmocka_unit_test(vlapic_xapic_reserved_offsets_read_zero),
		cmocka_unit_test(vlapic_esr_shows_errors_after_a_write),
		cmocka_unit_test(vlapic_error_raises_the_error_lvt),
		cmocka_unit_test(vlapic_software_disable_masks_lvts_and_drops_fixed),
		cmocka_unit_test(vlapic_tpr_blocks_its_own_and_lower_priority_classes),
		cmocka_unit_test(vlapic_nested_interrupts_retire_highest_first),
		cmocka_unit_test(vlapic_level_triggered_eoi_calls_back_with_the_vector),
		cmocka_unit_test(vlapic_ack_of_a_vector_not_in_irr_changes_nothing),
		cmocka_unit_test(vlapic_accept_reports_nmi_init_sipi_as_events),
		cmocka_unit_test(vlapic_linux_init_sipi_sequence_sends_init_and_startup),
		cmocka_unit_test(vlapic_test_kernel_init_sipi_encoding_is_sent),
		cmocka_unit_test(vlapic_icr_encodes_every_shorthand_and_mode),
		cmocka_unit_test(vlapic_icr_drops_invalid_combinations),
		cmocka_unit_test(vlapic_x2apic_icr_is_one_64bit_msr),
		cmocka_unit_test(vlapic_x2apic_self_ipi_msr_targets_self),
		cmocka_unit_test(vlapic_ipi_shorthand_selects_targets),
		cmocka_unit_test(vlapic_received_ipis_are_edge_triggered),
		cmocka_unit_test(vlapic_physical_destination_matches_id_and_broadcast),
		cmocka_unit_test(vlapic_logical_flat_destination_ands_ldr_bits),
		cmocka_unit_test(vlapic_logical_cluster_destination_matches_cluster_and_member),
		cmocka_unit_test(vlapic_x2apic_logical_destination_uses_the_derived_ldr),
		cmocka_unit_test(vlapic_x2apic_msrs_fault_outside_x2apic_mode),
		cmocka_unit_test(vlapic_x2apic_registers_read_through_msrs),
		cmocka_unit_test(vlapic_x2apic_gp_cases_fault),
		cmocka_unit_test(vlapic_apic_base_follows_the_legal_transitions),
		cmocka_unit_test(vlapic_apic_base_refuses_x2apic_when_not_offered),
		cmocka_unit_test(vlapic_disabling_the_apic_resets_its_registers),
		cmocka_unit_test(vlapic_init_reset_keeps_id_and_base),
		cmocka_unit_test(vlapic_virtual_wire_passes_lint0_extint_and_lint1_nmi),
		cmocka_unit_test(vlapic_one_shot_timer_counts_down_and_fires_once),
		cmocka_unit_test(vlapic_timer_divide_values_scale_the_count_rate),
		cmocka_unit_test(vlapic_divide_change_keeps_the_current_count),
		cmocka_unit_test(vlapic_periodic_timer_stays_on_its_grid_without_drift),
		cmocka_unit_test(vlapic_periodic_timer_coalesces_missed_periods),
		cmocka_unit_test(vlapic_masked_timer_counts_but_does_not_fire),
		cmocka_unit_test(vlapic_tsc_deadline_timer_fires_at_the_deadline),
		cmocka_unit_test(vlapic_leaving_tsc_deadline_mode_disarms_the_timer),
		cmocka_unit_test(vlapic_x2apic_timer_registers_work_through_msrs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
