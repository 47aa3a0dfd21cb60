"""Shared fixtures: the committed converter-made models and the converter's own view of them."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).resolve().parent
FIXTURES = TESTS / "fixtures"
MODELS = FIXTURES / "models"
sys.path.insert(0, str(FIXTURES))


def manifest() -> dict[str, Any]:
    return json.loads((FIXTURES / "MANIFEST.json").read_text())


def fixture_models() -> list[Path]:
    """Every committed .mnn fixture (the LLM folder's model included)."""
    return sorted(MODELS.rglob("*.mnn"))


_JSON_CACHE: dict[Path, dict[str, Any]] = {}


@pytest.fixture(scope="session")
def converter_json():
    """The converter's JSON dump of an .mnn (`MNNConvert -f MNN --JsonFile`), cached per run."""
    from converter import dump_json

    def get(path: Path) -> dict[str, Any]:
        if path not in _JSON_CACHE:
            _JSON_CACHE[path] = dump_json(path)
        return _JSON_CACHE[path]

    return get


REPO = TESTS.parent
# What a pip install of the repository reads (tests, tools and benchmarks are not needed).
INSTALL_FILES = ("setup.cfg", "pyproject.toml", "README.md", "mnnlint", "rules", "schemas")


def copy_installable(dest: Path, extra: tuple[str, ...] = ()) -> Path:
    """A copy of what `pip install` needs from this checkout (plus `extra`), into `dest`."""
    import shutil

    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "build")
    dest.mkdir(parents=True, exist_ok=True)
    for name in (*INSTALL_FILES, *extra):
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=ignore)
        else:
            shutil.copy(src, dest / name)
    return dest
