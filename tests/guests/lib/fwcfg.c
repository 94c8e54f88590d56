/* SPDX-License-Identifier: MIT */
/* QEMU's fw_cfg through its legacy I/O ports. Runs: guest (test kernel). */
#include "fwcfg.h"
#include "string.h"
#include "x86.h"

#define FW_CFG_PORT_SEL		0x510
#define FW_CFG_PORT_DATA	0x511

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

void fwcfg_read(uint16_t key, void *buf, uint32_t len)
{
	uint8_t *p = buf;

	outw(FW_CFG_PORT_SEL, key);
	for (uint32_t i = 0; i < len; i++)
		p[i] = inb(FW_CFG_PORT_DATA);
}

uint16_t fwcfg_read16(uint16_t key)
{
	uint8_t b[2];

	fwcfg_read(key, b, sizeof(b));
	return (uint16_t)(b[0] | b[1] << 8);
}

uint32_t fwcfg_read32(uint16_t key)
{
	uint8_t b[4];

	fwcfg_read(key, b, sizeof(b));
	return b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
}

uint64_t fwcfg_read64(uint16_t key)
{
	uint64_t v = 0;
	uint8_t b[8];

	fwcfg_read(key, b, sizeof(b));
	for (int i = 7; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

bool fwcfg_present(char *sig)
{
	fwcfg_read(FW_CFG_SIGNATURE, sig, 4);
	sig[4] = 0;
	return !memcmp(sig, "QEMU", 4);
}
