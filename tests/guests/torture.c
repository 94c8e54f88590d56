/* SPDX-License-Identifier: MIT */
/* torture.elf: runs a seeded pseudo-random sequence of page-table operations
 * (maps, unmaps, permission changes, superpage maps and splits, table copies,
 * invlpg, CR3 switches between address spaces, TLB shootdowns by IPI) in
 * every paging mode, with every instruction form a kernel writes page tables
 * with, and checks every access and every entry read back against its own
 * model of the tables. Runs: guest (test kernel).
 *
 * Command line: seed=N (default 1), ops=N (default 1000000, split between
 * the modes), mode=2level|pae|4level (default: all three in turn),
 * verify=N (random accesses checked after each operation, default 2),
 * compare=N (every table compared with the model every N operations,
 * default 8192), inject=N (self-test: 1 skips every required TLB flush,
 * 2 skips the shootdown IPIs, 3 corrupts the model once; each must FAIL),
 * strict_fetch=1 (no QEMU workaround, see xstale), trace=1 (print every
 * change as it is made, for debugging a hang).
 *
 * Memory: 4 MiB of tables and their model above the image (4 MiB-aligned),
 * then 8 MiB of data frames; both identity-mapped with large pages, so the
 * guest needs RAM up to about 16 MiB. The region under test is 64 MiB at
 * 1 GiB; in 4-level mode also the 1 GiB slot at 2 GiB (1G pages), of which
 * only the window over the data frames is accessed.
 *
 * SMP: with two or more CPUs in the MADT the BSP and the first AP run in
 * lockstep on one address space: each operation runs on one of them, which
 * invalidates its own TLB and sends the other a fixed IPI whose handler
 * does the same invlpg/CR3 reload and acknowledges; then the other CPU
 * checks accesses against the model.
 */
#include <stdarg.h>

#include "acpi.h"
#include "ap_boot.h"
#include "apic.h"
#include "cpuid.h"
#include "desc.h"
#include "irq.h"
#include "mode.h"
#include "probe.h"
#include "pt.h"
#include "runtime.h"
#include "trap.h"
#include "x86.h"

#define MIB		0x100000u
#define PAGE		0x1000u

#define REGION_VA	0x40000000u	/* the region every mode maps */
#define REGION_SIZE	(64 * MIB)
#define REGION_PAGES	(REGION_SIZE / PAGE)
#define HUGE_VA		0x80000000u	/* 4-level: the slot for 1G pages */
#define AREA_SIZE	(4 * MIB)	/* page tables, then their model */
#define TABLES		512		/* page-table pages */
#define FRAMES_SIZE	(8 * MIB)	/* data frames, 4 MiB-aligned */
#define FRAME_PAGES	(FRAMES_SIZE / PAGE)
#define NAS		4		/* address spaces */
#define STUB_OFF	0xff0u		/* "mov eax, tag; ret" in every frame */
#define DATA_WORDS	(STUB_OFF / 4)	/* data words before the stub */
#define RECENT		32		/* pages recent operations touched */
#define MAXRUNS		16		/* invlpg runs in one flush */
#define MAXPEND		8		/* ranges with an unflushed upgrade */
#define INVLPG_MAX	1024		/* more pages than this: CR3 reload */

#define MAX_CPUS	8
#define AP_STACK_SIZE	16384
#define AP_TRAMPOLINE	0x8000u
#define VEC_SHOOT	0x50
#define VEC_SPURIOUS	0xff
#define SPIN_LIMIT	400000000u	/* waits for another CPU, in pauses */
#define INJECT_AT	300		/* op index (per mode) injections start */

/* Entry bits (SDM vol. 3, 4.3-4.5; AMD APM vol. 2, 5.3-5.4). */
#define E_P	0x001ull
#define E_W	0x002ull
#define E_U	0x004ull
#define E_PWT	0x008ull
#define E_PCD	0x010ull
#define E_A	0x020ull
#define E_D	0x040ull
#define E_PS	0x080ull
#define E_G	0x100ull	/* ignored: CR4.PGE stays 0 */
#define E_AVL	0xe00ull	/* bits 11:9, ignored */
#define E_AVL_HI 0x07f0000000000000ull	/* bits 58:52, 4-level only */
#define E_NX	(1ull << 63)

/* #PF error code bits. */
#define PF_P	0x01u
#define PF_W	0x02u
#define PF_U	0x04u
#define PF_RSVD	0x08u
#define PF_I	0x10u

/* ---- configuration and random numbers ---- */

static uint32_t opt_seed = 1, opt_ops = 1000000, opt_verify = 2;
static uint32_t opt_compare = 8192, opt_inject;
static int opt_mode = -1;		/* index into fmts, or -1: all */

static uint32_t rng[4];

static uint32_t splitmix32(uint32_t *x)
{
	uint32_t z = (*x += 0x9e3779b9u);

	z = (z ^ (z >> 16)) * 0x85ebca6bu;
	z = (z ^ (z >> 13)) * 0xc2b2ae35u;
	return z ^ (z >> 16);
}

static void rng_seed(uint32_t seed)
{
	for (int i = 0; i < 4; i++)
		rng[i] = splitmix32(&seed);
}

/* xoshiro128** */
static uint32_t rnd32(void)
{
	uint32_t r = rng[1] * 5, t = rng[1] << 9;

	r = ((r << 7) | (r >> 25)) * 9;
	rng[2] ^= rng[0];
	rng[3] ^= rng[1];
	rng[1] ^= rng[2];
	rng[0] ^= rng[3];
	rng[2] ^= t;
	rng[3] = (rng[3] << 11) | (rng[3] >> 21);
	return r;
}

static uint32_t rnd(uint32_t n)
{
	return n ? rnd32() % n : 0;
}

static bool chance(uint32_t percent)
{
	return rnd(100) < percent;
}

/* ---- paging formats ---- */

struct fmt {
	const char *name, *arg;
	enum pt_mode mode;
	int nlev;		/* levels, root first */
	int esz;		/* entry size */
	int nent;		/* entries per table (PAE root: 4 used) */
	int shift[4];		/* linear-address bit of each level's index */
};

static const struct fmt fmts[3] = {
	{ "2-level", "2level", PT_2LEVEL, 2, 4, 1024, { 22, 12 } },
	{ "PAE", "pae", PT_PAE, 3, 8, 512, { 30, 21, 12 } },
	{ "4-level", "4level", PT_4LEVEL, 4, 8, 512, { 39, 30, 21, 12 } },
};

static const struct fmt *F;
static bool cpu_pse, cpu_pae, cpu_nx, cpu_lm, cpu_1g, cpu_cx16;
static uint32_t maxphy = 36;
/* This mode: EFER.NXE, CR4.PSE, 1G pages, long mode active (64-bit
 * forms usable), the reserved bit RSVD operations set (0: none). */
static bool nxe, pse_on, gb1, lm_active;
static uint64_t addr_mask, rsvd_bit;

/* ---- memory ---- */

static uint32_t tables_pa, model_pa, frames_pa, ident_end;
static uint32_t lapic_pa = LAPIC_DEFAULT_BASE;

static uint32_t pattern(uint32_t pa)
{
	return pa ^ 0x5eed0000u;
}

static uint32_t exec_tag(uint32_t frame)
{
	return 0xe0000000u | frame >> 12;
}

static bool in_frames(uint64_t pa)
{
	return pa >= frames_pa && pa < frames_pa + FRAMES_SIZE;
}

/* Every data word holds pattern(its address); every frame ends in a stub
 * that returns its tag. */
static void fill_frames(void)
{
	for (uint32_t f = frames_pa; f < frames_pa + FRAMES_SIZE; f += PAGE) {
		volatile uint32_t *w = (volatile uint32_t *)f;
		volatile uint8_t *s = (volatile uint8_t *)(f + STUB_OFF);
		uint32_t tag = exec_tag(f);

		for (uint32_t i = 0; i < DATA_WORDS; i++)
			w[i] = pattern(f + 4 * i);
		s[0] = 0xb8;	/* mov eax, imm32 */
		for (int i = 0; i < 4; i++)
			s[1 + i] = (uint8_t)(tag >> (8 * i));
		s[5] = 0xc3;	/* ret */
		for (int i = 6; i < 16; i++)
			s[i] = 0xcc;
	}
}

/* ---- tables and their model ---- */

enum role { ROLE_NONE, ROLE_REGION, ROLE_HUGE };

struct tinfo {
	uint8_t used, depth, role;
	uint8_t fixed;		/* identity tables: never changed, no refs */
	uint8_t root;		/* an address space's root: never freed */
	uint32_t refs;		/* present entries pointing here */
};

static struct tinfo tinfo[TABLES];
static int tables_used, tables_peak;
static int as_root[NAS];
static int cur_as;
static bool building;		/* tables not in use yet: no flushes */

static uint32_t t_pa(int t)
{
	return tables_pa + (uint32_t)t * PAGE;
}

static uint32_t *t_model(int t)
{
	return (uint32_t *)(model_pa + (uint32_t)t * PAGE);
}

static uint64_t real_get(int t, int i)
{
	volatile uint32_t *p = (volatile uint32_t *)t_pa(t);

	if (F->esz == 4)
		return p[i];
	return p[2 * i] | (uint64_t)p[2 * i + 1] << 32;
}

static uint64_t model_get(int t, int i)
{
	uint32_t *m = t_model(t);

	if (F->esz == 4)
		return m[i];
	return m[2 * i] | (uint64_t)m[2 * i + 1] << 32;
}

static void model_put(int t, int i, uint64_t v)
{
	uint32_t *m = t_model(t);

	if (F->esz == 4) {
		m[i] = (uint32_t)v;
	} else {
		m[2 * i] = (uint32_t)v;
		m[2 * i + 1] = (uint32_t)(v >> 32);
	}
}

static int table_of(uint64_t pa)
{
	uint32_t t;

	if (pa < tables_pa || pa >= tables_pa + TABLES * PAGE || pa & 0xfff)
		return -1;
	t = ((uint32_t)pa - tables_pa) / PAGE;
	return tinfo[t].used ? (int)t : -1;
}

static uint64_t span(int d)
{
	return 1ull << F->shift[d];
}

/* Depths whose entries may map a page with PS=1. */
static bool ps_ok(int d)
{
	switch (F->mode) {
	case PT_2LEVEL:
		return d == 0 && pse_on;
	case PT_PAE:
		return d == 1;
	default:
		return d == 2 || (d == 1 && gb1);
	}
}

static bool is_leaf(uint64_t e, int d)
{
	return d == F->nlev - 1 || ((e & E_PS) && ps_ok(d));
}

static uint64_t e_addr(uint64_t e, int d)
{
	if (d != F->nlev - 1 && is_leaf(e, d))
		return e & addr_mask & ~(span(d) - 1);
	return e & addr_mask;
}

/* Reserved bits set in a present entry (only those this kernel ever
 * writes: physical-address bits at and above MAXPHYADDR, PAE's 62:52,
 * NX without EFER.NXE, bit 21 of a 2-level 4M page). */
static bool is_rsvd(uint64_t e, int d)
{
	uint64_t hi;

	if (F->mode == PT_2LEVEL)
		return d == 0 && (e & E_PS) && pse_on && (e & (1ull << 21));
	hi = maxphy < 52 ? ((1ull << 52) - 1) & ~((1ull << maxphy) - 1) : 0;
	if (e & hi)
		return true;
	if (F->mode == PT_PAE && (e & 0x7ff0000000000000ull))
		return true;
	return !nxe && (e & E_NX);
}

static bool is_ptr(uint64_t e, int d)
{
	return (e & E_P) && !is_leaf(e, d) && !is_rsvd(e, d);
}

static int va_idx(uint32_t va, int d)
{
	int s = F->shift[d];
	uint32_t n = F->mode == PT_PAE && d == 0 ? 4 : (uint32_t)F->nent;

	if (s >= 32)
		return 0;
	return (int)((va >> s) & (n - 1));
}

/* The huge slot's window: PD entries over the data frames. */
static int huge_w0(void)
{
	return (int)((frames_pa >> 21) & 511);
}

/* The entries of table t the operations may change: [*lo, *hi). */
static void ctl_range(int t, int *lo, int *hi)
{
	int d = tinfo[t].depth;

	if (d == 0) {
		switch (F->mode) {
		case PT_2LEVEL:
			*lo = REGION_VA >> 22;
			*hi = *lo + REGION_SIZE / (4 * MIB);
			return;
		case PT_PAE:
			*lo = 1, *hi = 2;
			return;
		default:
			*lo = 0, *hi = 1;
			return;
		}
	}
	if (F->mode == PT_4LEVEL && d == 1) {
		*lo = 1, *hi = 3;
	} else if (d == F->nlev - 2) {
		if (tinfo[t].role == ROLE_HUGE)
			*lo = huge_w0(), *hi = *lo + FRAMES_SIZE / (2 * MIB);
		else
			*lo = 0, *hi = REGION_SIZE / (2 * MIB);
	} else {
		*lo = 0, *hi = F->nent;
	}
}

/* ---- statistics ---- */

enum form {
	F_MOV32, F_XCHG32, F_CMPXCHG32, F_OR32, F_AND32, F_BTS32, F_BTR32,
	F_HALVES, F_CMPXCHG8B,
	F_MOV64, F_XCHG64, F_CMPXCHG64, F_CMPXCHG16B, F_OR64, F_AND64,
	F_BTS64, F_BTR64,
	F_STOSD, F_STOSB, F_STOSQ, F_MOVSD, F_MOVSB, F_MOVSQ,
	F_COUNT
};

