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


def test_fault_while_delivering_a_fault_on_bare_qemu(guests):
    """triple.elf's delivery cases on QEMU's own CPU, the reference
    test_domains.py holds Shale to: "df" gets a #DF with error 0 and CR2
    the #PF gate's address and passes; "pf-triple" shuts down; "pt-stack"
    (INT 0x80 pushing onto a page table) and "int-stack" (INT 0x80, INT3
    and INTO pushing onto fresh pages) pass."""
    status, lines, err = run_bare(guests, "triple", "df", timeout=30)
    assert status == 0, (lines, err)
    assert any(line.startswith("triple.elf: double fault delivered: error 0")
               for line in lines), lines
    status, lines, err = run_bare(guests, "triple", "pf-triple", timeout=30)
    assert status == BARE_NO_EXIT_PORT, (lines, err)
    assert "PASS" not in lines and "FAIL" not in lines, lines
    assert "QEMU exited with status 0" in err
    status, lines, err = run_bare(guests, "triple", "pt-stack", timeout=30)
    assert status == 0, (lines, err)
    assert any(line.startswith("triple.elf: INT 0x80 ran 1 time(s)")
               for line in lines), lines
    status, lines, err = run_bare(guests, "triple", "int-stack", timeout=30)
    assert status == 0, (lines, err)
    for insn in ("INT 0x80", "INT3", "INTO"):
        assert any(line.startswith(f"triple.elf: {insn} ran 1 time(s)")
                   for line in lines), lines


def test_cpu_checks_pass_and_say_the_shale_checks_were_skipped(guests):
    """cpu.elf passes on bare QEMU: the architectural checks that TCG
    implements ran (SVM instructions and VMMCALL raise #UD without
    EFER.SVME, CLTS, LMSW, PAT, the MSRs VMSAVE keeps, REP OUTSB), and the
    checks of Shale itself, and those TCG does not implement, each printed
    why they were skipped. test_domains.py runs it under Shale."""
    status, lines, err = run_bare(guests, "cpu")
    assert_passed(status, lines, err)
    tcg = 'QEMU TCG (CPUID 0x40000000 "TCGTCGTCGTCG")'
    not_shale = ': CPUID 0x40000000 names "TCGTCGTCGTCG" (max leaf' \
        ' 0x40000001), not Shale'
    for line in [f"cpu: Shale CPUID checks skipped{not_shale}",
                 f"cpu: Shale hypercall checks skipped{not_shale}",
                 f"cpu: #GP for MSRs that do not exist: skipped, {tcg}"
                 " reads them as 0 and ignores writes",
                 f"cpu: #GP for CR4 bits CPUID does not offer: skipped,"
                 f" {tcg} spins on the write instead of raising #GP",
                 "cpu: rep outsb to COM1: sent by OUTS"]:
        assert line in lines, (line, lines)
    for text in ["VMRUN with EFER.SVME=0: #UD",
                 "VMLOAD with EFER.SVME=0: #UD",
                 "VMSAVE with EFER.SVME=0: #UD",
                 "STGI with EFER.SVME=0: #UD",
                 "CLGI with EFER.SVME=0: #UD",
                 "vmmcall with EFER.SVME=0 and no hypervisor to take it: #UD",
                 "mov cr0 with TS=1, then CLTS: no fault, CR0.TS 1 then 0",
                 "lmsw m16 holding 0x000a (MP, TS; PE=0): no fault,",
                 "wrmsr STAR 0x23001087654321, CPUID",
                 "rep outsb of 14 bytes to port 0x3f8: no fault, ECX 0,",
                 "addr16 rep outsb to port 0x80 "]:
        found = [line for line in lines if line.startswith(f"cpu: {text}")]
        assert len(found) == 1 and found[0].endswith(" ok"), (text, found)
    # Nothing only Shale answers ran.
    assert not [line for line in lines if "0x40000000: signature" in line
                or "vmmcall SHALE_HC" in line], lines


def test_run_bare_refuses_a_missing_kernel(guests):
    """run-bare says so, with status 126, when the kernel does not exist."""
    status, lines, err = run_bare(guests, "no-such-guest")
    assert status == 126, (lines, err)
    assert "no such file" in err


def run_bare_cpus(guest_dir, name, cpus, timeout=60):
    """Runs NAME.elf through run-bare on a machine with cpus CPUs (-smp);
    returns what run_bare returns."""
    cmd = [RUN_BARE, "--timeout", str(timeout), "--cpus", str(cpus),
           os.path.join(guest_dir, f"{name}.elf")]
    proc = subprocess.run(cmd, cwd=REPO_ROOT, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=timeout + GUARD_SLACK_S)
    out = proc.stdout.decode("utf-8", errors="replace")
    lines = [line.rstrip("\r") for line in out.split("\n")]
    return (proc.returncode, [line for line in lines if line],
            proc.stderr.decode("utf-8", errors="replace"))


def assert_smp_lines(lines, cpus):
    """smp.elf's lines prove that cpus CPUs were found (fw_cfg, MADT), that
    every AP was started and came online with matching APIC IDs, and that
    every CPU took its timer interrupts and every AP its IPIs; no line for
    a CPU beyond them. test_smp_guest.py checks the same under Shale."""
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
    one(r"smp: ipi: 10 self IPIs .*: 10 arrived, one after another ok")
    one(r"smp: ipi: 3 all-excluding-self broadcasts: the BSP took none of"
        r" them \(0\) ok")
    one(r"smp: no AP took an exception \(0\) ok")


