/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the 8259A pair (hypervisor/dev/pic.c): Linux's init
 * sequence, masking, priorities, EOIs, the cascade, edge and level inputs,
 * spurious interrupts and auto-EOI. Runs: host unit tests.
 */
#include "support.h"

#include <shale/pic.h>

static int intr_level;
static unsigned int intr_changes;

static void intr_changed(void *ctx, bool asserted)
{
	assert_ptr_equal(ctx, &intr_level);
	intr_level = asserted;
	intr_changes++;
}

/* arch/x86/kernel/i8259.c init_8259A(): ICW1..ICW4 on both chips, then the
 * IMRs; here everything is left unmasked unless a test masks it. */
static void setup_linux(struct pic *p, bool auto_eoi)
{
	intr_level = 0;
	intr_changes = 0;
	pic_init(p, intr_changed, &intr_level);
	pic_write(p, 0x21, 0xff);
	pic_write(p, 0xa1, 0xff);
	pic_write(p, 0x20, 0x11);
	pic_write(p, 0x21, 0x20);
	pic_write(p, 0x21, 0x04);
	pic_write(p, 0x21, auto_eoi ? 0x03 : 0x01);
	pic_write(p, 0xa0, 0x11);
	pic_write(p, 0xa1, 0x28);
	pic_write(p, 0xa1, 0x02);
	pic_write(p, 0xa1, 0x01);
	pic_write(p, 0x21, 0x00);
	pic_write(p, 0xa1, 0x00);
}

static void pulse(struct pic *p, unsigned int irq)
{
	pic_set_irq(p, irq, true);
	pic_set_irq(p, irq, false);
}

static u8 read_isr(struct pic *p, u16 cmd)
{
	pic_write(p, cmd, 0x0b);
	return pic_read(p, cmd);
}

static u8 read_irr(struct pic *p, u16 cmd)
{
	pic_write(p, cmd, 0x0a);
	return pic_read(p, cmd);
}

static void pic_linux_init_sequence_programs_vectors_and_imr(void **state)
{
	struct pic p;

	setup_linux(&p, false);
	assert_int_equal(p.chip[0].init_step, 0);
	assert_int_equal(p.chip[1].init_step, 0);
	/* probe_8259A(): the IMR reads back what was written. */
	pic_write(&p, 0x21, 0xfb);
	assert_int_equal(pic_read(&p, 0x21), 0xfb);
	pic_write(&p, 0x21, 0x00);
	assert_false(pic_has_interrupt(&p));
	assert_int_equal(pic_get_interrupt(&p), -1);
	pulse(&p, 0);
	assert_int_equal(pic_get_interrupt(&p), 0x20);
	pic_write(&p, 0x20, 0x20);
	pulse(&p, 8);
	assert_int_equal(pic_get_interrupt(&p), 0x28);
	pulse(&p, 15);
	pic_write(&p, 0xa0, 0x20);
	pic_write(&p, 0x20, 0x20);
	assert_int_equal(pic_get_interrupt(&p), 0x2f);
}

static void pic_icw1_clears_imr_and_in_service(void **state)
{
	struct pic p;

	setup_linux(&p, false);
	pic_write(&p, 0x21, 0xf0);
	pulse(&p, 1);
	assert_int_equal(pic_get_interrupt(&p), 0x21);
	pic_write(&p, 0x20, 0x11);
	assert_int_equal(pic_read(&p, 0x21), 0x00);
	assert_int_equal(read_isr(&p, 0x20), 0x00);
	/* Until ICW2 arrives, port B writes are ICWs, not masks. */
	pic_write(&p, 0x21, 0x40);
	pic_write(&p, 0x21, 0x04);
	pic_write(&p, 0x21, 0x01);
	assert_int_equal(pic_read(&p, 0x21), 0x00);
	pulse(&p, 1);
	assert_int_equal(pic_get_interrupt(&p), 0x41);
}

static void pic_masked_edge_is_held_until_unmasked(void **state)
{
	struct pic p;

	setup_linux(&p, false);
	pic_write(&p, 0x21, 0x08);
	pulse(&p, 3);
	assert_false(pic_has_interrupt(&p));
	assert_int_equal(read_irr(&p, 0x20), 0x08);
	pic_write(&p, 0x21, 0x00);
	assert_true(pic_has_interrupt(&p));
	assert_int_equal(pic_get_interrupt(&p), 0x23);
}

static void pic_edge_raised_twice_while_masked_gives_one_interrupt(void **state)
{
	struct pic p;

	setup_linux(&p, false);
	pic_write(&p, 0x21, 0x10);
	pulse(&p, 4);
	pulse(&p, 4);
	pic_write(&p, 0x21, 0x00);
	assert_int_equal(pic_get_interrupt(&p), 0x24);
	pic_write(&p, 0x20, 0x20);
	assert_false(pic_has_interrupt(&p));
	assert_int_equal(pic_get_interrupt(&p), -1);
}

static void pic_edge_held_high_does_not_request_again(void **state)
{
	struct pic p;

	setup_linux(&p, false);
	pic_set_irq(&p, 6, true);
	assert_int_equal(pic_get_interrupt(&p), 0x26);
	pic_write(&p, 0x20, 0x20);
	pic_set_irq(&p, 6, true);
	assert_false(pic_has_interrupt(&p));
	pic_set_irq(&p, 6, false);
	pic_set_irq(&p, 6, true);
	assert_int_equal(pic_get_interrupt(&p), 0x26);
}

static void pic_lower_line_has_priority_and_preempts(void **state)
{
	struct pic p;

	setup_linux(&p, false);
	pulse(&p, 5);
	pulse(&p, 3);
	assert_int_equal(pic_get_interrupt(&p), 0x23);
	/* IRQ5 waits while IRQ3 is in service; IRQ1 preempts it. */
	assert_false(pic_has_interrupt(&p));
	pulse(&p, 1);
	assert_int_equal(pic_get_interrupt(&p), 0x21);
	assert_int_equal(read_isr(&p, 0x20), 0x0a);
	pic_write(&p, 0x20, 0x20); /* ends IRQ1, the highest in service */
	assert_int_equal(read_isr(&p, 0x20), 0x08);
	assert_false(pic_has_interrupt(&p));
	pic_write(&p, 0x20, 0x20);
	assert_int_equal(pic_get_interrupt(&p), 0x25);
}

static void pic_specific_eoi_clears_only_the_named_level(void **state)
{
	struct pic p;

	setup_linux(&p, false);
	pulse(&p, 4);
	assert_int_equal(pic_get_interrupt(&p), 0x24);
	pulse(&p, 3);
	assert_int_equal(pic_get_interrupt(&p), 0x23);
	pic_write(&p, 0x20, 0x60 | 4); /* specific EOI for IR4 */
	assert_int_equal(read_isr(&p, 0x20), 0x08);
	pic_write(&p, 0x20, 0x60 | 3);
	assert_int_equal(read_isr(&p, 0x20), 0x00);
}

static void pic_slave_interrupt_cascades_through_irq2(void **state)
{
	struct pic p;

	setup_linux(&p, false);
	pulse(&p, 12);
	assert_true(pic_has_interrupt(&p));
	assert_int_equal(read_irr(&p, 0x20), 0x04);
	assert_int_equal(pic_get_interrupt(&p), 0x2c);
	assert_int_equal(read_isr(&p, 0x20), 0x04);
	assert_int_equal(read_isr(&p, 0xa0), 0x10);
	/* A master line below IRQ2 still preempts; one above waits. */
	pulse(&p, 4);
	assert_false(pic_has_interrupt(&p));
	pulse(&p, 1);
	assert_int_equal(pic_get_interrupt(&p), 0x21);
	pic_write(&p, 0x20, 0x20);
	/* Linux ends a slave interrupt on both chips. */
	pic_write(&p, 0xa0, 0x20);
	pic_write(&p, 0x20, 0x20);
	assert_int_equal(read_isr(&p, 0xa0), 0x00);
	assert_int_equal(pic_get_interrupt(&p), 0x24);
}

static void pic_masking_irq2_masks_the_whole_slave(void **state)
{
	struct pic p;

	setup_linux(&p, false);
	pic_write(&p, 0x21, 0x04);
	pulse(&p, 9);
	assert_false(pic_has_interrupt(&p));
	pic_write(&p, 0x21, 0x00);
	assert_int_equal(pic_get_interrupt(&p), 0x29);
}

