/* SPDX-License-Identifier: MIT */
/* smp.elf: checks what a multiprocessor OS finds on a PC: fw_cfg's CPU
 * count and RAM size, the ACPI tables (RSDP, RSDT/XSDT, MADT, FADT), the
 * local APIC, starting every other CPU with INIT-SIPI-SIPI, each CPU's
 * LAPIC timer (periodic and one-shot, calibrated against the PIT) and IPIs
 * (self, fixed to each AP and back, all-excluding-self) with their EOIs.
 * The APs record and the BSP checks: an AP never ends the guest, and
 * prints only to report an exception (which halts it).
 * Runs: guest (test kernel). */
#include "acpi.h"
#include "ap_boot.h"
#include "apic.h"
#include "fwcfg.h"
#include "irq.h"
#include "pit.h"
#include "runtime.h"
#include "x86.h"

#define MIB			0x100000u
#define MAX_CPUS		16
#define AP_STACK_SIZE		8192
#define AP_TRAMPOLINE		0x8000u	/* page for the real-mode trampoline */

#define VEC_TIMER		0x40
#define VEC_IPI			0x50
#define VEC_REPLY		0x60	/* + the replying CPU's index */
#define VEC_SPURIOUS		0xff

#define MIN_TICKS		20	/* periodic interrupts every CPU takes */
#define IPI_ROUNDS		10	/* fixed IPIs to each AP, and self IPIs */
#define BROADCASTS		3	/* all-excluding-self IPIs */
/* The window clocks are measured over against the PIT: 40 ms, so that a
 * bracket of 1% is 400 us (several exits on a slow host), leaving 15 ms of
 * the 16-bit count's 55 ms for a late end sample. */
#define CALIB_TICKS		47727
#define CALIB_TRIES		25
#define RATE_US			100000	/* window for the periodic-rate check */
#define SETTLE_US		50000	/* for late or extra interrupts to show */
#define ARRIVE_TIMEOUT_US	1000000	/* per AP, to reach 32-bit code */
#define ONLINE_TIMEOUT_US	5000000	/* for all APs to be online */
#define TIMER_TIMEOUT_US	5000000	/* for all CPUs' timer checks */
#define IPI_TIMEOUT_US		1000000	/* per IPI and its reply */
/* RAM fw_cfg reports but the memory map may keep back: the 640 KiB-1 MiB
 * hole and firmware areas at the top of RAM. */
#define RAM_SLACK		(4 * MIB)

#define CPUID_1_EDX_APIC	(1u << 9)
#define CPUID_1_ECX_X2APIC	(1u << 21)

enum phase { PH_BOOT, PH_PERIODIC, PH_ONESHOT };

/* One CPU the MADT lists as enabled. */
struct cpu {
	/* From the MADT, before any AP starts. */
	uint32_t apic_id, uid;
	bool bsp, x2apic_entry;
	/* Written by the CPU itself before it sets online (or timer_done). */
	uint32_t lapic_id, cpuid_id, apic_base;
	uint32_t count0, count1;	/* two reads of the timer's count */
	bool started;			/* BSP: the AP reached 32-bit code */
	volatile uint32_t online, timer_done, phase;
	/* Counted by this CPU's interrupt handlers. */
	volatile uint32_t ticks, oneshots, stray_timer, ipis, reply_fail;
	/* Counted on the BSP: reply IPIs from this AP. */
	volatile uint32_t replies;
};

static struct cpu cpus[MAX_CPUS];
static int ncpus;
static struct cpu *bsp;
static uint8_t apic_to_cpu[256];	/* xAPIC ID -> index + 1; 0: none */
static struct cpu cpu_unknown;		/* for interrupts on an unlisted CPU */
static uint8_t ap_stacks[MAX_CPUS][AP_STACK_SIZE] __attribute__((aligned(16)));

static volatile uint32_t cpus_online, timers_done, spurious;
static uint32_t nb_cpus;		/* fw_cfg */
static uint32_t timer_period;		/* LAPIC timer counts per ms (div 16) */
static uint32_t lapic_addr = LAPIC_DEFAULT_BASE;

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* The 4-character signature at p, NUL-terminated, in a static buffer of
 * four slots (several may appear in one printf). */
static const char *sig(const void *p)
{
	static char buf[4][5];
	static int next;
	char *b = buf[next++ % 4];

	memcpy(b, p, 4);
	b[4] = 0;
	for (int i = 0; i < 4; i++)
		if (b[i] < 0x20 || b[i] > 0x7e)
			b[i] = '?';
	return b;
}

/* The CPU running this code (by its LAPIC ID). */
static struct cpu *self(void)
{
	uint8_t i = apic_to_cpu[lapic_id()];

	return i ? &cpus[i - 1] : &cpu_unknown;
}

static int cpu_index(const struct cpu *c)
{
	return (int)(c - cpus);
}

