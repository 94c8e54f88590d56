/* SPDX-License-Identifier: MIT */
/*
 * The NASM side of abi/vmi-rom.h: compiled to assembly (never linked) so
 * that rom/rom.mk can turn each DEFINE into a %define in
 * build/gen/vmi-rom.inc, like asm-offsets.c does for the hypervisor. The
 * ROM never types a constant or an offset of the contract by hand.
 * Runs: build host (compiler only).
 */
#include <stddef.h>

#include <vmi-rom.h>

#define DEFINE(sym, val) \
	__asm__ volatile("\n@@OFFSET@@ " #sym " %0" : : "i"((long long)(val)))
#define OFF(sym, type, member) DEFINE(sym, offsetof(type, member))

_Static_assert(sizeof(struct vmi_rom_header) == 72, "ROM header layout");
_Static_assert(sizeof(struct vmi_qentry) == VMI_QENTRY_SIZE, "queue entry");
_Static_assert(offsetof(struct vmi_queue, entries) == VMI_QUEUE_HDR_SIZE,
	       "queue header");
_Static_assert(VMI_ROM_SIZE % 512 == 0 && VMI_ROM_SIZE / 512 < 256, "size");

void vmi_consts(void);
void vmi_consts(void)
{
	DEFINE(VMI_ROM_SIZE, VMI_ROM_SIZE);
	DEFINE(VMI_ROM_SIG_LO, VMI_ROM_SIG_LO);
	DEFINE(VMI_ROM_SIG_HI, VMI_ROM_SIG_HI);
	DEFINE(VMI_API_MAJOR, VMI_API_MAJOR);
	DEFINE(VMI_API_MINOR, VMI_API_MINOR);
	DEFINE(VMI_ROM_F_HAP, VMI_ROM_F_HAP);
	DEFINE(VMI_ROM_F_QUEUE, VMI_ROM_F_QUEUE);
	DEFINE(VMI_QUEUE_VA64, VMI_QUEUE_VA64);
	DEFINE(VMI_QUEUE_VA_PAE, VMI_QUEUE_VA_PAE);
	DEFINE(VMI_QUEUE_PAE_RESERVE, VMI_QUEUE_PAE_RESERVE);
	DEFINE(VMI_QUEUE_SIZE, VMI_QUEUE_SIZE);
	DEFINE(VMI_QUEUE_CAPACITY, VMI_QUEUE_CAPACITY);
	DEFINE(VMI_QUEUE_F_LAZY, VMI_QUEUE_F_LAZY);
	DEFINE(VMI_QENTRY_SIZE, VMI_QENTRY_SIZE);
	DEFINE(VMI_QE_PAE, VMI_QE_PAE);

	DEFINE(VMI_CALL_INIT, VMI_CALL_INIT);
	DEFINE(VMI_CALL_SET_PTE, VMI_CALL_SET_PTE);
	DEFINE(VMI_CALL_UPDATE_PTE, VMI_CALL_UPDATE_PTE);
	DEFINE(VMI_CALL_SET_CR3, VMI_CALL_SET_CR3);
	DEFINE(VMI_CALL_INVLPG, VMI_CALL_INVLPG);
	DEFINE(VMI_CALL_FLUSH_TLB, VMI_CALL_FLUSH_TLB);
	DEFINE(VMI_CALL_FLUSH_VCPUS, VMI_CALL_FLUSH_VCPUS);
	DEFINE(VMI_CALL_LAZY_ENTER, VMI_CALL_LAZY_ENTER);
	DEFINE(VMI_CALL_LAZY_LEAVE, VMI_CALL_LAZY_LEAVE);
	DEFINE(VMI_CALL_DRAIN, VMI_CALL_DRAIN);
	DEFINE(VMI_CALL_REGISTER_PT, VMI_CALL_REGISTER_PT);
	DEFINE(VMI_CALL_RELEASE_PT, VMI_CALL_RELEASE_PT);
	DEFINE(VMI_CALL_NR, VMI_CALL_NR);

	DEFINE(VMI_PTE_LEVEL_MASK, VMI_PTE_LEVEL_MASK);
	DEFINE(VMI_PTE_DEFER, VMI_PTE_DEFER);
	DEFINE(VMI_PTE_PAE, VMI_PTE_PAE);
	DEFINE(VMI_FLUSH_GLOBAL, VMI_FLUSH_GLOBAL);
	DEFINE(VMI_INIT_HAP, VMI_INIT_HAP);
	DEFINE(VMI_INIT_QUEUE, VMI_INIT_QUEUE);
	DEFINE(VMI_ENOSYS, VMI_ENOSYS);
	DEFINE(VMI_EINVAL, VMI_EINVAL);

	DEFINE(VMI_DRAIN_FULL, VMI_DRAIN_FULL);
	DEFINE(VMI_DRAIN_FLUSH, VMI_DRAIN_FLUSH);
	DEFINE(VMI_DRAIN_CR3, VMI_DRAIN_CR3);
	DEFINE(VMI_DRAIN_INVLPG, VMI_DRAIN_INVLPG);
	DEFINE(VMI_DRAIN_LAZY, VMI_DRAIN_LAZY);
	DEFINE(VMI_DRAIN_EXPLICIT, VMI_DRAIN_EXPLICIT);

	DEFINE(VMI_HC_INIT, VMI_HC_INIT);
	DEFINE(VMI_HC_FLUSH_VCPUS, VMI_HC_FLUSH_VCPUS);
	DEFINE(VMI_HC_DRAIN, VMI_HC_DRAIN);
	DEFINE(VMI_HC_DRAIN_BATCH, VMI_HC_DRAIN_BATCH);
	DEFINE(VMI_HC_UPDATE, VMI_HC_UPDATE);
	DEFINE(VMI_HC_FLUSH_LOCAL, VMI_HC_FLUSH_LOCAL);

	OFF(VMI_HDR_SIG55, struct vmi_rom_header, sig55);
	OFF(VMI_HDR_SIZE512, struct vmi_rom_header, size512);
	OFF(VMI_HDR_INIT_JMP, struct vmi_rom_header, init_jmp);
	OFF(VMI_HDR_CHECKSUM, struct vmi_rom_header, checksum);
	OFF(VMI_HDR_SIGNATURE, struct vmi_rom_header, signature);
	OFF(VMI_HDR_API_MAJOR, struct vmi_rom_header, api_major);
	OFF(VMI_HDR_API_MINOR, struct vmi_rom_header, api_minor);
	OFF(VMI_HDR_FLAGS, struct vmi_rom_header, flags);
	OFF(VMI_HDR_HEADER_SIZE, struct vmi_rom_header, header_size);
	OFF(VMI_HDR_NR_CALLS, struct vmi_rom_header, nr_calls);
	OFF(VMI_HDR_TABLE32, struct vmi_rom_header, table32);
	OFF(VMI_HDR_TABLE64, struct vmi_rom_header, table64);
	OFF(VMI_HDR_QUEUE_VA64, struct vmi_rom_header, queue_va64);
	OFF(VMI_HDR_QUEUE_VA_PAE, struct vmi_rom_header, queue_va_pae);
	OFF(VMI_HDR_QUEUE_SIZE, struct vmi_rom_header, queue_size);
	OFF(VMI_HDR_PAE_RESERVE, struct vmi_rom_header, pae_reserve);
	DEFINE(VMI_HDR_BYTES, sizeof(struct vmi_rom_header));

	OFF(VMI_Q_COUNT, struct vmi_queue, count);
	OFF(VMI_Q_CAPACITY, struct vmi_queue, capacity);
	OFF(VMI_Q_FLAGS, struct vmi_queue, flags);
	OFF(VMI_Q_ENTRIES, struct vmi_queue, entries);
	OFF(VMI_QE_GPA, struct vmi_qentry, gpa);
	OFF(VMI_QE_LEVEL, struct vmi_qentry, level);
	OFF(VMI_QE_FLAGS, struct vmi_qentry, flags);
}
