"""Build the benchmark inputs with MNN's real converter, cached under `bench/.cache/`.

Why built here and not committed: the large model is ~400 MB and the corpus is a
thousand files; both are reproducible from fixed seeds and from the ONNX node test
models that `onnx==1.20.1` ships, so only this script is kept in git.

- `large/decoder.mnn`: a random 6-layer decoder (hidden 1024, 16 heads, attention
  written out per head so the graph has well over 1,000 ops), weights embedded.
  Converted WITHOUT `--transformerFuse`: the per-head graph would not match the
  fused-attention pattern anyway, and the point here is op count and file size.
- `external/decoder.mnn` + `.weight`: the same ONNX with `--saveExternalData`.
- `corpus/*.mnn`: every `onnx/backend/test/data/node/*/model.onnx` the converter
  accepts, one conversion per child process (tests/fixtures/converter.py), two at a
  time; refusals are listed in `corpus/_skipped.json`.
- `folder2000/`: 2,000 models for one folder run (the issue's size): the corpus's
  files, repeated under distinct names as needed (hard links: no extra disk).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
sys.path.insert(0, str(HERE.parent / "tests" / "fixtures"))

from converter import ConversionError, convert  # noqa: E402

LAYERS, HIDDEN, HEADS, FFN, SEQ = 6, 1024, 16, 4096, 8


def decoder_onnx(path: Path, seed: int = 0) -> Path:
    """A random decoder stack as ONNX (numpy + onnx.helper only)."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    nodes: list[onnx.NodeProto] = []
    inits: list[onnx.TensorProto] = []
    head_dim = HIDDEN // HEADS

    def weight(name: str, shape: tuple[int, ...]) -> str:
        inits.append(numpy_helper.from_array((rng.standard_normal(shape, dtype=np.float32) * 0.02), name))
        return name

    def const(name: str, value: object, dtype: object = np.float32) -> str:
        inits.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def node(op: str, inputs: list[str], out: str, **attrs: object) -> str:
        nodes.append(helper.make_node(op, inputs, [out], name=out, **attrs))
        return out

    const("eps", [1e-6])
    const("two", [2.0])
    const("scale", [1.0 / head_dim ** 0.5])
    const("mask", np.triu(np.full((SEQ, SEQ), -1e4, dtype=np.float32), 1))
    const("shape_heads", [1, SEQ, HEADS, head_dim], np.int64)
    const("shape_flat", [1, SEQ, HIDDEN], np.int64)

    def rms_norm(x: str, p: str) -> str:
        sq = node("Pow", [x, "two"], f"{p}_sq")
        mean = node("ReduceMean", [sq], f"{p}_mean", axes=[-1], keepdims=1)
        root = node("Sqrt", [node("Add", [mean, "eps"], f"{p}_eps")], f"{p}_root")
        normed = node("Div", [x, root], f"{p}_div")
        return node("Mul", [normed, weight(f"{p}_gamma", (HIDDEN,))], f"{p}_out")

    x = "x"
    for layer in range(LAYERS):
        p = f"l{layer}"
        h = rms_norm(x, f"{p}_ln1")
        heads = {}
        for proj in "qkv":
            y = node("MatMul", [h, weight(f"{p}_w{proj}", (HIDDEN, HIDDEN))], f"{p}_{proj}")
            y = node("Reshape", [y, "shape_heads"], f"{p}_{proj}_r")
            y = node("Transpose", [y], f"{p}_{proj}_t", perm=[0, 2, 1, 3])
            outs = [f"{p}_{proj}_h{i}" for i in range(HEADS)]
            nodes.append(helper.make_node("Split", [y], outs, name=f"{p}_{proj}_split", axis=1))
            heads[proj] = outs
        ctx = []
        for i in range(HEADS):
            q, k, v = heads["q"][i], heads["k"][i], heads["v"][i]
            kt = node("Transpose", [k], f"{p}_kt{i}", perm=[0, 1, 3, 2])
            s = node("Mul", [node("MatMul", [q, kt], f"{p}_qk{i}"), "scale"], f"{p}_s{i}")
            s = node("Add", [s, "mask"], f"{p}_m{i}")
            e = node("Exp", [node("Sub", [s, node("ReduceMax", [s], f"{p}_max{i}", axes=[-1], keepdims=1)],
                                  f"{p}_sub{i}")], f"{p}_exp{i}")
            a = node("Div", [e, node("ReduceSum", [e, const(f"{p}_ax{i}", [-1], np.int64)], f"{p}_sum{i}",
                                     keepdims=1)], f"{p}_a{i}")
            ctx.append(node("MatMul", [a, v], f"{p}_ctx{i}"))
        c = node("Concat", ctx, f"{p}_cat", axis=1)
        c = node("Reshape", [node("Transpose", [c], f"{p}_ct", perm=[0, 2, 1, 3]), "shape_flat"], f"{p}_cf")
        x = node("Add", [x, node("MatMul", [c, weight(f"{p}_wo", (HIDDEN, HIDDEN))], f"{p}_o")], f"{p}_res1")
        h = rms_norm(x, f"{p}_ln2")
        gate = node("MatMul", [h, weight(f"{p}_wg", (HIDDEN, FFN))], f"{p}_gate")
        up = node("MatMul", [h, weight(f"{p}_wu", (HIDDEN, FFN))], f"{p}_up")
        act = node("Mul", [gate, node("Sigmoid", [gate], f"{p}_sig")], f"{p}_silu")
        down = node("MatMul", [node("Mul", [act, up], f"{p}_gu"), weight(f"{p}_wd", (FFN, HIDDEN))], f"{p}_down")
        x = node("Add", [x, down], f"{p}_res2")
    nodes.append(helper.make_node("Identity", [x], ["y"], name="y"))
    graph = helper.make_graph(
        nodes, "decoder",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, SEQ, HIDDEN])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, SEQ, HIDDEN])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="mnnlint-bench")
    model.ir_version = 8
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))
    return path


