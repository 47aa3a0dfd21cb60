"""mnnlint's verdict for one model next to what the runtime did with it.

Two questions are compared, in both directions:
- *Which op types does the backend refuse?* The runtime names them (`Don't support type
  X` when no creator is registered, `The Creator Don't support type X` when a creator
  returned null); mnnlint names them in support findings (B codes), creator-limit
  findings (C codes) and the findings of rules that say the CPU cannot run an op.
- *Does the model run at all?* The runtime either finished one forward or did not
  (killed by a signal, `Compute Shape Error`, `Create execution error`, a refusal through
  its API); mnnlint predicts "cannot run" with an error-level finding.

A refusal mnnlint did not name is a miss; a named op the runtime ran is a false alarm,
counted only when the runtime got far enough to create every execution (it did not stop
at a shape error or die first), because before that MNN has not asked the backend yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mnnlint.diagnostics import Diagnostic

from .probe import Observation

REFUSAL_PREFIXES = ("B", "C")  # support findings and creator limits name the op a backend refuses


def _refused_as() -> dict[str, str]:
    """Op types whose creator-limit finding is about another op MNN makes of them (ScatterNd -> While)."""
    from mnnlint.rules._data import creator_limits

    return {t: limit["refused_op"] for limit in creator_limits() for t in limit["op_types"]
            if limit["refused_op"] != t}


@dataclass(frozen=True)
class Prediction:
    refused: frozenset[str]  # op types mnnlint says the backend will not run
    fails: bool  # an error-level finding: the model cannot run
    codes: tuple[str, ...]  # every finding's code, for the table

    @classmethod
    def from_diagnostics(cls, found: Iterable[Diagnostic]) -> Prediction:
        return cls._of([(d.code, [r.type_name for r in (d.op, *d.related)] if d.op else [], d.severity.name.lower())
                        for d in found])

    @classmethod
    def _of(cls, found: list[tuple[str, list[str], str]]) -> Prediction:
        """From (code, op types named, severity) of each finding."""
        renamed = _refused_as()
        refused = {renamed.get(t, t) if code.startswith("C") else t
                   for code, types, _ in found if code.startswith(REFUSAL_PREFIXES) for t in types}
        return cls(frozenset(refused), any(sev == "error" for _, _, sev in found),
                   tuple(sorted({code for code, _, _ in found})))

    @classmethod
    def from_json(cls, found: Iterable[Mapping[str, Any]]) -> Prediction:
        """From `mnnlint --format json` diagnostics (the sweep runs any mnnlint checkout this way)."""
        return cls._of([(d["code"], [r["type_name"] for r in (d["op"], *d.get("related", ()))] if d.get("op") else [],
                          d["severity"]) for d in found])


@dataclass(frozen=True)
class Comparison:
    model: str
    observed: Observation
    predicted: Prediction
    missed: frozenset[str] = frozenset()  # refused at run time, not named by mnnlint
    false_alarms: frozenset[str] = frozenset()  # named by mnnlint, ran on the backend
    outcome_mismatch: str | None = None  # "runtime failed, no error finding" / "error finding, runtime ran"
    notes: tuple[str, ...] = field(default=())

    @property
    def agrees(self) -> bool:
        return not self.missed and not self.false_alarms and self.outcome_mismatch is None

    @property
    def set_up(self) -> bool:
        """The runtime created every execution: its silence about an op means it took it."""
        obs = self.observed
        return (obs.signal is None and not obs.shape_errors and obs.error is None) or obs.finished

    def to_json(self) -> dict[str, object]:
        return {"model": self.model, "agrees": self.agrees, "runtime": self.observed.to_json(),
                "mnnlint": {"refused": sorted(self.predicted.refused), "fails": self.predicted.fails,
                            "codes": list(self.predicted.codes)},
                "missed": sorted(self.missed), "false_alarms": sorted(self.false_alarms),
                "outcome_mismatch": self.outcome_mismatch, "notes": list(self.notes)}


def _names(tokens: Iterable[str], op_names: Mapping[int, str]) -> frozenset[str]:
    """Op types as the runtime printed them; some backends print the OpType number."""
    return frozenset(op_names.get(int(t), t) if t.isdigit() else t for t in tokens)


def compare(model: str, observed: Observation, found: Iterable[Diagnostic] | Prediction,
            op_names: Mapping[int, str]) -> Comparison:
    predicted = found if isinstance(found, Prediction) else Prediction.from_diagnostics(found)
    refused = _names(observed.unsupported | observed.creator_refused, op_names)
    missed = refused - predicted.refused
    probe = Comparison(model, observed, predicted)
    false_alarms = predicted.refused - refused if probe.set_up else frozenset()
    mismatch = None
    if observed.failed and not predicted.fails:
        mismatch = f"runtime failed ({_how(observed, op_names)}), no error finding"
    elif predicted.fails and not observed.failed:
        mismatch = "error finding, runtime ran"
    notes = () if probe.set_up else ("the runtime stopped before creating every execution: "
                                     "false alarms not counted",)
    return Comparison(model, observed, predicted, missed, false_alarms, mismatch, notes)


def _how(obs: Observation, op_names: Mapping[int, str]) -> str:
    if obs.signal:
        return obs.signal
    if obs.shape_errors:
        return f"Compute Shape Error for {obs.shape_errors[0]}"
    if obs.create_errors:
        return "Create execution error: " + ", ".join(op_names.get(n, str(n)) for n in obs.create_errors)
    return obs.error or "no result"
