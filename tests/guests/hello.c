/* SPDX-License-Identifier: MIT */
/* hello.elf: the smallest test kernel. Prints a greeting and its command
 * line and exits 0, or N if the command line holds exit=N (for testing how
 * exit codes travel). Runs: guest (test kernel). */
#include "runtime.h"

int guest_main(void)
{
	const struct mb_range *ranges;
	const char *source;
	uint64_t ram = 0;
	uint32_t code = 0;
	int n = mb_ram_ranges(&ranges, &source);

	printf("hello from a test kernel\n");
	printf("hello: command line: \"%s\"\n", mb_cmdline());
	for (int i = 0; i < n; i++)
		ram += ranges[i].len;
	printf("hello: %llu KiB of RAM in %d ranges (from %s)\n", ram >> 10,
	       n, source);
	if (mb_cmdline_uint("exit", &code)) {
		if (code > 255) {
			printf("hello: exit=%u does not fit in a byte\nFAIL\n",
			       code);
			return EXIT_SETUP;
		}
		if (code) {
			printf("hello: exiting with code %u as the command"
			       " line asks\nFAIL\n", code);
			return code;
		}
	}
	printf("PASS\n");
	return EXIT_PASS;
}
