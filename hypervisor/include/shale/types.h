/* SPDX-License-Identifier: MIT */
/*
 * Basic integer types and the typed addresses every layer passes around.
 * Runs: host root mode and host unit tests (same header in both builds).
 *
 * A machine frame (mfn_t), a guest frame (gfn_t), a guest-physical address
 * (gpa_t) and a guest-virtual address (gva_t) are distinct one-member
 * structs, so the compiler refuses to pass one where another is expected.
 */
#ifndef SHALE_TYPES_H
#define SHALE_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

/* A machine-physical byte address (host RAM, MMIO). */
typedef u64 paddr_t;

#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))

#define TYPED_ADDR(name, field)                                                \
	typedef struct {                                                       \
		u64 field;                                                     \
	} name##_t;                                                            \
	static inline name##_t _##name(u64 v)                                  \
	{                                                                      \
		return (name##_t){ v };                                        \
	}                                                                      \
	static inline u64 name##_x(name##_t v)                                 \
	{                                                                      \
		return v.field;                                                \
	}                                                                      \
	static inline bool name##_eq(name##_t a, name##_t b)                   \
	{                                                                      \
		return a.field == b.field;                                     \
	}

TYPED_ADDR(mfn, m) /* machine frame number */
TYPED_ADDR(gfn, g) /* guest frame number */
TYPED_ADDR(gpa, p) /* guest-physical byte address */
TYPED_ADDR(gva, v) /* guest-virtual (linear) byte address */

#undef TYPED_ADDR

#define INVALID_MFN _mfn(~0ULL)
#define INVALID_GFN _gfn(~0ULL)

static inline paddr_t mfn_to_paddr(mfn_t m)
{
	return mfn_x(m) << PAGE_SHIFT;
}

static inline mfn_t paddr_to_mfn(paddr_t p)
{
	return _mfn(p >> PAGE_SHIFT);
}

static inline gpa_t gfn_to_gpa(gfn_t g)
{
	return _gpa(gfn_x(g) << PAGE_SHIFT);
}

static inline gfn_t gpa_to_gfn(gpa_t p)
{
	return _gfn(gpa_x(p) >> PAGE_SHIFT);
}

#endif /* SHALE_TYPES_H */
