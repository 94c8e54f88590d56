/* SPDX-License-Identifier: MIT */
/*
 * The emulator's execution half: performs a decoded instruction of the
 * subset (MOV forms, MOVZX/MOVSX, XCHG, CMPXCHG/8B/16B, XADD, the ALU
 * group, TEST, INC/DEC, NOT/NEG, BT*, MOVS/STOS/LODS) against registers in
 * the context and memory behind the callbacks.
 * Runs: host root mode, host unit tests, fuzzer.
 *
 * Every handler performs its memory accesses before it changes a register,
 * so a fault leaves the registers as they were (string instructions keep
 * completed iterations, as hardware does). Locked and implicitly locked
 * updates go through the cmpxchg callback. Intel SDM vol. 2; AMD APM vol. 3.
 */
#include <shale/string.h>

#include "emul_priv.h"

/* -------------------------------------------------- faults and results */

int emul_raise(struct emul_ctx *c, unsigned int vector, u32 error_code)
{
	/* The vectors that push an error code (SDM table 6-1). */
	bool has = vector == 8 || (vector >= 10 && vector <= 14) ||
		   vector == 17 || vector == 21;

	c->exc.vector = (u8)vector;
	c->exc.has_error_code = has;
	c->exc.error_code = has ? error_code : 0;
	c->exc.cr2 = 0;
	return EMUL_EXCEPTION;
}

int emul_raise_pf(struct emul_ctx *c, u64 la, u32 pfec)
{
	emul_raise(c, EMUL_VEC_PF, pfec);
	c->exc.cr2 = la;
	return EMUL_EXCEPTION;
}

/* A callback's return value as one of ours (see struct emul_ops). */
static int cb_result(int r)
{
	return r == 0 || r == EMUL_EXCEPTION || r == EMUL_RETRY ?
	       r : EMUL_UNHANDLED;
}

/* Advances RIP past the instruction, wrapping IP/EIP outside 64-bit mode. */
static int finish(struct emul_ctx *c)
{
	c->regs.rip = (c->regs.rip + c->insn.len) & emul_ip_mask(c->mode);
	return EMUL_OK;
}

/* ------------------------------------------------------------ registers */

/* Without REX, byte registers 4-7 are AH, CH, DH, BH (SDM 3.7.2.1). */
static bool high_byte(const struct emul_ctx *c, unsigned int n,
		      unsigned int size)
{
	return size == 1 && !c->insn.rex && n >= 4 && n < 8;
}

static u64 reg_get(const struct emul_ctx *c, unsigned int n, unsigned int size)
{
	if (high_byte(c, n, size))
		return (c->regs.gpr[n - 4] >> 8) & 0xff;
	return c->regs.gpr[n & 15] & emul_mask(size);
}

/* Writes the low size bytes of register n; a 32-bit write zero-extends to
 * 64 bits, 8- and 16-bit writes keep the rest (SDM 3.4.1.1). */
static void reg_set(struct emul_ctx *c, unsigned int n, unsigned int size,
		    u64 v)
{
	u64 *r, m = emul_mask(size);

	if (high_byte(c, n, size)) {
		r = &c->regs.gpr[n - 4];
		*r = (*r & ~0xff00ULL) | ((v & 0xff) << 8);
		return;
	}
	r = &c->regs.gpr[n & 15];
	*r = size >= 4 ? v & m : (*r & ~m) | (v & m);
}

/* --------------------------------------------------------------- memory */

static bool canonical(const struct emul_ctx *c, u64 la)
{
	unsigned int shift = c->la57 ? 64 - 57 : 64 - 48;

	return (u64)((s64)(la << shift) >> shift) == la;
}

/* The linear address of size bytes at offset ea in segment seg. In 64-bit
 * mode only FS and GS have a base and every byte must be canonical (#SS(0)
 * for stack references, else #GP(0)); elsewhere addresses wrap at 4 GiB. */
