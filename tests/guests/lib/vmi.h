/* SPDX-License-Identifier: MIT */
/* Finding the VMI ROM (abi/vmi-rom.h) the way a guest kernel would, and
 * calling its 32-bit (PAE) and 64-bit entry points, plus the raw VMI
 * hypercalls for tests that forge what the ROM would never send.
 * Runs: guest (test kernel). */
#ifndef GUEST_VMI_H
#define GUEST_VMI_H

#include <stdbool.h>
#include <stdint.h>

#include <vmi-rom.h>

#include "pt.h"

/* Scans 0xC0000-0xDFFFF on 2 KiB boundaries for 0x55 0xAA with a good
 * length and checksum, the signature and API major; paging off or
 * identity-mapped. Returns the header, or NULL (why is printed). */
const struct vmi_rom_header *vmi_find(const char *who);

/* Calls ROM entry 'call' with up to four arguments (64-bit values): from
 * PAE code through the 32-bit table (regparm(3) as abi/vmi-rom.h lays out
 * per call), from long mode through the 64-bit table (vmi_call64). */
int64_t vmi_call(const struct vmi_rom_header *h, bool long_mode,
		 unsigned int call, uint64_t a1, uint64_t a2, uint64_t a3,
		 uint64_t a4);

/* VMMCALL nr with four 32-bit arguments (the runtime's C is 32-bit code,
 * so Shale reads EBX, ECX, EDX, ESI); returns EAX as a signed value. */
int32_t vmi_hypercall(uint32_t nr, uint32_t a1, uint32_t a2, uint32_t a3,
		      uint32_t a4);

/*
 * Copies len bytes at offset off of the calling vCPU's own queue page, at
 * its fixed linear address, to dst (vmi_queue_get) or from src
 * (vmi_queue_put): VMI_QUEUE_VA_PAE from PAE code, VMI_QUEUE_VA64 in long
 * mode (through copy64.asm: compatibility-mode code cannot reach it).
 * Only when the ROM says the queue is mapped (VMI_ROM_F_QUEUE); a fault is
 * an unexpected exception. False, copying nothing, if off + len passes
 * the end of the page.
 */
bool vmi_queue_get(bool long_mode, uint32_t off, void *dst, uint32_t len);
bool vmi_queue_put(bool long_mode, uint32_t off, const void *src,
		   uint32_t len);

/* The entry that maps va at the 4K level (PAE or 4-level tables built by
 * pt.h, identity-mapped): its address, which is also its guest-physical
 * address. NULL if the walk does not reach a page table. */
uint64_t *vmi_pte_of(const struct pt *pt, uint32_t va);

#endif
