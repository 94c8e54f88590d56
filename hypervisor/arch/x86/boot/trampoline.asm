; SPDX-License-Identifier: MIT
; The application processors' way from real mode to long mode. Assembled as
; a flat binary (nasm -f bin), included in the image with incbin, and copied
; to TRAMPOLINE_PHYS by smp.c before each INIT-SIPI-SIPI; the SIPI vector is
; TRAMPOLINE_PHYS >> 12. Runs: boot, on each AP, real mode -> 32-bit ->
; 64-bit on the boot page tables, then jumps to the high entry in the
; parameter block (struct trampoline_params, offsets from asm-offsets.inc).

%include "asm-offsets.inc"

bits 16
org TRAMPOLINE_PHYS

tramp_start:
	jmp short real_start
	times TRAMPOLINE_PARAMS_OFFSET - ($ - $$) db 0
params:
	times TP_SIZE db 0

real_start:
	cli
	cld
	xor ax, ax
	mov ds, ax
	mov word [params + TP_STARTED], 1
	lgdt [tramp_gdt_desc]
	mov eax, cr0
	or eax, 1               ; PE
	mov cr0, eax
	jmp dword 0x08:prot32

bits 32
prot32:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov eax, cr4
	or eax, 1 << 5          ; PAE
	mov cr4, eax
	mov eax, [params + TP_CR3]
	mov cr3, eax
	mov ecx, 0xC0000080     ; EFER
	rdmsr
	or eax, 1 << 8          ; LME
	or eax, [params + TP_EFER_BITS]
	wrmsr
	mov eax, cr0
	or eax, (1 << 31) | (1 << 16) ; PG, WP
	mov cr0, eax
	jmp 0x18:long64

bits 64
long64:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	; No stack yet: the AP's stack may lie above 4 GiB, which only the
	; final host tables map. The entry (ap_entry64) switches to them.
	mov rdi, [params + TP_ARG]
	mov rsi, [params + TP_STACK_TOP]
	mov rax, [params + TP_ENTRY]
	jmp rax

align 16
tramp_gdt:
	dq 0
	dq 0x00cf9a000000ffff   ; 0x08: 32-bit code
	dq 0x00cf92000000ffff   ; 0x10: data
	dq 0x00af9a000000ffff   ; 0x18: 64-bit code
tramp_gdt_desc:
	dw tramp_gdt_desc - tramp_gdt - 1
	dd tramp_gdt
tramp_end:
