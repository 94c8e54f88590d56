# SPDX-License-Identifier: MIT
"""Parser and checker for Shale domain files, a subset of Xen's xl.cfg syntax.

Used by tools/shale-run and imported directly by the integration tests.
Runs: host.

A domain file holds ``key = value`` lines, ``#`` comments (outside strings)
and blank lines. A value is a "double-quoted" or 'single-quoted' string, a
decimal integer, or a list ``[ "a", "b" ]`` (which may span lines). Every key
is checked against KEYS; any problem raises CfgError whose text names the
file, the line and the key, e.g. ``tests/x.cfg:3: unknown key 'foo'``.
"""

import os
import re
from dataclasses import dataclass, field

__all__ = [
    "CfgError", "Value", "Domain", "KEYS",
    "tokenize", "parse_text", "parse_file", "check_domains",
    "check_module_path",
]


class CfgError(Exception):
    """A domain file (or a set of them) that Shale must refuse.

    str(err) is ``path:line: message`` (``path: message`` without a line).
    """

    def __init__(self, path, line, message):
        self.path = path
        self.line = line
        self.message = message
        where = f"{path}:{line}" if line else f"{path}"
        super().__init__(f"{where}: {message}")


@dataclass
class Value:
    """One parsed value: kind is 'string', 'int', 'word' or 'list'.

    raw is the text as written in the file (used in error messages); for a
    list, value is a list of Value.
    """

    kind: str
    value: object
    raw: str
    line: int


@dataclass
class Domain:
    """A checked domain: every known key with its value or default."""

    path: str
    name: str
    type: str
    kernel: str
    memory: int
    maxmem: int
    vcpus: int = 1
    hap: int = 1
    ramdisk: str | None = None
    cmdline: str | None = None
    shadow_memory: int | None = None
    lines: dict = field(default_factory=dict)  # key -> line number

    def to_dict(self):
        """The domain as a plain dict of its xl.cfg keys (for --json, tests)."""
        return {
            "name": self.name, "type": self.type, "kernel": self.kernel,
            "ramdisk": self.ramdisk, "cmdline": self.cmdline,
            "memory": self.memory, "maxmem": self.maxmem,
            "vcpus": self.vcpus, "hap": self.hap,
            "shadow_memory": self.shadow_memory,
        }


# ------------------------------------------------------------------ lexing

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_WORD = re.compile(r"[^\s#\[\],=;\"']+")
_INT = re.compile(r"[+-]?[0-9]+")
_ESCAPES = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "t": "\t"}


def _lex_string(path, text, pos, line):
    """Reads a quoted string starting at text[pos]; returns (value, raw, end).

    Backslash escapes \\\\ \\" \\' \\n \\t are understood; a string may not
    span lines.
    """
    quote = text[pos]
    out = []
    i = pos + 1
    while i < len(text):
        c = text[i]
        if c == quote:
            return "".join(out), text[pos:i + 1], i + 1
        if c == "\n":
            break
        if c == "\\":
            nxt = text[i + 1] if i + 1 < len(text) else ""
            if nxt not in _ESCAPES:
                raise CfgError(path, line,
                               f"unknown escape '\\{nxt}' in string")
            out.append(_ESCAPES[nxt])
            i += 2
            continue
        out.append(c)
        i += 1
    raise CfgError(path, line, "unterminated string")


def tokenize(path, text):
    """Splits text into (kind, value, raw, line) tokens.

    Kinds: 'nl', 'ident', 'word', 'int', 'string', '=', '[', ']', ',', ';'.
    Comments are dropped; a final 'nl' is always present.
    """
    tokens = []
    pos = 0
    line = 1
    while pos < len(text):
        c = text[pos]
        if c == "\n":
            tokens.append(("nl", None, "\n", line))
            line += 1
            pos += 1
        elif c in " \t\r\f\v":
            pos += 1
        elif c == "#":
            end = text.find("\n", pos)
            pos = len(text) if end < 0 else end
        elif c in "=[],;":
            tokens.append((c, None, c, line))
            pos += 1
        elif c in "\"'":
            value, raw, pos = _lex_string(path, text, pos, line)
            tokens.append(("string", value, raw, line))
        else:
            m = _WORD.match(text, pos)
            if not m:  # cannot happen: every other char starts a word
                raise CfgError(path, line, f"unexpected character {c!r}")
            raw = m.group(0)
            if _INT.fullmatch(raw):
                tokens.append(("int", int(raw, 10), raw, line))
            elif _IDENT.fullmatch(raw):
                tokens.append(("ident", raw, raw, line))
            else:
                tokens.append(("word", raw, raw, line))
            pos = m.end()
    tokens.append(("nl", None, "\n", line))
    return tokens


