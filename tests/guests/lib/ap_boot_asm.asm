; SPDX-License-Identifier: MIT
; The AP trampoline (copied below 1 MiB by ap_boot.c; starts in real mode
; at CS:IP = vector << 8 : 0 after a STARTUP IPI) and the 32-bit code it
; jumps to. Runs: guest (test kernel), real mode, then protected mode.

bits 16
section .rodata
align 16
global ap_tramp_start, ap_tramp_end
global ap_tramp_gdtr, ap_tramp_target, ap_tramp_data_sel

; The fields ap_boot.c fills in the copy are addressed through DS = CS,
; as offsets from the trampoline's start.
%define OFF(x) (x - ap_tramp_start)

ap_tramp_start:
	cli
	cld
	mov ax, cs
	mov ds, ax
	mov bx, [OFF(ap_tramp_data_sel)]	; for the 32-bit code
	o32 lgdt [OFF(ap_tramp_gdtr)]
	mov eax, cr0
	and eax, 0x9fffffff		; caches on: clear CD (30) and NW (29)
	or eax, 1			; PE
	mov cr0, eax
	jmp dword far [OFF(ap_tramp_target)]	; to ap_boot_entry32

align 4
ap_tramp_gdtr:
	dw 0			; limit
	dd 0			; base
ap_tramp_target:
	dd 0			; offset: ap_boot_entry32
	dw 0			; the runtime's 32-bit code selector
ap_tramp_data_sel:
	dw 0			; the runtime's data selector
ap_tramp_end:

bits 32
section .text
global ap_boot_entry32
extern ap_boot_stack, ap_boot_fn, ap_boot_arg, ap_boot_arrived
extern ap_boot_idtr

; Flat protected mode on the runtime's GDT; BX = the data selector. Takes
; the stack, function and argument ap_boot_start left, says it arrived
; (after which the BSP may reuse those), and calls fn(arg).
ap_boot_entry32:
	mov ds, bx
	mov es, bx
	mov fs, bx
	mov gs, bx
	mov ss, bx
	mov esp, [ap_boot_stack]
	mov eax, [ap_boot_idtr]
	lidt [eax]
	push dword 0
	popfd				; IF=0, DF=0
	mov eax, [ap_boot_fn]
	mov ecx, [ap_boot_arg]
	lock inc dword [ap_boot_arrived]
	push ecx
	call eax
.hang:
	cli
	hlt
	jmp .hang
