# SPDX-License-Identifier: MIT
"""`make bench`'s pte-batch workload, small: tests/bench/pte_batch.py runs
ptebatch.elf as PV and HVM domains with hap = 0 and hap = 1 in one Shale
run; every domain must pass its own checks (each page reached its frame,
protected pages fault on write, unmapped ones on read) and the script's
last line must carry both figures, the PV figure at most 8 exits per
1000 PTE updates (issue 7), and the drains by reason must add up.
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


DRAINS = re.compile(r" drains=(\S+) local_flushes=(\d+)")
QUEUE_CAPACITY = (4096 - 16) // 16  # abi/vmi-rom.h VMI_QUEUE_CAPACITY
UPDATES, BATCH, SMALL_BATCH = 20000, 512, 64


def batches(batch):
    """Batches ptebatch.elf runs: UPDATES rounded up to whole batches of
    3 x batch updates (map, protect, unmap)."""
    return -(-UPDATES // (3 * batch))


def test_pte_batch_prints_both_figures_last(shale_image, tmp_path):
    """make bench's run, as make bench runs it: six domains pass (PV and
    HVM, hap = 0 and 1, and the hap = 0 pair with small batches); the last
    line is the headline; the PV figure is at most 8 exits per 1000 PTE
    updates, measured in this run, and a small fraction of the HVM one;
    none was reported one by one; the PV domain's drains by reason are
    exactly what its batches ask for; hap = 1 costs none to speak of."""
    guest("ptebatch")
    log = tmp_path / "pte-batch.log"
    proc = subprocess.run(
        [SCRIPT, "--updates", str(UPDATES), "--batch", str(BATCH),
         "--small-batch", str(SMALL_BATCH), "--timeout", "200",
         "--log", str(log)],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, timeout=280, cwd=REPO_ROOT, check=False)
    out = proc.stdout.decode("utf-8", "replace")
    lines = out.strip().splitlines()
    assert proc.returncode == 0, out[-4000:]
    m = HEADLINE.match(lines[-1])
    assert m, lines[-1]
    pv, hvm = float(m.group(1)), float(m.group(2))
    assert pv > 0 and hvm > 0, lines[-1]
    # Issue 7: at most 8 for the ROM's queue (7.3 measured: per batch of
    # 512 pages, 3 lazy-mode exits, 2 flushes and 6 full-queue drains for
    # 1536 updates); shadow paging write-protects the HVM guest's tables
    # (86.7 measured).
    assert pv <= 8, lines[-1]
    assert pv * 4 < hvm, lines[-1]
    assert re.search(r" pv_updates_reported=0( |$)", lines[-1]), lines[-1]
    per = {d[0]: d[1:] for d in (DOMAIN_LINE.match(x).groups()
                                 for x in lines[:-1]
                                 if DOMAIN_LINE.match(x))}
    small = f"-b{SMALL_BATCH}"
    assert set(per) == {"pv-hap0", "hvm-hap0", "pv-hap1", "hvm-hap1",
                        "pv-hap0" + small, "hvm-hap0" + small}, out
    for name, (updates, _, _) in per.items():
        batch = SMALL_BATCH if name.endswith(small) else BATCH
        assert int(updates) == batches(batch) * 3 * batch, (name, updates)
    for name in ("pv-hap1", "hvm-hap1"):
        assert float(per[name][2]) < 10, per[name]
    # Each pass over a batch leaves lazy mode once (a drain) after
    # (batch - 1) // capacity full-queue drains; each batch flushes twice
    # with one VMI_HC_FLUSH_LOCAL, which drains nothing as the queue is
    # already empty; nothing else drains.
    for name, batch in (("pv-hap0", BATCH), ("pv-hap0" + small, SMALL_BATCH)):
        line = next(x for x in lines if x.startswith(f"pte-batch: {name}:"))
        d = DRAINS.search(line)
        assert d, line
        drains = dict(kv.split(":") for kv in d.group(1).split(","))
        passes = 3 * batches(batch)
        assert {k: int(v) for k, v in drains.items()} == {
            "full": passes * ((batch - 1) // QUEUE_CAPACITY), "flush": 0,
            "cr3": 0, "invlpg": 0, "fault": 0, "lazy_exit": passes,
            "explicit": 0}, line
        assert int(d.group(2)) == 2 * batches(batch), line
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
