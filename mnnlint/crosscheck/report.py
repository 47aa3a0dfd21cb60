"""The cross-check's per-model table (text) and its JSON form. Reporters never decide."""

from __future__ import annotations

from collections.abc import Sequence

from ..report.escape import json_dumps, line
from ..report.escape import text as _escaped
from .compare import Comparison
from .runtime import Runtime


def _safe(text: str) -> str:
    """Names come from the model file: no control character, line break or `##[` reaches the
    terminal or a CI log (report.escape.text); each whole line also passes `escape.line`."""
    return _escaped(text)


def _runtime_cell(c: Comparison) -> str:
    obs = c.observed
    parts = []
    if obs.unsupported:
        parts.append("no creator: " + ",".join(sorted(obs.unsupported)))
    if obs.creator_refused:
        parts.append("creator refused: " + ",".join(sorted(obs.creator_refused)))
    if obs.signal:
        parts.append(f"killed ({obs.signal})")
    elif obs.shape_errors:
        parts.append("Compute Shape Error")
    elif obs.create_errors:
        parts.append("Create execution error")
    elif not obs.finished:
        parts.append("failed")
    else:
        parts.append(f"ran ({obs.api})")
    return "; ".join(parts)


def _mnnlint_cell(c: Comparison) -> str:
    pred = c.predicted
    parts = []
    if pred.refused:
        parts.append("refused: " + ",".join(sorted(pred.refused)))
    parts.append("cannot run" if pred.fails else "runs")
    if pred.codes:
        parts.append(" ".join(pred.codes))
    return "; ".join(parts)


def _why(c: Comparison) -> str:
    why = []
    if c.missed:
        why.append("missed " + ",".join(sorted(c.missed)))
    if c.false_alarms:
        why.append("false alarm " + ",".join(sorted(c.false_alarms)))
    if c.outcome_mismatch:
        why.append(c.outcome_mismatch)
    return "; ".join(why)


def text(rows: Sequence[Comparison], runtime: Runtime, errors: Sequence[str]) -> str:
    options = ", ".join(f"{k}={'ON' if v else 'OFF'}" for k, v in sorted(runtime.build_options.items()))
    lines = [f"crosscheck against MNN {runtime.release} ({runtime.backend}; observed build: {options}; "
             f"mnnlint profile {runtime.profile})"]
    table = [("MODEL", "RUNTIME", "MNNLINT", "")]
    table += [(_safe(c.model), _safe(_runtime_cell(c)), _mnnlint_cell(c),
               "agree" if c.agrees else "DISAGREE: " + _safe(_why(c))) for c in rows]
    widths = [max(len(r[i]) for r in table) for i in range(3)]
    lines += ["  ".join(cell.ljust(w) for cell, w in zip(r[:3], widths, strict=False)) + "  " + r[3] for r in table]
    agree = sum(c.agrees for c in rows)
    lines.append(f"{agree} of {len(rows)} models agree" + (f"; {len(errors)} not checked" if errors else ""))
    return "\n".join(line(row.rstrip()) for row in lines) + "\n"


def as_json(rows: Sequence[Comparison], runtime: Runtime, errors: Sequence[str]) -> str:
    return json_dumps({"runtime": runtime.to_json(), "models": [c.to_json() for c in rows],
                       "errors": list(errors),
                       "summary": {"models": len(rows), "agree": sum(c.agrees for c in rows)}}, indent=2) + "\n"
