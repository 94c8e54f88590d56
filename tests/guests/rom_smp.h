/* SPDX-License-Identifier: MIT */
/*
 * The two-vCPU part of the VMI ROM test, included by rom_test.h after its
 * helpers: vCPU 0 (the BSP) and vCPU 1 (the first AP, lib/cpu_pair.h) in
 * one address space. Between steps the AP spins at a meeting point, so it
 * leaves guest mode only when Shale makes it.
 *  - Own queues (queue path only): each vCPU remaps one page in lazy mode
 *    and, while both updates wait, reads the queue page at the one fixed
 *    linear address: its own vCPU id and its own entry, never the other's.
 *    Then both leave lazy mode and each flushes only its own TLB: each
 *    must see both remaps, so each vCPU's leaving applied its queue where
 *    the other vCPU sees it (its own flush drains only its own queue, and
 *    no fault can drain the other's: both pages were mapped and read
 *    before the remaps).
 *  - Cross-vCPU flush: the AP reads a page (its TLB and the shadow hold
 *    it); vCPU 0 remaps it with a deferred update (on the queue path it
 *    waits in vCPU 0's queue) and calls flush_vcpus on both vCPUs; the
 *    AP, which neither flushed nor took an IPI from the guest, must read
 *    the new frame. QEMU TCG empties a vCPU's whole TLB at every VMRUN
 *    and #VMEXIT, so a missing flush of the AP shows only when the AP
 *    did not exit between its reads: Shale's 1 kHz host tick makes it
 *    exit every millisecond, so test_vmi_rom.py runs these steps with
 *    tick_hz=10, and the steps run SMP_ROUNDS times.
 * The AP prints nothing and probes only while vCPU 0 waits (probe results
 * are shared); it records what it saw for vCPU 0 to check.
 * Runs: guest (test kernel), PAE or long mode.
 */
#include "cpu_pair.h"
#include "string.h"

#define SMP_PAGE0 10u /* remapped by vCPU 0 in lazy mode: frame 10 -> 12 */
#define SMP_PAGE1 11u /* remapped by vCPU 1 in lazy mode: frame 11 -> 13 */
#define SMP_PAGEX 12u /* read by vCPU 1, remapped by vCPU 0: frames 14
		       * and 15 in turn */
#define SMP_SNAP_MAX 8u /* queue entries a snapshot keeps */
#define SMP_ROUNDS 8u   /* cross-vCPU flush rounds */

/* A queue page as its vCPU read it: the header and the first entries. */
struct queue_snap {
	struct vmi_queue h;
	struct vmi_qentry e[SMP_SNAP_MAX];
};

/* What each vCPU saw, indexed by CPU_PAIR_BSP / CPU_PAIR_AP. */
static struct smp_seen {
	int64_t init;                 /* its init call's result */
	bool calls_ok;                /* every ROM call of its steps gave 0 */
	uint32_t before[2], after[2]; /* SMP_PAGE0/1: before, after leaving */
	struct queue_snap q;          /* its queue with its remap queued */
	/* SMP_PAGEX: rounds where it read the old frame before the remap
	 * (vCPU 1), and the new one not after it; the first wrong read. */
	uint32_t x_stale_before, x_stale, x_first_stale;
	struct queue_snap qx;         /* vCPU 0: its queue before flush_vcpus */
	uint32_t x_queued;            /* rounds it held the deferred remap */
} seen[2];

static bool smp_queue; /* the ROM takes the queue path */

/* The marker page i reads through the mappings, or 0 if the read faulted.
 * A probe: one vCPU at a time. */
static uint32_t smp_read(unsigned int i)
{
	struct probe_result r = probe(PROBE_READ, 0, va(i), 0);

	return r.faulted ? 0 : r.value;
}

/* This vCPU's queue page, read at its fixed linear address. */
static void smp_snap(struct queue_snap *s)
{
	memset(s, 0, sizeof(*s));
	vmi_queue_get(ROM_LONG_MODE, 0, s, sizeof(*s));
}

/* Does the snapshot hold an entry naming gpa? */
static bool snap_has(const struct queue_snap *s, uint32_t gpa)
{
	for (uint32_t i = 0; i < s->h.count && i < SMP_SNAP_MAX; i++)
		if (s->e[i].gpa == gpa)
			return true;
	return false;
}

