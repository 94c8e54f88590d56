/* SPDX-License-Identifier: MIT */
/* cpu.elf: checks the CPU as the guest sees it, from 32-bit protected mode
 * with paging off: CPUID (leaf 0 against 0x80000000; under Shale, its
 * leaves 0x40000000-1 and the features it hides), MSRs (#GP for MSRs that
 * do not exist, EFER reserved bits and NXE, PAT memory types, the TSC,
 * the SYSENTER/SYSCALL/segment-base MSRs across an exit), CR0 (PG without
 * PE, NW without CD, CLTS, LMSW), CR4 (#GP for each bit whose feature
 * CPUID does not offer, PSE and PGE when it does), the SVM instructions
 * without EFER.SVME (#UD), Shale's hypercalls (VMMCALL from ring 0 and
 * ring 3) and REP OUTSB (to COM1, and with 16-bit addressing). Checks of
 * Shale itself run only when CPUID leaf 0x40000000 names Shale; checks
 * QEMU 7.2 TCG does not implement are skipped when it names TCG. Every
 * skip prints a line saying why. AMD APM vol. 2 3.1 (CR0, CR4, EFER), 7.8
 * (PAT), 15.4 (SVME); vol. 3 appendix E (CPUID); Intel SDM vol. 3 2.5,
 * 4.1.1. Runs: guest (test kernel). */
#include <shale-abi.h>

#include "insn.h"
#include "runtime.h"
#include "trap.h"
#include "x86.h"

#define VEC_UD	6
#define VEC_GP	13

#define CR0_MP	(1u << 1)
#define CR0_EM	(1u << 2)
#define CR0_TS	(1u << 3)
#define CR0_NW	(1u << 29)
#define CR0_CD	(1u << 30)

#define CR4_PGE		(1u << 7)
#define CR4_VMXE	(1u << 13)
#define CR4_OSXSAVE	(1u << 18)
#define CR4_PKE		(1u << 22)

#define EFER_SVME	(1u << 12)

#define MSR_TSC		0x10u
#define MSR_APIC_BASE	0x1bu
#define MSR_PAT		0x277u
#define PAT_RESET	0x0007040600070406ull	/* its power-up value */

/* CPUID bits (AMD APM vol. 3 appendix E; SDM vol. 2A, CPUID). */
#define L1_EDX_VME	(1u << 1)
#define L1_EDX_DE	(1u << 2)
#define L1_EDX_PSE	(1u << 3)
#define L1_EDX_TSC	(1u << 4)
#define L1_EDX_PAE	(1u << 6)
#define L1_EDX_MCE	(1u << 7)
#define L1_EDX_APIC	(1u << 9)
#define L1_EDX_SEP	(1u << 11)
#define L1_EDX_PGE	(1u << 13)
#define L1_EDX_PAT	(1u << 16)
#define L1_EDX_FXSR	(1u << 24)
#define L1_EDX_SSE	(1u << 25)
#define L1_ECX_VMX	(1u << 5)
#define L1_ECX_SMX	(1u << 6)
#define L1_ECX_XSAVE	(1u << 26)
#define L1_ECX_OSXSAVE	(1u << 27)
#define L1_ECX_HV	(1u << 31)
#define L7_EBX_FSGSBASE	(1u << 0)
#define L7_EBX_SMEP	(1u << 7)
#define L7_EBX_SMAP	(1u << 20)
#define L7_ECX_UMIP	(1u << 2)
#define L7_ECX_PKU	(1u << 3)
#define L7_ECX_LA57	(1u << 16)
#define L7_ECX_KL	(1u << 23)
#define L7_ECX_PKS	(1u << 31)
#define L7_EDX_UINTR	(1u << 5)
#define X1_ECX_SVM	(1u << 2)
#define X1_ECX_SKINIT	(1u << 12)
#define X1_EDX_SYSCALL	(1u << 11)
#define X1_EDX_NX	(1u << 20)
#define X1_EDX_LM	(1u << 29)
#define XA_EDX_SVML	(1u << 2)

#define COM1		0x3f8
#define COM1_LSR	(COM1 + 5)
#define LSR_THRE	0x20

/* What CPUID says, read once. */
static struct {
	uint32_t max_basic, max_ext;
	uint32_t l1_ecx, l1_edx, l7_ebx, l7_ecx, l7_edx;
	uint32_t x1_ecx, x1_edx, xa_edx;
	bool hv;	/* CPUID.1:ECX bit 31: some hypervisor */
	bool shale;	/* ... and leaf 0x40000000 names Shale */
	bool tcg;	/* ... or names QEMU TCG */
	char sig[13];	/* that name, printable, if hv */
} id;

/* Why Shale's own checks are skipped, once check_cpuid has run. */
static char not_shale[96];

/* Architectural behaviour QEMU TCG (7.2) does not implement: under TCG,
 * prints "WHAT: skipped, QEMU TCG ... INSTEAD" and returns true. */
static bool tcg_gap(const char *what, const char *instead)
{
	if (!id.tcg)
		return false;
	check_note("%s: skipped, QEMU TCG (CPUID 0x40000000 \"%s\") %s",
		   what, id.sig, instead);
	return true;
}

