/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the instruction emulator (hypervisor/emulate/): a table of
 * instructions, each with its bytes, mode, starting registers, flags and
 * memory, and the registers, flags, memory, length and fault expected after
 * it; flag values are worked out by hand from the SDM's definitions (and
 * checked against the host CPU by test_emulate_native).
 * Runs: host unit tests only.
 */
#include <string.h>

#include "support.h"
#include "emulate_fake.h"

#include <shale/compiler.h>

#define RAX EMUL_RAX
#define RCX EMUL_RCX
#define RDX EMUL_RDX
#define RBX EMUL_RBX
#define RSP EMUL_RSP
#define RBP EMUL_RBP
#define RSI EMUL_RSI
#define RDI EMUL_RDI
#define R9 EMUL_R9
#define R12 EMUL_R12
#define R13 EMUL_R13
#define R14 EMUL_R14

#define CF EMUL_FLAG_CF
#define PF EMUL_FLAG_PF
#define AF EMUL_FLAG_AF
#define ZF EMUL_FLAG_ZF
#define SF EMUL_FLAG_SF
#define DF EMUL_FLAG_DF
#define OF EMUL_FLAG_OF
#define ALLF (CF | PF | AF | ZF | SF | OF)

#define D FAKE_DATA
#define CODE_LA 0x1000ULL
#define ONES (~0ULL)

struct reg_val {
	u8 r;
	u64 v;
};

struct mem_val {
	u16 off;        /* from FAKE_DATA */
	u8 len;
	const u8 *bytes;
};

struct ecase {
	const char *name;
	enum emul_mode mode;
	const u8 *code;
	u8 code_len;
	u8 len;                 /* expected length; 0: code_len */
	u64 code_la;            /* 0: CODE_LA (CS base + RIP) */
	bool code_one_page;
	bool la57;
	u64 seg[EMUL_SEG_NR];
	const struct reg_val *in, *out; /* out: registers that change */
	u64 fl_in, fl_out;
	bool fl_chk;            /* else the flags must not change */
	const struct mem_val *mem_in, *mem_out;
	int res;
	u8 vec;
	u32 ec;
	u64 cr2;
	bool counts;            /* check the access counts below */
	u8 reads, writes, cmpxchgs;
};

#define CODE(s) .code = (const u8 *)(s), .code_len = sizeof(s) - 1
#define IN(...) .in = (const struct reg_val[]){ __VA_ARGS__, { 0xff, 0 } }
#define OUT(...) .out = (const struct reg_val[]){ __VA_ARGS__, { 0xff, 0 } }
#define B(o, s) { (o), sizeof(s) - 1, (const u8 *)(s) }
#define MIN_(...) .mem_in = (const struct mem_val[]){ __VA_ARGS__, { 0, 0, NULL } }
#define MOUT(...) .mem_out = (const struct mem_val[]){ __VA_ARGS__, { 0, 0, NULL } }
#define FLAGS(i, o) .fl_in = (i), .fl_out = (o), .fl_chk = true
#define EXC(v, e) .res = EMUL_EXCEPTION, .vec = (v), .ec = (e)
#define COUNTS(r, w, x) .counts = true, .reads = (r), .writes = (w), .cmpxchgs = (x)
#define M64 .mode = EMUL_MODE_64
#define M32 .mode = EMUL_MODE_32
#define M16 .mode = EMUL_MODE_16
#define DWORD_IN MIN_(B(0, "\x11\x22\x33\x44"))
#define DWORD_40 MIN_(B(0x40, "\x11\x22\x33\x44"))
#define EAX_44332211 OUT({ RAX, 0x44332211 })

/* Rows are grouped by what they exercise; flag results are derived in the
 * comments where they are not obvious. */
static const struct ecase cases[] = {
	/* ---- MOV and addressing, 64-bit */
	{ "mov [rbx], eax", M64, CODE("\x89\x03"),
	  IN({ RBX, D }, { RAX, 0x1122334455667788 }),
	  MOUT(B(0, "\x88\x77\x66\x55")), COUNTS(0, 1, 0) },
	{ "mov rax, [rbx+8]", M64, CODE("\x48\x8b\x43\x08"), IN({ RBX, D }),
	  MIN_(B(8, "\x01\x02\x03\x04\x05\x06\x07\x08")),
	  OUT({ RAX, 0x0807060504030201 }), COUNTS(1, 0, 0) },
	{ "mov eax, [rbx] zero-extends", M64, CODE("\x8b\x03"),
	  IN({ RBX, D }, { RAX, ONES }), DWORD_IN, EAX_44332211 },
	{ "mov ax, [rbx] keeps the upper bits", M64, CODE("\x66\x8b\x03"),
	  IN({ RBX, D }, { RAX, ONES }), DWORD_IN,
	  OUT({ RAX, 0xffffffffffff2211 }) },
	{ "mov al, [rbx]", M64, CODE("\x8a\x03"), IN({ RBX, D }, { RAX, ONES }),
	  DWORD_IN, OUT({ RAX, 0xffffffffffffff11 }) },
	{ "mov ah, [rbx] without REX", M64, CODE("\x8a\x23"),
	  IN({ RBX, D }, { RAX, ONES }), DWORD_IN,
	  OUT({ RAX, 0xffffffffffff11ff }) },
	{ "mov spl, [rbx] with REX", M64, CODE("\x40\x8a\x23"),
	  IN({ RBX, D }, { RSP, ONES }), DWORD_IN,
	  OUT({ RSP, 0xffffffffffffff11 }) },
	{ "mov r12b, [rbx] (REX.R)", M64, CODE("\x44\x8a\x23"),
	  IN({ RBX, D }, { R12, ONES }), DWORD_IN,
	  OUT({ R12, 0xffffffffffffff11 }) },
	{ "mov [rbx], bh", M64, CODE("\x88\x3b"), IN({ RBX, D + 0x1234 }),
	  MOUT(B(0x1234, "\x12")) },
	{ "mov [r13+r14*8+0x10], r9 (REX.WRXB, SIB)", M64,
	  CODE("\x4f\x89\x4c\xf5\x10"),
	  IN({ R13, D }, { R14, 2 }, { R9, 0x0102030405060708 }),
	  MOUT(B(0x20, "\x08\x07\x06\x05\x04\x03\x02\x01")) },
	{ "mov eax, [r13+0] (r13 needs a displacement)", M64,
	  CODE("\x41\x8b\x45\x00"), IN({ R13, D }), DWORD_IN, EAX_44332211 },
	{ "mov eax, [r12] (r12 needs a SIB)", M64, CODE("\x41\x8b\x04\x24"),
	  IN({ R12, D }), DWORD_IN, EAX_44332211 },
	{ "mov eax, [rcx*4+disp32]: SIB without a base", M64,
	  CODE("\x8b\x04\x8d\x00\x00\x02\x00"), IN({ RCX, 4 }),
	  MIN_(B(16, "\x11\x22\x33\x44")), EAX_44332211 },
	{ "SIB index 100 is no index, whatever the scale", M64,
	  CODE("\x8b\x04\xe3"), IN({ RBX, D }, { RSP, 0x1000 }), DWORD_IN,
	  EAX_44332211 },
	{ "REX.X turns index 100 into r12", M64, CODE("\x42\x8b\x04\xe3"),
	  IN({ RBX, D }, { R12, 2 }), MIN_(B(16, "\x11\x22\x33\x44")),
	  EAX_44332211 },
	{ "mov eax, [rip+disp32]", M64, CODE("\x8b\x05\x3a\xf0\x01\x00"),
	  DWORD_40, EAX_44332211 },
	{ "RIP-relative counts from after the immediate", M64,
	  CODE("\xc7\x05\x36\xf0\x01\x00\x78\x56\x34\x12"),
	  MOUT(B(0x40, "\x78\x56\x34\x12")) },
	{ "67 RIP-relative uses EIP", M64, CODE("\x67\x8b\x05\x39\xf0\x01\x00"),
	  .code_la = 0x100001000ULL, DWORD_40, EAX_44332211 },
	{ "[disp32] through a SIB is absolute in 64-bit mode", M64,
	  CODE("\x8b\x04\x25\x40\x00\x02\x00"), DWORD_40, EAX_44332211 },
	{ "67 truncates the address to 32 bits", M64, CODE("\x67\x8b\x03"),
	  IN({ RBX, 0xffffffff00020000 }), DWORD_IN, EAX_44332211 },
	{ "mov rax, moffs64", M64,
	  CODE("\x48\xa1\x40\x00\x02\x00\x00\x00\x00\x00"),
	  MIN_(B(0x40, "\x01\x02\x03\x04\x05\x06\x07\x08")),
	  OUT({ RAX, 0x0807060504030201 }) },
	{ "mov moffs64, al", M64, CODE("\xa2\x41\x00\x02\x00\x00\x00\x00\x00"),
	  IN({ RAX, 0x99 }), MOUT(B(0x41, "\x99")) },
	{ "67 mov eax, moffs32", M64, CODE("\x67\xa1\x40\x00\x02\x00"),
	  DWORD_40, EAX_44332211 },
	{ "mov byte [rbx], imm8", M64, CODE("\xc6\x03\xab"), IN({ RBX, D }),
	  MOUT(B(0, "\xab")) },
	{ "mov qword [rbx], imm32 sign-extends", M64,
	  CODE("\x48\xc7\x03\xfe\xff\xff\xff"), IN({ RBX, D }),
	  MOUT(B(0, "\xfe\xff\xff\xff\xff\xff\xff\xff")) },
	{ "mov word [rbx], imm16", M64, CODE("\x66\xc7\x03\x34\x12"),
	  IN({ RBX, D }), MOUT(B(0, "\x34\x12")) },
	{ "REX.W beats 66", M64, CODE("\x66\x48\xc7\x03\x01\x00\x00\x80"),
	  IN({ RBX, D }), MOUT(B(0, "\x01\x00\x00\x80\xff\xff\xff\xff")) },
	{ "REX before a legacy prefix is ignored", M64,
	  CODE("\x48\x66\x8b\x03"), IN({ RBX, D }, { RAX, ONES }), DWORD_IN,
	  OUT({ RAX, 0xffffffffffff2211 }) },
	{ "FS override adds the FS base", M64, CODE("\x64\x8b\x03"),
	  .seg = { [EMUL_SEG_FS] = 0x10000 }, IN({ RBX, 0x10000 }), DWORD_IN,
	  EAX_44332211 },
	{ "DS override and base are ignored in 64-bit mode", M64,
	  CODE("\x3e\x8b\x03"), .seg = { [EMUL_SEG_DS] = 0x5000 },
	  IN({ RBX, D }), DWORD_IN, EAX_44332211 },
	{ "GS override on moffs", M64,
	  CODE("\x65\xa1\x40\x00\x01\x00\x00\x00\x00\x00"),
	  .seg = { [EMUL_SEG_GS] = 0x10000 }, DWORD_40, EAX_44332211 },

	/* ---- MOVZX / MOVSX */
	{ "movzx eax, byte [rbx]", M64, CODE("\x0f\xb6\x03"),
	  IN({ RBX, D }, { RAX, ONES }), MIN_(B(0, "\x80")), OUT({ RAX, 0x80 }) },
	{ "movsx rax, byte [rbx]", M64, CODE("\x48\x0f\xbe\x03"),
	  IN({ RBX, D }), MIN_(B(0, "\x80")), OUT({ RAX, 0xffffffffffffff80 }) },
	{ "movsx eax, word [rbx]", M64, CODE("\x0f\xbf\x03"),
	  IN({ RBX, D }, { RAX, ONES }), MIN_(B(0, "\x00\x80")),
	  OUT({ RAX, 0xffff8000 }) },
	{ "movzx ax, byte [rbx] keeps the upper bits", M64,
	  CODE("\x66\x0f\xb6\x03"), IN({ RBX, D }, { RAX, ONES }),
	  MIN_(B(0, "\x80")), OUT({ RAX, 0xffffffffffff0080 }) },
	{ "movzx ecx, ah", M64, CODE("\x0f\xb6\xcc"),
	  IN({ RAX, 0x1234 }, { RCX, ONES }), OUT({ RCX, 0x12 }) },
	{ "movzx eax, word [rbx]", M64, CODE("\x0f\xb7\x03"), IN({ RBX, D }),
	  MIN_(B(0, "\xff\xff")), OUT({ RAX, 0xffff }) },

	/* ---- XCHG, CMPXCHG, XADD */
	{ "xchg [rbx], eax is locked without a prefix", M64, CODE("\x87\x03"),
	  IN({ RBX, D }, { RAX, 0xaaaaaaaa11223344 }),
	  MIN_(B(0, "\x01\x02\x03\x04")), MOUT(B(0, "\x44\x33\x22\x11")),
	  OUT({ RAX, 0x04030201 }), COUNTS(1, 0, 1) },
	{ "xchg [rbx], ah", M64, CODE("\x86\x23"), IN({ RBX, D }, { RAX, 0x5500 }),
	  MIN_(B(0, "\x66")), MOUT(B(0, "\x55")), OUT({ RAX, 0x6600 }) },
	{ "xchg ecx, edx zero-extends both", M64, CODE("\x87\xca"),
	  IN({ RCX, ONES }, { RDX, 1 }), OUT({ RCX, 1 }, { RDX, 0xffffffff }) },
	{ "cmpxchg [rbx], ecx: equal stores ecx, keeps rax", M64,
	  CODE("\x0f\xb1\x0b"),
	  IN({ RBX, D }, { RAX, 0xdead000044332211 }, { RCX, 0x55667788 }),
	  DWORD_IN, MOUT(B(0, "\x88\x77\x66\x55")), FLAGS(0, ZF | PF),
	  COUNTS(0, 0, 1) },
	/* 5 - 3 = 2: no flags */
	{ "cmpxchg [rbx], ecx: different loads eax", M64, CODE("\x0f\xb1\x0b"),
	  IN({ RBX, D }, { RAX, 0xdead000000000005 }, { RCX, 9 }),
	  MIN_(B(0, "\x03\x00\x00\x00")), OUT({ RAX, 3 }), FLAGS(ZF | CF, 0) },
	{ "lock cmpxchg [rbx], rcx", M64, CODE("\xf0\x48\x0f\xb1\x0b"),
	  IN({ RBX, D }, { RAX, 0x0807060504030201 },
	     { RCX, 0x1122334455667788 }),
	  MIN_(B(0, "\x01\x02\x03\x04\x05\x06\x07\x08")),
	  MOUT(B(0, "\x88\x77\x66\x55\x44\x33\x22\x11")), FLAGS(0, ZF | PF) },
	/* 0x10 - 0x20 = 0xf0: borrow, sign, four ones */
	{ "cmpxchg byte [rbx], cl: different", M64, CODE("\x0f\xb0\x0b"),
	  IN({ RBX, D }, { RAX, 0x10 }), MIN_(B(0, "\x20")),
	  OUT({ RAX, 0x20 }), FLAGS(0, CF | PF | SF) },
	{ "cmpxchg8b [rsi]: equal", M64, CODE("\x0f\xc7\x0e"),
	  IN({ RSI, D }, { RAX, 0x44332211 }, { RDX, 0x88776655 },
	     { RBX, 0xdeadbeef }, { RCX, 0xcafebabe }),
	  MIN_(B(0, "\x11\x22\x33\x44\x55\x66\x77\x88")),
	  MOUT(B(0, "\xef\xbe\xad\xde\xbe\xba\xfe\xca")), FLAGS(CF, CF | ZF) },
	{ "cmpxchg8b [rsi]: different loads edx:eax", M64, CODE("\x0f\xc7\x0e"),
	  IN({ RSI, D }, { RAX, 0xffffffff00000000 },
	     { RDX, 0xffffffff00000000 }),
	  MIN_(B(0, "\x11\x22\x33\x44\x55\x66\x77\x88")),
	  OUT({ RAX, 0x44332211 }, { RDX, 0x88776655 }), FLAGS(CF | ZF, CF) },
	{ "lock cmpxchg16b [rsi]: equal", M64, CODE("\xf0\x48\x0f\xc7\x0e"),
	  IN({ RSI, D }, { RAX, 0x0807060504030201 },
	     { RDX, 0x100f0e0d0c0b0a09 }, { RBX, 0x1111111111111111 },
	     { RCX, 0x2222222222222222 }),
	  MIN_(B(0, "\x01\x02\x03\x04\x05\x06\x07\x08"
		    "\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10")),
	  MOUT(B(0, "\x11\x11\x11\x11\x11\x11\x11\x11"
		    "\x22\x22\x22\x22\x22\x22\x22\x22")),
	  FLAGS(0, ZF) },
	{ "cmpxchg16b misaligned: #GP(0)", M64, CODE("\x48\x0f\xc7\x0e"),
	  IN({ RSI, D + 8 }), EXC(13, 0) },
	{ "cmpxchg8b with a register operand: #UD", M64, CODE("\x0f\xc7\xc8"),
	  EXC(6, 0) },
	{ "lock xadd [rbx], ecx", M64, CODE("\xf0\x0f\xc1\x0b"),
	  IN({ RBX, D }, { RCX, 0xffffffff }), MIN_(B(0, "\x01\x00\x00\x00")),
	  MOUT(B(0, "\x00\x00\x00\x00")), OUT({ RCX, 1 }),
	  FLAGS(0, CF | PF | AF | ZF), COUNTS(1, 0, 1) },
	{ "xadd eax, eax: the sum wins", M64, CODE("\x0f\xc1\xc0"),
	  IN({ RAX, 3 }), OUT({ RAX, 6 }), FLAGS(0, PF) },

	/* ---- ALU with memory operands */
	/* 0x7fffffff + 1: signed overflow; AF from bit 3; low byte 0 */
	{ "lock add [rbx], eax: overflow", M64, CODE("\xf0\x01\x03"),
	  IN({ RBX, D }, { RAX, 1 }), MIN_(B(0, "\xff\xff\xff\x7f")),
	  MOUT(B(0, "\x00\x00\x00\x80")), FLAGS(0, OF | SF | AF | PF),
	  COUNTS(1, 0, 1) },
	{ "add byte [rbx], 0xff: carry to zero", M64, CODE("\x80\x03\xff"),
	  IN({ RBX, D }), MIN_(B(0, "\x01")), MOUT(B(0, "\x00")),
	  FLAGS(0, CF | PF | AF | ZF), COUNTS(1, 1, 0) },
	{ "sub [rbx], eax: borrow", M64, CODE("\x29\x03"),
	  IN({ RBX, D }, { RAX, 1 }), MIN_(B(0, "\x00\x00\x00\x00")),
	  MOUT(B(0, "\xff\xff\xff\xff")), FLAGS(0, CF | PF | AF | SF) },
	/* 5 - (-1) = 6: borrow (5 < 2^64-1), AF, even parity */
	{ "sub qword [rbx], -1: 83 sign-extends imm8", M64,
	  CODE("\x48\x83\x2b\xff"), IN({ RBX, D }),
	  MIN_(B(0, "\x05\x00\x00\x00\x00\x00\x00\x00")),
	  MOUT(B(0, "\x06\x00\x00\x00\x00\x00\x00\x00")),
	  FLAGS(0, CF | PF | AF) },
	{ "or [rbx], eax clears CF, OF (and AF)", M64, CODE("\x09\x03"),
	  IN({ RBX, D }, { RAX, 0x80000001 }), MIN_(B(0, "\x00\x00\x00\x0f")),
	  MOUT(B(0, "\x01\x00\x00\x8f")), FLAGS(CF | OF | AF, SF) },
	{ "and dword [rbx], imm32", M64, CODE("\x81\x23\x00\xff\x00\xff"),
	  IN({ RBX, D }), MIN_(B(0, "\x34\x12\x78\x56")),
	  MOUT(B(0, "\x00\x12\x00\x56")), FLAGS(ZF, PF) },
	{ "xor [rbx], eax to zero", M64, CODE("\x31\x03"),
	  IN({ RBX, D }, { RAX, 0x11223344 }), MIN_(B(0, "\x44\x33\x22\x11")),
	  MOUT(B(0, "\x00\x00\x00\x00")), FLAGS(0, ZF | PF) },
	{ "adc [rbx], eax with CF set", M64, CODE("\x11\x03"),
	  IN({ RBX, D }, { RAX, 0 }), MIN_(B(0, "\xff\xff\xff\xff")),
	  MOUT(B(0, "\x00\x00\x00\x00")), FLAGS(CF, CF | PF | AF | ZF) },
	{ "sbb [rbx], eax with CF set", M64, CODE("\x19\x03"),
	  IN({ RBX, D }, { RAX, 0xffffffff }), MIN_(B(0, "\x00\x00\x00\x00")),
	  FLAGS(CF, CF | PF | AF | ZF) },
	/* 5 - 7 = 0xfffffffe: borrow, AF, seven ones in the low byte */
	{ "cmp [rbx], eax only reads", M64, CODE("\x39\x03"),
	  IN({ RBX, D }, { RAX, 7 }), MIN_(B(0, "\x05\x00\x00\x00")),
	  FLAGS(0, CF | AF | SF), COUNTS(1, 0, 0) },
	{ "cmp eax, [rbx]", M64, CODE("\x3b\x03"), IN({ RBX, D }, { RAX, 7 }),
	  MIN_(B(0, "\x05\x00\x00\x00")), FLAGS(ALLF, 0) },
	/* 0x7f - 0x80 = 0xff: borrow and signed overflow */
	{ "cmp byte [rbx], imm8", M64, CODE("\x80\x3b\x80"), IN({ RBX, D }),
	  MIN_(B(0, "\x7f")), FLAGS(0, CF | PF | SF | OF) },
	{ "add eax, [rbx] zero-extends", M64, CODE("\x03\x03"),
	  IN({ RBX, D }, { RAX, 0xffffffff00000001 }),
	  MIN_(B(0, "\x02\x00\x00\x00")), OUT({ RAX, 3 }), FLAGS(0, PF) },
	{ "add eax, imm32", M64, CODE("\x05\x01\x00\x00\x00"),
	  IN({ RAX, 0xffffffff }), OUT({ RAX, 0 }), FLAGS(0, CF | PF | AF | ZF) },
	{ "lock cmp: #UD", M64, CODE("\xf0\x39\x03"), IN({ RBX, D }), EXC(6, 0) },
	{ "lock add to a register: #UD", M64, CODE("\xf0\x01\xc3"), EXC(6, 0) },
	{ "lock mov: #UD", M64, CODE("\xf0\x89\x03"), IN({ RBX, D }), EXC(6, 0) },
	{ "lock 83 /7 (cmp): #UD", M64, CODE("\xf0\x83\x3b\x01"), IN({ RBX, D }),
	  EXC(6, 0) },
	{ "lock mul: #UD", M64, CODE("\xf0\xf7\x23"), IN({ RBX, D }), EXC(6, 0) },

	/* ---- TEST, INC/DEC, NOT/NEG */
	{ "test dword [rbx], imm32", M64, CODE("\xf7\x03\x00\x00\x00\x80"),
	  IN({ RBX, D }), MIN_(B(0, "\x00\x00\x00\x80")),
	  FLAGS(CF | OF | AF | ZF, SF | PF), COUNTS(1, 0, 0) },
	{ "test byte [rbx], imm8", M64, CODE("\xf6\x03\x01"), IN({ RBX, D }),
	  MIN_(B(0, "\x02")), FLAGS(0, ZF | PF) },
	{ "test [rbx], eax", M64, CODE("\x85\x03"), IN({ RBX, D }, { RAX, 1 }),
	  MIN_(B(0, "\x03\x00\x00\x00")), FLAGS(ZF, 0) },
	{ "inc dword [rbx] keeps CF", M64, CODE("\xff\x03"), IN({ RBX, D }),
	  MIN_(B(0, "\xff\xff\xff\x7f")), MOUT(B(0, "\x00\x00\x00\x80")),
	  FLAGS(CF, CF | OF | SF | AF | PF) },
	{ "dec byte [rbx] keeps CF clear", M64, CODE("\xfe\x0b"), IN({ RBX, D }),
	  MIN_(B(0, "\x00")), MOUT(B(0, "\xff")), FLAGS(0, SF | AF | PF) },
	{ "lock inc qword [rbx]", M64, CODE("\xf0\x48\xff\x03"), IN({ RBX, D }),
	  MIN_(B(0, "\xff\xff\xff\xff\xff\xff\xff\xff")),
	  MOUT(B(0, "\x00\x00\x00\x00\x00\x00\x00\x00")),
	  FLAGS(0, ZF | PF | AF), COUNTS(1, 0, 1) },
	{ "32-bit: 40 is inc eax", M32, CODE("\x40"), IN({ RAX, 0xffffffff }),
	  OUT({ RAX, 0 }), FLAGS(0, ZF | PF | AF) },
	{ "32-bit: 48 is dec eax, not REX.W", M32, CODE("\x48"), IN({ RAX, 0 }),
	  OUT({ RAX, 0xffffffff }), FLAGS(0, SF | AF | PF) },
	{ "not dword [rbx] leaves the flags", M64, CODE("\xf7\x13"),
	  IN({ RBX, D }), MIN_(B(0, "\x0f\x00\xff\x00")),
	  MOUT(B(0, "\xf0\xff\x00\xff")), FLAGS(ALLF, ALLF) },
	{ "neg dword [rbx] of 0 clears CF", M64, CODE("\xf7\x1b"),
	  IN({ RBX, D }), MIN_(B(0, "\x00\x00\x00\x00")), FLAGS(CF, ZF | PF) },
	{ "neg byte [rbx] of 0x80 overflows", M64, CODE("\xf6\x1b"),
	  IN({ RBX, D }), MIN_(B(0, "\x80")), FLAGS(0, CF | OF | SF) },
	{ "lock neg word [rbx]", M64, CODE("\xf0\x66\xf7\x1b"), IN({ RBX, D }),
	  MIN_(B(0, "\x01\x00")), MOUT(B(0, "\xff\xff")),
	  FLAGS(0, CF | SF | PF | AF), COUNTS(1, 0, 1) },

	/* ---- BT, BTS, BTR, BTC */
	{ "bt [rbx], eax: offset 35 is bit 3 of the next dword", M64,
	  CODE("\x0f\xa3\x03"), IN({ RBX, D }, { RAX, 35 }),
	  MIN_(B(4, "\x08")), FLAGS(ZF, ZF | CF), COUNTS(1, 0, 0) },
	{ "bts [rbx], eax: offset -1 is bit 31 of the dword before", M64,
	  CODE("\x0f\xab\x03"), IN({ RBX, D + 0x100 }, { RAX, 0xffffffff }),
	  MIN_(B(0xfc, "\x00\x00\x00\x00")), MOUT(B(0xfc, "\x00\x00\x00\x80")),
	  FLAGS(CF, 0) },
	{ "btr word [rbx], ax: offset 17", M64, CODE("\x66\x0f\xb3\x03"),
	  IN({ RBX, D }, { RAX, 17 }), MIN_(B(2, "\x02\x00")),
	  MOUT(B(2, "\x00\x00")), FLAGS(0, CF) },
	{ "btc qword [rbx], rax: offset 69", M64, CODE("\x48\x0f\xbb\x03"),
	  IN({ RBX, D }, { RAX, 69 }),
	  MIN_(B(8, "\x00\x00\x00\x00\x00\x00\x00\x00")),
	  MOUT(B(8, "\x20\x00\x00\x00\x00\x00\x00\x00")), FLAGS(0, 0) },
	{ "bts dword [rbx], 35: an immediate wraps to bit 3", M64,
	  CODE("\x0f\xba\x2b\x23"), IN({ RBX, D }),
	  MIN_(B(0, "\x00\x00\x00\x00")), MOUT(B(0, "\x08\x00\x00\x00")),
	  FLAGS(0, 0) },
	{ "bt eax, 5", M64, CODE("\x0f\xba\xe0\x05"), IN({ RAX, 0x20 }),
	  FLAGS(0, CF) },
	{ "lock btr dword [rbx], 1", M64, CODE("\xf0\x0f\xba\x33\x01"),
	  IN({ RBX, D }), MIN_(B(0, "\x02\x00\x00\x00")),
	  MOUT(B(0, "\x00\x00\x00\x00")), FLAGS(0, CF), COUNTS(1, 0, 1) },
	{ "lock bt: #UD", M64, CODE("\xf0\x0f\xa3\x03"), IN({ RBX, D }),
	  EXC(6, 0) },

	/* ---- string instructions */
	{ "stosd", M64, CODE("\xab"), IN({ RDI, D }, { RAX, 0x11223344 }),
	  MOUT(B(0, "\x44\x33\x22\x11")), OUT({ RDI, D + 4 }) },
	{ "rep stosb", M64, CODE("\xf3\xaa"),
	  IN({ RDI, D }, { RCX, 5 }, { RAX, 0x7e }),
	  MOUT(B(0, "\x7e\x7e\x7e\x7e\x7e")), OUT({ RDI, D + 5 }, { RCX, 0 }),
	  COUNTS(0, 5, 0) },
	{ "rep stosq runs down with DF", M64, CODE("\xf3\x48\xab"),
	  IN({ RDI, D + 16 }, { RCX, 3 }, { RAX, 0x0101010101010101 }),
	  MOUT(B(0, "\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01"
		    "\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01")),
	  OUT({ RDI, D - 8 }, { RCX, 0 }), FLAGS(DF, DF) },
	{ "rep stos with rcx 0 does nothing", M64, CODE("\xf3\xab"),
	  IN({ RDI, D }, { RCX, 0 }), COUNTS(0, 0, 0) },
	{ "rep movsd copies memory to memory", M64, CODE("\xf3\xa5"),
	  IN({ RSI, D }, { RDI, D + 0x100 }, { RCX, 4 }),
	  MIN_(B(0, "\x00\x01\x02\x03\x04\x05\x06\x07"
		    "\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f")),
	  MOUT(B(0x100, "\x00\x01\x02\x03\x04\x05\x06\x07"
			"\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f")),
	  OUT({ RSI, D + 16 }, { RDI, D + 0x110 }, { RCX, 0 }),
	  COUNTS(4, 4, 0) },
	{ "movsb takes an FS source", M64, CODE("\x64\xa4"),
	  .seg = { [EMUL_SEG_FS] = 0x1000 },
	  IN({ RSI, D - 0x1000 + 0x10 }, { RDI, D + 0x20 }),
	  MIN_(B(0x10, "\x5a")), MOUT(B(0x20, "\x5a")),
	  OUT({ RSI, D - 0x1000 + 0x11 }, { RDI, D + 0x21 }) },
	{ "32-bit: stos always writes ES", M32, CODE("\x2e\xaa"),
	  .seg = { [EMUL_SEG_ES] = D, [EMUL_SEG_DS] = 0x500 },
	  IN({ RDI, 0x30 }, { RAX, 0x77 }), MOUT(B(0x30, "\x77")),
	  OUT({ RDI, 0x31 }) },
	{ "32-bit: 67 rep movsb counts cx and steps si/di", M32,
	  CODE("\x67\xf3\xa4"), .seg = { [EMUL_SEG_ES] = D, [EMUL_SEG_DS] = D },
	  IN({ RSI, 0xffff0010 }, { RDI, 0xaaaa0020 }, { RCX, 0x55550002 }),
	  MIN_(B(0x10, "\x01\x02")), MOUT(B(0x20, "\x01\x02")),
	  OUT({ RSI, 0xffff0012 }, { RDI, 0xaaaa0022 }, { RCX, 0x55550000 }) },
	{ "lodsd", M64, CODE("\xad"), IN({ RSI, D }, { RAX, ONES }), DWORD_IN,
	  OUT({ RAX, 0x44332211 }, { RSI, D + 4 }) },

	/* ---- 16- and 32-bit code */
	{ "16-bit: mov ax, [bx+si]", M16, CODE("\x8b\x00"),
	  .seg = { [EMUL_SEG_DS] = D }, IN({ RBX, 0x10 }, { RSI, 0x20 }, { RAX, ONES }),
	  MIN_(B(0x30, "\x34\x12")), OUT({ RAX, 0xffffffffffff1234 }) },
	{ "16-bit: [bp-2] is in SS", M16, CODE("\x8b\x46\xfe"),
	  .seg = { [EMUL_SEG_DS] = 0x5000, [EMUL_SEG_SS] = D + 0x100 },
	  IN({ RBP, 0x12 }), MIN_(B(0x110, "\x34\x12")), OUT({ RAX, 0x1234 }) },
	{ "16-bit: mov ax, [disp16]", M16, CODE("\x8b\x06\x40\x00"),
	  .seg = { [EMUL_SEG_DS] = D }, DWORD_40, OUT({ RAX, 0x2211 }) },
	{ "16-bit: 66 mov eax, [bx]", M16, CODE("\x66\x8b\x07"),
	  .seg = { [EMUL_SEG_DS] = D }, IN({ RBX, 0x40 }), DWORD_40,
	  EAX_44332211 },
	{ "16-bit: 67 selects 32-bit addressing", M16, CODE("\x67\x8b\x03"),
	  IN({ RBX, D + 0x40 }), DWORD_40, OUT({ RAX, 0x2211 }) },
	{ "16-bit: bx+si wraps at 64 KiB", M16, CODE("\x8b\x00"),
	  .seg = { [EMUL_SEG_DS] = D }, IN({ RBX, 0xffff }, { RSI, 0x41 }),
	  DWORD_40, OUT({ RAX, 0x2211 }) },
	{ "16-bit: mov word [disp16], imm16", M16,
	  CODE("\xc7\x06\x40\x00\x34\x12"), .seg = { [EMUL_SEG_DS] = D },
	  MOUT(B(0x40, "\x34\x12")) },
	{ "16-bit: IP wraps after the instruction", M16, CODE("\x89\x07"),
	  .seg = { [EMUL_SEG_DS] = D, [EMUL_SEG_CS] = 0x10000 },
	  .code_la = 0x1fffe, IN({ RAX, 0x4142 }), MOUT(B(0, "\x42\x41")) },
	{ "32-bit: [disp32] is absolute", M32, CODE("\x8b\x05\x40\x00\x02\x00"),
	  DWORD_40, EAX_44332211 },
	{ "32-bit: 66 mov ax, moffs32", M32, CODE("\x66\xa1\x40\x00\x02\x00"),
	  DWORD_40, OUT({ RAX, 0x2211 }) },
	{ "32-bit: 67 mov eax, moffs16", M32, CODE("\x67\xa1\x40\x00"),
	  .seg = { [EMUL_SEG_DS] = D }, DWORD_40, EAX_44332211 },
	{ "32-bit: linear addresses wrap at 4 GiB", M32, CODE("\x8b\x03"),
	  .seg = { [EMUL_SEG_DS] = 0xfffff000 }, IN({ RBX, 0x21000 }), DWORD_IN,
	  EAX_44332211 },
	{ "32-bit: [esp] is in SS", M32, CODE("\x8b\x04\x24"),
	  .seg = { [EMUL_SEG_SS] = D }, IN({ RSP, 0x40 }), DWORD_40,
	  EAX_44332211 },

	/* ---- faults */
	{ "read of unmapped memory: #PF at its address", M64, CODE("\x8b\x03"),
	  IN({ RBX, 0x50000 }), EXC(14, 0), .cr2 = 0x50000 },
	{ "write to a read-only page: #PF P|W", M64, CODE("\x89\x03"),
	  IN({ RBX, FAKE_RO + 8 }), EXC(14, 3), .cr2 = FAKE_RO + 8 },
	{ "read across into an unmapped page: #PF at the page", M64,
	  CODE("\x8b\x03"), IN({ RBX, D + FAKE_DATA_SIZE - 2 }), EXC(14, 0),
	  .cr2 = D + FAKE_DATA_SIZE },
	{ "add to a read-only page faults on the read, keeping the flags",
	  M64, CODE("\x01\x03"), IN({ RBX, FAKE_RO }), FLAGS(CF, CF),
	  EXC(14, 3), .cr2 = FAKE_RO, COUNTS(1, 0, 0) },
	{ "the read of a read-modify-write faults as a write", M64,
	  CODE("\xff\x03"), IN({ RBX, 0x50000 }), EXC(14, 2), .cr2 = 0x50000 },
	{ "cmp reading an unmapped page faults as a read", M64,
	  CODE("\x39\x03"), IN({ RBX, 0x50000 }), EXC(14, 0), .cr2 = 0x50000 },
	{ "xchg with an unmapped page faults as a write", M64,
	  CODE("\x87\x03"), IN({ RBX, 0x50000 }), EXC(14, 2), .cr2 = 0x50000 },
	{ "fetch into an unmapped page: #PF for the fetch", M64,
	  CODE("\x8b\x04\x25\x40\x00\x02\x00"), .code_la = 0x1ffd,
	  .code_one_page = true, EXC(14, 0x10), .cr2 = 0x2000 },
	{ "an instruction ending at the page end needs no next page", M64,
	  CODE("\x8b\x03"), .code_la = 0x1ffe, .code_one_page = true,
	  IN({ RBX, D }), DWORD_IN, EAX_44332211 },
	{ "16 bytes: #GP(0)", M64,
	  CODE("\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66"
	       "\x8b\x03"), IN({ RBX, D }), EXC(13, 0) },
	{ "15 bytes are allowed", M64,
	  CODE("\x3e\x3e\x3e\x3e\x3e\xc7\x83\x40\x00\x00\x00\x78\x56\x34\x12"),
	  IN({ RBX, D }), MOUT(B(0x40, "\x78\x56\x34\x12")) },
	{ "non-canonical address: #GP(0)", M64, CODE("\x8b\x03"),
	  IN({ RBX, 0x0000800000000000 }), EXC(13, 0) },
	{ "non-canonical stack address: #SS(0)", M64, CODE("\x8b\x45\x00"),
	  IN({ RBP, 0x0000800000000000 }), EXC(12, 0) },
	{ "LA57 makes it canonical", M64, CODE("\x8b\x03"), .la57 = true,
	  IN({ RBX, 0x0000800000000000 }), EXC(14, 0),
	  .cr2 = 0x0000800000000000 },
	{ "an access straddling the canonical edge: #GP(0)", M64,
	  CODE("\x48\x8b\x03"), IN({ RBX, 0x00007ffffffffffc }), EXC(13, 0) },
	{ "rep stos faulting mid-way keeps the done iterations", M64,
	  CODE("\xf3\xab"),
	  IN({ RDI, D + FAKE_DATA_SIZE - 8 }, { RCX, 4 }, { RAX, 0x11111111 }),
	  MOUT(B(FAKE_DATA_SIZE - 8, "\x11\x11\x11\x11\x11\x11\x11\x11")),
	  OUT({ RDI, D + FAKE_DATA_SIZE }, { RCX, 2 }), EXC(14, 2),
	  .cr2 = D + FAKE_DATA_SIZE },

	/* ---- outside the subset */
	{ "VEX is unhandled", M64, CODE("\xc5\xf8\x77"), .len = 0xff,
	  .res = EMUL_UNHANDLED },
	{ "the 0f 38 map is unhandled", M64, CODE("\x0f\x38\x00\xc0"),
	  .len = 0xff, .res = EMUL_UNHANDLED },
	{ "mul is decoded but unhandled", M64, CODE("\xf7\x23"), IN({ RBX, D }),
	  .res = EMUL_UNHANDLED },
	{ "syscall is unhandled", M64, CODE("\x0f\x05"), .res = EMUL_UNHANDLED },
	{ "call r/m is unhandled", M64, CODE("\xff\x13"), .res = EMUL_UNHANDLED },
	{ "push es does not exist in 64-bit mode", M64, CODE("\x06"), .len = 0xff,
	  .res = EMUL_UNHANDLED },
	{ "66 e8 in 64-bit mode depends on the vendor", M64,
	  CODE("\x66\xe8\x00\x00"), .len = 0xff, .res = EMUL_UNHANDLED },
	{ "XOP (8f /1) is unhandled", M64, CODE("\x8f\xe9\x78\x01\xc0"),
	  .len = 0xff, .res = EMUL_UNHANDLED },
	{ "xbegin (c7 f8) is decoded but unhandled", M64,
	  CODE("\xc7\xf8\x00\x00\x00\x00"), .res = EMUL_UNHANDLED },
};

