"""`--output-format json-lines`: one JSON object per diagnostic, for streaming and `jq -c`.

Each line is the object `--output-format json` lists under `diagnostics`, so the two
formats never drift apart; nothing else is printed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TextIO

from ..diagnostics import Diagnostic
from . import RunInfo
from .json import diagnostic_dict


def render(diagnostics: Sequence[Diagnostic], run: RunInfo, out: TextIO) -> None:
    for d in diagnostics:
        out.write(json.dumps(diagnostic_dict(d), ensure_ascii=False, separators=(",", ":")) + "\n")
