; SPDX-License-Identifier: MIT
; Multiboot (v1) header and the 32-bit entry point of every test kernel:
; clear BSS, set up a stack, call runtime_start(magic, info).
; Runs: guest (test kernel), protected mode with paging off.

bits 32

MB_MAGIC	equ 0x1badb002
MB_FLAGS	equ 0x3		; page-aligned modules, memory information

section .multiboot
align 4
	dd MB_MAGIC
	dd MB_FLAGS
	dd -(MB_MAGIC + MB_FLAGS)

extern __bss_start, __bss_end, runtime_start
global _start

section .text
; EAX = multiboot magic, EBX = physical address of the multiboot info.
_start:
	cli
	mov esi, eax
	cld
	mov edi, __bss_start	; the stack is in BSS too: clear it first
	mov ecx, __bss_end
	sub ecx, edi
	xor eax, eax
	rep stosb
	mov esp, entry_stack_top
	push 0
	popfd			; IF=0, DF=0, IOPL=0
	push ebx
	push esi
	call runtime_start	; does not return
.hang:
	cli
	hlt
	jmp .hang

section .bss
alignb 16
entry_stack:
	resb 16384
entry_stack_top:
