"""A drawable view of one graph's placement: nodes, edges and a layered layout.

A 1,500-op model cannot be drawn op by op and still be read. What a reader needs
to see is where the graph leaves the target: so every op that is not on the target,
and every target op that writes or reads a crossing tensor, stays a node of its own,
while the remaining target ops of each partition collapse into one node ("412 ops
on cuda"). Small graphs (up to SMALL_GRAPH counted ops) are drawn whole.

The layout is layered by file order (the converter writes ops in topological
order): a node's layer is one more than the deepest earlier node feeding it. No
layout library is needed, and it runs in time linear in the edges.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..graph import tensor_edges
from ..model import Model, Op, Tensor
from . import CPU, LOAD, NOWHERE, SOURCE, TARGET, DisjointSets, GraphPlacement
from .shapes import tensor_sizes

if TYPE_CHECKING:
    from ..diagnostics import Diagnostic
    from ..errors import InputError
    from ..report import Checked, RunInfo

SMALL_GRAPH = 200  # counted ops up to which every per-inference op is drawn
SMALL_LOAD = 60  # counted ops up to which ops computed at load are drawn too
MAX_DRAWN_NODES = 5000  # a view with more nodes (ops off the target, each its own) is summarised, not drawn


@dataclass
class Node:
    key: str
    place: str  # TARGET, CPU, LOAD, NOWHERE, or "collapsed"
    label: str  # op type, or "N ops"
    title: str  # op name(s), for the tooltip
    ops: list[int] = field(default_factory=list)  # op indexes it stands for
    layer: int = 0
    slot: int = 0


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    crossing: bool
    label: str  # tensor name, and its bytes when the edge is a crossing


@dataclass
class View:
    graph: str
    nodes: list[Node]
    edges: list[Edge]
    collapsed_ops: int  # target ops folded into collapsed nodes
    hidden_load: int = 0  # ops computed at load left out of the drawing
    omitted: int = 0  # nodes there were to draw when more than MAX_DRAWN_NODES: then none is drawn


def build_view(ops: Sequence[Op], tensors: Sequence[Tensor], placement: GraphPlacement) -> View:
    """Nodes and edges to draw for one graph, with target runs collapsed when the graph is large."""
    places = placement.places
    pos = {op.index: i for i, op in enumerate(ops)}
    crossing = set(placement.crossing_tensors)
    counted = sum(1 for p in places if p != SOURCE)
    small = counted <= SMALL_GRAPH
    show_load = counted <= SMALL_LOAD
    touches: set[int] = set()
    edges_all = list(tensor_edges(ops))
    pieces = DisjointSets(len(ops))
    for producer, consumer, t in edges_all:
        a, b = pos[producer.index], pos[consumer.index]
        if t in crossing:
            touches.update((a, b))
        elif places[a] == places[b] == TARGET:
            pieces.union(a, b)
    node_of: dict[int, str] = {}
    nodes: dict[str, Node] = {}
    for i, op in enumerate(ops):
        place = places[i]
        if place == SOURCE or (place == LOAD and not show_load):
            continue
        if place == TARGET and not small and i not in touches:
            key = f"part{pieces.root(i)}"
            node = nodes.setdefault(key, Node(key, "collapsed", "", "", []))
        else:
            key = f"op{op.index}"
            node = nodes.setdefault(key, Node(key, place, op.type_label, op.name, []))
        node.ops.append(op.index)
        node_of[i] = key
    for node in nodes.values():
        if node.place == "collapsed":
            node.label = f"{len(node.ops)} op{'s' * (len(node.ops) != 1)}"
            node.title = f"{len(node.ops)} ops that stay on the target, collapsed"
    sizes = tensor_sizes(ops, tensors)
    seen: dict[tuple[str, str], Edge] = {}
    for producer, consumer, t in edges_all:
        a, b = node_of.get(pos[producer.index]), node_of.get(pos[consumer.index])
        if a is None or b is None or a == b:
            continue
        is_crossing = t in crossing
        name = tensors[t].name if 0 <= t < len(tensors) else f"#{t}"
        label = name
        if is_crossing:
            size = sizes.get(t)
            label += f" ({size.nbytes} B)" if size is not None and size.nbytes is not None else " (size unknown)"
        old = seen.get((a, b))
        if old is None or (is_crossing and not old.crossing):
            seen[(a, b)] = Edge(a, b, is_crossing, label)
    collapsed = sum(len(n.ops) for n in nodes.values() if n.place == "collapsed")
    hidden = 0 if show_load else sum(1 for p in places if p == LOAD)
    if len(nodes) > MAX_DRAWN_NODES:  # no page or Graphviz run can lay out what a hostile file asks for
        return View(placement.graph, [], [], collapsed, hidden, omitted=len(nodes))
    _layout(list(nodes.values()), list(seen.values()))
    return View(placement.graph, list(nodes.values()), list(seen.values()), collapsed, hidden)


def _layout(nodes: list[Node], edges: list[Edge]) -> None:
    """Layer = 1 + the deepest earlier node feeding it; slots number nodes within a layer."""
    order = {n.key: min(n.ops) for n in nodes}
    preds: dict[str, list[str]] = {}
    for e in edges:
        if order[e.source] < order[e.target]:
            preds.setdefault(e.target, []).append(e.source)
    layer: dict[str, int] = {}
    for node in sorted(nodes, key=lambda n: order[n.key]):
        node.layer = 1 + max((layer[p] for p in preds.get(node.key, ()) if p in layer), default=-1)
        layer[node.key] = node.layer
    width: dict[int, int] = {}
    for node in sorted(nodes, key=lambda n: order[n.key]):
        node.slot = width.get(node.layer, 0)
        width[node.layer] = node.slot + 1


__all__ = ["CPU", "LOAD", "NOWHERE", "TARGET", "Edge", "Node", "View", "build_view"]


def views_for(checked: Sequence[Checked], seconds: float | None = None,
              on_skip: Callable[[InputError], None] = lambda err: None) -> dict[Checked, list[View]]:
    """Views of every graph of every check with a placement; each model is read once more.

    The run keeps no model in memory, so the page reads each file again (graph only,
    no weights), under the same per-file time limit as the check. A file that cannot be
    read now, that changed since it was checked (its ops no longer match the placement)
    or that runs out of time gets no picture, only its findings; `on_skip` hears why.
    """
    from ..errors import InputError
    from ..limits import time_limit
    from ..reader import read_model

    by_file: dict[str, list[Checked]] = {}
    for c in checked:
        if c.placement is not None:
            by_file.setdefault(c.file, []).append(c)
    out: dict[Checked, list[View]] = {}
    for file, checks in by_file.items():
        try:
            with time_limit(seconds, file):
                model = read_model(file)
                for c in checks:
                    out[c] = _views(model, c)
        except InputError as err:
            for c in checks:
                out.pop(c, None)
            on_skip(err)
    return out


def _views(model: Model, c: Checked) -> list[View]:
    from ..errors import InputError

    assert c.placement is not None
    graphs = [(model.ops, model.tensors, c.placement.main)]
    for sub in c.placement.subgraphs:
        graph = model.subgraphs.get(sub.graph)
        if graph is not None:
            graphs.append((graph.ops, graph.tensors, sub))
    for ops, _, placement in graphs:
        if len(ops) != len(placement.places):
            raise InputError(model.path, "changed since it was checked; no picture of it")
    return [build_view(ops, tensors, placement) for ops, tensors, placement in graphs]


def pictures(html: str | None, graph: str | None, diagnostics: Sequence[Diagnostic], run: RunInfo,
             seconds: float | None = None, on_skip: Callable[[InputError], None] = lambda err: None
             ) -> list[tuple[str, str, str]]:
    """(path, text, what) for `--html FILE` (the page) and `--graph FILE.dot|.svg`, from one set of views."""
    views = views_for(run.checked, seconds, on_skip)
    out = []
    if html:
        import io

        from ..report.html import render

        page = io.StringIO()
        render(diagnostics, run, page, views)
        out.append((html, page.getvalue(), "HTML page"))
    if graph:
        from ..report.dot import graph_text

        out.append((graph, graph_text(graph, views), "graph"))
    return out
