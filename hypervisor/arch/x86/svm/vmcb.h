/* SPDX-License-Identifier: MIT */
/*
 * The VMCB layout (AMD APM vol. 2, appendix B: tables B-1 control area and
 * B-2 state save area), exit codes (appendix C) and the intercept and
 * event-injection bits Shale uses. Runs: host root mode.
 */
#ifndef ARCH_X86_SVM_VMCB_H
#define ARCH_X86_SVM_VMCB_H

#include <shale/compiler.h>
#include <shale/types.h>

struct vmcb_seg {
	u16 sel;
	u16 attrib; /* descriptor bits 40-47 in 0-7, bits 52-55 in 8-11 */
	u32 limit;
	u64 base;
} __packed;

struct vmcb_control {
	u16 intercept_cr_read;   /* 0x000 */
	u16 intercept_cr_write;  /* 0x002 */
	u16 intercept_dr_read;   /* 0x004 */
	u16 intercept_dr_write;  /* 0x006 */
	u32 intercept_exceptions; /* 0x008 */
	u32 intercept_misc1;     /* 0x00c */
	u32 intercept_misc2;     /* 0x010 */
	u32 intercept_misc3;     /* 0x014 */
	u8 reserved1[0x03c - 0x018];
	u16 pause_filter_threshold; /* 0x03c */
	u16 pause_filter_count;  /* 0x03e */
	u64 iopm_base_pa;        /* 0x040 */
	u64 msrpm_base_pa;       /* 0x048 */
	u64 tsc_offset;          /* 0x050 */
	u32 asid;                /* 0x058 */
	u8 tlb_control;          /* 0x05c */
	u8 reserved2[3];
	u64 vintr;               /* 0x060 */
	u64 interrupt_shadow;    /* 0x068 */
	u64 exitcode;            /* 0x070 */
	u64 exitinfo1;           /* 0x078 */
	u64 exitinfo2;           /* 0x080 */
	u64 exitintinfo;         /* 0x088 */
	u64 np_enable;           /* 0x090 */
	u64 avic_apic_bar;       /* 0x098 */
	u64 ghcb_pa;             /* 0x0a0 */
	u64 eventinj;            /* 0x0a8 */
	u64 n_cr3;               /* 0x0b0 */
	u64 virt_ext;            /* 0x0b8 */
	u32 clean;               /* 0x0c0 */
	u32 reserved3;
	u64 next_rip;            /* 0x0c8 */
	u8 insn_len;             /* 0x0d0 */
	u8 insn_bytes[15];
	u8 reserved4[0x400 - 0x0e0];
} __packed;

struct vmcb_save {
	struct vmcb_seg es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr; /* 0x400 */
	u8 reserved1[0x0cb - 0x0a0];
	u8 cpl;                  /* 0x4cb */
	u32 reserved2;
	u64 efer;                /* 0x4d0 */
	u8 reserved3[0x148 - 0x0d8];
	u64 cr4;                 /* 0x548 */
	u64 cr3;
	u64 cr0;
	u64 dr7;
	u64 dr6;
	u64 rflags;
	u64 rip;                 /* 0x578 */
	u8 reserved4[0x1d8 - 0x180];
	u64 rsp;                 /* 0x5d8 */
	u64 s_cet, ssp, isst_addr;
	u64 rax;                 /* 0x5f8 */
	u64 star, lstar, cstar, sfmask, kernel_gs_base;
	u64 sysenter_cs, sysenter_esp, sysenter_eip;
	u64 cr2;                 /* 0x640 */
	u8 reserved5[0x268 - 0x248];
	u64 g_pat;               /* 0x668 */
	u64 dbgctl, br_from, br_to, last_excp_from, last_excp_to;
} __packed;

struct vmcb {
	struct vmcb_control control;
	struct vmcb_save save;
} __packed;

BUILD_BUG_ON(sizeof(struct vmcb_control) != 0x400);
BUILD_BUG_ON(offsetof(struct vmcb, control.exitcode) != 0x070);
BUILD_BUG_ON(offsetof(struct vmcb, control.n_cr3) != 0x0b0);
BUILD_BUG_ON(offsetof(struct vmcb, control.next_rip) != 0x0c8);
BUILD_BUG_ON(offsetof(struct vmcb, save.cpl) != 0x4cb);
BUILD_BUG_ON(offsetof(struct vmcb, save.efer) != 0x4d0);
BUILD_BUG_ON(offsetof(struct vmcb, save.cr4) != 0x548);
BUILD_BUG_ON(offsetof(struct vmcb, save.rip) != 0x578);
BUILD_BUG_ON(offsetof(struct vmcb, save.rsp) != 0x5d8);
BUILD_BUG_ON(offsetof(struct vmcb, save.rax) != 0x5f8);
BUILD_BUG_ON(offsetof(struct vmcb, save.cr2) != 0x640);
BUILD_BUG_ON(offsetof(struct vmcb, save.g_pat) != 0x668);

