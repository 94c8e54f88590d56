; SPDX-License-Identifier: MIT
; The VMI interface ROM: the option ROM Shale maps at 0xC0000 in every PV
; domain, with one entry table for 32-bit PAE callers and one for 64-bit
; callers (abi/vmi-rom.h is the contract; abi/README.md the semantics).
; Runs: guest mode, CPL 0, from wherever the guest maps it: the code is
; position-independent and never writes to its own image.
;
; Paths, chosen on every call from the header's flags word, which Shale
; sets in the domain's private copy of the image:
;   VMI_ROM_F_HAP    thin: write the entry, flush as native code would,
;                    no queue and no exits for page-table writes.
;   VMI_ROM_F_QUEUE  shadow with the per-vCPU queue page mapped at
;                    VMI_QUEUE_VA64 / VMI_QUEUE_VA_PAE: write, append, drain
;                    at flush points (VMI_HC_DRAIN; flush_tlb drains and
;                    flushes in one VMI_HC_FLUSH_LOCAL).
;   neither          shadow without a queue page (until shadow paging maps
;                    one): write, then report each update (VMI_HC_UPDATE).
; Every constant and offset comes from build/gen/vmi-rom.inc, generated
; from abi/vmi-rom.h; tools/vmi-rom-fixup sets the checksum and checks the
; image against the header at build time.

%include "vmi-rom.inc"

; Assembles nothing; fails the build unless the current offset is %1.
%macro AT 1
	times -((($ - $$)) != (%1)) db 0
%endmacro

; Entry table slot %1 (a VMI_CALL_*) of the table starting at %2 -> %3.
%macro SLOT 3
	times -((($ - %2) / 4) != (%1)) db 0
	dd %3 - $$
%endmacro

X86_CR4_PGE equ 1 << 7

	org 0
	bits 16
rom_start:
	AT VMI_HDR_SIG55
	db 0x55, 0xaa
	AT VMI_HDR_SIZE512
	db VMI_ROM_SIZE / 512
	AT VMI_HDR_INIT_JMP
	jmp short bios_init             ; the BIOS's far call at offset 3
	nop
	AT VMI_HDR_CHECKSUM
	db 0                            ; set by tools/vmi-rom-fixup
	db 0
	AT VMI_HDR_SIGNATURE
	dd VMI_ROM_SIG_LO, VMI_ROM_SIG_HI
	AT VMI_HDR_API_MAJOR
	dw VMI_API_MAJOR
	AT VMI_HDR_API_MINOR
	dw VMI_API_MINOR
	AT VMI_HDR_FLAGS
hdr_flags:
	dd 0                            ; set by Shale in the domain's copy
	AT VMI_HDR_HEADER_SIZE
	dd VMI_HDR_BYTES
	AT VMI_HDR_NR_CALLS
	dd VMI_CALL_NR
	AT VMI_HDR_TABLE32
	dd table32 - $$
	AT VMI_HDR_TABLE64
	dd table64 - $$
	AT VMI_HDR_QUEUE_VA64
	dq VMI_QUEUE_VA64
	AT VMI_HDR_QUEUE_VA_PAE
	dd VMI_QUEUE_VA_PAE
	AT VMI_HDR_QUEUE_SIZE
	dd VMI_QUEUE_SIZE
	AT VMI_HDR_PAE_RESERVE
	dd VMI_QUEUE_PAE_RESERVE
	dd 0, 0, 0
	AT VMI_HDR_BYTES

; A BIOS that runs option ROMs calls offset 3 in real mode: nothing to set
; up, the guest kernel calls the ROM itself.
bios_init:
	retf

	align 4
table32:
	SLOT VMI_CALL_INIT, table32, e32_init
	SLOT VMI_CALL_SET_PTE, table32, e32_set_pte
	SLOT VMI_CALL_UPDATE_PTE, table32, e32_update_pte
	SLOT VMI_CALL_SET_CR3, table32, e32_set_cr3
	SLOT VMI_CALL_INVLPG, table32, e32_invlpg
	SLOT VMI_CALL_FLUSH_TLB, table32, e32_flush_tlb
	SLOT VMI_CALL_FLUSH_VCPUS, table32, e32_flush_vcpus
	SLOT VMI_CALL_LAZY_ENTER, table32, e32_lazy_enter
	SLOT VMI_CALL_LAZY_LEAVE, table32, e32_lazy_leave
	SLOT VMI_CALL_DRAIN, table32, e32_drain
	SLOT VMI_CALL_REGISTER_PT, table32, e32_nop
	SLOT VMI_CALL_RELEASE_PT, table32, e32_nop
	times -((($ - table32) / 4) != VMI_CALL_NR) db 0

table64:
	SLOT VMI_CALL_INIT, table64, e64_init
	SLOT VMI_CALL_SET_PTE, table64, e64_set_pte
	SLOT VMI_CALL_UPDATE_PTE, table64, e64_update_pte
	SLOT VMI_CALL_SET_CR3, table64, e64_set_cr3
	SLOT VMI_CALL_INVLPG, table64, e64_invlpg
	SLOT VMI_CALL_FLUSH_TLB, table64, e64_flush_tlb
	SLOT VMI_CALL_FLUSH_VCPUS, table64, e64_flush_vcpus
	SLOT VMI_CALL_LAZY_ENTER, table64, e64_lazy_enter
	SLOT VMI_CALL_LAZY_LEAVE, table64, e64_lazy_leave
	SLOT VMI_CALL_DRAIN, table64, e64_drain
	SLOT VMI_CALL_REGISTER_PT, table64, e64_nop
	SLOT VMI_CALL_RELEASE_PT, table64, e64_nop
	times -((($ - table64) / 4) != VMI_CALL_NR) db 0

; =====================================================================
; 32-bit PAE callers: regparm(3) (EAX, EDX, ECX, then the stack); EBX, ESI,
; EDI, EBP preserved.
	bits 32

; %1 <- the header's flags word (position-independent: call/pop).
%macro FLAGS32 1
	call %%here
%%here:
	pop %1
	mov %1, [%1 + VMI_HDR_FLAGS - (%%here - $$)]
%endmacro

; VMMCALL with the number in EAX; EBX is the caller's to save.
%macro HCALL32 0
	vmmcall
%endmacro

; long init(void)
e32_init:
	push ebx
	mov eax, VMI_HC_INIT
	mov ebx, (VMI_API_MAJOR << 16) | VMI_API_MINOR
	HCALL32
	pop ebx
	ret

; long set_pte(u64 *ptep [EAX], u64 val [EDX:ECX = lo:hi], u64 gpa
; [stack lo, hi], u32 how [stack]). The 8-byte store is one CMPXCHG8B, so
; the hardware walker (and another vCPU) never sees half an entry.
e32_set_pte:
	push ebx
	push esi
	push edi
	; [esp+12] return, [esp+16] gpa lo, [esp+20] gpa hi, [esp+24] how
	mov esi, eax
	mov ebx, edx
	mov eax, [esi]
	mov edx, [esi + 4]
.retry:
	lock cmpxchg8b [esi]
	jnz .retry
	mov eax, [esp + 16]
	mov edx, [esp + 20]
	mov ecx, [esp + 24]
	call report32
	pop edi
	pop esi
	pop ebx
	ret

; long update_pte(u64 gpa [EAX lo, EDX hi], u32 how [ECX])
e32_update_pte:
	push ebx
	push esi
	push edi
	call report32
	pop edi
	pop esi
	pop ebx
	ret

; Tells Shale the entry at gpa (EDX:EAX) changed; ECX = how. Clobbers EBX,
; ESI, EDI (the callers saved them). Returns the status in EAX.
report32:
	FLAGS32 edi
	test edi, VMI_ROM_F_HAP
	jnz .thin
	test edi, VMI_ROM_F_QUEUE
	jnz .queue
	; Shadow without a queue page: one hypercall per update.
	mov ebx, eax
	xchg ecx, edx                   ; ECX = gpa hi, EDX = how
	mov eax, VMI_HC_UPDATE
	HCALL32
	ret
