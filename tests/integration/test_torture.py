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

LONG = os.environ.get("SHALE_LONG_TESTS") == "1"
long_only = pytest.mark.skipif(not LONG,
                               reason="long torture runs: SHALE_LONG_TESTS=1")

# (hap, vCPUs, operations, shale-run timeout in s) run by CI. Measured on
# an idle 2-core host's QEMU TCG: with NPT about 0.12 ms an operation on 1
# vCPU, 0.7 ms on 2 (they take turns and trade an IPI for half of the
# operations); with shadow paging about 1.3 ms and 4.5 ms. The timeouts
# leave room for a loaded host (3-4 times slower seen).
SCENARIOS = [(1, 1, 200000, 600), (1, 2, 30000, 600),
             (0, 1, 30000, 600), (0, 2, 10000, 600)]
# The million operations in each mode, on 1 and on 2 vCPUs
# (SHALE_LONG_TESTS=1); on an idle host about 2 and 12 minutes with NPT,
# 25 and 75 with shadow paging.
LONG_SCENARIOS = [(1, 1, 1000000, 1800), (1, 2, 1000000, 3600),
                  (0, 1, 1000000, 3600), (0, 2, 1000000, 10800)]
SEED = 1


def torture_domain_file(tmp_path, name, vcpus, hap, ops, extra=()):
    """Writes a domain file for torture.elf (64 MiB, extra lines added) and
    returns its path."""
    kernel = os.path.join(GUESTS, "torture.elf")
    if not os.path.isfile(kernel):
        pytest.fail(f"{kernel} is missing (make guests)")
    path = tmp_path / f"{name}.cfg"
    path.write_text("\n".join([
        f'name = "{name}"', 'type = "hvm"', f'kernel = "{kernel}"',
        f'cmdline = "seed={SEED} ops={ops}"', "memory = 64",
        f"vcpus = {vcpus}", f"hap = {hap}", *extra]) + "\n")
    return path


def guest_lines(output, name):
    """The domain's console lines, without their "(NAME) " prefix."""
    prefix = f"({name}) "
    return [line[len(prefix):].rstrip("\r") for line in output.splitlines()
            if line.startswith(prefix)]


def run_torture(run_shale, tmp_path, hap, vcpus, ops, timeout, extra=()):
    """Runs torture.elf in one domain; checks that it passed (every
    operation kind and instruction form used, no mismatch, counts adding
    up, with 2 vCPUs both ran operations and shot each other's TLB down)
    and gave its memory back; returns the domain's stats."""
    name = f"torture{vcpus}h{hap}"
    cfg = torture_domain_file(tmp_path, name, vcpus, hap, ops, extra)
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
    return dom["stats"]


def assert_shadow_stats(stats):
    """Shadow paging did its work: faults of every kind, emulated page-
    table writes, write access removed, and every shadow freed."""
    sh = stats["shadow"]
    for key in ("fault_guest", "fault_guest_fast", "fault_fixed",
                "emulated_writes", "wp_heuristic"):
        assert sh[key] > 0, (key, sh)
    assert sh["pages_in_use"] == 0, sh
    assert sh["pages_peak"] <= sh["pool_pages"], sh


def scenario_id(hap, vcpus, ops):
    return f"hap{hap}-{vcpus}vcpu-{ops // 1000}k"


@pytest.mark.parametrize("hap, vcpus, ops, timeout", SCENARIOS,
                         ids=[scenario_id(*s[:3]) for s in SCENARIOS])
def test_torture_passes_under_shale(shale_image, run_shale, tmp_path, hap,
                                    vcpus, ops, timeout):
    """torture.elf in a domain with vcpus vCPUs, on nested paging (hap = 1)
    or Shale's shadow page tables (hap = 0), runs its operations in all
    three paging modes without a mismatch between what the MMU did and
    its model; it exits 0 and the domain gives its memory back."""
    stats = run_torture(run_shale, tmp_path, hap, vcpus, ops, timeout)
    if hap == 0:
        assert_shadow_stats(stats)
    else:
        assert "shadow" not in stats, stats


@long_only
@pytest.mark.parametrize("hap, vcpus, ops, timeout", LONG_SCENARIOS,
                         ids=[scenario_id(*s[:3]) for s in LONG_SCENARIOS])
def test_torture_long_runs_under_shale(shale_image, run_shale, tmp_path, hap,
                                       vcpus, ops, timeout):
    """The long runs: a million operations with NPT and with shadow
    paging, on 1 and on 2 vCPUs (SHALE_LONG_TESTS=1)."""
    stats = run_torture(run_shale, tmp_path, hap, vcpus, ops, timeout)
    if hap == 0:
        assert_shadow_stats(stats)


def test_torture_with_smallest_shadow_pool(shale_image, run_shale, tmp_path):
    """With shadow_memory = 0 (the smallest pool: 32 + 16 pages per vCPU)
    torture.elf on 2 vCPUs still passes, recycling shadows to do it."""
    stats = run_torture(run_shale, tmp_path, 0, 2, 6000, 600,
                        extra=["shadow_memory = 0"])
    assert_shadow_stats(stats)
    sh = stats["shadow"]
    assert sh["pool_pages"] == 32 + 16 * 2, sh
    assert sh["recycles"] > 0, sh
