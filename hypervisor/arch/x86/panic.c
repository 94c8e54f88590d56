/* SPDX-License-Identifier: MIT */
/*
 * panic() and BUG_ON for Shale's own broken invariants (error policy tier 3):
 * message, registers, backtrace, the other CPUs stopped by NMI, and a
 * failing exit. Addresses in the backtrace resolve with
 * `addr2line -e build/shale.elf ADDR`. Runs: host root mode, any CPU.
 */
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/layout.h>
#include <asm/percpu.h>
#include <asm/platform.h>
#include <asm/traps.h>
#include <shale/bug.h>
#include <shale/printk.h>

#include "panic.h"

bool percpu_ready;
static u32 panic_owner = ~0u;

unsigned int panic_cpu_index(void)
{
	return percpu_ready ? this_cpu()->cpu : 0;
}

bool panic_in_progress(void)
{
	return __atomic_load_n(&panic_owner, __ATOMIC_ACQUIRE) != ~0u;
}

void panic_park_cpu(void)
{
	for (;;) {
		irq_disable();
		halt();
	}
}

void panic_begin(void)
{
	u32 me = panic_cpu_index();
	u32 none = ~0u;

	irq_disable();
	if (!__atomic_compare_exchange_n(&panic_owner, &none, me, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		if (none == me)
			console_write("shale: nested panic\n", 20);
		panic_park_cpu();
	}
	printk_panic_mode();
}

void panic_backtrace(u64 rbp)
{
	printk("  backtrace (addr2line -e build/shale.elf):\n");
	for (int depth = 0; depth < 24; depth++) {
		const u64 *frame = (const u64 *)rbp;

		if (rbp < DIRECTMAP_BASE || (rbp & 7))
			break;
		if (frame[1] == 0)
			break;
		printk("    %016lx\n", frame[1]);
		if (frame[0] <= rbp)
			break;
		rbp = frame[0];
	}
}

void panic_end(void)
{
	if (percpu_ready)
		lapic_send_ipi(0, APIC_ICR_NMI | APIC_ICR_ALL_BUT_SELF);
	machine_exit(false);
}

void panic(const char *fmt, ...)
{
	va_list ap;

	panic_begin();
	printk("shale: PANIC on cpu %u: ", panic_cpu_index());
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
	printk("\n");
	panic_backtrace((u64)__builtin_frame_address(0));
	panic_end();
}

void bug_fail(const char *file, int line, const char *expr)
{
	panic("BUG_ON(%s) at %s:%d", expr, file, line);
}
