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

FORMAT_VERSION = 1
Key = tuple[str, str]


class BaselineError(Exception):
    """An unreadable or malformed baseline file: one line, exit 2."""


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
    try:
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    except OSError as err:
        raise BaselineError(f"{path}: cannot write baseline: {err.strerror or err}") from None
    return sum(counts.values())


def read_baseline(path: Path) -> Counter[Key]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise BaselineError(f"{path}: cannot read baseline: {err.strerror or err}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise BaselineError(f"{path}: not a baseline file (invalid JSON: {err})") from None
    valid = isinstance(data, dict) and isinstance(data.get("findings"), list)
    if not valid or data.get("version") != FORMAT_VERSION:
        raise BaselineError(f"{path}: not a mnnlint baseline of format version {FORMAT_VERSION} "
                            "(write one with --write-baseline)")
    counts: Counter[Key] = Counter()
    for entry in data["findings"]:
        try:
            counts[(str(entry["path"]), str(entry["fingerprint"]))] += int(entry.get("count", 1))
        except (TypeError, KeyError, ValueError):
            raise BaselineError(f"{path}: malformed entry {entry!r}") from None
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
