"""The GitHub Action, run the way the runner runs a composite action's step.

The runner sets GITHUB_ACTION_PATH to the action's checkout, GITHUB_OUTPUT and
GITHUB_STEP_SUMMARY to files it reads afterwards, maps `inputs.*` into the step's `env:`,
and runs the step's `run:` with bash. The test does the same with temporary files, on a
copy of this checkout, offline: the action's virtualenv sees the packages of the
environment running the tests through a `.pth` file (not the base interpreter's, which
lack mnnlint's dependencies in a fresh venv), and pip may not reach an index.
`action.yml` is checked structurally here: no workflow linter installs from PyPI or
Debian without downloading a binary at install time.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml
from conftest import copy_installable, see_this_environment

REPO = Path(__file__).resolve().parent.parent
MODELS = REPO / "tests" / "fixtures" / "models"

pytestmark = pytest.mark.slow


def assert_valid_sarif(doc: dict) -> None:
    """Against the official schema kept in tests/report (see the README there)."""
    schema = json.loads((REPO / "tests" / "report" / "sarif-schema-2.1.0.json").read_text())
    errors = list(jsonschema.validators.validator_for(schema)(schema).iter_errors(doc))
    assert not errors, [e.message[:200] for e in errors[:5]]


def action() -> dict:
    return yaml.safe_load((REPO / "action.yml").read_text())


def test_action_metadata() -> None:
    meta = action()
    assert {"name", "description", "inputs", "runs"} <= set(meta)
    assert meta["runs"]["using"] == "composite"
    assert set(meta["inputs"]) == {"paths", "targets", "mnn-version", "args", "version", "sarif-file",
                                   "step-summary", "python"}
    for name, spec in meta["inputs"].items():
        assert spec.get("description"), name
        assert isinstance(spec.get("default", ""), str), name  # action inputs are strings
    (step,) = meta["runs"]["steps"]
    assert step["shell"] == "bash"  # composite run steps must name their shell
    # inputs reach the script only through env, so no input can become shell code
    assert "${{" not in step["run"]
    used = set(re.findall(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", yaml.safe_dump(meta)))
    assert used == set(meta["inputs"])
    for name, out in meta["outputs"].items():
        assert out["value"] == f"${{{{ steps.{step['id']}.outputs.{name} }}}}"
    assert (REPO / step["run"].split('"$GITHUB_ACTION_PATH/')[1].rstrip('"')).is_file()


@pytest.fixture(scope="module")
def action_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The action as the runner would check it out: the repository at a ref."""
    dest = tmp_path_factory.mktemp("action") / "mnnlint"
    dest.mkdir()
    return copy_installable(dest, ("action.yml", "action"))


def run_step(
    action_path: Path, workspace: Path, inputs: dict[str, str],
) -> tuple[subprocess.CompletedProcess[str], dict]:
    meta = action()
    runner_temp = workspace.parent / "runner_temp"
    if not runner_temp.exists():
        runner_temp.mkdir()
        # Offline, the venv the script would make has a setuptools too old to build a wheel
        # (stdlib venv seeds 65.x); virtualenv seeds a current one from its own wheels. The
        # script reuses a virtualenv it finds at its path.
        venv = runner_temp / "mnnlint-action-venv"
        subprocess.run([sys.executable, "-m", "virtualenv", "-q", str(venv)], check=True, timeout=300)
        (site_packages,) = venv.glob("lib/python*/site-packages")
        see_this_environment(site_packages)
    files = {k: workspace.parent / f"{k}.txt" for k in ("output", "summary")}
    for f in files.values():
        f.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "GITHUB_", "INPUT_"))}
    env.update(
        GITHUB_ACTIONS="true", GITHUB_ACTION_PATH=str(action_path), GITHUB_WORKSPACE=str(workspace),
        GITHUB_OUTPUT=str(files["output"]), GITHUB_STEP_SUMMARY=str(files["summary"]),
        RUNNER_TEMP=str(runner_temp), NO_COLOR="1",
        MNNLINT_ACTION_PIP_ARGS="--no-index --no-build-isolation",
        PIP_NO_INDEX="1",
    )
    # `with:` over defaults, mapped into env as the step's `env:` block says
    given = {name: inputs.get(name, spec.get("default", "")) for name, spec in meta["inputs"].items()}
    (step,) = meta["runs"]["steps"]
    for var, expr in step["env"].items():
        name = re.fullmatch(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", expr).group(1)
        env[var] = given[name]
    proc = subprocess.run(["bash", "-c", step["run"]], cwd=workspace, env=env, text=True,
                          capture_output=True, timeout=900)
    outputs = dict(line.split("=", 1) for line in files["output"].read_text().splitlines() if "=" in line)
    return proc, {"outputs": outputs, "summary": files["summary"].read_text()}


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "workspace"
    (ws / "models").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(ws)], check=True)
    shutil.copy(MODELS / "transformer_fused.mnn", ws / "models" / "qwen.mnn")
    shutil.copy(MODELS / "cnn.mnn", ws / "models" / "cnn.mnn")
    return ws