static const char *const form_names[F_COUNT] = {
	"mov32", "xchg32", "lock-cmpxchg32", "lock-or32", "lock-and32",
	"lock-bts32", "lock-btr32", "mov32-halves", "lock-cmpxchg8b",
	"mov64", "xchg64", "lock-cmpxchg64", "lock-cmpxchg16b", "lock-or64",
	"lock-and64", "lock-bts64", "lock-btr64",
	"rep-stosd", "rep-stosb", "rep-stosq", "rep-movsd", "rep-movsb",
	"rep-movsq",
};

enum opkind {
	OP_MAP4K, OP_MAP_PAIR, OP_MAP_SUPER, OP_UNMAP, OP_PROTECT, OP_SPLIT,
	OP_ZAP, OP_CLONE, OP_COPY, OP_CR3, OP_AD, OP_RSVD, OP_FLUSH,
	OP_COUNT
};

static const char *const op_names[OP_COUNT] = {
	"map4k", "map-pair", "map-super", "unmap", "protect", "split",
	"zap-table", "clone-table", "copy-entries", "cr3-switch", "a/d-check",
	"map-reserved", "flush",
};

static const uint8_t op_weight[OP_COUNT] = {
	24, 4, 3, 13, 15, 4, 1, 3, 6, 4, 4, 1, 1,
};

struct stats {
	uint32_t ops[OP_COUNT], forms[F_COUNT];
	uint32_t super_maps[3], splits[3];	/* 4M/2M, 1G (by depth) */
	uint32_t invlpg_runs, invlpg_pages, cr3_reloads, cr3_switches;
	uint32_t noflush_map, noflush_upgrade, spurious;
	uint32_t acc[3], acc_user, faults, rsvd_faults, rsvd_no_p;
	uint32_t fetch_as_read;
	uint32_t ad_checks, ad_fault_checks, np_untouched, compares;
	uint32_t readbacks, shootdowns, ops_cpu[MAX_CPUS];
	uint32_t verify_cpu[MAX_CPUS], tables_alloc, tables_free;
};

static struct stats st, st_total;

/* ---- the log of recent changes, for mismatch reports ---- */

enum { LOG_OP, LOG_WRITE, LOG_FLUSH };

struct logrec {
	uint8_t type, cpu, a, b;	/* op: kind, as; write: form, depth */
	uint32_t op;
	uint32_t x, y;			/* op: page; write: table, index;
					 * flush: kind, first va */
	uint64_t old, new;		/* write: values; flush: runs, pages */
};

#define LOGN 32
static struct logrec logbuf[LOGN];
static uint32_t log_next;
static uint32_t op_index, op_global;
static int cur_cpu;

static uint32_t opt_trace;
static void print_logrec(const struct logrec *r);

static void logit(struct logrec r)
{
	r.op = op_index;
	r.cpu = (uint8_t)cur_cpu;
	logbuf[log_next++ % LOGN] = r;
	if (opt_trace)
		print_logrec(&r);
}

/* ---- instruction forms ---- */

/* Arguments of the 64-bit helper (torture_lm64_entry, below). */
struct lm64_args {
	uint32_t op, ptr;
	uint64_t a, b, c, d, ret;
	uint32_t src, count, ok;
} __attribute__((packed, aligned(16)));

enum {
	LM_MOV, LM_XCHG, LM_CMPXCHG, LM_CMPXCHG16B, LM_OR, LM_AND, LM_BTS,
	LM_BTR, LM_STOSQ, LM_MOVSQ,
};

__attribute__((used)) volatile struct lm64_args torture_lm64_args;

/*
 * 64-bit code, entered by a far call from compatibility mode (long mode
 * runs this kernel's C as 32-bit code, which cannot use 64-bit operands):
 * one page-table write with a 64-bit operand, then a far return with
 * 32-bit operand size to the caller. All addresses are below 2 GiB, so
 * absolute 32-bit displacements work in 64-bit code.
 */
__asm__(
	"	.pushsection .text\n"
	"	.code64\n"
	"	.globl torture_lm64_entry\n"
	"torture_lm64_entry:\n"
	"	movl %esp, %esp\n"		/* RSP's upper half: 0 */
	"	pushq %rbx\n"
	"	pushq %rsi\n"
	"	pushq %rdi\n"
	"	cld\n"
	"	movl $torture_lm64_args, %r8d\n"
	"	movl 4(%r8), %edi\n"
	"	movl 0(%r8), %eax\n"
	"	cmpl $0, %eax\n	je 10f\n"
	"	cmpl $1, %eax\n	je 11f\n"
	"	cmpl $2, %eax\n	je 12f\n"
	"	cmpl $3, %eax\n	je 13f\n"
	"	cmpl $4, %eax\n	je 14f\n"
	"	cmpl $5, %eax\n	je 15f\n"
	"	cmpl $6, %eax\n	je 16f\n"
	"	cmpl $7, %eax\n	je 17f\n"
	"	cmpl $8, %eax\n	je 18f\n"
	"	cmpl $9, %eax\n	je 19f\n"
	"	jmp 99f\n"
	"10:	movq 8(%r8), %rax\n	movq %rax, (%rdi)\n	jmp 99f\n"
	"11:	movq 8(%r8), %rax\n	xchgq %rax, (%rdi)\n"
	"	movq %rax, 40(%r8)\n	jmp 99f\n"
	"12:	movq 8(%r8), %rax\n	movq 16(%r8), %rdx\n"
	"	lock cmpxchgq %rdx, (%rdi)\n	setz 56(%r8)\n"
	"	movq %rax, 40(%r8)\n	jmp 99f\n"
	"13:	movq 8(%r8), %rax\n	movq 16(%r8), %rdx\n"
	"	movq 24(%r8), %rbx\n	movq 32(%r8), %rcx\n"
	"	lock cmpxchg16b (%rdi)\n	setz 56(%r8)\n"
	"	movq %rax, 40(%r8)\n	jmp 99f\n"
	"14:	movq 8(%r8), %rax\n	lock orq %rax, (%rdi)\n	jmp 99f\n"
	"15:	movq 8(%r8), %rax\n	lock andq %rax, (%rdi)\n	jmp 99f\n"
	"16:	movq 8(%r8), %rax\n	lock btsq %rax, (%rdi)\n	jmp 99f\n"
	"17:	movq 8(%r8), %rax\n	lock btrq %rax, (%rdi)\n	jmp 99f\n"
	"18:	movl 52(%r8), %ecx\n	movq 8(%r8), %rax\n"
	"	rep stosq\n	jmp 99f\n"
	"19:	movl 52(%r8), %ecx\n	movl 48(%r8), %esi\n"
	"	rep movsq\n	jmp 99f\n"
	"99:	popq %rdi\n"
	"	popq %rsi\n"
	"	popq %rbx\n"
	"	.byte 0xcb\n"			/* retf, 32-bit operand size */
	"	.code32\n"
	"	.popsection\n");

static void lm64(uint32_t op, uint32_t ptr, uint64_t a, uint64_t b)
{
	torture_lm64_args.op = op;
	torture_lm64_args.ptr = ptr;
	torture_lm64_args.a = a;
	torture_lm64_args.b = b;
	torture_lm64_args.ok = 0;
	__asm__ volatile("lcall %0, $torture_lm64_entry"
			 : : "i"(SEL_KCODE64)
			 : "memory", "eax", "ecx", "edx", "cc");
}

static void i_mov32(uint32_t p, uint32_t v)
{
	__asm__ volatile("movl %1, (%0)" : : "r"(p), "r"(v) : "memory");
}

static uint32_t i_xchg32(uint32_t p, uint32_t v)
{
	__asm__ volatile("xchgl %0, (%1)" : "+r"(v) : "r"(p) : "memory");
	return v;
}

static bool i_cmpxchg32(uint32_t p, uint32_t old, uint32_t new)
{
	bool ok;

	__asm__ volatile("lock cmpxchgl %3, (%2)"
			 : "=@ccz"(ok), "+a"(old) : "r"(p), "r"(new)
			 : "memory");
	return ok;
}

static bool i_cmpxchg8b(uint32_t p, uint64_t old, uint64_t new)
{
	bool ok;

	__asm__ volatile("lock cmpxchg8b (%2)"
			 : "=@ccz"(ok), "+A"(old)
			 : "S"(p), "b"((uint32_t)new),
			   "c"((uint32_t)(new >> 32))
			 : "memory");
	return ok;
}

static void i_or32(uint32_t p, uint32_t v)
{
	__asm__ volatile("lock orl %1, (%0)" : : "r"(p), "r"(v)
			 : "memory", "cc");
}

static void i_and32(uint32_t p, uint32_t v)
{
	__asm__ volatile("lock andl %1, (%0)" : : "r"(p), "r"(v)
			 : "memory", "cc");
}

/* Bit offset in a register: it may address past the dword at p. */
static void i_bts32(uint32_t p, uint32_t bit)
{
	__asm__ volatile("lock btsl %1, (%0)" : : "r"(p), "r"(bit)
			 : "memory", "cc");
}

static void i_btr32(uint32_t p, uint32_t bit)
{
	__asm__ volatile("lock btrl %1, (%0)" : : "r"(p), "r"(bit)
			 : "memory", "cc");
}

static void i_stosd(uint32_t p, uint32_t v, uint32_t n)
{
	__asm__ volatile("cld; rep stosl" : "+D"(p), "+c"(n) : "a"(v)
			 : "memory");
}

static void i_stosb(uint32_t p, uint8_t v, uint32_t n)
{
	__asm__ volatile("cld; rep stosb" : "+D"(p), "+c"(n) : "a"(v)
			 : "memory");
}

static void i_movsd(uint32_t dst, uint32_t src, uint32_t n)
{
	__asm__ volatile("cld; rep movsl" : "+D"(dst), "+S"(src), "+c"(n)
			 : : "memory");
}

static void i_movsb(uint32_t dst, uint32_t src, uint32_t n)
{
	__asm__ volatile("cld; rep movsb" : "+D"(dst), "+S"(src), "+c"(n)
			 : : "memory");
}

static bool one_bit(uint64_t x)
{
	return x && !(x & (x - 1));
}

static int bit_of(uint64_t x)
{
	return (uint32_t)x ? __builtin_ctz((uint32_t)x)
			   : 32 + __builtin_ctz((uint32_t)(x >> 32));
}

static bool failed;
static uint32_t mismatches;
static void mismatch_entry(int t, int i, const char *how, uint64_t got,
			   uint64_t want);

/* Present entries: A (and D on leaves) may differ, set by the walks. Not
 * present ones belong to software entirely: they must be exact. */
static bool entry_matches(uint64_t real, uint64_t model, int d)
{
	uint64_t m;

	if (!(model & E_P))
		return real == model;
	m = E_A | (is_leaf(model, d) ? E_D : 0);
	return (real & ~m) == (model & ~m);
}

static uint32_t movs_src[4] __attribute__((aligned(16)));

/*
 * Whether entry i of table t can sit on the path to the identity map this
 * kernel runs from (code, stack, IDT): a root entry over [0, ident_end),
 * or in 4-level mode entry 0 of a level-3 table (every one hangs below
 * root entry 0). Such an entry must change in one store: the processor
 * may walk the tables at any time, and a multi-store form (two halves,
 * MOVS or STOS of bytes) exposes a half-old, half-new entry that a walk
 * would follow (SDM vol. 3 4.10.2.3: nothing obliges the TLB to keep the
 * old translation meanwhile, and a shadow-paging hypervisor does not).
 */
static bool maps_kernel(int t, int i)
{
	int d = tinfo[t].depth;

	if (d == 0)
		return (uint64_t)i << F->shift[0] < ident_end;
	return F->mode == PT_4LEVEL && d == 1 && i == 0;
}

/*
 * Writes entry i of table t from old (the model's value) to new with an
 * instruction form chosen at random among those that make this change
 * (only single-store forms for an entry that maps the kernel); returns
 * the form.
 */
static int hw_write(int t, int i, uint64_t old, uint64_t new)
{
	uint32_t p = t_pa(t) + (uint32_t)i * (uint32_t)F->esz;
	/* Bits to clear include A and D the walks set in memory (the
	 * model does not know them) when new has them clear. */
	uint64_t cur = real_get(t, i);
	uint64_t set = new & ~old;
	uint64_t clr = (old | (cur & (E_A | E_D))) & ~new;
	uint32_t nlo = (uint32_t)new, nhi = (uint32_t)(new >> 32);
	bool wide = F->esz == 8;
	bool lo_same = (uint32_t)cur == nlo;
	bool hi_same = !wide || (uint32_t)(cur >> 32) == nhi;
	bool half = !wide || lo_same || hi_same;
	bool set_half = !wide || !(uint32_t)set || !(set >> 32);
	bool clr_half = !wide || !(uint32_t)clr || !(clr >> 32);
	bool one_store = maps_kernel(t, i);
	int cand[F_COUNT], n = 0, f;
	uint32_t hp, hv;	/* the half a 32-bit form writes */

	if (half) {
		cand[n++] = F_MOV32;
		cand[n++] = F_XCHG32;
		cand[n++] = F_CMPXCHG32;
	}
	if (wide) {
		if (!one_store || half)
			cand[n++] = F_HALVES;
		cand[n++] = F_CMPXCHG8B;
	}
	if (set && !clr && set_half)
		cand[n++] = F_OR32;
	if (clr && !set && clr_half)
		cand[n++] = F_AND32;
	if (!clr && one_bit(set))
		cand[n++] = F_BTS32;
	if (!set && one_bit(clr))
		cand[n++] = F_BTR32;
	if (!new && !(one_store && wide))
		cand[n++] = F_STOSD;
	if (!new && !one_store)
		cand[n++] = F_STOSB;
	if (!(one_store && wide))
		cand[n++] = F_MOVSD;
	if (!one_store)
		cand[n++] = F_MOVSB;
	if (lm_active) {
		cand[n++] = F_MOV64;
		cand[n++] = F_XCHG64;
		cand[n++] = F_CMPXCHG64;
		if (cpu_cx16)
			cand[n++] = F_CMPXCHG16B;
		if (set && !clr)
			cand[n++] = F_OR64;
		if (clr && !set)
			cand[n++] = F_AND64;
		if (!clr && one_bit(set))
			cand[n++] = F_BTS64;
		if (!set && one_bit(clr))
			cand[n++] = F_BTR64;
		if (!new)
			cand[n++] = F_STOSQ;
		cand[n++] = F_MOVSQ;
	}
	f = cand[rnd((uint32_t)n)];

	/* 32-bit forms on a wide entry act on the half that changes. */
	if (!wide || !lo_same) {
		hp = p, hv = nlo;
	} else {
		hp = p + 4, hv = nhi;
	}

	switch (f) {
	case F_MOV32:
		i_mov32(hp, hv);
		break;
	case F_XCHG32: {
		uint32_t was = i_xchg32(hp, hv);
		uint32_t want = hp == p ? (uint32_t)old : (uint32_t)(old >> 32);
		uint32_t m = hp == p && (old & E_P) ? (uint32_t)(E_A | E_D) : 0;

		/* What XCHG returned is the entry read back. */
		if ((was & ~m) != (want & ~m))
			mismatch_entry(t, i, "xchg returned", was, want);
		break;
	}
	case F_CMPXCHG32: {
		int tries = 0;

		while (!i_cmpxchg32(hp, *(volatile uint32_t *)hp, hv))
			if (++tries == 4) {
				mismatch_entry(t, i, "lock cmpxchg kept failing",
					       *(volatile uint32_t *)hp, hv);
				break;
			}
		break;
	}
	case F_HALVES:
		/* The order that never shows a present entry with a half
		 * of the old and a half of the new value. */
		if (!(old & E_P)) {
			i_mov32(p + 4, nhi);
			i_mov32(p, nlo);
		} else if (!(new & E_P)) {
			i_mov32(p, nlo);
			i_mov32(p + 4, nhi);
		} else if (hi_same) {
			i_mov32(p, nlo);
		} else if (lo_same) {
			i_mov32(p + 4, nhi);
		} else {
			i_mov32(p, 0);
			i_mov32(p + 4, nhi);
			i_mov32(p, nlo);
		}
		break;
	case F_CMPXCHG8B: {
		int tries = 0;

		while (!i_cmpxchg8b(p, real_get(t, i), new))
			if (++tries == 4) {
				mismatch_entry(t, i, "lock cmpxchg8b kept failing",
					       real_get(t, i), new);
				break;
			}
		break;
	}
	case F_OR32:
		if ((uint32_t)set)
			i_or32(p, (uint32_t)set);
		else
			i_or32(p + 4, (uint32_t)(set >> 32));
		break;
	case F_AND32:
		if ((uint32_t)clr)
			i_and32(p, ~(uint32_t)clr);
		else
			i_and32(p + 4, ~(uint32_t)(clr >> 32));
		break;
	case F_BTS32:
	case F_BTR32: {
		int b = bit_of(f == F_BTS32 ? set : clr);
		uint32_t bp = p;

		/* Half the time through the entry's start with an offset
		 * past the first dword, half through the dword itself. */
		if (b >= 32 && chance(50))
			bp = p + 4, b -= 32;
		if (f == F_BTS32)
			i_bts32(bp, (uint32_t)b);
		else
			i_btr32(bp, (uint32_t)b);
		break;
	}
	case F_STOSD:
		i_stosd(p, 0, (uint32_t)F->esz / 4);
		break;
	case F_STOSB:
		i_stosb(p, 0, (uint32_t)F->esz);
		break;
	case F_MOVSD:
	case F_MOVSB:
		movs_src[0] = nlo;
		movs_src[1] = nhi;
		if (f == F_MOVSD)
			i_movsd(p, (uint32_t)movs_src, (uint32_t)F->esz / 4);
		else
			i_movsb(p, (uint32_t)movs_src, (uint32_t)F->esz);
		break;
	case F_MOV64:
		lm64(LM_MOV, p, new, 0);
		break;
	case F_XCHG64:
		lm64(LM_XCHG, p, new, 0);
		if (!entry_matches(torture_lm64_args.ret, old, tinfo[t].depth))
			mismatch_entry(t, i, "xchg returned",
				       torture_lm64_args.ret, old);
		break;
	case F_CMPXCHG64: {
		int tries = 0;

		for (;;) {
			lm64(LM_CMPXCHG, p, real_get(t, i), new);
			if (torture_lm64_args.ok)
				break;
			if (++tries == 4) {
				mismatch_entry(t, i, "lock cmpxchg kept failing",
					       real_get(t, i), new);
				break;
			}
		}
		break;
	}
	case F_CMPXCHG16B: {
		/* The 16-byte pair holding the entry; its neighbour keeps
		 * what it holds. */
		int i0 = i & ~1, tries = 0;

		for (;;) {
			uint64_t e0 = real_get(t, i0), e1 = real_get(t, i0 + 1);

			torture_lm64_args.c = i0 == i ? new : e0;
			torture_lm64_args.d = i0 == i ? e1 : new;
			lm64(LM_CMPXCHG16B, t_pa(t) + (uint32_t)i0 * 8, e0, e1);
			if (torture_lm64_args.ok)
				break;
			if (++tries == 4) {
				mismatch_entry(t, i, "lock cmpxchg16b kept failing",
					       real_get(t, i), new);
				break;
			}
		}
		break;
	}
	case F_OR64:
		lm64(LM_OR, p, set, 0);
		break;
	case F_AND64:
		lm64(LM_AND, p, ~clr, 0);
		break;
	case F_BTS64:
		lm64(LM_BTS, p, (uint64_t)bit_of(set), 0);
		break;
	case F_BTR64:
		lm64(LM_BTR, p, (uint64_t)bit_of(clr), 0);
		break;
	case F_STOSQ:
		torture_lm64_args.count = 1;
		lm64(LM_STOSQ, p, 0, 0);
		break;
	case F_MOVSQ:
		movs_src[0] = nlo;
		movs_src[1] = nhi;
		torture_lm64_args.src = (uint32_t)movs_src;
		torture_lm64_args.count = 1;
		lm64(LM_MOVSQ, p, 0, 0);
		break;
	}
	st.forms[f]++;
	return f;
}

/* Clears a whole table with a string store. */
static int hw_zero_table(int t)
{
	uint32_t r = rnd(lm_active ? 3 : 2);
	int f;

	if (r == 0) {
		i_stosd(t_pa(t), 0, PAGE / 4);
		f = F_STOSD;
	} else if (r == 1) {
		i_stosb(t_pa(t), 0, PAGE);
		f = F_STOSB;
	} else {
		torture_lm64_args.count = PAGE / 8;
		lm64(LM_STOSQ, t_pa(t), 0, 0);
		f = F_STOSQ;
	}
	st.forms[f]++;
	return f;
}

/* Copies n entries (n * esz bytes) with a string move. */
static int hw_copy(uint32_t dst, uint32_t src, uint32_t n)
{
	uint32_t bytes = n * (uint32_t)F->esz;
	uint32_t r = rnd(lm_active ? 3 : 2);
	int f;

	if (r == 0) {
		i_movsd(dst, src, bytes / 4);
		f = F_MOVSD;
	} else if (r == 1) {
		i_movsb(dst, src, bytes);
		f = F_MOVSB;
	} else {
		torture_lm64_args.src = src;
		torture_lm64_args.count = bytes / 8;
		lm64(LM_MOVSQ, dst, 0, 0);
		f = F_MOVSQ;
	}
	st.forms[f]++;
	return f;
}

/* ---- model updates, references and flush planning ---- */

static void table_free(int t);

static void ref_entry(uint64_t e, int d, int delta)
{
	int c;

	if (!is_ptr(e, d))
		return;
	c = table_of(e_addr(e, d));
	if (c < 0 || tinfo[c].fixed)
		return;
	if (delta > 0) {
		tinfo[c].refs++;
	} else if (--tinfo[c].refs == 0 && !tinfo[c].root) {
		table_free(c);
	}
}

static void table_free(int t)
{
	int d = tinfo[t].depth;

	tinfo[t].used = 0;
	tables_used--;
	st.tables_free++;
	for (int i = 0; i < F->nent; i++)
		ref_entry(model_get(t, i), d, -1);
}

static int table_alloc(int depth, int role)
{
	int start;

	if (tables_used >= TABLES)
		return -1;
	start = (int)rnd(TABLES);
	for (int k = 0; k < TABLES; k++) {
		int t = (start + k) % TABLES;

		if (tinfo[t].used)
			continue;
		tinfo[t] = (struct tinfo){ .used = 1, .depth = (uint8_t)depth,
					   .role = (uint8_t)role };
		if (++tables_used > tables_peak)
			tables_peak = tables_used;
		st.tables_alloc++;
		memset(t_model(t), 0, PAGE);
		hw_zero_table(t);
		return t;
	}
	return -1;
}

/* The model's entry i of t becomes new; references follow. */
static void model_commit(int t, int i, uint64_t new)
{
	int d = tinfo[t].depth;
	uint64_t old = model_get(t, i);

	model_put(t, i, new);
	ref_entry(new, d, +1);
	ref_entry(old, d, -1);
}

/* Entries written by the current operation, read back at its end. */
static struct {
	uint16_t t, i;
} written[64];
static int nwritten;

static void note_written(int t, int i)
{
	if (nwritten < 64)
		written[nwritten++] = (typeof(written[0])){ (uint16_t)t,
							    (uint16_t)i };
}

struct run {
	uint32_t va, pages;
};

/* The flushes the current operation needs, in the current address space:
 * invlpg runs, or a CR3 reload. */
static struct plan {
	int n, nsuper;
	bool cr3;
	struct run r[MAXRUNS];
	struct run super[MAXRUNS];	/* large pages flushed by one invlpg */
} plan;

/* Ranges in which a permission upgrade was not flushed: a spurious #PF
 * is allowed there (once, then the retry must succeed) until the next
 * CR3 write on that CPU. */
static struct pend {
	int n;
	struct run r[MAXPEND];
} pend[MAX_CPUS];

static int ncpu = 1;

/*
 * QEMU TCG quirk: an invlpg inside a large page flushes the TLB for the
 * whole page but TCG's cache of translated code only for the 4K page
 * named, so a fetch from another 4K page of it may run code translated
 * before the change (docs/emulator-quirks.md). Until the next CR3 write,
 * fetch checks in such ranges are made reads instead (unless
 * strict_fetch=1).
 */
static struct pend xstale[MAX_CPUS];
static uint32_t opt_strict_fetch;

static bool in_runs(const struct pend *p, uint32_t va)
{
	for (int k = 0; k < p->n; k++)
		if (va - p->r[k].va < p->r[k].pages * PAGE)
			return true;
	return false;
}

static bool in_pending(int cpu, uint32_t va)
{
	for (int k = 0; k < pend[cpu].n; k++)
		if (va - pend[cpu].r[k].va < pend[cpu].r[k].pages * PAGE)
			return true;
	return false;
}

/* The ranges one entry change affects, found by walking the current
 * address space's model: (va, pages) with super = one invlpg suffices. */
struct aff {
	int n;
	bool overflow;
	struct {
		uint32_t va, pages;
		bool super;
	} r[MAXRUNS];
};

static void aff_add(struct aff *a, uint32_t va, uint64_t size, bool super)
{
	if (a->n == MAXRUNS) {
		a->overflow = true;
		return;
	}
	a->r[a->n].va = va;
	a->r[a->n].pages = (uint32_t)(size >> 12);
	a->r[a->n].super = super;
	a->n++;
}

/* Looks for table t below table x (depth d, covering from base): adds
 * the range of its entry i (or, i < 0, of the whole table). */
static void aff_dfs(int x, int d, uint32_t base, int t, int i, bool super,
		    struct aff *a)
{
	int lo, hi;

	if (x == t) {
		if (i < 0)
			aff_add(a, base, span(d - 1), false);
		else
			aff_add(a, base + (uint32_t)((uint64_t)i << F->shift[d]),
				span(d), super);
		return;
	}
	if (d >= tinfo[t].depth)
		return;
	ctl_range(x, &lo, &hi);
	for (int j = lo; j < hi; j++) {
		uint64_t e = model_get(x, j);
		int c;

		if (!is_ptr(e, d))
			continue;
		c = table_of(e_addr(e, d));
		if (c < 0 || tinfo[c].fixed)
			continue;
		aff_dfs(c, d + 1, base + (uint32_t)((uint64_t)j << F->shift[d]),
			t, i, super, a);
	}
}

static void aff_find(int t, int i, bool super, struct aff *a)
{
	a->n = 0;
	a->overflow = false;
	aff_dfs(as_root[cur_as], 0, 0, t, i, super, a);
}

static void plan_add(const struct aff *a)
{
	if (a->overflow)
		plan.cr3 = true;
	for (int k = 0; k < a->n; k++) {
		struct run r = { a->r[k].va, a->r[k].pages };

		if (a->r[k].super) {
			/* One invlpg anywhere in a large page drops it
			 * (SDM vol. 3, 4.10.4.2). */
			if (plan.nsuper == MAXRUNS)
				plan.cr3 = true;
			else
				plan.super[plan.nsuper++] = r;
			r.va += rnd(r.pages) * PAGE;
			r.pages = 1;
		} else if (r.pages > INVLPG_MAX) {
			plan.cr3 = true;
			continue;
		}
		if (plan.n == MAXRUNS)
			plan.cr3 = true;
		else
			plan.r[plan.n++] = r;
	}
}

static bool pending_add(const struct aff *a)
{
	if (a->overflow)
		return false;
	for (int c = 0; c < ncpu; c++)
		if (pend[c].n + a->n > MAXPEND)
			return false;
	for (int c = 0; c < ncpu; c++)
		for (int k = 0; k < a->n; k++)
			pend[c].r[pend[c].n++] =
				(struct run){ a->r[k].va, a->r[k].pages };
	return true;
}

enum { EFF_NONE, EFF_MAP, EFF_UPGRADE, EFF_REQUIRED };

/* What a change from old to new means for TLBs (SDM vol. 3, 4.10.4.3):
 * a not-present entry is never cached, so mapping it needs no flush; a
 * permission upgrade without a flush may cost a spurious #PF; anything
 * else needs the flush before an access relies on it. */
static int effect(uint64_t old, uint64_t new, int d)
{
	bool reduce, raise;

	if (!(old & E_P))
		return new & E_P ? EFF_MAP : EFF_NONE;
	if (!(new & E_P) || is_rsvd(old, d) || is_rsvd(new, d) ||
	    is_leaf(old, d) != is_leaf(new, d) ||
	    e_addr(old, d) != e_addr(new, d) ||
	    ((old ^ new) & (E_PWT | E_PCD)))
		return EFF_REQUIRED;
	reduce = ((old & E_W) && !(new & E_W)) ||
		 ((old & E_U) && !(new & E_U)) ||
		 (nxe && !(old & E_NX) && (new & E_NX));
	raise = (!(old & E_W) && (new & E_W)) ||
		(!(old & E_U) && (new & E_U)) ||
		(nxe && (old & E_NX) && !(new & E_NX));
	if (reduce)
		return EFF_REQUIRED;
	return raise ? EFF_UPGRADE : EFF_NONE;
}

static void note_change(int t, int i, uint64_t old, uint64_t new)
{
	int d = tinfo[t].depth, eff;
	struct aff a;

	if (building)
		return;
	if (F->mode == PT_PAE && d == 0) {
		/* PDPTEs are loaded by MOV to CR3 (SDM vol. 3, 4.4.1). */
		if (t == as_root[cur_as])
			plan.cr3 = true;
		return;
	}
	eff = effect(old, new, d);
	if (eff == EFF_NONE)
		return;
	if (eff == EFF_MAP) {
		st.noflush_map++;
		return;
	}
	aff_find(t, i, d != F->nlev - 1 && is_leaf(old, d) && !is_ptr(old, d),
		 &a);
	if (!a.n && !a.overflow)
		return;
	if (eff == EFF_UPGRADE && chance(50) && pending_add(&a)) {
		st.noflush_upgrade++;
		return;
	}
	plan_add(&a);
}

/* Changes entry i of table t to new, in memory and in the model. */
static void put(int t, int i, uint64_t new)
{
	uint64_t old = model_get(t, i);
	int f = hw_write(t, i, old, new);

	logit((struct logrec){ .type = LOG_WRITE, .a = (uint8_t)f,
			       .b = tinfo[t].depth, .x = (uint32_t)t,
			       .y = (uint32_t)i, .old = old, .new = new });
	model_commit(t, i, new);
	note_written(t, i);
	note_change(t, i, old, new);
}

/* ---- TLB invalidation and shootdown ---- */

enum { SHOOT_NONE, SHOOT_RELOAD, SHOOT_LOAD, SHOOT_INVLPG };

/* Read by the IPI handlers (the 64-bit one in torture_shoot64). */
__attribute__((used)) volatile struct shoot_box {
	uint32_t kind, cr3, nruns, pad;
	struct run runs[MAXRUNS];
} torture_shoot_box;
__attribute__((used)) volatile uint32_t torture_shoot_ack;
__attribute__((used)) uint32_t torture_lapic_eoi;

static uint8_t cpu_apic[MAX_CPUS];

static void shoot_apply(void)
{
	volatile struct shoot_box *b = &torture_shoot_box;

	switch (b->kind) {
	case SHOOT_RELOAD:
		write_cr3(read_cr3());
		break;
	case SHOOT_LOAD:
		write_cr3(b->cr3);
		break;
	case SHOOT_INVLPG:
		for (uint32_t k = 0; k < b->nruns; k++)
			for (uint32_t p = 0; p < b->runs[k].pages; p++)
				invlpg(b->runs[k].va + p * PAGE);
		break;
	}
}

/* The IPI in legacy protected mode (irq.c); torture_shoot64 in long
 * mode. */
static void on_shoot(uint8_t vector)
{
	(void)vector;
	shoot_apply();
	__atomic_fetch_add(&torture_shoot_ack, 1, __ATOMIC_SEQ_CST);
	lapic_eoi();
}

static void on_spurious(uint8_t vector)
{
	(void)vector;
}

__asm__(
	"	.pushsection .text\n"
	"	.code64\n"
	"	.globl torture_shoot64, torture_spurious64\n"
	"torture_shoot64:\n"
	"	pushq %rax\n"
	"	pushq %rcx\n"
	"	pushq %rdx\n"
	"	pushq %rsi\n"
	"	movl $torture_shoot_box, %esi\n"
	"	movl 0(%rsi), %eax\n"
	"	cmpl $1, %eax\n	jne 1f\n"
	"	movq %cr3, %rax\n	movq %rax, %cr3\n	jmp 9f\n"
	"1:	cmpl $2, %eax\n	jne 2f\n"
	"	movl 4(%rsi), %eax\n	movq %rax, %cr3\n	jmp 9f\n"
	"2:	cmpl $3, %eax\n	jne 9f\n"
	"	movl 8(%rsi), %edx\n"
	"	addq $16, %rsi\n"
	"3:	testl %edx, %edx\n	jz 9f\n"
	"	movl 0(%rsi), %eax\n	movl 4(%rsi), %ecx\n"
	"4:	testl %ecx, %ecx\n	jz 5f\n"
	"	invlpg (%rax)\n	addl $4096, %eax\n	decl %ecx\n	jmp 4b\n"
	"5:	addq $8, %rsi\n	decl %edx\n	jmp 3b\n"
	"9:	movl $torture_shoot_ack, %eax\n"
	"	lock incl (%rax)\n"
	"	movl $torture_lapic_eoi, %eax\n"
	"	movl (%rax), %eax\n"
	"	movl $0, (%rax)\n"
	"	popq %rsi\n"
	"	popq %rdx\n"
	"	popq %rcx\n"
	"	popq %rax\n"
	"	iretq\n"
	"torture_spurious64:\n"
	"	iretq\n"
	"	.code32\n"
	"	.popsection\n");

static void report_stall(const char *what, int cpu);

/* Sends the box to every other CPU, one at a time, each acknowledging. */
static void shoot_others(void)
{
	for (int c = 0; c < ncpu; c++) {
		uint32_t want, spins = 0;

		if (c == cur_cpu)
			continue;
		if (torture_shoot_box.kind != SHOOT_INVLPG)
			pend[c].n = xstale[c].n = 0;
		want = torture_shoot_ack + 1;
		/* The last IPI was acknowledged, so the ICR is idle: no
		 * polling of its delivery status (each read is an exit under
		 * a hypervisor). */
		lapic_write(LAPIC_ICR_HI, (uint32_t)cpu_apic[c] << 24);
		lapic_write(LAPIC_ICR_LO, ICR_FIXED | ICR_ASSERT | VEC_SHOOT);
		while (__atomic_load_n(&torture_shoot_ack, __ATOMIC_SEQ_CST) !=
		       want) {
			__asm__ volatile("pause");
			if (++spins == SPIN_LIMIT) {
				report_stall("no acknowledgement of the"
					     " shootdown IPI", c);
				return;
			}
		}
		st.shootdowns++;
	}
}

static void local_cr3(uint32_t cr3)
{
	write_cr3(cr3);
	pend[cur_cpu].n = 0;
	xstale[cur_cpu].n = 0;
}

/* Carries out the current plan here and on the other CPUs. */
static void plan_run(void)
{
	volatile struct shoot_box *b = &torture_shoot_box;
	uint32_t total = 0;
	bool skip = opt_inject == 1 && op_index >= INJECT_AT;

	if (!plan.n && !plan.cr3)
		return;
	for (int k = 0; k < plan.n; k++)
		total += plan.r[k].pages;
	if (!plan.cr3 && ((total > 64 && !chance(15)) || chance(10)))
		plan.cr3 = true;
	for (int c = 0; c < ncpu && !plan.cr3; c++)
		if (xstale[c].n + plan.nsuper > MAXPEND)
			plan.cr3 = true;
	for (int c = 0; c < ncpu && !plan.cr3 && !skip; c++)
		for (int k = 0; k < plan.nsuper; k++)
			xstale[c].r[xstale[c].n++] = plan.super[k];
	b->kind = plan.cr3 ? SHOOT_RELOAD : SHOOT_INVLPG;
	b->nruns = plan.cr3 ? 0 : (uint32_t)plan.n;
	for (int k = 0; k < plan.n; k++)
		b->runs[k] = plan.r[k];
	logit((struct logrec){ .type = LOG_FLUSH, .a = (uint8_t)b->kind,
			       .x = plan.n ? plan.r[0].va : 0,
			       .old = (uint32_t)plan.n, .new = total });
	if (!skip) {
		if (plan.cr3) {
			local_cr3(read_cr3());
			st.cr3_reloads++;
		} else {
			shoot_apply();
			st.invlpg_runs += (uint32_t)plan.n;
			st.invlpg_pages += total;
		}
		if (ncpu > 1 && !(opt_inject == 2 && op_index >= INJECT_AT))
			shoot_others();
	}
	plan.n = plan.nsuper = 0;
	plan.cr3 = false;
}

/* ---- checking against the model ---- */

enum acc { ACC_READ, ACC_WRITE, ACC_EXEC };
static const char *const acc_names[] = { "read", "write", "fetch" };

struct walk {
	int n;			/* entries read */
	int tbl[4], idx[4];
	uint64_t ent[4];
	bool fault, rsvd;
	uint32_t err;
	uint32_t pa;
};

/* What an access must do in the current address space, by the model. */
static void model_walk(uint32_t va, int acc, int ring, struct walk *w)
{
	int t = as_root[cur_as];
	bool wr = true, us = true, nx = false;
	uint32_t bits = (acc == ACC_WRITE ? PF_W : 0) | (ring ? PF_U : 0) |
			(acc == ACC_EXEC && nxe ? PF_I : 0);

	memset(w, 0, sizeof(*w));
	for (int d = 0; d < F->nlev; d++) {
		int i = va_idx(va, d), c;
		uint64_t e = model_get(t, i);

		w->tbl[d] = t;
		w->idx[d] = i;
		w->ent[d] = e;
		w->n = d + 1;
		if (!(e & E_P)) {
			w->fault = true;
			w->err = bits;
			return;
		}
		if (is_rsvd(e, d)) {
			w->fault = w->rsvd = true;
			w->err = bits | PF_P | PF_RSVD;
			return;
		}
		if (!(F->mode == PT_PAE && d == 0)) {
			wr = wr && (e & E_W);
			us = us && (e & E_U);
			nx = nx || (nxe && (e & E_NX));
		}
		if (is_leaf(e, d)) {
			w->pa = (uint32_t)(e_addr(e, d) +
					   (va & (span(d) - 1)));
			break;
		}
		c = table_of(e_addr(e, d));
		if (c < 0) {	/* the model is broken */
			w->fault = true;
			w->err = 0xffffffffu;
			return;
		}
		t = c;
	}
	if ((ring && !us) || (acc == ACC_WRITE && !wr) ||
	    (acc == ACC_EXEC && nx)) {
		w->fault = true;
		w->err = bits | PF_P;
	}
}

static const char *mode_name(void)
{
	return F ? F->name : "-";
}

static void print_walk(uint32_t va)
{
	int t = as_root[cur_as];

	for (int d = 0; d < F->nlev; d++) {
		int i = va_idx(va, d), c;
		uint64_t m = model_get(t, i), r = real_get(t, i);

		printf("torture:   depth %d: table #%d (pa 0x%x%s) [%d]: model"
		       " 0x%llx, memory 0x%llx%s\n", d, t, t_pa(t),
		       tinfo[t].root ? ", root" : "", i,
		       (unsigned long long)m, (unsigned long long)r,
		       entry_matches(r, m, d) ? "" : "  <-- differs");
		if (!(m & E_P) || is_leaf(m, d) || is_rsvd(m, d))
			break;
		c = table_of(e_addr(m, d));
		if (c < 0)
			break;
		t = c;
	}
}

static void print_logrec(const struct logrec *r)
{
	switch (r->type) {
	case LOG_OP:
		printf("torture:   op %u cpu %u: %s, address space %u\n", r->op,
		       r->cpu, op_names[r->a], r->b);
		break;
	case LOG_WRITE:
		printf("torture:   op %u cpu %u: table #%u (pa 0x%x, depth %u)"
		       " [%u]: 0x%llx -> 0x%llx by %s\n", r->op, r->cpu, r->x,
		       t_pa((int)r->x), r->b, r->y, (unsigned long long)r->old,
		       (unsigned long long)r->new, form_names[r->a]);
		break;
	default:
		printf("torture:   op %u cpu %u: flush: %s, %llu runs, %llu"
		       " pages, first 0x%x\n", r->op, r->cpu,
		       r->a == SHOOT_RELOAD ? "CR3 reload" :
		       r->a == SHOOT_LOAD ? "CR3 load" : "invlpg",
		       (unsigned long long)r->old, (unsigned long long)r->new,
		       r->x);
		break;
	}
}

static void print_log(void)
{
	uint32_t n = log_next < LOGN ? log_next : LOGN;

	printf("torture: the last %u changes, oldest first:\n", n);
	for (uint32_t k = log_next - n; k != log_next; k++)
		print_logrec(&logbuf[k % LOGN]);
}

static void mismatch_head(void)
{
	mismatches++;
	failed = true;
	printf("torture: MISMATCH at op %u of mode %s (op %u overall), seed"
	       " %u, cpu %d, address space %d (CR3 0x%x):\n", op_index,
	       mode_name(), op_global, opt_seed, cur_cpu, cur_as,
	       read_cr3());
}

