# SPDX-License-Identifier: MIT
"""Tests of tools/shale-run and its domain-file parser (tools/shalecfg.py)
that need no hypervisor: parsing and refusing domain files, option checks,
the qemu command line, and how qemu's exit status and Shale's summary line
become shale-run's exit status (with a fake qemu, and with a tiny multiboot
kernel on the real one). Runs: host (pytest-3).
"""

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time

import pytest

import shalecfg
from conftest import REPO_ROOT, SHALE_RUN

DEFAULT_CPU_MODEL = ("EPYC-v1,+svm,+npt,+pdpe1gb,-rdseed,-sha-ni,-fxsr-opt,"
                     "-misalignsse,-3dnowprefetch,-osvw,-topoext,-nrip-save,"
                     "-xsavec")


# ------------------------------------------------------------------ helpers

@pytest.fixture
def kernel(tmp_path):
    """A small file to stand in for a guest kernel."""
    path = tmp_path / "guest.bin"
    path.write_bytes(b"\x90" * 1000)
    return path


@pytest.fixture
def write_cfg(tmp_path, kernel):
    """Returns write(text, name="dom.cfg"): writes a domain file in tmp_path
    (after dedenting; {kernel} is replaced by the test kernel's path)."""
    def write(text, name="dom.cfg"):
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n")
                        .replace("{kernel}", str(kernel)))
        return path
    return write


GOOD = """
    # A domain file as Xen users write them.
    name    = "pv64"
    type    = "pv"            # "pv" or "hvm"
    kernel  = "{kernel}"
    cmdline = "console=ttyS0 # not a comment"
    memory  = 256             # MiB backed at start
    maxmem  = 1024
    vcpus   = 2
    hap     = 0
    shadow_memory = 8
"""


def minimal(**override):
    """A valid domain file's text with some keys replaced (None drops)."""
    keys = {"name": '"d1"', "type": '"hvm"', "kernel": '"{kernel}"',
            "memory": "64"}
    keys.update(override)
    return "".join(f"{k} = {v}\n" for k, v in keys.items() if v is not None)


def refused(path):
    """Parses path, expecting a CfgError; returns its message."""
    with pytest.raises(shalecfg.CfgError) as info:
        shalecfg.parse_file(str(path))
    return str(info.value)


# ------------------------------------------------------------------ parser

def test_good_file_is_parsed_to_its_values(write_cfg, kernel):
    """Every key of a typical file comes back with its value."""
    d = shalecfg.parse_file(str(write_cfg(GOOD)))
    assert d.to_dict() == {
        "name": "pv64", "type": "pv", "kernel": str(kernel),
        "ramdisk": None, "cmdline": "console=ttyS0 # not a comment",
        "memory": 256, "maxmem": 1024, "vcpus": 2, "hap": 0,
        "shadow_memory": 8,
    }


def test_optional_keys_get_their_defaults(write_cfg):
    """maxmem defaults to memory, vcpus to 1, hap to 1."""
    d = shalecfg.parse_file(str(write_cfg(minimal(memory="100"))))
    assert (d.maxmem, d.vcpus, d.hap, d.ramdisk, d.cmdline,
            d.shadow_memory) == (100, 1, 1, None, None, None)


def test_single_quotes_escapes_and_semicolons_are_accepted(write_cfg):
    """'single' strings, backslash escapes and a trailing ';' parse."""
    d = shalecfg.parse_file(str(write_cfg(minimal(
        name="'q1';", cmdline=r'"say \"hi\" \\ there"'))))
    assert d.name == "q1"
    assert d.cmdline == 'say "hi" \\ there'


def test_relative_kernel_path_is_resolved_against_cwd(write_cfg, tmp_path,
                                                      monkeypatch):
    """Like xl, a relative kernel path is taken from the current directory,
    not from the domain file's directory."""
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "k").write_bytes(b"k")
    cfg = write_cfg(minimal(kernel='"sub/k"'))
    monkeypatch.chdir(tmp_path)
    assert shalecfg.parse_file(str(cfg)).kernel == str(sub / "k")
    monkeypatch.chdir(sub)
    assert "no such file 'sub/k'" in refused(cfg)