static void pic_two_slave_requests_arrive_in_priority_order(void **state)
{
	struct pic p;

	setup_linux(&p, false);
	pulse(&p, 14);
	pulse(&p, 10);
	assert_int_equal(pic_get_interrupt(&p), 0x2a);
	pic_write(&p, 0xa0, 0x20);
	pic_write(&p, 0x20, 0x20);
	assert_int_equal(pic_get_interrupt(&p), 0x2e);
	pic_write(&p, 0xa0, 0x20);
	pic_write(&p, 0x20, 0x20);
	assert_false(pic_has_interrupt(&p));
}

static void pic_level_input_held_requests_again_after_eoi(void **state)
{
	struct pic p;

	setup_linux(&p, false);
	pic_write(&p, 0x4d1, 0x0c); /* IRQ10, IRQ11 level */
	pic_write(&p, 0x4d0, 0x20); /* IRQ5 level */
	pic_set_irq(&p, 5, true);
	assert_int_equal(pic_get_interrupt(&p), 0x25);
	assert_false(pic_has_interrupt(&p));
	pic_write(&p, 0x20, 0x20);
	assert_int_equal(pic_get_interrupt(&p), 0x25);
	pic_set_irq(&p, 5, false);
	pic_write(&p, 0x20, 0x20);
	assert_false(pic_has_interrupt(&p));

	pic_set_irq(&p, 11, true);
	assert_int_equal(pic_get_interrupt(&p), 0x2b);
	pic_write(&p, 0xa0, 0x20);
	pic_write(&p, 0x20, 0x20);
	assert_int_equal(pic_get_interrupt(&p), 0x2b);
}

static void pic_level_lowered_before_ack_is_withdrawn(void **state)
{
	struct pic p;

	setup_linux(&p, false);
	pic_write(&p, 0x4d0, 0x08);
	pic_set_irq(&p, 3, true);
	assert_true(pic_has_interrupt(&p));
	pic_set_irq(&p, 3, false);
	assert_false(pic_has_interrupt(&p));
	assert_int_equal(read_irr(&p, 0x20), 0x00);
}

/* Linux's mask_and_ack_8259A checks ISR on IRQ7 to tell a spurious one. */
static void pic_withdrawn_request_answers_spurious_irq7(void **state)
{
	struct pic p;

	setup_linux(&p, false);
	pic_write(&p, 0x4d0, 0x10);
	pic_set_irq(&p, 4, true);
	assert_int_equal(intr_level, 1);
	pic_set_irq(&p, 4, false);
	assert_int_equal(intr_level, 0);
	assert_int_equal(pic_get_interrupt(&p), -1);
	assert_int_equal(pic_intack(&p), 0x27);
	assert_int_equal(read_isr(&p, 0x20), 0x00);
	/* A real IRQ7 sets its ISR bit. */
	pulse(&p, 7);
	assert_int_equal(pic_intack(&p), 0x27);
	assert_int_equal(read_isr(&p, 0x20), 0x80);
}

static void pic_withdrawn_slave_request_answers_spurious_irq15(void **state)
{
	struct pic p;

	setup_linux(&p, false);
	pic_write(&p, 0x4d1, 0x04); /* IRQ10 level */
	pic_set_irq(&p, 10, true);
	pic_set_irq(&p, 10, false);
	/* The master latched the cascade edge; the slave has nothing. */
	assert_true(pic_has_interrupt(&p));
	assert_int_equal(pic_get_interrupt(&p), 0x2f);
	assert_int_equal(read_isr(&p, 0xa0), 0x00);
	assert_int_equal(read_isr(&p, 0x20), 0x04);
}

static void pic_auto_eoi_leaves_nothing_in_service(void **state)
{
	struct pic p;

	setup_linux(&p, true);
	pulse(&p, 3);
	assert_int_equal(pic_get_interrupt(&p), 0x23);
	assert_int_equal(read_isr(&p, 0x20), 0x00);
	pulse(&p, 5);
	assert_int_equal(pic_get_interrupt(&p), 0x25);
	pulse(&p, 5);
	assert_int_equal(pic_get_interrupt(&p), 0x25);
}

static void pic_rotate_on_eoi_makes_the_served_level_lowest(void **state)
{
	struct pic p;

	setup_linux(&p, false);
	pulse(&p, 1);
	assert_int_equal(pic_get_interrupt(&p), 0x21);
	pic_write(&p, 0x20, 0xa0); /* rotate on non-specific EOI */
	pulse(&p, 1);
	pulse(&p, 6);
	assert_int_equal(pic_get_interrupt(&p), 0x26);
	pic_write(&p, 0x20, 0xc0 | 6); /* set priority: IR6 lowest */
	pic_write(&p, 0x20, 0x60 | 6);
	assert_int_equal(pic_get_interrupt(&p), 0x21);
}

