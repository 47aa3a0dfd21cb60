"""Read an `.mnn` file into a `Model`, touching only the graph, never the weights.

The file is read with `os.pread` through `flatcheck.FlatFile`, a small bounded page
cache: only the pages holding the graph are read, so cost follows the op count, not
the file size, and a file that shrinks while it is read is an input error rather than
the SIGBUS a memory map would raise. Every offset is bounds-checked as it is followed;
which fields are read is fixed here (graph structure) and in `params.OP_PARAMS` (op
parameters), and where each field lives comes from flatc's output for `mnn.fbs`.
"""

from __future__ import annotations

import os
import stat
import struct
from collections.abc import Mapping
from functools import cache
from typing import Any

from .errors import InputError
from .flatcheck import CorruptError, FlatFile, Plan, Shrunk, enum_name, plan
from .model import MAIN_GRAPH, Model, Op, Subgraph, Tensor
from .params import OP_PARAMS, F, ParamSpec
from .schemas.mnn_layout import ENUMS
from .sniff import describe_foreign

MIN_FILE_SIZE = 24  # root offset, vtable and a Net with an op list cannot fit in less
MAX_FILE_SIZE = 1 << 40  # a sanity bound, far above any real model


@cache
def enum_names(enum: type) -> dict[int, str]:
    """value → name of a flatc-generated enum class (for tests and the fuzzer)."""
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
            try:
                model = _read_file(path, FlatFile(handle.fileno(), size))
            except InputError:
                _check_unchanged(path, handle.fileno(), before)  # the truer reason, if it applies
                raise
            except Shrunk:
                raise InputError(path, _CHANGED) from None
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


_CHANGED = "changed while it was being read (is it still being written?); lint it again once it is complete"


def _check_unchanged(path: str, fd: int, before: os.stat_result) -> None:
    """InputError if the file's size or mtime moved while it was read: a model still being written."""
    after = os.fstat(fd)
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        raise InputError(path, _CHANGED) from None


def _read_file(path: str, ff: FlatFile) -> Model:
    head = ff.head(64)
    try:
        root = ff.follow(0, "root offset")
        return _read_net(path, ff, root)
    except (CorruptError, struct.error, ValueError) as err:
        foreign = describe_foreign(head, ff.size)
        if foreign:
            raise InputError(path, foreign) from None
        at = getattr(err, "at", None)
        if isinstance(err, CorruptError) and err.what == "no op list":
            raise InputError(path, "a FlatBuffer with no op list: its root is not an MNN Net") from None
        if at is not None and at >= ff.size - 8:
            problem = f"truncated or corrupt: {err} points past the end of the file ({ff.size} bytes)"
            raise InputError(path, problem) from None
        where = f" at byte {at}" if at is not None else ""
        raise InputError(path, f"corrupt or not an MNN model: bad {err}{where}") from None


def _enum(enum: str, value: int) -> str:
    name = ENUMS[enum].get(value)
    return name if name is not None else str(value)


_NET = plan("Net", ("BizCode", "ExtraTensorDescribe", "ExtraInfo", "Oplists", "OutputName", "PreferForwardType",
                    "SourceType", "TensorName", "Usage", "Subgraphs", "MnnUuid"))
_SUBGRAPH = plan("SubGraphProto", ("Name", "Inputs", "Outputs", "Tensors", "Nodes", "ExtraTensorDescribe"))
_OP = plan("Op", ("InputIndexes", "MainType", "Main", "Name", "OutputIndexes", "Type", "ExternalPath"))
_DESCRIBE = plan("TensorDescribe", ("Blob", "Index"))
_BLOB = plan("Blob", ("Dims", "DataFormat", "DataType"))
_EXTRA_INFO = plan("ExtraInfo", ("Version",))


def _read_net(path: str, ff: FlatFile, root: int) -> Model:
    biz, describe, extra, oplists, output_names, prefer, source, tensor_names, usage, subs, uuid = \
        ff.table(root, "Net", _NET)
    if oplists is None or ff.u32(oplists, "Net.oplists") == 0:
        raise CorruptError("no op list", root)
    ops = _read_ops(ff, ff.offsets(oplists, "Net.oplists"), MAIN_GRAPH)
    tensors = _tensors(ff, ff.strings(tensor_names, "Net.tensorName"), describe)
    subgraphs: dict[str, Subgraph] = {}
    for s, at in enumerate(ff.offsets(subs, "Net.subgraphs")):
        name_at, inputs, outputs, names, nodes, sub_describe = ff.table(at, "SubGraphProto", _SUBGRAPH)
        name = ff.string(name_at, "SubGraphProto.name") or f"#{s}"
        if name in subgraphs:
            raise InputError(path, f"two subgraphs are named {name!r}; MNN finds subgraphs by name, so one "
                                   "of them could never run: the file is corrupt or was edited")
        subgraphs[name] = Subgraph(
            name=name,
            ops=_read_ops(ff, ff.offsets(nodes, "SubGraphProto.nodes"), name),
            tensors=_tensors(ff, ff.strings(names, "SubGraphProto.tensors"), sub_describe),
            inputs=ff.scalars(inputs, "i", "SubGraphProto.inputs"),
            outputs=ff.scalars(outputs, "i", "SubGraphProto.outputs"),
        )
    subgraphs = _link_owners(ops, subgraphs)
    needed = max((op.external_end for op in ops), default=0)
    for sub in subgraphs.values():
        needed = max([needed, *(op.external_end for op in sub.ops)])
    version = ""
    if extra is not None:
        version = ff.string(ff.table(extra, "ExtraInfo", _EXTRA_INFO)[0], "ExtraInfo.version")
    return Model(
        path=path,
        file_size=ff.size,
        source=_enum("NetSource", source),
        biz_code=ff.string(biz, "Net.bizCode"),
        uuid=ff.string(uuid, "Net.mnn_uuid"),
        prefer_forward_type=_enum("ForwardType", prefer),
        usage=_enum("Usage", usage),
        converter_version=version,
        ops=ops,
        tensors=tensors,
        output_names=tuple(ff.strings(output_names, "Net.outputName")),
        subgraphs=subgraphs,
        weight_bytes_needed=needed,
    )


def _read_ops(ff: FlatFile, positions: list[int], subgraph: str) -> tuple[Op, ...]:
    op_types = ENUMS["OpType"]
    unions = ENUMS["OpParameter"]
    ops = []
    for i, pos in enumerate(positions):
        inputs, tag, main, name, outputs, type_id, external_path, length = ff.table(pos, "Op", _OP, True)
        param_type = "NONE" if tag == 0 else unions.get(tag, f"#{tag}")
        params: Mapping[str, Any] = {}
        owns: tuple[str, ...] = ()
        external: tuple[int, ...] = ()
        spec = OP_PARAMS.get(param_type)
        if spec is not None and main is not None:
            params, owns, external = _read_params(ff, main, param_type, spec)
        ops.append(Op(
            index=i,
            name=ff.string(name, "Op.name"),
            type_id=type_id,
            type_name=op_types.get(type_id),
            inputs=ff.scalars(inputs, "i", "Op.inputIndexes"),
            outputs=ff.scalars(outputs, "i", "Op.outputIndexes"),
            param_type=param_type,
            subgraph=subgraph,
            byte_offset=pos,
            byte_length=length,
            params=params,
            owns_subgraphs=owns,
            external=external,
            external_path=ff.string(external_path, "Op.externalPath") or None,
        ))
    return tuple(ops)


def _tensors(ff: FlatFile, names: list[str], describe: int | None) -> tuple[Tensor, ...]:
    """Tensors by index, with the format, shape and type extraTensorDescribe records for some."""
    known: dict[int, tuple[str, tuple[int, ...], str]] = {}
    for at in ff.offsets(describe, "extraTensorDescribe"):
        blob, index = ff.table(at, "TensorDescribe", _DESCRIBE)
        if blob is not None and 0 <= index < len(names):
            dims, fmt, dtype = ff.table(blob, "Blob", _BLOB)
            known[index] = (_enum("MNN_DATA_FORMAT", fmt), ff.scalars(dims, "i", "Blob.dims"), _enum("DataType", dtype))
    out = []
    for i, name in enumerate(names):
        found = known.get(i)
        out.append(Tensor(i, name) if found is None else Tensor(i, name, found[0], found[1], found[2]))
    return tuple(out)


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


# -- op parameters: driven by params.OP_PARAMS ----------------------------------------------

_Tree = tuple[Plan, tuple["_Tree | None", ...]]
"""How to read one table: its plan, and for each planned field the sub-tree when it is a table."""


@cache
def _param_reader(param_type: str) -> tuple[_Tree, tuple[tuple[str, Any], ...]]:
    """(read tree, (key, value form) pairs) of one parameter type.

    Compiled once per parameter type from OP_PARAMS: every dotted path becomes a chain
    of table plans, so reading an op is one `FlatFile.table` per table it touches.
    """
    spec: ParamSpec = OP_PARAMS[param_type]
    paths: list[str] = []
    for value in spec.fields.values():
        paths.extend(f.path for f in ((value,) if isinstance(value, F) else value))
    paths.extend([*([spec.external] if spec.external else []), *spec.subgraphs])
    tree = _compile(param_type, paths)
    return tree, tuple(spec.fields.items())


def _compile(table: str, paths: list[str]) -> _Tree:
    heads: dict[str, list[str]] = {}
    for path in paths:
        head, _, rest = path.partition(".")
        heads.setdefault(head, [])
        if rest:
            heads[head].append(rest)
    names = tuple(heads)
    table_plan = plan(table, names)
    subs = tuple(_compile(detail, rest) if kind == "table" and rest else None
                 for (_, kind, _, detail, _), rest in zip(table_plan, heads.values(), strict=True))
    return table_plan, subs


def _read_tree(ff: FlatFile, pos: int, table: str, tree: _Tree, prefix: str, out: dict[str, Any]) -> None:
    table_plan, subs = tree
    values = ff.table(pos, table, table_plan)
    for (name, kind, _, detail, _), value, sub in zip(table_plan, values, subs, strict=True):
        key = prefix + name
        if kind == "scalar":
            out[key] = value
        elif value is None:
            continue
        elif kind == "string":
            out[key] = ff.string(value, key)
        elif kind == "vector":
            out[key] = ff.scalars(value, detail, key)
        elif kind == "table":
            out[key] = True
            if sub is not None:
                _read_tree(ff, value, detail, sub, key + ".", out)


def _form(raw: dict[str, Any], value: F | tuple[F, ...]) -> Any:
    """The value of one OP_PARAMS entry from the raw path → value map; _ABSENT when absent."""
    if not isinstance(value, F):
        parts = tuple(_form(raw, f) for f in value)
        return _ABSENT if _ABSENT in parts else parts
    if value.present:
        return value.path in raw
    if value.path not in raw:
        return _ABSENT
    found = raw[value.path]
    return enum_name(value.enum, found) if value.enum else found


_ABSENT = object()


def _read_params(
    ff: FlatFile, pos: int, param_type: str, spec: ParamSpec
) -> tuple[Mapping[str, Any], tuple[str, ...], tuple[int, ...]]:
    """(parameters rules read, subgraphs the op calls, external-data span) of one op."""
    tree, forms = _param_reader(param_type)
    raw: dict[str, Any] = {}
    _read_tree(ff, pos, param_type, tree, "", raw)
    params = {}
    for key, value in forms:
        found = _form(raw, value)
        if found is not _ABSENT:
            params[key] = found
    external = raw.get(spec.external, ()) if spec.external else ()
    owns = tuple(name for field in spec.subgraphs if (name := raw.get(field)))
    return params, owns, external
