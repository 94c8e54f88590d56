# SPDX-License-Identifier: MIT
# Linux guest pieces: Debian's stock kernels (fetch-debian-kernel) and the
# busybox initramfs (build-initramfs), into $(BUILD)/guest-linux/, cached
# outside the repository (see guest-linux/README.md). Included by the
# top-level Makefile, which defines BUILD.
#
# The targets are phony: whether Debian has a newer kernel or busybox is for
# apt to say, so the scripts always run, ask apt-cache (milliseconds), find
# their cache complete and leave the outputs untouched unless the bytes
# change. A cached run takes well under a second.

LINUX_GUEST_OUT := $(BUILD)/guest-linux

# What a domain file names; for rules that need them.
LINUX_GUEST_DEBIAN_AMD64 := $(LINUX_GUEST_OUT)/vmlinuz-debian-amd64 \
	$(LINUX_GUEST_OUT)/initramfs-debian.cpio.gz
LINUX_GUEST_DEBIAN_686PAE := $(LINUX_GUEST_OUT)/vmlinuz-debian-686-pae \
	$(LINUX_GUEST_OUT)/initramfs-debian-i386.cpio.gz

.PHONY: linux-guest-debian linux-guest-debian-amd64 linux-guest-debian-686-pae \
	linux-guest-bare-boot

# Both flavours: x86_64, and i386 with PAE (32-bit kernel, 32-bit busybox).
linux-guest-debian: linux-guest-debian-amd64 linux-guest-debian-686-pae

linux-guest-debian-amd64:
	guest-linux/fetch-debian-kernel --flavour amd64 --build-dir $(BUILD)
	guest-linux/build-initramfs --arch amd64 --build-dir $(BUILD)

linux-guest-debian-686-pae:
	guest-linux/fetch-debian-kernel --flavour 686-pae --build-dir $(BUILD)
	guest-linux/build-initramfs --arch i386 --build-dir $(BUILD)

# The reference run without Shale: Debian's amd64 kernel on bare QEMU TCG.
# LINUX_GUEST_CPUS=N, LINUX_GUEST_APPEND="shale.test=NAME" to vary it.
LINUX_GUEST_CPUS ?= 2
LINUX_GUEST_APPEND ?=
linux-guest-bare-boot: linux-guest-debian-amd64
	guest-linux/boot-bare --cpus $(LINUX_GUEST_CPUS) \
		$(if $(LINUX_GUEST_APPEND),--append "$(LINUX_GUEST_APPEND)") \
		--log $(LINUX_GUEST_OUT)/bare-boot.log