/* Flushes this vCPU's TLB alone and reads both lazily remapped pages. */
static bool smp_look_after(struct smp_seen *me)
{
	bool ok = call(VMI_CALL_FLUSH_TLB, 0, 0, 0, 0) == 0;

	me->after[0] = smp_read(SMP_PAGE0);
	me->after[1] = smp_read(SMP_PAGE1);
	return ok;
}

/* The own-queue steps, run by both vCPUs at once (see the banner). */
static bool smp_own_queue(unsigned int cpu)
{
	struct smp_seen *me = &seen[cpu];
	unsigned int page = cpu == CPU_PAIR_BSP ? SMP_PAGE0 : SMP_PAGE1;
	bool ok = true;

	/* Both pages are mapped (frames 10, 11): each vCPU reads them in
	 * turn, so both TLBs and the shared shadow hold them. */
	if (cpu == CPU_PAIR_AP) {
		me->before[0] = smp_read(SMP_PAGE0);
		me->before[1] = smp_read(SMP_PAGE1);
	}
	cpu_pair_meet(cpu, 1);
	if (cpu == CPU_PAIR_BSP) {
		me->before[0] = smp_read(SMP_PAGE0);
		me->before[1] = smp_read(SMP_PAGE1);
	}
	cpu_pair_meet(cpu, 2);
	ok &= call(VMI_CALL_LAZY_ENTER, 0, 0, 0, 0) == 0;
	ok &= set_page(page, (int)page + 2, PT_W, true) == 0;
	cpu_pair_meet(cpu, 3); /* both remaps wait in a queue */
	smp_snap(&me->q);
	cpu_pair_meet(cpu, 4); /* both looked */
	ok &= call(VMI_CALL_LAZY_LEAVE, 0, 0, 0, 0) == 0;
	cpu_pair_meet(cpu, 5); /* both left lazy mode */
	if (cpu == CPU_PAIR_AP)
		ok &= smp_look_after(me);
	cpu_pair_meet(cpu, 6);
	if (cpu == CPU_PAIR_BSP)
		ok &= smp_look_after(me);
	return ok;
}

/* The frames SMP_PAGEX maps before and after round r's remap. */
static unsigned int x_old(unsigned int r) { return 14 + (r & 1); }
static unsigned int x_new(unsigned int r) { return 15 - (r & 1); }

/* The cross-vCPU flush steps, run by both vCPUs at once, SMP_ROUNDS
 * times: a missing flush shows only in a round where nothing else made
 * vCPU 1 exit (see the banner), so one stale read in any round fails. */
static bool smp_cross_flush(unsigned int cpu)
{
	static uint32_t both[2] = { 3, 0 }; /* vCPUs 0 and 1 */
	struct smp_seen *me = &seen[cpu];
	bool ok = true;

	if (cpu == CPU_PAIR_BSP)
		ok &= set_page(SMP_PAGEX, (int)x_old(0), PT_W, false) == 0 &&
		      call(VMI_CALL_FLUSH_TLB, 0, 0, 0, 0) == 0;
	for (unsigned int r = 0; r < SMP_ROUNDS; r++) {
		uint32_t at = 7 + 4 * r, v;

		cpu_pair_meet(cpu, at);
		if (cpu == CPU_PAIR_AP) {
			v = smp_read(SMP_PAGEX); /* now cached */
			me->x_stale_before += v != marker(x_old(r));
		}
		cpu_pair_meet(cpu, at + 1);
		if (cpu == CPU_PAIR_BSP) {
			ok &= set_page(SMP_PAGEX, (int)x_new(r), PT_W, true) == 0;
			if (smp_queue) {
				smp_snap(&me->qx);
				me->x_queued += snap_has(&me->qx,
					(uint32_t)ptes[SMP_PAGEX]);
			}
			ok &= call(VMI_CALL_FLUSH_VCPUS, (uint32_t)both, 2, 0,
				   0) == 0;
		}
		cpu_pair_meet(cpu, at + 2);
		if (cpu == CPU_PAIR_AP) {
			v = smp_read(SMP_PAGEX); /* no flush, no IPI here */
			if (v != marker(x_new(r)) && !me->x_stale++)
				me->x_first_stale = v;
		}
		cpu_pair_meet(cpu, at + 3);
		if (cpu == CPU_PAIR_BSP &&
		    smp_read(SMP_PAGEX) != marker(x_new(r)))
			me->x_stale++;
	}
	return ok;
}

static void smp_steps(unsigned int cpu)
{
	bool ok = true;

	if (smp_queue)
		ok &= smp_own_queue(cpu);
	ok &= smp_cross_flush(cpu);
	seen[cpu].calls_ok = ok;
}

