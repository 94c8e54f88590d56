/* SPDX-License-Identifier: MIT */
/*
 * Domain configuration files (a subset of Xen's xl.cfg, DESIGN.md "Domains
 * and the launcher") as Shale reads them from a multiboot module. The file
 * is input: every key and value is checked, and a bad one is refused with a
 * message naming the line and key. Runs: host root mode and unit tests.
 */
#ifndef SHALE_DOMCFG_H
#define SHALE_DOMCFG_H

#include <shale/types.h>

#define DOMCFG_NAME_MAX 32
#define DOMCFG_CMDLINE_MAX 1023
#define DOMCFG_TEXT_MAX 65536

enum domain_type { DOMAIN_HVM, DOMAIN_PV };

struct domcfg {
	char name[DOMCFG_NAME_MAX + 1];
	enum domain_type type;
	u64 memory_mib;        /* backed at start */
	u64 maxmem_mib;        /* seen by the guest (>= memory_mib) */
	u32 vcpus;
	bool hap;
	bool shadow_memory_set; /* shadow_memory given (else the default) */
	u64 shadow_memory_mib;  /* 0: the smallest pool */
	char cmdline[DOMCFG_CMDLINE_MAX + 1];
	bool has_ramdisk;
};

/* Parses 'len' bytes of domain-file text into cfg (defaults applied:
 * vcpus 1, hap 1, maxmem = memory). 'kernel' and 'ramdisk' paths are the
 * launcher's business: Shale only notes that a ramdisk was named. Returns
 * 0, or -SH_EINVAL with "line N: key 'K': problem" in err. */
int domcfg_parse(const char *text, size_t len, struct domcfg *cfg, char *err,
		 size_t err_size);

#endif /* SHALE_DOMCFG_H */
