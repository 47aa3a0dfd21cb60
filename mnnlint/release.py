"""MNN release names, their order, and the ranges users write (`>=2.8,<3.3`).

One type for every place that compares releases: the capability tables' version
selection, suppressions that hold "until" a release, and reports. Tags are dotted
numbers (MNN tags carry no `v`); `HEAD` (the default branch when the tables were
generated) sorts after every tag. A small class rather than `packaging.version`:
MNN's tags are plain numbers, and `HEAD` is not a PEP 440 version.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import total_ordering

from .errors import UsageError

HEAD = "HEAD"
_NUMBER = re.compile(r"\d{1,6}(?:\.\d{1,6}){0,3}")
_CLAUSE = re.compile(r"(>=|<=|==|!=|>|<)\s*(\d{1,6}(?:\.\d{1,6}){0,3})")
_OPS = {">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b, "==": lambda a, b: a == b,
        "!=": lambda a, b: a != b, ">": lambda a, b: a > b, "<": lambda a, b: a < b}


@total_ordering
class Release:
    """`3.2`, `3.2.0` and `HEAD`, ordered; `3.2 == 3.2.0`."""

    __slots__ = ("key", "name")

    def __init__(self, name: str) -> None:
        name = name.strip()
        if name == HEAD:
            self.key: tuple[int, ...] = (10**9,)
        elif _NUMBER.fullmatch(name):
            parts = tuple(int(p) for p in name.split("."))
            self.key = parts + (0,) * (3 - len(parts))
        else:
            raise ValueError(f"not an MNN release: {name!r}")
        self.name = name

    @staticmethod
    def is_release(text: str) -> bool:
        return text.strip() == HEAD or _NUMBER.fullmatch(text.strip()) is not None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Release) and self.key == other.key

    def __lt__(self, other: Release) -> bool:
        return self.key < other.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"Release({self.name!r})"


def select_releases(spec: str, known: Sequence[str]) -> list[str]:
    """The releases of `known` (oldest first, HEAD last) that `spec` names.

    `latest` (the newest tag), `all`, `HEAD`, `3.2.0`, `3.2` (its newest patch), or a
    range of comma-separated clauses such as `>=2.8,<3.3`. UsageError when none match.
    """
    spec = spec.strip()
    tagged = [r for r in known if r != HEAD]
    if spec in ("", "latest"):
        return tagged[-1:]
    if spec == "all":
        return list(known)
    if spec in known:
        return [spec]
    if _NUMBER.fullmatch(spec):
        wanted = Release(spec)
        depth = spec.count(".") + 1
        matches = [r for r in tagged if Release(r).key[:depth] == wanted.key[:depth]]
        if matches:
            return [max(matches, key=Release)]
        raise UsageError(f"no MNN release {spec} in the tables ({tagged[0]} … {tagged[-1]})")
    clauses = []
    for clause in (c.strip() for c in spec.split(",")):
        m = _CLAUSE.fullmatch(clause) if clause else None
        if m is None:
            raise UsageError(f"cannot read MNN version {spec!r}: use latest, all, 3.2.0, or >=2.8,<3.3")
        clauses.append((_OPS[m.group(1)], Release(m.group(2))))
    chosen = [r for r in tagged if all(op(Release(r), bound) for op, bound in clauses)]
    if not chosen:
        raise UsageError(f"no release in the tables matches {spec!r}")
    return chosen
