/* SPDX-License-Identifier: MIT */
/*
 * A domain's statistics as JSON: the project's kvm_stat-> Exits by reason,
 * nested-fault kinds, P2M entries by order, summed over the vCPUs.
 * Runs: host root mode.
 */
#include <shale/domain.h>
#include <shale/json.h>
#include <shale/vmi.h>

void domain_stats_snapshot(struct domain *d)
{
	struct vcpu_stats *t = &d->final_stats;

	*t = (struct vcpu_stats){ 0 };
	for (unsigned int i = 0; i < d->nr_vcpus; i++) {
		const struct vcpu_stats *s = &d->vcpus[i]->stats;

		for (unsigned int r = 0; r < EXIT_NR; r++)
			t->exits[r] += s->exits[r];
		t->npf_mmio += s->npf_mmio;
		t->npf_ro_write += s->npf_ro_write;
		t->npf_invalid += s->npf_invalid;
		t->npf_pod += s->npf_pod;
		t->io_unhandled += s->io_unhandled;
		t->msr_gp += s->msr_gp;
		t->injected_exceptions += s->injected_exceptions;
		t->injected_irqs += s->injected_irqs;
		t->double_faults += s->double_faults;
		t->events_redelivered += s->events_redelivered;
		t->soft_events_redelivered += s->soft_events_redelivered;
	}
	for (unsigned int o = 0; o < 3; o++)
		d->final_p2m_leaves[o] = d->p2m.leaves[o];
	d->final_p2m_tables = d->p2m.table_pages;
	d->final_p2m_splits = d->p2m.splits;
	d->final_vcpus = d->nr_vcpus;
	if (d->pod_enabled)
		pod_get_info(&d->pod, &d->final_pod);
}

/* The populate-on-demand figures (only for domains that use it). */
static void pod_json(const struct domain *d, struct json_out *j)
{
	const struct pod_info *p = &d->final_pod;
	static const char *const lists[POD_NR_LISTS] = { "4k", "2m", "1g" };

	json_object_begin(j, "pod");
	json_object_begin(j, "populates");
	for (unsigned int l = 0; l < POD_NR_LISTS; l++)
		json_u64(j, lists[l], p->stats.populates[l]);
	json_object_end(j);
	json_object_begin(j, "reclaimed");
	for (unsigned int l = 0; l < POD_NR_LISTS - 1; l++)
		json_u64(j, lists[l], p->stats.reclaimed[l]);
	json_object_end(j);
	json_u64(j, "sweeps", p->stats.sweeps);
	json_u64(j, "splits", p->stats.splits);
	json_u64(j, "breaks_1g", p->stats.breaks_1g);
	json_u64(j, "breaks_2m", p->stats.breaks_2m);
	json_u64(j, "exhausted", p->stats.exhausted);
	json_u64(j, "cache_kib", p->cache_frames << 2);
	json_u64(j, "populated_kib", p->populated << 2);
	json_u64(j, "outstanding_kib", p->outstanding << 2);
	json_u64(j, "target_kib", p->target << 2);
	json_object_end(j);
}

void domain_stats_json(struct domain *d, struct json_out *j, const char *key)
{
	const struct vcpu_stats *t = &d->final_stats;
	u64 total = 0;

	/* Live domains are summed now; dead ones kept their last snapshot-> */
	if (d->state != DOMAIN_DEAD)
		domain_stats_snapshot(d);
	json_object_begin(j, key);
	json_str(j, "result", domain_result_name(d->result));
	json_u64(j, "vcpus", d->final_vcpus);
	json_u64(j, "ram_kib", d->ram_bytes >> 10);
	json_object_begin(j, "exits");
	for (unsigned int r = 0; r < EXIT_NR; r++) {
		total += t->exits[r];
		if (t->exits[r])
			json_u64(j, vm_exit_reason_name(r), t->exits[r]);
	}
	json_object_end(j);
	json_u64(j, "exits_total", total);
	json_object_begin(j, "npf");
	json_u64(j, "mmio", t->npf_mmio);
	json_u64(j, "ro_write", t->npf_ro_write);
	json_u64(j, "invalid", t->npf_invalid);
	json_u64(j, "pod", t->npf_pod);
	json_object_end(j);
	json_u64(j, "io_unhandled", t->io_unhandled);
	json_u64(j, "msr_gp", t->msr_gp);
	json_u64(j, "injected_exceptions", t->injected_exceptions);
	json_u64(j, "injected_irqs", t->injected_irqs);
	json_u64(j, "double_faults", t->double_faults);
	json_u64(j, "events_redelivered", t->events_redelivered);
	json_u64(j, "soft_events_redelivered", t->soft_events_redelivered);
	if (d->cfg.maxmem_mib > d->cfg.memory_mib)
		pod_json(d, j);
	json_object_begin(j, "p2m");
	json_u64(j, "entries_4k", d->final_p2m_leaves[0]);
	json_u64(j, "entries_2m", d->final_p2m_leaves[1]);
	json_u64(j, "entries_1g", d->final_p2m_leaves[2]);
	json_u64(j, "table_pages", d->final_p2m_tables);
	json_u64(j, "splits", d->final_p2m_splits);
	json_object_end(j);
	if (!d->cfg.hap) {
		const struct shadow_stats *s = &d->shadow_stats;

		json_object_begin(j, "shadow");
		json_u64(j, "fault_guest", s->fault_guest);
		json_u64(j, "fault_guest_fast", s->fault_guest_fast);
		json_u64(j, "fault_fixed", s->fault_fixed);
		json_u64(j, "fault_mmio", s->fault_mmio);
		json_u64(j, "emulated_writes", s->emulated_writes);
		json_u64(j, "unshadows", s->unshadows);
		json_u64(j, "wp_heuristic", s->wp_heuristic);
		json_u64(j, "wp_brute", s->wp_brute);
		json_u64(j, "recycles", s->recycles);
		json_u64(j, "tlb_flushes", s->tlb_flushes);
		json_u64(j, "pages_in_use", s->pages_in_use);
		json_u64(j, "pages_peak", s->pages_peak);
		json_u64(j, "pool_pages", s->pool_pages);
		json_object_end(j);
	}
	vmi_stats_json(d, j, total); /* "vmi": PV domains only */
	json_object_end(j);
}
