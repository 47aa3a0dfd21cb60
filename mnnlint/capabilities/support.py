"""Decide where MNN runs an op, the way MNN's Module API and pipeline do.

The decision, in MNN's order (references at 3.6.1; docs/capabilities.md has them per release):

1. The scheduler drops `Input`, `Const` and `TrainableParam` (`source/utils/InitNet.cpp:15`).
2. The Module API takes some ops out of the graph and runs them itself: `If`, a `While`
   without a `LoopParam`, `NonMaxSuppressionV2` and, from 3.2.0, `MoE`
   (`express/module/PipelineModule.cpp:622-637`). No backend is asked for them.
3. A build whose shape functions lack the op (`ShapeAttention.cpp` is compiled only with
   MNN_SUPPORT_TRANSFORMER_FUSE) guesses its output shape from its first input
   (`source/shape/SizeComputer.cpp:177-193`); the first resize then fails with
   `Compute Shape Error`, before any backend is asked.
4. An op whose every content-read input is constant, or that reads no input content
   (`Shape`, `Rank`, `Size`, …: `OpCommonUtils::opNeedContent`, `OpCommonUtils.cpp:410-420`),
   is marked constant (`GeometryComputerUtils.cpp:52-72`) and computed once on the CPU
   at resize with the Loop geometry table (`GeometryComputerUtils.cpp:242,273`); the
   target backend never sees it (`Pipeline.cpp:548`).
5. Everything else: the geometry computer the backend's compiler type finds
   (`GeometryComputer.cpp:412-430`) rewrites the op into commands; each command goes to
   the backend's creators, and when the backend has none, the *same command* goes to the
   CPU backup's creators (`Pipeline.cpp:587-595`): on a Geometry- or Origin-compiler
   backend (CoreML, NNAPI, TensorRT; QNN, HIAI) that is the raw op, not its Loop
   decomposition. When the CPU has no creator either: `Create execution error`, and the
   model cannot run.

`decide` mirrors this in one function; `OpFacts` carries what about one op (beyond its
type) changes the answer. The table accessors below read the generated data by name.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, NamedTuple

from . import Registration, ReleaseTable

# Which geometry registrations a runtime's compiler type looks up (GeometryComputer::search):
# Loop runtimes take a Loop computer, else a Geometry one; Geometry runtimes only Geometry
# ones; Origin runtimes (NPU-style) see every op as the converter wrote it.
COMPILER_USES: dict[str, tuple[str, ...]] = {
    "Compiler_Loop": ("Compiler_Loop", "Compiler_Geometry"),
    "Compiler_Geometry": ("Compiler_Geometry",),
    "Compiler_Origin": (),
}

# Parts of a decomposition held against the backend: the region copies (Raster) and loops
# (While) decompositions produce, and the op itself when the computer re-emits it
# (Convolution, Pooling, LayerNorm on its last axis, a 2-D MatMul). A condition the file
# decides (the op's input count) is evaluated; under one it cannot decide (run-time
# shapes), Raster and the op itself are held, and While only from a Loop computer (whose
# general path it is; a Geometry computer's loop is a conditional optimisation). Other
# parts (BinaryOp, Cast, …) are listed, not held: every backend with a table has them,
# and the per-class emission data does not see early returns (GeometryConvert.cpp:19-23
# at 3.6.1 returns before the Cast it emits only for CastLike).
GENERAL_PARTS = frozenset({"Raster", "While"})

NOT_SCHEDULED = "not scheduled"  # the prefix of never_executed reasons for dropped ops


class Status(enum.Enum):
    NOT_EXECUTED = "not-executed"  # dropped by the scheduler (Input, Const, TrainableParam)
    MODULE_LAYER = "module-layer"  # run by the Module API itself (If, While, NMS, MoE)
    CONSTANT = "constant"  # computed once on the CPU at resize; the backend never sees it
    SUPPORTED = "supported"  # the backend registers an execution for it
    DECOMPOSED = "decomposed"  # the geometry layer rewrites it into commands the backend runs
    FALLBACK = "fallback"  # some command goes to the CPU backup
    UNRUNNABLE = "unrunnable"  # neither the backend nor the CPU runs some command: the model fails


class OpFacts(NamedTuple):
    """What about one op, beyond its type, changes MNN's decision."""

    param_type: str = "NONE"  # the OpParameter union member the op carries
    inputs: int | None = None  # how many input tensors it has; None: not known (no single op)
    constant: bool = False  # computed at resize on the CPU (see mnnlint.constness)


class Emission(NamedTuple):
    """One command type a geometry computer emits, and when."""

    op: str
    when: str | None = None  # the enclosing `if (...)` verbatim; None: always
    inputs: int | None = None  # emitted only when the op has this many inputs (`when` is that test)


class Verdict(NamedTuple):
    """How MNN handles one op type on one backend and build, with what decided it, so a finding can say why."""

    status: Status
    via: Registration | None = None
    blocked: tuple[Registration, ...] = ()  # registrations whose build condition is not met
    needs: Mapping[str, bool] = MappingProxyType({})  # options that would satisfy one
    into: tuple[str, ...] = ()  # what the geometry layer rewrites it into
    missing_parts: tuple[str, ...] = ()  # commands the backend lacks (the op itself when not rewritten)
    assumed: tuple[str, ...] = ()  # platform macros taken as satisfied
    raw_to_backup: bool = False  # the backend's compiler hands the CPU the raw op, undecomposed
    shape_blocked: tuple[Registration, ...] = ()  # shape functions this build does not compile
    shape_needs: Mapping[str, bool] = MappingProxyType({})  # options that would compile one
    cpu_lacks: tuple[str, ...] = ()  # commands the CPU backup has no creator for either
    at_load: bool = False  # a constant op: computed on the CPU at resize, not on the backend
    cpu_needs: Mapping[str, bool] = MappingProxyType({})  # options that would give the CPU one

    @property
    def runs_on_backend(self) -> bool:
        """Whether the model runs with this op without any CPU fallback."""
        return self.status in (Status.NOT_EXECUTED, Status.MODULE_LAYER, Status.CONSTANT,
                               Status.SUPPORTED, Status.DECOMPOSED)

    @property
    def option_bound(self) -> Mapping[str, bool]:
        """Build options the verdict hinges on: those that would change it."""
        return {**self.cpu_needs, **self.needs, **self.shape_needs}


# -- table accessors: the generated facts this decision reads ------------------------------
# Keys as tableformat declares them (module_ops, need_content, shape_computers, geometry
# computers with per-class emissions); the loader refuses a table of any other format.

def runs_in_module_layer(table: ReleaseTable, op_type: str, param_type: str) -> bool:
    """Whether the Module API takes the op out of the graph and runs it itself.

    From the release's `module_ops` (express/module/PipelineModule.cpp `_createSubModule`).
    """
    entry = table.module_ops.get(op_type)
    return entry is not None and entry.applies(param_type)


def content_free(table: ReleaseTable, op_type: str) -> bool:
    """Whether MNN reads none of the op's input contents (OpCommonUtils::opNeedContent)."""
    entry = table.need_content.get(op_type)
    return isinstance(entry, Mapping) and entry.get("unread") == "all"


def content_free_inputs(table: ReleaseTable, op_type: str) -> frozenset[int]:
    """Input indexes whose content the op does not read (e.g. Reshape's shape, index 1)."""
    entry = table.need_content.get(op_type)
    if isinstance(entry, Mapping) and isinstance(entry.get("unread"), list):
        return frozenset(int(i) for i in entry["unread"])
    return frozenset()


def shape_content_inputs(table: ReleaseTable, op_type: str) -> frozenset[int]:
    """Input indexes whose content defines the output shape (SizeComputer::needInputContent),
    when the tables record them; none otherwise (the backward pass then adds nothing)."""
    sites = table.raw.get("shape_computers", {}).get(op_type) or ()
    return frozenset(int(i) for site in sites for i in site.get("content_inputs", ()))


def shape_registrations(table: ReleaseTable, op_type: str) -> list[Registration]:
    """Where MNN registers a shape function for the op, with build conditions ([] = none known)."""
    out = []
    for site in table.raw.get("shape_computers", {}).get(op_type) or ():
        file, _, line = str(site["at"]).rpartition(":")
        out.append(Registration(file, int(line) if line.isdigit() else 0, dict(site.get("requires") or {})))
    return out


