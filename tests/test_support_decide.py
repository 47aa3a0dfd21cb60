"""Direct, table-driven tests of `support.decide`: one case per branch of the decision.

Each case builds a small release table that reaches one branch, so a change in the
decision shows up here as one named case, independent of the generated data. The tables
are complete in the format the loader reads (`make_table` checks them with
`tableformat.check_release`), so no case can rest on a key the real tables lack.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from mnnlint.capabilities import ReleaseTable
from mnnlint.capabilities.support import OpFacts, Status, decide
from mnnlint.capabilities.tableformat import FORMAT_VERSION, check_release

FILES = ["cpu.cpp", "gpu.cpp", "gpu_flag.cpp", "cpu_flag.cpp"]


def reg(file: int, requires: dict[str, bool] | None = None) -> dict[str, Any]:
    return {"at": [file, 10 + file], **({"requires": requires} if requires else {})}


def make_table(
    *,
    cpu: dict[str, list[dict[str, Any]]] | None = None,
    gpu: dict[str, list[dict[str, Any]]] | None = None,
    gpu_compiler: str = "Compiler_Loop",
    geometry: dict[str, dict[str, Any]] | None = None,
    extra: dict[str, Any] | None = None,
) -> ReleaseTable:
    """A complete format-4 release table, checked by the loader's own `check_release`."""
    raw: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "generator": 1,
        "release": "9.9.9",
        "commit": "0" * 40,
        "date": "2026-01-01",
        "files": FILES,
        "op_types": {},
        "backends": {
            "cpu": {"ops": cpu or {}},
            "gpu": {"ops": gpu or {}},
            "fp16": {"ops": {"Dummy": [reg(0)]}, "extends": "cpu"},
        },
        "compiler": {"cpu": "Compiler_Loop", "gpu": gpu_compiler, "fp16": "Compiler_Loop"},
        "forward_types": {"cpu": ["MNN_FORWARD_CPU"], "gpu": ["MNN_FORWARD_CUDA"]},
        "fused_op_types": [],
        "geometry": geometry or {},
        "never_executed": {"Input": "not scheduled (InitNet.cpp:15)", "Shape": "always constant"},
        "module_ops": {"If": {"module": "IfModule", "at": "PipelineModule.cpp:626"},
                       "While": {"module": "WhileModule", "at": "PipelineModule.cpp:629", "param_not": "LoopParam"},
                       "NonMaxSuppressionV2": {"module": "NMSModule", "at": "PipelineModule.cpp:632"}},
        "need_content": {"Shape": {"at": "OpCommonUtils.cpp:415", "unread": "all"}},
        "shape_computers": {},
        # the build logic: MNN_FLAG defines FLAG_MACRO
        "cmake": {"options": {"MNN_FLAG": False}, "steps": [], "definitions": {"FLAG_MACRO": [{"MNN_FLAG": True}]}},
        "profiles": {"default": {}},
        "macros": {"FLAG_MACRO": "MNN_FLAG"},
        "pipeline": {"create": "Pipeline.cpp:583", "backup_create": "Pipeline.cpp:589"},
    }
    raw.update(extra or {})
    check_release(raw, "synthetic")
    return ReleaseTable(raw)


def computers(compiler: str, emits: list[dict[str, Any]], requires: dict[str, bool] | None = None
              ) -> dict[str, Any]:
    """A geometry entry (`tableformat.GeometryEntry`) with one computer class and what it emits."""
    computer = {"computer": "GeometryX", "at": "g.cpp:1", "registered_at": "g.cpp:9", "compiler": compiler,
                "emits": [{"at": "g.cpp:5", **e} for e in emits], **({"requires": requires} if requires else {})}
    return {"at": "g.cpp:9", "compiler": [compiler], "requires": requires or {},
            "into": sorted({e["type"] for e in emits}), "computers": [computer]}


@dataclass
class Case:
    name: str
    table: ReleaseTable
    op: str
    want: Status
    backend: str = "gpu"
    build: dict[str, bool] = field(default_factory=lambda: {"MNN_FLAG": False})
    check: dict[str, Any] = field(default_factory=dict)  # Verdict attributes to compare
    facts: OpFacts = field(default_factory=OpFacts)


MOE_MODULE = {"MoE": {"module": "MoEModule", "at": "express/module/PipelineModule.cpp:635"}}
REEMIT_POOL = computers("Compiler_Geometry", [{"type": "Pool", "self": True}, {"type": "Raster"}])
ONE_INPUT_GATHER = [{"type": "Gather", "self": True, "when": "inputs.size() == 1", "inputs": 1},
                    {"type": "Raster"}, {"type": "While"}]
