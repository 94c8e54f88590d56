/* SPDX-License-Identifier: MIT */
/*
 * The common exit handlers (one file per concern) and the helpers they
 * share. Runs: host root mode, on the CPU running the vCPU.
 */
#ifndef SHALE_VMEXIT_HANDLERS_H
#define SHALE_VMEXIT_HANDLERS_H

#include <shale/exception.h>
#include <shale/vcpu.h>
#include <shale/vmexit.h>

/* Dispatches one exit (vmexit.c). */
void vmexit_handle(struct vcpu *v, struct vm_exit *e);

/* Moves RIP past the intercepted instruction: to e->next_rip when the
 * hardware told us, else by 'len' bytes (wrapping like the CPU in 16- and
 * 32-bit code). */
void vcpu_skip_insn(struct vcpu *v, const struct vm_exit *e, unsigned int len);
/* RIP plus len, wrapped as the CPU wraps it in 16- and 32-bit code. */
u64 vcpu_rip_after(struct vcpu *v, unsigned int len);

/* Queues exception 'vector' (with 'error' when has_error) for the next
 * entry, as the CPU would raise it at this point: a #DF instead when the
 * exit interrupted the delivery of an exception that makes the pair a
 * double fault, and a triple fault (the domain crashes) when it was a #DF
 * (exception.c; the rules in <shale/exception.h>). */
void vcpu_inject_exception(struct vcpu *v, unsigned int vector,
			   bool has_error, u32 error);
/* Injects #GP(0), #UD, or #PF(error) at va, through
 * vcpu_inject_exception. */
void vcpu_inject_gp(struct vcpu *v);
void vcpu_inject_ud(struct vcpu *v);
void vcpu_inject_pf(struct vcpu *v, u64 va, u32 error);

/* Decodes the instruction at CS:RIP into c (c->insn, c->seg_base set up
 * for the vCPU's mode). Returns EMUL_OK, EMUL_UNHANDLED, or
 * EMUL_EXCEPTION after injecting the fault the fetch raised. */
struct emul_ctx;
struct emul_ops;
int vcpu_decode_insn(struct vcpu *v, struct emul_ctx *c);
/* The length of the instruction at CS:RIP if it is the one that raises
 * software event 'vector': INT n with n = vector (soft_int), else INT3
 * for #BP or INTO for #OF. 0 if the bytes there are another instruction
 * or cannot be fetched; nothing is injected either way. */
unsigned int vcpu_software_event_insn_len(struct vcpu *v, unsigned int vector,
					  bool soft_int);
/* Starts an emulation of the instruction at v's RIP: *c gets ops and
 * priv, the mode, segment bases and registers of v. */
void vcpu_emul_begin(struct vcpu *v, struct emul_ctx *c,
		     const struct emul_ops *ops, void *priv);
/* Ends one: with rc (emul_insn's result, not EMUL_UNHANDLED) v takes the
 * emulated registers, and on EMUL_EXCEPTION the exception (with CR2 for
 * a #PF) is queued for it. */
void vcpu_emul_end(struct vcpu *v, const struct emul_ctx *c, int rc);

void handle_msr(struct vcpu *v, const struct vm_exit *e, bool write);
void handle_cr_write(struct vcpu *v, const struct vm_exit *e);
/* Shadow paging: MOV from CR0/CR3/CR4 and SMSW return the guest-visible
 * values; INVLPG is decoded for its address. */
void handle_cr_read(struct vcpu *v, const struct vm_exit *e);
void handle_invlpg(struct vcpu *v, const struct vm_exit *e);
void handle_hypercall(struct vcpu *v, const struct vm_exit *e);
void handle_io(struct vcpu *v, const struct vm_exit *e);

/* CR0/CR4/EFER writes as the architecture checks them (cr.c, msr.c):
 * returns false after injecting #GP for a value the guest may not load. */
bool vcpu_set_cr0(struct vcpu *v, u64 val);
bool vcpu_set_cr4(struct vcpu *v, u64 val);
bool vcpu_set_efer(struct vcpu *v, u64 val);
bool vcpu_set_cr3(struct vcpu *v, u64 val);

#endif /* SHALE_VMEXIT_HANDLERS_H */