def large_models() -> tuple[Path, Path]:
    """(embedded-weights model, external-weights twin), built once."""
    src = CACHE / "decoder.onnx"
    embedded, external = CACHE / "large" / "decoder.mnn", CACHE / "external" / "decoder.mnn"
    if not src.is_file():
        decoder_onnx(src)
    if not embedded.is_file():
        convert(src, embedded, timeout=1800)
    if not (external.is_file() and external.with_name(external.name + ".weight").is_file()):
        convert(src, external, extra=["--saveExternalData"], timeout=1800)
    return embedded, external


def node_test_models() -> Iterator[tuple[str, Path]]:
    import onnx

    root = Path(onnx.__file__).parent / "backend" / "test" / "data" / "node"
    for model in sorted(root.glob("*/model.onnx")):
        yield model.parent.name, model


def corpus(workers: int = 2) -> Path:
    """Folder of converted node test models (built once; refusals recorded, not retried)."""
    out = CACHE / "corpus"
    out.mkdir(parents=True, exist_ok=True)
    skipped_file = out / "_skipped.json"
    skipped: dict[str, str] = json.loads(skipped_file.read_text()) if skipped_file.is_file() else {}
    todo = [(n, m) for n, m in node_test_models() if n not in skipped and not (out / f"{n}.mnn").is_file()]

    def one(item: tuple[str, Path]) -> tuple[str, str | None]:
        name, model = item
        try:
            convert(model, out / f"{name}.mnn", timeout=120)
            return name, None
        except ConversionError as err:
            (out / f"{name}.mnn").unlink(missing_ok=True)
            return name, str(err).splitlines()[0]

    with ThreadPoolExecutor(workers) as pool:  # each conversion is its own child process
        for done, (name, err) in enumerate(pool.map(one, todo), 1):
            if err is not None:
                skipped[name] = err
            if done % 100 == 0:
                print(f"  corpus: {done}/{len(todo)} converted or refused", file=sys.stderr, flush=True)
                skipped_file.write_text(json.dumps(skipped, indent=1, sort_keys=True))
    skipped_file.write_text(json.dumps(skipped, indent=1, sort_keys=True))
    return out


def folder(count: int = 2000) -> Path:
    """A folder of exactly `count` models, hard links to the corpus's files, cycled."""
    out = CACHE / f"folder{count}"
    models = sorted(corpus().glob("*.mnn"))
    if out.is_dir() and len(list(out.glob("*.mnn"))) == count:
        return out
    out.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        src = models[i % len(models)]
        dest = out / f"m{i:04d}_{src.name}"
        if not dest.exists():
            try:
                dest.hardlink_to(src)
            except OSError:
                dest.write_bytes(src.read_bytes())
    return out


if __name__ == "__main__":
    print(large_models())
    print(corpus(), len(list((CACHE / "corpus").glob("*.mnn"))), "models")
