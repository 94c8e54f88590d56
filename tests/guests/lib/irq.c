/* SPDX-License-Identifier: MIT */
/* External interrupts and IPIs for the BSP and the APs, and exceptions on
 * the APs. Runs: guest (test kernel), legacy protected mode. */
#include "apic.h"
#include "irq.h"
#include "printf.h"
#include "trap.h"
#include "x86.h"

#define GATE_INTR32	0x8e	/* P, DPL 0, 32-bit interrupt gate */

/* What irq_asm.asm pushes, from the lowest address up. */
struct irq_frame {
	uint32_t edi, esi, ebp, esp_pushad, ebx, edx, ecx, eax;
	uint32_t vector, error;
	uint32_t eip, cs, eflags;
};

extern const uint32_t irq_stubs[256];

volatile struct irq_fault irq_ap_fault;
volatile uint32_t irq_ap_faults, irq_unhandled;

static irq_handler_t irq_handlers[256];
static volatile uint64_t *irq_bsp_idt;
static uint64_t irq_ap_idt[256] __attribute__((aligned(8)));
static struct {
	uint16_t limit;
	uint32_t base;
} __attribute__((packed)) irq_ap_idtr_image;
static uint16_t irq_cs;

/* Called from irq_asm.asm only. */
void irq_dispatch(struct irq_frame *f);

static uint64_t irq_gate(uint32_t handler)
{
	return (uint64_t)(handler & 0xffff) | (uint64_t)irq_cs << 16 |
	       (uint64_t)GATE_INTR32 << 40 | (uint64_t)(handler >> 16) << 48;
}

void irq_init(void)
{
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) idtr;

	__asm__ volatile("sidt %0" : "=m"(idtr));
	__asm__ volatile("mov %%cs, %0" : "=r"(irq_cs));
	irq_bsp_idt = (volatile uint64_t *)idtr.base;
	for (int v = 0; v < 32; v++)
		irq_ap_idt[v] = irq_gate(irq_stubs[v]);
	irq_ap_idtr_image.limit = sizeof(irq_ap_idt) - 1;
	irq_ap_idtr_image.base = (uint32_t)irq_ap_idt;
}

void irq_set_handler(uint8_t vector, irq_handler_t fn)
{
	uint64_t gate = irq_gate(irq_stubs[vector]);

	irq_handlers[vector] = fn;
	irq_bsp_idt[vector] = gate;
	irq_ap_idt[vector] = gate;
}

const void *irq_ap_idtr(void)
{
	return &irq_ap_idtr_image;
}

/* An exception on an AP: record it, say so, and stop this CPU for good
 * (never through guest_exit: only the BSP ends the guest). */
__attribute__((noreturn)) static void irq_ap_exception(struct irq_frame *f)
{
	uint32_t id = lapic_id();

	irq_ap_fault.vector = f->vector;
	irq_ap_fault.error = f->error;
	irq_ap_fault.eip = f->eip;
	irq_ap_fault.apic_id = id;
	__atomic_fetch_add(&irq_ap_faults, 1, __ATOMIC_SEQ_CST);
	printf("unexpected exception on the AP with APIC ID %u: %s (vector"
	       " %u) err=0x%x eip=0x%x; that CPU halts\n", id,
	       trap_name(f->vector), f->vector, f->error, f->eip);
	halt_forever();
}

void irq_dispatch(struct irq_frame *f)
{
	irq_handler_t h;

	/* Exceptions reach this code only through the APs' IDT. */
	if (f->vector < 32)
		irq_ap_exception(f);
	h = irq_handlers[f->vector];
	if (h)
		h((uint8_t)f->vector);
	else
		__atomic_fetch_add(&irq_unhandled, 1, __ATOMIC_SEQ_CST);
}
