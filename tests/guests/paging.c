/* SPDX-License-Identifier: MIT */
/* paging.elf: checks the MMU in every paging mode: 2-level (4K pages, and
 * 4M pages with CR4.PSE), PAE (4K, 2M) and 4-level in long mode (4K, 2M,
 * and 1G when CPUID offers pdpe1gb). For each it maps and unmaps test
 * pages and checks translation, invlpg and CR3 reloads, not-present
 * faults, U/S, R/W with CR0.WP on and off, NX, the same permissions in a
 * parent entry, and A/D bits; every #PF must carry the exact error code and
 * CR2 (SDM vol. 3, 4.7; AMD APM vol. 2, 8.4.2). Runs: guest (test kernel). */
#include <stdarg.h>

#include "cpuid.h"
#include "mode.h"
#include "probe.h"
#include "pt.h"
#include "runtime.h"
#include "trap.h"
#include "x86.h"

/* #PF error code bits. */
#define PF_P	0x01u	/* a protection violation, not a not-present page */
#define PF_W	0x02u	/* a write */
#define PF_U	0x04u	/* from ring 3 */
#define PF_I	0x10u	/* an instruction fetch (only with NX enabled) */

#define MIB		0x100000u
#define TEST_VA		0x40000000u	/* page A; clear of the identity map */
#define SCRATCH_SIZE	(8 * MIB)	/* two 4M-aligned frames of 4M */
#define MARK_F1		0xf1f1f1f1u	/* what frame 1 holds at the data cell */
#define RET		0xc3		/* the code a successful exec probe runs */

/* One mode and page size to test. */
struct config {
	const char *mode_name, *size_name;
	enum pt_mode mode;
	uint64_t size;		/* of the test pages */
	uint32_t mode_flags;	/* MODE_PSE for 4M pages */
	uint64_t parent_span;	/* span of the test page's parent entry when
				 * it holds U/W/NX and maps nothing else of
				 * ours; 0 for none */
	const char *parent_name;
};

static const struct config configs[] = {
	{ "2-level", "4K", PT_2LEVEL, PT_4K, 0, PT_4M, "PDE" },
	{ "2-level", "4M", PT_2LEVEL, PT_4M, MODE_PSE, 0, NULL },
	{ "PAE", "4K", PT_PAE, PT_4K, 0, PT_2M, "PDE" },
	/* PAE PDPTEs have no U, W or NX bits */
	{ "PAE", "2M", PT_PAE, PT_2M, 0, 0, NULL },
	{ "4-level", "4K", PT_4LEVEL, PT_4K, 0, PT_2M, "PDE" },
	{ "4-level", "2M", PT_4LEVEL, PT_2M, 0, PT_1G, "PDPTE" },
	/* the PML4E above a 1G page maps the identity map too */
	{ "4-level", "1G", PT_4LEVEL, PT_1G, 0, 0, NULL },
};

/* What the checks of one config work on. */
static struct {
	const struct config *c;
	struct pt pt;
	bool nx;		/* EFER.NXE is on: NX checks run, I bit set */
	uint32_t i_bit;		/* PF_I if nx, else 0 */
	uint32_t v0, v1;	/* two test pages, both on frame f0 */
	uint64_t f0;		/* the test pages' frame (size-aligned) */
	uint32_t data, code;	/* offsets of the data cell and the RET */
	uint32_t cell0;		/* physical address of the data cell in f0 */
	uint32_t cell1;		/* ... and in the frame v0 is remapped to */
} t;

static uint32_t scratch;	/* physical, 4M-aligned, SCRATCH_SIZE long */
static uint32_t ident_end;	/* identity map [0, ident_end) */
static bool cpu_nx, cpu_pse, cpu_pae, cpu_lm, cpu_1g;

static uint32_t peek(uint32_t pa)
{
	return *(volatile uint32_t *)pa;
}

static void poke(uint32_t pa, uint32_t v)
{
	*(volatile uint32_t *)pa = v;
}

