/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the 16550A model (hypervisor/dev/uart.c): what Linux's
 * 8250 driver and the test kernels rely on. Runs: host unit tests.
 */
#include <string.h>

#include "support.h"

#include <shale/uart.h>

static char sent[64];
static unsigned int nsent;

static void tx(void *ctx, u8 b)
{
	sent[nsent++ % sizeof(sent)] = (char)b;
}

static void setup_uart(struct uart *u)
{
	nsent = 0;
	uart_init(u, tx, NULL);
}

static void uart_transmit_goes_out_and_thr_is_always_empty(void **state)
{
	struct uart u;

	setup_uart(&u);
	assert_int_equal(uart_read(&u, 5) & 0x60, 0x60); /* THRE, TEMT */
	uart_write(&u, 0, 'h');
	uart_write(&u, 0, 'i');
	assert_int_equal(nsent, 2);
	assert_memory_equal(sent, "hi", 2);
	assert_int_equal(uart_read(&u, 5) & 0x60, 0x60);
}

static void uart_divisor_latch_hides_data_and_ier(void **state)
{
	struct uart u;

	setup_uart(&u);
	uart_write(&u, 1, 0x05);
	uart_write(&u, 3, 0x80); /* DLAB */
	uart_write(&u, 0, 0x01);
	uart_write(&u, 1, 0x00);
	assert_int_equal(nsent, 0); /* the divisor write sent nothing */
	assert_int_equal(uart_read(&u, 0), 0x01);
	assert_int_equal(uart_read(&u, 1), 0x00);
	uart_write(&u, 3, 0x03);
	assert_int_equal(uart_read(&u, 1), 0x05);
	assert_int_equal(uart_read(&u, 3), 0x03);
}

static void uart_scratch_register_holds_its_value(void **state)
{
	struct uart u;

	setup_uart(&u);
	uart_write(&u, 7, 0xa5);
	assert_int_equal(uart_read(&u, 7), 0xa5);
	uart_write(&u, 7, 0x5a);
	assert_int_equal(uart_read(&u, 7), 0x5a);
}

/* Linux's autoconfig: in loopback, MCR outputs come back on MSR. */
static void uart_loopback_reflects_modem_lines_and_data(void **state)
{
	struct uart u;

	setup_uart(&u);
	uart_write(&u, 4, 0x10 | 0x0a); /* LOOP, RTS, OUT2 */
	assert_int_equal(uart_read(&u, 6) & 0xf0, 0x90); /* CTS, DCD */
	uart_write(&u, 4, 0x1f);
	assert_int_equal(uart_read(&u, 6) & 0xf0, 0xf0);
	uart_write(&u, 0, 'x');
	assert_int_equal(nsent, 0);
	assert_true(uart_read(&u, 5) & 0x01);
	assert_int_equal(uart_read(&u, 0), 'x');
	assert_false(uart_read(&u, 5) & 0x01);
}

static void uart_iir_reports_fifo_and_interrupt_sources(void **state)
{
	struct uart u;

	setup_uart(&u);
	assert_int_equal(uart_read(&u, 2), 0x01);
	uart_write(&u, 2, 0x07); /* FIFO on */
	assert_int_equal(uart_read(&u, 2), 0xc1);
	uart_write(&u, 1, 0x02); /* THRE interrupt on: raised at once */
	assert_true(uart_irq_pending(&u));
	assert_int_equal(uart_read(&u, 2), 0xc2);
	assert_false(uart_irq_pending(&u)); /* reading IIR cleared it */
	uart_write(&u, 1, 0x03);
	assert_true(uart_receive(&u, 'a'));
	assert_int_equal(uart_read(&u, 2), 0xc4);
	uart_read(&u, 0);
	assert_false(uart_irq_pending(&u));
}

static void uart_receive_overrun_sets_oe_once(void **state)
{
	struct uart u;

	setup_uart(&u);
	for (int i = 0; i < UART_RX_FIFO; i++)
		assert_true(uart_receive(&u, (u8)i));
	assert_false(uart_receive(&u, 0xff));
	assert_int_equal(uart_read(&u, 5) & 0x03, 0x03);
	assert_int_equal(uart_read(&u, 5) & 0x02, 0); /* LSR read clears OE */
	for (int i = 0; i < UART_RX_FIFO; i++)
		assert_int_equal(uart_read(&u, 0), i);
	assert_int_equal(uart_read(&u, 5) & 0x01, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(uart_transmit_goes_out_and_thr_is_always_empty),
		cmocka_unit_test(uart_divisor_latch_hides_data_and_ier),
		cmocka_unit_test(uart_scratch_register_holds_its_value),
		cmocka_unit_test(uart_loopback_reflects_modem_lines_and_data),
		cmocka_unit_test(uart_iir_reports_fifo_and_interrupt_sources),
		cmocka_unit_test(uart_receive_overrun_sets_oe_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
