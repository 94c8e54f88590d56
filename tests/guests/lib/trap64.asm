; SPDX-License-Identifier: MIT
; 64-bit IDT entry stubs for long mode. The guest's C runs as 32-bit
; compatibility-mode code, but long mode delivers every exception to 64-bit
; code: these stubs record the exception in trap_* (as trap_handle32 does in
; legacy mode), resume a probe at its recovery address, and send anything
; else back to 32-bit code that reports it. Runs: guest (test kernel), long
; mode.

extern trap_vector, trap_error, trap_eip, trap_cs, trap_cr2, trap_recovered
extern trap64_kernel_cs32, trap64_kernel_ds, trap_report_last
extern probe_exec_target, probe_exec_recover
extern probe_kernel_esp, probe_user_return32
extern __fixup_start, __fixup_end
global trap64_stubs, trap64_user_return

section .text
bits 64

; STUB vector, cpu_pushes_error_code
%macro STUB 2
trap64_vec%1:
%if %2 == 0
	push 0			; dummy error code, for a uniform frame
%endif
	push %1
	jmp trap64_common
%endmacro

%assign v 0
%rep 32
%if v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30
	STUB v, 1
%else
	STUB v, 0
%endif
%assign v v + 1
%endrep

; After the three pushes below, the frame (8-byte slots) is:
%define F_VECTOR	24
%define F_ERROR		32
%define F_RIP		40
%define F_CS		48
%define F_RFLAGS	56
%define F_RSP		64
%define F_SS		72

trap64_common:
	push rax
	push rcx
	push rdx
	mov eax, [rsp + F_VECTOR]
	mov [abs trap_vector], eax
	mov eax, [rsp + F_ERROR]
	mov [abs trap_error], eax
	mov rdx, [rsp + F_RIP]
	mov [abs trap_eip], edx
	mov eax, [rsp + F_CS]
	mov [abs trap_cs], eax
	mov rax, cr2
	mov [abs trap_cr2], rax

	; Probes live below 4 GiB: a RIP above cannot be one.
	mov rax, rdx
	shr rax, 32
	jnz .unexpected

	; The same lookup as probe_recovery() in probe.c: the fixup table of
	; (probe instruction, recovery address) pairs, then an armed exec
	; probe's target.
	mov ecx, __fixup_start
.next:
	cmp ecx, __fixup_end
	jae .exec
	cmp edx, [rcx]
	je .found
	add ecx, 8
	jmp .next
.found:
	mov eax, [rcx + 4]
	jmp .resume
.exec:
	mov eax, [abs probe_exec_target]
	test eax, eax
	jz .unexpected
	cmp edx, eax
	jne .unexpected
	mov eax, [abs probe_exec_recover]
.resume:
	mov [rsp + F_RIP], rax	; eax zero-extended: same CS, new RIP
	inc dword [abs trap_recovered]
	pop rdx
	pop rcx
	pop rax
	add rsp, 16		; vector, error code
	iretq

.unexpected:
	; Resume in 32-bit ring-0 code on a private stack, where C reports it.
	mov eax, trap64_unexpected32
	mov [rsp + F_RIP], rax
	mov eax, [abs trap64_kernel_cs32]
	mov [rsp + F_CS], rax
	mov qword [rsp + F_RFLAGS], 2
	mov eax, trap64_report_stack_top
	mov [rsp + F_RSP], rax
	mov eax, [abs trap64_kernel_ds]
	mov [rsp + F_SS], rax
	pop rdx
	pop rcx
	pop rax
	add rsp, 16
	iretq

; The ring-3 probe's "int PROBE_RETURN_VECTOR" in long mode: continue in
; 32-bit ring-0 code at probe_user_return32, which returns from
; probe_asm_user on the kernel stack it saved. EAX and EDX (the probe's
; results) pass through untouched.
trap64_user_return:
	mov ecx, [abs trap64_kernel_ds]
	push rcx		; SS
	mov ecx, [abs probe_kernel_esp]
	push rcx		; RSP
	push 2			; RFLAGS: IF=0
	mov ecx, [abs trap64_kernel_cs32]
	push rcx		; CS
	mov ecx, probe_user_return32
	push rcx		; RIP
	iretq

bits 32
trap64_unexpected32:
	mov ax, ss
	mov ds, ax
	mov es, ax
	push 1			; long_mode
	call trap_report_last	; does not return

section .rodata
align 4
trap64_stubs:
%assign v 0
%rep 32
	dd trap64_vec %+ v
%assign v v + 1
%endrep

section .bss
alignb 16
trap64_report_stack:
	resb 4096
trap64_report_stack_top:
