/* SPDX-License-Identifier: MIT */
/* What a test kernel's main file includes: the runtime's services and the
 * entry point each guest provides. Runs: guest (test kernel). */
#ifndef GUEST_RUNTIME_H
#define GUEST_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "check.h"
#include "exit.h"
#include "multiboot.h"
#include "printf.h"
#include "string.h"

/*
 * The guest's main, called once the runtime has set up COM1, the GDT, TSS
 * and 32-bit IDT and read the multiboot information; flat 32-bit protected
 * mode, paging off, interrupts off. Its return value goes to guest_exit.
 */
int guest_main(void);

/* The physical (= linear) extent of the loaded image, BSS included,
 * rounded out to 4 KiB. */
uint32_t runtime_image_start(void);
uint32_t runtime_image_end(void);

#endif
