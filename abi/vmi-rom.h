/* SPDX-License-Identifier: MIT */
/*
 * The VMI ROM contract: the option-ROM header Shale maps into every PV
 * domain, the ROM's call numbers and argument registers, the per-vCPU
 * deferred-update queue page, and the hypercalls the ROM uses to reach
 * Shale. One header for the hypervisor, the ROM (its NASM constants are
 * generated from this file by rom/vmi-consts.c), the guest patch and the
 * test kernels; abi/README.md explains each call's semantics.
 * Runs: anywhere (constants and layouts only; no code).
 *
 * Finding the ROM: scan guest-physical 0xC0000-0xDFFFF on 2 KiB boundaries
 * for 0x55 0xAA; byte 2 is the length in 512-byte units; the bytes of the
 * whole image sum to 0 mod 256; then check VMI_ROM_SIGNATURE and
 * api_major == VMI_API_MAJOR (minor may be newer than the caller's).
 * The ROM is read-only and position-independent: map it anywhere (kernel
 * linear address) and call rom_base + table[call].
 *
 * Calling conventions:
 *  - 32-bit PAE callers: near CALL in flat 32-bit protected mode (CS, DS,
 *    SS bases 0), GCC's regparm(3): arguments in EAX, EDX, ECX, a 64-bit
 *    argument takes two consecutive registers (low first) when they are
 *    free, the rest are on the stack (caller pops). Result in EAX (EDX:EAX
 *    for 64-bit results). EBX, ESI, EDI, EBP, ESP preserved; EFLAGS.DF = 0.
 *  - 64-bit callers: near CALL in 64-bit mode, System V: RDI, RSI, RDX,
 *    RCX, result in RAX; RBX, RBP, R12-R15 preserved. No red zone is used.
 *  Both run at CPL 0 with interrupts in any state; a call never enables
 *  interrupts. Every call is re-entrant across vCPUs; on one vCPU it must
 *  not be interrupted by another call (Linux: called with preemption off).
 */
#ifndef SHALE_VMI_ROM_H
#define SHALE_VMI_ROM_H

#ifndef __ASSEMBLER__
#include <stdint.h>
#endif

/* ------------------------------------------------------------ the image */
#define VMI_ROM_GPA 0xC0000u          /* where Shale maps it */
#define VMI_ROM_SCAN_START 0xC0000u   /* where a guest looks for it */
#define VMI_ROM_SCAN_END 0xE0000u     /* exclusive */
#define VMI_ROM_SCAN_STEP 0x800u      /* 2 KiB */
#define VMI_ROM_SIZE 0x1000u          /* bytes; a multiple of 512 */
#define VMI_ROM_SIGNATURE "SHALEVMI"  /* 8 bytes, no NUL */
#define VMI_ROM_SIG_LO 0x4c414853u    /* "SHAL" as a little-endian u32 */
#define VMI_ROM_SIG_HI 0x494d5645u    /* "EVMI" */
#define VMI_API_MAJOR 1               /* incompatible changes */
#define VMI_API_MINOR 1               /* compatible additions: 1 adds
				       * VMI_HC_FLUSH_LOCAL */

/* rom_header.flags: set by Shale in the domain's private copy of the ROM
 * (the checksum is fixed up after); the image as built has 0. */
#define VMI_ROM_F_HAP (1u << 0)   /* hardware paging: every call is thin */
#define VMI_ROM_F_QUEUE (1u << 1) /* queue pages are mapped at queue_va* */

/* ------------------------------------------------ the queue page's home */
/* One page per vCPU at the same linear address in every vCPU's top-level
 * shadow (a private mapping: each vCPU sees its own). 64-bit guests: the
 * guard hole Linux leaves to hypervisors. PAE guests: the top 2 MiB of the
 * 32-bit space, kept free with the Linux command line `reservetop=2M`
 * (Shale maps it through a per-vCPU copy of the L2 that covers it). */
#define VMI_QUEUE_VA64 0xffff800000000000ull
#define VMI_QUEUE_VA_PAE 0xffe00000u
#define VMI_QUEUE_PAE_RESERVE 0x200000u /* reservetop= bytes */
#define VMI_QUEUE_SIZE 0x1000u

/* ---------------------------------------------------------- call numbers */
/* Index into both entry tables. Prototypes as C sees them (32-bit callers:
 * __attribute__((regparm(3))); "ulong" is 32 or 64 bits). Results: >= 0
 * success, < 0 a negated VMI_E* code. */
#define VMI_CALL_INIT 0       /* long init(void): once per vCPU, before any
			       * other call; -> VMI_INIT_* word (below) */
#define VMI_CALL_SET_PTE 1    /* long set_pte(u64 *ptep, u64 val, u64 gpa,
			       *   u32 how): writes *ptep = val (atomically,
			       *   also from 32-bit code), then tells Shale
			       *   the entry at guest-physical gpa changed.
			       *   how = level | VMI_PTE_* flags */
#define VMI_CALL_UPDATE_PTE 2 /* long update_pte(u64 gpa, u32 how): the
			       *   entry at gpa was already written */
#define VMI_CALL_SET_CR3 3    /* long set_cr3(ulong cr3): a flush point */
#define VMI_CALL_INVLPG 4     /* long invlpg(ulong va): a flush point */
#define VMI_CALL_FLUSH_TLB 5  /* long flush_tlb(u32 flags): VMI_FLUSH_* */
#define VMI_CALL_FLUSH_VCPUS 6 /* long flush_vcpus(const ulong *bitmap,
			        *   u32 nbits, u32 flags): drains, then
			        *   flushes the TLBs of the vCPUs whose bits
			        *   are set (the caller's included), no IPIs */
#define VMI_CALL_LAZY_ENTER 7 /* long lazy_enter(void) */
#define VMI_CALL_LAZY_LEAVE 8 /* long lazy_leave(void): drains */
#define VMI_CALL_DRAIN 9      /* long drain(void): explicit flush point */
#define VMI_CALL_REGISTER_PT 10 /* long register_pt(u64 gpa, u32 level):
				 *   the page at gpa becomes a page table */
#define VMI_CALL_RELEASE_PT 11  /* long release_pt(u64 gpa, u32 level) */
#define VMI_CALL_NR 12

/* 'how' of SET_PTE / UPDATE_PTE: bits 0-3 the level of the entry (1 = PTE,
 * 2 = PDE, 3 = PDPTE, 4 = PML4E), then: */
#define VMI_PTE_LEVEL_MASK 0xfu
#define VMI_PTE_DEFER (1u << 8)  /* the entry belongs to the current address
				  * space or to kernel mappings: it may wait
				  * for the next flush point. Without it the
				  * update is applied before the call returns */
#define VMI_PTE_PAE (1u << 9)    /* the guest uses PAE paging (3 levels) */

/* flush_tlb / flush_vcpus flags. */
#define VMI_FLUSH_GLOBAL (1u << 0) /* global pages too */

/* The init call's result: the vCPU id, and what path the ROM takes. */
#define VMI_INIT_VCPU_MASK 0xffffu
#define VMI_INIT_HAP (1u << 16)   /* thin path */
#define VMI_INIT_QUEUE (1u << 17) /* the queue page is mapped */
/* Neither HAP nor QUEUE: shadow paging without a queue yet; every reported
 * update costs one hypercall (VMI_HC_UPDATE). */

/* ------------------------------------------------------------ error codes */
/* Negated in results, shared with abi/shale-abi.h's SHALE_E*. */
#define VMI_EPERM 1
#define VMI_EFAULT 14
#define VMI_EINVAL 22
#define VMI_ENOSYS 38
#define VMI_E2BIG 7        /* a batch claims more entries than it holds */
#define VMI_EREFUSED 71    /* some entries were refused (see the status) */

/* A drain's status (>= 0): 0 when every entry was applied; otherwise how
 * many were refused (bits 12-23) and the index of the first (bits 0-11). */
#define VMI_DRAIN_FIRST_MASK 0xfffu
#define VMI_DRAIN_REFUSED_SHIFT 12
#define VMI_DRAIN_REFUSED_MASK 0xfffu

/* Why a drain ran (the drain hypercall's reason argument, and the stats). */
#define VMI_DRAIN_FULL 0      /* the queue was full */
#define VMI_DRAIN_FLUSH 1     /* flush_tlb / flush_vcpus */
#define VMI_DRAIN_CR3 2       /* set_cr3 */
#define VMI_DRAIN_INVLPG 3    /* invlpg */
#define VMI_DRAIN_FAULT 4     /* a guest page fault (Shale-initiated) */
#define VMI_DRAIN_LAZY 5      /* leaving lazy MMU mode */
#define VMI_DRAIN_EXPLICIT 6  /* drain(), or an update that may not wait */
#define VMI_DRAIN_NR_REASONS 7

/* ------------------------------------------------------------- hypercalls */
/* VMMCALL as in abi/shale-abi.h: number in RAX, arguments RBX, RCX, RDX,
 * RSI (32-bit callers: the low halves), result in RAX. Numbers continue
 * SHALE_HC_*; 64-bit values from 32-bit callers come as two halves (lo,
 * hi; 64-bit callers pass the whole value in lo and 0 in hi). */
#define VMI_HC_INIT 16         /* (api major << 16 | minor) -> VMI_INIT_* */
#define VMI_HC_FLUSH_VCPUS 17  /* (gva bitmap, nbits, flags) -> 0: when it
				* returns, no target vCPU holds a TLB entry
				* older than the call */
#define VMI_HC_DRAIN 18        /* (reason) -> drain status: this vCPU's
				* queue page; -VMI_ENOSYS without one */
#define VMI_HC_DRAIN_BATCH 19  /* (gva batch, reason) -> drain status: a
				* batch in the guest's own memory, laid out
				* like a queue page (at most one page, not
				* crossing a page boundary) */
#define VMI_HC_UPDATE 20       /* (gpa lo, gpa hi, how) -> drain status of a
				* one-entry batch */
#define VMI_HC_FLUSH_LOCAL 21  /* (reason, flags) -> drain status: drains
				* this vCPU's queue page if it holds entries
				* (a drain for 'reason'), then flushes this
				* vCPU's TLB as reloading its CR3 would (PAE:
				* the PDPTEs are re-read), global entries
				* included. One exit for flush_tlb (API 1.1);
				* -VMI_EINVAL for an unknown reason or flag */
