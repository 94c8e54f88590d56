/* SPDX-License-Identifier: MIT */
/*
 * The lock order. A CPU holding a lock may take only locks listed below it.
 * Every lock in Shale appears here; a new lock is added in its place.
 *
 *   1. d->lock           (hypervisor/domain.c)       a domain's console
 *                                                    line and COM1; takes
 *                                                    the console lock
 *   2. pod->lock         (hypervisor/paging/pod.c)   a domain's PoD cache;
 *                                                    takes p2m->lock,
 *                                                    buddy->lock and what
 *                                                    its flush hook takes
 *                                                    (the shadow lock)
 *   3. shadow lock       (hypervisor/paging/shadow/) a domain's shadows;
 *                                                    takes p2m and
 *                                                    allocator locks, never
 *                                                    pod->lock (shadow code
 *                                                    populates with it
 *                                                    dropped)
 *   4. p2m->lock         (hypervisor/paging/p2m.c)   a domain's p2m; takes
 *                                                    buddy->lock for tables
 *   5. platform->lock    (hypervisor/platform/)      a domain's devices;
 *                                                    waking a vCPU from it
 *                                                    takes a runq_lock
 *   6. runq_lock         (asm/percpu.h, sched.c)     a CPU's run queue
 *   7. maps_lock, the stats buffer lock in domain.c  one-time and print-
 *                                                    only; take allocator
 *                                                    or console locks
 *   8. xmalloc_lock      (hypervisor/mm/xmalloc.c)   small-object allocator
 *   9. buddy->lock       (hypervisor/mm/buddy.c)     machine-frame allocator
 *  10. console_lock      (hypervisor/printk.c)       serial output; leaf, taken
 *                                                    with interrupts disabled
 */
#ifndef SHALE_LOCK_ORDER_H
#define SHALE_LOCK_ORDER_H
#endif