static int linear(struct emul_ctx *c, unsigned int seg, u64 ea,
		  unsigned int size, u64 *la)
{
	u64 l = ea;

	if (c->mode != EMUL_MODE_64) {
		*la = (c->seg_base[seg] + ea) & 0xffffffffULL;
		return 0;
	}
	if (seg == EMUL_SEG_FS || seg == EMUL_SEG_GS)
		l += c->seg_base[seg];
	if (!canonical(c, l) || !canonical(c, l + size - 1))
		return emul_raise(c, seg == EMUL_SEG_SS ? EMUL_VEC_SS :
				  EMUL_VEC_GP, 0);
	*la = l;
	return 0;
}

static int mem_read(struct emul_ctx *c, u64 la, void *buf, unsigned int size)
{
	return cb_result(c->ops->read(c, la, buf, size));
}

static int mem_write(struct emul_ctx *c, u64 la, const void *buf,
		     unsigned int size)
{
	return cb_result(c->ops->write(c, la, buf, size));
}

/* Compare-exchange of size bytes at la (the cmpxchg callback's contract).
 * Without the callback: one read, then one write of the new value, or of
 * the old value on a mismatch, as an unlocked CMPXCHG does on hardware. */
static int mem_cmpxchg(struct emul_ctx *c, u64 la, void *old,
		       const void *new, unsigned int size, bool *swapped)
{
	u8 cur[16];
	int r;

	if (c->ops->cmpxchg)
		return cb_result(c->ops->cmpxchg(c, la, old, new, size,
						 swapped));
	c->rmw = true;
	r = mem_read(c, la, cur, size);
	c->rmw = false;
	if (r)
		return r;
	*swapped = memcmp(cur, old, size) == 0;
	r = mem_write(c, la, *swapped ? new : cur, size);
	if (r)
		return r;
	if (!*swapped)
		memcpy(old, cur, size);
	return 0;
}

/* Applies op with src to size bytes of memory at la. On success *old is
 * the value the operation found and *rflags holds the new flags. A locked
 * update (LOCK, or XCHG) with a cmpxchg callback retries on a race up to
 * EMUL_LOCK_TRIES times and then returns EMUL_RETRY having changed
 * nothing; otherwise the operand is read once and written once. */
static int mem_rmw(struct emul_ctx *c, u64 la, enum emul_alu op, u64 src,
		   unsigned int size, u64 *old, u64 *rflags)
{
	bool locked = c->insn.lock || op == ALU_XCHG;
	u64 cur = 0, res, f;
	unsigned int i;
	int r;

	c->rmw = emul_alu_writes(op);
	r = mem_read(c, la, &cur, size);
	c->rmw = false;
	if (r)
		return r;
	for (i = 0; i < EMUL_LOCK_TRIES; i++) {
		bool swapped;

		f = *rflags;
		res = emul_alu(op, cur, src, size, &f);
		if (!emul_alu_writes(op))
			break;
		if (!locked || !c->ops->cmpxchg) {
			r = mem_write(c, la, &res, size);
			if (r)
				return r;
			break;
		}
		r = cb_result(c->ops->cmpxchg(c, la, &cur, &res, size,
					      &swapped));
		if (r)
			return r;
		if (swapped)
			break;
	}
	if (i == EMUL_LOCK_TRIES)
		return EMUL_RETRY;
	*rflags = f;
	*old = cur;
	return 0;
}

/* ---------------------------------------------------- the r/m operand */

static int rm_read(struct emul_ctx *c, unsigned int size, u64 *v)
{
	struct emul_insn *in = &c->insn;
	u64 la;
	int r;

	*v = 0;
	if (!in->mem) {
		*v = reg_get(c, in->rm, size);
		return 0;
	}
	r = linear(c, in->seg, in->ea, size, &la);
	return r ? r : mem_read(c, la, v, size);
}

static int rm_write(struct emul_ctx *c, unsigned int size, u64 v)
{
	struct emul_insn *in = &c->insn;
	u64 la;
	int r;

	if (!in->mem) {
		reg_set(c, in->rm, size, v);
		return 0;
	}
	r = linear(c, in->seg, in->ea, size, &la);
	return r ? r : mem_write(c, la, &v, size);
}

/* op on the r/m operand as destination (see mem_rmw); a register
 * destination is updated at once. */
static int rm_rmw(struct emul_ctx *c, enum emul_alu op, u64 src,
		  unsigned int size, u64 *old, u64 *rflags)
{
	struct emul_insn *in = &c->insn;
	u64 la, res;
	int r;

	if (!in->mem) {
		*old = reg_get(c, in->rm, size);
		res = emul_alu(op, *old, src, size, rflags);
		if (emul_alu_writes(op))
			reg_set(c, in->rm, size, res);
		return 0;
	}
	r = linear(c, in->seg, in->ea, size, &la);
	return r ? r : mem_rmw(c, la, op, src, size, old, rflags);
}

/* ------------------------------------------------------- the handlers */

/* 00-3D: ADD OR ADC SBB AND SUB XOR CMP in their E,G / G,E / acc,imm
 * forms. */
static int exec_alu_row(struct emul_ctx *c)
{
	struct emul_insn *in = &c->insn;
	enum emul_alu op = (enum emul_alu)(in->opcode >> 3);
	unsigned int size = in->opsize, dreg = in->reg;
	u64 f = c->regs.rflags, old, src, dst, res;
	int r;

	switch (in->opcode & 7) {
	case 0:
	case 1:
		r = rm_rmw(c, op, reg_get(c, in->reg, size), size, &old, &f);
		if (r)
			return r;
		c->regs.rflags = f;
		return finish(c);
	case 2:
	case 3:
		r = rm_read(c, size, &src);
		if (r)
			return r;
		break;
	default:
		src = in->imm;
		dreg = EMUL_RAX;
		break;
	}
	dst = reg_get(c, dreg, size);
	res = emul_alu(op, dst, src, size, &f);
	if (emul_alu_writes(op))
		reg_set(c, dreg, size, res);
	c->regs.rflags = f;
	return finish(c);
}

/* 80-83: group 1, the ALU operations with an immediate source. */
static int exec_group1(struct emul_ctx *c)
{
	struct emul_insn *in = &c->insn;
	u64 f = c->regs.rflags, old;
	int r;

	r = rm_rmw(c, (enum emul_alu)(in->reg & 7), in->imm, in->opsize,
		   &old, &f);
	if (r)
		return r;
	c->regs.rflags = f;
	return finish(c);
}

/* 84/85 TEST r/m, reg; A8/A9 TEST acc, imm; F6/F7 /0 /1 TEST r/m, imm. */
static int exec_test(struct emul_ctx *c, u64 src)
{
	struct emul_insn *in = &c->insn;
	u64 f = c->regs.rflags, v;
	int r;

	if (in->opcode == 0xa8 || in->opcode == 0xa9)
		v = reg_get(c, EMUL_RAX, in->opsize);
	else if ((r = rm_read(c, in->opsize, &v)) != 0)
		return r;
	emul_alu(ALU_TEST, v, src, in->opsize, &f);
	c->regs.rflags = f;
	return finish(c);
}

/* 86/87 XCHG r/m, reg: a memory operand is locked whatever the prefix. */
static int exec_xchg(struct emul_ctx *c)
{
	struct emul_insn *in = &c->insn;
	u64 f = c->regs.rflags, old;
	int r;

	r = rm_rmw(c, ALU_XCHG, reg_get(c, in->reg, in->opsize), in->opsize,
		   &old, &f);
	if (r)
		return r;
	reg_set(c, in->reg, in->opsize, old);
	return finish(c);
}

/* 88-8B MOV r/m <-> reg, A0-A3 MOV acc <-> moffs, C6/C7 /0 MOV r/m, imm. */
static int exec_mov(struct emul_ctx *c)
{
	struct emul_insn *in = &c->insn;
	unsigned int size = in->opsize;
	u8 op = in->opcode;
	u64 v;
	int r;

	switch (op) {
	case 0x88:
	case 0x89:
		r = rm_write(c, size, reg_get(c, in->reg, size));
		break;
	case 0xa2:
	case 0xa3:
		r = rm_write(c, size, reg_get(c, EMUL_RAX, size));
		break;
	case 0xc6:
	case 0xc7:
		if (in->reg & 7)
			return EMUL_UNHANDLED; /* XABORT, XBEGIN, #UD */
		r = rm_write(c, size, in->imm);
		break;
	default:
		r = rm_read(c, size, &v);
		if (!r)
			reg_set(c, op >= 0xa0 ? EMUL_RAX : in->reg, size, v);
		break;
	}
	return r ? r : finish(c);
}

