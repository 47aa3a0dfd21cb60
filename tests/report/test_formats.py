"""Every output format on one fixed list of findings (snapshots), and on real checks of real models.

Snapshots live in `snapshots/`; after an intended change of a format, regenerate them with

    MNNLINT_UPDATE_SNAPSHOTS=1 pytest tests/report

and read the diff before committing it. SARIF is validated against the official
SARIF 2.1.0 schema (`sarif-schema-2.1.0.json` here, source in README.md).
"""

from __future__ import annotations

import io
import json
import os
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from mnnlint.diagnostics import Diagnostic, OpRef, Severity, fingerprint
from mnnlint.registry import load_registry
from mnnlint.report import FORMATS, Checked, RunInfo, renderer
from mnnlint.report import github as gh
from mnnlint.report.sarif import FINGERPRINT_KEY

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SNAPSHOTS = HERE / "snapshots"
UPDATE = os.environ.get("MNNLINT_UPDATE_SNAPSHOTS", "") not in ("", "0")
FUSED = "tests/fixtures/models/transformer_fused.mnn"
CNN = "tests/fixtures/models/cnn.mnn"
EXT = {"text": "txt", "concise": "txt", "json": "json", "json-lines": "jsonl", "sarif": "sarif",
       "github": "txt", "junit": "xml", "gitlab": "json"}


def sarif_validator() -> jsonschema.protocols.Validator:
    schema = json.loads((HERE / "sarif-schema-2.1.0.json").read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def assert_valid_sarif(doc: dict[str, Any]) -> None:
    errors = sorted(sarif_validator().iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message[:300]}" for e in errors[:10])


# Real places: the Attention op of the fused fixture is op #38 at bytes 27196+28.
ATTN = OpRef(38, "Attentionlayers.0.attn_merged", "Attention", "", 27196, 28)
ODD = OpRef(7, "/model/a:b,c%d", "GridSample", "while_body", 1024, 64)  # names may hold anything
OTHER = OpRef(9, "gs_2", "GridSample", "while_body", 1100, 60)


def fixed_diagnostics() -> list[Diagnostic]:
    """A hand-made list covering every shape a renderer meets: all levels, ops in
    subgraphs, grouped ops, no op at all, one finding in two releases, characters
    that need escaping in every format."""
    return [
        Diagnostic("B002", "fused-op-unsupported", Severity.ERROR,
                   "fused `Attention` has no cuda execution in MNN 3.2.0", FUSED, ATTN, "cuda", "3.2.0", "llm",
                   fix="Reconvert without --transformerFuse; or use MNN 3.2.1 or later"),
        Diagnostic("B002", "fused-op-unsupported", Severity.ERROR,
                   "fused `Attention` has no cuda execution in MNN 3.2.1 without MNN_SUPPORT_TRANSFORMER_FUSE",
                   FUSED, ATTN, "cuda", "3.2.1", "default", fix="Build with MNN_SUPPORT_TRANSFORMER_FUSE=ON"),
        Diagnostic("B001", "op-falls-back", Severity.WARNING,
                   "`GridSample` has no opencl-buffer execution: 2 ops | run on the CPU\nline two, 100% sure",
                   FUSED, ODD, "opencl-buffer", "3.2.0", "llm", fix=None, count=2, related=(OTHER,)),
        Diagnostic("B004", "backend-unavailable", Severity.ERROR,
                   "MNN 3.2.0 has no hexagon backend", CNN, None, "hexagon", "3.2.0", "default",
                   fix="Use MNN 3.3.0 or later"),
        Diagnostic("P001", "pool-zero-stride", Severity.INFO, "pool with stride 0, informational",
                   CNN, OpRef(3, "pool,1", "Pooling", "", 500, 40), "cpu", "3.2.0", "default"),
    ]


def fixed_run(diagnostics: Sequence[Diagnostic]) -> RunInfo:
    registry = load_registry()
    llm = ("MNN_BUILD_LLM=ON", "MNN_LOW_MEMORY=ON", "MNN_SUPPORT_TRANSFORMER_FUSE=ON")
    checked = [
        Checked(FUSED, "cuda", "3.2.0", "llm", "a" * 40, llm), Checked(FUSED, "cuda", "3.2.1", "default", "b" * 40),
        Checked(FUSED, "opencl-buffer", "3.2.0", "llm", "a" * 40, llm),
        Checked(CNN, "hexagon", "3.2.0", "default", "a" * 40),
        Checked(CNN, "cpu", "3.2.0", "default", "a" * 40), Checked(CNN, "cuda", "3.2.0", "default", "a" * 40),
    ]
    rules = [registry.get(c) for c in ("B001", "B002", "B004", "P001")]
    return RunInfo(version="0.0.0+test", checked=checked, input_errors=["tests/broken.mnn: not an MNN model"],
                   models=2, rules=rules, cwd=str(REPO), root=str(REPO))


def render(fmt: str, diagnostics: Sequence[Diagnostic], run: RunInfo) -> str:
    out = io.StringIO()
    renderer(fmt)(diagnostics, run, out)
    return out.getvalue()


@pytest.fixture
def at_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    """Paths in the fixed list are relative to the checkout, as a user in CI would give them."""
    monkeypatch.chdir(REPO)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)


