/* SPDX-License-Identifier: MIT */
/*
 * What the emulator's files share and nobody else needs: the opcode-shape
 * bits the decoder's tables use, and the flag arithmetic (alu.c).
 * Runs: host root mode, host unit tests, fuzzer.
 */
#ifndef EMUL_PRIV_H
#define EMUL_PRIV_H

#include <shale/emulate.h>

/* Opcode shape (struct emul_insn.shape): what follows the opcode byte. An
 * entry without OP_KNOWN is an opcode whose length the decoder does not
 * claim to know (VEX/EVEX/XOP, three-byte maps, 3DNow!, undefined). */
#define OP_KNOWN   (1u << 0)
#define OP_MODRM   (1u << 1)  /* a ModRM byte (and SIB/displacement) */
#define OP_BYTE    (1u << 2)  /* 8-bit operand size */
#define OP_IB      (1u << 3)  /* imm8 */
#define OP_IW      (1u << 4)  /* imm16 (with OP_IB: ENTER's iw, ib) */
#define OP_IZ      (1u << 5)  /* imm16 or imm32 by operand size */
#define OP_IV      (1u << 6)  /* imm16/32/64 by operand size (MOV r, imm) */
#define OP_MOFFS   (1u << 7)  /* an offset of the address size */
#define OP_FAR     (1u << 8)  /* ptr16:16/32 (iz, then a selector) */
#define OP_REL     (1u << 9)  /* rel16/32 branch */
#define OP_INV64   (1u << 10) /* invalid in 64-bit mode */
#define OP_NOMEM   (1u << 11) /* ModRM is always a register (MOV CRn/DRn) */
#define OP_LOCK    (1u << 12) /* LOCK allowed (groups: some /reg only) */
#define OP_GRPIMM  (1u << 13) /* F6/F7: /0 and /1 (TEST) carry an imm */

/* Arithmetic the subset needs; values 0-7 match the ALU opcode rows and
 * the /reg of group 1 (80-83). */
enum emul_alu {
	ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP,
	ALU_TEST, ALU_INC, ALU_DEC, ALU_NOT, ALU_NEG,
	ALU_XCHG,       /* result is src, flags untouched */
	ALU_XADD,       /* result and flags of ADD */
	ALU_BT, ALU_BTS, ALU_BTR, ALU_BTC, /* src is the bit number */
};

/* All ones in the low size bytes. */
static inline u64 emul_mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

/* Sign-extends the low size bytes of v to 64 bits. */
static inline u64 emul_sext(u64 v, unsigned int size)
{
	unsigned int shift = 64 - size * 8;

	return size >= 8 ? v : (u64)((s64)(v << shift) >> shift);
}

/* IP, EIP or RIP: the instruction pointer wraps at the code size. */
static inline u64 emul_ip_mask(enum emul_mode mode)
{
	return mode == EMUL_MODE_64 ? ~0ULL :
	       mode == EMUL_MODE_32 ? 0xffffffffULL : 0xffffULL;
}

/* Computes dst op src on size-byte operands, updating the arithmetic flags
 * in *rflags as the instruction does on hardware (undefined flags are left
 * as they were, except AF after logic ops, which is cleared as current
 * CPUs do). Returns the result (masked to size); the caller decides whether
 * it is written (see emul_alu_writes). */
u64 emul_alu(enum emul_alu op, u64 dst, u64 src, unsigned int size,
	     u64 *rflags);

/* Whether op stores its result into the destination. */
bool emul_alu_writes(enum emul_alu op);

#endif /* EMUL_PRIV_H */
