/* SPDX-License-Identifier: MIT */
/*
 * The lock order. A CPU holding a lock may take only locks listed below it.
 * Every lock in Shale appears here; a new lock is added in its place.
 *
 *   1. p2m->lock         (hypervisor/paging/p2m.c)   a domain's p2m; takes
 *                                                    buddy->lock for tables
 *   2. xmalloc_lock      (hypervisor/mm/xmalloc.c)   small-object allocator
 *   3. buddy->lock       (hypervisor/mm/buddy.c)     machine-frame allocator
 *   4. console_lock      (hypervisor/printk.c)       serial output; leaf, taken
 *                                                    with interrupts disabled
 */
#ifndef SHALE_LOCK_ORDER_H
#define SHALE_LOCK_ORDER_H
#endif
