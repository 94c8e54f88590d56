/* SPDX-License-Identifier: MIT */
/*
 * Domains: building them from the configs Shale was booted with, ending
 * them (shutdown by the guest, crash by Shale), and destroying them once no
 * CPU holds one of their vCPUs. Runs: host root mode.
 */
#include <asm/cpu.h>
#include <asm/percpu.h>
#include <shale/bootinfo.h>
#include <shale/bug.h>
#include <shale/domain.h>
#include <shale/errno.h>
#include <shale/frames.h>
#include <shale/hvm.h>
#include <shale/json.h>
#include <shale/devices.h>
#include <shale/loader.h>
#include <shale/paging.h>
#include <shale/platform.h>
#include <shale/printk.h>
#include <shale/report.h>
#include <shale/sched.h>
#include <shale/string.h>
#include <shale/xmalloc.h>

#include <asm/platform.h>

/* Domain records outlive their domains (the summary reports them), so they
 * live in the image rather than the allocator: once every domain is
 * destroyed, the allocator's use is back to what it was before. */
static struct domain domain_slots[MAX_DOMAINS];
struct domain *domains[MAX_DOMAINS];
unsigned int nr_domains;
static unsigned int nr_alive;

unsigned int domains_alive(void)
{
	return __atomic_load_n(&nr_alive, __ATOMIC_ACQUIRE);
}

bool domain_is_dying(const struct domain *d)
{
	return __atomic_load_n(&d->state, __ATOMIC_ACQUIRE) >= DOMAIN_DYING;
}

void domain_register_io(struct domain *d, u16 first, u16 count,
			io_handler_fn fn)
{
	BUG_ON(d->nr_io == DOMAIN_MAX_IO_HANDLERS);
	d->io[d->nr_io++] = (struct io_handler){ first, count, fn };
}

/* Prints the buffered console line with the domain's prefix; d->lock held. */
static void console_flush(struct domain *d)
{
	if (!d->con_len)
		return;
	printk("(%s) %.*s\n", d->name, (int)d->con_len, d->con_line);
	d->con_len = 0;
}

void domain_console_put(struct domain *d, char c)
{
	if (c == '\r')
		return;
	if (c == '\n') {
		console_flush(d);
		return;
	}
	if ((u8)c < 0x20 && c != '\t')
		c = '.'; /* keep the host console's lines intact */
	d->con_line[d->con_len++] = c;
	if (d->con_len == sizeof(d->con_line))
		console_flush(d);
}

unsigned int guest_ram_layout(u64 bytes, struct guest_ram_range out[2])
{
	out[0] = (struct guest_ram_range){ 0, MIN(bytes, GUEST_LOW_RAM_MAX) };
	if (bytes <= GUEST_LOW_RAM_MAX)
		return 1;
	out[1] = (struct guest_ram_range){
		GUEST_HIGH_RAM_BASE, GUEST_HIGH_RAM_BASE + bytes - GUEST_LOW_RAM_MAX
	};
	return 2;
}

/* Records a RAM block the domain owns, growing the array as needed. */
static int domain_add_chunk(struct domain *d, mfn_t m, unsigned int order)
{
	if (d->nr_chunks == d->max_chunks) {
		unsigned int more_max = d->max_chunks ? d->max_chunks * 2 : 64;
		struct ram_chunk *more = xzalloc_array(more_max, sizeof(*more));

		if (!more)
			return -SH_ENOMEM;
		if (d->chunks)
			memcpy(more, d->chunks, d->nr_chunks * sizeof(*more));
		xfree(d->chunks);
		d->chunks = more;
		d->max_chunks = more_max;
	}
	d->chunks[d->nr_chunks++] = (struct ram_chunk){ m, order };
	return 0;
}

/* Backs guest frames [gfn, end) with RAM, in the largest naturally aligned
 * pieces the allocator can give (1 GiB, 2 MiB, 4 KiB). */
static int domain_populate_range(struct domain *d, u64 gfn, u64 end)
{
	static const unsigned int orders[] = { 18, 9, 0 };

	while (gfn < end) {
		mfn_t m = INVALID_MFN;
		unsigned int order = 0;

		for (unsigned int i = 0; i < ARRAY_SIZE(orders); i++) {
			order = orders[i];
			if ((gfn & ((1UL << order) - 1)) || gfn + (1UL << order) > end)
				continue;
			m = alloc_frames(order);
			if (!mfn_eq(m, INVALID_MFN))
				break;
		}
		if (mfn_eq(m, INVALID_MFN))
			return -SH_ENOMEM;
		if (domain_add_chunk(d, m, order)) {
			free_frames(m, order);
			return -SH_ENOMEM;
		}
		/* Guest memory never shows what it held before. */
		memset(mfn_to_virt(m), 0, PAGE_SIZE << order);
		if (p2m_set_entry(&d->p2m, _gfn(gfn), m, order, p2m_ram_rw))
			return -SH_ENOMEM;
		gfn += 1UL << order;
	}
	return 0;
}

/* Backs the domain's RAM layout for 'bytes' of RAM. */
static int domain_populate_ram(struct domain *d, u64 bytes)
{
	struct guest_ram_range r[2];
	unsigned int n = guest_ram_layout(bytes, r);

	for (unsigned int i = 0; i < n; i++)
		if (domain_populate_range(d, r[i].start >> PAGE_SHIFT,
					  r[i].end >> PAGE_SHIFT))
			return -SH_ENOMEM;
	d->ram_bytes = bytes;
	return 0;
}

static void domain_free_memory(struct domain *d)
{
	if (d->pod_enabled) {
		pod_fini(&d->pod, &d->p2m);
		d->pod_enabled = false;
	}
	for (unsigned int i = 0; i < d->nr_chunks; i++)
		free_frames(d->chunks[i].mfn, d->chunks[i].order);
	xfree(d->chunks);
	d->chunks = NULL;
	d->nr_chunks = 0;
	paging_domain_fini(d);
	p2m_fini(&d->p2m);
}

/* Finds the module "KIND NAME". */
static const struct boot_module *find_module(const char *kind, const char *name)
{
	size_t kl = strlen(kind), nl = strlen(name);

	for (unsigned int i = 0; i < boot_info.nr_modules; i++) {
		const char *c = boot_info.modules[i].cmdline;

		if (!strncmp(c, kind, kl) && c[kl] == ' ' &&
		    !strncmp(c + kl + 1, name, nl) &&
		    (c[kl + 1 + nl] == '\0' || c[kl + 1 + nl] == ' '))
			return &boot_info.modules[i];
	}
	return NULL;
}

static void domain_fail(struct domain *d, const char *fmt, ...) __printf(2, 3);
/* Records that the domain could not be built; it never runs. */
static void domain_fail(struct domain *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sh_vsnprintf(d->reason, sizeof(d->reason), fmt, ap);
	va_end(ap);
	d->result = RESULT_FAIL;
	d->exit_code = -1;
	d->state = DOMAIN_DEAD;
	printk("shale: domain %s not built: %s\n", d->name, d->reason);
}

/* Creates the vCPUs in their power-on state (vCPU 0 is given its boot
 * state by the loader afterwards; the others wait for a SIPI). */
static int domain_create_vcpus(struct domain *d)
{
	for (unsigned int i = 0; i < d->cfg.vcpus; i++) {
		struct vcpu *v = xzalloc(sizeof(*v));

		if (!v || hvm->vcpu_init(v)) {
			xfree(v);
			return -SH_ENOMEM;
		}
		v->domain = d;
		v->id = i;
		v->state = VCPU_OFFLINE;
		d->vcpus[i] = v;
		d->nr_vcpus++;
		hvm->vcpu_reset(v, BOOT_PROTECTED32);
		if (d->cfg.hap)
			hvm->set_npt_root(v, d->p2m.root);
		sched_assign(v);
	}
	d->vcpus_alive = d->nr_vcpus;
	return 0;
}

/* Builds one domain from its config module. */
static void domain_build(struct domain *d, const struct boot_module *cfg_mod)
{
	char err[160];
	const struct boot_module *kernel, *ramdisk = NULL;
	struct loaded_image img;
	size_t len = cfg_mod->end - cfg_mod->start;
	int rc;

	if (len > DOMCFG_TEXT_MAX)
		return domain_fail(d, "config is %zu bytes, more than %u", len,
				   DOMCFG_TEXT_MAX);
	if (domcfg_parse(paddr_to_virt(cfg_mod->start), len, &d->cfg, err,
			 sizeof(err)))
		return domain_fail(d, "config: %s", err);
	sh_strlcpy(d->name, d->cfg.name, sizeof(d->name));
	kernel = find_module("kernel", d->name);
	if (!kernel)
		return domain_fail(d, "no kernel module for it");
	if (d->cfg.has_ramdisk && !(ramdisk = find_module("ramdisk", d->name)))
		return domain_fail(d, "its ramdisk module is missing");
	if (p2m_init(&d->p2m))
		return domain_fail(d, "out of memory for its P2M");
	if (paging_domain_init(d))
		return domain_fail(d, "hap = %d is not available yet", d->cfg.hap);
	if (d->cfg.maxmem_mib > d->cfg.memory_mib) {
		rc = paging_pod_init(d);
		if (rc == -SH_EOPNOTSUPP)
			return domain_fail(d, "populate-on-demand (maxmem > memory) "
					   "needs hap = 1 for now");
		if (rc)
			return domain_fail(d, "not enough host memory for a %lu MiB "
					   "populate-on-demand target",
					   d->cfg.memory_mib);
		d->ram_bytes = d->cfg.maxmem_mib << 20; /* what the guest sees */
	} else if (domain_populate_ram(d, d->cfg.memory_mib << 20)) {
		return domain_fail(d, "not enough host memory for %lu MiB",
				   d->cfg.memory_mib);
	}
	if (domain_create_vcpus(d))
		return domain_fail(d, "out of memory for its vCPUs");
	devices_init(d);
	rc = platform_init(d);
	if (rc)
		return domain_fail(d, "platform devices: error %d", rc);
	rc = loader_load(d, kernel, ramdisk, &img, err, sizeof(err));
	if (rc)
		return domain_fail(d, "kernel: %s", err);
	d->vcpus[0]->regs = img.regs;
	hvm->vcpu_reset(d->vcpus[0], img.mode);
	d->state = DOMAIN_RUNNING;
	printk("shale: domain %s built: %s, %lu MiB, %u vCPU%s, %s paging\n",
	       d->name, d->cfg.type == DOMAIN_PV ? "pv" : "hvm",
	       d->cfg.memory_mib, d->nr_vcpus, d->nr_vcpus == 1 ? "" : "s",
	       d->paging->name);
}

