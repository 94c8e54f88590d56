/* SPDX-License-Identifier: MIT */
/* The VMI ROM test through the 64-bit entry table, in long mode (see
 * rom_test.h). Runs: guest (test kernel), long mode. */
#define ROM_NAME "rom64"
#define ROM_LONG_MODE 1
#include "rom_test.h"
