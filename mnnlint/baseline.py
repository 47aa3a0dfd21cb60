"""Baselines: accept today's findings, fail only on new ones.

A finding is keyed by the model's path (relative to the baseline file, so the file
works from any working folder) and `fingerprint(d)` (rule, target, release, op type and
op name, not op index or byte offset). A model exported again under the same name keeps
its key for every unchanged finding; a new fallback gets a new key and fails. Keys are
counted, so a second identical finding is new too.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from .diagnostics import Diagnostic, fingerprint
from .errors import UsageError

FORMAT_VERSION = 1
MAX_BASELINE_BYTES = 64 << 20
MAX_COUNT = 10**9
Key = tuple[str, str]


class BaselineError(UsageError):
    """An unreadable or malformed baseline file: one line, exit 2."""


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a count")


def key(d: Diagnostic, root: Path) -> Key:
    """(path relative to the baseline's folder, `..` allowed so the checkout can move; fingerprint)."""
    return Path(os.path.relpath(os.path.abspath(d.file), root)).as_posix(), fingerprint(d)


def _root(path: Path) -> Path:
    return Path(os.path.abspath(path)).parent


def write_baseline(path: Path, diagnostics: Iterable[Diagnostic], tool_version: str) -> int:
    """Write every finding's key, sorted, with counts; returns how many findings."""
    root = _root(path)
    counts: Counter[Key] = Counter()
    about: dict[Key, Diagnostic] = {}
    for d in diagnostics:
        k = key(d, root)
        counts[k] += 1
        about.setdefault(k, d)
    entries = []
    for k in sorted(counts):
        d = about[k]
        entries.append({
            "path": k[0], "fingerprint": k[1], "count": counts[k],
            # for the person reviewing the baseline diff; not part of the key
            "code": d.code, "target": d.target, "release": d.release,
            "op": f"{d.op.type_name} {d.op.name}" if d.op else None,
        })
    data = {"version": FORMAT_VERSION, "tool": f"mnnlint {tool_version}", "findings": entries}
    from .sidefiles import write_text

    try:
        # ensure_ascii keeps a name that is not UTF-8 as its surrogate escape, so the key reads back the
        # same; `##[` (a workflow command anywhere in a line, should the file be shown in a CI log) can
        # only occur inside a string, where `\u0023` means the same `#`.
        text = json.dumps(data, indent=2).replace("##[", "#\\u0023[")
        write_text(path, text + "\n", "baseline", regular_only=True)
    except UsageError as err:
        raise BaselineError(str(err)) from None
    return sum(counts.values())


def read_baseline(path: Path) -> Counter[Key]:
    """The counted keys of a baseline file: a regular file, bounded in size, every count an integer."""
    from .sidefiles import read_text

    try:
        data = json.loads(read_text(path, MAX_BASELINE_BYTES, "baseline"), parse_constant=_no_constant)
    except UsageError as err:
        raise BaselineError(str(err)) from None
    except (ValueError, RecursionError) as err:  # JSONDecodeError is a ValueError
        raise BaselineError(f"{path}: not a baseline file (invalid JSON: {str(err)[:200]})") from None
    valid = isinstance(data, dict) and isinstance(data.get("findings"), list)
    if not valid or data.get("version") != FORMAT_VERSION:
        raise BaselineError(f"{path}: not a mnnlint baseline of format version {FORMAT_VERSION} "
                            "(write one with --write-baseline)")
    counts: Counter[Key] = Counter()
    for i, entry in enumerate(data["findings"], 1):
        count = entry.get("count", 1) if isinstance(entry, dict) else None
        valid = (isinstance(entry, dict) and isinstance(entry.get("path"), str)
                 and isinstance(entry.get("fingerprint"), str)
                 and isinstance(count, int) and not isinstance(count, bool) and 0 < count <= MAX_COUNT)
        if not valid:
            raise BaselineError(f"{path}: malformed entry #{i} (needs path, fingerprint and a count "
                                f"from 1 to {MAX_COUNT})")
        counts[(entry["path"], entry["fingerprint"])] += count
    return counts


def new_findings(diagnostics: Sequence[Diagnostic], baseline: Counter[Key], path: Path) -> list[Diagnostic]:
    """The findings the baseline does not account for."""
    root = _root(path)
    left = Counter(baseline)
    out = []
    for d in diagnostics:
        k = key(d, root)
        if left[k] > 0:
            left[k] -= 1
        else:
            out.append(d)
    return out
