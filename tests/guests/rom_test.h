/* SPDX-License-Identifier: MIT */
/*
 * The VMI ROM test body shared by rom_pae.c and rom64.c (each defines
 * ROM_NAME and ROM_LONG_MODE, then includes this file): find the ROM,
 * check its header and checksum, call init, drive batches of map / remap /
 * protect / unmap updates in lazy MMU mode with the result checked through
 * the mappings after each flush, invalidate page, update_pte, set_cr3,
 * the multi-vCPU flush, and forged drains each refused while the guest
 * keeps running; with a second vCPU, the steps of rom_smp.h (each vCPU's
 * own queue at the one address, the cross-vCPU flush).
 * Runs: guest (test kernel), PAE or long mode.
 */
#include "runtime.h"

#include "mode.h"
#include "probe.h"
#include "pt.h"
#include "vmi.h"

#define NPAGES 16
#define VA_BASE 0x40000000u
#define FAR_GPA 0xb0000000u /* below the MMIO hole, above any test's RAM */

static uint8_t frames[NPAGES][4096] __attribute__((aligned(4096)));
static uint64_t *ptes[NPAGES];
static const struct vmi_rom_header *rom;
static uint32_t pae_how, updates;

static int64_t call(unsigned int c, uint64_t a1, uint64_t a2, uint64_t a3,
		    uint64_t a4)
{
	return vmi_call(rom, ROM_LONG_MODE, c, a1, a2, a3, a4);
}

static uint32_t marker(unsigned int i)
{
	return 0x564d4900u + i; /* "VMI" + page */
}

static uint32_t va(unsigned int i)
{
	return VA_BASE + i * 4096u;
}

/* Sets page i's entry to frame f (or not present if f < 0) through the
 * ROM with 'how' flags, deferred when 'defer'. */
static int64_t set_page(unsigned int i, int f, uint64_t bits, bool defer)
{
	uint64_t val = f < 0 ? 0 : (uint32_t)frames[f] | PT_P | bits;

	__atomic_add_fetch(&updates, 1, __ATOMIC_RELAXED); /* both vCPUs */
	return call(VMI_CALL_SET_PTE, (uint32_t)ptes[i], val, (uint32_t)ptes[i],
		    1 | pae_how | (defer ? VMI_PTE_DEFER : 0));
}

/* One batch: every page's entry set inside lazy MMU mode, then a flush. */
static bool batch(int (*frame_of)(unsigned int), uint64_t bits, uint32_t flush)
{
	bool ok = call(VMI_CALL_LAZY_ENTER, 0, 0, 0, 0) == 0;

	for (unsigned int i = 0; i < NPAGES; i++)
		ok &= set_page(i, frame_of(i), bits, true) == 0;
	ok &= call(VMI_CALL_LAZY_LEAVE, 0, 0, 0, 0) == 0;
	ok &= call(VMI_CALL_FLUSH_TLB, flush, 0, 0, 0) == 0;
	return ok;
}

static int same(unsigned int i) { return (int)i; }
static int reversed(unsigned int i) { return NPAGES - 1 - (int)i; }
static int none(unsigned int i) { (void)i; return -1; }

/* Every page reads the marker of the frame frame_of says. */
static bool reads_match(int (*frame_of)(unsigned int))
{
	for (unsigned int i = 0; i < NPAGES; i++) {
		struct probe_result r = probe(PROBE_READ, 0, va(i), 0);

		if (r.faulted || r.value != marker((unsigned int)frame_of(i))) {
			printf("  page %u: faulted %d value %#x\n", i, r.faulted,
			       (unsigned)r.value);
			return false;
		}
	}
	return true;
}

static bool all_fault(enum probe_op op, uint32_t err_mask, uint32_t err)
{
	for (unsigned int i = 0; i < NPAGES; i++) {
		struct probe_result r = probe(op, 0, va(i), 0x1234);

		if (!r.faulted || r.vector != 14 || (r.error & err_mask) != err ||
		    r.cr2 != va(i))
			return false;
	}
	return true;
}

static void drive_batches(void)
{
	check(batch(same, PT_W, 0) && reads_match(same),
	      "batch: map %u pages in lazy mode, flush, each reads its frame",
	      NPAGES);
	check(batch(reversed, PT_W, VMI_FLUSH_GLOBAL) && reads_match(reversed),
	      "batch: remap every page to another frame, global flush");
	check(batch(same, 0, 0) && reads_match(same) &&
	      all_fault(PROBE_WRITE, 0x3, 0x3),
	      "batch: protect (read-only): reads work, writes #PF P|W");
	check(batch(none, 0, 0) && all_fault(PROBE_READ, 0x1, 0),
	      "batch: unmap: every read #PF not-present");

	check(set_page(0, 7, PT_W, false) == 0 &&
	      call(VMI_CALL_INVLPG, va(0), 0, 0, 0) == 0 &&
	      probe(PROBE_READ, 0, va(0), 0).value == marker(7),
	      "set_pte (immediate) + invalidate page: the new frame shows");
	*ptes[1] = (uint32_t)frames[3] | PT_P | PT_W;
	updates++;
	check(call(VMI_CALL_UPDATE_PTE, (uint32_t)ptes[1], 1 | pae_how, 0, 0) == 0 &&
	      call(VMI_CALL_INVLPG, va(1), 0, 0, 0) == 0 &&
	      probe(PROBE_READ, 0, va(1), 0).value == marker(3),
	      "update_pte of an entry written directly, invalidate page");
	/* Mapped and read first: a stale shadow or TLB entry would still
	 * read frame 4 without a fault (a fault would drain the queue). */
	check(set_page(2, 4, PT_W, false) == 0 &&
	      call(VMI_CALL_FLUSH_TLB, 0, 0, 0, 0) == 0 &&
	      probe(PROBE_READ, 0, va(2), 0).value == marker(4) &&
	      set_page(2, 5, PT_W, true) == 0 &&
	      call(VMI_CALL_FLUSH_TLB, 0, 0, 0, 0) == 0 &&
	      probe(PROBE_READ, 0, va(2), 0).value == marker(5),
	      "set_pte (deferred, outside lazy mode) over a mapping in use, "
	      "flush_tlb: the flush applies it");
	check(vmi_hypercall(VMI_HC_FLUSH_LOCAL, 99, 0, 0, 0) == -VMI_EINVAL &&
	      vmi_hypercall(VMI_HC_FLUSH_LOCAL, VMI_DRAIN_FLUSH, 2, 0, 0) ==
	      -VMI_EINVAL, "local flush hypercall with an unknown reason or "
	      "flag: -EINVAL");
	check(call(VMI_CALL_REGISTER_PT, (uint32_t)ptes[0] & ~0xfffu, 1, 0, 0) == 0 &&
	      call(VMI_CALL_RELEASE_PT, (uint32_t)ptes[0] & ~0xfffu, 1, 0, 0) == 0 &&
	      call(VMI_CALL_DRAIN, 0, 0, 0, 0) == 0,
	      "register_pt, release_pt, drain: 0");
}

static void flush_vcpus_calls(const struct pt *pt)
{
	static uint32_t bitmap[2];

	bitmap[0] = 1;
	check(call(VMI_CALL_SET_CR3, pt->root, 0, 0, 0) == 0 &&
	      probe(PROBE_READ, 0, va(0), 0).value == marker(7),
	      "set_cr3 with the same tables: mappings intact");
	check(set_page(2, 9, PT_W, true) == 0 &&
	      call(VMI_CALL_FLUSH_VCPUS, (uint32_t)bitmap, 1, 0, 0) == 0 &&
	      probe(PROBE_READ, 0, va(2), 0).value == marker(9),
	      "flush_vcpus {0} (this vCPU): the new mapping shows");
	bitmap[0] = 0;
	bitmap[1] = 1u << 31;
	check(call(VMI_CALL_FLUSH_VCPUS, (uint32_t)bitmap, 64, 0, 0) == -VMI_EINVAL,
	      "flush_vcpus naming vCPU 63 (absent): -EINVAL");
}

/* A batch in the guest's own memory, laid out like a queue page. */
static union {
	struct vmi_queue q;
	uint8_t raw[VMI_QUEUE_SIZE];
} forged __attribute__((aligned(4096)));

static int32_t drain_forged(uint32_t count, uint32_t capacity,
			    const uint64_t *gpas, uint32_t reason)
{
	forged.q.count = count;
	forged.q.capacity = capacity;
	for (uint32_t i = 0; i < count && i < VMI_QUEUE_CAPACITY; i++)
		forged.q.entries[i] = (struct vmi_qentry){ gpas[i], 1, pae_how ? VMI_QE_PAE : 0 };
	return vmi_hypercall(VMI_HC_DRAIN_BATCH, (uint32_t)&forged, reason, 0, 0);
}

static int32_t refused(uint32_t n, uint32_t first)
{
	return (int32_t)((n << VMI_DRAIN_REFUSED_SHIFT) | first);
}

/* This vCPU's queue page header, read at its fixed linear address. */
static struct vmi_queue queue_header(void)
{
	struct vmi_queue h;

