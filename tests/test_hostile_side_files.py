"""Hostile LLM export configs under a walked folder: each one input error for its folder alone.

Before: a 100,000-deep or 5,000-digit config ended the whole run with an internal
error, a NUL byte in `llm_model` crashed it, a 3 GB sparse config was read whole (6 GB
of RSS), and `../../etc/passwd` was opened. The classes live in `fuzz/sidefiles.py`,
which also fuzzes random combinations of them.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fuzz.sidefiles import CLASSES, make_tree, problems, run_cli


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_hostile_config_is_one_error_and_the_run_goes_on(name: str, tmp_path: Path) -> None:
    folders = make_tree(tmp_path, [name], random.Random(0))
    result = run_cli("inspect", str(tmp_path))
    assert problems(tmp_path, folders, result) == [], result[2]


def test_every_hostile_class_in_one_run(tmp_path: Path) -> None:
    folders = make_tree(tmp_path, sorted(CLASSES), random.Random(1))
    result = run_cli("inspect", str(tmp_path))
    assert problems(tmp_path, folders, result) == [], result[2]


def test_escaping_config_never_opens_the_outside_file(tmp_path: Path) -> None:
    """The path check runs before any open: the message names the path, not a read failure."""
    folder = tmp_path / "export"
    make_tree(tmp_path, [], random.Random(0))
    from fuzz.sidefiles import _export

    _export(folder)
    (folder / "config.json").write_text('{"llm_model": "../../../../etc/passwd"}')
    code, out, err, _, _ = run_cli("inspect", str(folder))
    assert code == 2 and "leaves the export folder" in err and "passwd" not in out


def test_models_beside_an_unreadable_config_are_still_linted(tmp_path: Path) -> None:
    """A hostile config.json in a project folder must not hide the models in and below it."""
    folder = tmp_path / "project"
    (folder / "sub").mkdir(parents=True)
    (folder / "config.json").write_text("[" * 100_000 + "]" * 100_000)
    from fuzz.sidefiles import GOOD

    (folder / "sub" / "inner.mnn").write_bytes(GOOD.read_bytes())
    code, out, err, _, _ = run_cli("inspect", str(tmp_path))
    assert code == 2 and err.count("mnnlint: error:") == 1 and "nests too deeply" in err
    assert "inner.mnn" in out
