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

struct hvm_ops {
	const char *name; /* "svm" or "vmx": the summary's "vendor" */
	/* True if this CPU offers the extension and firmware left it usable;
	 * otherwise writes the reason into why[0..n). Boot CPU, once. */
	bool (*probe)(char *why, size_t n);
	/* Prints the extension's revision and features (boot CPU, once). */
	void (*describe)(void);
	/* Turns the extension on for the calling CPU. Returns 0 or -SH_E*. */
	int (*cpu_enable)(struct percpu *p);
};

extern const struct hvm_ops svm_ops, vmx_ops;

/* The backend in use; NULL until hvm_select succeeds. */
extern const struct hvm_ops *hvm;

/* Picks SVM, else VMX. Returns 0, or -SH_EOPNOTSUPP after printing why
 * neither can be used. */
int hvm_select(void);

#endif /* SHALE_HVM_H */
