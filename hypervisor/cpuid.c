/* SPDX-License-Identifier: MIT */
/*
 * What CPUID tells a guest: the host's answers filtered to the features
 * Shale supports for guests, the hypervisor bit, Shale's own leaves at
 * 0x40000000, and a per-vCPU APIC ID. Features that need emulation Shale
 * does not have yet (XSAVE, nested SVM, MTRRs, machine checks) are hidden
 * so that guests do not try them; the local APIC (xAPIC, x2APIC,
 * TSC-deadline timer) is Shale's own model and always offered.
 * Runs: host root mode. Bits: AMD APM vol. 3 appendix E; Intel SDM vol. 2A
 * CPUID.
 */
#include <asm/cpu.h>
#include <shale/compiler.h>
#include <shale/cpuid.h>
#include <shale/vcpu.h>

#include <shale-abi.h>

/* Leaf 1 EDX: FPU DE PSE TSC MSR PAE CX8 APIC SEP PGE CMOV PAT PSE36 CLFSH
 * MMX FXSR SSE SSE2. (No VME, MCE, MTRR, MCA, ACPI, HTT, ...) */
#define L1_EDX_ALLOWED ((1u << 0) | (1u << 2) | (1u << 3) | (1u << 4) | \
			(1u << 5) | (1u << 6) | (1u << 8) | (1u << 9) | (1u << 11) | \
			(1u << 13) | (1u << 15) | (1u << 16) | (1u << 17) | \
			(1u << 19) | (1u << 23) | (1u << 24) | (1u << 25) | \
			(1u << 26))
/* Leaf 1 ECX: SSE3 PCLMULQDQ SSSE3 CX16 SSE4.1 SSE4.2 x2APIC MOVBE POPCNT
 * TSC-deadline AES RDRAND (no MONITOR, VMX, XSAVE, OSXSAVE, AVX). x2APIC
 * and TSC-deadline are Shale's own local APIC model, offered regardless of
 * the host. */
#define L1_ECX_ALLOWED ((1u << 0) | (1u << 1) | (1u << 9) | (1u << 13) | \
			(1u << 19) | (1u << 20) | (1u << 22) | (1u << 23) | \
			(1u << 25) | (1u << 30))
#define L1_ECX_EMULATED ((1u << 21) | (1u << 24))
#define L1_ECX_HYPERVISOR (1u << 31)
/* Leaf 7.0 EBX: BMI1 SMEP BMI2 ERMS SMAP CLFLUSHOPT (no FSGSBASE, PKU...). */
#define L7_EBX_ALLOWED ((1u << 3) | (1u << 7) | (1u << 8) | (1u << 9) | \
			(1u << 20) | (1u << 23))
/* Leaf 0x80000001 EDX: the leaf-1 bits AMD repeats (FPU DE PSE TSC MSR PAE
 * CX8 PGE CMOV PAT PSE36 MMX FXSR) and SYSCALL NX MMXEXT PDPE1GB LM. */
#define LX1_EDX_ALLOWED ((1u << 0) | (1u << 2) | (1u << 3) | (1u << 4) | \
			 (1u << 5) | (1u << 6) | (1u << 8) | (1u << 11) | \
			 (1u << 13) | (1u << 15) | (1u << 16) | (1u << 17) | \
			 (1u << 20) | (1u << 22) | (1u << 23) | (1u << 24) | \
			 (1u << 26) | (1u << 29))
/* Leaf 0x80000001 ECX: LAHF_LM ABM SSE4A PREFETCHW (no SVM, CR8_LEGACY). */
#define LX1_ECX_ALLOWED ((1u << 0) | (1u << 5) | (1u << 6) | (1u << 8))