@pytest.mark.parametrize("cpus", [1, 2, 4])
def test_smp_starts_every_cpu_and_each_takes_timer_and_ipis(guests, cpus):
    """smp.elf on an N-CPU machine: fw_cfg and the MADT agree on N, every
    AP is started with INIT-SIPI-SIPI and comes online with the APIC ID the
    MADT gave it, every CPU takes periodic and one-shot LAPIC timer
    interrupts, every AP answers fixed and broadcast IPIs, and it passes
    (with 1 CPU too, starting nobody)."""
    status, lines, err = run_bare_cpus(guests, "smp", cpus, timeout=60)
    assert_passed(status, lines, err)
    assert_smp_lines(lines, cpus)


def test_pod_passes_bare_without_the_shale_checks(guests):
    """pod.elf on bare QEMU with 512 MiB: its touch, zero and verify passes
    (sparse, 128 MiB sequential, 128 MiB zeroed with REP STOSD, 128 MiB
    new, 32 MiB more) pass; MEMORY_INFO and MEMORY_TARGET are skipped with
    a line saying why. test_pod.py runs it under Shale."""
    status, lines, err = run_bare(guests, "pod", mem="512M", timeout=120)
    assert_passed(status, lines, err)
    assert 'pod: MEMORY_INFO and MEMORY_TARGET checks skipped: CPUID' \
        ' 0x40000000 names "TCGTCGTCGTCG", not Shale' in lines, lines
    for pattern in [r"low RAM: 158 pages in .*: 0 wrong",
                    r"sparse: 256 words, one per 2 MiB .*: 0 wrong",
                    r"sequential: 128 MiB at .*: 0 wrong",
                    r"zero: 128 MiB at .*, every word reads 0: 0 do not",
                    r"new: 128 MiB at .*: 0 wrong",
                    r"final: .* \(128 MiB and 32 MiB\): 0 wrong"]:
        assert [line for line in lines
                if re.fullmatch(rf"pod: {pattern} ok", line)], pattern
    assert not [line for line in lines if "MEMORY_TARGET(" in line], lines


def test_pod_exhaust_runs_to_the_end_bare(guests):
    """pod.elf exhaust=1 on bare QEMU (128 MiB) writes to every page,
    printing progress every 32 MiB; nothing stops it, so it says so and
    exits 1."""
    status, lines, err = run_bare(guests, "pod", "exhaust=1", mem="128M")
    assert status == 3, (lines, err)
    touched = [int(m.group(1)) for line in lines for m in [re.fullmatch(
        r"pod: exhaust: (\d+) MiB touched \(up to 0x[0-9a-f]{8}\)", line)]
        if m]
    assert touched == [32, 64, 96], lines
    assert lines[-3:] == ["pod: exhaust: touched everything (Shale should"
                          " have stopped this)", "FAIL", "exit: 1"], lines


# torture.elf: the page-table torture test (torture_output.py reads it).
TORTURE_CI_OPS = 200000


def run_torture(guest_dir, cpus, *args, timeout=300):
    """Runs torture.elf through run-bare on cpus CPUs with args; returns
    what run_bare returns."""
    cmd = [RUN_BARE, "--timeout", str(timeout), "--cpus", str(cpus),
           os.path.join(guest_dir, "torture.elf")] + [str(a) for a in args]
    proc = subprocess.run(cmd, cwd=REPO_ROOT, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=timeout + GUARD_SLACK_S)
    out = proc.stdout.decode("utf-8", errors="replace")
    lines = [line.rstrip("\r") for line in out.split("\n")]
    return (proc.returncode, [line for line in lines if line],
            proc.stderr.decode("utf-8", errors="replace"))


TORTURE_LONG = pytest.mark.skipif(
    os.environ.get("SHALE_LONG_TESTS") != "1",
    reason="long torture runs: SHALE_LONG_TESTS=1")


@pytest.mark.parametrize("cpus, seed, ops", [
    (1, 1, TORTURE_CI_OPS), (2, 7, 50000),
    pytest.param(1, 20240, TORTURE_CI_OPS, marks=TORTURE_LONG),
    pytest.param(2, 8, TORTURE_CI_OPS, marks=TORTURE_LONG)])
def test_torture_passes_bare(guests, cpus, seed, ops):
    """torture.elf runs ops random page-table operations over the three
    paging modes (1 or 2 CPUs: with 2 they take turns and shoot each
    other's TLB down by IPI) and every access and entry it checks matches
    its model; every operation kind and instruction form was used."""
    from torture_output import assert_torture_passed

    status, lines, err = run_torture(guests, cpus, f"seed={seed}",
                                     f"ops={ops}")
    assert_passed(status, lines, err)
    assert_torture_passed(lines, ops, cpus=cpus)


@TORTURE_LONG
def test_torture_million_operations_bare(guests):
    """The default run: a million operations on 1 CPU, within a time that
    keeps the suite usable (about 80-90 s of CPU time on QEMU TCG)."""
    from torture_output import assert_torture_passed

    status, lines, err = run_torture(guests, 1, timeout=600)
    assert_passed(status, lines, err)
    assert_torture_passed(lines, 1000000)
    assert [line for line in lines if line.startswith(
        "torture: progress: 1000000 operations")], lines[-40:]


@pytest.mark.parametrize("inject, cpus", [(1, 1), (2, 2), (3, 1)],
                         ids=["skip-flushes", "skip-shootdowns",
                              "corrupt-model"])
def test_torture_catches_what_it_is_meant_to(guests, inject, cpus):
    """Self-test: with a required TLB flush skipped (inject=1), the
    shootdown IPIs skipped (inject=2, 2 CPUs) or its model corrupted
    (inject=3), torture.elf reports a mismatch and fails."""
    from torture_output import assert_torture_caught

    status, lines, err = run_torture(guests, cpus, f"inject={inject}",
                                     "ops=60000")
    assert status == 3, (lines[-40:], err)
    assert_torture_caught(lines)
