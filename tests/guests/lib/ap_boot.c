/* SPDX-License-Identifier: MIT */
/* Starting a secondary CPU through a real-mode trampoline below 1 MiB.
 * Runs: guest (test kernel), legacy protected mode with paging off. */
#include "ap_boot.h"
#include "apic.h"
#include "irq.h"
#include "pit.h"
#include "string.h"

#define INIT_DELAY_US	10000	/* after INIT (SDM vol. 3, 9.4.4.1) */
#define SIPI_DELAY_US	200	/* after each STARTUP IPI */
#define LAPIC_VERSION_INTEGRATED 0x10	/* below: a discrete 82489DX */

/* ap_boot_asm.asm */
extern const char ap_tramp_start[], ap_tramp_end[];
extern char ap_tramp_gdtr[], ap_tramp_target[], ap_tramp_data_sel[];
extern char ap_boot_entry32[];

/* Read by ap_boot_entry32 on the AP. */
volatile uint32_t ap_boot_stack, ap_boot_fn, ap_boot_arg, ap_boot_arrived;
volatile uint32_t ap_boot_idtr;

static uint32_t ap_boot_page;

uint32_t ap_boot_size(void)
{
	return (uint32_t)(ap_tramp_end - ap_tramp_start);
}

/* Where field (a label inside the trampoline) lies in the copy. */
static void *ap_boot_field(const char *field)
{
	return (void *)(ap_boot_page + (uint32_t)(field - ap_tramp_start));
}

uint8_t ap_boot_install(uint32_t page)
{
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) gdtr;
	uint16_t cs, ds;
	uint32_t target = (uint32_t)ap_boot_entry32;

	__asm__ volatile("sgdt %0" : "=m"(gdtr));
	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	__asm__ volatile("mov %%ds, %0" : "=r"(ds));
	ap_boot_page = page;
	memcpy((void *)page, ap_tramp_start, ap_boot_size());
	memcpy(ap_boot_field(ap_tramp_gdtr), &gdtr, 6);
	memcpy(ap_boot_field(ap_tramp_target), &target, 4);
	memcpy(ap_boot_field(ap_tramp_target) + 4, &cs, 2);
	memcpy(ap_boot_field(ap_tramp_data_sel), &ds, 2);
	ap_boot_idtr = (uint32_t)irq_ap_idtr();
	return (uint8_t)(page >> 12);
}

/* Sends one IPI to dest and notes whether it left the ICR. */
static void ap_boot_ipi(uint8_t dest, uint32_t icr, struct ap_boot_result *res)
{
	if (!lapic_send_ipi(dest, icr))
		res->icr_ok = false;
	res->ipis++;
}

bool ap_boot_start(uint8_t apic_id, uint32_t stack_top, ap_boot_fn_t fn,
		   uint32_t arg, uint32_t timeout_us,
		   struct ap_boot_result *res)
{
	uint8_t vector = (uint8_t)(ap_boot_page >> 12);
	struct pit_deadline d;

	memset(res, 0, sizeof(*res));
	res->icr_ok = true;
	ap_boot_stack = stack_top;
	ap_boot_fn = (uint32_t)fn;
	ap_boot_arg = arg;
	__atomic_store_n(&ap_boot_arrived, 0, __ATOMIC_SEQ_CST);
	lapic_esr();

	if ((lapic_read(LAPIC_VERSION) & 0xff) < LAPIC_VERSION_INTEGRATED) {
		/* Linux's sequence for a discrete APIC: level INIT, then its
		 * de-assert; such a CPU has no STARTUP IPI. */
		ap_boot_ipi(apic_id, ICR_INIT | ICR_LEVEL | ICR_ASSERT, res);
		pit_delay_us(INIT_DELAY_US);
		ap_boot_ipi(apic_id, ICR_INIT | ICR_LEVEL, res);
		res->esr = lapic_esr();
		return false;
	}
	ap_boot_ipi(apic_id, ICR_INIT | ICR_ASSERT, res);
	pit_delay_us(INIT_DELAY_US);
	for (int i = 0; i < 2; i++) {
		ap_boot_ipi(apic_id, ICR_STARTUP | ICR_ASSERT | vector, res);
		pit_delay_us(SIPI_DELAY_US);
	}
	res->esr = lapic_esr();

	pit_deadline_start(&d, timeout_us);
	while (!__atomic_load_n(&ap_boot_arrived, __ATOMIC_SEQ_CST)) {
		if (pit_deadline_passed(&d))
			return false;
		__asm__ volatile("pause");
	}
	res->arrived = true;
	return true;
}
