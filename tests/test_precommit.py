"""The pre-commit hook, run by the real `pre-commit` in a scratch git repository.

`pre-commit try-repo` installs the hook from this checkout (uncommitted changes
included) into its own virtualenv, the way a user's `repo:` entry would. No network:
the hook's virtualenv sees the site-packages of the environment running the tests
(through a `sitecustomize` on PYTHONPATH, appended after its own; never the base
interpreter's, which in a fresh venv lacks mnnlint's dependencies), pip may not reach an
index, and the package is built with the setuptools the virtualenv was seeded with
(virtualenv's embedded wheels).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import copy_installable, sitecustomize_dir

REPO = Path(__file__).resolve().parent.parent
MODELS = REPO / "tests" / "fixtures" / "models"
ARGS = ["--target", "cuda", "--mnn-version", "3.2.0"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("git") is None, reason="needs git"),
]


def offline_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PIP_", "VIRTUALENV_", "GIT_", "PRE_COMMIT", "PYTHONPATH"))}
    env.update(
        PRE_COMMIT_HOME=str(home / "cache"),  # a fresh hook install, not one cached by an earlier run
        PYTHONPATH=str(sitecustomize_dir(home / "outer-env")),  # dependencies come from this environment
        VIRTUALENV_NO_PERIODIC_UPDATE="true",
        PIP_NO_INDEX="1",  # never an index, local or remote
        PIP_FIND_LINKS="",
        PIP_NO_BUILD_ISOLATION="false",  # pip's spelling for "do not isolate": build with the seeded setuptools
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.invalid",
        GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.invalid",
        NO_COLOR="1",
    )
    return env


def git(repo: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo, env=env, text=True, capture_output=True, check=True)


def try_repo(repo: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`pre-commit try-repo CHECKOUT mnnlint` on the staged files (the hook's own default args)."""
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(_checkout_rev(env)[0]), "mnnlint",
         "--verbose", "--color", "never"],
        cwd=repo, env=env, text=True, capture_output=True, timeout=600,
    )


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    pytest.importorskip("pre_commit")
    home = tmp_path_factory.mktemp("precommit")
    repo = home / "repo"
    repo.mkdir()
    env = offline_env(home)
    git(repo, "init", "-q", "-b", "main", env=env)
    return repo, env


def test_hook_manifest() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    (hook,) = hooks
    assert hook["id"] == "mnnlint" and hook["entry"] == "mnnlint" and hook["language"] == "python"
    assert hook["types"] == ["file"] and hook["require_serial"] is True
    from pre_commit.clientlib import MANIFEST_HOOK_DICT, load_manifest

    load_manifest(REPO / ".pre-commit-hooks.yaml")  # pre-commit's own schema check; raises when invalid
    assert MANIFEST_HOOK_DICT is not None


def test_fused_model_refused_clean_passes_other_files_skipped(scratch: tuple[Path, dict[str, str]]) -> None:
    repo, env = scratch
    # try-repo cannot be given args; a config with a local-path `repo:` entry can, as a user writes it.
    shutil.copy(MODELS / "transformer_fused.mnn", repo / "qwen.mnn")
    shutil.copy(MODELS / "cnn.mnn", repo / "cnn.mnn")
    (repo / "notes.txt").write_text("not a model\n")
    rev = _checkout_rev(env)
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump({"repos": [{
        "repo": str(rev[0]), "rev": rev[1],
        "hooks": [{"id": "mnnlint", "args": ARGS}],
    }]}))
    git(repo, "add", ".pre-commit-config.yaml", "notes.txt", "cnn.mnn", env=env)
    run = [sys.executable, "-m", "pre_commit", "run", "--color", "never", "--verbose"]

    clean = subprocess.run(run, cwd=repo, env=env, text=True, capture_output=True, timeout=900)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "mnnlint" in clean.stdout and "Passed" in clean.stdout
    assert "1 model on cuda, against MNN 3.2.0" in clean.stdout  # the hook ran on the one model ...
    assert "notes.txt" not in clean.stdout  # ... and was not handed the text file

    git(repo, "add", "qwen.mnn", env=env)
    hook = subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=repo, env=env,
                          text=True, capture_output=True, check=True)
    assert hook.returncode == 0
    commit = subprocess.run(["git", "commit", "-m", "add models"], cwd=repo, env=env, text=True,
                            capture_output=True, timeout=900)
    out = commit.stdout + commit.stderr
    assert commit.returncode != 0, out  # refused
    assert "Failed" in out and "B002" in out and "qwen.mnn" in out
    assert "Attention" in out and "3.2.1" in out  # the fix names the release that has it
    assert git(repo, "rev-list", "--all", env=env).stdout == ""  # nothing was committed


def test_try_repo_runs_the_uncommitted_checkout(scratch: tuple[Path, dict[str, str]]) -> None:
    """`try-repo`, as a user first tries a hook: without args mnnlint checks for the CPU."""
    repo, env = scratch
    sub = repo.parent / "try"
    sub.mkdir(exist_ok=True)
    git(sub, "init", "-q", "-b", "main", env=env)
    shutil.copy(MODELS / "cnn.mnn", sub / "cnn.mnn")
    git(sub, "add", "cnn.mnn", env=env)
    result = try_repo(sub, env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 model on cpu" in result.stdout and "no findings in 1 model" in result.stdout


def _checkout_rev(env: dict[str, str]) -> tuple[Path, str]:
    """A git repo and commit holding this checkout's files as they are now (uncommitted work included).

    `repo:` entries need a commit, and try-repo sees tracked files only; a copy of the
    files a pip install reads, committed, gives both the checkout as it is.
    """
    snap = Path(env["PRE_COMMIT_HOME"]).parent / "checkout"
    if not snap.exists():
        copy_installable(snap, (".pre-commit-hooks.yaml",))
        git(snap, "init", "-q", "-b", "main", env=env)
        git(snap, "add", "-A", env=env)
        git(snap, "commit", "-q", "-m", "snapshot", env=env)
    return snap, git(snap, "rev-parse", "HEAD", env=env).stdout.strip()
