/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the instruction emulator (hypervisor/emulate/): the
 * input is a mode/register/flags seed and up to 15 instruction bytes, run
 * through emul_insn against a small fake memory (RAM, an MMIO page, holes);
 * the callbacks and the checks after each call abort on any broken
 * contract. Runs: fuzzer only (clang -fsanitize=fuzzer,address,undefined).
 *
 * Checked: no fetch past 15 bytes or across a page, access sizes, a
 * bounded number of callbacks per call (REP and lock retries), RIP moved
 * only on EMUL_OK and then by the decoded length, exceptions limited to the
 * vectors the emulator can raise, decode deterministic, and the same
 * architectural result with and without a cmpxchg callback.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <shale/emulate.h>

/* Input layout. */
enum {
	IN_MODE,        /* mode = b % 3; bit 6: LA57 */
	IN_FLAGS,       /* CF PF AF ZF SF DF OF from bits 0-6 */
	IN_FSGS,        /* FS base (low nibble) and GS base (high), pages */
	IN_LEGACY_SEGS, /* 2 bits each for ES, SS, DS bases outside 64-bit */
	IN_RIP,         /* where the instruction sits */
	IN_RACES,       /* lost cmpxchg races to simulate */
	IN_REGS,        /* 16 bytes, one per register */
	IN_CODE = IN_REGS + 16,
};

#define RAM_BASE 0x1000ULL
#define RAM_SIZE 0x4000u
#define MMIO_BASE 0x5000ULL
#define CODE_PAGE 0x8000ULL
/* Per emul_insn: REP batch of reads and writes, lock retries, slack. */
#define MAX_CALLBACKS (2 * EMUL_REP_MAX + 2 * EMUL_LOCK_TRIES + 16)

struct world {
	u8 ram[RAM_SIZE];
	const u8 *code;
	size_t code_len;
	u64 code_la;
	unsigned int fetched, calls, races;
};

static struct world w_lock, w_nolock;

static struct world *world(struct emul_ctx *c)
{
	return c->priv;
}

/* Aborts: a contract of the emulator was broken. */
static void check(int cond)
{
	if (!cond)
		abort();
}

/* Counts a data access and checks its size (16: CMPXCHG16B only). */
static void count_call(struct emul_ctx *c, unsigned int size)
{
	struct world *w = world(c);

	check(++w->calls <= MAX_CALLBACKS);
	check(size == 1 || size == 2 || size == 4 || size == 8 ||
	      (size == 16 && c->insn.map == 1 && c->insn.opcode == 0xc7));
}

/* RAM bytes at la, or NULL (then *fault is the first unmapped byte). */
static u8 *ram(struct world *w, u64 la, unsigned int size, u64 *fault)
{
	if (la >= RAM_BASE && la < RAM_BASE + RAM_SIZE) {
		if (la + size <= RAM_BASE + RAM_SIZE)
			return w->ram + (la - RAM_BASE);
		*fault = RAM_BASE + RAM_SIZE;
		return NULL;
	}
	*fault = la;
	return NULL;
}

static bool mmio(u64 la, unsigned int size)
{
	return la >= MMIO_BASE && la + size <= MMIO_BASE + PAGE_SIZE;
}

/* MMIO reads depend only on the address, so both worlds agree. */
static void mmio_read(u64 la, u8 *buf, unsigned int size)
{
	unsigned int i;

	for (i = 0; i < size; i++)
		buf[i] = (u8)((la + i) * 0x9d);
}

static int f_fetch(struct emul_ctx *c, u64 la, void *buf, unsigned int size)
{
	struct world *w = world(c);
	unsigned int i;

	check(size >= 1 && size <= 15);
	check((la & PAGE_MASK) == ((la + size - 1) & PAGE_MASK));
	w->fetched += size;
	check(w->fetched <= 15);
	check(++w->calls <= MAX_CALLBACKS);
	if ((la & PAGE_MASK) != CODE_PAGE)
		return emul_raise_pf(c, la, 0x10);
	for (i = 0; i < size; i++) {
		u64 off = la + i - w->code_la;

		((u8 *)buf)[i] = off < w->code_len ? w->code[off] : 0x90;
	}
	return 0;
}

