# SPDX-License-Identifier: MIT
"""Shale's ACPI tables (hypervisor/firmware/acpi_tables.c) judged by ACPICA,
the code inside Linux's ACPI core: the unit-test binary dumps a built set,
this file walks it from the RSDP as an OS would (ACPI 6.4 5.2.5-5.2.9),
`iasl -d` disassembles every table and compiles it back, and `acpiexec`
loads the set and evaluates \\_S5. Skipped when the tools are missing
(failed under CI). Runs: host (pytest-3), no guest.
"""

import os
import re
import shutil
import struct
import subprocess

import pytest

from conftest import REPO_ROOT

BUILD = os.environ.get("BUILD", "build")
DUMPER = os.path.join(REPO_ROOT, BUILD, "unit", "test_acpi_tables")
TOOLS = ("make", "gcc", "iasl", "acpiexec")

# vCPU counts to build sets for: the smallest, a typical SMP guest, the most.
VCPUS = [1, 4, 255]

# Header bytes iasl rewrites when it compiles a table back: the checksum (9)
# and the creator ID and revision (28..35), which become its own.
IASL_OWN_BYTES = {9} | set(range(28, 36))


@pytest.fixture(scope="module")
def dumper():
    """Builds the unit-test binary that dumps table sets; returns its path."""
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        why = f"missing tools: {' '.join(missing)} (Debian acpica-tools)"
        if os.environ.get("CI") == "true":
            pytest.fail(why)
        pytest.skip(why)
    subprocess.run(["make", "-s", os.path.relpath(DUMPER, REPO_ROOT)],
                   cwd=REPO_ROOT, check=True)
    return DUMPER


def walk(blob, base):
    """{signature: bytes} of every table reachable from the RSDP at base,
    followed as an OS does: RSDP -> XSDT -> FADT, MADT; FADT -> DSDT, FACS.
    Also checks what iasl cannot (it does not read a bare RSDP)."""
    def at(gpa, length):
        off = gpa - base
        assert 0 <= off and off + length <= len(blob), hex(gpa)
        return blob[off:off + length]

    def sdt(gpa):
        length, = struct.unpack_from("<I", at(gpa, 8), 4)
        return at(gpa, length)

    rsdp = at(base, 36)
    assert rsdp[:8] == b"RSD PTR "
    assert rsdp[15] == 2
    assert sum(rsdp[:20]) % 256 == 0
    assert sum(rsdp) % 256 == 0
    rsdt_gpa, length, xsdt_gpa = struct.unpack_from("<IIQ", rsdp, 16)
    assert length == 36
    tables = {"RSDT": sdt(rsdt_gpa), "XSDT": sdt(xsdt_gpa)}
    xsdt = tables["XSDT"]
    n = (len(xsdt) - 36) // 8
    entries = struct.unpack_from(f"<{n}Q", xsdt, 36)
    assert list(entries) == list(struct.unpack_from(
        f"<{n}I", tables["RSDT"], 36))
    for gpa in entries:
        t = sdt(gpa)
        tables[t[:4].decode()] = t
    fadt = tables["FACP"]
    facs_gpa, dsdt_gpa = struct.unpack_from("<II", fadt, 36)
    tables["DSDT"] = sdt(dsdt_gpa)
    assert facs_gpa % 64 == 0
    tables["FACS"] = sdt(facs_gpa)
    return tables


@pytest.fixture(scope="module", params=VCPUS, ids=lambda n: f"{n}vcpu")
def table_files(request, dumper, tmp_path_factory):
    """(vCPU count, {signature: path of the table's .dat file})."""
    nr = request.param
    d = tmp_path_factory.mktemp(f"acpi{nr}")
    blob_path = d / "set.bin"
    out = subprocess.run([dumper, "--dump", str(blob_path), str(nr)],
                         check=True, capture_output=True, text=True)
    tables = walk(blob_path.read_bytes(), int(out.stdout.strip(), 0))
    assert set(tables) == {"RSDT", "XSDT", "FACP", "APIC", "DSDT", "FACS"}
    files = {}
    for sig, data in tables.items():
        files[sig] = d / f"{sig.lower()}.dat"
        files[sig].write_bytes(data)
    return nr, files


def disassemble(path):
    """Runs `iasl -d` on path; returns the .dsl text."""
    proc = subprocess.run(["iasl", "-d", str(path)], cwd=path.parent,
                          capture_output=True, text=True)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert not re.search(r"\b(Warning|Error)\b", out), out
    return path.with_suffix(".dsl").read_text()


def fields(dsl):
    """{field name: value} for the first occurrence of each field line of a
    disassembled data table: "[off dec len]  Name : Value", or a decoded
    flag bit below it, "      Name : Value"."""
    result = {}
    for m in re.finditer(r"^(?:\[[^\]]*\])?[ \t]+(.+?) : (.*)$", dsl, re.M):
        result.setdefault(m.group(1).strip(), m.group(2).strip())
    return result


def test_iasl_disassembles_and_recompiles_every_table(table_files):
    """Every table disassembles with a correct checksum and nothing iasl
    flags, and compiles back to the same bytes (iasl's own creator fields
    aside): iasl agrees with the builder on every field's place and size."""
    _, files = table_files
    for sig, path in files.items():
        dsl = disassemble(path)
        assert "Incorrect checksum" not in dsl, sig
        assert "****" not in dsl, sig
        out = path.parent / f"rt_{sig.lower()}"
        proc = subprocess.run(["iasl", "-p", str(out), str(path.with_suffix(".dsl"))],
                              capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "0 Errors, 0 Warnings" in proc.stdout, proc.stdout
        orig, back = path.read_bytes(), out.with_suffix(".aml").read_bytes()
        assert len(orig) == len(back), sig
        if sig == "FACS":  # no header: nothing of iasl's own in it
            assert orig == back
            continue
        diff = [i for i in range(len(orig)) if orig[i] != back[i]]
        assert set(diff) <= IASL_OWN_BYTES, (sig, diff)


def test_iasl_reads_the_fadt_shale_promises(table_files):
    """The FADT as ACPICA decodes it: SCI 9, no SMM, the PM ports, the CF9
    reset, a 32-bit timer, not hardware-reduced, no 8042, no VGA."""
    _, files = table_files
    f = fields(disassemble(files["FACP"]))
    assert f["Revision"] == "06"
    assert f["SCI Interrupt"] == "0009"
    assert f["SMI Command Port"] == "00000000"
    assert f["PM1A Event Block Address"] == "0000B000"
    assert f["PM1A Control Block Address"] == "0000B004"
    assert f["PM Timer Block Address"] == "0000B008"
    assert f["32-bit PM Timer (V1)"] == "1"
    assert f["Reset Register Supported (V2)"] == "1"
    assert f["Value to cause reset"] == "06"
    assert f["Hardware Reduced (V5)"] == "0"
    assert f["8042 Present on ports 60/64 (V2)"] == "0"
    assert f["VGA Not Present (V4)"] == "1"
    assert f["MSI Not Supported (V4)"] == "1"


def test_iasl_counts_one_local_apic_per_vcpu(table_files):
    """The MADT as ACPICA decodes it: a local APIC per vCPU, one IOAPIC at
    0xfec00000, two interrupt source overrides and one LINT1 NMI."""
    nr, files = table_files
    dsl = disassemble(files["APIC"])
    types = re.findall(r"Subtable Type : \w+ \[([^\]]+)\]", dsl)
    assert types.count("Processor Local APIC") == nr
    assert types.count("I/O APIC") == 1
    assert types.count("Interrupt Source Override") == 2
    assert types.count("Local APIC NMI") == 1
    assert len(types) == nr + 4
    assert re.search(r"Address : FEC00000", dsl)
    assert re.search(r"Interrupt Input LINT : 01", dsl)


def test_iasl_finds_s5_in_the_dsdt(table_files):
    """The DSDT disassembles to ASL naming \\_S5 with SLP_TYP 5."""
    _, files = table_files
    dsl = disassemble(files["DSDT"])
    assert "Name (_S5, Package" in dsl
    body = dsl[dsl.index("Name (_S5"):]
    assert re.search(r"\{\s*0x05,\s*0x05,\s*Zero,\s*Zero\s*\}", body), body


def test_acpiexec_loads_the_set_and_evaluates_s5(table_files):
    """ACPICA loads FADT, MADT, DSDT and FACS without a firmware warning
    and evaluates \\_S5 to the package Shale's PM1a handler expects."""
    _, files = table_files
    args = [str(files[s]) for s in ("FACP", "APIC", "DSDT", "FACS")]
    proc = subprocess.run(["acpiexec", "-b", "Evaluate \\_S5"] + args,
                          capture_output=True, text=True, timeout=60)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert not re.search(r"Firmware (Warning|Error)|ACPI (Warning|Error)"
                         r"|ACPI Exception", out), out
    assert "[Package] Contains 4 Elements" in out, out
    ints = re.findall(r"\[Integer\] = ([0-9A-Fa-f]+)", out)
    assert [int(v, 16) for v in ints] == [5, 5, 0, 0], out
