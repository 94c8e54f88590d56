/* SPDX-License-Identifier: MIT */
/*
 * The IDT and the C side of interrupt and exception handling. An exception
 * taken in root mode is always a Shale bug: it is reported with registers and
 * a backtrace, and the machine stops. Runs: host root mode, any CPU.
 */
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/layout.h>
#include <asm/percpu.h>
#include <asm/traps.h>
#include <shale/bug.h>
#include <shale/printk.h>

#include "panic.h"

struct idt_gate {
	u16 offset_lo;
	u16 selector;
	u8 ist;
	u8 type_attr;
	u16 offset_mid;
	u32 offset_hi;
	u32 reserved;
} __packed;

static struct idt_gate idt[256] __aligned(16);
extern const u8 trap_stubs[256][16];

static const char *const exception_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint",
	"#OF overflow", "#BR bound range", "#UD invalid opcode",
	"#NM device not available", "#DF double fault", "coprocessor overrun",
	"#TS invalid TSS", "#NP segment not present", "#SS stack fault",
	"#GP general protection", "#PF page fault", "reserved 15",
	"#MF x87 error", "#AC alignment check", "#MC machine check",
	"#XM SIMD error", "#VE virtualization", "#CP control protection",
	"reserved 22", "reserved 23", "reserved 24", "reserved 25",
	"reserved 26", "reserved 27", "#HV hypervisor injection",
	"#VC VMM communication", "#SX security", "reserved 31",
};

static void idt_set(unsigned int vec, const void *handler, unsigned int ist)
{
	u64 a = (u64)handler;

	idt[vec] = (struct idt_gate){
		.offset_lo = (u16)a,
		.selector = GDT_SEL_CODE64,
		.ist = (u8)ist,
		.type_attr = 0x8e, /* present, DPL 0, 64-bit interrupt gate */
		.offset_mid = (u16)(a >> 16),
		.offset_hi = (u32)(a >> 32),
	};
}

void traps_init(void)
{
	for (unsigned int v = 0; v < 256; v++)
		idt_set(v, trap_stubs[v], 0);
	traps_load_idt();
}

void traps_use_ist(void)
{
	idt_set(VEC_NMI, trap_stubs[VEC_NMI], IST_NMI);
	idt_set(VEC_DF, trap_stubs[VEC_DF], IST_DF);
	idt_set(VEC_MC, trap_stubs[VEC_MC], IST_MC);
}

void traps_load_idt(void)
{
	struct {
		u16 limit;
		u64 base;
	} __packed desc = { sizeof(idt) - 1, (u64)idt };

	__asm__ volatile("lidt %0" ::"m"(desc));
}

void trap_print_frame(const struct trap_frame *f)
{
	printk("  rip %016lx  cs %04lx  rflags %016lx\n", f->rip, f->cs,
	       f->rflags);
	printk("  rsp %016lx  ss %04lx  error %016lx\n", f->rsp, f->ss,
	       f->error_code);
	printk("  rax %016lx  rbx %016lx  rcx %016lx\n", f->rax, f->rbx, f->rcx);
	printk("  rdx %016lx  rsi %016lx  rdi %016lx\n", f->rdx, f->rsi, f->rdi);
	printk("  rbp %016lx  r8  %016lx  r9  %016lx\n", f->rbp, f->r8, f->r9);
	printk("  r10 %016lx  r11 %016lx  r12 %016lx\n", f->r10, f->r11, f->r12);
	printk("  r13 %016lx  r14 %016lx  r15 %016lx\n", f->r13, f->r14, f->r15);
	printk("  cr0 %016lx  cr2 %016lx  cr3 %016lx  cr4 %016lx\n",
	       read_cr0(), read_cr2(), read_cr3(), read_cr4());
}

/* An exception in root mode: report everything and stop the machine. */
static __noreturn void fatal_exception(struct trap_frame *f)
{
	panic_begin();
	printk("shale: PANIC: exception %s (vector %lu) on cpu %u\n",
	       exception_names[f->vector], f->vector, panic_cpu_index());
	trap_print_frame(f);
	panic_backtrace(f->rbp);
	panic_end();
}

void trap_dispatch(struct trap_frame *f)
{
	if (f->vector == VEC_NMI && panic_in_progress())
		panic_park_cpu();
	if (f->vector < 32)
		fatal_exception(f);

	switch (f->vector) {
	case VEC_TIMER:
		this_cpu()->ticks++;
		lapic_eoi();
		break;
	case VEC_WAKEUP:
		lapic_eoi();
		break;
	case VEC_SPURIOUS:
		/* A spurious APIC interrupt needs no EOI (SDM 11.9). */
		break;
	default:
		this_cpu()->spurious++;
		lapic_eoi();
		break;
	}
}
