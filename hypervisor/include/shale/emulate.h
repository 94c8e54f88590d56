/* SPDX-License-Identifier: MIT */
/*
 * The x86 instruction emulator subset: decodes one guest instruction and
 * performs it against memory reached only through callbacks, for MMIO
 * emulation and for guest writes to write-protected (shadowed) page tables.
 * Runs: host root mode, host unit tests, fuzzer (hypervisor/emulate/).
 *
 * The caller fills a struct emul_ctx (ops, mode, segment bases, registers)
 * and calls emul_insn(). The emulator never touches a vCPU or guest memory
 * itself, so the same code links into the unit tests and the fuzzer.
 * Intel SDM vol. 2 (instruction set, chapter 2 encoding); AMD APM vol. 3.
 */
#ifndef SHALE_EMULATE_H
#define SHALE_EMULATE_H

#include <shale/types.h>

/* What emul_insn/emul_decode/emul_execute return, and what a callback may
 * return besides 0. */
enum emul_result {
	/* Done: registers and RFLAGS updated, RIP past the instruction. */
	EMUL_OK = 0,
	/* Not in the subset, or a callback refused the access: no register
	 * changed (string instructions: only whole iterations done, with
	 * RCX/RSI/RDI to match) and RIP is unchanged. The caller decides. */
	EMUL_UNHANDLED = 1,
	/* The instruction faults: c->exc says how. Registers are as hardware
	 * leaves them at the fault (RIP unchanged; a REP string instruction
	 * keeps its completed iterations). */
	EMUL_EXCEPTION = 2,
	/* Progress made but not finished (a REP batch of EMUL_REP_MAX, or a
	 * locked update that lost EMUL_LOCK_TRIES races): registers are
	 * consistent and RIP is unchanged, so re-running the instruction (here
	 * or by resuming the guest) continues it. */
	EMUL_RETRY = 3,
};

/* Iterations of a REP string instruction done per call. */
#define EMUL_REP_MAX 256u
/* Compare-exchange attempts of one locked read-modify-write per call. */
#define EMUL_LOCK_TRIES 16u

/* The code segment's default sizes: 16- or 32-bit legacy/compatibility
 * code (CS.D), or 64-bit code (long mode, CS.L). */
enum emul_mode {
	EMUL_MODE_16,
	EMUL_MODE_32,
	EMUL_MODE_64,
};

/* Segment registers in encoding order (the sreg field of MOV Sreg). */
enum emul_seg {
	EMUL_SEG_ES,
	EMUL_SEG_CS,
	EMUL_SEG_SS,
	EMUL_SEG_DS,
	EMUL_SEG_FS,
	EMUL_SEG_GS,
	EMUL_SEG_NR,
};

/* Register numbers in encoding order. */
enum {
	EMUL_RAX, EMUL_RCX, EMUL_RDX, EMUL_RBX, EMUL_RSP, EMUL_RBP, EMUL_RSI,
	EMUL_RDI, EMUL_R8, EMUL_R9, EMUL_R10, EMUL_R11, EMUL_R12, EMUL_R13,
	EMUL_R14, EMUL_R15,
};

/* RFLAGS bits the subset reads or writes. */
#define EMUL_FLAG_CF (1u << 0)
#define EMUL_FLAG_PF (1u << 2)
#define EMUL_FLAG_AF (1u << 4)
#define EMUL_FLAG_ZF (1u << 6)
#define EMUL_FLAG_SF (1u << 7)
#define EMUL_FLAG_DF (1u << 10)
#define EMUL_FLAG_OF (1u << 11)
#define EMUL_FLAGS_ARITH (EMUL_FLAG_CF | EMUL_FLAG_PF | EMUL_FLAG_AF |       \
			  EMUL_FLAG_ZF | EMUL_FLAG_SF | EMUL_FLAG_OF)

/* Exception vectors the emulator raises itself. */
#define EMUL_VEC_UD 6
#define EMUL_VEC_SS 12
#define EMUL_VEC_GP 13
#define EMUL_VEC_PF 14

/* The general registers, RIP and RFLAGS. Same layout as struct cpu_regs
 * (shale/vcpu.h), so a caller can copy one into the other. */
struct emul_regs {
	u64 gpr[16];    /* EMUL_RAX ... EMUL_R15 */
	u64 rip;
	u64 rflags;
};

/* The fault to deliver when emul_insn returns EMUL_EXCEPTION. */
struct emul_exception {
	u8 vector;
	bool has_error_code;
	u32 error_code;
	u64 cr2;        /* #PF only: the faulting linear address */
};

/* The decoded instruction (emul_decode's output, emul_execute's input).
 * Callers normally read only len; the rest is for the emulator and tests. */
