# SPDX-License-Identifier: MIT
"""Boot tests of the hypervisor: boots build/shale.elf under QEMU TCG with
tools/shale-run and checks Shale's boot report (the `shale: summary` object
and the per-CPU lines). Skipped when the image is missing (failed under CI).
Runs: host (pytest-3), one QEMU at a time.
"""

import os
import re

import pytest

from conftest import cpu_lines, elf_image_kib, summary_lines

BOOT_TIMEOUT = 120
KIB_PER_MIB = 1024
MEM_PARTS = ("used_kib", "low_kib", "image_kib", "modules_kib",
             "boot_alloc_kib")

# (host CPUs, host RAM as given to --mem, RAM in MiB)
MACHINES = [
    (1, "1G", 1024),
    (2, "2G", 2048),
    (4, "4G", 4096),
    (2, "8G", 8192),
]


def check_accounting(s):
    """Every KiB of usable RAM is free or in exactly one reserved part."""
    mem = s["mem"]
    for part in MEM_PARTS:
        assert isinstance(mem[part], int) and mem[part] >= 0, (part, mem)
    parts = s["mem_free_kib"] + sum(mem[p] for p in MEM_PARTS)
    assert s["mem_total_kib"] == parts, (
        f"mem_total_kib {s['mem_total_kib']} != mem_free_kib"
        f" {s['mem_free_kib']} + {' + '.join(MEM_PARTS)} = {parts}"
        f" (off by {s['mem_total_kib'] - parts}); mem = {mem}")


def module_cmdline(module):
    """A module's command line without the file name qemu puts first.

    QEMU hands a module the whole '-initrd' item ("PATH config NAME") as its
    multiboot string; Shale may report it whole or with PATH split off into
    "name". Either way this returns "config NAME".
    """
    cmdline = module["cmdline"]
    first, _, rest = cmdline.partition(" ")
    if "/" in first and rest:
        return rest
    return cmdline


@pytest.mark.parametrize("cpus, mem, mem_mib", MACHINES,
                         ids=[f"{c}cpu-{m}" for c, m, _ in MACHINES])
def test_boot_reports_cpus_and_memory(shale_image, run_shale, cpus, mem,
                                      mem_mib):
    """Shale boots on N CPUs with M of RAM, brings every CPU online with SVM
    and a ticking local APIC timer, and accounts for every KiB of RAM."""
    rc, out, s = run_shale("--cpus", cpus, "--mem", mem,
                           timeout=BOOT_TIMEOUT)
    assert rc == 0, out
    assert s is not None, out
    assert s["vendor"] == "svm"
    assert s["cpus"] == cpus
    assert s["cpus_online"] == cpus

    cpu_list = s["cpu_list"]
    assert sorted(c["cpu"] for c in cpu_list) == list(range(cpus))
    for c in cpu_list:
        assert c["online"] is True, c
        assert c["svm"] is True, c
        assert c["ticks"] > 0, c
    apic_ids = [c["apic_id"] for c in cpu_list]
    assert len(set(apic_ids)) == cpus, apic_ids
    lines = cpu_lines(out)
    assert sorted(lines) == list(range(cpus)), out
    assert lines == {c["cpu"]: c["apic_id"] for c in cpu_list}

    check_accounting(s)
    total = s["mem_total_kib"]
    requested = mem_mib * KIB_PER_MIB
    assert requested - 4 * KIB_PER_MIB <= total <= requested, total
    assert s["mem"]["image_kib"] == elf_image_kib(shale_image)
    assert s["mem"]["boot_alloc_kib"] < total * 0.02 + KIB_PER_MIB, s["mem"]
    assert s["modules"] == []
    assert s["domains"] == []
    assert s["cmdline_warnings"] == 0


def test_unknown_and_bad_cmdline_options_are_warned_about(shale_image,
                                                          run_shale):
    """A bad value and an unknown key each draw one warning naming them,
    and Shale boots on regardless."""
    rc, out, s = run_shale("--cmdline", "maxcpus=abc frobnicate=1",
                           timeout=BOOT_TIMEOUT)
    assert rc == 0, out
    assert s["cmdline_warnings"] == 2, out
    summary_free = "\n".join(l for l in out.splitlines()
                             if not l.startswith("shale: summary "))
    assert "frobnicate" in summary_free
    assert "maxcpus" in summary_free
    assert s["cpus_online"] == s["cpus"] == 2


def test_maxcpus_limits_the_cpus_brought_online(shale_image, run_shale):
    """maxcpus=1 on a 2-CPU machine: both found, one online."""
    rc, out, s = run_shale("--cpus", 2, "--cmdline", "maxcpus=1",
                           timeout=BOOT_TIMEOUT)
    assert rc == 0, out
    assert s["cpus"] == 2
    assert s["cpus_online"] == 1
    assert s["cmdline_warnings"] == 0
    assert sum(1 for c in s["cpu_list"] if c["online"]) == 1
    check_accounting(s)


def test_cpu_without_svm_is_refused(shale_image, run_shale):
    """On a CPU with neither SVM nor VMX Shale says so and reports failure."""
    rc, out, s = run_shale("--cpu-model", "qemu64,-svm,-vmx",
                           timeout=BOOT_TIMEOUT)
    assert rc == 1, out
    assert "neither SVM nor VMX" in out
    assert s is not None, out
    assert s["vendor"] == "none"


def test_domain_files_arrive_as_modules(shale_image, run_shale, tmp_path):
    """Each domain's config, kernel and ramdisk reach Shale as multiboot
    modules with the right command lines and sizes."""
    kernel = tmp_path / "tiny-kernel.bin"
    kernel.write_bytes(bytes(range(256)) * 20 + b"end")       # 5123 bytes
    ramdisk = tmp_path / "tiny-initrd.img"
    ramdisk.write_bytes(b"\x1f\x8b" + b"\0" * 9000)            # 9002 bytes
    cfg = tmp_path / "tiny.cfg"
    cfg.write_text(f'name = "tiny"\ntype = "hvm"\nkernel = "{kernel}"\n'
                   f'ramdisk = "{ramdisk}"\nmemory = 16\n'
                   'cmdline = "console=ttyS0"\n')
    rc, out, s = run_shale(cfg, timeout=BOOT_TIMEOUT)
    # Domains do not run yet, so rc is not checked (1 until they do).
    assert s is not None, f"exit {rc}, no summary:\n{out}"
    expect = [("config tiny", cfg), ("kernel tiny", kernel),
              ("ramdisk tiny", ramdisk)]
    mods = s["modules"]
    assert [module_cmdline(m) for m in mods] == [c for c, _ in expect], mods
    for m, (_, path) in zip(mods, expect):
        assert m["size"] == os.path.getsize(path), m
        assert isinstance(m["name"], str) and m["name"], m
    pages_kib = sum((os.path.getsize(p) + 4095) // 4096 * 4
                    for _, p in expect)
    assert s["mem"]["modules_kib"] >= pages_kib, s["mem"]
    check_accounting(s)


def test_json_file_equals_the_printed_summary(shale_image, run_shale,
                                              tmp_path):
    """--json writes exactly the object of the one summary line, last."""
    rc, out, s = run_shale("--json", tmp_path / "out.json",
                           timeout=BOOT_TIMEOUT)
    assert rc == 0, out
    assert (tmp_path / "out.json").exists()
    printed = summary_lines(out)
    assert len(printed) == 1, out
    assert s == printed[0]
    shale_lines = [l for l in out.splitlines() if re.match(r"shale: ", l)]
    assert shale_lines[-1].startswith("shale: summary "), out
