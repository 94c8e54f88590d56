/* SPDX-License-Identifier: MIT */
/*
 * The physical-to-machine map: per domain, guest frame -> machine frame,
 * with a type and an order (4K, 2M, 1G). The table is in x86-64 long-mode
 * page-table format so that it serves directly as the NPT root (nCR3); the
 * type of every entry lives in software-available bits, so non-present
 * entries (MMIO, populate-on-demand, invalid) still carry it.
 * Runs: host root mode and host unit tests (against a fake arena).
 *
 * Changes that allocate are two-step inside p2m_set_entry: every table the
 * change needs is allocated first (may fail: then nothing has changed), and
 * only then is the map modified (cannot fail).
 *
 * Locking: p2m->lock guards the table and the counters; every function here
 * takes it, so callers need not.
 */
#ifndef SHALE_P2M_H
#define SHALE_P2M_H

#include <shale/spinlock.h>
#include <shale/types.h>

enum p2m_type {
	p2m_invalid = 0, /* nothing there: an access is a guest error */
	p2m_ram_rw,      /* guest RAM */
	p2m_ram_ro,      /* guest RAM the guest may read but not write */
	p2m_rom,         /* read-only image (option ROMs, the VMI ROM) */
	p2m_mmio,        /* emulated MMIO: every access goes to a device model */
	p2m_pod,         /* populate-on-demand: backed on first touch */
	p2m_nr_types
};

#define P2M_ORDER_4K 0
#define P2M_ORDER_2M 9
#define P2M_ORDER_1G 18

/* Guest-physical address width the p2m covers (4-level NPT: 48 bits). */
#define P2M_MAX_GFN ((1ULL << (48 - PAGE_SHIFT)) - 1)

struct p2m {
	spinlock_t lock;
	mfn_t root;                 /* the PML4: NPT's nCR3 */
	u64 table_pages;            /* page-table pages held, root included */
	u64 leaves[3];              /* entries of order 4K/2M/1G, any type
				     * other than p2m_invalid */
	u64 frames[p2m_nr_types];   /* 4 KiB frames covered, by type */
	u64 splits;                 /* superpages split into smaller entries */
};

struct p2m_entry {
	mfn_t mfn;          /* machine frame of exactly the gfn asked for;
			     * INVALID_MFN for types without backing */
	enum p2m_type type;
	unsigned int order; /* order of the entry that maps the gfn */
};

/* Allocates an empty root. Returns 0 or -SH_ENOMEM. */
int p2m_init(struct p2m *p);

/* Frees every table page (not the frames the map points at). */
void p2m_fini(struct p2m *p);

/* Maps [gfn, gfn + 2^order) to [mfn, mfn + 2^order) with type t. gfn and
 * mfn must be aligned to the order (mfn is ignored, pass INVALID_MFN, for
 * types without backing: p2m_invalid, p2m_mmio, p2m_pod). A superpage that
 * covers part of the range is split first; smaller entries that the new
 * entry covers are replaced (their tables freed). Returns 0, -SH_EINVAL for
 * a bad order/alignment/gfn, or -SH_ENOMEM with the map unchanged. */
int p2m_set_entry(struct p2m *p, gfn_t gfn, mfn_t mfn, unsigned int order,
		  enum p2m_type t);

/* Looks up one guest frame. Never fails: an unmapped gfn is p2m_invalid
 * with the order of the largest empty region around it (4K/2M/1G). */
struct p2m_entry p2m_get_entry(struct p2m *p, gfn_t gfn);

/* Checks every invariant of the table (entry formats, type bits, present
 * bits matching types, alignment of superpages, counters equal to a
 * recount). Returns 0, or -SH_EINVAL after printing the first violation. */
int p2m_audit(struct p2m *p);

/* Calls fn for each mapped region (type != p2m_invalid) in gfn order,
 * one call per entry: first gfn, mfn (INVALID_MFN without backing), order,
 * type. Stops early when fn returns non-zero and returns that value. */
int p2m_for_each(struct p2m *p,
		 int (*fn)(gfn_t gfn, mfn_t mfn, unsigned int order,
			   enum p2m_type t, void *arg),
		 void *arg);

const char *p2m_type_name(enum p2m_type t);

#endif /* SHALE_P2M_H */
