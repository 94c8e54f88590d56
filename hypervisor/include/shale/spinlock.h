/* SPDX-License-Identifier: MIT */
/*
 * Test-and-test-and-set spinlocks on GCC atomics. Portable: the same code
 * runs in host root mode and in host unit tests. Interrupt-disabling
 * variants live in asm/irq.h. The lock order is in shale/lock-order.h.
 */
#ifndef SHALE_SPINLOCK_H
#define SHALE_SPINLOCK_H

#include <shale/compiler.h>
#include <shale/types.h>

typedef struct {
	u32 locked;
} spinlock_t;

#define SPINLOCK_INIT { 0 }

static inline void spin_lock_init(spinlock_t *l)
{
	l->locked = 0;
}

static inline bool spin_trylock(spinlock_t *l)
{
	return !__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE);
}

static inline void spin_lock(spinlock_t *l)
{
	while (!spin_trylock(l))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			__builtin_ia32_pause();
}

static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

static inline bool spin_is_locked(const spinlock_t *l)
{
	return __atomic_load_n(&l->locked, __ATOMIC_RELAXED) != 0;
}

#endif /* SHALE_SPINLOCK_H */
