"""registrations/backends: every registration style, read from a fake MNN tree."""

from __future__ import annotations

import pytest

from tests.capgen.fake_mnn import files
from tools.capgen import conds
from tools.capgen.backends import Backend, read_backends
from tools.capgen.cmakesrc import walk_cmake
from tools.capgen.cpp import parse_pp_condition, preprocess, strip_comments
from tools.capgen.gitsrc import FakeTree


@pytest.fixture(scope="module")
def backends() -> dict[str, Backend]:
    tree = FakeTree(files())
    return {b.name: b for b in read_backends(tree, walk_cmake(tree))}


def requires(b: Backend, op: str) -> list[dict[str, bool]]:
    """All alternatives for `op`, as requires dicts (empty list = not registered)."""
    out: list[dict[str, bool]] = []
    for _, _, cond in b.ops().get(op, []):
        out.extend(conds.as_requires(cond))
    return out


def test_backend_list_and_splits(backends: dict[str, Backend]) -> None:
    assert sorted(backends) == ["cpu", "cuda", "hexagon", "metal", "opencl-buffer", "opencl-image", "qnn",
                                "vulkan-buffer", "vulkan-image"]
    assert backends["cuda"].enabled_by == "MNN_CUDA"
    assert backends["cpu"].enabled_by is None
    assert backends["vulkan-image"].enabled == conds.and_(conds.atom("MNN_VULKAN"), conds.atom("MNN_VULKAN_IMAGE"))
    assert backends["vulkan-buffer"].split_of == "vulkan"


def test_function_macro_counts_only_when_called(backends: dict[str, Backend]) -> None:
    cpu = backends["cpu"]
    assert requires(cpu, "Convolution") == [{}]
    assert requires(cpu, "UnaryOp") == [{}] and requires(cpu, "Sigmoid") == [{}]
    # defined by the macro, but no ___...() call anywhere
    assert "Orphan" not in cpu.ops()
    assert any("OpType_Orphan" in n and "never called" in n for n in cpu.notes)


def test_provenance_is_file_and_line(backends: dict[str, Backend]) -> None:
    [(path, line, _)] = backends["cpu"].ops()["Convolution"]
    assert (path, line) == ("source/backend/cpu/CPUConv.cpp", 4)


def test_comments_and_if0_are_dead(backends: dict[str, Backend]) -> None:
    ops = backends["cpu"].ops()
    assert not {"Dead1", "Dead2", "Dead3"} & set(ops)


def test_ifdef_around_registration_and_call(backends: dict[str, Backend]) -> None:
    assert requires(backends["cpu"], "Attention") == [{"MNN_SUPPORT_TRANSFORMER_FUSE": True}]


def test_macro_variant_chosen_by_ifdef(backends: dict[str, Backend]) -> None:
    # REGISTER_CPU_OP_CREATOR_OLD registers only when MNN_SUPPORT_DEPRECATED_OP is defined
    assert requires(backends["cpu"], "QuantizedAdd") == [{"MNN_SUPPORT_DEPRECATED_OP": True}]
    # the transformer macro expands to nothing without MNN_SUPPORT_TRANSFORMER_FUSE
    assert requires(backends["metal"], "Attention") == [{"MNN_SUPPORT_TRANSFORMER_FUSE": True}]


def test_macro_the_build_always_defines_is_dropped(backends: dict[str, Backend]) -> None:
    # `#if MNN_METAL_ENABLED`: CMake defines it whenever Metal is built
    assert requires(backends["metal"], "Softmax") == [{}]


def test_file_outside_globs_or_removed_by_cmake(backends: dict[str, Backend]) -> None:
    cpu = backends["cpu"]
    assert "Svd" not in cpu.ops()                       # cpu/ghost/ is never globbed
    assert requires(cpu, "Texture") == [{"MNN_SUPPORT_RENDER": True}]
    # plugin/ is removed from the sources unless MNN_SUPPORT_TRANSFORMER_FUSE
    assert requires(backends["cuda"], "FmhaV2") == [{"MNN_SUPPORT_TRANSFORMER_FUSE": True}]


def test_template_registrar_objects(backends: dict[str, Backend]) -> None:
    cuda = backends["cuda"]
    assert requires(cuda, "UnaryOp") == [{}]
    assert requires(cuda, "TanH") == [{}]               # nested template argument
    assert requires(cuda, "FloatToInt8") == [{"ENABLE_CUDA_QUANT": True, "MNN_CUDA_NO_INT8": False}]
    assert requires(cuda, "Attention") == [{"MNN_SUPPORT_TRANSFORMER_FUSE": True}]


def test_complex_condition_kept_verbatim(backends: dict[str, Backend]) -> None:
    assert requires(backends["cuda"], "Cast") == [{"CUDA_VERSION >= 11000": True}]


def test_static_initialiser_loop_and_uncalled_function(backends: dict[str, Backend]) -> None:
    assert set(backends["vulkan-image"].ops()) == {"ReLU", "ReLU6"}
    # registerLater() adds Softmax but nobody calls it
    assert set(backends["vulkan-buffer"].ops()) == {"ReLU"}


def test_opencl_memobj_split_and_sep_build_variants(backends: dict[str, Backend]) -> None:
    # SEP_BUILD (static object) and non-SEP (called function) variants merge away
    assert requires(backends["opencl-buffer"], "Softmax") == [{"MNN_OPENCL_BUFFER_CLOSED": False}]
    assert requires(backends["opencl-image"], "Softmax") == [{}]


def test_switch_dispatch_backend(backends: dict[str, Backend]) -> None:
    assert set(backends["hexagon"].ops()) == {"Convolution", "Softmax"}


def test_multi_type_registration() -> None:
    tree = FakeTree({
        "CMakeLists.txt": "file(GLOB S ${CMAKE_CURRENT_LIST_DIR}/source/backend/x/*.cpp)\nadd_library(X ${S})\n",
        "source/backend/x/XBackend.hpp": (
            "#define REGISTER_X_MULTI(name, a, b) \\\n"
            "    static bool g##name = [](){ XBackend::addCreator(a, new name); "
            "XBackend::addCreator(b, new name); return true; }()\n"),
        "source/backend/x/Ops.cpp": "REGISTER_X_MULTI(Pair, OpType_Pack, OpType_Unpack);\n",
    })
    [x] = read_backends(tree, walk_cmake(tree))
    assert set(x.ops()) == {"Pack", "Unpack"}


def test_strip_comments_keeps_lines_and_strings() -> None:
    text = 'a // c\nb /* x\ny */ c "// not" R"(/* raw */)" d\n'
    out = strip_comments(text)
    assert out.count("\n") == text.count("\n")
    assert '"// not"' in out and "raw" not in out and "x" not in out


def test_pp_conditions() -> None:
    assert parse_pp_condition("defined(A) && !defined(B)") == conds.and_(conds.atom("A"), conds.atom("B", False))
    assert parse_pp_condition("0") == conds.FALSE
    b_and_c = conds.and_(conds.atom("B"), conds.atom("C"))
    assert parse_pp_condition("A || (B && C)") == conds.or_(conds.atom("A"), b_and_c)
    src = preprocess("f.cpp", "#ifdef A\nx\n#elif defined(B)\ny\n#else\nz\n#endif\n")
    assert src.line_cond[2] == conds.atom("A")
    assert src.line_cond[4] == conds.and_(conds.atom("A", False), conds.atom("B"))
    assert src.line_cond[6] == conds.and_(conds.atom("A", False), conds.atom("B", False))
