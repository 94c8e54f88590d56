# SPDX-License-Identifier: MIT
"""The VMI ROM in PV domains: rom64.elf (64-bit entry table) and
rom_pae.elf (32-bit PAE entry table) find the ROM, check its header and
checksum, drive batches of updates through it and forge drains that must
each be refused while they keep running; a neighbour domain runs beside
them. hap = 1 takes the thin path; hap = 0 the per-vCPU queue. With two
vCPUs they also check that each vCPU sees only its own queue at the one
address and that flush_vcpus reaches the other vCPU's TLB.
Runs: host (pytest-3), booting Shale under QEMU TCG.
"""

import re

import pytest

from test_domains import by_name, guest

# (kernel, hap, vcpus)
SCENARIOS = [
    pytest.param(k, hap, n, id=f"{k}-hap{hap}-vcpus{n}",
                 )
    for k in ("rom64", "rom_pae") for hap in (1, 0) for n in (1, 2)
]


# Check lines (regular expressions) rom_smp.h must print as passed, by
# (vcpus, hap): with one vCPU it has none to run; with two, the
# cross-vCPU flush always, and the own-queue steps on the queue path.
_CROSS = [r"vCPU 1 in the same paging mode, init: vCPU 1 \(0x[0-9a-f]+\)",
          r"vCPU 1 reads the page before each cross-vCPU flush \(8 rounds\)",
          r"flush_vcpus \{0, 1\} from vCPU 0: vCPU 1 reads the new frame"
          r" without flushing or an IPI, 8 rounds \(0 stale, first 0x0\)"]
_OWN = [rf"vCPU {c}'s queue at the fixed address: vCPU id {c}, 1 entry, its"
        rf" own remap, not vCPU {c ^ 1}'s" for c in (0, 1)] + \
       [rf"vCPU {c}, after both left lazy mode and it flushed only its own"
        r" TLB, sees both remaps \(0x564d490c, 0x564d490d\)" for c in (0, 1)] + \
       [r"vCPU 0's deferred remap waits in its queue before each flush_vcpus"]
TWO_VCPU_LINES = {(1, 1): [], (1, 0): [], (2, 1): _CROSS,
                  (2, 0): _CROSS + _OWN}
CROSS_ROUNDS = 8  # rom_smp.h SMP_ROUNDS
# QEMU TCG empties a vCPU's TLB at every VMRUN and #VMEXIT, so a target
# vCPU that flush_vcpus failed to flush still reads the old frame only if
# it did not exit meanwhile; at Shale's default 1 kHz tick it exits every
# millisecond. With 10 Hz a missing flush is seen in nearly every round.
TWO_VCPU_HOST_CMDLINE = ["--cmdline", "tick_hz=10"]


def pv_domain(tmp_path, name, kernel, hap, vcpus, memory=64, type_="pv"):
    path = tmp_path / f"{name}.cfg"
    path.write_text("\n".join([
        f'name = "{name}"', f'type = "{type_}"',
        f'kernel = "{guest(kernel)}"', f"memory = {memory}",
        f"vcpus = {vcpus}", f"hap = {hap}"]) + "\n")
    return path


@pytest.mark.parametrize("kernel,hap,vcpus", SCENARIOS)
def test_rom_test_kernel_passes_beside_a_neighbour(shale_image, run_shale,
                                                   tmp_path, kernel, hap,
                                                   vcpus):
    """The ROM kernel (which forges drains) and an HVM neighbour both
    pass; every forged entry was counted as refused, nothing of them was
    applied, and on the thin path no PTE update cost an exit."""
    cfg = pv_domain(tmp_path, kernel, kernel, hap, vcpus)
    neighbour = pv_domain(tmp_path, "neighbour", "memory", 1, 1, memory=96,
                          type_="hvm")
    host = TWO_VCPU_HOST_CMDLINE if vcpus == 2 else []
    rc, out, summary = run_shale("--cpus", 2, "--mem", "1G", *host, cfg,
                                 neighbour, timeout=240)
    assert summary is not None, out[-3000:]
    doms = by_name(summary)
    assert doms[kernel]["result"] == "pass", out[-4000:]
    assert doms["neighbour"]["result"] == "pass", out[-4000:]
    assert rc == 0
    assert f"({kernel}) PASS" in out
    assert "written and read back, 0 words wrong" in out
    vmi = doms[kernel]["stats"]["vmi"]
    for line in TWO_VCPU_LINES[(vcpus, hap)]:
        assert re.search(rf"\({kernel}\) {kernel}: \S+: {line} ok", out), \
            (line, out[-4000:])
    # 5 single bad entries + 2 in the mixed batch + 2 bad updates; with
    # the queue (shadow paging) each kernel also forges 5 entries and a
    # count in its own queue page (rom64 through a 64-bit copy).
    queue_forgery = hap == 0
    two = vcpus == 2
    assert vmi["entries_refused"] == 9 + 5 * queue_forgery, vmi
    assert vmi["batches_refused"] == 3 + queue_forgery, vmi
    assert vmi["inits"] == vcpus  # one per vCPU
    reported = vmi["entries_drained"] + vmi["updates_reported"]
    exits = doms[kernel]["stats"]["exits_total"]
    assert vmi["exits_per_1000_updates"] == \
        (exits * 1000 + reported // 2) // reported, vmi
    assert "vmi" not in doms["neighbour"]["stats"]
    m = re.search(rf"\({kernel}\) {kernel}: \S+: (\d+) PTE updates through "
                  r"the ROM", out)
    assert m, out[-3000:]
    updates = int(m.group(1))
    if hap == 1:
        # The thin path reports nothing: only the test's two deliberate
        # update hypercalls reached Shale.
        assert vmi["updates_reported"] == 2, vmi
    else:
        # The queue carried every update: none went one by one (the two
        # deliberate update hypercalls aside), and they were drained.
        assert vmi["updates_reported"] == 2, vmi
        assert vmi["entries_drained"] >= updates, (vmi, updates)
        assert vmi["drains"]["lazy_exit"] > 0, vmi
        # Drains for reason flush: flush_tlb after a deferred update
        # outside lazy mode (its one hypercall drains and flushes),
        # flush_vcpus, the forged batch sent with that reason, and
        # flush_tlb over a forged entry in the queue page.
        # With two vCPUs: flush_vcpus once per cross-flush round (over a
        # queued remap), flush_tlb 4 more times over empty queues.
        assert vmi["drains"]["flush"] == (3 + queue_forgery +
                                          CROSS_ROUNDS * two), vmi
        assert vmi["local_flushes"] == 6 + queue_forgery + 4 * two, vmi
        print(f"{kernel}: exits per 1000 reported PTE updates (thin path): "
              f"{1000 * (vmi['updates_reported'] - 2) / updates:.1f}")


def test_hvm_domain_has_no_rom(shale_image, run_shale, tmp_path):
    """Only type = "pv" gets the ROM: an HVM domain's scan finds none."""
    cfg = pv_domain(tmp_path, "hvmrom", "rom64", 1, 1, type_="hvm")
    rc, out, summary = run_shale("--cpus", 1, "--mem", "512M", cfg,
                                 timeout=120)
    assert summary is not None, out[-3000:]
    assert "(hvmrom) rom64: no VMI ROM in 0xc0000-0xdffff" in out
    assert by_name(summary)["hvmrom"]["result"] == "fail"
