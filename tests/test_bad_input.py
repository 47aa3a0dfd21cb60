"""Every class of bad input: one line naming the file and the problem, exit 2, nothing written."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import MODELS


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mnnlint", *args], capture_output=True, text=True,
                          timeout=60, cwd=cwd, env={**os.environ, "NO_COLOR": "1"})


def _snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _make(tmp: Path, name: str, data: bytes) -> Path:
    path = tmp / name
    path.write_bytes(data)
    return path


CNN = (MODELS / "cnn.mnn").read_bytes()
ONNX_HEAD = bytes([0x08, 0x08, 0x12, 0x07]) + b"pytorch" + bytes(64)
TFLITE_HEAD = b"\x1c\x00\x00\x00TFL3" + bytes(64)

CASES = {
    "empty": (b"", "empty file"),
    "lfs": (b"version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 123\n", "Git LFS pointer"),
    "onnx": (ONNX_HEAD, "ONNX model"),
    "tflite": (TFLITE_HEAD, "TensorFlow Lite"),
    "text": (b"hello, I am not a model at all\n" * 4, "not an MNN model"),
    "truncated": (CNN[: len(CNN) // 2], "truncated"),
    "truncated_tail": (CNN[:-3], "truncated"),
    "one_byte": (b"\x01", "too small to be an MNN model"),
    "zeros": (bytes(4096), "not an MNN model"),
    "root_points_out": (b"\xff\xff\xff\x7f" + CNN[4:], "truncated or corrupt"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_file_is_one_line_and_exit_2(case: str, tmp_path: Path) -> None:
    data, expected = CASES[case]
    path = _make(tmp_path, f"{case}.mnn", data)
    before = _snapshot(tmp_path)
    proc = run_cli(str(path))
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert str(path) in lines[0] and expected in lines[0]
    assert "Traceback" not in proc.stderr + proc.stdout
    assert _snapshot(tmp_path) == before


def test_missing_path_is_exit_2(tmp_path: Path) -> None:
    proc = run_cli(str(tmp_path / "nope.mnn"))
    assert proc.returncode == 2 and "no such file" in proc.stderr


def test_missing_weight_file_is_a_finding_and_the_graph_is_checked(tmp_path: Path) -> None:
    """A missing .weight is deployment finding D001 (exit 1), not an input error; other rules still run."""
    shutil.copy(MODELS / "cnn_external.mnn", tmp_path / "m.mnn")
    shutil.copy(MODELS / "pool_nostride.mnn", tmp_path / "p.mnn")
    proc = run_cli(str(tmp_path), "--target", "cpu", "--output-format", "json")
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.strip() == ""
    found = {(Path(d["file"]).name, d["code"]) for d in json.loads(proc.stdout)["diagnostics"]}
    assert ("m.mnn", "D001") in found and ("p.mnn", "P001") in found
    assert "m.mnn.weight is missing" in proc.stdout


def test_short_weight_file_is_a_finding(tmp_path: Path) -> None:
    shutil.copy(MODELS / "cnn_external.mnn", tmp_path / "m.mnn")
    weight = (MODELS / "cnn_external.mnn.weight").read_bytes()
    (tmp_path / "m.mnn.weight").write_bytes(weight[: len(weight) // 3])
    proc = run_cli(str(tmp_path / "m.mnn"), "--target", "cpu")
    assert proc.returncode == 1 and "D001" in proc.stdout and "truncated" in proc.stdout, proc.stdout


def test_folder_run_keeps_going_after_a_bad_file(tmp_path: Path) -> None:
    shutil.copy(MODELS / "cnn.mnn", tmp_path / "a_good.mnn")
    _make(tmp_path, "b_bad.mnn", b"")
    shutil.copy(MODELS / "pool_nostride.mnn", tmp_path / "c_good.mnn")
    proc = run_cli("inspect", str(tmp_path))
    assert proc.returncode == 2
    assert "b_bad.mnn: empty file" in proc.stderr
    assert "a_good.mnn" in proc.stdout and "c_good.mnn" in proc.stdout


def test_directory_without_models_named_as_file(tmp_path: Path) -> None:
    proc = run_cli(str(tmp_path / "sub"))
    assert proc.returncode == 2
