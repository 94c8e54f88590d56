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

static const hypercall_fn hypercalls[SHALE_HC_NR] = {
	[SHALE_HC_VERSION] = hc_version,
	[SHALE_HC_CONSOLE_WRITE] = hc_console_write,
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
