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


def this_environment_paths() -> list[str]:
    """The site-packages folders of the environment running the tests (a venv's own, not the base's)."""
    import sysconfig

    paths = sysconfig.get_paths()
    return list(dict.fromkeys([paths["purelib"], paths["platlib"]]))


def see_this_environment(site_packages: Path) -> None:
    """Let a virtualenv import what this environment has installed, after its own packages.

    A `.pth` file in its site-packages appends our site-packages folders to `sys.path`.
    Unlike `--system-site-packages`, which exposes the *base* interpreter (where
    mnnlint's dependencies are usually not installed), this exposes the environment the
    README's `pip install -e '.[test]'` filled, so offline installs find every dependency.
    """
    (site_packages / "zz_mnnlint_tests_outer_env.pth").write_text("\n".join(this_environment_paths()) + "\n")


def sitecustomize_dir(dest: Path) -> Path:
    """A folder with a `sitecustomize.py` that does what `see_this_environment` does, for
    virtualenvs a tool creates itself (pre-commit's): put it on PYTHONPATH."""
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "sitecustomize.py").write_text(
        "import sys\n"
        f"for _p in {this_environment_paths()!r}:\n"
        "    if _p not in sys.path:\n"
        "        sys.path.append(_p)\n"
    )
    return dest
