"""One place that decides how terminal output looks (colour, width)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.console import Console


def make_console(out: TextIO) -> Console:
    """A rich console on `out`: colour only on a terminal and never with NO_COLOR set.

    Off a terminal the width is fixed so that piped and CI output does not depend on
    the COLUMNS of whoever ran it.
    """
    from rich.console import Console

    is_tty = hasattr(out, "isatty") and out.isatty()
    return Console(
        file=out,
        no_color="NO_COLOR" in os.environ,
        color_system="auto" if is_tty else None,
        width=None if is_tty else 100,
        highlight=False,
        soft_wrap=not is_tty,
    )