/* A leaf entry for frame with flags (PS added for large pages). */
static uint64_t leaf(uint64_t frame, uint64_t flags)
{
	return frame | flags | (t.c->size > PT_4K ? PT_PS : 0);
}

/* Rewrites v0's leaf entry and invalidates it with invlpg. */
static void set_v0(uint64_t entry)
{
	pt_set(&t.pt, t.v0, t.c->size, entry);
	invlpg(t.v0 + t.data);
}

static uint64_t get_v0(void)
{
	return pt_get(&t.pt, t.v0, t.c->size);
}

/* Formats "supervisor WHAT" or "user WHAT" into buf. */
static void describe(char *buf, size_t size, int ring, const char *fmt,
		     va_list ap)
{
	int n = snprintf(buf, size, "%s ", ring ? "user" : "supervisor");

	vsnprintf(buf + n, size - n, fmt, ap);
}

/* Checks that op at addr from ring faults with #PF, error code err and
 * CR2 = addr (and, for a fetch, EIP = addr). fmt describes the access. */
__attribute__((format(printf, 5, 6)))
static void expect_pf(enum probe_op op, int ring, uint32_t addr,
		      uint32_t err, const char *fmt, ...)
{
	struct probe_result r = probe(op, ring, addr, 0x5ca1ab1e);
	char what[128];
	va_list ap;
	bool ok;

	va_start(ap, fmt);
	describe(what, sizeof(what), ring, fmt, ap);
	va_end(ap);
	if (!r.faulted) {
		check(false, "%s: no fault (expected #PF err=0x%x)", what, err);
		return;
	}
	ok = r.vector == VEC_PF && r.error == err && r.cr2 == addr &&
	     (op != PROBE_EXEC || r.eip == addr);
	if (ok)
		check(true, "%s: #PF err=0x%x cr2=0x%llx", what, r.error,
		      r.cr2);
	else
		check(false, "%s: %s err=0x%x cr2=0x%llx eip=0x%x (expected"
		      " #PF err=0x%x cr2=0x%x)", what, trap_name(r.vector),
		      r.error, r.cr2, r.eip, err, addr);
}

/* Checks that op at addr from ring does not fault and, for a read, that
 * it reads want. */
__attribute__((format(printf, 5, 6)))
static void expect_ok(enum probe_op op, int ring, uint32_t addr,
		      uint32_t value, const char *fmt, ...)
{
	struct probe_result r = probe(op, ring, addr, value);
	char what[128];
	va_list ap;

	va_start(ap, fmt);
	describe(what, sizeof(what), ring, fmt, ap);
	va_end(ap);
	if (r.faulted)
		check(false, "%s: %s err=0x%x cr2=0x%llx (expected no fault)",
		      what, trap_name(r.vector), r.error, r.cr2);
	else if (op != PROBE_READ)
		check(true, "%s: no fault", what);
	else if (r.value == value)
		check(true, "%s: read 0x%08x", what, r.value);
	else
		check(false, "%s: read 0x%08x (expected 0x%08x)", what,
		      r.value, value);
}

#define expect_read(ring, addr, want, ...) \
	expect_ok(PROBE_READ, ring, addr, want, __VA_ARGS__)
#define expect_write(ring, addr, value, ...) \
	expect_ok(PROBE_WRITE, ring, addr, value, __VA_ARGS__)
#define expect_exec(ring, addr, ...) \
	expect_ok(PROBE_EXEC, ring, addr, 0, __VA_ARGS__)

/* Points v0 at the other frame (cell1 then shows through v0's data cell),
 * or back at f0. A 1G page has no second 1G frame of RAM to move to, so
 * it is replaced by a page directory whose 2M page covers cell1. */
static void remap_v0(bool to_other)
{
	if (!to_other) {
		pt_set(&t.pt, t.v0, t.c->size, leaf(t.f0, PT_W | PT_U | PT_P));
	} else if (t.c->size == PT_1G) {
		uint32_t va = (t.v0 + t.data) & ~(uint32_t)(PT_2M - 1);

		pt_set(&t.pt, t.v0, PT_1G, 0);
		pt_map(&t.pt, va, t.cell1 & ~(uint32_t)(PT_2M - 1), PT_2M,
		       PT_W | PT_U);
	} else {
		pt_set(&t.pt, t.v0, t.c->size,
		       leaf(t.f0 + SCRATCH_SIZE / 2, PT_W | PT_U | PT_P));
	}
}

