"""Baselines on real re-exports: the converter writes the model again, findings keep their identity."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import MODELS

FUSED = MODELS / "transformer_fused.mnn"
UNFUSED = MODELS / "transformer.mnn"  # same ONNX without --transformerFuse: clean on cuda 3.2.0
GROUPNORM = MODELS / "groupnorm.mnn"
CHECK = ("--target", "cuda", "--mnn-version", "3.2.0", "--isolated")


def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "MNNLINT_OUTPUT_FORMAT"}
    return subprocess.run([sys.executable, "-m", "mnnlint", *map(str, args)], capture_output=True, text=True,
                          timeout=120, cwd=cwd, env={**env, "NO_COLOR": "1"})


def reexport(dst: Path, *extra: str) -> None:
    """Convert the fixtures' transformer ONNX again with the real converter (child process)."""
    script = (
        "import sys, onnx; from pathlib import Path; sys.path.insert(0, sys.argv[1]);"
        "from build_fixtures import onnx_transformer; from converter import convert;"
        "onnx.save(onnx_transformer(), 'src.onnx');"
        "convert(Path('src.onnx'), Path(sys.argv[2]), extra=sys.argv[3:])"
    )
    work = dst.parent / f".convert-{dst.stem}"
    work.mkdir(exist_ok=True)
    subprocess.run([sys.executable, "-c", script, str(MODELS.parent), str(dst), *extra], cwd=work, check=True,
                   capture_output=True, timeout=300)
    assert dst.is_file() and dst.stat().st_size > 0


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "models").mkdir()
    shutil.copy(FUSED, tmp_path / "models" / "model.mnn")
    return tmp_path


def test_write_baseline_records_sorted_findings_with_counts(project: Path) -> None:
    shutil.copy(GROUPNORM, project / "models" / "groupnorm.mnn")
    proc = run("models", "-t", "cuda,opencl", "--mnn-version", "3.2.0", "--isolated", "--select", "B002",
               "--write-baseline", "baseline.json", cwd=project)
    assert proc.returncode == 0 and "wrote 3 finding(s)" in proc.stderr
    data = json.loads((project / "baseline.json").read_text())
    assert data["version"] == 1 and data["tool"].startswith("mnnlint ")
    keys = [(e["path"], e["fingerprint"]) for e in data["findings"]]
    assert keys == sorted(keys) and len(set(keys)) == 3
    assert {(e["path"], e["code"], e["target"]) for e in data["findings"]} == {
        ("models/groupnorm.mnn", "B002", "opencl-image"), ("models/model.mnn", "B002", "cuda"),
        ("models/model.mnn", "B002", "opencl-image")}
    assert all(e["count"] == 1 for e in data["findings"])
    assert run("models", "-t", "cuda,opencl", "--mnn-version", "3.2.0", "--isolated", "--select", "B002",
               "--baseline", "baseline.json", cwd=project).returncode == 0


def test_reexport_with_unchanged_findings_passes(project: Path) -> None:
    assert run("models/model.mnn", *CHECK, "--write-baseline", "baseline.json", cwd=project).returncode == 0
    before = (project / "models" / "model.mnn").read_bytes()
    reexport(project / "models" / "model.mnn", "--transformerFuse", "--fp16")
    assert (project / "models" / "model.mnn").read_bytes() != before  # a different file ...
    plain = run("models/model.mnn", *CHECK, "--format", "json", cwd=project)
    assert plain.returncode == 1  # ... with the same Attention finding
    (diag,) = json.loads(plain.stdout)["diagnostics"]
    assert diag["op"]["type_name"] == "Attention"
    proc = run("models/model.mnn", *CHECK, "--baseline", "baseline.json", "--format", "json", cwd=project)
    assert proc.returncode == 0 and json.loads(proc.stdout)["diagnostics"] == []


def test_reexport_with_a_new_fallback_fails(project: Path) -> None:
    shutil.copy(UNFUSED, project / "models" / "model.mnn")
    assert run("models/model.mnn", *CHECK, "--write-baseline", "baseline.json", cwd=project).returncode == 0
    assert json.loads((project / "baseline.json").read_text())["findings"] == []
    reexport(project / "models" / "model.mnn", "--transformerFuse")
    proc = run("models/model.mnn", *CHECK, "--baseline", "baseline.json", "--format", "json", cwd=project)
    assert proc.returncode == 1
    assert [d["code"] for d in json.loads(proc.stdout)["diagnostics"]] == ["B002"]


def test_only_new_findings_are_reported_next_to_accepted_ones(project: Path) -> None:
    args = ("models", "-t", "opencl", "--mnn-version", "3.2.0", "--isolated", "--select", "B002")
    assert run(*args, "--write-baseline", "baseline.json", cwd=project).returncode == 0
    shutil.copy(GROUPNORM, project / "models" / "groupnorm.mnn")
    proc = run(*args, "--baseline", "baseline.json", "--format", "json", cwd=project)
    assert proc.returncode == 1
    diags = json.loads(proc.stdout)["diagnostics"]
    assert [(Path(d["file"]).name, d["op"]["type_name"]) for d in diags] == [("groupnorm.mnn", "GroupNorm")]


def test_baseline_is_keyed_on_path_and_read_relative_to_itself(project: Path) -> None:
    assert run("models/model.mnn", *CHECK, "--write-baseline", "ci/baseline.json", cwd=project).returncode == 2
    (project / "ci").mkdir()
    assert run("models/model.mnn", *CHECK, "--write-baseline", "ci/baseline.json", cwd=project).returncode == 0
    assert json.loads((project / "ci" / "baseline.json").read_text())["findings"][0]["path"] == "../models/model.mnn"
    # the same file named from another working folder is still known
    assert run("model.mnn", *CHECK, "--baseline", "../ci/baseline.json", cwd=project / "models").returncode == 0
    # the same findings in a model at another path are new
    shutil.copy(FUSED, project / "models" / "other.mnn")
    proc = run("models", *CHECK, "--baseline", "ci/baseline.json", "--format", "concise", cwd=project)
    assert proc.returncode == 1 and proc.stdout.startswith("models/other.mnn:") and "model.mnn:" not in \
        proc.stdout.replace("models/other.mnn:", "")


def test_bad_baseline_is_a_usage_error(project: Path) -> None:
    (project / "b.json").write_text('{"findings": []}')
    for name in ("b.json", "missing.json"):
        proc = run("models/model.mnn", *CHECK, "--baseline", name, cwd=project)
        assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1 and name in proc.stderr


# --- hostile baselines (issue 11): bounded, never blocking, one line each ---------------


def _one_line_exit_2(proc: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert "Traceback" not in proc.stderr and "internal error" not in line
    for fragment in fragments:
        assert fragment in line, line


@pytest.mark.parametrize(("body", "fragment"), [
    ('{"version": 1, "findings": [{"path": "a", "fingerprint": "b", "count": Infinity}]}', "Infinity"),
    ('{"version": 1, "findings": [{"path": "a", "fingerprint": "b", "count": NaN}]}', "NaN"),
    ('{"version": 1, "findings": [{"path": "a", "fingerprint": "b", "count": 1e999}]}', "malformed entry #1"),
    ('{"version": 1, "findings": [{"path": "a", "fingerprint": "b", "count": true}]}', "malformed entry #1"),
    ('{"version": 1, "findings": [{"path": "a", "fingerprint": "b", "count": -5}]}', "malformed entry #1"),
    ('{"version": 1, "findings": [{"path": ["a"], "fingerprint": "b"}]}', "malformed entry #1"),
    ('{"version": 1, "findings": [' + "[" * 100000, "invalid JSON"),
])
def test_malformed_baseline_is_one_line(project: Path, body: str, fragment: str) -> None:
    (project / "b.json").write_text(body)
    _one_line_exit_2(run("models/model.mnn", *CHECK, "--baseline", "b.json", cwd=project), "b.json", fragment)


def test_baseline_that_is_a_device_a_fifo_or_huge_is_refused_at_once(project: Path) -> None:
    os.mkfifo(project / "fifo.json")
    with open(project / "huge.json", "wb") as f:  # sparse: 3 GB on paper, nothing on disk
        f.truncate(3 << 30)
    for name, fragment in (("/dev/zero", "not a regular file"), ("fifo.json", "not a regular file"),
                           ("huge.json", "larger than")):
        proc = run("models/model.mnn", *CHECK, "--baseline", name, cwd=project)  # times out if it blocks
        _one_line_exit_2(proc, name, fragment)


def test_baseline_is_never_written_over_a_model_or_an_input(project: Path) -> None:
    before = (project / "models" / "model.mnn").read_bytes()
    (project / "mnnlint.toml").write_text('target = "cuda"\n')
    for target, fragment in (("models/model.mnn", "over a model file"), ("models/other.mnn", "over a model file"),
                             ("models/model.mnn.weight", "over a model file"), ("mnnlint.toml", "over an input")):
        proc = run("models/model.mnn", "--write-baseline", target, cwd=project)
        _one_line_exit_2(proc, fragment)
    assert (project / "models" / "model.mnn").read_bytes() == before
    assert not (project / "models" / "other.mnn").exists()
    assert (project / "mnnlint.toml").read_text() == 'target = "cuda"\n'
