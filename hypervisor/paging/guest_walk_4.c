/* SPDX-License-Identifier: MIT */
/* The guest walker for 4-level (long mode) guest page tables. Runs: host root mode and host unit tests. */
#define GUEST_LEVELS 4
#include "guest_walk_tmpl.h"
