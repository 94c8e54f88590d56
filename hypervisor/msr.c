/* SPDX-License-Identifier: MIT */
/*
 * RDMSR/WRMSR for the MSRs the guest may not reach directly: EFER (whose
 * SVME bit the hardware needs and the guest must not see), PAT, the TSC.
 * The SYSCALL, SYSENTER and segment-base MSRs are not intercepted. Every
 * other MSR raises #GP, as on a CPU that does not implement it.
 * Runs: host root mode. AMD APM vol. 2 3.1.7 (EFER), 7.8 (PAT).
 */
#include <asm/cpu.h>
#include <asm/msr-index.h>
#include <shale/errno.h>
#include <shale/cpuid.h>
#include <shale/hvm.h>
#include <shale/paging.h>
#include <shale/platform.h>
#include <shale/vmexit_handlers.h>

#define MSR_IA32_TSC 0x10
/* AMD's northbridge configuration: Linux reads and writes it on every
 * family-17h CPU without a fault handler (amd_bus_cpu_online). It reads as
 * 0 and ignores writes, as KVM does. */
#define MSR_AMD64_NB_CFG 0xc001001f

bool vcpu_set_efer(struct vcpu *v, u64 val)
{
	u64 allowed = cpuid_guest_efer_allowed(v);

	if (val & ~allowed)
		return false;
	/* LME may not change while paging is on (APM 14.6.1). */
	if ((v->cr[0] & CR0_PG) && ((val ^ v->efer) & EFER_LME))
		return false;
	val = (val & ~EFER_LMA) | (v->efer & EFER_LMA); /* LMA is the CPU's */
	if ((val ^ v->efer) & EFER_NXE)
		hvm->flush_guest_tlb(v);
	v->efer = val;
	hvm->update_guest_cr(v, 8);
	paging_update_paging_modes(v);
	return true;
}

/* Each PAT entry must name a memory type: 0, 1, 4, 5, 6 or 7. */
static bool pat_valid(u64 pat)
{
	for (int i = 0; i < 8; i++) {
		u8 t = (pat >> (8 * i)) & 0xff;

		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

static bool msr_read(struct vcpu *v, u32 msr, u64 *val)
{
	switch (msr) {
	case MSR_EFER:
		*val = v->efer;
		return true;
	case MSR_IA32_PAT:
		*val = v->pat;
		return true;
	case MSR_IA32_TSC:
		*val = rdtsc() + (u64)v->tsc_offset;
		return true;
	case MSR_AMD64_NB_CFG:
		*val = 0;
		return true;
	default:
		return false;
	}
}

static bool msr_write(struct vcpu *v, u32 msr, u64 val)
{
	switch (msr) {
	case MSR_EFER:
		return vcpu_set_efer(v, val);
	case MSR_IA32_PAT:
		if (!pat_valid(val))
			return false;
		v->pat = val;
		hvm->update_guest_pat(v);
		return true;
	case MSR_IA32_TSC:
		v->tsc_offset = (s64)(val - rdtsc());
		return true;
	case MSR_AMD64_NB_CFG:
		return true;
	default:
		return false;
	}
}

void handle_msr(struct vcpu *v, const struct vm_exit *e, bool write)
{
	u32 msr = (u32)v->regs.rcx;
	u64 val = ((v->regs.rdx & 0xffffffffUL) << 32) | (v->regs.rax & 0xffffffffUL);
	bool handled;
	bool ok = write ? platform_msr_write(v, msr, val, &handled)
			: platform_msr_read(v, msr, &val, &handled);

	if (!handled)
		ok = write ? msr_write(v, msr, val) : msr_read(v, msr, &val);

	if (!ok) {
		v->stats.msr_gp++;
		vcpu_inject_gp(v);
		return;
	}
	if (!write) {
		v->regs.rax = val & 0xffffffffUL;
		v->regs.rdx = val >> 32;
	}
	vcpu_skip_insn(v, e, 2);
}
