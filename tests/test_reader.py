"""The reader against the converter's own JSON view of every fixture (real files only)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import MODELS, fixture_models

from mnnlint.inputs import ModelSource, expand
from mnnlint.loader import load
from mnnlint.model import MAIN_GRAPH, Model, Op
from mnnlint.reader import read_model


def _expected_ops(nodes: list[dict[str, Any]]) -> list[tuple[str, str, list[int], list[int], str]]:
    return [(n.get("name", ""), n["type"], n.get("inputIndexes", []), n.get("outputIndexes", []),
             n.get("main_type", "NONE")) for n in nodes]


def _ops(ops: tuple[Op, ...]) -> list[tuple[str, str, list[int], list[int], str]]:
    return [(op.name, op.type_label, list(op.inputs), list(op.outputs), op.param_type) for op in ops]


@pytest.mark.parametrize("path", fixture_models(), ids=lambda p: str(p.relative_to(MODELS)))
def test_reader_matches_converter_dump(path: Path, converter_json) -> None:
    expected = converter_json(path)
    model = read_model(str(path))
    assert _ops(model.ops) == _expected_ops(expected["oplists"])
    assert [t.name for t in model.tensors] == expected.get("tensorName", [])
    assert list(model.output_names) == expected.get("outputName", [])
    assert model.source == expected["sourceType"]
    assert model.biz_code == expected.get("bizCode", "")
    assert model.uuid == expected.get("mnn_uuid", "")
    assert model.prefer_forward_type == expected.get("preferForwardType", "CPU")
    assert model.converter_version == expected.get("extraInfo", {}).get("version", "")
    subs = expected.get("subgraphs", [])
    assert list(model.subgraphs) == [s["name"] for s in subs]
    for sub in subs:
        mine = model.subgraphs[sub["name"]]
        assert _ops(mine.ops) == _expected_ops(sub["nodes"])
        assert [t.name for t in mine.tensors] == sub.get("tensors", [])
        assert list(mine.inputs) == sub.get("inputs", [])
        assert list(mine.outputs) == sub.get("outputs", [])
        assert all(op.subgraph == sub["name"] for op in mine.ops)


def test_control_flow_subgraphs_are_linked_to_their_ops() -> None:
    model = read_model(str(MODELS / "control_flow.mnn"))
    owners = {name: [(g, model.ops[i].type_label) for g, i in sub.owners] for name, sub in model.subgraphs.items()}
    assert owners["then_branch"] == [(MAIN_GRAPH, "If")] and owners["else_branch"] == [(MAIN_GRAPH, "If")]
    body = [name for name in owners if name not in ("then_branch", "else_branch")]
    assert body and all(owners[b] == [(MAIN_GRAPH, "While")] for b in body)


def test_graph_edges_follow_tensors() -> None:
    from mnnlint.graph import build_graph

    model = read_model(str(MODELS / "control_flow.mnn"))
    graph = build_graph(model)
    assert graph.number_of_nodes() == model.op_count()
    for producer, consumer, key, data in graph.edges(keys=True, data=True):
        if data["kind"] == "tensor":
            assert key in graph.nodes[producer]["op"].outputs and key in graph.nodes[consumer]["op"].inputs
        else:
            assert data["kind"] == "calls" and consumer[0] == data["subgraph"]
    if_node = next((MAIN_GRAPH, op.index) for op in model.ops if op.type_label == "If")
    assert {e[1][0] for e in graph.out_edges(if_node) if e[1][0]} == {"then_branch", "else_branch"}


def test_fused_transformer_holds_attention_and_plain_one_does_not() -> None:
    fused = read_model(str(MODELS / "transformer_fused.mnn")).type_histogram()
    plain = read_model(str(MODELS / "transformer.mnn")).type_histogram()
    assert fused["Attention"] >= 1
    assert "Attention" not in plain


def test_pool_without_strides_reads_stride_zero() -> None:
    model = read_model(str(MODELS / "pool_nostride.mnn"))
    pools = [op for op in model.ops if op.type_label == "Pooling"]
    assert pools and pools[0].params["stride"] == (0, 0)


def test_custom_op_is_extra_with_its_onnx_type() -> None:
    model = read_model(str(MODELS / "custom_op.mnn"))
    extra = [op for op in model.ops if op.type_label == "Extra"]
    assert len(extra) == 1 and extra[0].params["custom_type"] == "FancyActivation"


def test_external_weights_are_found_and_measured() -> None:
    model: Model = load(ModelSource(str(MODELS / "cnn_external.mnn")))
    assert model.weight_file == str(MODELS / "cnn_external.mnn.weight")
    assert 0 < model.weight_bytes_needed <= Path(model.weight_file).stat().st_size
    embedded = load(ModelSource(str(MODELS / "cnn.mnn")))
    assert embedded.weight_file is None and embedded.weight_bytes_needed == 0


def test_llm_folder_is_one_model_with_its_config() -> None:
    sources = list(expand([str(MODELS / "llm")]))
    assert len(sources) == 1 and isinstance(sources[0], ModelSource)
    model = load(sources[0])
    assert model.path.endswith("llm.mnn") and model.llm is not None
    assert model.llm.backend_type == "cpu" and model.llm.precision == "low"
    assert model.weight_file and model.weight_file.endswith("llm.mnn.weight")


def test_folder_walk_finds_every_model_once() -> None:
    found = [s.path for s in expand([str(MODELS)]) if isinstance(s, ModelSource)]
    assert sorted(found) == sorted(str(p) for p in fixture_models())


def test_reader_never_copies_weights(tmp_path: Path) -> None:
    """Op byte ranges lie inside the file and weights are not part of any op's inline table."""
    model = read_model(str(MODELS / "cnn.mnn"))
    for op in model.all_ops():
        assert 0 < op.byte_offset < model.file_size
        assert 4 <= op.byte_length < 256


