; SPDX-License-Identifier: MIT
; The instructions of insn.c, each with a fixup-table entry (faulting
; instruction -> where to resume), as in probe_asm.asm.
; Runs: guest (test kernel), 32-bit code in legacy protected mode.

bits 32

; probe_asm.asm's vector back from ring 3 (its IDT gate has DPL 3).
%define PROBE_RETURN_VECTOR 0x30

global insn_asm_rdmsr, insn_asm_wrmsr, insn_asm_write_cr0
global insn_asm_write_cr4, insn_asm_clts, insn_asm_lmsw, insn_asm_svm
global insn_asm_lmsw_mem, insn_asm_vmmcall, insn_user_vmmcall
global insn_asm_rep_outsb, insn_asm_rep_outsb_a16

; FIXUP insn, recover: a fault at insn resumes at recover.
%macro FIXUP 2
section .fixup
	dd %1, %2
section .text
%endmacro

section .text

; uint64_t insn_asm_rdmsr(uint32_t msr): EDX:EAX, or 0 on a fault.
insn_asm_rdmsr:
	mov ecx, [esp + 4]
	xor eax, eax
	xor edx, edx
.insn:
	rdmsr
.done:
	ret
	FIXUP .insn, .done

; void insn_asm_wrmsr(uint32_t msr, uint32_t lo, uint32_t hi)
insn_asm_wrmsr:
	mov ecx, [esp + 4]
	mov eax, [esp + 8]
	mov edx, [esp + 12]
.insn:
	wrmsr
.done:
	ret
	FIXUP .insn, .done

; void insn_asm_write_cr0(uint32_t val)
insn_asm_write_cr0:
	mov eax, [esp + 4]
.insn:
	mov cr0, eax
.done:
	ret
	FIXUP .insn, .done

; void insn_asm_write_cr4(uint32_t val)
insn_asm_write_cr4:
	mov eax, [esp + 4]
.insn:
	mov cr4, eax
.done:
	ret
	FIXUP .insn, .done

; void insn_asm_clts(void)
insn_asm_clts:
.insn:
	clts
.done:
	ret
	FIXUP .insn, .done

; void insn_asm_lmsw(uint32_t msw): LMSW AX (the register form)
insn_asm_lmsw:
	mov eax, [esp + 4]
.insn:
	lmsw ax
.done:
	ret
	FIXUP .insn, .done

; void insn_asm_lmsw_mem(const uint16_t *msw): LMSW m16
insn_asm_lmsw_mem:
	mov eax, [esp + 4]
.insn:
	lmsw [eax]
.done:
	ret
	FIXUP .insn, .done

; void insn_asm_svm(uint32_t which): enum insn_svm in insn.h.
insn_asm_svm:
	mov ecx, [esp + 4]
	xor eax, eax
	cmp ecx, 0
	je .vmrun
	cmp ecx, 1
	je .vmload
	cmp ecx, 2
	je .vmsave
	cmp ecx, 3
	je .stgi
	cmp ecx, 4
	je .clgi
	ret
.vmrun:
	vmrun
	ret
.vmload:
	vmload
	ret
.vmsave:
	vmsave
	ret
.stgi:
	stgi
	ret
.clgi:
	clgi
.done:
	ret
	FIXUP .vmrun, .done
	FIXUP .vmload, .done
	FIXUP .vmsave, .done
	FIXUP .stgi, .done
	FIXUP .clgi, .done

; uint32_t insn_asm_vmmcall(uint32_t nr, uint32_t a1, uint32_t a2): EAX
; after VMMCALL (nr if it faulted).
insn_asm_vmmcall:
	push ebx
	mov eax, [esp + 8]
	mov ebx, [esp + 12]
	mov ecx, [esp + 16]
.insn:
	vmmcall
.done:
	pop ebx
	ret
	FIXUP .insn, .done

; Ring-3 body for probe_asm_user: ECX = a2, EAX = nr; EAX comes back.
insn_user_vmmcall:
.insn:
	vmmcall
.done:
	int PROBE_RETURN_VECTOR
	FIXUP .insn, .done

; void insn_asm_rep_outsb(uint32_t port, const void *buf, uint32_t len,
;                         uint32_t out[2]): out = ECX, ESI afterwards.
insn_asm_rep_outsb:
	push esi
	mov edx, [esp + 8]
	mov esi, [esp + 12]
	mov ecx, [esp + 16]
	cld
.insn:
	rep outsb
.done:
	mov eax, [esp + 20]
	mov [eax], ecx
	mov [eax + 4], esi
	pop esi
	ret
	FIXUP .insn, .done

; void insn_asm_rep_outsb_a16(uint32_t port, uint32_t esi, uint32_t ecx,
;                             uint32_t out[2]): REP OUTSB with an
; address-size prefix, so 16-bit addressing (SI, CX) in 32-bit code;
; out = ECX, ESI afterwards.
insn_asm_rep_outsb_a16:
	push esi
	mov edx, [esp + 8]
	mov esi, [esp + 12]
	mov ecx, [esp + 16]
	cld
.insn:
	db 0x67			; address size 16
	rep outsb
.done:
	mov eax, [esp + 20]
	mov [eax], ecx
	mov [eax + 4], esi
	pop esi
	ret
	FIXUP .insn, .done
