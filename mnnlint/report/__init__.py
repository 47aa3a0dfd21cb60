"""Reporters: one module per output format, each a pure `render(diagnostics, run, out)`.

Reporters only render: what to show and how severe it is was decided before. The
contract with the CLI and `mnnlint.lint()`:

- Everything a reporter prints comes in through its arguments: the diagnostics and a
  `RunInfo` (what was checked, the build each check assumed, input errors, the rules
  that ran, the repository root and working directory for paths, the quiet/verbose
  and statistics flags, the config file, how many findings the baseline hid).
  Reporters read no file, no environment variable, no working directory and no
  registry; the caller fills `RunInfo`. Colour follows `RunInfo.color` (see console).
- The door: `renderer(fmt)` for checks (`FORMATS`), `render_document(command, fmt,
  data, out)` for `rule`, `inspect` and `targets` (`DOCUMENT_FORMATS`). With
  `RunInfo.statistics`, every format prints only the per-rule counts (as ruff does):
  JSON for `json`/`json-lines`, a table otherwise.
- The github format returns its job summary from `github.step_summary(diagnostics,
  run)`; the CLI appends it to `$GITHUB_STEP_SUMMARY`.
- Every format carries `RunInfo.input_errors` (text and concise as lines, the machine
  formats as data, github as annotations); the CLI also prints each on stderr unless
  the report itself goes to the terminal.
- `Checked.build_options` ("NAME=ON", what the assumed build sets) is named in the text
  header; `RunInfo.quiet` drops that header, `RunInfo.verbose` adds the config file.
- Human formats pass every name through `escape`, and every message and fix whole
  (`escape.message`): rules quote names in messages, so a message's line break is shown
  as `\\n`, never printed as one. Reporters share helpers only via
  `common` and never import one another. A new format is one module with `render`
  and one line in `FORMATS`; a new `Checked` field (with a default) reaches every
  reporter without touching the others.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, TextIO

from ..diagnostics import Diagnostic

if TYPE_CHECKING:
    from ..placement import Placement

# format name → module in this package
FORMATS = {
    "text": "text", "concise": "concise", "json": "json", "json-lines": "json_lines",
    "sarif": "sarif", "github": "github", "junit": "junit", "gitlab": "gitlab",
}
# `mnnlint rule|inspect|targets`: format name → module with `render_<command>(data, out)`
DOCUMENT_FORMATS = {"text": "documents", "json": "documents"}


class Checked(NamedTuple):
    """One (model, target, release) combination that was checked, and against what."""

    file: str
    target: str
    release: str
    profile: str  # MNN build profile assumed, e.g. "llm"
    commit: str  # MNN commit of the capability table
    build_options: tuple[str, ...] = ()  # "NAME=ON" for each CMake option the build assumed sets
    placement: Placement | None = None  # where the ops run; None: no op table


class RunInfo(NamedTuple):
    """Everything about the run a reporter may print besides the findings: reporters read nothing else."""

    version: str
    checked: Sequence[Checked] = ()
    input_errors: Sequence[str] = ()  # one line each
    models: int = 0
    statistics: bool = False  # print only the count per rule
    rules: Sequence[type] = ()  # Rule classes that ran (and any a finding names)
    config_file: str | None = None  # the config file read, if any
    config_profiles: Sequence[str] = ()  # named config profiles checked ([profiles.NAME])
    baseline_hidden: int = 0  # findings left out because the --baseline file has them
    quiet: bool = False  # findings and the summary only
    verbose: bool = False  # also name the config file and its profiles
    color: bool = False  # colour codes in human formats (the CLI decides: tty, NO_COLOR, FORCE_COLOR)
    cwd: str = ""  # absolute working directory that relative model paths are relative to
    root: str | None = None  # repository root that report paths are made relative to


Renderer = Callable[[Sequence[Diagnostic], RunInfo, TextIO], None]


def _module(fmt: str, table: dict[str, str], what: str) -> Any:
    if fmt not in table:
        raise ValueError(f"unknown {what} {fmt!r}; choose from {', '.join(table)}")
    return importlib.import_module(f".{table[fmt]}", __name__)


def renderer(fmt: str) -> Renderer:
    """The renderer of an output format; with `run.statistics`, only the counts per rule."""
    render: Renderer = _module(fmt, FORMATS, "output format").render

    def door(diagnostics: Sequence[Diagnostic], run: RunInfo, out: TextIO) -> None:
        if run.statistics:
            from .statistics import render as statistics

            statistics(diagnostics, run, out, as_json=fmt in ("json", "json-lines"), lines=fmt == "json-lines")
        else:
            render(diagnostics, run, out)

    return door


def render_document(command: str, fmt: str, data: Any, out: TextIO, *, color: bool = False) -> None:
    """`mnnlint rule|inspect|targets` output: `data` (plain, JSON-able) as text or JSON."""
    module = _module(fmt, DOCUMENT_FORMATS, "output format")
    module.render(command, fmt, data, out, color=color)
