"""The command line as a user meets it: exit codes, formats, docs, targets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from conftest import MODELS

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "transformer_fused.mnn"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mnnlint", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NO_COLOR": "1"})


def test_seed_case_on_the_shipped_example() -> None:
    proc = run(str(EXAMPLE), "--target", "cuda", "--mnn-version", "3.2.0")
    assert proc.returncode == 1
    assert "B002" in proc.stdout and "Attention" in proc.stdout and "--transformerFuse" in proc.stdout
    assert "MNN 3.2.0" in proc.stdout and "build profile llm" in proc.stdout


def test_clean_model_exits_0() -> None:
    proc = run(str(MODELS / "transformer.mnn"), "--target", "cuda", "--mnn-version", "3.2.0")
    assert proc.returncode == 0, proc.stdout
    assert "clean" in proc.stdout


def test_json_output_has_every_field() -> None:
    proc = run(str(EXAMPLE), "-t", "cuda", "--mnn-version", "3.2.0", "--output-format", "json")
    data = json.loads(proc.stdout)
    (diag,) = data["diagnostics"]
    for key in ("code", "severity", "message", "file", "target", "release", "profile", "fix"):
        assert diag[key], key
    assert diag["op"]["type_name"] == "Attention" and diag["op"]["index"] >= 0 and diag["op"]["byte_offset"] > 0
    assert data["checked"][0]["commit"]


def test_several_targets_and_a_range_are_checked_in_one_run() -> None:
    proc = run(str(EXAMPLE), "-t", "cuda,cpu", "--mnn-version", ">=3.2.0,<3.2.2", "--output-format", "json")
    checked = {(c["target"], c["release"]) for c in json.loads(proc.stdout)["checked"]}
    assert checked == {("cuda", "3.2.0"), ("cuda", "3.2.1"), ("cpu", "3.2.0"), ("cpu", "3.2.1")}


def test_opencl_checks_both_memory_modes() -> None:
    proc = run(str(MODELS / "cnn.mnn"), "-t", "opencl", "--output-format", "json")
    targets = {c["target"] for c in json.loads(proc.stdout)["checked"]}
    assert targets == {"opencl-buffer", "opencl-image"}


def test_ignore_and_fail_on() -> None:
    assert run(str(EXAMPLE), "-t", "cuda", "--mnn-version", "3.2.0", "--ignore", "B").returncode == 0
    assert run(str(EXAMPLE), "-t", "cuda", "--mnn-version", "3.2.0", "--fail-on", "never").returncode == 0


def test_usage_errors_exit_2_with_one_line() -> None:
    for args in (["--target", "gpu9000"], ["--mnn-version", "1.0.0"], ["--select", "Z999"],
                 ["--build-option", "FOO"], ["--profile", "nope"]):
        proc = run(str(EXAMPLE), *args)
        assert proc.returncode == 2, args
        assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


def test_rule_command_prints_the_docstring() -> None:
    proc = run("rule", "B002")
    assert proc.returncode == 0
    assert proc.stdout.startswith("B002 fused-op-unsupported · error · since")
    for section in ("## What it does", "## Why is this bad?", "## Example", "## How to fix"):
        assert section in proc.stdout
    everything = run("rule", "--all", "--format", "json")
    assert {r["code"] for r in json.loads(everything.stdout)} >= {"B001", "B002", "B003", "B004", "V001", "P001"}
    assert run("rule", "X000").returncode == 2


def test_targets_lists_backends_and_op_types() -> None:
    listing = run("targets", "--mnn-version", "3.6.1")
    assert listing.returncode == 0 and "cuda" in listing.stdout and "opencl-image" in listing.stdout
    cuda = run("targets", "--backend", "cuda", "--mnn-version", "3.6.1", "--profile", "llm")
    assert "Attention" in cuda.stdout
    plain = run("targets", "--backend", "cuda", "--mnn-version", "3.6.1", "--profile", "default")
    assert "Attention" not in plain.stdout


def test_version_is_fast() -> None:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", "from mnnlint.cli import main; main(['--version'])"],
                          capture_output=True, text=True)
    assert proc.stdout.startswith("mnnlint ") and time.perf_counter() - start < 2.0
    imported = subprocess.run(
        [sys.executable, "-c", "import sys; from mnnlint.cli import main; main(['--version']); "
         "print(sorted(m for m in ('networkx', 'rich', 'flatbuffers') if m in sys.modules))"],
        capture_output=True, text=True).stdout
    assert imported.strip().endswith("[]")


def test_default_target_comes_from_the_llm_config() -> None:
    proc = run(str(MODELS / "llm"), "--output-format", "json")
    assert {c["target"] for c in json.loads(proc.stdout)["checked"]} == {"cpu"}


def test_output_file(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    proc = run(str(EXAMPLE), "-t", "cuda", "--mnn-version", "3.2.0", "--format", "json", "-o", str(out))
    assert proc.returncode == 1 and proc.stdout == ""
    assert json.loads(out.read_text())["diagnostics"][0]["code"] == "B002"
