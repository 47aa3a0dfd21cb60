"""What mnnlint knows about a model: plain, immutable data read once from the file.

Rules read this (and the graph built from it); they never touch the FlatBuffer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

MAIN_GRAPH = ""
"""`Op.subgraph` of ops in the main graph (subgraphs have non-empty names)."""


class Tensor(NamedTuple):
    """A tensor by index; format, shape and type only where the file records them.

    `dims` and `data_type` come from the file's extraTensorDescribe blobs (shapes the
    converter fixed); None when the file says nothing. A -1 in `dims` is a dynamic axis.
    """

    index: int
    name: str
    data_format: str | None = None
    dims: tuple[int, ...] | None = None
    data_type: str | None = None


class Op(NamedTuple):
    """One op, where it sits in the file, and the few parameters rules read.

    A NamedTuple rather than a frozen dataclass: just as immutable and typed, and about
    ten times cheaper to build (a frozen dataclass sets each field through
    `object.__setattr__`), which a model of thousands of ops pays on every check.
    """

    index: int
    name: str
    type_id: int
    type_name: str | None  # None: an id our schema does not know (a newer converter)
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    param_type: str  # OpParameter member name, "NONE", or "#<tag>" when unknown
    subgraph: str = MAIN_GRAPH
    byte_offset: int = 0
    byte_length: int = 0
    params: Mapping[str, Any] = MappingProxyType({})  # keys and meaning: params.OP_PARAMS
    owns_subgraphs: tuple[str, ...] = ()
    external: tuple[int, ...] = ()  # [offset, sizes...] in the external weight file
    external_path: str | None = None

    @property
    def type_label(self) -> str:
        """MNN's name for the type, or `#<id>` when the id is unknown."""
        return self.type_name if self.type_name is not None else f"#{self.type_id}"

    @property
    def external_end(self) -> int:
        """Bytes of the external weight file this op needs (0 when it needs none)."""
        return self.external[0] + sum(self.external[1:]) if self.external else 0


class Subgraph(NamedTuple):
    """A graph an op runs (If, While, ...): ops and tensors indexed on their own, apart from the main graph."""

    name: str
    ops: tuple[Op, ...]
    tensors: tuple[Tensor, ...]
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    owners: tuple[tuple[str, int], ...] = ()  # (subgraph, op index) of ops that call it


class LLMConfig(NamedTuple):
    """The runtime settings of an LLM export folder (MNN's llm config files)."""

    path: str
    backend_type: str | None
    precision: str | None
    memory: str | None
    values: Mapping[str, Any]


class Model(NamedTuple):
    """One model file as rules see it, read once; weights are never part of it."""

    path: str
    file_size: int
    source: str  # the framework the converter read: ONNX, TENSORFLOW, ...
    biz_code: str
    uuid: str
    prefer_forward_type: str
    usage: str
    converter_version: str  # ExtraInfo.version: the MNN release of the converter, when recorded
    ops: tuple[Op, ...]
    tensors: tuple[Tensor, ...]
    output_names: tuple[str, ...]
    subgraphs: Mapping[str, Subgraph]
    weight_file: str | None = None  # external weight file, when any op uses one
    weight_bytes_needed: int = 0
    weight_file_size: int | None = None  # its size; None when it is missing or not examinable
    weight_file_problem: str | None = None  # why not: "is missing", ... (None when it was examined)
    llm: LLMConfig | None = None

    def all_ops(self) -> Iterator[Op]:
        """Ops of the main graph, then of each subgraph in file order."""
        yield from self.ops
        for sub in self.subgraphs.values():
            yield from sub.ops

    def op_count(self) -> int:
        return len(self.ops) + sum(len(s.ops) for s in self.subgraphs.values())

    def type_histogram(self) -> Counter[str]:
        return Counter(op.type_label for op in self.all_ops())

    def tensor_name(self, subgraph: str, index: int) -> str:
        tensors = self.tensors if subgraph == MAIN_GRAPH else self.subgraphs[subgraph].tensors
        return tensors[index].name if 0 <= index < len(tensors) else f"#{index}"
