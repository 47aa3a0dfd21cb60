"""Suppressions and path globs, end to end on converter-made models."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import MODELS

from mnnlint.policy import path_matches, severity_for

FUSED = MODELS / "transformer_fused.mnn"  # B002 Attention on cuda at 3.2.0
POOL = MODELS / "pool_nostride.mnn"  # one P001 finding grouping ops 'maxpool' and 'avgpool'
CNN = MODELS / "cnn.mnn"  # clean on cuda


def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "MNNLINT_OUTPUT_FORMAT"}
    return subprocess.run([sys.executable, "-m", "mnnlint", *map(str, args), "--format", "json"],
                          capture_output=True, text=True, timeout=120, cwd=cwd, env={**env, "NO_COLOR": "1"})


def found(proc: subprocess.CompletedProcess[str]) -> list[tuple[str, str, str]]:
    assert proc.stdout.startswith("{"), proc.stderr
    return [(d["code"], Path(d["file"]).name, d["message"]) for d in json.loads(proc.stdout)["diagnostics"]]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    models = tmp_path / "models"
    models.mkdir()
    for src in (FUSED, POOL, CNN):
        shutil.copy(src, models / src.name)
    return tmp_path


def write(project: Path, body: str, head: str = 'target = "cuda"\nmnn-version = "3.2.0"\n') -> None:
    text = re.sub(r"^\[(\[?)", r"[\1tool.mnnlint.", head + body, flags=re.MULTILINE)
    (project / "pyproject.toml").write_text("[tool.mnnlint]\n" + text)


def test_suppression_hides_the_finding_it_names(project: Path) -> None:
    write(project, "")
    assert run("models/transformer_fused.mnn", cwd=project).returncode == 1
    write(project, '[[suppress]]\nrule = "B002"\npath = "models/transformer_fused.mnn"\nop-type = "Attention"\n'
                   'op-name = "Attention*"\nreason = "our CUDA build has MNN_SUPPORT_TRANSFORMER_FUSE=ON"\n')
    proc = run("models/transformer_fused.mnn", cwd=project)
    assert proc.returncode == 0 and found(proc) == []


def test_suppression_with_other_op_name_or_rule_hides_nothing(project: Path) -> None:
    for detail in ('op-name = "attn_other"', 'op-type = "Convolution"', 'target = "opencl"'):
        write(project, f'[[suppress]]\nrule = "B002"\npath = "models/*.mnn"\n{detail}\nreason = "r"\n')
        proc = run("models/transformer_fused.mnn", cwd=project)
        assert proc.returncode == 1, detail
        if detail.startswith("target"):  # opencl was not checked: the suppression is out of this run's scope
            assert [f[0] for f in found(proc)] == ["B002"]
        else:
            assert sorted(f[0] for f in found(proc)) == ["B002", "M001"], detail


def test_grouped_finding_is_hidden_only_when_every_op_is_covered(project: Path) -> None:
    write(project, '[[suppress]]\nrule = "P001"\npath = "pool_nostride.mnn"\nop-name = "maxpool"\nreason = "r"\n')
    partial = found(run("models/pool_nostride.mnn", cwd=project))
    assert sorted(f[0] for f in partial) == ["M001", "P001"]
    write(project, '[[suppress]]\nrule = "P001"\npath = "pool_nostride.mnn"\nop-name = "*pool"\nreason = "r"\n')
    assert found(run("models/pool_nostride.mnn", cwd=project)) == []


def test_suppression_for_a_model_not_in_this_run_is_not_reported(project: Path) -> None:
    """pre-commit passes only the changed files: other models' suppressions must stay quiet."""
    write(project, '[[suppress]]\nrule = "B002"\npath = "models/transformer_fused.mnn"\nreason = "r"\n')
    proc = run("models/cnn.mnn", cwd=project)
    assert proc.returncode == 0 and found(proc) == []
    proc = run("models/cnn.mnn", "--select", "P", cwd=project)  # nor one whose rule did not run
    assert found(proc) == []


