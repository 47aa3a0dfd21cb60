"""`mnnlint diff OLD NEW`: the gate for a model update, on real converter-made pairs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import FIXTURES, MODELS

PLACED = FIXTURES / "placement_models"
UNFUSED, FUSED = MODELS / "transformer.mnn", MODELS / "transformer_fused.mnn"
CUDA_320 = ("-t", "cuda", "--mnn-version", "3.2.0")


def diff(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mnnlint", "diff", *args], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "NO_COLOR": "1"})


def test_nofuse_to_fuse_fails_on_cuda_320() -> None:
    # The fused model adds B002 (Attention has no CUDA execution at 3.2.0), an error.
    proc = diff(str(UNFUSED), str(FUSED), *CUDA_320)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "new  error   B002" in proc.stdout and "Attention" in proc.stdout
    assert "partitions 1 → 3 (+2)" in proc.stdout


def test_fuse_to_nofuse_passes() -> None:
    proc = diff(str(FUSED), str(UNFUSED), *CUDA_320)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "gone error   B002" in proc.stdout and "0 new findings" in proc.stdout


def test_same_model_moved_is_unchanged(tmp_path: Path) -> None:
    # Matching is by fingerprint (rule, target, release, op type and name), not by file or op index.
    moved = tmp_path / "renamed.mnn"
    shutil.copyfile(PLACED / "mixed.mnn", moved)
    proc = diff(str(PLACED / "mixed.mnn"), str(moved), "-t", "cuda", "--mnn-version", "3.6.1", "--output-format",
                "json", "--max-new-partitions", "0")
    data = json.loads(proc.stdout)
    assert proc.returncode == 0
    assert data["new_findings"] == [] and data["gone_findings"] == [] and not data["failed"]


def test_placement_threshold_is_the_users() -> None:
    # cnn -> mixed on cuda 3.6.1 adds only warnings (B001), so --fail-on error passes, unless the
    # placement gate is set: partitions go 1 -> 7.
    base = (str(MODELS / "cnn.mnn"), str(PLACED / "mixed.mnn"), "-t", "cuda", "--mnn-version", "3.6.1")
    assert diff(*base).returncode == 0
    assert diff(*base, "--max-new-partitions", "6").returncode == 0
    gated = diff(*base, "--max-new-partitions", "5")
    assert gated.returncode == 1 and "WORSE: partitions +6 > 5" in gated.stdout
    assert diff(*base, "--fail-on", "warning").returncode == 1
    bytes_gate = diff(*base, "--max-new-crossing-bytes", "1000000", "--output-format", "json")
    assert json.loads(bytes_gate.stdout)["placement"][0]["worse_past_threshold"] == ["crossing_bytes became unknown"]


def test_other_formats_report_new_findings_only() -> None:
    proc = diff(str(UNFUSED), str(FUSED), *CUDA_320, "--output-format", "sarif")
    (run,) = json.loads(proc.stdout)["runs"]
    assert [r["ruleId"] for r in run["results"]] == ["B002"] and proc.returncode == 1
    gh = diff(str(MODELS / "cnn.mnn"), str(PLACED / "mixed.mnn"), "-t", "cuda", "--mnn-version", "3.6.1",
              "--output-format", "github", "--max-new-crossings", "0")
    assert "::error title=mnnlint diff (cuda 3.6.1)::placement worse: crossings +5 > 0" in gh.stdout


def test_bad_input_is_exit_2() -> None:
    assert diff(str(UNFUSED)).returncode == 2
    missing = diff(str(UNFUSED), str(MODELS / "nope.mnn"))
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1
    folder = diff(str(MODELS), str(UNFUSED))
    assert folder.returncode == 2 and "holds" in folder.stderr


def test_names_cannot_inject_commands() -> None:
    from mnnlint.diff import clean

    assert "\n" not in clean("a\n::error::x") and "\x1b" not in clean("\x1b[31mred")
    assert "##[" not in clean("x ##[error]y")
