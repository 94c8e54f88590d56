/* SPDX-License-Identifier: MIT */
/*
 * SVM vCPUs: the VMCB each one runs from, its initial state, the run loop
 * step (ASID, FPU, CLGI/VMRUN/STGI) and the decoding of #VMEXIT into a
 * common struct vm_exit. Runs: host root mode.
 * AMD APM vol. 2: 15.5 (VMRUN), 15.9-15.14 (intercepts), 15.16 (TLB and
 * ASIDs), 15.20 (event injection), 15.25 (nested paging).
 */
#include <asm/cpu.h>
#include <asm/msr-index.h>
#include <asm/percpu.h>
#include <shale/bug.h>
#include <shale/domain.h>
#include <shale/emulate.h>
#include <shale/exception.h>
#include <shale/errno.h>
#include <shale/frames.h>
#include <shale/guest_walk.h>
#include <shale/hvm.h>
#include <shale/paging.h>
#include <shale/printk.h>
#include <shale/spinlock.h>
#include <shale/string.h>
#include <shale/vcpu.h>
#include <shale/vmexit.h>
#include <shale/vmexit_handlers.h>
#include <shale/xmalloc.h>

#include "svm.h"
#include "vmcb.h"

void svm_vmrun(u64 vmcb_pa, struct cpu_regs *regs, u64 host_vmsave_pa);

struct svm_vcpu {
	struct vmcb *vmcb;
	paddr_t vmcb_pa;
	u64 pending_reinject; /* EXITINTINFO to deliver again, or 0 */
	bool reinject_at_insn; /* pending_reinject is a software event and
				* RIP is still on its instruction */
	u64 exit_event;       /* the last exit's EXITINTINFO when valid: the
			       * event whose delivery it interrupted */
	bool soft_injected;   /* the last entry injected a software event
			       * with RIP moved past its instruction: */
	u32 soft_event;       /* that event (EVENTINJ's low half) */
	u64 soft_insn_rip;    /* RIP of that instruction */
	u64 soft_next_rip;    /* and after it */
	u64 soft_cs_base;     /* CS base then */
	u8 fpu[512] __aligned(16); /* FXSAVE image */
};

/* One I/O and one MSR permission map for every vCPU: intercept all ports
 * and all MSRs but those the hardware keeps per guest in the VMCB. Made
 * when the first CPU enables SVM, kept for the life of the machine. */
static paddr_t iopm_pa, msrpm_pa;
static spinlock_t maps_lock = SPINLOCK_INIT;

static void msrpm_passthrough(u8 *msrpm, u32 msr)
{
	u32 base = msr >= 0xc0010000 ? 0x1000 : msr >= 0xc0000000 ? 0x800 : 0;
	u32 bit = (msr & 0x1fff) * 2;

	msrpm[base + bit / 8] &= (u8)~(3u << (bit % 8));
}

int svm_permission_maps_init(void)
{
	static const u32 passthrough[] = {
		MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE, MSR_STAR,
		MSR_LSTAR, MSR_CSTAR, MSR_SFMASK, 0x174, 0x175, 0x176,
	};
	mfn_t io, msr;
	u8 *map;

	spin_lock(&maps_lock);
	if (iopm_pa) {
		spin_unlock(&maps_lock);
		return 0;
	}
	io = alloc_frames(2);
	msr = alloc_frames(1);
	if (mfn_eq(io, INVALID_MFN) || mfn_eq(msr, INVALID_MFN)) {
		if (!mfn_eq(io, INVALID_MFN))
			free_frames(io, 2);
		if (!mfn_eq(msr, INVALID_MFN))
			free_frames(msr, 1);
		spin_unlock(&maps_lock);
		return -SH_ENOMEM;
	}
	memset(mfn_to_virt(io), 0xff, 4 * PAGE_SIZE);
	map = mfn_to_virt(msr);
	memset(map, 0xff, 2 * PAGE_SIZE);
	for (unsigned int i = 0; i < ARRAY_SIZE(passthrough); i++)
		msrpm_passthrough(map, passthrough[i]);
	iopm_pa = mfn_to_paddr(io);
	msrpm_pa = mfn_to_paddr(msr);
	spin_unlock(&maps_lock);
	return 0;
}

