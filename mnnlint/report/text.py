"""`--output-format text`: findings grouped per model and target, for people."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from itertools import groupby
from typing import TextIO

from ..diagnostics import Diagnostic, Severity
from . import RunInfo
from .console import make_console
from .placement_text import placement_line, targets_line

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def render(diagnostics: Sequence[Diagnostic], run: RunInfo, out: TextIO) -> None:
    from rich.markup import escape

    console = make_console(out)
    by_group = {k: list(g) for k, g in groupby(diagnostics, key=lambda d: (d.file, d.target, d.release))}
    for c in run.checked:
        found = by_group.get((c.file, c.target, c.release), [])
        mark = "[green]clean[/green]" if not found else f"{len(found)} finding{'s' * (len(found) != 1)}"
        console.print(f"[bold]{escape(c.file)}[/bold] on [bold]{c.target}[/bold], MNN {c.release} "
                      f"(build profile {c.profile}, tables at {c.commit[:10]}): {mark}")
        if c.placement is not None:
            console.print(f"  placement: {escape(placement_line(c.target, c.placement.main))}")
        for d in found:
            style = _STYLE[d.severity]
            where = f" {escape(d.op.logical_path)} ({escape(d.op.type_name)})" if d.op else ""
            console.print(f"  [{style}]{d.severity!s:7}[/{style}] [bold]{d.code}[/bold]{where}")
            for line in d.message.splitlines() or [""]:
                console.print(f"          {escape(line)}")
            if d.fix:
                console.print(f"          [dim]fix:[/dim] {escape(d.fix)}")
        if found:
            console.print()
    for (file, release), checks in groupby(run.checked, key=lambda c: (c.file, c.release)):
        line = targets_line(list(checks))
        if line.count(" · ") >= 1:
            console.print(f"[bold]{escape(file)}[/bold], MNN {release}: {escape(line)}")
    for err in run.input_errors:
        console.print(f"[bold red]input error[/bold red] {escape(err)}")
    if run.statistics and diagnostics:
        counts = Counter((d.code, d.rule) for d in diagnostics)
        console.print()
        for (code, name), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            console.print(f"{n:6d}  {code}  {name}")
    console.print(summary_line(diagnostics, run))


def summary_line(diagnostics: Sequence[Diagnostic], run: RunInfo) -> str:
    sev = Counter(d.severity for d in diagnostics)
    parts = [f"{sev[s]} {s}{'s' * (sev[s] != 1)}" for s in (Severity.ERROR, Severity.WARNING, Severity.INFO) if sev[s]]
    combos = len(run.checked)
    found = ", ".join(parts) if parts else "no findings"
    tail = f"; {len(run.input_errors)} file(s) could not be read" if run.input_errors else ""
    return (f"Found {found} in {run.models} model{'s' * (run.models != 1)} "
            f"({combos} target/release check{'s' * (combos != 1)}){tail}.")
