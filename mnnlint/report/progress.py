"""A progress line for long folder runs, on a terminal only, never in machine formats."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TextIO, TypeVar

T = TypeVar("T")
SHOW_AFTER = 20  # models; short runs finish before a bar would help


def with_progress(items: Iterable[T], out: TextIO) -> Iterator[T]:
    """Yield `items` unchanged, counting them on `out` when it is a terminal."""
    if not (hasattr(out, "isatty") and out.isatty()):
        yield from items
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

    from .console import make_console
    from .escape import text

    progress = Progress(SpinnerColumn(), TextColumn("linting"), BarColumn(), MofNCompleteColumn(),
                        TextColumn("{task.description}", markup=False), console=make_console(out, color=False),
                        transient=True)
    task = None
    try:
        for count, item in enumerate(items, 1):
            if count == SHOW_AFTER:
                progress.start()
                task = progress.add_task("", total=None, completed=count - 1)
            if task is not None:
                progress.update(task, advance=1, description=text(getattr(item, "path", ""))[-60:])
            yield item
    finally:
        progress.stop()
