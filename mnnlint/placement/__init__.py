"""Where each op of a model runs on one (target, release, build), and what that costs.

Per-op verdicts do not say whether a backend is worth shipping: a model with one
fallback op in the middle splits into three pieces and copies tensors off the device
and back on every inference. This module turns the verdicts into placement:

- each counted op (every op but `Input`, `Const` and `TrainableParam`) runs on the
  target, on the CPU (a fallback, or computed once at load because its inputs are
  constant or it only reads shapes), or nowhere (no backend of the release runs it);
- `partitions`: weakly connected groups of per-inference ops on the same backend,
  an edge being a tensor passed between two such ops, summed over both backends;
- `crossings`: distinct tensors written on one backend and read on the other;
- `crossing_bytes`: their size per inference when the file fixes every one of them
  (see `shapes`), else None with the reason.

The counts use the same edge definition as the networkx graph (`graph.tensor_edges`)
but a plain union-find: importing networkx alone costs more than the whole check of
a 1,500-op model (see bench/bench_placement.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

from ..graph import tensor_edges
from ..model import MAIN_GRAPH, Model, Op, Tensor
from .shapes import tensor_sizes

NOT_COUNTED = frozenset({"Input", "Const", "TrainableParam"})

# Where an op runs (Placement.places values).
TARGET, CPU, LOAD, NOWHERE, SOURCE = "target", "cpu", "load", "nowhere", "source"
PER_INFERENCE = (TARGET, CPU)

# The verdict, after ONNX Runtime's usability checker (tools/python/util/mobile_helpers/
# usability_checker.py): one partition on the device holding most ops is a YES, a few
# partitions holding more than half of them a MAYBE, anything else a NO.
YES_SHARE, MAYBE_SHARE, MAYBE_PARTITIONS = 0.75, 0.50, 3


class FallbackCost(NamedTuple):
    """One op type that runs on the CPU instead of the target, and what it costs."""

    op_type: str
    ops: int
    crossings: int  # crossing tensors written or read by ops of this type
    crossing_bytes: int | None  # their bytes per inference, None when any is unknown

    def as_dict(self) -> dict[str, Any]:
        return {"op_type": self.op_type, "ops": self.ops, "crossings": self.crossings,
                "crossing_bytes": self.crossing_bytes}


class GraphPlacement(NamedTuple):
    """Placement of one graph: the main graph ("") or one control-flow subgraph."""

    graph: str
    ops: int
    on_target: int
    on_cpu: int
    nowhere: int
    constant: int  # of on_cpu: computed once at load
    partitions: int
    target_partitions: int
    cpu_partitions: int
    crossings: int
    crossing_bytes: int | None
    crossing_bytes_unknown: str | None  # why crossing_bytes is None
    crossing_bytes_known: int  # bytes of the crossing tensors whose size is known (all of them when not None)
    crossings_size_unknown: int  # crossing tensors without a static size
    verdict: str  # YES, MAYBE or NO
    verdict_reason: str
    fallbacks: tuple[FallbackCost, ...]  # costliest first
    places: tuple[str, ...] = ()  # per op index: TARGET, CPU, LOAD, NOWHERE or SOURCE
    crossing_tensors: tuple[int, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "ops": self.ops, "on_target": self.on_target, "on_cpu": self.on_cpu, "nowhere": self.nowhere,
            "constant": self.constant, "partitions": self.partitions,
            "target_partitions": self.target_partitions, "cpu_partitions": self.cpu_partitions,
            "crossings": self.crossings, "crossing_bytes": self.crossing_bytes,
            "crossing_bytes_unknown": self.crossing_bytes_unknown,
            "crossing_bytes_known": self.crossing_bytes_known, "crossings_size_unknown": self.crossings_size_unknown,
            "verdict": self.verdict,
            "verdict_reason": self.verdict_reason, "fallbacks": [f.as_dict() for f in self.fallbacks],
        }


class Placement(NamedTuple):
    """Placement of a model on one target: its main graph and each subgraph."""

    target: str
    main: GraphPlacement
    subgraphs: tuple[GraphPlacement, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The JSON `placement` object: the main graph's keys, plus one entry per subgraph."""
        return {**self.main.as_dict(), "subgraphs": [{"name": s.graph, **s.as_dict()} for s in self.subgraphs]}


def place_model(model: Model, target: str, runs_on: Callable[[Op], str],
                constant: Callable[[Sequence[Op]], set[int]]) -> Placement:
    """Placement of every graph of `model`.

    `runs_on(op)` says TARGET, CPU or NOWHERE for a counted op from its verdict;
    `constant(ops)` gives the indexes of the ops of one graph computed once at load
    (the engine takes both from `support.decide` and `constness`).
    """
    find_constant = constant
    main = place_graph(MAIN_GRAPH, model.ops, runs_on, find_constant(model.ops), target, model.tensors)
    subs = tuple(place_graph(name, sub.ops, runs_on, find_constant(sub.ops), target, sub.tensors)
                 for name, sub in model.subgraphs.items())
    return Placement(target, main, subs)


