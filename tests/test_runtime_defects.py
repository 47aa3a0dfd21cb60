"""Known runtime defects (R rules): evidence data, and the rules on the models that showed them.

That the models really crash the runtime is checked by tests/test_crosscheck.py, which
runs them on pip MNN 3.6.1 and needs mnnlint's error finding to agree.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURES, MODELS

from mnnlint.capabilities import Capabilities
from mnnlint.diagnostics import Severity
from mnnlint.engine import check_model
from mnnlint.inputs import ModelSource
from mnnlint.loader import load
from mnnlint.registry import load_registry
from mnnlint.settings import Profile

ROOT = Path(__file__).resolve().parents[1]
DATA = json.loads((ROOT / "rules" / "data" / "runtime_defects.json").read_text())
SUBSET = FIXTURES / "crosscheck"
CAPS = Capabilities()


@pytest.mark.parametrize("entry", DATA["defects"], ids=lambda e: e["code"])
def test_every_defect_carries_its_evidence_and_rule(entry: dict) -> None:
    rule = load_registry().get(entry["code"])
    assert rule is not None and rule.name == entry["id"]
    assert rule.severity is (Severity.ERROR if entry["kind"] == "crash" else Severity.WARNING)
    assert entry["evidence"]
    for e in entry["evidence"]:
        assert {"releases", "backend", "build", "precision", "observed", "model"} <= e.keys()
        assert all(r in CAPS.releases for r in e["releases"])
        if e["model"].startswith("tests/"):
            assert (ROOT / e["model"]).is_file(), e["model"]
    if "cite" in entry:
        assert set(entry["releases"]) >= {r for e in entry["evidence"] for r in e["releases"]}


def codes(path: Path, target: str = "cpu", release: str = "3.6.1") -> set[str]:
    plan = Profile(targets=(target,), releases=(release,), rules=tuple(load_registry().rules), build_profile="llm")
    return {d.code for d in check_model(load(ModelSource(str(path))), plan, CAPS).diagnostics}


def test_pool3d_without_strides_or_pads() -> None:
    assert "R001" in codes(SUBSET / "test_maxpool_3d_default.mnn")  # neither
    assert "R001" in codes(SUBSET / "pool3d_nopads.mnn")  # strides, no pads
    assert "R001" in codes(SUBSET / "pool3d_nopads.mnn", "cuda", "2.8.0")  # the cited lines hold there too
    assert "R001" not in codes(SUBSET / "pool3d_pads.mnn")


def test_matmul_of_two_vectors_only_where_reproduced() -> None:
    assert "R002" in codes(SUBSET / "test_matmul_1d_1d.mnn")
    assert "R002" not in codes(SUBSET / "test_matmul_1d_1d.mnn", "cpu", "3.2.0")
    assert "R002" not in codes(MODELS / "transformer.mnn")


def test_weightless_benchmark_model() -> None:
    assert "R003" in codes(SUBSET / "mnn_benchmark_squeezenetv1.1.mnn")
    assert "R003" not in codes(MODELS / "cnn.mnn")
    assert "R003" not in codes(MODELS / "cnn_external.mnn")  # weights in the .weight file
    assert "R003" not in codes(MODELS / "cnn_quant8.mnn")


def test_binary_op_on_8bit_integers_on_the_cpu_only() -> None:
    assert "R004" in codes(SUBSET / "test_add_int8.mnn")  # SIGSEGV on pip MNN 3.6.1
    assert "R004" in codes(SUBSET / "test_greater_int8.mnn")  # Create execution error
    assert "R004" not in codes(SUBSET / "test_add.mnn")
    assert "R004" not in codes(SUBSET / "test_add_int8.mnn", "cuda", "3.6.1")  # ran there
