/* SPDX-License-Identifier: MIT */
/* The guest walker for PAE (3-level) guest page tables. Runs: host root mode and host unit tests. */
#define GUEST_LEVELS 3
#include "guest_walk_tmpl.h"
