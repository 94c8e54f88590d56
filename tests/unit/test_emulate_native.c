/* SPDX-License-Identifier: MIT */
/*
 * Differential test of the instruction emulator against the host CPU: random
 * 64-bit instructions of the subset (all operand sizes, LOCK, REX, SIB,
 * RIP-relative, register and memory forms, REP strings) are run natively on
 * a copy of the registers and a memory window, and through emul_insn on
 * another copy; registers, defined flags and memory must agree.
 * Runs: host unit tests only (x86-64 hosts).
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "support.h"

#include <shale/compiler.h>
#include <shale/emulate.h>

#define RUNS 200000
#define WIN_SIZE 8192

struct nstate {
	u64 gpr[16];
	u64 rflags;
};

/* Loads every register but RSP from s, calls code (one instruction then
 * RET), and stores them back with RFLAGS. */
void native_run(struct nstate *s, const void *code);
__asm__(".text\n"
	".globl native_run\n"
	".type native_run, @function\n"
	"native_run:\n"
	"push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n"
	"push %rdi; push %rsi\n"
	"pushq 128(%rdi); popfq\n"
	"mov 0(%rdi), %rax; mov 8(%rdi), %rcx; mov 16(%rdi), %rdx\n"
	"mov 24(%rdi), %rbx; mov 40(%rdi), %rbp; mov 48(%rdi), %rsi\n"
	"mov 64(%rdi), %r8; mov 72(%rdi), %r9; mov 80(%rdi), %r10\n"
	"mov 88(%rdi), %r11; mov 96(%rdi), %r12; mov 104(%rdi), %r13\n"
	"mov 112(%rdi), %r14; mov 120(%rdi), %r15\n"
	"mov 56(%rdi), %rdi\n"
	"call *(%rsp)\n"
	"push %rdi; mov 16(%rsp), %rdi; popq 56(%rdi)\n"
	"mov %rax, 0(%rdi); mov %rcx, 8(%rdi); mov %rdx, 16(%rdi)\n"
	"mov %rbx, 24(%rdi); mov %rbp, 40(%rdi); mov %rsi, 48(%rdi)\n"
	"mov %r8, 64(%rdi); mov %r9, 72(%rdi); mov %r10, 80(%rdi)\n"
	"mov %r11, 88(%rdi); mov %r12, 96(%rdi); mov %r13, 104(%rdi)\n"
	"mov %r14, 112(%rdi); mov %r15, 120(%rdi)\n"
	"pushfq; popq 128(%rdi); cld\n"
	"add $16, %rsp\n"
	"pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx\n"
	"ret\n"
	".size native_run, .-native_run\n");

/* Page 0: the instruction (made executable); pages 1-2: the data window the
 * native run touches; emu_win: the emulator's copy of the same window. */
static u8 area[3 * 4096] __aligned(4096);
#define CODE_PAGE area
#define WIN (area + 4096)
static u8 emu_win[WIN_SIZE];
static u8 insn[16];
static unsigned int insn_n;

static u64 rng = 0x9e3779b97f4a7c15ULL;

static u64 rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static unsigned int pick(unsigned int n)
{
	return (unsigned int)(rnd() % n);
}

/* A register value: often an edge case, else random. */
static u64 value(void)
{
	static const u64 edges[] = { 0, 1, ~0ULL, 0x7f, 0x80, 0xff, 0x7fff,
				     0x8000, 0xffff, 0x7fffffff, 0x80000000,
				     0xffffffff, 0x7fffffffffffffffULL,
				     0x8000000000000000ULL, 0x0f, 0x10 };

	if (pick(3) == 0)
		return edges[pick(ARRAY_SIZE(edges))] ^
		       (pick(2) ? 0 : rnd() << 32);
	return rnd() >> pick(64);
}

/* ---------------------------------------------------------- the emulator */

static u8 *emu_at(u64 la, unsigned int size)
{
	u64 w = (u64)(uintptr_t)WIN;

	if (la < w || la + size > w + WIN_SIZE)
		fail_msg("emulator access at %#lx outside the window",
			 (unsigned long)la);
	return emu_win + (la - w);
}

static int n_fetch(struct emul_ctx *c, u64 la, void *buf, unsigned int size)
{
	u64 off = la - (u64)(uintptr_t)CODE_PAGE;

	assert_true(off + size <= 15);
	memcpy(buf, insn + off, size);
	return 0;
}

static int n_read(struct emul_ctx *c, u64 la, void *buf, unsigned int size)
{
	memcpy(buf, emu_at(la, size), size);
	return 0;
}

static int n_write(struct emul_ctx *c, u64 la, const void *buf,
		   unsigned int size)
{
	memcpy(emu_at(la, size), buf, size);
	return 0;
}

static int n_cmpxchg(struct emul_ctx *c, u64 la, void *old, const void *new,
		     unsigned int size, bool *swapped)
{
	u8 *p = emu_at(la, size);

	*swapped = memcmp(p, old, size) == 0;
	if (*swapped)
		memcpy(p, new, size);
	else
		memcpy(old, p, size);
	return 0;
}

static const struct emul_ops native_ops = { n_fetch, n_read, n_write,
					    n_cmpxchg };

/* ---------------------------------------------------------- the generator */

enum kind {
	K_ALU, K_GRP1, K_TEST, K_XCHG, K_MOV, K_MOV_IMM, K_MOFFS, K_GRP3,
	K_INCDEC, K_CMPXCHG, K_CMPXCHG8B, K_XADD, K_BT_REG, K_BT_IMM, K_MOVX,
	K_STRING, K_NR,
};

struct gen {
	struct nstate s;
	u64 flag_mask;          /* flags whose value is defined */
	u64 target;             /* the memory operand's address */
	unsigned int rm;        /* the r/m register of a register form */
};

static void emit(u8 b)
{
	insn[insn_n++] = b;
}

static void emit_le(u64 v, unsigned int n)
{
	while (n--) {
		emit((u8)v);
		v >>= 8;
	}
}

/* A register for an operand: never RSP (native runs share the stack); with
 * REX or a non-byte size, never 4 (SPL would be RSP too). */
static unsigned int gen_reg(void)
{
	unsigned int r;

	do
		r = pick(16);
	while (r == EMUL_RSP);
	return r;
}

/* Emits [LOCK] [66] [REX] opcode ModRM [SIB] [disp] (the caller emits the
 * immediate, imm_n bytes). The r/m operand is memory at g->target, through
 * [base+disp8], [base+index*scale+disp8] or [rip+disp32], or a register.
 * *reg is a register number, or with digit a /digit; registers the caller
 * must control are in *avoid, and those used for addressing are added. */
static void emit_modrm_insn(struct gen *g, bool lock, unsigned int size,
			    const u8 *op, unsigned int op_n, unsigned int *reg,
			    bool digit, bool mem, unsigned int imm_n,
			    u64 *avoid)
{
	unsigned int rm = 0, base = 0, index = 16, form = pick(3), i;
	bool rex;
	u8 rexb;

	if (mem) {
		do
			base = gen_reg();
		while (*avoid & (1ULL << base));
		if (form == 1) {
			do
				index = gen_reg();
			while (index == base || (*avoid & (1ULL << index)));
		}
		*avoid |= 1ULL << base | (index < 16 ? 1ULL << index : 0);
	} else {
		do
			rm = gen_reg();
		while (*avoid & (1ULL << rm));
	}
	rexb = (size == 8 ? 8 : 0) | (!digit && *reg >= 8 ? 4 : 0) |
	       (index < 16 && index >= 8 ? 2 : 0) |
	       (mem ? base >= 8 : rm >= 8);
	rex = rexb || (size == 1 && pick(4) == 0);
	/* With REX, byte register 4 is SPL, i.e. RSP: move off it. */
	if (size == 1 && rex && !digit && *reg == 4)
		*reg = 1;
	if (size == 1 && rex && !mem && rm == 4)
		rm = 1;
	g->rm = rm;
	if (lock)
		emit(0xf0);
	if (size == 2)
		emit(0x66);
	if (rex)
		emit(0x40 | rexb);
	for (i = 0; i < op_n; i++)
		emit(op[i]);
	if (!mem) {
		emit((u8)(0xc0 | (*reg & 7) << 3 | (rm & 7)));
		return;
	}
	if (form == 2) {
		/* disp32 counts from the end of the instruction. */
		u64 next = (u64)(uintptr_t)CODE_PAGE + insn_n + 5 + imm_n;

		emit((u8)(0x05 | (*reg & 7) << 3));
		emit_le(g->target - next, 4);
		return;
	}
	{
		u64 disp = (u64)(s64)(s8)pick(256);

		if (index >= 16) {
			emit((u8)(0x40 | (*reg & 7) << 3 | (base & 7)));
			if ((base & 7) == 4)
				emit(0x24);
			g->s.gpr[base] = g->target - disp;
		} else {
			unsigned int scale = pick(4);
			u64 iv = pick(32);

			emit((u8)(0x44 | (*reg & 7) << 3));
			emit((u8)(scale << 6 | (index & 7) << 3 | (base & 7)));
			g->s.gpr[index] = iv;
			g->s.gpr[base] = g->target - disp - (iv << scale);
		}
		emit((u8)disp);
	}
}

static unsigned int pick_size(void)
{
	return 1u << pick(4);
}

static unsigned int imm_len(unsigned int size)
{
	return size == 8 ? 4 : size;
}

#define LOGIC_MASK (EMUL_FLAGS_ARITH & ~(u64)EMUL_FLAG_AF)
#define BT_MASK (EMUL_FLAG_CF | EMUL_FLAG_ZF)

/* Builds one instruction of the given kind into insn[] and sets up g's
 * registers (and for CMPXCHG the memory) to go with it. */
static void gen_insn(struct gen *g, enum kind k)
{
	unsigned int size = pick_size(), reg = gen_reg(), d, n;
	bool mem = pick(4) != 0, lock;
	u64 avoid = 0;
	u8 op[2];

	g->flag_mask = EMUL_FLAGS_ARITH;
	lock = mem && pick(2);
	/* Locked accesses stay within a cache line: a split lock may be
	 * refused by the host kernel. */
	if (lock || k == K_XCHG || k == K_CMPXCHG8B)
		g->target &= ~15ULL;
	switch (k) {
	case K_ALU:
		d = pick(8);
		n = pick(6);
		if (n >= 4) {   /* AL/eAX, imm */
			if (size == 2)
				emit(0x66);
			if (size == 8)
				emit(0x48);
			emit((u8)(d << 3 | 4 | (size == 1 ? 0 : 1)));
			emit_le(rnd(), imm_len(size));
			break;
		}
		lock = lock && d != 7 && n < 2;
		op[0] = (u8)(d << 3 | (n & 2) | (size == 1 ? 0 : 1));
		emit_modrm_insn(g, lock, size, op, 1, &reg, false, mem, 0, &avoid);
		if (d == 1 || d == 4 || d == 6)
			g->flag_mask = LOGIC_MASK;
		break;
	case K_GRP1:
		d = pick(8);
		n = size == 1 ? 0 : pick(2) ? 1 : 3; /* 80, 81, 83 */
		op[0] = (u8)(0x80 | n);
		emit_modrm_insn(g, lock && d != 7, size, op, 1, &d, true, mem,
				n == 1 ? imm_len(size) : 1, &avoid);
		emit_le(rnd(), n == 1 ? imm_len(size) : 1);
		if (d == 1 || d == 4 || d == 6)
			g->flag_mask = LOGIC_MASK;
		break;
	case K_TEST:
		g->flag_mask = LOGIC_MASK;
		if (pick(2)) {
			op[0] = size == 1 ? 0x84 : 0x85;
			emit_modrm_insn(g, false, size, op, 1, &reg, false, mem, 0,
					&avoid);
		} else {
			d = 0;
			op[0] = size == 1 ? 0xf6 : 0xf7;
			emit_modrm_insn(g, false, size, op, 1, &d, true, mem,
					imm_len(size), &avoid);
			emit_le(rnd(), imm_len(size));
		}
		break;
	case K_XCHG:
		op[0] = size == 1 ? 0x86 : 0x87;
		emit_modrm_insn(g, lock, size, op, 1, &reg, false, mem, 0, &avoid);
		break;
	case K_MOV:
		op[0] = (u8)(0x88 | pick(2) << 1 | (size == 1 ? 0 : 1));
		emit_modrm_insn(g, false, size, op, 1, &reg, false, mem, 0, &avoid);
		break;
	case K_MOV_IMM:
		d = 0;
		op[0] = size == 1 ? 0xc6 : 0xc7;
		emit_modrm_insn(g, false, size, op, 1, &d, true, mem,
				imm_len(size), &avoid);
		emit_le(rnd(), imm_len(size));
		break;
	case K_MOFFS:
		if (size == 2)
			emit(0x66);
		if (size == 8)
			emit(0x48);
		emit((u8)(0xa0 | pick(2) << 1 | (size == 1 ? 0 : 1)));
		emit_le(g->target, 8);
		break;
	case K_GRP3:
		d = 2 + pick(2); /* NOT, NEG */
		op[0] = size == 1 ? 0xf6 : 0xf7;
		emit_modrm_insn(g, lock, size, op, 1, &d, true, mem, 0, &avoid);
		break;
	case K_INCDEC:
		d = pick(2);
		op[0] = size == 1 ? 0xfe : 0xff;
		emit_modrm_insn(g, lock, size, op, 1, &d, true, mem, 0, &avoid);
		break;
	case K_CMPXCHG:
	case K_XADD:
		op[0] = 0x0f;
		op[1] = (u8)((k == K_XADD ? 0xc0 : 0xb0) | (size == 1 ? 0 : 1));
		avoid = 1ULL << EMUL_RAX;
		emit_modrm_insn(g, lock, size, op, 2, &reg, false, mem, 0, &avoid);
		if (k == K_CMPXCHG && pick(2)) {
			/* Make the comparison succeed half the time. */
			if (mem)
				memcpy(WIN + (g->target - (u64)(uintptr_t)WIN),
				       &g->s.gpr[EMUL_RAX], size);
			else if (size > 1 || g->rm < 4 || insn_n > 3)
				g->s.gpr[g->rm] = g->s.gpr[EMUL_RAX];
		}
		break;
	case K_CMPXCHG8B:
		size = pick(2) ? 8 : 16;
		g->target &= ~15ULL;
		d = 1;
		op[0] = 0x0f;
		op[1] = 0xc7;
		avoid = 0xf; /* RAX, RCX, RDX, RBX */
		emit_modrm_insn(g, lock, size == 16 ? 8 : 4, op, 2, &d, true, true,
				0, &avoid);
		if (pick(2)) {
			u64 v[2] = { g->s.gpr[EMUL_RAX], g->s.gpr[EMUL_RDX] };

			if (size == 8)
				v[0] = (v[0] & 0xffffffff) | v[1] << 32;
			memcpy(WIN + (g->target - (u64)(uintptr_t)WIN), v, size);
		}
		break;
	case K_BT_REG:
	case K_BT_IMM:
		size = 2u << pick(3);
		g->flag_mask = BT_MASK;
		d = pick(4);
		op[0] = 0x0f;
		if (k == K_BT_IMM) {
			d += 4;
			op[1] = 0xba;
			emit_modrm_insn(g, lock && d != 4, size, op, 2, &d, true,
					mem, 1, &avoid);
			emit((u8)pick(256));
			break;
		}
		op[1] = (u8)(0xa3 | d << 3);
		avoid = 1ULL << reg;
		emit_modrm_insn(g, lock && d != 0, size, op, 2, &reg, false, mem,
				0, &avoid);
		if (mem) { /* an offset within +-128 bytes, random upper bits */
			u64 m = size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1;

			g->s.gpr[reg] = (rnd() & ~m) |
					(m & (u64)(s64)((int)pick(2048) - 1024));
		}
		break;
	case K_MOVX:
		size = 2u << pick(3);
		op[0] = 0x0f;
		op[1] = (u8)(0xb6 | pick(2) | pick(2) << 3);
		emit_modrm_insn(g, false, size, op, 2, &reg, false, mem, 0, &avoid);
		break;
	default: /* K_STRING */
		n = pick(3);    /* MOVS, STOS, LODS */
		if (pick(2))
			emit(pick(2) ? 0xf3 : 0xf2);
		if (size == 2)
			emit(0x66);
		if (size == 8)
			emit(0x48);
		emit((u8)((n == 0 ? 0xa4 : n == 1 ? 0xaa : 0xac) |
			  (size == 1 ? 0 : 1)));
		g->s.gpr[EMUL_RSI] = (u64)(uintptr_t)WIN + 1024 + pick(2048);
		g->s.gpr[EMUL_RDI] = (u64)(uintptr_t)WIN + 5120 + pick(2048);
		g->s.gpr[EMUL_RCX] = pick(12);
		break;
	}
}

static const char *const kind_name[K_NR] = {
	"alu", "grp1", "test", "xchg", "mov", "mov imm", "moffs", "not/neg",
	"inc/dec", "cmpxchg", "cmpxchg8b/16b", "xadd", "bt reg", "bt imm",
	"movzx/sx", "string",
};

static void report(const char *what, enum kind k, unsigned int iter)
{
	char hex[64];
	unsigned int i;

	for (i = 0; i < insn_n; i++)
		sprintf(hex + 3 * i, "%02x ", insn[i]);
	fail_msg("run %u (%s: %s): %s", iter, kind_name[k], hex, what);
}

/* One random instruction, run natively and emulated, compared. */
static void run_one(unsigned int iter)
{
	struct gen g;
	struct nstate nat;
	struct emul_ctx c;
	enum kind k = (enum kind)pick(K_NR);
	unsigned int i, guard = 0;
	char msg[160];
	int r;

	memset(&g, 0, sizeof(g));
	for (i = 0; i < 16; i++)
		g.s.gpr[i] = value();
	g.s.rflags = 2 | (rnd() & EMUL_FLAGS_ARITH) |
		     (k == K_STRING && pick(2) ? EMUL_FLAG_DF : 0);
	if (iter % 64 == 0)
		for (i = 0; i < WIN_SIZE; i++)
			WIN[i] = (u8)value();
	g.target = (u64)(uintptr_t)WIN + 512 + pick(WIN_SIZE - 1024);
	memset(insn, 0xcc, sizeof(insn));
	insn_n = 0;
	gen_insn(&g, k);
	memcpy(CODE_PAGE, insn, insn_n);
	CODE_PAGE[insn_n] = 0xc3;
	memcpy(emu_win, WIN, WIN_SIZE);

	memset(&c, 0, sizeof(c));
	c.ops = &native_ops;
	c.mode = EMUL_MODE_64;
	memcpy(c.regs.gpr, g.s.gpr, sizeof(c.regs.gpr));
	c.regs.rip = (u64)(uintptr_t)CODE_PAGE;
	c.regs.rflags = g.s.rflags;
	do
		r = emul_insn(&c);
	while (r == EMUL_RETRY && ++guard < 100);

	nat = g.s;
	native_run(&nat, CODE_PAGE);

	if (r != EMUL_OK) {
		snprintf(msg, sizeof(msg), "emulator returned %d", r);
		report(msg, k, iter);
	}
	if (c.insn.len != insn_n) {
		snprintf(msg, sizeof(msg), "length %u", c.insn.len);
		report(msg, k, iter);
	}
	if (c.regs.rip != (u64)(uintptr_t)CODE_PAGE + insn_n)
		report("rip", k, iter);
	for (i = 0; i < 16; i++) {
		if (i == EMUL_RSP || c.regs.gpr[i] == nat.gpr[i])
			continue;
		snprintf(msg, sizeof(msg), "reg %u: emulated %#lx, native %#lx "
			 "(was %#lx)", i, (unsigned long)c.regs.gpr[i],
			 (unsigned long)nat.gpr[i], (unsigned long)g.s.gpr[i]);
		report(msg, k, iter);
	}
	if ((c.regs.rflags ^ nat.rflags) & (g.flag_mask | EMUL_FLAG_DF)) {
		snprintf(msg, sizeof(msg), "rflags: emulated %#lx, native %#lx "
			 "(was %#lx)", (unsigned long)c.regs.rflags,
			 (unsigned long)nat.rflags, (unsigned long)g.s.rflags);
		report(msg, k, iter);
	}
	for (i = 0; i < WIN_SIZE; i++) {
		if (WIN[i] == emu_win[i])
			continue;
		snprintf(msg, sizeof(msg), "memory at +%#x: emulated %#x, "
			 "native %#x", i, emu_win[i], WIN[i]);
		report(msg, k, iter);
	}
}

/* RUNS random instructions agree with the host CPU. */
static void emulate_agrees_with_the_host_cpu(void **state)
{
	unsigned int i;

	assert_int_equal(mprotect(area, 4096, PROT_READ | PROT_WRITE |
				  PROT_EXEC), 0);
	for (i = 0; i < RUNS; i++)
		run_one(i);
	assert_int_equal(mprotect(area, 4096, PROT_READ | PROT_WRITE), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(emulate_agrees_with_the_host_cpu),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