def computer_for(table: ReleaseTable, op_type: str, compiler: str) -> Mapping[str, Any] | None:
    """The geometry computer GeometryComputer::search finds for `op_type` under `compiler`."""
    entry = table.geometry(op_type)
    if entry is None:
        return None
    for wanted in COMPILER_USES.get(compiler, ()):
        for computer in entry.get("computers", ()):
            if computer.get("compiler") == wanted:
                return computer
    return None


def emissions(computer: Mapping[str, Any], op_type: str, cpu_has_op: bool = True) -> list[Emission]:
    """The command types a computer class emits (its `emits`), each with its condition.

    The op itself, re-emitted without an input-count condition, only counts when the CPU
    registers it: the CPU is a Loop runtime that uses the same computer, so a computer
    that re-emitted an op the CPU cannot run would fail on the CPU too (BatchMatMul's
    2-D re-emission under `output->dimensions() == 2`, which a file cannot decide).
    """
    out = []
    for e in computer.get("emits", ()):
        itself = bool(e.get("self")) or e.get("type") == op_type
        if itself and not cpu_has_op and e.get("inputs") is None:
            continue
        out.append(Emission(op_type if itself else str(e["type"]), e.get("when"), e.get("inputs")))
    return out


# A condition on the Loop geometry mask (GeometryBinary.cpp:142-143 at 3.6.1: `openLoop` is
# `context.support(GEOMETRCOMPUTEMASK_USELOOP)`), which Session.cpp:175-177 clears for every
# runtime that is not Compiler_Loop.
LOOP_MASK_WORDS = ("openLoop", "USELOOP")


def _holds(emission: Emission, facts: OpFacts, compiler: str = "Compiler_Loop") -> bool | None:
    """Whether an emission's condition holds for this op; None when the file cannot tell."""
    if emission.inputs is not None:
        return None if facts.inputs is None else facts.inputs == emission.inputs
    if emission.when is None:
        return True
    if any(w in emission.when for w in LOOP_MASK_WORDS):
        return None if compiler == "Compiler_Loop" else False
    return None


# -- the decision ----------------------------------------------------------------------

def decide(table: ReleaseTable, backend: str, op_type: str, build: Mapping[str, bool],
           facts: OpFacts | None = None) -> Verdict:
    """The verdict for one op of type `op_type` on `backend` under `build` (CMake option values)."""
    facts = facts or OpFacts()
    reasons = table.raw.get("never_executed", {})
    if op_type in reasons and str(reasons.get(op_type, "")).startswith(NOT_SCHEDULED):
        return Verdict(Status.NOT_EXECUTED)
    if runs_in_module_layer(table, op_type, facts.param_type):
        return Verdict(Status.MODULE_LAYER)
    shapes = shape_registrations(table, op_type)
    if shapes:
        found = [r for r in shapes if _satisfied(table, r, build)[0]]
        if not found:
            needs = _needs(table, shapes, build)
            placed = _on_backend(table, backend, op_type, build, facts)
            return Verdict(Status.UNRUNNABLE, blocked=placed.blocked, needs={**placed.needs, **needs},
                           shape_blocked=tuple(shapes), shape_needs=needs, cpu_lacks=placed.cpu_lacks)
    if facts.constant or content_free(table, op_type):
        cpu = _on_backend(table, "cpu", op_type, build, facts)
        if cpu.runs_on_backend:
            return Verdict(Status.CONSTANT, via=cpu.via, into=cpu.into, assumed=cpu.assumed, at_load=True)
        return Verdict(Status.UNRUNNABLE, blocked=cpu.blocked, needs=cpu.needs, into=cpu.into,
                       missing_parts=cpu.missing_parts, cpu_lacks=cpu.missing_parts or (op_type,), at_load=True)
    return _on_backend(table, backend, op_type, build, facts)


