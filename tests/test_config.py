"""Configuration files as a team writes them: discovery, precedence, profiles, validation."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import ClassVar

import pytest
from conftest import MODELS

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "transformer_fused.mnn"
FUSED = MODELS / "transformer_fused.mnn"  # B002 Attention on cuda and opencl-image at 3.2.0
GROUPNORM = MODELS / "groupnorm.mnn"  # B002 GroupNorm on opencl-image at 3.2.0


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k != "MNNLINT_OUTPUT_FORMAT"}
    return subprocess.run([sys.executable, "-m", "mnnlint", *map(str, args)], capture_output=True, text=True,
                          timeout=120, cwd=cwd, env={**base, "NO_COLOR": "1", **(env or {})})


def report(proc: subprocess.CompletedProcess[str]) -> dict:
    assert proc.stdout.lstrip().startswith("{"), proc.stdout + proc.stderr
    return json.loads(proc.stdout)


def codes(proc: subprocess.CompletedProcess[str]) -> list[tuple[str, str, str]]:
    return [(d["code"], Path(d["file"]).name, d["target"]) for d in report(proc)["diagnostics"]]


def test_pyproject_table_is_found_from_a_subfolder(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.mnnlint]\ntarget = "cuda"\nmnn-version = "3.2.0"\n')
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    proc = run(EXAMPLE, "--format", "json", cwd=sub)
    assert proc.returncode == 1
    assert codes(proc) == [("B002", "transformer_fused.mnn", "cuda")]
    assert report(proc)["checked"][0]["release"] == "3.2.0"
    # Without the file the same command checks the model's default target (cpu) at the latest release.
    assert run(EXAMPLE, "--format", "json", "--isolated", cwd=sub).returncode == 0


def test_closest_file_wins_and_pyproject_without_our_table_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "mnnlint.toml").write_text('target = "cuda"\nmnn-version = "3.2.0"\n')
    mid = tmp_path / "mid"
    mid.mkdir()
    (mid / "pyproject.toml").write_text('[tool.ruff]\nline-length = 100\n')  # no [tool.mnnlint]
    assert run(EXAMPLE, cwd=mid).returncode == 1  # found ../mnnlint.toml through it
    (mid / ".mnnlint.toml").write_text('target = "cuda"\nmnn-version = "3.2.0"\nfail-on = "never"\n')
    settings = report(run("--show-settings", cwd=mid))
    assert settings["config-file"] == str(mid / ".mnnlint.toml")
    assert run(EXAMPLE, cwd=mid).returncode == 0


def test_named_config_file_and_cli_flags_override_it(tmp_path: Path) -> None:
    config = tmp_path / "elsewhere" / "lint.toml"
    config.parent.mkdir()
    config.write_text('target = ["cuda"]\nmnn-version = "3.2.0"\n')
    assert run(EXAMPLE, "--config", config, cwd=tmp_path).returncode == 1
    # 3.6.1 has the fused CUDA Attention in the llm build, the cpu has it in 3.2.0: both clean
    assert run(EXAMPLE, "--config", config, "--mnn-version", "3.6.1", cwd=tmp_path).returncode == 0
    assert run(EXAMPLE, "--config", config, "--target", "cpu", cwd=tmp_path).returncode == 0
    assert run(EXAMPLE, "--config", config, "--fail-on", "never", cwd=tmp_path).returncode == 0
    assert run(EXAMPLE, "--config", config, "--isolated", cwd=tmp_path).returncode == 2


def test_select_ignore_and_build_profile_from_config(tmp_path: Path) -> None:
    (tmp_path / "mnnlint.toml").write_text('target = "cuda"\nmnn-version = "3.2.1"\nignore = ["B001"]\n'
                                          'profile = "default"\n')
    # 3.2.1 has CUDA Attention only with MNN_SUPPORT_TRANSFORMER_FUSE=ON; the default build lacks it
    assert codes(run(EXAMPLE, "-o", "/dev/stdout", "--format", "json", cwd=tmp_path)) == [
        ("B002", "transformer_fused.mnn", "cuda")]
    assert run(EXAMPLE, "--build-option", "MNN_SUPPORT_TRANSFORMER_FUSE=ON", cwd=tmp_path).returncode == 0
    (tmp_path / "mnnlint.toml").write_text('target = "cuda"\nmnn-version = "3.2.1"\nprofile = "default"\n'
                                          'build-options = { MNN_SUPPORT_TRANSFORMER_FUSE = true }\n')
    assert run(EXAMPLE, cwd=tmp_path).returncode == 0
    (tmp_path / "mnnlint.toml").write_text('target = "cuda"\nmnn-version = "3.2.0"\nignore = ["B"]\n')
    assert run(EXAMPLE, cwd=tmp_path).returncode == 0
    # --select replaces the config's selection, its ignore included
    assert run(EXAMPLE, "--select", "B002", cwd=tmp_path).returncode == 1


def test_per_file_ignores_hide_one_model_only(tmp_path: Path) -> None:
    models = tmp_path / "models"
    (models / "llm").mkdir(parents=True)
    shutil.copy(FUSED, models / "llm" / "fused.mnn")
    shutil.copy(GROUPNORM, models / "groupnorm.mnn")
    (tmp_path / "mnnlint.toml").write_text(
        'target = "opencl"\nmnn-version = "3.2.0"\n[per-file-ignores]\n"models/llm/*.mnn" = ["B002"]\n')
    found = codes(run(models, "--format", "json", "--ignore", "B005", cwd=tmp_path))  # B005: own cases
    assert found == [("B002", "groupnorm.mnn", "opencl-image")]
    # A bare file name matches at any depth; a folder matches everything below it.
    for glob in ("fused.mnn", "models/llm", "**/llm/**"):
        (tmp_path / "mnnlint.toml").write_text(
            f'target = "opencl"\nmnn-version = "3.2.0"\n[per-file-ignores]\n"{glob}" = ["B"]\n')
        assert codes(run(models, "--format", "json", "--ignore", "B005", cwd=tmp_path)) == found, glob


def test_severity_override_changes_report_and_exit_code(tmp_path: Path) -> None:
    (tmp_path / "mnnlint.toml").write_text(
        'target = "cuda"\nmnn-version = "3.2.0"\n[severity]\nB002 = "warning"\n')
    proc = run(EXAMPLE, "--format", "json", cwd=tmp_path)
    assert proc.returncode == 0
    assert [d["severity"] for d in report(proc)["diagnostics"]] == ["warning"]
    assert run(EXAMPLE, "--fail-on", "warning", cwd=tmp_path).returncode == 1


def test_output_format_from_config_env_and_flag(tmp_path: Path) -> None:
    (tmp_path / "mnnlint.toml").write_text('target = "cuda"\nmnn-version = "3.2.0"\noutput-format = "concise"\n')
    concise = run(EXAMPLE, cwd=tmp_path).stdout
    assert concise.startswith(f"{EXAMPLE}:op#38") and "B002 [cuda@3.2.0]" in concise
    assert report(run(EXAMPLE, cwd=tmp_path, env={"MNNLINT_OUTPUT_FORMAT": "json"}))["diagnostics"]
    flagged = run(EXAMPLE, "--format", "concise", cwd=tmp_path, env={"MNNLINT_OUTPUT_FORMAT": "json"})
    assert flagged.stdout == concise
    bad = run(EXAMPLE, cwd=tmp_path, env={"MNNLINT_OUTPUT_FORMAT": "yaml"})
    assert bad.returncode == 2 and "MNNLINT_OUTPUT_FORMAT" in bad.stderr


def test_exclude_from_config_adds_to_the_flag(tmp_path: Path) -> None:
    models = tmp_path / "models"
    models.mkdir()
    shutil.copy(FUSED, models / "fused.mnn")
    shutil.copy(GROUPNORM, models / "groupnorm.mnn")
    (tmp_path / "mnnlint.toml").write_text('target = "opencl"\nmnn-version = "3.2.0"\nexclude = ["fused.mnn"]\n')
    assert {d[1] for d in codes(run(models, "--format", "json", cwd=tmp_path))} == {"groupnorm.mnn"}
    assert run(models, "--exclude", "groupnorm.mnn", cwd=tmp_path).returncode == 0


def test_named_profiles_run_together_each_with_its_fail_on(tmp_path: Path) -> None:
    (tmp_path / "mnnlint.toml").write_text(
        'mnn-version = "3.2.0"\n'
        '[profiles.android]\ntarget = ["opencl", "cpu"]\nfail-on = "never"\n'
        '[profiles.server]\ntarget = "cuda"\nmnn-version = "3.6.1"\n'
        '[profiles.server-old]\ntarget = "cuda"\n')
    proc = run(FUSED, "--format", "json", "--ignore", "B005", cwd=tmp_path)  # B005: own cases
    checked = {(c["target"], c["release"]) for c in report(proc)["checked"]}
    assert checked == {("opencl-buffer", "3.2.0"), ("opencl-image", "3.2.0"), ("cpu", "3.2.0"),
                       ("cuda", "3.6.1"), ("cuda", "3.2.0")}
    assert sorted(codes(proc)) == [("B002", "transformer_fused.mnn", "cuda"),
                                   ("B002", "transformer_fused.mnn", "opencl-image")]
    assert proc.returncode == 1  # server-old fails on cuda 3.2.0
    assert run(FUSED, "--config-profile", "android", cwd=tmp_path).returncode == 0  # its fail-on is never
    assert run(FUSED, "--config-profile", "server", cwd=tmp_path).returncode == 0
    assert run(FUSED, "--config-profile", "server-old,android", cwd=tmp_path).returncode == 1
    unknown = run(FUSED, "--config-profile", "ios", cwd=tmp_path)
    assert unknown.returncode == 2 and "'ios'" in unknown.stderr and "android" in unknown.stderr


def test_a_finding_two_profiles_share_is_reported_once(tmp_path: Path) -> None:
    (tmp_path / "mnnlint.toml").write_text(
        '[profiles.a]\ntarget = "cuda"\nmnn-version = "3.2.0"\n'
        '[profiles.b]\ntarget = ["cuda", "cpu"]\nmnn-version = "3.2.0"\n')
    proc = run(FUSED, "--format", "json", "--ignore", "B005", cwd=tmp_path)  # B005: own cases
    assert codes(proc) == [("B002", "transformer_fused.mnn", "cuda")]
    assert len(report(proc)["checked"]) == 2


def test_show_settings_prints_the_resolved_configuration(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.mnnlint]\ntarget = "opencl"\nmnn-version = ">=3.2,<3.3"\nignore = ["V"]\n'
        'timeout-per-file = 9\n[tool.mnnlint.severity]\nB001 = "info"\n'
        '[tool.mnnlint.profiles.ios]\ntarget = "metal"\nfail-on = "warning"\n'
        '[[tool.mnnlint.suppress]]\nrule = "B002"\npath = "x.mnn"\nreason = "known"\nuntil = 2030-01-01\n')
    proc = run("--show-settings", "--ignore", "P001", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = report(proc)
    assert data["config-file"] == str(tmp_path / "pyproject.toml") and data["timeout-per-file"] == 9
    (ios,) = data["profiles"]
    assert ios["name"] == "ios" and ios["target"] == ["metal"] and ios["fail-on"] == "warning"
    from mnnlint.capabilities import Capabilities

    assert ios["releases"] == [r for r in Capabilities().releases if r.startswith("3.2.")]
    assert ios["mnn-version"] == ">=3.2,<3.3"
    assert ios["severity"] == {"B001": "info"}
    assert "V001" not in ios["rules-enabled"] and "P001" not in ios["rules-enabled"] and "B001" in ios["rules-enabled"]
    assert data["suppress"] == [{"rule": "B002", "path": "x.mnn", "reason": "known", "until": "2030-01-01"}]


@pytest.mark.parametrize(("text", "key", "fragment"), [
    ('targets = "cuda"\n', "targets", "unknown key"),
    ('target = "gpu9000"\n', "target", "gpu9000"),
    ('mnn-version = "1.0.0"\n', "mnn-version", "1.0.0"),
    ('mnn-version = 3.2\n', "mnn-version", "must be a string"),
    ('profile = "android"\n', "profile", "named config profiles go under 'profiles'"),
    ('fail-on = "sometimes"\n', "fail-on", "sometimes"),
    ('select = ["Z999"]\n', "select", "Z999"),
    ('ignore = "B9"\n', "ignore", "B9"),
    ('output-format = "yaml"\n', "output-format", "yaml"),
    ('timeout-per-file = -1\n', "timeout-per-file", "seconds"),
    ('build-options = { MNN_BUILD_LLM = "ON" }\n', "build-options", "true | false"),
    ('[severity]\nB002 = "fatal"\n', "severity.B002", "fatal"),
    ('[severity]\nQ1 = "info"\n', "severity.Q1", "Q1"),
    ('[per-file-ignores]\n"*.mnn" = ["X1"]\n', "per-file-ignores.*.mnn", "X1"),
    ('[rules.Z123]\nx = 1\n', "rules.Z123", "Z123"),
    ('[rules.B001]\nmax = 1\n', "rules.B001.max", "no such option"),
    ('[profiles.a]\noutput-format = "json"\n', "output-format", "top level only"),
    ('[profiles.a]\ntarget = "tpu"\n', "target", "tpu"),
    ('[[suppress]]\nrule = "B002"\npath = "*.mnn"\n', "suppress[1].reason", "required"),
    ('[[suppress]]\nrule = "B002"\npath = "*.mnn"\nreason = "x"\nuntil = "soon"\n', "suppress[1].until", "soon"),
    ('[[suppress]]\nrule = "B0022"\npath = "*.mnn"\nreason = "x"\n', "suppress[1].rule", "B0022"),
    ('[[suppress]]\nrule = "B002"\npath = "*.mnn"\nreason = "x"\nop = "Attention"\n', "suppress[1].op", "unknown"),
    ('plugins = ["evil_rules"]\n', "plugins", "entry point"),
    ('target = \n', "", "not valid TOML"),
])
def test_bad_config_is_one_line_naming_file_and_key(tmp_path: Path, text: str, key: str, fragment: str) -> None:
    (tmp_path / "mnnlint.toml").write_text(text)
    proc = run(EXAMPLE, cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout
    (line,) = proc.stderr.strip().splitlines()
    assert str(tmp_path / "mnnlint.toml") in line
    assert not key or f"'{key}'" in line
    assert fragment in line and "Traceback" not in proc.stderr


def test_config_cannot_make_mnnlint_import_a_module(tmp_path: Path) -> None:
    marker = tmp_path / "imported"
    (tmp_path / "evil_rules.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    for text in ('plugins = ["evil_rules"]\n', '[rules.evil_rules]\nx = 1\n', 'select = ["evil_rules"]\n'):
        (tmp_path / "mnnlint.toml").write_text(text)
        proc = run(EXAMPLE, cwd=tmp_path, env={"PYTHONPATH": str(tmp_path)})
        assert proc.returncode == 2 and "mnnlint.toml" in proc.stderr
    assert not marker.exists()


def test_rule_options_are_validated_against_the_rule() -> None:
    from mnnlint.capabilities import Capabilities
    from mnnlint.config import ConfigError, parse_config
    from mnnlint.registry import build_registry
    from mnnlint.rule import Option, Rule
    from mnnlint.settings import Context, resolve

    class Limit(Rule):
        """Too many ops."""

        code, name, severity = "T001", "too-many-ops", None  # type: ignore[assignment]
        options: ClassVar = {"max-ops": Option(int, 100, "most ops allowed"), "ratio": Option(float, 0.5, "share")}

    registry, caps, path = build_registry([("test", [Limit])]), Capabilities(), Path("mnnlint.toml")
    ctx = Context(registry, caps)
    config = parse_config('[rules.T001]\nmax-ops = 7\nratio = 1\n', path, ctx)
    resolved = resolve("", [config.top], ctx)
    assert resolved.as_dict()["rules"] == {"T001": {"max-ops": 7, "ratio": 1}}
    assert resolve("", [parse_config("", path, ctx).top], ctx).as_dict()["rules"] == {
        "T001": {"max-ops": 100, "ratio": 0.5}}
    for bad in ('max-ops = "7"', "max-ops = true", 'ratio = "x"', "max-ops = 1.5"):
        with pytest.raises(ConfigError, match=r"mnnlint.toml: top level key 'rules.T001.(max-ops|ratio)': must be"):
            parse_config(f"[rules.T001]\n{bad}\n", path, ctx)


def test_readme_configuration_examples_are_valid(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```toml\n(.*?)```", section, flags=re.DOTALL)
    text = "".join(blocks)
    assert "[tool.mnnlint.rules.X001]" in text  # a plugin's options: no such rule here, so left out
    text = re.sub(r"\[tool\.mnnlint\.rules\.X001\][^\n]*\n[^\n]*\n", "", text)
    (tmp_path / "pyproject.toml").write_text(text)
    proc = run("--show-settings", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = report(proc)
    assert [p["name"] for p in data["profiles"]] == ["android", "server"]
    android = data["profiles"][0]
    assert android["target"] == ["opencl", "cpu"] and android["build-options"] == {
        "MNN_SUPPORT_TRANSFORMER_FUSE": True} and "B001" not in android["rules-enabled"]
    assert [s["until"] for s in data["suppress"]] == ["3.3.0"]


# --- hostile config files (issue 11): bounded, never blocking, one line each ------------


@pytest.mark.parametrize(("text", "key", "fragment"), [
    ('a = ' + "[" * 100000 + "\n", "", "nested too deeply"),
    ('a = ' + "[" * 40 + "]" * 40 + "\n", "", "nested more than"),
    ('[per-file-ignores]\n"[z-a].mnn" = ["B"]\n', "per-file-ignores.[z-a].mnn", "bad character range"),
    ('exclude = ["[z-a]"]\n', "exclude", "bad character range"),
    ('[[suppress]]\nrule = "B002"\npath = "a[\\\\"\nreason = "r"\n', "suppress[1].path", "invalid glob"),
    ('[per-file-ignores]\n"**/a/**/b/**/c" = ["B"]\n', "per-file-ignores.**/a/**/b/**/c", "more than 2"),
    ('timeout-per-file = nan\n', "timeout-per-file", "seconds"),
    ('timeout-per-file = inf\n', "timeout-per-file", "seconds"),
    ('timeout-per-file = 0.00001\n', "timeout-per-file", "seconds"),
    ('build-options = { MNN_CUDAA = true }\n', "build-options", "did you mean MNN_CUDA?"),
])
def test_hostile_config_values_are_one_line(tmp_path: Path, text: str, key: str, fragment: str) -> None:
    test_bad_config_is_one_line_naming_file_and_key(tmp_path, text, key, fragment)


def test_config_that_is_a_device_a_fifo_or_huge_is_refused_at_once(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo.toml")
    with open(tmp_path / "huge.toml", "wb") as f:
        f.truncate(3 << 30)
    for name, fragment in (("/dev/zero", "not a regular file"), ("fifo.toml", "not a regular file"),
                           ("huge.toml", "larger than")):
        proc = run(EXAMPLE, "--config", name, cwd=tmp_path)  # the 120 s timeout fails it if it blocks
        assert proc.returncode == 2
        (line,) = proc.stderr.strip().splitlines()
        assert name in line and fragment in line
    os.mkfifo(tmp_path / "mnnlint.toml")  # found by discovery: skipped, never opened for reading
    assert run(EXAMPLE, cwd=tmp_path).returncode == 0


def test_exclude_per_file_ignores_and_suppressions_read_a_glob_alike(tmp_path: Path) -> None:
    """One engine: `models/*.mnn` is anchored at the config's folder for every use."""
    nested = tmp_path / "x" / "models"
    nested.mkdir(parents=True)
    shutil.copy(FUSED, nested / "a.mnn")
    head = 'target = "cuda"\nmnn-version = "3.2.0"\n'
    for body in ('exclude = ["models/*.mnn"]\n', '[per-file-ignores]\n"models/*.mnn" = ["B002"]\n',
                 '[[suppress]]\nrule = "B002"\npath = "models/*.mnn"\nreason = "r"\n'):
        (tmp_path / "mnnlint.toml").write_text(head + body)
        found = [c for c in codes(run("x", "--format", "json", cwd=tmp_path)) if c[0] != "M001"]
        assert found == [("B002", "a.mnn", "cuda")], body
        (tmp_path / "mnnlint.toml").write_text(head + body.replace("models/*.mnn", "x/models/*.mnn"))
        assert codes(run("x", "--format", "json", cwd=tmp_path)) == [], body


def test_a_pyproject_without_mnnlint_is_not_parsed(tmp_path: Path) -> None:
    """Most projects have a pyproject.toml that never names mnnlint: importing and running the
    TOML parser for it on every run is start-up time for nothing. One that names it is read."""
    probe = ("import sys\nfrom mnnlint.cli import main\ntry:\n    main([sys.argv[1], '-t', 'cpu', '-q'])\n"
             "except SystemExit:\n    pass\nprint('parsed' if 'tomllib' in sys.modules else 'skipped')\n")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.ruff]\nline-length = 100\n')
    env = {**os.environ, "NO_COLOR": "1"}
    plain = subprocess.run([sys.executable, "-c", probe, str(EXAMPLE)], capture_output=True, text=True,
                           timeout=120, cwd=tmp_path, env=env)
    assert plain.stdout.strip().splitlines()[-1] == "skipped", plain.stderr
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.mnnlint]\nignore = ["B005"]\n')
    named = subprocess.run([sys.executable, "-c", probe, str(EXAMPLE)], capture_output=True, text=True,
                           timeout=120, cwd=tmp_path, env=env)
    assert named.stdout.strip().splitlines()[-1] == "parsed", named.stderr
