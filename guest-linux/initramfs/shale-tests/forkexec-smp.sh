#!/bin/sh
# SPDX-License-Identifier: MIT
# shale.test=forkexec-smp: one fork/exec loop per CPU at the same time
# (cross-CPU TLB shootdowns, page tables built and torn down on every CPU).
# Runs: guest, started by /init in a child shell; exit 0 means pass.
# Template for new tests: put NAME.sh in guest-linux/initramfs/shale-tests/,
# print what you like, exit non-zero on failure.

n=${FORKEXEC_SMP_ITERATIONS:-500}
cpus=$(grep -c ^processor /proc/cpuinfo)

# loop: n fork/execs of /bin/true; exits with the number that failed (max 255).
loop() {
	bad=0
	i=0
	while [ "$i" -lt "$n" ]; do
		(exec /bin/true) || bad=$((bad + 1))
		i=$((i + 1))
	done
	[ "$bad" -gt 255 ] && bad=255
	exit "$bad"
}

pids=
c=0
while [ "$c" -lt "$cpus" ]; do
	loop &
	pids="$pids $!"
	c=$((c + 1))
done
failed=0
for p in $pids; do
	wait "$p" || failed=$((failed + 1))
done
echo "SHALE-LINUX-FORKEXEC-SMP: $cpus x $n, $failed loops failed"
[ "$failed" -eq 0 ]
