/* SPDX-License-Identifier: MIT */
/*
 * Tests for the double-fault rules and exception injection
 * (hypervisor/exception.c): every pair of vectors against table 6-5 of the
 * SDM (vol. 3 6.15) written out below, and what vcpu_inject_exception
 * hands the backend when an exit interrupted an exception's delivery.
 * Runs: host unit tests only.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "support.h"

#include <shale/domain.h>
#include <shale/exception.h>
#include <shale/hvm.h>
#include <shale/vcpu.h>
#include <shale/vmexit_handlers.h>

/* ---- the table as the SDM prints it ---- */

/* Table 6-4's classes, by vector: B benign, C contributory, P page fault. */
static const char sdm_class[32] = {
	/* 0 DE */ 'C', 'B', 'B', 'B', 'B', 'B', 'B', 'B',
	/* 8 DF */ 'D', 'B', 'C', 'C', 'C', 'C', 'P', 'B',
	/* 16 */   'B', 'B', 'B', 'B', 'P', 'C', 'B', 'B',
	/* 24 */   'B', 'B', 'B', 'B', 'B', 'B', 'B', 'B',
};

/* Table 6-5, rows the first exception's class, columns the second's. */
static enum exc_delivery sdm_table(char first, char second)
{
	if (second == 'D')
		second = 'B'; /* #DF raised during a delivery is benign */
	switch (first) {
	case 'C':
		return second == 'C' ? EXC_DOUBLE_FAULT : EXC_DELIVER_SECOND;
	case 'P':
		return second == 'B' ? EXC_DELIVER_SECOND : EXC_DOUBLE_FAULT;
	case 'D':
		return second == 'B' ? EXC_DELIVER_SECOND : EXC_TRIPLE_FAULT;
	default:
		return EXC_DELIVER_SECOND;
	}
}

static void test_every_pair(void **state)
{
	(void)state;
	for (unsigned int a = 0; a < 32; a++)
		for (unsigned int b = 0; b < 32; b++) {
			enum exc_delivery want = sdm_table(sdm_class[a],
							   sdm_class[b]);

			if (exc_combine(a, b) != want)
				fail_msg("exc_combine(%u, %u) = %d, SDM says %d",
					 a, b, exc_combine(a, b), want);
		}
}

static void test_named_cases(void **state)
{
	(void)state;
	assert_int_equal(exc_combine(X86_EXC_PF, X86_EXC_PF), EXC_DOUBLE_FAULT);
	assert_int_equal(exc_combine(X86_EXC_GP, X86_EXC_PF), EXC_DELIVER_SECOND);
	assert_int_equal(exc_combine(X86_EXC_PF, X86_EXC_GP), EXC_DOUBLE_FAULT);
	assert_int_equal(exc_combine(X86_EXC_NP, X86_EXC_GP), EXC_DOUBLE_FAULT);
	assert_int_equal(exc_combine(X86_EXC_DF, X86_EXC_PF), EXC_TRIPLE_FAULT);
	assert_int_equal(exc_combine(X86_EXC_DF, X86_EXC_UD), EXC_DELIVER_SECOND);
	assert_int_equal(exc_combine(X86_EXC_UD, X86_EXC_PF), EXC_DELIVER_SECOND);
}

/* ---- vcpu_inject_exception through a fake backend ---- */

static int fake_interrupted = -1;
static struct {
	unsigned int n, vector;
	bool has_error;
	u32 error;
} injected;
static char crashed[160];

static void fake_inject(struct vcpu *v, unsigned int vector, bool has_error,
			u32 error)
{
	(void)v;
	injected.n++;
	injected.vector = vector;
	injected.has_error = has_error;
	injected.error = error;
}

static int fake_interrupted_exception(struct vcpu *v)
{
	(void)v;
	return fake_interrupted;
}

static const struct hvm_ops fake_ops = {
	.name = "fake",
	.inject_exception = fake_inject,
	.interrupted_exception = fake_interrupted_exception,
};
const struct hvm_ops *hvm = &fake_ops;

void domain_crash(struct domain *d, struct vcpu *v, const char *fmt, ...)
{
	va_list ap;

	(void)d;
	(void)v;
	va_start(ap, fmt);
	vsnprintf(crashed, sizeof(crashed), fmt, ap);
	va_end(ap);
}

static struct vcpu vcpu;

static int reset(void **state)
{
	(void)state;
	memset(&vcpu, 0, sizeof(vcpu));
	memset(&injected, 0, sizeof(injected));
	crashed[0] = 0;
	fake_interrupted = -1;
	return 0;
}

static void test_inject_plain(void **state)
{
	(void)state;
	vcpu_inject_exception(&vcpu, X86_EXC_PF, true, 0x6);
	assert_int_equal(injected.n, 1);
	assert_int_equal(injected.vector, X86_EXC_PF);
	assert_true(injected.has_error);
	assert_int_equal(injected.error, 0x6);
	assert_int_equal(vcpu.stats.double_faults, 0);
}

static void test_inject_pf_during_pf(void **state)
{
	(void)state;
	fake_interrupted = X86_EXC_PF;
	vcpu_inject_pf(&vcpu, 0x19b100, 0);
	assert_int_equal(injected.n, 1);
	assert_int_equal(injected.vector, X86_EXC_DF);
	assert_true(injected.has_error);
	assert_int_equal(injected.error, 0);
	assert_int_equal(vcpu.cr[2], 0x19b100); /* the #PF loaded CR2 */
	assert_int_equal(vcpu.stats.double_faults, 1);
	assert_string_equal(crashed, "");
}

static void test_inject_benign_during_pf(void **state)
{
	(void)state;
	fake_interrupted = X86_EXC_PF;
	vcpu_inject_ud(&vcpu);
	assert_int_equal(injected.n, 1);
	assert_int_equal(injected.vector, X86_EXC_UD);
	assert_false(injected.has_error);
}

static void test_inject_fault_during_df(void **state)
{
	(void)state;
	fake_interrupted = X86_EXC_DF;
	vcpu_inject_gp(&vcpu);
	assert_int_equal(injected.n, 0);
	assert_non_null(strstr(crashed, "triple fault"));
}

int main(void)
{
#define T(name) cmocka_unit_test_setup(name, reset)
	const struct CMUnitTest tests[] = {
		T(test_every_pair),
		T(test_named_cases),
		T(test_inject_plain),
		T(test_inject_pf_during_pf),
		T(test_inject_benign_during_pf),
		T(test_inject_fault_during_df),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
