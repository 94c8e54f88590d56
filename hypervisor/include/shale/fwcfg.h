/* SPDX-License-Identifier: MIT */
/*
 * A read-only model of QEMU's fw_cfg device through its traditional x86 I/O
 * interface: the guest writes a 16-bit key to the selector port and reads
 * the item's bytes one at a time from the data port. No knowledge of ports
 * beyond the two below or of domains; the caller routes guest I/O to
 * fwcfg_io_read/fwcfg_io_write under its own lock.
 * Runs: host root mode and host unit tests.
 * Behaviour: QEMU docs/specs/fw_cfg.rst ("QEMU Firmware Configuration (fw_cfg)
 * Device"): selector keys, the file directory, the legacy x86 ports.
 *
 * Items are read-only; the DMA interface and the write channel are absent
 * (FW_CFG_ID reports only the traditional interface). Selecting a key
 * starts its item at offset 0; each data read returns the next byte, and 0
 * once past the end. A key with no item reads as zeros.
 *
 * Item bytes added with fwcfg_add_bytes/fwcfg_add_file are the caller's:
 * they are not copied and must outlive the struct fwcfg.
 */
#ifndef SHALE_FWCFG_H
#define SHALE_FWCFG_H

#include <shale/types.h>

/* The x86 I/O ports (fw_cfg.rst, "Selector (Control) Register" and "Data
 * Register"): register both as one 2-port range. */
#define FWCFG_PORT_SEL 0x510  /* write: 16-bit key */
#define FWCFG_PORT_DATA 0x511 /* read: 8-bit data */
#define FWCFG_NR_PORTS 2

/* Selector keys (fw_cfg.rst, "Selector Reg. Value" table). */
#define FW_CFG_SIGNATURE 0x0000 /* "QEMU" */
#define FW_CFG_ID 0x0001        /* u32 LE feature bitmap */
#define FW_CFG_UUID 0x0002
#define FW_CFG_RAM_SIZE 0x0003 /* u64 LE */
#define FW_CFG_NOGRAPHIC 0x0004
#define FW_CFG_NB_CPUS 0x0005 /* u16 LE: vCPUs present at boot */
#define FW_CFG_NUMA 0x000d
#define FW_CFG_BOOT_MENU 0x000e
#define FW_CFG_MAX_CPUS 0x000f /* u16 LE: highest APIC ID + 1 */
#define FW_CFG_FILE_DIR 0x0019 /* the file directory, big-endian */
#define FW_CFG_FILE_FIRST 0x0020 /* first key handed out to a file */
#define FW_CFG_WRITE_CHANNEL 0x4000
#define FW_CFG_ARCH_LOCAL 0x8000 /* x86: 0x8000 ACPI, 0x8003 E820, ... */

#define FW_CFG_VERSION 0x01 /* FW_CFG_ID bit 0: traditional interface */

#define FWCFG_NAME_MAX 56 /* a file name and its NUL */
#define FWCFG_MAX_FILES 16
#define FWCFG_MAX_ITEMS (16 + FWCFG_MAX_FILES)

/* One directory entry (fw_cfg.rst, "File Directory"), 64 bytes. */
#define FWCFG_DIRENT_SIZE 64

#define FWCFG_CUR_NONE (-1) /* struct fwcfg.cur: an unknown key, reads zeros */
#define FWCFG_CUR_DIR (-2)  /* struct fwcfg.cur: FW_CFG_FILE_DIR */

struct fwcfg_item {
	u16 key;
	u32 len;
	const void *data; /* the caller's bytes, or NULL: use value[] */
	u8 value[8];      /* small integers, stored little-endian */
};

struct fwcfg {
	struct fwcfg_item items[FWCFG_MAX_ITEMS];
	unsigned int nr_items, nr_files;
	int cur;    /* index of the selected item, or a FWCFG_CUR_* value */
	u32 offset; /* next byte of the selected item to read */
	/* FW_CFG_FILE_DIR: be32 count, then nr_files entries sorted by name */
	u8 dir[4 + FWCFG_MAX_FILES * FWCFG_DIRENT_SIZE];
};

/* Empties the device, adds FW_CFG_SIGNATURE, FW_CFG_ID and an empty file
 * directory, and selects FW_CFG_SIGNATURE (QEMU's reset state). */
void fwcfg_init(struct fwcfg *f);

/*
 * Adds an item under a fixed key, or replaces the one there: not a file key
 * (FW_CFG_FILE_DIR or FW_CFG_FILE_FIRST and up, outside FW_CFG_ARCH_LOCAL)
 * and without FW_CFG_WRITE_CHANNEL. Integers are stored little-endian.
 * Returns 0, -SH_EINVAL for such a key (or NULL data with a nonzero len),
 * -SH_ENOSPC when the table is full.
 */
int fwcfg_add_u16(struct fwcfg *f, u16 key, u16 val);
int fwcfg_add_u32(struct fwcfg *f, u16 key, u32 val);
int fwcfg_add_u64(struct fwcfg *f, u16 key, u64 val);
int fwcfg_add_bytes(struct fwcfg *f, u16 key, const void *data, u32 len);

/*
 * Adds a named file (e.g. "etc/shale/cmdline") and lists it in the
 * directory. Returns its key (FW_CFG_FILE_FIRST and up, in the order files
 * were added), -SH_EINVAL for an empty name, one of FWCFG_NAME_MAX bytes
 * or more, or NULL data with a nonzero len, -SH_EEXIST if the name is taken, -SH_ENOSPC when full.
 */
int fwcfg_add_file(struct fwcfg *f, const char *name, const void *data,
		   u32 len);

/*
 * Guest port access, port in [FWCFG_PORT_SEL, FWCFG_PORT_SEL + 2). As on
 * QEMU's combined port: a 1-byte read of either port returns the next data
 * byte; a 16-bit write selects a key; 1-byte writes (the deprecated data
 * write) are ignored. Other widths are not decoded: reads return all ones
 * of the access size and writes are dropped.
 */
u32 fwcfg_io_read(struct fwcfg *f, u16 port, unsigned int size);
void fwcfg_io_write(struct fwcfg *f, u16 port, unsigned int size, u32 val);

#endif /* SHALE_FWCFG_H */