static int f_read(struct emul_ctx *c, u64 la, void *buf, unsigned int size)
{
	u64 fault;
	u8 *p;

	count_call(c, size);
	if (mmio(la, size)) {
		mmio_read(la, buf, size);
		return 0;
	}
	p = ram(world(c), la, size, &fault);
	if (!p)
		return emul_raise_pf(c, fault, c->rmw ? 2 : 0);
	memcpy(buf, p, size);
	return 0;
}

static int f_write(struct emul_ctx *c, u64 la, const void *buf,
		   unsigned int size)
{
	u64 fault;
	u8 *p;

	count_call(c, size);
	if (mmio(la, size))
		return 0;
	p = ram(world(c), la, size, &fault);
	if (!p)
		return emul_raise_pf(c, fault, 2);
	memcpy(p, buf, size);
	return 0;
}

static int f_cmpxchg(struct emul_ctx *c, u64 la, void *old, const void *new,
		     unsigned int size, bool *swapped)
{
	struct world *w = world(c);
	u8 cur[16];
	u64 fault;
	u8 *p;

	count_call(c, size);
	check(size != 16 || (la & 15) == 0);
	if (mmio(la, size)) {
		mmio_read(la, cur, size);
		p = cur;
	} else if (!(p = ram(w, la, size, &fault))) {
		return emul_raise_pf(c, fault, 2);
	}
	if (w->races) {
		w->races--;
		p[0] ^= 0x5a; /* another CPU got there first */
	}
	*swapped = memcmp(p, old, size) == 0;
	if (*swapped)
		memcpy(p, new, size);
	else
		memcpy(old, p, size);
	return 0;
}

static const struct emul_ops ops_lock = { f_fetch, f_read, f_write,
					  f_cmpxchg };
static const struct emul_ops ops_nolock = { f_fetch, f_read, f_write, NULL };

/* A register value from one seed byte: mostly addresses in RAM, else edge
 * values (canonical boundaries, MMIO, the end of RAM, sign bits). */
static u64 reg_value(u8 b)
{
	static const u64 edges[64] = {
		0, 1, 2, 3, 4, 7, 8, 16, 31, 32, 63, 64, 255, 256, 1000,
		0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff,
		0x100000000ULL, ~0ULL, ~0ULL - 1, 0x8000000000000000ULL,
		0x7fffffffffffffffULL, 0x00007ffffffffff8ULL,
		0x0000800000000000ULL, 0xffff800000000000ULL,
		0x00ff800000000000ULL, 0x00fffffffffffff8ULL, MMIO_BASE,
		MMIO_BASE + 0xff8, RAM_BASE + RAM_SIZE - 8,
		RAM_BASE + RAM_SIZE - 1, RAM_BASE - 1, 0xfff0, 0xfffe,
		0x100001000ULL, 0xffffffff00001000ULL, RAM_BASE + 0x800,
		0x80, 0x7f, 0x8000, 0x7fff, 0x1000, 0x2000, 0x3000, 0x4000,
		CODE_PAGE, 0xdeadbeefcafef00dULL, 0x0123456789abcdefULL,
		0xfffffffffffff000ULL, 0xffffffff80000000ULL, 0x400, 0x200,
		0x100, 0x40, 0x20, 0x10, 0x5, 0x6, 0x9, 0x11, 0x12,
	};

	return b < 0xc0 ? RAM_BASE + (u64)b * 0x40 : edges[b - 0xc0];
}

