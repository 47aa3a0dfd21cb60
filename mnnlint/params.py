"""Which op parameters mnnlint reads: one table, parameter type → fields.

Data only. The reader walks this table for every op whose parameter type is listed
and fills `Op.params`; nothing else decides which fields are read. Field paths use
the accessor names flatc generated from `schemas/mnn.fbs` (`Common.KernelX` is the
`kernelX` field of the `common` sub-table), so a typo fails the schema test, not a
model. Only small scalars, enums, strings and short int vectors are named here;
weight arrays are never read (the schema has no accessors for them).

Semantics of a value:
- `F(path)`: the field's value; a scalar, a string, or a tuple for a vector of ints.
- `F(path, enum="Name")`: the enum member's name (`"#<n>"` when the value is unknown).
- `F(path, present=True)`: whether the field (usually a sub-table) is in the file.
- a tuple of `F`: a tuple of their values (e.g. kernel sizes as (x, y)).
A path through a sub-table the op lacks gives no key at all, so `"quant_type" in
op.params` says whether the op carries a quantisation block.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple


class F:
    """One field of a parameter table, by flatc accessor path.

    Not a NamedTuple like the other records: a `Value` is one F or a tuple of them, told
    apart by type, so an F must not be a tuple itself.
    """

    __slots__ = ("enum", "path", "present")

    def __init__(self, path: str, enum: str | None = None, present: bool = False) -> None:
        self.path = path
        self.enum = enum
        self.present = present

    def __repr__(self) -> str:
        return f"F({self.path!r}, enum={self.enum!r}, present={self.present!r})"


Value = F | tuple[F, ...]


class ParamSpec(NamedTuple):
    """What to read from one parameter table type."""

    fields: Mapping[str, Value]
    external: str | None = None  # accessor of the [offset, sizes...] span in the external weight file
    subgraphs: tuple[str, ...] = ()  # accessors of subgraph names the op calls


_CONV_COMMON: Mapping[str, Value] = {
    "kernel": (F("Common.KernelX"), F("Common.KernelY")),
    "stride": (F("Common.StrideX"), F("Common.StrideY")),
    "dilation": (F("Common.DilateX"), F("Common.DilateY")),
    "group": F("Common.Group"),
    "input_count": F("Common.InputCount"),
    "output_count": F("Common.OutputCount"),
    # Weight quantisation (MNN's IDSTQuan, CaffeOp.fbs). `quantized`: the block exists;
    # `quant_type` 1 int8, 2 sparse, 3 fp16, 4 weight-int8 (MNN's comment on the field).
    "quantized": F("QuanParameter", present=True),
    "quant_type": F("QuanParameter.Type"),
    "quant_bits": F("QuanParameter.AMaxOrBits"),
    "quant_read_type": F("QuanParameter.ReadType"),
    "quant_has_scale_int": F("QuanParameter.HasScaleInt"),
    "quant_scale_storage": F("QuanParameter.ScaleStorage", enum="ScaleStorageType"),
}

OP_PARAMS: Mapping[str, ParamSpec] = {
    "Input": ParamSpec({
        "dims": F("Dims"),
        "data_type": F("Dtype", enum="DataType"),
        "data_format": F("Dformat", enum="MNN_DATA_FORMAT"),
    }),
    "Blob": ParamSpec({"dims": F("Dims"), "data_type": F("DataType", enum="DataType"),
                       "data_format": F("DataFormat", enum="MNN_DATA_FORMAT")}, external="External"),
    "Convolution2D": ParamSpec(_CONV_COMMON, external="External"),  # also Deconvolution, depthwise
    "Convolution3D": ParamSpec({}, external="External"),
    "Pool": ParamSpec({
        "kernel": (F("KernelX"), F("KernelY")),
        "stride": (F("StrideX"), F("StrideY")),
        "is_global": F("IsGlobal"),
        "pool_type": F("Type", enum="PoolType"),
        "pad_type": F("PadType", enum="PoolPadType"),
    }),
    "Pool3D": ParamSpec({
        "kernel": F("Kernels"),
        "stride": F("Strides"),
        "pads": F("Pads"),
        "is_global": F("IsGlobal"),
        "pool_type": F("Type", enum="PoolType"),
        "pad_type": F("PadType", enum="PoolPadType"),
    }),
    "Interp": ParamSpec({
        "resize_type": F("ResizeType"),  # 1 nearest, 2 bilinear, 3 cubic, 4 nearest-round (MNN Interp)
        "align_corners": F("AlignCorners"),
        "half_pixel_centers": F("HalfPixelCenters"),
        "ctm": F("Ctm", enum="CoordinateTransformationMode"),
    }),
    "BinaryOp": ParamSpec({
        "op_type": F("OpType", enum="BinaryOpOperation"),
        "data_type": F("T", enum="DataType"),
        "activation_type": F("ActivationType"),
    }),
    "UnaryOp": ParamSpec({
        "op_type": F("OpType", enum="UnaryOpOperation"),
        "data_type": F("T", enum="DataType"),
    }),
    "MatMul": ParamSpec({"transpose_a": F("TransposeA"), "transpose_b": F("TransposeB")}),
    # BatchMatMul's adjX/adjY are its transpose flags; named alike so rules ask one way.
    "BatchMatMulParam": ParamSpec({"transpose_a": F("AdjX"), "transpose_b": F("AdjY")}),
    "LoopParam": ParamSpec({
        "loop_number": F("LoopNumber"),
        "parallel": F("Parallel"),
        "tensor_number": F("TensorNumber"),
    }),
    "Scale": ParamSpec({}, external="External"),
    "GroupNorm": ParamSpec({}, external="External"),
    "LayerNorm": ParamSpec({"rms_norm": F("UseRmsnorm")}, external="External"),
    "Extra": ParamSpec({"custom_type": F("Type"), "engine": F("Engine")}),
    "Plugin": ParamSpec({"custom_type": F("Type")}),
    "AttentionParam": ParamSpec({"kv_cache": F("KvCache"), "layer_index": F("LayerIndex")}),
    "IfParam": ParamSpec({}, subgraphs=("ThenGraph", "ElseGraph")),
    "WhileParam": ParamSpec({}, subgraphs=("CondGraph", "BodyGraph")),
}
