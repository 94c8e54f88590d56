# SPDX-License-Identifier: MIT
"""smp.elf as a Shale HVM domain: the same multiprocessor test kernel that
passes on bare QEMU (test_guests_bare.py) booted by Shale with several
vCPUs, so Shale's fw_cfg, ACPI tables, local APICs (INIT-SIPI-SIPI, timer,
IPIs, EOI) and PIT are judged by code written against real hardware.
Runs: host (pytest-3), booting Shale under QEMU TCG.
"""

import os

import pytest

from conftest import REPO_ROOT
from test_guests_bare import assert_smp_lines

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
