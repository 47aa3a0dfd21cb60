"""`--output-format json`: every diagnostic and what was checked, for machines."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, fields
from typing import Any, TextIO

from ..diagnostics import Diagnostic
from . import Checked, RunInfo


def diagnostic_dict(d: Diagnostic) -> dict[str, Any]:
    data = asdict(d)
    data["severity"] = str(d.severity)
    if d.op is not None:
        data["op"]["path"] = d.op.logical_path
    return data


def checked_dict(c: Checked) -> dict[str, Any]:
    """One check; `placement` is where its ops run (null when the target has no op table)."""
    data = {f.name: getattr(c, f.name) for f in fields(c) if f.name != "placement"}
    data["placement"] = c.placement.as_dict() if c.placement is not None else None
    return data


def render(diagnostics: Sequence[Diagnostic], run: RunInfo, out: TextIO) -> None:
    json.dump({
        "version": run.version,
        "checked": [checked_dict(c) for c in run.checked],
        "diagnostics": [diagnostic_dict(d) for d in diagnostics],
        "input_errors": list(run.input_errors),
    }, out, indent=2)
    out.write("\n")