/* "#GP err=0x0", "#UD" or "no fault" for r, in buf. */
static const char *outcome(const struct probe_result *r, char *buf,
			   size_t size)
{
	if (!r->faulted)
		snprintf(buf, size, "no fault");
	else if (r->vector == 8 || (r->vector >= 10 && r->vector <= 14) ||
		 r->vector == 17)
		snprintf(buf, size, "%s err=0x%x", trap_name(r->vector),
			 r->error);
	else
		snprintf(buf, size, "%s", trap_name(r->vector));
	return buf;
}

/* Checks that r is a fault with vector (and, for #GP, error code 0);
 * fmt describes what ran. */
__attribute__((format(printf, 3, 4)))
static bool expect_fault(const struct probe_result *r, uint32_t vector,
			 const char *fmt, ...)
{
	char what[160], got[40];
	bool ok = r->faulted && r->vector == vector &&
		  (vector != VEC_GP || r->error == 0);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	outcome(r, got, sizeof(got));
	if (ok)
		return check(true, "%s: %s", what, got);
	return check(false, "%s: %s (expected %s%s)", what, got,
		     trap_name(vector), vector == VEC_GP ? " err=0x0" : "");
}

static void cpuid_vendor(uint32_t leaf, uint32_t *max, char vendor[13])
{
	uint32_t b, c, d;

	cpuid(leaf, 0, max, &b, &c, &d);
	memcpy(vendor, &b, 4);
	memcpy(vendor + 4, &d, 4);
	memcpy(vendor + 8, &c, 4);
	vendor[12] = 0;
}

static void check_cpuid(void)
{
	char v0[13], vx[13];
	uint32_t a, b, c, d;
	bool vx_none;

	cpuid_vendor(0, &id.max_basic, v0);
	check(id.max_basic >= 1, "cpuid 0: max leaf 0x%x, vendor \"%s\"",
	      id.max_basic, v0);
	cpuid(1, 0, &a, &b, &id.l1_ecx, &id.l1_edx);
	if (id.max_basic >= 7)
		cpuid(7, 0, &a, &id.l7_ebx, &id.l7_ecx, &id.l7_edx);

	/* AMD repeats the vendor in 0x80000000; Intel returns zeros. */
	cpuid_vendor(0x80000000u, &id.max_ext, vx);
	vx_none = !vx[0] && !memcmp(vx, "\0\0\0\0\0\0\0\0\0\0\0\0", 12);
	check(id.max_ext >= 0x80000001u && id.max_ext < 0x80000100u &&
	      (vx_none || !memcmp(vx, v0, 12)),
	      "cpuid 0x80000000: max leaf 0x%x, vendor %s%s%s", id.max_ext,
	      vx_none ? "" : "\"", vx_none ? "none (as Intel)" : vx,
	      vx_none ? "" : "\" as in leaf 0");
	cpuid(0x80000001u, 0, &a, &b, &id.x1_ecx, &id.x1_edx);
	if ((id.x1_ecx & X1_ECX_SVM) && id.max_ext >= 0x8000000au)
		cpuid(0x8000000au, 0, &a, &b, &c, &id.xa_edx);

	id.hv = id.l1_ecx & L1_ECX_HV;
	check_note("cpuid 1: hypervisor bit (ECX bit 31) %u", id.hv);
	if (!id.hv) {
		snprintf(not_shale, sizeof(not_shale), "CPUID.1:ECX.hypervisor"
			 " (bit 31) is clear, so no hypervisor");
		check_note("Shale CPUID checks skipped: %s", not_shale);
		return;
	}
	cpuid(SHALE_CPUID_BASE, 0, &a, &b, &c, &d);
	memcpy(id.sig, &b, 4);
	memcpy(id.sig + 4, &c, 4);
	memcpy(id.sig + 8, &d, 4);
	for (int i = 0; i < 12; i++)
		if (id.sig[i] < 0x20 || id.sig[i] > 0x7e)
			id.sig[i] = '.';
	id.shale = b == SHALE_CPUID_SIGNATURE_EBX &&
		   c == SHALE_CPUID_SIGNATURE_ECX &&
		   d == SHALE_CPUID_SIGNATURE_EDX;
	id.tcg = !memcmp(id.sig, "TCGTCGTCGTCG", 12);
	if (!id.shale) {
		snprintf(not_shale, sizeof(not_shale), "CPUID 0x40000000 names"
			 " \"%s\" (max leaf 0x%x), not Shale", id.sig, a);
		check_note("Shale CPUID checks skipped: %s", not_shale);
		return;
	}
	check(a >= SHALE_CPUID_VERSION, "cpuid 0x40000000: signature \"%s\","
	      " max leaf 0x%x", id.sig, a);
	cpuid(SHALE_CPUID_VERSION, 0, &a, &b, &c, &d);
	check(a == SHALE_ABI_VERSION, "cpuid 0x40000001: ABI version 0x%x"
	      " (Shale's is 0x%x)", a, SHALE_ABI_VERSION);

	/* The local APIC is either hidden, and its base MSR with it, or
	 * offered with the base MSR enabled (APIC_BASE bit 11) and this, the
	 * boot vCPU, the BSP (bit 8); SDM vol. 3, "Local APIC Status and
	 * Location". */
	{
		bool apic = id.l1_edx & L1_EDX_APIC;
		struct probe_result r;
		uint64_t base;
		char got[40];

		r = insn_rdmsr(MSR_APIC_BASE, &base);
		check(apic ? !r.faulted && (base & 0x900) == 0x900 :
		      r.faulted && r.vector == VEC_GP && !r.error,
		      "cpuid 1 under Shale: EDX.APIC (bit 9) %u, rdmsr"
		      " IA32_APIC_BASE: %s, 0x%llx", apic,
		      outcome(&r, got, sizeof(got)), base);
	}
	/* Features Shale does not emulate are hidden (hypervisor/cpuid.c). */
	check(!(id.l1_ecx & L1_ECX_XSAVE), "cpuid 1 under Shale: ECX.XSAVE"
	      " (bit 26) %u", !!(id.l1_ecx & L1_ECX_XSAVE));
	check(!(id.l1_ecx & L1_ECX_OSXSAVE), "cpuid 1 under Shale:"
	      " ECX.OSXSAVE (bit 27) %u", !!(id.l1_ecx & L1_ECX_OSXSAVE));
	check(!(id.l1_ecx & L1_ECX_VMX), "cpuid 1 under Shale: ECX.VMX"
	      " (bit 5) %u", !!(id.l1_ecx & L1_ECX_VMX));
	check(!(id.x1_ecx & X1_ECX_SVM), "cpuid 0x80000001 under Shale:"
	      " ECX.SVM (bit 2) %u", !!(id.x1_ecx & X1_ECX_SVM));
}

