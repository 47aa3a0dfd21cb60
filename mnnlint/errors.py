"""The one exception mnnlint lets reach the command line."""

from __future__ import annotations


class InputError(Exception):
    """A file mnnlint cannot read as a model.

    Anything wrong with the model itself is a diagnostic, never an exception; this is for
    files that are not models at all, or are broken. The CLI prints `str(error)`, which
    always starts with the path, as one line and exits 2.
    """

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem
