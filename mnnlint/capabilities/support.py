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

# Which geometry registrations a runtime's compiler type looks up (GeometryComputer::search):
# Loop runtimes take a Loop computer, else a Geometry one; Geometry runtimes only Geometry
# ones; Origin runtimes (NPU-style) see every op as the converter wrote it.
COMPILER_USES: dict[str, set[str]] = {
    "Compiler_Loop": {"Compiler_Loop", "Compiler_Geometry"},
    "Compiler_Geometry": {"Compiler_Geometry"},
    "Compiler_Origin": set(),
}


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


# Parameter tables of control-flow ops that MNN's Module API takes out of the graph and
# runs as IfModule / WhileModule (express/module/PipelineModule.cpp, every release
# from 2.8.0): no backend is asked to execute them, only the ops of their subgraphs.
# A While with a LoopParam is a plain loop op and goes to the backend as usual.
MODULE_LAYER_PARAMS = frozenset({"IfParam", "WhileParam"})

# Parts of a decomposition that are checked against the backend. The generator reads
# the parts from the geometry computer's whole source file, which also names ops its
# helpers emit only in some cases, so only the parts every decomposition of the kind
# needs are held against the backend: the op itself when re-emitted, and the region
# copies (Raster) and loops (While) the geometry layer produces.
CHECKED_PARTS = frozenset({"Raster", "While"})


def runs_in_module_layer(param_type: str) -> bool:
    return param_type in MODULE_LAYER_PARAMS


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
    base = table.backend(backend).get("extends")
    if base:  # e.g. arm82: the fp16 CPU backend hands what it lacks to the plain CPU one
        regs += table.registrations(str(base), op_type)
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
    found = _registered(table, backend, op_type, build)
    if geometry is not None and _geometry_applies(table, geometry, backend, build):
        into = tuple(geometry.get("into", ()))
        # A computer that re-emits the op itself still needs the backend's own execution
        # for it; the other parts go through the same decision in turn.
        missing = []
        for part in into:
            if part == op_type:
                if found is None or found.status is not Status.SUPPORTED:
                    missing.append(part)
            elif (part in CHECKED_PARTS and _depth < MAX_DECOMPOSITION_DEPTH
                  and not decide(table, backend, part, build, _depth + 1).runs_on_backend):
                missing.append(part)
        if not missing:
            return Verdict(Status.DECOMPOSED, into=into)
        if found is None or found.status is not Status.SUPPORTED:
            return Verdict(Status.FALLBACK, into=into, missing_parts=tuple(missing),
                           blocked=found.blocked if found else (), needs=found.needs if found else {})
    if found is not None and found.status is Status.SUPPORTED:
        return found
    cpu_runs = backend != "cpu" and decide(table, "cpu", op_type, build, _depth + 1).runs_on_backend
    if not cpu_runs:
        return Verdict(Status.UNRUNNABLE, blocked=found.blocked if found else (), needs=found.needs if found else {})
    return found or Verdict(Status.FALLBACK)


def _geometry_applies(table: ReleaseTable, geometry: Mapping[str, object], backend: str,
                      build: Mapping[str, bool]) -> bool:
    compilers = geometry.get("compiler") or ()
    if isinstance(compilers, str):
        compilers = (compilers,)
    if compilers and not set(compilers) & COMPILER_USES.get(table.compiler(backend), set()):
        return False
    requires = geometry.get("requires") or {}
    assert isinstance(requires, Mapping)
    return all(table.macro_value(m, build) in (None, v) for m, v in requires.items())
