"""A second red-team pass over issue 11's classes: variants the first pass's tests did not cover.

Each test names the hole it closes; each failed on the code before its fix:

- SIGPIPE on stderr (`2>&1 | head`), or during `inspect` and `diff`, ended with exit 0
  however many input errors or failing findings there were;
- `mnnlint crosscheck` wrote `-o` over a model, and printed file names as GitHub
  workflow commands (`::error`, `##[`);
- `mnnlint diff` wrote `-o` over its config file and printed `##[` raw in JSON.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import MODELS

REPO = Path(__file__).resolve().parent.parent
FUSED = REPO / "examples" / "transformer_fused.mnn"
CNN = MODELS / "cnn.mnn"


def mnnlint(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("GITHUB_STEP_SUMMARY", "MNNLINT_OUTPUT_FORMAT")}
    return subprocess.run([sys.executable, "-m", "mnnlint", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=timeout, env={**base, "NO_COLOR": "1", **(env or {})})


def exit_into_closed_pipe(*args: str, cwd: Path, both: bool) -> int:
    """The exit code of mnnlint writing stdout (and stderr when `both`) into a pipe nobody reads."""
    read, write = os.pipe()
    os.close(read)  # the reader has already left, as `| head -0` or `| true` does
    try:
        proc = subprocess.run([sys.executable, "-m", "mnnlint", *args], stdout=write,
                              stderr=write if both else subprocess.DEVNULL, cwd=cwd, timeout=120,
                              env={**os.environ, "NO_COLOR": "1"})
    finally:
        os.close(write)
    return proc.returncode


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "models").mkdir()
    shutil.copy(FUSED, tmp_path / "models" / "fused.mnn")
    shutil.copy(CNN, tmp_path / "models" / "cnn.mnn")
    (tmp_path / "broken").mkdir()
    for i in range(40):  # enough error lines that a writer on stderr meets the closed pipe
        (tmp_path / "broken" / f"bad{i:02}.mnn").write_bytes(b"not a model, and long enough to be read" * 2)
    return tmp_path


@pytest.mark.parametrize(("args", "both", "expected"), [
    (("models", "broken", "-t", "cuda", "--mnn-version", "3.2.0"), True, 2),
    (("models", "-t", "cuda", "--mnn-version", "3.2.0", "--format", "json"), True, 1),
    (("inspect", "models", "broken"), False, 2),
    (("inspect", "broken", "--format", "json"), True, 2),
    (("diff", "models/cnn.mnn", "models/fused.mnn", "-t", "cuda", "--mnn-version", "3.2.0"), False, 1),
    (("diff", "models/cnn.mnn", "models/fused.mnn", "-t", "cuda", "--mnn-version", "3.2.0", "--format", "json"),
     True, 1),
], ids=["check-stderr", "check-json", "inspect", "inspect-stderr", "diff", "diff-json"])
def test_a_closed_pipe_keeps_the_exit_code(tree: Path, args: tuple[str, ...], both: bool, expected: int) -> None:
    assert mnnlint(*args, cwd=tree).returncode == expected  # the verdict with a reader
    assert exit_into_closed_pipe(*args, cwd=tree, both=both) == expected


def test_diff_never_writes_over_its_config_and_keeps_json_harmless(tmp_path: Path) -> None:
    shutil.copy(CNN, tmp_path / "a##[error]old.mnn")
    shutil.copy(FUSED, tmp_path / "new.mnn")
    (tmp_path / "mnnlint.toml").write_text('target = ["cuda"]\nmnn-version = "3.2.0"\n')
    proc = mnnlint("diff", "a##[error]old.mnn", "new.mnn", "-o", "mnnlint.toml", cwd=tmp_path)
    assert proc.returncode == 2 and "over an input of this run" in proc.stderr
    assert (tmp_path / "mnnlint.toml").read_text().startswith("target")
    proc = mnnlint("diff", "a##[error]old.mnn", "new.mnn", "--format", "json", cwd=tmp_path,
                   env={"GITHUB_STEP_SUMMARY": str(tmp_path / "mnnlint.toml")})
    assert proc.returncode == 1 and "##[" not in proc.stdout
    assert json.loads(proc.stdout)["old"] == "a##[error]old.mnn"
    assert (tmp_path / "mnnlint.toml").read_text().startswith("target")


# --- crosscheck: the pip MNN runtime runs the models -----------------------------------------


def test_crosscheck_timeout_is_validated(tmp_path: Path) -> None:
    for value in ("-1", "0", "99999999999999999999", "1e3"):
        proc = mnnlint("crosscheck", str(CNN), "--timeout-per-model", value, cwd=tmp_path)
        assert proc.returncode == 2 and "--timeout-per-model" in proc.stderr
        assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr


def test_crosscheck_refuses_to_write_over_a_model_and_neutralises_names(tmp_path: Path) -> None:
    pytest.importorskip("MNN")
    for name in ("::error::x.mnn", "a##[error]b.mnn"):
        shutil.copy(CNN, tmp_path / name)
    victim = tmp_path / "victim.mnn"
    shutil.copy(CNN, victim)
    before = victim.read_bytes()
    proc = mnnlint("crosscheck", "::error::x.mnn", "-o", "victim.mnn", cwd=tmp_path)
    assert proc.returncode == 2 and "refusing to write the report over a model file" in proc.stderr
    (tmp_path / "report.txt").symlink_to(victim)
    proc = mnnlint("crosscheck", ".", "-o", "report.txt", cwd=tmp_path, timeout=300)
    assert proc.returncode == 2 and "refusing" in proc.stderr
    assert victim.read_bytes() == before
    for fmt in ("text", "json"):
        proc = mnnlint("crosscheck", ".", "--format", fmt, cwd=tmp_path, timeout=300)
        assert proc.returncode == 0, proc.stderr
        assert "##[" not in proc.stdout
        assert not any(line.lstrip().startswith("::") for line in proc.stdout.splitlines()), proc.stdout


# --- the picture phase (--html, --graph): bounded like the check --------------------------------

PLACED = REPO / "tests" / "fixtures" / "placement_models"


def in_process(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    from mnnlint import cli

    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_model_changed_before_its_picture_gets_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """The page reads each model again after the run; a file swapped meanwhile (here: for a model
    of another op count) was an IndexError, an internal error. Now: no picture, a warning."""
    from mnnlint import reader

    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    real = reader.read_model
    cli_args = ("--isolated", str(PLACED / "mixed.mnn"), "-t", "cuda", "--mnn-version", "3.6.1")
    expected, _, _ = in_process(capsys, *cli_args)
    monkeypatch.setattr(reader, "read_model", lambda path: real(str(PLACED / "chain_1500.mnn")))
    code, _, err = in_process(capsys, *cli_args, "--html", str(tmp_path / "page.html"))
    assert code == expected and "internal error" not in err
    assert "no picture of" in err and "changed since it was checked" in err
    assert (tmp_path / "page.html").exists()


def test_the_time_limit_covers_the_picture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    from mnnlint.placement import view

    monkeypatch.setenv("NO_COLOR", "1")
    real = view.build_view

    def slow(*args: object) -> object:
        import time

        time.sleep(2)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(view, "build_view", slow)
    code, _, err = in_process(capsys, "--isolated", str(PLACED / "mixed.mnn"), "-t", "cuda", "--mnn-version",
                              "3.6.1", "--timeout-per-file", "0.5", "--html", str(tmp_path / "page.html"))
    assert code in (0, 1) and "no picture of" in err and "gave up after 0.5 s" in err


def test_a_graph_too_large_to_draw_is_summarised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """A hostile model can ask for tens of thousands of nodes (every op off the target is one):
    the page then says so instead of drawing them, and Graphviz is never handed them."""
    from mnnlint.placement import view

    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setattr(view, "MAX_DRAWN_NODES", 3)
    page, dot = tmp_path / "page.html", tmp_path / "graph.dot"
    code, _, err = in_process(capsys, "--isolated", str(PLACED / "mixed.mnn"), "-t", "cuda", "--mnn-version",
                              "3.6.1", "--html", str(page), "--graph", str(dot))
    assert code in (0, 1), err
    assert "too many for one page" in page.read_text() and "<svg" not in page.read_text().split("<header>")[1]
    assert "too many to draw" in dot.read_text() and "->" not in dot.read_text()


def test_graphviz_that_takes_too_long_is_one_error_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    import subprocess as sp

    from mnnlint.report import dot

    def hang(*args: object, **kw: object) -> object:
        raise sp.TimeoutExpired("dot", dot.DOT_SECONDS)

    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setattr(dot.shutil, "which", lambda name: "/usr/bin/dot")
    monkeypatch.setattr(dot.subprocess, "run", hang)
    code, _, err = in_process(capsys, "--isolated", str(PLACED / "mixed.mnn"), "-t", "cuda", "--mnn-version",
                              "3.6.1", "--graph", str(tmp_path / "g.svg"))
    assert code == 2 and "internal error" not in err and "did not lay the graph out within" in err


# --- Ctrl-C while the console script loads ------------------------------------------------------


def test_ctrl_c_while_the_cli_loads_is_exit_130_without_a_traceback() -> None:
    """pip's script imports its target outside any `try`: the target is the tiny `_console`,
    which imports the CLI inside one. Here the import of mnnlint.cli is interrupted."""
    code = ("import sys\n"
            "class Interrupt:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name == 'mnnlint.cli':\n"
            "            raise KeyboardInterrupt\n"
            "sys.meta_path.insert(0, Interrupt())\n"
            "from mnnlint._console import main\n"
            "sys.exit(main())\n")
    proc = subprocess.run([sys.executable, "-c", code, "--version"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 130 and "Traceback" not in proc.stderr, proc.stderr
    setup = (REPO / "setup.cfg").read_text()
    assert "mnnlint = mnnlint._console:main" in setup  # the console script's target


def test_show_settings_prints_config_values_harmlessly(tmp_path: Path) -> None:
    """Config values are as attacker-controlled as model names: a suppression's reason or a glob
    holding `##[error]` printed raw by --show-settings is a workflow command in a CI log."""
    (tmp_path / "mnnlint.toml").write_text(
        'exclude = ["a##[error]x"]\nper-file-ignores = { "q##[error]" = ["B"] }\n'
        '[[suppress]]\nrule = "B002"\npath = "*"\nreason = "##[warning]why\\u2028::error::z"\n')
    proc = mnnlint("--show-settings", cwd=tmp_path)
    assert proc.returncode == 0 and "##[" not in proc.stdout and "\u2028" not in proc.stdout
    settings = json.loads(proc.stdout)
    assert settings["exclude"] == ["a##[error]x"] and settings["suppress"][0]["reason"].startswith("##[warning]")


@pytest.mark.parametrize("closed", [1, 2])
def test_a_closed_stdout_or_stderr_keeps_the_exit_code(tree: Path, closed: int) -> None:
    """`mnnlint ... >&-`: Python starts with sys.stdout None; every write was an internal error."""
    for args, expected in ((("models", "broken", "-t", "cuda", "--mnn-version", "3.2.0"), 2),
                           (("models", "-t", "cuda", "--mnn-version", "3.2.0"), 1), (("inspect", "models"), 0)):
        proc = subprocess.run([sys.executable, "-m", "mnnlint", *args], cwd=tree, timeout=120,
                              stdout=subprocess.PIPE if closed == 2 else None,
                              stderr=subprocess.PIPE if closed == 1 else None,
                              preexec_fn=lambda: os.close(closed), env={**os.environ, "NO_COLOR": "1"})
        err = (proc.stderr or b"").decode()
        assert proc.returncode == expected and "internal error" not in err and "Traceback" not in err, err


def test_a_config_of_thousands_of_profiles_is_refused_before_any_model(tmp_path: Path) -> None:
    """Each model is checked once per [profiles.NAME]: 20,000 of them spent 2 s in set-up and
    then made every model time out (an input error per model, not one for the config)."""
    shutil.copy(CNN, tmp_path / "m.mnn")
    (tmp_path / "mnnlint.toml").write_text("".join(
        f'[profiles.p{i}]\ntarget = ["cuda", "opencl"]\nmnn-version = "all"\n' for i in range(20_000)))
    proc = mnnlint("m.mnn", cwd=tmp_path)
    assert proc.returncode == 2 and "at most 100 are read" in proc.stderr
    assert proc.stderr.count("mnnlint: error:") == 1


@pytest.mark.parametrize("command", [(), ("inspect",), ("diff", "a.mnn"), ("rule",), ("crosscheck",),
                                     ("--fail-on",), ("--format",), ("crosscheck", "--timeout-per-model")])
def test_argparse_errors_quote_names_harmlessly(tmp_path: Path, command: tuple[str, ...]) -> None:
    """`mnnlint models/*` with a file named `--x<newline>::error::…`: argparse's own error
    quoted the name raw, a workflow command and an ESC on stderr."""
    name = "--x\n::error::injected\x1b[2J##[warning]y.mnn"
    proc = mnnlint(*command, name, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "\x1b" not in proc.stderr and "##[" not in proc.stderr
    assert not any(line.lstrip().startswith("::") for line in proc.stderr.splitlines()), proc.stderr


def test_a_list_setting_repeated_600000_times_is_read_once() -> None:
    """Each code of `select` is checked against the registry: 600,000 repeats took 8 s."""
    import time

    from mnnlint.capabilities import Capabilities
    from mnnlint.config import parse_config
    from mnnlint.registry import load_registry
    from mnnlint.settings import Context

    ctx = Context(load_registry(), Capabilities())
    text = "select = [" + ", ".join(['"B"'] * 600_000) + "]\n"
    start = time.process_time()
    config = parse_config(text, Path("mnnlint.toml"), ctx)
    assert time.process_time() - start < 4.0
    assert config.top.values["select"] == ("B",)


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_a_terminal_that_is_not_utf8_gets_escapes_not_an_internal_error(tree: Path, encoding: str) -> None:
    """The text report's `·` and `→` (and any name) on an ASCII or latin-1 stdout were an internal error."""
    for args, expected in ((("models", "-t", "cuda", "--mnn-version", "3.2.0"), 1), (("rule", "B002"), 0),
                           (("diff", "models/cnn.mnn", "models/fused.mnn", "-t", "cuda", "--mnn-version", "3.2.0"), 1),
                           (("inspect", "models"), 0)):
        proc = subprocess.run([sys.executable, "-m", "mnnlint", *args], cwd=tree, capture_output=True, timeout=120,
                              env={**os.environ, "NO_COLOR": "1", "PYTHONIOENCODING": encoding})
        err = proc.stderr.decode(encoding)
        assert proc.returncode == expected and "internal error" not in err, (args, err)
        proc.stdout.decode(encoding)  # strict: only what the stream can hold


