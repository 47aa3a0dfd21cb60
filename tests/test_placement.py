"""Placement against hand counts on small converter-made graphs, and against networkx.

Each hand count below is written from the converter's op list (tests/fixtures/
placement_models/MANIFEST.json has the op types; `mnnlint inspect` the order) and the
definitions in mnnlint/placement/__init__.py:
- counted ops: every op but Input, Const, TrainableParam;
- on the CPU: a type the CUDA tables call a fallback (OneHot, Where, Unique, ROIAlign,
  Attention at 3.2.0), or an op computed once at load (constant inputs, or it only
  reads shapes: ZerosLike, Shape, …);
- partitions: connected groups of per-inference ops on one backend, edges = tensors
  between two of them; crossings: distinct tensors written on one backend, read on the other.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, MODELS

from mnnlint.capabilities import Capabilities
from mnnlint.engine import check_model
from mnnlint.inputs import expand
from mnnlint.loader import load
from mnnlint.model import Op
from mnnlint.placement import CPU, LOAD, SOURCE, TARGET, judge, place_graph
from mnnlint.registry import load_registry
from mnnlint.settings import Profile

PLACED = FIXTURES / "placement_models"
CAPS = Capabilities()


def placement(path: Path, target: str = "cuda", release: str = "3.6.1"):  # type: ignore[no-untyped-def]
    (source,) = list(expand([str(path)]))
    model = load(source)  # type: ignore[arg-type]
    plan = Profile(targets=(target,), releases=(release,), rules=tuple(load_registry().rules))
    result = check_model(model, plan, CAPS)
    (check,) = result.checked
    return model, check.placement


def counts(g) -> dict[str, object]:  # type: ignore[no-untyped-def]
    keys = ("ops", "on_target", "on_cpu", "nowhere", "constant", "partitions", "crossings", "crossing_bytes")
    return {k: getattr(g, k) for k in keys}


def test_onehot_hand_count() -> None:
    # Ops: z=Sigmoid(x) [target], idx2=Add(idx,idx) [target], Slice(values) [load: constant input],
    # OneHot(idx2, depth, slices) [CPU: fallback], y=Relu(OneHot) [target]  -> 5 ops, 3 target, 2 CPU (1 at load).
    # Partitions: {z}, {idx2}, {y} on cuda (no tensor joins them) + {OneHot} on the CPU = 4.
    # Crossings: idx2 -> OneHot and OneHot -> y = 2. Bytes: idx2 is int32 [2,3] = 24 B, but OneHot's
    # output shape needs the depth value, which the file's shape information does not give: unknown.
    _, p = placement(PLACED / "onehot.mnn")
    assert counts(p.main) == {"ops": 5, "on_target": 3, "on_cpu": 2, "nowhere": 0, "constant": 1,
                              "partitions": 4, "crossings": 2, "crossing_bytes": None}
    assert "OneHot" in (p.main.crossing_bytes_unknown or "")
    assert (p.main.crossing_bytes_known, p.main.crossings_size_unknown) == (24, 1)  # a floor, not a guess
    (fb,) = p.main.fallbacks
    assert (fb.op_type, fb.ops, fb.crossings) == ("OneHot", 1, 2)


def test_nonzero_hand_count() -> None:
    # The converter turns NonZero(r) into ZerosLike(r) [load: reads only r's shape], NotEqual(r, zeros)
    # [target], Where [CPU: fallback], Transpose [target]; then Cast, Sigmoid [target]; Relu first [target].
    # 7 ops: 5 target, 2 CPU (1 at load). Partitions: {Relu, NotEqual}, {Transpose, Cast, Sigmoid}, {Where} = 3.
    # Crossings: NotEqual -> Where (float [2,8] = 64 B), Where -> Transpose (shape depends on the data) = 2.
    _, p = placement(PLACED / "nonzero.mnn")
    assert counts(p.main) == {"ops": 7, "on_target": 5, "on_cpu": 2, "nowhere": 0, "constant": 1,
                              "partitions": 3, "crossings": 2, "crossing_bytes": None}
    assert "depends on the data" in (p.main.crossing_bytes_unknown or "")
    assert p.main.verdict == "MAYBE"  # 5 of 6 per-inference ops on cuda, in 2 partitions


def test_unique_hand_count_with_known_bytes() -> None:
    # Relu [target] -> Unique [CPU]; Unique's output is the graph output. 2 ops, 2 partitions, 1 crossing:
    # Relu's output, float [16] = 64 B per inference, fixed by the Input's dims.
    _, p = placement(PLACED / "unique.mnn")
    assert counts(p.main) == {"ops": 2, "on_target": 1, "on_cpu": 1, "nowhere": 0, "constant": 0,
                              "partitions": 2, "crossings": 1, "crossing_bytes": 64}
    assert p.main.verdict == "NO"  # 50 % on the target is not over the MAYBE threshold


def test_roialign_hand_count() -> None:
    # Relu, ConvertTensor(to NC4HW4) [target] -> ROIAlign [CPU] -> Sigmoid, ConvertTensor [target].
    # rois and batch indices are Inputs: uploads, not crossings. 5 ops, 4 target; partitions 2 + 1 = 3;
    # crossings: ConvertTensor -> ROIAlign (float [1,4,8,8] = 1024 B) and ROIAlign -> Sigmoid (unknown).
    _, p = placement(PLACED / "roialign.mnn")
    assert counts(p.main) == {"ops": 5, "on_target": 4, "on_cpu": 1, "nowhere": 0, "constant": 0,
                              "partitions": 3, "crossings": 2, "crossing_bytes": None}
    assert (p.main.crossing_bytes_known, p.main.crossings_size_unknown) == (1024, 1)


def test_mixed_hand_count() -> None:
    # 13 ops: Relu, NotEqual, Transpose, Cast(b), Cast(ri), Sigmoid(a2), Sigmoid(a) [target];
    # Where, OneHot x2 [CPU]; ZerosLike, Slice x2 [load]. Partitions on cuda: {Relu, NotEqual, Cast ri},
    # {Transpose, Cast b}, {a2}, {a} = 4; on the CPU {Where}, {OneHot}, {OneHot} = 3. Crossings:
    # NotEqual->Where, Where->Transpose, ri->both OneHots (one tensor), each OneHot->its Sigmoid = 5.
    # Cost: OneHot touches 3 crossings, Where 2.
    _, p = placement(PLACED / "mixed.mnn")
    assert counts(p.main) == {"ops": 13, "on_target": 7, "on_cpu": 6, "nowhere": 0, "constant": 3,
                              "partitions": 7, "crossings": 5, "crossing_bytes": None}
    assert [(f.op_type, f.ops, f.crossings) for f in p.main.fallbacks] == [("OneHot", 2, 3), ("Where", 1, 2)]


def test_chain_of_1500_ops() -> None:
    # 500 blocks of (Sigmoid, Mul, Add) = 1500 ops, ConvertTensor in and out, 4 ROIAlign after blocks
    # 100/200/300/400: 1506 ops. Each ROIAlign cuts the chain: 5 cuda pieces + 4 CPU ones, 2 crossings each.
    _, p = placement(PLACED / "chain_1500.mnn")
    assert counts(p.main) == {"ops": 1506, "on_target": 1502, "on_cpu": 4, "nowhere": 0, "constant": 0,
                              "partitions": 9, "crossings": 8, "crossing_bytes": None}
    assert p.main.verdict == "NO"  # 5 partitions on the target


def test_fused_attention_on_cuda_320() -> None:
    # The llm build (chosen for fused models) at 3.2.0 has no CUDA Attention: it runs on the CPU.
    # It reads q, k, v from cuda (its mask input is computed at load) and writes one tensor back:
    # 4 crossings; the graph splits into the block before it, Attention, and the block after: 3.
    _, p = placement(MODELS / "transformer_fused.mnn", release="3.2.0")
    assert (p.main.partitions, p.main.target_partitions, p.main.crossings) == (3, 2, 4)
    assert [f.op_type for f in p.main.fallbacks] == ["Attention"]
    _, clean = placement(MODELS / "transformer.mnn", release="3.2.0")
    assert (clean.main.partitions, clean.main.crossings, clean.main.on_cpu - clean.main.constant) == (1, 0, 0)


def test_one_entry_per_control_flow_subgraph() -> None:
    # Main: ReduceSum, Greater, If, While (If and While run in the Module layer: counted on the target).
    # Loop body: Mul, Add, Identity(scan) in one piece, Identity(cond) alone: 2 partitions.
    model, p = placement(MODELS / "control_flow.mnn")
    assert (p.main.ops, p.main.partitions) == (4, 1)
    assert {s.graph: (s.ops, s.partitions) for s in p.subgraphs} == {
        "then_branch": (1, 1), "else_branch": (1, 1), "loop_out/Loop/body": (4, 2)}
    assert set(model.subgraphs) == {s.graph for s in p.subgraphs}


def test_cpu_target_has_no_crossings() -> None:
    _, p = placement(PLACED / "mixed.mnn", target="cpu")
    assert (p.main.on_cpu, p.main.crossings, p.main.partitions, p.main.verdict) == (0, 0, 1, "YES")


@pytest.mark.parametrize("name", ["onehot", "nonzero", "unique", "roialign", "mixed", "chain_1500"])
@pytest.mark.parametrize("target", ["cuda", "opencl-buffer", "vulkan-image"])
def test_partitions_and_crossings_match_networkx(name: str, target: str) -> None:
    """An independent count on the networkx graph (graph.build_graph) agrees with the union-find."""
    import networkx as nx

    from mnnlint.graph import build_graph

    model, p = placement(PLACED / f"{name}.mnn", target=target)
    graph = build_graph(model)
    place = {("", op.index): p.main.places[i] for i, op in enumerate(model.ops)}
    same = nx.Graph()
    same.add_nodes_from(k for k, v in place.items() if v in (TARGET, CPU))
    crossing = set()
    for a, b, key, data in graph.edges(keys=True, data=True):
        if data["kind"] != "tensor" or place[a] not in (TARGET, CPU) or place[b] not in (TARGET, CPU):
            continue
        if place[a] == place[b]:
            same.add_edge(a, b)
        else:
            crossing.add(key)
    assert p.main.partitions == nx.number_connected_components(same)
    assert p.main.crossings == len(crossing)


def _op(index: int, kind: str, inputs: tuple[int, ...], outputs: tuple[int, ...], dims: tuple[int, ...] = ()) -> Op:
    params = {"dims": dims, "data_type": "DT_FLOAT"} if kind == "Input" else {}
    return Op(index, f"op{index}", 0, kind, inputs, outputs, "NONE", params=params)


def test_fallbacks_ranked_by_cost_not_count() -> None:
    # x[1,1000] -> A(target) -> F(CPU, 1 op) -> B(target); a side chain C(target) -> G -> G (CPU, 2 ops),
    # G's output is the graph output. F costs 2 crossings (4000 B in, unknown out); G costs 1 (C's output,
    # 4000 B) though it has twice the ops: F ranks first.
    ops = [_op(0, "Input", (), (0,), (1, 1000)), _op(1, "ReLU", (0,), (1,)), _op(2, "Fancy", (1,), (2,)),
           _op(3, "ReLU", (2,), (3,)), _op(4, "Sigmoid", (0,), (4,)), _op(5, "Slow", (4,), (5,)),
           _op(6, "Slow", (5,), (6,))]
    where = {"Fancy": CPU, "Slow": CPU}
    g = place_graph("", ops, lambda op: where.get(op.type_name or "", TARGET), set(), "cuda")
    assert [(f.op_type, f.ops, f.crossings, f.crossing_bytes) for f in g.fallbacks] == [
        ("Fancy", 1, 2, None), ("Slow", 2, 1, 4000)]
    assert g.places == (SOURCE, TARGET, CPU, TARGET, TARGET, CPU, CPU)
    # A and C both read x, but x is an Input (no op edge joins them): {A}, {B}, {C} + {F}, {G, G} = 5.
    assert (g.partitions, g.crossings) == (5, 3)


def test_verdict_thresholds() -> None:
    assert judge(10, 10, 0, 1)[0] == "YES"
    assert judge(100, 76, 0, 1)[0] == "YES"
    assert judge(100, 75, 0, 1)[0] == "MAYBE"  # not over 75 %
    assert judge(100, 51, 0, 3)[0] == "MAYBE"
    assert judge(100, 50, 0, 2)[0] == "NO"
    assert judge(100, 99, 0, 4)[0] == "NO"
    assert judge(100, 99, 1, 1)[0] == "NO"  # an op that runs nowhere: the model cannot run


def test_load_ops_are_not_per_inference() -> None:
    # Shape reads only its input's shape: computed at load, so its output reaching a CPU op is no crossing.
    ops = [_op(0, "Input", (), (0,), (2, 2)), _op(1, "Shape", (0,), (1,)), _op(2, "Fancy", (1,), (2,))]
    g = place_graph("", ops, lambda op: CPU if op.type_name == "Fancy" else TARGET, {1}, "cuda")
    assert g.places == (SOURCE, LOAD, CPU) and g.crossings == 0 and g.constant == 1


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mnnlint", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NO_COLOR": "1"})


def test_json_placement_keys_in_every_checked_entry() -> None:
    proc = run(str(PLACED / "unique.mnn"), "-t", "cuda,opencl", "--mnn-version", "3.6.1", "--output-format", "json")
    data = json.loads(proc.stdout)
    assert len(data["checked"]) == 3
    for entry in data["checked"]:
        p = entry["placement"]
        for key in ("ops", "on_target", "on_cpu", "partitions", "crossings", "crossing_bytes"):
            assert key in p, key
        assert p["subgraphs"] == []
    cuda = next(e["placement"] for e in data["checked"] if e["target"] == "cuda")
    assert (cuda["crossings"], cuda["crossing_bytes"], cuda["crossing_bytes_unknown"]) == (1, 64, None)


def test_text_has_one_line_per_check_and_a_line_across_targets() -> None:
    proc = run(str(PLACED / "unique.mnn"), "-t", "cuda,cpu", "--mnn-version", "3.6.1")
    starts = [ln for ln in proc.stdout.splitlines() if ln.startswith(("  cuda, MNN 3.6.1: ", "  cpu, MNN 3.6.1: "))]
    assert len(starts) == 2
    flat = " ".join(proc.stdout.split())  # lines wrap at 80 columns
    assert "cuda, MNN 3.6.1: NO · 2 ops: 1 on cuda, 1 on CPU · 2 partitions · 1 crossing (64 B/inference)" in flat
    assert "across targets, MNN 3.6.1: cuda: 2 partitions, 1 crossing (64 B/inference) · cpu: 1 partition" in flat


def test_sarif_and_github_summary_carry_placement(tmp_path: Path) -> None:
    proc = run(str(PLACED / "unique.mnn"), "-t", "cuda", "--mnn-version", "3.6.1", "--output-format", "sarif")
    (sarif_run,) = json.loads(proc.stdout)["runs"]
    assert sarif_run["properties"]["checked"][0]["placement"]["crossing_bytes"] == 64
    summary = tmp_path / "summary.md"
    subprocess.run([sys.executable, "-m", "mnnlint", str(PLACED / "unique.mnn"), "-t", "cuda", "--mnn-version",
                    "3.6.1", "--output-format", "github"], capture_output=True, text=True, timeout=120,
                   env={**os.environ, "GITHUB_STEP_SUMMARY": str(summary)})
    text = summary.read_text()
    assert "### Placement" in text and "| cuda | 3.6.1 | NO | 2 | 1 | 1 | 0 | 2 | 1 | 64 B | Unique (1) |" in text


def test_fallback_fixtures_are_the_committed_converter_output() -> None:
    import hashlib

    import build_fallbacks

    manifest = json.loads((PLACED / "MANIFEST.json").read_text())["fixtures"]
    assert set(manifest) == set(build_fallbacks.FIXTURES)
    for entry in manifest.values():
        assert entry["converter"]["mnn_version"] == "3.6.1"
        for f in entry["files"]:
            assert hashlib.sha256((PLACED / f["name"]).read_bytes()).hexdigest() == f["sha256"], f["name"]
