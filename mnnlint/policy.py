"""What happens to findings after the rules ran: per-file ignores, suppressions, severities.

Rules report everything they see; the team's decisions about what to hide and how
severe it is are applied here, in one place, so every output format and the exit code
agree. Binary models cannot carry `# noqa` comments, so suppressions live in the config
file and name the finding by rule, path glob and, optionally, op type, op name and
target. A suppression must give its reason, may expire (a date, or an MNN release from
which the finding must be fixed), and is itself reported when it hid nothing or expired,
so stale entries do not pile up.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from functools import cache
from pathlib import Path

from .config import Resolved, Suppression
from .diagnostics import Diagnostic, OpRef, Severity

UNUSED_CODE = "M001"


def relative_path(file: str, root: Path) -> str:
    """`file` relative to `root` with forward slashes; absolute when it lies outside."""
    absolute = Path(os.path.abspath(file))
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        return absolute.as_posix()


@cache
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """gitignore-like globs: `*` stays in one folder, `**` crosses folders, a pattern
    without a slash matches at any depth, and a folder matches everything below it."""
    pattern = pattern.strip().removeprefix("./")
    if "/" not in pattern.rstrip("/"):
        pattern = "**/" + pattern
    pattern = pattern.rstrip("/")
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and "]" in pattern[i + 1:]:
            end = pattern.index("]", i + 1)
            body = pattern[i + 1:end].replace("\\", "\\\\")
            out.append("[^" + body[1:] + "]" if body.startswith("!") else "[" + body + "]")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("(?:/?)" + "".join(out) + "(?:/.*)?")


def path_matches(pattern: str, path: str) -> bool:
    return _glob_regex(pattern).fullmatch(path) is not None


def _code_matches(selectors: Iterable[str], code: str) -> bool:
    return any(s == "ALL" or code.startswith(s) for s in selectors)


def severity_for(code: str, overrides: Mapping[str, Severity]) -> Severity | None:
    """The override of the most specific selector (longest prefix) that names `code`."""
    best = [s for s in overrides if code.startswith(s) or s == "ALL"]
    return overrides[max(best, key=lambda s: -1 if s == "ALL" else len(s))] if best else None


@dataclass
class _State:
    matched: int = 0
    expired_at: Diagnostic | None = None  # first finding it no longer covers


@dataclass
class Policy:
    """Applies one run's per-file ignores, suppressions and severity overrides.

    One Policy serves every profile of a run, so a suppression counts as used when it
    hid a finding in any of them.
    """

    suppressions: Sequence[Suppression]
    root: Path
    config_label: str
    today: dt.date = field(default_factory=dt.date.today)
    _state: dict[int, _State] = field(default_factory=dict)

    def apply(self, diagnostics: Iterable[Diagnostic], profile: Resolved) -> list[Diagnostic]:
        out = []
        for d in diagnostics:
            path = relative_path(d.file, self.root)
            if any(path_matches(glob, path) and _code_matches(codes, d.code)
                   for glob, codes in profile.per_file_ignores.items()):
                continue
            if self._suppressed(d, path):
                continue
            level = severity_for(d.code, profile.severity)
            out.append(replace(d, severity=level) if level is not None and level != d.severity else d)
        return out

    def _suppressed(self, d: Diagnostic, path: str) -> bool:
        hidden = False
        for s in self.suppressions:
            if not _covers(s, d, path):
                continue
            state = self._state.setdefault(s.index, _State())
            state.matched += 1
            if _expired(s, d.release, self.today):
                state.expired_at = state.expired_at or d
            else:
                hidden = True
        return hidden

    def unused(self, checked: Sequence[tuple[str, str, str, str]], selected: set[str],
               rule_name: str, severity: Severity) -> list[Diagnostic]:
        """M001 findings: suppressions that hid nothing, or stopped applying.

        `checked` is (file, target, release, profile) per combination checked. A
        suppression whose path, target or rule was not part of this run is left alone:
        pre-commit passes only the changed files, and that must not flag the rest.
        """
        out = []
        for s in self.suppressions:
            state = self._state.get(s.index, _State())
            where = f"suppression #{s.index} in {self.config_label} ({s.describe()})"
            if state.expired_at is not None:
                d = state.expired_at
                until = (f"expired on {s.until_date.isoformat()}" if s.until_date
                         else f"applies only before MNN {s.until_release}, and {d.release} was checked")
                out.append(Diagnostic(
                    code=UNUSED_CODE, rule=rule_name, severity=severity, file=d.file, op=d.op,
                    target=d.target, release=d.release, profile=d.profile,
                    message=f"{where} {until}: the {s.rule} finding it covered is reported again",
                    fix="Fix the finding, or renew the suppression with a new `until` and reason"))
                continue
            if state.matched or s.rule not in selected:
                continue
            scope = [c for c in checked if path_matches(s.path, relative_path(c[0], self.root))
                     and (s.target is None or _target_matches(s.target, c[1]))]
            if not scope:
                continue
            file, target, release, profile = scope[0]
            out.append(Diagnostic(
                code=UNUSED_CODE, rule=rule_name, severity=severity, file=file, op=None, target=target,
                release=release, profile=profile,
                message=f"{where} matched no finding in the {len(scope)} model check(s) its path covers",
                fix="Delete the suppression: the finding it was written for is gone"))
        return out


def _target_matches(wanted: str, target: str) -> bool:
    """`opencl` covers both opencl-buffer and opencl-image."""
    from .capabilities.backends import canonical

    name = canonical(wanted) or wanted
    return target == name or target.startswith(name + "-")


def _covers(s: Suppression, d: Diagnostic, path: str) -> bool:
    if d.code != s.rule or not path_matches(s.path, path):
        return False
    if s.target is not None and not _target_matches(s.target, d.target):
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
    return s.until_release is not None and _release_key(release) >= _release_key(s.until_release)


def _release_key(release: str) -> tuple[int, ...]:
    if release == "HEAD" or not release:
        return (10**6,)
    parts = tuple(int(p) for p in release.split(".") if p.isdigit())
    return parts + (0,) * (3 - len(parts))
