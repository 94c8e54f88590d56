/* SPDX-License-Identifier: MIT */
/*
 * Exit dispatch: one switch on the decoded reason, and the small handlers
 * that need no file of their own (CPUID, HLT, shutdown, instructions the
 * guest may not use). Runs: host root mode, on the vCPU's CPU.
 */
#include <asm/msr-index.h>
#include <shale/errno.h>
#include <shale/exception.h>
#include <shale/cpuid.h>
#include <shale/emulate.h>
#include <shale/domain.h>
#include <shale/guest_mem.h>
#include <shale/guest_walk.h>
#include <shale/hvm.h>
#include <shale/paging.h>
#include <shale/platform.h>
#include <shale/printk.h>
#include <shale/sched.h>
#include <shale/string.h>
#include <shale/vmexit_handlers.h>

static const char *const reason_names[EXIT_NR] = {
	[EXIT_INTR] = "intr", [EXIT_NMI] = "nmi", [EXIT_CPUID] = "cpuid",
	[EXIT_MSR_READ] = "msr_read", [EXIT_MSR_WRITE] = "msr_write",
	[EXIT_IO] = "io", [EXIT_HLT] = "hlt", [EXIT_HYPERCALL] = "hypercall",
	[EXIT_CR_READ] = "cr_read", [EXIT_CR_WRITE] = "cr_write",
	[EXIT_INVLPG] = "invlpg", [EXIT_NPF] = "npf",
	[EXIT_EXCEPTION] = "exception", [EXIT_SHUTDOWN] = "shutdown",
	[EXIT_UD] = "ud", [EXIT_PAUSE] = "pause", [EXIT_INTR_WINDOW] = "intr_window",
	[EXIT_INVALID_STATE] = "invalid_state", [EXIT_OTHER] = "other",
};

const char *vm_exit_reason_name(enum vm_exit_reason r)
{
	return r < EXIT_NR ? reason_names[r] : "?";
}

u64 vcpu_rip_after(struct vcpu *v, unsigned int len)
{
	u64 rip = v->regs.rip + len;
	unsigned int size = hvm->addr_size(v);

	if (size == 4)
		rip &= 0xffffffffUL;
	else if (size == 2)
		rip &= 0xffffUL;
	return rip;
}

void vcpu_skip_insn(struct vcpu *v, const struct vm_exit *e, unsigned int len)
{
	v->regs.rip = e->next_rip ? e->next_rip : vcpu_rip_after(v, len);
}

/* The emulator's instruction fetch, through the guest's page tables. */
static int decode_fetch(struct emul_ctx *c, u64 la, void *buf, unsigned int size)
{
	struct vcpu *v = c->priv;
	u32 pfec = 0;
	u64 fault_va = 0;
	int rc = guest_virt_read(v, _gva(la), buf, size,
				 PFEC_INSN | (hvm->cpl(v) == 3 ? PFEC_USER : 0),
				 &pfec, &fault_va);

	if (rc == -SH_EFAULT)
		return emul_raise_pf(c, fault_va, pfec);
	return rc ? EMUL_UNHANDLED : 0;
}

static const struct emul_ops decode_ops = { .fetch = decode_fetch };

void vcpu_emul_begin(struct vcpu *v, struct emul_ctx *c,
		     const struct emul_ops *ops, void *priv)
{
	unsigned int size = hvm->addr_size(v);

	*c = (struct emul_ctx){ .ops = ops, .priv = priv };
	c->mode = hvm->long_mode_code(v) ? EMUL_MODE_64 :
		  size == 4 ? EMUL_MODE_32 : EMUL_MODE_16;
	for (unsigned int s = 0; s < EMUL_SEG_NR; s++)
		c->seg_base[s] = hvm->seg_base(v, s);
	memcpy(c->regs.gpr, &v->regs.rax, sizeof(c->regs.gpr));
	c->regs.rip = v->regs.rip;
	c->regs.rflags = v->regs.rflags;
}

/* Queues the exception an emulation raised. */
static void vcpu_emul_raise(struct vcpu *v, const struct emul_ctx *c)
{
	if (c->exc.vector == EMUL_VEC_PF)
		v->cr[2] = c->exc.cr2;
	vcpu_inject_exception(v, c->exc.vector, c->exc.has_error_code,
			      c->exc.error_code);
}

void vcpu_emul_end(struct vcpu *v, const struct emul_ctx *c, int rc)
{
	memcpy(&v->regs.rax, c->regs.gpr, sizeof(c->regs.gpr));
	v->regs.rip = c->regs.rip;
	v->regs.rflags = c->regs.rflags;
	if (rc == EMUL_EXCEPTION)
		vcpu_emul_raise(v, c);
}

