"""Creator limits (C001): the reviewed data file against MNN's source, and the rule on real models.

The source test also covers the runtime defects that cite source lines (R001).

The data test always runs. The source test runs where the MNN git mirror exists (not in
CI): every cited line of every release must hold the recorded text at the commit the
release's capability table was built from.
"""

from __future__ import annotations

import json
import subprocess
from functools import cache
from pathlib import Path

import pytest
from conftest import FIXTURES
from mnnlint.rules.creator_refuses_params import CreatorRefusesParams

from mnnlint.capabilities import Capabilities
from mnnlint.diagnostics import Severity
from mnnlint.engine import check_model
from mnnlint.inputs import ModelSource
from mnnlint.loader import load
from mnnlint.settings import Profile

ROOT = Path(__file__).resolve().parents[1]
DATA = json.loads((ROOT / "rules" / "data" / "creator_limits.json").read_text())
MIRROR = Path("/work/.mirror/alibaba+MNN/repo")
SUBSET = FIXTURES / "crosscheck"
CAPS = Capabilities()


def test_every_limit_is_complete_and_cites_lines_per_release() -> None:
    ids = [e["id"] for e in DATA["limits"]]
    assert len(ids) == len(set(ids))
    for entry in DATA["limits"]:
        assert {"backend", "op_types", "refused_op", "param", "outcome", "printed", "cite", "releases"} <= entry.keys()
        assert entry["outcome"] in ("creator-null", "resize-not-support")
        assert entry["releases"], entry["id"]
        for release, facts in entry["releases"].items():
            assert release in CAPS.releases, release
            assert len(facts["lines"]) == len(entry["cite"])
            for cite in facts["lines"]:
                assert cite["file"].startswith("source/") and cite["line"] > 0 and cite["text"]
            if entry["param"]:
                assert facts["values"], (entry["id"], release)


@cache
def _source(commit: str, path: str) -> list[str]:
    return subprocess.run(["git", "-C", str(MIRROR), "show", f"{commit}:{path}"], capture_output=True,
                          check=True).stdout.decode("utf-8", "replace").splitlines()


DEFECTS = json.loads((ROOT / "rules" / "data" / "runtime_defects.json").read_text())["defects"]
CITED = DATA["limits"] + [d for d in DEFECTS if "cite" in d]


@pytest.mark.skipif(not MIRROR.is_dir(), reason="no MNN git mirror here")
@pytest.mark.parametrize("entry", CITED, ids=lambda e: e["id"])
def test_cited_lines_hold_the_recorded_text(entry: dict) -> None:
    for release, facts in entry["releases"].items():
        commit = CAPS.release(release).commit
        for cite in facts["lines"]:
            assert _source(commit, cite["file"])[cite["line"] - 1].strip() == cite["text"], (release, cite)


def findings(model: str, target: str, release: str) -> list:
    plan = Profile(targets=(target,), releases=(release,), rules=(CreatorRefusesParams,), build_profile="default")
    return check_model(load(ModelSource(str(SUBSET / model))), plan, CAPS).diagnostics


def test_cuda_cubic_interp_is_named_with_its_resize_type() -> None:
    [d] = findings("test_resize_upsample_scales_cubic.mnn", "cuda", "3.6.1")
    assert d.severity is Severity.WARNING and "resizeType = 3 (cubic)" in d.message
    assert "InterpExecution.cu:255" in d.message
    assert not findings("test_resize_upsample_scales_linear.mnn", "cuda", "3.6.1")
    assert not findings("test_resize_upsample_scales_cubic.mnn", "cpu", "3.6.1")


def test_cuda_deconvolution_with_int8_weights() -> None:
    [d] = findings("deconv_quant8.mnn", "cuda", "3.2.0")
    assert "quanParameter.type = 1" in d.message
    assert not findings("deconv_float.mnn", "cuda", "3.2.0")


def test_cuda_scatternd_loop_names_while() -> None:
    [d] = findings("test_scatternd.mnn", "cuda", "3.6.1")
    assert d.op.type_name == "ScatterNd" and "While" in d.message


def test_metal_comparisons_are_refused_at_2_8_0_only() -> None:
    [d] = findings("test_greater.mnn", "metal", "2.8.0")
    assert "BinaryOp.opType = GREATER" in d.message
    assert not findings("test_greater.mnn", "metal", "2.9.0")


def test_nnapi_unary_without_mapping_stops_the_resize() -> None:
    [d] = findings("test_acos.mnn", "nnapi", "3.6.1")
    assert d.severity is Severity.ERROR and "ACOS" in d.message and "NOT_SUPPORT" in d.message
    assert not findings("test_abs.mnn", "nnapi", "3.6.1")
