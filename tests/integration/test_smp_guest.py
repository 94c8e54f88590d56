# SPDX-License-Identifier: MIT
"""smp.elf as a Shale HVM domain: the same multiprocessor test kernel that
passes on bare QEMU (test_guests_bare.py) booted by Shale with several
vCPUs, so Shale's fw_cfg, ACPI tables, local APICs (INIT-SIPI-SIPI, timer,
IPIs, EOI) and PIT are judged by code written against real hardware.
Runs: host (pytest-3), booting Shale under QEMU TCG.
"""

import os
import re

import pytest

from conftest import REPO_ROOT

GUESTS = os.path.join(REPO_ROOT, "build", "tests", "guests")

# (domain vCPUs, Shale's host CPUs): 4 on 2 makes halted vCPUs wait for
# their timers while another vCPU holds their CPU.
SCENARIOS = [(1, 2), (2, 2), (4, 2)]


def smp_domain_file(tmp_path, name, vcpus, hap=1):
    """Writes a domain file for smp.elf (64 MiB) with vcpus and hap."""
    kernel = os.path.join(GUESTS, "smp.elf")
    if not os.path.isfile(kernel):
        pytest.fail(f"{kernel} is missing (make guests)")
    path = tmp_path / f"{name}.cfg"
    path.write_text("\n".join([
        f'name = "{name}"', 'type = "hvm"', f'kernel = "{kernel}"',
        "memory = 64", f"vcpus = {vcpus}", f"hap = {hap}"]) + "\n")
    return path


def guest_lines(output, name):
    """The domain's console lines, without their "(NAME) " prefix."""
    prefix = f"({name}) "
    return [line[len(prefix):].rstrip("\r") for line in output.splitlines()
            if line.startswith(prefix)]


def assert_smp_lines(lines, cpus):
    """The lines that prove cpus vCPUs were found (fw_cfg, MADT), every AP
    was started and came online with matching APIC IDs, every vCPU took
    its timer interrupts and every AP its IPIs (as test_guests_bare.py
    checks on bare QEMU)."""
    def one(pattern):
        found = [m for m in map(lambda l: re.fullmatch(pattern, l), lines)
                 if m]
        assert len(found) == 1, (pattern, lines)
        return found[0]

    one(rf"smp: fw_cfg: NB_CPUS \(0x0005\) = {cpus} \(1\.\.16\) ok")
    one(rf"smp: acpi: MADT: {cpus} enabled processors = fw_cfg NB_CPUS"
        rf" {cpus} ok")
    if cpus == 1:
        one(r"smp: start: 1 CPU in the MADT: no APs to start")
    else:
        one(rf"smp: start: {cpus - 1} of {cpus - 1} APs online .* ok")
    for i in range(cpus):
        bsp = r" \(BSP\)" if i == 0 else ""
        one(rf"smp: cpu {i}: APIC ID {i}{bsp} online: LAPIC ID {i},"
            rf" CPUID\.1:EBX\[31:24\] {i}, MADT {i}; .* ok")
        one(rf"smp: cpu {i}: LAPIC timer current count decreases: .* ok")
        ticks = one(rf"smp: cpu {i}: (\d+) periodic LAPIC timer interrupts"
                    r" \(at least 20\) ok")
        assert int(ticks.group(1)) >= 20, ticks.group(0)
        one(rf"smp: cpu {i}: one-shot LAPIC timer fired exactly once \(1\),"
            r" 0 stray timer interrupts ok")
        if i:
            one(rf"smp: start: cpu {i} \(APIC ID {i}\): INIT, 10 ms, SIPI,"
                r" 200 us, SIPI \(vector 0x[0-9a-f]{2}\): reached 32-bit"
                r" code; 3 IPIs sent, ESR 0x0 ok")
            one(rf"smp: cpu {i}: 10 fixed IPIs and 3 all-excluding-self"
                r" broadcasts: 13 received, 13 replies to the BSP ok")
    assert not [line for line in lines
                if line.startswith(f"smp: cpu {cpus}:")], lines
    one(r"smp: no AP took an exception \(0\) ok")


@pytest.mark.parametrize("hap", [1, 0], ids=["hap1", "hap0"])
@pytest.mark.parametrize("vcpus,host_cpus", SCENARIOS,
                         ids=[f"{v}vcpu" for v, _ in SCENARIOS])
def test_smp_guest_starts_every_vcpu_and_each_takes_timer_and_ipis(
        shale_image, run_shale, tmp_path, vcpus, host_cpus, hap):
    """smp.elf in a HAP domain with vcpus vCPUs passes: fw_cfg and the MADT
    agree on the count, every AP is started with INIT-SIPI-SIPI, and every
    vCPU takes LAPIC timer interrupts and IPIs; it exits 0 through port
    0xF4 and the domain gives its memory back."""
    name = f"smp{vcpus}"
    cfg = smp_domain_file(tmp_path, name, vcpus, hap)
    rc, out, summary = run_shale("--cpus", host_cpus, "--mem", "1G", cfg,
                                 timeout=240)
    assert summary is not None, out[-3000:]
    dom = {d["name"]: d for d in summary["domains"]}[name]
    assert (dom["result"], dom["exit_code"]) == ("pass", 0), out[-3000:]
    assert rc == 0, out[-3000:]
    lines = guest_lines(out, name)
    assert lines[-2:] == ["PASS", "exit: 0"], lines
    assert not [line for line in lines if line.endswith(" FAIL")], lines
    assert_smp_lines(lines, vcpus)
    mem = summary["mem"]
    assert mem["used_kib"] == mem["used_before_domains_kib"], mem
