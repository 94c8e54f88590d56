/* SPDX-License-Identifier: MIT */
/*
 * Loading a guest kernel into a domain's memory: today multiboot (v1)
 * kernels, ELF32 or a.out-kludge, entered like QEMU's -kernel does.
 * Kernel images are input: every header field, offset and size is checked
 * against the image and the domain's RAM. Runs: host root mode, at boot.
 */
#ifndef SHALE_LOADER_H
#define SHALE_LOADER_H

#include <shale/bootinfo.h>
#include <shale/hvm.h>
#include <shale/vcpu.h>

struct domain;

/* Where and how the boot vCPU starts. */
struct loaded_image {
	enum vcpu_boot_mode mode;
	struct cpu_regs regs;
};

/* Loads 'kernel' (and 'ramdisk', if given) into d's RAM and writes the
 * boot information the kernel expects: a Linux bzImage (loader/linux.c)
 * or a multiboot kernel (loader/multiboot_guest.c). Returns 0, or a
 * negative error with the reason in err. */
int loader_load(struct domain *d, const struct boot_module *kernel,
		const struct boot_module *ramdisk, struct loaded_image *img,
		char *err, size_t err_size);

/* True if the image has a Linux boot-protocol header. */
bool loader_is_bzimage(const u8 *image, u64 size);

int loader_load_linux(struct domain *d, const struct boot_module *kernel,
		      const struct boot_module *ramdisk,
		      struct loaded_image *img, char *err, size_t err_size);
int loader_load_multiboot(struct domain *d, const struct boot_module *kernel,
			  const struct boot_module *ramdisk,
			  struct loaded_image *img, char *err, size_t err_size);

#endif /* SHALE_LOADER_H */
