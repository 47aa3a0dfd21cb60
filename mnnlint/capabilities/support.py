"""Decide whether a backend runs an op type, the way MNN's pipeline does.

For each op, MNN first lets the geometry layer rewrite it (when the backend's
runtime asks for geometry and a geometry computer is registered for the type) into
simpler ops such as Raster and BinaryOp; whatever reaches the backend then needs a
registered execution creator, and when the backend has none, MNN prints
`Don't support type X` and runs that op on the CPU. See docs/capabilities.md for
the source references per release.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from . import Registration, ReleaseTable

MAX_DECOMPOSITION_DEPTH = 4


class Status(enum.Enum):
    NOT_EXECUTED = "not-executed"  # handled before any backend is asked (Input, constants, …)
    SUPPORTED = "supported"  # the backend registers an execution for it
    DECOMPOSED = "decomposed"  # the geometry layer rewrites it into ops the backend runs
    FALLBACK = "fallback"  # the backend lacks it: MNN runs it on the CPU
    UNRUNNABLE = "unrunnable"  # the CPU lacks it too: the model cannot run


@dataclass(frozen=True)
class Verdict:
    status: Status
    via: Registration | None = None
    blocked: tuple[Registration, ...] = ()  # registrations whose build condition is not met
    needs: Mapping[str, bool] = field(default_factory=dict)  # options that would satisfy one
    into: tuple[str, ...] = ()  # what the geometry layer rewrites it into
    missing_parts: tuple[str, ...] = ()  # decomposed parts the backend lacks
    assumed: tuple[str, ...] = ()  # platform macros taken as satisfied

    @property
    def runs_on_backend(self) -> bool:
        return self.status in (Status.NOT_EXECUTED, Status.SUPPORTED, Status.DECOMPOSED)


def _satisfied(table: ReleaseTable, reg: Registration, build: Mapping[str, bool]) -> tuple[bool, list[str]]:
    """(condition met, platform macros assumed) for one registration."""
    assumed = []
    for macro, wanted in reg.requires.items():
        value = table.macro_value(macro, build)
        if value is None:
            assumed.append(macro)
        elif value != wanted:
            return False, assumed
    return True, assumed


def _registered(table: ReleaseTable, backend: str, op_type: str, build: Mapping[str, bool]) -> Verdict | None:
    regs = table.registrations(backend, op_type)
    blocked = []
    for reg in regs:
        ok, assumed = _satisfied(table, reg, build)
        if ok:
            return Verdict(Status.SUPPORTED, via=reg, assumed=tuple(assumed))
        blocked.append(reg)
    if blocked:
        smallest = min(blocked, key=lambda r: len(r.requires))
        needs = {table.option_for(m): v for m, v in smallest.requires.items()
                 if table.macro_value(m, build) not in (None, v)}
        return Verdict(Status.FALLBACK, blocked=tuple(blocked), needs=needs)
    return None


def decide(table: ReleaseTable, backend: str, op_type: str, build: Mapping[str, bool], _depth: int = 0) -> Verdict:
    """The verdict for `op_type` on `backend` under `build` (CMake option values)."""
    if op_type in table.never_executed:
        return Verdict(Status.NOT_EXECUTED)
    geometry = table.geometry(op_type)
    if geometry is not None and _geometry_applies(table, geometry, backend, build):
        into = tuple(t for t in geometry.get("into", ()) if t != op_type)
        if _depth < MAX_DECOMPOSITION_DEPTH:
            missing = tuple(t for t in into if not decide(table, backend, t, build, _depth + 1).runs_on_backend)
        else:
            missing = ()
        if not missing:
            return Verdict(Status.DECOMPOSED, into=into)
        return Verdict(Status.FALLBACK, into=into, missing_parts=missing)
    found = _registered(table, backend, op_type, build)
    if found is not None and found.status is Status.SUPPORTED:
        return found
    if backend != "cpu" and not decide(table, "cpu", op_type, build, _depth + 1).runs_on_backend:
        return Verdict(Status.UNRUNNABLE, blocked=found.blocked if found else (), needs=found.needs if found else {})
    if backend == "cpu":
        return Verdict(Status.UNRUNNABLE, blocked=found.blocked if found else (), needs=found.needs if found else {})
    return found or Verdict(Status.FALLBACK)


def _geometry_applies(table: ReleaseTable, geometry: Mapping[str, object], backend: str,
                      build: Mapping[str, bool]) -> bool:
    compilers = geometry.get("compiler") or ()
    if isinstance(compilers, str):
        compilers = (compilers,)
    if compilers and table.compiler(backend) not in compilers:
        return False
    requires = geometry.get("requires") or {}
    assert isinstance(requires, Mapping)
    return all(table.macro_value(m, build) in (None, v) for m, v in requires.items())