static void setup(struct emul_ctx *c, struct world *w, const u8 *in,
		  size_t n, bool lock)
{
	static const u64 legacy_bases[4] = { 0, 0x1000, 0xfffff000, 0x800 };
	static const u64 rips[4] = { 0, 0xff8, 0xffe, 0xff1 };
	static const u64 flag_bits[7] = { EMUL_FLAG_CF, EMUL_FLAG_PF,
					  EMUL_FLAG_AF, EMUL_FLAG_ZF,
					  EMUL_FLAG_SF, EMUL_FLAG_DF,
					  EMUL_FLAG_OF };
	unsigned int i;

	memset(c, 0, sizeof(*c));
	c->ops = lock ? &ops_lock : &ops_nolock;
	c->priv = w;
	c->mode = (enum emul_mode)(in[IN_MODE] % 3);
	c->la57 = in[IN_MODE] & 0x40;
	c->seg_base[EMUL_SEG_FS] = (u64)(in[IN_FSGS] & 15) << 12;
	c->seg_base[EMUL_SEG_GS] = (u64)(in[IN_FSGS] >> 4) << 12;
	c->seg_base[EMUL_SEG_ES] = legacy_bases[in[IN_LEGACY_SEGS] & 3];
	c->seg_base[EMUL_SEG_SS] = legacy_bases[(in[IN_LEGACY_SEGS] >> 2) & 3];
	c->seg_base[EMUL_SEG_DS] = legacy_bases[(in[IN_LEGACY_SEGS] >> 4) & 3];
	c->regs.rip = CODE_PAGE + rips[in[IN_RIP] & 3];
	c->regs.rflags = 2;
	for (i = 0; i < 7; i++)
		if (in[IN_FLAGS] & (1u << i))
			c->regs.rflags |= flag_bits[i];
	for (i = 0; i < 16; i++)
		c->regs.gpr[i] = reg_value(in[IN_REGS + i]);

	for (i = 0; i < RAM_SIZE; i++)
		w->ram[i] = (u8)(i * 7 + (i >> 8));
	w->code = in + IN_CODE;
	w->code_len = n - IN_CODE;
	w->code_la = c->regs.rip; /* CS base is 0 */
	w->races = lock ? in[IN_RACES] % 4 : 0;
}

/* One call of emul_insn, with the contract checks on what it returns. */
static int run_once(struct emul_ctx *c)
{
	struct world *w = world(c);
	u64 rip = c->regs.rip;
	u64 ipmask = c->mode == EMUL_MODE_64 ? ~0ULL :
		     c->mode == EMUL_MODE_32 ? 0xffffffffULL : 0xffffULL;
	struct emul_ctx again;
	int r;

	w->fetched = 0;
	w->calls = 0;
	again = *c;
	r = emul_insn(c);
	check(r >= EMUL_OK && r <= EMUL_RETRY);
	check(!c->rmw);
	if (r == EMUL_OK) {
		check(c->insn.len >= 1 && c->insn.len <= 15);
		check(c->insn.len <= c->insn.fetched);
		check(c->regs.rip == ((rip + c->insn.len) & ipmask));
		/* Decoding the same bytes again gives the same length. */
		w->fetched = 0;
		check(emul_decode(&again) == EMUL_OK);
		check(again.insn.len == c->insn.len);
	} else {
		check(c->regs.rip == rip);
	}
	if (r == EMUL_EXCEPTION) {
		u8 v = c->exc.vector;

		check(v == EMUL_VEC_UD || v == EMUL_VEC_SS ||
		      v == EMUL_VEC_GP || v == EMUL_VEC_PF);
		check(c->exc.has_error_code == (v != EMUL_VEC_UD));
	}
	return r;
}

/* Runs the instruction to completion (RETRY re-runs it, a few times). */
static int run(struct emul_ctx *c)
{
	unsigned int i;
	int r = EMUL_RETRY;

	for (i = 0; i < 8 && r == EMUL_RETRY; i++)
		r = run_once(c);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	u8 in[IN_CODE + 15];
	struct emul_ctx a, b;
	size_t n = size < sizeof(in) ? size : sizeof(in);
	int ra, rb;

	memset(in, 0, sizeof(in));
	memcpy(in, data, n);
	if (n < IN_CODE)
		n = IN_CODE;

	setup(&a, &w_lock, in, n, true);
	setup(&b, &w_nolock, in, n, false);
	ra = run(&a);
	rb = run(&b);

	/* Without lost races, cmpxchg and read-then-write must agree. */
	if (in[IN_RACES] % 4 == 0) {
		check(ra == rb);
		check(memcmp(&a.regs, &b.regs, sizeof(a.regs)) == 0);
		check(memcmp(w_lock.ram, w_nolock.ram, RAM_SIZE) == 0);
		if (ra == EMUL_EXCEPTION)
			check(memcmp(&a.exc, &b.exc, sizeof(a.exc)) == 0);
	}
	return 0;
}
