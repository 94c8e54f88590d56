/* SPDX-License-Identifier: MIT */
/*
 * One decoded exit: what the vendor backend tells common code after the
 * guest stops. Common code dispatches on 'reason' only and never looks at
 * the vendor's raw code except to print it. Runs: host root mode.
 */
#ifndef SHALE_VMEXIT_H
#define SHALE_VMEXIT_H

#include <shale/types.h>

enum vm_exit_reason {
	EXIT_INTR,          /* a host interrupt arrived (timer, IPI) */
	EXIT_NMI,
	EXIT_CPUID,
	EXIT_MSR_READ,
	EXIT_MSR_WRITE,
	EXIT_IO,
	EXIT_HLT,
	EXIT_HYPERCALL,
	EXIT_CR_READ,
	EXIT_CR_WRITE,
	EXIT_INVLPG,
	EXIT_NPF,           /* nested page fault (NPT/EPT violation) */
	EXIT_EXCEPTION,     /* an intercepted guest exception */
	EXIT_SHUTDOWN,      /* triple fault */
	EXIT_UD,            /* an instruction the guest may not use (VMRUN, ...) */
	EXIT_PAUSE,
	EXIT_INTR_WINDOW,   /* the guest can take an interrupt now */
	EXIT_INVALID_STATE, /* the CPU refused the guest state */
	EXIT_OTHER,
	EXIT_NR
};

struct vm_exit {
	enum vm_exit_reason reason;
	u64 raw;       /* vendor exit code, for messages */
	u64 next_rip;  /* 0 when the backend cannot tell (SVM without NRIP) */
	union {
		struct {
			u16 port;
			u8 size;     /* 1, 2 or 4 */
			u8 addr_size; /* string forms: 2, 4, 8; 0 = not reported */
			bool in;
			bool string;
			bool rep;
		} io;
		struct {
			unsigned int cr;
		} cr;
		struct {
			u64 gpa;
			u32 error;   /* PFEC_* bits of the nested fault */
			bool write, fetch, present;
		} npf;
		struct {
			u32 vector;
			u32 error;
			bool has_error;
			u64 cr2;
		} exception;
	};
};

const char *vm_exit_reason_name(enum vm_exit_reason r);

#endif /* SHALE_VMEXIT_H */
