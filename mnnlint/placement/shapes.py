"""Static tensor sizes, only where the file itself fixes them.

The bytes that cross between backends on every inference are only worth reporting
when they are exact. A `.mnn` file written by the converter carries shapes in three
places: the `Input` ops' dims (with their data type), the `Const` ops' blobs, and the
tensor descriptions (`extraTensorDescribe`) some conversions write. From
there the size follows through a short list of ops whose output shape and element
size are fixed by their inputs alone (no parameter needed). Everything else is
unknown, and the answer says which tensor stopped it; nothing is guessed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from ..model import Op, Tensor

# Element sizes of the data types MNN stores at that width (MNN's halide_type_t for
# DataType, core/TensorUtils / Utils.cpp). INT64, BOOL and DOUBLE are left out on
# purpose: MNN converts them on load, so the stored type does not say the width.
ITEM_BYTES = {"DT_FLOAT": 4, "DT_INT32": 4, "DT_HALF": 2, "DT_BFLOAT16": 2, "DT_INT16": 2,
              "DT_UINT16": 2, "DT_INT8": 1, "DT_UINT8": 1}

# Ops whose single output has the shape and element type of their first input.
SAME_AS_INPUT = frozenset({
    "ReLU", "ReLU6", "Sigmoid", "TanH", "ELU", "SELU", "Softmax", "UnaryOp", "ConvertTensor", "Dropout", "ZerosLike",
})
# Ops whose output has the numpy broadcast shape of their two inputs; when both inputs
# are 4-byte types the output is 4 bytes too (arithmetic keeps the type, comparisons
# give int32: BinaryOp in MNN's ShapeBinaryOp.cpp).
BROADCAST = frozenset({"BinaryOp"})

# Why a tensor's size is unknown, for ops whose output shape depends on the data.
DATA_DEPENDENT = frozenset({"Where", "Unique", "NonMaxSuppressionV2", "NonMaxSuppression"})


class Size(NamedTuple):
    """A tensor's static size, or why there is none."""

    nbytes: int | None
    why_unknown: str | None = None


def tensor_sizes(ops: Sequence[Op], tensors: Sequence[Tensor] = ()) -> dict[int, Size]:
    """The size of every tensor the ops of one scope write, in file (topological) order.

    A shape the file records for the tensor itself wins over one derived here.
    """
    shapes: dict[int, tuple[tuple[int, ...], int]] = {}  # tensor -> (dims, item bytes)
    sizes: dict[int, Size] = {}
    for op in ops:
        shape, why = _output_shape(op, shapes)
        for i, t in enumerate(op.outputs):
            recorded = _recorded(tensors[t]) if 0 <= t < len(tensors) else None
            if recorded is not None:
                shapes[t] = recorded
                sizes[t] = Size(_count(recorded[0]) * recorded[1])
            elif shape is not None and i == 0:
                dims, item = shape
                shapes[t] = shape
                sizes[t] = Size(_count(dims) * item)
            else:
                sizes[t] = Size(None, why or f"{op.type_label} writes several outputs")
    return sizes


def _recorded(tensor: Tensor) -> tuple[tuple[int, ...], int] | None:
    item = ITEM_BYTES.get(tensor.data_type or "")
    if tensor.dims is None or item is None or any(d <= 0 for d in tensor.dims):
        return None
    return tuple(tensor.dims), item


def _count(dims: tuple[int, ...]) -> int:
    n = 1
    for d in dims:
        n *= d
    return n


def _output_shape(op: Op, shapes: dict[int, tuple[tuple[int, ...], int]]
                  ) -> tuple[tuple[tuple[int, ...], int] | None, str | None]:
    kind = op.type_name
    if kind in ("Input", "Const", "TrainableParam"):
        dims = tuple(op.params.get("dims", ()))
        item = ITEM_BYTES.get(str(op.params.get("data_type")))
        if "dims" not in op.params:
            return None, f"{kind} '{op.name}' stores no dims"
        if any(d <= 0 for d in dims):
            return None, f"{kind} '{op.name}' has dynamic dims {list(dims)}"
        if item is None:
            return None, f"{kind} '{op.name}' has data type {op.params.get('data_type')}, whose width MNN changes"
        return (dims, item), None
    if kind in DATA_DEPENDENT:
        return None, f"{kind} '{op.name}' writes a tensor whose shape depends on the data"
    if len(op.outputs) != 1:
        return None, f"{op.type_label} '{op.name}' writes several outputs"
    known = [shapes.get(t) for t in op.inputs]
    if kind in SAME_AS_INPUT and known and known[0] is not None:
        return known[0], None
    if kind in BROADCAST and len(known) == 2 and known[0] is not None and known[1] is not None:
        (a, ia), (b, ib) = known[0], known[1]
        dims = _broadcast(a, b)
        if dims is not None and ia == ib == 4:
            return (dims, 4), None
    return None, f"no static shape after {op.type_label} '{op.name}'"


def _broadcast(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...] | None:
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    out = []
    for x, y in zip(a, b, strict=True):
        if x != y and 1 not in (x, y):
            return None
        out.append(max(x, y))
    return tuple(out)
