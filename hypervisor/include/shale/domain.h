/* SPDX-License-Identifier: MIT */
/*
 * Domains: what they are made of and their lifecycle.
 *
 *   domain_create  -> (config parsed, RAM backed, kernel loaded, vCPUs made)
 *   domain_start   -> vCPU 0 runnable on its home CPU
 *   domain_shutdown(code) or domain_crash(reason)
 *                  -> dying: no vCPU enters the guest again
 *   domain_destroy -> by the last CPU to let go of one of its vCPUs: the
 *                     exit line is printed and every frame is freed
 *
 * Runs: host root mode. 'lock' guards state, result and the device models
 * that say so; the rest is fixed after domain_create.
 */
#ifndef SHALE_DOMAIN_H
#define SHALE_DOMAIN_H

#include <shale/compiler.h>
#include <shale/domcfg.h>
#include <shale/p2m.h>
#include <shale/pod.h>
#include <shale/shadow.h>
#include <shale/spinlock.h>
#include <shale/types.h>
#include <shale/uart.h>
#include <shale/vcpu.h>

#define MAX_DOMAINS 16
#define MAX_VCPUS 64
#define DOMAIN_MAX_IO_HANDLERS 32
#define DOMAIN_CONSOLE_LINE 256

enum domain_state {
	DOMAIN_BUILDING,
	DOMAIN_RUNNING,
	DOMAIN_DYING,   /* shut down or crashed; vCPUs are leaving the CPUs */
	DOMAIN_DEAD,    /* destroyed; only the result remains */
};

enum domain_result { RESULT_NONE, RESULT_PASS, RESULT_FAIL, RESULT_CRASHED };

struct vcpu;
struct platform;

/* A port I/O handler: *val is the value written, or receives the value
 * read (size 1, 2 or 4 bytes). Called with the domain's lock not held. */
typedef void (*io_handler_fn)(struct vcpu *v, u16 port, unsigned int size,
			      bool write, u32 *val);

struct io_handler {
	u16 first, count;
	io_handler_fn fn;
};

/* A block of machine memory the domain owns (RAM), freed at destroy. */
struct ram_chunk {
	mfn_t mfn;
	unsigned int order;
};

struct domain {
	unsigned int id;
	char name[DOMCFG_NAME_MAX + 1];
	struct domcfg cfg;
	spinlock_t lock;
	enum domain_state state;
	enum domain_result result;
	int exit_code;
	char reason[160];

	struct p2m p2m;
	const struct paging_mode *paging;
	struct shadow_domain *shadow; /* hap = 0: the shadow pool (shadow/) */
	struct shadow_stats shadow_stats; /* kept after the pool is freed */
	struct platform *platform;  /* PC devices and firmware (platform/) */
	struct pod pod;             /* populate-on-demand (when enabled) */
	bool pod_enabled;           /* maxmem > memory */
	u64 ram_bytes;             /* guest RAM backed */
	struct ram_chunk *chunks;  /* xmalloc'ed array */
	unsigned int nr_chunks, max_chunks;

	struct vcpu *vcpus[MAX_VCPUS];
	unsigned int nr_vcpus;
	unsigned int vcpus_alive;  /* vCPUs not yet DEAD (atomic) */
	unsigned int wake_scans;   /* CPUs looking at this domain's halted
				    * vCPUs from their scheduler (atomic);
				    * domain_destroy waits for 0 */

	struct io_handler io[DOMAIN_MAX_IO_HANDLERS];
	unsigned int nr_io;
	struct uart com1;          /* guarded by 'lock' */
	char con_line[DOMAIN_CONSOLE_LINE];
	unsigned int con_len;      /* guarded by 'lock' */

	u64 start_tsc, end_tsc;
	/* Kept for the summary after the vCPUs and P2M are freed. */
	struct vcpu_stats final_stats;
	u64 final_p2m_leaves[3], final_p2m_tables, final_p2m_splits;
	unsigned int final_vcpus;
	struct pod_info final_pod;
};

extern struct domain *domains[MAX_DOMAINS];
extern unsigned int nr_domains;

/* Guest-physical RAM layout of every domain, as on a PC: RAM from 0 up to
 * at most 3 GiB, the rest above 4 GiB; [3 GiB, 4 GiB) is the MMIO hole
 * (IOAPIC at 0xfec00000, local APIC at 0xfee00000). */
#define GUEST_LOW_RAM_MAX (3UL << 30)
#define GUEST_HIGH_RAM_BASE (4UL << 30)

struct guest_ram_range {
	u64 start, end; /* [start, end) */
};

/* The domain's RAM ranges (1 or 2) for 'bytes' of RAM. */
unsigned int guest_ram_layout(u64 bytes, struct guest_ram_range out[2]);

/* Builds every domain whose config module was passed to Shale; a domain
 * that cannot be built is recorded as failed with the reason. */
void domains_build_all(void);

/* Makes every built domain's boot vCPU runnable. */
void domains_start_all(void);

/* Ends the domain with the guest's exit code (0 = pass). */
void domain_shutdown(struct domain *d, int code);

/* Ends the domain because the guest powered the machine off (exit code 0,
 * pass) or reset it (exit code 1, fail: Shale does not restart domains);
 * 'how' is the exit reason. */
void domain_poweroff(struct domain *d, const char *how, bool reset);

/* Tier 2 of the error policy: a state the guest caused and Shale cannot go
 * on from. Prints the reason, the vCPU's registers and the domain's stats;
 * other domains are untouched. 'v' may be NULL. */
void domain_crash(struct domain *d, struct vcpu *v, const char *fmt, ...)
	__printf(3, 4);

/* True once the domain is dying: its vCPUs must not enter the guest. */
bool domain_is_dying(const struct domain *d);

/* Called by a CPU when it stops holding a vCPU of a dying domain; the last
 * one destroys the domain. */
void domain_put_vcpu(struct domain *d);

/* Registers a port I/O handler for [first, first + count). */
void domain_register_io(struct domain *d, u16 first, u16 count,
			io_handler_fn fn);

/* Appends guest console output (COM1) to the domain's line buffer; full
 * lines are printed with the "(name) " prefix. */
void domain_console_put(struct domain *d, char c);

/* Number of domains not yet dead. */
unsigned int domains_alive(void);

/* Writes the domain's stats object (the "stats" of DESIGN.md) as member
 * 'key' of the enclosing object (NULL at top level). */
struct json_out;
void domain_stats_json(struct domain *d, struct json_out *j, const char *key);

/* Writes the domains list of the summary. */
void domains_summary_json(struct json_out *j);

const char *domain_result_name(enum domain_result r);

/* Sums the vCPUs' counters and the P2M's into the domain's final_* fields
 * (before they are freed). */
void domain_stats_snapshot(struct domain *d);

/* True when every domain that was asked for ended in success. */
bool domains_all_passed(void);

#endif /* SHALE_DOMAIN_H */