# ----------------------------------------------------------------- parsing

class _Parser:
    """Recursive-descent parser over tokenize()'s output."""

    def __init__(self, path, tokens):
        self.path = path
        self.toks = tokens
        self.i = 0

    def peek(self):
        """The current token."""
        return self.toks[self.i]

    def take(self):
        """Returns the current token and advances."""
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def skip_newlines(self):
        """Skips newlines (allowed inside lists)."""
        while self.peek()[0] == "nl" and self.i < len(self.toks) - 1:
            self.i += 1

    def atom(self, key):
        """Parses a string, integer or bare word."""
        kind, value, raw, line = self.take()
        if kind == "string":
            return Value("string", value, raw, line)
        if kind == "int":
            return Value("int", value, raw, line)
        if kind in ("ident", "word"):
            return Value("word", value, raw, line)
        what = "end of line" if kind == "nl" else f"'{raw}'"
        raise CfgError(self.path, line,
                       f"key '{key}': expected a value, got {what}")

    def value(self, key):
        """Parses a value: an atom or a list of atoms."""
        kind, _, _, line = self.peek()
        if kind != "[":
            return self.atom(key)
        self.take()
        items = []
        while True:
            self.skip_newlines()
            if self.i == len(self.toks) - 1:  # only the final newline left
                raise CfgError(self.path, line,
                               f"key '{key}': unterminated list")
            if self.peek()[0] == "]":
                break
            items.append(self.atom(key))
            self.skip_newlines()
            if self.peek()[0] == ",":
                self.take()
                continue
            if self.peek()[0] != "]":
                tok = self.peek()
                if tok[0] == "nl":  # only at end of input
                    raise CfgError(self.path, line,
                                   f"key '{key}': unterminated list")
                raise CfgError(self.path, tok[3],
                               f"key '{key}': expected ',' or ']' in list,"
                               f" got '{tok[2]}'")
        self.take()
        raw = "[" + ", ".join(v.raw for v in items) + "]"
        return Value("list", items, raw, line)

    def statement(self):
        """Parses one ``key = value`` setting; returns (key, Value, line)."""
        kind, value, raw, line = self.take()
        if kind != "ident":
            raise CfgError(self.path, line,
                           f"expected a setting 'key = value', got '{raw}'")
        key = value
        if self.peek()[0] != "=":
            raise CfgError(self.path, line, f"key '{key}': expected '='")
        self.take()
        val = self.value(key)
        if self.peek()[0] == ";":
            self.take()
        tok = self.peek()
        if tok[0] != "nl":
            raise CfgError(self.path, tok[3],
                           f"key '{key}': unexpected '{tok[2]}' after value")
        return key, val, line

    def settings(self):
        """Parses the whole file into a list of (key, Value, line)."""
        out = []
        while self.i < len(self.toks):
            if self.peek()[0] == "nl":
                self.i += 1
                continue
            out.append(self.statement())
        return out


# ---------------------------------------------------------------- checking

_NAME = re.compile(r"[A-Za-z0-9_.-]{1,32}")


def _int_range(lo, hi):
    """A checker for an integer in [lo, hi]."""
    def check(v):
        if v.kind == "int" and lo <= v.value <= hi:
            return v.value
        if lo == 0 and hi == 1:
            return _bad(f"expected 0 or 1, got {v.raw}")
        return _bad(f"expected an integer from {lo} to {hi}, got {v.raw}")
    return check


class _BadValue(Exception):
    """Raised by a key checker; the caller adds file, line and key."""


def _bad(message):
    """Raises _BadValue(message)."""
    raise _BadValue(message)


def _check_name(v):
    """name: 1-32 characters of [A-Za-z0-9_.-]."""
    if v.kind == "string" and _NAME.fullmatch(v.value):
        return v.value
    return _bad("expected a string of 1 to 32 characters from"
                f" [A-Za-z0-9_.-], got {v.raw}")


def _check_type(v):
    """type: "pv" or "hvm"."""
    if v.kind == "string" and v.value in ("pv", "hvm"):
        return v.value
    return _bad(f'expected "pv" or "hvm", got {v.raw}')


def _check_cmdline(v):
    """cmdline: a string of at most 1023 bytes (UTF-8)."""
    if v.kind != "string":
        return _bad(f"expected a string, got {v.raw}")
    if len(v.value.encode("utf-8")) > 1023:
        return _bad(f"longer than 1023 bytes"
                    f" ({len(v.value.encode('utf-8'))})")
    return v.value


def check_module_path(path):
    """Returns why path cannot be handed to qemu as a module, or None.

    qemu's -initrd separates modules with ',' and a module's file name from
    its command line with the first ' ', so neither may appear in a path.
    """
    if "," in path:
        return (f"path '{path}' contains ',', which qemu's -initrd"
                " cannot pass; rename or link the file")
    if any(c.isspace() for c in path):
        return (f"path '{path}' contains white space, which qemu's -initrd"
                " cannot pass; rename or link the file")
    return None


def _check_file(v):
    """kernel, ramdisk: an existing, regular, readable file.

    Relative paths are resolved against the current directory, as xl does.
    Returns the absolute path.
    """
    if v.kind != "string":
        return _bad(f"expected a quoted file path, got {v.raw}")
    if v.value == "":
        return _bad("empty file path")
    path = os.path.abspath(v.value)
    if not os.path.exists(path):
        return _bad(f"no such file '{v.value}'")
    if not os.path.isfile(path):
        return _bad(f"'{v.value}' is not a regular file")
    if not os.access(path, os.R_OK):
        return _bad(f"'{v.value}' is not readable")
    problem = check_module_path(path)
    if problem:
        return _bad(problem)
    return path


# key -> (checker, required)
KEYS = {
    "name": (_check_name, True),
    "type": (_check_type, True),
    "kernel": (_check_file, True),
    "ramdisk": (_check_file, False),
    "cmdline": (_check_cmdline, False),
    "memory": (_int_range(1, 1048576), True),
    "maxmem": (_int_range(1, 1048576), False),
    "vcpus": (_int_range(1, 64), False),
    "hap": (_int_range(0, 1), False),
    "shadow_memory": (_int_range(0, 65536), False),
}


def parse_text(text, path="<string>"):
    """Parses and checks one domain file's text; returns a Domain.

    path only labels messages. Raises CfgError on the first problem.
    """
    settings = _Parser(path, tokenize(path, text)).settings()
    values = {}
    lines = {}
    for key, val, line in settings:
        if key not in KEYS:
            raise CfgError(path, line, f"unknown key '{key}'")
        if key in lines:
            raise CfgError(path, line,
                           f"key '{key}' set twice (lines {lines[key]}"
                           f" and {line})")
        checker, _ = KEYS[key]
        try:
            values[key] = checker(val)
        except _BadValue as err:
            raise CfgError(path, line, f"key '{key}': {err}") from None
        lines[key] = line
    for key, (_, required) in KEYS.items():
        if required and key not in values:
            # Reported at the file's last line: where it should have been.
            eof = text.count("\n") + (0 if text.endswith("\n") else 1)
            raise CfgError(path, max(eof, 1),
                           f"missing required key '{key}'")
    maxmem = values.get("maxmem", values["memory"])
    if maxmem < values["memory"]:
        raise CfgError(path, lines["maxmem"],
                       f"key 'maxmem': {maxmem} is less than memory"
                       f" ({values['memory']}, line {lines['memory']})")
    return Domain(path=path, name=values["name"], type=values["type"],
                  kernel=values["kernel"], memory=values["memory"],
                  maxmem=maxmem, vcpus=values.get("vcpus", 1),
                  hap=values.get("hap", 1), ramdisk=values.get("ramdisk"),
                  cmdline=values.get("cmdline"),
                  shadow_memory=values.get("shadow_memory"), lines=lines)


def parse_file(path):
    """Reads and checks the domain file at path; returns a Domain.

    Raises CfgError for an unreadable file or any problem in it.
    """
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as err:
        raise CfgError(path, 0, f"cannot read: {err.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1
        raise CfgError(path, line, "not valid UTF-8 text") from None
    return parse_text(text, path)


def check_domains(domains, mem_mib=None):
    """Checks a run's domains together; raises CfgError on a problem.

    Names must be unique; with mem_mib, the domains' memory must fit in it.
    """
    seen = {}
    for d in domains:
        if d.name in seen:
            other = seen[d.name]
            raise CfgError(d.path, d.lines.get("name", 0),
                           f"key 'name': domain name '{d.name}' already used"
                           f" by {other.path}:{other.lines.get('name', 0)}")
        seen[d.name] = d
    if mem_mib is not None:
        total = sum(d.memory for d in domains)
        if total > mem_mib:
            names = ", ".join(f"{d.name}={d.memory}M" for d in domains)
            raise CfgError(domains[-1].path, domains[-1].lines["memory"],
                           f"key 'memory': the domains need {total} MiB"
                           f" ({names}) but --mem gives the host only"
                           f" {mem_mib} MiB")
