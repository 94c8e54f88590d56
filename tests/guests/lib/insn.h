/* SPDX-License-Identifier: MIT */
/* Privileged instructions run once with an expected fault caught, like the
 * memory probes of probe.h: RDMSR, WRMSR, MOV to CR0 and CR4, CLTS, LMSW,
 * the SVM instructions, VMMCALL (from ring 0 or ring 3) and REP OUTSB.
 * Each returns a struct probe_result whose faulted, vector, error, eip and
 * cs say how it faulted, if it did. Runs: guest (test kernel), 32-bit code
 * in legacy protected mode. */
#ifndef GUEST_INSN_H
#define GUEST_INSN_H

#include <stdint.h>

#include "probe.h"

/* RDMSR of msr; *val is what it read, or 0 if it faulted. */
struct probe_result insn_rdmsr(uint32_t msr, uint64_t *val);

/* WRMSR of val to msr. */
struct probe_result insn_wrmsr(uint32_t msr, uint64_t val);

/* MOV to CR0 and CR4 of val. A write that does not fault takes effect: the
 * caller restores what it needs. */
struct probe_result insn_write_cr0(uint32_t val);
struct probe_result insn_write_cr4(uint32_t val);

/* CLTS; LMSW with a register holding msw; LMSW with msw in memory. */
struct probe_result insn_clts(void);
struct probe_result insn_lmsw(uint16_t msw);
struct probe_result insn_lmsw_mem(uint16_t msw);

/* The SVM instructions a guest without EFER.SVME may not use (AMD APM
 * vol. 3, chapter 4). VMRUN, VMLOAD and VMSAVE run with EAX = 0. */
enum insn_svm {
	INSN_VMRUN,
	INSN_VMLOAD,
	INSN_VMSAVE,
	INSN_STGI,
	INSN_CLGI,
	INSN_SVM_NR,
};
struct probe_result insn_svm(enum insn_svm which);
const char *insn_svm_name(enum insn_svm which);

/* VMMCALL from ring (0 or 3) with EAX = nr, EBX = a1, ECX = a2; *ret is
 * EAX afterwards (unchanged, nr, if it faulted). From ring 3, EBX holds
 * the ring-3 code selector, not a1. */
struct probe_result insn_vmmcall(int ring, uint32_t nr, uint32_t a1,
				 uint32_t a2, uint32_t *ret);

/* REP OUTSB of len bytes at buf to port, with DF=0; *ecx_after and
 * *esi_after are ECX and ESI when it is done. */
struct probe_result insn_rep_outsb(uint16_t port, const void *buf,
				   uint32_t len, uint32_t *ecx_after,
				   uint32_t *esi_after);

/* REP OUTSB with an address-size prefix (0x67: SI and CX in 32-bit code)
 * to port, starting with ESI = esi and ECX = ecx, DF=0. */
struct probe_result insn_rep_outsb_a16(uint16_t port, uint32_t esi,
				       uint32_t ecx, uint32_t *ecx_after,
				       uint32_t *esi_after);

#endif
