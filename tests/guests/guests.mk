# SPDX-License-Identifier: MIT
# The test kernels: multiboot (v1) ELF32 images that run on bare QEMU and,
# unchanged, as Shale HVM guests. Included by the top-level Makefile, which
# defines BUILD, CC, LD and NASM. Each guest is NAME.c (or NAME.asm) linked
# with the whole runtime in lib/.

GUEST_DIR   := tests/guests
GUEST_OUT   := $(BUILD)/tests/guests
GUEST_NAMES := hello memory paging triple cpu smp rom64 rom_pae ptebatch

GUEST_CFLAGS := -m32 -std=gnu11 -O2 -g -ffreestanding -fno-pie -fno-pic \
	-fno-stack-protector -nostdlib -fno-asynchronous-unwind-tables \
	-fno-strict-aliasing -fno-common -mgeneral-regs-only \
	-Wall -Wextra -Werror -I$(GUEST_DIR)/lib -Iabi -MMD -MP
GUEST_NASMFLAGS := -f elf32 -g -F dwarf
GUEST_LDFLAGS := -m elf_i386 -nostdlib -z max-page-size=0x1000 \
	-z noexecstack --no-warn-rwx-segments -T $(GUEST_DIR)/lib/guest.ld

GUEST_LIB_OBJS := $(patsubst $(GUEST_DIR)/%,$(GUEST_OUT)/%, \
	$(patsubst %.c,%.o,$(wildcard $(GUEST_DIR)/lib/*.c)) \
	$(patsubst %.asm,%.o,$(wildcard $(GUEST_DIR)/lib/*.asm)))

GUEST_ELFS += $(GUEST_NAMES:%=$(GUEST_OUT)/%.elf)

# Objects made by the pattern rules below are kept, not deleted as
# intermediates, so rebuilds stay incremental.
.SECONDARY: $(GUEST_LIB_OBJS) $(GUEST_NAMES:%=$(GUEST_OUT)/%.o)

$(GUEST_OUT)/%.o: $(GUEST_DIR)/%.c
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -c -o $@ $<

$(GUEST_OUT)/%.o: $(GUEST_DIR)/%.asm
	@mkdir -p $(dir $@)
	$(NASM) $(GUEST_NASMFLAGS) -MD $(@:.o=.d) -o $@ $<

$(GUEST_OUT)/%.elf: $(GUEST_OUT)/%.o $(GUEST_LIB_OBJS) $(GUEST_DIR)/lib/guest.ld
	$(LD) $(GUEST_LDFLAGS) -o $@ $< $(GUEST_LIB_OBJS)

-include $(wildcard $(GUEST_OUT)/*.d $(GUEST_OUT)/lib/*.d)

# torture.elf: the page-table torture test (torture.c).
GUEST_ELFS += $(GUEST_OUT)/torture.elf
.SECONDARY: $(GUEST_OUT)/torture.o

# pod.elf: populate-on-demand from inside a domain (pod.c).
GUEST_ELFS += $(GUEST_OUT)/pod.elf
.SECONDARY: $(GUEST_OUT)/pod.o
