"""Op types that exist in a `.mnn` file only because a converter fusion pass made them.

`MNNConvert --transformerFuse` (and its siblings) rewrite subgraphs into single
ops such as `Attention` or `GroupNorm`. Backends often lack creators for these,
and the fix a user can apply is to convert without the flag, so the linter must
know which op types come from which pass and flag. We find them from the
converter's source: assignments `x->type = OpType_Y` in the optimizer's fusion
passes, and the `config->flag` test (or the CLI's pass list) that gates the pass.
Op types the frontends also emit from a plain source op are reported in the
details but are not "fused only".
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from .geometry import line_of, read_text
from .gitsrc import Tree

PASS_GLOBS = (
    "tools/converter/source/optimizer/merge/*.cpp",
    "tools/converter/source/optimizer/postconvert/*.cpp",
)
FRONTEND_GLOBS = (
    "tools/converter/source/onnx/*.cpp",
    "tools/converter/source/tensorflow/*.cpp",
    "tools/converter/source/tflite/*.cpp",
    "tools/converter/source/caffe/*.cpp",
    "tools/converter/source/torch/*.cpp",
    "tools/converter/source/optimizer/onnxextra/*.cpp",
    "tools/converter/source/optimizer/tfextra/*.cpp",
    "tools/converter/source/optimizer/torchextra/*.cpp",
    "tools/converter/source/optimizer/caffeextra/*.cpp",
    "tools/converter/source/optimizer/tflitextra/*.cpp",
)
EXPORTER_GLOB = "transformers/llm/export/**/*.py"
CLI = "tools/converter/source/common/cli.cpp"

_ASSIGN = re.compile(r"(?:->|\.)\s*type\s*=\s*(?:MNN::)?OpType_(\w+)\s*;")
_FRONTEND = re.compile(r"return\s+(?:MNN::)?OpType_(\w+)\s*;|(?:->|\.)\s*type\s*=\s*(?:MNN::)?OpType_(\w+)\s*;")
_CONFIG_GATE = re.compile(r"if\s*\(\s*!\s*config\s*->\s*(\w+)\s*\)")
_EXPORT_TYPE = re.compile(r"""["']type["']\s*:\s*["'](\w+)["']""")


def _cli_gates(tree: Tree) -> dict[str, str]:
    """Pass name -> CLI flag whose `if (modelPath.flag)` block adds it to the pass list."""
    if not tree.exists(CLI):
        return {}
    text = read_text(tree, CLI)
    gates: dict[str, str] = {}
    for m in re.finditer(r"if\s*\(\s*modelPath\.(\w+)\s*\)\s*\{([^{}]*)\}", text):
        for name in re.findall(r'"(\w+)"', m.group(2)):
            gates.setdefault(name, m.group(1))
    return gates


def _frontend_types(tree: Tree) -> set[str]:
    found: set[str] = set()
    for pattern in FRONTEND_GLOBS:
        for path in tree.glob(pattern):
            for m in _FRONTEND.finditer(read_text(tree, path)):
                found.add(m.group(1) or m.group(2))
    return found


def read_fused_op_details(tree: Tree) -> dict[str, dict]:
    """Op type -> where a fusion pass creates it and what gates that pass.

    Each value: `at` (`path:line` of the first creating assignment), `passes`
    (pass file stem -> its gating flag or None), `flag` (the converter option
    every creating pass needs; None when some creating pass always runs),
    `only_fused` (no frontend emits it directly).
    """
    frontend = _frontend_types(tree)
    cli = _cli_gates(tree)
    out: dict[str, dict] = {}
    for pattern in PASS_GLOBS:
        for path in sorted(tree.glob(pattern)):
            text = read_text(tree, path)
            stem = PurePosixPath(path).stem
            gate = _CONFIG_GATE.search(text)
            flag = gate.group(1) if gate else cli.get(stem)
            for m in _ASSIGN.finditer(text):
                op_type = m.group(1)
                entry = out.setdefault(op_type, {
                    "at": f"{path}:{line_of(text, m.start())}", "passes": {},
                    "only_fused": op_type not in frontend,
                })
                entry["passes"][stem] = flag
    for entry in out.values():
        gates = set(entry["passes"].values())
        # Gated only when every pass that creates the type needs the same flag.
        entry["flag"] = gates.pop() if len(gates) == 1 else None
        entry["passes"] = dict(sorted(entry["passes"].items()))
    return dict(sorted(out.items()))


def read_fused_op_types(tree: Tree) -> list[str]:
    """Op types only a gated fusion pass creates (what `--transformerFuse` and kin add)."""
    return sorted(
        name for name, info in read_fused_op_details(tree).items()
        if info["only_fused"] and info["flag"] is not None
    )


def read_exporter_op_types(tree: Tree, known: set[str]) -> dict[str, str]:
    """Op types the LLM exporter writes straight into MNN JSON (not via the converter).

    `known` is the commit's OpType names, to keep unrelated `"type"` keys out.
    Value: `path:line` of the first occurrence.
    """
    out: dict[str, str] = {}
    for path in sorted(tree.glob(EXPORTER_GLOB)):
        try:
            text = tree.read(path)
        except FileNotFoundError:
            continue
        for m in _EXPORT_TYPE.finditer(text):
            if m.group(1) in known:
                out.setdefault(m.group(1), f"{path}:{line_of(text, m.start())}")
    return dict(sorted(out.items()))
