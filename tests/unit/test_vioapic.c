/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the virtual I/O APIC (hypervisor/dev/vioapic.c): the
 * register window, redirection entries programmed as Linux's io_apic.c
 * does, edge and level inputs, Remote IRR and EOI, masking and polarity,
 * and one level interrupt carried through a virtual local APIC and back.
 * Expected values: Intel 82093AA data sheet section 3. Runs: host unit tests.
 */
#include <string.h>

#include "support.h"

#include <shale/vioapic.h>
#include <shale/vlapic.h>

#define SEL 0x00
#define WIN 0x10

struct msg {
	u32 dest;
	enum apic_dest_mode dest_mode;
	enum apic_delivery_mode dm;
	u8 vector;
	bool level;
};

static struct {
	struct msg msg[32];
	unsigned int n;
} sent;

static void cb_deliver(void *ctx, u32 dest, enum apic_dest_mode dest_mode,
		       enum apic_delivery_mode dm, u8 vector, bool level)
{
	sent.msg[sent.n++ % 32] =
		(struct msg){ dest, dest_mode, dm, vector, level };
}

static void setup_version(struct vioapic *io, u8 version)
{
	memset(&sent, 0, sizeof(sent));
	vioapic_init(io, 0, version, cb_deliver, NULL);
}

static void setup(struct vioapic *io)
{
	setup_version(io, VIOAPIC_VERSION_82093AA);
}

static u32 reg_read(struct vioapic *io, u8 index)
{
	vioapic_mmio_write(io, SEL, index);
	return vioapic_mmio_read(io, WIN);
}

static void reg_write(struct vioapic *io, u8 index, u32 val)
{
	vioapic_mmio_write(io, SEL, index);
	vioapic_mmio_write(io, WIN, val);
}

/* Linux's ioapic_write_entry: high dword (destination) first, then low. */
static void program(struct vioapic *io, unsigned int pin, u32 lo, u8 dest)
{
	reg_write(io, 0x11 + 2 * pin, (u32)dest << 24);
	reg_write(io, 0x10 + 2 * pin, lo);
}

static u32 entry_lo(struct vioapic *io, unsigned int pin)
{
	return reg_read(io, 0x10 + 2 * pin);
}

#define MASKED 0x10000u
#define LEVEL 0x8000u
#define REMOTE_IRR 0x4000u
#define ACTIVE_LOW 0x2000u
#define LOGICAL 0x800u

static void vioapic_id_version_and_arbitration_read_as_the_82093aa(void **state)
{
	struct vioapic io;

	setup(&io);
	assert_int_equal(reg_read(&io, 0x01), 0x00170011); /* 24 entries */
	assert_int_equal(reg_read(&io, 0x00), 0);
	reg_write(&io, 0x00, 0xff000000);
	assert_int_equal(reg_read(&io, 0x00), 0x0f000000); /* 4-bit ID */
	assert_int_equal(reg_read(&io, 0x02), 0x0f000000);
	reg_write(&io, 0x01, 0);
	reg_write(&io, 0x02, 0);
	assert_int_equal(reg_read(&io, 0x01), 0x00170011);
	assert_int_equal(reg_read(&io, 0x02), 0x0f000000);
	assert_int_equal(reg_read(&io, 0x03), 0xffffffff);
	assert_int_equal(reg_read(&io, 0x40), 0xffffffff); /* past entry 23 */
	vioapic_mmio_write(&io, SEL, 0x3f);
	assert_int_equal(vioapic_mmio_read(&io, SEL), 0x3f);
	assert_int_equal(vioapic_mmio_read(&io, 0x20), 0);
}

static void vioapic_entries_start_masked_and_program_like_linux(void **state)
{
	struct vioapic io;

	setup(&io);
	for (unsigned int pin = 0; pin < VIOAPIC_PINS; pin++) {
		assert_int_equal(entry_lo(&io, pin), MASKED);
		assert_int_equal(reg_read(&io, 0x11 + 2 * pin), 0);
	}
	program(&io, 4, 0x00000024, 1);
	assert_int_equal(entry_lo(&io, 4), 0x24);
	assert_int_equal(reg_read(&io, 0x19), 0x01000000);
	/* delivery status and Remote IRR are read-only; 63:56 only above */
	reg_write(&io, 0x18, 0x24 | 0x1000 | REMOTE_IRR | 0xffff0000);
	assert_int_equal(entry_lo(&io, 4), 0x24 | MASKED);
	reg_write(&io, 0x19, 0xffffffff);
	assert_int_equal(reg_read(&io, 0x19), 0xff000000);
	assert_int_equal(sent.n, 0);
}

static void vioapic_edge_input_delivers_on_rising_edges_only(void **state)
{
	struct vioapic io;

	setup(&io);
	program(&io, 2, 0x30, 3); /* fixed, physical, edge, high */
	vioapic_set_irq(&io, 2, true);
	assert_int_equal(sent.n, 1);
	assert_int_equal(sent.msg[0].dest, 3);
	assert_int_equal(sent.msg[0].dest_mode, APIC_DEST_PHYSICAL);
	assert_int_equal(sent.msg[0].dm, APIC_DM_FIXED);
	assert_int_equal(sent.msg[0].vector, 0x30);
	assert_false(sent.msg[0].level);
	vioapic_set_irq(&io, 2, true);
	vioapic_set_irq(&io, 2, false);
	assert_int_equal(sent.n, 1);
	vioapic_set_irq(&io, 2, true);
	assert_int_equal(sent.n, 2);
	assert_int_equal(entry_lo(&io, 2) & REMOTE_IRR, 0);
}

static void vioapic_masked_edge_is_lost(void **state)
{
	struct vioapic io;

	setup(&io);
	program(&io, 1, MASKED | 0x31, 0);
	vioapic_set_irq(&io, 1, true);
	vioapic_set_irq(&io, 1, false);
	program(&io, 1, 0x31, 0);
	assert_int_equal(sent.n, 0);
	vioapic_set_irq(&io, 1, true);
	assert_int_equal(sent.n, 1);
}

static void vioapic_level_input_holds_remote_irr_until_eoi(void **state)
{
	struct vioapic io;

	setup(&io);
	program(&io, 9, LEVEL | 0x39, 0);
	vioapic_set_irq(&io, 9, true);
	assert_int_equal(sent.n, 1);
	assert_true(sent.msg[0].level);
	assert_int_equal(entry_lo(&io, 9), LEVEL | REMOTE_IRR | 0x39);
	vioapic_set_irq(&io, 9, true);
	vioapic_eoi(&io, 0x3a); /* another vector */
	assert_int_equal(sent.n, 1);
	assert_true(entry_lo(&io, 9) & REMOTE_IRR);
	vioapic_set_irq(&io, 9, false);
	vioapic_eoi(&io, 0x39);
	assert_int_equal(entry_lo(&io, 9), LEVEL | 0x39);
	assert_int_equal(sent.n, 1);
	vioapic_set_irq(&io, 9, true);
	assert_int_equal(sent.n, 2);
}

static void vioapic_eoi_redelivers_a_still_asserted_level_input(void **state)
{
	struct vioapic io;

	setup(&io);
	program(&io, 10, LEVEL | 0x3a, 1);
	vioapic_set_irq(&io, 10, true);
	vioapic_eoi(&io, 0x3a);
	assert_int_equal(sent.n, 2);
	assert_int_equal(sent.msg[1].vector, 0x3a);
	assert_true(entry_lo(&io, 10) & REMOTE_IRR);
}

static void vioapic_unmasking_an_asserted_level_input_delivers(void **state)
{
	struct vioapic io;

	setup(&io);
	program(&io, 11, MASKED | LEVEL | 0x3b, 0);
	vioapic_set_irq(&io, 11, true);
	assert_int_equal(sent.n, 0);
	assert_int_equal(entry_lo(&io, 11) & REMOTE_IRR, 0);
	program(&io, 11, LEVEL | 0x3b, 0);
	assert_int_equal(sent.n, 1);
	/* masking again holds it; the EOI does not resend while masked */
	program(&io, 11, MASKED | LEVEL | 0x3b, 0);
	vioapic_eoi(&io, 0x3b);
	assert_int_equal(sent.n, 1);
	assert_int_equal(entry_lo(&io, 11) & REMOTE_IRR, 0);
}

static void vioapic_active_low_input_inverts_the_pin(void **state)
{
	struct vioapic io;

	setup(&io);
	/* PCI INTx as Linux programs it: level, active low. Idle line high. */
	vioapic_set_irq(&io, 16, true);
	program(&io, 16, LEVEL | ACTIVE_LOW | 0x41, 0);
	assert_int_equal(sent.n, 0);
	vioapic_set_irq(&io, 16, false);
	assert_int_equal(sent.n, 1);
	vioapic_set_irq(&io, 16, true);
	vioapic_eoi(&io, 0x41);
	assert_int_equal(sent.n, 1);
	/* edge, active low: the falling edge is the active one */
	program(&io, 17, ACTIVE_LOW | 0x42, 0);
	vioapic_set_irq(&io, 17, true);
	assert_int_equal(sent.n, 1);
	vioapic_set_irq(&io, 17, false);
	assert_int_equal(sent.n, 2);
	assert_int_equal(sent.msg[1].vector, 0x42);
}

static void vioapic_eoi_register_exists_only_from_version_0x20(void **state)
{
	struct vioapic io;

	setup_version(&io, VIOAPIC_VERSION_ICH);
	assert_int_equal(reg_read(&io, 0x01), 0x00170020);
	program(&io, 5, LEVEL | 0x50, 0);
	vioapic_set_irq(&io, 5, true);
	vioapic_set_irq(&io, 5, false);
	vioapic_mmio_write(&io, VIOAPIC_EOI, 0x50);
	assert_int_equal(entry_lo(&io, 5) & REMOTE_IRR, 0);

	setup(&io);
	program(&io, 5, LEVEL | 0x50, 0);
	vioapic_set_irq(&io, 5, true);
	vioapic_set_irq(&io, 5, false);
	vioapic_mmio_write(&io, VIOAPIC_EOI, 0x50);
	assert_true(entry_lo(&io, 5) & REMOTE_IRR);
}

/* Linux's clear_IO_APIC_pin on a version 0x11 IOAPIC: switching the entry
 * to edge and back clears a stuck Remote IRR. */
static void vioapic_switching_to_edge_clears_remote_irr(void **state)
{
	struct vioapic io;

	setup(&io);
	program(&io, 7, LEVEL | 0x37, 0);
	vioapic_set_irq(&io, 7, true);
	vioapic_set_irq(&io, 7, false);
	assert_true(entry_lo(&io, 7) & REMOTE_IRR);
	reg_write(&io, 0x10 + 14, MASKED | 0x37);
	reg_write(&io, 0x10 + 14, MASKED | LEVEL | 0x37);
	assert_int_equal(entry_lo(&io, 7), MASKED | LEVEL | 0x37);
}

static void vioapic_passes_logical_lowest_priority_and_nmi_through(void **state)
{
	struct vioapic io;

	setup(&io);
	program(&io, 3, LOGICAL | 0x100 | 0x33, 0x0f); /* lowest, logical */
	vioapic_set_irq(&io, 3, true);
	assert_int_equal(sent.msg[0].dest, 0x0f);
	assert_int_equal(sent.msg[0].dest_mode, APIC_DEST_LOGICAL);
	assert_int_equal(sent.msg[0].dm, APIC_DM_LOWEST);
	/* NMI requires edge mode: a level NMI entry sets no Remote IRR */
	program(&io, 8, LEVEL | 0x400, 0);
	vioapic_set_irq(&io, 8, true);
	assert_int_equal(sent.n, 2);
	assert_int_equal(sent.msg[1].dm, APIC_DM_NMI);
	assert_false(sent.msg[1].level);
	assert_int_equal(entry_lo(&io, 8) & REMOTE_IRR, 0);
	vioapic_set_irq(&io, 8, false);
	vioapic_set_irq(&io, 8, true);
	assert_int_equal(sent.n, 3);
}

static void vioapic_out_of_range_pin_is_ignored(void **state)
{
	struct vioapic io;

	setup(&io);
	for (unsigned int pin = 0; pin < VIOAPIC_PINS; pin++)
		program(&io, pin, 0x20 + pin, 0);
	vioapic_set_irq(&io, VIOAPIC_PINS, true);
	vioapic_set_irq(&io, 1000, true);
	assert_int_equal(sent.n, 0);
}

/* ----------------------------- one interrupt through IOAPIC and local APIC */

static struct vlapic lapic;
static struct vioapic ioapic;

static void route_to_lapic(void *ctx, u32 dest, enum apic_dest_mode dest_mode,
			   enum apic_delivery_mode dm, u8 vector, bool level)
{
	if (vlapic_matches_dest(&lapic, dest, dest_mode, false))
		vlapic_accept(&lapic, vector, level, dm);
}

static void lapic_eoi_to_ioapic(void *ctx, u8 vector)
{
	vioapic_eoi(&ioapic, vector);
}

static void vioapic_level_interrupt_round_trips_through_vlapic_eoi(void **state)
{
	static const struct vlapic_ops ops = { .eoi_level = lapic_eoi_to_ioapic };
	struct vlapic_config cfg = { .apic_id = 1 };
	u32 val;

	vlapic_init(&lapic, &cfg, &ops, NULL);
	vioapic_init(&ioapic, 0, VIOAPIC_VERSION_82093AA, route_to_lapic, NULL);
	assert_int_equal(vlapic_mmio_write(&lapic, 0, 0xf0, 0x1ff), 0);
	vioapic_set_irq(&ioapic, 9, true); /* idle: active-low line high */
	program(&ioapic, 9, LEVEL | ACTIVE_LOW | 0x49, 1);
	assert_int_equal(vlapic_pending_vector(&lapic), -1);
	vioapic_set_irq(&ioapic, 9, false); /* device asserts */
	assert_int_equal(vlapic_pending_vector(&lapic), 0x49);
	assert_true(vlapic_ack(&lapic, 0x49));
	/* the handler leaves the device asserted: EOI brings it straight back */
	assert_int_equal(vlapic_mmio_write(&lapic, 0, 0xb0, 0), 0);
	assert_int_equal(vlapic_pending_vector(&lapic), 0x49);
	assert_true(vlapic_ack(&lapic, 0x49));
	vioapic_set_irq(&ioapic, 9, true); /* now the handler quiets it */
	assert_int_equal(vlapic_mmio_write(&lapic, 0, 0xb0, 0), 0);
	assert_int_equal(vlapic_pending_vector(&lapic), -1);
	assert_int_equal(entry_lo(&ioapic, 9) & REMOTE_IRR, 0);
	assert_int_equal(vlapic_mmio_read(&lapic, 0, 0x100 + 0x20, &val), 0);
	assert_int_equal(val, 0); /* nothing in service */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vioapic_id_version_and_arbitration_read_as_the_82093aa),
		cmocka_unit_test(vioapic_entries_start_masked_and_program_like_linux),
		cmocka_unit_test(vioapic_edge_input_delivers_on_rising_edges_only),
		cmocka_unit_test(vioapic_masked_edge_is_lost),
		cmocka_unit_test(vioapic_level_input_holds_remote_irr_until_eoi),
		cmocka_unit_test(vioapic_eoi_redelivers_a_still_asserted_level_input),
		cmocka_unit_test(vioapic_unmasking_an_asserted_level_input_delivers),
		cmocka_unit_test(vioapic_active_low_input_inverts_the_pin),
		cmocka_unit_test(vioapic_eoi_register_exists_only_from_version_0x20),
		cmocka_unit_test(vioapic_switching_to_edge_clears_remote_irr),
		cmocka_unit_test(vioapic_passes_logical_lowest_priority_and_nmi_through),
		cmocka_unit_test(vioapic_out_of_range_pin_is_ignored),
		cmocka_unit_test(vioapic_level_interrupt_round_trips_through_vlapic_eoi),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
