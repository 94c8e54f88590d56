/* SPDX-License-Identifier: MIT */
/* The guest walker for 32-bit (2-level) guest page tables. Runs: host root mode and host unit tests. */
#define GUEST_LEVELS 2
#include "guest_walk_tmpl.h"
