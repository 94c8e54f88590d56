/* SPDX-License-Identifier: MIT */
/*
 * ptebatch.elf: the pte-batch workload of `make bench` (tests/bench/), in
 * long mode with 4-level paging. Batches of pages (`batch=N`, 1..512,
 * default 64): map them, touch them, protect them read-only and flush,
 * unmap them and flush; every batch is checked (each page reached its
 * frame, protected pages #PF on write, unmapped pages #PF on read). Two modes, the same work:
 *  - hvm: PTEs written with plain MOVs, the TLB flushed by a CR3 reload
 *    (as Linux does above 33 pages; smaller batches reload CR3 too);
 *  - pv: through the VMI ROM: set_pte with VMI_PTE_DEFER inside
 *    lazy_enter / lazy_leave, flush_tlb at the batch's flush points.
 * `mode=pv` or `mode=hvm` on the command line picks one; by default pv
 * when the ROM is there. `updates=N` (default 20000) is rounded up to
 * whole batches of 3 x batch updates. Under Shale, SHALE_HC_VCPU_STATS
 * brackets the workload (not boot, not the checks), and the kernel prints
 *   ptebatch: mode=M updates=U exits=E exits_per_1000=X.Y host_intr=I ...
 * where E counts every exit in the workload except host interrupts (which
 * come with time, not with the work; host_intr has them). Runs: guest
 * (test kernel), long mode (its C in compatibility mode).
 */
#include <shale-abi.h>

#include "mode.h"
#include "probe.h"
#include "pt.h"
#include "runtime.h"
#include "vmi.h"
#include "x86.h"

#define BATCH_MAX 512 /* pages per batch: one page table's worth */
#define DEFAULT_BATCH 64
#define PHASES 3 /* updates per page per batch: map, protect, unmap */
#define VA_BASE 0x40000000u
#define DEFAULT_UPDATES 20000u

static uint8_t frames[BATCH_MAX][4096] __attribute__((aligned(4096)));
static uint64_t *ptes[BATCH_MAX];
static uint32_t batch = DEFAULT_BATCH;   /* pages per batch */
static struct pt pt;
static const struct vmi_rom_header *rom; /* NULL: hvm mode */
static bool shale;                       /* CPUID names Shale: meter */
static uint32_t updates;                 /* entries written so far */

/* Exits inside the metered windows (struct shale_vcpu_stats deltas). */
static struct {
	struct shale_vcpu_stats mark;
	uint32_t exits, intr, hypercalls, exceptions;
	bool failed;
} meter;

static uint32_t va(unsigned int i)
{
	return VA_BASE + i * 4096u;
}

static unsigned int frame_of(uint32_t b, unsigned int i)
{
	return (i + b) % batch;
}

static uint32_t marker(uint32_t b, unsigned int i)
{
	return 0x50000000u + (b << 9) + i;
}

/* --- the exit meter ------------------------------------------------- */

/* Reads this vCPU's counts into *s (false if the call failed). */
static bool vcpu_stats(struct shale_vcpu_stats *s)
{
	return vmi_hypercall(SHALE_HC_VCPU_STATS, (uint32_t)s, 0, 0, 0) == 0;
}

/* Starts a metered window (nothing without Shale). */
static void meter_start(void)
{
	if (shale && !vcpu_stats(&meter.mark))
		meter.failed = true;
}

/* Ends the window: adds what happened since meter_start, less the exit of
 * this call itself (a VMMCALL; the start call's exit was counted before
 * the mark was read). */
static void meter_stop(void)
{
	static struct shale_vcpu_stats now;

	if (!shale)
		return;
	if (!vcpu_stats(&now)) {
		meter.failed = true;
		return;
	}
	meter.exits += (uint32_t)(now.exits - meter.mark.exits) - 1;
	meter.intr += (uint32_t)(now.exits_intr - meter.mark.exits_intr);
	meter.hypercalls += (uint32_t)(now.exits_hypercall -
				       meter.mark.exits_hypercall) - 1;
	meter.exceptions += (uint32_t)(now.exits_exception -
				       meter.mark.exits_exception);
}

/* --- one update, the batch brackets, the flush ----------------------- */

static int64_t rom_call(unsigned int c, uint64_t a1, uint64_t a2,
			uint64_t a3, uint64_t a4)
{
	return vmi_call(rom, true, c, a1, a2, a3, a4);
}

/* Sets page i's PTE to val (its high half is 0: frames lie below 4 GiB
 * and no NX), one entry written. hvm: one 32-bit MOV of the low half,
 * the high half staying 0, as the C runs in compatibility mode; pv:
 * set_pte, deferred. Returns false if the ROM refused it. */
static bool set_pte(unsigned int i, uint32_t val)
{
	updates++;
	if (!rom) {
		*(volatile uint32_t *)ptes[i] = val;
		return true;
	}
	return rom_call(VMI_CALL_SET_PTE, (uint32_t)ptes[i], val,
			(uint32_t)ptes[i], 1 | VMI_PTE_DEFER) == 0;
}

/* Brackets a run of updates: lazy MMU mode through the ROM. */
static bool updates_begin(void)
{
	return !rom || rom_call(VMI_CALL_LAZY_ENTER, 0, 0, 0, 0) == 0;
}

static bool updates_end(void)
{
	return !rom || rom_call(VMI_CALL_LAZY_LEAVE, 0, 0, 0, 0) == 0;
}

/* The local TLB flush a kernel does after downgrading many entries. */
static bool flush(void)
{
	if (rom)
		return rom_call(VMI_CALL_FLUSH_TLB, 0, 0, 0, 0) == 0;
	write_cr3(pt.root); /* the kernel knows its CR3: no read */
	return true;
}

/* Every page of the batch set to frame | bits (0: not present). */
static bool set_all(uint32_t b, uint32_t bits)
{
	bool ok = updates_begin();

	for (unsigned int i = 0; i < batch; i++)
		ok &= set_pte(i, bits ? (uint32_t)frames[frame_of(b, i)] | bits
				      : 0);
	return updates_end() && ok;
}

/* --- one batch ------------------------------------------------------- */

/* Map, touch, protect and flush: metered. The entries carry A and D, as
 * a kernel's own mappings do (Linux's PAGE_KERNEL): the touches then need
 * no walk to set them. */
static bool map_touch_protect(uint32_t b)
{
	bool ok;

	meter_start();
	ok = set_all(b, (uint32_t)(PT_P | PT_W | PT_A | PT_D));
	for (unsigned int i = 0; i < batch; i++)
		*(volatile uint32_t *)va(i) = marker(b, i);
	ok &= set_all(b, (uint32_t)(PT_P | PT_A | PT_D));
	ok &= flush();
	meter_stop();
	return ok;
}

/* Each page's frame got its marker; reads work, writes #PF P|W. */
static bool protected_as_expected(uint32_t b)
{
	for (unsigned int i = 0; i < batch; i++) {
		uint32_t want = marker(b, i);
		struct probe_result r = probe(PROBE_READ, 0, va(i), 0);
		struct probe_result w = probe(PROBE_WRITE, 0, va(i), 0x1234);

		if (*(volatile uint32_t *)frames[frame_of(b, i)] != want ||
		    r.faulted || r.value != want || !w.faulted ||
		    w.vector != 14 || (w.error & 3) != 3 || w.cr2 != va(i)) {
			printf("ptebatch: batch %u page %u: frame %#x read %d:%#x"
			       " write %d vector %u err %#x cr2 %#x\n",
			       (unsigned)b, i,
			       *(volatile uint32_t *)frames[frame_of(b, i)],
			       r.faulted, r.value, w.faulted, w.vector,
			       w.error, (unsigned)w.cr2);
			return false;
		}
	}
	return true;
}

/* Unmap and flush: metered. */
static bool unmap(uint32_t b)
{
	bool ok;

	meter_start();
	ok = set_all(b, 0);
	ok &= flush();
	meter_stop();
	return ok;
}

static bool unmapped_as_expected(void)
{
	for (unsigned int i = 0; i < batch; i++) {
		struct probe_result r = probe(PROBE_READ, 0, va(i), 0);

		if (!r.faulted || r.vector != 14 || (r.error & 1) ||
		    r.cr2 != va(i)) {
			printf("ptebatch: page %u still reads (%d, err %#x)\n",
			       i, r.faulted, r.error);
			return false;
		}
	}
	return true;
}

/* --- setup and report ------------------------------------------------ */

/* True if the command line has the word w. */
static bool cmdline_word(const char *w)
{
	const char *s = mb_cmdline();
	size_t n = strlen(w);

	for (; *s; s++)
		if ((s == mb_cmdline() || s[-1] == ' ') && !strncmp(s, w, n) &&
		    (s[n] == ' ' || !s[n]))
			return true;
	return false;
}

