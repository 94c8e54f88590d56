/* SPDX-License-Identifier: MIT */
/*
 * Injecting an exception into a vCPU, with the double-fault rules applied
 * against the exception whose delivery the exit interrupted (a #PF on the
 * IDT while a #PF is delivered is a #DF, a fault while a #DF is delivered
 * shuts the guest down). Runs: host root mode, on the vCPU's CPU.
 */
#include <shale/domain.h>
#include <shale/exception.h>
#include <shale/hvm.h>
#include <shale/vmexit_handlers.h>

enum exc_class { EXC_BENIGN, EXC_CONTRIBUTORY, EXC_PAGE_FAULT };

static enum exc_class exc_class_of(unsigned int vector)
{
	switch (vector) {
	case X86_EXC_DE:
	case X86_EXC_TS:
	case X86_EXC_NP:
	case X86_EXC_SS:
	case X86_EXC_GP:
	case X86_EXC_CP:
		return EXC_CONTRIBUTORY;
	case X86_EXC_PF:
	case X86_EXC_VE:
		return EXC_PAGE_FAULT;
	default:
		return EXC_BENIGN;
	}
}

enum exc_delivery exc_combine(unsigned int first, unsigned int second)
{
	enum exc_class c2 = exc_class_of(second);

	if (c2 == EXC_BENIGN)
		return EXC_DELIVER_SECOND;
	if (first == X86_EXC_DF)
		return EXC_TRIPLE_FAULT;
	switch (exc_class_of(first)) {
	case EXC_CONTRIBUTORY:
		return c2 == EXC_CONTRIBUTORY ? EXC_DOUBLE_FAULT
					      : EXC_DELIVER_SECOND;
	case EXC_PAGE_FAULT:
		return EXC_DOUBLE_FAULT;
	default:
		return EXC_DELIVER_SECOND;
	}
}

void vcpu_inject_exception(struct vcpu *v, unsigned int vector,
			   bool has_error, u32 error)
{
	int first = hvm->interrupted_exception(v);

	switch (first < 0 ? EXC_DELIVER_SECOND
			  : exc_combine((unsigned int)first, vector)) {
	case EXC_DOUBLE_FAULT:
		v->stats.double_faults++;
		hvm->inject_exception(v, X86_EXC_DF, true, 0);
		break;
	case EXC_TRIPLE_FAULT:
		domain_crash(v->domain, v, "triple fault: exception %u while "
			     "delivering a double fault", vector);
		break;
	default:
		hvm->inject_exception(v, vector, has_error, error);
		break;
	}
}

void vcpu_inject_gp(struct vcpu *v)
{
	vcpu_inject_exception(v, X86_EXC_GP, true, 0);
}

void vcpu_inject_ud(struct vcpu *v)
{
	vcpu_inject_exception(v, X86_EXC_UD, false, 0);
}

void vcpu_inject_pf(struct vcpu *v, u64 va, u32 error)
{
	v->cr[2] = va;
	vcpu_inject_exception(v, X86_EXC_PF, true, error);
}
