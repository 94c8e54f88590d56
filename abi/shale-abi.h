/* SPDX-License-Identifier: MIT */
/*
 * The contract between Shale and its guests that does not depend on the VMI
 * ROM: the CPUID leaves Shale answers, the hypercall numbers, their argument
 * registers and their error codes. Shared by the hypervisor and guests.
 * Runs: anywhere (constants only; no code).
 *
 * Hypercalls: VMMCALL with the number in RAX and up to four arguments in
 * RBX, RCX, RDX, RSI (EBX, ECX, EDX, ESI for 32-bit callers); the result
 * comes back in RAX: 0 or a positive value on success, a negative
 * SHALE_E* code on failure. Only CPL 0 may call; from CPL > 0 every
 * hypercall returns -SHALE_EPERM.
 */
#ifndef SHALE_ABI_H
#define SHALE_ABI_H

/* CPUID leaf 0x40000000: EAX = highest Shale leaf, EBX:ECX:EDX = the
 * signature "ShaleHVShale". Leaf 0x40000001: EAX = ABI version. */
#define SHALE_CPUID_BASE 0x40000000u
#define SHALE_CPUID_VERSION 0x40000001u
#define SHALE_CPUID_SIGNATURE_EBX 0x6c616853u /* "Shal" */
#define SHALE_CPUID_SIGNATURE_ECX 0x53564865u /* "eHVS" */
#define SHALE_CPUID_SIGNATURE_EDX 0x656c6168u /* "hale" */
#define SHALE_ABI_VERSION_MAJOR 0
#define SHALE_ABI_VERSION_MINOR 1
#define SHALE_ABI_VERSION ((SHALE_ABI_VERSION_MAJOR << 16) | SHALE_ABI_VERSION_MINOR)

/* Hypercall numbers. */
#define SHALE_HC_VERSION 0       /* () -> SHALE_ABI_VERSION */
#define SHALE_HC_CONSOLE_WRITE 1 /* (gva buf, len <= 4096) -> bytes written */
/* (target_kib) -> 0: the balloon interface of populate-on-demand. The
 * domain may keep at most target_kib of RAM backed (populated pages plus
 * Shale's cache for it); 0 as the argument only reads the target back
 * (returns it in KiB). Fails with -SHALE_EINVAL above maxmem. */
#define SHALE_HC_MEMORY_TARGET 2
/* (out gva of struct shale_memory_info) -> 0: the domain's memory figures. */
#define SHALE_HC_MEMORY_INFO 3
/* (out gva of struct shale_vcpu_stats) -> 0: the calling vCPU's VM exits
 * since it started, this hypercall's own exit included; -SHALE_EFAULT if
 * the struct cannot be written. Per vCPU, not per domain, so a test can
 * bracket its own work and nothing another vCPU does. */
#define SHALE_HC_VCPU_STATS 4
#define SHALE_HC_NR 5
/* 16-20: the VMI ROM's hypercalls, VMI_HC_* in abi/vmi-rom.h. */

/* SHALE_HC_MEMORY_INFO's result, all in KiB. */
struct shale_memory_info {
	unsigned long long maxmem_kib;    /* RAM the guest sees */
	unsigned long long target_kib;    /* backing allowed */
	unsigned long long populated_kib; /* backed now */
	unsigned long long cache_kib;     /* Shale's PoD cache for the domain */
	unsigned long long outstanding_kib; /* not yet backed (PoD entries) */
};

/* SHALE_HC_VCPU_STATS's result: counts since the vCPU started. Exits
 * between two calls are the difference minus 1 (the second call's own). */
struct shale_vcpu_stats {
	unsigned long long exits;           /* every VM exit */
	unsigned long long exits_intr;      /* of which host interrupts (timer
					     * ticks, IPIs): time, not the guest,
					     * makes these */
	unsigned long long exits_hypercall; /* of which VMMCALLs */
	unsigned long long exits_exception; /* of which intercepted guest
					     * exceptions (#PF under shadow
					     * paging) */
};

/* Error codes (returned negated). */
#define SHALE_EPERM 1
#define SHALE_EFAULT 14
#define SHALE_EINVAL 22
#define SHALE_ENOSYS 38
#define SHALE_ENOMEM 12

#endif /* SHALE_ABI_H */