/* EFER: readable; reserved bits and bits whose feature CPUID does not
 * offer raise #GP (APM vol. 2 3.1.7); NXE works when NX is offered. */
static void check_efer(void)
{
	static const unsigned int reserved[] = { 3, 9, 63 };
	struct probe_result r;
	uint64_t efer, now;
	char got[40];

	r = insn_rdmsr(MSR_EFER, &efer);
	check(!r.faulted && !(efer & (EFER_SVME | EFER_LME | EFER_LMA)),
	      "rdmsr EFER: %s, 0x%llx (SVME, LME, LMA clear)",
	      outcome(&r, got, sizeof(got)), efer);
	if (r.faulted)
		return;

	for (unsigned int i = 0; i < sizeof(reserved) / sizeof(*reserved) &&
	     !tcg_gap("#GP for EFER reserved bits", "drops them silently");
	     i++) {
		r = insn_wrmsr(MSR_EFER, efer | 1ull << reserved[i]);
		insn_rdmsr(MSR_EFER, &now);
		expect_fault(&r, VEC_GP, "wrmsr EFER with reserved bit %u set"
			     " (EFER now 0x%llx)", reserved[i], now);
	}
	if (!(id.x1_ecx & X1_ECX_SVM)) {
		r = insn_wrmsr(MSR_EFER, efer | EFER_SVME);
		insn_rdmsr(MSR_EFER, &now);
		expect_fault(&r, VEC_GP, "wrmsr EFER.SVME=1 with"
			     " CPUID.80000001:ECX.SVM=0 (EFER now 0x%llx)",
			     now);
	} else {
		check_note("wrmsr EFER.SVME skipped: CPUID offers SVM");
	}

	if (id.x1_edx & X1_EDX_NX) {
		r = insn_wrmsr(MSR_EFER, efer | EFER_NXE);
		insn_rdmsr(MSR_EFER, &now);
		check(!r.faulted && now == (efer | EFER_NXE),
		      "wrmsr EFER.NXE=1 (CPUID.80000001:EDX.NX=1): %s, reads"
		      " back 0x%llx", outcome(&r, got, sizeof(got)), now);
		r = insn_wrmsr(MSR_EFER, efer);
		insn_rdmsr(MSR_EFER, &now);
		check(!r.faulted && now == efer, "wrmsr EFER back to 0x%llx:"
		      " %s, reads back 0x%llx", efer,
		      outcome(&r, got, sizeof(got)), now);
	} else {
		check_note("wrmsr EFER.NXE skipped: CPUID.80000001:EDX.NX is"
			   " clear");
	}
}

/* PAT: every entry must be a memory type (0, 1, 4-7) and bits 3-7 of
 * each entry are reserved (SDM vol. 3 and APM vol. 2, "Page Attribute
 * Table"). */
