/* SPDX-License-Identifier: MIT */
/*
 * The emulated PC devices every domain gets, and port I/O dispatch.
 * Runs: host root mode.
 */
#ifndef SHALE_DEVICES_H
#define SHALE_DEVICES_H

#include <shale/types.h>

struct domain;
struct vcpu;

#define COM1_BASE 0x3f8
#define DEBUG_EXIT_PORT 0xf4

/* Registers COM1 (16550, console with the domain's prefix) and the
 * isa-debug-exit port (a write of N ends the domain with exit code N). */
void devices_init(struct domain *d);

/* Performs one port access for the guest; unclaimed ports read as all ones
 * and ignore writes, as on a PC with nothing there. */
void io_dispatch(struct vcpu *v, u16 port, unsigned int size, bool write,
		 u32 *val);

#endif /* SHALE_DEVICES_H */
