/* SPDX-License-Identifier: MIT */
/*
 * A fake guest address space for the emulator's unit tests: code, a RAM
 * window, a read-only page and a logging MMIO page behind struct emul_ops,
 * with counters the tests check. Runs: host unit tests only.
 */
#ifndef EMULATE_FAKE_H
#define EMULATE_FAKE_H

#include <shale/emulate.h>

#define FAKE_DATA 0x20000ULL     /* RAM window, FAKE_DATA_SIZE bytes */
#define FAKE_DATA_SIZE 0x2000u
#define FAKE_RO 0x30000ULL       /* one read-only page */
#define FAKE_MMIO 0x40000ULL     /* one MMIO page: reads return 0xa0+n */

struct fake_access {
	char kind;              /* 'r', 'w', 'x' (cmpxchg) */
	u64 la;
	unsigned int size;
};

struct fake {
	u8 data[FAKE_DATA_SIZE];
	u8 ro[PAGE_SIZE];
	u8 code[32];            /* bytes at code_la; the rest is 0xcc */
	u64 code_la;            /* linear address of code[0] */
	bool code_one_page;     /* the page after code_la's is unmapped */
	unsigned int fetched;   /* bytes handed out by fetch */
	unsigned int reads, writes, cmpxchgs, mmio_reads;
	/* cmpxchg: pretend another CPU stores race_value (size bytes) before
	 * each of the first 'races' exchanges. */
	unsigned int races;
	u64 race_value;
	struct fake_access log[64];
	unsigned int nlog;
};

extern struct fake fake;
extern const struct emul_ops fake_ops;        /* with cmpxchg */
extern const struct emul_ops fake_ops_nolock; /* cmpxchg == NULL */

/* Resets fake (pattern-filled RAM) and c, copying code to code_la. */
void fake_reset(struct emul_ctx *c, enum emul_mode mode, u64 code_la,
		const u8 *code, unsigned int len);

/* The pattern RAM starts with at offset off. */
static inline u8 fake_pattern(unsigned int off)
{
	return (u8)(0xa5 ^ (off * 7));
}

#endif /* EMULATE_FAKE_H */