def test_ramdisk_must_exist(write_cfg, tmp_path):
    """An existing ramdisk is accepted; a missing one is refused."""
    (tmp_path / "initrd").write_bytes(b"x")
    ok = write_cfg(minimal(ramdisk=f'"{tmp_path}/initrd"'))
    assert shalecfg.parse_file(str(ok)).ramdisk == str(tmp_path / "initrd")
    bad = write_cfg(minimal(ramdisk='"/nonexistent/initrd"'))
    assert refused(bad) == (f"{bad}:5: key 'ramdisk': no such file"
                            " '/nonexistent/initrd'")


def test_unknown_key_is_refused_with_file_and_line(write_cfg):
    """A key Shale does not know names the file, line and key."""
    cfg = write_cfg(minimal() + "\n# comment\nfoo = 1\n")
    assert refused(cfg) == f"{cfg}:7: unknown key 'foo'"


@pytest.mark.parametrize("key, value, expect", [
    ("vcpus", '"abc"', "expected an integer from 1 to 64, got \"abc\""),
    ("vcpus", "abc", "expected an integer from 1 to 64, got abc"),
    ("vcpus", "0", "expected an integer from 1 to 64, got 0"),
    ("vcpus", "65", "expected an integer from 1 to 64, got 65"),
    ("vcpus", "1.5", "expected an integer from 1 to 64, got 1.5"),
    ("memory", "0", "expected an integer from 1 to 1048576, got 0"),
    ("memory", "-4", "expected an integer from 1 to 1048576, got -4"),
    ("memory", "1048577",
     "expected an integer from 1 to 1048576, got 1048577"),
    ("hap", "2", "expected 0 or 1, got 2"),
    ("shadow_memory", "65537",
     "expected an integer from 0 to 65536, got 65537"),
    ("type", '"kvm"', 'expected "pv" or "hvm", got "kvm"'),
    ("type", "pv", 'expected "pv" or "hvm", got pv'),
    ("type", '[ "pv" ]', 'expected "pv" or "hvm", got ["pv"]'),
    ("name", '"has space"', "expected a string of 1 to 32 characters"),
    ("name", '""', "expected a string of 1 to 32 characters"),
    ("name", '"' + "n" * 33 + '"', "expected a string of 1 to 32"),
    ("cmdline", '"' + "c" * 1024 + '"', "longer than 1023 bytes"),
    ("cmdline", "5", "expected a string, got 5"),
    ("kernel", "5", "expected a quoted file path, got 5"),
])
def test_bad_value_is_refused_naming_line_and_key(write_cfg, key, value,
                                                  expect):
    """A value of the wrong kind or range names file, line and key."""
    cfg = write_cfg(minimal(**{key: value}) if key in
                    ("name", "type", "kernel", "memory")
                    else minimal() + f"{key} = {value}\n")
    lines = cfg.read_text().splitlines()
    line = next(i for i, l in enumerate(lines, 1)
                if l.startswith(key + " "))
    msg = refused(cfg)
    assert msg.startswith(f"{cfg}:{line}: key '{key}': "), msg
    assert expect in msg


def test_cmdline_of_1023_bytes_is_accepted(write_cfg):
    """The cmdline limit is 1023 bytes, inclusive."""
    cfg = write_cfg(minimal(cmdline='"' + "c" * 1023 + '"'))
    assert len(shalecfg.parse_file(str(cfg)).cmdline) == 1023


def test_list_is_parsed_but_refused_for_a_scalar_key(write_cfg):
    """Lists (also over several lines) are valid syntax; no key takes one."""
    cfg = write_cfg(minimal() + 'cmdline = [ "a",\n   "b", ]\n')
    assert refused(cfg) == (f"{cfg}:5: key 'cmdline': expected a string,"
                            ' got ["a", "b"]')


@pytest.mark.parametrize("key", ["name", "type", "kernel", "memory"])
def test_missing_required_key_is_refused(write_cfg, key):
    """Each of name, type, kernel and memory is required."""
    cfg = write_cfg(minimal(**{key: None}))
    msg = refused(cfg)
    assert msg.startswith(f"{cfg}:")
    assert msg.endswith(f"missing required key '{key}'")


def test_empty_file_is_refused(write_cfg):
    """A file with only comments lacks the required keys."""
    cfg = write_cfg("# nothing\n")
    assert refused(cfg) == f"{cfg}:1: missing required key 'name'"


def test_duplicate_key_names_both_lines(write_cfg):
    """Setting a key twice is an error naming both lines."""
    cfg = write_cfg(minimal() + "\nvcpus = 1\nvcpus = 2\n")
    assert refused(cfg) == f"{cfg}:7: key 'vcpus' set twice (lines 6 and 7)"


def test_missing_kernel_file_is_refused(write_cfg):
    """The kernel must exist..."""
    cfg = write_cfg(minimal(kernel='"/nonexistent/bzImage"'))
    assert refused(cfg) == (f"{cfg}:3: key 'kernel': no such file"
                            " '/nonexistent/bzImage'")


def test_kernel_that_is_a_directory_is_refused(write_cfg, tmp_path):
    """...and be a regular file."""
    cfg = write_cfg(minimal(kernel=f'"{tmp_path}"'))
    assert "is not a regular file" in refused(cfg)


def test_kernel_path_with_comma_is_refused(write_cfg, tmp_path):
    """qemu's -initrd separates modules with ',', so paths cannot hold one."""
    odd = tmp_path / "a,b"
    odd.write_bytes(b"k")
    cfg = write_cfg(minimal(kernel=f'"{odd}"'))
    msg = refused(cfg)
    assert msg.startswith(f"{cfg}:3: key 'kernel': path ")
    assert "contains ','" in msg


def test_maxmem_below_memory_is_refused(write_cfg):
    """maxmem is at least memory."""
    cfg = write_cfg(minimal(memory="128") + "maxmem = 64\n")
    assert refused(cfg).startswith(f"{cfg}:5: key 'maxmem': 64 is less than"
                                   " memory (128")


@pytest.mark.parametrize("text, line, expect", [
    ('name = "open\n', 1, "unterminated string"),
    ("= 5\n", 1, "expected a setting 'key = value', got '='"),
    ("name \"x\"\n", 1, "key 'name': expected '='"),
    ("name =\n", 1, "key 'name': expected a value, got end of line"),
    ('name = "a" "b"\n', 1, "key 'name': unexpected '\"b\"' after value"),
    ('x = [ "a" "b" ]\n', 1,
     "key 'x': expected ',' or ']' in list, got '\"b\"'"),
    ('\nx = [ "a",\n', 2, "key 'x': unterminated list"),
    ('name = "a\\q"\n', 1, "unknown escape '\\q' in string"),
])
def test_syntax_errors_name_the_line(tmp_path, text, line, expect):
    """Broken syntax is refused with the line it is on."""
    cfg = tmp_path / "bad.cfg"
    cfg.write_text(text)
    assert refused(cfg) == f"{cfg}:{line}: {expect}"


def test_unreadable_or_binary_file_is_refused(tmp_path):
    """A missing file or one that is not UTF-8 text is refused."""
    assert "cannot read" in refused(tmp_path / "nope.cfg")
    binary = tmp_path / "bin.cfg"
    binary.write_bytes(b"name = 1\n\xff\xfe\n")
    assert refused(binary) == f"{binary}:2: not valid UTF-8 text"


def test_duplicate_domain_names_are_refused(write_cfg):
    """Names are unique across the domain files of one run."""
    a = shalecfg.parse_file(str(write_cfg(minimal(), "a.cfg")))
    b = shalecfg.parse_file(str(write_cfg(minimal(), "b.cfg")))
    with pytest.raises(shalecfg.CfgError) as info:
        shalecfg.check_domains([a, b])
    assert str(info.value) == (f"{b.path}:1: key 'name': domain name 'd1'"
                               f" already used by {a.path}:1")