/* Waits, with interrupts on, until *p >= want or us of PIT time have
 * passed; returns whether *p got there. BSP only (it owns the PIT). */
static bool wait_for(volatile uint32_t *p, uint32_t want, uint32_t us)
{
	struct pit_deadline d;
	bool ok = true;

	pit_deadline_start(&d, us);
	__asm__ volatile("sti");
	while (*p < want) {
		if (pit_deadline_passed(&d)) {
			ok = *p >= want;
			break;
		}
		__asm__ volatile("pause");
	}
	__asm__ volatile("cli");
	return ok;
}

/* pit_delay_us with interrupts on, so that handlers run meanwhile. */
static void delay_sti(uint32_t us)
{
	__asm__ volatile("sti");
	pit_delay_us(us);
	__asm__ volatile("cli");
}

/* ---- interrupt handlers (run on whichever CPU takes the vector) ---- */

static void on_timer(uint8_t vector)
{
	struct cpu *c = self();

	(void)vector;
	if (c->phase == PH_PERIODIC)
		c->ticks++;
	else if (c->phase == PH_ONESHOT)
		c->oneshots++;
	else
		c->stray_timer++;
	lapic_eoi();
}

/* An AP answers each IPI with a reply IPI of its own vector to the BSP. */
static void on_ipi(uint8_t vector)
{
	struct cpu *c = self();

	(void)vector;
	c->ipis++;
	if (!c->bsp && bsp &&
	    !lapic_send_ipi((uint8_t)bsp->apic_id, ICR_FIXED | ICR_ASSERT |
			    (VEC_REPLY + cpu_index(c))))
		c->reply_fail++;
	lapic_eoi();
}

static void on_reply(uint8_t vector)
{
	cpus[vector - VEC_REPLY].replies++;
	lapic_eoi();
}

/* A spurious interrupt has no ISR bit to clear: no EOI (SDM vol. 3,
 * 11.9). */
static void on_spurious(uint8_t vector)
{
	(void)vector;
	__atomic_fetch_add(&spurious, 1, __ATOMIC_SEQ_CST);
}

/* ---- fw_cfg ---- */

static void check_fwcfg(void)
{
	const struct mb_range *r;
	const char *source;
	uint64_t ram_size, map_ram = 0;
	char signature[5];
	int n;

	check_scope("smp: fw_cfg");
	if (!check(fwcfg_present(signature), "signature (selector 0x0000 on"
		   " port 0x510, 4 reads of 0x511) reads \"%s\", want \"QEMU\"",
		   signature))
		return;
	check_note("ID (0x0001): 0x%x", fwcfg_read32(FW_CFG_ID));
	nb_cpus = fwcfg_read16(FW_CFG_NB_CPUS);
	ram_size = fwcfg_read64(FW_CFG_RAM_SIZE);
	check(nb_cpus >= 1 && nb_cpus <= MAX_CPUS,
	      "NB_CPUS (0x0005) = %u (1..%u)", nb_cpus, MAX_CPUS);
	check_note("MAX_CPUS (0x000f) = %u", fwcfg_read16(FW_CFG_MAX_CPUS));
	check_note("RAM_SIZE (0x0003) = 0x%llx (%llu MiB)",
		   (unsigned long long)ram_size,
		   (unsigned long long)(ram_size >> 20));

	n = mb_ram_ranges(&r, &source);
	for (int i = 0; i < n; i++) {
		check_note("multiboot %s RAM [0x%llx, 0x%llx)", source,
			   (unsigned long long)r[i].base,
			   (unsigned long long)(r[i].base + r[i].len));
		map_ram += r[i].len;
	}
	check(map_ram <= ram_size && map_ram + RAM_SLACK >= ram_size,
	      "RAM_SIZE agrees with the multiboot map: %llu KiB in the map,"
	      " %llu KiB from fw_cfg (the map may keep back up to %u KiB)",
	      (unsigned long long)(map_ram >> 10),
	      (unsigned long long)(ram_size >> 10), RAM_SLACK >> 10);
}

/* ---- ACPI ---- */

static uint16_t pm_port;	/* the FADT's PM timer */

static uint32_t pm_timer_count(void)
{
	return inl(pm_port);
}

/* True if a table at addr can be read with paging off (it is not null and
 * lies below 4 GiB); a failed check otherwise. */
static bool reachable(const char *what, uint32_t i, uint64_t addr)
{
	if (addr && addr < 0xfffff000ull)
		return true;
	check(false, "%s[%u] at 0x%llx: null or above 4 GiB", what, i,
	      (unsigned long long)addr);
	return false;
}

/* Checks the checksum of entry i of a root table; returns whether it
 * held. */
static bool check_table(const char *from, uint32_t i, uint64_t addr)
{
	const struct acpi_header *h = (const void *)(uint32_t)addr;

	if (!reachable(from, i, addr))
		return false;
	return check(h->length >= sizeof(*h) &&
		     acpi_checksum_ok(h, h->length),
		     "%s[%u]: %s at 0x%x, %u bytes, revision %u: checksum",
		     from, i, sig(h->signature), (uint32_t)addr, h->length,
		     h->revision);
}

/* Checks the RSDT or XSDT at addr and all the tables it lists; returns
 * the root if its own signature and checksum held, else NULL. */
static const struct acpi_header *check_root(uint64_t addr, bool xsdt)
{
	const char *name = xsdt ? "XSDT" : "RSDT";
	const struct acpi_header *root = (const void *)(uint32_t)addr;
	uint32_t n;

	if (!reachable(xsdt ? "RSDP.XSDT" : "RSDP.RSDT", 0, addr) ||
	    !check(!memcmp(root->signature, name, 4) &&
		   root->length >= sizeof(*root) &&
		   acpi_checksum_ok(root, root->length),
		   "%s at 0x%x: signature \"%s\", %u bytes, checksum", name,
		   (uint32_t)addr, sig(root->signature), root->length))
		return NULL;
	n = acpi_root_count(root, xsdt);
	check_note("%s lists %u tables", name, n);
	for (uint32_t i = 0; i < n; i++)
		check_table(name, i, acpi_root_entry(root, xsdt, i));
	return root;
}

/* The first table with signature s that root lists, or NULL. */
static const struct acpi_header *find_table(const struct acpi_header *root,
					    bool xsdt, const char *s)
{
	for (uint32_t i = 0; root && i < acpi_root_count(root, xsdt); i++) {
		uint64_t a = acpi_root_entry(root, xsdt, i);
		const struct acpi_header *h = (const void *)(uint32_t)a;

		if (a && a < 0xfffff000ull && !memcmp(h->signature, s, 4))
			return h;
	}
	return NULL;
}

/* Adds an enabled processor entry to cpus[]. */
static void add_cpu(uint32_t apic_id, uint32_t uid, bool x2apic)
{
	struct cpu *c;

	if (ncpus >= MAX_CPUS) {
		check(false, "more than %d enabled CPUs in the MADT", MAX_CPUS);
		return;
	}
	c = &cpus[ncpus++];
	c->apic_id = apic_id;
	c->uid = uid;
	c->x2apic_entry = x2apic;
	if (apic_id < 255 && !apic_to_cpu[apic_id])
		apic_to_cpu[apic_id] = (uint8_t)ncpus;
}

/* Lists the MADT's entries, fills cpus[] with its enabled processors and
 * checks their count against fw_cfg. */
static void check_madt(const struct acpi_madt *madt)
{
	uint32_t ioapics = 0, enabled = 0, entries = 0;
	uint32_t end = (uint32_t)(madt + 1);

	check_note("MADT: local APIC address 0x%x, flags 0x%x%s",
		   madt->lapic_addr, madt->flags,
		   madt->flags & 1 ? " (PCAT_COMPAT)" : "");
	lapic_addr = madt->lapic_addr;
	for (const struct acpi_madt_entry *e = acpi_madt_next(madt, NULL); e;
	     e = acpi_madt_next(madt, e)) {
		entries++;
		end = (uint32_t)e + e->length;
		switch (e->type) {
		case MADT_LAPIC: {
			const struct acpi_madt_lapic *l = (const void *)e;

			check_note("MADT: processor local APIC: UID %u, APIC ID"
				   " %u, flags 0x%x (%s)", l->uid, l->apic_id,
				   l->flags, l->flags & MADT_ENABLED ?
				   "enabled" : "disabled");
			if (l->flags & MADT_ENABLED) {
				enabled++;
				add_cpu(l->apic_id, l->uid, false);
			}
			break;
		}
		case MADT_X2APIC: {
			const struct acpi_madt_x2apic *x = (const void *)e;

			check_note("MADT: processor local x2APIC: UID %u, x2APIC"
				   " ID %u, flags 0x%x (%s)", x->uid,
				   x->x2apic_id, x->flags,
				   x->flags & MADT_ENABLED ?
				   "enabled" : "disabled");
			if (x->flags & MADT_ENABLED) {
				enabled++;
				add_cpu(x->x2apic_id, x->uid, true);
			}
			break;
		}
		case MADT_IOAPIC: {
			const struct acpi_madt_ioapic *io = (const void *)e;

			check_note("MADT: IOAPIC: ID %u at 0x%x, GSI base %u",
				   io->id, io->addr, io->gsi_base);
			ioapics++;
			break;
		}
		case MADT_ISO: {
			const struct acpi_madt_iso *iso = (const void *)e;

			check_note("MADT: interrupt source override: bus %u IRQ"
				   " %u -> GSI %u, flags 0x%x", iso->bus,
				   iso->source, iso->gsi, iso->flags);
			break;
		}
		case MADT_LAPIC_ADDR: {
			const struct acpi_madt_lapic_addr *a = (const void *)e;

			check_note("MADT: local APIC address override 0x%llx",
				   (unsigned long long)a->addr);
			if (a->addr < 0xfffff000ull)
				lapic_addr = (uint32_t)a->addr;
			break;
		}
		case MADT_LAPIC_NMI:
			check_note("MADT: local APIC NMI (type 4)");
			break;
		default:
			check_note("MADT: entry type %u, %u bytes", e->type,
				   e->length);
			break;
		}
	}
	check(entries > 0 && end == (uint32_t)madt + madt->h.length,
	      "MADT: %u entries fill its %u bytes exactly", entries,
	      madt->h.length);
	check(ioapics >= 1, "MADT: %u IOAPIC entries (at least 1)", ioapics);
	check(enabled >= 1 && enabled == nb_cpus,
	      "MADT: %u enabled processors = fw_cfg NB_CPUS %u", enabled,
	      nb_cpus);
}

