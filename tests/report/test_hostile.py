"""Hostile names in every output format: no injected workflow command, no ESC byte, no crash.

Op, tensor, subgraph and file names are attacker-controlled (issue 11, items 5 and 6).
GitHub's runner executes a log line that starts, after whitespace, with `::` and the
legacy `##[` form anywhere in a line; terminals act on ESC and the 8-bit CSI; names
that are not UTF-8 reach us as surrogate escapes. Two layers of tests:

- the renderers on hand-made diagnostics whose every field is hostile;
- the real CLI on a converter-made model with hostile op and subgraph names
  (`tests/fixtures/build_hostile.py`) and on hostile file names, in every format.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_formats import assert_valid_sarif

from mnnlint.diagnostics import Diagnostic, OpRef, Severity
from mnnlint.registry import load_registry
from mnnlint.report import DOCUMENT_FORMATS, FORMATS, Checked, RunInfo, escape, render_document, renderer
from mnnlint.report import github as gh

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
HOSTILE_MODEL = REPO / "tests" / "fixtures" / "hostile" / "hostile_names.mnn"

# The hostile set: each is a name a model or a file system can hold.
NAMES = [
    "x\n::error file=a.mnn,line=1::injected",
    "::add-mask::secret",
    "  ::stop-commands::token",
    "\r::warning::cr",
    "a##[error]legacy",
    "\x1b[31mred\x1b[0m",
    "\x9b2J",  # 8-bit CSI
    "[/x]",
    "[bold]x[/bold]",
    ":smile: :warning:",
    "abc\u202edcb",
    "line\u2028sep\x85nel",
    "bad\udcff\udcfeutf8",  # os.fsdecode of b"bad\xff\xfeutf8"
    "::error file=::x.mnn",
    "%0A::error::percent",
]
# A workflow command of ours: `::error|warning|notice` with properties free of `:`, or the group pair.
OUR_COMMAND = re.compile(r"::(error|warning|notice)( [^:]*)?::.*|::group::mnnlint: all findings|::endgroup::")


def hostile_diagnostics() -> list[Diagnostic]:
    out = []
    for i, name in enumerate(NAMES):
        op = OpRef(i, name, "Attention" if i % 2 else name, name if i % 3 == 0 else "", 100 + i, 8)
        related = (OpRef(i + 100, name, name, name, 0, 0),)
        out.append(Diagnostic(
            "B002", "fused-op-unsupported", (Severity.ERROR, Severity.WARNING, Severity.INFO)[i % 3],
            f"fused op '{name}' (#{i}) has no {name} execution\n{name}", f"models/{name}.mnn", op,
            "cuda", ("3.2.0", "3.2.1")[i % 2], "llm", fix=f"rename {name}", count=2, related=related))
    out.append(Diagnostic("B004", "backend-unavailable", Severity.ERROR, NAMES[0], NAMES[1], None, "cuda",
                          "3.2.0", "default"))
    return out


def hostile_run(diagnostics: Sequence[Diagnostic], **kw: object) -> RunInfo:
    registry = load_registry()
    checked = [Checked(d.file, d.target, r, d.profile, "a" * 40, (f"{NAMES[0]}=ON",))
               for d in diagnostics for r in ("3.2.0", "3.2.1")]
    return RunInfo(version="0", checked=list(dict.fromkeys(checked)), input_errors=[f"{n}: not a model" for n in NAMES],
                   models=len(NAMES), rules=[registry.get("B002"), registry.get("B004")], config_file=NAMES[0],
                   config_profiles=(NAMES[1],), verbose=True, cwd="/work", root="/work", **kw)  # type: ignore[arg-type]


def assert_safe(output: str, *, commands: int = 0) -> None:
    """No ESC or CSI byte, no `##[`, and no line that starts a command other than our own `commands`."""
    output.encode("utf-8")  # strict: every name was made encodable
    assert "\x1b" not in output and "\x9b" not in output
    ours = 0
    for raw in re.split(r"\r\n|\r|\n", output):
        assert "##[" not in raw, raw
        body = raw.lstrip()
        if body.startswith("::"):
            assert OUR_COMMAND.fullmatch(body), raw
            ours += 1
        # whatever else a log reader might take for a line break
        for part in raw.splitlines()[1:]:
            assert not part.lstrip().startswith("::"), raw
    assert ours == commands, f"{ours} command lines, expected {commands}"


def render(fmt: str, diagnostics: Sequence[Diagnostic], run: RunInfo) -> str:
    out = io.StringIO()
    renderer(fmt)(diagnostics, run, out)
    return out.getvalue()


def _github_commands(diagnostics: Sequence[Diagnostic], run: RunInfo) -> int:
    shown, _ = gh.budget(gh.aggregate(diagnostics, run))
    return len(shown) + len(run.input_errors) + 2  # and the group's two lines


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_format_neutralises_hostile_names(fmt: str) -> None:
    diags = hostile_diagnostics()
    run = hostile_run(diags)
    out = render(fmt, diags, run)
    assert_safe(out, commands=_github_commands(diags, run) if fmt == "github" else 0)
    if fmt == "sarif":
        assert_valid_sarif(json.loads(out))
    elif fmt in ("json", "gitlab"):
        json.loads(out)
    elif fmt == "json-lines":
        assert len([json.loads(x) for x in out.splitlines()]) == len(diags) + len(NAMES)
    elif fmt == "junit":
        ET.fromstring(out)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_statistics_and_quiet_neutralise_hostile_names(fmt: str) -> None:
    diags = hostile_diagnostics()
    assert_safe(render(fmt, diags, hostile_run(diags, statistics=True)))
    assert_safe(render(fmt, diags, hostile_run(diags, quiet=True)),
                commands=_github_commands(diags, hostile_run(diags)) if fmt == "github" else 0)


def test_step_summary_neutralises_hostile_names() -> None:
    diags = hostile_diagnostics()
    text = gh.step_summary(diags, hostile_run(diags))
    assert_safe(text)
    # nothing of a name takes effect as markdown or HTML: no tag, link, image or cell break
    for row in text.splitlines():
        if row.startswith("| ") and not row.startswith(("| Level", "| ---")):
            assert row.count("|") == 9, row  # 8 cells: a name holds no cell break
            assert not re.search(r"<(?!/?code>|br>)", row), row
            assert "](" not in row and "[" not in row


def test_color_comes_only_from_run_info() -> None:
    """Colour codes are ours alone: with colour on, a name still carries no ESC."""
    diags = hostile_diagnostics()
    out = render("text", diags, hostile_run(diags, color=True))
    assert "\x1b[" in out
    for name in ("\x1b[31mred", "\x9b2J"):
        assert name not in out
    assert "\\x1b[31mred" in out


@pytest.mark.parametrize("fmt", sorted(DOCUMENT_FORMATS))
def test_inspect_and_targets_documents_neutralise_hostile_names(fmt: str) -> None:
    from mnnlint.describe import describe
    from mnnlint.inputs import expand
    from mnnlint.loader import load

    (source,) = list(expand([str(HOSTILE_MODEL)], []))
    summary = describe(load(source))
    assert "[/x]" in {s["name"] for s in summary["subgraphs"]}  # the converter kept the hostile names
    summary["path"] = NAMES[0]
    summary["op_types"] = {name: 1 for name in NAMES}
    out = io.StringIO()
    render_document("inspect", fmt, {"version": "0", "models": [summary]}, out)
    assert_safe(out.getvalue())
    out = io.StringIO()
    render_document("targets", fmt, {"backend": NAMES[0], "profile": NAMES[1], "releases": NAMES, "runs": [],
                                     "backends": []}, out)
    assert_safe(out.getvalue())


def test_escape_text_is_visible_and_total() -> None:
    assert escape.text("a\nb\x1b[31m\udcff\u202e") == "a\\nb\\x1b[31m\\xff\\u202e"
    assert escape.text("x##[error]") == "x#\\x23[error]"
    assert escape.line("  ::error x") == "  \\x3a:error x"
    assert escape.line("\x1b[1m ::error x") == "\x1b[1m \\x3a:error x"  # our own colour cannot hide one
    assert escape.unicode("a\udcffb") == "a\\xffb"
    assert json.loads(escape.json_dumps({"k": "##[x\x9b\u2028"})) == {"k": "##[x\x9b\u2028"}


# --- the real CLI on a real model and real file names --------------------------------------

HOSTILE_FILES = [
    b"\n::error file=a.mnn,line=1::from a file name.mnn",
    b"::add-mask::x.mnn",
    b"##[error]legacy.mnn",
    b"\xff\xfe\x1b[31mnot-utf8.mnn",
    b"[/x].mnn",  # a folder `[` holding `x].mnn`: rich markup that does not balance
]


@pytest.fixture(scope="module")
def hostile_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    models = root / "models"
    models.mkdir()
    shutil.copy(HOSTILE_MODEL, models / "names.mnn")
    (models / "[").mkdir()
    for name in HOSTILE_FILES:
        shutil.copy(HOSTILE_MODEL, os.path.join(os.fsencode(models), name))
    (models / "broken.mnn").write_bytes(b"not a model at all, and long enough to be looked at" * 4)
    os.symlink(b"gone\n::error::from a symlink target", os.path.join(os.fsencode(models), b"dangling.mnn"))
    return root


def _cli(cwd: Path, *args: str, summary: Path | None = None) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "GITHUB_STEP_SUMMARY")}
    env["NO_COLOR"] = "1"
    if summary is not None:
        env["GITHUB_STEP_SUMMARY"] = str(summary)
    proc = subprocess.run([sys.executable, "-m", "mnnlint", *args], cwd=cwd, capture_output=True, env=env,
                          timeout=120)
    out, err = proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")  # strict: both are valid UTF-8
    assert "Traceback" not in err and "internal error" not in err, err
    return proc.returncode, out + err


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_cli_every_format_on_hostile_model_and_file_names(fmt: str, hostile_tree: Path) -> None:
    summary = hostile_tree / f"summary-{fmt}.md"
    code, out = _cli(hostile_tree, "models", "-t", "cuda", "--mnn-version", "3.6.1", "--format", fmt,
                     summary=summary)
    assert code == 2  # the broken file and the dangling link; the good models are still reported
    commands = 0
    if fmt == "github":
        commands = sum(1 for x in out.splitlines() if OUR_COMMAND.fullmatch(x))
        # the 6 model copies' B003 findings, the 2 input errors, and the group: nothing more
        assert commands == 6 + 2 + 2, out
        assert_safe(summary.read_text(encoding="utf-8"))
        assert "B003" in summary.read_text(encoding="utf-8")
    else:
        assert not summary.exists()
    assert_safe(out, commands=commands)
    if fmt == "sarif":
        doc = json.loads(out[: out.rindex("}") + 1])
        assert_valid_sarif(doc)
        assert sum(len(r["results"]) for r in doc["runs"]) == 6


def test_cli_sarif_file_is_whole_with_names_that_are_not_utf8(hostile_tree: Path) -> None:
    target = hostile_tree / "out.sarif"
    code, _ = _cli(hostile_tree, "models", "-t", "cuda", "--mnn-version", "3.6.1", "--format", "sarif",
                   "-o", str(target))
    assert code == 2
    doc = json.loads(target.read_text(encoding="utf-8"))
    assert_valid_sarif(doc)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for run in doc["runs"]
            for r in run["results"]}
    assert "models/%FF%FE%1B%5B31mnot-utf8.mnn" in uris  # the file's real bytes, percent-encoded


@pytest.mark.parametrize("args", [("inspect", "models"), ("inspect", "models", "--format", "json"),
                                  ("models", "-t", "cuda", "--mnn-version", "3.6.1", "--statistics"),
                                  ("models", "-t", "cuda", "--mnn-version", "all", "--format", "concise")])
def test_cli_other_outputs_on_hostile_names(args: tuple[str, ...], hostile_tree: Path) -> None:
    code, out = _cli(hostile_tree, *args)
    assert code == 2
    assert_safe(out)
    if args[0] == "inspect" and "json" not in args:
        assert "subgraph [/x]: " in out  # printed, not read as markup


# --- a real op name inside a real rule's message ---------------------------------------------

HUMAN_FORMATS = ("text", "concise", "github", "junit", "gitlab")
DATA_FORMATS = ("json", "json-lines", "sarif")
assert set(HUMAN_FORMATS) | set(DATA_FORMATS) == set(FORMATS)
# and the two human outputs that are not `--output-format`s
OTHER_HUMAN = ("github-step-summary", "html")


@pytest.fixture(scope="module")
def quoted_name() -> tuple[list[Diagnostic], RunInfo, str]:
    """The rules' findings on the hostile model, and the op name B003's message quotes
    (`rules/_common.op_list`): a line break, then a workflow command, as the converter wrote it."""
    from mnnlint.run import prepare

    run = prepare(flags={"target": ["cuda"], "mnn-version": "3.6.1"}, label="test")
    result = run.execute(run.sources([HOSTILE_MODEL]))
    info = RunInfo(version="0", checked=result.checked, models=result.models, rules=run.rules,
                   cwd=str(REPO), root=str(REPO))
    (finding,) = [d for d in result.diagnostics if d.code == "B003"]
    assert finding.op is not None
    name = finding.op.name
    assert name.startswith("\n::error file=") and f"'{name}'" in finding.message  # raw in the message
    return result.diagnostics, info, name


def _folded(value: str) -> str:
    """Runs of white space as one space: the text format wraps a long message at spaces."""
    return " ".join(value.split())


@pytest.mark.parametrize("fmt", HUMAN_FORMATS + OTHER_HUMAN)
def test_a_line_break_in_a_quoted_op_name_shows_as_an_escape(fmt: str, quoted_name: tuple) -> None:
    """A reporter cannot tell a line break the rule wrote from one in a name the rule quoted,
    so no line break of a message may start a line of the report: there the rest of the name
    would read as a line of mnnlint's own (a `fix:` line, another finding, in a log a command).
    The name shows with its line break as `\\n`, as every other name does."""
    diagnostics, run, name = quoted_name
    quoted = _folded(escape.text(f"'{name}'"))  # as op_list quotes it: not the op's location
    if fmt == "github-step-summary":
        out = gh.step_summary(diagnostics, run)
        quoted = "".join(gh._MARKDOWN.get(ch, ch) for ch in quoted)
    elif fmt == "html":
        from html import escape as html_escape

        from mnnlint.report import html

        out = io.StringIO()
        html.render(diagnostics, run, out)
        out, quoted = out.getvalue(), html_escape(quoted)
    else:
        out = render(fmt, diagnostics, run)
    assert_safe(out, commands=_github_commands(diagnostics, run) if fmt == "github" else 0)
    if fmt == "junit":
        failure = ET.fromstring(out).find(".//failure")
        assert failure is not None
        shown = [failure.get("message", ""), failure.text or ""]
    elif fmt == "gitlab":
        shown = [issue["description"] for issue in json.loads(out)]
    else:
        shown = [out]
    for where in shown:
        assert quoted in _folded(where), where


@pytest.mark.parametrize("fmt", DATA_FORMATS)
def test_data_formats_keep_the_quoted_op_name_as_data(fmt: str, quoted_name: tuple) -> None:
    """JSON and SARIF carry the message as the rule wrote it, the name as the file holds it:
    the document itself has no raw line break, ESC or `##[` in a string (json_dumps), and a
    consumer that shows the message escapes it for its own medium."""
    diagnostics, run, name = quoted_name
    out = render(fmt, diagnostics, run)
    assert_safe(out)
    if fmt == "json":
        messages = [d["message"] for d in json.loads(out)["diagnostics"]]
    elif fmt == "json-lines":
        messages = [json.loads(x).get("message", "") for x in out.splitlines()]
    else:
        messages = [r["message"]["text"] for r in json.loads(out)["runs"][0]["results"]]
    assert any(f"'{name}'" in m for m in messages)


# --- any name at all --------------------------------------------------------------------------

_PIECES = ["\n", "\r", "\r\n", "::", "##[", "\x1b[", "\x9b", "\udcff", "\ud800", "\u2028", "\x85", "[/x]", "%0A",
           " ", "  ::error::", "`", "|", "<br>", "]("]
NAME = st.lists(st.one_of(st.characters(), st.sampled_from(_PIECES)), max_size=12).map("".join)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(file=NAME, op=NAME, subgraph=NAME, type_name=NAME, message=NAME)
def test_any_names_in_every_format(file: str, op: str, subgraph: str, type_name: str, message: str) -> None:
    ref = OpRef(3, op, type_name, subgraph, 10, 4)
    diags = [Diagnostic("B002", "fused-op-unsupported", Severity.ERROR, f"{message} '{op}' (#3)", file, ref,
                        "cuda", "3.2.0", "llm", fix=message, related=(ref,)),
             Diagnostic("B004", "backend-unavailable", Severity.WARNING, message, file, None, "cuda", "3.2.1",
                        "llm")]
    checked = [Checked(file, "cuda", r, "llm", "a" * 40, (message,)) for r in ("3.2.0", "3.2.1")]
    run = RunInfo(version="0", checked=checked,
                  input_errors=[f"{file}: {message}"], models=1, rules=[load_registry().get("B002")],
                  config_file=file, verbose=True, cwd="/w", root="/w")
    for fmt in FORMATS:
        assert_safe(render(fmt, diags, run), commands=_github_commands(diags, run) if fmt == "github" else 0)
    assert_safe(gh.step_summary(diags, run))
    doc = json.loads(render("sarif", diags, run))
    assert_valid_sarif(doc)


# --- the fuzzer's hostile names through the in-process CLI ----------------------------------

@pytest.mark.parametrize("fmt", ["text", "concise", "github", "junit", "gitlab"])
def test_fuzzed_hostile_names_through_the_cli(fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`fuzz.mutate.hostile_name` rewrites real fixtures' names; the fuzzer's output oracle
    (`fuzz.harness.unsafe_output`) must find nothing in `inspect` or in a check's report."""
    import random

    from fuzz.harness import bases, check_file
    from fuzz.mutate import hostile_name

    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    kinds = []
    for seed, base in enumerate(bases()):
        path = tmp_path / f"{seed}.mnn"
        path.write_bytes(hostile_name(random.Random(seed), base.data, base.layout, []))
        for args in (("inspect",), ("--target", "cuda,opencl", "--mnn-version", "3.6.1", "--format", fmt)):
            outcome = check_file(path, seconds=20, cli_args=args)
            assert outcome.kind in ("clean", "rejected"), f"{base.name} {args}: {outcome.detail}"
            kinds.append(outcome.kind)
    assert kinds.count("clean") > len(kinds) // 2  # the names changed, the models still read
