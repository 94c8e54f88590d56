/* SPDX-License-Identifier: MIT */
/*
 * The boot report and the final `shale: summary {json}` line that
 * tools/shale-run and the tests read (fields: DESIGN.md, "Domains and the
 * launcher"). Runs: host root mode, boot CPU.
 */
#ifndef SHALE_REPORT_H
#define SHALE_REPORT_H

#include <shale/memmap.h>
#include <shale/types.h>

struct host_facts {
	const char *vendor;          /* "svm", "vmx" or "none" */
	unsigned int cpus_found;
	unsigned int cpus_online;
	u64 mem_total;               /* usable RAM in the memory map, bytes */
	u64 mem_reserved[MEM_KINDS]; /* parts of it that are not free */
	int cmdline_warnings;
	bool boot_ok;
	u64 mem_used_before_domains; /* allocator use once boot is done */                /* every CPU asked for is up with HVM on */
};

extern struct host_facts host_facts;

/* Records the allocator's use before any domain is built, so the summary
 * shows whether destroyed domains gave everything back. */
void report_mark_before_domains(void);

/* Prints the memory accounting line (after the allocator is up). */
void report_memory(void);

/* Prints the summary line; 'passed' is the run's verdict. */
void report_summary(bool passed);

/* Ends the run: memory line, summary, and the machine exit with the
 * verdict (boot OK and every domain passed). Safe to call from any CPU;
 * only the first call reports. */
void shale_finish(void);

#endif /* SHALE_REPORT_H */
