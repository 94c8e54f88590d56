# SPDX-License-Identifier: MIT
"""The test kernels (tests/guests) on bare QEMU TCG, without Shale: each runs
through tests/guests/run-bare on the CPU model Shale's launcher uses, so a
guest's own bugs show up here before the guest is used to judge Shale.
Builds the guests with `make guests` first; skipped when the tools are
missing (failed under CI). Runs: host (pytest-3), one QEMU at a time.
"""

import os
import re
import shutil
import subprocess

import pytest

from conftest import REPO_ROOT

RUN_BARE = os.path.join(REPO_ROOT, "tests", "guests", "run-bare")
GUEST_DIR = os.path.join(REPO_ROOT, "build", "tests", "guests")
TOOLS = ("make", "gcc", "ld", "nasm", "qemu-system-x86_64")
GUARD_SLACK_S = 30

# run-bare's own exit statuses (see its header).
BARE_PASS, BARE_NO_EXIT_PORT = 0, 2

# (mode, page size, parent entry whose U/W/NX bits are checked, or None)
PAGING_CONFIGS = [
    ("2-level", "4K", "PDE"),
    ("2-level", "4M", None),
    ("PAE", "4K", "PDE"),
    ("PAE", "2M", None),
    ("4-level", "4K", "PDE"),
    ("4-level", "2M", "PDPTE"),
    ("4-level", "1G", None),
]

# Checks every paging config must have printed with "ok": (how the line
# starts after "paging: MODE SIZE: ", exact #PF error code or None). The error codes are
# the architectural ones (SDM vol. 3, 4.7): P=1 W=2 U=4 I=0x10.
PAGING_CHECKS = [
    ("paging on:", None),
    ("supervisor read through page B on the same frame:", None),
    ("supervisor read through page A:", None),
    ("supervisor read after remapping page A to another frame and invlpg:",
     None),
    ("supervisor read after remapping page A back and invlpg:", None),
    ("supervisor read after remapping page A to another frame and CR3"
     " reload:", None),
    ("supervisor read of a not-present page:", 0x0),
    ("supervisor write to a not-present page:", 0x2),
    ("user read of a not-present page:", 0x4),
    ("user write to a not-present page:", 0x6),
    ("supervisor read of a page whose entry is zero:", 0x0),
    ("user write to a page whose entry is zero:", 0x6),
    ("user read of a supervisor page:", 0x5),
    ("user write to a supervisor page:", 0x7),
    ("user write to a read-only page:", 0x7),
    ("supervisor write to a read-only page with CR0.WP=1:", 0x3),
    ("supervisor write to a read-only page with CR0.WP=0:", None),
    ("user write to a read-only page with CR0.WP=0:", 0x7),
    ("supervisor write to a read-only supervisor page with CR0.WP=1:", 0x3),
    ("user fetch from a user page:", None),
    ("before any access the leaf entry ", None),
    ("after a read the leaf entry ", None),
    ("after a write the leaf entry ", None),
    ("after a faulting write the leaf entry ", None),
    ("paging off again", None),
]

# Fetch checks whose error code depends on EFER.NXE (I bit), and the NX
# checks proper; only where the mode has NX (PAE, 4-level).
FETCH_CHECKS = [
    ("supervisor fetch from a not-present page:", 0x0),
    ("user fetch from a not-present page:", 0x4),
    ("user fetch from a supervisor page:", 0x5),
]
NX_CHECKS = [
    ("supervisor fetch from an NX page:", 0x11),
    ("user fetch from an NX page:", 0x15),
    ("supervisor read of an NX page:", None),
    ("supervisor fetch after clearing NX and invlpg:", None),
]


def _missing_tools():
    return [t for t in TOOLS if not shutil.which(t)]


@pytest.fixture(scope="module")
def guests():
    """Builds the guests (`make guests`) and returns their directory.

    Skips when a tool is missing; under CI (CI=true), which installs the
    tools first, a missing tool fails instead.
    """
    missing = _missing_tools()
    if missing:
        why = f"missing {', '.join(missing)} (run tools/install-deps)"
        if os.environ.get("CI") == "true":
            pytest.fail(why)
        pytest.skip(why)
    proc = subprocess.run(["make", "guests"], cwd=REPO_ROOT,
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=300)
    assert proc.returncode == 0, proc.stdout.decode(errors="replace")
    return GUEST_DIR


def run_bare(guest_dir, name, *args, timeout=60, mem=None):
    """Runs NAME.elf through run-bare; returns (status, serial lines,
    run-bare's stderr). Lines have their "\\r" stripped."""
    cmd = [RUN_BARE, "--timeout", str(timeout)]
    if mem:
        cmd += ["--mem", mem]
    cmd += [os.path.join(guest_dir, f"{name}.elf")] + [str(a) for a in args]
    proc = subprocess.run(cmd, cwd=REPO_ROOT, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=timeout + GUARD_SLACK_S)
    out = proc.stdout.decode("utf-8", errors="replace")
    lines = [line.rstrip("\r") for line in out.split("\n")]
    return (proc.returncode, [line for line in lines if line],
            proc.stderr.decode("utf-8", errors="replace"))


def assert_passed(status, lines, err):
    """The guest printed PASS last (before the exit line), no check line
    says FAIL, and it exited 0 through port 0xF4."""
    text = "\n".join(lines) + "\n" + err
    assert status == BARE_PASS, text
    assert lines[-2:] == ["PASS", "exit: 0"], text
    assert not [line for line in lines if line.endswith(" FAIL")], text


def test_hello_prints_greeting_and_command_line(guests):
    """hello.elf greets, echoes the command line it was given and passes."""
    status, lines, err = run_bare(guests, "hello", "greeting=yes", "x=1")
    assert_passed(status, lines, err)
    assert "hello from a test kernel" in lines
    cmdline = [line for line in lines
               if line.startswith("hello: command line: ")]
    assert len(cmdline) == 1, lines
    assert "greeting=yes x=1" in cmdline[0]


@pytest.mark.parametrize("code", [1, 3, 100])
def test_hello_exit_code_reaches_qemu(guests, code):
    """exit=N on hello.elf's command line makes QEMU exit with 2N+1
    (isa-debug-exit), which run-bare passes on."""
    status, lines, err = run_bare(guests, "hello", f"exit={code}")
    assert status == 2 * code + 1, (lines, err)
    assert f"exit: {code}" in lines
    assert f"QEMU status {2 * code + 1}" in err


@pytest.mark.parametrize("mem, min_mib", [("256M", 250), ("512M", 500)])
def test_memory_checks_all_ram_above_1mib(guests, mem, min_mib):
    """memory.elf writes and reads back all RAM the multiboot map offers
    above 1 MiB, in two passes, and sizes it from that map."""
    status, lines, err = run_bare(guests, "memory", mem=mem)
    assert_passed(status, lines, err)
    tested = [int(m.group(1)) for line in lines
              for m in [re.fullmatch(r"memory: tested (\d+) MiB", line)]
              if m]
    assert len(tested) == 1, lines
    assert min_mib <= tested[0] < int(mem[:-1]), lines
    for n in (1, 2):
        assert any(re.fullmatch(rf"memory: pass {n} \(.*\): {tested[0]} MiB"
                                r" written and read back, 0 words wrong ok",
                                line) for line in lines), lines


@pytest.fixture(scope="module")
def paging_run(guests):
    """paging.elf's (status, lines, stderr), run once for all its tests."""
    return run_bare(guests, "paging")


def test_paging_passes(paging_run):
    """paging.elf passes and ran all its checks (none skipped silently)."""
    status, lines, err = paging_run
    assert_passed(status, lines, err)
    summary = [line for line in lines if line.startswith("checks: ")]
    assert len(summary) == 1, lines
    run = int(re.match(r"checks: (\d+) run, 0 failed$", summary[0]).group(1))
    assert run >= 350, summary


def test_paging_cpu_offers_nx_and_1g_pages(paging_run):
    """run-bare's CPU model (shale-run's) has PSE, PAE, NX, long mode and
    1G pages, so none of paging.elf's checks may be skipped for want of
    them."""
    _, lines, _ = paging_run
    assert "paging: cpuid: pse=1 pae=1 nx=1 lm=1 pdpe1gb=1" in lines, lines
    assert not [line for line in lines if ": skipped: " in line], lines


def _check_line(lines, prefix, text, err):
    """Finds the one line "PREFIX: TEXT..." and checks it ends in ok; if err
    is not None, it must report #PF with exactly that error code. Returns
    its cr2."""
    found = [line for line in lines if line.startswith(f"{prefix}: {text}")]
    assert len(found) == 1, (prefix, text, found)
    line = found[0]
    assert line.endswith(" ok"), line
    if err is None:
        return None
    m = re.search(r": #PF err=(0x[0-9a-f]+) cr2=(0x[0-9a-f]+) ok$", line)
    assert m, line
    assert int(m.group(1), 16) == err, line
    return int(m.group(2), 16)


@pytest.mark.parametrize("mode, size, parent", PAGING_CONFIGS,
                         ids=[f"{m}-{s}" for m, s, _ in PAGING_CONFIGS])
def test_paging_checks_ran_in_mode(paging_run, mode, size, parent):
    """Every paging mode and page size ran the translation, invlpg, P, U/S,
    R/W (CR0.WP on and off), NX, parent-entry and A/D checks, each #PF with
    the exact error code and a CR2 on the test page."""
    _, lines, _ = paging_run
    prefix = f"paging: {mode} {size}"
    nx = mode != "2-level"
    if mode == "4-level":
        _check_line(lines, prefix, "long mode active,", None)

    cr2s = set()
    for text, err in PAGING_CHECKS:
        cr2 = _check_line(lines, prefix, text, err)
        if cr2 is not None and "fetch" not in text:
            cr2s.add(cr2)
    # One data address for every data fault, on the test page at 1 GiB.
    assert len(cr2s) == 1, cr2s
    data = cr2s.pop()
    assert 0x40000000 <= data < 0x80000000, hex(data)

    i_bit = 0x10 if nx else 0
    for text, err in FETCH_CHECKS:
        cr2 = _check_line(lines, prefix, text, err | i_bit)
        assert cr2 == data + 0x40, (text, hex(cr2))
    if nx:
        for text, err in NX_CHECKS:
            _check_line(lines, prefix, text, err)
    else:
        assert f"{prefix}: NX checks skipped: 2-level entries have no NX" \
            " bit" in lines

    if parent:
        _check_line(lines, prefix,
                    f"supervisor read through a {parent} with P=0:", 0x0)
        _check_line(lines, prefix,
                    f"user write through a {parent} with P=0:", 0x6)
        _check_line(lines, prefix,
                    f"user read through a {parent} with U=0 (leaf U=1):",
                    0x5)
        _check_line(lines, prefix,
                    f"user write through a {parent} with W=0 (leaf W=1):",
                    0x7)
        _check_line(lines, prefix, f"supervisor write through a {parent}"
                    " with W=0 (leaf W=1), CR0.WP=1:", 0x3)
        if nx:
            _check_line(lines, prefix, f"supervisor fetch through a {parent}"
                        " with NX=1 (leaf NX=0):", 0x11)
        _check_line(lines, prefix, f"the walk set A in the {parent}:", None)


def test_triple_fault_shuts_the_machine_down(guests):
    """triple.elf announces itself, then triple-faults: QEMU (-no-reboot)
    exits with status 0 and nothing is ever written to port 0xF4."""
    status, lines, err = run_bare(guests, "triple", timeout=30)
    assert status == BARE_NO_EXIT_PORT, (lines, err)
    assert lines == ["triple.elf: about to triple fault"], lines
    assert "QEMU exited with status 0" in err


def test_run_bare_refuses_a_missing_kernel(guests):
    """run-bare says so, with status 126, when the kernel does not exist."""
    status, lines, err = run_bare(guests, "no-such-guest")
    assert status == 126, (lines, err)
    assert "no such file" in err