/* Prints the FADT's PM timer block and checks that the timer counts. */
static void check_fadt(const struct acpi_fadt *f)
{
	uint32_t pm, pit;
	int tries;

	check_note("FADT: revision %u, %u bytes, SCI IRQ %u, SMI_CMD 0x%x,"
		   " PM1a_EVT 0x%x, PM1a_CNT 0x%x, DSDT 0x%x",
		   f->h.revision, f->h.length, f->sci_int, f->smi_cmd,
		   f->pm1a_evt_blk, f->pm1a_cnt_blk, f->dsdt);
	check_note("FADT: PM timer at port 0x%x, PM_TMR_LEN %u",
		   f->pm_tmr_blk, f->pm_tmr_len);
	if (!f->pm_tmr_blk || f->pm_tmr_blk > 0xfffc) {
		check_note("FADT: no PM timer port; its checks skipped");
		return;
	}
	check(f->pm_tmr_len == 4, "FADT: PM_TMR_LEN is 4 (%u)",
	      f->pm_tmr_len);
	pm_port = (uint16_t)f->pm_tmr_blk;
	tries = pit_measure(pm_timer_count, false, 0xffffff, CALIB_TICKS,
			    CALIB_TRIES, &pm, &pit);
	/* 3.579545 MHz is 3 PIT ticks (1.193182 MHz) exactly: both are
	 * 14.31818 MHz divided down. The rate is reported, not checked. */
	check(tries && pm, "PM timer counts: %u counts over %u PIT ticks,"
	      " %u.%02u per tick (3 for 3.579545 MHz; %d of %d tries)", pm,
	      pit, pit ? pm / pit : 0, pit ? pm % pit * 100 / pit : 0, tries,
	      CALIB_TRIES);
}

static void check_acpi(void)
{
	const struct acpi_header *rsdt = NULL, *xsdt = NULL, *root;
	const struct acpi_header *madt, *fadt;
	const struct acpi_rsdp *rsdp;
	const char *where;
	uint32_t ebda;
	char oem[7];

	check_scope("smp: acpi");
	rsdp = acpi_find_rsdp(&where, &ebda);
	if (ebda)
		check_note("EBDA at 0x%x (segment at 0x40e): its first KiB"
			   " scanned", ebda);
	else
		check_note("no EBDA pointer at 0x40e: only 0xe0000-0xfffff"
			   " scanned");
	if (!check(rsdp != NULL, "RSDP found (%s at 0x%x)", where,
		   (uint32_t)rsdp))
		return;
	memcpy(oem, rsdp->oem_id, 6);
	oem[6] = 0;
	check_note("RSDP: OEM \"%s\", revision %u, RSDT 0x%x", oem,
		   rsdp->revision, rsdp->rsdt);
	check(acpi_checksum_ok(rsdp, ACPI_RSDP_V1_LEN),
	      "RSDP checksum (20 bytes)");
	if (rsdp->revision >= 2) {
		check_note("RSDP: length %u, XSDT 0x%llx", rsdp->length,
			   (unsigned long long)rsdp->xsdt);
		check(rsdp->length >= sizeof(*rsdp) && rsdp->length < 4096 &&
		      acpi_checksum_ok(rsdp, rsdp->length),
		      "RSDP extended checksum (%u bytes)", rsdp->length);
	}
	rsdt = check_root(rsdp->rsdt, false);
	if (rsdp->revision >= 2 && rsdp->xsdt)
		xsdt = check_root(rsdp->xsdt, true);
	/* ACPI 6.4 5.2.8: an OS uses the XSDT when there is one. */
	root = xsdt ? xsdt : rsdt;

	madt = find_table(root, xsdt != NULL, "APIC");
	if (check(madt != NULL, "MADT (\"APIC\") found in the %s",
		  xsdt ? "XSDT" : "RSDT"))
		check_madt((const struct acpi_madt *)madt);
	fadt = find_table(root, xsdt != NULL, "FACP");
	if (check(fadt != NULL && fadt->length >= sizeof(struct acpi_fadt),
		  "FADT (\"FACP\") found in the %s, at least %u bytes",
		  xsdt ? "XSDT" : "RSDT", (uint32_t)sizeof(struct acpi_fadt)))
		check_fadt((const struct acpi_fadt *)fadt);
}

/* ---- the local APIC on the BSP ---- */

/* Reads this CPU's IDs and IA32_APIC_BASE into c. */
static void identify(struct cpu *c)
{
	uint32_t a, b, cx, d;

	cpuid(1, 0, &a, &b, &cx, &d);
	c->cpuid_id = b >> 24;
	c->lapic_id = lapic_id();
	c->apic_base = (uint32_t)rdmsr(MSR_APIC_BASE);
}

/* Checks the BSP's APIC, enables it and installs the handlers; false if
 * there is no usable APIC (then nothing else can run). */
static bool setup_bsp_apic(void)
{
	uint32_t a, b, c, d, base, ver;

	check_scope("smp: lapic");
	cpuid(1, 0, &a, &b, &c, &d);
	check_note("CPUID.1: EDX.APIC=%u ECX.x2APIC=%u, initial APIC ID %u",
		   !!(d & CPUID_1_EDX_APIC), !!(c & CPUID_1_ECX_X2APIC),
		   b >> 24);
	if (!check(d & CPUID_1_EDX_APIC, "CPUID.1:EDX.APIC (bit 9) is set"))
		return false;
	base = (uint32_t)rdmsr(MSR_APIC_BASE);
	check(base & APIC_BASE_ENABLE && base & APIC_BASE_BSP &&
	      !(base & APIC_BASE_X2APIC) &&
	      (base & APIC_BASE_ADDR_MASK) == lapic_addr,
	      "IA32_APIC_BASE = 0x%x: enabled, BSP, xAPIC mode, at the MADT's"
	      " 0x%x", base, lapic_addr);
	lapic_set_base(lapic_addr);
	ver = lapic_read(LAPIC_VERSION);
	check(lapic_id() == b >> 24, "LAPIC ID register %u = CPUID.1:EBX"
	      "[31:24] %u", lapic_id(), b >> 24);
	check((ver & 0xff) >= 0x10, "version register 0x%x: integrated APIC"
	      " (version 0x%x >= 0x10), max LVT %u", ver, ver & 0xff,
	      (ver >> 16) & 0xff);

	if (!apic_to_cpu[lapic_id()]) {
		check(false, "the BSP's APIC ID %u is an enabled processor in"
		      " the MADT", lapic_id());
		/* Carry on with it listed, to check what still can be. */
		add_cpu(lapic_id(), 0, false);
		if (!apic_to_cpu[lapic_id()])
			return false;
	}
	bsp = &cpus[apic_to_cpu[lapic_id()] - 1];
	bsp->bsp = true;

	/* The BIOS leaves the 8259 delivering the PIT's IRQ 0 as vector 8
	 * through LINT0 (ExtINT); this guest takes no 8259 interrupts. */
	check_note("LVT LINT0 0x%x, LINT1 0x%x: LINT0 now masked",
		   lapic_read(LAPIC_LVT_LINT0), lapic_read(LAPIC_LVT_LINT1));
	lapic_write(LAPIC_LVT_LINT0, lapic_read(LAPIC_LVT_LINT0) | LVT_MASKED);

	irq_init();
	irq_set_handler(VEC_TIMER, on_timer);
	irq_set_handler(VEC_IPI, on_ipi);
	for (int i = 0; i < ncpus; i++)
		irq_set_handler(VEC_REPLY + i, on_reply);
	irq_set_handler(VEC_SPURIOUS, on_spurious);
	lapic_enable(VEC_SPURIOUS);
	check(lapic_read(LAPIC_SVR) == (LAPIC_SVR_ENABLE | VEC_SPURIOUS),
	      "SVR = 0x%x: software-enabled, spurious vector 0x%x",
	      lapic_read(LAPIC_SVR), VEC_SPURIOUS);
	identify(bsp);
	bsp->online = 1;
	return true;
}

/* ---- the LAPIC timer ---- */

/* Runs the timer down from 0xffffffff, masked, and keeps two reads of its
 * current count; leaves it stopped. */
static void timer_countdown(struct cpu *c)
{
	lapic_write(LAPIC_TIMER_DIV, LAPIC_TIMER_DIV_16);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	lapic_write(LAPIC_TIMER_INIT, 0xffffffffu);
	c->count0 = lapic_read(LAPIC_TIMER_CUR);
	c->count1 = c->count0;
	for (int i = 0; i < 1000000 && c->count1 == c->count0; i++)
		c->count1 = lapic_read(LAPIC_TIMER_CUR);
	lapic_write(LAPIC_TIMER_INIT, 0);
}

