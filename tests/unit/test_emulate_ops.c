/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for how the emulator (hypervisor/emulate/) uses its callbacks:
 * locked updates through cmpxchg and their retries, the read-once/write-once
 * path without cmpxchg, MMIO operands read exactly once, REP batches,
 * callback results passed through, and instruction lengths of opcodes
 * outside the executed subset.
 * Runs: host unit tests only.
 */
#include <string.h>

#include "support.h"
#include "emulate_fake.h"

#include <shale/compiler.h>

#define D FAKE_DATA
#define CODE_LA 0x1000ULL

static struct emul_ctx c;

static void setup64(const char *code, unsigned int len)
{
	fake_reset(&c, EMUL_MODE_64, CODE_LA, (const u8 *)code, len);
}

#define SETUP64(s) setup64(s, sizeof(s) - 1)

static u32 data32(unsigned int off)
{
	u32 v;

	memcpy(&v, fake.data + off, 4);
	return v;
}

static void set32(unsigned int off, u32 v)
{
	memcpy(fake.data + off, &v, 4);
}

/* Another CPU changes the operand between the read and the exchange: the
 * add is redone on the new value and the flags follow the final one. */
static void lock_add_redoes_the_update_after_a_lost_race(void **state)
{
	SETUP64("\xf0\x01\x03"); /* lock add [rbx], eax */
	c.regs.gpr[EMUL_RBX] = D;
	c.regs.gpr[EMUL_RAX] = 0xffffffff;
	set32(0, 5);
	fake.races = 1;
	fake.race_value = 1;
	assert_int_equal(emul_insn(&c), EMUL_OK);
	assert_int_equal(data32(0), 0);
	assert_int_equal(fake.cmpxchgs, 2);
	assert_int_equal(c.regs.rflags & EMUL_FLAGS_ARITH,
			 EMUL_FLAG_CF | EMUL_FLAG_ZF | EMUL_FLAG_PF | EMUL_FLAG_AF);
	assert_int_equal(c.regs.rip, CODE_LA + 3);
}

/* Losing every race: EMUL_RETRY after EMUL_LOCK_TRIES attempts, with the
 * instruction not done (RIP, flags and the operand are untouched by it). */
static void lock_add_gives_up_with_retry_after_lock_tries(void **state)
{
	SETUP64("\xf0\x01\x03");
	c.regs.gpr[EMUL_RBX] = D;
	c.regs.gpr[EMUL_RAX] = 1;
	fake.races = 1000;
	fake.race_value = 0x100;
	assert_int_equal(emul_insn(&c), EMUL_RETRY);
	assert_int_equal(fake.cmpxchgs, EMUL_LOCK_TRIES);
	assert_int_equal(c.regs.rip, CODE_LA);
	assert_int_equal(c.regs.rflags, 2);
	assert_int_equal(data32(0), 0x100 + 1000 - EMUL_LOCK_TRIES);
}

/* Without a cmpxchg callback, locked instructions read once and write once. */
static void lock_without_cmpxchg_reads_once_and_writes_once(void **state)
{
	SETUP64("\xf0\x0f\xc1\x0b"); /* lock xadd [rbx], ecx */
	c.ops = &fake_ops_nolock;
	c.regs.gpr[EMUL_RBX] = D;
	c.regs.gpr[EMUL_RCX] = 2;
	set32(0, 40);
	assert_int_equal(emul_insn(&c), EMUL_OK);
	assert_int_equal(data32(0), 42);
	assert_int_equal(c.regs.gpr[EMUL_RCX], 40);
	assert_int_equal(fake.reads, 1);
	assert_int_equal(fake.writes, 1);
}

/* CMPXCHG without a cmpxchg callback writes the old value back on a
 * mismatch, as an unlocked CMPXCHG does on hardware. */
static void cmpxchg_without_callback_writes_back_on_mismatch(void **state)
{
	SETUP64("\x0f\xb1\x0b");
	c.ops = &fake_ops_nolock;
	c.regs.gpr[EMUL_RBX] = D;
	c.regs.gpr[EMUL_RAX] = 1;
	set32(0, 7);
	assert_int_equal(emul_insn(&c), EMUL_OK);
	assert_int_equal(c.regs.gpr[EMUL_RAX], 7);
	assert_int_equal(data32(0), 7);
	assert_int_equal(fake.nlog, 2);
	assert_int_equal(fake.log[1].kind, 'w');
	assert_int_equal(fake.log[1].la, D);
}

/* A CMP against an MMIO register reads it exactly once and never writes. */
static void mmio_cmp_reads_the_register_once(void **state)
{
	SETUP64("\x39\x03"); /* cmp [rbx], eax */
	c.regs.gpr[EMUL_RBX] = FAKE_MMIO + 0x10;
	c.regs.gpr[EMUL_RAX] = 0xa0a0a0a0;
	assert_int_equal(emul_insn(&c), EMUL_OK);
	assert_int_equal(fake.nlog, 1);
	assert_int_equal(fake.log[0].kind, 'r');
	assert_int_equal(fake.log[0].la, FAKE_MMIO + 0x10);
	assert_int_equal(fake.log[0].size, 4);
	assert_true(c.regs.rflags & EMUL_FLAG_ZF);
}

/* REP MOVSB from MMIO: one device read per element, in order. */
static void rep_movs_from_mmio_reads_each_element_once(void **state)
{
	SETUP64("\xf3\xa4");
	c.regs.gpr[EMUL_RSI] = FAKE_MMIO;
	c.regs.gpr[EMUL_RDI] = D;
	c.regs.gpr[EMUL_RCX] = 3;
	assert_int_equal(emul_insn(&c), EMUL_OK);
	assert_int_equal(fake.mmio_reads, 3);
	assert_int_equal(fake.data[0], 0xa0);
	assert_int_equal(fake.data[1], 0xa1);
	assert_int_equal(fake.data[2], 0xa2);
	assert_int_equal(c.regs.gpr[EMUL_RSI], FAKE_MMIO + 3);
}

/* A long REP STOS is done EMUL_REP_MAX elements per call: EMUL_RETRY with
 * RCX/RDI describing the rest and RIP unchanged, then EMUL_OK. */
static void rep_stos_runs_in_bounded_batches(void **state)
{
	unsigned int calls = 0, i;
	int r;

	SETUP64("\xf3\xaa");
	c.regs.gpr[EMUL_RDI] = D;
	c.regs.gpr[EMUL_RCX] = 1000;
	c.regs.gpr[EMUL_RAX] = 0x5a;
	r = emul_insn(&c);
	assert_int_equal(r, EMUL_RETRY);
	assert_int_equal(c.regs.gpr[EMUL_RCX], 1000 - EMUL_REP_MAX);
	assert_int_equal(c.regs.gpr[EMUL_RDI], D + EMUL_REP_MAX);
	assert_int_equal(c.regs.rip, CODE_LA);
	for (calls = 1; r == EMUL_RETRY; calls++) {
		fake.fetched = 0;
		r = emul_insn(&c);
	}
	assert_int_equal(r, EMUL_OK);
	assert_int_equal(calls, (1000 + EMUL_REP_MAX - 1) / EMUL_REP_MAX);
	assert_int_equal(c.regs.gpr[EMUL_RCX], 0);
	assert_int_equal(c.regs.rip, CODE_LA + 2);
	for (i = 0; i < 1000; i++)
		assert_int_equal(fake.data[i], 0x5a);
	assert_int_equal(fake.data[1000], fake_pattern(1000));
}

static int ret_value;

static int read_returns(struct emul_ctx *ctx, u64 la, void *buf,
			unsigned int size)
{
	return ret_value;
}

/* EMUL_RETRY and EMUL_UNHANDLED from a callback come back as they are;
 * anything else unknown (a negative errno) counts as EMUL_UNHANDLED. */
static void callback_results_pass_through(void **state)
{
	struct emul_ops ops = fake_ops;
	static const int in[] = { EMUL_RETRY, EMUL_UNHANDLED, -5, 42 };
	static const int out[] = { EMUL_RETRY, EMUL_UNHANDLED, EMUL_UNHANDLED,
				   EMUL_UNHANDLED };
	unsigned int i;

	ops.read = read_returns;
	for (i = 0; i < ARRAY_SIZE(in); i++) {
		SETUP64("\x8b\x03");
		c.ops = &ops;
		c.regs.gpr[EMUL_RBX] = D;
		c.regs.gpr[EMUL_RAX] = 0x1234;
		ret_value = in[i];
		assert_int_equal(emul_insn(&c), out[i]);
		assert_int_equal(c.regs.gpr[EMUL_RAX], 0x1234);
		assert_int_equal(c.regs.rip, CODE_LA);
	}
}

/* Prefix bytes alone never make the decoder fetch past byte 15. */
static void decoder_stops_at_fifteen_bytes(void **state)
{
	static const u8 prefixes[] = { 0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x2e,
				       0x64, 0x48 };
	u8 code[32];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(prefixes); i++) {
		memset(code, prefixes[i], sizeof(code));
		fake_reset(&c, EMUL_MODE_64, CODE_LA, code, sizeof(code));
		assert_int_equal(emul_decode(&c), EMUL_EXCEPTION);
		assert_int_equal(c.exc.vector, 13);
		assert_int_equal(c.exc.error_code, 0);
		assert_int_equal(fake.fetched, 15);
	}
}

struct len_case {
	enum emul_mode mode;
	const char *bytes;
	unsigned int n;         /* bytes given */
	unsigned int len;       /* expected length; 0: EMUL_UNHANDLED */
};

#define L(m, s, len) { EMUL_MODE_##m, s, sizeof(s) - 1, len }

/* Lengths of opcodes the emulator does not execute, checked against GNU
 * objdump: callers may rely on emul_decode's length for any known opcode. */
static void decoder_lengths_of_other_opcodes(void **state)
{
	static const struct len_case lens[] = {
		L(64, "\x0f\x01\xd0", 3),          /* xgetbv */
		L(64, "\xf3\x0f\x1e\xfa", 4),      /* endbr64 */
		L(64, "\x0f\x20\xc0", 3),          /* mov rax, cr0 */
		L(64, "\x0f\x20\x05", 3),          /* mod is ignored */
		L(64, "\xc8\x10\x00\x01", 4),      /* enter */
		L(64, "\xe8\x00\x00\x00\x00", 5),  /* call rel32 */
		L(64, "\x48\xb8\x01\x02\x03\x04\x05\x06\x07\x08", 10),
		L(64, "\x66\xb8\x34\x12", 4),
		L(64, "\x0f\x70\xc0\x01", 4),      /* pshufw */
		L(64, "\xd9\xc0", 2),              /* fld st0 */
		L(64, "\xf6\xc0\x01", 3),          /* test al, 1 */
		L(64, "\xf6\xe0", 2),              /* mul al */
		L(64, "\xf7\xc0\x01\x00\x00\x00", 6),
		L(64, "\x66\xf7\xc0\x34\x12", 5),
		L(64, "\x48\xf7\xc0\x01\x00\x00\x00", 7),
		L(64, "\x0f\x84\x00\x00\x00\x00", 6),
		L(64, "\xc2\x08\x00", 3),          /* ret 8 */
		L(64, "\x6b\xc0\x05", 3),
		L(64, "\x69\xc0\x01\x00\x00\x00", 6),
		L(64, "\x48\x63\xc0", 3),          /* movsxd */
		L(64, "\x8d\x84\x24\x00\x01\x00\x00", 7), /* lea */
		L(32, "\x9a\x00\x00\x00\x00\x08\x00", 7), /* call far */
		L(32, "\x66\x9a\x00\x00\x08\x00", 6),
		L(32, "\x66\xe8\x00\x00", 4),
		L(32, "\xa1\x00\x00\x00\x00", 5),
		L(32, "\x67\x8b\x06\x00\x00", 5),  /* [disp16] */
		L(32, "\x62\x00", 0),              /* BOUND/EVEX */
		L(16, "\xe8\x00\x00", 3),
		L(16, "\x66\xe8\x00\x00\x00\x00", 6),
		L(16, "\x8b\x46\x00", 3),
		L(16, "\x8b\x86\x00\x00", 4),
		L(16, "\x67\x8b\x44\x24\x08", 5),  /* [esp+8] */
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		const struct len_case *l = &lens[i];

		fake_reset(&c, l->mode, CODE_LA, (const u8 *)l->bytes, l->n);
		if (!l->len) {
			assert_int_equal(emul_decode(&c), EMUL_UNHANDLED);
			continue;
		}
		if (emul_decode(&c) != EMUL_OK || c.insn.len != l->len)
			fail_msg("case %u: length %u, expected %u", i,
				 c.insn.len, l->len);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lock_add_redoes_the_update_after_a_lost_race),
		cmocka_unit_test(lock_add_gives_up_with_retry_after_lock_tries),
		cmocka_unit_test(lock_without_cmpxchg_reads_once_and_writes_once),
		cmocka_unit_test(cmpxchg_without_callback_writes_back_on_mismatch),
		cmocka_unit_test(mmio_cmp_reads_the_register_once),
		cmocka_unit_test(rep_movs_from_mmio_reads_each_element_once),
		cmocka_unit_test(rep_stos_runs_in_bounded_batches),
		cmocka_unit_test(callback_results_pass_through),
		cmocka_unit_test(decoder_stops_at_fifteen_bytes),
		cmocka_unit_test(decoder_lengths_of_other_opcodes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
