; SPDX-License-Identifier: MIT
; Puts the assembled AP trampoline (build/trampoline.bin) into the image's
; read-only data for smp.c to copy below 1 MiB. Runs: host root mode (data).
section .rodata
align 16
global trampoline_blob, trampoline_blob_end
trampoline_blob:
	incbin "trampoline.bin"
trampoline_blob_end:
