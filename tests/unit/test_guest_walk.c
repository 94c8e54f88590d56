/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the guest page-table walker (hypervisor/paging/guest_walk*):
 * guest tables built by hand in a fake guest-physical memory, walked in every
 * paging mode, page size, fault kind and permission combination, with the
 * exact #PF error codes and A/D updates hardware would produce.
 * Runs: host unit tests only.
 */
#include <stdlib.h>
#include <string.h>

#include "support.h"

#include <asm/msr-index.h>
#include <shale/compiler.h>
#include <shale/errno.h>
#include <shale/guest_walk.h>

#define KiB (1ULL << 10)
#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

/* Entry bits, spelt out here rather than taken from the walker. */
#define P (1ULL << 0)
#define RW (1ULL << 1)
#define US (1ULL << 2)
#define A (1ULL << 5)
#define D (1ULL << 6)
#define PS (1ULL << 7)
#define XD (1ULL << 63)
#define AC (1ULL << 18)

#define PRESENT PFEC_PRESENT
#define WRITE PFEC_WRITE
#define USER PFEC_USER
#define RSVD PFEC_RSVD
#define INSN PFEC_INSN

/* ------------------------------------------------------ fake guest memory */

/* Guest RAM is frames [0, NR_FRAMES); map returns NULL for anything else. */
#define NR_FRAMES 64
#define DATA_GFN 0x20 /* the 4K page the standard chains map */

static u8 *ram;
static unsigned int map_calls;
/* Called on every map, before it returns: lets a test play the guest
 * writing its tables while the walker runs. */
static void (*map_hook)(gfn_t gfn);

static void *fake_map(void *ctx, gfn_t gfn)
{
	map_calls++;
	if (map_hook)
		map_hook(gfn);
	if (gfn_x(gfn) >= NR_FRAMES)
		return NULL;
	return ram + gfn_x(gfn) * PAGE_SIZE;
}

static const struct guest_mem mem = { fake_map, NULL };

/* ------------------------------------------ the standard chain of tables */

enum mode { M32, MPAE, M64 };
static const char *const mode_name[] = { "32-bit", "PAE", "4-level" };

/* One mapping of VA to DATA_GFN through one table per level. */
#define VA2 ((0x123ULL << 22) | (0x9ULL << 12) | 0xabc)
#define VA3 ((2ULL << 30) | (7ULL << 21) | (9ULL << 12) | 0xabc)
#define VA4 ((3ULL << 39) | (5ULL << 30) | (7ULL << 21) | (9ULL << 12) | 0xabc)

static struct {
	enum mode mode;
	unsigned int levels;
	u64 va;
	unsigned int table[5]; /* gfn of the table read at each level */
} cur;

static struct guest_paging gp;
static struct guest_walk w;

static int setup(void **state)
{
	ram = aligned_alloc(PAGE_SIZE, NR_FRAMES * PAGE_SIZE);
	assert_non_null(ram);
	memset(ram, 0, NR_FRAMES * PAGE_SIZE);
	map_calls = 0;
	map_hook = NULL;
	memset(&gp, 0, sizeof(gp));
	memset(&w, 0xa5, sizeof(w)); /* the walker must fill what it reports */
	return 0;
}

static int teardown(void **state)
{
	free(ram);
	ram = NULL;
	return 0;
}

/* Index of va's entry at 'level' in the current mode. */
static unsigned int idx(u64 va, unsigned int level)
{
	if (cur.mode == M32)
		return (va >> (12 + 10 * (level - 1))) & 0x3ff;
	if (cur.mode == MPAE && level == 3)
		return (va >> 30) & 3;
	return (va >> (12 + 9 * (level - 1))) & 0x1ff;
}

static u64 ent_at(unsigned int gfn, unsigned int i)
{
	if (cur.mode == M32)
		return ((u32 *)(ram + gfn * PAGE_SIZE))[i];
	return ((u64 *)(ram + gfn * PAGE_SIZE))[i];
}

static void set_ent_at(unsigned int gfn, unsigned int i, u64 v)
{
	if (cur.mode == M32)
		((u32 *)(ram + gfn * PAGE_SIZE))[i] = (u32)v;
	else
		((u64 *)(ram + gfn * PAGE_SIZE))[i] = v;
}

/* The standard chain's entry at 'level'. */
static u64 ent(unsigned int level)
{
	return ent_at(cur.table[level], idx(cur.va, level));
}

static void set_ent(unsigned int level, u64 v)
{
	set_ent_at(cur.table[level], idx(cur.va, level), v);
}

static void change(unsigned int level, u64 clear, u64 set)
{
	set_ent(level, (ent(level) & ~clear) | set);
}

/* Registers for 'mode' with everything optional off, maxphyaddr 40, and the
 * chain VA -> DATA_GFN with P, R/W and U/S at every level (PAE PDPTE: P). */
static void build(enum mode mode)
{
	unsigned int level;

	cur.mode = mode;
	cur.levels = mode == M32 ? 2 : mode == MPAE ? 3 : 4;
	cur.va = mode == M32 ? VA2 : mode == MPAE ? VA3 : VA4;
	cur.table[4] = 1;
	cur.table[3] = mode == MPAE ? 1 : 2;
	cur.table[2] = mode == M32 ? 1 : 3;
	cur.table[1] = 4;

	gp.cr0 = CR0_PE | CR0_PG;
	gp.cr3 = (u64)cur.table[cur.levels] << 12;
	gp.cr4 = mode == M32 ? 0 : CR4_PAE;
	gp.efer = mode == M64 ? EFER_LME | EFER_LMA : 0;
	gp.maxphyaddr = 40;

	for (level = cur.levels; level > 1; level--) {
		u64 flags = (mode == MPAE && level == 3) ? P : P | RW | US;

		set_ent(level, ((u64)cur.table[level - 1] << 12) | flags);
	}
	set_ent(1, ((u64)DATA_GFN << 12) | P | RW | US);
}

static int walk_va(u64 va, u32 access)
{
	return guest_walk(&gp, &mem, _gva(va), access, true, &w);
}

static int walk(u32 access)
{
	return walk_va(cur.va, access);
}

static void assert_fault(int rc, u32 pfec, unsigned int stopped_at)
{
	assert_int_equal(rc, -SH_EFAULT);
	assert_int_equal(w.pfec, pfec);
	assert_int_equal(w.leaf_level, stopped_at);
	assert_int_equal(w.levels, cur.levels);
}

static void assert_gpa(int rc, u64 gpa, unsigned int leaf_level)
{
	assert_int_equal(rc, 0);
	assert_int_equal(gpa_x(w.gpa), gpa);
	assert_int_equal(w.pfec, 0);
	assert_int_equal(w.leaf_level, leaf_level);
	assert_int_equal(w.levels, cur.levels);
}

#define DATA_GPA(va) (((u64)DATA_GFN << 12) | ((va) & 0xfff))

/* ------------------------------------------------------------ paging off */

/* CR0.PG=0 selects no walk whatever CR4.PAE and EFER.LME say. */
static void paging_levels_follow_pg_pae_and_lma(void **state)
{
	gp.cr4 = CR4_PAE;
	gp.efer = EFER_LME;
	assert_int_equal(guest_paging_levels(&gp), 0);
	gp.cr0 = CR0_PG;
	gp.cr4 = 0;
	gp.efer = 0;
	assert_int_equal(guest_paging_levels(&gp), 2);
	gp.cr4 = CR4_PAE;
	assert_int_equal(guest_paging_levels(&gp), 3);
	gp.efer = EFER_LME; /* LME alone is not long mode */
	assert_int_equal(guest_paging_levels(&gp), 3);
	gp.efer = EFER_LME | EFER_LMA;
	assert_int_equal(guest_paging_levels(&gp), 4);
}

/* Unpaged, the gpa is the va cut to 32 bits, no table is read and any
 * access, even a user write, succeeds. */
static void unpaged_gpa_is_va_truncated_to_32_bits_and_never_faults(void **state)
{
	gp.cr0 = CR0_PE;
	gp.cr4 = CR4_PAE | CR4_SMEP | CR4_SMAP;
	assert_int_equal(guest_walk(&gp, &mem, _gva(0x123456789abcULL),
				    PFEC_WRITE | PFEC_USER, true, &w), 0);
	assert_int_equal(gpa_x(w.gpa), 0x56789abc);
	assert_int_equal(w.levels, 0);
	assert_int_equal(w.pfec, 0);
	assert_int_equal(map_calls, 0);
}

/* ------------------------------------------------------- 32-bit (2-level) */

/* A 4K page: the gpa keeps the offset, A is set in the PDE and PTE, D is not
 * set by a read, and every table and entry read is reported. */
static void walk2_4k_read_translates_and_sets_accessed_only(void **state)
{
	build(M32);
	assert_gpa(walk(0), DATA_GPA(VA2), 1);
	assert_int_equal(ent(2), (4 << 12) | P | RW | US | A);
	assert_int_equal(ent(1), (DATA_GFN << 12) | P | RW | US | A);
	assert_int_equal(w.entries[2], ent(2));
	assert_int_equal(w.entries[1], ent(1));
	assert_int_equal(gfn_x(w.tables[2]), 1);
	assert_int_equal(gfn_x(w.tables[1]), 4);
}

/* A write sets D in the PTE only, never in the PDE that points to it. */
static void walk2_write_sets_dirty_in_pte_not_pde(void **state)
{
	build(M32);
	assert_gpa(walk(WRITE), DATA_GPA(VA2), 1);
	assert_int_equal(ent(2) & (A | D), A);
	assert_int_equal(ent(1) & (A | D), A | D);
}

/* Linear addresses are 32 bits wide: bits 63:32 of va play no part. */
static void walk2_ignores_va_bits_above_31(void **state)
{
	build(M32);
	assert_gpa(walk_va(0xffffffff00000000ULL | VA2, 0), DATA_GPA(VA2), 1);
}

/* With CR4.PSE=1 a PDE with PS maps 4 MiB; the gpa keeps the 22-bit offset
 * and a write sets A and D in the PDE. */
static void walk2_4m_page_with_pse_translates_offset_and_sets_dirty(void **state)
{
	build(M32);
	gp.cr4 |= CR4_PSE;
	set_ent(2, 0x40000000 | PS | P | RW | US);
	assert_gpa(walk(WRITE), 0x40000000 | (VA2 & (4 * MiB - 1)), 2);
	assert_int_equal(ent(2), 0x40000000 | PS | P | RW | US | A | D);
}

/* PSE-36: PDE bits 20:13 supply physical bits 39:32 of a 4 MiB page. */
static void walk2_4m_pse36_bits_give_physical_bits_32_to_39(void **state)
{
	build(M32);
	gp.cr4 |= CR4_PSE;
	set_ent(2, 0x40000000 | (0xabULL << 13) | PS | P | RW | US);
	assert_gpa(walk(0), 0xab40000000ULL | (VA2 & (4 * MiB - 1)), 2);
}

/* PSE-36 bits for physical bits at or above maxphyaddr are reserved, and
 * bit 21 always is; the bits below maxphyaddr are not. */
static void walk2_4m_pde_bits_above_maxphyaddr_and_bit21_are_reserved(void **state)
{
	unsigned int bit;

	for (bit = 13; bit <= 21; bit++) {
		build(M32);
		gp.cr4 |= CR4_PSE;
		gp.maxphyaddr = 36; /* physical bits 35:32 = PDE bits 16:13 */
		set_ent(2, 0x40000000 | (1ULL << bit) | PS | P | RW | US);
		if (bit <= 16) {
			assert_int_equal(walk(0), 0);
			continue;
		}
		assert_fault(walk(USER), PRESENT | RSVD | USER, 2);
		assert_int_equal(ent(2) & A, 0);
	}
}

/* With maxphyaddr 32 every PSE-36 bit is reserved. */
static void walk2_4m_pse36_bits_all_reserved_with_maxphyaddr_32(void **state)
{
	build(M32);
	gp.cr4 |= CR4_PSE;
	gp.maxphyaddr = 32;
	set_ent(2, 0x40000000 | (1ULL << 13) | PS | P | RW | US);
	assert_fault(walk(0), PRESENT | RSVD, 2);
}

/* With CR4.PSE=0 the PS bit is ignored: the PDE still points to a page
 * table, and PS stays set with the A bit added. */
static void walk2_ps_without_pse_points_to_page_table(void **state)
{
	build(M32);
	change(2, 0, PS);
	assert_gpa(walk(0), DATA_GPA(VA2), 1);
	assert_int_equal(ent(2) & (PS | A), PS | A);
}

/* 4K PDEs and PTEs have no reserved bits: PAT, G and the available bits
 * may all be set. */
static void walk2_4k_entries_have_no_reserved_bits(void **state)
{
	build(M32);
	change(2, 0, 0xf00);
	change(1, 0, 0xf80);
	assert_gpa(walk(0), DATA_GPA(VA2), 1);
}

/* Not-present at each level: P clear in the error code, W/U as accessed,
 * the level where the walk stopped reported, no A bit set anywhere. */
static void walk2_not_present_at_each_level_faults_not_present(void **state)
{
	build(M32);
	change(1, P, 0);
	assert_fault(walk(WRITE | USER), WRITE | USER, 1);
	assert_int_equal(ent(2) & A, 0);

	build(M32);
	set_ent(2, 0);
	assert_fault(walk(0), 0, 2);
	assert_int_equal(w.entries[2], 0);
}

/* 32-bit paging has no NX: I/D is set on a fetch fault only under SMEP, and
 * EFER.NXE neither adds it nor makes bit 31 of anything special. */
static void walk2_fetch_fault_has_insn_bit_only_with_smep(void **state)
{
	build(M32);
	change(1, P, 0);
	gp.efer = EFER_NXE;
	assert_fault(walk(INSN | USER), USER, 1);
	gp.cr4 |= CR4_SMEP;
	assert_fault(walk(INSN | USER), INSN | USER, 1);
}

/* A PDE pointing outside guest RAM gives -SH_EIO, naming the frame. */
static void walk2_page_table_outside_ram_gives_eio(void **state)
{
	build(M32);
	set_ent(2, (0x5000ULL << 12) | P | RW | US);
	assert_int_equal(walk(0), -SH_EIO);
	assert_int_equal(w.leaf_level, 1);
	assert_int_equal(gfn_x(w.tables[1]), 0x5000);
	assert_int_equal(ent(2) & A, 0);
}

/* CR3 pointing outside guest RAM gives -SH_EIO at the top level. */
static void walk2_cr3_outside_ram_gives_eio(void **state)
{
	build(M32);
	gp.cr3 = 0xfffff000;
	assert_int_equal(walk(0), -SH_EIO);
	assert_int_equal(w.leaf_level, 2);
	assert_int_equal(gfn_x(w.tables[2]), 0xfffff);
}

/* ---------------------------------------------------------- PAE (3-level) */

/* A 4K page under PAE: A is set in the PDE and PTE, the PDPTE (which has
 * no A bit) is left exactly as it was. */
static void walk3_4k_read_translates_and_leaves_pdpte_untouched(void **state)
{
	u64 pdpte;

	build(MPAE);
	pdpte = ent(3);
	assert_gpa(walk(WRITE), DATA_GPA(VA3), 1);
	assert_int_equal(ent(3), pdpte);
	assert_int_equal(ent(2) & (A | D), A);
	assert_int_equal(ent(1) & (A | D), A | D);
	assert_int_equal(w.entries[3], pdpte);
	assert_int_equal(gfn_x(w.tables[3]), 1);
}

/* The PDPT is 32-byte aligned anywhere in its frame: CR3 bits 11:5 count. */
static void walk3_cr3_bits_11_to_5_locate_the_pdpt_in_its_frame(void **state)
{
	build(MPAE);
	/* Move the four PDPTEs to offset 0x60 of frame 5. */
	((u64 *)(ram + 5 * PAGE_SIZE))[0x60 / 8 + idx(VA3, 3)] = ent(3);
	set_ent(3, 0);
	gp.cr3 = (5 << 12) | 0x60 | 0x18 /* PWT, PCD */;
	assert_gpa(walk(0), DATA_GPA(VA3), 1);
	assert_int_equal(gfn_x(w.tables[3]), 5);
}

/* va bits 31:30 pick one of the four PDPTEs; bits above 31 are ignored. */
static void walk3_va_bits_31_30_pick_the_pdpte_and_upper_bits_are_ignored(void **state)
{
	build(MPAE);
	set_ent_at(1, 3, (6ULL << 12) | P);
	set_ent_at(6, 0, (7ULL << 12) | P | RW);
	set_ent_at(7, 0, (0x30ULL << 12) | P | RW);
	assert_gpa(walk_va(0xabcd0000c0000123ULL, 0), 0x30123, 1);
	assert_int_equal(w.entries[3], (6ULL << 12) | P);
}

/* A 2 MiB page under PAE: the gpa keeps the 21-bit offset; a write sets A
 * and D in the PDE. */
static void walk3_2m_page_translates_offset_and_sets_dirty(void **state)
{
	build(MPAE);
	set_ent(2, (3 * GiB + 6 * MiB) | PS | P | RW | US);
	assert_gpa(walk(WRITE), 3 * GiB + 6 * MiB + (VA3 & (2 * MiB - 1)), 2);
	assert_int_equal(ent(2) & (A | D), A | D);
}

/* PDE bits 20:13 of a 2 MiB page are reserved (bit 12 is PAT and is not). */
static void walk3_2m_page_bits_13_to_20_are_reserved(void **state)
{
	unsigned int bit;

	for (bit = 12; bit <= 20; bit++) {
		build(MPAE);
		set_ent(2, (2 * MiB) | (1ULL << bit) | PS | P | RW | US);
		if (bit == 12) {
			assert_gpa(walk(0), 2 * MiB + (VA3 & (2 * MiB - 1)), 2);
			continue;
		}
		assert_fault(walk(WRITE), PRESENT | RSVD | WRITE, 2);
	}
}

/* A not-present PDPTE faults not-present at level 3. */
static void walk3_not_present_pdpte_faults_not_present(void **state)
{
	build(MPAE);
	change(3, P, 0);
	assert_fault(walk(USER), USER, 3);
	assert_int_equal(ent(2) & A, 0);
}

/* PDPTE bits 2:1, 8:5, 63 and those from maxphyaddr up are reserved: a
 * reserved-bit #PF here (hardware would #GP at the CR3 load). */
