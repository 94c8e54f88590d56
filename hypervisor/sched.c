/* SPDX-License-Identifier: MIT */
/*
 * The vCPU scheduler. Each physical CPU has a FIFO run queue; a vCPU runs
 * until it halts, its domain dies, or its slice of SCHED_SLICE_TICKS local
 * APIC timer ticks ends while another vCPU waits. A CPU with nothing to run
 * sleeps in HLT until a tick or a wake-up IPI.
 * Runs: host root mode, every CPU. Lock order: runq_lock is taken alone,
 * never while holding a domain lock (see shale/lock-order.h).
 */
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/percpu.h>
#include <asm/platform.h>
#include <asm/smp.h>
#include <asm/traps.h>
#include <shale/bug.h>
#include <shale/domain.h>
#include <shale/hvm.h>
#include <shale/platform.h>
#include <shale/printk.h>
#include <shale/report.h>
#include <shale/sched.h>
#include <shale/vmexit.h>

void vmexit_handle(struct vcpu *v, struct vm_exit *e);

void sched_assign(struct vcpu *v)
{
	static unsigned int next;

	v->pcpu = __atomic_fetch_add(&next, 1, __ATOMIC_RELAXED) % nr_cpus_online;
}

void sched_kick(unsigned int pcpu)
{
	if (percpu_ready_cpu(pcpu) && pcpu != this_cpu()->cpu)
		lapic_send_ipi(percpu[pcpu].apic_id, APIC_ICR_FIXED | VEC_WAKEUP);
}

/* Appends v to p's queue; p->runq_lock held. */
static void runq_push(struct percpu *p, struct vcpu *v)
{
	v->runq_next = NULL;
	if (p->runq_tail)
		p->runq_tail->runq_next = v;
	else
		p->runq_head = v;
	p->runq_tail = v;
}

/* Takes the first vCPU off p's queue, or NULL; p->runq_lock held. */
static struct vcpu *runq_pop(struct percpu *p)
{
	struct vcpu *v = p->runq_head;

	if (v) {
		p->runq_head = v->runq_next;
		if (!p->runq_head)
			p->runq_tail = NULL;
	}
	return v;
}

void vcpu_wake(struct vcpu *v)
{
	struct percpu *p = &percpu[v->pcpu];
	bool queued = false;

	spin_lock(&p->runq_lock);
	if (v->on_cpu) {
		/* Its CPU puts it back on the queue if it is RUNNING. */
		if (v->state == VCPU_BLOCKED)
			v->state = VCPU_RUNNING;
		else
			v->wake_pending = true;
	} else if (v->state == VCPU_OFFLINE || v->state == VCPU_BLOCKED) {
		v->state = VCPU_RUNNABLE;
		runq_push(p, v);
		queued = true;
	}
	spin_unlock(&p->runq_lock);
	if (queued)
		sched_kick(v->pcpu);
}

void vcpu_block_begin(struct vcpu *v)
{
	struct percpu *p = &percpu[v->pcpu];

	spin_lock(&p->runq_lock);
	v->wake_pending = false;
	spin_unlock(&p->runq_lock);
}

void vcpu_block(struct vcpu *v)
{
	struct percpu *p = &percpu[v->pcpu];

	spin_lock(&p->runq_lock);
	if (v->wake_pending)
		v->wake_pending = false;
	else if (v->state == VCPU_RUNNING)
		v->state = VCPU_BLOCKED;
	spin_unlock(&p->runq_lock);
}

/* Wakes the halted vCPUs homed on this CPU whose timers or interrupts are
 * due (their devices cannot interrupt a CPU that is not running them).
 * Another CPU may end a domain meanwhile: wake_scans keeps its vCPUs and
 * devices from being freed under the scan (domain_destroy waits), and the
 * sequentially consistent order of the count and the state makes either
 * the scan see the domain dying or domain_destroy see the scan. */
static void wake_due_vcpus(struct percpu *p)
{
	for (unsigned int i = 0; i < nr_domains; i++) {
		struct domain *d = domains[i];

		__atomic_add_fetch(&d->wake_scans, 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&d->state, __ATOMIC_SEQ_CST) == DOMAIN_RUNNING) {
			for (unsigned int j = 0; j < d->nr_vcpus; j++) {
				struct vcpu *v = d->vcpus[j];

				if (v->pcpu == p->cpu &&
				    READ_ONCE(v->state) == VCPU_BLOCKED &&
				    platform_vcpu_wakeup_due(v))
					vcpu_wake(v);
			}
		}
		__atomic_sub_fetch(&d->wake_scans, 1, __ATOMIC_RELEASE);
	}
}

/* Runs v until it stops being runnable here or its slice ends. */
static void run_slice(struct percpu *p, struct vcpu *v)
{
	struct vm_exit e;

	v->slice_end = READ_ONCE(p->ticks) + SCHED_SLICE_TICKS;
	while (!domain_is_dying(v->domain)) {
		if (!platform_prepare_entry(v)) {
			vcpu_block(v); /* waits for a SIPI */
			if (v->state != VCPU_RUNNING)
				return;
			continue;
		}
		hvm->run(v, &e);
		v->stats.exits[e.reason]++;
		vmexit_handle(v, &e);
		/* A host tick: halted vCPUs queued here may have timers due, and
		 * they can only run if this one makes room. */
		if (e.reason == EXIT_INTR)
			wake_due_vcpus(p);
		if (v->state != VCPU_RUNNING)
			return;
		if (READ_ONCE(p->ticks) >= v->slice_end && READ_ONCE(p->runq_head))
			return;
	}
}

void sched_loop(void)
{
	struct percpu *p = this_cpu();

	for (;;) {
		struct vcpu *v;
		bool dead = false;

		wake_due_vcpus(p);
		irq_disable();
		spin_lock(&p->runq_lock);
		v = runq_pop(p);
		if (v) {
			v->state = VCPU_RUNNING;
			v->on_cpu = true;
		}
		spin_unlock(&p->runq_lock);
		if (!v) {
			/* STI's one-instruction shadow makes STI; HLT atomic:
			 * a wake-up IPI cannot slip in between. */
			__asm__ volatile("sti; hlt" ::: "memory");
			continue;
		}
		irq_enable();
		p->current = v;
		run_slice(p, v);
		p->current = NULL;

		/* A dying domain's vCPUs that were on a CPU are this CPU's to
		 * put (domain_kill_vcpus leaves them), each exactly once. */
		spin_lock(&p->runq_lock);
		v->on_cpu = false;
		if (domain_is_dying(v->domain)) {
			dead = v->state != VCPU_DEAD;
			v->state = VCPU_DEAD;
		} else if (v->state == VCPU_RUNNING) {
			v->state = VCPU_RUNNABLE;
			runq_push(p, v);
		}
		spin_unlock(&p->runq_lock);
		if (dead)
			domain_put_vcpu(v->domain);
	}
}