#define VMI_HC_FIRST VMI_HC_INIT
#define VMI_HC_LAST VMI_HC_FLUSH_LOCAL

/* -------------------------------------------------------- the queue page */
#define VMI_QE_PAE (1u << 0) /* entry.flags: a PAE (8-byte, 3-level) entry */

#ifndef __ASSEMBLER__
/* The ROM header: the first bytes of the image. */
struct vmi_rom_header {
	uint8_t sig55, sigAA;   /* 0x55 0xAA */
	uint8_t size512;        /* image length / 512 */
	uint8_t init_jmp[3];    /* BIOS init entry (real mode): a far return */
	uint8_t checksum;       /* makes the image sum to 0 mod 256 */
	uint8_t reserved0;
	char signature[8];      /* VMI_ROM_SIGNATURE */
	uint16_t api_major, api_minor;
	uint32_t flags;         /* VMI_ROM_F_* (Shale's copy) */
	uint32_t header_size;   /* sizeof(struct vmi_rom_header) */
	uint32_t nr_calls;      /* entries in each table (>= VMI_CALL_NR) */
	uint32_t table32;       /* offset of u32 entry offsets, 32-bit callers */
	uint32_t table64;       /* offset of u32 entry offsets, 64-bit callers */
	uint64_t queue_va64;    /* VMI_QUEUE_VA64 */
	uint32_t queue_va_pae;  /* VMI_QUEUE_VA_PAE */
	uint32_t queue_size;    /* VMI_QUEUE_SIZE */
	uint32_t pae_reserve;   /* VMI_QUEUE_PAE_RESERVE */
	uint32_t reserved1[3];
};

/* One queued update: names a guest page-table entry, never its value
 * (Shale re-reads the guest's own entry). 16 bytes. */
struct vmi_qentry {
	uint64_t gpa;    /* guest-physical address of the entry: 8-aligned */
	uint32_t level;  /* 1 .. 4 (PAE: 1 .. 3) */
	uint32_t flags;  /* VMI_QE_* */
};

/* The queue page (and the layout of a VMI_HC_DRAIN_BATCH batch). The ROM
 * appends and bumps count; a drain empties it (count = 0). */
struct vmi_queue {
	uint32_t count;    /* entries queued */
	uint32_t capacity; /* VMI_QUEUE_CAPACITY (set by Shale) */
	uint32_t flags;    /* bit 0: lazy MMU mode (the ROM's bookkeeping) */
	uint32_t vcpu_id;  /* set by Shale: whose page this is */
	struct vmi_qentry entries[];
};
#endif

#define VMI_QUEUE_HDR_SIZE 16u
#define VMI_QENTRY_SIZE 16u
#define VMI_QUEUE_CAPACITY ((VMI_QUEUE_SIZE - VMI_QUEUE_HDR_SIZE) / VMI_QENTRY_SIZE)
#define VMI_QUEUE_F_LAZY (1u << 0)

#endif /* SHALE_VMI_ROM_H */