LOOP_GATHER = computers("Compiler_Loop", [{"type": "Raster"}, {"type": "While"}])
CASES = [
    Case("never executed (scheduler drops it)", make_table(), "Input", Status.NOT_EXECUTED),
    Case("shape-only op: computed once on the CPU at resize, whatever the backend has",
         make_table(cpu={"Shape": [reg(0)]}), "Shape", Status.CONSTANT, check={"at_load": True}),
    Case("registered unconditionally", make_table(gpu={"Conv": [reg(1)]}, cpu={"Conv": [reg(0)]}),
         "Conv", Status.SUPPORTED, check={"needs": {}}),
    Case("registered under an option the build sets",
         make_table(gpu={"Attn": [reg(2, {"FLAG_MACRO": True})]}), "Attn", Status.SUPPORTED,
         build={"MNN_FLAG": True}),
    Case("registered under a platform macro: taken as present, recorded",
         make_table(gpu={"Conv": [reg(1, {"__aarch64__": True})]}), "Conv", Status.SUPPORTED,
         check={"assumed": ("__aarch64__",)}),
    Case("blocked by an option, the CPU runs it: fallback naming the option",
         make_table(gpu={"Attn": [reg(2, {"FLAG_MACRO": True})]}, cpu={"Attn": [reg(0)]}),
         "Attn", Status.FALLBACK, check={"needs": {"MNN_FLAG": True}}),
    Case("blocked on the backend and the CPU: unrunnable, naming the option",
         make_table(gpu={"Attn": [reg(2, {"FLAG_MACRO": True})]}, cpu={"Attn": [reg(3, {"FLAG_MACRO": True})]}),
         "Attn", Status.UNRUNNABLE, check={"needs": {"MNN_FLAG": True}}),
    Case("not registered, the CPU runs it: fallback", make_table(cpu={"Erf": [reg(0)]}), "Erf", Status.FALLBACK),
    Case("registered nowhere: unrunnable", make_table(), "Custom", Status.UNRUNNABLE),
    Case("the CPU itself lacks it: unrunnable", make_table(), "Custom", Status.UNRUNNABLE, backend="cpu"),
    Case("fp16 CPU takes the plain CPU's registration", make_table(cpu={"Erf": [reg(0)]}), "Erf",
         Status.SUPPORTED, backend="fp16"),
    Case("geometry rewrites it into parts the backend runs",
         make_table(gpu={"Raster": [reg(1)], "While": [reg(1)]}, geometry={"Gather": LOOP_GATHER}),
         "Gather", Status.DECOMPOSED, check={"into": ("Raster", "While")}),
    Case("geometry part missing, op not registered: fallback naming the part",
         make_table(gpu={"Raster": [reg(1)]}, cpu={"While": [reg(0)], "Raster": [reg(0)]},
                    geometry={"Gather": LOOP_GATHER}),
         "Gather", Status.FALLBACK, check={"missing_parts": ("While",)}),
    Case("computer re-emits the op, backend registers it",
         make_table(gpu={"Pool": [reg(1)], "Raster": [reg(1)]}, cpu={"Pool": [reg(0)]}, geometry={"Pool": REEMIT_POOL}),
         "Pool", Status.DECOMPOSED, check={"into": ("Pool", "Raster"), "missing_parts": ()}),
    Case("computer re-emits the op, backend lacks it: fallback",
         make_table(gpu={"Raster": [reg(1)]}, cpu={"Pool": [reg(0)]}, geometry={"Pool": REEMIT_POOL}),
         "Pool", Status.FALLBACK, check={"missing_parts": ("Pool",)}),
    Case("parts not checked against the backend (only Raster, While and the op itself are)",
         make_table(gpu={"Raster": [reg(1)]},
                    geometry={"Sel": computers("Compiler_Geometry", [{"type": "BinaryOp"}, {"type": "Raster"}])}),
         "Sel", Status.DECOMPOSED, check={"into": ("BinaryOp", "Raster")}),
    Case("Loop-only computer on a Geometry-compiler backend: the op arrives whole",
         make_table(gpu={"Raster": [reg(1)], "While": [reg(1)]}, cpu={"Gather": [reg(0)]},
                    gpu_compiler="Compiler_Geometry", geometry={"Gather": LOOP_GATHER}),
         "Gather", Status.FALLBACK, check={"into": ()}),
    Case("Origin-compiler backend sees the op whole",
         make_table(gpu={"Gather": [reg(1)]}, gpu_compiler="Compiler_Origin", geometry={"Gather": LOOP_GATHER}),
         "Gather", Status.SUPPORTED),
    Case("a computer behind an unmet option does not apply",
         make_table(gpu={"Raster": [reg(1)], "While": [reg(1)]}, cpu={"Gather": [reg(0)]},
                    geometry={"Gather": computers("Compiler_Loop", [{"type": "Raster"}, {"type": "While"}],
                                                  requires={"FLAG_MACRO": True})}),
         "Gather", Status.FALLBACK, check={"into": ()}),
    # -- module layer (PipelineModule.cpp `_createSubModule`) --
    Case("While with a WhileParam runs in the Module layer, whatever the backend has",
         make_table(), "While", Status.MODULE_LAYER, facts=OpFacts("WhileParam", 2)),
    Case("While with a LoopParam is an ordinary backend op", make_table(gpu={"While": [reg(1)]}), "While",
         Status.SUPPORTED, facts=OpFacts("LoopParam", 2)),
    Case("If runs in the Module layer", make_table(), "If", Status.MODULE_LAYER, facts=OpFacts("IfParam", 3)),
    Case("the module-layer list comes from the release's data (MoE from 3.2.0)",
         make_table(extra={"module_ops": MOE_MODULE}), "MoE", Status.MODULE_LAYER),
    Case("NonMaxSuppressionV2 runs in the Module layer", make_table(), "NonMaxSuppressionV2", Status.MODULE_LAYER),
    Case("an op the data does not list is asked of the backend",
         make_table(extra={"module_ops": MOE_MODULE}), "If", Status.UNRUNNABLE),
    # -- constants (GeometryComputerUtils::buildConstantTensors) --
    Case("an op with constant inputs is computed on the CPU at load: no fallback on the backend",
         make_table(cpu={"Erf": [reg(0)]}), "Erf", Status.CONSTANT, facts=OpFacts(constant=True)),
    Case("a constant op the CPU cannot compute stops the model (Const Folder Error)",
         make_table(gpu={"Erf": [reg(1)]}), "Erf", Status.UNRUNNABLE, facts=OpFacts(constant=True),
         check={"at_load": True}),
    # -- the CPU backup gets the same command (Pipeline.cpp:587-595) --
    Case("Geometry-compiler backend: the raw op goes to the CPU, which runs it only through geometry",
         make_table(gpu={"Raster": [reg(1)]}, cpu={"Raster": [reg(0)], "While": [reg(0)]},
                    gpu_compiler="Compiler_Geometry", geometry={"Gather": LOOP_GATHER}),
         "Gather", Status.UNRUNNABLE, check={"raw_to_backup": True, "cpu_lacks": ("Gather",)}),
    Case("a decomposed part the backend lacks goes to the CPU's own registration",
         make_table(gpu={"Raster": [reg(1)]}, cpu={"While": [reg(0)]}, geometry={"Gather": LOOP_GATHER}),
         "Gather", Status.FALLBACK, check={"missing_parts": ("While",)}),
    Case("a decomposed part neither the backend nor the CPU registers stops the model",
         make_table(gpu={"Raster": [reg(1)]}, geometry={"Gather": LOOP_GATHER}),
         "Gather", Status.UNRUNNABLE, check={"cpu_lacks": ("While",)}),
    # -- what a computer emits --
    Case("a Loop computer's While falls back even where the backend registers the op (BatchMatMul)",
         make_table(gpu={"MatMul": [reg(1)], "Raster": [reg(1)]}, cpu={"While": [reg(0)]},
                    geometry={"MatMul": computers("Compiler_Loop", [{"type": "MatMul", "self": True},
                                                                    {"type": "Raster"}, {"type": "While"}])}),
         "MatMul", Status.FALLBACK, check={"missing_parts": ("While",)}),
    Case("per-class data: a one-input Gather re-emits itself, which the backend lacks",
         make_table(gpu={"Raster": [reg(1)], "While": [reg(1)]}, cpu={"Gather": [reg(0)]},
                    geometry={"Gather": computers("Compiler_Loop", ONE_INPUT_GATHER)}),
         "Gather", Status.FALLBACK, facts=OpFacts(inputs=1), check={"missing_parts": ("Gather",)}),
    Case("per-class data: a two-input Gather does not re-emit itself",
         make_table(gpu={"Raster": [reg(1)], "While": [reg(1)]},
                    geometry={"Gather": computers("Compiler_Loop", ONE_INPUT_GATHER)}),
         "Gather", Status.DECOMPOSED, facts=OpFacts(inputs=2)),
    Case("per-class data: an op re-emitted under a shape condition that the CPU itself cannot run is not held",
         make_table(gpu={"Raster": [reg(1)], "While": [reg(1)]},
                    geometry={"BatchMatMul": computers("Compiler_Loop", [
                        {"type": "BatchMatMul", "self": True, "when": "output->dimensions() == 2"},
                        {"type": "While"}])}),
         "BatchMatMul", Status.DECOMPOSED),
    Case("per-class data: a class that never names the op does not re-emit it (GatherND)",
         make_table(gpu={"Raster": [reg(1)], "While": [reg(1)]},
                    geometry={"GatherND": computers("Compiler_Loop", [{"type": "Raster"}, {"type": "While"}])}),
         "GatherND", Status.DECOMPOSED),
    # The Raster is GeometryBinary's (2.9.2 on): a While alone would be dropped anyway, as a
    # Geometry computer's conditional loop, so only a part the backend lacks shows the mask.
    Case("the broadcast loop behind the Loop mask is not emitted on a Geometry-compiler backend (Session.cpp:175)",
         make_table(gpu={"BinaryOp": [reg(1)]}, gpu_compiler="Compiler_Geometry",
                    geometry={"BinaryOp": computers("Compiler_Geometry", [
                        {"type": "BinaryOp", "self": True},
                        {"type": "Raster", "when": "singleBroadCast && forwardSupportLoop && openLoop"},
                        {"type": "While", "when": "singleBroadCast && forwardSupportLoop && openLoop"}])}),
         "BinaryOp", Status.DECOMPOSED, check={"missing_parts": ()}),
    Case("a Geometry computer's conditional loop is not held on a Loop backend (GeometryBinary's broadcast)",
         make_table(gpu={"BinaryOp": [reg(1)], "Raster": [reg(1)]}, cpu={"While": [reg(0)]},
                    geometry={"BinaryOp": computers("Compiler_Geometry", [
                        {"type": "BinaryOp", "self": True},
                        {"type": "While", "when": "singleBroadCast && forwardSupportLoop && openLoop"}])}),
         "BinaryOp", Status.DECOMPOSED),
    Case("an unconditional part other than Raster/While/itself is listed, not held (Cast)",
         make_table(gpu={"Raster": [reg(1)]}, cpu={"Cast": [reg(0)]},
                    geometry={"ConvertTensor": computers("Compiler_Geometry", [{"type": "Cast"}, {"type": "Raster"}])}),
         "ConvertTensor", Status.DECOMPOSED),
    Case("a part under a condition the file cannot decide, other than Raster/While/itself, is not held",
         make_table(gpu={"Sel": [reg(1)]},
                    geometry={"Sel": computers("Compiler_Loop", [{"type": "UnaryOp", "when": "dims > 4"},
                                                                  {"type": "Sel", "self": True}])}),
         "Sel", Status.DECOMPOSED),
    # -- shape functions (SizeComputer.cpp:167-198) --
    Case("no shape function in this build: the model cannot run on any backend, naming the option",
         make_table(gpu={"Attn": [reg(2, {"FLAG_MACRO": True})]}, cpu={"Attn": [reg(3, {"FLAG_MACRO": True})]},
                    extra={"shape_computers": {"Attn": [{"at": "ShapeAttn.cpp:5", "requires": {"FLAG_MACRO": True}}]}}),
         "Attn", Status.UNRUNNABLE, check={"shape_needs": {"MNN_FLAG": True}}),
    Case("with the shape function compiled, the backend decides",
         make_table(gpu={"Attn": [reg(2, {"FLAG_MACRO": True})]},
                    extra={"shape_computers": {"Attn": [{"at": "ShapeAttn.cpp:5", "requires": {"FLAG_MACRO": True}}]}}),
         "Attn", Status.SUPPORTED, build={"MNN_FLAG": True}),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_decide_branch(case: Case) -> None:
    verdict = decide(case.table, case.backend, case.op, case.build, case.facts)
    assert verdict.status is case.want, verdict
    for attr, value in case.check.items():
        got = getattr(verdict, attr)
        assert (dict(got) if attr in ("needs", "shape_needs") else got) == value, (attr, verdict)