.thin:
	xor eax, eax
	ret
.queue:
	mov esi, VMI_QUEUE_VA_PAE
	mov edi, [esi + VMI_Q_COUNT]
	cmp edi, [esi + VMI_Q_CAPACITY]
	jb .room
	push eax
	mov eax, VMI_HC_DRAIN
	mov ebx, VMI_DRAIN_FULL
	HCALL32                         ; empties the queue (count = 0)
	pop eax
	mov edi, [esi + VMI_Q_COUNT]
.room:
	shl edi, 4                      ; * VMI_QENTRY_SIZE
	lea edi, [esi + edi + VMI_Q_ENTRIES]
	mov [edi + VMI_QE_GPA], eax
	mov [edi + VMI_QE_GPA + 4], edx
	mov eax, ecx
	and eax, VMI_PTE_LEVEL_MASK
	mov [edi + VMI_QE_LEVEL], eax
	xor eax, eax
	test ecx, VMI_PTE_PAE
	setnz al                        ; VMI_QE_PAE is bit 0
	mov [edi + VMI_QE_FLAGS], eax
	inc dword [esi + VMI_Q_COUNT]   ; the entry is whole before it counts
	test ecx, VMI_PTE_DEFER
	jnz .deferred
	test dword [esi + VMI_Q_FLAGS], VMI_QUEUE_F_LAZY
	jnz .deferred
	mov eax, VMI_HC_DRAIN
	mov ebx, VMI_DRAIN_EXPLICIT
	HCALL32
	ret
.deferred:
	xor eax, eax
	ret

; Drains this vCPU's queue for reason EAX if the queue path is on and the
; queue holds anything; returns the status (0 otherwise) in EAX. Clobbers
; EDX; EBX saved by the caller.
drain32:
	FLAGS32 edx
	test edx, VMI_ROM_F_HAP
	jnz .none
	test edx, VMI_ROM_F_QUEUE
	jz .none
	mov edx, VMI_QUEUE_VA_PAE
	cmp dword [edx + VMI_Q_COUNT], 0
	je .none
	mov ebx, eax
	mov eax, VMI_HC_DRAIN
	HCALL32
	ret
.none:
	xor eax, eax
	ret

; long set_cr3(ulong cr3 [EAX]): the drain's status.
e32_set_cr3:
	push ebx
	push eax
	mov eax, VMI_DRAIN_CR3
	call drain32                    ; EAX = status
	pop ecx
	mov cr3, ecx
	pop ebx
	ret

; long invlpg(ulong va [EAX]): the drain's status.
e32_invlpg:
	push ebx
	push eax
	mov eax, VMI_DRAIN_INVLPG
	call drain32                    ; EAX = status
	pop ecx
	invlpg [ecx]
	pop ebx
	ret

; long flush_tlb(u32 flags [EAX]). Under shadow paging (queue or not) one
; hypercall drains the queue and flushes: the native sequence would cost a
; drain plus an exit for each control-register access (CR4 and CR3 reads,
; the CR3 or CR4 write). Thin path: the native sequence, no exits.
e32_flush_tlb:
	FLAGS32 edx
	test edx, VMI_ROM_F_HAP
	jnz .native
	push ebx
	mov ecx, eax                    ; flags
	mov ebx, VMI_DRAIN_FLUSH
	mov eax, VMI_HC_FLUSH_LOCAL
	HCALL32
	pop ebx
	ret
.native:
	mov ecx, cr4
	test eax, VMI_FLUSH_GLOBAL
	jz .local
	test ecx, X86_CR4_PGE
	jz .local
	mov edx, ecx
	and edx, ~X86_CR4_PGE
	mov cr4, edx                    ; clearing PGE flushes global entries
	mov cr4, ecx
	xor eax, eax
	ret
.local:
	mov eax, cr3
	mov cr3, eax
	xor eax, eax
	ret

; long flush_vcpus(const ulong *bitmap [EAX], u32 nbits [EDX], u32 flags
; [ECX]): Shale drains the caller's queue first, then flushes the targets.
e32_flush_vcpus:
	push ebx
	mov ebx, eax
	xchg ecx, edx                   ; ECX = nbits, EDX = flags
	mov eax, VMI_HC_FLUSH_VCPUS
	HCALL32
	pop ebx
	ret

; long lazy_enter(void)
e32_lazy_enter:
	FLAGS32 edx
	test edx, VMI_ROM_F_HAP
	jnz .done
	test edx, VMI_ROM_F_QUEUE
	jz .done
	mov edx, VMI_QUEUE_VA_PAE
	or dword [edx + VMI_Q_FLAGS], VMI_QUEUE_F_LAZY
.done:
	xor eax, eax
	ret

; long lazy_leave(void): leaving the mode drains.
e32_lazy_leave:
	FLAGS32 edx
	test edx, VMI_ROM_F_HAP
	jnz .done
	test edx, VMI_ROM_F_QUEUE
	jz .done
	mov edx, VMI_QUEUE_VA_PAE
	and dword [edx + VMI_Q_FLAGS], ~VMI_QUEUE_F_LAZY
	push ebx
	mov eax, VMI_DRAIN_LAZY
	call drain32
	pop ebx
	ret
.done:
	xor eax, eax
	ret

; long drain(void)
e32_drain:
	push ebx
	mov eax, VMI_DRAIN_EXPLICIT
	call drain32
	pop ebx
	ret

; register_pt / release_pt: bookkeeping only so far (no shadow needs them).
e32_nop:
	xor eax, eax
	ret

; =====================================================================
; 64-bit callers: System V (RDI, RSI, RDX, RCX); RBX, RBP, R12-R15 kept.
	bits 64

; long init(void)
e64_init:
	push rbx
	mov eax, VMI_HC_INIT
	mov ebx, (VMI_API_MAJOR << 16) | VMI_API_MINOR
	vmmcall
	pop rbx
	ret

; long set_pte(u64 *ptep, u64 val, u64 gpa, u32 how): an aligned 8-byte
; store is atomic.
e64_set_pte:
	mov [rdi], rsi
	mov rdi, rdx
	mov esi, ecx
	jmp report64

; long update_pte(u64 gpa, u32 how)
e64_update_pte:
report64:
	test dword [rel hdr_flags], VMI_ROM_F_HAP
	jnz .thin
	test dword [rel hdr_flags], VMI_ROM_F_QUEUE
	jnz .queue
	push rbx
	mov rbx, rdi                    ; gpa (hi = 0)
	xor ecx, ecx
	mov edx, esi                    ; how
	mov eax, VMI_HC_UPDATE
	vmmcall
	pop rbx
	ret
.thin:
	xor eax, eax
	ret
.queue:
	mov r8, VMI_QUEUE_VA64
	mov eax, [r8 + VMI_Q_COUNT]
	cmp eax, [r8 + VMI_Q_CAPACITY]
	jb .room
	push rbx
	mov eax, VMI_HC_DRAIN
	mov ebx, VMI_DRAIN_FULL
	vmmcall                         ; empties the queue (count = 0)
	pop rbx
	mov eax, [r8 + VMI_Q_COUNT]
.room:
	shl eax, 4                      ; * VMI_QENTRY_SIZE
	lea r9, [r8 + rax + VMI_Q_ENTRIES]
	mov [r9 + VMI_QE_GPA], rdi
	mov eax, esi
	and eax, VMI_PTE_LEVEL_MASK
	mov [r9 + VMI_QE_LEVEL], eax
	xor eax, eax
	test esi, VMI_PTE_PAE
	setnz al
	mov [r9 + VMI_QE_FLAGS], eax
	inc dword [r8 + VMI_Q_COUNT]    ; the entry is whole before it counts
	test esi, VMI_PTE_DEFER
	jnz .thin
	test dword [r8 + VMI_Q_FLAGS], VMI_QUEUE_F_LAZY
	jnz .thin
	mov edi, VMI_DRAIN_EXPLICIT
	jmp drain64

