/* SPDX-License-Identifier: MIT */
/*
 * The state of one domain's PC platform, shared by the files of
 * hypervisor/platform/. Runs: host root mode.
 */
#ifndef PLATFORM_INTERNAL_H
#define PLATFORM_INTERNAL_H

#include <shale/acpi_tables.h>
#include <shale/e820.h>
#include <shale/fwcfg.h>
#include <shale/pic.h>
#include <shale/pit.h>
#include <shale/pmtimer.h>
#include <shale/rtc.h>
#include <shale/vioapic.h>
#include <shale/vlapic.h>
#include <shale/spinlock.h>
#include <shale/types.h>

#include <shale/domain.h>

struct domain;

struct platform {
	spinlock_t lock;     /* guards everything below */
	u64 boot_ns;         /* host_ns() when the domain was built */
	struct e820_entry e820[E820_MAX_ENTRIES];
	int nr_e820;
	u64 rsdp_gpa;
	struct fwcfg fwcfg;
	u16 pm1_sts, pm1_en, pm1_cnt; /* ACPI PM1a event and control */
	struct pic pic;
	struct pit pit;
	struct rtc rtc;
	struct pmtimer pmtimer;
	u32 isa_levels;      /* current level of ISA IRQ lines 0-15 */
	struct vioapic ioapic;
	struct vlapic *lapic[MAX_VCPUS]; /* one per vCPU, index = vCPU id */
	bool wait_for_sipi[MAX_VCPUS];   /* the vCPU sits in wait-for-SIPI */
};

/* Local APICs and the IOAPIC (apic.c). */
int platform_apic_init(struct domain *d, struct platform *p, u64 now);
void platform_apic_fini(struct platform *p);
void platform_ioapic_set_irq(struct domain *d, struct platform *p,
			     unsigned int gsi, bool level);
/* The vCPU's APIC events (INIT, SIPI, NMI) and its interrupt to inject;
 * lock held. Returns false when the vCPU must not run (wait-for-SIPI). */
bool platform_apic_prepare_entry(struct vcpu *v, struct platform *p, u64 now);
/* The APIC MMIO pages (lock not held). */
bool platform_apic_mmio(struct vcpu *v, u64 gpa, bool write, u32 *val);

/* Legacy PC devices (legacy.c): PIC, PIT, RTC/CMOS, PM timer, sinks. */
void platform_legacy_init(struct domain *d, struct platform *p, u64 now);

/* Raises or lowers ISA IRQ line 'irq' on the PIC and the IOAPIC; p->lock
 * held. */
void platform_set_isa_irq(struct domain *d, struct platform *p,
			  unsigned int irq, bool level);

/* Delivers the legacy timers' due interrupts (PIT IRQ0, RTC IRQ8); lock
 * held. Returns the next time one is due. */
u64 platform_legacy_timers(struct domain *d, struct platform *p, u64 now);

/* Firmware (firmware.c): e820 map, ACPI tables written to guest memory,
 * fw_cfg, ACPI PM1 registers and the reset ports. Returns 0 or -SH_E*. */
int platform_firmware_init(struct domain *d, struct platform *p);

#endif /* PLATFORM_INTERNAL_H */
