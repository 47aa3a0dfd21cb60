"""What happens to findings after the rules ran: per-file ignores, suppressions, severities.

Rules report everything they see; the team's decisions about what to hide and how
severe it is are applied here, in one place, so every output format and the exit code
agree. Binary models cannot carry `# noqa` comments, so suppressions live in the config
file and name the finding by rule, path glob and, optionally, op type, op name and
target. A suppression must give its reason and may expire (a date, or an MNN release
from which the finding must be fixed). Policy records what each suppression hid, so
the run phase of rule M001 can report the stale ones.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from fnmatch import fnmatchcase
from pathlib import Path

from .diagnostics import Diagnostic, OpRef, Severity
from .globs import Glob, relative_path
from .release import Release
from .rule import SuppressionUse
from .settings import Profile, Suppression

__all__ = ["Policy", "covers_target", "path_matches", "relative_path", "severity_for"]


def path_matches(pattern: str, path: str) -> bool:
    """Whether the user glob `pattern` matches `path` (see globs.py)."""
    return Glob(pattern).matches(path)


def _code_matches(selectors: Iterable[str], code: str) -> bool:
    return any(s == "ALL" or code.startswith(s) for s in selectors)


def severity_for(code: str, overrides: Mapping[str, Severity]) -> Severity | None:
    """The override of the most specific selector (longest prefix) that names `code`."""
    best = [s for s in overrides if code.startswith(s) or s == "ALL"]
    return overrides[max(best, key=lambda s: -1 if s == "ALL" else len(s))] if best else None


def covers_target(wanted: str, target: str) -> bool:
    """`opencl` covers both opencl-buffer and opencl-image."""
    from .capabilities.backends import canonical

    name = canonical(wanted) or wanted
    return target == name or target.startswith(name + "-")


class _State:
    """How often a suppression matched and the first finding it no longer covers (unused and expired reports)."""

    __slots__ = ("expired_at", "matched")

    def __init__(self) -> None:
        self.matched = 0
        self.expired_at: Diagnostic | None = None  # first finding it no longer covers


class Policy:
    """Applies one run's per-file ignores, suppressions and severity overrides.

    One Policy serves every profile of a run, so a suppression counts as used when it
    hid a finding in any of them.
    """

    def __init__(self, suppressions: Sequence[Suppression], root: Path, today: dt.date | None = None) -> None:
        self.suppressions = suppressions
        self.root = root
        self.today = today if today is not None else dt.date.today()
        self._state: dict[int, _State] = {}

    def apply(self, diagnostics: Iterable[Diagnostic], profile: Profile) -> list[Diagnostic]:
        out = []
        for d in diagnostics:
            if any(_code_matches(codes, d.code) and glob.matches_file(d.file, self.root)
                   for glob, codes in profile.per_file_ignores.items()):
                continue
            if self._suppressed(d):
                continue
            out.append(self.severity(d, profile))
        return out

    @staticmethod
    def severity(d: Diagnostic, profile: Profile) -> Diagnostic:
        level = severity_for(d.code, profile.severity)
        return d._replace(severity=level) if level is not None and level != d.severity else d

    def _suppressed(self, d: Diagnostic) -> bool:
        hidden = False
        for s in self.suppressions:
            if not _covers(s, d, self.root):
                continue
            state = self._state.setdefault(s.index, _State())
            state.matched += 1
            if _expired(s, d.release, self.today):
                state.expired_at = state.expired_at or d
            else:
                hidden = True
        return hidden

    def usage(self) -> list[SuppressionUse]:
        """What each suppression hid, for the run phase of M001."""
        return [SuppressionUse(s, self._state.get(s.index, _State()).matched,
                               self._state.get(s.index, _State()).expired_at) for s in self.suppressions]


def _covers(s: Suppression, d: Diagnostic, root: Path) -> bool:
    if d.code != s.rule or not s.path.matches_file(d.file, root):
        return False
    if s.target is not None and not covers_target(s.target, d.target):
        return False
    if s.op_type is None and s.op_name is None:
        return True
    ops: list[OpRef] = [d.op, *d.related] if d.op else []
    # A grouped finding is hidden only when the suppression covers every op it stands for.
    return bool(ops) and all(
        (s.op_type is None or fnmatchcase(op.type_name, s.op_type))
        and (s.op_name is None or fnmatchcase(op.name, s.op_name)) for op in ops)


def _expired(s: Suppression, release: str, today: dt.date) -> bool:
    """A date passes after its day; a release bound holds only for older releases."""
    if s.until_date is not None:
        return today > s.until_date
    if s.until_release is None:
        return False
    try:
        return Release(release) >= Release(s.until_release)
    except ValueError:
        return True
