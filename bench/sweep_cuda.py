"""CUDA sweep: mnnlint's CUDA verdicts against MNN built from source with CUDA, run on a GPU machine.

    python bench/sweep_cuda.py pack OUT.tar.gz        # the models the GPU scan runs (cached CPU-sweep models)
    python bench/sweep_cuda.py compare SCAN.json --release 3.6.1 --fuse OFF --label 361-after
                                      [--mnnlint-python PY]

The GPU side (tools/probe/): MNN's release tag built with `-DMNN_CUDA=ON` (sm_90 gencode
and `-static-global-template-stub=false` patched into source/backend/cuda/CMakeLists.txt),
tools/probe/probe.cpp compiled against it, tools/probe/scan.py running every model
(CUDA, CPU as backup; batches with a fresh process after a crash, each killed model re-run
alone). `compare` reads that scan, runs mnnlint (`--target cuda`, the release, profile
`default` and MNN_SUPPORT_TRANSFORMER_FUSE as built) on the same files and writes
bench/results/sweep_cuda-<label>.json/.md with: recall of `Don't support type X`
refusals, prediction of `The Creator Don't support type X` refusals, precision of
support findings on models that set up cleanly, and crash models with an error finding.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from types import SimpleNamespace

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from sweep_cpu import CACHE, RESULTS, lint_all  # noqa: E402

from mnnlint.crosscheck.compare import Comparison, compare  # noqa: E402
from mnnlint.crosscheck.probe import Observation  # noqa: E402

MODELS = HERE / ".cache" / "gpu" / "models"
FIXTURES = ROOT / "tests" / "fixtures"


def pack(out: Path) -> None:
    """The model tree the scan runs: the CPU sweep's converted models and the test fixtures."""
    if MODELS.exists():
        shutil.rmtree(MODELS)
    for kind in ("onnx-node", "mnn-benchmark", "wheels"):
        shutil.copytree(CACHE / "mnn" / kind, MODELS / kind, ignore=shutil.ignore_patterns("*.npz"))
    fixtures = MODELS / "fixtures"
    fixtures.mkdir(parents=True)
    for path in [*(FIXTURES / "models").glob("*.mnn*"), *(FIXTURES / "crosscheck").glob("*.mnn")]:
        shutil.copy(path, fixtures / path.name)
    shutil.copytree(FIXTURES / "models" / "llm", fixtures / "llm")
    probe_tools = ROOT / "tools" / "probe" / "inputs.py"
    subprocess.run([sys.executable, str(probe_tools), str(MODELS)], check=False)
    import onnx

    node = Path(onnx.__file__).resolve().parent / "backend" / "test" / "data" / "node"
    subprocess.run([sys.executable, str(probe_tools), "--expected", str(node), str(MODELS / "onnx-node")], check=False)
    with tarfile.open(out, "w:gz") as tar:
        tar.add(MODELS, arcname="models")


def observation(model: str, v: dict) -> Observation:
    return Observation(model=model, unsupported=frozenset(v["unsupported"]),
                       creator_refused=frozenset(v["creator_refused"]), shape_errors=tuple(v["shape_errors"]),
                       create_errors=tuple(v["create_errors"]), signal=v["signal"], finished=v["finished"],
                       api=v["api"], error=v["error"], output=v.get("tail", ""))


def figures(rows: list[Comparison]) -> dict:
    no_creator = [(c.model, t) for c in rows for t in c.observed.unsupported]
    creator = [(c.model, t) for c in rows for t in c.observed.creator_refused]
    predicted = {(c.model, t) for c in rows for t in c.predicted.refused}
    clean = [c for c in rows if c.observed.finished and not c.observed.shape_errors]
    support = [(c.model, t) for c in clean for t in c.predicted.refused]
    refused_clean = {(c.model, t) for c in clean for t in c.observed.unsupported | c.observed.creator_refused}
    false = [p for p in support if p not in refused_clean]
    crashed = [c for c in rows if c.observed.signal]

    def ratio(a: int, b: int) -> float | None:
        return round(a / b, 4) if b else None

    return {
        "models": len(rows),
        "agree": sum(c.agrees for c in rows),
        "no_creator_refusals": len(no_creator),
        "no_creator_predicted": sum(p in predicted for p in no_creator),
        "no_creator_recall": ratio(sum(p in predicted for p in no_creator), len(no_creator)),
        "creator_refusals": len(creator),
        "creator_predicted": sum(p in predicted for p in creator),
        "creator_recall": ratio(sum(p in predicted for p in creator), len(creator)),
        "set_up_cleanly": len(clean),
        "support_findings_on_clean": len(support),
        "support_false_alarms": len(false),
        "support_precision": ratio(len(support) - len(false), len(support)),
        "false_alarm_types": sorted({t for _, t in false}),
        "crashed": len(crashed),
        "crashed_with_error_finding": sum(c.predicted.fails for c in crashed),
        "crash_coverage": ratio(sum(c.predicted.fails for c in crashed), len(crashed)),
        "missed_creator": sorted({f"{m}:{t}" for m, t in creator if (m, t) not in predicted}),
        "missed_no_creator": sorted({f"{m}:{t}" for m, t in no_creator if (m, t) not in predicted}),
        "crashed_without_error": sorted(f"{c.model} ({c.observed.signal})" for c in crashed if not c.predicted.fails),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pack")
    p.add_argument("out", type=Path)
    c = sub.add_parser("compare")
    c.add_argument("scan", type=Path)
    c.add_argument("--release", required=True)
    c.add_argument("--fuse", choices=("ON", "OFF"), default="OFF")
    c.add_argument("--label", required=True)
    c.add_argument("--mnnlint-python", default=sys.executable)
    args = ap.parse_args(argv)
    if args.cmd == "pack":
        pack(args.out)
        return 0
    from mnnlint.capabilities import Capabilities

    scan = json.loads(args.scan.read_text())
    runtime = SimpleNamespace(release=args.release, profile="default",
                              build_options={"MNN_SUPPORT_TRANSFORMER_FUSE": args.fuse == "ON"})
    paths = {rel: MODELS / rel for rel in scan if (MODELS / rel).is_file()}
    with tempfile.TemporaryDirectory():
        verdicts, errors = lint_all(args.mnnlint_python, list(paths.values()), runtime, target="cuda")
    names = Capabilities().release(args.release).op_names
    rows = [compare(rel, observation(rel, scan[rel]), verdicts[str(p)], names)
            for rel, p in paths.items() if str(p) in verdicts]
    result = {"label": args.label, "release": args.release, "build": f"-DMNN_CUDA=ON, MNN_SUPPORT_TRANSFORMER_FUSE="
              f"{args.fuse}, sm_90, nvcc 13.0, H200", "mnnlint_python": args.mnnlint_python,
              "mnnlint_unreadable": len(errors), "figures": figures(rows)}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"sweep_cuda-{args.label}.json").write_text(json.dumps(result, indent=1) + "\n")
    f = result["figures"]
    print(f"{args.label}: {f['models']} models; no-creator recall {f['no_creator_recall']} "
          f"({f['no_creator_predicted']}/{f['no_creator_refusals']}); creator {f['creator_recall']} "
          f"({f['creator_predicted']}/{f['creator_refusals']}); support precision {f['support_precision']} "
          f"({f['support_false_alarms']} false of {f['support_findings_on_clean']}); crashes with error "
          f"{f['crash_coverage']} ({f['crashed_with_error_finding']}/{f['crashed']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
