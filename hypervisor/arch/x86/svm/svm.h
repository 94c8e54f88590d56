/* SPDX-License-Identifier: MIT */
/*
 * What the SVM backend learned about the CPU at boot.
 * Runs: host root mode. Feature bits: AMD APM vol. 3, CPUID Fn8000_000A_EDX.
 */
#ifndef ARCH_X86_SVM_H
#define ARCH_X86_SVM_H

#include <shale/types.h>

#define SVM_FEATURE_NPT (1u << 0)
#define SVM_FEATURE_LBRV (1u << 1)
#define SVM_FEATURE_SVML (1u << 2)
#define SVM_FEATURE_NRIPS (1u << 3)
#define SVM_FEATURE_VMCB_CLEAN (1u << 5)
#define SVM_FEATURE_FLUSH_BY_ASID (1u << 6)
#define SVM_FEATURE_DECODE_ASSISTS (1u << 7)

struct svm_caps {
	u32 revision;
	u32 nr_asids;
	u32 features; /* CPUID Fn8000_000A_EDX */
};

extern struct svm_caps svm_caps;

struct vcpu;
struct vm_exit;
enum vcpu_boot_mode;

/* Allocates the shared I/O and MSR permission maps once (idempotent). */
int svm_permission_maps_init(void);

/* The vCPU operations (svm_vcpu.c); see struct hvm_ops for contracts. */
int svm_vcpu_init(struct vcpu *v);
void svm_vcpu_fini(struct vcpu *v);
void svm_vcpu_reset(struct vcpu *v, enum vcpu_boot_mode mode);
void svm_run(struct vcpu *v, struct vm_exit *e);
void svm_update_guest_cr(struct vcpu *v, unsigned int n);
unsigned int svm_cpl(struct vcpu *v);
bool svm_long_mode_code(struct vcpu *v);
u64 svm_cs_base(struct vcpu *v);
u64 svm_seg_base(struct vcpu *v, unsigned int seg);
unsigned int svm_addr_size(struct vcpu *v);
void svm_inject_exception(struct vcpu *v, unsigned int vector, bool has_error,
			  u32 error);
int svm_interrupted_exception(struct vcpu *v);
bool svm_delivering_event(struct vcpu *v);
void svm_set_npt_root(struct vcpu *v, mfn_t root);
void svm_update_guest_pat(struct vcpu *v);
void svm_dump(struct vcpu *v);
void svm_flush_guest_tlb(struct vcpu *v);
bool svm_intr_blocked(struct vcpu *v);
void svm_inject_intr(struct vcpu *v, unsigned int vector);
bool svm_inject_nmi(struct vcpu *v);
void svm_set_intr_window(struct vcpu *v, bool on);
/* Drops any CPU's reference to a vCPU's FPU image (vCPU destruction). */
void svm_forget_fpu(void *owner);

#endif /* ARCH_X86_SVM_H */
