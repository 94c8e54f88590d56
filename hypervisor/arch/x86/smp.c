/* SPDX-License-Identifier: MIT */
/*
 * Starting the application processors: INIT-SIPI-SIPI (Intel SDM vol. 3
 * 8.4.4.1, AMD APM vol. 2 16.5) with the real-mode trampoline copied to
 * TRAMPOLINE_PHYS, one AP at a time since they share its parameter block.
 * Runs: host root mode; smp_boot_cpus on the boot CPU, ap_start on each AP.
 */
#include <asm/acpi.h>
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/hostmap.h>
#include <asm/layout.h>
#include <asm/percpu.h>
#include <asm/smp.h>
#include <shale/bug.h>
#include <shale/frames.h>
#include <shale/hvm.h>
#include <shale/printk.h>
#include <shale/sched.h>
#include <shale/string.h>

#include "setup.h"

extern const u8 trampoline_blob[], trampoline_blob_end[];
extern const u8 boot_pml4[];
extern const u32 boot_efer_bits;
extern const u8 ap_entry64[];

unsigned int nr_cpus_found, nr_cpus_online;
u64 ap_host_cr3; /* read by ap_entry64 before it has a stack */

#define AP_START_TIMEOUT_US 5000000 /* TCG can be slow to schedule a vCPU */

static struct trampoline_params *trampoline_install(void)
{
	size_t size = (size_t)(trampoline_blob_end - trampoline_blob);

	BUILD_BUG_ON(TRAMPOLINE_PHYS >= 0x100000 || TRAMPOLINE_PHYS & 0xfff);
	BUG_ON(size > PAGE_SIZE);
	memcpy(paddr_to_virt(TRAMPOLINE_PHYS), trampoline_blob, size);
	return paddr_to_virt(TRAMPOLINE_PHYS + TRAMPOLINE_PARAMS_OFFSET);
}

/* Sends INIT-SIPI-SIPI to one AP and waits for it to come online. */
static bool start_ap(struct trampoline_params *tp, struct percpu *p)
{
	const u32 vector = TRAMPOLINE_PHYS >> 12;

	tp->cr3 = (u32)(u64)boot_pml4; /* linked at its physical address */
	tp->efer_bits = *(const u32 *)paddr_to_virt((u64)&boot_efer_bits);
	tp->entry = (u64)ap_entry64;
	tp->stack_top = (u64)p->stack + (PAGE_SIZE << CPU_STACK_ORDER);
	tp->arg = p->cpu;
	WRITE_ONCE(tp->started, 0);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	lapic_send_ipi(p->apic_id, APIC_ICR_INIT | APIC_ICR_LEVEL_ASSERT);
	udelay(10000);
	for (int i = 0; i < 2 && !READ_ONCE(tp->started); i++) {
		lapic_send_ipi(p->apic_id, APIC_ICR_STARTUP | vector);
		udelay(200);
	}
	for (u64 waited = 0; waited < AP_START_TIMEOUT_US; waited += 100) {
		if (READ_ONCE(p->online))
			return true;
		udelay(100);
	}
	printk("shale: cpu %u (apic %u) did not come online (trampoline %s)\n",
	       p->cpu, p->apic_id, READ_ONCE(tp->started) ? "entered" : "not entered");
	return false;
}

unsigned int smp_boot_cpus(unsigned int max_cpus)
{
	static struct acpi_cpu found[MAX_CPUS];
	struct trampoline_params *tp;
	u32 bsp_apic = lapic_id();
	int n = acpi_find_cpus(found, MAX_CPUS);

	nr_cpus_online = 1;
	if (n < 0) {
		printk("shale: no ACPI MADT: running on the boot CPU only\n");
		nr_cpus_found = 1;
		return 1;
	}
	if (n > MAX_CPUS)
		printk("shale: %d CPUs listed, Shale uses at most %u\n", n, MAX_CPUS);
	nr_cpus_found = (unsigned int)MIN(n, MAX_CPUS);

	ap_host_cr3 = hostmap_root();
	tp = trampoline_install();
	for (unsigned int i = 0; i < nr_cpus_found; i++) {
		struct percpu *p;

		if (found[i].apic_id == bsp_apic)
			continue;
		if (nr_cpus_online >= max_cpus)
			break;
		p = &percpu[nr_cpus_online];
		p->cpu = nr_cpus_online;
		p->apic_id = found[i].apic_id;
		if (percpu_alloc_stacks(p)) {
			printk("shale: no memory for cpu %u's stacks\n", p->cpu);
			break;
		}
		if (start_ap(tp, p))
			nr_cpus_online++;
	}
	return nr_cpus_online;
}

/* First C code on an AP, on its own stack and the host page tables. */
void ap_start(u64 cpu_index)
{
	struct percpu *p = &percpu[cpu_index];

	hostmap_cpu_setup();
	percpu_load(p);
	cpu_bring_up(p);
	sched_loop();
}
