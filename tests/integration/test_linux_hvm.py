# SPDX-License-Identifier: MIT
"""Debian's stock x86_64 kernel (linux-image-amd64, unmodified) booted by
Shale as an HVM domain with nested paging, with a busybox initramfs whose
init prints markers, counts the CPUs Linux brought up, runs a fork/exec
loop and powers off through ACPI. Nobody here wrote that kernel: it checks
Shale's platform (ACPI tables, local APICs, IOAPIC, PIT, RTC, PM timer,
COM1 with interrupts, INIT/SIPI) against what Linux expects.
Runs: host (pytest-3), booting Shale under QEMU TCG; the kernel and
initramfs come from `make linux-guest-debian-amd64` (cached outside the
clone).
"""

import os

import pytest

from conftest import REPO_ROOT

LINUX = os.path.join(REPO_ROOT, "build", "guest-linux")
KERNEL = os.path.join(LINUX, "vmlinuz-debian-amd64")
INITRAMFS = os.path.join(LINUX, "initramfs-debian.cpio.gz")
GUESTS = os.path.join(REPO_ROOT, "build", "tests", "guests")
BOOT_TIMEOUT = 420


def linux_domain_file(tmp_path, name, vcpus, memory=256, hap=1, extra=()):
    for path in (KERNEL, INITRAMFS):
        if not os.path.isfile(path):
            pytest.fail(f"{path} is missing (make linux-guest-debian-amd64)")
    path = tmp_path / f"{name}.cfg"
    path.write_text("\n".join([
        f'name = "{name}"', 'type = "hvm"', f'kernel = "{KERNEL}"',
        f'ramdisk = "{INITRAMFS}"', 'cmdline = "console=ttyS0 panic=-1"',
        f"memory = {memory}", f"vcpus = {vcpus}", f"hap = {hap}",
        *extra]) + "\n")
    return path


def lines_of(output, name):
    prefix = f"({name}) "
    return [l[len(prefix):].rstrip("\r") for l in output.splitlines()
            if l.startswith(prefix)]


def assert_linux_ran(output, summary, name, vcpus, hap=1):
    lines = lines_of(output, name)
    for marker in ("SHALE-LINUX-MARKER: init started",
                   f"SHALE-LINUX-CPUS: {vcpus}",
                   "SHALE-LINUX-FORKEXEC: 200 ok",
                   "SHALE-LINUX-RESULT: pass",
                   "SHALE-LINUX-MARKER: done"):
        assert marker in lines, (marker, lines[-40:])
    assert any("Linux version 6.1" in l for l in lines)
    assert any("reboot: Power down" in l for l in lines)
    # Linux's own complaints about the platform would show here.
    for bad in ("Kernel panic", "IO-APIC + timer doesn't work",
                "unchecked MSR access error", "BUG:", "Oops"):
        assert not any(bad in l for l in lines), bad
    d = {x["name"]: x for x in summary["domains"]}[name]
    assert (d["result"], d["exit_code"]) == ("pass", 0), d
    assert d["reason"] == "ACPI S5 (poweroff)"
    stats = d["stats"]
    assert stats["injected_irqs"] > 100, stats
    if hap:
        assert stats["exits"]["npf"] > 0 and stats["npf"]["mmio"] > 0, stats
    else:
        # Shadow paging: MMIO arrives as #PF exits; every fault kind shows.
        sh = stats["shadow"]
        assert sh["fault_mmio"] > 0 and stats["npf"]["mmio"] > 0, sh
        assert sh["fault_guest"] > 0, sh       # demand paging, COW
        assert sh["fault_guest_fast"] > 0, sh  # ... told by the shadows
        assert sh["fault_fixed"] > 0, sh
        assert sh["emulated_writes"] > 0, sh   # page-table writes
        assert sh["wp_heuristic"] + sh["wp_brute"] > 0, sh
        assert 0 < sh["pages_peak"] <= sh["pool_pages"], sh


@pytest.mark.parametrize("vcpus", [1, 2])
def test_debian_kernel_boots_to_its_marker_and_powers_off(shale_image,
                                                          run_shale, tmp_path,
                                                          vcpus):
    name = f"debian{vcpus}"
    cfg = linux_domain_file(tmp_path, name, vcpus)
    rc, out, summary = run_shale("--cpus", 2, "--mem", "1G", cfg,
                                 timeout=BOOT_TIMEOUT)
    assert summary is not None, out[-4000:]
    assert_linux_ran(out, summary, name, vcpus)
    assert rc == 0
    assert summary["mem"]["used_kib"] == summary["mem"]["used_before_domains_kib"]


def test_linux_and_a_test_kernel_run_side_by_side(shale_image, run_shale,
                                                  tmp_path):
    linux = linux_domain_file(tmp_path, "debian", 2)
    smp = tmp_path / "smp.cfg"
    smp.write_text("\n".join([
        'name = "smp"', 'type = "hvm"',
        f'kernel = "{os.path.join(GUESTS, "smp.elf")}"',
        "memory = 64", "vcpus = 2", "hap = 1"]) + "\n")
    rc, out, summary = run_shale("--cpus", 2, "--mem", "1G", linux, smp,
                                 timeout=BOOT_TIMEOUT)
    assert summary is not None, out[-4000:]
    assert_linux_ran(out, summary, "debian", 2)
    doms = {x["name"]: x for x in summary["domains"]}
    assert doms["smp"]["result"] == "pass", lines_of(out, "smp")[-30:]
    assert "PASS" in lines_of(out, "smp")
    assert rc == 0


@pytest.mark.parametrize("vcpus", [1, 2])
def test_debian_kernel_boots_with_shadow_paging(shale_image, run_shale,
                                                tmp_path, vcpus):
    """The same unmodified kernel with hap = 0: Shale's shadow page tables,
    write-protected guest page tables and emulated PTE writes carry it to
    its marker, on 1 and 2 vCPUs; the stats show the fault kinds."""
    name = f"shadow{vcpus}"
    cfg = linux_domain_file(tmp_path, name, vcpus, hap=0)
    rc, out, summary = run_shale("--cpus", 2, "--mem", "1G", cfg,
                                 timeout=BOOT_TIMEOUT * 2)
    assert summary is not None, out[-4000:]
    assert_linux_ran(out, summary, name, vcpus, hap=0)
    assert rc == 0
    assert summary["mem"]["used_kib"] == summary["mem"]["used_before_domains_kib"]


@pytest.mark.parametrize("hap", [pytest.param(1, id="hap1"),
                                 pytest.param(0, id="hap0")])
def test_debian_kernel_boots_with_memory_well_below_maxmem(shale_image,
                                                           run_shale, tmp_path,
                                                           hap):
    """Populate-on-demand: Linux sees 1 GiB (maxmem) but only 192 MiB may
    be backed; it boots, runs its loop and powers off, and Shale's PoD
    stats show it never needed more than the target. With hap = 0 the
    populates come from shadow faults (and guest page tables in PoD
    memory read as zeros until touched)."""
    cfg = linux_domain_file(tmp_path, "debianpod", 2, memory=192, hap=hap,
                            extra=("maxmem = 1024",))
    rc, out, summary = run_shale("--cpus", 2, "--mem", "1G", cfg,
                                 timeout=BOOT_TIMEOUT)
    assert summary is not None, out[-4000:]
    assert_linux_ran(out, summary, "debianpod", 2, hap=hap)
    lines = lines_of(out, "debianpod")
    assert any("Memory:" in l and "/1048" in l for l in lines), \
        [l for l in lines if "Memory:" in l]
    d = {x["name"]: x for x in summary["domains"]}["debianpod"]
    pod = d["stats"]["pod"]
    assert pod["target_kib"] == 192 * 1024, pod
    assert 0 < pod["populated_kib"] <= pod["target_kib"], pod
    assert pod["populates"]["4k"] > 0 and pod["populates"]["2m"] > 0, pod
    assert d["stats"]["ram_kib"] == 1024 * 1024
    assert rc == 0