static void check_pat(void)
{
	const uint64_t valid = 0x0001050406070100ull;
	struct probe_result r;
	uint64_t pat, now;
	char got[40];

	if (!(id.l1_edx & L1_EDX_PAT)) {
		check_note("PAT checks skipped: CPUID.1:EDX.PAT is clear");
		return;
	}
	r = insn_rdmsr(MSR_PAT, &pat);
	check(!r.faulted && pat == PAT_RESET, "rdmsr PAT: %s, 0x%016llx"
	      " (the reset value 0x%016llx)", outcome(&r, got, sizeof(got)),
	      pat, PAT_RESET);
	if (r.faulted)
		return;

	if (!tcg_gap("#GP for invalid PAT entries", "takes any value")) {
		r = insn_wrmsr(MSR_PAT, (pat & ~0xffull) | 2);
		insn_rdmsr(MSR_PAT, &now);
		expect_fault(&r, VEC_GP, "wrmsr PAT with type 2 in entry 0"
			     " (PAT now 0x%016llx)", now);
		r = insn_wrmsr(MSR_PAT, (pat & ~(0xffull << 56)) | 8ull << 56);
		insn_rdmsr(MSR_PAT, &now);
		expect_fault(&r, VEC_GP, "wrmsr PAT with 0x08 (reserved bit 3)"
			     " in entry 7 (PAT now 0x%016llx)", now);
	}

	r = insn_wrmsr(MSR_PAT, valid);
	insn_rdmsr(MSR_PAT, &now);
	check(!r.faulted && now == valid, "wrmsr PAT 0x%016llx (all valid"
	      " types): %s, reads back 0x%016llx", valid,
	      outcome(&r, got, sizeof(got)), now);
	r = insn_wrmsr(MSR_PAT, pat);
	insn_rdmsr(MSR_PAT, &now);
	check(!r.faulted && now == pat, "wrmsr PAT back to 0x%016llx: %s,"
	      " reads back 0x%016llx", pat, outcome(&r, got, sizeof(got)),
	      now);
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* The TSC MSR: a written value is where the counter goes on from
 * (SDM vol. 3, "Time-Stamp Counter"). */
static void check_tsc(void)
{
	const uint64_t w = 0x0123456700000000ull;
	/* Generous: an exit to the hypervisor, under TCG, between two
	 * reads must not take 2^34 cycles (seconds at GHz rates). */
	const uint64_t close = 1ull << 34;
	struct probe_result r1, r2, r3;
	uint64_t a, b, c;
	char got[40];

	if (!(id.l1_edx & L1_EDX_TSC)) {
		check_note("TSC checks skipped: CPUID.1:EDX.TSC is clear");
		return;
	}
	if (tcg_gap("wrmsr and rdmsr of the TSC (MSR 0x10)",
		    "reads it as 0 and RDTSC ignores writes"))
		return;
	r1 = insn_wrmsr(MSR_TSC, w);
	r2 = insn_rdmsr(MSR_TSC, &a);
	r3 = insn_rdmsr(MSR_TSC, &b);
	c = rdtsc();
	check(!r1.faulted && !r2.faulted && !r3.faulted && a >= w &&
	      a - w < close && b > a && c > b,
	      "wrmsr TSC 0x%llx, then rdmsr TSC, rdmsr TSC, RDTSC: %s,"
	      " +0x%llx, +0x%llx, +0x%llx (close and increasing)", w,
	      outcome(r1.faulted ? &r1 : r2.faulted ? &r2 : &r3, got,
		      sizeof(got)),
	      a - w, b - w, c - w);
}

/* MSRs a hypervisor may leave to the hardware (Shale does: they are part
 * of the state VMSAVE/VMLOAD move): a value written must survive an exit
 * (CPUID) and read back. Only the MSRs whose feature CPUID offers. */
static void check_msr_state(void)
{
	static const struct {
		uint32_t msr;
		const char *name;
		uint64_t val;
	} msrs[] = {
		{ 0x174, "SYSENTER_CS", 0x0008 },
		{ 0x175, "SYSENTER_ESP", 0x12345670 },
		{ 0x176, "SYSENTER_EIP", 0x76543210 },
		{ 0xc0000081, "STAR", 0x0023001087654321ull },
		{ 0xc0000084, "SFMASK", 0x00000700 },
		{ 0xc0000082, "LSTAR", 0x00007f0012345000ull },
		{ 0xc0000083, "CSTAR", 0xffff800012345000ull },
		{ 0xc0000100, "FS_BASE", 0x12345000 },
		{ 0xc0000101, "GS_BASE", 0x23456000 },
		{ 0xc0000102, "KERNEL_GS_BASE", 0x00007f0000abc000ull },
	};
	bool sep = id.l1_edx & L1_EDX_SEP, sc = id.x1_edx & X1_EDX_SYSCALL;
	bool lm = id.x1_edx & X1_EDX_LM;

	for (unsigned int i = 0; i < sizeof(msrs) / sizeof(*msrs); i++) {
		bool offered = msrs[i].msr < 0xc0000000u ? sep :
			       msrs[i].msr <= 0xc0000081u ||
			       msrs[i].msr == 0xc0000084u ? sc : lm;
		struct probe_result r0, r1, r2;
		uint64_t old, now;
		uint32_t a, b, c, d;
		char got[40];

		if (!offered) {
			check_note("wrmsr %s skipped: CPUID does not offer it",
				   msrs[i].name);
			continue;
		}
		r0 = insn_rdmsr(msrs[i].msr, &old);
		r1 = insn_wrmsr(msrs[i].msr, msrs[i].val);
		cpuid(0, 0, &a, &b, &c, &d);
		r2 = insn_rdmsr(msrs[i].msr, &now);
		check(!r0.faulted && !r1.faulted && !r2.faulted &&
		      now == msrs[i].val, "wrmsr %s 0x%llx, CPUID (an exit"
		      " under a hypervisor), rdmsr: %s, 0x%llx", msrs[i].name,
		      msrs[i].val, outcome(r0.faulted ? &r0 : r1.faulted ?
					   &r1 : &r2, got, sizeof(got)), now);
		if (!r0.faulted)
			insn_wrmsr(msrs[i].msr, old);
	}
}

static void check_msrs(void)
{
	static const uint32_t absent[] = { 0x12345678u, 0xc0011234u };
	struct probe_result r;
	uint64_t val;

	if (!tcg_gap("#GP for MSRs that do not exist",
		     "reads them as 0 and ignores writes")) {
		for (unsigned int i = 0; i < sizeof(absent) / sizeof(*absent);
		     i++) {
			r = insn_rdmsr(absent[i], &val);
			expect_fault(&r, VEC_GP, "rdmsr 0x%08x (no such MSR)",
				     absent[i]);
		}
		r = insn_wrmsr(absent[0], 0);
		expect_fault(&r, VEC_GP, "wrmsr 0x%08x (no such MSR)",
			     absent[0]);
	}
	check_efer();
	check_pat();
	check_tsc();
	check_msr_state();
}

/* CR0 (APM vol. 2 3.1.1; SDM vol. 3 2.5): invalid combinations raise #GP
 * and change nothing; CLTS clears TS; LMSW loads PE, MP, EM and TS but
 * cannot clear PE. Bits 63:32 are out of reach of 32-bit code. */
static void check_cr0(void)
{
	uint32_t cr0 = read_cr0(), a, b;
	struct probe_result r, r2;
	char got[40];

	check_note("CR0 is 0x%08x", cr0);
	/* Under TCG the first would turn paging on in real mode. */
	if (!tcg_gap("#GP for invalid CR0 values (PG without PE, NW without"
		     " CD)", "does not check them")) {
		r = insn_write_cr0((cr0 | CR0_PG) & ~CR0_PE);
		expect_fault(&r, VEC_GP, "mov cr0 with PG=1 PE=0 (CR0 now"
			     " 0x%08x)", read_cr0());
		r = insn_write_cr0((cr0 | CR0_NW) & ~CR0_CD);
		expect_fault(&r, VEC_GP, "mov cr0 with NW=1 CD=0 (CR0 now"
			     " 0x%08x)", read_cr0());
	}

	r = insn_write_cr0(cr0 | CR0_TS);
	a = read_cr0();
	r2 = insn_clts();
	b = read_cr0();
	check(!r.faulted && !r2.faulted && (a & CR0_TS) && !(b & CR0_TS),
	      "mov cr0 with TS=1, then CLTS: %s, CR0.TS %u then %u",
	      outcome(r.faulted ? &r : &r2, got, sizeof(got)),
	      !!(a & CR0_TS), !!(b & CR0_TS));

	/* LMSW with PE=0 in the source: PE stays set. */
	r = insn_lmsw(CR0_MP | CR0_TS);
	a = read_cr0();
	check(!r.faulted && (a & (CR0_PE | CR0_MP | CR0_TS)) ==
	      (CR0_PE | CR0_MP | CR0_TS) && !(a & CR0_EM) &&
	      (a & ~0xfu) == (cr0 & ~0xfu),
	      "lmsw 0x%04x (MP, TS; PE=0): %s, CR0 0x%08x (PE, MP, TS set,"
	      " upper bits kept)", CR0_MP | CR0_TS,
	      outcome(&r, got, sizeof(got)), a);
	r = insn_lmsw(0);
	a = read_cr0();
	check(!r.faulted && (a & 0xfu) == CR0_PE,
	      "lmsw 0x0000: %s, CR0 0x%08x (PE still set, MP, EM, TS clear)",
	      outcome(&r, got, sizeof(got)), a);
	write_cr0(cr0);
	{
		r = insn_lmsw_mem(CR0_MP | CR0_TS);
		a = read_cr0();
		check(!r.faulted && (a & 0xfu) == (CR0_PE | CR0_MP | CR0_TS),
		      "lmsw m16 holding 0x%04x (MP, TS; PE=0): %s, CR0 0x%08x"
		      " (PE, MP, TS set)", CR0_MP | CR0_TS,
		      outcome(&r, got, sizeof(got)), a);
		write_cr0(cr0);
	}

	/* Not checked: CR0.PG=1 with EFER.LME=1 and CR4.PAE=0 (#GP, APM
	 * vol. 2 14.6.1). QEMU 7.2 TCG, on a #VMEXIT from a guest in that
	 * state (LME=1, PG=0, PAE=0), restores the host's CR0 while the
	 * guest's EFER and CR4 are still loaded, refuses it, and leaves the
	 * host running with paging off: Shale would die under it. */
}

/* A CR4 bit CPUID does not offer raises #GP and changes nothing (SDM
 * vol. 3 2.5, 4.1.1; APM vol. 2 3.1.3). */
static void expect_cr4_gp(uint32_t bit, const char *name, bool offered,
			  const char *feature)
{
	uint32_t cr4 = read_cr4();
	struct probe_result r;

	if (offered) {
		check_note("mov cr4 with %s skipped: CPUID offers %s", name,
			   feature);
		return;
	}
	r = insn_write_cr4(cr4 | bit);
	expect_fault(&r, VEC_GP, "mov cr4 with %s, %s=0 (CR4 now 0x%08x)",
		     name, feature, read_cr4());
	write_cr4(cr4);
}

/* A CR4 bit CPUID offers can be set, reads back, and clears again. */
static void expect_cr4_ok(uint32_t bit, const char *name, bool offered,
			  const char *feature)
{
	uint32_t cr4 = read_cr4(), a, b;
	struct probe_result r, r2;
	char got[40];

	if (!offered) {
		check_note("mov cr4 with %s skipped: %s=0", name, feature);
		return;
	}
	r = insn_write_cr4(cr4 | bit);
	a = read_cr4();
	r2 = insn_write_cr4(cr4 & ~bit);
	b = read_cr4();
	check(!r.faulted && !r2.faulted && (a & bit) && !(b & bit),
	      "mov cr4 with %s set, then clear (%s=1): %s, CR4 0x%08x then"
	      " 0x%08x", name, feature,
	      outcome(r.faulted ? &r : &r2, got, sizeof(got)), a, b);
	write_cr4(cr4);
}

/* The CR4 bits whose feature CPUID offers and that may be set alone
 * from legacy protected mode with paging off and CR0.WP=0 (SDM vol. 3
 * 2.5; APM vol. 2 3.1.3). PCIDE needs long mode, CET needs CR0.WP=1. */
static uint32_t cr4_offered(void)
{
	const struct {
		uint32_t bit, reg, mask;
	} map[] = {
		{ 0, id.l1_edx, L1_EDX_VME },		/* VME */
		{ 1, id.l1_edx, L1_EDX_VME },		/* PVI */
		{ 2, id.l1_edx, L1_EDX_TSC },		/* TSD */
		{ 3, id.l1_edx, L1_EDX_DE },		/* DE */
		{ 4, id.l1_edx, L1_EDX_PSE },		/* PSE */
		{ 5, id.l1_edx, L1_EDX_PAE },		/* PAE */
		{ 6, id.l1_edx, L1_EDX_MCE },		/* MCE */
		{ 7, id.l1_edx, L1_EDX_PGE },		/* PGE */
		{ 8, 1, 1 },				/* PCE: always */
		{ 9, id.l1_edx, L1_EDX_FXSR },		/* OSFXSR */
		{ 10, id.l1_edx, L1_EDX_SSE },		/* OSXMMEXCPT */
		{ 11, id.l7_ecx, L7_ECX_UMIP },		/* UMIP */
		{ 12, id.l7_ecx, L7_ECX_LA57 },		/* LA57 */
		{ 13, id.l1_ecx, L1_ECX_VMX },		/* VMXE */
		{ 14, id.l1_ecx, L1_ECX_SMX },		/* SMXE */
		{ 16, id.l7_ebx, L7_EBX_FSGSBASE },	/* FSGSBASE */
		{ 18, id.l1_ecx, L1_ECX_XSAVE },	/* OSXSAVE */
		{ 19, id.l7_ecx, L7_ECX_KL },		/* KL */
		{ 20, id.l7_ebx, L7_EBX_SMEP },		/* SMEP */
		{ 21, id.l7_ebx, L7_EBX_SMAP },		/* SMAP */
		{ 22, id.l7_ecx, L7_ECX_PKU },		/* PKE */
		{ 24, id.l7_ecx, L7_ECX_PKS },		/* PKS */
		{ 25, id.l7_edx, L7_EDX_UINTR },	/* UINTR */
	};
	uint32_t offered = 0;

	for (unsigned int i = 0; i < sizeof(map) / sizeof(*map); i++)
		if (map[i].reg & map[i].mask)
			offered |= 1u << map[i].bit;
	return offered;
}

/* Each CR4 bit alone: accepted exactly when CPUID offers its feature,
 * else #GP(0) with CR4 unchanged. */
static void check_cr4_each_bit(void)
{
	uint32_t cr4 = read_cr4(), offered = cr4_offered();
	uint32_t accepted = 0, refused = 0, odd = 0;

	for (int bit = 0; bit < 32; bit++) {
		uint32_t m = 1u << bit;
		struct probe_result r;

		if (cr4 & m)
			continue;
		r = insn_write_cr4(cr4 | m);
		if (!r.faulted && (read_cr4() & m))
			accepted |= m;
		else if (r.faulted && r.vector == VEC_GP && !r.error &&
			 read_cr4() == cr4)
			refused |= m;
		else
			odd |= m;
		write_cr4(cr4);
	}
	check(accepted == (offered & ~cr4) && !odd,
	      "mov cr4 with each clear bit set alone: accepted 0x%08x, #GP"
	      " 0x%08x, neither 0x%08x (CPUID offers 0x%08x)", accepted,
	      refused, odd, offered);
}

static void check_cr4(void)
{
	check_note("CR4 is 0x%08x", read_cr4());
	if (!tcg_gap("#GP for CR4 bits CPUID does not offer", "spins on"
		     " the write instead of raising #GP")) {
		expect_cr4_gp(CR4_VMXE, "VMXE (bit 13)",
			      id.l1_ecx & L1_ECX_VMX, "CPUID.1:ECX.VMX");
		expect_cr4_gp(CR4_OSXSAVE, "OSXSAVE (bit 18)",
			      id.l1_ecx & L1_ECX_XSAVE, "CPUID.1:ECX.XSAVE");
		expect_cr4_gp(CR4_PKE, "PKE (bit 22)",
			      id.l7_ecx & L7_ECX_PKU, "CPUID.7:ECX.PKU");
		check_cr4_each_bit();
	}
	expect_cr4_ok(CR4_PSE, "PSE (bit 4)", id.l1_edx & L1_EDX_PSE,
		      "CPUID.1:EDX.PSE");
	expect_cr4_ok(CR4_PGE, "PGE (bit 7)", id.l1_edx & L1_EDX_PGE,
		      "CPUID.1:EDX.PGE");
}

/* With EFER.SVME=0 the SVM instructions raise #UD (APM vol. 3: VMRUN,
 * VMLOAD, VMSAVE; STGI and CLGI unless SKINIT or SVM-Lock is offered). */
static void check_svm_insns(void)
{
	bool stgi_ud = !(id.x1_ecx & X1_ECX_SKINIT) &&
		       !(id.xa_edx & XA_EDX_SVML);

	for (int i = 0; i < INSN_SVM_NR; i++) {
		struct probe_result r;

		if ((i == INSN_STGI || i == INSN_CLGI) && !stgi_ud) {
			check_note("%s skipped: CPUID offers SKINIT or SVM-Lock,"
				   " so it may run with EFER.SVME=0",
				   insn_svm_name(i));
			continue;
		}
		r = insn_svm(i);
		expect_fault(&r, VEC_UD, "%s with EFER.SVME=0",
			     insn_svm_name(i));
	}
}

/* SHALE_HC_VCPU_STATS around a CPUID (always intercepted): the exit count
 * grows by at least 2 (CPUID, the second call), exactly one of them a
 * VMMCALL; a struct Shale cannot write gives -EFAULT. */
static void check_vcpu_stats(void)
{
	static struct shale_vcpu_stats before, after;
	uint32_t ret1, ret2, ret3, a, b, c, d;
	struct probe_result r1, r2, r3;

	r1 = insn_vmmcall(0, SHALE_HC_VCPU_STATS, (uint32_t)&before, 0, &ret1);
	cpuid(0, 0, &a, &b, &c, &d);
	r2 = insn_vmmcall(0, SHALE_HC_VCPU_STATS, (uint32_t)&after, 0, &ret2);
	check(!r1.faulted && !r2.faulted && ret1 == 0 && ret2 == 0 &&
	      after.exits >= before.exits + 2 &&
	      after.exits_hypercall == before.exits_hypercall + 1 &&
	      before.exits >= before.exits_hypercall + before.exits_intr,
	      "vmmcall SHALE_HC_VCPU_STATS around a CPUID: returned %d, %d;"
	      " exits %u -> %u (at least +2), VMMCALLs %u -> %u (+1)",
	      (int32_t)ret1, (int32_t)ret2, (unsigned)before.exits,
	      (unsigned)after.exits, (unsigned)before.exits_hypercall,
	      (unsigned)after.exits_hypercall);
	r3 = insn_vmmcall(0, SHALE_HC_VCPU_STATS, 0xfff00000u, 0, &ret3);
	check(!r3.faulted && (int32_t)ret3 == -SHALE_EFAULT, "vmmcall"
	      " SHALE_HC_VCPU_STATS to 0xfff00000 (not RAM): returned %d"
	      " (-SHALE_EFAULT is %d)", (int32_t)ret3, -SHALE_EFAULT);
}

/* Shale's hypercalls (abi/shale-abi.h). */
static void check_hypercalls(void)
{
	static const char msg[] = "cpu: this line came through"
				  " SHALE_HC_CONSOLE_WRITE\n";
	const uint32_t len = sizeof(msg) - 1;
	struct probe_result r;
	uint32_t ret;
	char got[40];

	if (!id.shale) {
		check_note("Shale hypercall checks skipped: %s", not_shale);
		/* Another hypervisor may take VMMCALL as its own. */
		if (!id.hv || id.tcg) {
			r = insn_vmmcall(0, SHALE_HC_VERSION, 0, 0, &ret);
			expect_fault(&r, VEC_UD, "vmmcall with EFER.SVME=0 and"
				     " no hypervisor to take it");
		}
		return;
	}

	r = insn_vmmcall(0, SHALE_HC_VERSION, 0, 0, &ret);
	check(!r.faulted && ret == SHALE_ABI_VERSION, "vmmcall"
	      " SHALE_HC_VERSION: %s, returned 0x%x (ABI version 0x%x)",
	      outcome(&r, got, sizeof(got)), ret, SHALE_ABI_VERSION);
	r = insn_vmmcall(0, 999, 0, 0, &ret);
	check(!r.faulted && (int32_t)ret == -SHALE_ENOSYS, "vmmcall 999 (no"
	      " such hypercall): %s, returned %d (-SHALE_ENOSYS is %d)",
	      outcome(&r, got, sizeof(got)), (int32_t)ret, -SHALE_ENOSYS);

	/* The message is a whole line of its own on the console. */
	r = insn_vmmcall(0, SHALE_HC_CONSOLE_WRITE, (uint32_t)msg, len, &ret);
	check(!r.faulted && ret == len, "vmmcall SHALE_HC_CONSOLE_WRITE of"
	      " %u bytes: %s, returned %d", len,
	      outcome(&r, got, sizeof(got)), (int32_t)ret);
	r = insn_vmmcall(0, SHALE_HC_CONSOLE_WRITE, (uint32_t)msg, 0, &ret);
	check(!r.faulted && ret == 0, "vmmcall SHALE_HC_CONSOLE_WRITE of 0"
	      " bytes: %s, returned %d", outcome(&r, got, sizeof(got)),
	      (int32_t)ret);
	r = insn_vmmcall(0, SHALE_HC_CONSOLE_WRITE, (uint32_t)msg, 4097,
			 &ret);
	check(!r.faulted && (int32_t)ret == -SHALE_EINVAL, "vmmcall"
	      " SHALE_HC_CONSOLE_WRITE of 4097 bytes: %s, returned %d"
	      " (-SHALE_EINVAL is %d)", outcome(&r, got, sizeof(got)),
	      (int32_t)ret, -SHALE_EINVAL);
	r = insn_vmmcall(0, SHALE_HC_CONSOLE_WRITE, 0xfff00000u, 16, &ret);
	check(!r.faulted && (int32_t)ret == -SHALE_EFAULT, "vmmcall"
	      " SHALE_HC_CONSOLE_WRITE from 0xfff00000 (not RAM): %s,"
	      " returned %d (-SHALE_EFAULT is %d)",
	      outcome(&r, got, sizeof(got)), (int32_t)ret, -SHALE_EFAULT);
	r = insn_vmmcall(3, SHALE_HC_VERSION, 0, 0, &ret);
	check(!r.faulted && (int32_t)ret == -SHALE_EPERM, "vmmcall"
	      " SHALE_HC_VERSION from ring 3: %s, returned %d (-SHALE_EPERM"
	      " is %d)", outcome(&r, got, sizeof(got)), (int32_t)ret,
	      -SHALE_EPERM);
	check_vcpu_stats();
}

/* REP OUTSB to COM1: the bytes reach the console (a harness looks for
 * them), ECX counts down to 0 and ESI moves past the buffer. Short enough
 * for a 16-byte transmit FIFO. */
static void check_outs(void)
{
	static const char text[] = "sent by OUTS\r\n";
	const uint32_t len = sizeof(text) - 1;
	uint32_t ecx, esi;
	struct probe_result r;
	char got[40];

	printf("cpu: rep outsb to COM1: ");
	for (int i = 0; i < 100000; i++)
		if (inb(COM1_LSR) & LSR_THRE)
			break;
	r = insn_rep_outsb(COM1, text, len, &ecx, &esi);
	check(!r.faulted && ecx == 0 && esi == (uint32_t)text + len,
	      "rep outsb of %u bytes to port 0x%x: %s, ECX %u, ESI advanced"
	      " by %u", len, COM1, outcome(&r, got, sizeof(got)), ecx,
	      esi - (uint32_t)text);

	/* 16-bit addressing counts in CX and walks SI, leaving the upper
	 * halves alone (SDM vol. 2B, OUTS; REP). Port 0x80 (POST codes)
	 * takes the bytes; the low 64 KiB read from is RAM. */
	{
		r = insn_rep_outsb_a16(0x80, 0x00012000u, 0x00010004u, &ecx,
				       &esi);
		check(!r.faulted && ecx == 0x00010000u && esi == 0x00012004u,
		      "addr16 rep outsb to port 0x80 from ESI 0x00012000 with"
		      " ECX 0x00010004: %s, ECX 0x%08x, ESI 0x%08x (CX and SI"
		      " only)", outcome(&r, got, sizeof(got)), ecx, esi);
	}
}

int guest_main(void)
{
	check_scope("cpu");
	check_cpuid();
	check_msrs();
	check_cr0();
	check_cr4();
	check_svm_insns();
	check_hypercalls();
	check_outs();
	return check_finish();
}