/* Two pages on one frame see each other's writes; user pages work from
 * both rings, for data and for code. */
static void check_translation(void)
{
	uint32_t a0 = t.v0 + t.data, a1 = t.v1 + t.data;
	uint32_t x0 = t.v0 + t.code;

	expect_write(0, a0, 0x11111111, "write through page A");
	expect_read(0, a1, 0x11111111, "read through page B on the same"
		    " frame");
	check(peek(t.cell0) == 0x11111111, "the frame holds what page A"
	      " wrote: 0x%08x", peek(t.cell0));
	expect_write(0, a1, 0x22222222, "write through page B");
	expect_read(0, a0, 0x22222222, "read through page A");
	expect_read(3, a0, 0x22222222, "read of a user page");
	expect_write(3, a1, 0x33333333, "write to a user page");
	expect_read(0, a0, 0x33333333, "read after the user write");
	expect_exec(0, x0, "fetch from a user page");
	expect_exec(3, x0, "fetch from a user page");
}

/* A changed translation takes effect after invlpg, and after a CR3
 * reload. */
static void check_remap(void)
{
	uint32_t a0 = t.v0 + t.data, old = peek(t.cell0);

	remap_v0(true);
	invlpg(a0);
	expect_read(0, a0, MARK_F1, "read after remapping page A to another"
		    " frame and invlpg");
	remap_v0(false);
	invlpg(a0);
	expect_read(0, a0, old, "read after remapping page A back and"
		    " invlpg");
	remap_v0(true);
	flush_tlb();
	expect_read(0, a0, MARK_F1, "read after remapping page A to another"
		    " frame and CR3 reload");
	remap_v0(false);
	flush_tlb();
	expect_read(0, a0, old, "read after remapping page A back and CR3"
		    " reload");
}

/* An entry with P clear faults for every access, whatever its other
 * bits say; the error code has P clear. */
static void check_not_present(void)
{
	uint32_t a = t.v0 + t.data, x = t.v0 + t.code, old = peek(t.cell0);

	set_v0(leaf(t.f0, PT_W | PT_U));	/* unmapped: P clear only */
	expect_pf(PROBE_READ, 0, a, 0, "read of a not-present page");
	expect_pf(PROBE_WRITE, 0, a, PF_W, "write to a not-present page");
	expect_pf(PROBE_READ, 3, a, PF_U, "read of a not-present page");
	expect_pf(PROBE_WRITE, 3, a, PF_W | PF_U,
		  "write to a not-present page");
	expect_pf(PROBE_EXEC, 0, x, t.i_bit, "fetch from a not-present page");
	expect_pf(PROBE_EXEC, 3, x, PF_U | t.i_bit,
		  "fetch from a not-present page");
	check(peek(t.cell0) == old, "faulting writes left the frame alone:"
	      " 0x%08x", peek(t.cell0));
	set_v0(0);				/* unmapped: entry zeroed */
	expect_pf(PROBE_READ, 0, a, 0, "read of a page whose entry is zero");
	expect_pf(PROBE_WRITE, 3, a, PF_W | PF_U,
		  "write to a page whose entry is zero");
	set_v0(leaf(t.f0, PT_P | PT_W | PT_U));
	expect_read(0, a, old, "read after mapping the page again and"
		    " invlpg");
}

/* U=0: ring 3 faults with P and U set; ring 0 may do anything. */
static void check_user_supervisor(void)
{
	uint32_t a = t.v0 + t.data, x = t.v0 + t.code, old = peek(t.cell0);

	set_v0(leaf(t.f0, PT_P | PT_W));
	expect_pf(PROBE_READ, 3, a, PF_P | PF_U, "read of a supervisor page");
	expect_pf(PROBE_WRITE, 3, a, PF_P | PF_W | PF_U,
		  "write to a supervisor page");
	expect_pf(PROBE_EXEC, 3, x, PF_P | PF_U | t.i_bit,
		  "fetch from a supervisor page");
	expect_read(0, a, old, "read of a supervisor page");
	expect_write(0, a, 0x44444444, "write to a supervisor page");
	expect_exec(0, x, "fetch from a supervisor page");
}

/* W=0: ring 3 writes fault; ring 0 writes fault only with CR0.WP=1. */
static void check_read_write(void)
{
	uint32_t a = t.v0 + t.data, old = peek(t.cell0);

	set_v0(leaf(t.f0, PT_P | PT_U));
	expect_read(3, a, old, "read of a read-only page");
	expect_pf(PROBE_WRITE, 3, a, PF_P | PF_W | PF_U,
		  "write to a read-only page");
	expect_pf(PROBE_WRITE, 0, a, PF_P | PF_W,
		  "write to a read-only page with CR0.WP=1");
	/* No TLB flush: CR0.WP applies at each access. */
	write_cr0(read_cr0() & ~CR0_WP);
	expect_write(0, a, 0x55555555,
		     "write to a read-only page with CR0.WP=0");
	check(peek(t.cell0) == 0x55555555, "the CR0.WP=0 write reached the"
	      " frame: 0x%08x", peek(t.cell0));
	expect_pf(PROBE_WRITE, 3, a, PF_P | PF_W | PF_U,
		  "write to a read-only page with CR0.WP=0");
	write_cr0(read_cr0() | CR0_WP);
	set_v0(leaf(t.f0, PT_P));
	expect_pf(PROBE_WRITE, 0, a, PF_P | PF_W,
		  "write to a read-only supervisor page with CR0.WP=1");
	expect_read(0, a, 0x55555555, "read of a read-only supervisor page");
}

/* NX=1 forbids fetches only; the fault has P and I set. */
static void check_nx(void)
{
	uint32_t a = t.v0 + t.data, x = t.v0 + t.code, old = peek(t.cell0);

	if (t.c->mode == PT_2LEVEL) {
		check_note("NX checks skipped: 2-level entries have no NX bit");
		return;
	}
	if (!t.nx) {
		check_note("NX checks skipped: CPUID 0x80000001 EDX bit 20"
			   " (NX) is clear");
		return;
	}
	set_v0(leaf(t.f0, PT_P | PT_W | PT_U | PT_NX));
	expect_pf(PROBE_EXEC, 0, x, PF_P | PF_I, "fetch from an NX page");
	expect_pf(PROBE_EXEC, 3, x, PF_P | PF_U | PF_I,
		  "fetch from an NX page");
	expect_read(0, a, old, "read of an NX page");
	expect_write(3, a, 0x66666666, "write to an NX page");
	set_v0(leaf(t.f0, PT_P | PT_W | PT_U));
	expect_exec(0, x, "fetch after clearing NX and invlpg");
}

/* The walk sets A in the leaf on any access and D on a write that is
 * allowed, never on one that faults (SDM vol. 3, 4.8). */
static void check_accessed_dirty(void)
{
	uint32_t a = t.v0 + t.data;
	uint64_t e;

	set_v0(leaf(t.f0, PT_P | PT_W | PT_U));	/* A and D clear */
	e = get_v0();
	check(!(e & (PT_A | PT_D)), "before any access the leaf entry 0x%llx"
	      " has A and D clear", e);
	expect_read(0, a, peek(t.cell0),
		    "read of a page whose A and D are clear");
	e = get_v0();
	check((e & (PT_A | PT_D)) == PT_A, "after a read the leaf entry"
	      " 0x%llx has A set and D clear", e);
	expect_write(0, a, 0x77777777, "write to a page whose D is clear");
	e = get_v0();
	check((e & (PT_A | PT_D)) == (PT_A | PT_D), "after a write the leaf"
	      " entry 0x%llx has A and D set", e);

	set_v0(leaf(t.f0, PT_P | PT_U));	/* read-only, A and D clear */
	expect_pf(PROBE_WRITE, 3, a, PF_P | PF_W | PF_U,
		  "write to a read-only page whose D is clear");
	e = get_v0();
	check(!(e & PT_D), "after a faulting write the leaf entry 0x%llx"
	      " has D clear", e);
	set_v0(leaf(t.f0, PT_P | PT_W | PT_U));
}

/* A parent entry with P=0 unmaps the page; its U, W and NX bits restrict
 * the page as much as the leaf's do; the walk sets its A bit. Changes to a non-leaf entry are
 * flushed with a CR3 reload. */
static void check_parent(void)
{
	uint64_t span = t.c->parent_span;
	const char *pn = t.c->parent_name;
	uint32_t a = t.v0 + t.data, x = t.v0 + t.code, old = peek(t.cell0);
	uint64_t p, e;

	if (!span)
		return;
	p = pt_get(&t.pt, t.v0, span);
	set_v0(leaf(t.f0, PT_P | PT_W | PT_U));

	pt_set(&t.pt, t.v0, span, p & ~PT_P);
	flush_tlb();
	expect_pf(PROBE_READ, 0, a, 0, "read through a %s with P=0", pn);
	expect_pf(PROBE_WRITE, 3, a, PF_W | PF_U,
		  "write through a %s with P=0", pn);

	pt_set(&t.pt, t.v0, span, p & ~PT_U);
	flush_tlb();
	expect_pf(PROBE_READ, 3, a, PF_P | PF_U,
		  "read through a %s with U=0 (leaf U=1)", pn);
	expect_read(0, a, old, "read through a %s with U=0 (leaf U=1)", pn);

	pt_set(&t.pt, t.v0, span, p & ~PT_W);
	flush_tlb();
	expect_pf(PROBE_WRITE, 3, a, PF_P | PF_W | PF_U,
		  "write through a %s with W=0 (leaf W=1)", pn);
	expect_pf(PROBE_WRITE, 0, a, PF_P | PF_W,
		  "write through a %s with W=0 (leaf W=1), CR0.WP=1", pn);

	if (t.nx) {
		pt_set(&t.pt, t.v0, span, p | PT_NX);
		flush_tlb();
		expect_pf(PROBE_EXEC, 0, x, PF_P | PF_I,
			  "fetch through a %s with NX=1 (leaf NX=0)", pn);
	}

	pt_set(&t.pt, t.v0, span, p & ~PT_A);
	flush_tlb();
	expect_read(3, a, old, "read through the %s restored, A clear", pn);
	e = pt_get(&t.pt, t.v0, span);
	check(e & PT_A, "the walk set A in the %s: 0x%llx", pn, e);
}

/* Whether this CPU can run config c; if not, *why says what it lacks. */
static bool supported(const struct config *c, const char **why)
{
	if (c->size == PT_4M && !cpu_pse)
		*why = "CPUID 1 EDX bit 3 (PSE) is clear";
	else if (c->mode != PT_2LEVEL && !cpu_pae)
		*why = "CPUID 1 EDX bit 6 (PAE) is clear";
	else if (c->mode == PT_4LEVEL && !cpu_lm)
		*why = "CPUID 0x80000001 EDX bit 29 (long mode) is clear";
	else if (c->size == PT_1G && !cpu_1g)
		*why = "CPUID 0x80000001 EDX bit 26 (pdpe1gb) is clear";
	else
		return true;
	return false;
}

/* Sets up t for config c: frames, offsets, memory contents, tables. */
static bool prepare(const struct config *c)
{
	memset(&t, 0, sizeof(t));
	t.c = c;
	t.nx = cpu_nx && c->mode != PT_2LEVEL;
	t.i_bit = t.nx ? PF_I : 0;
	t.v0 = TEST_VA;
	t.v1 = TEST_VA + (uint32_t)c->size;
	if (c->size == PT_1G) {
		t.f0 = 0;	/* the only 1G frame with RAM in it */
		t.data = scratch + 0x924;
	} else {
		t.f0 = scratch;
		t.data = (uint32_t)c->size / 2 + 0x124;
	}
	t.code = t.data + 0x40;
	t.cell0 = (uint32_t)t.f0 + t.data;
	t.cell1 = scratch + SCRATCH_SIZE / 2 + (t.cell0 - scratch);

	poke(t.cell0, 0);
	poke(t.cell1, MARK_F1);
	*(volatile uint8_t *)((uint32_t)t.f0 + t.code) = RET;

	pt_reset();
	return !pt_init(&t.pt, c->mode) &&
	       !pt_identity(&t.pt, ident_end, PT_W | PT_U) &&
	       !pt_map(&t.pt, t.v0, t.f0, c->size, PT_W | PT_U) &&
	       !pt_map(&t.pt, t.v1, t.f0, c->size, PT_W | PT_U);
}

static void run_config(const struct config *c)
{
	const char *why;
	bool lm = c->mode == PT_4LEVEL;

	check_scope("paging: %s %s", c->mode_name, c->size_name);
	if (!supported(c, &why)) {
		check_note("skipped: %s", why);
		return;
	}
	if (!check(prepare(c), "page tables built"))
		return;
	mode_enter(&t.pt, c->mode_flags | (t.nx ? MODE_NXE : 0));
	check(read_cr0() & CR0_PG, "paging on: CR0=0x%08x CR3=0x%08x"
	      " CR4=0x%08x", read_cr0(), read_cr3(), read_cr4());
	if (lm)
		check(rdmsr(MSR_EFER) & EFER_LMA, "long mode active, C in"
		      " compatibility mode: EFER=0x%llx", rdmsr(MSR_EFER));

	check_translation();
	check_remap();
	check_not_present();
	check_user_supervisor();
	check_read_write();
	check_nx();
	check_accessed_dirty();
	check_parent();

	mode_leave();
	check(!(read_cr0() & CR0_PG) && (!lm || !(rdmsr(MSR_EFER) & EFER_LMA)),
	      "paging off again%s: CR0=0x%08x", lm ? ", long mode left" : "",
	      read_cr0());
}

/* Picks 8 MiB of RAM, 4M-aligned, above the image and below 64 MiB (so
 * that a 4K identity map of everything up to it stays small). */
static bool find_scratch(void)
{
	const struct mb_range *r;
	const char *source;
	int n = mb_ram_ranges(&r, &source);
	uint64_t first = (runtime_image_end() + PT_4M - 1) & ~(PT_4M - 1);

	for (int i = 0; i < n; i++) {
		uint64_t lo = (r[i].base + PT_4M - 1) & ~(PT_4M - 1);

		if (lo < first)
			lo = first;
		if (lo + SCRATCH_SIZE <= r[i].base + r[i].len &&
		    lo + SCRATCH_SIZE <= 64 * MIB) {
			scratch = (uint32_t)lo;
			ident_end = scratch + SCRATCH_SIZE;
			return true;
		}
	}
	return false;
}

int guest_main(void)
{
	bool found;

	cpu_pse = cpuid_has_1_edx(CPUID_1_EDX_PSE);
	cpu_pae = cpuid_has_1_edx(CPUID_1_EDX_PAE);
	cpu_nx = cpuid_has_x1_edx(CPUID_X1_EDX_NX);
	cpu_lm = cpuid_has_x1_edx(CPUID_X1_EDX_LM);
	cpu_1g = cpuid_has_x1_edx(CPUID_X1_EDX_PDPE1GB);

	check_scope("paging");
	check_note("cpuid: pse=%d pae=%d nx=%d lm=%d pdpe1gb=%d", cpu_pse,
		   cpu_pae, cpu_nx, cpu_lm, cpu_1g);
	found = find_scratch();
	if (!check(found, "8 MiB of RAM for test frames at 0x%x,"
		   " identity map 0-0x%x", scratch, ident_end))
		return check_finish();
	write_cr0(read_cr0() | CR0_WP);

	for (unsigned i = 0; i < sizeof(configs) / sizeof(configs[0]); i++)
		run_config(&configs[i]);
	check_scope("paging");
	return check_finish();
}
