/* SPDX-License-Identifier: MIT */
/* Shadow paging for 4-level guests, on 4-level shadows. Runs: host root mode. */
#define GUEST_LEVELS 4
#include "shadow_multi.h"