/* intercept_misc1 */
#define INTERCEPT_INTR (1u << 0)
#define INTERCEPT_NMI (1u << 1)
#define INTERCEPT_SMI (1u << 2)
#define INTERCEPT_INIT (1u << 3)
#define INTERCEPT_VINTR (1u << 4)
#define INTERCEPT_CPUID (1u << 18)
#define INTERCEPT_INVD (1u << 22)
#define INTERCEPT_HLT (1u << 24)
#define INTERCEPT_INVLPG (1u << 25)
#define INTERCEPT_INVLPGA (1u << 26)
#define INTERCEPT_IOIO (1u << 27)
#define INTERCEPT_MSR (1u << 28)
#define INTERCEPT_TASK_SWITCH (1u << 29)
#define INTERCEPT_FERR_FREEZE (1u << 30)
#define INTERCEPT_SHUTDOWN (1u << 31)
/* intercept_misc2 */
#define INTERCEPT_VMRUN (1u << 0)
#define INTERCEPT_VMMCALL (1u << 1)
#define INTERCEPT_VMLOAD (1u << 2)
#define INTERCEPT_VMSAVE (1u << 3)
#define INTERCEPT_STGI (1u << 4)
#define INTERCEPT_CLGI (1u << 5)
#define INTERCEPT_SKINIT (1u << 6)
#define INTERCEPT_RDTSCP (1u << 7)
#define INTERCEPT_ICEBP (1u << 8)
#define INTERCEPT_WBINVD (1u << 9)
#define INTERCEPT_MONITOR (1u << 10)
#define INTERCEPT_MWAIT (1u << 11)
#define INTERCEPT_XSETBV (1u << 13)

#define VINTR_MASKING (1UL << 24)
#define NP_ENABLE (1UL << 0)
#define TLB_CONTROL_FLUSH_ALL 1

/* Exit codes (APM appendix C). */
#define SVM_EXIT_CR0_READ 0x000
#define SVM_EXIT_CR0_WRITE 0x010
#define SVM_EXIT_EXCP_BASE 0x040
#define SVM_EXIT_INTR 0x060
#define SVM_EXIT_NMI 0x061
#define SVM_EXIT_SMI 0x062
#define SVM_EXIT_INIT 0x063
#define SVM_EXIT_VINTR 0x064
#define SVM_EXIT_CPUID 0x072
#define SVM_EXIT_INVD 0x076
#define SVM_EXIT_PAUSE 0x077
#define SVM_EXIT_HLT 0x078
#define SVM_EXIT_INVLPG 0x079
#define SVM_EXIT_INVLPGA 0x07a
#define SVM_EXIT_IOIO 0x07b
#define SVM_EXIT_MSR 0x07c
#define SVM_EXIT_TASK_SWITCH 0x07d
#define SVM_EXIT_SHUTDOWN 0x07f
#define SVM_EXIT_VMRUN 0x080
#define SVM_EXIT_VMMCALL 0x081
#define SVM_EXIT_VMLOAD 0x082
#define SVM_EXIT_VMSAVE 0x083
#define SVM_EXIT_STGI 0x084
#define SVM_EXIT_CLGI 0x085
#define SVM_EXIT_SKINIT 0x086
#define SVM_EXIT_RDTSCP 0x087
#define SVM_EXIT_ICEBP 0x088
#define SVM_EXIT_WBINVD 0x089
#define SVM_EXIT_MONITOR 0x08a
#define SVM_EXIT_MWAIT 0x08b
#define SVM_EXIT_XSETBV 0x08d
#define SVM_EXIT_NPF 0x400
#define SVM_EXIT_INVALID 0xffffffffffffffffUL

/* EXITINFO1 of IOIO intercepts (APM 15.10.2). */
#define IOIO_TYPE_IN (1u << 0)
#define IOIO_STR (1u << 2)
#define IOIO_REP (1u << 3)
#define IOIO_SZ8 (1u << 4)
#define IOIO_SZ16 (1u << 5)
#define IOIO_SZ32 (1u << 6)

/* EVENTINJ / EXITINTINFO (APM 15.20). */
#define EVENT_TYPE_INTR (0u << 8)
#define EVENT_TYPE_NMI (2u << 8)
#define EVENT_TYPE_EXCEPTION (3u << 8)
#define EVENT_TYPE_SOFT_INT (4u << 8)
#define EVENT_TYPE_MASK (7u << 8)
#define EVENT_ERROR_VALID (1u << 11)
#define EVENT_VALID (1u << 31)

#endif /* ARCH_X86_SVM_VMCB_H */
