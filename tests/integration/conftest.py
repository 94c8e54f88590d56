# SPDX-License-Identifier: MIT
"""Shared helpers for the integration tests: running tools/shale-run, finding
the hypervisor image, reading its ELF program headers. Runs: host (pytest-3).
"""

import json
import os
import re
import struct
import subprocess
import sys

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
TOOLS = os.path.join(REPO_ROOT, "tools")
SHALE_RUN = os.path.join(TOOLS, "shale-run")
IMAGE = os.path.join(REPO_ROOT, "build", "shale.elf")
SUMMARY_PREFIX = "shale: summary "

# The launcher's parser module, importable as `shalecfg` by the tests.
if TOOLS not in sys.path:
    sys.path.insert(0, TOOLS)

# How much longer than shale-run's own --timeout the test waits before it
# kills shale-run itself (a guard against a launcher that hangs).
GUARD_SLACK_S = 30


def _has_option(args, name):
    """True if the argument list already sets the option --name."""
    return any(a == name or a.startswith(name + "=") for a in args)


@pytest.fixture
def run_shale(tmp_path):
    """Returns run(*args, timeout=120, env=None, cwd=None).

    run() starts tools/shale-run with args (adding --timeout TIMEOUT and
    --json FILE in tmp_path unless args set them) and returns
    (returncode, output, summary): output is stdout and stderr merged, as
    text; summary is the object from the --json file, or None if shale-run
    wrote none. shale-run itself is killed after TIMEOUT + 30 s.
    """
    counter = [0]

    def run(*args, timeout=120, env=None, cwd=None):
        args = [str(a) for a in args]
        counter[0] += 1
        json_path = tmp_path / f"summary-{counter[0]}.json"
        if not _has_option(args, "--timeout"):
            args = ["--timeout", str(timeout)] + args
        if not _has_option(args, "--json"):
            args = ["--json", str(json_path)] + args
        else:
            i = args.index("--json")
            json_path = tmp_path / args[i + 1]
        proc = subprocess.run(
            [SHALE_RUN] + args, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            timeout=timeout + GUARD_SLACK_S, env=env,
            cwd=cwd or REPO_ROOT)
        output = proc.stdout.decode("utf-8", errors="replace")
        summary = None
        if json_path.exists():
            summary = json.loads(json_path.read_text())
        return proc.returncode, output, summary

    return run


@pytest.fixture
def shale_image():
    """The path of build/shale.elf; skips the test when it is missing.

    Under CI (CI=true), which always builds the image first, a missing
    image fails the test instead, so a broken build cannot pass as skips.
    """
    if not os.path.isfile(IMAGE):
        why = "build/shale.elf is missing (run `make` first)"
        if os.environ.get("CI") == "true":
            pytest.fail(why)
        pytest.skip(why)
    return IMAGE


def summary_lines(output):
    """The JSON objects of every `shale: summary` line in output."""
    return [json.loads(line[len(SUMMARY_PREFIX):])
            for line in output.splitlines()
            if line.startswith(SUMMARY_PREFIX)]


CPU_LINE = re.compile(
    r"^shale: cpu (\d+) apic (0x[0-9a-fA-F]+|\d+) online, svm on\b",
    re.M)


def cpu_lines(output):
    """{cpu index: apic id} from the `shale: cpu N apic A online` lines."""
    return {int(n): int(a, 0) for n, a in CPU_LINE.findall(output)}


PAGE = 4096
PT_LOAD = 1


def elf_load_span(path):
    """(lowest p_paddr, highest p_paddr + p_memsz) over the PT_LOAD
    segments of an ELF64 little-endian file, read with struct."""
    with open(path, "rb") as f:
        ehdr = f.read(64)
        if ehdr[:4] != b"\x7fELF" or ehdr[4] != 2 or ehdr[5] != 1:
            raise ValueError(f"{path}: not an ELF64 little-endian file")
        e_phoff, = struct.unpack_from("<Q", ehdr, 0x20)
        e_phentsize, e_phnum = struct.unpack_from("<HH", ehdr, 0x36)
        f.seek(e_phoff)
        table = f.read(e_phentsize * e_phnum)
    lo, hi = None, None
    for i in range(e_phnum):
        (p_type, _flags, _off, _vaddr, p_paddr, _filesz, p_memsz,
         _align) = struct.unpack_from("<IIQQQQQQ", table, i * e_phentsize)
        if p_type != PT_LOAD or p_memsz == 0:
            continue
        lo = p_paddr if lo is None else min(lo, p_paddr)
        end = p_paddr + p_memsz
        hi = end if hi is None else max(hi, end)
    if lo is None:
        raise ValueError(f"{path}: no PT_LOAD segment")
    return lo, hi


def elf_image_kib(path):
    """KiB of RAM the image occupies: its PT_LOAD span rounded out to
    4 KiB pages."""
    lo, hi = elf_load_span(path)
    start = lo // PAGE * PAGE
    end = (hi + PAGE - 1) // PAGE * PAGE
    return (end - start) // 1024
