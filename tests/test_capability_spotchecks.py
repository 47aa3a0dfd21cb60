"""Facts in the committed capability tables, each checked by hand against MNN's source.

Every assertion names the MNN file and line (at that release) it came from, so
a regenerated table that disagrees points straight at what to re-read.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mnnlint.capabilities import Capabilities, ReleaseTable
from tools.capgen.store import load_release

DATA = Path(__file__).resolve().parent.parent / "mnnlint" / "capabilities" / "data"

Site = tuple[str, int, dict[str, bool]]


@pytest.fixture(scope="module")
def table() -> dict[str, dict]:
    return {}


def sites(table: dict[str, dict], release: str, backend: str, op: str) -> list[Site] | None:
    """Registrations of `op` on `backend` at `release`; None when the backend does not exist."""
    if release not in table:
        table[release] = load_release(DATA, release)
    raw = table[release]
    entry = raw["backends"].get(backend)
    if entry is None:
        return None
    return [(raw["files"][a["at"][0]], a["at"][1], a.get("requires", {})) for a in entry["ops"].get(op, [])]


def test_cuda_attention_arrives_in_3_2_1_behind_transformer_fuse(table: dict[str, dict]) -> None:
    # 3.2.0: source/backend/cuda/execution/ has no AttentionExecution.cu, nothing registers Attention
    assert sites(table, "3.2.0", "cuda", "Attention") == []
    # 3.2.1: source/backend/cuda/execution/AttentionExecution.cu:975
    #   `static CUDACreatorRegister<AttentionCreator> __init(OpType_Attention);`
    #   inside `#ifdef MNN_SUPPORT_TRANSFORMER_FUSE` (line 7 .. 977)
    assert sites(table, "3.2.1", "cuda", "Attention") == [
        ("source/backend/cuda/execution/AttentionExecution.cu", 975, {"MNN_SUPPORT_TRANSFORMER_FUSE": True})]


def test_cuda_int8_needs_cuda_quant_option(table: dict[str, dict]) -> None:
    # 3.6.1: source/backend/cuda/execution/ConvSingleInputExecution.cu:89, under `#ifdef ENABLE_CUDA_QUANT`;
    # cuda/CMakeLists.txt adds -DENABLE_CUDA_QUANT only `IF (MNN_CUDA_QUANT)`
    assert sites(table, "3.6.1", "cuda", "ConvInt8") == [
        ("source/backend/cuda/execution/ConvSingleInputExecution.cu", 89, {"ENABLE_CUDA_QUANT": True})]


def test_cpu_deprecated_op_macro_variant(table: dict[str, dict]) -> None:
    # 3.6.1: source/backend/cpu/CPUQuantizedAdd.cpp:211 uses REGISTER_CPU_OP_CREATOR_OLD, which
    # source/backend/cpu/CPUBackend.hpp:224 defines to register only `#ifdef MNN_SUPPORT_DEPRECATED_OP`
    assert sites(table, "3.6.1", "cpu", "QuantizedAdd") == [
        ("source/backend/cpu/CPUQuantizedAdd.cpp", 211, {"MNN_SUPPORT_DEPRECATED_OP": True})]


def test_cpu_render_ops_only_when_cmake_globs_render(table: dict[str, dict]) -> None:
    # 3.6.1: source/backend/cpu/render/CPURasterAndInterpolate.cpp:453; source/backend/cpu/CMakeLists.txt:3-4
    # globs render/* only `if(MNN_SUPPORT_RENDER)`
    assert sites(table, "3.6.1", "cpu", "RasterAndInterpolate") == [
        ("source/backend/cpu/render/CPURasterAndInterpolate.cpp", 453, {"MNN_SUPPORT_RENDER": True})]


def test_opencl_buffer_softmax_hinges_on_size_cut(table: dict[str, dict]) -> None:
    # 3.6.1: source/backend/opencl/execution/buffer/SoftmaxBufExecution.cpp:222, whole file inside
    # `#ifndef MNN_OPENCL_BUFFER_CLOSED` (line 9); opencl/CMakeLists.txt defines that macro when
    # MNN_OPENCL_SIZE_CUT is ON
    assert sites(table, "3.6.1", "opencl-buffer", "Softmax") == [
        ("source/backend/opencl/execution/buffer/SoftmaxBufExecution.cpp", 222, {"MNN_OPENCL_BUFFER_CLOSED": False})]
    # 3.6.1: source/backend/opencl/execution/image/SoftmaxExecution.cpp:155, unconditional
    assert sites(table, "3.6.1", "opencl-image", "Softmax") == [
        ("source/backend/opencl/execution/image/SoftmaxExecution.cpp", 155, {})]


def test_opencl_attention_is_buffer_only(table: dict[str, dict]) -> None:
    # 3.6.1: source/backend/opencl/execution/buffer/AttentionBufExecution.cpp:2123
    #   REGISTER_OPENCL_OP_CREATOR_TRANSFORMER(..., OpType_Attention, BUFFER) under MNN_SUPPORT_TRANSFORMER_FUSE
    assert sites(table, "3.6.1", "opencl-buffer", "Attention") == [
        ("source/backend/opencl/execution/buffer/AttentionBufExecution.cpp", 2123,
         {"MNN_SUPPORT_TRANSFORMER_FUSE": True})]
    # no image-memory Attention anywhere under source/backend/opencl/execution/image/
    assert sites(table, "3.6.1", "opencl-image", "Attention") == []


def test_vulkan_attention_only_in_buffer_mode(table: dict[str, dict]) -> None:
    # 3.6.1: source/backend/vulkan/buffer/execution/VulkanAttention.cpp:983, in a static registrar lambda,
    # file inside `#ifdef MNN_SUPPORT_TRANSFORMER_FUSE`; buffer/ is compiled only when MNN_VULKAN_IMAGE
    # is OFF (vulkan/CMakeLists.txt:2-6)
    assert sites(table, "3.6.1", "vulkan-buffer", "Attention") == [
        ("source/backend/vulkan/buffer/execution/VulkanAttention.cpp", 983, {"MNN_SUPPORT_TRANSFORMER_FUSE": True})]
    assert sites(table, "3.6.1", "vulkan-image", "Attention") == []
    image = load_release(DATA, "3.6.1")["backends"]["vulkan-image"]
    assert image["enabled_requires"] == [{"MNN_VULKAN": True, "MNN_VULKAN_IMAGE": True}]


def test_metal_attention_arrives_between_2_8_and_3_2(table: dict[str, dict]) -> None:
    # 2.8.0: no MetalAttention.mm registration
    assert sites(table, "2.8.0", "metal", "Attention") == []
    # 3.2.0: source/backend/metal/MetalAttention.mm:623, under MNN_SUPPORT_TRANSFORMER_FUSE
    assert sites(table, "3.2.0", "metal", "Attention") == [
        ("source/backend/metal/MetalAttention.mm", 623, {"MNN_SUPPORT_TRANSFORMER_FUSE": True})]


def test_tensorrt_select_needs_trt7(table: dict[str, dict]) -> None:
    # 3.6.1: source/backend/tensorrt/execution/TRTSelect.cpp:37, file body inside `#ifdef MNN_USE_TRT7` (line 9)
    assert sites(table, "3.6.1", "tensorrt", "Select") == [
        ("source/backend/tensorrt/execution/TRTSelect.cpp", 37, {"MNN_USE_TRT7": True})]


def test_hexagon_appears_in_3_6_1_with_switch_dispatch(table: dict[str, dict]) -> None:
    # 3.5.0: no source/backend/hexagon
    assert sites(table, "3.5.0", "hexagon", "Attention") is None
    # 3.6.1: source/backend/hexagon/execution/HexagonExecutionFactory.cpp:72 `case OpType_Attention:`
    assert sites(table, "3.6.1", "hexagon", "Attention") == [
        ("source/backend/hexagon/execution/HexagonExecutionFactory.cpp", 72, {})]


def test_qnn_appears_in_3_2_0(table: dict[str, dict]) -> None:
    # 3.1.4: no source/backend/qnn; 3.2.0: source/backend/qnn/execution/QNNConvolution.cpp:172
    assert sites(table, "3.1.4", "qnn", "Convolution") is None
    assert sites(table, "3.2.0", "qnn", "Convolution") == [
        ("source/backend/qnn/execution/QNNConvolution.cpp", 172, {})]


def test_musa_registrar_without_definition_is_not_counted(table: dict[str, dict]) -> None:
    # 3.6.1: source/backend/musa/execution/ArgMaxExecution.cu:93 instantiates MNNCreatorRegister<...>,
    # a template defined nowhere in MNN; MusaCreatorRegister (musa/core/MusaBackend.hpp:116) is the real one
    assert sites(table, "3.6.1", "musa", "ArgMax") == []
    assert sites(table, "3.6.1", "musa", "Softmax") == [
        ("source/backend/musa/execution/SoftmaxExecution.cu", 129, {"MNN_USE_NATIVE_MUSA": True})]


def test_data_stays_small() -> None:
    # 0.89 MB before issue 9; the CMake option logic, per-class geometry, Module-layer ops,
    # shape computers and constness facts added ~0.2 MB (format 3)
    assert sum(p.stat().st_size for p in DATA.rglob("*") if p.is_file()) < 1_250_000


# --- issue 9: facts the verdicts need, each checked against MNN's source -------------

@pytest.fixture(scope="module")
def caps() -> Capabilities:
    return Capabilities()


def test_qnn_online_finalize_follows_mnn_qnn(caps: Capabilities) -> None:
    # 3.2.3: no MNN_QNN_ONLINE_FINALIZE option anywhere
    assert "MNN_QNN_ONLINE_FINALIZE" not in caps.release("3.2.3").known_options
    for release, option_line, set_line in (("3.2.4", 269, 280), ("3.6.1", 285, 299)):
        table = caps.release(release)
        # CMakeLists.txt:<option_line> `option(MNN_QNN_ONLINE_FINALIZE ... ON)`,
        # CMakeLists.txt:<set_line> `set(MNN_QNN_ONLINE_FINALIZE OFF)` inside `if (NOT MNN_QNN)`
        assert table.cmake["options"]["MNN_QNN_ONLINE_FINALIZE"] is True
        [step] = [s for s in table.cmake["steps"] if s["name"] == "MNN_QNN_ONLINE_FINALIZE"]
        assert step == {"at": f"CMakeLists.txt:{set_line}", "kind": "set", "name": "MNN_QNN_ONLINE_FINALIZE",
                        "value": False, "when": [{"MNN_QNN": False}]}
        assert table.build("default", {})["MNN_QNN_ONLINE_FINALIZE"] is False
        assert table.build("default", {}, target="qnn")["MNN_QNN_ONLINE_FINALIZE"] is True
        assert table.build("default", {"MNN_QNN": True})["MNN_QNN_ONLINE_FINALIZE"] is True
        assert option_line < set_line


def test_a_qnn_build_has_every_op_qnn_registers(caps: Capabilities) -> None:
    # from 3.2.4 every QNN creator is guarded by ENABLE_QNN_ONLINE_FINALIZE, which
    # source/backend/qnn/CMakeLists.txt defines only if(MNN_QNN_ONLINE_FINALIZE) (3.6.1: :36-37);
    # Attention also needs MNN_SUPPORT_TRANSFORMER_FUSE, hence the llm profile
    for release in ("3.2.4", "3.6.1", "HEAD"):
        table = caps.release(release)
        assert table.macro_value("ENABLE_QNN_ONLINE_FINALIZE", table.build("default", {})) is False
        build = table.build("llm", {}, target="qnn")
        for op in table.backend("qnn")["ops"]:
            regs = table.registrations("qnn", op)
            assert any(all(table.macro_value(m, build) in (None, v) for m, v in r.requires.items()) for r in regs), \
                f"{release}: qnn {op} not live in a QNN build"


def test_enabling_options_are_read_from_the_backend_folders(caps: Capabilities) -> None:
    table = caps.release("3.6.1")
    expected = {"cuda": "MNN_CUDA", "opencl-buffer": "MNN_OPENCL", "metal": "MNN_METAL", "qnn": "MNN_QNN",
                "nnapi": "MNN_NNAPI", "coreml": "MNN_COREML", "tensorrt": "MNN_TENSORRT", "hiai": "MNN_NPU"}
    for backend, option in expected.items():
        assert table.enabling_options(backend)[option] is True
    assert table.enabling_options("vulkan-image") == {"MNN_VULKAN": True, "MNN_VULKAN_IMAGE": True}
    assert table.enabling_options("cpu") == {}
    assert "MNN_SUPORT_TRANSFORMER_FUSE" not in table.known_options


def _emits(table: ReleaseTable, op: str) -> list[tuple[str, str, bool, int | None]]:
    [computer] = table.geometry_computers(op)
    return [(e.type, e.at, e.self, e.inputs) for e in computer.emits]


def test_gather_computers_emit_per_class(caps: Capabilities) -> None:
    table = caps.release("3.6.1")
    # source/geometry/GeometryGather.cpp:130 class GeometryGather; :134-142 `if (inputs.size() == 1)` hands
    # the op on (`cmd.op = op;` at :137); registered for Gather and GatherV2 at :500
    for op in ("Gather", "GatherV2"):
        [computer] = table.geometry_computers(op)
        assert (computer.computer, computer.at, computer.registered_at) == (
            "GeometryGather", "source/geometry/GeometryGather.cpp:130", "source/geometry/GeometryGather.cpp:500")
        assert [(e.type, e.at, e.inputs) for e in computer.emits if e.self] == [
            (op, "source/geometry/GeometryGather.cpp:137", 1)]
    # :199 GeometryGatherND and :437 GeometryGatherElements never hand their op on
    for op, line in (("GatherND", 199), ("GatherElements", 437)):
        [computer] = table.geometry_computers(op)
        assert computer.at == f"source/geometry/GeometryGather.cpp:{line}"
        assert op not in computer.into and not any(e.self for e in computer.emits)
        assert op not in table.geometry(op)["into"]


def test_batch_matmul_emits_while_whatever_the_backend_has(caps: Capabilities) -> None:
    table = caps.release("2.8.0")
    # 2.8.0 source/geometry/GeometryBatchMatMul.cpp:14 class, :382 (inside `if (fastway)`) and :457
    # `opBuilder.add_type(OpType_While)`, :473 registration for BatchMatMul and MatMul (Compiler_Loop)
    for op in ("MatMul", "BatchMatMul"):
        [computer] = table.geometry_computers(op)
        assert computer.registered_at == "source/geometry/GeometryBatchMatMul.cpp:473"
        assert computer.compiler == "Compiler_Loop"
        whiles = [(e.at, e.when) for e in computer.emits if e.type == "While"]
        assert whiles == [("source/geometry/GeometryBatchMatMul.cpp:382", "fastway"),
                          ("source/geometry/GeometryBatchMatMul.cpp:457", None)]
    # Metal 2.8.0-2.8.1 and vulkan-image 2.8.0 register MatMul but no While
    for release, backend in (("2.8.0", "metal"), ("2.8.1", "metal"), ("2.8.0", "vulkan-image")):
        ops = caps.release(release).backend(backend)["ops"]
        assert "MatMul" in ops and "While" not in ops, (release, backend)
    assert "While" in caps.release("2.8.2").backend("metal")["ops"]


def test_module_layer_ops_per_release(caps: Capabilities) -> None:
    # 2.8.0 express/module/PipelineModule.cpp:506 If, :509 While unless LoopParam, :512 NonMaxSuppressionV2
    old = caps.release("2.8.0").module_ops
    assert {op: (m.module, m.at, m.param_not) for op, m in old.items()} == {
        "If": ("IfModule", "express/module/PipelineModule.cpp:506", None),
        "While": ("WhileModule", "express/module/PipelineModule.cpp:509", "LoopParam"),
        "NonMaxSuppressionV2": ("NMSModule", "express/module/PipelineModule.cpp:512", None),
    }
    assert "MoE" not in caps.release("3.1.4").module_ops
    # 3.2.0 :638 and 3.6.1 :635 `if (OpType_MoE == op->type()) return MoEModule::create(...)`
    assert caps.release("3.2.0").module_ops["MoE"].at == "express/module/PipelineModule.cpp:638"
    moe = caps.release("3.6.1").module_ops["MoE"]
    assert (moe.module, moe.at) == ("MoEModule", "express/module/PipelineModule.cpp:635")
    loop = caps.release("3.6.1").module_ops["While"]
    assert loop.applies("WhileParam") and not loop.applies("LoopParam")


def test_geometry_backends_hand_the_raw_op_to_the_cpu(caps: Capabilities) -> None:
    for release, line in (("2.8.0", 590), ("3.6.1", 589)):
        table = caps.release(release)
        # source/core/Pipeline.cpp:<line> creates `iter.op`, the same command, on mBackupBackend
        assert table.pipeline["backup_create"] == f"source/core/Pipeline.cpp:{line}"
        for backend in ("coreml", "nnapi", "tensorrt"):
            assert table.compiler(backend) == "Compiler_Geometry"
        # GatherV2's only computer is Loop-only (GeometryGather.cpp), and the CPU registers no GatherV2
        assert table.geometry("GatherV2")["compiler"] == ["Compiler_Loop"]
        assert table.registrations("cpu", "GatherV2") == []


def test_attention_has_a_shape_computer_only_with_transformer_fuse(caps: Capabilities) -> None:
    # 3.2.0 source/shape/ShapeAttention.cpp:89 and 3.6.1 :227 REGISTER_SHAPE_INPUTS_TRANSFORMER_FUSE(...,
    # OpType_Attention), inside `#ifdef MNN_SUPPORT_TRANSFORMER_FUSE`; the macro is empty without it
    for release, line in (("3.2.0", 89), ("3.6.1", 227)):
        table = caps.release(release)
        [site] = table.shape_computers("Attention")
        assert site.at == f"source/shape/ShapeAttention.cpp:{line}"
        assert site.requires["MNN_SUPPORT_TRANSFORMER_FUSE"] is True
        assert table.has_shape_computer("Attention", table.build("default", {}, target="cuda")) is False
        assert table.has_shape_computer("Attention", table.build("llm", {}, target="cuda")) is True
        assert table.has_shape_computer("Convolution", table.build("default", {})) is True
        # `Extra` (custom ops) has no shape computer in any build
        assert table.shape_computers("Extra") == ()


def test_shape_only_ops_read_no_input_content(caps: Capabilities) -> None:
    table = caps.release("3.6.1")
    # source/core/OpCommonUtils.cpp:410 opNeedContent: :413-419 ZerosLike..PriorBox `return false;`
    for op in ("Shape", "Rank", "Size", "ZerosLike", "PriorBox"):
        assert table.need_content[op] == {"at": "source/core/OpCommonUtils.cpp:413", "unread": "all"}
    # :421-428 Interp, Crop, Reshape, Reduction, Resize: `if (1 == index) return false;`
    assert table.need_content["Reshape"]["unread"] == [1]
