"""gen_capabilities end to end: a two-release git repository in, stable tables out."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from mnnlint.capabilities import Capabilities, TableError
from mnnlint.capabilities.tableformat import FORMAT_VERSION
from tests.capgen.fake_mnn import files
from tools import gen_capabilities
from tools.capgen.gitsrc import FakeTree
from tools.capgen.store import load_release


def _git(repo: Path, *args: str) -> None:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t", "GIT_AUTHOR_DATE": "2024-01-02T03:04:05+08:00",
           "GIT_COMMITTER_DATE": "2024-01-02T03:04:05+08:00", "PATH": "/usr/bin:/bin"}
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


def _write(repo: Path, tree: dict[str, str]) -> None:
    for old in repo.rglob("*"):
        if old.is_file() and ".git" not in old.parts:
            old.unlink()
    for path, text in tree.items():
        target = repo / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("mnn")
    _git(repo, "init", "-q")
    for tag, release in (("2.8.0", 1), ("2.9.0", 2)):
        _write(repo, files(release))
        _git(repo, "add", "-A")
        _git(repo, "commit", "-q", "-m", tag)
        _git(repo, "tag", tag)
    _git(repo, "tag", "Android-0.1")     # not a release tag
    return repo / ".git"


def _run(git_dir: Path, out: Path, *extra: str) -> dict[str, bytes]:
    assert gen_capabilities.main(["--mnn-git", str(git_dir), "--out", str(out), *extra]) == 0
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*.json"))}


def test_release_tags(repo: Path) -> None:
    assert gen_capabilities.release_tags(str(repo)) == ["2.8.0", "2.9.0"]


def test_end_to_end_and_deterministic(repo: Path, tmp_path: Path) -> None:
    first = _run(repo, tmp_path / "a")
    second = _run(repo, tmp_path / "b")
    assert first == second
    again = _run(repo, tmp_path / "a")      # regenerating in place changes nothing either
    assert again == first

    index = json.loads(first["index.json"])
    assert [r["release"] for r in index["releases"]] == ["2.8.0", "2.9.0", "HEAD"]
    assert index["releases"][0]["date"] == "2024-01-02T03:04:05+08:00"
    assert index["releases"][1]["backends"]["cuda"] == index["releases"][0]["backends"]["cuda"] + 1

    old = load_release(tmp_path / "a", "2.8.0")
    new = load_release(tmp_path / "a", "2.9.0")
    assert "Attention" not in old["backends"]["cuda"]["ops"]
    [alt] = new["backends"]["cuda"]["ops"]["Attention"]
    assert alt["requires"] == {"MNN_SUPPORT_TRANSFORMER_FUSE": True}
    assert new["files"][alt["at"][0]] == "source/backend/cuda/execution/AttentionExecution.cu"
    assert alt["at"][1] == 2
    # unconditional registrations carry no requires key
    assert "requires" not in new["backends"]["cuda"]["ops"]["UnaryOp"][0]
    # the vulkan buffer half only exists from 2.9.0
    assert "vulkan-buffer" not in old["backends"]
    assert new["backends"]["vulkan-buffer"]["enabled_requires"] == [{"MNN_VULKAN": True, "MNN_VULKAN_IMAGE": False}]
    # one cumulative file table: an index names the same file in every release
    assert old["files"] == new["files"]


def test_subset_run_keeps_other_releases(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "c"
    _run(repo, out)
    _run(repo, out, "--releases", "2.9.0")
    index = json.loads((out / "index.json").read_text())
    assert [r["release"] for r in index["releases"]] == ["2.8.0", "2.9.0", "HEAD"]
    assert "Attention" in load_release(out, "2.9.0")["backends"]["cuda"]["ops"]
    assert "cuda" in load_release(out, "2.8.0")["backends"]


@pytest.fixture(scope="module")
def caps(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Capabilities:
    out = tmp_path_factory.mktemp("tables")
    _run(repo, out)
    return Capabilities(data_dir=out)


def test_build_follows_the_targets_own_switch(caps: Capabilities) -> None:
    table = caps.release("2.9.0")
    # default ON, forced OFF `if (NOT MNN_QNN)`: a QNN build has it ON
    assert table.build("default", {})["MNN_QNN_ONLINE_FINALIZE"] is False
    assert table.enabling_options("qnn") == {"MNN_QNN": True}
    assert table.build("default", {}, target="qnn")["MNN_QNN_ONLINE_FINALIZE"] is True
    # an override re-evaluates what depends on it
    assert table.build("default", {"MNN_QNN": True})["MNN_QNN_ONLINE_FINALIZE"] is True
    assert table.build("default", {"MNN_QNN_ONLINE_FINALIZE": False}, target="qnn")["MNN_QNN_ONLINE_FINALIZE"] is False
    # the split parent: what both halves need
    assert table.enabling_options("vulkan") == {"MNN_VULKAN": True}
    assert table.enabling_options("vulkan-buffer") == {"MNN_VULKAN": True, "MNN_VULKAN_IMAGE": False}
    assert table.build("llm", {})["MNN_SUPPORT_TRANSFORMER_FUSE"] is True
    assert table.build("build-llm", {})["MNN_SUPPORT_TRANSFORMER_FUSE"] is True   # forced by MNN_BUILD_LLM


def test_known_options_refuse_a_typo(caps: Capabilities) -> None:
    table = caps.release("2.9.0")
    assert "MNN_SUPPORT_TRANSFORMER_FUSE" in table.known_options
    assert "MNN_CUDA_QUANT" in table.known_options          # declared in source/backend/cuda/CMakeLists.txt
    assert "MNN_SUPORT_TRANSFORMER_FUSE" not in table.known_options


def test_macro_follows_its_definition(caps: Capabilities) -> None:
    table = caps.release("2.9.0")
    assert table.macro_value("MNN_SUPPORT_TRANSFORMER_FUSE", table.build("default", {})) is False
    assert table.macro_value("MNN_SUPPORT_TRANSFORMER_FUSE", table.build("build-llm", {})) is True
    assert table.macro_value("MNN_METAL_ENABLED", table.build("default", {}, target="metal")) is None  # `AND APPLE`


def test_module_shape_constness_and_pipeline_facts(caps: Capabilities) -> None:
    table = caps.release("2.9.0")
    moe = table.module_ops["MoE"]
    assert (moe.module, moe.at) == ("MoEModule", "express/module/PipelineModule.cpp:14")
    loop = table.module_ops["While"]
    assert loop.applies("WhileParam") and not loop.applies("LoopParam")
    assert table.has_shape_computer("Attention", table.build("default", {})) is False
    assert table.has_shape_computer("Attention", table.build("llm", {})) is True
    assert table.shape_computers("Convolution")[0].at == "source/shape/ShapeConvolution.cpp:2"
    assert table.need_content["Interp"] == {"at": "source/core/OpCommonUtils.cpp:7", "unread": [1]}
    assert table.pipeline["backup_create"] == "source/core/Pipeline.cpp:9"
    [gather] = table.geometry_computers("Gather")
    assert [(e.type, e.inputs) for e in gather.emits if e.self] == [("Gather", 1)]
    assert table.geometry_computers("GatherND")[0].into == {"BinaryOp", "Raster"}


def test_loader_refuses_another_format(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "old"
    _run(repo, out)
    raw = json.loads((out / "2.9.0.json").read_text())
    raw["format"] = FORMAT_VERSION - 1
    (out / "2.9.0.json").write_text(json.dumps(raw))
    with pytest.raises(TableError, match="format"):
        Capabilities(data_dir=out).release("2.9.0")
    index = json.loads((out / "index.json").read_text())
    index["format"] = FORMAT_VERSION + 1
    (out / "index.json").write_text(json.dumps(index))
    with pytest.raises(TableError, match="format"):
        Capabilities(data_dir=out).releases  # noqa: B018


def test_generator_fails_loudly(tmp_path: Path) -> None:
    tree = files()
    del tree["express/module/PipelineModule.cpp"]
    with pytest.raises(ValueError, match=r"PipelineModule\.cpp is missing"):
        gen_capabilities.generate_release(FakeTree(tree), "9.9.9")
