/* SPDX-License-Identifier: MIT */
/*
 * The fixture the shadow-paging unit tests share: a shadow pool of the
 * real code over the fake frame arena, with the seams to the rest of the
 * hypervisor stubbed (a TLB flush is only counted; a guest-L1 re-sync is
 * recorded). Included by one test file each, before its tests.
 * Runs: host unit tests only.
 */
#ifndef UNIT_SHADOW_ARENA_H
#define UNIT_SHADOW_ARENA_H

#include <stdlib.h>
#include <string.h>

#include "support.h"

#include <shale/frames.h>

#include "../../hypervisor/paging/shadow/shadow_private.h"

#define ARENA_BASE 0x10000
#define ARENA_FRAMES 4096

static struct domain dom;
static struct shadow_domain *sh;
static unsigned int flushes;

/* The seam: the hypervisor kicks CPUs; here a flush is only counted. */
void sh_flush_tlbs(struct shadow_domain *s)
{
	flushes++;
}

/* The seam to shadow_l1.c (which reads the guest's table through the
 * P2M): the last guest-L1 entry re-synced, and the count. */
static struct sh_page *refreshed_sp;
static unsigned int refreshed_idx, refreshes;

void sh_l1_refresh(struct shadow_domain *s, struct sh_page *sp,
		   unsigned int idx)
{
	refreshed_sp = sp;
	refreshed_idx = idx;
	refreshes++;
}

/* A fresh arena, domain and pool of 'budget' pages for 'vcpus' vCPUs;
 * the counters start at zero. */
static void shadow_arena_setup(unsigned long budget, unsigned int vcpus)
{
	unit_frames_init(_mfn(ARENA_BASE), ARENA_FRAMES);
	memset(&dom, 0, sizeof(dom));
	sh = calloc(1, sizeof(*sh));
	dom.shadow = sh;
	flushes = 0;
	refreshes = 0;
	refreshed_sp = NULL;
	assert_int_equal(sh_pool_init(sh, &dom, budget, vcpus), 0);
}

/* Frees the pool and checks every frame of the arena came back. */
static int shadow_arena_teardown(void **state)
{
	(void)state;
	sh_pool_fini(sh);
	free(sh);
	assert_int_equal(machine_frames.free_frames, ARENA_FRAMES);
	unit_frames_fini();
	return 0;
}

#endif /* UNIT_SHADOW_ARENA_H */
