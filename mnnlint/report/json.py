"""`--output-format json`: every diagnostic and what was checked, for machines."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any, TextIO

from ..diagnostics import Diagnostic
from . import RunInfo


def diagnostic_dict(d: Diagnostic) -> dict[str, Any]:
    data = asdict(d)
    data["severity"] = str(d.severity)
    if d.op is not None:
        data["op"]["path"] = d.op.logical_path
    return data


def render(diagnostics: Sequence[Diagnostic], run: RunInfo, out: TextIO) -> None:
    json.dump({
        "version": run.version,
        "checked": [asdict(c) for c in run.checked],
        "diagnostics": [diagnostic_dict(d) for d in diagnostics],
        "input_errors": list(run.input_errors),
    }, out, indent=2)
    out.write("\n")
