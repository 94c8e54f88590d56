/* SPDX-License-Identifier: MIT */
/*
 * Boot: from the first C instruction on the boot CPU to the summary line.
 * Order matters: console and IDT first (so anything after can report),
 * boot information, memory, per-CPU data, the virtualization extension,
 * the timer, the other CPUs. Runs: host root mode.
 */
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/hostmap.h>
#include <asm/layout.h>
#include <asm/percpu.h>
#include <asm/platform.h>
#include <asm/smp.h>
#include <asm/traps.h>
#include <shale/bootinfo.h>
#include <shale/bug.h>
#include <shale/cmdline.h>
#include <shale/domain.h>
#include <shale/errno.h>
#include <shale/frames.h>
#include <shale/hvm.h>
#include <shale/printk.h>
#include <shale/report.h>
#include <shale/sched.h>

#include "panic.h"
#include "setup.h"

extern const char __image_phys_start[], __bss_phys_end[];
extern u8 bsp_stack[];

void start_shale(u32 magic, u32 info);

unsigned int tick_hz = 1000;

static u64 opt_maxcpus = MAX_CPUS;
static u64 opt_tick_hz = 1000;

static const struct cmdline_opt shale_options[] = {
	{ "maxcpus", CMDLINE_UINT, &opt_maxcpus, 1, MAX_CPUS, 0 },
	{ "tick_hz", CMDLINE_UINT, &opt_tick_hz, 10, 1000, 0 },
};

#define SZ_1M 0x100000UL

/* Marks what in usable RAM is not free: low memory, image, modules. */
static void reserve_boot_ranges(struct memmap *mm)
{
	memmap_reserve(mm, 0, SZ_1M, MEM_LOW);
	memmap_reserve(mm, (paddr_t)__image_phys_start, (paddr_t)__bss_phys_end,
		       MEM_IMAGE);
	for (unsigned int i = 0; i < boot_info.nr_modules; i++) {
		const struct boot_module *m = &boot_info.modules[i];

		if (m->end > m->start)
			memmap_reserve(mm, m->start, m->end, MEM_MODULE);
	}
}

static void print_boot_info(void)
{
	printk("shale: booted by %s (multiboot%u), cmdline \"%s\"\n",
	       boot_info.loader[0] ? boot_info.loader : "an unnamed loader",
	       boot_info.protocol, boot_info.cmdline);
	for (unsigned int i = 0; i < boot_info.memmap.nr_usable; i++)
		printk("shale: ram [0x%012lx, 0x%012lx) %lu KiB\n",
		       boot_info.memmap.usable[i].start,
		       boot_info.memmap.usable[i].end,
		       (boot_info.memmap.usable[i].end -
			boot_info.memmap.usable[i].start) >> 10);
	for (unsigned int i = 0; i < boot_info.nr_modules; i++)
		printk("shale: module %u: [0x%lx, 0x%lx) %lu bytes \"%s\"\n", i,
		       boot_info.modules[i].start, boot_info.modules[i].end,
		       boot_info.modules[i].end - boot_info.modules[i].start,
		       boot_info.modules[i].cmdline);
}

static void memory_init(void)
{
	struct memmap *mm = &boot_info.memmap;
	paddr_t mapped_end;

	if (!memmap_usable_bytes(mm))
		panic("the memory map has no usable RAM");
	reserve_boot_ranges(mm);
	mapped_end = hostmap_init(mm);
	frames_boot_init(mm, mapped_end);
	host_facts.mem_total = memmap_usable_bytes(mm);
	memmap_account(mm, host_facts.mem_reserved);
	report_memory();
}

void cpu_bring_up(struct percpu *p)
{
	int rc;

	lapic_init();
	p->apic_id = lapic_id();
	lapic_timer_start(tick_hz);
	rc = hvm->cpu_enable(p);
	if (rc)
		printk("shale: cpu %u: enabling %s failed (%d)\n", p->cpu,
		       hvm->name, rc);
	printk("shale: cpu %u apic %u online, %s %s\n", p->cpu, p->apic_id,
	       hvm->name, p->hvm_enabled ? "on" : "FAILED");
	__atomic_store_n(&p->online, true, __ATOMIC_RELEASE);
}

/* Waits until every online CPU has taken a few timer ticks (bounded). */
static void wait_for_ticks(void)
{
	for (u64 waited = 0; waited < 2000000; waited += 1000) {
		bool all = true;

		for (unsigned int i = 0; i < nr_cpus_online; i++)
			all &= READ_ONCE(percpu[i].ticks) >= 2;
		if (all)
			return;
		udelay(1000);
	}
	printk("shale: some CPUs took no timer ticks\n");
}

/* True when every CPU Shale was asked to start is online, ticking and has
 * the virtualization extension on. */
static bool all_cpus_ready(void)
{
	for (unsigned int i = 0; i < nr_cpus_online; i++)
		if (!READ_ONCE(percpu[i].hvm_enabled) || !READ_ONCE(percpu[i].ticks))
			return false;
	return nr_cpus_online == MIN(nr_cpus_found, (unsigned int)opt_maxcpus);
}

void start_shale(u32 magic, u32 info)
{
	struct percpu *bsp = &percpu[0];

	serial_init();
	traps_init();
	printk("\nshale: Shale hypervisor starting\n");
	if (multiboot_parse(magic, info))
		panic("cannot read the boot information");
	print_boot_info();
	host_facts.cmdline_warnings =
		cmdline_parse(boot_info.cmdline, shale_options,
			      ARRAY_SIZE(shale_options));
	tick_hz = (unsigned int)opt_tick_hz;

	memory_init();

	bsp->stack = bsp_stack;
	if (percpu_alloc_stacks(bsp))
		panic("no memory for the boot CPU's stacks");
	percpu_load(bsp);
	percpu_ready = true;
	traps_use_ist();

	if (hvm_select()) {
		host_facts.cpus_found = 1;
		host_facts.cpus_online = 1;
		report_summary(false);
		machine_exit(false);
	}
	host_facts.vendor = hvm->name;

	lapic_init();
	time_calibrate();
	cpu_bring_up(bsp);
	irq_enable();

	smp_boot_cpus((unsigned int)opt_maxcpus);
	host_facts.cpus_found = nr_cpus_found;
	host_facts.cpus_online = nr_cpus_online;
	printk("shale: cpus: %u of %u online\n", nr_cpus_online, nr_cpus_found);
	wait_for_ticks();

	host_facts.boot_ok = all_cpus_ready();
	report_memory();
	report_mark_before_domains();

	domains_build_all();
	domains_start_all();
	if (!domains_alive())
		shale_finish();
	sched_loop();
}
