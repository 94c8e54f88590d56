; SPDX-License-Identifier: MIT
; Interrupt and exception entry: one 16-byte stub per vector pushes a dummy
; error code where the CPU pushes none, then the vector, and jumps to a
; common path that saves the GPRs as a struct trap_frame (asm/traps.h) and
; calls trap_dispatch. Runs: host root mode, on any CPU.

%include "asm-offsets.inc"

extern trap_dispatch
global trap_stubs

; Vectors for which the CPU pushes an error code (SDM vol. 3 table 6-1).
%define HAS_ERRCODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

section .text
bits 64
align 16
trap_stubs:
%assign v 0
%rep 256
	align 16
%if HAS_ERRCODE(v)
	nop
	nop
%else
	push 0
%endif
	push v
	jmp trap_common
%assign v v + 1
%endrep

align 16
trap_common:
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	mov rdi, rsp
	; A frame-pointer link so backtraces run through the interrupted code.
	mov rbp, [rsp + TF_RIP]
	push rbp
	push qword [rsp + 8 + TF_RBP]  ; interrupted RBP
	mov rbp, rsp
	cld
	call trap_dispatch
	add rsp, 16
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, 16             ; vector and error code
	iretq
