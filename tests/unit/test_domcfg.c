/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for Shale's own domain-file parser (hypervisor/domcfg.c).
 * Runs: host unit tests.
 */
#include <stdio.h>
#include <string.h>

#include "support.h"

#include <shale/domcfg.h>

static int parse(const char *text, struct domcfg *cfg, char *err)
{
	return domcfg_parse(text, strlen(text), cfg, err, 160);
}

#define GOOD "name = \"pv64\"\ntype = \"pv\"\nkernel = \"k\"\nmemory = 256\n"

static void domcfg_good_file_gives_values_and_defaults(void **state)
{
	struct domcfg cfg;
	char err[160] = "";

	assert_int_equal(parse(GOOD "# a comment\n\ncmdline = \"console=ttyS0\" # why\n"
			       "maxmem = 1024\nvcpus = 2\nhap = 0\n", &cfg, err), 0);
	assert_string_equal(cfg.name, "pv64");
	assert_int_equal(cfg.type, DOMAIN_PV);
	assert_int_equal(cfg.memory_mib, 256);
	assert_int_equal(cfg.maxmem_mib, 1024);
	assert_int_equal(cfg.vcpus, 2);
	assert_false(cfg.hap);
	assert_string_equal(cfg.cmdline, "console=ttyS0");
	assert_false(cfg.has_ramdisk);

	assert_false(cfg.shadow_memory_set);
	assert_int_equal(parse(GOOD "shadow_memory = 0\n", &cfg, err), 0);
	assert_true(cfg.shadow_memory_set);
	assert_int_equal(cfg.shadow_memory_mib, 0);

	assert_int_equal(parse(GOOD, &cfg, err), 0);
	assert_false(cfg.shadow_memory_set);
	assert_int_equal(cfg.vcpus, 1);
	assert_true(cfg.hap);
	assert_int_equal(cfg.maxmem_mib, 256);
}

static void domcfg_ramdisk_and_single_quotes_are_accepted(void **state)
{
	struct domcfg cfg;
	char err[160] = "";

	assert_int_equal(parse("name='a'\ntype='hvm'\nkernel='k'\nmemory=1\n"
			       "ramdisk = 'r';\n", &cfg, err), 0);
	assert_true(cfg.has_ramdisk);
	assert_int_equal(cfg.type, DOMAIN_HVM);
}

/* Each bad file is refused with a message naming the line and the key. */
static void domcfg_bad_files_are_refused_naming_line_and_key(void **state)
{
	static const struct {
		const char *text, *expect;
	} cases[] = {
		{ GOOD "frobnicate = 1\n", "line 5: unknown key 'frobnicate'" },
		{ GOOD "vcpus = 0\n", "line 5: key 'vcpus': expected an integer from 1 to 64, got 0" },
		{ GOOD "vcpus = \"two\"\n", "line 5: key 'vcpus'" },
		{ GOOD "hap = 2\n", "key 'hap'" },
		{ GOOD "memory = 512\n", "line 5: key 'memory' repeats line 4" },
		{ "name = \"x\"\ntype = \"vm\"\n", "line 2: key 'type'" },
		{ "name = \"bad name\"\n", "line 1: key 'name'" },
		{ "name = \"x\"\ntype = \"hvm\"\nkernel = \"k\"\n", "key 'memory' is required" },
		{ GOOD "maxmem = 128\n", "key 'maxmem': 128 is below memory (256)" },
		{ GOOD "cmdline = \"unterminated\n", "line 5: key 'cmdline': unterminated string" },
		{ GOOD "vcpus = [ 1 ]\n", "line 5: key 'vcpus': lists are not accepted" },
		{ GOOD "vcpus = 1 2\n", "line 5: key 'vcpus': unexpected text" },
		{ GOOD "memory2\n", "line 5: key 'memory2': expected '='" },
		{ GOOD "vcpus = 99999999999999999999999\n", "number too large" },
	};

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct domcfg cfg;
		char err[160] = "";

		assert_int_not_equal(parse(cases[i].text, &cfg, err), 0);
		if (!strstr(err, cases[i].expect))
			fail_msg("case %u: got \"%s\", want \"%s\"", i, err,
				 cases[i].expect);
	}
}

static void domcfg_nul_bytes_and_oversized_files_are_refused(void **state)
{
	struct domcfg cfg;
	char err[160] = "";
	static char big[DOMCFG_TEXT_MAX + 2];

	assert_int_not_equal(domcfg_parse("name = \"a\0\"\n", 12, &cfg, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "NUL"));
	memset(big, '#', sizeof(big));
	assert_int_not_equal(domcfg_parse(big, sizeof(big), &cfg, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "longer than"));
}

static void domcfg_long_cmdline_is_refused_at_its_limit(void **state)
{
	static char text[4096];
	struct domcfg cfg;
	char err[160] = "";
	int n = snprintf(text, sizeof(text), GOOD "cmdline = \"");

	memset(text + n, 'x', DOMCFG_CMDLINE_MAX);
	strcpy(text + n + DOMCFG_CMDLINE_MAX, "\"\n");
	assert_int_equal(parse(text, &cfg, err), 0);
	assert_int_equal(strlen(cfg.cmdline), DOMCFG_CMDLINE_MAX);
	memset(text + n, 'x', DOMCFG_CMDLINE_MAX + 1);
	strcpy(text + n + DOMCFG_CMDLINE_MAX + 1, "\"\n");
	assert_int_not_equal(parse(text, &cfg, err), 0);
	assert_non_null(strstr(err, "longer than 1023"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(domcfg_good_file_gives_values_and_defaults),
		cmocka_unit_test(domcfg_ramdisk_and_single_quotes_are_accepted),
		cmocka_unit_test(domcfg_bad_files_are_refused_naming_line_and_key),
		cmocka_unit_test(domcfg_nul_bytes_and_oversized_files_are_refused),
		cmocka_unit_test(domcfg_long_cmdline_is_refused_at_its_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
