# SPDX-License-Identifier: MIT
"""Reads torture.elf's serial output (tests/guests/torture.c) for the
integration tests that run it, bare (test_guests_bare.py) and under Shale
(test_torture.py): the counts it prints and the lines that prove a run
passed and covered every operation and instruction form. Runs: host
(pytest-3), imported by the tests.
"""

import re

MODES = ("2-level", "PAE", "4-level")
OPERATIONS = ("map4k", "map-pair", "map-super", "unmap", "protect", "split",
              "zap-table", "clone-table", "copy-entries", "cr3-switch",
              "a/d-check", "map-reserved", "flush")
# Forms every mode uses, and those only long mode (4-level) can.
FORMS_32 = ("mov32", "xchg32", "lock-cmpxchg32", "lock-or32", "lock-and32",
            "lock-bts32", "lock-btr32", "rep-stosd", "rep-stosb",
            "rep-movsd", "rep-movsb")
FORMS_PAE = ("mov32-halves", "lock-cmpxchg8b")
FORMS_64 = ("mov64", "xchg64", "lock-cmpxchg64", "lock-cmpxchg16b",
            "lock-or64", "lock-and64", "lock-bts64", "lock-btr64",
            "rep-stosq", "rep-movsq")


def counts(lines, scope, what):
    """{name: count} from the lines "SCOPE: WHAT: name N name N ..." (scope
    "torture: total" or "torture: PAE", what "operations" or "forms"; the
    counts may take several lines)."""
    prefix = f"{scope}: {what}:"
    found = [line for line in lines if line.startswith(prefix)]
    assert found, (prefix, lines[-40:])
    words = " ".join(line[len(prefix):] for line in found).split()
    return {words[i]: int(words[i + 1]) for i in range(0, len(words), 2)}


def number(lines, scope, pattern):
    """The integer the one line "SCOPE: ..." matching pattern (a regex with
    one group, searched) holds."""
    found = [m for line in lines if line.startswith(f"{scope}: ")
             for m in [re.search(pattern, line)] if m]
    assert len(found) == 1, (scope, pattern, lines[-40:])
    return int(found[0].group(1))


def assert_torture_passed(lines, ops, modes=MODES, cpus=1):
    """The run checked ops operations without a mismatch, in each of modes
    (their shares adding up to ops), used every operation kind and every
    instruction form the modes offer, and with 2 CPUs both ran operations
    and shot each other's TLB down."""
    text = "\n".join(lines[-60:])
    assert lines[-2:] == ["PASS", "exit: 0"], text
    assert [line for line in lines
            if re.fullmatch(r"checks: \d+ run, 0 failed", line)], text
    assert not [line for line in lines if "MISMATCH" in line
                or line.endswith(" FAIL")], text
    assert f"torture: {ops} operations, 0 mismatches ok" in lines, text
    per_mode = 0
    for mode in modes:
        m = [re.fullmatch(rf"torture: {mode}: (\d+) operations, 0 mismatches"
                          r" \(seed \d+\) ok", line) for line in lines]
        m = [x for x in m if x]
        assert len(m) == 1, (mode, text)
        per_mode += int(m[0].group(1))
        op_counts = counts(lines, f"torture: {mode}", "operations")
        assert sum(op_counts.values()) == int(m[0].group(1)), op_counts
    assert per_mode == ops, text

    total = counts(lines, "torture: total", "operations")
    assert tuple(total) == OPERATIONS, total
    assert sum(total.values()) == ops, total
    assert all(total[k] > 0 for k in OPERATIONS), total
    forms = counts(lines, "torture: total", "forms")
    want = FORMS_32
    if "PAE" in modes or "4-level" in modes:
        want += FORMS_PAE
    if "4-level" in modes:
        want += FORMS_64
    assert all(forms[f] > 0 for f in want), forms
    scope = "torture: total"
    assert number(lines, scope, r"A/D checks (\d+)") > 0
    assert number(lines, scope, r"D after faulting write (\d+)") > 0
    assert number(lines, scope, r"invlpg (\d+) runs") > 0
    assert number(lines, scope, r"CR3 switch (\d+)") > 0
    assert number(lines, scope, r"not-present mapped\) (\d+)") > 0
    assert number(lines, scope, r"permission upgrade\) (\d+)") > 0
    assert number(lines, scope, r"ring 3 (\d+)") > 0
    if "4-level" in modes:
        assert number(lines, scope, r"1G splits (\d+)") > 0
    cpu_ops = [int(n) for n in re.findall(
        r"\[cpu \d+: (\d+) operations", "\n".join(
            line for line in lines if line.startswith(f"{scope}: cpus:")))]
    assert len(cpu_ops) == cpus and sum(cpu_ops) == ops, cpu_ops
    if cpus > 1:
        assert min(cpu_ops) > 0, cpu_ops
        assert number(lines, scope, r"shootdown IPIs (\d+)") > 0


def assert_torture_caught(lines):
    """A self-test run (inject=N): it reported a mismatch with the entries
    and recent changes, and failed."""
    text = "\n".join(lines[-60:])
    assert lines[-2:] == ["FAIL", "exit: 1"], text
    heads = [line for line in lines if line.startswith("torture: MISMATCH at"
                                                       " op ")]
    assert len(heads) == 1, text
    assert re.search(r"seed \d+, cpu \d+, address space \d+", heads[0])
    assert [line for line in lines
            if line.startswith("torture: the last ")], text
