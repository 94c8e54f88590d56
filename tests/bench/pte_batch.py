#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""pte-batch: exits per 1000 PTE updates, PV (VMI ROM) against HVM
(trap-and-emulate), both on shadow paging, in one Shale run.

Boots Shale once (tools/shale-run) with ptebatch.elf as a `type = "pv"`
and a `type = "hvm"` domain, both `hap = 0`, batches of --batch pages
(default 512: one page table, as munmap or fork of 2 MiB), and unless
--no-context, for context, the same pair with `hap = 1` and the hap = 0
pair with batches of --small-batch (64) pages. Each domain meters its own
workload with SHALE_HC_VCPU_STATS and prints `ptebatch: mode=...
updates=... exits=... exits_per_1000=...`; this script collects those
lines and the domains' stats and prints one line per domain, then, last,

    pte-batch: pv_exits_per_1000=X hvm_exits_per_1000=Y ...

for the hap = 0 pair. Exit status 0 when every domain passed and printed
its figures, 1 otherwise, 2 for a usage error. Runs: host.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
SHALE_RUN = os.path.join(REPO_ROOT, "tools", "shale-run")

# ptebatch.elf's result line (tests/guests/ptebatch.c).
RESULT = re.compile(
    r"^\((?P<name>[\w.-]+)\) ptebatch: mode=(?P<mode>pv|hvm)"
    r" updates=(?P<updates>\d+) exits=(?P<exits>\d+)"
    r" exits_per_1000=(?P<rate>\d+\.\d)(?P<rest>.*)$", re.M)


def domains(args):
    """(name, type, hap, batch) of every domain of the run: the hap = 0
    pair the headline compares, then the context pairs if asked for.

    Why 512 pages: the ROM drains whenever lazy MMU mode is left, and
    flush_tlb costs one exit (VMI_HC_FLUSH_LOCAL), so a batch of B pages
    costs PV 3 drains and 2 flushes per 3 x B updates, 26 per 1000 for
    B = 64 however good the queue is, 7.2 for B = 512 (a full queue of
    255 entries drains once more per 255: 6 more exits per batch)."""
    doms = [("pv-hap0", "pv", 0, args.batch),
            ("hvm-hap0", "hvm", 0, args.batch)]
    if args.context:
        doms += [("pv-hap1", "pv", 1, args.batch),
                 ("hvm-hap1", "hvm", 1, args.batch),
                 (f"pv-hap0-b{args.small_batch}", "pv", 0, args.small_batch),
                 (f"hvm-hap0-b{args.small_batch}", "hvm", 0,
                  args.small_batch)]
    return doms


def write_cfg(folder, name, type_, hap, batch, kernel, updates):
    """Writes one xl.cfg-style domain file; returns its path. The mode
    is given on the command line too, so a missing ROM fails the PV run
    instead of quietly measuring HVM."""
    path = os.path.join(folder, f"{name}.cfg")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join([
            f'name = "{name}"', f'type = "{type_}"', f'kernel = "{kernel}"',
            f'cmdline = "mode={type_} batch={batch} updates={updates}"',
            "memory = 64",
            "vcpus = 1", f"hap = {hap}"]) + "\n")
    return path


def run(args):
    """Runs Shale with the domains; returns (returncode, output,
    summary or None)."""
    kernel = os.path.join(args.build, "tests", "guests", "ptebatch.elf")
    image = os.path.join(args.build, "shale.elf")
    for path in (kernel, image):
        if not os.path.isfile(path):
            raise SystemExit(f"pte-batch: {path} is missing (make all)")
    with tempfile.TemporaryDirectory(prefix="pte-batch-") as tmp:
        cfgs = [write_cfg(tmp, n, t, h, b, kernel, args.updates)
                for n, t, h, b in domains(args)]
        json_path = os.path.join(tmp, "summary.json")
        cmd = [SHALE_RUN, "--cpus", "2", "--mem", "1G", "--image", image,
               "--timeout", str(args.timeout), "--json", json_path] + cfgs
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, check=False)
        summary = None
        if os.path.isfile(json_path):
            with open(json_path, encoding="utf-8") as f:
                summary = json.load(f)
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), summary


def figures(output, summary, names):
    """{name: figures} from each domain's result line and stats. Raises
    ValueError naming what is missing."""
    found = {m["name"]: m for m in RESULT.finditer(output.replace("\r", ""))}
    stats = {d["name"]: d for d in (summary or {}).get("domains", [])}
    out = {}
    for name in names:
        d = stats.get(name)
        if d is None or d["result"] != "pass":
            why = d["result"] if d else "no summary entry"
            raise ValueError(f"domain {name}: {why}")
        if name not in found:
            raise ValueError(f"domain {name}: no ptebatch result line")
        m = found[name]
        s = d["stats"]
        out[name] = {
            "mode": m["mode"], "updates": int(m["updates"]),
            "exits": int(m["exits"]), "rate": m["rate"],
            "rest": m["rest"].strip(),
            "emulated_writes": s.get("shadow", {}).get("emulated_writes"),
            "updates_reported": s.get("vmi", {}).get("updates_reported"),
            "drains": sum(s.get("vmi", {}).get("drains", {}).values()),
            "drains_by_reason": s.get("vmi", {}).get("drains"),
            "local_flushes": s.get("vmi", {}).get("local_flushes"),
        }
    return out


def vmi_figures(f):
    """' drains=full:N,flush:N,... local_flushes=N' for a PV domain (its
    "vmi" stats: drains by reason, VMI_HC_FLUSH_LOCAL calls); '' for HVM."""
    if f["drains_by_reason"] is None:
        return ""
    by = ",".join(f"{k}:{v}" for k, v in f["drains_by_reason"].items())
    return f" drains={by} local_flushes={f['local_flushes']}"


def report(fig, args):
    """Prints a line per domain, then the headline (last)."""
    for name, _, _, _ in domains(args):
        f = fig[name]
        print(f"pte-batch: {name}: updates={f['updates']} exits={f['exits']}"
              f" exits_per_1000={f['rate']} {f['rest']}{vmi_figures(f)}")
    pv, hvm = fig["pv-hap0"], fig["hvm-hap0"]
    print(f"pte-batch: pv_exits_per_1000={pv['rate']}"
          f" hvm_exits_per_1000={hvm['rate']} updates={pv['updates']}"
          f" batch={args.batch}"
          f" pv_exits={pv['exits']} hvm_exits={hvm['exits']}"
          f" pv_emulated_writes={pv['emulated_writes']}"
          f" hvm_emulated_writes={hvm['emulated_writes']}"
          f" pv_updates_reported={pv['updates_reported']}"
          f" pv_drains={pv['drains']}")


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="pte_batch.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--updates", type=int, default=20000,
                   help="PTE updates per domain, rounded up to whole"
                        " batches (default 20000)")
    p.add_argument("--batch", type=int, default=512,
                   help="pages per batch, 1..512 (default 512)")
    p.add_argument("--small-batch", type=int, default=64,
                   help="pages per batch of the context pair (default 64)")
    p.add_argument("--no-context", dest="context", action="store_false",
                   help="only the headline pair: no hap = 1 pair, no"
                        " small-batch pair")
    p.add_argument("--build", default=os.path.join(REPO_ROOT, "build"),
                   help="build folder with shale.elf and the test kernels")
    p.add_argument("--timeout", type=float, default=300,
                   help="shale-run's timeout in seconds (default 300)")
    p.add_argument("--log", help="write Shale's whole console output here")
    args = p.parse_args(argv)
    if not 1 <= args.updates <= 1000000:
        p.error("--updates must be 1..1000000")
    if not (1 <= args.batch <= 512 and 1 <= args.small_batch <= 512):
        p.error("--batch and --small-batch must be 1..512")
    return args


def main(argv):
    """Runs the workload and prints the figures; returns the status."""
    args = parse_args(argv)
    rc, output, summary = run(args)
    if args.log:
        with open(args.log, "w", encoding="utf-8") as f:
            f.write(output)
    try:
        fig = figures(output, summary, [d[0] for d in domains(args)])
    except ValueError as err:
        sys.stdout.write(output[-4000:])
        print(f"pte-batch: FAILED: {err} (shale-run status {rc})")
        return 1
    report(fig, args)
    return 0 if rc == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
