"""The model as a networkx graph, for rules that ask whole-graph questions.

Nodes are ops, keyed `(subgraph, index)` with the main graph's subgraph being "".
Edges carry tensors from producer to consumer, keyed by tensor index, and a
control-flow op has a `calls` edge to every op of each subgraph it runs. Built only
when a rule asks for it: importing networkx alone costs a fifth of a second.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from .model import MAIN_GRAPH, Model, Op

if TYPE_CHECKING:
    import networkx as nx

NodeKey = tuple[str, int]
MAX_SUBGRAPH_DEPTH = 64


def node_key(op: Op) -> NodeKey:
    return (op.subgraph, op.index)


def build_graph(model: Model) -> nx.MultiDiGraph:
    import networkx as nx

    graph = nx.MultiDiGraph(path=model.path)
    scopes = [(model.ops, model.tensors), *((sub.ops, sub.tensors) for sub in model.subgraphs.values())]
    for ops, tensors in scopes:
        graph.add_nodes_from((node_key(op), {"op": op}) for op in ops)
        for source, target, t in tensor_edges(ops):
            name = tensors[t].name if 0 <= t < len(tensors) else f"#{t}"
            graph.add_edge(node_key(source), node_key(target), key=t, kind="tensor", tensor=name)
    for name, sub in model.subgraphs.items():
        for owner in sub.owners:
            for op in sub.ops:
                graph.add_edge(owner, node_key(op), key=f"calls:{name}", kind="calls", subgraph=name)
    return graph


def producers(ops: Sequence[Op]) -> dict[int, Op]:
    """The op writing each tensor of one scope: the first one, when several do."""
    found: dict[int, Op] = {}
    for op in ops:
        for t in op.outputs:
            found.setdefault(t, op)
    return found


def tensor_edges(ops: Sequence[Op]) -> Iterator[tuple[Op, Op, int]]:
    """(producer, consumer, tensor index) for every tensor passed between two ops of one scope.

    The one definition of a graph edge: `build_graph` and the placement counts (which
    must not pay for importing networkx) both read it. The first op writing a tensor is
    its producer.
    """
    writers = producers(ops)
    for op in ops:
        for t in op.inputs:
            source = writers.get(t)
            if source is not None:
                yield source, op, t


def subgraph_depths(model: Model) -> dict[str, int | None]:
    """How deeply each subgraph is nested under the main graph (1 = called from it).

    A breadth-first walk from the main graph, so each subgraph is visited once however
    densely subgraphs call each other. None marks a subgraph that no op reachable from
    the main graph calls (only itself, or a cycle), or one nested deeper than
    MAX_SUBGRAPH_DEPTH.
    """
    callees: dict[str, set[str]] = {}
    for name, sub in model.subgraphs.items():
        for owner_graph, _ in sub.owners:
            callees.setdefault(owner_graph, set()).add(name)
    depths: dict[str, int | None] = dict.fromkeys(model.subgraphs)
    frontier, level = sorted(callees.get(MAIN_GRAPH, ())), 1
    while frontier and level <= MAX_SUBGRAPH_DEPTH:
        following: set[str] = set()
        for name in frontier:
            depths[name] = level
        for name in frontier:
            following |= {c for c in callees.get(name, ()) if depths[c] is None}
        frontier, level = sorted(following), level + 1
    return depths
