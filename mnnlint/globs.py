"""Path globs: one engine (pathspec's gitignore patterns) for every glob a user writes.

`--exclude`, `exclude`, `per-file-ignores` and suppression `path`s all mean the same
thing by the same pattern, as in `.gitignore`: `*` stays within one folder, `**`
crosses folders, a pattern without a slash (other than a trailing one) matches at any
depth, a pattern with one is anchored at the root (the config file's folder, or the
working folder without a config), and a folder covers everything below it. Paths
outside the root are matched by their absolute path, and a glob that starts with `/`
may name an absolute path.

Python's regular expressions backtrack, so a glob with many `*`/`**` against a deep
path can take polynomial time with a high degree. A glob is refused (one line, exit 2)
when it holds more than `MAX_DOUBLE_STARS` `**` runs or more than `MAX_STARS` `*`
within one folder name, which keeps the worst case to milliseconds; repeated `**/**/`
collapses to one. The per-file time limit covers the matching as well.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

from .errors import UsageError

MAX_DOUBLE_STARS = 2
MAX_STARS = 3  # in one path segment
MAX_LENGTH = 1024


class GlobError(UsageError, ValueError):
    """A glob mnnlint will not use; the message says why."""


class Glob:
    """One user glob, validated and compiled on creation."""

    __slots__ = ("__dict__", "pattern", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        pattern = text.strip()
        while pattern.startswith("./"):
            pattern = pattern[2:]
        pattern = re.sub(r"(?:\*\*/)+", "**/", pattern)  # `**/**/` means `**/`
        if not pattern or pattern.strip("/") == "":
            raise GlobError(f"empty glob {text!r}")
        if len(pattern) > MAX_LENGTH:
            raise GlobError(f"glob longer than {MAX_LENGTH} characters")
        if pattern.startswith(("!", "#")):
            raise GlobError(f"glob {text!r} starts with {pattern[0]!r} (negation and comments are not supported; "
                            "escape it as \\" + pattern[0] + ")")
        if pattern.count("**") > MAX_DOUBLE_STARS:
            raise GlobError(f"glob {text!r} uses `**` more than {MAX_DOUBLE_STARS} times")
        for segment in pattern.split("/"):
            if segment != "**" and len(re.findall(r"\*+", segment)) > MAX_STARS:
                raise GlobError(f"glob {text!r} has more than {MAX_STARS} `*` in the folder or file name {segment!r}")
        self.pattern = pattern
        _ = self._compiled  # errors now, where the glob is declared, not mid-run

    @cached_property
    def _compiled(self) -> Any:
        from pathspec.patterns.gitignore.basic import GitIgnoreBasicPattern

        try:
            compiled = GitIgnoreBasicPattern(self.pattern)
        except (ValueError, re.error, IndexError) as err:  # pathspec's errors, re.error for bad [ranges]
            raise GlobError(f"invalid glob {self.text!r}: {err}") from None
        if compiled.regex is None:
            raise GlobError(f"invalid glob {self.text!r}")
        return compiled

    def matches(self, path: str) -> bool:
        """`path`: relative to the root with forward slashes, or absolute; folders end in `/`."""
        return self._compiled.regex.search(path.lstrip("/")) is not None

    def matches_file(self, file: str, root: Path, folder: bool = False) -> bool:
        """Whether the glob covers `file`, named relative to `root`; a glob that starts with `/`
        may also name the absolute path."""
        if self.matches(relative_path(file, root, folder)):
            return True
        return self.pattern.startswith("/") and self.matches(relative_path(file, Path("/"), folder))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Glob) and other.pattern == self.pattern

    def __hash__(self) -> int:
        return hash(self.pattern)

    def __repr__(self) -> str:
        return f"Glob({self.text!r})"

    def __str__(self) -> str:
        return self.text


def relative_path(file: str, root: Path, folder: bool = False) -> str:
    """`file` relative to `root` with forward slashes; absolute when it lies outside."""
    absolute = Path(os.path.abspath(file))
    try:
        text = absolute.relative_to(root).as_posix()
    except ValueError:
        text = absolute.as_posix()
    return text + "/" if folder and not text.endswith("/") else text


def compile_globs(texts: Sequence[str]) -> tuple[Glob, ...]:
    return tuple(Glob(t) for t in texts)