static bool detect_shale(void)
{
	uint32_t a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & (1u << 31)))
		return false;
	cpuid(SHALE_CPUID_BASE, 0, &a, &b, &c, &d);
	return b == SHALE_CPUID_SIGNATURE_EBX && c == SHALE_CPUID_SIGNATURE_ECX &&
	       d == SHALE_CPUID_SIGNATURE_EDX;
}

/* Picks the mode; false if mode=pv was asked for without a ROM. */
static bool choose_mode(void)
{
	bool want_hvm = cmdline_word("mode=hvm"), want_pv = cmdline_word("mode=pv");

	if (!want_hvm)
		rom = vmi_find("ptebatch");
	if (want_pv && !rom)
		return check(false, "mode=pv asked for, but there is no VMI ROM"
			     " (a type = \"pv\" domain has one)");
	return check(true, "mode=%s (%s)", rom ? "pv" : "hvm",
		     want_hvm || want_pv ? "command line" :
		     "by whether the ROM is there");
}

/* 4-level tables: the image identity-mapped, the batch's pages mapped
 * once (so their PTEs exist) and then cleared. */
static bool build_tables(void)
{
	if (pt_init(&pt, PT_4LEVEL) || pt_identity(&pt, runtime_image_end(), PT_W))
		return false;
	for (unsigned int i = 0; i < batch; i++) {
		if (pt_map(&pt, va(i), (uint32_t)frames[i], PT_4K, PT_W))
			return false;
		ptes[i] = vmi_pte_of(&pt, va(i));
		if (!ptes[i])
			return false;
		*ptes[i] = 0;
	}
	return true;
}

/* "X.Y": n per 1000 of d, one decimal, in 32-bit arithmetic (no libgcc
 * here), so n must stay below 4 million. */
static void per_1000(char *buf, size_t size, uint32_t n, uint32_t d)
{
	uint32_t whole = n * 1000 / d, rest = n * 1000 % d;

	snprintf(buf, size, "%u.%u", (unsigned)whole, (unsigned)(rest * 10 / d));
}

static void report(void)
{
	char rate[24];

	if (!shale || meter.failed) {
		check_note("updates=%u: exits not counted (%s)",
			   (unsigned)updates, shale ? "SHALE_HC_VCPU_STATS failed"
			   : "not under Shale");
		return;
	}
	per_1000(rate, sizeof(rate), meter.exits - meter.intr, updates);
	printf("ptebatch: mode=%s updates=%u exits=%u exits_per_1000=%s"
	       " host_intr=%u hypercalls=%u exceptions=%u batch=%u\n",
	       rom ? "pv" : "hvm", (unsigned)updates,
	       (unsigned)(meter.exits - meter.intr), rate, (unsigned)meter.intr,
	       (unsigned)meter.hypercalls, (unsigned)meter.exceptions,
	       (unsigned)batch);
}

int guest_main(void)
{
	uint32_t target = DEFAULT_UPDATES, batches, b;
	int64_t init = 0;
	bool ok = true;

	check_scope("ptebatch");
	mb_cmdline_uint("updates", &target);
	mb_cmdline_uint("batch", &batch);
	if (!check(batch >= 1 && batch <= BATCH_MAX && target <= 1000000,
		   "batch=%u (1..%u) updates=%u (at most 1000000)",
		   (unsigned)batch, BATCH_MAX, (unsigned)target))
		return check_finish();
	batches = (target + PHASES * batch - 1) / (PHASES * batch);
	if (!batches)
		batches = 1;
	shale = detect_shale();
	if (!choose_mode() || !check(build_tables(), "4-level page tables"))
		return check_finish();
	mode_enter(&pt, 0);
	if (rom) {
		init = rom_call(VMI_CALL_INIT, 0, 0, 0, 0);
		check(init >= 0, "ROM init: 0x%x (%s)", (unsigned)init,
		      (init & VMI_INIT_HAP) ? "thin path" :
		      (init & VMI_INIT_QUEUE) ? "queue" : "one hypercall per update");
	}
	/* One line for the whole run; the first bad page says what it saw. */
	for (b = 0; b < batches && ok; b++)
		ok = map_touch_protect(b) && protected_as_expected(b) &&
		     unmap(b) && unmapped_as_expected();
	check(ok, "%u of %u batches of %u pages mapped, touched, protected"
	      " (writes #PF), unmapped (reads #PF)", (unsigned)(ok ? b : b - 1),
	      (unsigned)batches, (unsigned)batch);
	check(!ok || updates == batches * PHASES * batch, "%u PTE updates"
	      " (%u per page per batch)", (unsigned)updates, PHASES);
	mode_leave();
	report();
	return check_finish();
}
