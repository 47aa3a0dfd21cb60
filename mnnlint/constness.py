"""Which ops MNN computes once, on the CPU, when it resizes: constness through the graph.

MNN marks an op constant when each input whose content it reads is constant
(`GeometryComputerUtils::buildConstantTensors`, `source/geometry/GeometryComputerUtils.cpp:52-72`
at 3.6.1; which inputs are read: `OpCommonUtils::opNeedContent`, `OpCommonUtils.cpp:410-434`).
`Shape`, `Rank`, `Size` and the like read no content, so they are always constant, and so is
whatever is computed only from them and from `Const` ops: the `Shape → Gather → Concat →
Reshape` chains every exported model has. Then it goes backwards (`:75-127`): an input whose
content defines an output shape (`SizeComputer::needInputContent`, e.g. Reshape's shape) is
made constant, and with it every op upstream of it. Constant ops are computed with the CPU
backup at resize (`:242,273`) and skipped when the target backend's executions are created
(`Pipeline.cpp:548`), so no backend refuses them.

This is the decision in graph form: forward over the model graph's tensor edges
(`graph.tensor_edges`) in topological order, then backwards along ancestors. Ops the
Module API runs itself (If, While, …) start new modules; their outputs are never constant.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cache
from graphlib import CycleError, TopologicalSorter

from .graph import NodeKey, node_key, producers, tensor_edges
from .model import Model, Op

# Ops whose outputs MNN treats as constant without computing anything.
CONSTANT_SOURCES = frozenset({"Const", "TrainableParam"})
# Ops never constant: graph inputs, and what the Module API splits off (its outputs feed new modules).
NEVER_CONSTANT = frozenset({"Input"})


def constant_ops(
    model: Model,
    *,
    content_free: Callable[[str], bool],
    content_free_inputs: Callable[[str], frozenset[int]] = lambda t: frozenset(),
    shape_inputs: Callable[[str], frozenset[int]] = lambda t: frozenset(),
    module_layer: Callable[[str, str], bool] = lambda op_type, param_type: False,
) -> frozenset[NodeKey]:
    """Node keys (subgraph, index) of the ops MNN computes at resize, on the CPU.

    The callbacks bring the release's facts: whether an op type reads no input content,
    which input indexes it does not read, which inputs define its output shape, and
    whether the Module API runs an op (type, parameter type) itself; each is asked once per
    op type. Edges are the graph's one definition (`graph.tensor_edges`); ops are visited in
    file order when that order is already topological (what MNN's converter writes) and
    through the standard library's sorter otherwise. This pass runs on every check, so it
    builds neither the networkx graph nor, when the file order will do, a sorter.
    """
    free, unread, shape = cache(content_free), cache(content_free_inputs), cache(shape_inputs)
    split_off = cache(module_layer)  # a large model repeats a few dozen op types
    constant: set[NodeKey] = set()
    for scope in (model.ops, *(sub.ops for sub in model.subgraphs.values())):
        edges = list(tensor_edges(scope))
        order = _topological(scope, edges)
        if order is None:  # a cycle: MNN would not load it; decide nothing
            return frozenset()
        const_tensors: set[int] = set()
        for op in order:
            name = op.type_label
            if name in NEVER_CONSTANT or split_off(name, op.param_type):
                continue
            if name in CONSTANT_SOURCES or free(name) or all(
                    t in const_tensors or i in unread(name) for i, t in enumerate(op.inputs)):
                constant.add(node_key(op))
                const_tensors.update(op.outputs)
        _shape_inputs_backwards(scope, edges, shape, split_off, constant)
    return frozenset(constant)


def _topological(ops: Sequence[Op], edges: Sequence[tuple[Op, Op, int]]) -> Sequence[Op] | None:
    """The scope's ops producers first; None when the edges form a cycle."""
    if all(source.index < target.index for source, target, _ in edges):
        return ops
    upstream: dict[int, set[int]] = {op.index: set() for op in ops}
    for source, target, _ in edges:
        upstream[target.index].add(source.index)
    try:
        by_index = {op.index: op for op in ops}
        return [by_index[i] for i in TopologicalSorter(upstream).static_order()]
    except CycleError:
        return None


def _shape_inputs_backwards(ops: Sequence[Op], edges: Sequence[tuple[Op, Op, int]],
                            shape_inputs: Callable[[str], frozenset[int]],
                            split_off: Callable[[str, str], bool], constant: set[NodeKey]) -> None:
    """An input that defines a shape is constant, and so is everything it comes from."""
    writers = producers(ops)
    upstream: dict[int, list[Op]] | None = None
    for op in ops:
        for index in shape_inputs(op.type_label):
            source = writers.get(op.inputs[index]) if index < len(op.inputs) else None
            if source is None or node_key(source) in constant:
                continue
            if upstream is None:
                upstream = {}
                for producer, consumer, _ in edges:
                    upstream.setdefault(consumer.index, []).append(producer)
            for found in _ancestors_and_self(upstream, source):
                if found.type_label not in NEVER_CONSTANT and not split_off(found.type_label, found.param_type):
                    constant.add(node_key(found))


def _ancestors_and_self(upstream: Mapping[int, Sequence[Op]], start: Op) -> list[Op]:
    seen, stack, found = {start.index}, [start], [start]
    while stack:
        for parent in upstream.get(stack.pop().index, ()):
            if parent.index not in seen:
                seen.add(parent.index)
                stack.append(parent)
                found.append(parent)
    return found