int svm_vcpu_init(struct vcpu *v)
{
	struct svm_vcpu *s;
	mfn_t m;

	s = xzalloc(sizeof(*s));
	if (!s)
		return -SH_ENOMEM;
	m = alloc_frames_zeroed(0);
	if (mfn_eq(m, INVALID_MFN)) {
		xfree(s);
		return -SH_ENOMEM;
	}
	s->vmcb = mfn_to_virt(m);
	s->vmcb_pa = mfn_to_paddr(m);
	/* The FPU image a CPU gets after FNINIT with SSE on (SDM 10.5.1). */
	*(u16 *)&s->fpu[0] = 0x037f;       /* FCW */
	*(u32 *)&s->fpu[24] = 0x1f80;      /* MXCSR */
	*(u32 *)&s->fpu[28] = 0xffff;      /* MXCSR_MASK */
	v->hvm_data = s;
	v->asid_pcpu = -1;
	return 0;
}

void svm_vcpu_fini(struct vcpu *v)
{
	struct svm_vcpu *s = v->hvm_data;

	if (!s)
		return;
	svm_forget_fpu(s);
	free_frames(paddr_to_mfn(s->vmcb_pa), 0);
	xfree(s);
	v->hvm_data = NULL;
}

static struct vmcb *vmcb_of(struct vcpu *v)
{
	return ((struct svm_vcpu *)v->hvm_data)->vmcb;
}

static void seg_set(struct vmcb_seg *seg, u16 sel, u16 attrib, u32 limit)
{
	*seg = (struct vmcb_seg){ .sel = sel, .attrib = attrib, .limit = limit };
}

/* The intercepts every Shale guest runs with. */
static void vmcb_init_control(struct vmcb_control *c)
{
	c->intercept_cr_write = (1u << 0) | (1u << 4); /* CR0, CR4 */
	c->intercept_exceptions = 1u << 18;            /* #MC stays the host's */
	c->intercept_misc1 = INTERCEPT_INTR | INTERCEPT_NMI | INTERCEPT_SMI |
			     INTERCEPT_INIT | INTERCEPT_CPUID | INTERCEPT_HLT |
			     INTERCEPT_INVD | INTERCEPT_INVLPGA |
			     INTERCEPT_IOIO | INTERCEPT_MSR |
			     INTERCEPT_TASK_SWITCH | INTERCEPT_FERR_FREEZE |
			     INTERCEPT_SHUTDOWN;
	c->intercept_misc2 = INTERCEPT_VMRUN | INTERCEPT_VMMCALL |
			     INTERCEPT_VMLOAD | INTERCEPT_VMSAVE |
			     INTERCEPT_STGI | INTERCEPT_CLGI |
			     INTERCEPT_SKINIT | INTERCEPT_XSETBV |
			     INTERCEPT_MONITOR | INTERCEPT_MWAIT;
	c->iopm_base_pa = iopm_pa;
	c->msrpm_base_pa = msrpm_pa;
	c->vintr = VINTR_MASKING;
}

/* Shadow paging (APM 15.15-15.17 without nested paging): the hardware
 * walks Shale's shadow tables, so the guest's reads of CR0, CR3 and CR4
 * (whose hardware values differ), its CR3 writes, INVLPG and every #PF
 * come to Shale. HAP domains run without these intercepts. */
static void vmcb_shadow_intercepts(struct vmcb_control *c, bool on)
{
	const u16 crs = (1u << 0) | (1u << 3) | (1u << 4);

	if (on) {
		c->intercept_cr_read |= crs;
		c->intercept_cr_write |= 1u << 3;
		c->intercept_misc1 |= INTERCEPT_INVLPG;
		c->intercept_exceptions |= 1u << 14;
		c->np_enable = 0;
	} else {
		c->intercept_cr_read &= (u16)~crs;
		c->intercept_cr_write &= (u16)~(1u << 3);
		c->intercept_misc1 &= ~INTERCEPT_INVLPG;
		c->intercept_exceptions &= ~(1u << 14);
	}
}

