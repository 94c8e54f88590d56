; SPDX-License-Identifier: MIT
; Calls a 64-bit VMI ROM entry point from the runtime's compatibility-mode
; C code: a far call into the 64-bit code segment, the System V call,
; and a 32-bit far return back. Runs: guest (test kernel), long mode.
;
; uint64_t vmi_call64(uint32_t entry, uint64_t a1, uint64_t a2,
;                     uint64_t a3, uint64_t a4)   (cdecl)
; a1-a4 go to RDI, RSI, RDX, RCX; RAX comes back in EDX:EAX.

SEL_KCODE64 equ 0x28            ; lib/desc.h

	section .text
	bits 32
	global vmi_call64
vmi_call64:
	push ebp
	mov ebp, esp
	push ebx
	push esi
	push edi
	call SEL_KCODE64:call64
	pop edi
	pop esi
	pop ebx
	pop ebp
	ret

	bits 64
call64:
	mov esp, esp                    ; the upper halves are undefined after
	mov ebp, ebp                    ; compatibility mode: zero them
	mov rdi, [rbp + 12]
	mov rsi, [rbp + 20]
	mov rdx, [rbp + 28]
	mov rcx, [rbp + 36]
	mov eax, [rbp + 8]
	mov rbx, rsp
	and rsp, -16                    ; the ABI's alignment at the call
	call rax
	mov rsp, rbx
	mov rdx, rax
	shr rdx, 32
	retf                            ; 32-bit operands: pops EIP, then CS
