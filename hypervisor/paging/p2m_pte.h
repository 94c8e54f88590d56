/* SPDX-License-Identifier: MIT */
/*
 * The p2m's entry format, private to hypervisor/paging/p2m*.c (and read by
 * its unit test): x86-64 long-mode page-table entries as AMD NPT walks them
 * (AMD APM vol. 2: 15.25 nested paging, chapter 5 long-mode page tables),
 * plus the p2m type in software-available bits.
 * Runs: host root mode and host unit tests.
 *
 * Levels are numbered as in the manuals: 4 = PML4 (the root), 3 = PDPT,
 * 2 = PD, 1 = PT. A leaf at level L maps 2^(9 * (L - 1)) frames: 4 KiB at
 * level 1, 2 MiB (PS) at level 2, 1 GiB (PS) at level 3. Level 4 holds only
 * tables.
 *
 *   table      P | RW | US | table mfn << 12          (A may be set by the CPU)
 *   present    P | US | RW if ram_rw | PS if level > 1 | mfn << 12 | type << 52
 *   leaf                                         (A and D may be set by the CPU)
 *   absent     PS if level > 1 | type << 52, nothing else (mmio, pod)
 *   leaf
 *   invalid    0
 *
 * NPT checks every guest access as a user access, hence US everywhere.
 * PWT/PCD/PAT = 0 is write-back; NX = 0 lets the guest execute RAM and ROM.
 * The type sits in bits 52..55, which the CPU ignores in every entry
 * (present or not), so every leaf carries its type; 9..11 and 56..58 stay
 * free for later software use. An absent leaf's order is its level, and
 * its PS bit says so a second time for a reader of a raw dump.
 */
#ifndef SHALE_PAGING_P2M_PTE_H
#define SHALE_PAGING_P2M_PTE_H

#include <shale/p2m.h>
#include <shale/types.h>

#define P2M_PTE_P (1ULL << 0)
#define P2M_PTE_RW (1ULL << 1)
#define P2M_PTE_US (1ULL << 2)
#define P2M_PTE_PWT (1ULL << 3)
#define P2M_PTE_PCD (1ULL << 4)
#define P2M_PTE_A (1ULL << 5)
#define P2M_PTE_D (1ULL << 6)
#define P2M_PTE_PS (1ULL << 7)
#define P2M_PTE_G (1ULL << 8)
#define P2M_PTE_NX (1ULL << 63)
#define P2M_PTE_ADDR 0x000ffffffffff000ULL /* bits 12..51 */
#define P2M_PTE_TYPE_SHIFT 52
#define P2M_PTE_TYPE (0xfULL << P2M_PTE_TYPE_SHIFT)

#define P2M_LEVELS 4
#define P2M_ENTRIES 512
/* Largest mfn an entry can hold (52-bit physical addresses). */
#define P2M_MAX_MFN ((1ULL << (52 - PAGE_SHIFT)) - 1)

/* frame_info.user of a p2m table page: kind in the high byte ('P'), the
 * table's level in the low byte. Lets the audit tell a real table from a
 * stray pointer. */
#define P2M_USER_TABLE 0x5000
#define P2M_USER_TABLE_LEVEL(l) (P2M_USER_TABLE | (l))

static inline unsigned int p2m_level_order(unsigned int level)
{
	return 9 * (level - 1);
}

/* Index of gfn's entry in a table of the given level. */
static inline unsigned int p2m_pte_index(u64 gfn, unsigned int level)
{
	return (gfn >> p2m_level_order(level)) & (P2M_ENTRIES - 1);
}

/* Types that map machine frames are also the present ones. */
static inline bool p2m_type_backed(enum p2m_type t)
{
	return t == p2m_ram_rw || t == p2m_ram_ro || t == p2m_rom;
}

/* A non-zero entry is a table iff it is present and is neither a level-1
 * entry nor a PS leaf. Level 4 entries are never leaves. */
static inline bool p2m_pte_is_table(u64 e, unsigned int level)
{
	if (!(e & P2M_PTE_P) || level == 1)
		return false;
	return level == P2M_LEVELS || !(e & P2M_PTE_PS);
}

static inline unsigned int p2m_pte_type(u64 e)
{
	return (unsigned int)((e & P2M_PTE_TYPE) >> P2M_PTE_TYPE_SHIFT);
}

static inline mfn_t p2m_pte_mfn(u64 e)
{
	return _mfn((e & P2M_PTE_ADDR) >> PAGE_SHIFT);
}

#endif /* SHALE_PAGING_P2M_PTE_H */
