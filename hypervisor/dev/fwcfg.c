/* SPDX-License-Identifier: MIT */
/*
 * The fw_cfg device model (see shale/fwcfg.h): a table of read-only items,
 * a file directory kept sorted by name, and the selector/data port pair.
 * Runs: host root mode and host unit tests.
 * Behaviour: QEMU docs/specs/fw_cfg.rst.
 */
#include <shale/compiler.h>
#include <shale/errno.h>
#include <shale/fwcfg.h>
#include <shale/string.h>

/* Only the entry bits name an item; the write-channel bit does not
 * (QEMU's FW_CFG_ENTRY_MASK keeps the arch-local bit, drops this one). */
#define KEY_MASK ((u16) ~FW_CFG_WRITE_CHANNEL)

static const char signature[4] = { 'Q', 'E', 'M', 'U' };

static void put_be32(u8 *p, u32 v)
{
	p[0] = (u8)(v >> 24);
	p[1] = (u8)(v >> 16);
	p[2] = (u8)(v >> 8);
	p[3] = (u8)v;
}

static void put_be16(u8 *p, u16 v)
{
	p[0] = (u8)(v >> 8);
	p[1] = (u8)v;
}

static int find(const struct fwcfg *f, u16 key)
{
	for (unsigned int i = 0; i < f->nr_items; i++)
		if (f->items[i].key == key)
			return (int)i;
	return FWCFG_CUR_NONE;
}

static bool is_file_key(u16 key)
{
	if (key & FW_CFG_ARCH_LOCAL)
		return false;
	return key == FW_CFG_FILE_DIR || key >= FW_CFG_FILE_FIRST;
}

/* The slot for key: its current item, or a new one. NULL when full. */
static struct fwcfg_item *slot(struct fwcfg *f, u16 key)
{
	int i = find(f, key);

	if (i >= 0)
		return &f->items[i];
	if (f->nr_items == FWCFG_MAX_ITEMS)
		return NULL;
	f->items[f->nr_items] = (struct fwcfg_item){ .key = key };
	return &f->items[f->nr_items++];
}

static int add_fixed(struct fwcfg *f, u16 key, const void *data, u32 len,
		     u64 val)
{
	struct fwcfg_item *it;

	if ((key & FW_CFG_WRITE_CHANNEL) || is_file_key(key))
		return -SH_EINVAL;
	it = slot(f, key);
	if (!it)
		return -SH_ENOSPC;
	it->len = len;
	it->data = data;
	for (unsigned int i = 0; i < sizeof(it->value); i++)
		it->value[i] = (u8)(val >> (8 * i));
	return 0;
}

int fwcfg_add_u16(struct fwcfg *f, u16 key, u16 val)
{
	return add_fixed(f, key, NULL, sizeof(val), val);
}

int fwcfg_add_u32(struct fwcfg *f, u16 key, u32 val)
{
	return add_fixed(f, key, NULL, sizeof(val), val);
}

int fwcfg_add_u64(struct fwcfg *f, u16 key, u64 val)
{
	return add_fixed(f, key, NULL, sizeof(val), val);
}

int fwcfg_add_bytes(struct fwcfg *f, u16 key, const void *data, u32 len)
{
	if (!data && len)
		return -SH_EINVAL;
	return add_fixed(f, key, data, len, 0);
}

void fwcfg_init(struct fwcfg *f)
{
	memset(f, 0, sizeof(*f));
	fwcfg_add_bytes(f, FW_CFG_SIGNATURE, signature, sizeof(signature));
	fwcfg_add_u32(f, FW_CFG_ID, FW_CFG_VERSION);
	f->cur = find(f, FW_CFG_SIGNATURE);
}

/* The name in directory entry i. */
static const char *dirent_name(const struct fwcfg *f, unsigned int i)
{
	return (const char *)&f->dir[4 + i * FWCFG_DIRENT_SIZE + 8];
}

int fwcfg_add_file(struct fwcfg *f, const char *name, const void *data,
		   u32 len)
{
	size_t n = strnlen(name, FWCFG_NAME_MAX);
	unsigned int pos;
	u16 key;
	u8 *e;

	if (n == 0 || n == FWCFG_NAME_MAX || (!data && len))
		return -SH_EINVAL;
	for (pos = 0; pos < f->nr_files; pos++) {
		int c = strcmp(name, dirent_name(f, pos));

		if (c == 0)
			return -SH_EEXIST;
		if (c < 0)
			break;
	}
	if (f->nr_files == FWCFG_MAX_FILES || f->nr_items == FWCFG_MAX_ITEMS)
		return -SH_ENOSPC;

	key = (u16)(FW_CFG_FILE_FIRST + f->nr_files);
	f->items[f->nr_items++] =
		(struct fwcfg_item){ .key = key, .len = len, .data = data };

	/* Keep the directory sorted, as QEMU does: open a hole at pos. */
	e = &f->dir[4 + pos * FWCFG_DIRENT_SIZE];
	memmove(e + FWCFG_DIRENT_SIZE, e,
		(f->nr_files - pos) * FWCFG_DIRENT_SIZE);
	memset(e, 0, FWCFG_DIRENT_SIZE);
	put_be32(e, len);
	put_be16(e + 4, key);
	memcpy(e + 8, name, n); /* the rest of name[56] is already NUL */
	put_be32(f->dir, ++f->nr_files);
	return key;
}

static void select_key(struct fwcfg *f, u16 key)
{
	key &= KEY_MASK;
	f->offset = 0;
	f->cur = key == FW_CFG_FILE_DIR ? FWCFG_CUR_DIR : find(f, key);
}

/* The next byte of the selected item; 0 past its end or for no item. */
static u8 read_byte(struct fwcfg *f)
{
	const u8 *bytes;
	u32 len;

	if (f->cur == FWCFG_CUR_DIR) {
		bytes = f->dir;
		len = 4 + f->nr_files * FWCFG_DIRENT_SIZE;
	} else if (f->cur >= 0) {
		const struct fwcfg_item *it = &f->items[f->cur];

		bytes = it->data ? it->data : it->value;
		len = it->len;
	} else {
		return 0;
	}
	if (f->offset >= len)
		return 0;
	return bytes[f->offset++];
}

u32 fwcfg_io_read(struct fwcfg *f, u16 port, unsigned int size)
{
	if (size != 1 || (unsigned int)(port - FWCFG_PORT_SEL) >= FWCFG_NR_PORTS)
		return size >= 4 ? 0xffffffffU : (1U << (8 * size)) - 1;
	return read_byte(f);
}

void fwcfg_io_write(struct fwcfg *f, u16 port, unsigned int size, u32 val)
{
	if (size == 2 && port == FWCFG_PORT_SEL)
		select_key(f, (u16)val);
}
