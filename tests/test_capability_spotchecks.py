"""Facts in the committed capability tables, each checked by hand against MNN's source.

Every assertion names the MNN file and line (at that release) it came from, so
a regenerated table that disagrees points straight at what to re-read.
"""

from __future__ import annotations

from pathlib import Path

import pytest

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


def test_data_stays_under_one_megabyte() -> None:
    assert sum(p.stat().st_size for p in DATA.rglob("*") if p.is_file()) < 1_000_000
