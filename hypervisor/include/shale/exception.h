/* SPDX-License-Identifier: MIT */
/*
 * Exceptions raised while another is being delivered: the double-fault
 * rules (SDM vol. 3 6.15, table 6-5; AMD APM vol. 2 8.2.9). Runs: host
 * root mode; exc_combine is pure and also runs in the host unit tests.
 */
#ifndef SHALE_EXCEPTION_H
#define SHALE_EXCEPTION_H

#define X86_EXC_DE 0
#define X86_EXC_BP 3
#define X86_EXC_OF 4
#define X86_EXC_UD 6
#define X86_EXC_DF 8
#define X86_EXC_TS 10
#define X86_EXC_NP 11
#define X86_EXC_SS 12
#define X86_EXC_GP 13
#define X86_EXC_PF 14
#define X86_EXC_VE 20
#define X86_EXC_CP 21

/* What the CPU delivers when exception 'second' is raised while it
 * delivers exception 'first' (vectors 0..31). */
enum exc_delivery {
	EXC_DELIVER_SECOND, /* handled serially: 'second' is delivered */
	EXC_DOUBLE_FAULT,   /* #DF(0) is delivered instead */
	EXC_TRIPLE_FAULT,   /* the CPU shuts down */
};

/* Benign, contributory (#DE #TS #NP #SS #GP #CP) and page-fault class
 * (#PF #VE) decide: contributory after contributory, and contributory or
 * page fault after a page fault, make #DF; contributory or page fault
 * after #DF shut down; every other pair is handled serially. */
enum exc_delivery exc_combine(unsigned int first, unsigned int second);

#endif /* SHALE_EXCEPTION_H */
