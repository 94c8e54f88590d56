; SPDX-License-Identifier: MIT
; 32-bit IDT entry stubs: push a uniform frame and call trap_handle32 (C).
; Runs: guest (test kernel), legacy protected mode.

bits 32
section .text

extern trap_handle32
global trap32_stubs

; STUB vector, cpu_pushes_error_code
%macro STUB 2
trap32_vec%1:
%if %2 == 0
	push 0			; dummy error code, for a uniform frame
%endif
	push %1
	jmp trap32_common
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

; Frame, from the top: es, ds, pushad block, vector, error, then what the
; CPU pushed (eip, cs, eflags, and esp, ss from ring 3). struct trap_frame32
; in trap.c mirrors this order. trap_handle32 may change the saved eip.
trap32_common:
	pushad
	push ds
	push es
	mov ax, ss		; SS is the ring-0 data selector in any trap
	mov ds, ax
	mov es, ax
	push esp
	call trap_handle32
	add esp, 4
	pop es
	pop ds
	popad
	add esp, 8		; vector, error code
	iret

section .rodata
align 4
trap32_stubs:
%assign v 0
%rep 32
	dd trap32_vec %+ v
%assign v v + 1
%endrep