void domains_build_all(void)
{
	for (unsigned int i = 0; i < boot_info.nr_modules; i++) {
		const struct boot_module *m = &boot_info.modules[i];
		struct domain *d;

		if (strncmp(m->cmdline, "config ", 7))
			continue;
		if (nr_domains == MAX_DOMAINS) {
			printk("shale: more than %u domains; the rest are ignored\n",
			       MAX_DOMAINS);
			break;
		}
		d = &domain_slots[nr_domains];
		d->id = nr_domains;
		d->p2m.root = INVALID_MFN; /* nothing to free until p2m_init */
		spin_lock_init(&d->lock);
		sh_strlcpy(d->name, m->cmdline + 7, sizeof(d->name));
		domains[nr_domains++] = d;
		domain_build(d, m);
		if (d->state == DOMAIN_DEAD) {
			domain_stats_snapshot(d);
			for (unsigned int v = 0; v < d->nr_vcpus; v++) {
				hvm->vcpu_fini(d->vcpus[v]);
				xfree(d->vcpus[v]);
			}
			d->nr_vcpus = 0;
			platform_fini(d);
			domain_free_memory(d);
		}
	}
}

void domains_start_all(void)
{
	for (unsigned int i = 0; i < nr_domains; i++)
		if (domains[i]->state == DOMAIN_RUNNING)
			__atomic_add_fetch(&nr_alive, 1, __ATOMIC_ACQ_REL);
	for (unsigned int i = 0; i < nr_domains; i++) {
		struct domain *d = domains[i];

		if (d->state != DOMAIN_RUNNING)
			continue;
		d->start_tsc = rdtsc();
		vcpu_wake(d->vcpus[0]);
	}
}

/* Moves the domain from RUNNING to DYING; true for the one caller that
 * did, which alone then writes the verdict (result, exit code, reason)
 * and calls domain_kill_vcpus. That caller is one of the domain's own
 * vCPUs, held by its CPU, so the domain cannot be destroyed meanwhile. */
static bool domain_claim_end(struct domain *d)
{
	enum domain_state running = DOMAIN_RUNNING;

	if (!__atomic_compare_exchange_n(&d->state, &running, DOMAIN_DYING,
					 false, __ATOMIC_SEQ_CST,
					 __ATOMIC_ACQUIRE))
		return false;
	d->end_tsc = rdtsc();
	return true;
}

/* Marks the dying domain's vCPUs that no CPU holds dead and kicks the
 * CPUs of the others (whose schedulers put them: sched_loop). */
static void domain_kill_vcpus(struct domain *d)
{
	unsigned int to_put = 0;

	for (unsigned int i = 0; i < d->nr_vcpus; i++) {
		struct vcpu *v = d->vcpus[i];
		struct percpu *p = &percpu[v->pcpu];

		spin_lock(&p->runq_lock);
		if (!v->on_cpu && (v->state == VCPU_OFFLINE ||
				   v->state == VCPU_BLOCKED)) {
			v->state = VCPU_DEAD;
			to_put++;
		}
		spin_unlock(&p->runq_lock);
		sched_kick(v->pcpu);
	}
	while (to_put--)
		domain_put_vcpu(d);
}

void domain_shutdown(struct domain *d, int code)
{
	spin_lock(&d->lock);
	console_flush(d);
	spin_unlock(&d->lock);
	if (!domain_claim_end(d))
		return;
	d->exit_code = code;
	d->result = code == 0 ? RESULT_PASS : RESULT_FAIL;
	sh_snprintf(d->reason, sizeof(d->reason), "guest exit code %d", code);
	domain_kill_vcpus(d);
}

