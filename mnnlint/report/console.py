"""How terminal output looks (colour, width), decided in one place.

`wants_color` is for the CLI, which reads the environment; reporters get the answer
through `RunInfo.color` and build their console with `make_console`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.console import Console

WIDTH = 80  # columns off a terminal, and the most we wrap to on one


def wants_color(out: TextIO, environ: Mapping[str, str]) -> bool:
    """Colour on a terminal; `NO_COLOR` (non-empty) turns it off, `FORCE_COLOR` on.

    NO_COLOR wins over FORCE_COLOR: no-color.org asks that a user's explicit opt-out
    be honoured. `FORCE_COLOR=0` (or `false`) means no colour, as in Node and pytest.
    """
    if environ.get("NO_COLOR", ""):
        return False
    force = environ.get("FORCE_COLOR")
    if force is not None:
        return force.strip().lower() not in ("0", "false")
    return bool(getattr(out, "isatty", lambda: False)())


STYLES = {"bold": "1", "dim": "2", "red": "1;31", "yellow": "33", "cyan": "36", "green": "32"}


def paint(text: str, style: str, color: bool) -> str:
    """`text` in one of `STYLES` when colour is on. Reporters format plain strings and
    colour them with this, so no name is ever read as markup."""
    return f"\x1b[{STYLES[style]}m{text}\x1b[0m" if color and text else text


def make_console(out: TextIO, color: bool) -> Console:
    """A rich console on `out` (the progress bar's) that interprets no markup or emoji codes."""
    from rich.console import Console

    return Console(file=out, no_color=not color, highlight=False, markup=False, emoji=False)


def wrap(text: str, indent: str, hang: str = "  ", width: int = WIDTH) -> list[str]:
    """`text` wrapped to `width` columns: the first line after `indent`, the rest after `indent + hang`.

    Long words (paths, op names) are never broken; they overflow instead.
    """
    import textwrap

    return textwrap.wrap(text, width=width, initial_indent=indent, subsequent_indent=indent + hang,
                         break_long_words=False, break_on_hyphens=False) or [indent.rstrip()]
