; SPDX-License-Identifier: MIT
; Puts the assembled VMI ROM (build/rom/vmi.bin, rom/rom.mk) into the
; image's read-only data for rom_map.c to copy into each PV domain.
; Runs: host root mode (data).
section .rodata
align 16
global vmi_rom_image, vmi_rom_image_end
vmi_rom_image:
	incbin "rom/vmi.bin"
vmi_rom_image_end:
