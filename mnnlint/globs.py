"""Path globs: one engine, with gitignore's pattern semantics, for every glob a user writes.

`--exclude`, `exclude`, `per-file-ignores` and suppression `path`s all mean the same
thing by the same pattern, as in `.gitignore`: `*` stays within one folder, `**`
crosses folders, a pattern without a slash (other than a trailing one) matches at any
depth, a pattern with one is anchored at the root (the config file's folder, or the
working folder without a config), and a folder covers everything below it. Paths
outside the root are matched by their absolute path, and a glob that starts with `/`
may name an absolute path.

The semantics are pathspec's `GitIgnoreBasicPattern` (tests/test_globs.py checks that
both agree), but not its engine: pathspec compiles a glob to one regular expression, and
Python's regular expressions backtrack, so `**/*a*/**/*a*b` took 1.4 s against one deep
path, and 40 such `exclude` globs over a deep folder ran for a minute, outside any time
limit. Here a glob is matched name by name: each folder or file name against a list of
fixed-length pieces between its `*`s (leftmost placement is exact for such pieces, so
each name costs one scan), and the runs of names between `**`s are placed leftmost the
same way. A match costs time linear in the path (times the glob's length).

A glob is still refused (one line, exit 2) when it holds more than `MAX_DOUBLE_STARS`
`**` runs or more than `MAX_STARS` `*` within one folder name, or is longer than
`MAX_LENGTH`; repeated `**/**/` collapses to one.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from .errors import UsageError

MAX_DOUBLE_STARS = 2
MAX_STARS = 3  # in one path segment
MAX_LENGTH = 1024
MAX_NAMES = 32  # folder and file names in one glob: bounds a match to 32 x the path's depth


class GlobError(UsageError, ValueError):
    """A glob mnnlint will not use; the message says why."""


class Glob:
    """One user glob, validated and compiled on creation."""

    __slots__ = ("_matcher", "pattern", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        pattern = text.strip()
        while pattern.startswith("./"):
            pattern = pattern[2:]
        pattern = re.sub(r"(?:(?<=/)|^)(?:\*\*/)+", "**/", pattern)  # `**/**/` means `**/` (whole names only)
        if not pattern or pattern.strip("/") == "":
            raise GlobError(f"empty glob {text!r}")
        if len(pattern) > MAX_LENGTH:
            raise GlobError(f"glob longer than {MAX_LENGTH} characters")
        if pattern.startswith(("!", "#")):
            raise GlobError(f"glob {text!r} starts with {pattern[0]!r} (negation and comments are not supported; "
                            "escape it as \\" + pattern[0] + ")")
        if pattern.count("/") >= MAX_NAMES:
            raise GlobError(f"glob {text!r} names more than {MAX_NAMES} folders (each path is matched against "
                            "every name of a glob: a longer one costs time on every folder of a walk)")
        if pattern.count("**") > MAX_DOUBLE_STARS:
            raise GlobError(f"glob {text!r} uses `**` more than {MAX_DOUBLE_STARS} times")
        for segment in pattern.split("/"):
            if segment != "**" and len(re.findall(r"\*+", segment)) > MAX_STARS:
                raise GlobError(f"glob {text!r} has more than {MAX_STARS} `*` in the folder or file name {segment!r}")
        self.pattern = pattern
        self._matcher = _compile(text, pattern)  # errors now, where the glob is declared, not mid-run

    def matches(self, path: str) -> bool:
        """`path`: relative to the root with forward slashes, or absolute; folders end in `/`."""
        return self._matcher.matches(path.lstrip("/"))

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
    """`file` relative to `root` with forward slashes; absolute when it lies outside.

    Cached (with the working folder, which a relative `file` depends on): every suppression
    and per-file-ignore asks it of the same few files, and pathlib spends far longer here
    than the match itself.
    """
    return _relative_path(file, root, folder, os.getcwd() if not os.path.isabs(file) else "")


@lru_cache(maxsize=4096)
def _relative_path(file: str, root: Path, folder: bool, cwd: str) -> str:
    absolute = Path(os.path.join(cwd, file) if cwd else file)
    absolute = Path(os.path.normpath(absolute))
    try:
        text = absolute.relative_to(root).as_posix()
    except ValueError:
        text = absolute.as_posix()
    return text + "/" if folder and not text.endswith("/") else text


def compile_globs(texts: Sequence[str]) -> tuple[Glob, ...]:
    return tuple(Glob(t) for t in texts)


# --- the matcher ------------------------------------------------------------------------------

_STAR = None  # a `*` among a name's units


def _units(segment: str) -> list[str | None]:
    """The units of one name's glob: a regex matching exactly one character, or `_STAR`.

    Character by character as pathspec's `_translate_segment_glob` (fnmatch(3) with
    FNM_PATHNAME): `\\x` is x, `?` any character, `[...]`/`[!...]` a class (an unclosed `[`
    is literal), `*` any run of characters.
    """
    units: list[str | None] = []
    i, end = 0, len(segment)
    while i < end:
        char = segment[i]
        i += 1
        if char == "\\":
            if i == end:
                raise ValueError(f"escape character with nothing to escape: {segment!r}")
            units.append(re.escape(segment[i]))
            i += 1
        elif char == "*":
            units.append(_STAR)
        elif char == "?":
            units.append("[^/]")
        elif char == "[":
            j = i
            if j < end and segment[j] in "!^":
                j += 1
            if j < end and segment[j] == "]":
                j += 1
            while j < end and segment[j] != "]":
                j += 1
            if j < end:
                expr = "["
                if segment[i] in "!^":
                    expr += "^"
                    i += 1
                units.append(expr + segment[i:j + 1].replace("\\", "\\\\"))
                i = j + 1
            else:
                units.append("\\[")
        else:
            units.append(re.escape(char))
    return units


class _Name(NamedTuple):
    """One folder or file name of a glob: fixed-length pieces, with a `*` between each two."""

    pieces: tuple[tuple[re.Pattern[str], int], ...]  # (regex of the piece, its length in characters)
    nonempty: bool = False  # the name `*` alone: gitignore wants at least one character

    @classmethod
    def parse(cls, segment: str) -> _Name:
        if segment == "*":
            return cls(((re.compile(""), 0), (re.compile(""), 0)), nonempty=True)
        runs: list[list[str]] = [[]]
        for unit in _units(segment):
            if unit is _STAR:
                runs.append([])
            else:
                runs[-1].append(unit)
        import warnings

        with warnings.catch_warnings():  # `[[`, `[a&&b]`: re's FutureWarnings, two stderr lines each
            warnings.simplefilter("ignore")
            return cls(tuple((re.compile("".join(run)), len(run)) for run in runs))

    def matches(self, name: str) -> bool:
        if self.nonempty and not name:
            return False
        if len(self.pieces) == 1:  # no `*`: the whole name
            whole, length = self.pieces[0]
            return len(name) == length and whole.fullmatch(name) is not None
        (first, first_len), *middle, (last, last_len) = self.pieces
        end = len(name) - last_len
        if end < first_len or first.fullmatch(name, 0, first_len) is None or last.fullmatch(name, end) is None:
            return False
        at = first_len
        for piece, _ in middle:  # leftmost placement: a later piece can only gain from an earlier end
            found = piece.search(name, at, end)
            if found is None:
                return False
            at = found.end()
        return True


class _Matcher(NamedTuple):
    """A normalised gitignore glob as runs of names ("blocks") separated by `**`."""

    everything: str | None  # pathspec's shortcuts: "." any path, "/" any path below the root's files
    blocks: tuple[tuple[_Name, ...], ...] = ()
    lead: bool = False  # starts with `**`: the first block may begin at any depth
    ending: str = "free"  # after the last block: "free" (a folder covers what is below), "below" (at least
    #                       one more name: `dir/`), "end" (last name `*`: nothing after but a trailing slash)

    def matches(self, path: str) -> bool:
        if self.everything == ".":
            return bool(path)
        if self.everything == "/":
            return "/" in path
        names = path.split("/")
        at = 0
        last = len(self.blocks) - 1
        for b, block in enumerate(self.blocks):
            anchored = b == 0 and not self.lead
            if b == last and self.ending == "end":
                starts = [len(names) - len(block)]
                if names[-1] == "" and len(names) > len(block):
                    starts.append(len(names) - 1 - len(block))
                return any(s >= at and (s == 0 or not anchored) and self._fits(block, names, s) for s in starts)
            limit = len(names) - len(block) - (1 if b == last and self.ending == "below" else 0)
            found = next((s for s in ([at] if anchored else range(at, limit + 1)) if s <= limit
                          and self._fits(block, names, s)), None)
            if found is None:
                return False
            at = found + len(block)
        return True

    @staticmethod
    def _fits(block: tuple[_Name, ...], names: list[str], start: int) -> bool:
        return all(name.matches(names[start + i]) for i, name in enumerate(block))


def _compile(text: str, pattern: str) -> _Matcher:
    """`pattern` (already trimmed) normalised as pathspec's GitIgnoreBasicPattern does."""
    try:
        return _normalise(pattern)
    except (ValueError, re.error) as err:  # re.error: a class like [z-a]
        raise GlobError(f"invalid glob {text!r}: {err}") from None


def _normalise(pattern: str) -> _Matcher:
    segments = pattern.split("/")
    is_dir = not segments[-1] and pattern != "/"
    if not segments[0]:
        del segments[0]  # a leading slash anchors at the root
    elif (len(segments) == 1 or (len(segments) == 2 and not segments[1])) and segments[0] != "**":
        segments.insert(0, "**")  # no slash (but a trailing one): at any depth
    if not segments:
        raise ValueError("the glob names nothing")
    if not segments[-1]:
        segments[-1] = "**"  # `dir/`: what is below the folder
    collapsed = [segments[0]]
    for segment in segments[1:]:
        if not (segment == "**" and collapsed[-1] == "**"):
            collapsed.append(segment)
    segments = collapsed
    if segments == ["**"]:
        return _Matcher("/" if is_dir else ".")
    if segments in (["**", "*"], ["**", "*", "**"]):
        return _Matcher("." if len(segments) == 2 else "/")
    blocks: list[list[_Name]] = [[]]
    for segment in segments:
        if segment == "**":
            blocks.append([])
        else:
            blocks[-1].append(_Name.parse(segment))
    lead = segments[0] == "**"
    ending = "below" if segments[-1] == "**" else "end" if segments[-1] == "*" else "free"
    return _Matcher(None, tuple(tuple(b) for b in blocks if b), lead, ending)
