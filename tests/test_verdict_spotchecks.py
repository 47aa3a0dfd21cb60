"""Spot checks of the decision defects of issue 9, each on real tables and converter-made models.

Every check cites the MNN source it mirrors (path:line at a release tag). `CITATIONS`
lists those lines with the text they hold; when an MNN git mirror is at hand
(`MNNLINT_MNN_MIRROR`, or the usual /work/.mirror path), the last test reads each line
at its tag and fails when the source no longer says so.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import FIXTURES, MODELS

from mnnlint.capabilities import Capabilities
from mnnlint.capabilities.support import OpFacts, Status, decide
from mnnlint.engine import check_model
from mnnlint.inputs import expand
from mnnlint.loader import load
from mnnlint.registry import load_registry
from mnnlint.settings import Profile

CAPS = Capabilities()
VERDICTS = FIXTURES / "verdicts"

CITATIONS = [
    # defect 2: only GeometryGather's one-input branch re-emits the op; the ND/Elements classes never do
    ("3.6.1", "source/geometry/GeometryGather.cpp", 134, "if (inputs.size() == 1)"),
    ("3.6.1", "source/geometry/GeometryGather.cpp", 199, "class GeometryGatherND"),
    ("3.6.1", "source/geometry/GeometryGather.cpp", 437, "class GeometryGatherElements"),
    # defect 3: ops the Module API runs itself
    ("2.8.0", "express/module/PipelineModule.cpp", 513, "NMSModule::create(op)"),
    ("3.2.0", "express/module/PipelineModule.cpp", 639, "MoEModule::create(op"),
    ("3.6.1", "express/module/PipelineModule.cpp", 633, "NMSModule::create(op)"),
    ("3.6.1", "express/module/PipelineModule.cpp", 636, "MoEModule::create(op"),
    # defect 4: constant ops, computed on the CPU backup at resize, skipped at execution creation
    ("3.6.1", "source/core/OpCommonUtils.cpp", 415, "case OpType_Shape:"),
    ("3.6.1", "source/geometry/GeometryComputerUtils.cpp", 63, "OpCommonUtils::opNeedContent(info.op, i)"),
    ("3.6.1", "source/geometry/GeometryComputerUtils.cpp", 72, "info.type = Schedule::CONSTANT;"),
    ("3.6.1", "source/geometry/GeometryComputerUtils.cpp", 242, "Runtime::Compiler_Loop"),
    ("3.6.1", "source/geometry/GeometryComputerUtils.cpp", 273, "createExecutionWithExternal(backupBackend.get()"),
    ("3.6.1", "source/core/Pipeline.cpp", 548, "if (info.type == Schedule::CONSTANT)"),
    # defect 5: the CPU backup is handed the same command; a non-Loop runtime's command is the raw op
    ("2.8.0", "source/core/Pipeline.cpp", 590, "mBackupBackend->onCreate(iter.inputs, iter.outputs, iter.op)"),
    ("2.8.0", "source/core/Pipeline.cpp", 593, "Create execution error : %d"),
    ("3.6.1", "source/core/Pipeline.cpp", 589, "createExecutionWithExternal(mBackupBackend.get()"),
    ("3.6.1", "source/core/Pipeline.cpp", 592, "Create execution error : %d"),
    ("3.6.1", "source/core/Session.cpp", 175, "rt->onGetCompilerType() != Runtime::Compiler_Loop"),
    ("3.6.1", "source/geometry/GeometryBinary.cpp", 142, "GEOMETRCOMPUTEMASK_USELOOP"),
    # defect 6: GeometryBatchMatMul (a Loop computer for MatMul too) emits While for batched MatMul
    ("2.8.0", "source/geometry/GeometryBatchMatMul.cpp", 457, "opBuilder.add_type(OpType_While);"),
    ("2.8.0", "source/geometry/GeometryBatchMatMul.cpp", 473, "{OpType_BatchMatMul, OpType_MatMul}, Runtime::Compiler_Loop"),  # noqa: E501
    ("2.9.5", "source/backend/vulkan/image/execution/VulkanRaster.cpp", 323, "//    VulkanBackend::addCreator(OpType_While"),  # noqa: E501
    ("2.9.6", "source/backend/vulkan/image/execution/VulkanLoop.cpp", 228, "addCreator(OpType_While, new VulkanLoopCreator)"),  # noqa: E501
    # defect 7: Attention's shape function is behind the option; without one MNN copies the first input's shape
    ("3.6.1", "source/shape/ShapeAttention.cpp", 13, "#ifdef MNN_SUPPORT_TRANSFORMER_FUSE"),
    ("3.6.1", "source/shape/ShapeAttention.cpp", 227, "OpType_Attention"),
    ("3.6.1", "source/shape/SizeComputer.cpp", 177, "Default Set to the same"),
    ("3.2.1", "source/backend/cuda/execution/AttentionExecution.cu", 975, "OpType_Attention"),
    ("3.2.4", "CMakeLists.txt", 110, "set(MNN_SUPPORT_TRANSFORMER_FUSE ON)"),
    ("3.6.1", "CMakeLists.txt", 119, "set(MNN_SUPPORT_TRANSFORMER_FUSE ON CACHE BOOL"),
    # defect 9: llmexport writes Attention (and MoE) itself; its --transformer_fuse is about vision
    ("3.6.1", "transformers/llm/export/llmexport.py", 413, "export_fused_attn = True"),
    ("3.6.1", "transformers/llm/export/llmexport.py", 865, "fuse vision transformer op"),
    ("3.6.1", "transformers/llm/export/utils/mnn_converter.py", 404, "if op_type == 'FusedAttention':"),
    ("3.6.1", "transformers/llm/export/utils/mnn_converter.py", 557, '"type": "Attention",'),
    ("3.6.1", "transformers/llm/export/utils/mnn_converter.py", 504, "moe['type'] = 'MoE'"),
]


def findings(path: Path, target: str, release: str, profile: str | None = None) -> list:
    (source,) = list(expand([str(path)]))
    plan = Profile(targets=(target,), releases=(release,), rules=tuple(load_registry().rules), build_profile=profile)
    return check_model(load(source), plan, CAPS).diagnostics


def about(found: list, type_name: str) -> list:
    return [d for d in found if d.op and d.op.type_name == type_name]


@pytest.mark.parametrize("target", ["cuda", "opencl", "vulkan", "metal"])
@pytest.mark.parametrize("release", ["3.6.1", "HEAD"])
def test_defect2_gathers_decompose_on_gpu_backends(target: str, release: str) -> None:
    found = findings(VERDICTS / "gathers.mnn", target, release)
    for kind in ("GatherND", "GatherElements", "GatherV2"):
        assert not about(found, kind), [d.message for d in found]


def test_defect2_a_one_input_gather_would_re_emit_itself() -> None:
    # GeometryGather.cpp:134 at 3.6.1: only `inputs.size() == 1` hands the op on; CUDA registers GatherV2
    table = CAPS.release("3.6.1")
    build = table.build("default", {})
    assert decide(table, "cuda", "GatherV2", build, OpFacts(inputs=2)).runs_on_backend


@pytest.mark.parametrize("release", ["2.8.0", "3.2.0", "3.6.1"])
def test_defect3_nms_is_a_module_not_a_fallback(release: str) -> None:
    assert not findings(VERDICTS / "nms.mnn", "cuda", release)


@pytest.mark.parametrize("release", ["3.2.0", "3.6.1"])
def test_defect3_moe_is_a_module(release: str) -> None:
    table = CAPS.release(release)
    verdict = decide(table, "cpu", "MoE", table.build("default", {}), OpFacts("Extra", 3))
    assert verdict.status is Status.MODULE_LAYER


def test_defect4_constant_ops_are_never_refused() -> None:
    assert not findings(VERDICTS / "const_shape.mnn", "cuda", "3.6.1")
    table = CAPS.release("3.6.1")
    build = table.build("default", {})
    assert decide(table, "cuda", "OneHot", build).status is Status.FALLBACK  # as a data op
    assert decide(table, "cuda", "OneHot", build, OpFacts(constant=True)).status is Status.CONSTANT


@pytest.mark.parametrize("release", ["2.8.0", "3.0.0", "3.6.0", "3.6.1"])
def test_defect5_coreml_hands_the_raw_gather_to_the_cpu(release: str) -> None:
    found = findings(VERDICTS / "gathers.mnn", "coreml", release)
    (gather,) = about(found, "GatherV2")
    assert gather.code == "B003" and "Create execution error : 31" in gather.message
    assert not [d for d in found if d.code == "B001"]


@pytest.mark.parametrize(("release", "falls_back"), [("2.8.0", True), ("2.8.1", True), ("2.8.2", False)])
def test_defect6_batched_matmul_emits_while_on_metal(release: str, falls_back: bool) -> None:
    found = about(findings(MODELS / "transformer.mnn", "metal", release), "MatMul")
    assert bool(found) == falls_back
    if found:
        assert found[0].code == "B001" and "While" in found[0].message


@pytest.mark.parametrize(("release", "falls_back"), [("2.8.0", True), ("2.9.5", True), ("2.9.6", False)])
def test_defect6_vulkan_image_has_no_loop_until_2_9_6(release: str, falls_back: bool) -> None:
    # its While creator is commented out in VulkanRaster.cpp:323 up to 2.9.5; VulkanLoop.cpp:228 from 2.9.6
    found = about(findings(MODELS / "transformer.mnn", "vulkan-image", release), "MatMul")
    assert bool(found) == falls_back


def test_defect7_extra_has_no_shape_error_on_the_runtime() -> None:
    """A custom op has no shape computer, yet the pip 3.6.1 runtime takes its input's shape
    (SizeComputer.cpp:177) and fails at execution creation, which B003 names."""
    pytest.importorskip("MNN")
    from runtime_probe import probe

    seen = probe(MODELS / "custom_op.mnn")
    assert "Create execution error : 512" in seen.output and "Compute Shape Error" not in seen.output
    (extra,) = about(findings(MODELS / "custom_op.mnn", "cpu", "3.6.1", "llm"), "Extra")
    assert extra.code == "B003" and "Create execution error : 512" in extra.message


def test_defect7_three_outcomes_of_the_seed_case() -> None:
    fused = MODELS / "transformer_fused.mnn"
    (without,) = about(findings(fused, "cuda", "3.6.1", "default"), "Attention")
    assert "cannot run on any backend" in without.message and "on the CPU backup" not in without.message
    assert "MNN_SUPPORT_TRANSFORMER_FUSE=ON" in (without.fix or "") and "3.2.4" in (without.fix or "")
    (old,) = about(findings(fused, "cuda", "3.2.0", "llm"), "Attention")
    assert "Don't support type Attention" in old.message and "3.2.1" in (old.fix or "")
    assert not findings(fused, "cuda", "3.6.1", "llm")


def test_defect8_a_default_run_names_the_option_it_assumed() -> None:
    fused = MODELS / "transformer_fused.mnn"
    (source,) = list(expand([str(fused)]))
    plan = Profile(targets=("cuda",), releases=("3.6.1",), rules=tuple(load_registry().rules))
    result = check_model(load(source), plan, CAPS)
    (entry,) = result.checked
    assert entry.profile_assumed and "MNN_SUPPORT_TRANSFORMER_FUSE=ON" in entry.build_options
    assert [d.code for d in result.diagnostics] == ["B005"]
    assert "MNN_SUPPORT_TRANSFORMER_FUSE=ON" in result.diagnostics[0].message


def test_defect9_llmexport_attention_fix_fits_its_origin() -> None:
    (attn,) = about(findings(MODELS / "llm", "cuda", "3.2.0", "llm"), "Attention")
    assert "llmexport" in attn.message and "--transformerFuse" not in (attn.fix or "")
    (plain,) = about(findings(MODELS / "transformer_fused.mnn", "cuda", "3.2.0", "llm"), "Attention")
    assert "reconvert without --transformerFuse" in (plain.fix or "")


def _mirror() -> Path | None:
    for candidate in (os.environ.get("MNNLINT_MNN_MIRROR"), "/work/.mirror/alibaba+MNN/repo"):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return None


@pytest.mark.parametrize(("tag", "path", "line", "text"), CITATIONS, ids=lambda v: str(v))
def test_cited_source_line_still_says_so(tag: str, path: str, line: int, text: str) -> None:
    mirror = _mirror()
    if mirror is None:
        pytest.skip("no MNN git mirror (set MNNLINT_MNN_MIRROR)")
    shown = subprocess.run(["git", "-C", str(mirror), "show", f"{tag}:{path}"], capture_output=True, text=True,
                           errors="replace", timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert text in shown.stdout.splitlines()[line - 1]
