"""`--output-format json`: every diagnostic and what was checked, for machines.

Written by `escape.json_dumps`: a name that is not UTF-8 shows as `\\xNN` instead of
failing the write, and nothing in a string can act on a terminal or a CI log.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from ..diagnostics import Diagnostic
from . import RunInfo
from .common import checked_dict, diagnostic_dict
from .escape import json_dumps


def render(diagnostics: Sequence[Diagnostic], run: RunInfo, out: TextIO) -> None:
    out.write(json_dumps({
        "version": run.version,
        "checked": [checked_dict(c) for c in run.checked],
        "diagnostics": [diagnostic_dict(d) for d in diagnostics],
        "input_errors": list(run.input_errors),
        "baseline_hidden": run.baseline_hidden,
    }, indent=2) + "\n")
