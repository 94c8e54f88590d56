/* SPDX-License-Identifier: MIT */
/*
 * Shale's accesses to guest memory on the guest's behalf (loading kernels,
 * fetching instructions, hypercall buffers). Guest-physical accesses go
 * through the P2M and reach only the domain's RAM; guest-virtual ones first
 * walk the guest's page tables like the CPU would.
 * Runs: host root mode.
 */
#ifndef SHALE_GUEST_MEM_H
#define SHALE_GUEST_MEM_H

#include <shale/types.h>

struct domain;
struct vcpu;

/* Copies between Shale and the domain's RAM. Returns 0, or -SH_EFAULT if
 * any byte of the range is not RAM the domain may access that way (a write
 * needs p2m_ram_rw; a read also accepts p2m_ram_ro and p2m_rom). */
int guest_phys_read(struct domain *d, gpa_t gpa, void *buf, size_t len);
int guest_phys_write(struct domain *d, gpa_t gpa, const void *buf, size_t len);

/* Reads through the guest's page tables as an access of kind 'access'
 * (PFEC_USER/WRITE/INSN). Returns 0; -SH_EFAULT with *pfec and *fault_va
 * set when the guest takes a #PF; -SH_EIO when a page is not RAM. */
int guest_virt_read(struct vcpu *v, gva_t va, void *buf, size_t len,
		    u32 access, u32 *pfec, u64 *fault_va);

/* Writes through the guest's page tables (a write access of kind
 * 'access'); returns as guest_virt_read. */
int guest_virt_write(struct vcpu *v, gva_t va, const void *buf, size_t len,
		     u32 access, u32 *pfec, u64 *fault_va);

#endif /* SHALE_GUEST_MEM_H */
