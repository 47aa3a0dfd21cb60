"""Third-party rules through the `mnnlint.rules` entry point, and the library API.

A plugin is a real distribution as importlib.metadata sees one: a package plus a
`*.dist-info` folder with `entry_points.txt`, on the child process's sys.path.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import MODELS

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "transformer_fused.mnn"

PLUGIN_RULE = '''
from mnnlint.diagnostics import Severity
from mnnlint.rule import Option, Rule


class TooManyOps(Rule):
    """Model with more ops than the team allows.

    ## What it does
    Counts the ops of the model.

    ## Why is this bad?
    Big graphs are slow to load.

    ## Example
        mnnlint model.mnn

    ## How to fix
    - Split the model.
    """

    code = "{code}"
    name = "too-many-ops-{code}"
    severity = Severity.ERROR
    options = {{"max-ops": Option(int, 1000, "most ops allowed")}}

    def check(self, ctx):
        limit = ctx.options["max-ops"]
        if len(ctx.ops) > limit:
            yield ctx.diagnostic(None, f"{{len(ctx.ops)}} ops, more than {{limit}}", fix="Split the model")


def get_rules():
    return [TooManyOps]
'''


def install_plugin(site: Path, dist: str, code: str) -> None:
    """Lay out an installed distribution `dist` whose entry point yields one rule `code`."""
    package = site / dist
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(PLUGIN_RULE.format(code=code))
    info = site / f"{dist}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[mnnlint.rules]\n{dist} = {dist}:get_rules\n")


def run(*args: str | Path, site: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "MNNLINT_OUTPUT_FORMAT"}
    path = os.pathsep.join(p for p in (str(site), env.get("PYTHONPATH", "")) if p)
    return subprocess.run([sys.executable, "-m", "mnnlint", *map(str, args)], capture_output=True, text=True,
                          timeout=120, cwd=cwd, env={**env, "NO_COLOR": "1", "PYTHONPATH": path})


@pytest.fixture
def site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    install_plugin(site, "demo_rules", "X001")
    return site


def test_plugin_rule_is_listed_and_documented(site: Path, tmp_path: Path) -> None:
    listing = run("rule", "--all", "--format", "json", site=site, cwd=tmp_path)
    records = {r["code"]: r for r in json.loads(listing.stdout)}
    assert "X001" in records and "B002" in records
    assert records["X001"]["options"] == {"max-ops": {"type": "int", "default": 1000, "help": "most ops allowed"}}
    text = run("rule", "X001", site=site, cwd=tmp_path)
    assert text.returncode == 0 and text.stdout.startswith("X001 too-many-ops-X001 · error")
    # without the distribution on the path the rule does not exist
    assert run("rule", "X001", site=tmp_path / "empty", cwd=tmp_path).returncode == 2


def test_plugin_rule_runs_takes_options_and_is_selected_or_ignored(site: Path, tmp_path: Path) -> None:
    args = (EXAMPLE, "-t", "cpu", "--mnn-version", "3.2.0", "--format", "json", "--ignore", "B005")
    assert run(*args, site=site, cwd=tmp_path).returncode == 0  # 1000 ops allowed by default
    (tmp_path / "mnnlint.toml").write_text("[rules.X001]\nmax-ops = 5\n")
    proc = run(*args, site=site, cwd=tmp_path)
    assert proc.returncode == 1
    (diag,) = json.loads(proc.stdout)["diagnostics"]
    assert diag["code"] == "X001" and "more than 5" in diag["message"]
    assert run(*args, "--ignore", "X001", site=site, cwd=tmp_path).returncode == 0
    assert run(*args, "--ignore", "X", site=site, cwd=tmp_path).returncode == 0
    cuda = (EXAMPLE, "-t", "cuda", "--mnn-version", "3.2.0", "--format", "json")
    both = run(*cuda, site=site, cwd=tmp_path)
    assert sorted(d["code"] for d in json.loads(both.stdout)["diagnostics"]) == ["B002", "X001"]
    only = run(*cuda, "--select", "X", site=site, cwd=tmp_path)
    assert [d["code"] for d in json.loads(only.stdout)["diagnostics"]] == ["X001"]
    (tmp_path / "mnnlint.toml").write_text('[rules.X001]\nmax-ops = "5"\n')
    bad = run(*args, site=site, cwd=tmp_path)
    assert bad.returncode == 2 and "'rules.X001.max-ops'" in bad.stderr


def test_plugin_in_an_egg_info_folder_is_found(tmp_path: Path) -> None:
    """importlib.metadata reads `*.egg-info` folders too (setup.py develop, old pips): so must the quick look."""
    site = tmp_path / "site"
    install_plugin(site, "legacy_rules", "Q001")
    (site / "legacy_rules-0.1.dist-info").rename(site / "legacy_rules.egg-info")
    listing = run("rule", "--all", "--format", "json", site=site, cwd=tmp_path)
    assert "Q001" in {r["code"] for r in json.loads(listing.stdout)}


def test_a_check_without_plugins_never_imports_importlib_metadata(tmp_path: Path) -> None:
    """Its import costs more than checking a small model; with no plugin installed it must not happen."""
    probe = ("import sys\nfrom mnnlint.cli import main\ntry:\n    main([sys.argv[1], '-t', 'cpu', '-q'])\n"
             "except SystemExit:\n    pass\nprint('imported' if 'importlib.metadata' in sys.modules else 'skipped')\n")
    env = {**os.environ, "NO_COLOR": "1"}
    plain = subprocess.run([sys.executable, "-c", probe, str(EXAMPLE)], capture_output=True, text=True, timeout=120,
                           cwd=tmp_path, env=env)
    assert plain.stdout.strip().splitlines()[-1] == "skipped", plain.stderr
    site = tmp_path / "site"
    install_plugin(site, "demo_rules", "X001")
    with_plugin = subprocess.run([sys.executable, "-c", probe, str(EXAMPLE)], capture_output=True, text=True,
                                 timeout=120, cwd=tmp_path, env={**env, "PYTHONPATH": str(site)})
    assert with_plugin.stdout.strip().splitlines()[-1] == "imported", with_plugin.stderr


@pytest.mark.parametrize("code", ["B002", "B777", "M900"])
def test_plugin_cannot_shadow_or_share_builtin_codes(tmp_path: Path, code: str) -> None:
    site = tmp_path / "site"
    install_plugin(site, "clashing_rules", code)
    proc = run(EXAMPLE, "-t", "cuda", site=site, cwd=tmp_path)
    assert proc.returncode == 2
    (line,) = proc.stderr.strip().splitlines()
    assert code in line and "clashing_rules" in line and "mnnlint.rules." in line  # names both sides
    assert run("rule", "--all", site=site, cwd=tmp_path).returncode == 2


def test_two_plugins_claiming_one_code(tmp_path: Path) -> None:
    site = tmp_path / "site"
    install_plugin(site, "first_rules", "Z001")
    install_plugin(site, "second_rules", "Z001")
    proc = run(EXAMPLE, site=site, cwd=tmp_path)
    (line,) = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and "Z001" in line and "first_rules" in line and "second_rules" in line


def test_broken_plugin_is_one_line(tmp_path: Path) -> None:
    site = tmp_path / "site"
    install_plugin(site, "broken_rules", "Y001")
    (site / "broken_rules" / "__init__.py").write_text("raise ImportError('missing dependency')\n")
    proc = run(EXAMPLE, site=site, cwd=tmp_path)
    assert proc.returncode == 2 and "broken_rules" in proc.stderr and "missing dependency" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_library_api_returns_diagnostics() -> None:
    import mnnlint
    from mnnlint.diagnostics import Severity
    from mnnlint.errors import InputError

    (diag,) = mnnlint.lint(EXAMPLE, targets="cuda", mnn_version="3.2.0")
    assert diag.code == "B002" and diag.severity is Severity.ERROR and diag.op and diag.op.type_name == "Attention"
    # Clean only under the assumed LLM build: B005 names MNN_SUPPORT_TRANSFORMER_FUSE (issue 9, defect 8).
    assert [d.code for d in mnnlint.lint(EXAMPLE, targets=["cuda"], mnn_version="3.6.1")] == ["B005"]
    assert mnnlint.lint(EXAMPLE, targets=["cuda"], mnn_version="3.6.1", profile="llm") == []
    assert mnnlint.lint([EXAMPLE], targets="cuda", mnn_version="3.2.0", ignore=["B002"]) == []
    found = mnnlint.lint(MODELS, targets=["opencl"], mnn_version="3.2.0", select=["B002"])
    assert {(Path(d.file).name, d.op.type_name) for d in found if d.op} == {
        ("groupnorm.mnn", "GroupNorm"), ("transformer_fused.mnn", "Attention"), ("llm.mnn", "Attention")}
    with pytest.raises(InputError):
        mnnlint.lint(MODELS / "no-such.mnn", targets="cpu")


def test_library_api_applies_a_named_config(tmp_path: Path) -> None:
    import mnnlint

    config = tmp_path / "mnnlint.toml"
    config.write_text(f'[severity]\nB002 = "info"\n[[suppress]]\nrule = "B002"\npath = "{MODELS}/groupnorm.mnn"\n'
                      'reason = "GroupNorm runs on our CPU"\n')
    found = mnnlint.lint(MODELS, targets="opencl", mnn_version="3.2.0", select=["B002"], config=config)
    assert sorted((Path(d.file).name, str(d.severity)) for d in found) == [
        ("llm.mnn", "info"), ("transformer_fused.mnn", "info")]


def test_readme_library_snippet_runs(capsys: pytest.CaptureFixture[str]) -> None:
    import re

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("### Plugin rules and the library API", 1)[1]
    (snippet,) = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    exec(compile(snippet.replace('"model.mnn"', repr(str(EXAMPLE))), "README.md", "exec"), {})
    assert capsys.readouterr().out.startswith("B002 error ")


def test_library_errors_name_the_argument() -> None:
    import mnnlint

    with pytest.raises(mnnlint.ConfigError, match="argument targets: unknown target 'gpu9000'"):
        mnnlint.lint(EXAMPLE, targets="gpu9000")
    with pytest.raises(mnnlint.UsageError, match="argument build_options: unknown build option 'NOPE'"):
        mnnlint.lint(EXAMPLE, build_options={"NOPE": True})
