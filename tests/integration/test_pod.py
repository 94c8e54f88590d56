# SPDX-License-Identifier: MIT
"""Populate-on-demand (issue 6) judged from inside a domain: pod.elf in a
domain that sees 2 GiB (maxmem = 2048) with 256 MiB backed (memory = 256)
on a 1 GiB host, so the domain could never be fully backed; it touches
memory sparsely and sequentially, zeroes a large region and keeps
touching new memory, moves its target down and up through
SHALE_HC_MEMORY_TARGET, and told exhaust=1 touches more than the target can
ever back while a second domain runs. Runs: host (pytest-3), booting Shale
under QEMU TCG.
"""

import os
import re

import pytest

from conftest import REPO_ROOT

GUESTS = os.path.join(REPO_ROOT, "build", "tests", "guests")

MEMORY_MIB, MAXMEM_MIB, HOST_MEM = 256, 2048, "1G"
# pod.elf under Shale populates and sweeps ~2.5 GiB of guest memory, all
# under QEMU TCG; the exhausting domain stops after ~256 MiB.
TIMEOUT_S = 600

# pod.elf's check lines (after "(pod) pod: ") that must each be there and
# end in " ok": proof that every step ran under Shale, none skipped.
POD_CHECKS = [
    r"MEMORY_INFO at the start answered",
    rf"maxmem {MAXMEM_MIB * 1024} KiB against the memory map's \d+ KiB of"
    r" RAM: .*",
    rf"target \d+ KiB within \d+ KiB of {MEMORY_MIB * 1024} KiB .*",
    r"populated \+ cache \d+ KiB <= target \d+ KiB",
    r"cache \d+ KiB <= outstanding \d+ KiB",
    r"outstanding \d+ KiB: at least maxmem - target .*",
    r"low RAM: \d+ pages in .*: 0 wrong",
    r"sparse: 1024 words, one per 2 MiB in .*: 0 wrong",
    r"sparse: new memory read 0 before the write .*: 0 words did not",
    r"sparse: over \d+ MEMORY_INFO samples populated stayed <= .*",
    r"sparse: populated grew, \d+ -> \d+ KiB",
    r"sequential: 128 MiB at .*: 0 wrong",
    r"sequential: over \d+ MEMORY_INFO samples .*",
    r"zero: 128 MiB at .* cleared with REP STOSD page by page, every word"
    r" reads 0: 0 do not",
    r"new: 128 MiB at .* after the zeroing, .*: 0 wrong",
    r"zero: the zeroed region still reads 0 afterwards .*: 0 do not",
    r"zero and new: over \d+ MEMORY_INFO samples .*",
    r"zero and new: populated \d+ -> \d+ KiB, populated \+ cache \d+ KiB"
    r" <= target \d+ KiB",
    r"balloon: MEMORY_TARGET\(\d+ KiB\) returned 0 \(want 0\)",
    r"balloon: no cache beyond the lowered target .*",
    r"late: 32 MiB at .* under the lowered target, .*: 0 wrong",
    r"late, under the lowered target: over \d+ MEMORY_INFO samples .*",
    r"balloon: MEMORY_TARGET\(\d+ KiB\) \(back up\) returned 0 \(want 0\)",
    r"balloon: MEMORY_TARGET\(\d+ KiB\) \(a page above maxmem\) returned"
    r" -22 \(want -22\)",
    r"balloon: MEMORY_TARGET\(\d+ KiB\) \(far above maxmem\) returned -22"
    r" \(want -22\)",
    r"final: the new memory still holds its values .*: 0 wrong",
]

PROGRESS = re.compile(r"pod: exhaust: (\d+) MiB touched")
INFO = re.compile(r"pod: info (.*): maxmem (\d+) KiB, target (\d+) KiB,"
                  r" populated (\d+) KiB, cache (\d+) KiB, outstanding (\d+)"
                  r" KiB")


def domain_file(tmp_path, name, kernel, memory, maxmem=None, hap=1,
                cmdline=None):
    """Writes an xl.cfg-style domain file and returns its path."""
    path = os.path.join(GUESTS, kernel + ".elf")
    if not os.path.isfile(path):
        pytest.fail(f"{path} is missing (make guests)")
    lines = [f'name = "{name}"', 'type = "hvm"', f'kernel = "{path}"',
             f"memory = {memory}", "vcpus = 1", f"hap = {hap}"]
    if maxmem is not None:
        lines.append(f"maxmem = {maxmem}")
    if cmdline is not None:
        lines.append(f'cmdline = "{cmdline}"')
    cfg = tmp_path / f"{name}.cfg"
    cfg.write_text("\n".join(lines) + "\n")
    return cfg


def by_name(summary):
    return {d["name"]: d for d in summary["domains"]}


def guest_lines(output, name):
    """The domain's console lines, without their "(NAME) " prefix."""
    prefix = f"({name}) "
    return [line[len(prefix):].rstrip("\r") for line in output.splitlines()
            if line.startswith(prefix)]


def assert_memory_given_back(summary):
    """Every frame a domain took (PoD cache and populated pages too) is
    free again once all have ended."""
    mem = summary["mem"]
    assert mem["used_kib"] == mem["used_before_domains_kib"], mem


def assert_pod_lines(lines):
    """pod.elf passed, every step's check is there and ok, nothing was
    skipped."""
    assert lines[-2:] == ["PASS", "exit: 0"], lines[-10:]
    assert re.fullmatch(r"checks: \d+ run, 0 failed", lines[-3]), lines[-10:]
    assert not [line for line in lines if line.endswith(" FAIL")], lines
    assert not [line for line in lines if "skipped" in line], lines
    assert 'pod: cpuid 0x40000000: "ShaleHVShale": under Shale' in lines
    for pattern in POD_CHECKS:
        found = [line for line in lines
                 if re.fullmatch(rf"pod: {pattern} ok", line)]
        assert found, (pattern, [line for line in lines
                                 if line.startswith("pod: ")])


def assert_pod_stats(pod, lines):
    """The domain's "pod" stats: populates at several orders, pages the
    sweep took back, and the target pod.elf last read."""
    populates = pod["populates"]
    assert set(populates) == {"4k", "2m", "1g"}, pod
    assert sum(1 for n in populates.values() if n) >= 2, pod
    assert set(pod["reclaimed"]) == {"4k", "2m"}, pod
    assert sum(pod["reclaimed"].values()) > 0, pod
    assert pod["sweeps"] > 0, pod
    for key in ("splits", "cache_kib", "outstanding_kib", "target_kib"):
        assert key in pod, (key, pod)
    final = [m for m in map(INFO.fullmatch, lines) if m and
             m.group(1) == "final"]
    assert len(final) == 1, lines
    assert pod["target_kib"] == int(final[0].group(3)), (pod, final[0][0])


def run_pod(run_shale, tmp_path, hap):
    cfg = domain_file(tmp_path, "pod", "pod", MEMORY_MIB, MAXMEM_MIB,
                      hap=hap)
    rc, out, summary = run_shale("--cpus", 2, "--mem", HOST_MEM, cfg,
                                 timeout=TIMEOUT_S)
    assert summary is not None, out[-3000:]
    d = by_name(summary)["pod"]
    assert (d["result"], d["exit_code"]) == ("pass", 0), out[-5000:]
    assert rc == 0
    lines = guest_lines(out, "pod")
    assert_pod_lines(lines)
    assert "pod" in d["stats"], d["stats"]
    assert_pod_stats(d["stats"]["pod"], lines)
    assert_memory_given_back(summary)


@pytest.mark.parametrize("hap", [pytest.param(1, id="hap1"),
                                 pytest.param(0, id="hap0")])
def test_pod_domain_touches_zeroes_and_balloons(shale_image, run_shale,
                                                tmp_path, hap):
    """pod.elf with memory = 256, maxmem = 2048 on a 1 GiB host: it sees
    2 GiB, touches one word per 2 MiB of all of it and 128 MiB page by
    page, zeroes those 128 MiB and touches 128 MiB more (which fits only
    if the sweep takes the zeroed pages back), lowers its target to
    192 MiB, touches more, raises it back, is refused a target above
    maxmem, and finds every value it left; MEMORY_INFO never shows more
    populated than the target. Shale's stats show populates at two orders
    or more and pages reclaimed by the sweep; every frame comes back."""
    run_pod(run_shale, tmp_path, hap)


@pytest.mark.parametrize("hap", [pytest.param(1, id="hap1"),
                                 pytest.param(0, id="hap0")])
def test_pod_exhaustion_crashes_only_its_domain(shale_image, run_shale,
                                                tmp_path, hap):
    """pod.elf exhaust=1 writes to every page of its 2 GiB with only
    256 MiB of target: Shale crashes it for PoD exhaustion once the cache
    and the sweep have nothing left, after it has touched most of its
    target; hello.elf in the same run passes and the host goes on."""
    cfgs = [domain_file(tmp_path, "podx", "pod", MEMORY_MIB, MAXMEM_MIB,
                        hap=hap, cmdline="exhaust=1"),
            domain_file(tmp_path, "hello", "hello", 64, cmdline="alongside")]
    rc, out, summary = run_shale("--cpus", 2, "--mem", HOST_MEM, *cfgs,
                                 timeout=TIMEOUT_S)
    assert summary is not None, out[-3000:]
    doms = by_name(summary)
    podx = doms["podx"]
    assert podx["result"] == "crashed", out[-5000:]
    assert re.search(r"populate-on-demand|PoD", podx["reason"]), podx
    assert "shale: domain podx crashed: " in out
    lines = guest_lines(out, "podx")
    assert "pod: exhaust: touched everything (Shale should have stopped"\
        " this)" not in lines, lines[-10:]
    touched = [int(m.group(1)) for m in map(PROGRESS.match, lines) if m]
    # Stopped after most of the target, before all of maxmem.
    assert touched and MEMORY_MIB * 5 // 8 <= touched[-1] < MAXMEM_MIB, \
        lines[-10:]
    assert doms["hello"]["result"] == "pass", out[-5000:]
    assert '(hello) hello: command line: "alongside"' in out
    assert "(hello) PASS" in out
    assert rc == 1
    assert summary["passed"] is False
    assert_memory_given_back(summary)
