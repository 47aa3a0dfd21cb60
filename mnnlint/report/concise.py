"""`--output-format concise`: one line per finding, for grep and editors.

`file:op#38[name]: CODE [target@releases] message` (the name only when the message
does not give it). A finding seen in several releases is
one line naming them (`cuda@3.2.0` to `3.2.1`); the message is the newest release's.
Files that could not be read follow, one `input error: path: why` line each; counts
come with `--statistics`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from ..diagnostics import Diagnostic
from . import RunInfo
from .common import Finding, merge_releases, names_op, ranges
from .escape import line, message, text


def place(d: Diagnostic) -> str:
    """`file:op#38[name]`, `file:sub/op#7[name]`, or `file:op#38` when the message names the op."""
    if d.op is None:
        return d.file
    graph = f"{d.op.subgraph}/" if d.op.subgraph else ""
    name = "" if names_op(d.op, d.message) else f"[{d.op.name}]"
    return f"{d.file}:{graph}op#{d.op.index}{name}"


def finding_line(f: Finding) -> str:
    d = f.shown
    head = place(d)
    releases = ranges(f.releases, f.checked)
    return line(message(f"{head}: {d.code} [{d.target}@{releases}] {d.message}"))


def render(diagnostics: Sequence[Diagnostic], run: RunInfo, out: TextIO) -> None:
    for f in merge_releases(diagnostics, run):
        out.write(finding_line(f) + "\n")
    for err in run.input_errors:
        out.write(line(text(f"input error: {err}")) + "\n")
