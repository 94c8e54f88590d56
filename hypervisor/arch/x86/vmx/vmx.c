/* SPDX-License-Identifier: MIT */
/*
 * The Intel VMX backend: detection only for now. The VMX/EPT backend (run
 * under Bochs) is a later issue; until then a VMX-only CPU is refused with a
 * clear message rather than half-supported. Runs: host root mode.
 * Intel SDM vol. 3 23.6 (discovering VMX), 23.7 (IA32_FEATURE_CONTROL).
 */
#include <asm/cpu.h>
#include <asm/msr-index.h>
#include <shale/errno.h>
#include <shale/hvm.h>
#include <shale/printk.h>

#define FEATURE_CONTROL_LOCKED (1u << 0)
#define FEATURE_CONTROL_VMXON_OUTSIDE_SMX (1u << 2)

static bool vmx_probe(char *why, size_t n)
{
	u64 fc;

	if (!(cpuid(1).ecx & (1u << 5))) {
		sh_snprintf(why, n, "CPUID does not offer VMX");
		return false;
	}
	fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	if ((fc & FEATURE_CONTROL_LOCKED) &&
	    !(fc & FEATURE_CONTROL_VMXON_OUTSIDE_SMX)) {
		sh_snprintf(why, n, "disabled by firmware (IA32_FEATURE_CONTROL)");
		return false;
	}
	return true;
}

static void vmx_describe(void)
{
	printk("shale: vmx: present; this build has no VMX backend yet\n");
}

static int vmx_cpu_enable(struct percpu *p)
{
	return -SH_EOPNOTSUPP;
}

const struct hvm_ops vmx_ops = {
	.name = "vmx",
	.probe = vmx_probe,
	.describe = vmx_describe,
	.cpu_enable = vmx_cpu_enable,
};
