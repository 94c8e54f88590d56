/* SPDX-License-Identifier: MIT */
/*
 * The one interface to the hardware-virtualization vendor (AMD SVM, Intel
 * VMX), chosen once at boot. Common code calls only through 'hvm' and never
 * tests the vendor. Runs: host root mode.
 */
#ifndef SHALE_HVM_H
#define SHALE_HVM_H

#include <shale/types.h>

struct percpu;
struct vcpu;
struct vm_exit;

/* The state a vCPU starts in. */
enum vcpu_boot_mode {
	BOOT_PROTECTED32, /* flat 32-bit protected mode, paging off (multiboot) */
	BOOT_LONG64,      /* flat 64-bit, identity-paged via cr3 */
	BOOT_REAL_SIPI,   /* real mode at (regs.rip >> 12):0, as after a SIPI
			   * whose vector is regs.rip >> 12 (SDM 8.4.4.1) */
};

struct hvm_ops {
	const char *name; /* "svm" or "vmx": the summary's "vendor" */
	/* True if this CPU offers the extension and firmware left it usable;
	 * otherwise writes the reason into why[0..n). Boot CPU, once. */
	bool (*probe)(char *why, size_t n);
	/* Prints the extension's revision and features (boot CPU, once). */
	void (*describe)(void);
	/* Turns the extension on for the calling CPU. Returns 0 or -SH_E*. */
	int (*cpu_enable)(struct percpu *p);

	/* Allocates the vendor state for a vCPU. Returns 0 or -SH_ENOMEM. */
	int (*vcpu_init)(struct vcpu *v);
	void (*vcpu_fini)(struct vcpu *v);
	/* Puts the vCPU in a boot state; registers come from v->regs. */
	void (*vcpu_reset)(struct vcpu *v, enum vcpu_boot_mode mode);
	/* Runs the guest until the next exit and decodes it into *e; v->regs,
	 * v->cr[2] and (HAP) v->cr[3] are current afterwards. Called with
	 * interrupts enabled; returns with them enabled. */
	void (*run)(struct vcpu *v, struct vm_exit *e);
	/* Recomputes what the hardware sees after common code changed
	 * v->cr[n] (n = 0, 3, 4) or v->efer (n = 8). */
	void (*update_guest_cr)(struct vcpu *v, unsigned int n);
	/* Propagates v->pat to the guest's PAT. */
	void (*update_guest_pat)(struct vcpu *v);
	/* Current privilege level, and whether the guest runs 64-bit code. */
	unsigned int (*cpl)(struct vcpu *v);
	bool (*long_mode_code)(struct vcpu *v);
	/* Code-segment base, and the address size of the code (2, 4, 8). */
	u64 (*cs_base)(struct vcpu *v);
	/* Base of segment register 'seg' (0 ES, 1 CS, 2 SS, 3 DS, 4 FS, 5 GS). */
	u64 (*seg_base)(struct vcpu *v, unsigned int seg);
	unsigned int (*addr_size)(struct vcpu *v);
	/* True while the guest cannot take an external interrupt now
	 * (RFLAGS.IF clear, an interrupt shadow, or an event already queued). */
	bool (*intr_blocked)(struct vcpu *v);
	/* Queues external interrupt 'vector' for the next entry; only when
	 * intr_blocked() is false. */
	void (*inject_intr)(struct vcpu *v, unsigned int vector);
	/* Asks for an exit (EXIT_INTR_WINDOW) as soon as the guest can take
	 * an interrupt; false cancels the request. */
	void (*set_intr_window)(struct vcpu *v, bool on);
	/* Queues an NMI for the next entry; false if that entry already
	 * delivers an event (an exception, or one an exit interrupted), which
	 * the NMI must not replace: the caller keeps it pending. */
	bool (*inject_nmi)(struct vcpu *v);
	/* Queues an exception for the next entry; it replaces the event the
	 * exit interrupted. Common code calls vcpu_inject_exception, which
	 * applies the double-fault rules first. */
	void (*inject_exception)(struct vcpu *v, unsigned int vector,
				 bool has_error, u32 error);
	/* The vector of the exception (not interrupt, NMI or INT n) whose
	 * delivery the last exit interrupted and which the next entry would
	 * deliver again, or -1. */
	int (*interrupted_exception)(struct vcpu *v);
	/* True if the last exit interrupted the delivery of any event
	 * (interrupt, NMI, exception, INT n) that the next entry delivers
	 * again. */
	bool (*delivering_event)(struct vcpu *v);
	/* Sets the nested paging root (HAP) for the vCPU. */
	void (*set_npt_root)(struct vcpu *v, mfn_t root);
	/* Prints the vendor's view of the vCPU (crash reports). */
	void (*dump)(struct vcpu *v);
	/* Flushes the vCPU's guest TLB entries before its next entry. */
	void (*flush_guest_tlb)(struct vcpu *v);
};

extern const struct hvm_ops svm_ops, vmx_ops;

/* The backend in use; NULL until hvm_select succeeds. */
extern const struct hvm_ops *hvm;

/* Picks SVM, else VMX. Returns 0, or -SH_EOPNOTSUPP after printing why
 * neither can be used. */
int hvm_select(void);

#endif /* SHALE_HVM_H */
