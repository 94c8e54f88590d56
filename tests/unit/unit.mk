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
