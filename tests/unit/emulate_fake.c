/* SPDX-License-Identifier: MIT */
/*
 * The emulator tests' fake guest address space (see emulate_fake.h).
 * Runs: host unit tests only.
 */
#include <string.h>

#include "support.h"
#include "emulate_fake.h"

#include <shale/guest_walk.h>

struct fake fake;

static void log_access(char kind, u64 la, unsigned int size)
{
	if (fake.nlog < 64)
		fake.log[fake.nlog++] = (struct fake_access){ kind, la, size };
}

/* Where size bytes at la live: a pointer into the fake's RAM, or NULL with
 * *fault_la set to the first byte that is not mapped (or not writable). */
static u8 *ram_at(u64 la, unsigned int size, bool write, u64 *fault_la)
{
	if (la >= FAKE_DATA && la < FAKE_DATA + FAKE_DATA_SIZE) {
		if (la + size <= FAKE_DATA + FAKE_DATA_SIZE)
			return fake.data + (la - FAKE_DATA);
		*fault_la = FAKE_DATA + FAKE_DATA_SIZE;
		return NULL;
	}
	if (la >= FAKE_RO && la < FAKE_RO + PAGE_SIZE) {
		if (!write && la + size <= FAKE_RO + PAGE_SIZE)
			return fake.ro + (la - FAKE_RO);
		*fault_la = write ? la : FAKE_RO + PAGE_SIZE;
		return NULL;
	}
	*fault_la = la;
	return NULL;
}

static bool is_mmio(u64 la)
{
	return la >= FAKE_MMIO && la < FAKE_MMIO + PAGE_SIZE;
}

static u32 pf_code(u64 fault_la, bool write)
{
	bool present = fault_la >= FAKE_RO && fault_la < FAKE_RO + PAGE_SIZE;

	return (present ? PFEC_PRESENT : 0) | (write ? PFEC_WRITE : 0);
}

static int fake_fetch(struct emul_ctx *c, u64 la, void *buf, unsigned int size)
{
	u64 page = fake.code_la & PAGE_MASK;
	u64 end = page + (fake.code_one_page ? PAGE_SIZE : 2 * PAGE_SIZE);
	unsigned int i;

	assert_true(size > 0 && size <= 15);
	assert_true((la & PAGE_MASK) == ((la + size - 1) & PAGE_MASK));
	if (la < page || la >= end)
		return emul_raise_pf(c, la, PFEC_INSN);
	fake.fetched += size;
	assert_true(fake.fetched <= 15);
	for (i = 0; i < size; i++) {
		u64 off = la + i - fake.code_la;

		((u8 *)buf)[i] = off < sizeof(fake.code) ? fake.code[off] : 0xcc;
	}
	return 0;
}

static int fake_read(struct emul_ctx *c, u64 la, void *buf, unsigned int size)
{
	u64 fault;
	u8 *p;

	fake.reads++;
	log_access('r', la, size);
	if (is_mmio(la)) {
		memset(buf, 0xa0 + fake.mmio_reads++, size);
		return 0;
	}
	p = ram_at(la, size, c->rmw, &fault);
	if (!p)
		return emul_raise_pf(c, fault, pf_code(fault, c->rmw));
	memcpy(buf, p, size);
	return 0;
}

static int fake_write(struct emul_ctx *c, u64 la, const void *buf,
		      unsigned int size)
{
	u64 fault;
	u8 *p;

	fake.writes++;
	log_access('w', la, size);
	if (is_mmio(la))
		return 0;
	p = ram_at(la, size, true, &fault);
	if (!p)
		return emul_raise_pf(c, fault, pf_code(fault, true));
	memcpy(p, buf, size);
	return 0;
}

static int fake_cmpxchg(struct emul_ctx *c, u64 la, void *old, const void *new,
			unsigned int size, bool *swapped)
{
	u64 fault;
	u8 *p;

	fake.cmpxchgs++;
	log_access('x', la, size);
	p = ram_at(la, size, true, &fault);
	if (!p)
		return emul_raise_pf(c, fault, pf_code(fault, true));
	if (fake.races) {
		/* A different value each time, so every race is lost. */
		u64 v = fake.race_value + --fake.races;

		memcpy(p, &v, size < 8 ? size : 8);
	}
	*swapped = memcmp(p, old, size) == 0;
	if (*swapped)
		memcpy(p, new, size);
	else
		memcpy(old, p, size);
	return 0;
}

const struct emul_ops fake_ops = {
	.fetch = fake_fetch,
	.read = fake_read,
	.write = fake_write,
	.cmpxchg = fake_cmpxchg,
};

const struct emul_ops fake_ops_nolock = {
	.fetch = fake_fetch,
	.read = fake_read,
	.write = fake_write,
};

void fake_reset(struct emul_ctx *c, enum emul_mode mode, u64 code_la,
		const u8 *code, unsigned int len)
{
	unsigned int i;

	memset(&fake, 0, sizeof(fake));
	for (i = 0; i < FAKE_DATA_SIZE; i++)
		fake.data[i] = fake_pattern(i);
	for (i = 0; i < PAGE_SIZE; i++)
		fake.ro[i] = fake_pattern(i);
	assert_true(len <= sizeof(fake.code));
	memset(fake.code, 0xcc, sizeof(fake.code));
	memcpy(fake.code, code, len);
	fake.code_la = code_la;
	memset(c, 0, sizeof(*c));
	c->ops = &fake_ops;
	c->mode = mode;
	c->regs.rip = code_la;
	c->regs.rflags = 0x2;
}
