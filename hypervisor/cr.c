/* SPDX-License-Identifier: MIT */
/*
 * Guest writes to CR0 and CR4: decoding the intercepted instruction (MOV to
 * CR, CLTS, LMSW; SVM without decode assists says only which CR), checking
 * the value as the CPU would, and switching paging modes.
 * Runs: host root mode. AMD APM vol. 2 3.1.1-3.1.3, 14.6 (long mode
 * activation); Intel SDM vol. 3 2.5, 4.1.1.
 */
#include <asm/msr-index.h>
#include <shale/errno.h>
#include <shale/cpuid.h>
#include <shale/domain.h>
#include <shale/hvm.h>
#include <shale/paging.h>
#include <shale/vmexit_handlers.h>

#define CR0_RESERVED_LOW 0x1ffaffc0UL /* bits 6-15, 17, 19-28: ignored */

bool vcpu_set_cr0(struct vcpu *v, u64 val)
{
	u64 old = v->cr[0];

	if (val >> 32)
		return false;
	val = (val & ~CR0_RESERVED_LOW) | CR0_ET;
	if ((val & CR0_NW) && !(val & CR0_CD))
		return false;
	if ((val & CR0_PG) && !(val & CR0_PE))
		return false;
	if ((val & CR0_PG) && !(old & CR0_PG) && (v->efer & EFER_LME)) {
		if (!(v->cr[4] & CR4_PAE))
			return false;
		v->efer |= EFER_LMA; /* long mode becomes active */
	}
	if (!(val & CR0_PG) && (old & CR0_PG) && (v->efer & EFER_LMA)) {
		if (hvm->long_mode_code(v))
			return false; /* only from compatibility mode */
		v->efer &= ~EFER_LMA;
	}
	v->cr[0] = val;
	hvm->update_guest_cr(v, 0);
	hvm->update_guest_cr(v, 8);
	if ((old ^ val) & (CR0_PG | CR0_WP | CR0_PE))
		hvm->flush_guest_tlb(v);
	paging_update_paging_modes(v);
	return true;
}

bool vcpu_set_cr4(struct vcpu *v, u64 val)
{
	u64 old = v->cr[4];

	if (val & ~cpuid_guest_cr4_allowed(v))
		return false;
	if ((v->efer & EFER_LMA) && !(val & CR4_PAE))
		return false;
	v->cr[4] = val;
	hvm->update_guest_cr(v, 4);
	if ((old ^ val) & (CR4_PGE | CR4_PAE | CR4_PSE | CR4_SMEP | CR4_SMAP))
		hvm->flush_guest_tlb(v);
	paging_update_paging_modes(v);
	return true;
}

static bool set_cr(struct vcpu *v, unsigned int cr, u64 val)
{
	switch (cr) {
	case 0:
		return vcpu_set_cr0(v, val);
	case 4:
		return vcpu_set_cr4(v, val);
	default:
		return false;
	}
}

/* Decodes MOV CRn,reg / CLTS / LMSW reg at RIP and performs it. */
void handle_cr_write(struct vcpu *v, const struct vm_exit *e)
{
	u8 b[15];
	unsigned int n = vcpu_fetch_insn(v, b), i = 0, rex = 0;
	bool lock = false, long_code = hvm->long_mode_code(v);
	u64 val;
	u8 modrm;

	if (!n)
		return;
	for (; i < n; i++) {
		if (b[i] == 0xf0)
			lock = true;
		else if (!(b[i] == 0x66 || b[i] == 0x67 || b[i] == 0xf2 ||
			   b[i] == 0xf3 || b[i] == 0x2e || b[i] == 0x36 ||
			   b[i] == 0x3e || b[i] == 0x26 || b[i] == 0x64 ||
			   b[i] == 0x65))
			break;
	}
	if (long_code && i < n && (b[i] & 0xf0) == 0x40)
		rex = b[i++];
	if (i + 2 > n || b[i] != 0x0f)
		goto unknown;
	if (b[i + 1] == 0x06) { /* CLTS */
		if (set_cr(v, 0, v->cr[0] & ~CR0_TS))
			vcpu_skip_insn(v, e, i + 2);
		else
			vcpu_inject_gp(v);
		return;
	}
	if (i + 3 > n)
		goto unknown;
	modrm = b[i + 2];
	if (b[i + 1] == 0x22) { /* MOV CRn, reg: always the register form */
		unsigned int cr = ((modrm >> 3) & 7) | ((rex & 4) ? 8 : 0) | (lock ? 8 : 0);

		val = *vcpu_gpr(v, (modrm & 7) | ((rex & 1) ? 8 : 0));
		if (!long_code)
			val &= 0xffffffffUL;
		if (cr != e->cr.cr)
			goto unknown;
		if (set_cr(v, cr, val))
			vcpu_skip_insn(v, e, i + 3);
		else
			vcpu_inject_gp(v);
		return;
	}
	if (b[i + 1] == 0x01 && ((modrm >> 3) & 7) == 6 && (modrm >> 6) == 3) {
		/* LMSW: loads PE, MP, EM, TS; can set PE but never clear it. */
		u64 msw = *vcpu_gpr(v, (modrm & 7) | ((rex & 1) ? 8 : 0)) & 0xf;

		val = (v->cr[0] & ~0xeUL) | msw | (v->cr[0] & CR0_PE);
		if (set_cr(v, 0, val))
			vcpu_skip_insn(v, e, i + 3);
		else
			vcpu_inject_gp(v);
		return;
	}
unknown:
	domain_crash(v->domain, v, "CR%u write by an instruction Shale does not decode "
		     "(%02x %02x %02x %02x)", e->cr.cr, b[0], b[1], b[2], b[3]);
}