def check_snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if UPDATE or not path.exists():
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"snapshot {name} was missing and has been written; check it and run again")
    assert text == path.read_text(encoding="utf-8"), (
        f"{name} differs from its snapshot; if intended, run with MNNLINT_UPDATE_SNAPSHOTS=1")


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_snapshot(fmt: str, at_repo: None) -> None:
    diags = fixed_diagnostics()
    check_snapshot(f"fixed.{fmt}.{EXT[fmt]}", render(fmt, diags, fixed_run(diags)))


def test_every_format_has_a_snapshot() -> None:
    assert set(EXT) == set(FORMATS)


# --- SARIF ---------------------------------------------------------------------------------

def test_sarif_fixed_is_valid_and_shaped_for_code_scanning(at_repo: None) -> None:
    diags = fixed_diagnostics()
    doc = json.loads(render("sarif", diags, fixed_run(diags)))
    assert_valid_sarif(doc)
    runs = {r["automationDetails"]["id"]: r for r in doc["runs"]}
    # one run per target checked, clean targets included (so fixed alerts close there)
    assert set(runs) == {"mnnlint/cuda/", "mnnlint/opencl-buffer/", "mnnlint/hexagon/", "mnnlint/cpu/"}
    cuda = runs["mnnlint/cuda/"]
    assert len(cuda["results"]) == 2
    res = cuda["results"][0]
    loc = res["locations"][0]
    assert loc["physicalLocation"]["artifactLocation"]["uri"] == FUSED
    assert loc["physicalLocation"]["region"] == {"startLine": 1, "byteOffset": 27196, "byteLength": 28}
    assert loc["logicalLocations"][0]["fullyQualifiedName"] == "main/op[38]:Attentionlayers.0.attn_merged"
    assert res["partialFingerprints"] == {FINGERPRINT_KEY: fingerprint(diags[0])}
    rules = cuda["tool"]["driver"]["rules"]
    assert rules[res["ruleIndex"]]["id"] == "B002"
    b002 = rules[res["ruleIndex"]]
    assert b002["defaultConfiguration"]["level"] == "error"
    assert "transformerFuse" in b002["help"]["markdown"] and "## How to fix" in b002["help"]["markdown"]
    assert b002["shortDescription"]["text"].startswith("Fused transformer op")
    # an op-less finding still has the line GitHub needs and no byte range
    hexagon = runs["mnnlint/hexagon/"]["results"][0]
    assert hexagon["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}
    assert "logicalLocations" not in hexagon["locations"][0]
    grouped = runs["mnnlint/opencl-buffer/"]["results"][0]
    assert grouped["relatedLocations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "while_body/op[9]:gs_2"
    assert runs["mnnlint/cpu/"]["results"][0]["level"] == "note"
    # input errors are tool notifications, and make the invocation unsuccessful
    first = doc["runs"][0]["invocations"][0]
    assert first["executionSuccessful"] is False
    assert first["toolExecutionNotifications"][0]["message"]["text"].startswith("tests/broken.mnn")


def test_sarif_fingerprint_survives_reexport(at_repo: None) -> None:
    """The same finding at another op index and byte offset (a re-exported model) keeps its identity."""
    d = fixed_diagnostics()[0]
    moved = Diagnostic(**{**{f: getattr(d, f) for f in d._fields},
                          "op": OpRef(41, ATTN.name, ATTN.type_name, "", 30000, 28)})
    docs = [json.loads(render("sarif", [x], fixed_run([x]))) for x in (d, moved)]
    prints = [doc["runs"][0]["results"][0]["partialFingerprints"] for doc in docs]
    assert prints[0] == prints[1]
    other = Diagnostic(**{**{f: getattr(d, f) for f in d._fields}, "target": "vulkan-buffer"})
    assert fingerprint(other) != fingerprint(d)


def test_sarif_uri_is_relative_to_the_git_root_not_the_cwd() -> None:
    d = fixed_diagnostics()[0]
    d = Diagnostic(**{**{f: getattr(d, f) for f in d._fields}, "file": "models/transformer_fused.mnn"})
    run = fixed_run([d])._replace(cwd=str(REPO / "tests" / "fixtures"), root=str(REPO))
    doc = json.loads(render("sarif", [d], run))
    assert doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == FUSED


def test_sarif_uri_outside_any_repo(tmp_path: Path) -> None:
    d = fixed_diagnostics()[0]
    inside = Diagnostic(**{**{f: getattr(d, f) for f in d._fields}, "file": "sub dir/m.mnn"})
    outside = Diagnostic(**{**{f: getattr(d, f) for f in d._fields}, "file": str(tmp_path / "o.mnn")})
    run = fixed_run([])._replace(cwd=str(tmp_path / "work"), root=None)
    doc = json.loads(render("sarif", [inside, outside], run))
    assert_valid_sarif(doc)
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in doc["runs"][0]["results"]]
    assert uris[0] == "sub%20dir/m.mnn"
    assert uris[1].startswith("file:///") and uris[1].endswith("/o.mnn")


# --- github ------------------------------------------------------------------------------

def test_github_escaping() -> None:
    assert gh.escape_data("a%b\r\nc:d,e") == "a%25b%0D%0Ac:d,e"
    assert gh.escape_property("a%b\r\nc:d,e") == "a%25b%0D%0Ac%3Ad%2Ce"
    # `%` first: an already-escaped-looking text must not decode into something else
    assert gh.escape_property("%0A") == "%250A"


def _command_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("::") and not line.startswith("::group")
            and not line.startswith("::endgroup")]


def test_github_commands_on_fixed_list(at_repo: None) -> None:
    diags = fixed_diagnostics()
    out = render("github", diags, fixed_run(diags))
    commands = _command_lines(out)
    # B002 on cuda in 3.2.0 and 3.2.1 is one annotation; the input error is one more
    assert [c.split(" ", 1)[0] for c in commands] == ["::error", "::error", "::warning", "::notice", "::error"]
    first = commands[0]
    assert first.startswith(f"::error file={FUSED},line=1,title=B002 fused-op-unsupported (cuda)::")
    assert "[fails MNN 3.2.0\u20133.2.1 (every release checked)]" in first and "%0AFix: Reconvert" in first
    warning = commands[2]
    # a line break in a message shows as `\n` (escape.message): only our own `Fix:` line is a new line
    assert "run on the CPU\\nline two, 100%25 sure" in warning and "%0A" not in warning and "\n" not in warning
    # every line is a whole command: nothing a message holds can start another one
    for line in out.splitlines():
        assert line.startswith(("::", "  ", "mnnlint: ")), line
    text = gh.step_summary(diags, fixed_run(diags))
    assert text.startswith("## mnnlint\n")
    assert ("| error | <code>B002</code> fused-op-unsupported | <code>tests/fixtures/models/transformer&#95;fused.mnn"
            "</code> | cuda | fails MNN 3.2.0\u20133.2.1 (every release checked) |") in text
    assert "2 ops &#124; run on the CPU&#92;nline two" in text  # table cells escaped, one line each
    assert "input error: tests/broken.mnn" in text
    check_snapshot("fixed.github-summary.md", text)


def _many() -> list[Diagnostic]:
    """25 error groups, 12 warning groups, 3 notice groups, each in two releases."""
    diags = []
    for i in range(25):
        for rel in ("3.2.0", "3.3.0"):
            diags.append(Diagnostic("B002", "fused-op-unsupported", Severity.ERROR, f"error {i}",
                                    f"models/m{i:02d}.mnn", ATTN, "cuda", rel, "llm"))
    for i in range(12):
        diags.append(Diagnostic("B001", "op-falls-back", Severity.WARNING, f"warning {i}", "models/w.mnn",
                                ODD, f"target{i:02d}", "3.2.0", "default"))
    for i in range(3):
        diags.append(Diagnostic("P001", "pool-zero-stride", Severity.INFO, f"notice {i}", f"models/n{i}.mnn",
                                None, "cpu", "3.2.0", "default"))
    return diags


def test_github_budget() -> None:
    diags = _many()
    out = render("github", diags, RunInfo(version="0", models=40))
    levels = [c.split(" ", 1)[0] for c in _command_lines(out)]
    assert levels.count("::error") == 10 and levels.count("::warning") == 10 and levels.count("::notice") == 3
    assert "error 0" in out and "error 9" in _command_lines(out)[9] and "::error file=models/m10.mnn" not in out
    assert "mnnlint: 15 errors, 2 warnings not annotated" in out
    text = gh.step_summary(diags, RunInfo(version="0", models=40))
    assert "15 errors, 2 warnings beyond GitHub's 10 annotations per level" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith(("| Level", "| ---"))]
    assert len(rows) == 25 + 12 + 3  # everything, aggregated per (model, rule, target)
    assert ("| error | <code>B002</code> fused-op-unsupported | <code>models/m24.mnn</code> | cuda "
            "| MNN 3.2.0, 3.3.0 |") in text


def test_github_writes_no_step_summary_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The reporter is pure: the CLI, not the reporter, appends to $GITHUB_STEP_SUMMARY."""
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    render("github", _many(), RunInfo(version="0"))
    assert not summary.exists()


# --- junit, gitlab, json-lines on the fixed list --------------------------------------------

def test_junit_structure(at_repo: None) -> None:
    diags = fixed_diagnostics()
    root = ET.fromstring(render("junit", diags, fixed_run(diags)))
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    cuda = suites[f"{FUSED} on cuda"]
    failures = cuda.findall("testcase/failure")
    assert len(failures) == 2 and cuda.get("failures") == "2"
    # 2 findings, and 3 rules without findings in each of 2 releases
    assert int(cuda.get("tests")) == len(cuda.findall("testcase")) == 2 + 2 * 3
    assert suites[f"{CNN} on cpu"].get("failures") == "0"  # info does not fail
    assert suites[f"{CNN} on cuda"].get("tests") == "4"  # a clean check is four passed rules
    assert suites["input files"].find("testcase/error") is not None
    assert root.get("tests") == str(sum(int(s.get("tests")) for s in suites.values()))


def test_junit_survives_control_characters(at_repo: None) -> None:
    d = fixed_diagnostics()[0]
    nasty = Diagnostic(**{**{f: getattr(d, f) for f in d._fields}, "message": "bad \x00\x1b name"})
    root = ET.fromstring(render("junit", [nasty], fixed_run([nasty])))
    assert "bad \\x00\\x1b name" in [f.get("message") for f in root.iter("failure")]


def test_gitlab_code_quality(at_repo: None) -> None:
    diags = fixed_diagnostics()
    twin = Diagnostic(**{**{f: getattr(diags[0], f) for f in diags[0]._fields}})
    issues = json.loads(render("gitlab", [*diags, twin], fixed_run(diags)))
    for issue in issues:
        assert set(issue) >= {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert issue["location"]["lines"]["begin"] == 1
    assert [i["severity"] for i in issues[:5]] == ["major", "major", "minor", "major", "info"]
    assert len({i["fingerprint"] for i in issues}) == len(issues)  # unique even for a repeated finding
    assert issues[0]["location"]["path"] == FUSED


def test_json_lines_match_json(at_repo: None) -> None:
    diags = fixed_diagnostics()
    lines = [json.loads(line) for line in render("json-lines", diags, fixed_run(diags)).splitlines()]
    full = json.loads(render("json", diags, fixed_run(diags)))
    assert [x for x in lines if "input_error" not in x] == full["diagnostics"]
    # input errors are lines too, after the findings
    assert [x["input_error"] for x in lines if "input_error" in x] == full["input_errors"] == [
        "tests/broken.mnn: not an MNN model"]


# --- real checks of real models through the CLI --------------------------------------------

MODELS = REPO / "tests" / "fixtures" / "models"
MANY_TARGETS = "cuda,opencl,vulkan,metal,coreml,nnapi,qnn,npu,trt,arm82"


@pytest.fixture(scope="module")
def real_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Every format of one real check: all fixture models on ten targets, MNN 3.2.0."""
    from mnnlint.cli import main

    out = tmp_path_factory.mktemp("reports")
    reports = {}
    cwd = os.getcwd()
    env = os.environ.pop("GITHUB_STEP_SUMMARY", None)
    try:
        os.chdir(REPO)
        for fmt in FORMATS:
            path = out / f"report.{EXT[fmt]}"
            code = main(["tests/fixtures/models", "--target", MANY_TARGETS, "--mnn-version", "3.2.0",
                         "--output-format", fmt, "-o", str(path)])
            assert code == 1, fmt
            reports[fmt] = path.read_text()
    finally:
        os.chdir(cwd)
        if env is not None:
            os.environ["GITHUB_STEP_SUMMARY"] = env
    return reports


def test_real_sarif_is_valid(real_reports: dict[str, str]) -> None:
    doc = json.loads(real_reports["sarif"])
    assert_valid_sarif(doc)
    diags = json.loads(real_reports["json"])["diagnostics"]
    results = [r for run in doc["runs"] for r in run["results"]]
    assert len(results) == len(diags) > 20
    ids = [run["automationDetails"]["id"] for run in doc["runs"]]
    assert len(ids) == len(set(ids))
    for r in results:
        uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri.startswith("tests/fixtures/models/") and (REPO / uri).is_file()
        region = r["locations"][0]["physicalLocation"]["region"]
        if "byteOffset" in region:  # the bytes named are inside the file
            assert region["byteOffset"] + region["byteLength"] <= (REPO / uri).stat().st_size


def test_real_github_budget(real_reports: dict[str, str]) -> None:
    commands = _command_lines(real_reports["github"])
    levels = [c.split(" ", 1)[0] for c in commands]
    assert levels.count("::error") == 10, "expected more than 10 error groups from ten targets"
    assert all(levels.count(level) <= 10 for level in set(levels))
    assert "not annotated (GitHub shows 10 per level per step)" in real_reports["github"]


def test_real_other_formats_agree(real_reports: dict[str, str]) -> None:
    diags = json.loads(real_reports["json"])["diagnostics"]
    assert [json.loads(x) for x in real_reports["json-lines"].splitlines()] == diags
    assert len(json.loads(real_reports["gitlab"])) == len(diags)
    root = ET.fromstring(real_reports["junit"])
    failing = sum(1 for d in diags if d["severity"] in ("error", "warning"))
    assert int(root.get("failures")) == failing == len(list(root.iter("failure")))
    assert len(real_reports["concise"].splitlines()) == len(diags)
