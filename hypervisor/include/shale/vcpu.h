/* SPDX-License-Identifier: MIT */
/*
 * A virtual CPU: the guest-visible architectural state common code keeps,
 * its scheduling state, and its statistics. The vendor backend keeps its own
 * state (VMCB, VMCS) behind 'hvm_data'.
 * Runs: host root mode.
 *
 * Lifetime and locking: created by domain_create, destroyed by
 * domain_destroy after it is off every CPU. 'regs', 'cr', 'efer' and the
 * stats are touched only by the physical CPU running the vCPU; 'state' and
 * 'runq_next' are guarded by the run-queue lock of its home CPU.
 */
#ifndef SHALE_VCPU_H
#define SHALE_VCPU_H

#include <shale/types.h>
#include <shale/vmexit.h>

struct domain;

/* The guest's general registers as common code sees them. The backend
 * copies RAX/RSP/RIP/RFLAGS to and from the VMCB around each run. */
struct cpu_regs {
	u64 rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi; /* x86 encoding order */
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
	u64 rip, rflags;
};

enum vcpu_state {
	VCPU_OFFLINE,  /* created, not started (APs waiting for SIPI later) */
	VCPU_RUNNABLE, /* on its run queue */
	VCPU_RUNNING,  /* on a physical CPU now */
	VCPU_BLOCKED,  /* halted until an event */
	VCPU_DEAD,     /* its domain ended; never runs again */
};

struct vcpu_stats {
	u64 exits[EXIT_NR];
	u64 npf_mmio, npf_ro_write, npf_invalid, npf_pod;
	u64 io_unhandled, msr_gp, injected_exceptions, injected_irqs;
	u64 double_faults; /* exceptions that became #DF (exception.c) */
	u64 events_redelivered;      /* exits that interrupted an event's
				      * delivery, which the entry resumes */
	u64 soft_events_redelivered; /* of those, INT n, INT3 and INTO */
};

struct vcpu {
	struct domain *domain;
	unsigned int id;
	struct cpu_regs regs;
	u64 cr[5];       /* guest-visible CR0, CR2, CR3, CR4 (cr[1] unused) */
	u64 efer;        /* guest-visible EFER */
	u64 pat;
	s64 tsc_offset;  /* guest TSC = host TSC + tsc_offset */
	enum vcpu_state state;
	unsigned int pcpu;        /* home physical CPU */
	struct vcpu *runq_next;
	/* Under percpu[pcpu].runq_lock: on_cpu while a CPU's scheduler holds
	 * the vCPU (popped, until it is put back or away), whatever 'state'
	 * says; wake_pending when vcpu_wake found it running, so that a
	 * vcpu_block racing with the wake does not block. */
	bool on_cpu;
	bool wake_pending;
	u64 slice_end;            /* tick at which the slice ends */
	void *hvm_data;           /* vendor state (struct svm_vcpu) */
	u32 asid;                 /* vendor TLB tag, per physical CPU */
	u64 asid_generation;      /* 0: take a fresh ASID at the next entry
				   * (written by other CPUs to flush: atomic) */
	int asid_pcpu;
	/* Shadow paging's cross-CPU TLB flush (shadow.c): set by the backend
	 * while the vCPU may run guest code, and a count of its exits. */
	u32 in_guest;
	u64 exit_seq;
	/* The vCPU's paging mode when it differs from its domain's (shadow
	 * paging has one per guest paging level); NULL: the domain's. */
	const struct paging_mode *paging;
	struct vcpu_stats stats;
};

/* Registers by x86 encoding number (0 = RAX ... 15 = R15). */
static inline u64 *vcpu_gpr(struct vcpu *v, unsigned int n)
{
	return &(&v->regs.rax)[n & 15];
}

#endif /* SHALE_VCPU_H */