static void svm_vcpu_reset_state(struct vcpu *v, enum vcpu_boot_mode mode);

/* Resets the vCPU, then lets the paging mode pick the shadow tables that
 * fit the new state (shadow paging: the hardware CR3 depends on it). */
void svm_vcpu_reset(struct vcpu *v, enum vcpu_boot_mode mode)
{
	bool shadow = v->domain->paging && v->domain->paging->shadow;

	svm_vcpu_reset_state(v, mode);
	vmcb_shadow_intercepts(&vmcb_of(v)->control, shadow);
	if (shadow) {
		paging_update_paging_modes(v);
		for (unsigned int n = 0; n <= 8; n += (n == 0 ? 3 : n == 3 ? 1 : 4))
			hvm->update_guest_cr(v, n);
	}
}

static void svm_vcpu_reset_state(struct vcpu *v, enum vcpu_boot_mode mode)
{
	struct vmcb *vmcb = vmcb_of(v);
	struct vmcb_save *s = &vmcb->save;
	/* The nested-paging root is the domain's, not part of the CPU state
	 * a reset changes. */
	u64 np_enable = vmcb->control.np_enable, n_cr3 = vmcb->control.n_cr3;
	u16 data_sel = 0x18, data_attrib = 0xc93, idt_limit = 0xffff;
	u32 data_limit = 0xffffffff;

	memset(vmcb, 0, sizeof(*vmcb));
	vmcb_init_control(&vmcb->control);
	vmcb->control.np_enable = np_enable;
	vmcb->control.n_cr3 = n_cr3;
	v->asid_generation = 0; /* fresh ASID: nothing cached survives a reset */
	if (mode == BOOT_REAL_SIPI) {
		u16 sel = (u16)((v->regs.rip >> 12) << 8);

		seg_set(&s->cs, sel, 0x9b, 0xffff);
		s->cs.base = (u64)sel << 4;
		v->regs.rip = 0;
		/* CD and NW are set after INIT (SDM table 9-1). */
		v->cr[0] = CR0_CD | CR0_NW | CR0_ET;
		v->cr[3] = 0;
		v->cr[4] = 0;
		v->efer = 0;
		data_sel = 0;
		data_attrib = 0x93;
		data_limit = 0xffff;
		idt_limit = 0x3ff;
	} else if (mode == BOOT_LONG64) {
		seg_set(&s->cs, 0x08, 0xa9b, 0xffffffff); /* L=1 */
		v->cr[0] = CR0_PE | CR0_ET | CR0_PG | CR0_WP | CR0_NE;
		v->cr[4] = CR4_PAE;
		v->efer = EFER_LME | EFER_LMA;
	} else {
		/* Selectors are Linux's __BOOT_CS/__BOOT_DS (boot.rst); a
		 * multiboot kernel may not assume any. */
		seg_set(&s->cs, 0x10, 0xc9b, 0xffffffff); /* 32-bit, G, exec/read */
		v->cr[0] = CR0_PE | CR0_ET;
		v->cr[4] = 0;
		v->efer = 0;
	}
	seg_set(&s->ds, data_sel, data_attrib, data_limit);
	s->es = s->ss = s->fs = s->gs = s->ds;
	seg_set(&s->gdtr, 0, 0, 0xffff);
	seg_set(&s->idtr, 0, 0, idt_limit);
	seg_set(&s->ldtr, 0, 0x82, 0xffff);
	seg_set(&s->tr, 0, 0x8b, 0xffff);
	s->dr6 = 0xffff0ff0;
	s->dr7 = 0x400;
	v->pat = 0x0007040600070406UL;
	s->g_pat = v->pat;
	v->regs.rflags = 0x2;
	v->cr[2] = 0;
	for (unsigned int n = 0; n <= 8; n += (n == 0 ? 3 : n == 3 ? 1 : 4))
		hvm->update_guest_cr(v, n);
}

void svm_update_guest_cr(struct vcpu *v, unsigned int n)
{
	struct vmcb_save *s = &vmcb_of(v)->save;

	/* With nested paging the hardware sees the guest's own values; shadow
	 * paging substitutes its own (paging_hw_cr). Before the domain has a
	 * paging mode (early reset) the guest's values stand in. */
	bool pm = v->domain && v->domain->paging;

	switch (n) {
	case 0:
		s->cr0 = pm ? paging_hw_cr(v, 0, v->cr[0]) : v->cr[0];
		break;
	case 3:
		s->cr3 = pm ? paging_hw_cr(v, 3, v->cr[3]) : v->cr[3];
		break;
	case 4:
		s->cr4 = pm ? paging_hw_cr(v, 4, v->cr[4]) : v->cr[4];
		break;
	case 8:
		/* VMRUN requires SVME (15.5.1). */
		s->efer = (pm ? paging_hw_cr(v, 8, v->efer) : v->efer) | EFER_SVME;
		break;
	default:
		BUG();
	}
}

void svm_update_guest_pat(struct vcpu *v)
{
	vmcb_of(v)->save.g_pat = v->pat;
}

void svm_set_npt_root(struct vcpu *v, mfn_t root)
{
	struct vmcb_control *c = &vmcb_of(v)->control;

	vmcb_shadow_intercepts(c, false);
	c->np_enable = NP_ENABLE;
	c->n_cr3 = mfn_to_paddr(root);
}

/* Gives the vCPU an ASID valid on this CPU (APM 15.16): unique among the
 * vCPUs run here since the last full flush. */
static void asid_assign(struct vcpu *v, struct percpu *p, struct vmcb *vmcb)
{
	if (v->asid_pcpu == (int)p->cpu && v->asid_generation == p->asid_generation &&
	    p->asid_generation)
		return;
	if (p->asid_next == 0 || p->asid_next >= svm_caps.nr_asids) {
		p->asid_generation++;
		p->asid_next = 1;
		vmcb->control.tlb_control = TLB_CONTROL_FLUSH_ALL;
	}
	v->asid = p->asid_next++;
	v->asid_generation = p->asid_generation;
	v->asid_pcpu = (int)p->cpu;
	vmcb->control.asid = v->asid;
}

void svm_flush_guest_tlb(struct vcpu *v)
{
	v->asid_generation = 0; /* a fresh ASID at the next entry */
}

/* Swaps the FPU/SSE register file between vCPUs sharing this CPU; the host
 * itself never uses it (-mgeneral-regs-only). */
static void fpu_switch(struct percpu *p, struct vcpu *v)
{
	struct svm_vcpu *next = v->hvm_data;

	if (p->fpu_owner == next)
		return;
	if (p->fpu_owner)
		__asm__ volatile("fxsave64 %0"
				 : "=m"(((struct svm_vcpu *)p->fpu_owner)->fpu));
	__asm__ volatile("fxrstor64 %0" ::"m"(next->fpu));
	p->fpu_owner = next;
}

/* Called when a vCPU is destroyed: no CPU may keep a pointer to it. */
void svm_forget_fpu(void *owner)
{
	for (unsigned int i = 0; i < MAX_CPUS; i++)
		__atomic_compare_exchange_n(&percpu[i].fpu_owner, &owner, NULL,
					    false, __ATOMIC_SEQ_CST,
					    __ATOMIC_SEQ_CST);
}

static void svm_decode_exit(struct vcpu *v, struct vmcb *vmcb, struct vm_exit *e);

bool svm_intr_blocked(struct vcpu *v)
{
	const struct vmcb *vmcb = vmcb_of(v);
	const struct svm_vcpu *s = v->hvm_data;

	return !(v->regs.rflags & (1u << 9)) ||
	       (vmcb->control.interrupt_shadow & 1) ||
	       (vmcb->control.eventinj & EVENT_VALID) ||
	       (s->pending_reinject & EVENT_VALID);
}

void svm_inject_intr(struct vcpu *v, unsigned int vector)
{
	v->stats.injected_irqs++;
	vmcb_of(v)->control.eventinj = EVENT_VALID | EVENT_TYPE_INTR | (vector & 0xff);
}

