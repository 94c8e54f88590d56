/* SPDX-License-Identifier: MIT */
/*
 * The AMD SVM backend: detection and per-CPU enabling (EFER.SVME and the
 * host save area). Runs: host root mode.
 * AMD APM vol. 2: 15.4 (enabling SVM), 15.30.1 (VM_CR), 15.30.4
 * (VM_HSAVE_PA), CPUID Fn8000_000A for revision, ASIDs and features.
 */
#include <asm/cpu.h>
#include <asm/msr-index.h>
#include <asm/percpu.h>
#include <shale/errno.h>
#include <shale/frames.h>
#include <shale/hvm.h>
#include <shale/printk.h>

#include "svm.h"

struct svm_caps svm_caps;

static bool svm_probe(char *why, size_t n)
{
	struct cpuid_regs r;

	if (cpuid(0x80000000).eax < 0x8000000a ||
	    !(cpuid(0x80000001).ecx & (1u << 2))) {
		sh_snprintf(why, n, "CPUID does not offer SVM");
		return false;
	}
	if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS) {
		sh_snprintf(why, n, "disabled by firmware (VM_CR.SVMDIS)");
		return false;
	}
	r = cpuid(0x8000000a);
	svm_caps.revision = r.eax & 0xff;
	svm_caps.nr_asids = r.ebx;
	svm_caps.features = r.edx;
	if (svm_caps.nr_asids < 2) {
		sh_snprintf(why, n, "only %u ASIDs", svm_caps.nr_asids);
		return false;
	}
	return true;
}

static const char *yes_no(u32 feature)
{
	return (svm_caps.features & feature) ? "yes" : "no";
}

static void svm_describe(void)
{
	printk("shale: svm: revision %u, %u ASIDs, npt %s, nrip-save %s, "
	       "vmcb-clean %s, flush-by-asid %s, decode-assists %s\n",
	       svm_caps.revision, svm_caps.nr_asids, yes_no(SVM_FEATURE_NPT),
	       yes_no(SVM_FEATURE_NRIPS), yes_no(SVM_FEATURE_VMCB_CLEAN),
	       yes_no(SVM_FEATURE_FLUSH_BY_ASID),
	       yes_no(SVM_FEATURE_DECODE_ASSISTS));
}

static int svm_cpu_enable(struct percpu *p)
{
	if (svm_permission_maps_init())
		return -SH_ENOMEM;
	if (mfn_eq(p->hvm_host_save, INVALID_MFN) || !mfn_x(p->hvm_host_save)) {
		p->hvm_host_save = alloc_frames_zeroed(0);
		if (mfn_eq(p->hvm_host_save, INVALID_MFN))
			return -SH_ENOMEM;
	}
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, mfn_to_paddr(p->hvm_host_save));
	if (!(rdmsr(MSR_EFER) & EFER_SVME))
		return -SH_EIO;
	if (!mfn_x(p->hvm_host_vmsave)) {
		p->hvm_host_vmsave = alloc_frames_zeroed(0);
		if (mfn_eq(p->hvm_host_vmsave, INVALID_MFN))
			return -SH_ENOMEM;
	}
	p->hvm_enabled = true;
	return 0;
}

const struct hvm_ops svm_ops = {
	.name = "svm",
	.probe = svm_probe,
	.describe = svm_describe,
	.cpu_enable = svm_cpu_enable,
	.vcpu_init = svm_vcpu_init,
	.vcpu_fini = svm_vcpu_fini,
	.vcpu_reset = svm_vcpu_reset,
	.run = svm_run,
	.update_guest_cr = svm_update_guest_cr,
	.cpl = svm_cpl,
	.long_mode_code = svm_long_mode_code,
	.cs_base = svm_cs_base,
	.seg_base = svm_seg_base,
	.addr_size = svm_addr_size,
	.inject_exception = svm_inject_exception,
	.interrupted_exception = svm_interrupted_exception,
	.delivering_event = svm_delivering_event,
	.set_npt_root = svm_set_npt_root,
	.update_guest_pat = svm_update_guest_pat,
	.dump = svm_dump,
	.flush_guest_tlb = svm_flush_guest_tlb,
	.intr_blocked = svm_intr_blocked,
	.inject_intr = svm_inject_intr,
	.inject_nmi = svm_inject_nmi,
	.set_intr_window = svm_set_intr_window,
};
