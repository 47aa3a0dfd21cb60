"""fused: op types created only by gated converter fusion passes."""

from __future__ import annotations

from tools.capgen.fused import read_exporter_op_types, read_fused_op_details, read_fused_op_types
from tools.capgen.gitsrc import FakeTree

ATTENTION = """
bool FuseAttention::match(...) {
    if(!config->transformerFuse) {
        return false;
    }
    return true;
}
EXPRP FuseAttention::fold(...) {
    attention->type       = OpType_Attention;
    reshape->type = OpType_Reshape;
    // other->type = OpType_Commented;
    if (x->type == OpType_Equal) {}
}
"""

C4 = """
void run() {
    morph->type = MNN::OpType_FusedLinear;
}
"""

LAYERNORM = "void f() { layer_norm_op->type = OpType_LayerNorm; }"
ONNX_LN = "MNN::OpType LayerNormOnnx::opType() { return MNN::OpType_LayerNorm; }"
CLI = """
    if (modelPath.transformerFuseC4) {
        expectedPass.insert(expectedPass.begin() + 1, "FuseTransformerC4");
    }
"""


def _tree() -> FakeTree:
    return FakeTree({
        "tools/converter/source/optimizer/merge/FuseAttention.cpp": ATTENTION,
        "tools/converter/source/optimizer/merge/FuseLayerNorm.cpp": LAYERNORM,
        "tools/converter/source/optimizer/postconvert/FuseTransformerC4.cpp": C4,
        "tools/converter/source/onnx/LayerNormOnnx.cpp": ONNX_LN,
        "tools/converter/source/onnx/ReshapeOnnx.cpp": "MNN::OpType R::opType() { return MNN::OpType_Reshape; }",
        "tools/converter/source/common/cli.cpp": CLI,
        "transformers/llm/export/utils/mnn_converter.py": '{"type": "RoPE", "x": {"type": "int"}}',
    })


def test_fused_only_types_with_flags() -> None:
    # Reshape is also made by the gated pass but a frontend emits it: not fused-only.
    assert read_fused_op_types(_tree()) == ["Attention", "FusedLinear"]


def test_details() -> None:
    details = read_fused_op_details(_tree())
    assert details["Attention"]["flag"] == "transformerFuse"
    assert details["Attention"]["at"] == "tools/converter/source/optimizer/merge/FuseAttention.cpp:9"
    assert details["FusedLinear"]["flag"] == "transformerFuseC4"  # gated through the CLI pass list
    assert details["LayerNorm"]["only_fused"] is False  # ONNX frontend emits it too
    assert details["LayerNorm"]["flag"] is None
    assert "Commented" not in details and "Equal" not in details


def test_exporter_types() -> None:
    got = read_exporter_op_types(_tree(), {"RoPE", "Attention"})
    assert got == {"RoPE": "transformers/llm/export/utils/mnn_converter.py:1"}
