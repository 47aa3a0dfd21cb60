"""The user-facing errors: the one family of exceptions that reaches the command line.

Every error a user can cause (a bad flag, config file, baseline, output path, an
unreadable model, a broken plugin) is a `MnnlintError`. It carries its exit code and
its message is one line that names the file or flag at fault, so the CLI catches this
one base class, prints `mnnlint: error: <message>` and exits with `exit_code`.
Anything else that escapes is a bug of ours.
"""

from __future__ import annotations

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130


class MnnlintError(Exception):
    """A problem the user can fix: one line, exit 2."""

    exit_code = EXIT_ERROR


class UsageError(MnnlintError):
    """A bad flag value, or a side file (config, baseline, output) that cannot be used."""


class ConfigError(UsageError):
    """A bad config file or setting: one line naming the file (or flag) and the key."""


class InputError(MnnlintError):
    """A file mnnlint cannot read as a model.

    Anything wrong with the model itself is a diagnostic, never an exception; this is for
    files that are not models at all, or are broken. The CLI prints `str(error)`, which
    always starts with the path, as one line and exits 2.
    """

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem

    def __reduce__(self) -> tuple[type, tuple[str, str]]:
        return (type(self), (self.path, self.problem))