/* PDPTE reserved bits are the load's business (#GP at MOV to CR3, SDM
 * 4.4.1): guest_pae_pdpte_valid refuses them, a walk never faults on them. */
static void walk3_pdpte_reserved_bits_are_checked_at_load_not_in_walks(void **state)
{
	static const unsigned int bits[] = { 1, 2, 5, 6, 7, 8, 40, 51, 52, 62, 63 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bits); i++) {
		build(MPAE);
		gp.efer = EFER_NXE; /* NXE does not make PDPTE bit 63 legal */
		assert_true(guest_pae_pdpte_valid(&gp, 0x1001));
		assert_false(guest_pae_pdpte_valid(&gp, 0x1001 | (1ULL << bits[i])));
		/* Not present: nothing else is looked at. */
		assert_true(guest_pae_pdpte_valid(&gp, 1ULL << bits[i]));
		if (bits[i] >= 12 && bits[i] < 52)
			continue; /* an address bit: the walk would go elsewhere */
		change(3, 0, 1ULL << bits[i]);
		assert_gpa(walk(0), DATA_GPA(VA3), 1);
	}
	/* PWT, PCD and the available bits 11:9 are fine. */
	build(MPAE);
	change(3, 0, 0xe18);
	assert_gpa(walk(0), DATA_GPA(VA3), 1);
}

/* Under PAE, bits 62:maxphyaddr of PDEs and PTEs are reserved (SDM tables
 * 4-9..4-11), not ignored as in 4-level paging. */
static void walk3_pde_and_pte_bits_52_to_62_are_reserved(void **state)
{
	unsigned int level;

	for (level = 1; level <= 2; level++) {
		build(MPAE);
		change(level, 0, 1ULL << 52);
		assert_fault(walk(0), PRESENT | RSVD, level);
		build(MPAE);
		change(level, 0, 1ULL << 62);
		assert_fault(walk(0), PRESENT | RSVD, level);
		build(MPAE);
		change(level, 0, 1ULL << 40); /* maxphyaddr is 40 */
		assert_fault(walk(0), PRESENT | RSVD, level);
	}
}

/* XD set while EFER.NXE=0 is a reserved bit in a PDE or PTE. */
static void walk3_xd_with_nxe_off_is_reserved(void **state)
{
	build(MPAE);
	change(1, 0, XD);
	assert_fault(walk(WRITE | USER), PRESENT | RSVD | WRITE | USER, 1);
	build(MPAE);
	change(2, 0, XD);
	assert_fault(walk(0), PRESENT | RSVD, 2);
	build(MPAE);
	gp.efer = EFER_NXE;
	change(2, 0, XD);
	assert_gpa(walk(0), DATA_GPA(VA3), 1);
}

/* The PDPTEs cached at the last CR3 load win over what memory holds now,
 * both ways. */
static void walk3_cached_pdptes_override_memory(void **state)
{
	u64 cached[4] = { 0 };

	build(MPAE);
	cached[idx(VA3, 3)] = ent(3);
	set_ent(3, 0);
	gp.pae_pdptes = cached;
	assert_gpa(walk(0), DATA_GPA(VA3), 1);
	assert_int_equal(ent(3), 0);
	assert_int_equal(cached[idx(VA3, 3)], (3ULL << 12) | P);

	build(MPAE);
	cached[idx(VA3, 3)] = 0;
	assert_fault(walk(0), 0, 3);
}

/* With cached PDPTEs, CR3 may point outside RAM: the PDPT is never read. */
static void walk3_cached_pdptes_need_no_pdpt_in_ram(void **state)
{
	u64 cached[4] = { 0 };

	build(MPAE);
	cached[idx(VA3, 3)] = ent(3);
	gp.pae_pdptes = cached;
	gp.cr3 = 0xffffe000;
	assert_gpa(walk(0), DATA_GPA(VA3), 1);
	gp.pae_pdptes = NULL;
	assert_int_equal(walk(0), -SH_EIO);
	assert_int_equal(w.leaf_level, 3);
}

/* ------------------------------------------------------------- 4-level */

/* A 4K page: gpa with offset, A in all four entries, no D on a read; each
 * table frame reported at its level. */
static void walk4_4k_read_translates_and_sets_accessed_at_every_level(void **state)
{
	unsigned int level;

	build(M64);
	assert_gpa(walk(0), DATA_GPA(VA4), 1);
	for (level = 1; level <= 4; level++) {
		assert_int_equal(ent(level) & (A | D), A);
		assert_int_equal(w.entries[level], ent(level));
		assert_int_equal(gfn_x(w.tables[level]), cur.table[level]);
	}
}

/* A write sets D in the PTE and nowhere else. */
static void walk4_write_sets_dirty_in_leaf_only(void **state)
{
	build(M64);
	assert_gpa(walk(WRITE | USER), DATA_GPA(VA4), 1);
	assert_int_equal(ent(4) & (A | D), A);
	assert_int_equal(ent(3) & (A | D), A);
	assert_int_equal(ent(2) & (A | D), A);
	assert_int_equal(ent(1) & (A | D), A | D);
}

/* set_ad=false translates without touching guest memory. */
static void walk4_without_set_ad_leaves_entries_untouched(void **state)
{
	unsigned int level;

	build(M64);
	assert_int_equal(guest_walk(&gp, &mem, _gva(VA4), WRITE, false, &w), 0);
	assert_int_equal(gpa_x(w.gpa), DATA_GPA(VA4));
	for (level = 1; level <= 4; level++)
		assert_int_equal(ent(level) & (A | D), 0);
}

/* Faults of every kind leave A and D alone at every level. */
static void walk4_faults_set_no_accessed_or_dirty_bits(void **state)
{
	unsigned int level, kind;

	for (kind = 0; kind < 3; kind++) {
		build(M64);
		if (kind == 0)
			change(1, P, 0);
		else if (kind == 1)
			change(1, 0, 1ULL << 45);
		else
			change(2, RW, 0);
		assert_int_equal(walk(WRITE | USER), -SH_EFAULT);
		for (level = 1; level <= 4; level++)
			assert_int_equal(ent(level) & (A | D), 0);
	}
}

