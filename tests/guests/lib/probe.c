/* SPDX-License-Identifier: MIT */
/* Expected-fault probes: one read, write or instruction fetch at an
 * address, from ring 0 or ring 3, reporting whether it faulted and how.
 * Runs: guest (test kernel). */
#include "desc.h"
#include "probe.h"
#include "trap.h"

/* probe_asm.asm */
uint32_t probe_asm_read(uint32_t addr);
void probe_asm_write(uint32_t addr, uint32_t value);
uint32_t probe_asm_exec(uint32_t addr);
uint32_t probe_asm_user(const void *entry, uint32_t addr, uint32_t value,
			uint32_t user_cs, uint32_t user_ds, uint32_t user_esp);
extern char probe_asm_exec_fault[], probe_user_read[], probe_user_write[];
extern char probe_user_exec[], probe_user_exec_fault[];

/* Linker script: the (instruction, recovery) pairs of probe_asm.asm. */
struct probe_fixup {
	uint32_t insn, recover;
};
extern const struct probe_fixup __fixup_start[], __fixup_end[];

volatile uint32_t probe_exec_target, probe_exec_recover;
static uint8_t probe_user_stack[4096] __attribute__((aligned(16)));

bool probe_recovery(uint32_t eip, uint32_t *recover)
{
	for (const struct probe_fixup *f = __fixup_start; f < __fixup_end;
	     f++) {
		if (f->insn == eip) {
			*recover = f->recover;
			return true;
		}
	}
	if (probe_exec_target && eip == probe_exec_target) {
		*recover = probe_exec_recover;
		return true;
	}
	return false;
}

static uint32_t probe_ring3(enum probe_op op, uint32_t addr, uint32_t value)
{
	static const char *const entry[] = {
		[PROBE_READ] = probe_user_read,
		[PROBE_WRITE] = probe_user_write,
		[PROBE_EXEC] = probe_user_exec,
	};
	uint32_t top = (uint32_t)(probe_user_stack + sizeof(probe_user_stack));

	if (op == PROBE_EXEC) {
		probe_exec_recover = (uint32_t)probe_user_exec_fault;
		probe_exec_target = addr;
	}
	return probe_asm_user(entry[op], addr, value, SEL_UCODE32, SEL_UDATA,
			      top);
}

static uint32_t probe_ring0(enum probe_op op, uint32_t addr, uint32_t value)
{
	switch (op) {
	case PROBE_READ:
		return probe_asm_read(addr);
	case PROBE_WRITE:
		probe_asm_write(addr, value);
		return 0;
	case PROBE_EXEC:
		probe_exec_recover = (uint32_t)probe_asm_exec_fault;
		probe_exec_target = addr;
		return probe_asm_exec(addr);
	}
	return 0;
}

struct probe_result probe(enum probe_op op, int ring, uint32_t addr,
			  uint32_t value)
{
	struct probe_result r = { 0 };
	uint32_t before = trap_recovered;

	r.value = ring ? probe_ring3(op, addr, value)
		       : probe_ring0(op, addr, value);
	probe_exec_target = 0;
	if (trap_recovered != before) {
		r.faulted = true;
		r.vector = trap_vector;
		r.error = trap_error;
		r.eip = trap_eip;
		r.cs = trap_cs;
		r.cr2 = trap_cr2;
		r.value = 0;
	}
	return r;
}