def test_domains_memory_over_host_mem_is_refused(write_cfg):
    """The domains' memory together must fit in --mem."""
    a = shalecfg.parse_file(str(write_cfg(minimal(memory="600"), "a.cfg")))
    b = shalecfg.parse_file(str(write_cfg(
        minimal(name='"d2"', memory="500"), "b.cfg")))
    shalecfg.check_domains([a, b], 1100)
    with pytest.raises(shalecfg.CfgError) as info:
        shalecfg.check_domains([a, b], 1024)
    msg = str(info.value)
    assert msg.startswith(f"{b.path}:4: key 'memory': the domains need"
                          " 1100 MiB")
    assert "--mem gives the host only 1024 MiB" in msg


# --------------------------------------------------------- CLI, no emulator

def run_cli(*args, cwd=REPO_ROOT, env=None):
    """Runs shale-run with args; returns (returncode, stdout, stderr)."""
    proc = subprocess.run([SHALE_RUN, *map(str, args)],
                          stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=60, cwd=cwd, env=env)
    return proc.returncode, proc.stdout, proc.stderr


def test_help_works():
    """--help prints the usage and the host options."""
    rc, out, _ = run_cli("--help")
    assert rc == 0
    assert out.startswith("usage: shale-run")
    for opt in ("--cpus", "--mem", "--emulator", "--timeout", "--json",
                "--gdb", "--cmdline", "--cpu-model", "--image"):
        assert opt in out


def test_bochs_is_refused_for_now():
    """Bochs comes with the VMX backend."""
    rc, _, err = run_cli("--emulator", "bochs")
    assert rc == 2
    assert "bochs support arrives with the VMX backend" in err


@pytest.mark.parametrize("args", [
    ["--cpus", "0"], ["--cpus", "65"], ["--cpus", "two"],
    ["--mem", "1.5G"], ["--mem", "1000K"], ["--mem", "lots"],
    ["--mem", "8M"], ["--timeout", "0"], ["--timeout", "x"],
    ["--emulator", "kvm"], ["--frobnicate"],
])
def test_bad_host_options_are_refused(args):
    """Out-of-range or unknown host options are usage errors (exit 2)."""
    rc, _, err = run_cli(*args)
    assert rc == 2
    assert "usage: shale-run" in err


def test_cli_refuses_unknown_key_with_file_line_key(write_cfg):
    """A domain-file error reaches the user as shale-run: FILE:LINE: ..."""
    cfg = write_cfg(minimal() + "foo = 1\n")
    rc, _, err = run_cli(cfg)
    assert rc == 2
    assert err == f"shale-run: {cfg}:5: unknown key 'foo'\n"


def test_cli_refuses_bad_integer(write_cfg):
    """The example from the issue: vcpus = "abc"."""
    cfg = write_cfg(minimal(vcpus='"abc"'))
    rc, _, err = run_cli(cfg)
    assert rc == 2
    assert err == (f"shale-run: {cfg}:5: key 'vcpus': expected an integer"
                   ' from 1 to 64, got "abc"\n')


def test_cli_refuses_duplicate_domain_names(write_cfg):
    """Two files naming the same domain are refused."""
    a, b = write_cfg(minimal(), "a.cfg"), write_cfg(minimal(), "b.cfg")
    rc, _, err = run_cli(a, b)
    assert rc == 2
    assert f"{b}:1: key 'name': domain name 'd1' already used by {a}:1" \
        in err


def test_cli_refuses_memory_over_mem(write_cfg):
    """Domains needing more than --mem are refused, naming both."""
    cfg = write_cfg(minimal(memory="600"))
    rc, _, err = run_cli("--mem", "512M", cfg)
    assert rc == 2
    assert f"{cfg}:4: key 'memory': the domains need 600 MiB" in err
    assert "only 512 MiB" in err


def test_cli_refuses_comma_in_domain_file_path(tmp_path, kernel):
    """The domain file itself is a module, so its path cannot hold ','."""
    cfg = tmp_path / "x,y.cfg"
    cfg.write_text(minimal().replace("{kernel}", str(kernel)))
    rc, _, err = run_cli(cfg)
    assert rc == 2
    assert "contains ','" in err and "x,y.cfg" in err


