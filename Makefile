# SPDX-License-Identifier: MIT
# Shale's one build file. `make` builds the hypervisor image; `make run` and
# `make test` install missing Debian packages first (tools/install-deps).

BUILD      ?= build
CC         := gcc
LD         := ld
NASM       := nasm
OBJCOPY    := objcopy
PYTEST     ?= pytest-3

HV_ELF     := $(BUILD)/shale.elf
GEN        := $(BUILD)/gen

# ---------------------------------------------------------------- hypervisor
HV_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-pie -fno-pic \
	-fno-stack-protector -fno-asynchronous-unwind-tables \
	-fno-omit-frame-pointer -mno-omit-leaf-frame-pointer \
	-mcmodel=kernel -mno-red-zone -mgeneral-regs-only \
	-fno-strict-aliasing -fno-common \
	-Wall -Wextra -Werror -Wno-unused-parameter -Wmissing-prototypes \
	-Wstrict-prototypes -Wshadow \
	-Ihypervisor/include -Iabi -I$(GEN) -MMD -MP
HV_NASMFLAGS := -f elf64 -g -F dwarf -Ihypervisor/arch/x86/ -I$(GEN)/
HV_LDFLAGS := -nostdlib -z max-page-size=0x1000 -z noexecstack \
	--no-warn-rwx-segments -T hypervisor/arch/x86/boot/linker.ld

# Every .c and .asm under hypervisor/ is part of the image, except the
# asm-offsets generator and the real-mode trampoline (assembled as a flat
# binary and included with incbin).
HV_C_SRCS   := $(filter-out hypervisor/arch/x86/asm-offsets.c, \
	$(shell find hypervisor -name '*.c' | sort))
HV_ASM_SRCS := $(filter-out hypervisor/arch/x86/boot/trampoline.asm, \
	$(shell find hypervisor -name '*.asm' | sort))
HV_OBJS := $(HV_C_SRCS:%.c=$(BUILD)/%.o) $(HV_ASM_SRCS:%.asm=$(BUILD)/%.o)

.PHONY: all deps run test unit integration clean fuzz bench guests
all: $(HV_ELF) guests

# Test kernels (tests/guests/guests.mk defines GUEST_ELFS and their rules).
GUEST_ELFS :=
-include tests/guests/guests.mk
guests: $(GUEST_ELFS)

# The emulator's libFuzzer target: `make fuzz`, `make fuzz-run FUZZ_SECONDS=600`.
include tests/fuzz/fuzz.mk

# The VMI interface ROM (rom/rom.mk): build/rom/vmi.bin, embedded in the image.
include rom/rom.mk

# Linux guests: Debian kernels + busybox initramfs (guest-linux/README.md),
# cached outside the clone.
include guest-linux/guest-linux.mk

$(GEN)/asm-offsets.inc: hypervisor/arch/x86/asm-offsets.c $(shell find hypervisor/include -name '*.h')
	@mkdir -p $(dir $@)
	$(CC) $(HV_CFLAGS) -MF /dev/null -S -o $(GEN)/asm-offsets.s $<
	sed -n 's/.*@@OFFSET@@ \([A-Za-z0-9_]*\) \$$\{0,1\}\([0-9-]*\).*/%define \1 \2/p' \
		$(GEN)/asm-offsets.s > $@.tmp
	@test -s $@.tmp || { echo "asm-offsets: no offsets generated" >&2; exit 1; }
	mv $@.tmp $@

$(BUILD)/trampoline.bin: hypervisor/arch/x86/boot/trampoline.asm $(GEN)/asm-offsets.inc
	@mkdir -p $(dir $@)
	$(NASM) -f bin -I$(GEN)/ -o $@ $<

$(BUILD)/hypervisor/%.o: hypervisor/%.c $(GEN)/asm-offsets.inc
	@mkdir -p $(dir $@)
	$(CC) $(HV_CFLAGS) -c -o $@ $<

$(BUILD)/hypervisor/%.o: hypervisor/%.asm $(GEN)/asm-offsets.inc $(BUILD)/trampoline.bin
	@mkdir -p $(dir $@)
	$(NASM) $(HV_NASMFLAGS) -I$(BUILD)/ -MD $(@:.o=.d) -o $@ $<

$(HV_ELF): $(HV_OBJS) hypervisor/arch/x86/boot/linker.ld tools/check-image
	$(LD) $(HV_LDFLAGS) -o $@.tmp $(HV_OBJS)
	tools/check-image $@.tmp
	mv $@.tmp $@

-include $(HV_OBJS:.o=.d)

# ---------------------------------------------------------------- unit tests
# Host-built cmocka tests compiled from the hypervisor's own sources, with
# ASan and UBSan. tests/unit/unit.mk lists each test and its sources.
UNIT_CFLAGS := -std=gnu11 -g -O1 -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=all \
	-Wall -Wextra -Werror -Wno-unused-parameter \
	-Ihypervisor/include -Iabi -Itests/unit -DSHALE_HOST_TEST
UNIT_LIBS := -lcmocka
include tests/unit/unit.mk
UNIT_BINS := $(UNIT_TESTS:%=$(BUILD)/unit/%)

define unit_rule
$(BUILD)/unit/$(1): tests/unit/$(1).c $$($(1)_SRCS) $(UNIT_SUPPORT) $(shell find hypervisor/include tests/unit -name '*.h')
	@mkdir -p $$(dir $$@)
	$(CC) $(UNIT_CFLAGS) -o $$@ tests/unit/$(1).c $$($(1)_SRCS) $(UNIT_SUPPORT) $(UNIT_LIBS)
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_rule,$(t))))

unit: $(UNIT_BINS)
	@fail=0; for t in $(UNIT_BINS); do \
		ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $$t || fail=1; \
	done; exit $$fail

# ---------------------------------------------------------- top-level verbs
deps:
	tools/install-deps

# The domains `make run` boots; override with DOMAINS="a.cfg b.cfg".
DOMAINS ?= examples/hello.cfg examples/memory.cfg

run: deps all
	tools/shale-run --cpus 2 --mem 1G $(if $(GDB),--gdb) $(DOMAINS)

integration: all
	$(PYTEST) -v tests/integration

test: deps
	$(MAKE) all
	$(MAKE) linux-guest-debian-amd64
	$(MAKE) unit
	$(MAKE) fuzz-run FUZZ_SECONDS=30
	$(MAKE) integration

# The benchmarks (README.md, Benchmarks): each prints its figures, its
# last line the headline; the whole console goes to $(BUILD)/bench/.
bench: all
	@mkdir -p $(BUILD)/bench
	tests/bench/pte_batch.py --build $(BUILD) --log $(BUILD)/bench/pte-batch.log

clean:
	rm -rf $(BUILD)
