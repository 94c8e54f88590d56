/* SPDX-License-Identifier: MIT */
/*
 * IN/OUT exits: the port, size and direction come decoded from the
 * hardware; the value moves between AL/AX/EAX and the device model.
 * String forms (INS/OUTS) are done one element at a time through the
 * guest's page tables. Runs: host root mode.
 */
#include <shale/errno.h>
#include <shale/devices.h>
#include <shale/domain.h>
#include <shale/emulate.h>
#include <shale/guest_mem.h>
#include <shale/guest_walk.h>
#include <shale/hvm.h>
#include <shale/vmexit_handlers.h>

static void io_simple(struct vcpu *v, const struct vm_exit *e)
{
	u64 mask = e->io.size == 4 ? 0xffffffffUL : e->io.size == 2 ? 0xffffUL : 0xffUL;
	u32 val = (u32)(v->regs.rax & mask);

	io_dispatch(v, e->io.port, e->io.size, !e->io.in, &val);
	if (e->io.in) {
		if (e->io.size == 4)
			v->regs.rax = val; /* a 32-bit write zero-extends */
		else
			v->regs.rax = (v->regs.rax & ~mask) | (val & mask);
	}
}

/* OUTS: one element from DS:rSI per iteration (REP: rCX of them). INS is
 * refused for now: nothing Shale emulates needs it. */
static bool io_string(struct vcpu *v, const struct vm_exit *e)
{
	/* rSI and rCX are as wide as the instruction's address size, which a
	 * 0x67 prefix changes. The CPU reports it (APM 15.10.2); when it does
	 * not (QEMU 7.2), the instruction says. */
	unsigned int asize = e->io.addr_size;
	u64 amask;

	if (!asize) {
		struct emul_ctx c;
		int rc = vcpu_decode_insn(v, &c);

		if (rc == EMUL_EXCEPTION)
			return false;
		if (rc != EMUL_OK) {
			domain_crash(v->domain, v, "string I/O instruction Shale cannot decode");
			return false;
		}
		asize = c.insn.adsize;
	}
	amask = asize == 8 ? ~0UL : asize == 4 ? 0xffffffffUL : 0xffffUL;
	u64 count = e->io.rep ? (v->regs.rcx & amask) : 1;
	s64 step = (v->regs.rflags & (1u << 10)) ? -(s64)e->io.size : e->io.size;
	u32 access = hvm->cpl(v) == 3 ? PFEC_USER : 0;

	if (e->io.in) {
		domain_crash(v->domain, v, "INS from port 0x%x is not emulated", e->io.port);
		return false;
	}
	for (; count; count--) {
		u32 val = 0, pfec;
		u64 fault_va, va = v->regs.rsi & amask;

		/* DS:rSI (segment overrides are not reported without decode
		 * assists; outside 64-bit mode DS is what guests use). */
		if (!hvm->long_mode_code(v))
			va += hvm->seg_base(v, 3);
		if (guest_virt_read(v, _gva(va), &val, e->io.size, access, &pfec,
				    &fault_va)) {
			vcpu_inject_pf(v, fault_va, pfec);
			return false;
		}
		io_dispatch(v, e->io.port, e->io.size, true, &val);
		v->regs.rsi = (v->regs.rsi & ~amask) | ((v->regs.rsi + (u64)step) & amask);
		if (e->io.rep)
			v->regs.rcx = (v->regs.rcx & ~amask) | ((count - 1) & amask);
	}
	return true;
}

void handle_io(struct vcpu *v, const struct vm_exit *e)
{
	if (e->io.string) {
		if (!io_string(v, e))
			return;
	} else {
		io_simple(v, e);
	}
	if (!domain_is_dying(v->domain))
		v->regs.rip = e->next_rip;
}
