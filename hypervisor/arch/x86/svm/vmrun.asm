; SPDX-License-Identifier: MIT
; The world switch: load the guest's general registers, VMRUN, save them
; back. Runs: host root mode with GIF = 0 and interrupts off (svm_vcpu.c
; brackets the call with CLGI/STGI).
;
; void svm_vmrun(u64 vmcb_pa, struct cpu_regs *regs, u64 host_vmsave_pa)
;
; VMRUN itself switches RAX, RSP, RIP, RFLAGS and the control registers
; (they live in the VMCB); the other GPRs are ours to load and save.
; VMSAVE/VMLOAD move the state VMRUN leaves alone (FS, GS, TR, LDTR,
; KernelGSBase, STAR family, SYSENTER MSRs): the host's GS base is its
; per-CPU pointer, so it is saved before VMLOAD of the guest and restored
; right after the exit (APM vol. 2, 15.5.2).

%include "asm-offsets.inc"

global svm_vmrun

section .text
bits 64
svm_vmrun:
	push rbp
	push rbx
	push r12
	push r13
	push r14
	push r15
	push rsi                ; [rsp + 16] regs
	push rdi                ; [rsp + 8]  guest VMCB
	push rdx                ; [rsp]      host VMSAVE area

	mov rax, rdx
	vmsave
	mov rax, [rsp + 8]
	vmload

	mov rcx, [rsi + REGS_RCX]
	mov rdx, [rsi + REGS_RDX]
	mov rbx, [rsi + REGS_RBX]
	mov rbp, [rsi + REGS_RBP]
	mov rdi, [rsi + REGS_RDI]
	mov r8,  [rsi + REGS_R8]
	mov r9,  [rsi + REGS_R9]
	mov r10, [rsi + REGS_R10]
	mov r11, [rsi + REGS_R11]
	mov r12, [rsi + REGS_R12]
	mov r13, [rsi + REGS_R13]
	mov r14, [rsi + REGS_R14]
	mov r15, [rsi + REGS_R15]
	mov rsi, [rsi + REGS_RSI]

	vmrun                   ; RAX = guest VMCB
	; #VMEXIT: RAX, RSP and the control registers are the host's again.

	vmsave                  ; the guest's FS, GS, ... into its VMCB
	push rsi                ; guest RSI; regs is now at [rsp + 24]
	mov rsi, [rsp + 24]
	mov [rsi + REGS_RCX], rcx
	mov [rsi + REGS_RDX], rdx
	mov [rsi + REGS_RBX], rbx
	mov [rsi + REGS_RBP], rbp
	mov [rsi + REGS_RDI], rdi
	mov [rsi + REGS_R8],  r8
	mov [rsi + REGS_R9],  r9
	mov [rsi + REGS_R10], r10
	mov [rsi + REGS_R11], r11
	mov [rsi + REGS_R12], r12
	mov [rsi + REGS_R13], r13
	mov [rsi + REGS_R14], r14
	mov [rsi + REGS_R15], r15
	pop rax
	mov [rsi + REGS_RSI], rax

	pop rax                 ; host VMSAVE area
	vmload                  ; host GS base (per-CPU data) is back
	add rsp, 16
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret
