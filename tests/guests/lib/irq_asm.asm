; SPDX-License-Identifier: MIT
; IDT entry stubs for every vector: push a uniform frame and call
; irq_dispatch (irq.c). Runs: guest (test kernel), legacy protected mode.

bits 32
section .text

extern irq_dispatch
global irq_stubs

; STUB vector, cpu_pushes_error_code
%macro STUB 2
irq_vec%1:
%if %2 == 0
	push 0			; dummy error code, for a uniform frame
%endif
	push %1
	jmp irq_common
%endmacro

%assign v 0
%rep 256
%if v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30
	STUB v, 1
%else
	STUB v, 0
%endif
%assign v v + 1
%endrep

; Frame, from the top: the pushad block, vector, error, then what the CPU
; pushed (eip, cs, eflags); struct irq_frame in irq.c mirrors this order.
; Interrupts come from ring 0 only, so DS and ES are already flat.
irq_common:
	pushad
	cld
	push esp
	call irq_dispatch
	add esp, 4
	popad
	add esp, 8		; vector, error code
	iret

section .rodata
align 4
irq_stubs:
%assign v 0
%rep 256
	dd irq_vec %+ v
%assign v v + 1
%endrep
