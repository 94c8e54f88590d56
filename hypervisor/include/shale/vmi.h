/* SPDX-License-Identifier: MIT */
/*
 * The VMI ROM in a PV domain: mapping the ROM, the VMI hypercalls, the
 * queue drain's per-domain context and the stats (abi/vmi-rom.h is the
 * guest contract). Runs: host root mode.
 *
 * Per-domain state lives in a table beside domain_slots, indexed by the
 * domain's id, so the counters outlive the domain for its summary like
 * its other final_* stats.
 */
#ifndef SHALE_VMI_H
#define SHALE_VMI_H

#include <shale/types.h>
#include <shale/vmi_drain.h>

struct domain;
struct vcpu;
struct json_out;

/* For type = "pv": copies the embedded ROM into fresh frames, sets its
 * flags (VMI_ROM_F_HAP when hap = 1) and checksum, and maps it read-only
 * (p2m_rom) at VMI_ROM_GPA. Other domains: nothing. Returns 0 or -SH_E*. */
int vmi_domain_init(struct domain *d);
/* Frees the ROM's frames (the P2M is freed by the caller); keeps stats. */
void vmi_domain_fini(struct domain *d);

/* True if nr is a VMI hypercall number (VMI_HC_FIRST..VMI_HC_LAST). */
bool vmi_is_hypercall(u64 nr);
/* Runs VMI hypercall nr for v (CPL 0 already checked); returns the value
 * for RAX. A domain without the ROM gets -SHALE_ENOSYS. */
s64 vmi_hypercall(struct vcpu *v, u64 nr, u64 a1, u64 a2, u64 a3, u64 a4);

/* Shadow paging's hook: the callback a drain calls for each valid entry,
 * and the queue pages it maps (excluded from every drain). */
void vmi_set_resync(struct domain *d, vmi_resync_fn fn, void *arg);
int vmi_exclude_frames(struct domain *d, u64 first_gfn, u64 nr);

/* The machine frame of vCPU 'vcpu''s queue page, or INVALID_MFN when the
 * domain has none (not PV, or hap = 1). */
mfn_t vmi_queue_mfn(struct domain *d, unsigned int vcpu);
/* Drains v's queue page for 'reason' (a VMI_DRAIN_*): every entry checked
 * and re-synced through the paging code's callback, then the page emptied.
 * Returns the drain status, or -VMI_ENOSYS without a queue. On v's CPU. */
long vmi_queue_drain(struct vcpu *v, unsigned int reason);
/* Does v's queue page hold entries? (False without one.) */
bool vmi_queue_pending(struct vcpu *v);

/* Writes the domain's "vmi" stats object (PV domains only); exits_total
 * (all the domain's exits) gives exits_per_1000_updates: exits per 1000
 * page-table updates the guest reported (drained or one by one), rounded,
 * over the domain's whole life (boot included). */
void vmi_stats_json(struct domain *d, struct json_out *j, u64 exits_total);

#endif /* SHALE_VMI_H */