def test_action_annotates_summarises_and_fails(action_path: Path, workspace: Path) -> None:
    proc, got = run_step(action_path, workspace, {"paths": "models", "targets": "cuda", "mnn-version": "3.2.0",
                                                  "sarif-file": "reports/mnnlint.sarif"})
    assert "mnnlint 0.1.0" in proc.stdout, proc.stdout + proc.stderr  # installed; a pip failure is exit 2
    assert proc.returncode == 1, proc.stdout + proc.stderr  # mnnlint's exit code, passed through
    assert got["outputs"] == {"exit-code": "1", "sarif-file": "reports/mnnlint.sarif"}
    errors = [line for line in proc.stdout.splitlines() if line.startswith("::error ")]
    assert len(errors) == 1
    assert errors[0].startswith("::error file=models/qwen.mnn,line=1,title=B002 fused-op-unsupported (cuda)::")
    row = "| error | <code>B002</code> fused-op-unsupported | <code>models/qwen.mnn</code> | cuda | MNN 3.2.0 |"
    assert row in got["summary"]
    assert got["summary"].count("## mnnlint") == 1  # the SARIF run does not append a second one
    sarif = json.loads((workspace / "reports" / "mnnlint.sarif").read_text())
    assert_valid_sarif(sarif)
    (run,) = sarif["runs"]
    assert run["automationDetails"]["id"] == "mnnlint/cuda/"
    (result,) = run["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "models/qwen.mnn"


def test_action_clean_model_and_no_summary(action_path: Path, workspace: Path) -> None:
    proc, got = run_step(action_path, workspace, {"paths": "models/cnn.mnn", "targets": "cuda",
                                                  "mnn-version": "3.2.0", "step-summary": "false",
                                                  "args": "--fail-on warning"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert got["outputs"]["exit-code"] == "0"
    assert got["summary"] == ""
    assert not [line for line in proc.stdout.splitlines() if line.startswith(("::error", "::warning"))]
    sarif = json.loads((workspace / "mnnlint.sarif").read_text())  # the default sarif-file
    assert_valid_sarif(sarif)
    assert sarif["runs"][0]["results"] == []


def test_action_usage_error_is_exit_2(action_path: Path, workspace: Path) -> None:
    proc, got = run_step(action_path, workspace, {"paths": "models", "targets": "no-such-backend", "sarif-file": ""})
    assert proc.returncode == 2
    assert got["outputs"] == {"exit-code": "2", "sarif-file": ""}
    assert not (workspace / "mnnlint.sarif").exists()


def test_action_install_failure_is_exit_2(action_path: Path, workspace: Path) -> None:
    """pip cannot install the requested version offline: exit 2 with one clear annotation, not 1 ("findings")."""
    proc, got = run_step(action_path, workspace, {"paths": "models", "version": "999.0.0"})
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "::error title=mnnlint::could not install mnnlint==999.0.0" in proc.stdout
    assert got["outputs"]["exit-code"] == "2"
