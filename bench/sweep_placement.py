"""Placement on a corpus of real models, checked against an independent count on the networkx graph.

    python bench/sweep_placement.py [CORPUS_DIR] [--target cuda] [--release 3.6.1]

For every model (default: bench/.cache/corpus from bench/build.py, the ONNX node tests
through the real converter) and every graph in it, partitions and crossings are
recounted with networkx (connected components over same-backend tensor edges; distinct
tensors between backends), and `ops == on_target + on_cpu + nowhere` is checked.
Prints the tally and the models that disagree; exit 1 when any does.
"""

from __future__ import annotations

import argparse
import collections
import glob
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def disagrees(model, placement) -> bool:  # type: ignore[no-untyped-def]
    import networkx as nx

    from mnnlint.graph import build_graph
    from mnnlint.placement import CPU, TARGET

    graph = build_graph(model)
    scopes = [(placement.main, model.ops, "")]
    scopes += [(s, model.subgraphs[s.graph].ops, s.graph) for s in placement.subgraphs]
    for gp, ops, scope in scopes:
        place = {(scope, op.index): gp.places[i] for i, op in enumerate(ops)}
        same = nx.Graph()
        same.add_nodes_from(k for k, v in place.items() if v in (TARGET, CPU))
        crossing = set()
        for a, b, key, data in graph.edges(keys=True, data=True):
            if data["kind"] != "tensor" or a not in place or b not in place:
                continue
            if place[a] in (TARGET, CPU) and place[b] in (TARGET, CPU):
                if place[a] == place[b]:
                    same.add_edge(a, b)
                else:
                    crossing.add(key)
        if (gp.partitions != nx.number_connected_components(same) or gp.crossings != len(crossing)
                or gp.ops != gp.on_target + gp.on_cpu + gp.nowhere):
            return True
    return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=str(HERE / ".cache" / "corpus"))
    parser.add_argument("--target", default="cuda")
    parser.add_argument("--release", default="3.6.1")
    args = parser.parse_args()

    from mnnlint.capabilities import Capabilities
    from mnnlint.engine import check_model
    from mnnlint.errors import InputError
    from mnnlint.inputs import expand
    from mnnlint.loader import load
    from mnnlint.registry import load_registry
    from mnnlint.settings import Profile

    caps, rules = Capabilities(), tuple(load_registry().rules)
    stats: collections.Counter[str] = collections.Counter()
    bad = []
    start = time.perf_counter()
    for path in sorted(glob.glob(str(Path(args.corpus) / "*.mnn"))):
        try:
            (source,) = list(expand([path]))
            model = load(source)  # type: ignore[arg-type]
        except (InputError, ValueError):
            stats["unreadable"] += 1
            continue
        plan = Profile(targets=(args.target,), releases=(args.release,), rules=rules)
        for entry in check_model(model, plan, caps).checked:
            p = entry.placement
            if p is None:
                continue
            stats["checks"] += 1
            stats["with fallback"] += bool(p.main.fallbacks)
            stats["crossings"] += p.main.crossings
            stats[f"verdict {p.main.verdict}"] += 1
            if disagrees(model, p):
                bad.append(f"{path} ({entry.target})")
    print(dict(stats), f"disagreements: {len(bad)}", bad[:5], f"{time.perf_counter() - start:.1f} s")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