static void mismatch_entry(int t, int i, const char *how, uint64_t got,
			   uint64_t want)
{
	if (failed)
		return;
	mismatch_head();
	printf("torture:   table #%d (pa 0x%x, depth %d) entry %d: %s"
	       " 0x%llx, model 0x%llx\n", t, t_pa(t), tinfo[t].depth, i, how,
	       (unsigned long long)got, (unsigned long long)want);
	print_log();
}

static void mismatch_access(uint32_t va, int acc, int ring,
			    const struct walk *w,
			    const struct probe_result *r,
			    const char *why, uint32_t got, uint32_t want)
{
	if (failed)
		return;
	mismatch_head();
	printf("torture:   ring %d %s at 0x%x: %s\n", ring ? 3 : 0,
	       acc_names[acc],
	       va, why);
	if (w->fault)
		printf("torture:   model: #PF err=0x%x cr2=0x%x\n", w->err, va);
	else
		printf("torture:   model: no fault, physical 0x%x\n", w->pa);
	if (r->faulted)
		printf("torture:   observed: %s err=0x%x cr2=0x%llx eip=0x%x\n",
		       trap_name(r->vector), r->error,
		       (unsigned long long)r->cr2, r->eip);
	else
		printf("torture:   observed: no fault, value 0x%08x (want"
		       " 0x%08x)\n", got, want);
	printf("torture:   spurious #PF allowed here: %s\n",
	       in_pending(cur_cpu, va) ? "yes" : "no");
	print_walk(va);
	print_log();
}

static void report_stall(const char *what, int cpu)
{
	if (failed)
		return;
	mismatch_head();
	printf("torture:   cpu %d (APIC ID %u): %s\n", cpu, cpu_apic[cpu],
	       what);
	print_log();
}

/* One access, checked against the model. */
static void verify_access(uint32_t page, int acc, int ring)
{
	static const enum probe_op ops[] = { PROBE_READ, PROBE_WRITE,
					     PROBE_EXEC };
	uint32_t va = page + (acc == ACC_EXEC ? STUB_OFF : rnd(DATA_WORDS) * 4);
	uint32_t value = rnd32(), want = 0, got = 0;
	struct probe_result r;
	struct walk w;

	if (failed)
		return;
	if (acc == ACC_EXEC && !opt_strict_fetch &&
	    in_runs(&xstale[cur_cpu], va)) {
		acc = ACC_READ;	/* the QEMU quirk above */
		va = page + rnd(DATA_WORDS) * 4;
		st.fetch_as_read++;
	}
	model_walk(va, acc, ring, &w);
	st.acc[acc]++;
	st.acc_user += ring != 0;
	st.verify_cpu[cur_cpu]++;
	if (!w.fault && !in_frames(w.pa)) {
		r = (struct probe_result){ 0 };
		mismatch_access(va, acc, ring, &w, &r, "the model maps outside"
				" the data frames (a bug of this kernel)", 0, 0);
		return;
	}
	for (int attempt = 0;; attempt++) {
		r = probe(ops[acc], ring, va, value);
		if (w.fault || !r.faulted)
			break;
		if (attempt == 0 && r.vector == VEC_PF && r.cr2 == va &&
		    in_pending(cur_cpu, va)) {
			st.spurious++;	/* an unflushed upgrade: retry */
			continue;
		}
		mismatch_access(va, acc, ring, &w, &r, "unexpected fault", 0,
				0);
		return;
	}
	if (w.fault) {
		bool ok = r.faulted && r.vector == VEC_PF && r.cr2 == va &&
			  (acc != ACC_EXEC || r.eip == va);
		bool err_ok = r.error == w.err;

		/* QEMU TCG leaves P out of reserved-bit faults
		 * (docs/emulator-quirks.md). */
		if (ok && !err_ok && w.rsvd && r.error == (w.err & ~PF_P)) {
			err_ok = true;
			st.rsvd_no_p++;
		}
		if (!ok || !err_ok) {
			mismatch_access(va, acc, ring, &w, &r, r.faulted ?
					"wrong fault" : "no fault", r.value, 0);
			return;
		}
		st.faults++;
		st.rsvd_faults += w.rsvd;
		/* The walk never writes a not-present entry. */
		if (!w.rsvd) {
			int d = w.n - 1;
			uint64_t e = real_get(w.tbl[d], w.idx[d]);

			if (!(w.ent[d] & E_P)) {
				st.np_untouched++;
				if (e != w.ent[d])
					mismatch_entry(w.tbl[d], w.idx[d],
						       "not-present entry changed"
						       " by a faulting access to",
						       e, w.ent[d]);
			}
		}
		return;
	}
	switch (acc) {
	case ACC_READ:
		want = pattern(w.pa);
		got = r.value;
		break;
	case ACC_EXEC:
		want = exec_tag(w.pa & ~(PAGE - 1));
		got = r.value;
		break;
	default:
		want = value;
		got = *(volatile uint32_t *)w.pa;
		*(volatile uint32_t *)w.pa = pattern(w.pa);
		break;
	}
	if (got != want)
		mismatch_access(va, acc, ring, &w, &r, acc == ACC_WRITE ?
				"the write did not reach the model's frame" :
				"wrong value", got, want);
}

/* Reads back what the operation wrote. */
static void check_written(void)
{
	for (int k = 0; k < nwritten && !failed; k++) {
		int t = written[k].t, i = written[k].i;
		uint64_t r, m;

		if (!tinfo[t].used)
			continue;
		r = real_get(t, i);
		m = model_get(t, i);
		st.readbacks++;
		if (!entry_matches(r, m, tinfo[t].depth))
			mismatch_entry(t, i, "memory holds", r, m);
	}
	nwritten = 0;
}

/* Every entry of every table against the model. */
static void compare_all(void)
{
	st.compares++;
	for (int t = 0; t < TABLES && !failed; t++) {
		if (!tinfo[t].used)
			continue;
		for (int i = 0; i < F->nent; i++) {
			uint64_t r = real_get(t, i), m = model_get(t, i);

			if (!entry_matches(r, m, tinfo[t].depth)) {
				mismatch_entry(t, i, "memory holds", r, m);
				break;
			}
		}
	}
}

/* ---- choosing what to change ---- */

static uint32_t recent[RECENT];
static uint32_t nrecent;
static bool huge_on;		/* 4-level: the huge slot is in use */
static uint32_t op_page;	/* the page the last operation aimed at */

/* A few 4 MiB slots of the region most picks fall in, so that tables
 * fill up and checked accesses often succeed; one moves now and then. */
#define HOT	3
static uint32_t hot[HOT];

static uint32_t pick_page(void)
{
	uint32_t r = rnd(100);

	if (!rnd(3000))
		hot[rnd(HOT)] = REGION_VA + rnd(REGION_SIZE / (4 * MIB)) *
					    4 * MIB;
	if (r < 30 && nrecent)
		return recent[rnd(nrecent < RECENT ? nrecent : RECENT)];
	if (r < 75)
		return hot[rnd(HOT)] + rnd(4 * MIB / PAGE) * PAGE;
	if (huge_on && r < 88)
		return HUGE_VA + frames_pa + rnd(FRAME_PAGES) * PAGE;
	return REGION_VA + rnd(REGION_PAGES) * PAGE;
}

static int pick_as(void)
{
	return chance(75) ? cur_as : (int)rnd(NAS);
}

static int role_for(uint32_t va, int depth)
{
	if (F->mode == PT_2LEVEL || depth != F->nlev - 2)
		return ROLE_NONE;
	return va >= HUGE_VA ? ROLE_HUGE : ROLE_REGION;
}

static uint64_t noise(void)
{
	uint64_t n = 0;

	if (chance(15))
		n |= (uint64_t)(rnd(8) << 9);
	if (chance(10))
		n |= E_G;
	if (F->mode == PT_4LEVEL && chance(10))
		n |= (uint64_t)rnd(128) << 52;
	return n;
}

/* An entry pointing at table c from depth d. */
static uint64_t ptr_entry(int c, int d)
{
	uint64_t e = t_pa(c) | E_P;

	if (F->mode == PT_PAE && d == 0)
		return e | (chance(15) ? (uint64_t)(rnd(8) << 9) : 0);
	if (F->mode == PT_4LEVEL && d == 0)
		return e | E_W | E_U | (chance(50) ? E_A : 0);
	if (chance(90))
		e |= E_W;
	if (chance(90))
		e |= E_U;
	if (nxe && chance(8))
		e |= E_NX;
	if (chance(50))
		e |= E_A;
	/* Bit 8 is ignored in a PDE that points to a table, but AMD
	 * reserves it in PML4Es and PDPTEs. */
	e |= noise();
	if (d != F->nlev - 2)
		e &= ~E_G;
	return e;
}

/* A leaf entry at depth d for frame pa. */
static uint64_t leaf_entry(uint64_t pa, int d)
{
	uint64_t e = pa | E_P | noise();

	if (chance(70))
		e |= E_W;
	if (chance(70))
		e |= E_U;
	if (nxe && chance(20))
		e |= E_NX;
	if (chance(50))
		e |= E_A;
	if (chance(30))
		e |= E_D;
	if (d != F->nlev - 1)
		e |= E_PS;
	return e;
}

static uint64_t pick_frame(int d)
{
	uint64_t s = span(d);

	if (s >= PT_1G)
		return 0;	/* the only 1G frame: it holds every frame */
	return frames_pa + rnd((uint32_t)(FRAMES_SIZE >> F->shift[d])) * s;
}

/* Writes the values into new table t (not reachable yet): either built
 * in a scratch page and copied with a string move, or one by one. */
static uint32_t scratch[1024] __attribute__((aligned(4096)));

static void fill_table(int t, const uint32_t *vals)
{
	if (chance(70)) {
		hw_copy(t_pa(t), (uint32_t)vals, (uint32_t)F->nent);
		for (int i = 0; i < F->nent; i++) {
			uint64_t v = F->esz == 4 ? vals[i] :
				     vals[2 * i] | (uint64_t)vals[2 * i + 1] << 32;

			model_commit(t, i, v);
		}
	} else {
		for (int i = 0; i < F->nent; i++) {
			uint64_t v = F->esz == 4 ? vals[i] :
				     vals[2 * i] | (uint64_t)vals[2 * i + 1] << 32;

			hw_write(t, i, 0, v);
			model_commit(t, i, v);
		}
	}
}

/* Replaces the superpage entry i of t by a table of smaller entries
 * mapping the same frames with the same permissions. */
static bool split(int t, int i)
{
	int d = tinfo[t].depth, c;
	uint64_t e = model_get(t, i), base, flags, cspan;
	bool cps;

	if (!(e & E_P) || d == F->nlev - 1 || !is_leaf(e, d) || is_rsvd(e, d))
		return false;
	c = table_alloc(d + 1, d + 1 == F->nlev - 2 ? ROLE_HUGE : ROLE_NONE);
	if (c < 0)
		return false;
	base = e_addr(e, d);
	flags = e & ~addr_mask & ~E_PS;
	cspan = span(d + 1);
	cps = d + 1 != F->nlev - 1;
	for (int j = 0; j < F->nent; j++) {
		uint64_t v = (base + (uint64_t)j * cspan) | flags |
			     (cps ? E_PS : 0);

		if (F->esz == 4) {
			scratch[j] = (uint32_t)v;
		} else {
			scratch[2 * j] = (uint32_t)v;
			scratch[2 * j + 1] = (uint32_t)(v >> 32);
		}
	}
	fill_table(c, scratch);
	put(t, i, t_pa(c) | E_P | E_W | E_U | (e & E_A));
	st.splits[span(d) >= PT_1G ? 2 : 0]++;
	return true;
}

/*
 * The table at depth want on the path to va in address space as, or -1.
 * With create, missing tables are made and a superpage in the way is
 * split or replaced by an empty table.
 */
static int path_to(int as, uint32_t va, int want, bool create)
{
	int t = as_root[as];

	for (int d = 0; d < want; d++) {
		int i = va_idx(va, d), c;
		uint64_t e = model_get(t, i);

		if (!(e & E_P) || is_rsvd(e, d) ||
		    (is_leaf(e, d) && create && chance(20))) {
			if (!create)
				return -1;
			c = table_alloc(d + 1, role_for(va, d + 1));
			if (c < 0)
				return -1;
			put(t, i, ptr_entry(c, d));
			t = c;
			continue;
		}
		if (is_leaf(e, d)) {
			if (!create || !split(t, i))
				return -1;
			e = model_get(t, i);
		}
		c = table_of(e_addr(e, d));
		if (c < 0)
			return -1;
		t = c;
	}
	return t;
}

/* Present entries on the path to va in as that operations may change,
 * as (table, index, depth), root first. */
struct pathent {
	int t, i, d;
};

static int path_entries(int as, uint32_t va, struct pathent *pe,
			bool include_np_leaf)
{
	int t = as_root[as], n = 0;

	for (int d = 0; d < F->nlev; d++) {
		int i = va_idx(va, d), lo, hi, c;
		uint64_t e = model_get(t, i);

		ctl_range(t, &lo, &hi);
		if (i < lo || i >= hi)
			return n;
		if (!(e & E_P)) {
			if (include_np_leaf && e && d == F->nlev - 1)
				pe[n++] = (struct pathent){ t, i, d };
			return n;
		}
		pe[n++] = (struct pathent){ t, i, d };
		if (is_leaf(e, d) || is_rsvd(e, d))
			return n;
		c = table_of(e_addr(e, d));
		if (c < 0)
			return n;
		t = c;
	}
	return n;
}

/* ---- the operations ---- */

/* Maps a 4K page, or a run of up to 16 (as a kernel populating a
 * range would). */
static bool op_map4k(void)
{
	int as = pick_as(), t, d = F->nlev - 1, i, n;
	uint32_t page = pick_page();
	uint64_t e;

	op_page = page;
	t = path_to(as, page, d, true);
	if (t < 0)
		return false;
	i = va_idx(page, d);
	n = chance(50) ? 1 : 2 + (int)rnd(15);
	if (n > F->nent - i)
		n = F->nent - i;
	e = leaf_entry(pick_frame(d), d);
	for (int k = 0; k < n; k++) {
		if (chance(20))
			e = leaf_entry(pick_frame(d), d);
		else if (k)
			e = (e & ~addr_mask) |
			    (frames_pa + ((e_addr(e, d) - frames_pa + PAGE) &
					  (FRAMES_SIZE - 1)));
		put(t, i + k, e);
	}
	return true;
}

/* Two neighbouring PTEs: in long mode with one LOCK CMPXCHG16B, else
 * with one string move. */
static bool op_map_pair(void)
{
	int as = pick_as(), t, d = F->nlev - 1, i;
	uint32_t page = pick_page();
	uint64_t v[2], old[2];
	int f;

	op_page = page;
	t = path_to(as, page, d, true);
	if (t < 0)
		return false;
	i = va_idx(page, d) & ~1;
	for (int k = 0; k < 2; k++) {
		v[k] = leaf_entry(pick_frame(d), d);
		old[k] = model_get(t, i + k);
	}
	if (lm_active && cpu_cx16 && chance(60)) {
		int tries = 0;

		for (;;) {
			torture_lm64_args.c = v[0];
			torture_lm64_args.d = v[1];
			lm64(LM_CMPXCHG16B, t_pa(t) + (uint32_t)i * 8,
			     real_get(t, i), real_get(t, i + 1));
			if (torture_lm64_args.ok)
				break;
			if (++tries == 4) {
				mismatch_entry(t, i, "lock cmpxchg16b kept"
					       " failing", real_get(t, i), v[0]);
				return true;
			}
		}
		st.forms[F_CMPXCHG16B]++;
		f = F_CMPXCHG16B;
	} else {
		if (F->esz == 4) {
			movs_src[0] = (uint32_t)v[0];
			movs_src[1] = (uint32_t)v[1];
		} else {
			movs_src[0] = (uint32_t)v[0];
			movs_src[1] = (uint32_t)(v[0] >> 32);
			movs_src[2] = (uint32_t)v[1];
			movs_src[3] = (uint32_t)(v[1] >> 32);
		}
		f = hw_copy(t_pa(t) + (uint32_t)i * (uint32_t)F->esz,
			    (uint32_t)movs_src, 2);
	}
	for (int k = 0; k < 2; k++) {
		logit((struct logrec){ .type = LOG_WRITE, .a = (uint8_t)f,
				       .b = (uint8_t)d, .x = (uint32_t)t,
				       .y = (uint32_t)(i + k), .old = old[k],
				       .new = v[k] });
		model_commit(t, i + k, v[k]);
		note_written(t, i + k);
		note_change(t, i + k, old[k], v[k]);
	}
	return true;
}

static bool op_map_super(bool reserved)
{
	int as = pick_as(), d, t, i;
	uint32_t page = pick_page(), va;
	uint64_t e;

	switch (F->mode) {
	case PT_2LEVEL:
		if (!pse_on)
			return false;
		d = 0;
		break;
	case PT_PAE:
		d = 1;
		break;
	default:
		d = page >= HUGE_VA && gb1 && chance(30) ? 1 : 2;
		break;
	}
	if (reserved && F->mode != PT_2LEVEL && chance(70))
		d = F->nlev - 1;	/* a 4K page with the reserved bit */
	va = page & ~(uint32_t)(span(d) - 1);
	op_page = page;
	t = path_to(as, va, d, true);
	if (t < 0)
		return false;
	i = va_idx(va, d);
	e = leaf_entry(pick_frame(d), d);
	if (reserved)
		e |= rsvd_bit;
	put(t, i, e);
	if (!reserved)
		st.super_maps[span(d) >= PT_1G ? 2 : 0]++;
	return true;
}

static bool op_unmap(void)
{
	struct pathent pe[4];
	int as = pick_as(), n, k, t, i, d;
	uint32_t page = pick_page();
	uint64_t e;

	op_page = page;
	n = path_entries(as, page, pe, false);
	/* PML4[0] also maps the kernel. */
	if (n && F->mode == PT_4LEVEL && pe[0].d == 0) {
		for (k = 1; k < n; k++)
			pe[k - 1] = pe[k];
		n--;
	}
	if (!n)
		return false;
	/* Mostly leaves: an entry above one unmaps a whole table. */
	if (!is_leaf(model_get(pe[n - 1].t, pe[n - 1].i), pe[n - 1].d) &&
	    chance(80))
		return false;
	k = chance(90) ? n - 1 : (int)rnd((uint32_t)n);
	/* A PAE PDPTE or a 4-level PDPTE unmaps the whole region: rarely. */
	if (k < n - 1 && pe[k].d <= (F->mode == PT_4LEVEL ? 1 : 0) &&
	    F->mode != PT_2LEVEL && chance(80))
		k = n - 1;
	t = pe[k].t, i = pe[k].i, d = pe[k].d;
	e = model_get(t, i);
	put(t, i, is_leaf(e, d) && chance(40) ? e & ~E_P : 0);
	return true;
}

static bool op_protect(void)
{
	struct pathent pe[4];
	int as = pick_as(), n, k, t, i, d;
	uint32_t page = pick_page();
	uint64_t e, bit;

	op_page = page;
	n = path_entries(as, page, pe, true);
	/* No permission bits in PAE PDPTEs; PML4[0] maps the kernel too. */
	if (n && pe[0].d == 0 && F->mode != PT_2LEVEL) {
		for (k = 1; k < n; k++)
			pe[k - 1] = pe[k];
		n--;
	}
	if (!n)
		return false;
	k = chance(60) ? n - 1 : (int)rnd((uint32_t)n);
	t = pe[k].t, i = pe[k].i, d = pe[k].d;
	e = model_get(t, i);
	if (!(e & E_P)) {
		put(t, i, e | E_P);	/* a 4K leaf present again */
		return true;
	}
	switch (rnd(9)) {
	case 0:
	case 1:
		bit = E_W;
		break;
	case 2:
	case 3:
		bit = E_U;
		break;
	case 4:
	case 5:
		bit = nxe ? E_NX : E_W;
		break;
	case 6:
		bit = E_A;
		break;
	case 7:
		bit = is_leaf(e, d) ? E_D : E_A;
		break;
	default:
		bit = chance(50) ? E_G : 1ull << (9 + rnd(3));
		break;
	}
	put(t, i, e ^ bit);
	return true;
}

static bool op_split(void)
{
	struct pathent pe[4];
	int as = pick_as(), n;
	uint32_t page = pick_page();

	op_page = page;
	n = path_entries(as, page, pe, false);
	for (int k = n - 1; k >= 0; k--) {
		uint64_t e = model_get(pe[k].t, pe[k].i);

		if (pe[k].d != F->nlev - 1 && is_leaf(e, pe[k].d))
			return split(pe[k].t, pe[k].i);
	}
	return false;
}

/* Clears a whole page table or directory with a string store. */
static bool op_zap(void)
{
	struct pathent pe[4];
	int as = pick_as(), n, t = -1, d, f;
	uint32_t page = pick_page();
	bool any = false;
	struct aff a;

	op_page = page;
	n = path_entries(as, page, pe, false);
	for (int k = n - 1; k >= 0 && t < 0; k--) {
		uint64_t e = model_get(pe[k].t, pe[k].i);
		int c;

		if (!is_ptr(e, pe[k].d) || pe[k].d + 1 < F->nlev - 2 ||
		    (c = table_of(e_addr(e, pe[k].d))) < 0 || tinfo[c].fixed)
			continue;
		/* Mostly page tables: a directory holds the region. */
		if (pe[k].d + 1 == F->nlev - 1 ? chance(80) :
		    k == 0 || chance(30))
			t = c;
	}
	if (t < 0)
		return false;
	d = tinfo[t].depth;
	for (int i = 0; i < F->nent; i++)
		any |= (model_get(t, i) & E_P) != 0;
	aff_find(t, -1, false, &a);
	f = hw_zero_table(t);
	for (int i = 0; i < F->nent; i++) {
		uint64_t old = model_get(t, i);

		if (old) {
			logit((struct logrec){ .type = LOG_WRITE, .a = (uint8_t)f,
					       .b = (uint8_t)d, .x = (uint32_t)t,
					       .y = (uint32_t)i, .old = old });
			model_commit(t, i, 0);
			note_written(t, i);
		}
	}
	if (any && !building)
		plan_add(&a);
	return true;
}

/* Copies the table a pointer entry names and points the entry at the
 * copy. */
static bool op_clone(void)
{
	struct pathent pe[4];
	int as = pick_as(), n, k, t, i, d, c, nc;
	uint32_t page = pick_page();
	uint64_t e;

	op_page = page;
	n = path_entries(as, page, pe, false);
	while (n && !is_ptr(model_get(pe[n - 1].t, pe[n - 1].i), pe[n - 1].d))
		n--;
	if (!n)
		return false;
	k = (int)rnd((uint32_t)n);
	t = pe[k].t, i = pe[k].i, d = pe[k].d;
	e = model_get(t, i);
	c = table_of(e_addr(e, d));
	if (c < 0 || tinfo[c].fixed)
		return false;
	nc = table_alloc(tinfo[c].depth, tinfo[c].role);
	if (nc < 0)
		return false;
	hw_copy(t_pa(nc), t_pa(c), (uint32_t)F->nent);
	for (int j = 0; j < F->nent; j++)
		model_commit(nc, j, model_get(c, j));
	put(t, i, (e & ~addr_mask) | t_pa(nc));
	return true;
}

/* Copies 1-8 entries of one level from one address space's path to
 * another's (sharing tables, aliasing pages). */
static bool op_copy(void)
{
	/* Mostly PTEs (aliases), less often table pointers (sharing). */
	int d = chance(60) ? F->nlev - 1 : (int)rnd((uint32_t)F->nlev);
	int as_src, as_dst, ts, td, is, id, n;
	int slo, shi, dlo, dhi;
	uint32_t ps = pick_page(), pd = pick_page();
	bool same_index, string_move;

	/* Sharing a whole region between address spaces: rarely, or they
	 * soon all share everything. */
	if ((d == 0 ? F->mode != PT_2LEVEL : F->mode == PT_4LEVEL && d == 1) &&
	    chance(70))
		d = F->nlev - 1 - (int)rnd(2);
	same_index = d == 0 ? F->mode != PT_2LEVEL :
		     F->mode == PT_4LEVEL && d == 1;
	as_src = pick_as();
	as_dst = pick_as();

	if (same_index || (d == F->nlev - 2 && F->mode != PT_2LEVEL &&
			   (ps >= HUGE_VA) != (pd >= HUGE_VA) && chance(50)))
		pd = ps;
	if (same_index && as_src == as_dst)
		as_dst = (as_src + 1 + (int)rnd(NAS - 1)) % NAS;
	op_page = pd;
	td = path_to(as_dst, pd, d, true);
	ts = path_to(as_src, ps, d, false);
	if (td < 0 || ts < 0)
		return false;
	is = va_idx(ps, d);
	id = va_idx(pd, d);
	ctl_range(ts, &slo, &shi);
	ctl_range(td, &dlo, &dhi);
	if (is < slo || is >= shi || id < dlo || id >= dhi)
		return false;
	/* Copying empty entries unmaps: only now and then. */
	if (!(model_get(ts, is) & E_P) && chance(85))
		return false;
	n = same_index ? 1 : 1 + (int)rnd(8);
	if (n > shi - is)
		n = shi - is;
	if (n > dhi - id)
		n = dhi - id;
	if (ts == td && is < id + n && id < is + n) {
		if (is == id)
			return false;
		n = 1;
	}
	/* A string move stores an entry in pieces (REP MOVSB a byte at a
	 * time), and the processor may walk the tables between two pieces
	 * (SDM vol. 3 4.10; shadow paging re-syncs at each): an entry that
	 * maps the kernel is only ever written whole, through put(). */
	string_move = chance(60);
	for (int k = 0; k < n && string_move; k++)
		string_move = !maps_kernel(td, id + k);
	if (string_move) {
		uint64_t old[8];

		int f;

		for (int k = 0; k < n; k++)
			old[k] = model_get(td, id + k);
		f = hw_copy(t_pa(td) + (uint32_t)(id * F->esz),
			    t_pa(ts) + (uint32_t)(is * F->esz), (uint32_t)n);
		for (int k = 0; k < n; k++) {
			uint64_t v = model_get(ts, is + k);

			logit((struct logrec){ .type = LOG_WRITE, .a = (uint8_t)f,
					       .b = (uint8_t)d, .x = (uint32_t)td,
					       .y = (uint32_t)(id + k),
					       .old = old[k], .new = v });
			model_commit(td, id + k, v);
			note_written(td, id + k);
			note_change(td, id + k, old[k], v);
		}
	} else {
		for (int k = 0; k < n; k++)
			put(td, id + k, model_get(ts, is + k));
	}
	return true;
}

static void switch_as(int as)
{
	volatile struct shoot_box *b = &torture_shoot_box;

	if (as == cur_as)
		st.cr3_reloads++;
	else
		st.cr3_switches++;
	cur_as = as;
	local_cr3(t_pa(as_root[as]));
	b->kind = SHOOT_LOAD;
	b->cr3 = t_pa(as_root[as]);
	logit((struct logrec){ .type = LOG_FLUSH, .a = SHOOT_LOAD,
			       .x = b->cr3 });
	if (ncpu > 1)
		shoot_others();
}

