/* SPDX-License-Identifier: MIT */
/* The VMI ROM test through the 32-bit PAE entry table (see rom_test.h).
 * Runs: guest (test kernel), PAE paging. */
#define ROM_NAME "rom_pae"
#define ROM_LONG_MODE 0
#include "rom_test.h"
