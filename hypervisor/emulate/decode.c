/* SPDX-License-Identifier: MIT */
/*
 * The instruction decoder: prefixes, REX, the one-byte and 0F opcode maps'
 * shapes, ModRM/SIB/displacement for 16-, 32- and 64-bit addressing, and
 * immediates, giving the instruction's length and its memory operand.
 * Runs: host root mode, host unit tests, fuzzer.
 *
 * Intel SDM vol. 2 chapter 2 (encoding) and appendix A (opcode maps); AMD
 * APM vol. 3 chapter 1. The tables cover every opcode whose length does not
 * depend on things the decoder leaves alone (VEX/EVEX/XOP, the 0F 38 and
 * 0F 3A maps, 3DNow!): those decode as EMUL_UNHANDLED.
 */
#include <shale/string.h>

#include "emul_priv.h"

#define MAX_INSN_LEN 15

#define K OP_KNOWN
#define M (OP_KNOWN | OP_MODRM)
#define MB (M | OP_BYTE)
#define KB (K | OP_BYTE)
#define L OP_LOCK
#define I64 OP_INV64

/* The eight ALU rows (ADD, OR, ADC, SBB, AND, SUB, XOR, CMP): E,G / G,E /
 * AL,ib / eAX,iz; only the r/m-destination forms of the first seven lock. */
#define ALU_ROW(lk) MB | (lk), M | (lk), MB, M, KB | OP_IB, K | OP_IZ

static const u16 one_byte[256] = {
	/* 00 */ ALU_ROW(L), K | I64, K | I64,
	/* 08 */ ALU_ROW(L), K | I64, 0 /* 0F escape */,
	/* 10 */ ALU_ROW(L), K | I64, K | I64,
	/* 18 */ ALU_ROW(L), K | I64, K | I64,
	/* 20 */ ALU_ROW(L), 0 /* ES: */, K | I64,
	/* 28 */ ALU_ROW(L), 0 /* CS: */, K | I64,
	/* 30 */ ALU_ROW(L), 0 /* SS: */, K | I64,
	/* 38 */ ALU_ROW(0), 0 /* DS: */, K | I64,
	/* 40 INC/DEC (REX in 64-bit mode), 50 PUSH/POP */
	[0x40 ... 0x5f] = K,
	[0x60] = K | I64, [0x61] = K | I64,
	[0x62] = 0, /* BOUND, or EVEX */
	[0x63] = M, /* ARPL, or MOVSXD */
	[0x68] = K | OP_IZ, [0x69] = M | OP_IZ, [0x6a] = K | OP_IB,
	[0x6b] = M | OP_IB, [0x6c] = KB, [0x6d] = K, [0x6e] = KB, [0x6f] = K,
	[0x70 ... 0x7f] = K | OP_IB, /* Jcc rel8 */
	[0x80] = MB | OP_IB | L, [0x81] = M | OP_IZ | L,
	[0x82] = MB | OP_IB | L | I64, [0x83] = M | OP_IB | L,
	[0x84] = MB, [0x85] = M, [0x86] = MB | L, [0x87] = M | L,
	[0x88] = MB, [0x89] = M, [0x8a] = MB, [0x8b] = M,
	[0x8c ... 0x8f] = M, /* 8F /1-7 is XOP: refused in decode_modrm */
	[0x90 ... 0x99] = K, [0x9a] = K | OP_FAR | I64, [0x9b ... 0x9f] = K,
	[0xa0] = KB | OP_MOFFS, [0xa1] = K | OP_MOFFS,
	[0xa2] = KB | OP_MOFFS, [0xa3] = K | OP_MOFFS,
	[0xa4] = KB, [0xa5] = K, [0xa6] = KB, [0xa7] = K,
	[0xa8] = KB | OP_IB, [0xa9] = K | OP_IZ,
	[0xaa] = KB, [0xab] = K, [0xac] = KB, [0xad] = K,
	[0xae] = KB, [0xaf] = K,
	[0xb0 ... 0xb7] = KB | OP_IB, [0xb8 ... 0xbf] = K | OP_IV,
	[0xc0] = MB | OP_IB, [0xc1] = M | OP_IB, [0xc2] = K | OP_IW, [0xc3] = K,
	[0xc4] = 0, [0xc5] = 0, /* LES/LDS, or VEX */
	[0xc6] = MB | OP_IB, [0xc7] = M | OP_IZ,
	[0xc8] = K | OP_IW | OP_IB, [0xc9] = K, [0xca] = K | OP_IW, [0xcb] = K,
	[0xcc] = K, [0xcd] = K | OP_IB, [0xce] = K | I64, [0xcf] = K,
	[0xd0] = MB, [0xd1] = M, [0xd2] = MB, [0xd3] = M,
	[0xd4] = K | OP_IB | I64, [0xd5] = K | OP_IB | I64,
	[0xd6] = 0, [0xd7] = K,
	[0xd8 ... 0xdf] = M, /* x87 */
	[0xe0 ... 0xe3] = K | OP_IB, [0xe4] = KB | OP_IB, [0xe5] = K | OP_IB,
	[0xe6] = KB | OP_IB, [0xe7] = K | OP_IB,
	[0xe8] = K | OP_REL, [0xe9] = K | OP_REL, [0xea] = K | OP_FAR | I64,
	[0xeb] = K | OP_IB, [0xec] = KB, [0xed] = K, [0xee] = KB, [0xef] = K,
	/* F0, F2, F3 are prefixes */
	[0xf1] = K, [0xf4] = K, [0xf5] = K,
	[0xf6] = MB | OP_GRPIMM | L, [0xf7] = M | OP_GRPIMM | L,
	[0xf8 ... 0xfd] = K, [0xfe] = MB | L, [0xff] = M | L,
};

static const u16 two_byte[256] = {
	[0x00 ... 0x03] = M, [0x05 ... 0x09] = K, [0x0b] = K, [0x0d] = M,
	[0x0e] = K,
	[0x10 ... 0x1f] = M,
	[0x20 ... 0x23] = M | OP_NOMEM,
	[0x28 ... 0x2f] = M,
	[0x30 ... 0x35] = K, [0x37] = K,
	[0x40 ... 0x6f] = M,
	[0x70 ... 0x73] = M | OP_IB, [0x74 ... 0x76] = M, [0x77] = K,
	[0x7c ... 0x7f] = M,
	[0x80 ... 0x8f] = K | OP_REL,
	[0x90 ... 0x9f] = M,
	[0xa0 ... 0xa2] = K, [0xa3] = M, [0xa4] = M | OP_IB, [0xa5] = M,
	[0xa8 ... 0xaa] = K, [0xab] = M | L, [0xac] = M | OP_IB, [0xad] = M,
	[0xae] = M, [0xaf] = M,
	[0xb0] = MB | L, [0xb1] = M | L, [0xb2] = M, [0xb3] = M | L,
	[0xb4 ... 0xb7] = M,
	[0xba] = M | OP_IB | L, [0xbb] = M | L, [0xbc ... 0xbf] = M,
	[0xc0] = MB | L, [0xc1] = M | L, [0xc2] = M | OP_IB, [0xc3] = M,
	[0xc4 ... 0xc6] = M | OP_IB, [0xc7] = M | L,
	[0xc8 ... 0xcf] = K,
	[0xd0 ... 0xfe] = M,
};

#undef K
#undef M
#undef MB
#undef KB
#undef L
#undef I64
#undef ALU_ROW

/* Reads the next instruction byte, fetching more when the buffer runs out:
 * as much as is left of the 15 bytes on the current page, so a fetch never
 * crosses a page and nothing past byte 15 is ever asked for (SDM 2.3.11:
 * longer instructions raise #GP(0)). */
static int next_byte(struct emul_ctx *c, u8 *b)
{
	struct emul_insn *in = &c->insn;

	if (in->len >= MAX_INSN_LEN)
		return emul_raise(c, EMUL_VEC_GP, 0);
	if (in->len == in->fetched) {
		u64 ipmask = emul_ip_mask(c->mode);
		u64 ip = (c->regs.rip + in->fetched) & ipmask;
		u64 la;
		unsigned int n = MAX_INSN_LEN - in->fetched;
		int r;

		if (c->mode == EMUL_MODE_64) {
			la = ip;
		} else {
			la = (c->seg_base[EMUL_SEG_CS] + ip) & 0xffffffffULL;
			/* IP wraps within the segment: stop at the wrap. */
			if (ipmask - ip + 1 < n)
				n = (unsigned int)(ipmask - ip + 1);
		}
		if (PAGE_SIZE - (la & (PAGE_SIZE - 1)) < n)
			n = (unsigned int)(PAGE_SIZE - (la & (PAGE_SIZE - 1)));
		r = c->ops->fetch(c, la, in->bytes + in->fetched, n);
		if (r)
			return r == EMUL_EXCEPTION || r == EMUL_RETRY ?
			       r : EMUL_UNHANDLED;
		in->fetched += n;
	}
	*b = in->bytes[in->len++];
	return 0;
}

/* Reads a little-endian n-byte field (n <= 8) into *v. */
static int next_bytes(struct emul_ctx *c, unsigned int n, u64 *v)
{
	u64 x = 0;
	unsigned int i;
	u8 b;
	int r;

	for (i = 0; i < n; i++) {
		r = next_byte(c, &b);
		if (r)
			return r;
		x |= (u64)b << (8 * i);
	}
	*v = x;
	return 0;
}

/* Consumes the legacy and REX prefixes and returns the first opcode byte
 * in *op. A REX prefix counts only when it is the last prefix before the
 * opcode (SDM 2.2.1); in 64-bit mode the CS/DS/ES/SS overrides are
 * ignored (SDM 3.3.7.1). */
static int decode_prefixes(struct emul_ctx *c, bool *opsize_prefix,
			   bool *adsize_prefix, u8 *op)
{
	struct emul_insn *in = &c->insn;
	bool m64 = c->mode == EMUL_MODE_64;
	int r;

	for (;;) {
		u8 b;

		r = next_byte(c, &b);
		if (r)
			return r;
		if (m64 && (b & 0xf0) == 0x40) {
			in->rex = b;
			continue;
		}
		switch (b) {
		case 0x66:
			*opsize_prefix = true;
			break;
		case 0x67:
			*adsize_prefix = true;
			break;
		case 0xf0:
			in->lock = true;
			break;
		case 0xf2:
		case 0xf3:
			in->rep = b;
			break;
		case 0x26:
		case 0x2e:
		case 0x36:
		case 0x3e:
			if (!m64)
				in->seg_override = (s8)((b >> 3) & 3);
			break;
		case 0x64:
			in->seg_override = EMUL_SEG_FS;
			break;
		case 0x65:
			in->seg_override = EMUL_SEG_GS;
			break;
		default:
			*op = b;
			return 0;
		}
		in->rex = 0; /* a legacy prefix after REX cancels it */
	}
}

/* 16-bit addressing (SDM table 2-1): sets in->ea and the default segment
 * (SS for BP-based forms). */
static int decode_ea16(struct emul_ctx *c)
{
	static const s8 base[8] = { EMUL_RBX, EMUL_RBX, EMUL_RBP, EMUL_RBP,
				    EMUL_RSI, EMUL_RDI, EMUL_RBP, EMUL_RBX };
	static const s8 index[8] = { EMUL_RSI, EMUL_RDI, EMUL_RSI, EMUL_RDI,
				     -1, -1, -1, -1 };
	struct emul_insn *in = &c->insn;
	unsigned int rm = in->modrm & 7;
	u64 disp = 0, ea = 0;
	int r = 0;

	if (in->mod == 0 && rm == 6)
		r = next_bytes(c, 2, &disp);
	else if (in->mod == 1)
		r = next_bytes(c, 1, &disp);
	else if (in->mod == 2)
		r = next_bytes(c, 2, &disp);
	if (r)
		return r;
	disp = emul_sext(disp, in->mod == 1 ? 1 : 2);
	if (!(in->mod == 0 && rm == 6)) {
		ea = c->regs.gpr[base[rm]];
		if (index[rm] >= 0)
			ea += c->regs.gpr[index[rm]];
		if (base[rm] == EMUL_RBP)
			in->seg = EMUL_SEG_SS;
	}
	in->ea = (ea + disp) & 0xffff;
	return 0;
}

/* 32- and 64-bit addressing (SDM tables 2-2, 2-3; 2.2.1.6 for RIP-relative,
 * whose base is the next instruction and so is added by the caller once
 * the length is known). */
static int decode_ea32(struct emul_ctx *c)
{
	struct emul_insn *in = &c->insn;
	unsigned int rex_b = (in->rex & 1) << 3, rex_x = (in->rex & 2) << 2;
	int base = (in->modrm & 7) | rex_b, index = -1;
	unsigned int scale = 0;
	u64 disp = 0, ea = 0;
	int r = 0;

	if ((in->modrm & 7) == 4) {
		u8 sib;

		r = next_byte(c, &sib);
		if (r)
			return r;
		scale = sib >> 6;
		index = ((sib >> 3) & 7) | rex_x;
		if (index == EMUL_RSP)
			index = -1;
		base = (sib & 7) | rex_b;
		if ((sib & 7) == 5 && in->mod == 0)
			base = -1;
	} else if ((in->modrm & 7) == 5 && in->mod == 0) {
		base = -1;
		in->rip_rel = c->mode == EMUL_MODE_64;
	}
	if (in->mod == 1)
		r = next_bytes(c, 1, &disp);
	else if (in->mod == 2 || base < 0)
		r = next_bytes(c, 4, &disp);
	if (r)
		return r;
	ea = emul_sext(disp, in->mod == 1 ? 1 : 4);
	if (base >= 0)
		ea += c->regs.gpr[base];
	if (index >= 0)
		ea += c->regs.gpr[index] << scale;
	if (base == EMUL_RSP || base == EMUL_RBP)
		in->seg = EMUL_SEG_SS;
	in->ea = ea & emul_mask(in->adsize);
	return 0;
}

/* Reads ModRM and, for a memory form, SIB and displacement. Group opcodes
 * whose other /reg values belong to another encoding space are refused. */
static int decode_modrm(struct emul_ctx *c)
{
	struct emul_insn *in = &c->insn;
	int r = next_byte(c, &in->modrm);

	if (r)
		return r;
	in->has_modrm = true;
	in->mod = in->modrm >> 6;
	in->reg = ((in->modrm >> 3) & 7) | ((in->rex & 4) << 1);
	in->rm = (in->modrm & 7) | ((in->rex & 1) << 3);
	if (in->map == 0 && in->opcode == 0x8f && (in->modrm & 0x38))
		return EMUL_UNHANDLED; /* XOP */
	if (in->mod == 3 || (in->shape & OP_NOMEM))
		return 0;
	in->mem = true;
	return in->adsize == 2 ? decode_ea16(c) : decode_ea32(c);
}

/* The size of the immediate (or moffs) that follows, or -1 when the
 * length depends on the vendor: near branches with 66 in 64-bit mode take
 * rel16 on AMD and rel32 on Intel. */
static int imm_size(const struct emul_ctx *c, bool opsize_prefix)
{
	const struct emul_insn *in = &c->insn;
	unsigned int z = in->opsize == 2 ? 2 : 4;
	u16 s = in->shape;

	if (s & OP_MOFFS)
		return in->adsize;
	if (s & OP_IV)
		return in->opsize;
	if (s & OP_IZ)
		return z;
	if (s & OP_FAR)
		return z + 2;
	if (s & OP_REL) {
		if (c->mode == EMUL_MODE_64)
			return opsize_prefix ? -1 : 4;
		return z;
	}
	if (s & OP_GRPIMM) {
		if (in->modrm & 0x30) /* /2 ... /7 */
			return 0;
		return (s & OP_BYTE) ? 1 : z;
	}
	return ((s & OP_IW) ? 2 : 0) + ((s & OP_IB) ? 1 : 0);
}

/* Whether LOCK is allowed: a lockable opcode (and /reg, for groups) with a
 * memory destination (SDM "LOCK": otherwise #UD). */
static bool lock_allowed(const struct emul_insn *in)
{
	unsigned int reg = (in->modrm >> 3) & 7;

	if (!(in->shape & OP_LOCK) || !in->mem)
		return false;
	if (in->map == 0) {
		switch (in->opcode) {
		case 0x80 ... 0x83:
			return reg != 7;
		case 0xf6:
		case 0xf7:
			return reg == 2 || reg == 3;
		case 0xfe:
		case 0xff:
			return reg <= 1;
		}
		return true;
	}
	if (in->opcode == 0xba)
		return reg >= 5;
	if (in->opcode == 0xc7)
		return reg == 1;
	return true;
}

/* Operand and address sizes from the mode and the 66/67/REX.W prefixes
 * (SDM 3.6, table 3-4). */
static void decode_sizes(struct emul_ctx *c, bool opsize_prefix,
			 bool adsize_prefix)
{
	struct emul_insn *in = &c->insn;

	switch (c->mode) {
	case EMUL_MODE_64:
		in->opsize = (in->rex & 8) ? 8 : opsize_prefix ? 2 : 4;
		in->adsize = adsize_prefix ? 4 : 8;
		break;
	case EMUL_MODE_32:
		in->opsize = opsize_prefix ? 2 : 4;
		in->adsize = adsize_prefix ? 2 : 4;
		break;
	default:
		in->opsize = opsize_prefix ? 4 : 2;
		in->adsize = adsize_prefix ? 4 : 2;
		break;
	}
	if (in->shape & OP_BYTE)
		in->opsize = 1;
}

int emul_decode(struct emul_ctx *c)
{
	struct emul_insn *in = &c->insn;
	bool opsize_prefix = false, adsize_prefix = false;
	int n, r;

	memset(in, 0, sizeof(*in));
	memset(&c->exc, 0, sizeof(c->exc));
	in->seg_override = -1;
	in->seg = EMUL_SEG_DS;
	r = decode_prefixes(c, &opsize_prefix, &adsize_prefix, &in->opcode);
	if (r)
		return r;
	if (in->opcode == 0x0f) {
		in->map = 1;
		r = next_byte(c, &in->opcode);
		if (r)
			return r;
	}
	in->shape = (in->map ? two_byte : one_byte)[in->opcode];
	if (!(in->shape & OP_KNOWN))
		return EMUL_UNHANDLED;
	if ((in->shape & OP_INV64) && c->mode == EMUL_MODE_64)
		return EMUL_UNHANDLED;
	decode_sizes(c, opsize_prefix, adsize_prefix);
	if (in->shape & OP_MODRM) {
		r = decode_modrm(c);
		if (r)
			return r;
	}
	n = imm_size(c, opsize_prefix);
	if (n < 0)
		return EMUL_UNHANDLED;
	in->imm_size = (u8)n;
	r = next_bytes(c, (unsigned int)n, &in->imm);
	if (r)
		return r;
	if (in->shape & OP_MOFFS) {
		in->mem = true;
		in->ea = in->imm;
	} else if (n && !(in->shape & (OP_FAR | OP_IW))) {
		in->imm = emul_sext(in->imm, n);
	}
	if (in->rip_rel)
		in->ea = (c->regs.rip + in->len + in->ea) &
			 emul_mask(in->adsize);
	if (in->seg_override >= 0)
		in->seg = (u8)in->seg_override;
	if (in->lock && !lock_allowed(in))
		return emul_raise(c, EMUL_VEC_UD, 0);
	return 0;
}
