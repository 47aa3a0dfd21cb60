"""Reporters: one module per output format, each a `render(diagnostics, run, out)`.

Reporters only render: what to show and how severe it is was decided before.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

from ..diagnostics import Diagnostic

if TYPE_CHECKING:
    from ..placement import Placement

# format name → module in this package
FORMATS = {
    "text": "text", "concise": "concise", "json": "json", "json-lines": "json_lines",
    "sarif": "sarif", "github": "github", "junit": "junit", "gitlab": "gitlab",
}


@dataclass(frozen=True)
class Checked:
    """One (model, target, release) combination that was checked, and against what."""

    file: str
    target: str
    release: str
    profile: str
    commit: str
    placement: Placement | None = field(default=None, compare=False)  # None: the target has no op table


@dataclass(frozen=True)
class RunInfo:
    version: str
    checked: Sequence[Checked] = ()
    input_errors: Sequence[str] = ()  # one line each
    models: int = 0
    statistics: bool = False
    rules: Sequence[type] = field(default_factory=tuple)  # Rule classes that ran
    config_file: str | None = None  # the config file read, if any
    config_profiles: Sequence[str] = ()  # named config profiles checked ([profiles.NAME])
    baseline_hidden: int = 0  # findings left out because the --baseline file has them


Renderer = Callable[[Sequence[Diagnostic], RunInfo, TextIO], None]


def renderer(fmt: str) -> Renderer:
    if fmt not in FORMATS:
        raise ValueError(f"unknown output format {fmt!r}; choose from {', '.join(FORMATS)}")
    module = importlib.import_module(f".{FORMATS[fmt]}", __name__)
    return module.render  # type: ignore[no-any-return]
