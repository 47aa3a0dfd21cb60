"""Read an `.mnn` file into a `Model`, touching only the graph, never the weights.

The file is memory-mapped read-only. Every table the reader visits is first
checked by `flatcheck.Verifier`, then read through the accessors flatc generated
from `schemas/mnn.fbs`. Weight vectors are never read (the schema does not even
declare accessors for them), so the pages that hold weights are never faulted in
and the cost follows the op count, not the file size.
"""

from __future__ import annotations

import mmap
import os
import stat
import struct
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from .errors import InputError
from .flatcheck import CorruptError, Verifier
from .model import MAIN_GRAPH, Model, Op, Subgraph, Tensor
from .schemas import mnn_generated as fb
from .sniff import describe_foreign

MIN_FILE_SIZE = 24  # root offset, vtable and a Net with an op list cannot fit in less
MAX_FILE_SIZE = 1 << 40  # a sanity bound, far above any real model


@cache
def enum_names(enum: type) -> dict[int, str]:
    """value → name of a flatc-generated enum class."""
    return {v: k for k, v in vars(enum).items() if not k.startswith("_") and isinstance(v, int)}


def read_model(path: str) -> Model:
    """The model in `path`, or InputError saying in one line why it cannot be read."""
    try:
        # O_NONBLOCK: opening a FIFO named like a model must not wait for a writer forever.
        with open(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as handle:
            before = os.fstat(handle.fileno())
            if stat.S_ISDIR(before.st_mode):
                raise IsADirectoryError
            if not stat.S_ISREG(before.st_mode):
                raise InputError(path, "not a regular file (a pipe, socket or device); name the model file itself")
            size = before.st_size
            if size == 0:
                raise InputError(path, "empty file, not an MNN model")
            if size < MIN_FILE_SIZE:
                raise InputError(path, f"only {size} bytes: too small to be an MNN model")
            if size > MAX_FILE_SIZE:
                raise InputError(path, f"{size} bytes is beyond any MNN model")
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as buf:
                try:
                    model = _read_buffer(path, buf, size)
                except InputError:
                    _check_unchanged(path, handle.fileno(), before)  # the truer reason, if it applies
                    raise
            _check_unchanged(path, handle.fileno(), before)
            return model
    except IsADirectoryError:
        raise InputError(path, "is a directory with no llm_config.json or config.json") from None
    except PermissionError:
        raise InputError(path, "permission denied") from None
    except FileNotFoundError:
        if os.path.islink(path):
            raise InputError(path, f"broken symlink to {os.readlink(path)}") from None
        raise InputError(path, "no such file") from None
    except OSError as err:
        raise InputError(path, f"cannot read: {err.strerror or err}") from None


def _check_unchanged(path: str, fd: int, before: os.stat_result) -> None:
    """InputError if the file's size or mtime moved while it was read: a model still being written."""
    after = os.fstat(fd)
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        raise InputError(path, "changed while it was being read (is it still being written?); "
                               "lint it again once it is complete") from None


def _read_buffer(path: str, buf: mmap.mmap, size: int) -> Model:
    head = buf[:64]
    verifier = Verifier(buf, enum_names(fb.OpParameter))
    try:
        root = verifier.root("Net")
        net = fb.Net()
        net.Init(buf, root)
        if net.OplistsIsNone() or net.OplistsLength() == 0:
            raise CorruptError("no op list", root)
        return _read_net(path, buf, size, net, verifier)
    except (CorruptError, struct.error, IndexError, UnicodeDecodeError, ValueError) as err:
        foreign = describe_foreign(bytes(head), size)
        if foreign:
            raise InputError(path, foreign) from None
        at = getattr(err, "at", None)
        if isinstance(err, CorruptError) and err.what == "no op list":
            raise InputError(path, "a FlatBuffer with no op list: its root is not an MNN Net") from None
        if at is not None and at >= size - 8:
            problem = f"truncated or corrupt: {err} points past the end of the file ({size} bytes)"
            raise InputError(path, problem) from None
        where = f" at byte {at}" if at is not None else ""
        raise InputError(path, f"corrupt or not an MNN model: bad {err}{where}") from None


def _text(raw: bytes | None) -> str:
    return raw.decode("utf-8", errors="replace") if raw else ""


def _scalars(obj: Any, field_id: int, code: str) -> tuple[int, ...]:
    """Field `field_id` of a flatc table object, an int32 ('i') or int64 ('q') vector, in one read.

    Not through the generated per-element accessors: those cost microseconds per
    element, so a corrupt file whose index vectors run to megabytes took seconds. The
    Verifier has already bounds-checked every field read here (SPEC lists them all).
    """
    tab = obj._tab
    o = tab.Offset(4 + 2 * field_id)
    if not o:
        return ()
    return struct.unpack_from(f"<{tab.VectorLen(o)}{code}", tab.Bytes, tab.Vector(o))


def _read_net(path: str, buf: mmap.mmap, size: int, net: fb.Net, verifier: Verifier) -> Model:
    op_type_names = enum_names(fb.OpType)
    param_names = enum_names(fb.OpParameter)

    def read_ops(count: int, get: Callable[[int], fb.Op], subgraph: str) -> tuple[Op, ...]:
        ops = []
        for i in range(count):
            op = get(i)
            type_id = op.Type()
            tag = op.MainType()
            param_type = param_names.get(tag, f"#{tag}")
            params, owns, external = _params(op, param_type)
            pos = op._tab.Pos
            ops.append(Op(
                index=i,
                name=_text(op.Name()),
                type_id=type_id,
                type_name=op_type_names.get(type_id),
                inputs=_scalars(op, 0, "i"),
                outputs=_scalars(op, 4, "i"),
                param_type=param_type,
                subgraph=subgraph,
                byte_offset=pos,
                byte_length=verifier.object_length(pos),
                params=params,
                owns_subgraphs=owns,
                external=external,
                external_path=_text(op.ExternalPath()) or None,
            ))
        return tuple(ops)

    def tensor_list(
        names: list[str], describe_count: int, describe: Callable[[int], fb.TensorDescribe]
    ) -> tuple[Tensor, ...]:
        formats: dict[int, str] = {}
        fmt_names = enum_names(fb.MNN_DATA_FORMAT)
        for i in range(describe_count):
            d = describe(i)
            blob = d.Blob()
            if blob is not None and 0 <= d.Index() < len(names):
                formats[d.Index()] = fmt_names.get(blob.DataFormat(), str(blob.DataFormat()))
        return tuple(Tensor(i, n, formats.get(i)) for i, n in enumerate(names))

    ops = read_ops(net.OplistsLength(), net.Oplists, MAIN_GRAPH)
    tensors = tensor_list(
        [_text(net.TensorName(i)) for i in range(net.TensorNameLength())],
        net.ExtraTensorDescribeLength(), net.ExtraTensorDescribe,
    )
    subgraphs: dict[str, Subgraph] = {}
    for s in range(net.SubgraphsLength()):
        sg = net.Subgraphs(s)
        name = _text(sg.Name()) or f"#{s}"
        if name in subgraphs:
            name = f"{name}#{s}"
        subgraphs[name] = Subgraph(
            name=name,
            ops=read_ops(sg.NodesLength(), sg.Nodes, name),
            tensors=tensor_list([_text(sg.Tensors(i)) for i in range(sg.TensorsLength())],
                                sg.ExtraTensorDescribeLength(), sg.ExtraTensorDescribe),
            inputs=_scalars(sg, 1, "i"),
            outputs=_scalars(sg, 2, "i"),
        )
    subgraphs = _link_owners(ops, subgraphs)
    needed = max((op.external_end for op in ops), default=0)
    for sub in subgraphs.values():
        needed = max([needed, *(op.external_end for op in sub.ops)])
    return Model(
        path=path,
        file_size=size,
        source=enum_names(fb.NetSource).get(net.SourceType(), str(net.SourceType())),
        biz_code=_text(net.BizCode()),
        uuid=_text(net.MnnUuid()),
        prefer_forward_type=enum_names(fb.ForwardType).get(net.PreferForwardType(), str(net.PreferForwardType())),
        usage=enum_names(fb.Usage).get(net.Usage(), str(net.Usage())),
        converter_version=_text(extra.Version()) if (extra := net.ExtraInfo()) is not None else "",
        ops=ops,
        tensors=tensors,
        output_names=tuple(_text(net.OutputName(i)) for i in range(net.OutputNameLength())),
        subgraphs=subgraphs,
        weight_bytes_needed=needed,
    )


def _link_owners(main_ops: tuple[Op, ...], subgraphs: dict[str, Subgraph]) -> dict[str, Subgraph]:
    owners: dict[str, list[tuple[str, int]]] = {name: [] for name in subgraphs}
    for op in [*main_ops, *(o for s in subgraphs.values() for o in s.ops)]:
        for name in op.owns_subgraphs:
            if name in owners:
                owners[name].append((op.subgraph, op.index))
    return {
        name: Subgraph(s.name, s.ops, s.tensors, s.inputs, s.outputs, tuple(owners[name]))
        for name, s in subgraphs.items()
    }


# -- op parameters ------------------------------------------------------------------


def _params(op: fb.Op, param_type: str) -> tuple[Mapping[str, Any], tuple[str, ...], tuple[int, ...]]:
    """(parameters rules read, subgraphs the op calls, external-data span) of one op."""
    reader = _PARAM_READERS.get(param_type)
    if reader is None:
        return {}, (), ()
    table = op.Main()
    if table is None:
        return {}, (), ()
    cls, read = reader
    param = cls()
    param.Init(table.Bytes, table.Pos)
    return read(param)


def _pool(p: fb.Pool) -> tuple[dict[str, Any], tuple[str, ...], tuple[int, ...]]:
    return {
        "kernel": (p.KernelX(), p.KernelY()), "stride": (p.StrideX(), p.StrideY()),
        "is_global": bool(p.IsGlobal()), "pool_type": enum_names(fb.PoolType).get(p.Type(), str(p.Type())),
        "pad_type": enum_names(fb.PoolPadType).get(p.PadType(), str(p.PadType())),
    }, (), ()


def _conv2d(p: fb.Convolution2D) -> tuple[dict[str, Any], tuple[str, ...], tuple[int, ...]]:
    params: dict[str, Any] = {}
    common = p.Common()
    if common is not None:
        params.update(kernel=(common.KernelX(), common.KernelY()), stride=(common.StrideX(), common.StrideY()),
                      dilation=(common.DilateX(), common.DilateY()), group=common.Group(),
                      input_count=common.InputCount(), output_count=common.OutputCount())
    quan = p.QuanParameter()
    if quan is not None:
        params["quant_type"] = quan.Type()
        params["quant_bits"] = quan.AMaxOrBits()
    return params, (), _scalars(p, 6, "q")


def _external_only(field_id: int) -> Callable[[Any], tuple[dict[str, Any], tuple[str, ...], tuple[int, ...]]]:
    def read(p: Any) -> tuple[dict[str, Any], tuple[str, ...], tuple[int, ...]]:
        return {}, (), _scalars(p, field_id, "q")
    return read


def _blob(p: fb.Blob) -> tuple[dict[str, Any], tuple[str, ...], tuple[int, ...]]:
    return ({"dims": _scalars(p, 0, "i"),
             "data_type": enum_names(fb.DataType).get(p.DataType(), str(p.DataType()))},
            (), _scalars(p, 9, "q"))


def _input(p: fb.Input) -> tuple[dict[str, Any], tuple[str, ...], tuple[int, ...]]:
    return ({"dims": _scalars(p, 0, "i"),
             "data_type": enum_names(fb.DataType).get(p.Dtype(), str(p.Dtype())),
             "data_format": enum_names(fb.MNN_DATA_FORMAT).get(p.Dformat(), str(p.Dformat()))}, (), ())


def _extra(p: fb.Extra) -> tuple[dict[str, Any], tuple[str, ...], tuple[int, ...]]:
    return {"custom_type": _text(p.Type()), "engine": _text(p.Engine())}, (), ()


def _plugin(p: fb.Plugin) -> tuple[dict[str, Any], tuple[str, ...], tuple[int, ...]]:
    return {"custom_type": _text(p.Type())}, (), ()


def _attention(p: fb.AttentionParam) -> tuple[dict[str, Any], tuple[str, ...], tuple[int, ...]]:
    return {"kv_cache": bool(p.KvCache()), "layer_index": p.LayerIndex()}, (), ()


def _layer_norm(p: fb.LayerNorm) -> tuple[dict[str, Any], tuple[str, ...], tuple[int, ...]]:
    return {"rms_norm": bool(p.UseRmsnorm())}, (), _scalars(p, 5, "q")


def _if(p: fb.IfParam) -> tuple[dict[str, Any], tuple[str, ...], tuple[int, ...]]:
    names = tuple(n for n in (_text(p.ThenGraph()), _text(p.ElseGraph())) if n)
    return {}, names, ()


def _while(p: fb.WhileParam) -> tuple[dict[str, Any], tuple[str, ...], tuple[int, ...]]:
    names = tuple(n for n in (_text(p.CondGraph()), _text(p.BodyGraph())) if n)
    return {}, names, ()


_PARAM_READERS: dict[str, tuple[type, Callable[[Any], tuple[Mapping[str, Any], tuple[str, ...], tuple[int, ...]]]]] = {
    "Pool": (fb.Pool, _pool),
    "Convolution2D": (fb.Convolution2D, _conv2d),
    "Convolution3D": (fb.Convolution3D, _external_only(3)),
    "Scale": (fb.Scale, _external_only(3)),
    "GroupNorm": (fb.GroupNorm, _external_only(6)),
    "LayerNorm": (fb.LayerNorm, _layer_norm),
    "Blob": (fb.Blob, _blob),
    "Input": (fb.Input, _input),
    "Extra": (fb.Extra, _extra),
    "Plugin": (fb.Plugin, _plugin),
    "AttentionParam": (fb.AttentionParam, _attention),
    "IfParam": (fb.IfParam, _if),
    "WhileParam": (fb.WhileParam, _while),
}
