"""`--output-format github`: workflow commands that GitHub Actions turns into annotations.

GitHub shows at most 10 annotations of each level (error, warning, notice) per step and
drops the rest silently, so findings are first merged per (model, rule, target) — one
annotation says "B002 on cuda, fails MNN 3.2.0 to 3.2.1" instead of two — and then at
most 10 per level are emitted, most severe and earliest first. `step_summary()` returns
the job summary's markdown, with everything and the number left out; the CLI appends
it to `$GITHUB_STEP_SUMMARY` (this module writes nowhere but `out`).

Names are attacker-controlled and the runner executes any line that starts with `::`:
command values are escaped as GitHub decodes them (`%25`, `%0D`, `%0A`, and `%3A`,
`%2C` in properties), after `escape.text` has turned control characters and `##[`
into visible escapes; plain log lines go through `escape.line`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO

from ..diagnostics import Diagnostic, Severity
from . import RunInfo
from .common import SEVERITIES, artifact_path, checks, human_bytes, names_op, plural, release_verdict, releases_of
from .escape import line, message, text

PER_LEVEL = 10
COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(value: str) -> str:
    """A command's message: GitHub decodes `%25`, `%0D` and `%0A` (in that spelling)."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """A command's property value: as data, and `:` and `,` too, which end a property."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


@dataclass(frozen=True)
class Finding:
    """The diagnostics of one (model, rule, target), shown as one annotation."""

    file: str  # as the report shows it: relative to the repository root
    code: str
    rule: str
    target: str
    severity: Severity
    releases: tuple[str, ...]  # where it was found, the one whose message is shown first
    verdict: str  # `fails MNN 3.2.0, passes 3.3.0` (common.release_verdict)
    ops: int
    message: str
    fix: str | None

    @property
    def title(self) -> str:
        return f"{self.code} {self.rule} ({self.target})"

    @property
    def text(self) -> str:
        """The annotation: the message on one line (`escape.message`) with the releases, then the fix."""
        lines = [message(self.message)]
        if len(self.releases) > 1:
            lines[0] += f" [{self.verdict}]"
        if self.fix:
            lines.append(f"Fix: {message(self.fix)}")
        return "\n".join(lines)


def aggregate(diagnostics: Sequence[Diagnostic], run: RunInfo) -> list[Finding]:
    """One Finding per (model, rule, target), in first-seen order, at its worst severity."""
    groups: dict[tuple[str, str, str], list[Diagnostic]] = {}
    for d in diagnostics:
        groups.setdefault((d.file, d.code, d.target), []).append(d)
    index = checks(run)
    found = []
    for (file, code, target), ds in groups.items():
        worst = max(ds, key=lambda d: d.severity)
        releases = tuple(dict.fromkeys([worst.release, *(d.release for d in ds)]))
        found.append(Finding(
            file=artifact_path(file, run), code=code, rule=worst.rule, target=target, severity=worst.severity,
            releases=releases, verdict=release_verdict(releases, releases_of(index.get((file, target), ()))),
            ops=sum(d.count for d in ds if d.release == worst.release), message=worst.message, fix=worst.fix,
        ))
    return found


def command(f: Finding) -> str:
    props = f"file={escape_property(text(f.file))},line=1,title={escape_property(text(f.title))}"
    return f"::{COMMAND[f.severity]} {props}::{escape_data(f.text)}"


def budget(findings: Sequence[Finding]) -> tuple[list[Finding], dict[Severity, int]]:
    """The findings to annotate (≤ PER_LEVEL per level, worst level first) and how many per level are left out."""
    shown: list[Finding] = []
    left: dict[Severity, int] = {}
    for sev in SEVERITIES:
        mine = [f for f in findings if f.severity == sev]
        shown.extend(mine[:PER_LEVEL])
        if len(mine) > PER_LEVEL:
            left[sev] = len(mine) - PER_LEVEL
    return shown, left


def _log_line(d: Diagnostic, run: RunInfo) -> str:
    """One finding as a plain log line (shown as written, no %-decoding), indented and guarded."""
    head = artifact_path(d.file, run)
    if d.op is not None:
        graph = f"{d.op.subgraph}/" if d.op.subgraph else ""
        head += f":{graph}op#{d.op.index}" + ("" if names_op(d.op, d.message) else f"[{d.op.name}]")
    return line("  " + message(f"{head}: {d.code} [{d.target}@{d.release}] {d.message}"))


def _left_out(left: dict[Severity, int]) -> str:
    return ", ".join(plural(n, COMMAND[s]) for s, n in left.items())


def render(diagnostics: Sequence[Diagnostic], run: RunInfo, out: TextIO) -> None:
    findings = aggregate(diagnostics, run)
    shown, left = budget(findings)
    lines = []
    if diagnostics:
        # The full list as plain log lines, folded, for whoever opens the step's log.
        lines.append("::group::mnnlint: all findings")
        lines += [_log_line(d, run) for d in diagnostics]
        lines.append("::endgroup::")
    lines += [command(f) for f in shown]
    lines += [f"::error title=mnnlint input error::{escape_data(text(err))}" for err in run.input_errors]
    if left:
        lines.append(f"mnnlint: {_left_out(left)} not annotated (GitHub shows {PER_LEVEL} per level per step); "
                     "the job summary and the SARIF report list every finding.")
    out.write("".join(x + "\n" for x in lines))


_MARKDOWN = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "`": "&#96;", "|": "&#124;", "\\": "&#92;",
             "[": "&#91;", "]": "&#93;", "*": "&#42;", "_": "&#95;", "~": "&#126;"}


def _cell(value: str) -> str:
    """A table cell: escaped text in which no markdown or HTML of a name takes effect
    (no link, image, tag or code span, no end of the cell)."""
    return "".join(_MARKDOWN.get(ch, ch) for ch in text(value))


def step_summary(diagnostics: Sequence[Diagnostic], run: RunInfo) -> str:
    """Markdown for the job summary: a table of every finding, and what was not annotated.

    Pure: the caller appends it to `$GITHUB_STEP_SUMMARY`.
    """
    findings = aggregate(diagnostics, run)
    _, left = budget(findings)
    total = sum(f.ops for f in findings)
    lines = ["## mnnlint", "",
             f"{plural(len(findings), 'finding')} (per model, rule and target; {plural(total, 'op')}) in "
             f"{plural(run.models, 'model')}, {plural(len(run.checked), 'target/release check')}.", ""]
    if left:
        lines += [f"> [!NOTE]\n> {_left_out(left)} beyond GitHub's {PER_LEVEL} annotations per level "
                  "are listed here only.", ""]
    if findings:
        lines.append("| Level | Rule | Model | Target | MNN releases | Ops | Message | Fix |")
        lines.append("| --- | --- | --- | --- | --- | ---: | --- | --- |")
        for f in findings:
            lines.append(
                f"| {COMMAND[f.severity]} | <code>{_cell(f.code)}</code> {_cell(f.rule)} "
                f"| <code>{_cell(f.file)}</code> | {_cell(f.target)} "
                f"| {_cell(f.verdict)} | {f.ops} | {_cell(f.message)} | {_cell(f.fix or '')} |")
        lines.append("")
    lines += _placement_table(run)
    lines += [f"- input error: {_cell(err)}" for err in run.input_errors]
    if run.input_errors:
        lines.append("")
    return "".join(line(x) + "\n" for x in lines)


def _placement_table(run: RunInfo) -> list[str]:
    """Where each checked model's ops run, per target and release."""
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
        lines.append(f"| <code>{_cell(artifact_path(c.file, run))}</code> | {_cell(c.target)} | {_cell(c.release)} "
                     f"| {g.verdict} | {g.ops} | {g.on_target} | {g.on_cpu} | {g.nowhere} | {g.partitions} "
                     f"| {g.crossings} | {size} | {_cell(top)} |")
    return [*lines, ""]