static uint32_t lapic_timer_count(void)
{
	return lapic_read(LAPIC_TIMER_CUR);
}

/* The LAPIC timer's rate in kHz (divide by 16) against the PIT, counting
 * down from 0xffffffff, masked; leaves it stopped. Returns the tries it
 * took, or 0 (as pit_measure). */
static int timer_measure_khz(uint32_t *khz)
{
	uint32_t apic, pit;
	int tries;

	lapic_write(LAPIC_TIMER_DIV, LAPIC_TIMER_DIV_16);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	lapic_write(LAPIC_TIMER_INIT, 0xffffffffu);
	tries = pit_measure(lapic_timer_count, true, 0xffffffffu,
			    CALIB_TICKS, CALIB_TRIES, &apic, &pit);
	lapic_write(LAPIC_TIMER_INIT, 0);
	/* PIT_HZ / 1000 is 1193.182: 1193 is within 0.02%. Split so that
	 * nothing overflows 32 bits (no 64-bit division here). */
	*khz = pit ? apic / pit * 1193u + apic % pit * 1193u / pit : 0;
	return tries;
}

static void calibrate_timer(void)
{
	uint32_t k0, k1, lo, hi;
	int t0, t1;

	check_scope("smp: timer");
	timer_countdown(bsp);
	t0 = timer_measure_khz(&k0);
	t1 = timer_measure_khz(&k1);
	lo = k0 < k1 ? k0 : k1;
	hi = k0 < k1 ? k1 : k0;
	check(t0 && t1, "calibration samples bracketed to 1%% of the window"
	      " (tries: %d, %d of %d)", t0, t1, CALIB_TRIES);
	check(hi && (uint64_t)(hi - lo) * 10 <= hi,
	      "calibration against PIT channel 2: %u kHz then %u kHz over"
	      " %u PIT ticks each (divide by 16): within 10%%", k0, k1,
	      CALIB_TICKS);
	check(lo >= 100 && hi <= 4000000, "rate %u-%u kHz is within [100 kHz,"
	      " 4 GHz]", lo, hi);
	timer_period = k1 ? k1 : 1000;
	check_note("periodic mode: initial count %u for a 1 ms period",
		   timer_period);
}

static void timer_periodic_start(struct cpu *c)
{
	c->phase = PH_PERIODIC;
	lapic_write(LAPIC_TIMER_DIV, LAPIC_TIMER_DIV_16);
	lapic_write(LAPIC_LVT_TIMER, LVT_TIMER_PERIODIC | VEC_TIMER);
	lapic_write(LAPIC_TIMER_INIT, timer_period);
}

/* Stops the periodic timer and lets a tick already pending in the IRR be
 * taken (still counted as periodic), then arms a 1 ms one-shot. Call with
 * interrupts off. */
static void timer_oneshot_start(struct cpu *c)
{
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	lapic_write(LAPIC_TIMER_INIT, 0);
	for (int i = 0; i < 1000 && lapic_vector_set(LAPIC_IRR, VEC_TIMER);
	     i++)
		__asm__ volatile("sti; nop; cli");
	c->phase = PH_ONESHOT;
	lapic_write(LAPIC_LVT_TIMER, VEC_TIMER);	/* one-shot, unmasked */
	lapic_write(LAPIC_TIMER_INIT, timer_period);
}

/* ---- the APs ---- */

/* What each AP runs: identify itself, enable its APIC, come online, then
 * the timer phases; afterwards it sleeps, answering IPIs. */
static void ap_main(uint32_t index)
{
	struct cpu *c = &cpus[index];

	identify(c);
	lapic_enable(VEC_SPURIOUS);
	timer_countdown(c);
	c->online = 1;
	__atomic_fetch_add(&cpus_online, 1, __ATOMIC_SEQ_CST);

	timer_periodic_start(c);
	while (c->ticks < MIN_TICKS)
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	timer_oneshot_start(c);
	while (!c->oneshots)
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	c->timer_done = 1;
	__atomic_fetch_add(&timers_done, 1, __ATOMIC_SEQ_CST);
	for (;;)
		__asm__ volatile("sti; hlt" ::: "memory");
}