/* Entries that already have A and D are not rewritten. */
static void walk4_entries_with_a_and_d_already_set_stay_as_they_are(void **state)
{
	unsigned int level;
	u64 before[5];

	build(M64);
	for (level = 1; level <= 4; level++) {
		change(level, 0, A | D);
		before[level] = ent(level);
	}
	assert_gpa(walk(WRITE), DATA_GPA(VA4), 1);
	for (level = 1; level <= 4; level++)
		assert_int_equal(ent(level), before[level]);
}

/* A 2 MiB page: offset within it kept, A/D set in the PDE on a write. */
static void walk4_2m_page_translates_offset_and_sets_dirty(void **state)
{
	build(M64);
	set_ent(2, (0x12ULL * GiB + 2 * MiB) | PS | P | RW | US);
	assert_gpa(walk(WRITE), 0x12ULL * GiB + 2 * MiB + (VA4 & (2 * MiB - 1)), 2);
	assert_int_equal(ent(2) & (A | D), A | D);
	assert_int_equal(ent(3) & (A | D), A);
}

/* A 1 GiB page where the guest has 1 GiB pages: leaf at level 3, 30-bit
 * offset kept, A/D set in the PDPTE on a write. */
static void walk4_1g_page_with_pdpe1gb_translates_offset(void **state)
{
	build(M64);
	gp.pdpe1gb = true;
	set_ent(3, (0x55ULL * GiB) | PS | P | RW | US);
	assert_gpa(walk(WRITE), 0x55ULL * GiB + (VA4 & (GiB - 1)), 3);
	assert_int_equal(ent(3) & (A | D), A | D);
	assert_int_equal(ent(4) & (A | D), A);
}

/* Without 1 GiB pages, PS in a PDPTE is a reserved bit. */
static void walk4_1g_page_without_pdpe1gb_faults_rsvd(void **state)
{
	build(M64);
	set_ent(3, (0x55ULL * GiB) | PS | P | RW | US);
	assert_fault(walk(USER), PRESENT | RSVD | USER, 3);
	assert_int_equal(ent(4) & A, 0);
}

/* PDPTE bits 29:13 of a 1 GiB page are reserved; bit 12 (PAT) is not. */
static void walk4_1g_page_bits_13_to_29_are_reserved(void **state)
{
	unsigned int bit;

	for (bit = 12; bit <= 29; bit++) {
		build(M64);
		gp.pdpe1gb = true;
		set_ent(3, GiB | (1ULL << bit) | PS | P | RW | US);
		if (bit == 12) {
			assert_gpa(walk(0), GiB + (VA4 & (GiB - 1)), 3);
			continue;
		}
		assert_fault(walk(0), PRESENT | RSVD, 3);
	}
}

/* PDE bits 20:13 of a 2 MiB page are reserved. */
static void walk4_2m_page_bits_13_to_20_are_reserved(void **state)
{
	unsigned int bit;

	for (bit = 13; bit <= 20; bit++) {
		build(M64);
		set_ent(2, (4 * MiB) | (1ULL << bit) | PS | P | RW | US);
		assert_fault(walk(INSN), PRESENT | RSVD, 2);
	}
}

/* PS in a PML4E is reserved, 1 GiB pages or not. */
static void walk4_ps_in_pml4e_is_reserved(void **state)
{
	build(M64);
	gp.pdpe1gb = true;
	change(4, 0, PS);
	assert_fault(walk(0), PRESENT | RSVD, 4);
}

/* An address bit at or above maxphyaddr (up to 51) is reserved at each
 * level; with maxphyaddr 52 there is none. */
static void walk4_address_bits_above_maxphyaddr_are_reserved_at_each_level(void **state)
{
	unsigned int level;

	for (level = 1; level <= 4; level++) {
		build(M64);
		gp.maxphyaddr = 36;
		change(level, 0, 1ULL << 36);
		assert_fault(walk(WRITE), PRESENT | RSVD | WRITE, level);
		build(M64);
		change(level, 0, 1ULL << 51);
		assert_fault(walk(0), PRESENT | RSVD, level);
	}
	build(M64);
	gp.maxphyaddr = 52;
	change(1, 0, 1ULL << 51);
	assert_gpa(walk(0), (1ULL << 51) | DATA_GPA(VA4), 1);
}

/* Bits 62:52 are ignored in 4-level entries and do not reach the gpa. */
static void walk4_bits_52_to_62_are_ignored(void **state)
{
	unsigned int level;

	build(M64);
	for (level = 1; level <= 4; level++)
		change(level, 0, 0x7ffULL << 52);
	assert_gpa(walk(0), DATA_GPA(VA4), 1);
}

/* XD with EFER.NXE=0 is a reserved bit at every level. */
static void walk4_xd_with_nxe_off_is_reserved_at_each_level(void **state)
{
	unsigned int level;

	for (level = 1; level <= 4; level++) {
		build(M64);
		change(level, 0, XD);
		assert_fault(walk(USER), PRESENT | RSVD | USER, level);
	}
}

/* Not-present at each level stops there, with P clear in the error code. */
static void walk4_not_present_at_each_level_stops_there(void **state)
{
	unsigned int level;

	for (level = 1; level <= 4; level++) {
		build(M64);
		set_ent(level, 0);
		assert_fault(walk(WRITE | USER), WRITE | USER, level);
		assert_int_equal(w.entries[level], 0);
	}
}

/* A not-present PTE wins over a U/S violation higher up: the rights are
 * judged only on a complete translation. */
static void walk4_not_present_beats_protection_at_a_higher_level(void **state)
{
	build(M64);
	change(4, US, 0);
	change(1, P, 0);
	assert_fault(walk(USER), USER, 1);
}

/* A reserved bit in the PTE wins over a U/S violation in the PML4E. */
static void walk4_reserved_bit_beats_protection_at_a_higher_level(void **state)
{
	build(M64);
	change(4, US, 0);
	change(1, 0, 1ULL << 44);
	assert_fault(walk(USER), PRESENT | RSVD | USER, 1);
}

/* Reserved-bit faults carry I/D for fetches when NXE or SMEP is on. */
static void walk4_rsvd_fault_on_fetch_carries_insn_bit(void **state)
{
	build(M64);
	gp.efer |= EFER_NXE;
	set_ent(2, (2 * MiB) | (1ULL << 14) | PS | P | RW | US);
	assert_fault(walk(INSN | USER), PRESENT | RSVD | INSN | USER, 2);
	gp.efer &= ~EFER_NXE;
	assert_fault(walk(INSN | USER), PRESENT | RSVD | USER, 2);
}

