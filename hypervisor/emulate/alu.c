/* SPDX-License-Identifier: MIT */
/*
 * The emulator's arithmetic: results and the six status flags (CF, PF, AF,
 * ZF, SF, OF) exactly as the instructions define them, per operand size.
 * Runs: host root mode, host unit tests, fuzzer.
 *
 * Flag definitions: Intel SDM vol. 1 3.4.3.1 and each instruction's
 * "Flags Affected"; AMD APM vol. 3 appendix E.
 */
#include "emul_priv.h"

/* PF: set when the low byte of the result has an even number of ones. */
static u64 parity_flag(u64 res)
{
	u8 b = (u8)res;

	b ^= b >> 4;
	b ^= b >> 2;
	b ^= b >> 1;
	return (b & 1) ? 0 : EMUL_FLAG_PF;
}

/* ZF, SF and PF of a result already masked to size. */
static u64 szp_flags(u64 res, unsigned int size)
{
	u64 f = parity_flag(res);

	if (res == 0)
		f |= EMUL_FLAG_ZF;
	if (res & (1ULL << (size * 8 - 1)))
		f |= EMUL_FLAG_SF;
	return f;
}

/* dst + src + cin: the result and all six flags. */
static u64 add_flags(u64 d, u64 s, u64 cin, unsigned int size, u64 *f)
{
	u64 m = emul_mask(size), msb = 1ULL << (size * 8 - 1);
	u64 r = (d + s + cin) & m;

	*f = szp_flags(r, size);
	if (cin ? r <= d : r < d)
		*f |= EMUL_FLAG_CF;
	if ((d ^ r) & (s ^ r) & msb)
		*f |= EMUL_FLAG_OF;
	if ((d ^ s ^ r) & 0x10)
		*f |= EMUL_FLAG_AF;
	return r;
}

/* dst - src - cin: the result and all six flags (CF is the borrow). */
static u64 sub_flags(u64 d, u64 s, u64 cin, unsigned int size, u64 *f)
{
	u64 m = emul_mask(size), msb = 1ULL << (size * 8 - 1);
	u64 r = (d - s - cin) & m;

	*f = szp_flags(r, size);
	if (cin ? d <= s : d < s)
		*f |= EMUL_FLAG_CF;
	if ((d ^ s) & (d ^ r) & msb)
		*f |= EMUL_FLAG_OF;
	if ((d ^ s ^ r) & 0x10)
		*f |= EMUL_FLAG_AF;
	return r;
}

/* BT, BTS, BTR, BTC: CF is the selected bit before the operation; ZF is
 * unaffected and OF, SF, AF, PF are undefined (left alone). */
static u64 bit_op(enum emul_alu op, u64 d, u64 bit, u64 *rflags)
{
	u64 sel = 1ULL << (bit & 63);

	*rflags &= ~(u64)EMUL_FLAG_CF;
	if (d & sel)
		*rflags |= EMUL_FLAG_CF;
	switch (op) {
	case ALU_BTS:
		return d | sel;
	case ALU_BTR:
		return d & ~sel;
	case ALU_BTC:
		return d ^ sel;
	default:
		return d;
	}
}

bool emul_alu_writes(enum emul_alu op)
{
	return op != ALU_CMP && op != ALU_TEST && op != ALU_BT;
}

u64 emul_alu(enum emul_alu op, u64 dst, u64 src, unsigned int size,
	     u64 *rflags)
{
	u64 m = emul_mask(size);
	u64 cf = *rflags & EMUL_FLAG_CF;
	u64 f = 0, r;

	dst &= m;
	src &= m;
	switch (op) {
	case ALU_ADD:
	case ALU_XADD:
		r = add_flags(dst, src, 0, size, &f);
		break;
	case ALU_ADC:
		r = add_flags(dst, src, cf ? 1 : 0, size, &f);
		break;
	case ALU_SUB:
	case ALU_CMP:
		r = sub_flags(dst, src, 0, size, &f);
		break;
	case ALU_SBB:
		r = sub_flags(dst, src, cf ? 1 : 0, size, &f);
		break;
	case ALU_OR:
		r = dst | src;
		f = szp_flags(r, size);
		break;
	case ALU_AND:
	case ALU_TEST:
		r = dst & src;
		f = szp_flags(r, size);
		break;
	case ALU_XOR:
		r = dst ^ src;
		f = szp_flags(r, size);
		break;
	case ALU_INC:
		/* INC and DEC leave CF alone. */
		r = add_flags(dst, 1, 0, size, &f);
		f = (f & ~(u64)EMUL_FLAG_CF) | cf;
		break;
	case ALU_DEC:
		r = sub_flags(dst, 1, 0, size, &f);
		f = (f & ~(u64)EMUL_FLAG_CF) | cf;
		break;
	case ALU_NEG:
		/* Flags of 0 - dst: CF is set unless the operand was 0. */
		r = sub_flags(0, dst, 0, size, &f);
		break;
	case ALU_NOT:
		return ~dst & m;
	case ALU_XCHG:
		return src;
	default:
		return bit_op(op, dst, src, rflags) & m;
	}
	*rflags = (*rflags & ~(u64)EMUL_FLAGS_ARITH) | f;
	return r;
}
