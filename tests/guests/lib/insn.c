/* SPDX-License-Identifier: MIT */
/* Privileged instructions run once with an expected fault caught (see
 * insn.h). Runs: guest (test kernel). */
#include "desc.h"
#include "insn.h"
#include "trap.h"

/* insn_asm.asm */
uint64_t insn_asm_rdmsr(uint32_t msr);
void insn_asm_wrmsr(uint32_t msr, uint32_t lo, uint32_t hi);
void insn_asm_write_cr0(uint32_t val);
void insn_asm_write_cr4(uint32_t val);
void insn_asm_clts(void);
void insn_asm_lmsw(uint32_t msw);
void insn_asm_lmsw_mem(const volatile uint16_t *msw);
void insn_asm_svm(uint32_t which);
uint32_t insn_asm_vmmcall(uint32_t nr, uint32_t a1, uint32_t a2);
void insn_asm_rep_outsb(uint32_t port, const void *buf, uint32_t len,
			uint32_t out[2]);
void insn_asm_rep_outsb_a16(uint32_t port, uint32_t esi, uint32_t ecx,
			    uint32_t out[2]);
extern char insn_user_vmmcall[];

/* probe_asm.asm: the ring-3 round trip. */
uint32_t probe_asm_user(const void *entry, uint32_t addr, uint32_t value,
			uint32_t user_cs, uint32_t user_ds, uint32_t user_esp);

static uint8_t insn_user_stack[4096] __attribute__((aligned(16)));

/* The result of the instruction that ran since trap_recovered was before. */
static struct probe_result insn_result(uint32_t before)
{
	struct probe_result r = { 0 };

	if (trap_recovered != before) {
		r.faulted = true;
		r.vector = trap_vector;
		r.error = trap_error;
		r.eip = trap_eip;
		r.cs = trap_cs;
		r.cr2 = trap_cr2;
	}
	return r;
}

struct probe_result insn_rdmsr(uint32_t msr, uint64_t *val)
{
	uint32_t before = trap_recovered;

	*val = insn_asm_rdmsr(msr);
	return insn_result(before);
}

struct probe_result insn_wrmsr(uint32_t msr, uint64_t val)
{
	uint32_t before = trap_recovered;

	insn_asm_wrmsr(msr, (uint32_t)val, (uint32_t)(val >> 32));
	return insn_result(before);
}

struct probe_result insn_write_cr0(uint32_t val)
{
	uint32_t before = trap_recovered;

	insn_asm_write_cr0(val);
	return insn_result(before);
}

struct probe_result insn_write_cr4(uint32_t val)
{
	uint32_t before = trap_recovered;

	insn_asm_write_cr4(val);
	return insn_result(before);
}

struct probe_result insn_clts(void)
{
	uint32_t before = trap_recovered;

	insn_asm_clts();
	return insn_result(before);
}

struct probe_result insn_lmsw(uint16_t msw)
{
	uint32_t before = trap_recovered;

	insn_asm_lmsw(msw);
	return insn_result(before);
}

struct probe_result insn_lmsw_mem(uint16_t msw)
{
	static volatile uint16_t operand;
	uint32_t before = trap_recovered;

	operand = msw;
	insn_asm_lmsw_mem(&operand);
	return insn_result(before);
}

struct probe_result insn_svm(enum insn_svm which)
{
	uint32_t before = trap_recovered;

	insn_asm_svm(which);
	return insn_result(before);
}

const char *insn_svm_name(enum insn_svm which)
{
	static const char *const names[INSN_SVM_NR] = {
		[INSN_VMRUN] = "VMRUN", [INSN_VMLOAD] = "VMLOAD",
		[INSN_VMSAVE] = "VMSAVE", [INSN_STGI] = "STGI",
		[INSN_CLGI] = "CLGI",
	};

	return which < INSN_SVM_NR ? names[which] : "?";
}

struct probe_result insn_vmmcall(int ring, uint32_t nr, uint32_t a1,
				 uint32_t a2, uint32_t *ret)
{
	uint32_t before = trap_recovered;
	uint32_t top = (uint32_t)(insn_user_stack + sizeof(insn_user_stack));

	if (ring)
		*ret = probe_asm_user(insn_user_vmmcall, a2, nr, SEL_UCODE32,
				      SEL_UDATA, top);
	else
		*ret = insn_asm_vmmcall(nr, a1, a2);
	return insn_result(before);
}

struct probe_result insn_rep_outsb(uint16_t port, const void *buf,
				   uint32_t len, uint32_t *ecx_after,
				   uint32_t *esi_after)
{
	uint32_t before = trap_recovered, out[2];

	insn_asm_rep_outsb(port, buf, len, out);
	*ecx_after = out[0];
	*esi_after = out[1];
	return insn_result(before);
}

struct probe_result insn_rep_outsb_a16(uint16_t port, uint32_t esi,
				       uint32_t ecx, uint32_t *ecx_after,
				       uint32_t *esi_after)
{
	uint32_t before = trap_recovered, out[2];

	insn_asm_rep_outsb_a16(port, esi, ecx, out);
	*ecx_after = out[0];
	*esi_after = out[1];
	return insn_result(before);
}
