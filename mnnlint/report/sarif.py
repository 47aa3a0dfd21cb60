"""`--output-format sarif`: SARIF 2.1.0 for code scanning, built for binary model files.

GitHub's code scanning wants a text position, so every result has `startLine: 1`; the
op itself is named twice more, for tools that understand binaries: by its bytes in the
file (`byteOffset`/`byteLength`) and by its place in the graph (a logical location
`subgraph/op[index]:name`). Each target backend is its own run with its own
`runAutomationDetails.id`, so a fixed CUDA finding closes without touching the
OpenCL alerts. `partialFingerprints` come from `diagnostics.fingerprint`, which leaves
out op indexes and offsets: a re-exported model keeps its alerts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from ..diagnostics import Diagnostic, OpRef, Severity, fingerprint
from . import RunInfo
from .common import artifact_path, artifact_uri, rules_by_code
from .escape import json_dumps

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "mnnlintFinding/v1"
# GitHub keeps at most 1000 related locations per result; a grouped finding rarely needs many.
MAX_RELATED = 100

LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
# GitHub's `problem.severity` vocabulary for non-security results.
PROBLEM_SEVERITY = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "recommendation"}


def rule_descriptor(rule: Any) -> dict[str, Any]:
    """A reportingDescriptor from the rule's own documentation (fix included)."""
    summary = rule.summary() or rule.name
    docs = rule.documentation()
    what = rule.section("What it does") or summary
    why = rule.section("Why is this bad?")
    full = f"{what}\n\n{why}".strip()
    markdown = f"**{rule.code} {rule.name}**: {summary}\n\n{docs}".strip()
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": full, "markdown": full},
        "help": {"text": docs or summary, "markdown": markdown},
        "defaultConfiguration": {"level": LEVEL[rule.severity]},
        "properties": {
            "tags": ["mnn", "model", "backend-support"],
            "problem.severity": PROBLEM_SEVERITY[rule.severity],
            "precision": "high",
        },
    }


def _region(op: OpRef | None) -> dict[str, int]:
    region = {"startLine": 1}
    if op is not None and op.byte_length > 0:
        region.update(byteOffset=op.byte_offset, byteLength=op.byte_length)
    return region


def _logical(op: OpRef) -> dict[str, str]:
    return {"name": op.name, "fullyQualifiedName": op.logical_path, "kind": "element",
            "decoratedName": op.type_name}


def _location(d: Diagnostic, op: OpRef | None, uri: str) -> dict[str, Any]:
    loc: dict[str, Any] = {
        "physicalLocation": {"artifactLocation": {"uri": uri}, "region": _region(op)},
    }
    if op is not None:
        loc["logicalLocations"] = [_logical(op)]
    return loc


def result(d: Diagnostic, rule_index: dict[str, int], run: RunInfo) -> dict[str, Any]:
    uri = artifact_uri(d.file, run)
    text = d.message if not d.fix else f"{d.message}. Fix: {d.fix}"
    res: dict[str, Any] = {
        "ruleId": d.code,
        "level": LEVEL[d.severity],
        "message": {"text": text},
        "locations": [_location(d, d.op, uri)],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(d)},
        "properties": {
            "target": d.target, "mnnRelease": d.release, "buildProfile": d.profile,
            "opType": d.op.type_name if d.op else None, "opCount": d.count, "fix": d.fix,
        },
    }
    if d.code in rule_index:
        res["ruleIndex"] = rule_index[d.code]
    related = []
    for i, op in enumerate(d.related[:MAX_RELATED], start=1):
        loc = _location(d, op, uri)
        loc["id"] = i
        loc["message"] = {"text": f"also {op.type_name} op {op.logical_path}"}
        related.append(loc)
    if related:
        res["relatedLocations"] = related
    return res


def _targets(diagnostics: Sequence[Diagnostic], run: RunInfo) -> list[str]:
    seen = dict.fromkeys(c.target for c in run.checked)
    seen.update(dict.fromkeys(d.target for d in diagnostics))
    return list(seen)


def sarif_log(diagnostics: Sequence[Diagnostic], run: RunInfo) -> dict[str, Any]:
    rules = list(rules_by_code(run).values())
    rule_index = {r.code: i for i, r in enumerate(rules)}
    driver = {
        "name": "mnnlint",
        "version": run.version,
        "semanticVersion": run.version,
        "rules": [rule_descriptor(r) for r in rules],
    }
    runs = []
    targets = _targets(diagnostics, run) or [None]
    for n, target in enumerate(targets):
        mine = [d for d in diagnostics if d.target == target]
        checked = [c for c in run.checked if c.target == target]
        notes = _input_errors(run.input_errors) if n == 0 else []
        runs.append({
            "tool": {"driver": driver},
            "automationDetails": {"id": f"mnnlint/{target}/" if target else "mnnlint/"},
            "invocations": [{
                "executionSuccessful": not notes,
                "toolExecutionNotifications": notes,
            }],
            "columnKind": "unicodeCodePoints",
            "results": [result(d, rule_index, run) for d in mine],
            "properties": {
                "target": target,
                "checked": [{"file": artifact_path(c.file, run), "release": c.release, "profile": c.profile,
                             "tablesCommit": c.commit,
                             "placement": c.placement.as_dict() if c.placement is not None else None}
                            for c in checked],
            },
        })
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": runs}


def _input_errors(errors: Iterable[str]) -> list[dict[str, Any]]:
    return [{"level": "error", "message": {"text": e}} for e in errors]


def render(diagnostics: Sequence[Diagnostic], run: RunInfo, out: TextIO) -> None:
    out.write(json_dumps(sarif_log(diagnostics, run), indent=2) + "\n")
