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
#define SHALE_HC_NR 2

/* Error codes (returned negated). */
#define SHALE_EPERM 1
#define SHALE_EFAULT 14
#define SHALE_EINVAL 22
#define SHALE_ENOSYS 38

#endif /* SHALE_ABI_H */
