# SPDX-License-Identifier: MIT
# libFuzzer targets, built with clang (Debian clang-14): `make fuzz` builds
# them, `make fuzz-run` runs the emulator's for FUZZ_SECONDS on its seed
# corpus (tests/fuzz/corpus/emulate/), keeping what it finds under
# build/fuzz/ so the checked-in seeds stay small.

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 600
FUZZ_CFLAGS  := -std=gnu11 -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-Wall -Wextra -Werror -Wno-unused-parameter \
	-Ihypervisor/include -Iabi

FUZZ_EMULATE_SRCS := tests/fuzz/fuzz_emulate.c hypervisor/emulate/decode.c \
	hypervisor/emulate/execute.c hypervisor/emulate/alu.c

$(BUILD)/fuzz/fuzz_emulate: $(FUZZ_EMULATE_SRCS) hypervisor/emulate/emul_priv.h \
		hypervisor/include/shale/emulate.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(FUZZ_EMULATE_SRCS)

.PHONY: fuzz fuzz-run
fuzz: $(BUILD)/fuzz/fuzz_emulate

fuzz-run: $(BUILD)/fuzz/fuzz_emulate
	@mkdir -p $(BUILD)/fuzz/corpus-emulate
	$(BUILD)/fuzz/fuzz_emulate -max_total_time=$(FUZZ_SECONDS) -max_len=64 \
		-artifact_prefix=$(BUILD)/fuzz/ \
		$(BUILD)/fuzz/corpus-emulate tests/fuzz/corpus/emulate
