"""The glob engine agrees with pathspec's gitignore semantics, and stays linear where pathspec's regex does not.

mnnlint matches globs name by name (mnnlint/globs.py) because pathspec's one regular
expression per glob backtracks: `**/*a*/**/*a*b` took 1.4 s against one deep path, and
an `exclude` list of such globs stalled a folder walk for a minute, outside any limit.
"""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pathspec.patterns.gitignore.basic import GitIgnoreBasicPattern

from mnnlint.globs import Glob, GlobError

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")  # pathspec compiles `[[` as given

_PIECES = ["a", "b", "ab", "*", "?", "**", "[ab]", "[!a]", "[!]]", "[]a]", "\\*", "\\[", "[", "]", ".", " "]
PATTERN = st.lists(st.sampled_from([*_PIECES, "/"]), min_size=1, max_size=9).map("".join)
PATH = st.lists(st.sampled_from(["a", "b", "ab", "ba", "aab", "*", "[", "."]), min_size=1, max_size=6).map(
    "/".join).flatmap(lambda p: st.sampled_from([p, p + "/"]))


def oracle(pattern: str, path: str) -> bool | None:
    """pathspec's answer for the pattern as Glob normalises it; None when pathspec refuses it."""
    glob = Glob(pattern)
    try:
        compiled = GitIgnoreBasicPattern(glob.pattern)
    except (ValueError, re.error):
        return None
    if compiled.regex is None:
        return False
    # pathspec lets a negated class cross folders (`[!a]` is `[^a]`, which matches `/`), though
    # fnmatch(3) with FNM_PATHNAME never does; the oracle is given that one correction.
    regex = re.compile(re.sub(r"\[\^(\])?", lambda m: "[^/" + ("\\]" if m.group(1) else ""), compiled.regex.pattern))
    return regex.search(path.lstrip("/")) is not None


@settings(max_examples=1500, deadline=None)
@given(pattern=PATTERN, paths=st.lists(PATH, min_size=1, max_size=8))
def test_same_answers_as_pathspec(pattern: str, paths: list[str]) -> None:
    try:
        glob = Glob(pattern)
    except GlobError:  # refused up front (too many stars, a bad class, a lone `\\`...): nothing to compare
        return
    for path in paths:
        expected = oracle(pattern, path)
        assert expected is not None, pattern
        assert glob.matches(path) is expected, (pattern, glob.pattern, path)


@pytest.mark.parametrize(("pattern", "path", "hit"), [
    ("a/*", "a/b/", True), ("a/*", "a/b/c", False), ("a/*", "a/", False), ("*/", "a/b", True), ("*/", "a", False),
    ("**/a/**", "a/b", True), ("**/a/**", "x/a", False), ("a/", "a/", True), ("a/", "x/a/", True),
    ("a/**/b", "a/b", True), ("a/**/b", "a/x/y/b/z", True), ("a*b", "ab", True), ("a*b", "a/b", False),
    ("[!a]b", "bb", True), ("[!a]b", "ab", False), ("a[", "a[", True), ("\\*", "*", True), ("\\*", "a", False),
    ("x\ny/*.mnn", "x\ny/m.mnn", True), ("*.mnn", "f\nx/m.mnn", True),  # a newline is a character like any
])
def test_known_answers(pattern: str, path: str, hit: bool) -> None:
    assert Glob(pattern).matches(path) is hit


@pytest.mark.parametrize("pattern", ["**/*a*/**/*a*b", "*a*a*b", "**/a*a*a*/**/*a*a*b", "*[!b]*[!b]*c",
                                     "**/x*/**/x*y", "x/**/x/**/y"])
def test_the_worst_globs_are_linear_on_deep_paths(pattern: str) -> None:
    deep = ["/".join(["a" * 250] * 15) + "/z", "/".join(["x"] * 2000) + "/z", "/".join(["x" + "a" * 60] * 60)]
    glob = Glob(pattern)
    start = time.process_time()
    for _ in range(20):
        for path in deep:
            assert not glob.matches(path)
    assert time.process_time() - start < 2.0  # a few ms in all; the regex took 1.4 s for one match


def test_a_glob_that_python_re_frowns_on_prints_no_warning() -> None:
    """`[[`, `[a&&b]` make re emit FutureWarnings: two lines each on stderr, quoting our source."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Glob("[[:alpha:]]x")
        Glob("[a&&b].mnn")
    assert caught == []


def test_a_glob_of_many_folder_names_is_refused() -> None:
    """Each path is tried against every name of a glob at every depth: `**/a/a/.../b` with
    500 names cost 355 ms per deep path, over a whole walk minutes."""
    with pytest.raises(GlobError, match="more than 32 folders"):
        Glob("**/" + "a/" * 40 + "b")
    Glob("**/" + "a/" * 20 + "b")  # a long but ordinary path still is a glob


def test_double_star_collapses_only_as_a_whole_name() -> None:
    """`a**/**/b`: the first `**` ends a name (`a` then anything), so `ax/y/b` matches, as in git."""
    assert Glob("a**/**/b").matches("ax/y/b")
    assert Glob("a/**/**/b").pattern == "a/**/b"
