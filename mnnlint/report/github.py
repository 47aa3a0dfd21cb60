"""`--output-format github`: workflow commands that GitHub Actions turns into annotations.

GitHub shows at most 10 annotations of each level (error, warning, notice) per step and
drops the rest silently, so findings are first merged per (model, rule, target) — one
annotation says "B002 on cuda in 3.2.0 and 3.2.1" instead of two — and then at most 10
per level are emitted, most severe and earliest first. Everything, with the number left
out, goes to the job summary when `GITHUB_STEP_SUMMARY` names a file (the runner sets
it; writing there is the output the user asked for).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO

from ..diagnostics import Diagnostic, Severity
from . import RunInfo
from .concise import line as concise_line
from .placement_text import human_bytes
from .sarif import artifact_path

PER_LEVEL = 10
COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """A command's message: GitHub decodes `%25`, `%0D` and `%0A` (in that spelling)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A command's property value: as data, and `:` and `,` too, which end a property."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


@dataclass(frozen=True)
class Finding:
    """The diagnostics of one (model, rule, target), shown as one annotation."""

    file: str
    code: str
    rule: str
    target: str
    severity: Severity
    releases: tuple[str, ...]
    ops: int
    message: str
    fix: str | None

    @property
    def title(self) -> str:
        return f"{self.code} {self.rule} ({self.target})"

    @property
    def text(self) -> str:
        text = self.message
        if len(self.releases) > 1:
            text += f" [also in MNN {', '.join(self.releases[1:])}]"
        if self.fix:
            text += f"\nFix: {self.fix}"
        return text


def aggregate(diagnostics: Sequence[Diagnostic]) -> list[Finding]:
    """One Finding per (model, rule, target), in first-seen order, at its worst severity."""
    groups: dict[tuple[str, str, str], list[Diagnostic]] = {}
    for d in diagnostics:
        groups.setdefault((d.file, d.code, d.target), []).append(d)
    found = []
    for (file, code, target), ds in groups.items():
        worst = max(ds, key=lambda d: d.severity)
        found.append(Finding(
            file=file, code=code, rule=worst.rule, target=target, severity=worst.severity,
            releases=tuple(dict.fromkeys([worst.release, *(d.release for d in ds)])),
            ops=sum(d.count for d in ds if d.release == worst.release),
            message=worst.message, fix=worst.fix,
        ))
    return found


def command(f: Finding) -> str:
    props = f"file={escape_property(artifact_path(f.file))},line=1,title={escape_property(f.title)}"
    return f"::{COMMAND[f.severity]} {props}::{escape_data(f.text)}"


def budget(findings: Sequence[Finding]) -> tuple[list[Finding], dict[Severity, int]]:
    """The findings to annotate (≤ PER_LEVEL per level, worst level first) and how many per level are left out."""
    shown: list[Finding] = []
    left: dict[Severity, int] = {}
    for sev in (Severity.ERROR, Severity.WARNING, Severity.INFO):
        mine = [f for f in findings if f.severity == sev]
        shown.extend(mine[:PER_LEVEL])
        if len(mine) > PER_LEVEL:
            left[sev] = len(mine) - PER_LEVEL
    return shown, left


def render(diagnostics: Sequence[Diagnostic], run: RunInfo, out: TextIO) -> None:
    findings = aggregate(diagnostics)
    shown, left = budget(findings)
    if diagnostics:
        # The full list as plain log lines, folded, for whoever opens the step's log.
        out.write("::group::mnnlint: all findings\n")
        for d in diagnostics:
            # Plain log lines are shown as written (no %-decoding): one line each, indented
            # so that no model or op name can start a workflow command.
            out.write("  " + " ".join(concise_line(d).splitlines()) + "\n")
        out.write("::endgroup::\n")
    for f in shown:
        out.write(command(f) + "\n")
    for err in run.input_errors:
        out.write(f"::error title=mnnlint input error::{escape_data(err)}\n")
    if left:
        more = ", ".join(f"{n} {COMMAND[s]}{'s' * (n != 1)}" for s, n in left.items())
        out.write(f"mnnlint: {more} not annotated (GitHub shows {PER_LEVEL} per level per step); "
                  "the job summary and the SARIF report list every finding.\n")
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_file:
        with open(summary_file, "a", encoding="utf-8") as summary:
            summary.write(step_summary(findings, left, run))


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", "").replace("\n", "<br>")


def placement_table(run: RunInfo) -> list[str]:
    """Markdown rows: where each checked model's ops run, per target and release."""
    rows = [c for c in run.checked if c.placement is not None]
    if not rows:
        return []
    lines = ["### Placement", "",
             "| Model | Target | MNN | Verdict | Ops | On target | On CPU | Nowhere | Partitions | Crossings "
             "| Bytes/inference | Costliest fallback |",
             "| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for c in rows:
        g = c.placement.main  # type: ignore[union-attr]
        size = human_bytes(g.crossing_bytes) if g.crossing_bytes is not None else "unknown"
        top = f"{g.fallbacks[0].op_type} ({g.fallbacks[0].crossings})" if g.fallbacks else ""
        lines.append(f"| `{_cell(artifact_path(c.file))}` | {c.target} | {c.release} | {g.verdict} | {g.ops} "
                     f"| {g.on_target} | {g.on_cpu} | {g.nowhere} | {g.partitions} | {g.crossings} | {size} "
                     f"| {_cell(top)} |")
    return [*lines, ""]


def step_summary(findings: Sequence[Finding], left: dict[Severity, int], run: RunInfo) -> str:
    """Markdown for the job summary: a table of every finding and what was not annotated."""
    lines = ["## mnnlint", ""]
    total = sum(f.ops for f in findings)
    lines.append(f"{len(findings)} finding{'s' * (len(findings) != 1)} (per model, rule and target; "
                 f"{total} op{'s' * (total != 1)}) in {run.models} model{'s' * (run.models != 1)}, "
                 f"{len(run.checked)} target/release check{'s' * (len(run.checked) != 1)}.")
    lines.append("")
    if left:
        more = ", ".join(f"{n} {COMMAND[s]}{'s' * (n != 1)}" for s, n in left.items())
        lines += [f"> [!NOTE]\n> {more} beyond GitHub's {PER_LEVEL} annotations per level "
                  "are listed here only.", ""]
    if findings:
        lines.append("| Level | Rule | Model | Target | MNN releases | Ops | Message | Fix |")
        lines.append("| --- | --- | --- | --- | --- | ---: | --- | --- |")
        for f in findings:
            lines.append(
                f"| {COMMAND[f.severity]} | `{f.code}` {f.rule} | `{_cell(artifact_path(f.file))}` | {f.target} "
                f"| {', '.join(f.releases)} | {f.ops} | {_cell(f.message)} | {_cell(f.fix or '')} |")
        lines.append("")
    lines += placement_table(run)
    for err in run.input_errors:
        lines.append(f"- input error: {_cell(err)}")
    if run.input_errors:
        lines.append("")
    return "\n".join(lines) + "\n"
