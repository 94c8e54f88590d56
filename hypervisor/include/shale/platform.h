/* SPDX-License-Identifier: MIT */
/*
 * The PC platform of one HVM domain: which device models it has, how their
 * interrupt lines reach the vCPUs, the firmware tables in guest memory,
 * and guest time. Device models themselves are pure state machines
 * (hypervisor/dev/); this is where they meet ports, MMIO, vCPUs and time.
 * Runs: host root mode.
 *
 * Locking: every device of the domain sits under the platform lock (taken
 * with the domain's vCPUs on any CPU); it is a leaf except that waking a
 * vCPU takes its run-queue lock, which never takes the platform lock.
 */
#ifndef SHALE_PLATFORM_H
#define SHALE_PLATFORM_H

#include <shale/e820.h>
#include <shale/types.h>

struct domain;
struct vcpu;
struct vm_exit;

/* Creates the domain's devices, writes its ACPI tables below 1 MiB and
 * marks the local APIC and IOAPIC pages as MMIO in its P2M. After the
 * vCPUs exist. Returns 0 or a negative error. */
int platform_init(struct domain *d);
void platform_fini(struct domain *d);

/* The e820 map the firmware reports; returns the entry count. */
int platform_e820(struct domain *d, struct e820_entry *map, unsigned int max);

/* Guest-physical address of the ACPI RSDP. */
u64 platform_rsdp_gpa(struct domain *d);

/* Sets the level of ISA IRQ line 'irq' (0-15) on the PIC and the IOAPIC,
 * for devices outside the platform (COM1). Takes the platform lock. */
void platform_set_irq(struct domain *d, unsigned int irq, bool level);

/* Guest time: nanoseconds since the domain was built. */
u64 platform_now_ns(struct domain *d);

/* Called before every entry of v: advances the timers, takes the vCPU's
 * APIC events (INIT, SIPI, NMI), then injects the highest-priority pending
 * interrupt or asks for an interrupt window. Returns false when the vCPU
 * must not run (it waits for a SIPI). A domain without a platform always
 * runs. */
bool platform_prepare_entry(struct vcpu *v);

/* True if v, halted, has something that should wake it now. */
bool platform_vcpu_wakeup_due(struct vcpu *v);

/* An access to an MMIO page of the domain (a nested page fault on a
 * p2m_mmio page): decoded with the emulator and sent to the device.
 * Returns false if no device answers at gpa (the caller crashes). */
bool platform_mmio(struct vcpu *v, const struct vm_exit *e);
/* The same for an access to guest-physical gpa found another way (a shadow
 * paging fault on an MMIO page). */
bool platform_mmio_gpa(struct vcpu *v, u64 gpa);

/* MSR accesses for the platform's registers (APIC base, x2APIC range,
 * TSC deadline). Return false for an MSR that is not theirs or #GP. */
bool platform_msr_read(struct vcpu *v, u32 msr, u64 *val, bool *handled);
bool platform_msr_write(struct vcpu *v, u32 msr, u64 val, bool *handled);

#endif /* SHALE_PLATFORM_H */
