/* SPDX-License-Identifier: MIT */
/*
 * printk: formats one message and writes it to the console under the
 * console lock with interrupts off, so lines from different CPUs never mix.
 * Runs: host root mode, any CPU, any context (a CPU that panics while
 * holding the lock still gets its message out: see printk_panic_mode).
 */
#include <asm/cpu.h>
#include <shale/printk.h>
#include <shale/spinlock.h>

static spinlock_t console_lock = SPINLOCK_INIT;
static bool panic_mode;

/* After a panic only the panicking CPU prints; it must not wait on a lock
 * another (now stopped) CPU may hold. */
void printk_panic_mode(void)
{
	panic_mode = true;
}

void printk_buffer(const char *s, size_t len)
{
	u64 flags = irq_save();

	if (panic_mode) {
		console_write(s, len);
	} else {
		spin_lock(&console_lock);
		console_write(s, len);
		spin_unlock(&console_lock);
	}
	irq_restore(flags);
}

void vprintk(const char *fmt, va_list ap)
{
	char buf[PRINTK_MAX];
	int n = sh_vsnprintf(buf, sizeof(buf), fmt, ap);

	printk_buffer(buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

void printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}
