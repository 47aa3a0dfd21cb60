"""The model as a networkx graph, for rules that ask whole-graph questions.

Nodes are ops, keyed `(subgraph, index)` with the main graph's subgraph being "".
Edges carry tensors from producer to consumer, keyed by tensor index, and a
control-flow op has a `calls` edge to every op of each subgraph it runs. Built only
when a rule asks for it: importing networkx alone costs a fifth of a second.
"""

from __future__ import annotations

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
        producers: dict[int, NodeKey] = {}
        for op in ops:
            graph.add_node(node_key(op), op=op)
            for t in op.outputs:
                producers.setdefault(t, node_key(op))
        for op in ops:
            for t in op.inputs:
                source = producers.get(t)
                if source is not None:
                    name = tensors[t].name if 0 <= t < len(tensors) else f"#{t}"
                    graph.add_edge(source, node_key(op), key=t, kind="tensor", tensor=name)
    for name, sub in model.subgraphs.items():
        for owner in sub.owners:
            for op in sub.ops:
                graph.add_edge(owner, node_key(op), key=f"calls:{name}", kind="calls", subgraph=name)
    return graph


def subgraph_depths(model: Model) -> dict[str, int | None]:
    """How deeply each subgraph is nested under the main graph (1 = called from it).

    None marks a subgraph no op calls, or one that calls itself through a cycle, or
    nests deeper than MAX_SUBGRAPH_DEPTH: MNN would recurse without end on either.
    """
    depths: dict[str, int | None] = {}

    def depth(name: str, trail: frozenset[str]) -> int | None:
        if name in depths:
            return depths[name]
        if name in trail or len(trail) >= MAX_SUBGRAPH_DEPTH:
            return None
        found: list[int] = []
        for owner_graph, _ in model.subgraphs[name].owners:
            if owner_graph == MAIN_GRAPH:
                found.append(1)
            elif owner_graph in model.subgraphs:
                d = depth(owner_graph, trail | {name})
                if d is not None:
                    found.append(d + 1)
        return min(found) if found else None

    for name in model.subgraphs:
        depths[name] = depth(name, frozenset())
    return depths