/* One iteration of MOVS (A4/A5), STOS (AA/AB) or LODS (AC/AD): the source
 * is seg:rSI (DS unless overridden), the destination ES:rDI (never
 * overridden); rSI/rDI step by the operand size, down when DF is set. */
static int string_step(struct emul_ctx *c, u8 op)
{
	struct emul_insn *in = &c->insn;
	unsigned int size = in->opsize, as = in->adsize;
	u64 step = (c->regs.rflags & EMUL_FLAG_DF) ? -(u64)size : size;
	u64 v = 0, la;
	int r;

	if (op == 0xaa) {
		v = reg_get(c, EMUL_RAX, size);
	} else {
		r = linear(c, in->seg, reg_get(c, EMUL_RSI, as), size, &la);
		if (!r)
			r = mem_read(c, la, &v, size);
		if (r)
			return r;
	}
	if (op == 0xac) {
		reg_set(c, EMUL_RAX, size, v);
	} else {
		r = linear(c, EMUL_SEG_ES, reg_get(c, EMUL_RDI, as), size, &la);
		if (!r)
			r = mem_write(c, la, &v, size);
		if (r)
			return r;
	}
	if (op != 0xaa)
		reg_set(c, EMUL_RSI, as, reg_get(c, EMUL_RSI, as) + step);
	if (op != 0xac)
		reg_set(c, EMUL_RDI, as, reg_get(c, EMUL_RDI, as) + step);
	return 0;
}

/* MOVS, STOS, LODS with or without REP (F2 acts as F3 here). The count is
 * rCX of the address size; at most EMUL_REP_MAX iterations per call, then
 * EMUL_RETRY with the registers describing the rest. */
static int exec_string(struct emul_ctx *c)
{
	struct emul_insn *in = &c->insn;
	unsigned int as = in->adsize, i;
	u8 op = in->opcode & 0xfe;
	int r;

	if (!in->rep) {
		r = string_step(c, op);
		return r ? r : finish(c);
	}
	for (i = 0; i < EMUL_REP_MAX; i++) {
		if (reg_get(c, EMUL_RCX, as) == 0)
			return finish(c);
		r = string_step(c, op);
		if (r)
			return r;
		reg_set(c, EMUL_RCX, as, reg_get(c, EMUL_RCX, as) - 1);
	}
	return reg_get(c, EMUL_RCX, as) == 0 ? finish(c) : EMUL_RETRY;
}

/* F6/F7: /0 /1 TEST, /2 NOT, /3 NEG; MUL/IMUL/DIV/IDIV are not handled.
 * FE/FF: /0 INC, /1 DEC; the rest (calls, jumps, push) are not handled. */
static int exec_unary_group(struct emul_ctx *c)
{
	struct emul_insn *in = &c->insn;
	unsigned int reg = in->reg & 7;
	bool grp3 = in->opcode == 0xf6 || in->opcode == 0xf7;
	static const enum emul_alu grp3_ops[4] = { ALU_TEST, ALU_TEST,
						   ALU_NOT, ALU_NEG };
	u64 f = c->regs.rflags, old;
	int r;

	if (grp3 && reg <= 1)
		return exec_test(c, in->imm);
	if (grp3 ? reg > 3 : reg > 1)
		return EMUL_UNHANDLED;
	r = rm_rmw(c, grp3 ? grp3_ops[reg] : reg ? ALU_DEC : ALU_INC, 0,
		   in->opsize, &old, &f);
	if (r)
		return r;
	c->regs.rflags = f;
	return finish(c);
}

/* 40-4F outside 64-bit mode: INC/DEC of a register. */
static int exec_incdec_reg(struct emul_ctx *c)
{
	struct emul_insn *in = &c->insn;
	unsigned int n = in->opcode & 7;
	u64 f = c->regs.rflags, v;

	v = emul_alu(in->opcode & 8 ? ALU_DEC : ALU_INC,
		     reg_get(c, n, in->opsize), 0, in->opsize, &f);
	reg_set(c, n, in->opsize, v);
	c->regs.rflags = f;
	return finish(c);
}

static int exec_one_byte(struct emul_ctx *c)
{
	u8 op = c->insn.opcode;

	if (op < 0x40 && (op & 7) < 6)
		return exec_alu_row(c);
	switch (op) {
	case 0x40 ... 0x4f:
		return exec_incdec_reg(c);
	case 0x80 ... 0x83:
		return exec_group1(c);
	case 0x84:
	case 0x85:
		return exec_test(c, reg_get(c, c->insn.reg, c->insn.opsize));
	case 0xa8:
	case 0xa9:
		return exec_test(c, c->insn.imm);
	case 0x86:
	case 0x87:
		return exec_xchg(c);
	case 0x88 ... 0x8b:
	case 0xa0 ... 0xa3:
	case 0xc6:
	case 0xc7:
		return exec_mov(c);
	case 0xa4:
	case 0xa5:
	case 0xaa ... 0xad:
		return exec_string(c);
	case 0xf6:
	case 0xf7:
	case 0xfe:
	case 0xff:
		return exec_unary_group(c);
	}
	return EMUL_UNHANDLED;
}

/* 0F B0/B1 CMPXCHG r/m, reg: compares the accumulator with the
 * destination (flags of CMP acc, dest); equal: dest = reg, else acc = dest.
 * A memory destination is written either way (the callback's business); a
 * register destination is left alone on a mismatch, not even zero-extended,
 * as on hardware (the SDM's pseudo-code suggests otherwise). */
static int exec_cmpxchg(struct emul_ctx *c)
{
	struct emul_insn *in = &c->insn;
	unsigned int size = in->opsize;
	u64 acc = reg_get(c, EMUL_RAX, size), src = reg_get(c, in->reg, size);
	u64 f = c->regs.rflags, cur = acc, la;
	bool swapped;
	int r;

	if (!in->mem) {
		cur = reg_get(c, in->rm, size);
		swapped = cur == acc;
		if (swapped)
			reg_set(c, in->rm, size, src);
	} else {
		r = linear(c, in->seg, in->ea, size, &la);
		if (!r)
			r = mem_cmpxchg(c, la, &cur, &src, size, &swapped);
		if (r)
			return r;
	}
	emul_alu(ALU_CMP, acc, cur, size, &f);
	if (!swapped)
		reg_set(c, EMUL_RAX, size, cur);
	c->regs.rflags = f;
	return finish(c);
}

/* 0F C7 /1: CMPXCHG8B m64 (EDX:EAX vs memory, ECX:EBX stored) or, with
 * REX.W, CMPXCHG16B m128 (RDX:RAX, RCX:RBX; 16-byte aligned or #GP(0)).
 * Only ZF changes; a register operand is #UD. */
static int exec_cmpxchg8b(struct emul_ctx *c)
{
	struct emul_insn *in = &c->insn;
	const u64 *g = c->regs.gpr;
	unsigned int n = (in->rex & 8) ? 16 : 8;
	u64 old[2], new[2], la;
	bool swapped;
	int r;

	if ((in->reg & 7) != 1)
		return EMUL_UNHANDLED; /* RDRAND, RDSEED, VMPTRLD, ... */
	if (!in->mem)
		return emul_raise(c, EMUL_VEC_UD, 0);
	r = linear(c, in->seg, in->ea, n, &la);
	if (r)
		return r;
	if (n == 16 && (la & 15))
		return emul_raise(c, EMUL_VEC_GP, 0);
	if (n == 8) {
		old[0] = (g[EMUL_RAX] & 0xffffffffULL) | g[EMUL_RDX] << 32;
		new[0] = (g[EMUL_RBX] & 0xffffffffULL) | g[EMUL_RCX] << 32;
	} else {
		old[0] = g[EMUL_RAX];
		old[1] = g[EMUL_RDX];
		new[0] = g[EMUL_RBX];
		new[1] = g[EMUL_RCX];
	}
	r = mem_cmpxchg(c, la, old, new, n, &swapped);
	if (r)
		return r;
	c->regs.rflags &= ~(u64)EMUL_FLAG_ZF;
	if (swapped) {
		c->regs.rflags |= EMUL_FLAG_ZF;
	} else if (n == 8) {
		reg_set(c, EMUL_RAX, 4, old[0]);
		reg_set(c, EMUL_RDX, 4, old[0] >> 32);
	} else {
		reg_set(c, EMUL_RAX, 8, old[0]);
		reg_set(c, EMUL_RDX, 8, old[1]);
	}
	return finish(c);
}

/* 0F C0/C1 XADD r/m, reg: dest = dest + reg, reg = old dest (flags of
 * ADD). With both operands the same register the sum wins. */
static int exec_xadd(struct emul_ctx *c)
{
	struct emul_insn *in = &c->insn;
	unsigned int size = in->opsize;
	u64 f = c->regs.rflags, src = reg_get(c, in->reg, size), old, sum;
	int r;

	if (!in->mem) {
		old = reg_get(c, in->rm, size);
		sum = emul_alu(ALU_XADD, old, src, size, &f);
		reg_set(c, in->reg, size, old);
		reg_set(c, in->rm, size, sum);
	} else {
		r = rm_rmw(c, ALU_XADD, src, size, &old, &f);
		if (r)
			return r;
		reg_set(c, in->reg, size, old);
	}
	c->regs.rflags = f;
	return finish(c);
}

/* BT, BTS, BTR, BTC (0F A3/AB/B3/BB with a register bit offset, 0F BA
 * /4-/7 with an immediate). A register offset on a memory operand is a
 * signed bit string index: it moves the address by whole operands (SDM
 * "BT": bit base addressing); an immediate or a register operand takes the
 * offset modulo the operand width. */
static int exec_bit(struct emul_ctx *c, enum emul_alu op, u64 off,
		    bool reg_offset)
{
	struct emul_insn *in = &c->insn;
	unsigned int size = in->opsize;
	unsigned int shift = size == 2 ? 4 : size == 4 ? 5 : 6;
	u64 f = c->regs.rflags, old, ea = in->ea, la;
	int r;

	if (in->mem && reg_offset) {
		s64 soff = (s64)emul_sext(off, size);

		ea = (ea + (u64)((soff >> shift) * (s64)size)) &
		     emul_mask(in->adsize);
	}
	off &= (1u << shift) - 1;
	if (!in->mem) {
		r = rm_rmw(c, op, off, size, &old, &f);
	} else {
		r = linear(c, in->seg, ea, size, &la);
		if (!r)
			r = mem_rmw(c, la, op, off, size, &old, &f);
	}
	if (r)
		return r;
	c->regs.rflags = f;
	return finish(c);
}

/* 0F B6/B7 MOVZX, 0F BE/BF MOVSX: a byte or word source widened to the
 * operand size. */
static int exec_movx(struct emul_ctx *c)
{
	struct emul_insn *in = &c->insn;
	unsigned int ssize = (in->opcode & 1) ? 2 : 1;
	u64 v;
	int r;

	r = rm_read(c, ssize, &v);
	if (r)
		return r;
	if (in->opcode & 8)
		v = emul_sext(v, ssize);
	reg_set(c, in->reg, in->opsize, v);
	return finish(c);
}

static int exec_two_byte(struct emul_ctx *c)
{
	struct emul_insn *in = &c->insn;
	static const enum emul_alu bt_ops[4] = { ALU_BT, ALU_BTS, ALU_BTR,
						 ALU_BTC };

	switch (in->opcode) {
	case 0xb0:
	case 0xb1:
		return exec_cmpxchg(c);
	case 0xc7:
		return exec_cmpxchg8b(c);
	case 0xc0:
	case 0xc1:
		return exec_xadd(c);
	case 0xa3:
	case 0xab:
	case 0xb3:
	case 0xbb:
		return exec_bit(c, bt_ops[(in->opcode >> 3) & 3],
				reg_get(c, in->reg, in->opsize), true);
	case 0xba:
		if ((in->reg & 7) < 4)
			return EMUL_UNHANDLED; /* #UD */
		return exec_bit(c, bt_ops[in->reg & 3], in->imm, false);
	case 0xb6:
	case 0xb7:
	case 0xbe:
	case 0xbf:
		return exec_movx(c);
	}
	return EMUL_UNHANDLED;
}

int emul_execute(struct emul_ctx *c)
{
	if (c->insn.map == 1)
		return exec_two_byte(c);
	return exec_one_byte(c);
}

int emul_insn(struct emul_ctx *c)
{
	int r = emul_decode(c);

	return r ? r : emul_execute(c);
}
