"""What several reporters need, in one place: paths, plurals, grouping, release ranges.

Reporters import from here and from `escape`, never from one another. Everything here
is a pure function of its arguments: no file system, no working directory, no registry.
"""

from __future__ import annotations

import ntpath
import os
import posixpath
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import quote

from ..diagnostics import Diagnostic, OpRef, Severity
from .escape import to_bytes

if TYPE_CHECKING:
    from ..placement import GraphPlacement
    from . import Checked, RunInfo

SEVERITIES = (Severity.ERROR, Severity.WARNING, Severity.INFO)
DASH = "\u2013"  # en dash, between the ends of a release range


def plural(n: int, word: str, many: str | None = None) -> str:
    """`1 model`, `2 models`, `3 target/release checks`."""
    return f"{n} {word if n == 1 else many or word + 's'}"


# --- paths ----------------------------------------------------------------------------------

def _posix(path: str) -> str:
    return path.replace(ntpath.sep, posixpath.sep) if os.sep == ntpath.sep else path


def artifact_path(file: str, run: RunInfo) -> str:
    """`file` as a POSIX path relative to `run.root`, else to `run.cwd`, else as given.

    Code scanning and workflow annotations resolve paths against the checkout root. The
    CLI fills `root` and `cwd`; this only does string arithmetic on them.
    """
    file = _posix(file)
    cwd = _posix(run.cwd) if run.cwd else ""
    if not posixpath.isabs(file):
        if not cwd:
            return posixpath.normpath(file)
        file = posixpath.join(cwd, file)
    file = posixpath.normpath(file)
    for base in (run.root, run.cwd):
        if not base:
            continue
        base = posixpath.normpath(_posix(base))
        if file == base or file.startswith(base.rstrip("/") + "/"):
            return posixpath.relpath(file, base)
    return file


def artifact_uri(file: str, run: RunInfo) -> str:
    """A URI reference for `file`: relative when it is inside the root, else `file://`.

    Percent-encoded from the file name's bytes, so a name that is not UTF-8 still
    names the real file.
    """
    rel = artifact_path(file, run)
    encoded = quote(to_bytes(rel), safe="/")
    return "file://" + encoded if posixpath.isabs(rel) else encoded


# --- rules ----------------------------------------------------------------------------------

def rules_by_code(run: RunInfo) -> dict[str, Any]:
    """The rule classes of the run (each with code, name, severity and its docs), by code."""
    return {r.code: r for r in sorted(run.rules, key=lambda r: r.code)}


# --- what was checked -----------------------------------------------------------------------

def checks(run: RunInfo) -> dict[tuple[str, str], list[Checked]]:
    """The checks of each (model, target), in the run's order: index once, look up per finding."""
    index: dict[tuple[str, str], list[Checked]] = {}
    for c in run.checked:
        index.setdefault((c.file, c.target), []).append(c)
    return index


def releases_of(checked: Sequence[Checked]) -> list[str]:
    return list(dict.fromkeys(c.release for c in checked))


def ranges(releases: Sequence[str], among: Sequence[str]) -> str:
    """`releases` as runs of consecutive entries of `among`: `2.8.0` DASH `3.2.0, 3.4.0`."""
    wanted = set(releases)
    runs: list[list[str]] = []
    previous_in = False
    for release in among:
        if release in wanted:
            if previous_in:
                runs[-1].append(release)
            else:
                runs.append([release])
        previous_in = release in wanted
    extra = [r for r in releases if r not in among]  # not listed as checked: name them as they are
    parts = [r[0] if len(r) == 1 else f"{r[0]}{DASH}{r[-1]}" for r in runs]
    return ", ".join([*parts, *extra])


def release_verdict(failing: Sequence[str], checked: Sequence[str]) -> str:
    """`fails MNN 2.8.0 DASH 3.2.0, passes 3.2.1 DASH HEAD`; `MNN 3.2.0` when one release was checked."""
    if not checked:  # the run did not say what it checked: name the releases found
        return f"MNN {', '.join(failing)}"
    if len(checked) == 1:
        return f"MNN {ranges(failing, checked)}"
    passing = [r for r in checked if r not in set(failing)]
    text = f"fails MNN {ranges(failing, checked)}"
    return f"{text}, passes {ranges(passing, checked)}" if passing else f"{text} (every release checked)"


def finding_key(d: Diagnostic) -> tuple[str, str, str, str, str, str]:
    """What stays the same for one finding across releases: model, target, rule and op."""
    op = (d.op.type_name, d.op.subgraph, d.op.name) if d.op else ("", "", "")
    return (d.file, d.target, d.code, *op)


class Finding(NamedTuple):
    """One finding of one model on one target, over every release where it was found.

    `shown` is its diagnostic in the newest of those releases (the message to print).
    """

    shown: Diagnostic
    severity: Severity
    releases: tuple[str, ...]
    checked: tuple[str, ...]

    @property
    def verdict(self) -> str:
        return release_verdict(self.releases, self.checked)


def merge_releases(diagnostics: Sequence[Diagnostic], run: RunInfo) -> list[Finding]:
    """Diagnostics that differ only in their release, merged; in first-seen order."""
    groups: dict[tuple[str, ...], list[Diagnostic]] = {}
    for d in diagnostics:
        groups.setdefault(finding_key(d), []).append(d)
    index = checks(run)
    found = []
    for ds in groups.values():
        checked = releases_of(index.get((ds[0].file, ds[0].target), ()))
        order = {r: i for i, r in enumerate(checked)}
        newest = max(ds, key=lambda d: order.get(d.release, -1))
        releases = tuple(sorted(dict.fromkeys(d.release for d in ds), key=lambda r: order.get(r, len(order))))
        found.append(Finding(newest, max(d.severity for d in ds), releases, tuple(checked)))
    return found


# --- machine formats ------------------------------------------------------------------------

def diagnostic_dict(d: Diagnostic) -> dict[str, Any]:
    """A diagnostic as JSON data (json and json-lines print the same object), encodable."""
    from .escape import jsonable

    data = d._asdict()
    data["severity"] = str(d.severity)
    data["related"] = [r._asdict() for r in d.related]
    if d.op is not None:
        data["op"] = {**d.op._asdict(), "path": d.op.logical_path}
    return jsonable(data)  # type: ignore[no-any-return]


# --- locations and counts -------------------------------------------------------------------

def names_op(op: OpRef, message: str) -> bool:
    """Whether the message already names the op (rules quote names: `'attn' (#38)`)."""
    return bool(op.name) and f"'{op.name}'" in message


def where(op: OpRef | None, message: str) -> str:
    """The op's place, `main/op[38]:name (Attention)`, without a name the message already gives."""
    if op is None:
        return ""
    path = f"{op.subgraph or 'main'}/op[{op.index}]"
    if op.name and not names_op(op, message):
        path += f":{op.name}"
    return f"{path} ({op.type_name})"


def severity_counts(diagnostics: Sequence[Diagnostic]) -> str:
    """`3 errors, 1 warning`, or `no findings`."""
    sev = Counter(d.severity for d in diagnostics)
    parts = [plural(sev[s], str(s)) for s in SEVERITIES if sev[s]]
    return ", ".join(parts) if parts else "no findings"


def statistics(diagnostics: Sequence[Diagnostic]) -> list[dict[str, Any]]:
    """Findings per rule, most frequent first: `[{"code", "name", "count"}]`."""
    counts = Counter((d.code, d.rule) for d in diagnostics)
    return [{"code": code, "name": name, "count": n}
            for (code, name), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def summary_line(diagnostics: Sequence[Diagnostic], run: RunInfo) -> str:
    """The closing line every human format ends with."""
    combos = len(run.checked)
    failing = {(d.file, d.target, d.release) for d in diagnostics}
    clean = sum(1 for c in run.checked if (c.file, c.target, c.release) not in failing)
    head = f"Found {severity_counts(diagnostics)}" if diagnostics else (
        "No findings" if run.input_errors else "All clean: no findings")
    merged = len({finding_key(d) for d in diagnostics})
    if merged < len(diagnostics):
        releases = len({d.release for d in diagnostics})
        head += f" ({plural(merged, 'finding')} over {plural(releases, 'release')})"
    checks = plural(combos, "target/release check")
    if diagnostics and combos:
        checks += f", {clean} clean"
    tail = ""
    if run.baseline_hidden:
        tail += f"; {plural(run.baseline_hidden, 'finding')} hidden by the baseline"
    if run.input_errors:
        tail += f"; {plural(len(run.input_errors), 'file')} could not be read"
    return f"{head} in {plural(run.models, 'model')} ({checks}){tail}."


# --- placement ------------------------------------------------------------------------------

def human_bytes(n: int) -> str:
    """Decimal units: `64 B`, `4.1 MB`."""
    value = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{n} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{n} B"  # pragma: no cover


def crossing_text(g: GraphPlacement) -> str:
    """`12 crossings (4.1 MB/inference)`; a floor and a count when some sizes are unknown."""
    text = plural(g.crossings, "crossing")
    if g.crossings == 0:
        return text
    if g.crossing_bytes is None:
        if g.crossing_bytes_known:
            return (f"{text} (at least {human_bytes(g.crossing_bytes_known)}/inference; "
                    f"{g.crossings_size_unknown} of unknown size)")
        return f"{text} (bytes unknown)"
    return f"{text} ({human_bytes(g.crossing_bytes)}/inference)"


def placement_line(target: str, g: GraphPlacement) -> str:
    """One compact line for one check: verdict, where the ops run, pieces and copies."""
    load = f" ({g.constant} at load)" if g.constant else ""
    where = (f"{g.on_target} on {target}{load}" if target == "cpu"
             else f"{g.on_target} on {target}, {g.on_cpu} on CPU{load}")
    parts = [g.verdict, f"{plural(g.ops, 'op')}: {where}"]
    if g.nowhere:
        parts[-1] += f", {g.nowhere} nowhere"
    parts += [plural(g.partitions, "partition"), crossing_text(g)]
    if g.fallbacks:
        top = g.fallbacks[0]
        parts.append(f"costliest fallback {top.op_type} ({plural(top.crossings, 'crossing')})")
    return " · ".join(parts)


def targets_line(checked: Sequence[Checked]) -> str:
    """`cuda: 3 partitions, 12 crossings (4.1 MB/inference) · opencl: 1 partition` for one model."""
    parts = []
    for c in checked:
        if c.placement is None:
            continue
        g = c.placement.main
        part = f"{c.target}: {plural(g.partitions, 'partition')}"
        if g.crossings:
            part += f", {crossing_text(g)}"
        if g.nowhere:
            part += f", {plural(g.nowhere, 'op')} nowhere"
        parts.append(part)
    return " · ".join(parts)


def checked_dict(c: Checked) -> dict[str, Any]:
    """A check as JSON data; `placement` is where its ops ran (null when the target has no op table)."""
    data: dict[str, Any] = {name: getattr(c, name) for name in c._fields if name != "placement"}
    data["placement"] = c.placement.as_dict() if c.placement is not None else None
    return data
