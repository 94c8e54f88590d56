/* SPDX-License-Identifier: MIT */
/*
 * The multiboot (v1) structures Shale both reads (as a kernel booted by
 * QEMU or GRUB, multiboot.c) and writes (as the loader of multiboot test
 * kernels, loader/multiboot_guest.c). Multiboot specification 0.6.96,
 * section 3. Runs: host root mode.
 */
#ifndef SHALE_MULTIBOOT1_H
#define SHALE_MULTIBOOT1_H

#include <shale/compiler.h>
#include <shale/types.h>

#define MB1_INFO_MEMORY (1u << 0)
#define MB1_INFO_CMDLINE (1u << 2)
#define MB1_INFO_MODS (1u << 3)
#define MB1_INFO_MMAP (1u << 6)
#define MB1_INFO_LOADER (1u << 9)

#define MB1_MEMORY_AVAILABLE 1
#define MB1_MEMORY_RESERVED 2

struct mb1_info {
	u32 flags, mem_lower, mem_upper, boot_device, cmdline;
	u32 mods_count, mods_addr;
	u32 syms[4];
	u32 mmap_length, mmap_addr;
	u32 drives_length, drives_addr, config_table, boot_loader_name;
} __packed;

struct mb1_module {
	u32 start, end, string, reserved;
} __packed;

/* One memory-map entry; 'size' counts the bytes after itself (20). */
struct mb1_mmap {
	u32 size;
	u64 base, length;
	u32 type;
} __packed;

#endif /* SHALE_MULTIBOOT1_H */
