# SPDX-License-Identifier: MIT
# The VMI interface ROM (rom/vmi.asm): a flat binary built from the NASM
# source and the constants generated from abi/vmi-rom.h, its checksum set
# and its header checked by tools/vmi-rom-fixup. The hypervisor embeds it
# (hypervisor/vmi/rom_blob.asm, incbin). Included by the top-level Makefile,
# which defines BUILD, GEN, CC and NASM.

VMI_ROM_BIN := $(BUILD)/rom/vmi.bin
VMI_ROM_INC := $(GEN)/vmi-rom.inc

# Every DEFINE in rom/vmi-consts.c becomes a %define (as asm-offsets.inc).
$(VMI_ROM_INC): rom/vmi-consts.c abi/vmi-rom.h
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -Iabi -S -o $(GEN)/vmi-consts.s $<
	sed -n 's/.*@@OFFSET@@ \([A-Za-z0-9_]*\) \$$\{0,1\}\([0-9-]*\).*/%define \1 \2/p' \
		$(GEN)/vmi-consts.s > $@.tmp
	@test -s $@.tmp || { echo "vmi-rom.inc: no constants generated" >&2; exit 1; }
	mv $@.tmp $@

$(VMI_ROM_BIN): rom/vmi.asm $(VMI_ROM_INC) tools/vmi-rom-fixup
	@mkdir -p $(dir $@)
	$(NASM) -f bin -I$(GEN)/ -o $@.tmp rom/vmi.asm
	tools/vmi-rom-fixup $@.tmp $(VMI_ROM_INC)
	mv $@.tmp $@

# The hypervisor's copy of the image.
$(BUILD)/hypervisor/vmi/rom_blob.o: $(VMI_ROM_BIN)