/* The walker looks at va bits 47:0 only: it does not check canonicality
 * (that is the instruction's #GP) and ignores bits 63:48. */
static void walk4_uses_va_bits_47_to_0_only(void **state)
{
	build(M64);
	assert_gpa(walk_va(VA4 | 0xabcd000000000000ULL, 0), DATA_GPA(VA4), 1);
}

/* CR3 bits 11:0 (PCID or PWT/PCD) are not part of the PML4 address. */
static void walk4_cr3_low_bits_are_not_address_bits(void **state)
{
	build(M64);
	gp.cr3 |= 0xfff;
	assert_gpa(walk(0), DATA_GPA(VA4), 1);
}

/* A PDPTE pointing outside RAM gives -SH_EIO at level 2 and sets no A. */
static void walk4_page_directory_outside_ram_gives_eio(void **state)
{
	build(M64);
	change(3, 0xfffffULL << 12, 0x4000ULL << 12);
	assert_int_equal(walk(0), -SH_EIO);
	assert_int_equal(w.leaf_level, 2);
	assert_int_equal(gfn_x(w.tables[2]), 0x4000);
	assert_int_equal(ent(4) & A, 0);
}

/* --------------------------------------- A/D updates racing the guest */

static unsigned int hook_fires;

/* On the first read of the page table, the "guest" sets an available bit in
 * its PML4E, after the walker has read it. */
static void guest_touches_pml4e_once(gfn_t gfn)
{
	if (gfn_x(gfn) == cur.table[1] && hook_fires++ == 0)
		change(4, 0, 1ULL << 9);
}

/* The compare-exchange notices the change: the walk is redone and the
 * guest's bit survives next to the A bit. */
static void walk4_ad_update_keeps_a_concurrent_guest_write(void **state)
{
	build(M64);
	hook_fires = 0;
	map_hook = guest_touches_pml4e_once;
	assert_gpa(walk(WRITE), DATA_GPA(VA4), 1);
	assert_int_equal(map_calls, 8); /* two walks */
	assert_int_equal(ent(4) & ((1ULL << 9) | A), (1ULL << 9) | A);
	assert_int_equal(ent(1) & (A | D), A | D);
}

/* On the first read of the page table, the "guest" unmaps the PDE. */
static void guest_clears_pde_once(gfn_t gfn)
{
	if (gfn_x(gfn) == cur.table[1] && hook_fires++ == 0)
		change(2, P, 0);
}

/* An entry made not-present during the walk: the redone walk faults, and
 * the cleared PDE gets no A bit. */
static void walk4_entry_cleared_during_walk_faults_on_the_redo(void **state)
{
	build(M64);
	hook_fires = 0;
	map_hook = guest_clears_pde_once;
	assert_fault(walk(0), 0, 2);
	assert_int_equal(ent(2) & (A | P), 0);
	assert_int_equal(ent(1) & A, 0);
}

/* On every read of the page table, the "guest" flips an available bit in
 * its PML4E. */
static void guest_flips_pml4e_always(gfn_t gfn)
{
	if (gfn_x(gfn) == cur.table[1]) {
		set_ent(4, ent(4) ^ (1ULL << 9));
		hook_fires++;
	}
}

/* A guest that never stops changing its tables cannot hold the walker: after
 * eight walks the last translation stands, its A/D update abandoned at the
 * first entry that changed. */
static void walk4_ad_retries_are_bounded(void **state)
{
	build(M64);
	hook_fires = 0;
	map_hook = guest_flips_pml4e_always;
	assert_gpa(walk(0), DATA_GPA(VA4), 1);
	assert_int_equal(hook_fires, 8);
	assert_int_equal(map_calls, 8 * 4);
	assert_int_equal(ent(4) & A, 0);
}

/* ------------------------------------------------ the permission matrix */

/* One access under one set of rights, run in every mode where its levels
 * exist. A level of 0 means "none"; 3 is the 4-level PDPTE (the PAE PDPTE
 * has no rights), 4 the PML4E. */
struct perm_case {
	const char *what;
	u8 no_us, no_rw, xd; /* level with U/S=0, R/W=0, XD=1 */
	bool wp, nxe, smep, smap, ac;
	u32 access;
	u32 pfec; /* 0: the access succeeds */
};