static bool op_cr3(void)
{
	op_page = pick_page();
	switch_as((int)rnd(NAS));
	return true;
}

static bool op_flush(void)
{
	op_page = pick_page();
	if (chance(50)) {
		plan.cr3 = true;
	} else {
		plan.r[0] = (struct run){ op_page, 1 };
		plan.n = 1;
	}
	return true;
}

/*
 * Accessed and dirty flags (SDM vol. 3, 4.8): clears them along a path,
 * invalidates (CR3 reload: every level is walked again; invlpg: at least
 * the leaf), makes one access, and reads the entries back. A successful
 * access sets A in each entry it walked, a write sets D in the leaf, a
 * read or fetch does not, and a faulting write leaves D clear.
 */
static bool op_ad(void)
{
	struct walk w;
	uint32_t page = 0;
	int acc = ACC_READ, ring = 0, tries;
	bool full = chance(50), want_fault = chance(25);

	for (tries = 0; tries < 8; tries++) {
		page = pick_page();
		acc = (int)rnd(3);
		ring = (int)rnd(2);
		if (want_fault)
			acc = ACC_WRITE;
		model_walk(page + 0x100, acc, ring, &w);
		if (want_fault ? w.fault && (w.err & PF_P) && !w.rsvd : !w.fault)
			break;
	}
	if (tries == 8)
		return false;
	op_page = page;
	for (int d = 0; d < w.n; d++) {
		int t = w.tbl[d], i = w.idx[d];
		uint64_t e = model_get(t, i);
		bool leaf = d == w.n - 1;

		if (tinfo[t].fixed || (F->mode == PT_PAE && d == 0))
			continue;
		if (leaf)
			put(t, i, e & ~(want_fault ? E_D : E_A | E_D));
		else if (full && !want_fault)
			put(t, i, e & ~E_A);
	}
	check_written();
	plan_run();	/* nothing: A and D do not change translations */
	if (full)
		local_cr3(read_cr3());
	else
		invlpg(page + 0x100);
	verify_access(page, acc, ring);
	if (failed)
		return true;
	for (int d = 0; d < w.n; d++) {
		int t = w.tbl[d], i = w.idx[d];
		uint64_t r = real_get(t, i);
		bool leaf = d == w.n - 1;

		if (tinfo[t].fixed || (F->mode == PT_PAE && d == 0))
			continue;
		if (want_fault) {
			if (leaf && (r & E_D))
				mismatch_entry(t, i, "a faulting write set D:"
					       " memory holds", r,
					       model_get(t, i));
			continue;
		}
		if ((leaf || full) && !(r & E_A))
			mismatch_entry(t, i, "A is clear after an access through"
				       " it: memory holds", r, model_get(t, i));
		else if (leaf && !!(r & E_D) != (acc == ACC_WRITE))
			mismatch_entry(t, i, acc == ACC_WRITE ?
				       "D is clear after a write: memory holds" :
				       "D is set after a read or fetch: memory"
				       " holds", r, model_get(t, i));
		/* The model follows memory: A and D are what they are. */
		model_put(t, i, (model_get(t, i) & ~(E_A | E_D)) |
			  (r & (E_A | E_D)));
	}
	if (want_fault)
		st.ad_fault_checks++;
	else
		st.ad_checks++;
	return true;
}

/* Self-test: the model says a page the current address space writes is
 * read-only (memory is left alone); the next write to it must show. */
static void inject_model_fault(void)
{
	struct walk w;

	for (int tries = 0; tries < 100000; tries++) {
		uint32_t page = pick_page();

		model_walk(page, ACC_WRITE, 0, &w);
		if (w.fault)
			continue;
		model_put(w.tbl[w.n - 1], w.idx[w.n - 1],
			  w.ent[w.n - 1] & ~E_W);
		printf("torture: inject=3: the model of table #%d entry %d"
		       " now says read-only (page 0x%x)\n", w.tbl[w.n - 1],
		       w.idx[w.n - 1], page);
		verify_access(page, ACC_WRITE, 0);
		return;
	}
}

static void do_op(void)
{
	uint32_t total = 0, r;
	int kind = OP_MAP4K;
	bool done = false;

	for (int k = 0; k < OP_COUNT; k++)
		total += op_weight[k];
	for (int tries = 0; tries < 8 && !done; tries++) {
		uint32_t rec = log_next;

		r = rnd(total);
		for (kind = 0; r >= op_weight[kind]; kind++)
			r -= op_weight[kind];
		op_page = 0;
		logit((struct logrec){ .type = LOG_OP, .a = (uint8_t)kind,
				       .b = (uint8_t)cur_as });
		switch (kind) {
		case OP_MAP4K:
			done = op_map4k();
			break;
		case OP_MAP_PAIR:
			done = op_map_pair();
			break;
		case OP_MAP_SUPER:
			done = op_map_super(false);
			break;
		case OP_UNMAP:
			done = op_unmap();
			break;
		case OP_PROTECT:
			done = op_protect();
			break;
		case OP_SPLIT:
			done = op_split();
			break;
		case OP_ZAP:
			done = op_zap();
			break;
		case OP_CLONE:
			done = op_clone();
			break;
		case OP_COPY:
			done = op_copy();
			break;
		case OP_CR3:
			done = op_cr3();
			break;
		case OP_AD:
			done = op_ad();
			break;
		case OP_RSVD:
			done = rsvd_bit && op_map_super(true);
			break;
		default:
			done = op_flush();
			break;
		}
		if (log_next - rec <= LOGN)
			logbuf[rec % LOGN].x = op_page;
		/* A failed attempt may have made tables on the way. */
		check_written();
		plan_run();
	}
	if (!done) {
		kind = OP_FLUSH;
		op_flush();
		plan_run();
	}
	st.ops[kind]++;
	st.ops_cpu[cur_cpu]++;
	if (opt_inject == 3 && op_index == INJECT_AT)
		inject_model_fault();
	if (op_page) {
		recent[nrecent++ % RECENT] = op_page;
	}
}

/* A page to check: more often than not one the model maps (else most
 * checks would be of not-present entries). */
static uint32_t pick_verify_page(void)
{
	uint32_t page = pick_page();
	struct walk w;

	for (int k = 0; k < 8 && chance(75); k++) {
		model_walk(page, ACC_READ, 0, &w);
		if (!w.fault || (w.err & PF_P))
			break;
		page = pick_page();
	}
	return page;
}

static void verify_some(uint32_t n)
{
	if (op_page)
		verify_access(op_page, (int)rnd(3), (int)rnd(2));
	for (uint32_t k = 0; k < n && !failed; k++)
		verify_access(pick_verify_page(), (int)rnd(3), (int)rnd(2));
}

/* ---- the other CPUs ---- */

enum { CMD_NONE, CMD_ENTER, CMD_LEAVE, CMD_OP, CMD_VERIFY };

static struct {
	uint8_t apic_id;
	volatile uint32_t online;
	volatile uint32_t cmd, seq, done;
} aps[MAX_CPUS];
static uint8_t ap_stacks[MAX_CPUS][AP_STACK_SIZE] __attribute__((aligned(16)));
static struct {
	uint16_t limit;
	uint32_t base;
	uint16_t pad[3];
} __attribute__((packed)) idt32, idt64;
static uint32_t mode_cr4, mode_efer;	/* what the APs turn on */
static bool mode_long;

static void step_op(int cpu)
{
	cur_cpu = cpu;
	do_op();
	verify_some(ncpu > 1 ? 0 : opt_verify);
}

static void step_verify(int cpu)
{
	cur_cpu = cpu;
	verify_some(opt_verify);
}

static void ap_mode_enter(void)
{
	write_cr4((read_cr4() & ~(CR4_PAE | CR4_PSE)) | mode_cr4);
	write_cr3(t_pa(as_root[cur_as]));
	if (mode_efer)
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | mode_efer);
	write_cr0(read_cr0() | CR0_PG | CR0_WP);
	if (mode_long) {
		__asm__ volatile("lidt %0" : : "m"(idt64));
		desc_load_tss(true);
	}
}

static void ap_mode_leave(void)
{
	if (mode_long)
		__asm__ volatile("lidt %0" : : "m"(idt32));
	write_cr0(read_cr0() & ~CR0_PG);
	if (mode_efer)
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) & ~(uint64_t)mode_efer);
	write_cr4(read_cr4() & ~(CR4_PAE | CR4_PSE));
	if (mode_long)
		desc_load_tss(false);
}

/* An AP: takes the BSP's IDT (probes recover from faults there), then
 * runs what the BSP asks, taking shootdown IPIs while it waits. */
static void ap_main(uint32_t index)
{
	__asm__ volatile("lidt %0" : : "m"(idt32));
	desc_load_tss(false);
	lapic_enable(VEC_SPURIOUS);
	__atomic_store_n(&aps[index].online, 1, __ATOMIC_SEQ_CST);
	for (;;) {
		uint32_t seq;

		while ((seq = __atomic_load_n(&aps[index].seq,
					      __ATOMIC_SEQ_CST)) ==
		       aps[index].done)
			__asm__ volatile("sti; nop; pause; cli" ::: "memory");
		switch (aps[index].cmd) {
		case CMD_ENTER:
			ap_mode_enter();
			break;
		case CMD_LEAVE:
			ap_mode_leave();
			break;
		case CMD_OP:
			step_op((int)index);
			break;
		case CMD_VERIFY:
			step_verify((int)index);
			break;
		}
		__atomic_store_n(&aps[index].done, seq, __ATOMIC_SEQ_CST);
	}
}

/* Runs cmd on cpu (0: here) and waits for it, taking IPIs meanwhile.
 * The waits open the interrupt window with "sti; nop; pause; cli": QEMU
 * TCG never delivers an interrupt in "sti; pause; cli", as its PAUSE
 * leaves the CPU loop inside STI's one-instruction shadow. */
static void run_on(int cpu, uint32_t cmd)
{
	uint32_t seq, spins = 0;

	if (cpu == 0) {
		if (cmd == CMD_OP)
			step_op(0);
		else if (cmd == CMD_VERIFY)
			step_verify(0);
		return;
	}
	aps[cpu].cmd = cmd;
	seq = aps[cpu].seq + 1;
	__atomic_store_n(&aps[cpu].seq, seq, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&aps[cpu].done, __ATOMIC_SEQ_CST) != seq) {
		__asm__ volatile("sti; nop; pause; cli" ::: "memory");
		if (++spins == SPIN_LIMIT) {
			cur_cpu = 0;
			report_stall("did not finish its step", cpu);
			return;
		}
	}
	cur_cpu = 0;
}

/* The CPUs the MADT lists as enabled, the BSP first. */
static int find_cpus(void)
{
	const struct acpi_madt *madt = acpi_find_madt();

	if (!madt)
		return 1;
	lapic_pa = madt->lapic_addr;
	lapic_set_base(lapic_pa);
	cpu_apic[0] = lapic_id();
	return 1 + acpi_madt_enabled_cpus(madt, cpu_apic[0], &cpu_apic[1],
					  MAX_CPUS - 1);
}

/* Starts the first AP, if there is one; the other CPUs stay asleep. */
static void start_smp(void)
{
	struct ap_boot_result res;
	int listed = find_cpus();
	uint32_t spins = 0;

	check_note("%d CPU(s) in the MADT%s", listed,
		   listed > 2 ? "; the BSP and the first AP take part" : "");
	if (listed < 2)
		return;
	/* Nothing from the 8259s: this kernel takes IPIs only. */
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	lapic_write(LAPIC_LVT_LINT0, lapic_read(LAPIC_LVT_LINT0) | LVT_MASKED);
	irq_init();
	irq_set_handler(VEC_SHOOT, on_shoot);
	irq_set_handler(VEC_SPURIOUS, on_spurious);
	lapic_enable(VEC_SPURIOUS);
	torture_lapic_eoi = lapic_base() + LAPIC_EOI;
	__asm__ volatile("sidt %0" : "=m"(idt32));
	ap_boot_install(AP_TRAMPOLINE);
	if (!check(ap_boot_start(cpu_apic[1],
				 (uint32_t)(ap_stacks[1] + AP_STACK_SIZE),
				 ap_main, 1, 1000000, &res),
		   "AP with APIC ID %u started (INIT, SIPI, SIPI)",
		   cpu_apic[1]))
		return;
	while (!__atomic_load_n(&aps[1].online, __ATOMIC_SEQ_CST))
		if (++spins == SPIN_LIMIT)
			return;
	ncpu = 2;
}

static void aps_run(uint32_t cmd)
{
	for (int c = 1; c < ncpu; c++)
		run_on(c, cmd);
}

/* Gate for vector in the 64-bit IDT the runtime loaded (SDM vol. 3,
 * 6.14.1): 64-bit interrupt gate, DPL 0, no IST. */
static void set_gate64(uint8_t vector, uint32_t handler)
{
	volatile uint32_t *g = (volatile uint32_t *)(idt64.base + 16u * vector);

	g[0] = (handler & 0xffff) | (uint32_t)SEL_KCODE64 << 16;
	g[1] = (handler & 0xffff0000u) | 0x8e00;
	g[2] = 0;
	g[3] = 0;
}

/* ---- one paging mode ---- */

static void tables_reset(void)
{
	memset(tinfo, 0, sizeof(tinfo));
	tables_used = 0;
}

static int alloc_root(void)
{
	int t = table_alloc(0, ROLE_NONE);

	if (t >= 0) {
		tinfo[t].root = 1;
		tinfo[t].refs = 1;
	}
	return t;
}

/* The address spaces: identity map (with large pages) of [0, ident_end)
 * and of the local APIC in each; the regions start partly shared. */