; Drains this vCPU's queue for reason EDI when the queue path is on and the
; queue holds anything. Returns the status (0 otherwise).
drain64:
	test dword [rel hdr_flags], VMI_ROM_F_HAP
	jnz .none
	test dword [rel hdr_flags], VMI_ROM_F_QUEUE
	jz .none
	mov rax, VMI_QUEUE_VA64
	cmp dword [rax + VMI_Q_COUNT], 0
	je .none
	push rbx
	mov ebx, edi
	mov eax, VMI_HC_DRAIN
	vmmcall
	pop rbx
	ret
.none:
	xor eax, eax
	ret

; long set_cr3(ulong cr3): the drain's status.
e64_set_cr3:
	push rdi
	mov edi, VMI_DRAIN_CR3
	call drain64                    ; RAX = status
	pop rdi
	mov cr3, rdi
	ret

; long invlpg(ulong va): the drain's status.
e64_invlpg:
	push rdi
	mov edi, VMI_DRAIN_INVLPG
	call drain64                    ; RAX = status
	pop rdi
	invlpg [rdi]
	ret

; long flush_tlb(u32 flags): as e32_flush_tlb, one hypercall under shadow
; paging, the native sequence on the thin path.
e64_flush_tlb:
	test dword [rel hdr_flags], VMI_ROM_F_HAP
	jnz .native
	push rbx
	mov ecx, edi                    ; flags
	mov ebx, VMI_DRAIN_FLUSH
	mov eax, VMI_HC_FLUSH_LOCAL
	vmmcall
	pop rbx
	ret
.native:
	mov rcx, cr4
	test edi, VMI_FLUSH_GLOBAL
	jz .local
	test ecx, X86_CR4_PGE
	jz .local
	mov rdx, rcx
	and rdx, ~X86_CR4_PGE
	mov cr4, rdx                    ; clearing PGE flushes global entries
	mov cr4, rcx
	xor eax, eax
	ret
.local:
	mov rax, cr3
	mov cr3, rax
	xor eax, eax
	ret

; long flush_vcpus(const ulong *bitmap, u32 nbits, u32 flags)
e64_flush_vcpus:
	push rbx
	mov rbx, rdi
	mov ecx, esi
	; EDX = flags already
	mov eax, VMI_HC_FLUSH_VCPUS
	vmmcall
	pop rbx
	ret

; long lazy_enter(void)
e64_lazy_enter:
	test dword [rel hdr_flags], VMI_ROM_F_HAP
	jnz .done
	test dword [rel hdr_flags], VMI_ROM_F_QUEUE
	jz .done
	mov rax, VMI_QUEUE_VA64
	or dword [rax + VMI_Q_FLAGS], VMI_QUEUE_F_LAZY
.done:
	xor eax, eax
	ret

; long lazy_leave(void): leaving the mode drains.
e64_lazy_leave:
	test dword [rel hdr_flags], VMI_ROM_F_HAP
	jnz .done
	test dword [rel hdr_flags], VMI_ROM_F_QUEUE
	jz .done
	mov rax, VMI_QUEUE_VA64
	and dword [rax + VMI_Q_FLAGS], ~VMI_QUEUE_F_LAZY
	mov edi, VMI_DRAIN_LAZY
	jmp drain64
.done:
	xor eax, eax
	ret

; long drain(void)
e64_drain:
	mov edi, VMI_DRAIN_EXPLICIT
	jmp drain64

e64_nop:
	xor eax, eax
	ret

	times VMI_ROM_SIZE - ($ - $$) db 0xff