	memset(&h, 0, sizeof(h));
	vmi_queue_get(ROM_LONG_MODE, 0, &h, sizeof(h));
	return h;
}

/* Writes a forged header (count, and vcpu_id, which is Shale's) and
 * entries e[0..n) into this vCPU's own queue page. */
static void queue_forge(uint32_t count, uint32_t vcpu_id,
			const struct vmi_qentry *e, uint32_t n)
{
	struct vmi_queue h = queue_header();

	vmi_queue_put(ROM_LONG_MODE, VMI_QUEUE_HDR_SIZE, e, n * VMI_QENTRY_SIZE);
	h.count = count;
	h.vcpu_id = vcpu_id;
	vmi_queue_put(ROM_LONG_MODE, 0, &h, sizeof(h));
}

/* Forgeries in the queue page itself, at its fixed linear address (PAE
 * code reaches VMI_QUEUE_VA_PAE; the 64-bit kernel reaches VMI_QUEUE_VA64
 * through a 64-bit copy, lib/copy64.asm). */
static void forged_queue_entries(void)
{
	uint32_t qf = pae_how ? VMI_QE_PAE : 0;
	struct vmi_qentry bad[5] = {
		{ FAR_GPA, 1, qf },
		{ VMI_ROM_GPA, 1, qf },
		{ (uint32_t)ptes[0] + 4, 1, qf },
		{ (uint32_t)ptes[0], 9, qf },
		{ (uint32_t)ptes[0], 1, qf }, /* the good one */
	};
	struct vmi_queue h;

	check(vmi_hypercall(VMI_HC_DRAIN, VMI_DRAIN_EXPLICIT, 0, 0, 0) == 0,
	      "drain of the (empty) queue page: 0");
	check(vmi_hypercall(VMI_HC_DRAIN, 99, 0, 0, 0) == -VMI_EINVAL,
	      "queue drain with an unknown reason: -EINVAL");
	h = queue_header();
	check(h.capacity == VMI_QUEUE_CAPACITY && h.vcpu_id == 0 &&
	      h.count == 0, "queue page at %s: capacity %u, vCPU 0, empty",
	      ROM_LONG_MODE ? "0xffff800000000000" : "0xffe00000",
	      (unsigned)h.capacity);
	queue_forge(5, 0, bad, 5);
	check(vmi_hypercall(VMI_HC_DRAIN, VMI_DRAIN_EXPLICIT, 0, 0, 0) ==
	      refused(4, 0) && queue_header().count == 0,
	      "forged queue entries (outside RAM, ROM, unaligned, level 9) "
	      "refused, the good one applied, the queue emptied");
	queue_forge(1, 0, bad, 1);
	check(call(VMI_CALL_FLUSH_TLB, 0, 0, 0, 0) == refused(1, 0) &&
	      queue_header().count == 0, "flush_tlb reports a forged entry its "
	      "drain refused in its status");
	queue_forge(VMI_QUEUE_CAPACITY + 1, 0x55, bad, 0);
	check(vmi_hypercall(VMI_HC_DRAIN, VMI_DRAIN_FULL, 0, 0, 0) == -VMI_E2BIG &&
	      (h = queue_header()).count == 0 &&
	      h.capacity == VMI_QUEUE_CAPACITY && h.vcpu_id == 0,
	      "forged queue count beyond capacity (and a forged vCPU id) "
	      "refused, header restored");
}