static const struct perm_case perm_cases[] = {
	/* U/S */
	{ "user read of user page", 0, 0, 0, 0, 0, 0, 0, 0, USER, 0 },
	{ "user read, PTE supervisor", 1, 0, 0, 0, 0, 0, 0, 0, USER, PRESENT | USER },
	{ "user read, PDE supervisor", 2, 0, 0, 0, 0, 0, 0, 0, USER, PRESENT | USER },
	{ "user read, PDPTE supervisor", 3, 0, 0, 0, 0, 0, 0, 0, USER, PRESENT | USER },
	{ "user read, PML4E supervisor", 4, 0, 0, 0, 0, 0, 0, 0, USER, PRESENT | USER },
	{ "user write, PDE supervisor", 2, 0, 0, 1, 0, 0, 0, 0, WRITE | USER, PRESENT | WRITE | USER },
	{ "supervisor read, PTE supervisor", 1, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "supervisor write, PDE supervisor", 2, 0, 0, 1, 0, 0, 0, 0, WRITE, 0 },
	/* R/W, user */
	{ "user write, all writable", 0, 0, 0, 1, 0, 0, 0, 0, WRITE | USER, 0 },
	{ "user write, PTE read-only, WP=0", 0, 1, 0, 0, 0, 0, 0, 0, WRITE | USER, PRESENT | WRITE | USER },
	{ "user write, PTE read-only, WP=1", 0, 1, 0, 1, 0, 0, 0, 0, WRITE | USER, PRESENT | WRITE | USER },
	{ "user write, PDE read-only, WP=0", 0, 2, 0, 0, 0, 0, 0, 0, WRITE | USER, PRESENT | WRITE | USER },
	{ "user write, PDPTE read-only", 0, 3, 0, 0, 0, 0, 0, 0, WRITE | USER, PRESENT | WRITE | USER },
	{ "user write, PML4E read-only", 0, 4, 0, 1, 0, 0, 0, 0, WRITE | USER, PRESENT | WRITE | USER },
	{ "user read, PTE read-only", 0, 1, 0, 1, 0, 0, 0, 0, USER, 0 },
	/* R/W, supervisor */
	{ "supervisor write, PTE read-only, WP=0", 0, 1, 0, 0, 0, 0, 0, 0, WRITE, 0 },
	{ "supervisor write, PTE read-only, WP=1", 0, 1, 0, 1, 0, 0, 0, 0, WRITE, PRESENT | WRITE },
	{ "supervisor write, PDE read-only, WP=0", 0, 2, 0, 0, 0, 0, 0, 0, WRITE, 0 },
	{ "supervisor write, PDE read-only, WP=1", 0, 2, 0, 1, 0, 0, 0, 0, WRITE, PRESENT | WRITE },
	{ "supervisor write, PDPTE read-only, WP=1", 0, 3, 0, 1, 0, 0, 0, 0, WRITE, PRESENT | WRITE },
	{ "supervisor write, PML4E read-only, WP=0", 0, 4, 0, 0, 0, 0, 0, 0, WRITE, 0 },
	{ "supervisor write, PML4E read-only, WP=1", 0, 4, 0, 1, 0, 0, 0, 0, WRITE, PRESENT | WRITE },
	{ "supervisor fetch, PTE read-only, WP=1", 0, 1, 0, 1, 0, 0, 0, 0, INSN, 0 },
	/* NX */
	{ "user fetch, no XD, NXE=1", 0, 0, 0, 0, 1, 0, 0, 0, INSN | USER, 0 },
	{ "user fetch, no XD, NXE=0", 0, 0, 0, 0, 0, 0, 0, 0, INSN | USER, 0 },
	{ "user fetch, PTE XD, NXE=1", 0, 0, 1, 0, 1, 0, 0, 0, INSN | USER, PRESENT | INSN | USER },
	{ "user fetch, PDE XD, NXE=1", 0, 0, 2, 0, 1, 0, 0, 0, INSN | USER, PRESENT | INSN | USER },
	{ "supervisor fetch, PDPTE XD, NXE=1", 0, 0, 3, 0, 1, 0, 0, 0, INSN, PRESENT | INSN },
	{ "supervisor fetch, PML4E XD, NXE=1", 0, 0, 4, 0, 1, 0, 0, 0, INSN, PRESENT | INSN },
	{ "user read, PTE XD, NXE=1", 0, 0, 1, 0, 1, 0, 0, 0, USER, 0 },
	{ "supervisor write, PDE XD, NXE=1", 0, 0, 2, 1, 1, 0, 0, 0, WRITE, 0 },
	{ "user fetch, PTE XD, NXE=0", 0, 0, 1, 0, 0, 0, 0, 0, INSN | USER, PRESENT | RSVD | USER },
	{ "supervisor read, PDE XD, NXE=0", 0, 0, 2, 0, 0, 0, 0, 0, 0, PRESENT | RSVD },
	{ "user fetch, PTE supervisor, NXE=0", 1, 0, 0, 0, 0, 0, 0, 0, INSN | USER, PRESENT | USER },
	{ "user fetch, PTE supervisor, NXE=1", 1, 0, 0, 0, 1, 0, 0, 0, INSN | USER, PRESENT | INSN | USER },
	/* SMEP */
	{ "supervisor fetch of user page, SMEP", 0, 0, 0, 0, 0, 1, 0, 0, INSN, PRESENT | INSN },
	{ "supervisor fetch of user page, no SMEP", 0, 0, 0, 0, 0, 0, 0, 0, INSN, 0 },
	{ "supervisor fetch, PDE supervisor, SMEP", 2, 0, 0, 0, 0, 1, 0, 0, INSN, 0 },
	{ "supervisor fetch, PML4E supervisor, SMEP", 4, 0, 0, 0, 0, 1, 0, 0, INSN, 0 },
	{ "supervisor read of user page, SMEP", 0, 0, 0, 0, 0, 1, 0, 0, 0, 0 },
	{ "user fetch of user page, SMEP", 0, 0, 0, 0, 0, 1, 0, 0, INSN | USER, 0 },
	{ "user fetch, PTE supervisor, SMEP", 1, 0, 0, 0, 0, 1, 0, 0, INSN | USER, PRESENT | INSN | USER },
	/* SMAP */
	{ "supervisor read of user page, SMAP, AC=0", 0, 0, 0, 0, 0, 0, 1, 0, 0, PRESENT },
	{ "supervisor write of user page, SMAP, AC=0", 0, 0, 0, 1, 0, 0, 1, 0, WRITE, PRESENT | WRITE },
	{ "supervisor read of user page, SMAP, AC=1", 0, 0, 0, 0, 0, 0, 1, 1, 0, 0 },
	{ "supervisor write of user page, SMAP, AC=1", 0, 0, 0, 1, 0, 0, 1, 1, WRITE, 0 },
	{ "supervisor read, PTE supervisor, SMAP, AC=0", 1, 0, 0, 0, 0, 0, 1, 0, 0, 0 },
	{ "supervisor read, PML4E supervisor, SMAP, AC=0", 4, 0, 0, 0, 0, 0, 1, 0, 0, 0 },
	{ "supervisor fetch of user page, SMAP, AC=0", 0, 0, 0, 0, 0, 0, 1, 0, INSN, 0 },
	{ "user read of user page, SMAP, AC=0", 0, 0, 0, 0, 0, 0, 1, 0, USER, 0 },
	{ "supervisor write, read-only user page, SMAP, AC=1, WP=0", 0, 1, 0, 0, 0, 0, 1, 1, WRITE, 0 },
	{ "supervisor write, read-only user page, SMAP, AC=1, WP=1", 0, 1, 0, 1, 0, 0, 1, 1, WRITE, PRESENT | WRITE },
	{ "supervisor write, read-only user page, SMAP, AC=0, WP=0", 0, 1, 0, 0, 0, 0, 1, 0, WRITE, PRESENT | WRITE },
	{ "supervisor fetch of user page, SMEP and SMAP, AC=1", 0, 0, 0, 0, 0, 1, 1, 1, INSN, PRESENT | INSN },
};

/* Does the case make sense in 'mode'? Its levels must carry rights there,
 * and XD/NXE do not exist in 32-bit paging. */
static bool perm_case_applies(const struct perm_case *c, enum mode mode)
{
	unsigned int levels = mode == M32 ? 2 : mode == MPAE ? 3 : 4;
	u8 lv[3] = { c->no_us, c->no_rw, c->xd };
	unsigned int i;

	if (mode == M32 && (c->xd || c->nxe))
		return false;
	for (i = 0; i < 3; i++) {
		if (lv[i] > levels || (mode == MPAE && lv[i] == 3))
			return false;
	}
	return true;
}

/* Every case of the table, in every mode it applies to: the exact error
 * code, and A bits set exactly when the access succeeds. */
static void walk_permission_matrix_matches_the_sdm_in_every_mode(void **state)
{
	unsigned int i, runs = 0;
	enum mode mode;
	int rc;

	for (i = 0; i < ARRAY_SIZE(perm_cases); i++) {
		const struct perm_case *c = &perm_cases[i];

		for (mode = M32; mode <= M64; mode++) {
			if (!perm_case_applies(c, mode))
				continue;
			memset(ram, 0, NR_FRAMES * PAGE_SIZE);
			memset(&gp, 0, sizeof(gp));
			build(mode);
			if (c->no_us)
				change(c->no_us, US, 0);
			if (c->no_rw)
				change(c->no_rw, RW, 0);
			if (c->xd)
				change(c->xd, 0, XD);
			gp.cr0 |= c->wp ? CR0_WP : 0;
			gp.efer |= c->nxe ? EFER_NXE : 0;
			gp.cr4 |= (c->smep ? CR4_SMEP : 0) | (c->smap ? CR4_SMAP : 0);
			gp.rflags = c->ac ? AC : 0;
			rc = walk(c->access);
			runs++;
			if (c->pfec == 0 && (rc != 0 || gpa_x(w.gpa) != DATA_GPA(cur.va)))
				fail_msg("%s (%s): rc %d pfec %#x, expected success",
					 c->what, mode_name[mode], rc, w.pfec);
			if (c->pfec != 0 && (rc != -SH_EFAULT || w.pfec != c->pfec))
				fail_msg("%s (%s): rc %d pfec %#x, expected pfec %#x",
					 c->what, mode_name[mode], rc, w.pfec, c->pfec);
			if (!!(ent(1) & A) != (c->pfec == 0))
				fail_msg("%s (%s): PTE A bit %s", c->what, mode_name[mode],
					 ent(1) & A ? "set on a fault" : "not set");
		}
	}
	assert_true(runs > 2 * ARRAY_SIZE(perm_cases));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(paging_levels_follow_pg_pae_and_lma),
		T(unpaged_gpa_is_va_truncated_to_32_bits_and_never_faults),
		T(walk2_4k_read_translates_and_sets_accessed_only),
		T(walk2_write_sets_dirty_in_pte_not_pde),
		T(walk2_ignores_va_bits_above_31),
		T(walk2_4m_page_with_pse_translates_offset_and_sets_dirty),
		T(walk2_4m_pse36_bits_give_physical_bits_32_to_39),
		T(walk2_4m_pde_bits_above_maxphyaddr_and_bit21_are_reserved),
		T(walk2_4m_pse36_bits_all_reserved_with_maxphyaddr_32),
		T(walk2_ps_without_pse_points_to_page_table),
		T(walk2_4k_entries_have_no_reserved_bits),
		T(walk2_not_present_at_each_level_faults_not_present),
		T(walk2_fetch_fault_has_insn_bit_only_with_smep),
		T(walk2_page_table_outside_ram_gives_eio),
		T(walk2_cr3_outside_ram_gives_eio),
		T(walk3_4k_read_translates_and_leaves_pdpte_untouched),
		T(walk3_cr3_bits_11_to_5_locate_the_pdpt_in_its_frame),
		T(walk3_va_bits_31_30_pick_the_pdpte_and_upper_bits_are_ignored),
		T(walk3_2m_page_translates_offset_and_sets_dirty),
		T(walk3_2m_page_bits_13_to_20_are_reserved),
		T(walk3_not_present_pdpte_faults_not_present),
		T(walk3_pdpte_reserved_bits_are_checked_at_load_not_in_walks),
		T(walk3_pde_and_pte_bits_52_to_62_are_reserved),
		T(walk3_xd_with_nxe_off_is_reserved),
		T(walk3_cached_pdptes_override_memory),
		T(walk3_cached_pdptes_need_no_pdpt_in_ram),
		T(walk4_4k_read_translates_and_sets_accessed_at_every_level),
		T(walk4_write_sets_dirty_in_leaf_only),
		T(walk4_without_set_ad_leaves_entries_untouched),
		T(walk4_faults_set_no_accessed_or_dirty_bits),
		T(walk4_entries_with_a_and_d_already_set_stay_as_they_are),
		T(walk4_2m_page_translates_offset_and_sets_dirty),
		T(walk4_1g_page_with_pdpe1gb_translates_offset),
		T(walk4_1g_page_without_pdpe1gb_faults_rsvd),
		T(walk4_1g_page_bits_13_to_29_are_reserved),
		T(walk4_2m_page_bits_13_to_20_are_reserved),
		T(walk4_ps_in_pml4e_is_reserved),
		T(walk4_address_bits_above_maxphyaddr_are_reserved_at_each_level),
		T(walk4_bits_52_to_62_are_ignored),
		T(walk4_xd_with_nxe_off_is_reserved_at_each_level),
		T(walk4_not_present_at_each_level_stops_there),
		T(walk4_not_present_beats_protection_at_a_higher_level),
		T(walk4_reserved_bit_beats_protection_at_a_higher_level),
		T(walk4_rsvd_fault_on_fetch_carries_insn_bit),
		T(walk4_uses_va_bits_47_to_0_only),
		T(walk4_cr3_low_bits_are_not_address_bits),
		T(walk4_page_directory_outside_ram_gives_eio),
		T(walk4_ad_update_keeps_a_concurrent_guest_write),
		T(walk4_entry_cleared_during_walk_faults_on_the_redo),
		T(walk4_ad_retries_are_bounded),
		T(walk_permission_matrix_matches_the_sdm_in_every_mode),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
