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

#endif /* ARCH_X86_SVM_H */
