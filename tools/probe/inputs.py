"""Write MODEL.inputs.txt/.raw (the C++ probe's input format) from MODEL.inputs.npz.

    python tools/probe/inputs.py FOLDER...

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
    base = str(npz)[: -len(".inputs.npz")]
    lines, raw, offset = [], bytearray(), 0
    with np.load(npz) as data:
        for name in data.files:
            arr = data[name]
            if arr.dtype == np.int64:
                arr = arr.astype(np.int32)
            if arr.dtype not in CODES or not name or " " in name:
                continue
            code, bits = CODES[arr.dtype]
            blob = np.ascontiguousarray(arr).tobytes()
            lines.append(f"{name} {code} {bits} {arr.ndim} {' '.join(map(str, arr.shape))} {offset} {len(blob)}")
            raw += blob
            offset += len(blob)
    Path(base + ".inputs.txt").write_text("\n".join(lines) + "\n")
    Path(base + ".inputs.raw").write_bytes(bytes(raw))


if __name__ == "__main__":
    for folder in sys.argv[1:]:
        for npz in Path(folder).rglob("*.inputs.npz"):
            try:
                convert(npz)
            except ValueError as err:  # a dtype numpy cannot load (float8, ...): random inputs then
                print(f"{npz.name}: {err}", file=sys.stderr)
