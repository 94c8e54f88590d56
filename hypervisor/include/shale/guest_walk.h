/* SPDX-License-Identifier: MIT */
/*
 * The guest page-table walker: one template (hypervisor/paging/
 * guest_walk_tmpl.h) compiled for 2-level, PAE and 4-level guest tables,
 * plus the unpaged case. It computes what the hardware would: the guest
 * frame, or the architectural #PF error code; and on success it sets the
 * accessed and dirty bits in the guest's entries as hardware does.
 * Runs: host root mode (emulation, shadow paging, gva_to_gfn) and host unit
 * tests. Intel SDM vol. 3 chapter 4; AMD APM vol. 2 chapter 5.
 */
#ifndef SHALE_GUEST_WALK_H
#define SHALE_GUEST_WALK_H

#include <shale/types.h>

/* #PF error code bits (SDM 4.7, APM 8.4.2); also the 'access' argument. */
#define PFEC_PRESENT (1u << 0) /* protection violation (entry was present) */
#define PFEC_WRITE (1u << 1)
#define PFEC_USER (1u << 2)
#define PFEC_RSVD (1u << 3)
#define PFEC_INSN (1u << 4)    /* instruction fetch */

/* The guest's paging configuration: the registers that decide the walk. */
struct guest_paging {
	u64 cr0, cr3, cr4, efer;
	u64 rflags;             /* AC matters for SMAP */
	unsigned int maxphyaddr; /* guest physical-address width, 32..52 */
	bool pdpe1gb;           /* guest CPUID offers 1 GiB pages */
	/* PAE only: the four PDPTEs as loaded at the last CR3 write (the
	 * hardware caches them); NULL means read them from memory. */
	const u64 *pae_pdptes;
};

/* How the walker reaches guest memory. map returns a pointer to the 4 KiB
 * guest frame (for reading and, with atomic compare-exchange, for A/D
 * updates), or NULL when the frame is not RAM. */
struct guest_mem {
	void *(*map)(void *ctx, gfn_t gfn);
	void *ctx;
};

struct guest_walk {
	gpa_t gpa;              /* on success: the guest-physical address */
	u32 pfec;               /* on a fault: the error code to deliver */
	unsigned int levels;    /* 0 (unpaged), 2, 3 or 4 */
	unsigned int leaf_level;/* level of the leaf (1 = 4K PTE, 2 = PDE
				 * superpage, 3 = 1 GiB PDPTE); on a fault the
				 * level where the walk stopped */
	u64 entries[5];         /* entry read at each level (index = level) */
	gfn_t tables[5];        /* frame of the table read at each level */
};

/* Access kinds for 'access': any of PFEC_WRITE, PFEC_USER, PFEC_INSN. */

/* Walks the guest's tables for linear address va. Returns 0 on success
 * (w->gpa set, A/D bits updated when set_ad), -SH_EFAULT when the guest
 * gets a #PF (w->pfec holds its error code, CR2 is va), or -SH_EIO when a
 * guest page-table frame is not RAM (the caller decides: hardware would
 * read MMIO or garbage there). */
int guest_walk(const struct guest_paging *gp, const struct guest_mem *mem,
	       gva_t va, u32 access, bool set_ad, struct guest_walk *w);

/* The load-time check of one PAE PDPTE (SDM 4.4.1, table 4-8): a present
 * PDPTE with any of bits 2:1, 8:5 or 63:maxphyaddr set makes the MOV to
 * CR0/CR3/CR4 that loads it raise #GP. Walks do not check these bits. */
bool guest_pae_pdpte_valid(const struct guest_paging *gp, u64 pdpte);

/* 0 (paging off), 2, 3 or 4: the number of levels the guest's registers
 * select. */
unsigned int guest_paging_levels(const struct guest_paging *gp);

#endif /* SHALE_GUEST_WALK_H */