static bool build(void)
{
	int pd0 = -1, pd3 = -1, p[NAS], rpd = -1;
	uint64_t big = F->mode == PT_2LEVEL ? PT_4M : PT_2M;
	uint32_t lapic_page = lapic_pa & ~(uint32_t)(big - 1);
	uint64_t mmio = E_P | E_W | E_PS | E_PCD | E_PWT;

	tables_reset();
	building = true;
	if (F->mode != PT_2LEVEL) {
		pd0 = table_alloc(F->nlev - 2, ROLE_NONE);
		pd3 = table_alloc(F->nlev - 2, ROLE_NONE);
		if (pd0 < 0 || pd3 < 0 || lapic_pa < 0xc0000000u)
			return false;
		tinfo[pd0].fixed = tinfo[pd3].fixed = 1;
		for (uint32_t a = 0; a < ident_end; a += PT_2M)
			put(pd0, (int)(a >> 21), a | E_P | E_W | E_U | E_PS);
		put(pd3, (int)((lapic_page >> 21) & 511), lapic_page | mmio);
	}
	for (int a = 0; a < NAS; a++) {
		int r = alloc_root();

		if (r < 0)
			return false;
		as_root[a] = r;
		switch (F->mode) {
		case PT_2LEVEL:
			for (uint32_t x = 0; x < ident_end; x += PT_4M)
				put(r, (int)(x >> 22), x | E_P | E_W | E_U | E_PS);
			put(r, (int)(lapic_page >> 22), lapic_page | mmio);
			break;
		case PT_PAE:
			put(r, 0, t_pa(pd0) | E_P);
			put(r, 3, t_pa(pd3) | E_P);
			if (a == 0 || a == 2) {
				rpd = table_alloc(1, ROLE_REGION);
				if (rpd < 0)
					return false;
			}
			if (a != 3)
				put(r, 1, t_pa(rpd) | E_P);
			break;
		default:
			if (a == 1) {
				put(r, 0, model_get(as_root[0], 0));
				break;
			}
			p[a] = table_alloc(1, ROLE_NONE);
			if (p[a] < 0)
				return false;
			put(p[a], 0, t_pa(pd0) | E_P | E_W | E_U);
			put(p[a], 3, t_pa(pd3) | E_P | E_W | E_U);
			if (a == 0) {
				rpd = table_alloc(2, ROLE_REGION);
				if (rpd < 0)
					return false;
			} else if (a == 3) {
				rpd = -1;
				if (gb1)
					put(p[a], 2, leaf_entry(0, 1));
			}
			if (rpd >= 0)
				put(p[a], 1, t_pa(rpd) | E_P | E_W | E_U);
			put(r, 0, t_pa(p[a]) | E_P | E_W | E_U);
			break;
		}
	}
	building = false;
	nwritten = 0;
	return true;
}

static void stats_add(struct stats *to, const struct stats *s)
{
	uint32_t *a = (uint32_t *)to;
	const uint32_t *b = (const uint32_t *)s;

	for (size_t k = 0; k < sizeof(*s) / 4; k++)
		a[k] += b[k];
}

/* Lines stay below 200 characters: Shale cuts domain console lines at
 * 256. Counts of one kind may take several lines with the same start. */
static void print_counts(const char *scope, const char *what,
			 const char *const *names, const uint32_t *n, int count,
			 int per_line)
{
	for (int k = 0; k < count; k++) {
		if (k % per_line == 0)
			printf("%s: %s:", scope, what);
		printf(" %s %u", names[k], n[k]);
		if (k % per_line == per_line - 1 || k == count - 1)
			printf("\n");
	}
}

static void print_stats(const char *scope, const struct stats *s)
{
	print_counts(scope, "operations", op_names, s->ops, OP_COUNT, 7);
	printf("%s: superpages: maps %u, 1G maps %u, splits %u, 1G splits"
	       " %u\n", scope, s->super_maps[0], s->super_maps[2],
	       s->splits[0], s->splits[2]);
	print_counts(scope, "forms", form_names, s->forms, F_COUNT, 6);
	printf("%s: flushes: invlpg %u runs (%u pages), CR3 reload %u, CR3"
	       " switch %u, shootdown IPIs %u\n", scope, s->invlpg_runs,
	       s->invlpg_pages, s->cr3_reloads, s->cr3_switches, s->shootdowns);
	printf("%s: no flush: none needed (not-present mapped) %u, skipped"
	       " (permission upgrade) %u, spurious #PF %u\n", scope,
	       s->noflush_map, s->noflush_upgrade, s->spurious);
	printf("%s: accesses: read %u, write %u, fetch %u (ring 3 %u), fetch"
	       " checks made reads after a one-invlpg large-page flush %u\n",
	       scope, s->acc[0], s->acc[1], s->acc[2], s->acc_user,
	       s->fetch_as_read);
	printf("%s: faults: #PF %u (reserved bit %u, of those without P %u),"
	       " not-present entries left alone %u\n", scope, s->faults,
	       s->rsvd_faults, s->rsvd_no_p, s->np_untouched);
	printf("%s: entries: A/D checks %u, D after faulting write %u, entries"
	       " read back %u, full compares %u\n", scope, s->ad_checks,
	       s->ad_fault_checks, s->readbacks, s->compares);
	printf("%s: cpus:", scope);
	for (int c = 0; c < ncpu; c++)
		printf(" [cpu %d: %u operations, %u accesses]", c,
		       s->ops_cpu[c], s->verify_cpu[c]);
	printf("; tables allocated %u, freed %u\n", s->tables_alloc,
	       s->tables_free);
}

static void run_mode(int fi, uint32_t nops)
{
	char scope[32];
	struct pt pt;
	uint32_t flags = 0;
	bool ok;

	F = &fmts[fi];
	snprintf(scope, sizeof(scope), "torture: %s", F->name);
	check_scope("%s", scope);
	if ((F->mode == PT_2LEVEL && !cpu_pse) ||
	    (F->mode == PT_PAE && !cpu_pae) ||
	    (F->mode == PT_4LEVEL && !(cpu_pae && cpu_lm))) {
		check_note("skipped: CPUID lacks %s", F->mode == PT_2LEVEL ?
			   "PSE" : F->mode == PT_PAE ? "PAE" : "long mode");
		return;
	}
	memset(&st, 0, sizeof(st));
	memset(pend, 0, sizeof(pend));
	nxe = F->mode != PT_2LEVEL && cpu_nx;
	pse_on = F->mode == PT_2LEVEL;
	gb1 = F->mode == PT_4LEVEL && cpu_1g;
	huge_on = F->mode == PT_4LEVEL;
	lm_active = false;
	addr_mask = F->mode == PT_2LEVEL ? 0xfffff000ull : 0x000ffffffffff000ull;
	if (F->mode == PT_2LEVEL)
		rsvd_bit = maxphy <= 40 ? 1ull << 21 : 0;
	else
		rsvd_bit = maxphy < 52 ? 1ull << maxphy : 0;
	cur_as = 0;
	nrecent = 0;
	for (int k = 0; k < HOT; k++)
		hot[k] = REGION_VA + rnd(REGION_SIZE / (4 * MIB)) * 4 * MIB;
	log_next = 0;
	op_index = 0;
	plan.n = plan.nsuper = 0;
	plan.cr3 = false;
	memset(xstale, 0, sizeof(xstale));
	ok = build();
	if (!check(ok, "address spaces built: %d tables, identity map"
		   " 0-0x%x, region 0x%x-0x%x%s", tables_used, ident_end,
		   REGION_VA, REGION_VA + REGION_SIZE,
		   huge_on ? ", 1 GiB slot at 0x80000000" : ""))
		return;

	if (pse_on)
		flags |= MODE_PSE;
	if (nxe)
		flags |= MODE_NXE;
	pt.mode = F->mode;
	pt.root = t_pa(as_root[0]);
	mode_enter(&pt, flags);
	mode_long = F->mode == PT_4LEVEL;
	lm_active = mode_long;
	mode_cr4 = F->mode == PT_2LEVEL ? CR4_PSE : CR4_PAE;
	mode_efer = (nxe ? EFER_NXE : 0) | (mode_long ? EFER_LME : 0);
	if (mode_long) {
		__asm__ volatile("sidt %0" : "=m"(idt64));
		if (ncpu > 1) {
			extern char torture_shoot64[], torture_spurious64[];

			set_gate64(VEC_SHOOT, (uint32_t)torture_shoot64);
			set_gate64(VEC_SPURIOUS, (uint32_t)torture_spurious64);
		}
	}
	aps_run(CMD_ENTER);

	for (op_index = 0; op_index < nops && !failed; op_index++, op_global++) {
		int c = ncpu > 1 ? (int)rnd((uint32_t)ncpu) : 0;

		run_on(c, CMD_OP);
		if (ncpu > 1 && !failed)
			run_on(c ? 0 : 1, CMD_VERIFY);
		if (!failed && opt_compare && (op_index + 1) % opt_compare == 0)
			compare_all();
		if ((op_global + 1) % 100000 == 0)
			printf("torture: progress: %u operations (%s: %u of %u),"
			       " %u mismatches, %d tables in use\n",
			       op_global + 1, F->name, op_index + 1, nops,
			       mismatches, tables_used);
	}
	if (!failed)
		compare_all();

	aps_run(CMD_LEAVE);
	mode_leave();
	lm_active = false;
	print_stats(scope, &st);
	stats_add(&st_total, &st);
	check(!failed, "%u operations, %u mismatches (seed %u)", op_index,
	      mismatches, opt_seed);
}

/* Picks 4 MiB for tables and model and 8 MiB of frames, 4M-aligned,
 * above the image and in one RAM range. */
static bool find_memory(void)
{
	const struct mb_range *r;
	const char *source;
	int n = mb_ram_ranges(&r, &source);
	uint64_t first = (runtime_image_end() + PT_4M - 1) & ~(PT_4M - 1);
	uint64_t need = AREA_SIZE + FRAMES_SIZE;

	for (int i = 0; i < n; i++) {
		uint64_t lo = (r[i].base + PT_4M - 1) & ~(PT_4M - 1);

		if (lo < first)
			lo = first;
		if (lo + need <= r[i].base + r[i].len &&
		    lo + need <= 0x40000000u) {
			tables_pa = (uint32_t)lo;
			model_pa = tables_pa + TABLES * PAGE;
			frames_pa = tables_pa + AREA_SIZE;
			ident_end = frames_pa + FRAMES_SIZE;
			return true;
		}
	}
	return false;
}

static void parse_cmdline(void)
{
	const char *s = mb_cmdline();

	mb_cmdline_uint("seed", &opt_seed);
	mb_cmdline_uint("ops", &opt_ops);
	mb_cmdline_uint("verify", &opt_verify);
	mb_cmdline_uint("compare", &opt_compare);
	mb_cmdline_uint("inject", &opt_inject);
	mb_cmdline_uint("strict_fetch", &opt_strict_fetch);
	mb_cmdline_uint("trace", &opt_trace);
	while (*s) {
		while (*s == ' ')
			s++;
		if (!strncmp(s, "mode=", 5)) {
			for (int k = 0; k < 3; k++) {
				size_t l = strlen(fmts[k].arg);

				if (!strncmp(s + 5, fmts[k].arg, l) &&
				    (s[5 + l] == ' ' || !s[5 + l]))
					opt_mode = k;
			}
		}
		while (*s && *s != ' ')
			s++;
	}
}

int guest_main(void)
{
	uint32_t a, b, c, d, per, nmodes;
	bool ok;

	check_scope("torture");
	parse_cmdline();
	cpu_pse = cpuid_has_1_edx(CPUID_1_EDX_PSE);
	cpu_pae = cpuid_has_1_edx(CPUID_1_EDX_PAE);
	cpu_nx = cpuid_has_x1_edx(CPUID_X1_EDX_NX);
	cpu_lm = cpuid_has_x1_edx(CPUID_X1_EDX_LM);
	cpu_1g = cpuid_has_x1_edx(CPUID_X1_EDX_PDPE1GB);
	cpuid(1, 0, &a, &b, &c, &d);
	cpu_cx16 = c & (1u << 13);
	cpuid(0x80000000u, 0, &a, &b, &c, &d);
	if (a >= 0x80000008u) {
		cpuid(0x80000008u, 0, &a, &b, &c, &d);
		maxphy = a & 0xff;
	}
	check_note("seed %u, %u operations, mode %s, %u checked accesses per"
		   " operation and CPU, full compare every %u%s", opt_seed,
		   opt_ops, opt_mode < 0 ? "all" : fmts[opt_mode].name,
		   opt_verify + 1, opt_compare,
		   opt_inject ? " (self-test injection on: must FAIL)" : "");
	check_note("cpuid: pse=%d pae=%d nx=%d lm=%d pdpe1gb=%d cx16=%d"
		   " maxphyaddr=%u", cpu_pse, cpu_pae, cpu_nx, cpu_lm, cpu_1g,
		   cpu_cx16, maxphy);
	if (!cpu_cx16)
		check_note("lock cmpxchg16b not used: CPUID.1:ECX.CX16 is"
			   " clear");
	ok = find_memory();
	if (!check(ok, "tables at 0x%x, model at 0x%x, frames"
		   " 0x%x-0x%x", tables_pa, model_pa, frames_pa, ident_end))
		return check_finish();
	fill_frames();
	rng_seed(opt_seed);
	start_smp();

	nmodes = opt_mode < 0 ? 3 : 1;
	per = opt_ops / nmodes;
	for (uint32_t k = 0; k < nmodes && !failed; k++) {
		uint32_t n = k == nmodes - 1 ? opt_ops - per * (nmodes - 1) : per;

		run_mode(opt_mode < 0 ? (int)k : opt_mode, n);
	}
	check_scope("torture");
	F = &fmts[2];
	print_stats("torture: total", &st_total);
	check(!failed && op_global == opt_ops, "%u operations, %u mismatches",
	      op_global, mismatches);
	return check_finish();
}