class DisjointSets:
    """Union-find over positions 0..n-1 (path halving): partitions without importing networkx."""

    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def root(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(self, a: int, b: int) -> bool:
        """Join the sets of `a` and `b`; False when they were one already."""
        ra, rb = self.root(a), self.root(b)
        if ra == rb:
            return False
        self.parent[ra] = rb
        return True


def place_graph(name: str, ops: Sequence[Op], runs_on: Callable[[Op], str], constant: set[int],
                target: str, tensors: Sequence[Tensor] = ()) -> GraphPlacement:
    places = [SOURCE if op.type_name in NOT_COUNTED else LOAD if op.index in constant else runs_on(op)
              for op in ops]
    by_index = {op.index: i for i, op in enumerate(ops)}
    counted = [p for p in places if p != SOURCE]
    pieces = DisjointSets(len(ops))
    crossing: dict[int, set[int]] = {}  # tensor -> positions of the ops on both ends
    merged = {TARGET: 0, CPU: 0}  # successful unions: each joins two pieces into one
    for producer, consumer, tensor in tensor_edges(ops):
        a, b = by_index[producer.index], by_index[consumer.index]
        pa, pb = places[a], places[b]
        if pa not in PER_INFERENCE or pb not in PER_INFERENCE:
            continue
        if pa == pb:
            if pieces.union(a, b):
                merged[pa] += 1
        else:
            crossing.setdefault(tensor, set()).update((a, b))
    target_parts = places.count(TARGET) - merged[TARGET]
    cpu_parts = places.count(CPU) - merged[CPU]
    sizes = tensor_sizes(ops, tensors) if crossing else {}
    total, unknown = _bytes(crossing, sizes)
    floor, size_unknown = _known_bytes(crossing, sizes)
    fallbacks = _fallback_costs(ops, places, crossing, sizes)
    on_target = counted.count(TARGET)
    on_cpu = counted.count(CPU) + counted.count(LOAD)
    nowhere = counted.count(NOWHERE)
    if target == "cpu":
        on_target, on_cpu = on_target + on_cpu, 0
    verdict, reason = judge(len(counted) - counted.count(LOAD), counted.count(TARGET), nowhere, target_parts)
    return GraphPlacement(
        graph=name, ops=len(counted), on_target=on_target, on_cpu=on_cpu, nowhere=nowhere,
        constant=counted.count(LOAD), partitions=target_parts + cpu_parts, target_partitions=target_parts,
        cpu_partitions=cpu_parts, crossings=len(crossing), crossing_bytes=total, crossing_bytes_unknown=unknown,
        crossing_bytes_known=floor, crossings_size_unknown=size_unknown,
        verdict=verdict, verdict_reason=reason, fallbacks=fallbacks, places=tuple(places),
        crossing_tensors=tuple(sorted(crossing)),
    )


def judge(ops: int, on_target: int, nowhere: int, target_partitions: int) -> tuple[str, str]:
    """YES / MAYBE / NO for one graph, with the threshold that decided it.

    `ops` and `on_target` count the ops that run on every inference: ops computed once
    at load cost nothing per inference and do not dilute the share.

    - NO when any op runs nowhere: the model cannot run.
    - YES when the target's ops form at most one partition and hold over 75 % of the ops.
    - MAYBE when they form at most 3 partitions and hold over 50 % of the ops.
    - NO otherwise: the copies between the devices are likely to cost more than the
      target saves.
    """
    if nowhere:
        return "NO", f"{nowhere} op(s) run on no backend: the model cannot run"
    if ops == 0:
        return "YES", "no op to run"
    share = on_target / ops
    pct = f"{share:.0%} of ops on the target in {target_partitions} partition(s)"
    if target_partitions <= 1 and share > YES_SHARE:
        return "YES", f"{pct} (YES: 1 partition and over {YES_SHARE:.0%})"
    if target_partitions <= MAYBE_PARTITIONS and share > MAYBE_SHARE:
        return "MAYBE", f"{pct} (MAYBE: at most {MAYBE_PARTITIONS} partitions and over {MAYBE_SHARE:.0%})"
    return "NO", f"{pct} (NO: more than {MAYBE_PARTITIONS} partitions or at most {MAYBE_SHARE:.0%} on the target)"


def _known_bytes(tensors: Iterable[int], sizes: dict[int, Any]) -> tuple[int, int]:
    """(bytes of the tensors whose size is known, how many are not): a floor, never a guess."""
    known = unknown = 0
    for t in tensors:
        size = sizes.get(t)
        if size is None or size.nbytes is None:
            unknown += 1
        else:
            known += size.nbytes
    return known, unknown


def _bytes(tensors: Iterable[int], sizes: dict[int, Any]) -> tuple[int | None, str | None]:
    total, missing = 0, []
    for t in sorted(tensors):
        size = sizes.get(t)
        if size is None or size.nbytes is None:
            missing.append(size.why_unknown if size is not None else f"tensor #{t} has no writer")
        else:
            total += size.nbytes
    if not missing:
        return total, None
    return None, f"{len(missing)} crossing tensor(s) without a static size; first: {missing[0]}"


def _fallback_costs(ops: Sequence[Op], places: Sequence[str], crossing: dict[int, set[int]],
                    sizes: dict[int, Any]) -> tuple[FallbackCost, ...]:
    by_type: dict[str, list[int]] = {}
    for i, op in enumerate(ops):
        if places[i] == CPU:
            by_type.setdefault(op.type_label, []).append(i)
    costs = []
    for kind, positions in by_type.items():
        mine = set(positions)
        tensors = [t for t, ends in crossing.items() if ends & mine]
        total, _ = _bytes(tensors, sizes)
        costs.append(FallbackCost(kind, len(positions), len(tensors), total))
    costs.sort(key=lambda c: (-c.crossings, -(c.crossing_bytes if c.crossing_bytes is not None else -1),
                              -c.ops, c.op_type))
    return tuple(costs)