def test_graph_and_page_of_hostile_names_hold_no_command(tmp_path: Path) -> None:
    """The DOT file (and the SVG Graphviz makes of it) kept `##[error]` from op and subgraph names."""
    hostile = REPO / "tests" / "fixtures" / "hostile" / "hostile_names.mnn"
    outputs = [tmp_path / "g.dot", tmp_path / "page.html"]
    args = [str(hostile), "-t", "cuda", "--mnn-version", "3.6.1", "--graph", str(outputs[0]), "--html", str(outputs[1])]
    assert mnnlint(*args).returncode == 1
    if shutil.which("dot"):
        outputs.append(tmp_path / "g.svg")
        assert mnnlint(str(hostile), "-t", "cuda", "--mnn-version", "3.6.1", "--graph", str(outputs[2])).returncode == 1
    for path in outputs:
        text = path.read_text(encoding="utf-8")
        assert "##[" not in text and "\x1b" not in text, path.name
        assert not any(line.lstrip().startswith("::") for line in text.splitlines()), path.name


def test_baseline_of_hostile_names_holds_no_command_and_still_matches(tmp_path: Path) -> None:
    hostile = tmp_path / "a##[error]b.mnn"
    shutil.copy(REPO / "tests" / "fixtures" / "hostile" / "hostile_names.mnn", hostile)
    os.symlink(hostile.name, os.path.join(os.fsencode(tmp_path), b"\xff\xfe.mnn"))  # a name that is not UTF-8
    args = (".", "-t", "cuda", "--mnn-version", "3.6.1")
    assert mnnlint(*args, "--write-baseline", "base.json", cwd=tmp_path).returncode == 0
    text = (tmp_path / "base.json").read_text(encoding="utf-8")
    assert "##[" not in text and "\x1b" not in text
    assert mnnlint(*args, "--baseline", "base.json", cwd=tmp_path).returncode == 0  # every finding known


def test_a_thousand_unused_suppressions_cost_little_in_the_run_phase(tmp_path: Path) -> None:
    """M001 runs after every model, under no time limit; it matched each suppression's path
    once per (file, target, release) check through pathlib: 1,000 suppressions over 6 models on
    every release and 4 targets took 14 s of CPU, and grew with every model."""
    import resource

    for i in range(6):
        shutil.copy(CNN, tmp_path / f"m{i}.mnn")
    (tmp_path / "mnnlint.toml").write_text("".join(
        f'[[suppress]]\nrule = "B002"\npath = "**/x{i}/*.mnn"\nreason = "r"\n' for i in range(1000)))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = mnnlint(".", "-t", "cuda,opencl,vulkan,metal", "--mnn-version", "all", "-q", cwd=tmp_path)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert proc.returncode == 0, proc.stderr
    assert (after.ru_utime - before.ru_utime) < 7.0  # about 1.3 s; 14 s before


def test_a_deleted_working_folder_is_one_line(tmp_path: Path) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    code = (f"import os, sys; os.chdir({str(gone)!r}); os.rmdir({str(gone)!r}); "
            f"from mnnlint.cli import main; sys.exit(main([{str(CNN)!r}]))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "internal error" not in proc.stderr
    assert proc.stderr.startswith("mnnlint: error: the working folder cannot be used")


def test_an_exports_weights_are_an_input_even_when_its_model_is_unreadable(tmp_path: Path) -> None:
    """The weight file was counted as an input only after its model loaded: with a corrupt
    model, `-o export/llm.mnn.weight` replaced the weights with the report."""
    export = tmp_path / "export"
    shutil.copytree(MODELS / "llm", export)
    config = json.loads((export / "config.json").read_text())
    (export / "llm.mnn.weight").rename(export / "weights.bin")  # a name no suffix rule protects
    (export / "config.json").write_text(json.dumps({**config, "llm_weight": "weights.bin"}))
    (export / "llm.mnn").write_bytes(b"not a model")
    weights = (export / "weights.bin").read_bytes()
    proc = mnnlint(str(export), "-o", str(export / "weights.bin"), cwd=tmp_path)
    assert proc.returncode == 2 and "refusing to write" in proc.stderr
    assert (export / "weights.bin").read_bytes() == weights


def test_a_walk_deeper_than_python_can_recurse_is_one_input_error(tmp_path: Path) -> None:
    """Python's os.walk fails near 1,000 nested folders: that was an internal error."""
    depth = 1050
    here, start = tmp_path / "deep", os.getcwd()
    here.mkdir()
    os.chdir(here)  # short relative names: a full path this deep would pass PATH_MAX
    try:
        for _ in range(depth):
            os.mkdir("d")
            os.chdir("d")
        Path("m.mnn").write_bytes(b"x")
        proc = mnnlint(".", "-t", "cpu", cwd=here)
    finally:  # remove it level by level: shutil.rmtree (and pytest's clean-up) recurse as deep
        os.chdir(here)
        for _ in range(depth):
            os.chdir("d")
        os.unlink("m.mnn")
        for _ in range(depth):
            os.chdir("..")
            os.rmdir("d")
        os.chdir(start)
    assert proc.returncode == 2 and "internal error" not in proc.stderr and "Traceback" not in proc.stderr
    assert "not searched" in proc.stderr


def test_a_sys_path_entry_that_is_a_path_object_does_not_break_rule_loading(tmp_path: Path) -> None:
    """importlib.metadata accepts os.PathLike entries on sys.path; the plugin pre-scan crashed on them."""
    probe = ("import sys, pathlib\nsys.path.append(pathlib.Path(sys.argv[2]))\nfrom mnnlint.registry import "
             "load_registry\nprint(len(load_registry().rules))\n")
    proc = subprocess.run([sys.executable, "-c", probe, str(FUSED), str(tmp_path)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0 and int(proc.stdout) > 10, proc.stderr
