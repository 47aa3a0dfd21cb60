"""Reviewed data files of the rule families that rest on MNN's source and on runtime observations.

Loaded on first use and cached; each file records its own provenance (see its `about`).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"
"""Shipped beside the modules (package data), as the capability tables are: no
importlib.resources, whose import alone costs more than reading these files."""


@cache
def load(name: str) -> dict[str, Any]:
    """`rules/data/<name>.json` as shipped in the package."""
    return json.loads((DATA_DIR / f"{name}.json").read_text("utf-8"))


def creator_limits() -> list[dict[str, Any]]:
    return load("creator_limits")["limits"]


def runtime_defects() -> list[dict[str, Any]]:
    return load("runtime_defects")["defects"]
