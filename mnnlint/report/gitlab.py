"""`--output-format gitlab`: a GitLab Code Quality report (`artifacts:reports:codequality`).

GitLab wants, per issue, a description, a check name, a fingerprint unique in the
report, a severity from its own scale and a path with a line. Our fingerprint names a
finding independently of the file (so a re-export keeps it); GitLab's must also tell
two models apart, so the file's repository path is folded in. GitLab shows the
description to people in merge requests, so it is escaped as every human text is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any, TextIO

from ..diagnostics import Diagnostic, Severity, fingerprint
from . import RunInfo
from .common import artifact_path
from .escape import json_dumps, message, to_bytes, unicode

SEVERITY = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


def issue(d: Diagnostic, run: RunInfo, occurrence: int = 0) -> dict[str, Any]:
    path = artifact_path(d.file, run)
    where = f" at {d.op.logical_path} ({d.op.type_name})" if d.op else ""
    description = f"{d.code} [{d.target}@{d.release}]{where}: {d.message}"
    if d.fix:
        description += f". Fix: {d.fix}"
    key = to_bytes(f"{path}\x1f{fingerprint(d)}\x1f{occurrence}")
    return {
        "type": "issue",
        "description": message(description),
        "check_name": d.code,
        "categories": ["Compatibility"],
        "fingerprint": hashlib.sha256(key).hexdigest()[:32],
        "severity": SEVERITY[d.severity],
        "location": {"path": unicode(path), "lines": {"begin": 1}},
    }


def render(diagnostics: Sequence[Diagnostic], run: RunInfo, out: TextIO) -> None:
    seen: dict[tuple[str, str], int] = {}
    issues = []
    for d in diagnostics:
        # Ops without names (or with repeated ones) would share a fingerprint; GitLab needs them apart.
        key = (d.file, fingerprint(d))
        issues.append(issue(d, run, seen.get(key, 0)))
        seen[key] = seen.get(key, 0) + 1
    out.write(json_dumps(issues, indent=2) + "\n")