void domain_poweroff(struct domain *d, const char *how, bool reset)
{
	spin_lock(&d->lock);
	console_flush(d);
	spin_unlock(&d->lock);
	if (!domain_claim_end(d))
		return;
	/* Shale does not restart domains: a reset ends one, but is not the
	 * clean poweroff a passing guest does (Linux resets after a panic). */
	d->exit_code = reset ? 1 : 0;
	d->result = reset ? RESULT_FAIL : RESULT_PASS;
	sh_snprintf(d->reason, sizeof(d->reason), "%s", how);
	domain_kill_vcpus(d);
}

void domain_crash(struct domain *d, struct vcpu *v, const char *fmt, ...)
{
	va_list ap;

	if (!domain_claim_end(d))
		return;
	va_start(ap, fmt);
	sh_vsnprintf(d->reason, sizeof(d->reason), fmt, ap);
	va_end(ap);
	spin_lock(&d->lock);
	console_flush(d);
	spin_unlock(&d->lock);
	printk("shale: domain %s crashed: %s\n", d->name, d->reason);
	if (v) {
		const struct cpu_regs *r = &v->regs;

		printk("  vcpu %u rip %016lx rflags %016lx cpl %u\n", v->id, r->rip,
		       r->rflags, hvm->cpl(v));
		printk("  rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", r->rax,
		       r->rbx, r->rcx, r->rdx);
		printk("  rsi %016lx rdi %016lx rbp %016lx rsp %016lx\n", r->rsi,
		       r->rdi, r->rbp, r->rsp);
		printk("  r8  %016lx r9  %016lx r10 %016lx r11 %016lx\n", r->r8,
		       r->r9, r->r10, r->r11);
		printk("  r12 %016lx r13 %016lx r14 %016lx r15 %016lx\n", r->r12,
		       r->r13, r->r14, r->r15);
		printk("  cr0 %016lx cr2 %016lx cr3 %016lx cr4 %016lx\n", v->cr[0],
		       v->cr[2], v->cr[3], v->cr[4]);
		hvm->dump(v);
	}
	d->result = RESULT_CRASHED;
	d->exit_code = -1;
	domain_kill_vcpus(d);
}

const char *domain_result_name(enum domain_result r)
{
	switch (r) {
	case RESULT_PASS:
		return "pass";
	case RESULT_FAIL:
		return "fail";
	case RESULT_CRASHED:
		return "crashed";
	default:
		return "none";
	}
}

/* Prints the exit line and frees everything; no CPU holds a vCPU now,
 * and once wake_scans is 0 none looks at them from its scheduler
 * (wake_due_vcpus, which sees DEAD from then on). */
static void domain_destroy(struct domain *d)
{
	static char buf[4096];
	static spinlock_t buf_lock = SPINLOCK_INIT;
	struct json_out j;

	domain_stats_snapshot(d);
	__atomic_store_n(&d->state, DOMAIN_DEAD, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&d->wake_scans, __ATOMIC_SEQ_CST))
		cpu_relax();
	spin_lock(&buf_lock);
	json_init(&j, buf, sizeof(buf));
	domain_stats_json(d, &j, NULL);
	printk("shale: domain %s exit %d ", d->name, d->exit_code);
	printk_buffer(buf, j.len);
	printk("\n");
	spin_unlock(&buf_lock);
	for (unsigned int i = 0; i < d->nr_vcpus; i++) {
		hvm->vcpu_fini(d->vcpus[i]);
		xfree(d->vcpus[i]);
		d->vcpus[i] = NULL;
	}
	platform_fini(d);
	domain_free_memory(d);
	if (__atomic_sub_fetch(&nr_alive, 1, __ATOMIC_ACQ_REL) == 0)
		shale_finish();
}

void domain_put_vcpu(struct domain *d)
{
	if (__atomic_sub_fetch(&d->vcpus_alive, 1, __ATOMIC_ACQ_REL) == 0)
		domain_destroy(d);
}

bool domains_all_passed(void)
{
	for (unsigned int i = 0; i < nr_domains; i++)
		if (domains[i]->result != RESULT_PASS)
			return false;
	return true;
}

void domains_summary_json(struct json_out *j)
{
	json_array_begin(j, "domains");
	for (unsigned int i = 0; i < nr_domains; i++) {
		struct domain *d = domains[i];

		json_object_begin(j, NULL);
		json_str(j, "name", d->name);
		json_str(j, "result", domain_result_name(d->result));
		json_s64(j, "exit_code", d->exit_code);
		json_str(j, "reason", d->reason);
		domain_stats_json(d, j, "stats");
		json_object_end(j);
	}
	json_array_end(j);
}