/* The AP's posted functions. */
static void smp_ap_enter(uint32_t pt)
{
	mode_enter((const struct pt *)pt, 0);
	seen[CPU_PAIR_AP].init = call(VMI_CALL_INIT, 0, 0, 0, 0);
}

static void smp_ap_steps(uint32_t unused)
{
	(void)unused;
	smp_steps(CPU_PAIR_AP);
}

/* vCPU 0's checks of the own-queue steps. */
static void smp_check_own_queue(void)
{
	const uint32_t gpa[2] = { (uint32_t)ptes[SMP_PAGE0],
				  (uint32_t)ptes[SMP_PAGE1] };

	for (unsigned int c = 0; c < 2; c++) {
		const struct queue_snap *q = &seen[c].q;

		check(seen[c].before[0] == marker(10) &&
		      seen[c].before[1] == marker(11),
		      "vCPU %u reads both pages before the remaps", c);
		check(q->h.vcpu_id == c && q->h.count == 1 &&
		      q->e[0].gpa == gpa[c] && q->e[0].level == 1 &&
		      !snap_has(q, gpa[c ^ 1]),
		      "vCPU %u's queue at the fixed address: vCPU id %u, %u "
		      "entry, its own remap, not vCPU %u's", c,
		      (unsigned)q->h.vcpu_id, (unsigned)q->h.count, c ^ 1);
		check(seen[c].after[0] == marker(12) &&
		      seen[c].after[1] == marker(13),
		      "vCPU %u, after both left lazy mode and it flushed only "
		      "its own TLB, sees both remaps (0x%x, 0x%x)", c,
		      (unsigned)seen[c].after[0], (unsigned)seen[c].after[1]);
	}
}

/* vCPU 0's checks of the cross-vCPU flush steps. */
static void smp_check_cross_flush(void)
{
	const struct smp_seen *ap = &seen[CPU_PAIR_AP];

	check(ap->x_stale_before == 0, "vCPU 1 reads the page before each "
	      "cross-vCPU flush (%u rounds)", SMP_ROUNDS);
	if (smp_queue)
		check(seen[CPU_PAIR_BSP].x_queued == SMP_ROUNDS,
		      "vCPU 0's deferred remap waits in its queue before each "
		      "flush_vcpus");
	check(ap->x_stale == 0, "flush_vcpus {0, 1} from vCPU 0: vCPU 1 "
	      "reads the new frame without flushing or an IPI, %u rounds "
	      "(%u stale, first 0x%x)", SMP_ROUNDS, (unsigned)ap->x_stale,
	      (unsigned)ap->x_first_stale);
	check(seen[CPU_PAIR_BSP].x_stale == 0,
	      "flush_vcpus: vCPU 0 reads the new frame too");
}

/* Runs the two-vCPU steps when the pair is up (cpu_pair_start). */
static void two_vcpus(const struct pt *pt)
{
	bool done;

	if (!cpu_pair_online()) {
		check_note("one vCPU: no two-vCPU checks");
		return;
	}
	smp_queue = (rom->flags & (VMI_ROM_F_HAP | VMI_ROM_F_QUEUE)) ==
		    VMI_ROM_F_QUEUE;
	cpu_pair_post(smp_ap_enter, (uint32_t)pt);
	done = cpu_pair_wait(); /* before the arguments below read init */
	if (!check(done && seen[CPU_PAIR_AP].init >= 0 &&
		   (seen[CPU_PAIR_AP].init & VMI_INIT_VCPU_MASK) == 1,
		   "vCPU 1 in the same paging mode, init: vCPU 1 (0x%x)",
		   (unsigned)seen[CPU_PAIR_AP].init))
		return;
	if (smp_queue)
		check(set_page(SMP_PAGE0, 10, PT_W, false) == 0 &&
		      set_page(SMP_PAGE1, 11, PT_W, false) == 0 &&
		      call(VMI_CALL_FLUSH_TLB, 0, 0, 0, 0) == 0,
		      "two pages mapped for the own-queue steps");
	cpu_pair_post(smp_ap_steps, 0);
	smp_steps(CPU_PAIR_BSP);
	done = cpu_pair_wait();
	if (!check(done && seen[CPU_PAIR_AP].calls_ok &&
		   seen[CPU_PAIR_BSP].calls_ok,
		   "both vCPUs ran their steps, every ROM call returned 0"))
		return;
	if (smp_queue)
		smp_check_own_queue();
	smp_check_cross_flush();
}
