"""`--statistics`: only the number of findings per rule, in any output format (as ruff does).

JSON (an array, or one object per line for json-lines) for the machine formats that are
JSON; an aligned table for every other format.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from ..diagnostics import Diagnostic
from . import RunInfo
from .common import statistics
from .escape import json_dumps, line, text


def render(diagnostics: Sequence[Diagnostic], run: RunInfo, out: TextIO, *, as_json: bool = False,
           lines: bool = False) -> None:
    rows = statistics(diagnostics)
    if as_json and lines:
        out.write("".join(json_dumps(row) + "\n" for row in rows))
    elif as_json:
        out.write(json_dumps(rows, indent=2) + "\n")
    else:
        for row in rows:
            out.write(line(text(f"{row['count']:6d}  {row['code']}  {row['name']}")) + "\n")
