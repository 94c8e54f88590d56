/* SPDX-License-Identifier: MIT */
/* Exception handling: a 32-bit IDT for legacy protected mode and a 64-bit
 * IDT for long mode. A fault at a probe instruction (see probe.h) is
 * recorded and resumed at its recovery address; any other exception is
 * reported and ends the guest with EXIT_TRAP. Runs: guest (test kernel). */
#include <stdbool.h>

#include "desc.h"
#include "exit.h"
#include "printf.h"
#include "probe.h"
#include "trap.h"
#include "x86.h"

#define GATE_INTR32	0x8e	/* P, DPL 0, 32-bit interrupt gate */
#define GATE_INTR64	0x8e	/* the same type is a 64-bit gate in long mode */
#define GATE_DPL3	0x60	/* reachable by INT from ring 3 */

/* What trap32.asm pushes, from the lowest address up. */
struct trap_frame32 {
	uint32_t es, ds;
	uint32_t edi, esi, ebp, esp_pushad, ebx, edx, ecx, eax;
	uint32_t vector, error;
	uint32_t eip, cs, eflags;
	uint32_t user_esp, user_ss;	/* only for traps from ring 3 */
};

/* A 64-bit IDT gate (AMD APM vol. 2, 8.9.1). */
struct gate64 {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, rsvd;
} __attribute__((packed));

volatile uint32_t trap_vector, trap_error, trap_eip, trap_cs;
volatile uint64_t trap_cr2;
volatile uint32_t trap_recovered;
/* Read by trap64.asm to build frames that return to 32-bit ring 0. */
uint32_t trap64_kernel_cs32 = SEL_KCODE32, trap64_kernel_ds = SEL_KDATA;

extern const uint32_t trap32_stubs[32], trap64_stubs[32];
extern char trap64_user_return[];

static uint64_t trap_idt32[256] __attribute__((aligned(8)));
static struct gate64 trap_idt64[256] __attribute__((aligned(16)));

/* Called from asm only. */
void trap_handle32(struct trap_frame32 *f);
__attribute__((noreturn)) void trap_report_last(uint32_t long_mode);

static uint64_t gate32(uint32_t handler, uint8_t type)
{
	return (uint64_t)(handler & 0xffff) | (uint64_t)SEL_KCODE32 << 16 |
	       (uint64_t)type << 40 | (uint64_t)(handler >> 16) << 48;
}

static struct gate64 gate64(uint32_t handler, uint8_t type)
{
	return (struct gate64){ .off_lo = handler & 0xffff,
				.sel = SEL_KCODE64, .type = type,
				.off_mid = handler >> 16 };
}

void trap_init(void)
{
	for (int v = 0; v < 32; v++) {
		trap_idt32[v] = gate32(trap32_stubs[v], GATE_INTR32);
		trap_idt64[v] = gate64(trap64_stubs[v], GATE_INTR64);
	}
	trap_idt32[probe_return_vector] =
		gate32((uint32_t)probe_user_return32, GATE_INTR32 | GATE_DPL3);
	trap_idt64[probe_return_vector] =
		gate64((uint32_t)trap64_user_return, GATE_INTR64 | GATE_DPL3);
	trap_load_idt(false);
}

void trap_load_idt(bool long_mode)
{
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) idtr;

	if (long_mode)
		idtr = (typeof(idtr)){ sizeof(trap_idt64) - 1,
				       (uint32_t)trap_idt64 };
	else
		idtr = (typeof(idtr)){ sizeof(trap_idt32) - 1,
				       (uint32_t)trap_idt32 };
	__asm__ volatile("lidt %0" : : "m"(idtr) : "memory");
}

const char *trap_name(uint32_t vector)
{
	static const char *const names[32] = {
		"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
		"#DF", "#09", "#TS", "#NP", "#SS", "#GP", "#PF", "#15",
		"#MF", "#AC", "#MC", "#XM", "#VE", "#CP", [29] = "#VC",
		[30] = "#SX",
	};

	if (vector < 32 && names[vector])
		return names[vector];
	return "#??";
}

/* Prints what trap_* holds and ends the guest with EXIT_TRAP; long_mode
 * says which IDT took the exception. */
void trap_report_last(uint32_t long_mode)
{
	printf("unexpected exception: %s (vector %u) err=0x%x eip=0x%x"
	       " cs=0x%x cr2=0x%llx in %s\n",
	       trap_name(trap_vector), trap_vector, trap_error, trap_eip,
	       trap_cs, (unsigned long long)trap_cr2,
	       long_mode ? "long mode" : "legacy protected mode");
	printf("FAIL\n");
	guest_exit(EXIT_TRAP);
}

/* Every exception in legacy protected mode: records it in trap_*, then
 * resumes a probe at its recovery address or reports it and exits. */
void trap_handle32(struct trap_frame32 *f)
{
	uint32_t recover;

	trap_vector = f->vector;
	trap_error = f->error;
	trap_eip = f->eip;
	trap_cs = f->cs;
	trap_cr2 = read_cr2();
	if (probe_recovery(f->eip, &recover)) {
		f->eip = recover;
		trap_recovered++;
		return;
	}
	trap_report_last(0);
}