def _on_backend(table: ReleaseTable, backend: str, op_type: str, build: Mapping[str, bool],
                facts: OpFacts) -> Verdict:
    """Geometry for the backend's compiler type, then each command to the backend or the CPU."""
    compiler = table.compiler(backend)
    computer = computer_for(table, op_type, compiler)
    if computer is not None and not _requires_hold(table, computer, build):
        computer = None
    if computer is None:
        commands, into = [op_type], ()
    else:
        computer = _reaching(table, computer, backend)
        parts = emissions(computer, op_type, _registered(table, "cpu", op_type, build)[0] is not None)
        into = tuple(dict.fromkeys(e.op for e in parts))
        loop_computer = computer.get("compiler") == "Compiler_Loop"
        commands = []
        for e in parts:
            holds = _holds(e, facts, compiler)
            if holds is False or (e.op not in GENERAL_PARTS and e.op != op_type):
                continue  # other parts (BinaryOp, Cast, ...) are listed, not held: see GENERAL_PARTS
            if holds is None and e.op == "While" and not loop_computer:
                continue  # a Geometry computer's conditional loop is an optimisation, not its general path
            commands.append(e.op)
        commands = list(dict.fromkeys(commands))
    missing, cpu_lacks, assumed = [], [], []
    cpu_needs: dict[str, bool] = {}
    via = None
    blocked: tuple[Registration, ...] = ()
    needs: dict[str, bool] = {}
    for command in commands:
        found, regs_blocked, regs_needs, regs_assumed = _registered(table, backend, command, build)
        assumed += regs_assumed
        if command == op_type:
            via, blocked, needs = found, regs_blocked, regs_needs
        if found is not None:
            continue
        missing.append(command)
        on_cpu = _registered(table, "cpu", command, build)
        if backend == "cpu" or on_cpu[0] is None:
            cpu_lacks.append(command)
            cpu_needs.update(on_cpu[2])
    raw = computer is None and compiler != "Compiler_Loop" and table.geometry(op_type) is not None
    common = {"via": via, "blocked": blocked, "needs": needs, "into": into, "missing_parts": tuple(missing),
              "assumed": tuple(dict.fromkeys(assumed)), "raw_to_backup": raw and bool(missing)}
    if cpu_lacks:
        return Verdict(Status.UNRUNNABLE, cpu_lacks=tuple(cpu_lacks), cpu_needs=cpu_needs, **common)
    if missing:
        return Verdict(Status.FALLBACK, **common)
    return Verdict(Status.DECOMPOSED if computer is not None else Status.SUPPORTED, **common)


def _reaching(table: ReleaseTable, computer: Mapping[str, Any], backend: str) -> Mapping[str, Any]:
    """The computer with only the emissions its `context.forwardType()` tests allow for `backend`
    (GeometryBinary.cpp:124-126 at 2.8.0: the broadcast While only on CPU and CUDA)."""
    return {**computer, "emits": [e for e in computer.get("emits", ()) if table.reaches(e, backend)]}


def _requires_hold(table: ReleaseTable, computer: Mapping[str, Any], build: Mapping[str, bool]) -> bool:
    requires = computer.get("requires") or {}
    assert isinstance(requires, Mapping)
    return all(table.macro_value(m, build) in (None, v) for m, v in requires.items())


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


def _needs(table: ReleaseTable, blocked: Sequence[Registration], build: Mapping[str, bool]) -> dict[str, bool]:
    """The options that would satisfy the least demanding of `blocked`."""
    smallest = min(blocked, key=lambda r: len(r.requires))
    return {table.option_for(m): v for m, v in smallest.requires.items()
            if table.macro_value(m, build) not in (None, v)}


def _registered(table: ReleaseTable, backend: str, op_type: str, build: Mapping[str, bool]
                ) -> tuple[Registration | None, tuple[Registration, ...], dict[str, bool], list[str]]:
    """(the registration that applies, those blocked by the build, options they need, macros assumed)."""
    regs = table.registrations(backend, op_type)
    base = table.backend(backend).get("extends")
    if base:  # e.g. arm82: the fp16 CPU backend hands what it lacks to the plain CPU one
        regs += table.registrations(str(base), op_type)
    blocked = []
    for reg in regs:
        ok, assumed = _satisfied(table, reg, build)
        if ok:
            return reg, (), {}, assumed
        blocked.append(reg)
    return None, tuple(blocked), (_needs(table, blocked, build) if blocked else {}), []
