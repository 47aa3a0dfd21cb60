"""The committed fixtures are real converter output, current, and described by MANIFEST.json.

Why: every mnnlint test trusts these files.  A fixture edited by hand, left
stale after a builder change, or missing from MANIFEST must fail here, not
show up later as a puzzling rule-test failure.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MODELS = FIXTURES / "models"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
sys.path.insert(0, str(FIXTURES))

import build_fixtures  # noqa: E402
from converter import ConversionError, convert, dump_json, op_histogram  # noqa: E402

MANIFEST: dict[str, Any] = json.loads((FIXTURES / "MANIFEST.json").read_text())["fixtures"]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """All fixtures rebuilt from scratch by the build script, in a child process."""
    out = tmp_path_factory.mktemp("rebuilt")
    proc = subprocess.run(
        [sys.executable, str(FIXTURES / "build_fixtures.py"), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


def test_manifest_covers_every_fixture_and_file() -> None:
    assert set(MANIFEST) == set(build_fixtures.FIXTURES)
    listed = {f["name"] for entry in MANIFEST.values() for f in entry["files"]}
    on_disk = {str(p.relative_to(MODELS)) for p in MODELS.rglob("*") if p.is_file()}
    assert listed == on_disk


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_committed_files_match_manifest(name: str) -> None:
    for f in MANIFEST[name]["files"]:
        path = MODELS / f["name"]
        assert path.stat().st_size == f["size"], f["name"]
        assert _sha(path) == f["sha256"], f"{f['name']} changed since MANIFEST.json was written"


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_committed_op_types_match_manifest(name: str) -> None:
    fx = build_fixtures.FIXTURES[name]
    hist = op_histogram(dump_json(MODELS / fx.mnn))
    assert hist == MANIFEST[name]["op_types"]
    assert fx.expect_types <= hist.keys()
    assert not fx.forbid_types & hist.keys()


@pytest.mark.parametrize("name", sorted(build_fixtures.FIXTURES))
def test_rebuild_gives_the_committed_model(rebuilt: Path, name: str) -> None:
    """Same converter + same builder => same model, up to the random mnn_uuid."""
    fx = build_fixtures.FIXTURES[name]
    fresh, committed = dump_json(rebuilt / fx.mnn), dump_json(MODELS / fx.mnn)
    assert fresh["mnn_uuid"] != committed["mnn_uuid"]  # the one field that is allowed to differ
    assert build_fixtures.comparable(fresh) == build_fixtures.comparable(committed)
    for path in build_fixtures.output_files(fx, rebuilt)[1:]:  # sidecars and config files
        assert path.read_bytes() == (MODELS / path.relative_to(rebuilt)).read_bytes()


def test_build_only_cnn(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(FIXTURES / "build_fixtures.py"), "--out", str(tmp_path), "--only", "cnn"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cnn.mnn"]
    model = dump_json(tmp_path / "cnn.mnn")
    assert {"Input", "Convolution", "Pooling", "Softmax"} <= op_histogram(model).keys()
    assert model["extraInfo"]["version"] == MANIFEST["cnn"]["converter"]["mnn_version"]


def test_fused_transformer_has_attention_and_unfused_does_not() -> None:
    fused = dump_json(MODELS / "transformer_fused.mnn")
    plain = dump_json(MODELS / "transformer.mnn")
    attention = [op for op in fused["oplists"] if op["type"] == "Attention"]
    assert len(attention) == 1
    assert attention[0]["main_type"] == "AttentionParam"
    names = [fused["tensorName"][i] for i in attention[0]["inputIndexes"]]
    assert names[-1] == "attention_mask" and len(names) == 4  # query, key, value, mask
    assert "Attention" not in op_histogram(plain) and "Softmax" in op_histogram(plain)


def test_example_is_the_fused_fixture() -> None:
    assert _sha(EXAMPLES / "transformer_fused.mnn") == _sha(MODELS / "transformer_fused.mnn")


def test_control_flow_has_real_subgraphs() -> None:
    model = dump_json(MODELS / "control_flow.mnn")
    ops = {op["type"]: op for op in model["oplists"]}
    names = {s["name"] for s in model["subgraphs"]}
    assert {ops["If"]["main"]["then_graph"], ops["If"]["main"]["else_graph"]} <= names
    assert ops["While"]["main"]["body_graph"] in names
    assert all(s["nodes"] for s in model["subgraphs"])


def test_pool_without_strides_is_written_as_stride_zero() -> None:
    pools = [op for op in dump_json(MODELS / "pool_nostride.mnn")["oplists"] if op["type"] == "Pooling"]
    assert len(pools) == 2
    assert all(op["main"]["strideX"] == 0 and op["main"]["strideY"] == 0 for op in pools)


def test_external_weights_are_referenced_by_offset() -> None:
    convs = [op for op in dump_json(MODELS / "cnn_external.mnn")["oplists"] if op["type"] == "Convolution"]
    weight_size = (MODELS / "cnn_external.mnn.weight").stat().st_size
    assert convs and all("weight" not in op["main"] for op in convs)
    for op in convs:
        offset, *sizes = op["main"]["external"]
        assert offset >= 0 and offset + sum(sizes) <= weight_size


def test_custom_op_is_kept_as_extra() -> None:
    extra = [op for op in dump_json(MODELS / "custom_op.mnn")["oplists"] if op["type"] == "Extra"]
    assert [(op["main"]["engine"], op["main"]["type"]) for op in extra] == [("ONNX", "FancyActivation")]


def test_llm_folder_has_the_llmexport_layout() -> None:
    folder = MODELS / "llm"
    runtime = json.loads((folder / "config.json").read_text())
    assert (folder / runtime["llm_model"]).is_file() and (folder / runtime["llm_weight"]).is_file()
    assert json.loads((folder / "llm_config.json").read_text())["layer_nums"] == 2
    assert op_histogram(dump_json(folder / "llm.mnn"))["Attention"] == 2


def test_converter_failure_is_an_error_not_a_success(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.onnx"
    bogus.write_bytes(b"this is not a protobuf")
    with pytest.raises(ConversionError):
        convert(bogus, tmp_path / "bogus.mnn")
    assert not (tmp_path / "bogus.mnn").exists() or (tmp_path / "bogus.mnn").stat().st_size == 0
