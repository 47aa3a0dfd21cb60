"""The decision-path fixtures (tests/fixtures/build_verdicts.py): current, and what the real runtime does.

Each model was made by the real converter; the pip `mnn` 3.6.1 CPU runtime must run it
exactly as mnnlint predicts for the CPU (which op types it refuses, whether it finishes),
and the constant ops mnnlint finds must be those MNN's rule makes constant.
"""

from __future__ import annotations

import hashlib
import json

import pytest
from conftest import FIXTURES

from mnnlint.capabilities import Capabilities, support
from mnnlint.constness import constant_ops
from mnnlint.engine import check_model
from mnnlint.inputs import ModelSource
from mnnlint.loader import load
from mnnlint.registry import load_registry
from mnnlint.settings import Profile

VERDICTS = FIXTURES / "verdicts"
MANIFEST = json.loads((VERDICTS / "MANIFEST.json").read_text())
CAPS = Capabilities()


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_committed_file_matches_manifest(name: str) -> None:
    entry = MANIFEST[name]
    path = VERDICTS / entry["file"]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"], f"{path.name} changed"
    assert entry["converter"]["mnn_version"] == "3.6.1"


def test_manifest_covers_every_model() -> None:
    assert {p.name for p in VERDICTS.glob("*.mnn")} == {e["file"] for e in MANIFEST.values()}


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_cpu_prediction_agrees_with_the_runtime(name: str) -> None:
    pytest.importorskip("MNN")
    from mnnlint.crosscheck.probe import run_batch

    path = VERDICTS / MANIFEST[name]["file"]
    model = load(ModelSource(str(path)))
    plan = Profile(targets=("cpu",), releases=("3.6.1",), rules=tuple(load_registry().rules), build_profile="llm")
    found = check_model(model, plan, CAPS).diagnostics
    predicted = {d.op.type_name for d in found if d.code in ("B002", "B003") and d.op}
    (seen,) = run_batch([str(path)])
    assert seen.unsupported == predicted, seen.output[-2000:]
    assert seen.finished == (not predicted), seen.output[-2000:]


def test_moe_runs_on_the_runtime_and_is_not_unrunnable() -> None:
    """The MoE op runs (MoEModule) on pip mnn 3.6.1: mnnlint must not call it unrunnable anywhere."""
    assert MANIFEST["moe"]["cpu_probe"]["finished"] and not MANIFEST["moe"]["cpu_probe"]["unsupported"]
    model = load(ModelSource(str(VERDICTS / "moe.mnn")))
    for release in ("3.2.0", "3.6.1", "HEAD"):
        plan = Profile(targets=("cpu", "cuda", "opencl"), releases=(release,), rules=tuple(load_registry().rules),
                       build_profile="llm")
        found = check_model(model, plan, CAPS).diagnostics
        assert not [d for d in found if d.op and d.op.type_name == "MoE"], [d.message for d in found]


def test_shape_chains_are_constant_and_the_data_path_is_not() -> None:
    model = load(ModelSource(str(VERDICTS / "const_shape.mnn")))
    table = CAPS.release("3.6.1")
    constant = constant_ops(model, content_free=lambda t: support.content_free(table, t),
                            content_free_inputs=lambda t: support.content_free_inputs(table, t))
    by_name = {op.name: op for op in model.all_ops()}
    kinds = {op.type_label for op in model.all_ops() if (op.subgraph, op.index) in constant}
    # Shape reads no content (OpCommonUtils.cpp:415); Gather/Range/OneHot/Concat on it read only constants.
    assert {"Shape", "GatherV2", "Range", "OneHot", "Concat"} <= kinds
    # The input, and what reads its content, stay on the backend.
    for name in ("x", "sum", "y"):
        op = by_name.get(name)
        if op is not None:
            assert ("", op.index) not in constant, name


def test_ops_after_a_module_layer_op_are_not_constant() -> None:
    """NMSModule's output feeds a new module: nothing computed from it is constant."""
    model = load(ModelSource(str(VERDICTS / "nms.mnn")))
    table = CAPS.release("3.6.1")
    constant = constant_ops(
        model, content_free=lambda t: support.content_free(table, t),
        module_layer=lambda t, param: support.runs_in_module_layer(table, t, param))
    nms = next(op for op in model.ops if op.type_label == "NonMaxSuppressionV2")
    after = [op for op in model.ops if op.index > nms.index and op.type_label in ("Unsqueeze", "Concat")]
    assert after and all(("", op.index) not in constant for op in after)
