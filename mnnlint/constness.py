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

from collections.abc import Callable
from graphlib import CycleError, TopologicalSorter

from .graph import NodeKey, node_key, tensor_edges
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
    module_layer: Callable[[Op], bool] = lambda op: False,
) -> frozenset[NodeKey]:
    """Node keys (subgraph, index) of the ops MNN computes at resize, on the CPU.

    The callbacks bring the release's facts: whether an op type reads no input content,
    which input indexes it does not read, which inputs define its output shape, and
    whether the Module API runs an op itself. The walk uses the graph's one edge
    definition (`graph.tensor_edges`) with the standard library's topological sorter:
    importing and building the networkx graph cost more than half of a large model's
    whole check, and this pass runs on every check.
    """
    ops = {node_key(op): op for op in model.all_ops()}
    upstream: dict[NodeKey, set[NodeKey]] = {key: set() for key in ops}
    scopes = [model.ops, *(sub.ops for sub in model.subgraphs.values())]
    for scope in scopes:
        for source, target, _ in tensor_edges(scope):
            upstream[node_key(target)].add(node_key(source))
    try:
        order = list(TopologicalSorter(upstream).static_order())
    except CycleError:  # a cycle: MNN would not load it; decide nothing
        return frozenset()
    constant: set[NodeKey] = set()
    const_tensors: set[tuple[str, int]] = set()
    for key in order:
        op = ops[key]
        name = op.type_label
        if name in NEVER_CONSTANT or module_layer(op):
            continue
        if name in CONSTANT_SOURCES or _all_read_inputs_constant(op, const_tensors, content_free,
                                                                  content_free_inputs):
            constant.add(key)
            const_tensors.update((op.subgraph, t) for t in op.outputs)
    # Backwards: inputs that define a shape are constant, and so is everything they come from.
    producers = {(op.subgraph, t): node_key(op) for op in model.all_ops() for t in op.outputs}
    for op in model.all_ops():
        for index in shape_inputs(op.type_label):
            if index >= len(op.inputs):
                continue
            source = producers.get((op.subgraph, op.inputs[index]))
            if source is None or source in constant:
                continue
            for key in _ancestors_and_self(upstream, source):
                upstream_op = ops[key]
                if upstream_op.type_label not in NEVER_CONSTANT and not module_layer(upstream_op):
                    constant.add(key)
    return frozenset(constant)


def _ancestors_and_self(upstream: dict[NodeKey, set[NodeKey]], start: NodeKey) -> set[NodeKey]:
    seen, stack = {start}, [start]
    while stack:
        for parent in upstream[stack.pop()]:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return seen


def may_have_constants(model: Model, content_free: Callable[[str], bool]) -> bool:
    """A cheap test, without the graph: can any op of `model` be constant at all?

    Only when some op reads no input content, has no inputs, or reads only outputs of
    `Const` ops can the forward pass start; models without one skip building the graph.
    """
    const_out = {(op.subgraph, t) for op in model.all_ops() if op.type_label in CONSTANT_SOURCES for t in op.outputs}
    for op in model.all_ops():
        if op.type_label in CONSTANT_SOURCES or op.type_label in NEVER_CONSTANT:
            continue
        if content_free(op.type_label) or all((op.subgraph, t) in const_out for t in op.inputs):
            return True
    return False


def _all_read_inputs_constant(op: Op, const_tensors: set[tuple[str, int]],
                              content_free: Callable[[str], bool],
                              content_free_inputs: Callable[[str], frozenset[int]]) -> bool:
    if content_free(op.type_label):
        return True
    unread = content_free_inputs(op.type_label)
    return all((op.subgraph, t) in const_tensors or i in unread for i, t in enumerate(op.inputs))
