"""Hostile config files, baselines, globs, output paths, flags and step summaries (fuzz/runinputs.py).

Every class, and a few seeded combinations, must end in bounded time with exit 0, 1 or
2, no traceback or internal error, one error line for what it refused, no ESC byte, and
every input unchanged.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fuzz.runinputs import CLASSES, problems


@pytest.mark.parametrize("name", sorted(CLASSES))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_each_hostile_class(name: str, seed: int, tmp_path: Path) -> None:
    assert problems(tmp_path, [name], random.Random(seed)) == []


@pytest.mark.parametrize("seed", range(4))
def test_combinations(seed: int, tmp_path: Path) -> None:
    rng = random.Random(1000 + seed)
    assert problems(tmp_path, rng.sample(sorted(CLASSES), 3), rng) == []
