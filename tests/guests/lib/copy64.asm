; SPDX-License-Identifier: MIT
; Copies bytes between two 64-bit linear addresses for the runtime's
; compatibility-mode C code, which cannot form an address above 4 GiB
; (the VMI queue page of a 64-bit guest is at 0xffff800000000000): a far
; call into the 64-bit code segment, REP MOVSB, a 32-bit far return.
; Runs: guest (test kernel), long mode.
;
; void copy64(uint64_t dst, uint64_t src, uint32_t len)   (cdecl)
; A fault on either side is an unexpected exception (the 64-bit IDT's
; handler reports it and ends the guest).

SEL_KCODE64 equ 0x28            ; lib/desc.h

	section .text
	bits 32
	global copy64
copy64:
	push ebp
	mov ebp, esp
	push esi
	push edi
	call SEL_KCODE64:copy64_long
	pop edi
	pop esi
	pop ebp
	ret

	bits 64
copy64_long:
	mov esp, esp                    ; the upper halves are undefined after
	mov ebp, ebp                    ; compatibility mode: zero them
	mov rdi, [rbp + 8]
	mov rsi, [rbp + 16]
	mov ecx, [rbp + 24]
	cld
	rep movsb
	retf                            ; 32-bit operands: pops EIP, then CS
