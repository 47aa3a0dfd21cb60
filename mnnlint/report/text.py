"""`--output-format text`: findings grouped per model and target, for people.

Quiet where nothing is wrong: a check without findings prints nothing of its own, the
closing line counts the clean ones. A finding seen in several releases is printed once,
with the releases it fails and passes in. Loud about what was assumed: the header names
the releases, the build profiles and the CMake options they set (and, with
`--verbose`, the config file). Lines wrap at 80 columns with a hanging indent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from ..diagnostics import Diagnostic, Severity
from . import Checked, RunInfo
from .common import (
    Finding,
    checks,
    merge_releases,
    placement_line,
    plural,
    ranges,
    releases_of,
    summary_line,
    targets_line,
    where,
)
from .console import paint, wrap
from .escape import line, message, text

_STYLE = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
INDENT = " " * 10


def header(run: RunInfo) -> list[str]:
    """What the run assumed: releases and tables, build profiles and their options, config."""
    lines = [f"mnnlint {run.version}: no model checked"] if not run.checked else _assumed(run)
    if run.verbose:
        config = run.config_file or "none (built-in defaults)"
        profiles = f" (profiles {', '.join(run.config_profiles)})" if run.config_profiles else ""
        lines.append(f"config file: {config}{profiles}")
    return [w for entry in lines for w in wrap(text(entry), "", "    ")]


def _assumed(run: RunInfo) -> list[str]:
    releases = list(dict.fromkeys(c.release for c in run.checked))
    targets = list(dict.fromkeys(c.target for c in run.checked))
    commits = list(dict.fromkeys(c.commit[:10] for c in run.checked))
    if len(releases) == 1:
        against = f"MNN {releases[0]} (tables at {commits[0]})"
    else:
        against = f"MNN {ranges(releases, releases)} ({plural(len(releases), 'release')})"
    lines = [f"mnnlint {run.version}: {plural(run.models, 'model')} on {', '.join(targets)}, against {against}"]
    for profile, options in dict.fromkeys((c.profile, tuple(c.build_options)) for c in run.checked):
        if options:
            lines.append(f"build profile {profile}: {', '.join(options)}")
        else:
            defaults = ": the release's CMake defaults" if profile == "default" else ""
            lines.append(f"build profile {profile}{defaults}")
    return lines


def _finding(f: Finding, color: bool) -> list[str]:
    d = f.shown
    level = paint(f"{d.severity!s:7}", _STYLE[f.severity], color)
    place = where(d.op, d.message)
    first = f"  {level} {paint(d.code, 'bold', color)}" + (f" {text(place)}" if place else "")
    out = [first]
    if len(f.checked) > 1:
        out += wrap(text(f.verdict), INDENT)
    out += wrap(message(d.message), INDENT)
    if d.fix:
        fix = wrap(f"fix: {message(d.fix)}", INDENT)  # wrapped before colouring: codes take no columns
        out += [fix[0].replace("fix:", paint("fix:", "dim", color), 1), *fix[1:]]
    return out


def _section(file: str, target: str, findings: Sequence[Finding], checked: Sequence[Checked], color: bool) -> list[str]:
    releases = releases_of(checked) or list(findings[0].releases)
    profiles = list(dict.fromkeys(c.profile for c in checked)) or [findings[0].shown.profile]
    head = (f"{paint(text(file), 'bold', color)} on {paint(text(target), 'bold', color)}, "
            f"MNN {ranges(releases, releases)} (build profile {', '.join(profiles)})")
    lines = [head]
    for f in findings:
        lines += _finding(f, color)
    return lines


def _placement(run: RunInfo) -> list[str]:
    """Per model: one line per target (releases with the same placement merged), then one across targets."""
    lines: list[str] = []
    by_file: dict[str, list[tuple[str, list[Checked]]]] = {}
    for (file, target), checked in checks(run).items():
        by_file.setdefault(file, []).append((target, checked))
    for file, per_target in by_file.items():
        body: list[str] = []
        for target, checked in per_target:
            same: dict[str, list[str]] = {}
            for c in checked:
                if c.placement is not None:
                    same.setdefault(placement_line(target, c.placement.main), []).append(c.release)
            for summary, releases in same.items():
                body += wrap(text(f"{target}, MNN {ranges(releases, releases_of(checked))}: {summary}"), "  ")
        everything = [c for _, checked in per_target for c in checked]
        across: dict[str, list[str]] = {}
        for release in dict.fromkeys(c.release for c in everything):
            summary = targets_line([c for c in everything if c.release == release])
            if " · " in summary:
                across.setdefault(summary, []).append(release)
        for summary, releases in across.items():
            body += wrap(text(f"across targets, MNN {ranges(releases, releases_of(everything))}: {summary}"), "  ")
        if body:
            lines += [f"{paint(text(file), 'bold', run.color)}: where the ops run", *body, ""]
    return lines


def render(diagnostics: Sequence[Diagnostic], run: RunInfo, out: TextIO) -> None:
    lines: list[str] = []
    if not run.quiet:
        lines += header(run)
        lines.append("")
    sections: dict[tuple[str, str], list[Finding]] = {}
    for f in merge_releases(diagnostics, run):
        sections.setdefault((f.shown.file, f.shown.target), []).append(f)
    index = checks(run)
    for (file, target), findings in sections.items():
        lines += _section(file, target, findings, index.get((file, target), []), run.color)
        lines.append("")
    if not run.quiet:
        lines += _placement(run)
    lines += [f"{paint('input error', 'red', run.color)} {text(err)}" for err in run.input_errors]
    lines.append(summary_line(diagnostics, run))
    out.write("".join(line(x) + "\n" for x in lines))