void cpuid_guest(struct vcpu *v, u32 leaf, u32 subleaf, struct cpuid_regs *r)
{
	u32 max_basic = MIN(cpuid(0).eax, 0xdu);
	u32 max_ext = cpuid(0x80000000).eax;

	if (leaf >= SHALE_CPUID_BASE && leaf < SHALE_CPUID_BASE + 0x100) {
		*r = (struct cpuid_regs){ 0 };
		if (leaf == SHALE_CPUID_BASE) {
			r->eax = SHALE_CPUID_VERSION;
			r->ebx = SHALE_CPUID_SIGNATURE_EBX;
			r->ecx = SHALE_CPUID_SIGNATURE_ECX;
			r->edx = SHALE_CPUID_SIGNATURE_EDX;
		} else if (leaf == SHALE_CPUID_VERSION) {
			r->eax = SHALE_ABI_VERSION;
		}
		return;
	}
	if ((leaf < 0x80000000 && leaf > max_basic) ||
	    (leaf >= 0x80000000 && leaf > max_ext) ||
	    (leaf > 0x80000008 && leaf < 0xc0000000) || leaf >= 0xc0000000) {
		*r = (struct cpuid_regs){ 0 };
		return;
	}
	*r = cpuid_count(leaf, subleaf);
	switch (leaf) {
	case 0:
		r->eax = max_basic;
		break;
	case 1:
		r->edx &= L1_EDX_ALLOWED;
		r->ecx = (r->ecx & L1_ECX_ALLOWED) | L1_ECX_EMULATED | L1_ECX_HYPERVISOR;
		/* APIC ID = vCPU id, one logical processor per package. */
		r->ebx = (r->ebx & 0x0000ffffu) | (1u << 16) | (v->id << 24);
		break;
	case 6: /* thermal and power: nothing */
	case 0xa: /* performance monitoring: none */
	case 0xb: /* topology: not described yet */
	case 0xd: /* XSAVE: hidden */
		*r = (struct cpuid_regs){ 0 };
		break;
	case 7:
		if (subleaf == 0) {
			r->eax = 0;
			r->ebx &= L7_EBX_ALLOWED;
		} else {
			r->ebx = 0;
		}
		r->ecx = r->edx = 0;
		break;
	case 0x80000001:
		r->edx &= LX1_EDX_ALLOWED;
		r->ecx &= LX1_ECX_ALLOWED;
		break;
	case 0x80000008: {
		/* Guest-physical addresses stop at what 4-level NPT maps. */
		u32 phys = MIN(r->eax & 0xff, 48u);

		r->eax = (r->eax & ~0xffu) | phys;
		r->ecx &= ~0xf0ffu; /* no core count, no APIC id size */
		r->ebx = 0;
		break;
	}
	default:
		break;
	}
}

/* The CR4 bits a guest may set: those whose feature CPUID offers. */
u64 cpuid_guest_cr4_allowed(struct vcpu *v)
{
	struct cpuid_regs l1, l7;
	u64 allowed = (1u << 2) /* TSD */ | (1u << 3) /* DE */ | (1u << 8) /* PCE */ |
		      (1u << 9) /* OSFXSR */ | (1u << 10) /* OSXMMEXCPT */;

	cpuid_guest(v, 1, 0, &l1);
	cpuid_guest(v, 7, 0, &l7);
	if (l1.edx & (1u << 3))
		allowed |= 1u << 4; /* PSE */
	if (l1.edx & (1u << 6))
		allowed |= 1u << 5; /* PAE */
	if (l1.edx & (1u << 13))
		allowed |= 1u << 7; /* PGE */
	if (l7.ebx & (1u << 7))
		allowed |= 1u << 20; /* SMEP */
	if (l7.ebx & (1u << 20))
		allowed |= 1u << 21; /* SMAP */
	return allowed;
}

/* The EFER bits a guest may set. */
u64 cpuid_guest_efer_allowed(struct vcpu *v)
{
	struct cpuid_regs x1;
	u64 allowed = (1u << 0) /* SCE */ | (1u << 8) /* LME */ | (1u << 10) /* LMA */;

	cpuid_guest(v, 0x80000001, 0, &x1);
	if (x1.edx & (1u << 20))
		allowed |= 1u << 11; /* NXE */
	return allowed;
}

/* The guest's physical-address width. */
unsigned int cpuid_guest_maxphyaddr(struct vcpu *v)
{
	struct cpuid_regs r;

	cpuid_guest(v, 0x80000008, 0, &r);
	return r.eax & 0xff ? r.eax & 0xff : 36;
}

bool cpuid_guest_has(struct vcpu *v, u32 leaf, char reg, unsigned int bit)
{
	struct cpuid_regs r;
	u32 val;

	cpuid_guest(v, leaf, 0, &r);
	val = reg == 'a' ? r.eax : reg == 'b' ? r.ebx : reg == 'c' ? r.ecx : r.edx;
	return (val >> bit) & 1;
}
