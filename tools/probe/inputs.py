"""Write MODEL.inputs.txt/.raw (the C++ probe's input format) from MODEL.inputs.npz.

    python tools/probe/inputs.py FOLDER...
    python tools/probe/inputs.py --expected ONNX_NODE_DIR FOLDER   # MODEL.expected.*: reference outputs

One header line per input: `name code bits ndims d0..dn offset nbytes` (halide type code:
0 int, 1 uint, 2 float), the bytes in MODEL.inputs.raw. Only types the probe can feed
as they are (float32, int32, int64, int8, uint8) are written; int64 as int32 because
MNN's converter stores int64 inputs as int32.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

CODES = {np.dtype(np.float32): (2, 32), np.dtype(np.int32): (0, 32), np.dtype(np.int8): (0, 8),
         np.dtype(np.uint8): (1, 8)}


def convert(npz: Path) -> None:
    with np.load(npz) as data:
        write(str(npz)[: -len(".inputs.npz")], {name: data[name] for name in data.files}, ".inputs")


def expected(model: Path, node_dir: Path) -> None:
    """MODEL.expected.txt/.raw: the ONNX node test's reference outputs (test_data_set_0/output_*.pb)."""
    import onnx
    from onnx import numpy_helper

    arrays = {}
    for pb in sorted((node_dir / model.stem / "test_data_set_0").glob("output_*.pb")):
        tensor = onnx.TensorProto()
        try:
            tensor.ParseFromString(pb.read_bytes())
            arrays[tensor.name] = numpy_helper.to_array(tensor)
        except Exception:  # a sequence or optional output
            continue
    arrays = {k: v for k, v in arrays.items() if v.dtype == np.float32}
    if arrays:
        write(str(model), arrays, ".expected")


def write(base: str, arrays: dict, kind: str) -> None:
    """One header line per array, the bytes in order in the .raw file."""
    lines, raw, offset = [], bytearray(), 0
    for name, arr in arrays.items():
        if arr.dtype == np.int64:
            arr = arr.astype(np.int32)
        if arr.dtype not in CODES or not name or " " in name:
            continue
        code, bits = CODES[arr.dtype]
        blob = np.ascontiguousarray(arr).tobytes()
        lines.append(f"{name} {code} {bits} {arr.ndim} {' '.join(map(str, arr.shape))} {offset} {len(blob)}")
        raw += blob
        offset += len(blob)
    Path(base + kind + ".txt").write_text("\n".join(lines) + "\n")
    Path(base + kind + ".raw").write_bytes(bytes(raw))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--expected"]:  # --expected ONNX_NODE_DIR FOLDER: reference outputs of node tests
        for model in Path(sys.argv[3]).glob("*.mnn"):
            expected(model, Path(sys.argv[2]))
        raise SystemExit(0)
    for folder in sys.argv[1:]:
        for npz in Path(folder).rglob("*.inputs.npz"):
            try:
                convert(npz)
            except ValueError as err:  # a dtype numpy cannot load (float8, ...): random inputs then
                print(f"{npz.name}: {err}", file=sys.stderr)