int vcpu_decode_insn(struct vcpu *v, struct emul_ctx *c)
{
	int rc;

	/* The effective address of a memory operand comes from the
	 * registers vcpu_emul_begin copies. */
	vcpu_emul_begin(v, c, &decode_ops, v);
	rc = emul_decode(c);
	if (rc == EMUL_EXCEPTION)
		vcpu_emul_raise(v, c);
	return rc;
}

unsigned int vcpu_software_event_insn_len(struct vcpu *v, unsigned int vector,
					  bool soft_int)
{
	struct emul_ctx c;
	bool match;

	vcpu_emul_begin(v, &c, &decode_ops, v);
	if (emul_decode(&c) != EMUL_OK || c.insn.map != 0)
		return 0;
	if (c.insn.opcode == 0xcd) /* INT imm8 */
		match = soft_int && (c.insn.imm & 0xff) == vector;
	else if (c.insn.opcode == 0xcc) /* INT3 */
		match = vector == X86_EXC_BP;
	else if (c.insn.opcode == 0xce) /* INTO */
		match = vector == X86_EXC_OF;
	else
		match = false;
	return match ? c.insn.len : 0;
}

static void handle_cpuid(struct vcpu *v, const struct vm_exit *e)
{
	struct cpuid_regs r;

	cpuid_guest(v, (u32)v->regs.rax, (u32)v->regs.rcx, &r);
	v->regs.rax = r.eax;
	v->regs.rbx = r.ebx;
	v->regs.rcx = r.ecx;
	v->regs.rdx = r.edx;
	vcpu_skip_insn(v, e, 2);
}

/* HLT: the vCPU gives its CPU up until an event wakes it. With interrupts
 * off and every other vCPU of the domain idle too, nothing ever will: the
 * domain is reported hung rather than left to the launcher's timeout. */
static void handle_hlt(struct vcpu *v, const struct vm_exit *e)
{
	struct domain *d = v->domain;
	bool others_idle = true;

	vcpu_skip_insn(v, e, 1);
	vcpu_block_begin(v);
	if (platform_vcpu_wakeup_due(v))
		return; /* an interrupt is already waiting: HLT ends at once */
	for (unsigned int i = 0; i < d->nr_vcpus; i++)
		if (d->vcpus[i] != v && (d->vcpus[i]->state == VCPU_RUNNING ||
					 d->vcpus[i]->state == VCPU_RUNNABLE))
			others_idle = false;
	if (!(v->regs.rflags & (1u << 9)) && others_idle) {
		domain_crash(d, v, "hung: every vCPU halted with interrupts off");
		return;
	}
	vcpu_block(v);
}

void vmexit_handle(struct vcpu *v, struct vm_exit *e)
{
	switch (e->reason) {
	case EXIT_INTR:
	case EXIT_NMI:
	case EXIT_PAUSE:
		break; /* the host took it; the guest just goes on */
	case EXIT_INTR_WINDOW:
		hvm->set_intr_window(v, false); /* delivery happens at entry */
		break;
	case EXIT_CPUID:
		handle_cpuid(v, e);
		break;
	case EXIT_MSR_READ:
		handle_msr(v, e, false);
		break;
	case EXIT_MSR_WRITE:
		handle_msr(v, e, true);
		break;
	case EXIT_IO:
		handle_io(v, e);
		break;
	case EXIT_HLT:
		handle_hlt(v, e);
		break;
	case EXIT_HYPERCALL:
		handle_hypercall(v, e);
		break;
	case EXIT_CR_WRITE:
		handle_cr_write(v, e);
		break;
	case EXIT_CR_READ:
		handle_cr_read(v, e);
		break;
	case EXIT_INVLPG:
		handle_invlpg(v, e);
		break;
	case EXIT_EXCEPTION:
		if (e->exception.vector != X86_EXC_PF)
			goto unexpected;
		paging_page_fault(v, _gva(e->exception.cr2), e->exception.error);
		break;
	case EXIT_NPF:
		hap_nested_fault(v, e);
		break;
	case EXIT_UD:
		vcpu_inject_ud(v);
		break;
	case EXIT_SHUTDOWN:
		domain_crash(v->domain, v, "triple fault");
		break;
	case EXIT_INVALID_STATE:
		domain_crash(v->domain, v, "the CPU refused the guest state (VMEXIT_INVALID)");
		break;
	default:
	unexpected:
		domain_crash(v->domain, v, "unexpected exit %s (0x%lx)",
			     vm_exit_reason_name(e->reason), e->raw);
		break;
	}
}
