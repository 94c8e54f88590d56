/* SPDX-License-Identifier: MIT */
/*
 * Choosing the loader for a domain's kernel by what the image is.
 * Runs: host root mode, at boot.
 */
#include <shale/frames.h>
#include <shale/loader.h>

int loader_load(struct domain *d, const struct boot_module *kernel,
		const struct boot_module *ramdisk, struct loaded_image *img,
		char *err, size_t err_size)
{
	const u8 *image = paddr_to_virt(kernel->start);
	u64 size = kernel->end - kernel->start;

	if (loader_is_bzimage(image, size))
		return loader_load_linux(d, kernel, ramdisk, img, err, err_size);
	return loader_load_multiboot(d, kernel, ramdisk, img, err, err_size);
}
