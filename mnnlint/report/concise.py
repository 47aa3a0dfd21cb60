"""`--output-format concise`: one line per finding, for grep and editors."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from ..diagnostics import Diagnostic
from . import RunInfo


def line(d: Diagnostic) -> str:
    where = f"{d.file}:op#{d.op.index}[{d.op.name}]" if d.op else d.file
    if d.op and d.op.subgraph:
        where = f"{d.file}:{d.op.subgraph}/op#{d.op.index}[{d.op.name}]"
    return f"{where}: {d.code} [{d.target}@{d.release}] {d.message}"


def render(diagnostics: Sequence[Diagnostic], run: RunInfo, out: TextIO) -> None:
    for d in diagnostics:
        out.write(line(d) + "\n")