def test_cli_refuses_missing_image(write_cfg, tmp_path):
    """Without a hypervisor image there is nothing to boot."""
    rc, _, err = run_cli("--image", tmp_path / "none.elf",
                         write_cfg(minimal()))
    assert rc == 2
    assert "no hypervisor image" in err


# ------------------------------------------------------------- fake qemu

FAKE_QEMU = f"""#!{sys.executable}
# A stand-in for qemu-system-x86_64 driven by FAKE_QEMU_* variables.
import json, os, subprocess, sys, time
log = os.environ.get("FAKE_QEMU_LOG")
if log:
    with open(log, "w") as f:
        json.dump({{"argv": sys.argv[1:],
                   "stdin_is_devnull": os.path.samestat(
                       os.fstat(0), os.stat("/dev/null"))}}, f)
if os.environ.get("FAKE_QEMU_CHILD"):
    child = subprocess.Popen(["sleep", "60"])
    with open(os.environ["FAKE_QEMU_CHILD"], "w") as f:
        f.write(str(child.pid))
sys.stdout.write(os.environ.get("FAKE_QEMU_OUT", ""))
sys.stdout.flush()
time.sleep(float(os.environ.get("FAKE_QEMU_SLEEP", "0")))
sys.exit(int(os.environ.get("FAKE_QEMU_EXIT", "1")))
"""


@pytest.fixture
def fake(tmp_path, run_shale):
    """Returns run(out="", exit=1, sleep=0, args=(), child=False) which runs
    shale-run against a fake qemu and returns (rc, output, summary, log):
    log holds the fake's argv and whether its stdin was /dev/null."""
    qemu = tmp_path / "fake-qemu"
    qemu.write_text(FAKE_QEMU)
    qemu.chmod(0o755)
    image = tmp_path / "fake.elf"
    image.write_bytes(b"\x7fELF")

    def run(out="", exit=1, sleep=0, args=(), child=False, timeout=30):
        env = dict(os.environ, SHALE_QEMU=str(qemu),
                   FAKE_QEMU_LOG=str(tmp_path / "log.json"),
                   FAKE_QEMU_OUT=out, FAKE_QEMU_EXIT=str(exit),
                   FAKE_QEMU_SLEEP=str(sleep))
        if child:
            env["FAKE_QEMU_CHILD"] = str(tmp_path / "child.pid")
        rc, output, summary = run_shale("--image", image, *args,
                                        timeout=timeout, env=env)
        log = json.loads((tmp_path / "log.json").read_text())
        return rc, output, summary, log

    run.image = image
    return run


SUMMARY = {"cpus": 2, "cpus_online": 2, "vendor": "svm", "domains": []}
SUMMARY_LINE = "shale: summary " + json.dumps(SUMMARY) + "\r\n"


def test_qemu_command_line_has_the_expected_shape(fake, write_cfg, kernel,
                                                  tmp_path):
    """Defaults, -append and the -initrd module list reach qemu."""
    (tmp_path / "rd").write_bytes(b"r")
    a = write_cfg(minimal(ramdisk=f'"{tmp_path}/rd"'), "a.cfg")
    b = write_cfg(minimal(name='"d2"'), "b.cfg")
    rc, _, _, log = fake(SUMMARY_LINE, args=(
        "--cmdline", "maxcpus=1 loglvl=all", a, b))
    assert rc == 0
    assert log["stdin_is_devnull"]
    argv = log["argv"]
    opt = {argv[i]: argv[i + 1] for i in range(len(argv) - 1)
           if argv[i].startswith("-")}
    assert opt["-cpu"] == DEFAULT_CPU_MODEL
    assert opt["-smp"] == "2"
    assert opt["-m"] == "1024M"
    assert opt["-machine"] == "pc" and opt["-accel"] == "tcg"
    assert opt["-kernel"] == str(fake.image)
    assert opt["-append"] == "maxcpus=1 loglvl=all"
    assert opt["-serial"] == "stdio"
    assert opt["-device"] == "isa-debug-exit,iobase=0xf4,iosize=0x04"
    assert "-no-reboot" in argv and "-nodefaults" in argv
    assert "-s" not in argv and "-S" not in argv
    assert opt["-initrd"].split(",") == [
        f"{a} config d1", f"{kernel} kernel d1", f"{tmp_path}/rd ramdisk d1",
        f"{b} config d2", f"{kernel} kernel d2"]


def test_host_options_reach_qemu(fake):
    """--cpus, --mem and --cpu-model set -smp, -m and -cpu; no domains
    means no -initrd and no -append."""
    rc, _, _, log = fake(SUMMARY_LINE, args=(
        "--cpus", "4", "--mem", "2G", "--cpu-model", "qemu64"))
    assert rc == 0
    argv = log["argv"]
    assert argv[argv.index("-smp") + 1] == "4"
    assert argv[argv.index("-m") + 1] == "2048M"
    assert argv[argv.index("-cpu") + 1] == "qemu64"
    assert "-initrd" not in argv and "-append" not in argv


def test_pass_with_summary_exits_0_and_writes_json(fake):
    """qemu status 1 (Shale wrote 0) plus a summary: exit 0, --json file."""
    rc, out, summary, _ = fake("booting\n" + SUMMARY_LINE, exit=1)
    assert rc == 0, out
    assert summary == SUMMARY
    assert "booting\n" in out and SUMMARY_LINE.strip() + "\n" in out


def test_failure_exits_1_and_still_writes_json(fake):
    """qemu status 3 (Shale wrote 1): exit 1, --json written anyway."""
    rc, out, summary, _ = fake(SUMMARY_LINE, exit=3)
    assert rc == 1, out
    assert summary == SUMMARY


@pytest.mark.parametrize("out, exit, expect", [
    ("no summary here\n", 1, "printed no summary line"),
    (SUMMARY_LINE, 0, "qemu exited with status 0"),
    (SUMMARY_LINE, 7, "qemu exited with status 7"),
    ("shale: summary {not json}\n", 1, "malformed summary line"),
    ("shale: summary [1, 2]\n", 1, "malformed summary line: not a JSON"),
    ("shale: summary {\"a\": 1} trailing\n", 3, "malformed summary line"),
])
def test_emulator_problems_exit_3(fake, out, exit, expect):
    """Any other qemu status, or a missing or malformed summary: exit 3."""
    rc, output, summary, _ = fake(out, exit=exit)
    assert rc == 3, output
    assert expect in output


def test_summary_must_start_the_line(fake):
    """A guest's console line (prefixed) cannot pass as the summary."""
    rc, output, _, _ = fake("(dom) " + SUMMARY_LINE, exit=1)
    assert rc == 3
    assert "printed no summary line" in output


def test_final_line_without_newline_is_seen(fake):
    """The last line counts even if the emulator ends without a newline."""
    rc, output, summary, _ = fake(SUMMARY_LINE.rstrip(), exit=1)
    assert rc == 0, output
    assert summary == SUMMARY


def test_timeout_kills_the_emulator_group_and_exits_124(fake, tmp_path):
    """--timeout kills qemu and its children and exits 124 with a message."""
    start = time.monotonic()
    rc, output, summary, _ = fake("hanging\n", sleep=60, child=True,
                                  args=("--timeout", "1.5"))
    assert rc == 124
    assert "shale-run: timeout after 1.5 s" in output
    assert summary is None
    assert time.monotonic() - start < 20
    pid = int((tmp_path / "child.pid").read_text())
    for _ in range(50):  # the killed child may linger briefly as a zombie
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().split(")")[-1].split()[0] in "ZX":
                    break
        except FileNotFoundError:
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"the emulator's child {pid} is still running")


def test_gdb_adds_stub_prints_hint_and_disables_timeout(fake):
    """--gdb adds -s -S, says how to attach and ignores --timeout."""
    rc, output, _, log = fake(SUMMARY_LINE, sleep=2,
                              args=("--gdb", "--timeout", "1"))
    assert rc == 0, output
    assert log["argv"][-2:] == ["-s", "-S"]
    assert "-ex 'target remote :1234'" in output
    assert "gdb " in output


def test_missing_qemu_exits_3(tmp_path, run_shale):
    """No emulator binary: exit 3 with a message."""
    image = tmp_path / "fake.elf"
    image.write_bytes(b"\x7fELF")
    env = dict(os.environ, SHALE_QEMU=str(tmp_path / "no-such-qemu"))
    rc, output, _ = run_shale("--image", image, env=env)
    assert rc == 3
    assert "not found" in output


# ------------------------------------------- real qemu, tiny multiboot kernel

FAKE_KERNEL_ASM = r"""
; A multiboot (v1) kernel that prints MSG on COM1 and writes EXITVAL to the
; isa-debug-exit port, or spins forever when EXITVAL is -1.
bits 32
section .text
align 4
    dd 0x1BADB002, 0, -0x1BADB002
global _start
_start:
    mov esi, msg
.next:
    lodsb
    test al, al
    jz .done
    mov dx, 0x3f8
    out dx, al
    jmp .next
.done:
%if EXITVAL < 0
    jmp .done
%else
    mov dx, 0xf4
    mov al, EXITVAL
    out dx, al
    cli
    hlt
%endif
section .data
msg:
%include "msg.inc"
    db 0
"""

HAVE_TOOLCHAIN = all(shutil.which(t) for t in
                     ("nasm", "ld", "qemu-system-x86_64"))


@pytest.fixture(scope="module")
def tiny_kernel(tmp_path_factory):
    """Returns build(exitval, text): a multiboot ELF printing text."""
    if not HAVE_TOOLCHAIN:
        pytest.skip("needs nasm, ld and qemu-system-x86_64"
                    " (tools/install-deps)")
    base = tmp_path_factory.mktemp("tinykernel")
    (base / "k.asm").write_text(FAKE_KERNEL_ASM)
    count = [0]

    def build(exitval, text):
        count[0] += 1
        d = base / str(count[0])
        d.mkdir()
        data = ", ".join(str(b) for b in text.encode())
        (d / "msg.inc").write_text(f"db {data}\n")
        subprocess.run(["nasm", "-f", "elf32", f"-DEXITVAL={exitval}",
                        f"-I{d}/", "-o", d / "k.o", base / "k.asm"],
                       check=True)
        subprocess.run(["ld", "-m", "elf_i386", "-Ttext=0x100000",
                        "-o", d / "k.elf", d / "k.o"], check=True)
        return d / "k.elf"

    return build


def test_real_qemu_pass_and_no_cpu_model_warnings(tiny_kernel, run_shale,
                                                  write_cfg):
    """On qemu itself: exit 0, the summary is parsed, the domain modules
    load, and the default CPU model draws no TCG warnings."""
    image = tiny_kernel(0, "hello\r\n" + SUMMARY_LINE)
    rc, output, summary = run_shale("--image", image, write_cfg(minimal()),
                                    timeout=60)
    assert rc == 0, output
    assert summary == SUMMARY
    assert "hello\n" in output
    assert "warning" not in output.lower()


def test_real_qemu_failure_exits_1(tiny_kernel, run_shale):
    """Shale writing 1 to the exit port makes shale-run exit 1."""
    # SeaBIOS leaves "Booting from ROM.." unterminated: start a new line.
    image = tiny_kernel(1, "\r\n" + SUMMARY_LINE)
    rc, output, summary = run_shale("--image", image, timeout=60)
    assert rc == 1, output
    assert summary == SUMMARY


def test_real_qemu_hang_times_out(tiny_kernel, run_shale):
    """A guest that never ends is killed at --timeout: exit 124."""
    image = tiny_kernel(-1, "spinning\r\n")
    start = time.monotonic()
    rc, output, _ = run_shale("--image", image, timeout=3)
    assert rc == 124, output
    assert "spinning" in output
    assert "shale-run: timeout after 3 s" in output
    assert time.monotonic() - start < 30
