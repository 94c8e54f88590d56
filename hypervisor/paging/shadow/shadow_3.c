/* SPDX-License-Identifier: MIT */
/* Shadow paging for PAE guests, on PAE shadows. Runs: host root mode. */
#define GUEST_LEVELS 3
#include "shadow_multi.h"
