"""mnnlint's CPU prediction for MNN 3.6.1 against the installed MNN 3.6.1 CPU runtime.

Every fixture runs once on the real runtime (pip `mnn`, in a child process); the op
types it reports with `Don't support type X` must be exactly those mnnlint predicts
the CPU cannot run, and it must crash exactly where mnnlint predicts a crash. The
pip wheel is built the way MNN documents LLM builds (pymnn's build_deps.py), so the
prediction uses the `llm` profile.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import MODELS, fixture_models

from mnnlint.capabilities import Capabilities
from mnnlint.engine import check_model
from mnnlint.inputs import ModelSource
from mnnlint.loader import load
from mnnlint.registry import load_registry
from mnnlint.settings import Profile

pytest.importorskip("MNN")
from runtime_probe import probe

CAPS = Capabilities()


@pytest.mark.parametrize("path", fixture_models(), ids=lambda p: str(p.relative_to(MODELS)))
def test_cpu_prediction_agrees_with_the_runtime(path: Path) -> None:
    model = load(ModelSource(str(path)))
    plan = Profile(targets=("cpu",), releases=("3.6.1",), rules=load_registry().rules, build_profile="llm")
    found = check_model(model, plan, CAPS).diagnostics
    predicted_unsupported = {d.op.type_name for d in found if d.code in ("B002", "B003") and d.op}
    predicted_crash = any(d.code == "P001" for d in found)
    seen = probe(path)
    assert seen.unsupported == predicted_unsupported, seen.output[-2000:]
    assert seen.crashed == predicted_crash, seen.output[-2000:]
