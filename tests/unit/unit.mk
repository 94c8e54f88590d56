# SPDX-License-Identifier: MIT
# The host unit tests and the hypervisor sources each is built from.
# Every test also links tests/unit/support.c and the formatter. Add a test: name it here and
# list its sources in test_NAME_SRCS.

# support.c sets up machine_frames (unit_frames_init), so every test links
# the frame allocator too.
UNIT_SUPPORT := tests/unit/support.c hypervisor/lib/vsnprintf.c \
	hypervisor/mm/buddy.c hypervisor/mm/frames.c

UNIT_TESTS :=

UNIT_TESTS += test_vsnprintf
test_vsnprintf_SRCS :=

UNIT_TESTS += test_cmdline
test_cmdline_SRCS := hypervisor/cmdline.c

# test_string #includes hypervisor/lib/string.c under renamed symbols (it
# cannot link it beside libc), so the source is a prerequisite, not a SRC.
UNIT_TESTS += test_string
test_string_SRCS :=
$(BUILD)/unit/test_string: hypervisor/lib/string.c hypervisor/lib/strlcpy.c

UNIT_TESTS += test_buddy
test_buddy_SRCS :=

UNIT_TESTS += test_memmap
test_memmap_SRCS := hypervisor/mm/memmap.c

UNIT_TESTS += test_xmalloc
test_xmalloc_SRCS := hypervisor/mm/xmalloc.c

UNIT_TESTS += test_p2m
test_p2m_SRCS := hypervisor/paging/p2m.c hypervisor/paging/p2m_audit.c
$(BUILD)/unit/test_p2m: hypervisor/paging/p2m_pte.h

UNIT_TESTS += test_guest_walk
test_guest_walk_SRCS := hypervisor/paging/guest_walk.c \
	hypervisor/paging/guest_walk_2.c hypervisor/paging/guest_walk_3.c \
	hypervisor/paging/guest_walk_4.c
# The walker's template and types header live beside it, outside the
# include directories the generic rule watches.
$(BUILD)/unit/test_guest_walk: hypervisor/paging/guest_walk_tmpl.h \
	hypervisor/paging/guest_walk_types.h

UNIT_TESTS += test_domcfg
test_domcfg_SRCS := hypervisor/domcfg.c hypervisor/lib/strlcpy.c

UNIT_TESTS += test_uart
test_uart_SRCS := hypervisor/dev/uart.c

UNIT_TESTS += test_pic
test_pic_SRCS := hypervisor/dev/pic.c

UNIT_TESTS += test_acpi_tables
test_acpi_tables_SRCS := hypervisor/firmware/acpi_tables.c

UNIT_TESTS += test_pit
test_pit_SRCS := hypervisor/dev/pit.c

UNIT_TESTS += test_e820
test_e820_SRCS := hypervisor/firmware/e820.c

UNIT_TESTS += test_fwcfg
test_fwcfg_SRCS := hypervisor/dev/fwcfg.c

UNIT_TESTS += test_rtc
test_rtc_SRCS := hypervisor/dev/rtc.c

UNIT_TESTS += test_pmtimer
test_pmtimer_SRCS := hypervisor/dev/pmtimer.c

UNIT_TESTS += test_vlapic
test_vlapic_SRCS := hypervisor/dev/vlapic.c hypervisor/dev/vlapic_timer.c
$(BUILD)/unit/test_vlapic: hypervisor/dev/vlapic_internal.h

UNIT_TESTS += test_vioapic
test_vioapic_SRCS := hypervisor/dev/vioapic.c hypervisor/dev/vlapic.c \
	hypervisor/dev/vlapic_timer.c
$(BUILD)/unit/test_vioapic: hypervisor/dev/vlapic_internal.h

# The emulator and the fake address space its tests share; emul_priv.h lives
# beside the sources, outside the include directories the generic rule
# watches.
EMULATE_SRCS := hypervisor/emulate/decode.c hypervisor/emulate/execute.c \
	hypervisor/emulate/alu.c tests/unit/emulate_fake.c
EMULATE_DEPS := hypervisor/emulate/emul_priv.h

UNIT_TESTS += test_emulate
test_emulate_SRCS := $(EMULATE_SRCS)
$(BUILD)/unit/test_emulate: $(EMULATE_DEPS)

UNIT_TESTS += test_emulate_ops
test_emulate_ops_SRCS := $(EMULATE_SRCS)
$(BUILD)/unit/test_emulate_ops: $(EMULATE_DEPS)

# Runs random instructions natively too: an x86-64 host is assumed.
UNIT_TESTS += test_emulate_native
test_emulate_native_SRCS := $(EMULATE_SRCS)
$(BUILD)/unit/test_emulate_native: $(EMULATE_DEPS)

UNIT_TESTS += test_pod
test_pod_SRCS := hypervisor/paging/pod.c hypervisor/paging/pod_sweep.c \
	hypervisor/paging/pod_audit.c hypervisor/paging/p2m.c \
	hypervisor/paging/p2m_audit.c
$(BUILD)/unit/test_pod: hypervisor/paging/pod_internal.h \
	hypervisor/paging/p2m_pte.h

# Shadow paging's pool and write protection (portable parts); the private
# header lives beside the sources.
UNIT_TESTS += test_shadow_pool
test_shadow_pool_SRCS := hypervisor/paging/shadow/shadow_pool.c \
	hypervisor/paging/shadow/shadow_wp.c hypervisor/mm/xmalloc.c
$(BUILD)/unit/test_shadow_pool: hypervisor/paging/shadow/shadow_private.h

# Shadow paging's side of populate-on-demand, on the real pool.
UNIT_TESTS += test_shadow_pod
test_shadow_pod_SRCS := hypervisor/paging/shadow/shadow_pod.c \
	hypervisor/paging/shadow/shadow_pool.c \
	hypervisor/paging/shadow/shadow_wp.c hypervisor/mm/xmalloc.c
$(BUILD)/unit/test_shadow_pod: hypervisor/paging/shadow/shadow_private.h

UNIT_TESTS += test_vmi_drain
test_vmi_drain_SRCS := hypervisor/vmi/drain.c hypervisor/paging/p2m.c

UNIT_TESTS += test_exception
test_exception_SRCS := hypervisor/exception.c
