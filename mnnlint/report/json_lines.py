"""`--output-format json-lines`: one JSON object per line, for streaming and `jq -c`.

A diagnostic's line is the object `--output-format json` lists under `diagnostics`
(`common.diagnostic_dict`, shared by both).
A file that could not be read is a line `{"input_error": "path: why"}`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from ..diagnostics import Diagnostic
from . import RunInfo
from .common import diagnostic_dict
from .escape import json_dumps


def render(diagnostics: Sequence[Diagnostic], run: RunInfo, out: TextIO) -> None:
    for d in diagnostics:
        out.write(json_dumps(diagnostic_dict(d)) + "\n")
    for err in run.input_errors:
        out.write(json_dumps({"input_error": err}) + "\n")
