/* SPDX-License-Identifier: MIT */
/*
 * VMMCALL: the hypercall table whose numbers and registers abi/shale-abi.h
 * defines. Arguments are guest input: every pointer and length is checked.
 * Runs: host root mode.
 */
#include <shale/errno.h>
#include <shale/domain.h>
#include <shale/guest_mem.h>
#include <shale/guest_walk.h>
#include <shale/hvm.h>
#include <shale/vmexit_handlers.h>
#include <shale/vmi.h>

#include <shale-abi.h>

#define HC_CONSOLE_MAX 4096

typedef s64 (*hypercall_fn)(struct vcpu *v, u64 a1, u64 a2, u64 a3, u64 a4);

static s64 hc_version(struct vcpu *v, u64 a1, u64 a2, u64 a3, u64 a4)
{
	return SHALE_ABI_VERSION;
}

/* Prints len bytes at guest-virtual buf on the domain's console. */
static s64 hc_console_write(struct vcpu *v, u64 buf, u64 len, u64 a3, u64 a4)
{
	char chunk[128];
	u64 done = 0, fault_va;
	u32 pfec;

	if (len > HC_CONSOLE_MAX)
		return -SHALE_EINVAL;
	while (done < len) {
		size_t n = MIN(sizeof(chunk), (size_t)(len - done));

		if (guest_virt_read(v, _gva(buf + done), chunk, n, 0, &pfec, &fault_va))
			return -SHALE_EFAULT;
		spin_lock(&v->domain->lock);
		for (size_t i = 0; i < n; i++)
			domain_console_put(v->domain, chunk[i]);
		spin_unlock(&v->domain->lock);
		done += n;
	}
	return (s64)len;
}

/* The balloon: at most target_kib of the domain's RAM stays backed (PoD
 * cache included). 0 reads the target back. */
static s64 hc_memory_target(struct vcpu *v, u64 target_kib, u64 a2, u64 a3,
			    u64 a4)
{
	struct domain *d = v->domain;
	struct pod_info info;

	if (!d->pod_enabled)
		return target_kib ? -SHALE_EINVAL : (s64)(d->ram_bytes >> 10);
	if (!target_kib) {
		pod_get_info(&d->pod, &info);
		return (s64)(info.target << 2);
	}
	if (target_kib > (d->cfg.maxmem_mib << 10))
		return -SHALE_EINVAL;
	if (pod_set_target(&d->pod, &d->p2m, target_kib >> 2))
		return -SHALE_ENOMEM;
	return 0;
}

/* The domain's memory figures, written to a struct shale_memory_info at
 * guest-virtual 'out'. */
static s64 hc_memory_info(struct vcpu *v, u64 out, u64 a2, u64 a3, u64 a4)
{
	struct domain *d = v->domain;
	struct shale_memory_info m = { .maxmem_kib = d->ram_bytes >> 10 };
	struct pod_info info;
	u32 pfec;
	u64 fault_va;

	if (d->pod_enabled) {
		pod_get_info(&d->pod, &info);
		m.target_kib = info.target << 2;
		m.populated_kib = info.populated << 2;
		m.cache_kib = info.cache_frames << 2;
		m.outstanding_kib = info.outstanding << 2;
	} else {
		m.target_kib = m.populated_kib = d->ram_bytes >> 10;
	}
	if (guest_virt_write(v, _gva(out), &m, sizeof(m), 0, &pfec, &fault_va))
		return -SHALE_EFAULT;
	return 0;
}

/* The calling vCPU's exit counts (struct shale_vcpu_stats) written to
 * guest-virtual 'out'. The scheduler counted this call's own exit before
 * dispatching it, so it is included. */
static s64 hc_vcpu_stats(struct vcpu *v, u64 out, u64 a2, u64 a3, u64 a4)
{
	struct shale_vcpu_stats s = {
		.exits_intr = v->stats.exits[EXIT_INTR],
		.exits_hypercall = v->stats.exits[EXIT_HYPERCALL],
		.exits_exception = v->stats.exits[EXIT_EXCEPTION],
	};
	u32 pfec;
	u64 fault_va;

	for (unsigned int r = 0; r < EXIT_NR; r++)
		s.exits += v->stats.exits[r];
	if (guest_virt_write(v, _gva(out), &s, sizeof(s), 0, &pfec, &fault_va))
		return -SHALE_EFAULT;
	return 0;
}

static const hypercall_fn hypercalls[SHALE_HC_NR] = {
	[SHALE_HC_VERSION] = hc_version,
	[SHALE_HC_CONSOLE_WRITE] = hc_console_write,
	[SHALE_HC_MEMORY_TARGET] = hc_memory_target,
	[SHALE_HC_MEMORY_INFO] = hc_memory_info,
	[SHALE_HC_VCPU_STATS] = hc_vcpu_stats,
};

void handle_hypercall(struct vcpu *v, const struct vm_exit *e)
{
	u64 nr = v->regs.rax, mask = hvm->long_mode_code(v) ? ~0UL : 0xffffffffUL;
	s64 ret;

	if (hvm->cpl(v) != 0)
		ret = -SHALE_EPERM;
	else if (vmi_is_hypercall(nr))
		ret = vmi_hypercall(v, nr, v->regs.rbx & mask, v->regs.rcx & mask,
				    v->regs.rdx & mask, v->regs.rsi & mask);
	else if (nr >= SHALE_HC_NR || !hypercalls[nr])
		ret = -SHALE_ENOSYS;
	else
		ret = hypercalls[nr](v, v->regs.rbx & mask, v->regs.rcx & mask,
				     v->regs.rdx & mask, v->regs.rsi & mask);
	v->regs.rax = (u64)ret & mask;
	vcpu_skip_insn(v, e, 3);
}