static void start_aps(void)
{
	struct ap_boot_result res;
	uint32_t started = 0;
	uint8_t vector;
	bool in_ram = false;
	const struct mb_range *r;
	const char *source;
	int n;

	check_scope("smp: start");
	if (ncpus == 1) {
		check_note("1 CPU in the MADT: no APs to start");
		return;
	}
	n = mb_ram_ranges(&r, &source);
	for (int i = 0; i < n; i++)
		if (r[i].base <= AP_TRAMPOLINE &&
		    r[i].base + r[i].len >= AP_TRAMPOLINE + 0x1000)
			in_ram = true;
	if (!check(in_ram && ap_boot_size() <= 0x1000, "trampoline page 0x%x"
		   " (%u bytes) is RAM in the multiboot map", AP_TRAMPOLINE,
		   ap_boot_size()))
		return;
	vector = ap_boot_install(AP_TRAMPOLINE);
	for (int i = 0; i < ncpus; i++) {
		struct cpu *c = &cpus[i];

		if (c->bsp)
			continue;
		if (!check(!c->x2apic_entry && c->apic_id < 255,
			   "cpu %d: APIC ID %u can be started in xAPIC mode",
			   i, c->apic_id))
			continue;
		ap_boot_start((uint8_t)c->apic_id,
			      (uint32_t)(ap_stacks[i] + AP_STACK_SIZE), ap_main,
			      (uint32_t)i, ARRIVE_TIMEOUT_US, &res);
		c->started = res.arrived;
		started += res.arrived;
		check(res.arrived && res.icr_ok && res.esr == 0,
		      "cpu %d (APIC ID %u): INIT, 10 ms, SIPI, 200 us, SIPI"
		      " (vector 0x%02x): %s; %u IPIs %s, ESR 0x%x", i,
		      c->apic_id, vector, res.arrived ? "reached 32-bit code"
		      : "did not reach 32-bit code within 1 s", res.ipis,
		      res.icr_ok ? "sent" : "stuck in the ICR", res.esr);
	}
	wait_for(&cpus_online, started, ONLINE_TIMEOUT_US);
	check(cpus_online == (uint32_t)ncpus - 1, "%u of %d APs online (waited"
	      " up to %u s of PIT time)", cpus_online, ncpus - 1,
	      ONLINE_TIMEOUT_US / 1000000);
}

/* One line per CPU: it is online and its three IDs agree. */
static void check_ids(void)
{
	for (int i = 0; i < ncpus; i++) {
		struct cpu *c = &cpus[i];
		bool bsp_bit = c->apic_base & APIC_BASE_BSP;

		check_scope("smp: cpu %d", i);
		if (!c->online) {
			check(false, "APIC ID %u%s online", c->apic_id,
			      c->bsp ? " (BSP)" : "");
			continue;
		}
		check(c->lapic_id == c->apic_id && c->cpuid_id == c->apic_id &&
		      bsp_bit == c->bsp && c->apic_base & APIC_BASE_ENABLE,
		      "APIC ID %u%s online: LAPIC ID %u, CPUID.1:EBX[31:24]"
		      " %u, MADT %u; IA32_APIC_BASE 0x%x (BSP=%u, enabled=%u)",
		      c->apic_id, c->bsp ? " (BSP)" : "", c->lapic_id,
		      c->cpuid_id, c->apic_id, c->apic_base, bsp_bit,
		      !!(c->apic_base & APIC_BASE_ENABLE));
	}
}

/* The BSP's own timer phases, with a rate check no AP can do (the PIT is
 * the BSP's); then the APs' results, once all are done. */
static void check_timers(void)
{
	uint32_t t0, window, expect = RATE_US / 1000, want = 0;

	check_scope("smp: timer");
	timer_periodic_start(bsp);
	t0 = bsp->ticks;
	delay_sti(RATE_US);
	window = bsp->ticks - t0;
	check(window >= 1 && window <= 2 * expect + 2,
	      "periodic rate: %u interrupts in %u ms of PIT time with a 1 ms"
	      " period (at most twice the calibrated rate)", window, expect);
	wait_for(&bsp->ticks, MIN_TICKS, TIMER_TIMEOUT_US);
	timer_oneshot_start(bsp);
	wait_for(&bsp->oneshots, 1, TIMER_TIMEOUT_US);
	bsp->timer_done = 1;

	for (int i = 0; i < ncpus; i++)
		want += cpus[i].started;
	wait_for(&timers_done, want, TIMER_TIMEOUT_US);
	delay_sti(SETTLE_US);	/* a second one-shot would show now */

	for (int i = 0; i < ncpus; i++) {
		struct cpu *c = &cpus[i];

		check_scope("smp: cpu %d", i);
		if (!c->online)
			continue;
		check(c->count1 < c->count0, "LAPIC timer current count"
		      " decreases: 0x%x then 0x%x", c->count0, c->count1);
		check(c->ticks >= MIN_TICKS, "%u periodic LAPIC timer"
		      " interrupts (at least %u)", c->ticks, MIN_TICKS);
		check(c->oneshots == 1 && c->stray_timer == 0,
		      "one-shot LAPIC timer fired exactly once (%u), %u stray"
		      " timer interrupts%s", c->oneshots, c->stray_timer,
		      c->timer_done ? "" : " (timer phases not finished)");
	}
}

/* ---- IPIs ---- */

static void check_ipis(void)
{
	uint32_t got, sent, ap_wait_fail = 0;
	bool isr_clear = true;

	check_scope("smp: ipi");
	/* Self IPIs: each must arrive, and only after the previous EOI can
	 * the next one be taken. */
	for (got = 0; got < IPI_ROUNDS; got++) {
		if (!lapic_send_ipi(0, ICR_SELF | ICR_ASSERT | VEC_IPI) ||
		    !wait_for(&bsp->ipis, got + 1, IPI_TIMEOUT_US))
			break;
	}
	check(got == IPI_ROUNDS && bsp->ipis == IPI_ROUNDS,
	      "%u self IPIs (shorthand self, vector 0x%x): %u arrived, one"
	      " after another", IPI_ROUNDS, VEC_IPI, bsp->ipis);

	/* Fixed IPIs to each AP in turn, physical destination, each
	 * answered by a reply IPI before the next goes. */
	for (int i = 0; i < ncpus; i++) {
		struct cpu *c = &cpus[i];

		if (c->bsp || !c->started)
			continue;
		for (uint32_t k = 1; k <= IPI_ROUNDS; k++) {
			if (!lapic_send_ipi((uint8_t)c->apic_id,
				     ICR_FIXED | ICR_ASSERT | VEC_IPI) ||
			    !wait_for(&c->ipis, k, IPI_TIMEOUT_US) ||
			    !wait_for(&c->replies, k, IPI_TIMEOUT_US)) {
				ap_wait_fail++;
				break;
			}
		}
	}
	if (ncpus == 1)
		check_note("1 CPU: no fixed IPIs to APs");

	/* All-excluding-self broadcasts: every AP gets each, the BSP none. */
	sent = bsp->ipis;
	for (uint32_t b = 1; b <= BROADCASTS; b++) {
		if (!lapic_send_ipi(0, ICR_ALL_BUT_SELF | ICR_ASSERT | VEC_IPI)) {
			ap_wait_fail++;
			break;
		}
		for (int i = 0; i < ncpus; i++) {
			struct cpu *c = &cpus[i];

			if (c->bsp || !c->started)
				continue;
			if (!wait_for(&c->ipis, IPI_ROUNDS + b,
				      IPI_TIMEOUT_US) ||
			    !wait_for(&c->replies, IPI_ROUNDS + b,
				      IPI_TIMEOUT_US))
				ap_wait_fail++;
		}
	}
	delay_sti(SETTLE_US);	/* extra or late IPIs would show now */
	check(bsp->ipis == sent, "%u all-excluding-self broadcasts: the BSP"
	      " took none of them (%u)", BROADCASTS, bsp->ipis - sent);
	for (int v = 0; v < 8; v++)
		if (lapic_read(LAPIC_ISR + 0x10 * v))
			isr_clear = false;
	check(isr_clear, "nothing left in service on the BSP (ISR clear)"
	      " after every EOI");
	check(ap_wait_fail == 0, "every IPI to an AP and every reply arrived"
	      " within %u ms", IPI_TIMEOUT_US / 1000);

	for (int i = 0; i < ncpus; i++) {
		struct cpu *c = &cpus[i];
		uint32_t want = IPI_ROUNDS + BROADCASTS;

		if (c->bsp || !c->online)
			continue;
		check_scope("smp: cpu %d", i);
		check(c->ipis == want && c->replies == want &&
		      c->reply_fail == 0,
		      "%u fixed IPIs and %u all-excluding-self broadcasts:"
		      " %u received, %u replies to the BSP", IPI_ROUNDS,
		      BROADCASTS, c->ipis, c->replies);
	}
}

int guest_main(void)
{
	check_scope("smp");
	check_fwcfg();
	check_acpi();
	if (!setup_bsp_apic())
		return check_finish();
	calibrate_timer();
	start_aps();
	check_ids();
	check_timers();
	check_ipis();

	check_scope("smp");
	check(!pit_stalled(), "PIT channel 2 ran out (OUT2 went high) every"
	      " time it was waited on");
	check(irq_ap_faults == 0, "no AP took an exception (%u)",
	      irq_ap_faults);
	check(irq_unhandled == 0 && cpu_unknown.ticks + cpu_unknown.ipis +
	      cpu_unknown.oneshots + cpu_unknown.stray_timer == 0,
	      "no interrupt at an unexpected vector or on an unlisted CPU");
	check_note("%u spurious interrupts (vector 0x%x)", spurious,
		   VEC_SPURIOUS);
	printf("smp: summary: %d CPUs (1 BSP, %u APs online), fw_cfg NB_CPUS"
	       " %u, LAPIC timer %u kHz; per CPU periodic ticks, one-shots,"
	       " IPIs:", ncpus, cpus_online, nb_cpus, timer_period);
	for (int i = 0; i < ncpus; i++)
		printf(" [%d: %u %u %u]", i, cpus[i].ticks, cpus[i].oneshots,
		       cpus[i].ipis);
	printf("\n");
	return check_finish();
}