static void forged_drains(void)
{
	uint64_t g[VMI_QUEUE_CAPACITY];
	uint64_t good = (uint32_t)ptes[0];

	g[0] = FAR_GPA;
	check(drain_forged(1, 1, g, VMI_DRAIN_EXPLICIT) == refused(1, 0),
	      "forged drain: entry outside RAM refused");
	g[0] = VMI_ROM_GPA + 8;
	check(drain_forged(1, 1, g, VMI_DRAIN_EXPLICIT) == refused(1, 0),
	      "forged drain: entry in the ROM refused");
	g[0] = good + 4;
	check(drain_forged(1, 1, g, VMI_DRAIN_EXPLICIT) == refused(1, 0),
	      "forged drain: unaligned entry refused");
	g[0] = 0xfee00000u;
	check(drain_forged(1, 1, g, VMI_DRAIN_EXPLICIT) == refused(1, 0),
	      "forged drain: entry in the local APIC's MMIO refused");
	g[0] = 0xfffffffffffff000ull;
	check(drain_forged(1, 1, g, VMI_DRAIN_EXPLICIT) == refused(1, 0),
	      "forged drain: entry beyond the physical address space refused");
	for (unsigned int i = 0; i < VMI_QUEUE_CAPACITY; i++)
		g[i] = good;
	check(drain_forged(VMI_QUEUE_CAPACITY + 1, VMI_QUEUE_CAPACITY + 1, g,
			   VMI_DRAIN_EXPLICIT) == -VMI_E2BIG,
	      "forged drain: count beyond a queue page's capacity refused");
	check(drain_forged(10, 5, g, VMI_DRAIN_EXPLICIT) == -VMI_E2BIG,
	      "forged drain: count beyond its own capacity refused");
	check(drain_forged(0xffffffffu, 0xffffffffu, g, VMI_DRAIN_FULL) == -VMI_E2BIG,
	      "forged drain: count 0xffffffff refused");
	g[0] = good;
	g[1] = VMI_ROM_GPA;
	g[2] = (uint32_t)ptes[1];
	g[3] = FAR_GPA;
	check(drain_forged(4, 4, g, VMI_DRAIN_FLUSH) == refused(2, 1),
	      "forged drain: good and bad mixed: 2 refused, first at 1");
	check(drain_forged(2, 2, g, 99) == -VMI_EINVAL,
	      "forged drain: unknown reason -EINVAL");
	check(vmi_hypercall(VMI_HC_UPDATE, (uint32_t)good, 0, 7, 0) == refused(1, 0),
	      "update hypercall with level 7 refused");
	check(vmi_hypercall(VMI_HC_UPDATE, (uint32_t)good, 0x100, 1 | pae_how, 0) ==
	      refused(1, 0), "update hypercall beyond RAM (above 4 GiB) refused");
	if (rom->flags & VMI_ROM_F_QUEUE)
		forged_queue_entries();
	else
		check(vmi_hypercall(VMI_HC_DRAIN, VMI_DRAIN_EXPLICIT, 0, 0, 0) ==
		      -VMI_ENOSYS, "drain without a queue page: -ENOSYS");
	check(probe(PROBE_READ, 0, va(0), 0).value == marker(7),
	      "after the forged drains the guest's mappings are intact");
}

#include "rom_smp.h"

int guest_main(void)
{
	static struct pt pt;
	const char *why;
	int64_t r;

	check_scope(ROM_NAME);
	rom = vmi_find(ROM_NAME);
	if (!check(rom != NULL, "VMI ROM found, checksum and header good"))
		return check_finish();
	pae_how = ROM_LONG_MODE ? 0 : VMI_PTE_PAE;
	for (unsigned int i = 0; i < NPAGES; i++)
		for (unsigned int w = 0; w < 1024; w++)
			((volatile uint32_t *)frames[i])[w] = marker(i);
	if (!check(pt_init(&pt, ROM_LONG_MODE ? PT_4LEVEL : PT_PAE) == 0 &&
		   pt_identity(&pt, runtime_image_end(), PT_W) == 0,
		   "page tables"))
		return check_finish();
	for (unsigned int i = 0; i < NPAGES; i++) {
		pt_map(&pt, va(i), (uint32_t)frames[i], PT_4K, PT_W);
		ptes[i] = vmi_pte_of(&pt, va(i));
	}
	/* A PAE kernel keeps PDPT slot 3 present (Linux's kernel half): the
	 * queue page lives in its top 2 MiB (abi/README.md). */
	pt_map(&pt, 0xc0000000u, (uint32_t)frames[0], PT_4K, PT_W);
	/* The AP starts with paging off; it enters the mode later. */
	if (!cpu_pair_start(&why) && why)
		check(false, "second vCPU started: %s", why);
	mode_enter(&pt, 0);
	check_scope("%s: %s", ROM_NAME, ROM_LONG_MODE ? "64-bit" : "PAE");
	r = call(VMI_CALL_INIT, 0, 0, 0, 0);
	check(r >= 0 && (r & VMI_INIT_VCPU_MASK) == 0, "init: vCPU 0 (0x%x)",
	      (unsigned)r);
	check(!(r & VMI_INIT_HAP) == !(rom->flags & VMI_ROM_F_HAP),
	      "init and the ROM header agree on the path (%s)",
	      (r & VMI_INIT_HAP) ? "thin: hap" : "shadow");
	drive_batches();
	flush_vcpus_calls(&pt);
	forged_drains();
	two_vcpus(&pt);
	check_note("%u PTE updates through the ROM, %s", (unsigned)updates,
		   (r & VMI_INIT_HAP) ? "none reported to Shale (thin path)" :
		   "each reported to Shale");
	mode_leave();
	return check_finish();
}