static const char *cur_name;

#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		if (!(cond))                                                   \
			fail_msg("%s: " __VA_ARGS__);                          \
	} while (0)

/* Sets up one case, runs it and checks everything it promises. */
static void run_case(const struct ecase *t)
{
	u64 code_la = t->code_la ? t->code_la : CODE_LA;
	u64 rip, fl, want[16];
	u8 want_mem[FAKE_DATA_SIZE];
	struct emul_ctx c;
	const struct reg_val *rv;
	const struct mem_val *mv;
	unsigned int i, len = t->len ? t->len : t->code_len;
	int r;

	cur_name = t->name;
	fake_reset(&c, t->mode, code_la, t->code, t->code_len);
	fake.code_one_page = t->code_one_page;
	memcpy(c.seg_base, t->seg, sizeof(c.seg_base));
	c.la57 = t->la57;
	rip = t->mode == EMUL_MODE_64 ? code_la : code_la - t->seg[EMUL_SEG_CS];
	c.regs.rip = rip;
	c.regs.rflags = t->fl_in | 2;
	for (rv = t->in; rv && rv->r != 0xff; rv++)
		c.regs.gpr[rv->r] = rv->v;
	for (mv = t->mem_in; mv && mv->len; mv++)
		memcpy(fake.data + mv->off, mv->bytes, mv->len);
	memcpy(want, c.regs.gpr, sizeof(want));
	for (rv = t->out; rv && rv->r != 0xff; rv++)
		want[rv->r] = rv->v;
	memcpy(want_mem, fake.data, sizeof(want_mem));
	for (mv = t->mem_out; mv && mv->len; mv++)
		memcpy(want_mem + mv->off, mv->bytes, mv->len);

	r = emul_insn(&c);

	CHECK(r == t->res, "result %d, expected %d", cur_name, r, t->res);
	/* .len = 0xff: the decoder gives up before the length is known. */
	if (t->len != 0xff && (r == EMUL_OK || r == EMUL_UNHANDLED))
		CHECK(c.insn.len == len, "length %u, expected %u", cur_name,
		      c.insn.len, len);
	for (i = 0; i < 16; i++)
		CHECK(c.regs.gpr[i] == want[i], "reg %u = %#lx, expected %#lx",
		      cur_name, i, (unsigned long)c.regs.gpr[i],
		      (unsigned long)want[i]);
	if (r == EMUL_OK)
		rip = (rip + len) & (t->mode == EMUL_MODE_16 ? 0xffff : ~0ULL);
	CHECK(c.regs.rip == rip, "rip %#lx", cur_name,
	      (unsigned long)c.regs.rip);
	fl = (t->fl_chk && r == EMUL_OK ? t->fl_out : t->fl_in) | 2;
	CHECK(c.regs.rflags == fl, "rflags %#lx, expected %#lx", cur_name,
	      (unsigned long)c.regs.rflags, (unsigned long)fl);
	for (i = 0; i < FAKE_DATA_SIZE; i++)
		CHECK(fake.data[i] == want_mem[i], "mem[%#x] = %#x, expected %#x",
		      cur_name, i, fake.data[i], want_mem[i]);
	if (t->res == EMUL_EXCEPTION) {
		CHECK(c.exc.vector == t->vec, "vector %u", cur_name, c.exc.vector);
		CHECK(c.exc.error_code == t->ec, "error code %#x", cur_name,
		      c.exc.error_code);
		CHECK(c.exc.has_error_code == (t->vec != 6), "has_error_code",
		      cur_name);
		if (t->vec == 14)
			CHECK(c.exc.cr2 == t->cr2, "cr2 %#lx", cur_name,
			      (unsigned long)c.exc.cr2);
	}
	if (t->counts) {
		CHECK(fake.reads == t->reads, "%u reads", cur_name, fake.reads);
		CHECK(fake.writes == t->writes, "%u writes", cur_name, fake.writes);
		CHECK(fake.cmpxchgs == t->cmpxchgs, "%u cmpxchgs", cur_name,
		      fake.cmpxchgs);
	}
	CHECK(fake.fetched <= 15, "fetched %u bytes", cur_name, fake.fetched);
}

/* Every row of the table above. */
static void emulate_table_cases_match(void **state)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		run_case(&cases[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(emulate_table_cases_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
