/* SPDX-License-Identifier: MIT */
/*
 * Error numbers for -errno style returns inside the hypervisor.
 * Runs: host root mode and host unit tests. Values follow Linux so that
 * messages read familiarly; the guest-visible codes live in abi/.
 */
#ifndef SHALE_ERRNO_H
#define SHALE_ERRNO_H

#define SH_EPERM 1
#define SH_ENOENT 2
#define SH_EIO 5
#define SH_E2BIG 7
#define SH_ENOMEM 12
#define SH_EFAULT 14
#define SH_EBUSY 16
#define SH_EEXIST 17
#define SH_EINVAL 22
#define SH_ENOSPC 28
#define SH_ERANGE 34
#define SH_ENOSYS 38
#define SH_EOVERFLOW 75
#define SH_EOPNOTSUPP 95

#endif /* SHALE_ERRNO_H */
