/* SPDX-License-Identifier: MIT */
/* Finding and calling the VMI ROM (contract in vmi.h). Runs: guest (test
 * kernel). */
#include "vmi.h"

#include "printf.h"
#include "string.h"

uint64_t vmi_call64(uint32_t entry, uint64_t a1, uint64_t a2, uint64_t a3,
		    uint64_t a4);
void copy64(uint64_t dst, uint64_t src, uint32_t len);

const struct vmi_rom_header *vmi_find(const char *who)
{
	for (uint32_t a = VMI_ROM_SCAN_START; a < VMI_ROM_SCAN_END;
	     a += VMI_ROM_SCAN_STEP) {
		const uint8_t *p = (const uint8_t *)a;
		const struct vmi_rom_header *h = (const void *)p;
		uint32_t len = p[2] * 512u;
		uint8_t sum = 0;

		if (p[0] != 0x55 || p[1] != 0xaa || !len ||
		    a + len > VMI_ROM_SCAN_END)
			continue;
		for (uint32_t i = 0; i < len; i++)
			sum += p[i];
		if (sum) {
			printf("%s: option ROM at 0x%x: checksum 0x%x, skipped\n",
			       who, (unsigned)a, sum);
			continue;
		}
		if (memcmp(h->signature, VMI_ROM_SIGNATURE, 8))
			continue;
		if (h->api_major != VMI_API_MAJOR || h->nr_calls < VMI_CALL_NR ||
		    h->header_size < sizeof(*h)) {
			printf("%s: VMI ROM at 0x%x: API %u.%u, %u calls: unusable\n",
			       who, (unsigned)a, h->api_major, h->api_minor,
			       (unsigned)h->nr_calls);
			return NULL;
		}
		printf("%s: VMI ROM at 0x%x, %u bytes, API %u.%u, flags 0x%x\n",
		       who, (unsigned)a, (unsigned)len, h->api_major,
		       h->api_minor, (unsigned)h->flags);
		return h;
	}
	printf("%s: no VMI ROM in 0x%x-0x%x\n", who, VMI_ROM_SCAN_START,
	       VMI_ROM_SCAN_END - 1);
	return NULL;
}

#define RP __attribute__((regparm(3)))
typedef long RP (*fn0_t)(void);
typedef long RP (*fn_u32_t)(uint32_t);
typedef long RP (*fn_set_pte_t)(uint64_t *, uint64_t, uint64_t, uint32_t);
typedef long RP (*fn_u64_u32_t)(uint64_t, uint32_t);
typedef long RP (*fn_flush_vcpus_t)(const void *, uint32_t, uint32_t);

static int64_t call32(uint32_t entry, unsigned int call, uint64_t a1,
		      uint64_t a2, uint64_t a3, uint64_t a4)
{
	switch (call) {
	case VMI_CALL_SET_PTE:
		return ((fn_set_pte_t)entry)((uint64_t *)(uint32_t)a1, a2, a3,
					     (uint32_t)a4);
	case VMI_CALL_UPDATE_PTE:
	case VMI_CALL_REGISTER_PT:
	case VMI_CALL_RELEASE_PT:
		return ((fn_u64_u32_t)entry)(a1, (uint32_t)a2);
	case VMI_CALL_SET_CR3:
	case VMI_CALL_INVLPG:
	case VMI_CALL_FLUSH_TLB:
		return ((fn_u32_t)entry)((uint32_t)a1);
	case VMI_CALL_FLUSH_VCPUS:
		return ((fn_flush_vcpus_t)entry)((const void *)(uint32_t)a1,
						 (uint32_t)a2, (uint32_t)a3);
	default:
		return ((fn0_t)entry)();
	}
}

int64_t vmi_call(const struct vmi_rom_header *h, bool long_mode,
		 unsigned int call, uint64_t a1, uint64_t a2, uint64_t a3,
		 uint64_t a4)
{
	const uint32_t *table = (const uint32_t *)((uint32_t)h +
		(long_mode ? h->table64 : h->table32));
	uint32_t entry = (uint32_t)h + table[call];

	if (long_mode)
		return (int64_t)vmi_call64(entry, a1, a2, a3, a4);
	/* 32-bit results are 32-bit: sign-extend. */
	return (int32_t)call32(entry, call, a1, a2, a3, a4);
}

int32_t vmi_hypercall(uint32_t nr, uint32_t a1, uint32_t a2, uint32_t a3,
		      uint32_t a4)
{
	uint32_t ret;

	__asm__ volatile("vmmcall"
			 : "=a"(ret)
			 : "a"(nr), "b"(a1), "c"(a2), "d"(a3), "S"(a4)
			 : "memory");
	return (int32_t)ret;
}

/* Is [off, off + len) inside the queue page? */
static bool vmi_queue_range_ok(uint32_t off, uint32_t len)
{
	return off <= VMI_QUEUE_SIZE && len <= VMI_QUEUE_SIZE - off;
}

bool vmi_queue_get(bool long_mode, uint32_t off, void *dst, uint32_t len)
{
	if (!vmi_queue_range_ok(off, len))
		return false;
	if (long_mode)
		copy64((uint32_t)dst, VMI_QUEUE_VA64 + off, len);
	else
		memcpy(dst, (const void *)(VMI_QUEUE_VA_PAE + off), len);
	return true;
}

bool vmi_queue_put(bool long_mode, uint32_t off, const void *src,
		   uint32_t len)
{
	if (!vmi_queue_range_ok(off, len))
		return false;
	if (long_mode)
		copy64(VMI_QUEUE_VA64 + off, (uint32_t)src, len);
	else
		memcpy((void *)(VMI_QUEUE_VA_PAE + off), src, len);
	return true;
}

uint64_t *vmi_pte_of(const struct pt *pt, uint32_t va)
{
	const uint64_t addr = 0x000ffffffffff000ull;
	uint64_t e;

	if (pt->mode == PT_PAE) {
		e = ((uint64_t *)pt->root)[va >> 30];
	} else if (pt->mode == PT_4LEVEL) {
		e = ((uint64_t *)pt->root)[0];
		if (!(e & PT_P))
			return NULL;
		e = ((uint64_t *)(uint32_t)(e & addr))[va >> 30];
	} else {
		return NULL;
	}
	if (!(e & PT_P))
		return NULL;
	e = ((uint64_t *)(uint32_t)(e & addr))[(va >> 21) & 511];
	if (!(e & PT_P) || (e & PT_PS))
		return NULL;
	return &((uint64_t *)(uint32_t)(e & addr))[(va >> 12) & 511];
}
