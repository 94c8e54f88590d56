/* SPDX-License-Identifier: MIT */
/*
 * The small-object allocator (shale/xmalloc.h): power-of-two size classes
 * from 16 bytes to 2 KiB carved from single frames, and naturally aligned
 * frame blocks for anything larger.
 * Runs: host root mode and host unit tests (against a fake arena).
 *
 * A slab page starts with a 64-byte header (so no small object is ever
 * page-aligned, which is how xfree tells the two kinds apart), followed by
 * objects of one class. Free objects hold the page offset of the next free
 * one. The frame's frame_info.user records what the frame is (a slab of
 * class c, or a large block of order n), so xfree can check a pointer
 * against the frame allocator's metadata before trusting the page.
 */
#include <shale/bug.h>
#include <shale/frames.h>
#include <shale/spinlock.h>
#include <shale/string.h>
#include <shale/xmalloc.h>

#define XM_MIN_SHIFT 4     /* smallest class: 16 bytes */
#define XM_CLASSES 8       /* 16, 32, ..., 2048 */
#define XM_MAX_SMALL (1UL << (XM_MIN_SHIFT + XM_CLASSES - 1))
#define XM_HDR 64          /* bytes reserved for struct slab */
#define XM_MAGIC 0x4c534d58u /* "XMSL" */

/* frame_info.user tags: kind in the high byte, class or order in the low. */
#define XM_USER_SLAB 0x5300
#define XM_USER_LARGE 0x4c00

struct slab {
	u32 magic;         /* XM_MAGIC while the page is a live slab */
	u8 cls;            /* object size is 16 << cls */
	u8 pad0;
	u16 nr_objs;       /* objects in this page */
	u16 nr_free;       /* objects on the free list */
	u16 free_off;      /* page offset of the first free object, 0: none */
	u32 pad1;
	struct slab *next; /* partial list of this class (nr_free > 0) */
	struct slab *prev;
	u64 used[4];       /* one bit per object: handed out */
};
BUILD_BUG_ON(sizeof(struct slab) > XM_HDR);
BUILD_BUG_ON((PAGE_SIZE - XM_HDR) / (1UL << XM_MIN_SHIFT) > 4 * 64);

/* Lock order: taken before machine_frames.lock (shale/lock-order.h). */
static spinlock_t xmalloc_lock = SPINLOCK_INIT;
/* Guarded by xmalloc_lock. */
static struct slab *partial[XM_CLASSES];
static struct xmalloc_stats stats;

