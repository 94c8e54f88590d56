/* SPDX-License-Identifier: MIT */
/* QEMU's fw_cfg through its legacy I/O ports: a 16-bit selector write to
 * 0x510, then byte reads of the item from 0x511 (QEMU docs/specs/
 * fw_cfg.rst). Runs: guest (test kernel). */
#ifndef GUEST_FWCFG_H
#define GUEST_FWCFG_H

#include <stdbool.h>
#include <stdint.h>

/* Selector keys. Integers are little-endian. */
#define FW_CFG_SIGNATURE	0x0000	/* "QEMU" */
#define FW_CFG_ID		0x0001	/* u32: feature bits (1: traditional) */
#define FW_CFG_RAM_SIZE		0x0003	/* u64: bytes of RAM */
#define FW_CFG_NB_CPUS		0x0005	/* u16: CPUs present at boot */
#define FW_CFG_MAX_CPUS		0x000f	/* u16: possible CPUs */

/* Selects key and reads len bytes of it into buf, from its start. */
void fwcfg_read(uint16_t key, void *buf, uint32_t len);

/* Little-endian integers of 2, 4 or 8 bytes at key. */
uint16_t fwcfg_read16(uint16_t key);
uint32_t fwcfg_read32(uint16_t key);
uint64_t fwcfg_read64(uint16_t key);

/* True if the signature item reads "QEMU"; *sig gets its 4 bytes and a
 * NUL (sig must hold 5). */
bool fwcfg_present(char *sig);

#endif