struct emul_insn {
	u8 bytes[15];   /* the bytes fetched so far */
	u8 fetched;     /* how many of bytes[] are valid */
	u8 len;         /* instruction length, prefixes included */
	u8 map;         /* 0: one-byte opcode map, 1: 0F map */
	u8 opcode;
	u16 shape;      /* the opcode table entry (decode.c's OP_* bits) */
	u8 rex;         /* the REX byte in effect (0x40-0x4f), or 0 */
	u8 rep;         /* 0, 0xf2 or 0xf3 (the last one given) */
	bool lock;
	s8 seg_override;/* enum emul_seg, or -1 */
	u8 opsize;      /* operand size in bytes: 1, 2, 4 or 8 */
	u8 adsize;      /* address size in bytes: 2, 4 or 8 */
	bool has_modrm;
	u8 modrm;
	u8 mod;         /* modrm.mod */
	u8 reg;         /* modrm.reg, with REX.R */
	u8 rm;          /* modrm.rm, with REX.B (register operands) */
	bool mem;       /* the r/m (or moffs) operand is memory */
	bool rip_rel;
	u8 seg;         /* segment of the memory operand (enum emul_seg) */
	u64 ea;         /* its offset (effective address), wrapped to the
			 * address size */
	u8 imm_size;    /* bytes of immediate (or moffs) in the encoding */
	u64 imm;        /* the immediate, sign-extended where the opcode does */
};

struct emul_ctx;

/*
 * How the emulator reaches the guest. Each callback gets a linear address
 * (segment base already added) and returns 0, or:
 *  - EMUL_EXCEPTION after emul_raise_pf() / emul_raise() (e.g. the guest
 *    walk faulted: the #PF then carries the callback's address and code),
 *  - EMUL_UNHANDLED to refuse the access (e.g. MMIO no device claims, or an
 *    access that spans RAM and MMIO),
 *  - EMUL_RETRY to have the instruction re-run later.
 * Any other value counts as EMUL_UNHANDLED. An access may cross a page
 * boundary (except fetch); the callback translates each page.
 */
struct emul_ops {
	/* Instruction bytes at la; never crosses a 4 KiB boundary, never
	 * asks for more than 15 bytes per instruction in all. */
	int (*fetch)(struct emul_ctx *c, u64 la, void *buf, unsigned int size);
	/* A data read of size 1, 2, 4, 8 or 16 bytes. Each operand is read
	 * once: MMIO reads with side effects happen as often as on hardware. */
	int (*read)(struct emul_ctx *c, u64 la, void *buf, unsigned int size);
	/* A data write of size 1, 2, 4, 8 or 16 bytes. */
	int (*write)(struct emul_ctx *c, u64 la, const void *buf,
		     unsigned int size);
	/* Atomically: if memory at la equals old, store new and set *swapped;
	 * otherwise copy the current contents into old and clear *swapped.
	 * May be NULL where no other CPU can observe the memory (MMIO device
	 * models that serialise themselves): locked instructions then read
	 * once and write once through read/write. */
	int (*cmpxchg)(struct emul_ctx *c, u64 la, void *old, const void *new,
		       unsigned int size, bool *swapped);
};

struct emul_ctx {
	/* Filled by the caller. */
	const struct emul_ops *ops;
	void *priv;                     /* for the callbacks */
	enum emul_mode mode;
	/* Segment bases. In 64-bit mode only FS and GS are used (the others
	 * count as 0); outside it linear addresses wrap at 4 GiB. Limits and
	 * access rights are not checked: the caller's segments are assumed
	 * flat enough for MMIO and page-table writes. */
	u64 seg_base[EMUL_SEG_NR];
	bool la57;                      /* 57-bit linear addresses (CR4.LA57) */

	/* In/out: the guest's registers. */
	struct emul_regs regs;

	/* For the callbacks: set while ops->read fetches the operand of a
	 * read-modify-write (ALU to memory, XCHG, CMPXCHG without a cmpxchg
	 * callback, BTS...). Hardware checks write permission on that read
	 * and a fault on it has PFEC_WRITE set; a callback that walks guest
	 * tables should do the same. */
	bool rmw;

	/* Out. */
	struct emul_insn insn;
	struct emul_exception exc;
};

/* Decodes the instruction at CS:RIP into c->insn (fetching through
 * ops->fetch). Returns EMUL_OK, EMUL_UNHANDLED (an opcode the decoder does
 * not know the shape of), or EMUL_EXCEPTION (#PF from fetch, #GP(0) past 15
 * bytes, #UD for a LOCK the instruction does not allow). Registers are not
 * changed. c->insn.len is the instruction's length after EMUL_OK; after
 * anything else it only counts the bytes consumed so far. */
int emul_decode(struct emul_ctx *c);

/* Performs the instruction emul_decode left in c->insn. Returns any of
 * enum emul_result (see there for the state each leaves). */
int emul_execute(struct emul_ctx *c);

/* emul_decode then emul_execute: the usual entry point. */
int emul_insn(struct emul_ctx *c);

/* For callbacks and the emulator: records a fault in c->exc (error code
 * included for the vectors that push one) and returns EMUL_EXCEPTION. */
int emul_raise(struct emul_ctx *c, unsigned int vector, u32 error_code);

/* Records #PF at linear address la with error code pfec (PFEC_* in
 * shale/guest_walk.h) and returns EMUL_EXCEPTION. */
int emul_raise_pf(struct emul_ctx *c, u64 la, u32 pfec);

#endif /* SHALE_EMULATE_H */