/* As BUG_ON, with xmalloc_lock dropped first (see buddy.c). */
#define BUG_ON_LOCKED(cond)                                                    \
	do {                                                                   \
		if (unlikely(cond)) {                                          \
			spin_unlock(&xmalloc_lock);                            \
			bug_fail(__FILE__, __LINE__, #cond);                   \
		}                                                              \
	} while (0)

static unsigned int size_class(size_t size)
{
	unsigned int cls = 0;

	while ((1UL << (XM_MIN_SHIFT + cls)) < size)
		cls++;
	return cls;
}

static void partial_push(struct slab *s)
{
	s->prev = NULL;
	s->next = partial[s->cls];
	if (s->next)
		s->next->prev = s;
	partial[s->cls] = s;
}

static void partial_remove(struct slab *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		partial[s->cls] = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->next = s->prev = NULL;
}

/* A fresh slab page of class 'cls' with every object free, or NULL.
 * Caller holds xmalloc_lock. */
static struct slab *slab_new(unsigned int cls)
{
	unsigned int shift = XM_MIN_SHIFT + cls, k;
	mfn_t m = alloc_frames(0);
	struct slab *s;

	if (mfn_eq(m, INVALID_MFN))
		return NULL;
	buddy_frame(&machine_frames, m)->user = XM_USER_SLAB | cls;
	s = mfn_to_virt(m);
	memset(s, 0, XM_HDR);
	s->magic = XM_MAGIC;
	s->cls = cls;
	s->nr_objs = (PAGE_SIZE - XM_HDR) >> shift;
	s->nr_free = s->nr_objs;
	/* Thread the list so the lowest object is handed out first. */
	for (k = s->nr_objs; k-- > 0;) {
		u16 off = XM_HDR + (k << shift);

		*(u16 *)((char *)s + off) = s->free_off;
		s->free_off = off;
	}
	stats.pages_in_use++;
	return s;
}

static void *xmalloc_small(size_t size)
{
	unsigned int cls = size_class(size), k;
	struct slab *s;
	char *obj;

	spin_lock(&xmalloc_lock);
	s = partial[cls];
	if (!s) {
		s = slab_new(cls);
		if (!s) {
			spin_unlock(&xmalloc_lock);
			return NULL;
		}
		partial_push(s);
	}
	obj = (char *)s + s->free_off;
	s->free_off = *(u16 *)obj;
	k = (unsigned int)((obj - (char *)s) - XM_HDR) >> (XM_MIN_SHIFT + cls);
	s->used[k / 64] |= 1ULL << (k % 64);
	if (--s->nr_free == 0)
		partial_remove(s);
	stats.bytes_in_use += 1UL << (XM_MIN_SHIFT + cls);
	stats.allocations++;
	spin_unlock(&xmalloc_lock);
	return obj;
}

static void *xmalloc_large(size_t size)
{
	unsigned int order = 0;
	mfn_t m;

	while ((PAGE_SIZE << order) < size)
		if (++order > BUDDY_MAX_ORDER)
			return NULL;
	m = alloc_frames(order);
	if (mfn_eq(m, INVALID_MFN))
		return NULL;
	buddy_frame(&machine_frames, m)->user = XM_USER_LARGE | order;
	spin_lock(&xmalloc_lock);
	stats.bytes_in_use += PAGE_SIZE << order;
	stats.pages_in_use += 1ULL << order;
	stats.allocations++;
	spin_unlock(&xmalloc_lock);
	return mfn_to_virt(m);
}

void *xmalloc(size_t size)
{
	if (!size)
		return NULL;
	return size <= XM_MAX_SMALL ? xmalloc_small(size) : xmalloc_large(size);
}

void *xzalloc(size_t size)
{
	void *p = xmalloc(size);

	if (p)
		memset(p, 0, size);
	return p;
}

void *xzalloc_array(size_t n, size_t size)
{
	if (size && n > (size_t)-1 / size)
		return NULL;
	return xzalloc(n * size);
}

/* Frees a block from xmalloc_large: the head frame must be tagged as one. */
static void xfree_large(mfn_t m, struct frame_info *fi)
{
	unsigned int order = fi->order;

	BUG_ON(fi->state != FRAME_USED_HEAD);
	BUG_ON(fi->user != (XM_USER_LARGE | order));
	fi->user = 0;
	free_frames(m, order);
	spin_lock(&xmalloc_lock);
	stats.bytes_in_use -= PAGE_SIZE << order;
	stats.pages_in_use -= 1ULL << order;
	stats.allocations--;
	spin_unlock(&xmalloc_lock);
}

/* Frees an object of a slab page after checking the page is a live slab
 * (frame tag, magic), the offset is an object boundary and the object is
 * handed out. An emptied page goes back to the frame allocator. */
static void xfree_small(mfn_t m, struct frame_info *fi, struct slab *s,
			unsigned long off)
{
	unsigned int shift, k;

	spin_lock(&xmalloc_lock);
	BUG_ON_LOCKED(fi->state != FRAME_USED_HEAD || fi->order != 0);
	BUG_ON_LOCKED((fi->user & 0xff00) != XM_USER_SLAB);
	BUG_ON_LOCKED(s->magic != XM_MAGIC || s->cls != (fi->user & 0xff));
	shift = XM_MIN_SHIFT + s->cls;
	BUG_ON_LOCKED(off < XM_HDR || ((off - XM_HDR) & ((1UL << shift) - 1)));
	k = (unsigned int)(off - XM_HDR) >> shift;
	BUG_ON_LOCKED(k >= s->nr_objs);
	BUG_ON_LOCKED(!(s->used[k / 64] & (1ULL << (k % 64)))); /* double free */

	s->used[k / 64] &= ~(1ULL << (k % 64));
	*(u16 *)((char *)s + off) = s->free_off;
	s->free_off = (u16)off;
	if (++s->nr_free == 1)
		partial_push(s);
	stats.bytes_in_use -= 1UL << shift;
	stats.allocations--;
	if (s->nr_free == s->nr_objs) {
		partial_remove(s);
		s->magic = 0;
		fi->user = 0;
		free_frames(m, 0);
		stats.pages_in_use--;
	}
	spin_unlock(&xmalloc_lock);
}

void xfree(void *p)
{
	unsigned long off = (unsigned long)p & (PAGE_SIZE - 1);
	char *page = (char *)p - off;
	struct frame_info *fi;
	mfn_t m;

	if (!p)
		return;
	m = virt_to_mfn(page);
	fi = buddy_frame(&machine_frames, m);
	BUG_ON(!fi);
	if (off == 0)
		xfree_large(m, fi);
	else
		xfree_small(m, fi, (struct slab *)page, off);
}

void xmalloc_get_stats(struct xmalloc_stats *out)
{
	spin_lock(&xmalloc_lock);
	*out = stats;
	spin_unlock(&xmalloc_lock);
}
