; SPDX-License-Identifier: MIT
; The probe instructions (for probe.c), each with a fixup-table entry (faulting
; instruction -> where to resume), and the ring-3 round trip.
; Runs: guest (test kernel), 32-bit code in legacy and compatibility mode.

bits 32

%define PROBE_RETURN_VECTOR 0x30

global probe_asm_read, probe_asm_write, probe_asm_exec, probe_asm_exec_fault
global probe_asm_user, probe_user_return32, probe_kernel_esp
global probe_user_read, probe_user_write, probe_user_exec
global probe_user_exec_fault, probe_return_vector

; FIXUP insn, recover: a fault at insn resumes at recover.
%macro FIXUP 2
section .fixup
	dd %1, %2
section .text
%endmacro

section .rodata
probe_return_vector:
	db PROBE_RETURN_VECTOR

section .text

; uint32_t probe_asm_read(uint32_t addr): the loaded value, or 0 on a fault.
probe_asm_read:
	mov ecx, [esp + 4]
	xor eax, eax
.access:
	mov eax, [ecx]
.done:
	ret
	FIXUP .access, .done

; void probe_asm_write(uint32_t addr, uint32_t value)
probe_asm_write:
	mov ecx, [esp + 4]
	mov eax, [esp + 8]
.access:
	mov [ecx], eax
.done:
	ret
	FIXUP .access, .done

; uint32_t probe_asm_exec(uint32_t addr): calls addr and returns EAX as the
; code there left it. The caller arms
; probe_exec_target = addr and probe_exec_recover = probe_asm_exec_fault,
; since the fault's EIP is addr, not an instruction of ours.
probe_asm_exec:
	mov ecx, [esp + 4]
	call ecx
	ret
probe_asm_exec_fault:
	add esp, 4		; the return address CALL pushed
	ret

; uint32_t probe_asm_user(void *entry, uint32_t addr, uint32_t value,
;                         uint32_t user_cs, uint32_t user_ds,
;                         uint32_t user_esp)
; IRETs to entry in ring 3 with ECX = addr, EAX = value. The ring-3 code
; ends with INT PROBE_RETURN_VECTOR, which comes back through
; probe_user_return32 and returns its EAX from here.
probe_asm_user:
	push ebp
	push ebx
	push esi
	push edi
	mov [probe_kernel_esp], esp
	mov edx, [esp + 20]	; entry
	mov ecx, [esp + 24]	; addr
	mov eax, [esp + 28]	; value
	mov ebx, [esp + 32]	; user CS
	mov esi, [esp + 36]	; user DS and SS
	mov edi, [esp + 40]	; user ESP
	push esi		; SS
	push edi		; ESP
	push 2			; EFLAGS: IF=0, IOPL=0
	push ebx		; CS
	push edx		; EIP
	mov ds, si
	mov es, si
	iret

; Ring 0 again, on the TSS stack (legacy) or via trap64_user_return (long
; mode): drop that stack and return from probe_asm_user.
probe_user_return32:
	mov cx, ss
	mov ds, cx
	mov es, cx
	mov esp, [probe_kernel_esp]
	pop edi
	pop esi
	pop ebx
	pop ebp
	ret

; Ring-3 bodies: ECX = addr, EAX = value; EAX comes back to ring 0.
probe_user_read:
	xor eax, eax
.access:
	mov eax, [ecx]
.done:
	int PROBE_RETURN_VECTOR
	FIXUP .access, .done

probe_user_write:
.access:
	mov [ecx], eax
.done:
	int PROBE_RETURN_VECTOR
	FIXUP .access, .done

probe_user_exec:
	call ecx
probe_user_exec_fault:		; armed as the recovery of an exec fault
	int PROBE_RETURN_VECTOR

section .bss
alignb 4
probe_kernel_esp:
	resd 1
