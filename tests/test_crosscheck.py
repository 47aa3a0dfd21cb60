"""`mnnlint crosscheck` against the real pip MNN 3.6.1 CPU runtime, on real converter output.

Every committed fixture (and the sweep's CI subset, tests/fixtures/crosscheck/) runs on
the runtime in a child process; mnnlint's verdict for the observed release and build
must agree with what the runtime did. pool_nostride.mnn kills the runtime with SIGFPE:
the cross-check must outlive it and still call it agreed (P001).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import FIXTURES, MODELS, fixture_models

from mnnlint.crosscheck.compare import compare
from mnnlint.crosscheck.probe import Observation, _split, run_batch
from mnnlint.diagnostics import Diagnostic, OpRef, Severity

pytest.importorskip("MNN")

SUBSET = sorted((FIXTURES / "crosscheck").glob("*.mnn"))


def crosscheck(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mnnlint", "crosscheck", *args],
                          capture_output=True, text=True, timeout=600)


def test_every_fixture_agrees_with_the_cpu_runtime() -> None:
    proc = crosscheck("--format", "json", *map(str, fixture_models()), *map(str, SUBSET))
    report = json.loads(proc.stdout)
    disagree = [m for m in report["models"] if not m["agrees"]]
    assert proc.returncode == 0 and not disagree, json.dumps(disagree, indent=1)
    assert report["runtime"]["release"] == "3.6.1"
    # The pip wheel is an llm build: the weightless one-Attention probe ran.
    assert report["runtime"]["build_options"] == {"MNN_SUPPORT_TRANSFORMER_FUSE": True}
    by_name = {Path(m["model"]).name: m for m in report["models"]}
    assert by_name["pool_nostride.mnn"]["runtime"]["signal"] == "SIGFPE"
    assert by_name["pool_nostride.mnn"]["mnnlint"]["fails"]
    assert by_name["custom_op.mnn"]["runtime"]["unsupported"] == ["Extra"]
    assert by_name["control_flow.mnn"]["runtime"]["api"] == "module"  # the session refuses If/While
    assert by_name["cnn.mnn"]["runtime"]["finished"] and by_name["cnn.mnn"]["runtime"]["api"] == "session"


def test_text_table_names_every_model_and_the_runtime() -> None:
    proc = crosscheck(str(MODELS / "pool_nostride.mnn"), str(MODELS / "cnn.mnn"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "MNN 3.6.1" in proc.stdout and "MNN_SUPPORT_TRANSFORMER_FUSE=ON" in proc.stdout
    assert "killed (SIGFPE)" in proc.stdout and "2 of 2 models agree" in proc.stdout


def test_a_killer_model_does_not_take_its_batch_down() -> None:
    models = [MODELS / "pool_nostride.mnn", MODELS / "cnn.mnn", MODELS / "custom_op.mnn"]
    seen = run_batch([str(m) for m in models], per_process=3)
    assert [o.signal for o in seen] == ["SIGFPE", None, None]
    assert seen[1].finished and not seen[2].finished and seen[2].unsupported == {"Extra"}


FAKE_PROBE = textwrap.dedent("""
    import json, sys
    print("@@MNNLINT VERSION 3.6.1")
    for i, path in enumerate(sys.argv[2:]):
        print(f"@@MNNLINT BEGIN {i}")
        if path.endswith("fuse_probe.mnn"):
            print(f"@@MNNLINT END {i} " + json.dumps({"api": "session", "finished": True, "error": None}))
            continue
        print("CUDABackend Don't support type Softmax, prob")
        print("CUDABackend The Creator Don't support type Interp, up")
        print(f"@@MNNLINT END {i} " + json.dumps({"api": "session", "finished": True, "error": None}))
""")


def test_a_refusal_mnnlint_did_not_predict_is_a_disagreement(tmp_path: Path) -> None:
    """Through the probe protocol (the door for a user's own MNN build): exit 1, both ops named."""
    probe = tmp_path / "probe.py"
    probe.write_text(FAKE_PROBE)
    proc = crosscheck("--probe", f"{sys.executable} {probe}", "--format", "json", str(MODELS / "cnn.mnn"))
    assert proc.returncode == 1, proc.stderr
    row = json.loads(proc.stdout)["models"][0]
    assert row["missed"] == ["Interp", "Softmax"]
    assert row["runtime"]["creator_refused"] == ["Interp"] and row["runtime"]["unsupported"] == ["Softmax"]


def test_unreadable_model_is_one_line_and_the_rest_still_runs(tmp_path: Path) -> None:
    bad = tmp_path / "bad.mnn"
    bad.write_bytes(b"\x00" * 16)
    proc = crosscheck(str(bad), str(MODELS / "cnn.mnn"))
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and "bad.mnn" in proc.stderr
    assert "1 of 1 models agree" in proc.stdout


def test_no_runtime_is_one_line_exit_2() -> None:
    proc = crosscheck("--probe", "false", str(MODELS / "cnn.mnn"))
    assert proc.returncode == 2 and "did not start" in proc.stderr and "Traceback" not in proc.stderr


def test_a_hang_ends_as_timeout() -> None:
    seen = _split(["a.mnn"], "@@MNNLINT BEGIN 0\n@@MNNLINT PHASE session\n", -14)
    assert seen[0].signal == "timeout" and seen[0].failed


def _finding(code: str, op_type: str, severity: Severity = Severity.WARNING) -> Diagnostic:
    return Diagnostic(code=code, rule="r", severity=severity, message="m", file="f",
                      op=OpRef(index=1, name="x", type_name=op_type), target="cuda", release="3.6.1", profile="default")


def test_false_alarms_count_only_where_the_runtime_created_every_execution() -> None:
    stopped = Observation("m", shape_errors=("attn",))
    ran = Observation("m", finished=True)
    fallback = _finding("B001", "Attention")
    assert compare("m", ran, [fallback], {}).false_alarms == {"Attention"}
    assert compare("m", stopped, [fallback], {}).false_alarms == frozenset()


def test_backends_that_print_an_op_number_are_named() -> None:
    seen = Observation("m", unsupported=frozenset({"128"}), finished=True)
    assert compare("m", seen, [_finding("B001", "Attention")], {128: "Attention"}).agrees
