; SPDX-License-Identifier: MIT
; Boot entry: the multiboot1 and multiboot2 headers, the 32-bit entry point,
; the boot page tables, and the switch to long mode and to the high-linked
; C code. Runs: boot, on the boot CPU, in 32-bit protected mode with paging
; off (as both multiboot specifications enter), then 64-bit.
;
; The boot page tables map the first 4 GiB three times: identity (for this
; code and the AP trampoline), at DIRECTMAP_BASE, and the first 1 GiB at
; HV_VIRT_BASE where the image is linked. C code replaces them with the final
; host tables (hostmap.c); the APs still pass through them on their way up.

%include "asm-offsets.inc"

extern __image_phys_start, __load_phys_end, __bss_phys_end
extern start_shale, ap_start, ap_host_cr3
global start32, boot_pml4, boot_efer_bits, boot_stack_top, ap_entry64

MB1_MAGIC       equ 0x1BADB002
MB1_FLAGS       equ (1 << 0) | (1 << 1) | (1 << 16) ; align modules, mem map, addresses
MB2_MAGIC       equ 0xE85250D6

COM1            equ 0x3f8

section .mbheader progbits alloc exec nowrite align=8
bits 32
mb1_header:
	dd MB1_MAGIC
	dd MB1_FLAGS
	dd 0x100000000 - (MB1_MAGIC + MB1_FLAGS)
	dd mb1_header           ; header_addr
	dd __image_phys_start   ; load_addr
	dd __load_phys_end      ; load_end_addr
	dd __bss_phys_end       ; bss_end_addr
	dd start32              ; entry_addr

align 8
mb2_header:
	dd MB2_MAGIC
	dd 0                    ; architecture: i386 protected mode
	dd mb2_end - mb2_header
	dd 0x100000000 - (MB2_MAGIC + (mb2_end - mb2_header))
	align 8
	dw 3, 0                 ; entry address tag
	dd 12
	dd start32
	align 8
	dw 6, 0                 ; module alignment tag: page-align modules
	dd 8
	align 8
	dw 0, 0                 ; end tag
	dd 8
mb2_end:

section .boot.text progbits alloc exec nowrite align=16
bits 32
; EAX = multiboot magic, EBX = physical address of the boot information.
start32:
	cli
	cld
	mov esp, boot_stack_top
	mov [boot_magic], eax
	mov [boot_info_pa], ebx

	; Long mode is required; say so on COM1 if it is missing.
	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb .no_long_mode
	mov eax, 0x80000001
	cpuid
	test edx, 1 << 29
	jz .no_long_mode
	xor ebp, ebp
	test edx, 1 << 20       ; NX available: turn on EFER.NXE too
	jz .fill_tables
	mov ebp, 1 << 11
.fill_tables:
	mov [boot_efer_bits], ebp

	; Four page directories of 2 MiB pages: identity map of 0..4 GiB.
	mov edi, boot_pd
	xor ecx, ecx
.pd_loop:
	mov eax, ecx
	shl eax, 21
	or eax, 0x83            ; present, writable, 2 MiB
	mov [edi + ecx * 8], eax
	mov eax, ecx
	shr eax, 11             ; bits 32+ of the physical address
	mov [edi + ecx * 8 + 4], eax
	inc ecx
	cmp ecx, 2048
	jne .pd_loop

	mov dword [boot_pdpt_low + 0 * 8], boot_pd + 0 * 4096 + 3
	mov dword [boot_pdpt_low + 1 * 8], boot_pd + 1 * 4096 + 3
	mov dword [boot_pdpt_low + 2 * 8], boot_pd + 2 * 4096 + 3
	mov dword [boot_pdpt_low + 3 * 8], boot_pd + 3 * 4096 + 3
	mov dword [boot_pdpt_high + 510 * 8], boot_pd + 3
	mov dword [boot_pml4 + 0 * 8], boot_pdpt_low + 3
	mov dword [boot_pml4 + 256 * 8], boot_pdpt_low + 3
	mov dword [boot_pml4 + 511 * 8], boot_pdpt_high + 3

	mov eax, cr4
	or eax, 1 << 5          ; PAE
	mov cr4, eax
	mov eax, boot_pml4
	mov cr3, eax
	mov ecx, 0xC0000080     ; EFER
	rdmsr
	or eax, 1 << 8          ; LME
	or eax, [boot_efer_bits]
	wrmsr
	mov eax, cr0
	or eax, (1 << 31) | (1 << 16) | 1 ; PG, WP, PE
	mov cr0, eax

	lgdt [boot_gdt_desc]
	jmp 0x08:start64_low

.no_long_mode:
	mov esi, no_lm_msg
.putc:
	lodsb
	test al, al
	jz .stop
	mov edx, COM1 + 5
	mov ah, al
.wait:
	in al, dx
	test al, 0x20
	jz .wait
	mov al, ah
	mov edx, COM1
	out dx, al
	jmp .putc
.stop:
	hlt
	jmp .stop

bits 64
start64_low:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor eax, eax
	mov fs, ax
	mov gs, ax
	mov edi, [boot_magic]
	mov esi, [boot_info_pa]
	mov rax, start64_high
	jmp rax

section .boot.data progbits alloc noexec write align=4096
align 4096
boot_pml4:      times 512 dq 0
boot_pdpt_low:  times 512 dq 0
boot_pdpt_high: times 512 dq 0
boot_pd:        times 4 * 512 dq 0
boot_stack:     times BOOT_STACK_SIZE db 0
boot_stack_top:

boot_efer_bits: dd 0
boot_magic:     dd 0
boot_info_pa:   dd 0
align 8
boot_gdt:
	dq 0
	dq 0x00af9a000000ffff   ; 0x08: 64-bit code
	dq 0x00cf92000000ffff   ; 0x10: data
boot_gdt_desc:
	dw boot_gdt_desc - boot_gdt - 1
	dd boot_gdt
no_lm_msg: db "shale: this CPU has no long mode; Shale needs x86-64", 13, 10, 0

section .text
bits 64
; Now at the high link address, still on the boot page tables. EDI/ESI
; hold the multiboot magic and information address.
start64_high:
	mov rsp, bsp_stack_top
	xor ebp, ebp
	call start_shale
.hang:
	cli
	hlt
	jmp .hang

; An AP arrives here from the trampoline, on the boot page tables, with
; RDI = its CPU index and RSI = its stack top. It switches to the host tables
; (EFER.NXE is already on) and calls ap_start(cpu_index).
ap_entry64:
	mov rax, [rel ap_host_cr3]
	mov cr3, rax
	mov rsp, rsi
	xor ebp, ebp
	push 0                  ; a zero return address ends backtraces
	jmp ap_start

section .bss
align 16
global bsp_stack, bsp_stack_top
bsp_stack:      resb 4 * 4096
bsp_stack_top:
