# SPDX-License-Identifier: MIT
"""`make bench`'s pte-batch workload, small: tests/bench/pte_batch.py runs
ptebatch.elf as PV and HVM domains with hap = 0 and hap = 1 in one Shale
run; every domain must pass its own checks (each page reached its frame,
protected pages fault on write, unmapped ones on read) and the script's
last line must carry both figures, and the ROM's queue must beat
trap-and-emulate.
Runs: host (pytest-3), booting Shale under QEMU TCG.
"""

import os
import re
import subprocess

from conftest import REPO_ROOT

from test_domains import by_name, domain_file, guest

SCRIPT = os.path.join(REPO_ROOT, "tests", "bench", "pte_batch.py")
HEADLINE = re.compile(r"^pte-batch: pv_exits_per_1000=(\d+\.\d)"
                      r" hvm_exits_per_1000=(\d+\.\d)(?: .*)?$")
DOMAIN_LINE = re.compile(r"^pte-batch: (\S+): updates=(\d+) exits=(\d+)"
                         r" exits_per_1000=(\d+\.\d)")


def test_pte_batch_prints_both_figures_last(shale_image, tmp_path):
    """Six domains pass (PV and HVM, hap = 0 and 1); the last line is the
    headline; on shadow paging the PV guest's queued updates cost a small
    fraction of the exits the HVM guest's trapped writes do, none was
    reported one by one; hap = 1 (NPT, and the ROM's thin path) costs
    none to speak of."""
    guest("ptebatch")
    log = tmp_path / "pte-batch.log"
    proc = subprocess.run(
        [SCRIPT, "--updates", "600", "--batch", "64", "--timeout", "150",
         "--log", str(log)],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, timeout=240, cwd=REPO_ROOT, check=False)
    out = proc.stdout.decode("utf-8", "replace")
    lines = out.strip().splitlines()
    assert proc.returncode == 0, out[-4000:]
    m = HEADLINE.match(lines[-1])
    assert m, lines[-1]
    pv, hvm = float(m.group(1)), float(m.group(2))
    assert pv > 0 and hvm > 0, lines[-1]
    # Shadow paging write-protects the HVM guest's tables (until it
    # unshadows one written too often); the PV guest's updates wait in
    # its queue and cost a drain per batch (about 47 per 1000 with
    # batches of 64, against about 690 for HVM, measured).
    assert pv * 4 < hvm, lines[-1]
    assert re.search(r" pv_updates_reported=0( |$)", lines[-1]), lines[-1]
    per = {d[0]: d[1:] for d in (DOMAIN_LINE.match(x).groups()
                                 for x in lines[:-1]
                                 if DOMAIN_LINE.match(x))}
    assert set(per) == {"pv-hap0", "hvm-hap0", "pv-hap1", "hvm-hap1",
                        "pv-hap0-b64", "hvm-hap0-b64"}, out
    # 600 rounded up to whole batches of 3 x 64.
    assert all(int(u) == 768 for u, _, _ in per.values()), per
    for name in ("pv-hap1", "hvm-hap1"):
        assert float(per[name][2]) < 10, per[name]
    assert "(pv-hap0) PASS" in log.read_text()


def test_ptebatch_asked_for_pv_without_the_rom_fails(shale_image,
                                                     run_shale, tmp_path):
    """mode=pv in an HVM domain (no ROM) fails instead of measuring the
    HVM path under the PV name."""
    cfg = domain_file(tmp_path, "nopv", "ptebatch", cmdline="mode=pv")
    rc, out, summary = run_shale("--cpus", 1, "--mem", "512M", cfg,
                                 timeout=120)
    assert summary is not None, out[-3000:]
    assert by_name(summary)["nopv"]["result"] == "fail", out[-3000:]
    assert "(nopv) ptebatch: mode=pv asked for, but there is no VMI ROM" in out
    assert rc == 1
