/* SPDX-License-Identifier: MIT */
/*
 * Guest writes to CR0 and CR4: decoding the intercepted instruction (MOV to
 * CR, CLTS, LMSW, with the emulator's decoder: SVM without decode assists
 * says only which CR), checking
 * the value as the CPU would, and switching paging modes.
 * Runs: host root mode. AMD APM vol. 2 3.1.1-3.1.3, 14.6 (long mode
 * activation); Intel SDM vol. 3 2.5, 4.1.1.
 */
#include <asm/msr-index.h>
#include <shale/errno.h>
#include <shale/cpuid.h>
#include <shale/domain.h>
#include <shale/emulate.h>
#include <shale/errno.h>
#include <shale/guest_mem.h>
#include <shale/guest_walk.h>
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

/* MOV to CR3 (intercepted only under shadow paging). SDM 4.4.1: with PAE
 * paging the four PDPTEs are loaded, and a reserved bit in a present one
 * makes the MOV raise #GP; in long mode bits above MAXPHYADDR (and, with
 * CR4.PCIDE, bit 63 "do not flush") are not loaded. */
bool vcpu_set_cr3(struct vcpu *v, u64 val)
{
	struct guest_paging gp;

	paging_vcpu_state(v, &gp);
	if (v->efer & EFER_LMA) {
		if (v->cr[4] & CR4_PCIDE)
			val &= ~(1ULL << 63);
		if (val >> gp.maxphyaddr)
			return false;
	} else {
		val &= 0xffffffffUL;
	}
	if (guest_paging_levels(&gp) == 3) {
		u64 pdpte[4];

		if (guest_phys_read(v->domain, _gpa(val & 0xffffffe0UL), pdpte,
				    sizeof(pdpte)))
			return false;
		for (unsigned int i = 0; i < 4; i++)
			if (!guest_pae_pdpte_valid(&gp, pdpte[i]))
				return false;
	}
	v->cr[3] = val;
	paging_update_cr3(v);
	return true;
}

static bool set_cr(struct vcpu *v, unsigned int cr, u64 val)
{
	switch (cr) {
	case 0:
		return vcpu_set_cr0(v, val);
	case 3:
		return vcpu_set_cr3(v, val);
	case 4:
		return vcpu_set_cr4(v, val);
	default:
		return false;
	}
}

/* LMSW's source: a register, or a word of memory. Returns false after
 * injecting the #PF a memory operand raised. */
static bool lmsw_source(struct vcpu *v, struct emul_ctx *c, u64 *msw)
{
	u32 pfec = 0;
	u64 fault_va = 0;
	u16 word = 0;

	if (!c->insn.mem) {
		*msw = *vcpu_gpr(v, c->insn.rm);
		return true;
	}
	if (guest_virt_read(v, _gva(c->seg_base[c->insn.seg] + c->insn.ea), &word, 2,
			    hvm->cpl(v) == 3 ? PFEC_USER : 0, &pfec, &fault_va)) {
		vcpu_inject_pf(v, fault_va, pfec);
		return false;
	}
	*msw = word;
	return true;
}

/* Decodes the CR-writing instruction at RIP (MOV to CR, CLTS, LMSW) and
 * performs it; SVM without decode assists says only which CR. */
void handle_cr_write(struct vcpu *v, const struct vm_exit *e)
{
	struct emul_ctx c;
	u64 val;
	int rc = vcpu_decode_insn(v, &c);

	if (rc == EMUL_EXCEPTION)
		return;
	if (rc != EMUL_OK || c.insn.map != 1)
		goto unknown;
	if (c.insn.opcode == 0x06) { /* CLTS */
		val = v->cr[0] & ~CR0_TS;
	} else if (c.insn.opcode == 0x22) { /* MOV CRn, reg (always a register) */
		if (c.insn.reg != e->cr.cr)
			goto unknown;
		val = *vcpu_gpr(v, c.insn.rm);
		if (c.mode != EMUL_MODE_64)
			val &= 0xffffffffUL;
	} else if (c.insn.opcode == 0x01 && (c.insn.modrm >> 3 & 7) == 6) {
		/* LMSW loads PE, MP, EM, TS; it can set PE but never clear it. */
		u64 msw;

		if (!lmsw_source(v, &c, &msw))
			return;
		val = (v->cr[0] & ~0xeUL) | (msw & 0xf) | (v->cr[0] & CR0_PE);
	} else {
		goto unknown;
	}
	if (set_cr(v, e->cr.cr, val))
		vcpu_skip_insn(v, e, c.insn.len);
	else
		vcpu_inject_gp(v);
	return;
unknown:
	domain_crash(v->domain, v, "CR%u write by an instruction Shale does not "
		     "decode (%02x %02x %02x %02x)", e->cr.cr, c.insn.bytes[0],
		     c.insn.bytes[1], c.insn.bytes[2], c.insn.bytes[3]);
}

/* MOV from CR0/CR3/CR4 (0F 20 /r: always a register) and SMSW (0F 01 /4)
 * under shadow paging: the guest sees v->cr[], not the hardware's. */
void handle_cr_read(struct vcpu *v, const struct vm_exit *e)
{
	struct emul_ctx c;
	int rc = vcpu_decode_insn(v, &c);
	u64 val;

	if (rc == EMUL_EXCEPTION)
		return;
	if (rc != EMUL_OK || c.insn.map != 1)
		goto unknown;
	if (c.insn.opcode == 0x20 && c.insn.reg == e->cr.cr &&
	    e->cr.cr <= 4) {
		val = v->cr[e->cr.cr];
		if (c.mode != EMUL_MODE_64)
			val &= 0xffffffffUL;
		*vcpu_gpr(v, c.insn.rm) = val;
	} else if (c.insn.opcode == 0x01 && (c.insn.modrm >> 3 & 7) == 4 &&
		   !c.insn.mem && e->cr.cr == 0) {
		/* SMSW r16/r32/r64: a register form stores CR0 zero-extended
		 * (the 16-bit form writes only the low word). */
		u64 *r = vcpu_gpr(v, c.insn.rm);

		if (c.insn.opsize == 2)
			*r = (*r & ~0xffffUL) | (v->cr[0] & 0xffff);
		else
			*r = v->cr[0] & 0xffffffffUL;
	} else {
		goto unknown;
	}
	vcpu_skip_insn(v, e, c.insn.len);
	return;
unknown:
	domain_crash(v->domain, v, "CR%u read by an instruction Shale does not "
		     "emulate (%02x %02x %02x %02x)", e->cr.cr, c.insn.bytes[0],
		     c.insn.bytes[1], c.insn.bytes[2], c.insn.bytes[3]);
}

/* INVLPG m (0F 01 /7): SVM without decode assists does not report the
 * address, so the operand is decoded here. */
void handle_invlpg(struct vcpu *v, const struct vm_exit *e)
{
	struct emul_ctx c;
	int rc = vcpu_decode_insn(v, &c);
	u64 la;

	if (rc == EMUL_EXCEPTION)
		return;
	if (rc != EMUL_OK || c.insn.map != 1 || c.insn.opcode != 0x01 ||
	    (c.insn.modrm >> 3 & 7) != 7 || !c.insn.mem) {
		domain_crash(v->domain, v, "INVLPG Shale cannot decode (%02x %02x "
			     "%02x %02x)", c.insn.bytes[0], c.insn.bytes[1],
			     c.insn.bytes[2], c.insn.bytes[3]);
		return;
	}
	la = (c.mode == EMUL_MODE_64 && c.insn.seg < EMUL_SEG_FS ? 0 :
	      c.seg_base[c.insn.seg]) + c.insn.ea;
	if (c.mode != EMUL_MODE_64)
		la &= 0xffffffffUL;
	paging_invlpg(v, _gva(la));
	vcpu_skip_insn(v, e, c.insn.len);
}
