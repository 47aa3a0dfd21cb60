"""The command line as a user meets it: exit codes, formats, docs, targets."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
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


# --- conventions (issue 10) ----------------------------------------------------------


def run_in(cwd: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 120,
           ) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("MNNLINT_OUTPUT_FORMAT", "GITHUB_STEP_SUMMARY")}
    return subprocess.run([sys.executable, "-m", "mnnlint", *args], capture_output=True, text=True, timeout=timeout,
                          cwd=cwd, env={**base, "NO_COLOR": "1", **(env or {})})


CUDA_320 = ("-t", "cuda", "--mnn-version", "3.2.0")


def test_verbose_names_the_config_file_a_parent_folder_supplied(tmp_path: Path) -> None:
    (tmp_path / "mnnlint.toml").write_text('mnn-version = "3.2.0"\n')
    sub = tmp_path / "deep" / "er"
    sub.mkdir(parents=True)
    text = run_in(sub, str(EXAMPLE), "-t", "cuda", "-v")
    assert f"config file: {tmp_path / 'mnnlint.toml'}" in " ".join(text.stdout.split())
    as_json = run_in(sub, str(EXAMPLE), "-t", "cuda", "-v", "--format", "json")
    assert f"config file: {tmp_path / 'mnnlint.toml'}" in as_json.stderr
    assert json.loads(as_json.stdout)["checked"][0]["release"] == "3.2.0"


def test_the_build_options_a_profile_sets_are_named() -> None:
    proc = run(str(EXAMPLE), *CUDA_320, "--isolated")
    header = proc.stdout.split("\n\n")[0].replace("\n    ", " ")
    assert "build profile llm: MNN_BUILD_LLM=ON, MNN_LOW_MEMORY=ON, MNN_SUPPORT_TRANSFORMER_FUSE=ON" in header


def test_quiet_prints_findings_and_the_summary_only(tmp_path: Path) -> None:
    loud = run_in(tmp_path, str(EXAMPLE), *CUDA_320, "--isolated")
    quiet = run_in(tmp_path, str(EXAMPLE), *CUDA_320, "--isolated", "-q")
    assert quiet.returncode == loud.returncode == 1
    assert "B002" in quiet.stdout and quiet.stdout.strip().splitlines()[-1].startswith("Found 1 error")
    assert "build profile llm:" in loud.stdout and "build profile llm:" not in quiet.stdout
    assert quiet.stderr == ""


def test_misspelled_build_option_is_refused_naming_the_known_ones(tmp_path: Path) -> None:
    proc = run_in(tmp_path, str(EXAMPLE), "--isolated", "--build-option", "MNN_SUPORT_TRANSFORMER_FUSE=ON")
    assert proc.returncode == 2 and proc.stdout == ""
    (line,) = proc.stderr.strip().splitlines()
    assert "--build-option" in line and "'MNN_SUPORT_TRANSFORMER_FUSE'" in line
    assert "did you mean MNN_SUPPORT_TRANSFORMER_FUSE?" in line and "MNN_CUDA," in line
    assert run_in(tmp_path, str(EXAMPLE), "--isolated", "--build-option", "MNN_CUDA=ON").returncode == 0


def test_a_folder_without_models_warns(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    proc = run_in(tmp_path, "empty", "--isolated")
    assert proc.returncode == 0
    assert "warning: no MNN models" in proc.stderr and "empty" in proc.stderr


def test_an_input_error_is_printed_once(tmp_path: Path) -> None:
    """At a terminal the report names the bad file once; with stdout piped or a file it is also on stderr."""
    import pty

    (tmp_path / "bad.mnn").write_bytes(b"")
    args = [sys.executable, "-m", "mnnlint", "bad.mnn", str(EXAMPLE), *CUDA_320, "--isolated"]
    env = {k: v for k, v in os.environ.items() if k != "MNNLINT_OUTPUT_FORMAT"}
    controller, terminal = pty.openpty()
    proc = subprocess.Popen(args, cwd=tmp_path, stdout=terminal, stderr=terminal, env={**env, "NO_COLOR": "1"})
    os.close(terminal)
    seen = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    os.close(controller)
    assert proc.wait(timeout=120) == 2
    assert seen.decode().count("bad.mnn: empty file") == 1 and "1 file could not be read" in seen.decode()
    piped = run_in(tmp_path, "bad.mnn", str(EXAMPLE), *CUDA_320, "--isolated", "--format", "json")
    assert piped.returncode == 2 and piped.stderr.count("bad.mnn: empty file") == 1
    assert json.loads(piped.stdout)["input_errors"][0].startswith("bad.mnn: empty file")


def test_output_file_creates_its_folder(tmp_path: Path) -> None:
    out = tmp_path / "reports" / "ci" / "mnnlint.json"
    proc = run_in(tmp_path, str(EXAMPLE), *CUDA_320, "--isolated", "--format", "json", "-o", str(out))
    assert proc.returncode == 1 and json.loads(out.read_text())["diagnostics"][0]["code"] == "B002"


def test_baseline_says_what_it_hid(tmp_path: Path) -> None:
    base = ("models", *CUDA_320, "--isolated")
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "m.mnn").write_bytes(EXAMPLE.read_bytes())
    assert run_in(tmp_path, *base, "--write-baseline", "b.json").returncode == 0
    text = run_in(tmp_path, *base, "--baseline", "b.json")
    assert text.returncode == 0 and "1 finding hidden by the baseline" in text.stdout
    concise = run_in(tmp_path, *base, "--baseline", "b.json", "--format", "concise")
    assert "the baseline b.json hid 1 known finding(s)" in concise.stderr


def test_every_flag_has_help_and_help_agrees_with_the_readme_and_tables() -> None:
    from mnnlint.capabilities import Capabilities
    from mnnlint.cli import check_parser

    parser = check_parser()
    missing = [a.option_strings or a.dest for a in parser._actions if not a.help]
    assert not missing
    help_text = " ".join(parser.format_help().split())
    readme = " ".join((Path(__file__).resolve().parents[1] / "README.md").read_text().split())
    table = Capabilities().release(Capabilities().latest)
    defaults = table.build("default", {})
    for profile in ("llm", "build-llm"):
        sets = sorted(k for k, v in table.build(profile, {}).items() if defaults.get(k) != v and v)
        assert sets, profile
        for option in sets:
            assert option in help_text, (profile, option)
    assert "MNN_BUILD_LLM, MNN_LOW_MEMORY and MNN_SUPPORT_TRANSFORMER_FUSE ON" in help_text
    assert "`MNN_BUILD_LLM`, `MNN_LOW_MEMORY`, `MNN_SUPPORT_TRANSFORMER_FUSE` ON" in readme
    assert "build-llm (MNN_BUILD_LLM=ON alone)" in help_text and "`build-llm` (`MNN_BUILD_LLM=ON` alone)" in readme


def test_library_exports_and_severity_order() -> None:
    from mnnlint import Diagnostic, InputError, MnnlintError, Severity, lint

    assert Severity.INFO < Severity.WARNING < Severity.ERROR and issubclass(InputError, MnnlintError)
    found = lint(EXAMPLE, targets="cuda", mnn_version="3.2.0")
    assert all(isinstance(d, Diagnostic) for d in found)
    assert [d.code for d in found if d.severity >= Severity.WARNING] == ["B002"]


def test_readme_snippets_use_the_release_tag() -> None:
    import mnnlint

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    refs = re.findall(r"rev: (\S+)", readme) + re.findall(r"uses: OWNER/mnnlint@(\S+)", readme)
    assert refs and set(refs) == {f"v{mnnlint.__version__}"}


@pytest.mark.parametrize("value", ["1e-5", "nan", "inf", "-1", "abc", "1e9"])
def test_bad_timeout_is_one_line_exit_2(value: str, tmp_path: Path) -> None:
    proc = run_in(tmp_path, str(EXAMPLE), "--isolated", "--timeout-per-file", value)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert "--timeout-per-file" in line


def test_a_closed_pipe_keeps_the_findings_exit_code(tmp_path: Path) -> None:
    models = tmp_path / "models"
    models.mkdir()
    for i in range(120):
        (models / f"m{i:03d}.mnn").write_bytes(EXAMPLE.read_bytes())
    env = {k: v for k, v in os.environ.items() if k != "MNNLINT_OUTPUT_FORMAT"}
    proc = subprocess.Popen([sys.executable, "-m", "mnnlint", "models", *CUDA_320, "--isolated"], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()  # what `| head -1` does
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 1, err
    assert "Traceback" not in err and "Exception ignored" not in err


def test_ctrl_c_exits_130_without_a_traceback(tmp_path: Path) -> None:
    import signal

    models = tmp_path / "models"
    models.mkdir()
    for i in range(60):
        (models / f"m{i:03d}.mnn").write_bytes(EXAMPLE.read_bytes())
    env = {k: v for k, v in os.environ.items() if k != "MNNLINT_OUTPUT_FORMAT"}
    proc = subprocess.Popen([sys.executable, "-m", "mnnlint", "models", "-t", "cuda,opencl", "--mnn-version", "all",
                             "--isolated"], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=env, text=True)
    time.sleep(1.5)  # well into the run: past the interpreter's own start-up
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Traceback" not in err, err


# --- the files a run writes (issue 11) -------------------------------------------------


def test_report_is_never_written_over_an_input_or_a_model(tmp_path: Path) -> None:
    model = tmp_path / "m.mnn"
    model.write_bytes(EXAMPLE.read_bytes())
    (tmp_path / "mnnlint.toml").write_text('target = "cuda"\n')
    (tmp_path / "llm").mkdir()
    for target, fragment in (("m.mnn", "over a model file"), ("new.mnn", "over a model file"),
                             ("m.mnn.weight", "over a model file"), ("mnnlint.toml", "over an input"),
                             ("./m.mnn", "over a model file")):
        proc = run_in(tmp_path, "m.mnn", "-o", target)
        assert proc.returncode == 2 and fragment in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    link = tmp_path / "report.txt"
    link.symlink_to(model)  # a harmless name for the model itself
    proc = run_in(tmp_path, "m.mnn", "-o", "report.txt")
    assert proc.returncode == 2 and "over an input" in proc.stderr
    assert model.read_bytes() == EXAMPLE.read_bytes() and not (tmp_path / "new.mnn").exists()


def test_unwritable_report_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    for target in ("folder", "/proc/version/x.json"):
        proc = run_in(tmp_path, str(EXAMPLE), "--isolated", "-o", target)
        assert proc.returncode == 2 and "internal error" not in proc.stderr, proc.stderr
        (line,) = proc.stderr.strip().splitlines()
        assert target in line and "cannot write the report" in line


def test_step_summary_that_is_a_fifo_does_not_block(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "summary")
    proc = run_in(tmp_path, str(EXAMPLE), *CUDA_320, "--isolated", "--format", "github",
                  env={"GITHUB_STEP_SUMMARY": str(tmp_path / "summary")}, timeout=60)
    assert proc.returncode == 1  # the findings' verdict stands
    assert "::error" in proc.stdout and "GITHUB_STEP_SUMMARY" in proc.stderr and "Traceback" not in proc.stderr
    (tmp_path / "summary.md").write_text("earlier step\n")
    proc = run_in(tmp_path, str(EXAMPLE), *CUDA_320, "--isolated", "--format", "github",
                  env={"GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")})
    summary = (tmp_path / "summary.md").read_text()
    assert proc.returncode == 1 and summary.startswith("earlier step\n") and "B002" in summary


def test_the_time_limit_covers_policy_and_the_report_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """Everything per file runs under its limit: a slow glob match gives up like a slow read, and a
    file whose findings would make an enormous report is refused inside the limit, before rendering."""
    from mnnlint import cli, policy, run

    def slow(self: object, diagnostics: object, profile: object) -> list[object]:
        time.sleep(3)
        return []

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(policy.Policy, "apply", slow)
    code = cli.main([str(EXAMPLE), *CUDA_320, "--isolated", "--timeout-per-file", "0.5"])
    assert code == 2 and "gave up after 0.5 s" in capsys.readouterr().out  # the report carries input errors
    monkeypatch.undo()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(run, "MAX_REPORT_BYTES_PER_FILE", 200)
    code = cli.main([str(EXAMPLE), *CUDA_320, "--isolated", "--format", "json"])
    out = capsys.readouterr().out
    assert code == 2 and "findings would make a report of about" in json.loads(out)["input_errors"][0]
    assert json.loads(out)["diagnostics"] == []


def test_a_check_imports_only_what_it_needs(tmp_path: Path) -> None:
    """Start-up is most of a check's time: these modules cost milliseconds each to import
    (dataclasses brings inspect, ast and dis) and a plain check needs none of them."""
    heavy = ("dataclasses", "inspect", "importlib.metadata", "importlib.resources", "tomllib", "networkx", "rich",
             "hashlib", "email", "zipfile")
    probe = ("import sys\nfrom mnnlint.cli import main\ntry:\n    main([sys.argv[1], '-t', 'cuda', '-q'])\n"
             f"except SystemExit:\n    pass\nprint([m for m in {heavy!r} if m in sys.modules])\n")
    proc = subprocess.run([sys.executable, "-c", probe, str(EXAMPLE)], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path, env={**os.environ, "NO_COLOR": "1"})
    assert proc.stdout.strip().splitlines()[-1] == "[]", proc.stdout + proc.stderr
