"""The progress line shows on terminals only and never changes what is linted."""

from __future__ import annotations

import io

from mnnlint.report.progress import SHOW_AFTER, with_progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_no_progress_off_a_terminal() -> None:
    out = io.StringIO()
    assert list(with_progress(range(100), out)) == list(range(100))
    assert out.getvalue() == ""


def test_progress_on_a_terminal_for_long_runs_only() -> None:
    short, long = Terminal(), Terminal()
    assert list(with_progress(range(SHOW_AFTER - 1), short)) == list(range(SHOW_AFTER - 1))
    assert short.getvalue() == ""
    assert list(with_progress(range(SHOW_AFTER * 3), long)) == list(range(SHOW_AFTER * 3))
    assert long.getvalue() != ""
