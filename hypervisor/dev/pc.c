/* SPDX-License-Identifier: MIT */
/*
 * The devices every domain has today: COM1 (the domain's console) and the
 * isa-debug-exit port, plus port I/O dispatch. Runs: host root mode.
 */
#include <shale/devices.h>
#include <shale/domain.h>
#include <shale/platform.h>
#include <shale/uart.h>

static void com1_tx(void *ctx, u8 byte)
{
	domain_console_put(ctx, (char)byte);
}

#define COM1_IRQ 4

/* COM1's registers, then its interrupt line (IRQ4) as the UART now drives
 * it: Linux's 8250 driver sends user-space output on THRE interrupts. */
static void com1_io(struct vcpu *v, u16 port, unsigned int size, bool write,
		    u32 *val)
{
	struct domain *d = v->domain;
	bool irq;

	spin_lock(&d->lock);
	if (write)
		uart_write(&d->com1, port - COM1_BASE, (u8)*val);
	else
		*val = uart_read(&d->com1, port - COM1_BASE);
	irq = uart_irq_pending(&d->com1) && (d->com1.mcr & 0x08); /* OUT2 gates it */
	spin_unlock(&d->lock);
	platform_set_irq(d, COM1_IRQ, irq);
}

/* QEMU's isa-debug-exit convention: the value written is the exit code
 * (0 = success). Reads return 0. */
static void debug_exit_io(struct vcpu *v, u16 port, unsigned int size,
			  bool write, u32 *val)
{
	if (!write) {
		*val = 0;
		return;
	}
	domain_shutdown(v->domain, (int)(*val & 0xff));
}

void devices_init(struct domain *d)
{
	uart_init(&d->com1, com1_tx, d);
	domain_register_io(d, COM1_BASE, 8, com1_io);
	domain_register_io(d, DEBUG_EXIT_PORT, 1, debug_exit_io);
}

void io_dispatch(struct vcpu *v, u16 port, unsigned int size, bool write,
		 u32 *val)
{
	struct domain *d = v->domain;

	for (unsigned int i = 0; i < d->nr_io; i++) {
		const struct io_handler *h = &d->io[i];

		if (port >= h->first && port < h->first + h->count) {
			h->fn(v, port, size, write, val);
			return;
		}
	}
	v->stats.io_unhandled++;
	if (!write)
		*val = size == 4 ? 0xffffffffu : size == 2 ? 0xffffu : 0xffu;
}
