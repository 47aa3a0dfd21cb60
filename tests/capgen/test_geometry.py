"""geometry: registrations, guards, compiler types and never-executed ops from C++ text."""

from __future__ import annotations

from tools.capgen.geometry import (
    line_conditions,
    read_compiler_types,
    read_geometry,
    read_never_executed,
    strip_comments,
)
from tools.capgen.gitsrc import FakeTree

HEADER = """
static void registerGeometryComputer(std::shared_ptr<GeometryComputer> comp, std::vector<int> type,
    Runtime::CompilerType compType = Runtime::Compiler_Geometry);
"""

MATMUL = """
class GeometryBatchMatMul : public GeometryComputer {
    bool onCompute(...) const override {
        cmd->op = op;
        opBuilder.add_type(OpType_While);
        return true;
    }
};
static void _create() {
    std::shared_ptr<GeometryComputer> comp(new GeometryBatchMatMul);
    GeometryComputer::registerGeometryComputer(comp, {OpType_BatchMatMul,
        OpType_MatMul}, Runtime::Compiler_Loop);
}
REGISTER_GEOMETRY(GeometryBatchMatMul, _create);
"""

GUARDED = """
#ifdef MNN_SUPPORT_TRANSFORMER_FUSE
class GeometryFused : public GeometryComputer {
    bool onCompute(...) const override {
        auto cmd = GeometryComputerUtils::makeBinary(BinaryOpOperation_ADD, a, b, c);
        return true;
    }
};
#endif
static void _create() {
#ifdef MNN_SUPPORT_TRANSFORMER_FUSE
    GeometryComputer::registerGeometryComputer(comp, {OpType_FusedLinear});
#else
    GeometryComputer::registerGeometryComputer(comp, {OpType_Fallback});
#endif
    // GeometryComputer::registerGeometryComputer(comp, {OpType_Commented});
    /* GeometryComputer::registerGeometryComputer(comp, {OpType_Blocked}); */
}
REGISTER_GEOMETRY(GeometryFused, _create);
"""

NOT_CALLED = """
static void _create() {
    GeometryComputer::registerGeometryComputer(comp, {OpType_Orphan});
}
REGISTER_GEOMETRY(GeometryOrphan, _create);
"""

REGISTER = """
namespace MNN {
extern void ___GeometryBatchMatMul___create__();
extern void ___GeometryFused___create__();
extern void ___GeometryOrphan___create__();
void registerGeometryOps() {
___GeometryBatchMatMul___create__();
___GeometryFused___create__();
// ___GeometryOrphan___create__();
}
}
"""


def _tree() -> FakeTree:
    return FakeTree({
        "source/geometry/GeometryComputer.hpp": HEADER,
        "source/geometry/GeometryBatchMatMul.cpp": MATMUL,
        "source/geometry/GeometryFused.cpp": GUARDED,
        "source/geometry/GeometryOrphan.cpp": NOT_CALLED,
        "source/geometry/GeometryOPRegister.cpp": REGISTER,
    })


def test_lists_compiler_and_location() -> None:
    geo = read_geometry(_tree())
    assert geo["MatMul"]["compiler"] == ["Compiler_Loop"]
    assert geo["BatchMatMul"]["at"] == "source/geometry/GeometryBatchMatMul.cpp:11"
    assert geo["MatMul"]["into"] == ["MatMul", "While"]


def test_guards_comments_and_unregistered_creators() -> None:
    geo = read_geometry(_tree())
    assert geo["FusedLinear"]["requires"] == {"MNN_SUPPORT_TRANSFORMER_FUSE": True}
    assert geo["FusedLinear"]["compiler"] == ["Compiler_Geometry"]
    assert geo["FusedLinear"]["into"] == ["BinaryOp"]
    assert geo["Fallback"]["requires"] == {"MNN_SUPPORT_TRANSFORMER_FUSE": False}
    assert "Commented" not in geo and "Blocked" not in geo
    assert "Orphan" not in geo  # its creator is never called


def test_line_conditions_tracks_nesting() -> None:
    text = "a\n#ifndef A\nb\n#if defined(B) && C\nc\n#endif\n#else\nd\n#endif\ne"
    conds = line_conditions(strip_comments(text))
    assert conds[0] == {} and conds[2] == {"A": False}
    assert conds[4] == {"A": False, "B": True, "C": True}
    assert conds[7] == {"A": True} and conds[9] == {}


def test_compiler_types_default_override_and_cpu_extension() -> None:
    tree = FakeTree({
        "source/core/Backend.hpp": "virtual CompilerType onGetCompilerType() const {\n return Compiler_Loop;\n}",
        "source/backend/cpu/CPUBackend.hpp": "class CPURuntime : public Runtime {};",
        "source/backend/hiai/NPUBackend.cpp": (
            "class NPURuntime : public Runtime {};\n"
            "Runtime::CompilerType NPURuntime::onGetCompilerType() const {\n return Compiler_Origin;\n}"
        ),
        "source/backend/coreml/R.hpp": (
            "class R : public Runtime { CompilerType onGetCompilerType() const override "
            "{ return Runtime::Compiler_Geometry; } };"
        ),
        "source/backend/arm82/Arm82Backend.cpp": "class Arm82Backend : public CPUBackend {};",
        "source/backend/neuropilot/README.md": "docs only",
    })
    assert read_compiler_types(tree) == {
        "arm82": "Compiler_Loop", "coreml": "Compiler_Geometry", "cpu": "Compiler_Loop", "hiai": "Compiler_Origin",
    }


def test_never_executed_reads_both_sources() -> None:
    tree = FakeTree({
        "source/utils/InitNet.cpp": (
            "bool needComputeOp(const Op* op) {\n"
            "  if (op->type() != OpType_Input && op->type() != OpType_Const) { return true; }\n  return false;\n}"
        ),
        "source/core/OpCommonUtils.cpp": (
            "bool OpCommonUtils::opNeedContent(const MNN::Op* op, int index) {\n"
            "  switch (type) {\n    case OpType_Shape:\n    case OpType_Rank:\n      return false;\n"
            "    case OpType_Interp:\n      if (1 == index) { return false; }\n      break;\n  }\n  return true;\n}"
        ),
    })
    never = read_never_executed(tree)
    assert sorted(never) == ["Const", "Input", "Rank", "Shape"]
    assert never["Shape"].endswith("(source/core/OpCommonUtils.cpp:3)")
