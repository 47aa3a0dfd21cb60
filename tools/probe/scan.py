"""Run many models through the C++ probe on a GPU machine, in parallel batches, crash-safe.

    python scan.py PROBE BACKEND MODELS_ROOT OUT.json [--workers 8] [--per-process 100]

Uses mnnlint.crosscheck.probe.run_batch (or a copy of it named probe_runner.py beside
this file, where mnnlint is not installed): batches of models per probe process (CUDA
start-up is paid once per batch), a fresh process after a model kills one. Every model
that died in a batch is run again alone, so a crash is pinned on the model that caused
it. Writes {relative model path: observation} as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

try:
    from mnnlint.crosscheck.probe import run_batch
except ImportError:  # the GPU machine: a copy of probe.py beside this file
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from probe_runner import run_batch  # type: ignore[no-redef]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("probe")
    ap.add_argument("backend")
    ap.add_argument("root", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--per-process", type=int, default=100)
    ap.add_argument("--seconds", type=int, default=60)
    args = ap.parse_args()
    models = sorted(str(p) for p in args.root.rglob("*.mnn"))
    command = [args.probe, args.backend]
    chunks = [models[i::args.workers] for i in range(args.workers)]
    t0 = time.time()
    with ThreadPoolExecutor(args.workers) as pool:
        results = pool.map(lambda c: run_batch(c, command=command, seconds=args.seconds,
                                               per_process=args.per_process), chunks)
        observed = {o.model: o for chunk in results for o in chunk}
    died = [m for m, o in observed.items() if o.signal]
    with ThreadPoolExecutor(args.workers) as pool:
        for o in pool.map(lambda m: run_batch([m], command=command, seconds=args.seconds)[0], died):
            observed[o.model] = o
    root = str(args.root.resolve()) + "/"
    out = {m.replace(root, ""): {**o.to_json(), "version": o.version, "tail": o.output[-600:]}
           for m, o in observed.items()}
    args.out.write_text(json.dumps(out, indent=0))
    print(f"{len(out)} models, {sum(1 for v in out.values() if v['signal'])} killed, "
          f"{len(died)} re-run alone, {time.time() - t0:.0f}s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
