"""Output conventions (issue 10): pure reporters, quiet by default where nothing is wrong,
loud about what was assumed, the same door for every command and format."""

from __future__ import annotations

import ast
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from test_formats import CNN, FUSED, fixed_diagnostics, fixed_run

from mnnlint.report import FORMATS, RunInfo, renderer
from mnnlint.report import github as gh
from mnnlint.report.common import ranges, release_verdict
from mnnlint.report.console import wants_color

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
REPORT = REPO / "mnnlint" / "report"
EXAMPLE = REPO / "examples" / "transformer_fused.mnn"
MODELS = REPO / "tests" / "fixtures" / "models"


def render(fmt: str, run: RunInfo) -> str:
    out = io.StringIO()
    renderer(fmt)(fixed_diagnostics(), run, out)
    return out.getvalue()


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR", "GITHUB_STEP_SUMMARY")}
    return subprocess.run([sys.executable, "-m", "mnnlint", *args], capture_output=True, text=True, timeout=300,
                          env={**base, **(env or {"NO_COLOR": "1"})}, cwd=REPO)


# --- pure reporters --------------------------------------------------------------------------

def test_reporters_import_only_shared_modules() -> None:
    """A format module imports from `common`, `escape`, `console` and the package, never another format."""
    shared = {"common", "escape", "console", ""}
    for path in REPORT.glob("*.py"):
        if path.name == "__init__.py":  # the door itself
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                assert (node.module or "") in shared, f"{path.name} imports .{node.module}"


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_reporters_read_nothing_but_their_arguments(fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """No working directory, no file, no registry, no environment: everything comes through RunInfo."""
    import builtins
    import pathlib

    import mnnlint.registry

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("a reporter looked outside its arguments")

    diags = fixed_diagnostics()
    run = fixed_run(diags)
    renderer(fmt)  # importing the module is allowed; rendering may then touch nothing
    for target, name in ((os, "getcwd"), (pathlib.Path, "cwd"), (pathlib.Path, "exists"), (os.path, "exists"),
                         (builtins, "open"), (mnnlint.registry, "load_registry"), (os, "getenv")):
        monkeypatch.setattr(target, name, forbidden)
    monkeypatch.setattr(os, "environ", {})
    out = io.StringIO()
    renderer(fmt)(diags, run, out)
    assert out.getvalue()


def test_github_step_summary_is_a_pure_function() -> None:
    diags = fixed_diagnostics()
    assert gh.step_summary(diags, fixed_run(diags)) == gh.step_summary(diags, fixed_run(diags))


# --- quiet where nothing is wrong, loud about assumptions -----------------------------------------

def test_text_header_names_releases_profiles_and_build_options() -> None:
    out = render("text", fixed_run(fixed_diagnostics()))
    head = out.split("\n\n", 1)[0]
    assert "MNN_SUPPORT_TRANSFORMER_FUSE=ON" in head and "build profile llm" in head
    assert "config file" not in head


def test_verbose_names_the_config_file_and_quiet_drops_the_header() -> None:
    run = fixed_run(fixed_diagnostics())
    verbose = render("text", run._replace(verbose=True, config_file="/repo/mnnlint.toml", config_profiles=("ci",)))
    assert "config file: /repo/mnnlint.toml (profiles ci)" in verbose
    assert "config file: none" in render("text", run._replace(verbose=True))
    quiet = render("text", run._replace(quiet=True))
    assert "build profile llm:" not in quiet and "mnnlint 0.0.0" not in quiet
    assert quiet.startswith(f"{FUSED} on cuda") and quiet.rstrip().splitlines()[-1].startswith("Found ")


def test_no_clean_line_per_check_but_a_count() -> None:
    out = render("text", fixed_run(fixed_diagnostics()))
    assert f"{CNN} on cuda" not in out  # the clean check has no line of its own
    assert "(6 target/release checks, 1 clean)" in out.splitlines()[-1]


def test_text_wraps_at_80_with_a_hanging_indent() -> None:
    long = fixed_diagnostics()[0]
    long = long._replace(message="word " * 60 + "end")
    out = io.StringIO()
    renderer("text")([long], fixed_run([long]), out)
    body = [x for x in out.getvalue().splitlines() if x.startswith("          ") and "word" in x]
    assert len(body) > 3 and all(len(x) <= 80 for x in body)
    assert body[0].startswith("          word") and all(x.startswith("            word") for x in body[1:-1])


def test_op_name_is_not_repeated_when_the_message_names_it() -> None:
    d = fixed_diagnostics()[0]._replace(message="`Attention` (1 op: 'Attentionlayers.0.attn_merged' (#38)) fails")
    for fmt in ("text", "concise", "github"):
        out = io.StringIO()
        renderer(fmt)([d], fixed_run([d]), out)
        assert out.getvalue().count("Attentionlayers.0.attn_merged") == (2 if fmt == "github" else 1), fmt


def test_release_ranges() -> None:
    among = ["2.8.0", "2.9.0", "3.2.0", "3.2.1", "HEAD"]
    assert ranges(["2.8.0", "2.9.0", "3.2.0"], among) == "2.8.0\u20133.2.0"
    assert release_verdict(["2.8.0", "2.9.0", "3.2.0"], among) == "fails MNN 2.8.0\u20133.2.0, passes 3.2.1\u2013HEAD"
    assert release_verdict(["2.9.0", "HEAD"], among) == "fails MNN 2.9.0, HEAD, passes 2.8.0, 3.2.0\u20133.2.1"
    assert release_verdict(["3.2.0"], ["3.2.0"]) == "MNN 3.2.0"


def test_all_releases_print_each_finding_once_with_its_range() -> None:
    proc = cli(str(EXAMPLE), "-t", "cuda", "--mnn-version", "all")
    assert proc.returncode == 1
    blocks = [x for x in proc.stdout.splitlines() if x.lstrip().startswith("error ")]
    assert [b.split()[1] for b in blocks] == ["B003", "V001", "B002"]  # 3 findings, not 28 blocks
    assert "fails MNN 2.9.0\u20133.2.0, passes 2.8.0\u20132.8.4, 3.2.1\u2013HEAD" in proc.stdout
    # B005 (a warning) adds the fourth: clean from 3.2.1 only under the assumed llm build
    assert "(4 findings over 35 releases)" in proc.stdout
    concise = cli(str(EXAMPLE), "-t", "cuda", "--mnn-version", "all", "--format", "concise").stdout
    assert len(concise.splitlines()) == 4 and "[cuda@2.9.0\u20133.2.0]" in concise


def test_folder_run_has_no_clean_lines() -> None:
    proc = cli(str(MODELS), "-t", "cuda,opencl", "--mnn-version", "3.2.0")
    assert proc.returncode == 1
    # the word, not a path that holds it (a checkout at /work/wt/cleanup)
    assert not re.search(r"\bclean\b", "\n".join(proc.stdout.splitlines()[:-1]))
    assert ", 19 clean)" in proc.stdout.splitlines()[-1]  # 4 combos have only B005 (assumed build)


# --- statistics, json-lines, colour -------------------------------------------------------------

@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_statistics_in_every_format_is_only_the_table(fmt: str) -> None:
    out = render(fmt, fixed_run(fixed_diagnostics())._replace(statistics=True))
    expected = [{"code": "B002", "name": "fused-op-unsupported", "count": 2},
                {"code": "B001", "name": "op-falls-back", "count": 1},
                {"code": "B004", "name": "backend-unavailable", "count": 1},
                {"code": "P001", "name": "pool-zero-stride", "count": 1}]
    if fmt == "json":
        assert json.loads(out) == expected
    elif fmt == "json-lines":
        assert [json.loads(x) for x in out.splitlines()] == expected
    else:
        assert out.splitlines() == [f"{e['count']:6d}  {e['code']}  {e['name']}" for e in expected]


def test_cli_statistics_and_json_lines_input_errors(tmp_path: Path) -> None:
    (tmp_path / "broken.mnn").write_bytes(b"\0" * 64)
    stats = cli(str(EXAMPLE), "-t", "cuda", "--mnn-version", "3.2.0", "--format", "sarif", "--statistics")
    assert stats.returncode == 1 and stats.stdout.split() == ["1", "B002", "fused-op-unsupported"]
    lines = cli(str(EXAMPLE), str(tmp_path / "broken.mnn"), "-t", "cuda", "--mnn-version", "3.2.0",
                "--format", "json-lines")
    assert lines.returncode == 2
    objects = [json.loads(x) for x in lines.stdout.splitlines()]
    assert objects[0]["code"] == "B002" and objects[-1]["input_error"].startswith(str(tmp_path / "broken.mnn"))


def test_wants_color() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    pipe, tty = io.StringIO(), Tty()
    assert not wants_color(pipe, {}) and wants_color(tty, {})
    assert wants_color(pipe, {"FORCE_COLOR": "1"}) and wants_color(pipe, {"FORCE_COLOR": ""})
    assert not wants_color(tty, {"NO_COLOR": "1"}) and not wants_color(pipe, {"NO_COLOR": "1", "FORCE_COLOR": "1"})
    assert not wants_color(tty, {"FORCE_COLOR": "0"}) and wants_color(tty, {"NO_COLOR": ""})


def test_cli_force_color_and_no_color() -> None:
    args = (str(EXAMPLE), "-t", "cuda", "--mnn-version", "3.2.0")
    assert "\x1b[" in cli(*args, env={"FORCE_COLOR": "1"}).stdout
    assert "\x1b[" not in cli(*args, env={"FORCE_COLOR": "1", "NO_COLOR": "1"}).stdout
    assert "\x1b[" not in cli(*args, env={}).stdout  # a pipe


# --- one door for rule, inspect and targets -------------------------------------------------------

@pytest.mark.parametrize("backend", ["opencl", "vulkan"])
def test_targets_expands_backend_aliases(backend: str) -> None:
    text = cli("targets", "--backend", backend, "--mnn-version", "3.6.1")
    assert text.returncode == 0
    counts = [int(x.split(": ")[1].split()[0]) for x in text.stdout.splitlines() if x.startswith("MNN ")]
    assert counts and all(n > 20 for n in counts), text.stdout
    data = json.loads(cli("targets", "--backend", backend, "--mnn-version", "3.6.1", "--format", "json").stdout)
    assert {r["backend"] for r in data["backends"]} <= {f"{backend}-buffer", f"{backend}-image"}
    assert data["backends"] and all(r["op_types"] for r in data["backends"])


def test_rule_inspect_targets_share_the_format_door() -> None:
    for args in (("rule", "B002"), ("inspect", str(EXAMPLE)), ("targets", "--mnn-version", "3.6.1")):
        proc = cli(*args, "--format", "json")
        assert proc.returncode == 0 and json.loads(proc.stdout), args
        assert cli(*args, "--format", "sarif").returncode == 2, args  # one list of formats, one error

