"""Hand-built control-flow Nets whose subgraph calls are cyclic, deep or dense.

Byte mutations of the converter's files cannot create these (a sound rename keeps the
length, and no fixture nests control flow), so they are assembled with the flatc
builder API. They are hostile inputs, not claims about what the converter writes:
a model must still be read, and every pass over its subgraphs must end quickly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import flatbuffers
from mnnlint.schemas import mnn_generated as fb

Calls = Sequence[tuple[str, str]]  # (then_graph, else_graph) of each If op


def _if_ops(builder: flatbuffers.Builder, calls: Calls, prefix: str) -> int:
    ops = []
    for i, (then, other) in enumerate(calls):
        then_s, else_s, name = builder.CreateString(then), builder.CreateString(other), builder.CreateString(
            f"{prefix}if{i}")
        fb.IfParamStart(builder)
        fb.IfParamAddThenGraph(builder, then_s)
        fb.IfParamAddElseGraph(builder, else_s)
        param = fb.IfParamEnd(builder)
        fb.OpStart(builder)
        fb.OpAddType(builder, fb.OpType.If)
        fb.OpAddMainType(builder, fb.OpParameter.IfParam)
        fb.OpAddMain(builder, param)
        fb.OpAddName(builder, name)
        ops.append(fb.OpEnd(builder))
    builder.StartVector(4, len(ops), 4)
    for op in reversed(ops):
        builder.PrependUOffsetTRelative(op)
    return builder.EndVector()


def net(main: Calls, subgraphs: Mapping[str, Calls] | Sequence[tuple[str, Calls]]) -> bytes:
    """A Net whose main graph and named subgraphs hold only If ops calling the given subgraphs.

    `subgraphs` may be a list of (name, calls) pairs, so that two can share a name.
    """
    builder = flatbuffers.Builder(1024)
    protos = []
    for name, calls in (subgraphs.items() if isinstance(subgraphs, Mapping) else subgraphs):
        nodes, name_s = _if_ops(builder, calls, name), builder.CreateString(name)
        fb.SubGraphProtoStart(builder)
        fb.SubGraphProtoAddName(builder, name_s)
        fb.SubGraphProtoAddNodes(builder, nodes)
        protos.append(fb.SubGraphProtoEnd(builder))
    builder.StartVector(4, len(protos), 4)
    for proto in reversed(protos):
        builder.PrependUOffsetTRelative(proto)
    subgraph_vector = builder.EndVector()
    oplists, biz = _if_ops(builder, main, "main/"), builder.CreateString("crafted")
    fb.NetStart(builder)
    fb.NetAddBizCode(builder, biz)
    fb.NetAddOplists(builder, oplists)
    fb.NetAddSubgraphs(builder, subgraph_vector)
    builder.Finish(fb.NetEnd(builder))
    return bytes(builder.Output())


def self_cycle() -> bytes:
    return net([("g0", "g0")], {"g0": [("g0", "g0")]})


def deep_chain(depth: int = 3000) -> bytes:
    return net([("g0", "g0")], {f"g{i}": [(f"g{i + 1}", f"g{i + 1}")] for i in range(depth)})


def dense(count: int = 16) -> bytes:
    """Every subgraph calls every other: exponentially many call paths, quadratically many calls."""
    names = [f"g{i}" for i in range(count)]
    return net([("g0", "g1")], {n: [(a, b) for a, b in zip(names, names[1:] + names[:1], strict=True)] for n in names})


def unknown_target() -> bytes:
    return net([("nowhere", "")], {"g0": [("g0", "elsewhere")]})


def duplicate_names() -> bytes:
    """Two subgraphs named alike: MNN finds subgraphs by name, so one could never run."""
    return net([("g0", "g0")], [("g0", [("g0", "g0")]), ("g0", [("g1", "g1")])])


def huge_index_vector(count: int = (1 << 20) + 1) -> bytes:
    """One op whose input list is a sound vector of a million ints: a memory bomb, not a model."""
    builder = flatbuffers.Builder(4 * count + 1024)
    builder.StartVector(4, count, 4)
    for _ in range(count):
        builder.PrependInt32(0)
    inputs = builder.EndVector()
    name = builder.CreateString("wide")
    fb.OpStart(builder)
    fb.OpAddType(builder, fb.OpType.Concat)
    fb.OpAddInputIndexes(builder, inputs)
    fb.OpAddName(builder, name)
    op = fb.OpEnd(builder)
    builder.StartVector(4, 1, 4)
    builder.PrependUOffsetTRelative(op)
    oplists = builder.EndVector()
    fb.NetStart(builder)
    fb.NetAddOplists(builder, oplists)
    builder.Finish(fb.NetEnd(builder))
    return bytes(builder.Output())


CRAFTED = {"self_cycle": self_cycle, "deep_chain": deep_chain, "dense": dense, "unknown_target": unknown_target,
           "duplicate_names": duplicate_names, "huge_index_vector": huge_index_vector}