bool svm_inject_nmi(struct vcpu *v)
{
	struct vmcb *vmcb = vmcb_of(v);
	const struct svm_vcpu *s = v->hvm_data;

	if ((vmcb->control.eventinj & EVENT_VALID) ||
	    (s->pending_reinject & EVENT_VALID))
		return false;
	vmcb->control.eventinj = EVENT_VALID | EVENT_TYPE_NMI | 2;
	return true;
}

/* A virtual interrupt request with the top priority and TPR ignored makes
 * the CPU exit (VINTR intercept) as soon as the guest could take one
 * (APM 15.21.4); the request itself is never delivered. */
void svm_set_intr_window(struct vcpu *v, bool on)
{
	struct vmcb_control *c = &vmcb_of(v)->control;
	const u64 virq = (1UL << 8) | (0xfUL << 16) | (1UL << 20);

	if (on) {
		c->vintr |= virq;
		c->intercept_misc1 |= INTERCEPT_VINTR;
	} else {
		c->vintr &= ~virq;
		c->intercept_misc1 &= ~INTERCEPT_VINTR;
	}
}

/* True for an EVENTINJ/EXITINTINFO event an instruction raised: INT n,
 * and the #BP and #OF of INT3 and INTO (APM 15.20). */
static bool svm_event_is_software(u64 ev)
{
	unsigned int vector = ev & 0xff;

	return (ev & EVENT_TYPE_MASK) == EVENT_TYPE_SOFT_INT ||
	       ((ev & EVENT_TYPE_MASK) == EVENT_TYPE_EXCEPTION &&
		(vector == X86_EXC_BP || vector == X86_EXC_OF));
}

/* True if the exit interrupted the delivery of the software event the
 * entry injected with RIP moved on (svm_reinject_software_event), or of
 * a fault that delivery raised (#TS #NP #SS #GP #PF): RIP and CS base are
 * where the entry left them. A guest that completed that delivery, ran
 * its handler and returned, then faulted in a delivery at that very
 * instruction without a single exit between, would look the same. */
static bool svm_interrupted_own_injection(struct vcpu *v,
					  const struct svm_vcpu *s, u64 ev)
{
	unsigned int vector = ev & 0xff;
	bool fault = (ev & EVENT_TYPE_MASK) == EVENT_TYPE_EXCEPTION &&
		     (vector == X86_EXC_TS || vector == X86_EXC_NP ||
		      vector == X86_EXC_SS || vector == X86_EXC_GP ||
		      vector == X86_EXC_PF);

	return s->soft_injected && (ev & EVENT_VALID) &&
	       ((u32)ev == s->soft_event || fault) &&
	       v->regs.rip == s->soft_next_rip &&
	       hvm->seg_base(v, EMUL_SEG_CS) == s->soft_cs_base;
}

/* Keeps the event whose delivery the exit interrupted for the next entry
 * (APM 15.7.2). A software event's return address is the instruction
 * after its INT n, INT3 or INTO, but at such an exit RIP is still on the
 * instruction and, without NRIP-save, the CPU does not say its length:
 * the entry finds it (svm_reinject_software_event). If the delivery the
 * exit interrupted was one that entry began with RIP moved on, RIP goes
 * back onto the instruction: the event, or a fault its delivery raised,
 * is then as if the instruction had just run. */
static void svm_keep_interrupted_event(struct vcpu *v, struct svm_vcpu *s)
{
	u64 ev = s->exit_event;

	s->reinject_at_insn = false;
	if (svm_interrupted_own_injection(v, s, ev))
		v->regs.rip = s->soft_insn_rip;
	s->soft_injected = false;
	if (!(ev & EVENT_VALID))
		return;
	s->pending_reinject = ev;
	s->reinject_at_insn = svm_event_is_software(ev);
	v->stats.events_redelivered++;
	if (s->reinject_at_insn)
		v->stats.soft_events_redelivered++;
}

/* Injects the software event pending_reinject holds, whose instruction
 * is at RIP, so that the delivery pushes the address after it as an
 * INT n, INT3 or INTO would: with NRIP-save that address goes in
 * next_rip, which VMRUN pushes for such events; without, RIP moves past
 * the instruction (and its interrupt shadow ends, as after running it).
 * If the bytes at RIP are no longer that instruction (another vCPU
 * rewrote them) or cannot be read, the event is dropped and the guest
 * runs what is there: an instruction whose delivery has not completed
 * has had no effect. */
static void svm_reinject_software_event(struct vcpu *v, struct svm_vcpu *s)
{
	u64 ev = s->pending_reinject;
	unsigned int len = vcpu_software_event_insn_len(v, ev & 0xff,
					(ev & EVENT_TYPE_MASK) == EVENT_TYPE_SOFT_INT);
	u64 next;

	if (!len)
		return;
	next = vcpu_rip_after(v, len);
	s->vmcb->control.eventinj = ev;
	if (svm_caps.features & SVM_FEATURE_NRIPS) {
		s->vmcb->control.next_rip = next;
		return;
	}
	s->soft_injected = true;
	s->soft_event = (u32)ev;
	s->soft_insn_rip = v->regs.rip;
	s->soft_next_rip = next;
	s->soft_cs_base = hvm->seg_base(v, EMUL_SEG_CS);
	v->regs.rip = next;
	s->vmcb->save.rip = next;
	s->vmcb->control.interrupt_shadow = 0;
}

void svm_run(struct vcpu *v, struct vm_exit *e)
{
	struct svm_vcpu *s = v->hvm_data;
	struct vmcb *vmcb = s->vmcb;
	struct percpu *p = this_cpu();

	asid_assign(v, p, vmcb);
	fpu_switch(p, v);
	vmcb->save.rax = v->regs.rax;
	vmcb->save.rsp = v->regs.rsp;
	vmcb->save.rip = v->regs.rip;
	vmcb->save.rflags = v->regs.rflags;
	vmcb->save.cr2 = v->cr[2];
	vmcb->control.tsc_offset = (u64)v->tsc_offset;
	/* An exception injected since the exit replaced the interrupted
	 * event (svm_inject_exception); RIP stays on its instruction. */
	if (!vmcb->control.eventinj && s->pending_reinject) {
		if (s->reinject_at_insn)
			svm_reinject_software_event(v, s);
		else
			vmcb->control.eventinj = s->pending_reinject;
	}
	s->pending_reinject = 0;
	s->reinject_at_insn = false;

	/* GIF = 0 holds every interrupt until VMRUN; RFLAGS.IF = 1 at VMRUN
	 * is what lets host interrupts end the guest's run: with
	 * V_INTR_MASKING the host IF saved by VMRUN decides whether a
	 * physical interrupt exits (APM 15.21.1). With IF = 0 a guest that
	 * makes no exits of its own would never give the CPU back. */
	irq_disable();
	__asm__ volatile("clgi" ::: "memory");
	irq_enable();
	/* A CPU that flushes this vCPU's TLB (shadow paging) clears
	 * asid_generation, then kicks and waits for exit_seq to move while
	 * in_guest is set: GIF = 0 holds its IPI until VMRUN, which then
	 * exits at once; the next entry takes a fresh ASID. */
	__atomic_store_n(&v->in_guest, 1, __ATOMIC_SEQ_CST);
	if (!__atomic_load_n(&v->asid_generation, __ATOMIC_SEQ_CST))
		asid_assign(v, p, vmcb);
	svm_vmrun(s->vmcb_pa, &v->regs, mfn_to_paddr(p->hvm_host_vmsave));
	__atomic_add_fetch(&v->exit_seq, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&v->in_guest, 0, __ATOMIC_SEQ_CST);
	__asm__ volatile("stgi" ::: "memory"); /* a pending host interrupt is taken here */

	v->regs.rax = vmcb->save.rax;
	v->regs.rsp = vmcb->save.rsp;
	v->regs.rip = vmcb->save.rip;
	v->regs.rflags = vmcb->save.rflags;
	v->cr[2] = vmcb->save.cr2;
	if (vmcb->control.np_enable & NP_ENABLE)
		v->cr[3] = vmcb->save.cr3;
	vmcb->control.tlb_control = 0;
	vmcb->control.eventinj = 0;
	s->exit_event = vmcb->control.exitintinfo & EVENT_VALID ?
			vmcb->control.exitintinfo : 0;
	svm_keep_interrupted_event(v, s);
	svm_decode_exit(v, vmcb, e);
}

static void svm_decode_exit(struct vcpu *v, struct vmcb *vmcb, struct vm_exit *e)
{
	u64 code = vmcb->control.exitcode, info1 = vmcb->control.exitinfo1;

	memset(e, 0, sizeof(*e));
	e->raw = code;
	if (svm_caps.features & SVM_FEATURE_NRIPS)
		e->next_rip = vmcb->control.next_rip;
	switch (code) {
	case SVM_EXIT_INTR:
		e->reason = EXIT_INTR;
		break;
	case SVM_EXIT_NMI:
		e->reason = EXIT_NMI;
		break;
	case SVM_EXIT_VINTR:
		e->reason = EXIT_INTR_WINDOW;
		break;
	case SVM_EXIT_CPUID:
		e->reason = EXIT_CPUID;
		break;
	case SVM_EXIT_MSR:
		e->reason = info1 ? EXIT_MSR_WRITE : EXIT_MSR_READ;
		break;
	case SVM_EXIT_IOIO:
		e->reason = EXIT_IO;
		e->io.port = (u16)(info1 >> 16);
		e->io.size = (info1 & IOIO_SZ32) ? 4 : (info1 & IOIO_SZ16) ? 2 : 1;
		e->io.in = info1 & IOIO_TYPE_IN;
		e->io.string = info1 & IOIO_STR;
		e->io.rep = info1 & IOIO_REP;
		/* The address size of a string form (bits 9:7: A64, A32, A16);
		 * 0 when the CPU left them clear (QEMU 7.2's TCG does). */
		e->io.addr_size = (info1 & (1u << 9)) ? 8 : (info1 & (1u << 8)) ? 4 :
				  (info1 & (1u << 7)) ? 2 : 0;
		e->next_rip = vmcb->control.exitinfo2; /* always given (15.10.2) */
		break;
	case SVM_EXIT_HLT:
		e->reason = EXIT_HLT;
		break;
	case SVM_EXIT_VMMCALL:
		e->reason = EXIT_HYPERCALL;
		break;
	case SVM_EXIT_INVLPG:
		e->reason = EXIT_INVLPG;
		break;
	case SVM_EXIT_SHUTDOWN:
		e->reason = EXIT_SHUTDOWN;
		break;
	case SVM_EXIT_PAUSE:
		e->reason = EXIT_PAUSE;
		break;
	case SVM_EXIT_NPF:
		e->reason = EXIT_NPF;
		e->npf.gpa = vmcb->control.exitinfo2;
		e->npf.error = (u32)info1;
		e->npf.present = info1 & PFEC_PRESENT;
		e->npf.write = info1 & PFEC_WRITE;
		e->npf.fetch = info1 & PFEC_INSN;
		break;
	case SVM_EXIT_VMRUN:
	case SVM_EXIT_VMLOAD:
	case SVM_EXIT_VMSAVE:
	case SVM_EXIT_STGI:
	case SVM_EXIT_CLGI:
	case SVM_EXIT_SKINIT:
	case SVM_EXIT_INVLPGA:
	case SVM_EXIT_XSETBV:
	case SVM_EXIT_MONITOR:
	case SVM_EXIT_MWAIT:
		e->reason = EXIT_UD;
		break;
	case SVM_EXIT_INVALID:
		e->reason = EXIT_INVALID_STATE;
		break;
	default:
		if (code < SVM_EXIT_CR0_READ + 16) {
			e->reason = EXIT_CR_READ;
			e->cr.cr = (unsigned int)(code - SVM_EXIT_CR0_READ);
		} else if (code >= SVM_EXIT_CR0_WRITE &&
			   code < SVM_EXIT_CR0_WRITE + 16) {
			e->reason = EXIT_CR_WRITE;
			e->cr.cr = (unsigned int)(code - SVM_EXIT_CR0_WRITE);
		} else if (code >= SVM_EXIT_EXCP_BASE &&
			   code < SVM_EXIT_EXCP_BASE + 32) {
			e->reason = EXIT_EXCEPTION;
			e->exception.vector = (u32)(code - SVM_EXIT_EXCP_BASE);
			e->exception.error = (u32)info1;
			e->exception.cr2 = vmcb->control.exitinfo2;
		} else {
			e->reason = EXIT_OTHER;
		}
		break;
	}
}

