/* SPDX-License-Identifier: MIT */
/*
 * Choosing the virtualization backend once at boot.
 * Runs: host root mode, boot CPU.
 */
#include <shale/errno.h>
#include <shale/hvm.h>
#include <shale/printk.h>

const struct hvm_ops *hvm;

int hvm_select(void)
{
	static const struct hvm_ops *const candidates[] = { &svm_ops, &vmx_ops };
	char why[2][128];

	for (unsigned int i = 0; i < 2; i++) {
		why[i][0] = '\0';
		if (candidates[i]->probe(why[i], sizeof(why[i]))) {
			hvm = candidates[i];
			hvm->describe();
			return 0;
		}
	}
	printk("shale: this CPU has neither SVM nor VMX usable: Shale cannot run guests\n");
	printk("shale:   svm: %s\n", why[0]);
	printk("shale:   vmx: %s\n", why[1]);
	return -SH_EOPNOTSUPP;
}