def test_subgraph_depths_of_the_control_flow_fixture() -> None:
    from mnnlint.graph import subgraph_depths

    model = read_model(str(MODELS / "control_flow.mnn"))
    assert set(subgraph_depths(model).values()) == {1}


def _json_field(table: dict[str, Any], path: str) -> Any:
    """The converter dump's value at a flatc accessor path ("Common.KernelX" → ["common"]["kernelX"])."""
    node: Any = table
    for part in path.split("."):
        if not isinstance(node, dict):
            return KeyError
        keys = {k.replace("_", "").lower(): k for k in node}
        key = keys.get(part.lower())
        if key is None:
            return KeyError
        node = node[key]
    return node


@pytest.mark.parametrize("path", fixture_models(), ids=lambda p: str(p.relative_to(MODELS)))
def test_op_params_match_converter_dump(path: Path, converter_json) -> None:
    """Every OP_PARAMS field the converter's JSON shows has the same value in Op.params."""
    from mnnlint.params import OP_PARAMS, F

    expected = converter_json(path)
    nodes = list(expected["oplists"]) + [n for s in expected.get("subgraphs", []) for n in s["nodes"]]
    ops = list(read_model(str(path)).all_ops())
    assert len(nodes) == len(ops)
    checked = 0
    for node, op in zip(nodes, ops, strict=True):
        spec = OP_PARAMS.get(op.param_type)
        if spec is None or not isinstance(node.get("main"), dict):
            continue
        for key, value in spec.fields.items():
            fields = value if isinstance(value, tuple) else (value,)
            dumped = [_json_field(node["main"], f.path) for f in fields]
            mine = op.params.get(key)
            for f, want, got in zip(fields, dumped, mine if isinstance(value, tuple) else (mine,), strict=True):
                assert isinstance(f, F)
                if f.present:
                    assert got == (want is not KeyError), (op.name, key)
                elif want is not KeyError:
                    assert (list(got) if isinstance(got, tuple) else got) == want, (op.name, key)
                    checked += 1
    if any(op.param_type in OP_PARAMS for op in ops):
        assert checked


def test_quantised_convolutions_say_so() -> None:
    """--weightQuantBits 8 writes an IDSTQuan block (type 1, 8 bits); --fp16 one of type 3."""
    quant = [op for op in read_model(str(MODELS / "cnn_quant8.mnn")).ops if op.param_type == "Convolution2D"]
    assert quant and all(op.params["quantized"] and op.params["quant_bits"] == 8 for op in quant)
    plain = [op for op in read_model(str(MODELS / "cnn.mnn")).ops if op.param_type == "Convolution2D"]
    assert plain and not any(op.params["quantized"] or "quant_type" in op.params for op in plain)


def test_static_model_tensor_shapes_match_converter_dump(converter_json) -> None:
    """--saveStaticModel stores every tensor's dims and type; Tensor.dims/data_type/data_format carry them."""
    path = Path(__file__).parent / "fixtures" / "static" / "cnn_static.mnn"
    expected = converter_json(path)
    model = read_model(str(path))
    assert model.usage == "INFERENCE_STATIC"
    described = {d.get("index", 0): d["blob"] for d in expected["extraTensorDescribe"] if "blob" in d}
    assert described and len(described) == len(model.tensors)
    for index, blob in described.items():
        tensor = model.tensors[index]
        assert tensor.dims == tuple(blob.get("dims", ()))
        assert tensor.data_type == blob.get("dataType", "DT_FLOAT")
        assert tensor.data_format == blob.get("dataFormat", "NCHW")
    plain = read_model(str(MODELS / "cnn.mnn"))
    assert all(t.dims is None for t in plain.tensors)
