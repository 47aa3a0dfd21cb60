"""geometry: registrations per computer class, guards, emissions and compiler types from C++ text."""

from __future__ import annotations

from tests.capgen.fake_mnn import files
from tools.capgen.geometry import read_compiler_types, read_geometry
from tools.capgen.gitsrc import FakeTree
from tools.capgen.pipeline import read_never_executed

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
    std::shared_ptr<GeometryComputer> comp(new GeometryFused);
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
class GeometryOrphan : public GeometryComputer {};
static void _create() {
    std::shared_ptr<GeometryComputer> comp(new GeometryOrphan);
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
    # `cmd->op = op` hands on each registered type itself, not the file's first one
    assert geo["BatchMatMul"]["into"] == ["BatchMatMul", "While"]
    [computer] = geo["MatMul"]["computers"]
    assert computer["computer"] == "GeometryBatchMatMul"
    assert computer["at"] == "source/geometry/GeometryBatchMatMul.cpp:2"
    assert computer["emits"] == [
        {"type": "MatMul", "at": "source/geometry/GeometryBatchMatMul.cpp:4", "self": True},
        {"type": "While", "at": "source/geometry/GeometryBatchMatMul.cpp:5"},
    ]


def test_emissions_are_per_class_not_per_file() -> None:
    # GeometryGather.cpp holds three classes; only GeometryGather re-emits its op (fake of :134-142 at 3.6.1)
    geo = read_geometry(FakeTree(files()))
    assert geo["GatherND"]["into"] == ["BinaryOp", "Raster"]
    assert geo["GatherElements"]["into"] == ["Raster"]
    assert geo["GatherV2"]["into"] == ["GatherV2", "While"]
    [gather] = geo["Gather"]["computers"]
    assert gather["computer"] == "GeometryGather"
    selfs = [e for e in gather["emits"] if e.get("self")]
    assert selfs == [{"type": "Gather", "at": "source/geometry/GeometryGather.cpp:10", "self": True,
                      "when": "inputs.size() == 1", "inputs": 1}]
    # a While emitted by a helper the class calls, found through the call
    assert {"type": "While", "at": "source/geometry/GeometryGather.cpp:3", "via": "_computeGather"} in gather["emits"]


def test_guards_comments_and_unregistered_creators() -> None:
    geo = read_geometry(_tree())
    assert geo["FusedLinear"]["requires"] == {"MNN_SUPPORT_TRANSFORMER_FUSE": True}
    assert geo["FusedLinear"]["compiler"] == ["Compiler_Geometry"]
    assert geo["FusedLinear"]["into"] == ["BinaryOp"]
    assert geo["Fallback"]["requires"] == {"MNN_SUPPORT_TRANSFORMER_FUSE": False}
    assert "Commented" not in geo and "Blocked" not in geo
    assert "Orphan" not in geo  # its creator is never called


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
