"""`mnnlint diff OLD NEW`: the pull-request gate for a model update.

Both files are checked with the same settings (targets, releases, build, rules,
config). Findings are matched by fingerprint (rule, target, release, op type and op
name; never op index or byte offset), so a re-export that moves ops around changes
nothing; what is left is *new* or *gone*. Placement is compared per (target,
release): partitions, crossings, their bytes, ops on the CPU and ops that run
nowhere.

Exit 1 when NEW adds a finding at the failing severity (`--fail-on`), or when
placement gets worse past a threshold the user sets (`--max-new-partitions`,
`--max-new-crossings`, `--max-new-crossing-bytes`); 2 on unreadable input.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from .api import RunResult
    from .diagnostics import Diagnostic
    from .placement import GraphPlacement
    from .report import Checked

EXIT_OK, EXIT_FAIL, EXIT_ERROR = 0, 1, 2


@dataclass(frozen=True)
class PlacementChange:
    """One (target, release) checked on both models, and how its placement moved."""

    target: str
    release: str
    old: GraphPlacement | None
    new: GraphPlacement | None
    worse: tuple[str, ...] = ()  # the thresholds this change passed

    def delta(self, key: str) -> int | None:
        if self.old is None or self.new is None:
            return None
        a, b = getattr(self.old, key), getattr(self.new, key)
        return None if a is None or b is None else b - a

    def as_dict(self) -> dict[str, Any]:
        keys = ("partitions", "crossings", "crossing_bytes", "on_cpu", "nowhere", "verdict")
        return {
            "target": self.target, "release": self.release,
            "old": {k: getattr(self.old, k) for k in keys} if self.old else None,
            "new": {k: getattr(self.new, k) for k in keys} if self.new else None,
            "worse_past_threshold": list(self.worse),
        }


@dataclass
class Thresholds:
    """How much worse placement may get before the gate fails (None: not checked)."""

    partitions: int | None = None
    crossings: int | None = None
    crossing_bytes: int | None = None

    def passed(self, change: PlacementChange) -> tuple[str, ...]:
        out = []
        for key in ("partitions", "crossings", "crossing_bytes"):
            limit = getattr(self, key)
            if limit is None:
                continue
            delta = change.delta(key)
            if key == "crossing_bytes" and delta is None and change.old and change.new:
                if change.old.crossing_bytes is not None and change.new.crossing_bytes is None:
                    out.append("crossing_bytes became unknown")
                continue
            if delta is not None and delta > limit:
                out.append(f"{key} +{delta} > {limit}")
        return tuple(out)


@dataclass
class DiffResult:
    old_file: str
    new_file: str
    new: list[Diagnostic] = field(default_factory=list)
    gone: list[Diagnostic] = field(default_factory=list)
    failing_new: list[Diagnostic] = field(default_factory=list)
    placement: list[PlacementChange] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.failing_new) or any(c.worse for c in self.placement)


def compare(old: RunResult, new: RunResult, old_file: str, new_file: str, limits: Thresholds) -> DiffResult:
    """New and gone findings by fingerprint (with multiplicity), placement changes per check."""
    from .diagnostics import fingerprint

    result = DiffResult(old_file, new_file)
    before = Counter(fingerprint(d) for d in old.diagnostics)
    after = Counter(fingerprint(d) for d in new.diagnostics)
    seen: Counter[str] = Counter()
    for d in new.diagnostics:
        key = fingerprint(d)
        seen[key] += 1
        if seen[key] > before[key]:
            result.new.append(d)
            if new.failing([d]):
                result.failing_new.append(d)
    seen.clear()
    for d in old.diagnostics:
        key = fingerprint(d)
        seen[key] += 1
        if seen[key] > after[key]:
            result.gone.append(d)
    olds = _by_check(old.checked)
    news = _by_check(new.checked)
    for key in dict.fromkeys([*olds, *news]):
        change = PlacementChange(key[0], key[1], olds.get(key), news.get(key))
        result.placement.append(PlacementChange(*key, change.old, change.new, limits.passed(change)))
    return result


def _by_check(checked: Sequence[Checked]) -> dict[tuple[str, str], GraphPlacement | None]:
    return {(c.target, c.release): c.placement.main if c.placement else None for c in checked}


# -- rendering ------------------------------------------------------------------


def _moved(change: PlacementChange) -> str:
    from .report.common import human_bytes

    if change.old is None or change.new is None:
        return "placement unavailable"
    parts = []
    for key in ("partitions", "crossings", "on_cpu", "nowhere"):
        a, b = getattr(change.old, key), getattr(change.new, key)
        parts.append(f"{key.replace('_', ' ')} {a}" + (f" → {b} ({b - a:+d})" if a != b else ""))
    a, b = change.old.crossing_bytes, change.new.crossing_bytes
    show = [human_bytes(x) if x is not None else "unknown" for x in (a, b)]
    parts.append(f"bytes {show[0]}" + (f" → {show[1]}" if a != b else ""))
    verdict = change.old.verdict + (f" → {change.new.verdict}" if change.old.verdict != change.new.verdict else "")
    return f"verdict {verdict}, " + ", ".join(parts)


def clean(value: str) -> str:
    """A name fit for a terminal or a CI log (report.escape.text: no control character, no `##[`)."""
    from .report.escape import text

    return text(value)


def render_text(diff: DiffResult, out: TextIO) -> None:
    from .report.common import plural

    out.write(f"mnnlint diff {clean(diff.old_file)} → {clean(diff.new_file)}\n")
    for change in diff.placement:
        mark = "  WORSE: " + "; ".join(change.worse) if change.worse else ""
        out.write(f"{change.target}, MNN {change.release}: {_moved(change)}{mark}\n")
    for label, items in (("new ", diff.new), ("gone", diff.gone)):
        for d in items:
            where = f" {clean(d.op.logical_path)} ({clean(d.op.type_name)})" if d.op else ""
            out.write(f"  {label} {d.severity!s:7} {d.code} {d.target} {d.release}{where}: {clean(d.message)}\n")
    worse = sum(1 for c in diff.placement if c.worse)
    out.write(f"{plural(len(diff.new), 'new finding')} ({len(diff.failing_new)} at the failing severity), "
              f"{len(diff.gone)} gone; placement worse past a threshold on {worse} of "
              f"{plural(len(diff.placement), 'check')}.\n")


def render_json(diff: DiffResult, out: TextIO) -> None:
    from . import __version__
    from .report.common import diagnostic_dict
    from .report.escape import json_dumps

    out.write(json_dumps({  # names made encodable, no raw `##[` or C1 control for a CI log
        "version": __version__, "old": diff.old_file, "new": diff.new_file, "failed": diff.failed,
        "new_findings": [diagnostic_dict(d) for d in diff.new],
        "gone_findings": [diagnostic_dict(d) for d in diff.gone],
        "failing": [diagnostic_dict(d) for d in diff.failing_new],
        "placement": [c.as_dict() for c in diff.placement],
    }, indent=2))
    out.write("\n")


# -- command line ---------------------------------------------------------------


def diff_main(argv: Sequence[str]) -> int:
    """`mnnlint diff OLD NEW [check flags] [--max-new-partitions N …]`."""
    import os
    from pathlib import Path

    from .cli import FLAGS, _error, _flags, _list, check_parser
    from .errors import InputError, UsageError
    from .report import RunInfo, renderer
    from .run import prepare

    parser = check_parser()
    parser.prog = "mnnlint diff"
    parser.description = "Compare two versions of a model: findings new and gone, placement per target."
    parser.epilog = ("Formats text and json print the comparison; every other format reports NEW's new "
                     "findings the way `mnnlint check` would.")
    gate = parser.add_argument_group("placement gate (default: not checked)")
    gate.add_argument("--max-new-partitions", type=_count, default=None, metavar="N",
                      help="fail when a target's partitions grow by more than N")
    gate.add_argument("--max-new-crossings", type=_count, default=None, metavar="N",
                      help="fail when a target's crossing tensors grow by more than N")
    gate.add_argument("--max-new-crossing-bytes", type=_count, default=None, metavar="BYTES",
                      help="fail when bytes crossing per inference grow by more than BYTES, or become unknown")
    args = parser.parse_args(argv)
    if len(args.paths) != 2:
        parser.error("give exactly two models: OLD NEW")
    for flag in ("baseline", "write_baseline", "show_settings", "html", "graph", "statistics"):
        if getattr(args, flag, None):
            parser.error(f"--{flag.replace('_', '-')} is a flag of `mnnlint check`, not of diff")
    if args.config and args.isolated:
        raise UsageError("--config and --isolated exclude each other")
    limits = Thresholds(args.max_new_partitions, args.max_new_crossings, args.max_new_crossing_bytes)
    run = prepare(flags=_flags(args), flag_names=FLAGS, config=Path(args.config) if args.config else None,
                  discover=not args.isolated, config_profiles=_list(args.config_profile),
                  env_format=os.environ.get("MNNLINT_OUTPUT_FORMAT", "").strip() or None)
    from .sidefiles import refuse_overwrite

    named = [*args.paths, *([str(run.config.path)] if run.config.path else [])]
    if args.output_file:
        refuse_overwrite(args.output_file, named, "report")
    read: list[str] = []
    old, new = (run.execute(run.sources([path], read), _error) for path in args.paths)
    if old.input_errors or new.input_errors:
        return EXIT_ERROR
    inputs = [*named, *read, *old.inputs(), *new.inputs()]
    for path, result in zip(args.paths, (old, new), strict=True):
        if result.models != 1:
            raise InputError(path, f"holds {result.models} models; diff compares one model file (or LLM export "
                                   "folder) with another")
    diff = compare(old, new, old.checked[0].file, new.checked[0].file, limits)
    output_format = run.settings.output_format
    out = io.StringIO()
    if output_format == "text":
        render_text(diff, out)
    elif output_format == "json":
        render_json(diff, out)
    else:
        from . import __version__

        info = RunInfo(version=__version__, checked=new.checked, models=new.models, rules=run.rules)
        renderer(output_format)(diff.new, info, out)
        if output_format == "github":
            _step_summary(diff, inputs)
            for change in diff.placement:
                if change.worse:
                    out.write(f"::error title=mnnlint diff ({change.target} {change.release})::placement "
                              f"worse: {'; '.join(change.worse)}\n")
    if args.output_file:
        from .sidefiles import write_text

        refuse_overwrite(args.output_file, inputs, "report")
        write_text(args.output_file, out.getvalue(), "report", create_folder=True)
    else:
        sys.stdout.write(out.getvalue())
    return EXIT_FAIL if diff.failed else EXIT_OK


def _step_summary(diff: DiffResult, inputs: Sequence[str]) -> None:
    """The text comparison in the job summary, when the runner names one (GITHUB_STEP_SUMMARY).

    As for `mnnlint check`, a summary that cannot be written (a FIFO, a folder, one of the
    run's inputs) is a warning: the report and the verdict stand.
    """
    import os

    from .cli import _warn
    from .errors import UsageError
    from .sidefiles import refuse_overwrite, write_text

    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return
    text = io.StringIO()
    render_text(diff, text)
    body = text.getvalue().replace("`", "'")  # names cannot close the code block
    try:
        refuse_overwrite(path, inputs, "job summary")
        write_text(path, f"## mnnlint diff\n\n```text\n{body}```\n", "job summary", append=True,
                   regular_only=True)
    except UsageError as err:
        _warn(f"$GITHUB_STEP_SUMMARY {err}")


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value
