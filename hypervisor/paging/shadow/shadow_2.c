/* SPDX-License-Identifier: MIT */
/* Shadow paging for 32-bit (2-level) guests, on PAE shadows. Runs: host root mode. */
#define GUEST_LEVELS 2
#include "shadow_multi.h"
