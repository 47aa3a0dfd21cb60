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
import json
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
    from .report.placement_text import human_bytes

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


def clean(text: str) -> str:
    """A name fit for a terminal or a CI log: control characters escaped, `##[` broken up.

    Every line of the text form starts with text of ours, so once newlines and escape
    sequences are neutralised no name can start a line with `::command`.
    """
    shown = "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)
    return shown.replace("##[", "#\\#[")


def render_text(diff: DiffResult, out: TextIO) -> None:
    from .report.placement_text import plural

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
    from .report.json import diagnostic_dict

    json.dump({
        "version": __version__, "old": diff.old_file, "new": diff.new_file, "failed": diff.failed,
        "new_findings": [diagnostic_dict(d) for d in diff.new],
        "gone_findings": [diagnostic_dict(d) for d in diff.gone],
        "failing": [diagnostic_dict(d) for d in diff.failing_new],
        "placement": [c.as_dict() for c in diff.placement],
    }, out, indent=2)
    out.write("\n")


# -- command line ---------------------------------------------------------------


def diff_main(argv: Sequence[str]) -> int:
    """`mnnlint diff OLD NEW [check flags] [--max-new-partitions N …]`."""
    from .cli import _error, _output_format, _overrides, _usage_error, check_parser
    from .report import RunInfo, renderer

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
    limits = Thresholds(args.max_new_partitions, args.max_new_crossings, args.max_new_crossing_bytes)
    try:
        old, new, profiles, output_format = _check_both(args, _overrides, _output_format)
    except _Failed as err:
        return _usage_error(err)
    errors = [*old.input_errors, *new.input_errors]
    for err in errors:
        _error(Exception(err))
    if errors:
        return EXIT_ERROR
    for path, run in zip(args.paths, (old, new), strict=True):
        if run.models != 1:
            _error(Exception(f"{path}: holds {run.models} models; diff compares one model file "
                             "(or LLM export folder) with another"))
            return EXIT_ERROR
    diff = compare(old, new, old.checked[0].file, new.checked[0].file, limits)
    import contextlib

    with contextlib.ExitStack() as stack:
        out = stack.enter_context(open(args.output_file, "w", encoding="utf-8")) if args.output_file else sys.stdout
        if output_format == "text":
            render_text(diff, out)
        elif output_format == "json":
            render_json(diff, out)
        else:
            from . import __version__

            run = RunInfo(version=__version__, checked=new.checked, models=new.models,
                          rules=sorted({r for p in profiles for r in p.rules}, key=lambda r: r.code))
            renderer(output_format)(diff.new, run, out)
            if output_format == "github":
                _step_summary(diff)
                for change in diff.placement:
                    if change.worse:
                        out.write(f"::error title=mnnlint diff ({change.target} {change.release})::placement "
                                  f"worse: {'; '.join(change.worse)}\n")
    return EXIT_FAIL if diff.failed else EXIT_OK


def _step_summary(diff: DiffResult) -> None:
    """The text comparison in the job summary, when the runner names one (GITHUB_STEP_SUMMARY)."""
    import io
    import os

    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return
    text = io.StringIO()
    render_text(diff, text)
    body = text.getvalue().replace("`", "'")  # names cannot close the code block
    with open(path, "a", encoding="utf-8") as out:
        out.write(f"## mnnlint diff\n\n```text\n{body}```\n")


class _Failed(Exception):
    """A usage, config or table error: one line, exit 2."""


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _check_both(args: argparse.Namespace, overrides: Any, output_format: Any) -> tuple[Any, Any, Any, str]:
    """Check OLD and NEW with one set of settings, as `mnnlint check` resolves them."""
    from pathlib import Path

    from .api import run_check
    from .capabilities import Capabilities, TableError
    from .cli import UsageError
    from .config import ConfigError, apply_overrides, chosen_profiles, find_config, load_config, resolve
    from .inputs import expand
    from .limits import DEFAULT_SECONDS
    from .policy import Policy
    from .registry import load_registry

    caps = Capabilities()
    try:
        registry = load_registry()
        config_path = Path(args.config) if args.config else None
        if config_path is None and not args.isolated:
            config_path = find_config(Path.cwd())
        config = load_config(config_path, registry, caps)
        cli = overrides(args, registry)
        profiles = [resolve(name, apply_overrides(settings, cli), registry, caps, config.label)
                    for name, settings in chosen_profiles(config, list(args.config_profile)).items()]
        fmt = output_format(args, config)
        timeout = args.timeout_per_file if args.timeout_per_file is not None else config.timeout_per_file
        timeout = DEFAULT_SECONDS if timeout is None else timeout
        policy = Policy(config.suppress, config.root, config.label)
        runs = [run_check(expand([path], []), profiles, caps, policy, timeout) for path in args.paths]
    except (UsageError, TableError, ConfigError) as err:
        raise _Failed(str(err)) from err
    return runs[0], runs[1], profiles, fmt
