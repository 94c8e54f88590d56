/* SPDX-License-Identifier: MIT */
/*
 * host_ns() from the TSC and the rate time_calibrate() measured against
 * the PIT. Runs: host root mode, any CPU.
 */
#include <asm/apic.h>
#include <asm/cpu.h>
#include <shale/muldiv.h>
#include <shale/time.h>

u64 host_ns(void)
{
	u32 khz = (u32)tsc_khz();

	return khz ? muldiv64(rdtsc(), 1000000, khz) : 0;
}

u64 host_ns_to_tsc(u64 ns)
{
	return muldiv64(ns, (u32)tsc_khz(), 1000000);
}