static void pic_poll_command_acknowledges_like_inta(void **state)
{
	struct pic p;

	setup_linux(&p, false);
	pic_write(&p, 0x20, 0x0c);
	assert_int_equal(pic_read(&p, 0x20), 0x00);
	pulse(&p, 6);
	pic_write(&p, 0x20, 0x0c);
	assert_int_equal(pic_read(&p, 0x20), 0x86);
	assert_int_equal(read_isr(&p, 0x20), 0x40);
	/* The poll applies to one read only. */
	assert_int_equal(pic_read(&p, 0x20), 0x40);
}

static void pic_intr_callback_follows_the_output(void **state)
{
	struct pic p;

	setup_linux(&p, false);
	assert_int_equal(intr_changes, 0);
	pulse(&p, 0);
	assert_int_equal(intr_level, 1);
	assert_int_equal(intr_changes, 1);
	pulse(&p, 1); /* no change: INTR already up */
	assert_int_equal(intr_changes, 1);
	pic_get_interrupt(&p);
	assert_int_equal(intr_level, 0); /* IRQ1 waits behind IRQ0 */
	pic_write(&p, 0x20, 0x20);
	assert_int_equal(intr_level, 1);
	pic_write(&p, 0x21, 0xff);
	assert_int_equal(intr_level, 0);
	assert_int_equal(intr_changes, 4);
}

static void pic_elcr_keeps_only_the_pc_level_capable_lines(void **state)
{
	struct pic p;

	setup_linux(&p, false);
	pic_write(&p, 0x4d0, 0xff);
	pic_write(&p, 0x4d1, 0xff);
	assert_int_equal(pic_read(&p, 0x4d0), 0xf8);
	assert_int_equal(pic_read(&p, 0x4d1), 0xde);
}

static void pic_special_mask_mode_lets_lower_levels_in(void **state)
{
	struct pic p;

	setup_linux(&p, false);
	pulse(&p, 3);
	assert_int_equal(pic_get_interrupt(&p), 0x23);
	pulse(&p, 5);
	assert_false(pic_has_interrupt(&p));
	pic_write(&p, 0x21, 0x08);
	pic_write(&p, 0x20, 0x68); /* set special mask mode */
	assert_int_equal(pic_get_interrupt(&p), 0x25);
	pic_write(&p, 0x20, 0x48); /* clear it */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pic_linux_init_sequence_programs_vectors_and_imr),
		cmocka_unit_test(pic_icw1_clears_imr_and_in_service),
		cmocka_unit_test(pic_masked_edge_is_held_until_unmasked),
		cmocka_unit_test(pic_edge_raised_twice_while_masked_gives_one_interrupt),
		cmocka_unit_test(pic_edge_held_high_does_not_request_again),
		cmocka_unit_test(pic_lower_line_has_priority_and_preempts),
		cmocka_unit_test(pic_specific_eoi_clears_only_the_named_level),
		cmocka_unit_test(pic_slave_interrupt_cascades_through_irq2),
		cmocka_unit_test(pic_masking_irq2_masks_the_whole_slave),
		cmocka_unit_test(pic_two_slave_requests_arrive_in_priority_order),
		cmocka_unit_test(pic_level_input_held_requests_again_after_eoi),
		cmocka_unit_test(pic_level_lowered_before_ack_is_withdrawn),
		cmocka_unit_test(pic_withdrawn_request_answers_spurious_irq7),
		cmocka_unit_test(pic_withdrawn_slave_request_answers_spurious_irq15),
		cmocka_unit_test(pic_auto_eoi_leaves_nothing_in_service),
		cmocka_unit_test(pic_rotate_on_eoi_makes_the_served_level_lowest),
		cmocka_unit_test(pic_poll_command_acknowledges_like_inta),
		cmocka_unit_test(pic_intr_callback_follows_the_output),
		cmocka_unit_test(pic_elcr_keeps_only_the_pc_level_capable_lines),
		cmocka_unit_test(pic_special_mask_mode_lets_lower_levels_in),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
