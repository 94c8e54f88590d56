/* SPDX-License-Identifier: MIT */
/*
 * The boot report and the summary line. The summary is one JSON object on
 * one line so that tools/shale-run can hand it to --json unchanged.
 * Runs: host root mode, boot CPU.
 */
#include <asm/percpu.h>
#include <asm/smp.h>
#include <asm/platform.h>
#include <shale/bootinfo.h>
#include <shale/domain.h>
#include <shale/frames.h>
#include <shale/json.h>
#include <shale/printk.h>
#include <shale/report.h>

struct host_facts host_facts = { .vendor = "none" };

static const char *const kind_keys[MEM_KINDS] = {
	[MEM_LOW] = "low_kib",
	[MEM_IMAGE] = "image_kib",
	[MEM_MODULE] = "modules_kib",
	[MEM_BOOT_ALLOC] = "boot_alloc_kib",
};

static u64 free_bytes(void)
{
	return READ_ONCE(machine_frames.free_frames) << PAGE_SHIFT;
}

/* Frames handed out by the allocator since boot (stacks, tables, guests). */
static u64 used_bytes(void)
{
	return (READ_ONCE(machine_frames.managed_frames) -
		READ_ONCE(machine_frames.free_frames)) << PAGE_SHIFT;
}

void report_mark_before_domains(void)
{
	host_facts.mem_used_before_domains = used_bytes();
}

void report_memory(void)
{
	const u64 *r = host_facts.mem_reserved;

	printk("shale: memory: usable %lu KiB = free %lu + used %lu + low %lu "
	       "+ image %lu + modules %lu + boot-alloc %lu KiB\n",
	       host_facts.mem_total >> 10, free_bytes() >> 10,
	       used_bytes() >> 10, r[MEM_LOW] >> 10,
	       r[MEM_IMAGE] >> 10, r[MEM_MODULE] >> 10,
	       r[MEM_BOOT_ALLOC] >> 10);
}

static void summary_cpus(struct json_out *j)
{
	json_array_begin(j, "cpu_list");
	for (unsigned int i = 0; i < nr_cpus_online; i++) {
		const struct percpu *p = &percpu[i];

		json_object_begin(j, NULL);
		json_u64(j, "cpu", p->cpu);
		json_u64(j, "apic_id", p->apic_id);
		json_bool(j, "online", READ_ONCE(p->online));
		json_bool(j, "svm", READ_ONCE(p->hvm_enabled) &&
					    host_facts.vendor[0] == 's');
		json_u64(j, "ticks", READ_ONCE(p->ticks));
		json_object_end(j);
	}
	json_array_end(j);
}

static void summary_modules(struct json_out *j)
{
	json_array_begin(j, "modules");
	for (unsigned int i = 0; i < boot_info.nr_modules; i++) {
		const struct boot_module *m = &boot_info.modules[i];

		json_object_begin(j, NULL);
		json_str(j, "name", m->cmdline);
		json_u64(j, "size", m->end - m->start);
		json_str(j, "cmdline", m->cmdline);
		json_object_end(j);
	}
	json_array_end(j);
}

void shale_finish(void)
{
	static u32 finishing;
	bool passed;

	if (__atomic_exchange_n(&finishing, 1, __ATOMIC_ACQ_REL))
		return; /* another CPU is already reporting */
	passed = host_facts.boot_ok && domains_all_passed();
	report_memory();
	report_summary(passed);
	machine_exit(passed);
}

void report_summary(bool passed)
{
	static char buf[65536];
	struct json_out j;

	json_init(&j, buf, sizeof(buf));
	json_object_begin(&j, NULL);
	json_bool(&j, "passed", passed);
	json_u64(&j, "cpus", host_facts.cpus_found);
	json_u64(&j, "cpus_online", host_facts.cpus_online);
	json_str(&j, "vendor", host_facts.vendor);
	json_u64(&j, "mem_total_kib", host_facts.mem_total >> 10);
	json_u64(&j, "mem_free_kib", free_bytes() >> 10);
	json_object_begin(&j, "mem");
	json_u64(&j, "used_kib", used_bytes() >> 10);
	json_u64(&j, "used_before_domains_kib",
		 host_facts.mem_used_before_domains >> 10);
	for (unsigned int k = 0; k < MEM_KINDS; k++)
		json_u64(&j, kind_keys[k], host_facts.mem_reserved[k] >> 10);
	json_object_end(&j);
	summary_cpus(&j);
	summary_modules(&j);
	json_s64(&j, "cmdline_warnings", host_facts.cmdline_warnings);
	domains_summary_json(&j);
	json_object_end(&j);
	if (j.overflow)
		printk("shale: summary too long; truncated\n");
	printk("shale: summary ");
	printk_buffer(buf, j.len);
	printk("\n");
}