def test_unmatched_suppression_is_reported_and_can_fail_the_run(project: Path) -> None:
    write(project, '[[suppress]]\nrule = "B002"\npath = "models/cnn.mnn"\nreason = "old export had Attention"\n')
    proc = run("models", cwd=project)
    (unused,) = [f for f in found(proc) if f[0] == "M001"]
    assert unused[1] == "cnn.mnn" and "suppression #1 in" in unused[2] and "pyproject.toml" in unused[2]
    assert "matched no finding" in unused[2]
    assert proc.returncode == 1  # from the B002 and P001 of the other models
    assert run("models/cnn.mnn", cwd=project).returncode == 0  # M001 is a warning
    assert run("models/cnn.mnn", "--fail-on", "warning", cwd=project).returncode == 1
    write(project, '[[suppress]]\nrule = "B002"\npath = "models/cnn.mnn"\nreason = "r"\n',
          head='target = "cuda"\nmnn-version = "3.2.0"\n[severity]\nM001 = "error"\n')
    assert run("models/cnn.mnn", cwd=project).returncode == 1
    assert found(run("models/cnn.mnn", "--ignore", "M001", cwd=project)) == []


def test_expired_suppression_reports_both_finding_and_itself(project: Path) -> None:
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    write(project, f'[[suppress]]\nrule = "B002"\npath = "**/*.mnn"\nreason = "r"\nuntil = {tomorrow}\n')
    assert run("models/transformer_fused.mnn", cwd=project).returncode == 0
    write(project, f'[[suppress]]\nrule = "B002"\npath = "**/*.mnn"\nreason = "r"\nuntil = "{yesterday}"\n')
    proc = run("models/transformer_fused.mnn", cwd=project)
    assert proc.returncode == 1
    assert [(f[0], f[1]) for f in found(proc)] == [("B002", "transformer_fused.mnn"),
                                                   ("M001", "transformer_fused.mnn")]
    assert f"expired on {yesterday}" in found(proc)[1][2]


def test_release_bound_suppression_holds_for_older_releases_only(project: Path) -> None:
    write(project, '[[suppress]]\nrule = "B002"\npath = "models/transformer_fused.mnn"\nreason = "r"\n'
                   'until = "3.2.0"\n', head='target = "cuda"\nprofile = "default"\n')
    # In the default build CUDA lacks Attention in every 3.1/3.2 release; the suppression covers 3.1.x only.
    proc = run("models/transformer_fused.mnn", "--mnn-version", ">=3.1.4,<3.2.1", cwd=project)
    data = json.loads(proc.stdout)["diagnostics"]
    assert {(d["code"], d["release"]) for d in data} == {("B002", "3.2.0"), ("M001", "3.2.0")}
    assert run("models/transformer_fused.mnn", "--mnn-version", "3.1", cwd=project).returncode == 0


def test_policy_follows_the_config_file_not_the_working_folder(project: Path) -> None:
    write(project, '[per-file-ignores]\n"models/transformer_fused.mnn" = ["B002"]\n')
    sub = project / "models"
    assert run("transformer_fused.mnn", cwd=sub).returncode == 0  # config found upwards, globs from its folder


@pytest.mark.parametrize(("pattern", "path", "hit"), [
    ("*.mnn", "a.mnn", True),
    ("*.mnn", "deep/er/a.mnn", True),  # no slash: any depth
    ("models/*.mnn", "models/a.mnn", True),
    ("models/*.mnn", "models/x/a.mnn", False),  # * stays in one folder
    ("models/**/*.mnn", "models/x/y/a.mnn", True),
    ("models/**/*.mnn", "models/a.mnn", True),
    ("models", "models/x/a.mnn", True),  # a folder covers what is below it
    ("models/", "models/a.mnn", True),
    ("models", "other/models.mnn", False),
    ("./models/a?.mnn", "models/ab.mnn", True),
    ("a[0-9].mnn", "a7.mnn", True),
    ("a[!0-9].mnn", "a7.mnn", False),
    ("llm.mnn", "/abs/path/llm.mnn", True),
])
def test_globs(pattern: str, path: str, hit: bool) -> None:
    assert path_matches(pattern, path) is hit


def test_most_specific_severity_override_wins() -> None:
    from mnnlint.diagnostics import Severity

    overrides = {"B": Severity.INFO, "B002": Severity.ERROR, "ALL": Severity.WARNING}
    assert severity_for("B002", overrides) is Severity.ERROR
    assert severity_for("B001", overrides) is Severity.INFO
    assert severity_for("P001", overrides) is Severity.WARNING
    assert severity_for("P001", {}) is None