unsigned int svm_cpl(struct vcpu *v)
{
	return vmcb_of(v)->save.cpl;
}

bool svm_long_mode_code(struct vcpu *v)
{
	const struct vmcb_save *s = &vmcb_of(v)->save;

	return (v->efer & EFER_LMA) && (s->cs.attrib & (1u << 9)); /* CS.L */
}

u64 svm_cs_base(struct vcpu *v)
{
	return vmcb_of(v)->save.cs.base;
}

u64 svm_seg_base(struct vcpu *v, unsigned int seg)
{
	const struct vmcb_save *s = &vmcb_of(v)->save;
	const struct vmcb_seg *segs[6] = { &s->es, &s->cs, &s->ss, &s->ds, &s->fs, &s->gs };

	return seg < 6 ? segs[seg]->base : 0;
}

unsigned int svm_addr_size(struct vcpu *v)
{
	const struct vmcb_save *s = &vmcb_of(v)->save;

	if (svm_long_mode_code(v))
		return 8;
	if (!(v->cr[0] & CR0_PE) || (s->rflags & (1u << 17)))
		return 2; /* real or virtual-8086 mode */
	return (s->cs.attrib & (1u << 10)) ? 4 : 2; /* CS.D */
}

void svm_inject_exception(struct vcpu *v, unsigned int vector,
				 bool has_error, u32 error)
{
	struct vmcb *vmcb = vmcb_of(v);
	struct svm_vcpu *s = v->hvm_data;

	s->pending_reinject = 0; /* the new fault replaces an interrupted event */
	s->exit_event = 0;
	vmcb->control.eventinj = EVENT_VALID | EVENT_TYPE_EXCEPTION | vector |
				 (has_error ? EVENT_ERROR_VALID : 0) |
				 ((u64)error << 32);
	v->stats.injected_exceptions++;
}

int svm_interrupted_exception(struct vcpu *v)
{
	const struct svm_vcpu *s = v->hvm_data;
	u64 ev = s->exit_event;

	if (!(ev & EVENT_VALID) || (ev & EVENT_TYPE_MASK) != EVENT_TYPE_EXCEPTION)
		return -1;
	return (int)(ev & 0xff);
}

bool svm_delivering_event(struct vcpu *v)
{
	const struct svm_vcpu *s = v->hvm_data;

	return s->exit_event & EVENT_VALID;
}

static void print_seg(const char *name, const struct vmcb_seg *sg)
{
	printk("  %s sel %04x attr %03x limit %08x base %016lx\n", name, sg->sel,
	       sg->attrib, sg->limit, sg->base);
}

void svm_dump(struct vcpu *v)
{
	const struct vmcb *vmcb = vmcb_of(v);
	const struct vmcb_save *s = &vmcb->save;

	printk("  svm: exitcode %lx info1 %lx info2 %lx intinfo %lx cpl %u\n",
	       vmcb->control.exitcode, vmcb->control.exitinfo1,
	       vmcb->control.exitinfo2, vmcb->control.exitintinfo, s->cpl);
	print_seg("cs", &s->cs);
	print_seg("ss", &s->ss);
	print_seg("ds", &s->ds);
	print_seg("tr", &s->tr);
	printk("  gdtr %016lx/%x idtr %016lx/%x efer %lx (hw %lx)\n", s->gdtr.base,
	       s->gdtr.limit, s->idtr.base, s->idtr.limit, v->efer, s->efer);
}
