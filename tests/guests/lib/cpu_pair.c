/* SPDX-License-Identifier: MIT */
/* Two CPUs running one test together (contract in cpu_pair.h).
 * Runs: guest (test kernel). */
#include "cpu_pair.h"

#include "acpi.h"
#include "ap_boot.h"
#include "apic.h"
#include "desc.h"
#include "irq.h"
#include "string.h"
#include "trap.h"

#define CPU_PAIR_TRAMPOLINE 0x8000u /* below 1 MiB, free in every kernel */
#define CPU_PAIR_STACK 16384u
#define CPU_PAIR_SPURIOUS 0xffu     /* never taken: interrupts stay off */
#define CPU_PAIR_ARRIVE_US 1000000u
/* Spins (each one PAUSE) before the other CPU counts as stalled: several
 * seconds under QEMU TCG, so a vCPU that is merely descheduled for a
 * while (another domain shares its CPU) is waited for. */
#define CPU_PAIR_SPINS 400000000u

static uint8_t cpu_pair_stack[CPU_PAIR_STACK] __attribute__((aligned(16)));

/* Shared by both CPUs; every access is atomic. */
static struct {
	uint32_t online;         /* the AP waits for work */
	uint32_t seq, done;      /* posts made, posts the AP finished */
	uint32_t fn, arg;        /* the posted function (valid for seq) */
	uint32_t point[2];       /* the last meeting point each reached */
	uint32_t stalled;        /* a wait gave up: meetings fail at once */
} pair;

static inline void cpu_pair_pause(void)
{
	__asm__ volatile("pause" ::: "memory");
}

/* The AP: the runtime's 32-bit IDT (probes recover), then runs what the
 * BSP posts, forever, with interrupts off. */
static void cpu_pair_ap_main(uint32_t unused)
{
	(void)unused;
	trap_load_idt(false);
	desc_load_tss(false);
	__atomic_store_n(&pair.online, 1, __ATOMIC_SEQ_CST);
	for (;;) {
		uint32_t seq = __atomic_load_n(&pair.seq, __ATOMIC_SEQ_CST);

		if (seq == __atomic_load_n(&pair.done, __ATOMIC_SEQ_CST)) {
			cpu_pair_pause();
			continue;
		}
		((cpu_pair_fn_t)__atomic_load_n(&pair.fn, __ATOMIC_SEQ_CST))(
			__atomic_load_n(&pair.arg, __ATOMIC_SEQ_CST));
		__atomic_store_n(&pair.done, seq, __ATOMIC_SEQ_CST);
	}
}

/* The APIC ID of the first enabled CPU in the MADT that is not this one;
 * false if there is none. Sets the local APIC's base from the MADT. */
static bool cpu_pair_find_ap(uint8_t *apic_id)
{
	const struct acpi_madt *madt = acpi_find_madt();

	if (!madt)
		return false;
	lapic_set_base(madt->lapic_addr);
	return acpi_madt_enabled_cpus(madt, lapic_id(), apic_id, 1) == 1;
}

bool cpu_pair_start(const char **why)
{
	struct ap_boot_result res;
	uint8_t apic_id;
	uint32_t spins = 0;

	if (!cpu_pair_find_ap(&apic_id)) {
		*why = NULL;
		return false;
	}
	irq_init();
	lapic_enable(CPU_PAIR_SPURIOUS);
	ap_boot_install(CPU_PAIR_TRAMPOLINE);
	if (!ap_boot_start(apic_id,
			   (uint32_t)(cpu_pair_stack + sizeof(cpu_pair_stack)),
			   cpu_pair_ap_main, 0, CPU_PAIR_ARRIVE_US, &res)) {
		*why = "the AP did not reach 32-bit code";
		return false;
	}
	while (!__atomic_load_n(&pair.online, __ATOMIC_SEQ_CST)) {
		if (++spins == CPU_PAIR_SPINS) {
			*why = "the AP did not come online";
			return false;
		}
		cpu_pair_pause();
	}
	*why = NULL;
	return true;
}

bool cpu_pair_online(void)
{
	return __atomic_load_n(&pair.online, __ATOMIC_SEQ_CST) != 0;
}

void cpu_pair_post(cpu_pair_fn_t fn, uint32_t arg)
{
	__atomic_store_n(&pair.fn, (uint32_t)fn, __ATOMIC_SEQ_CST);
	__atomic_store_n(&pair.arg, arg, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&pair.seq, 1, __ATOMIC_SEQ_CST);
}

bool cpu_pair_wait(void)
{
	uint32_t spins = 0;

	while (__atomic_load_n(&pair.done, __ATOMIC_SEQ_CST) !=
	       __atomic_load_n(&pair.seq, __ATOMIC_SEQ_CST)) {
		if (++spins == CPU_PAIR_SPINS)
			return false;
		cpu_pair_pause();
	}
	return true;
}

bool cpu_pair_meet(unsigned int cpu, uint32_t n)
{
	unsigned int me = cpu & 1, other = me ^ 1;
	uint32_t spins = 0;

	__atomic_store_n(&pair.point[me], n, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&pair.point[other], __ATOMIC_SEQ_CST) < n) {
		if (__atomic_load_n(&pair.stalled, __ATOMIC_SEQ_CST) ||
		    ++spins == CPU_PAIR_SPINS) {
			__atomic_store_n(&pair.stalled, 1, __ATOMIC_SEQ_CST);
			return false;
		}
		cpu_pair_pause();
	}
	return true;
}
