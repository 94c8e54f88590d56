# SPDX-License-Identifier: MIT
"""torture.elf as a Shale HVM domain: the page-table torture test kernel
(seeded random page-table writes with every instruction form, superpage
maps and splits, permission changes, invlpg, CR3 switches between address
spaces, cross-vCPU TLB shootdowns by IPI, every access checked against its
model) that passes on bare QEMU (test_guests_bare.py), run by Shale with 1
and 2 vCPUs. Runs: host (pytest-3), booting Shale under QEMU TCG.
"""

import os

import pytest

from conftest import REPO_ROOT
from torture_output import assert_torture_passed

GUESTS = os.path.join(REPO_ROOT, "build", "tests", "guests")

# Long (a million operations per run) and not yet part of CI: run with
# SHALE_LONG_TESTS=1. Under hap = 0 with 2 vCPUs it still stalls (issue 5).
pytestmark = pytest.mark.skipif(os.environ.get("SHALE_LONG_TESTS") != "1",
                                reason="long torture runs: SHALE_LONG_TESTS=1")

# hap = 0 (shadow paging, being written now) joins this list when it runs
# the same kernel: the "done when" asks for both.
HAP_MODES = [1]

# (vCPUs, operations, shale-run timeout in s). One vCPU runs the default
# million operations (about 2 minutes under Shale with NPT on an idle
# host's QEMU TCG); two take turns on every operation and trade an IPI for
# half of them, about 0.7 ms an operation, so they run fewer to keep the
# suite's time in bounds. The timeouts leave room for a loaded host (3-4
# times slower seen).
SCENARIOS = [(1, 1000000, 900), (2, 100000, 900)]
SEED = 1


def torture_domain_file(tmp_path, name, vcpus, hap, ops):
    """Writes a domain file for torture.elf (64 MiB) and returns its
    path."""
    kernel = os.path.join(GUESTS, "torture.elf")
    if not os.path.isfile(kernel):
        pytest.fail(f"{kernel} is missing (make guests)")
    path = tmp_path / f"{name}.cfg"
    path.write_text("\n".join([
        f'name = "{name}"', 'type = "hvm"', f'kernel = "{kernel}"',
        f'cmdline = "seed={SEED} ops={ops}"', "memory = 64",
        f"vcpus = {vcpus}", f"hap = {hap}"]) + "\n")
    return path


def guest_lines(output, name):
    """The domain's console lines, without their "(NAME) " prefix."""
    prefix = f"({name}) "
    return [line[len(prefix):].rstrip("\r") for line in output.splitlines()
            if line.startswith(prefix)]


@pytest.mark.parametrize("hap", HAP_MODES, ids=[f"hap{h}" for h in HAP_MODES])
@pytest.mark.parametrize("vcpus, ops, timeout", SCENARIOS,
                         ids=[f"{v}vcpu" for v, _, _ in SCENARIOS])
def test_torture_passes_under_shale(shale_image, run_shale, tmp_path, hap,
                                    vcpus, ops, timeout):
    """torture.elf in a domain with vcpus vCPUs runs its operations in all
    three paging modes without a mismatch between what the MMU did and
    its model: every operation kind and instruction form was used, the
    counts add up, with 2 vCPUs both ran operations and shot each other's
    TLB down; it exits 0 and the domain gives its memory back."""
    name = f"torture{vcpus}h{hap}"
    cfg = torture_domain_file(tmp_path, name, vcpus, hap, ops)
    rc, out, summary = run_shale("--cpus", 2, "--mem", "1G", cfg,
                                 timeout=timeout)
    assert summary is not None, out[-3000:]
    dom = {d["name"]: d for d in summary["domains"]}[name]
    lines = guest_lines(out, name)
    assert (dom["result"], dom["exit_code"]) == ("pass", 0), \
        "\n".join(lines[-80:])
    assert rc == 0, out[-3000:]
    assert_torture_passed(lines, ops, cpus=vcpus)
    mem = summary["mem"]
    assert mem["used_kib"] == mem["used_before_domains_kib"], mem
