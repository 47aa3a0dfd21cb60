"""Bounds checks for the parts of an MNN FlatBuffer that mnnlint reads.

The Python flatbuffers runtime trusts every offset it follows. On a corrupt or
truncated file that means an IndexError or struct.error at best, and at worst a
loop over a "vector" of two billion elements or a string slice as large as the
file, once per op. Before the reader touches a table through the flatc-generated
accessors, `Verifier.table` walks the same fields with every offset and length
checked against the buffer, so the accessors only ever see sound data.

What is checked is declared in `SPEC`, per table and field id, mirroring the fields
`schemas/mnn.fbs` spells out; tables not listed are checked as tables only.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping

_U32 = struct.Struct("<I")
_I32 = struct.Struct("<i")
_U16 = struct.Struct("<H")

# Field kinds: ("table", name) | ("tables", name) | "string" | "strings"
#              | ("scalars", element size) | ("union", tag field id)
FieldKind = tuple[str, str | int] | str
SPEC: Mapping[str, Mapping[int, tuple[str, FieldKind]]] = {
    "Net": {
        0: ("bizCode", "string"),
        1: ("extraTensorDescribe", ("tables", "TensorDescribe")),
        2: ("extraInfo", ("table", "ExtraInfo")),
        3: ("oplists", ("tables", "Op")),
        4: ("outputName", "strings"),
        7: ("tensorName", "strings"),
        10: ("subgraphs", ("tables", "SubGraphProto")),
        11: ("mnn_uuid", "string"),
    },
    "Op": {
        0: ("inputIndexes", ("scalars", 4)),
        2: ("main", ("union", 1)),
        3: ("name", "string"),
        4: ("outputIndexes", ("scalars", 4)),
        7: ("externalPath", "string"),
    },
    "SubGraphProto": {
        0: ("name", "string"),
        1: ("inputs", ("scalars", 4)),
        2: ("outputs", ("scalars", 4)),
        3: ("tensors", "strings"),
        4: ("nodes", ("tables", "Op")),
        5: ("extraTensorDescribe", ("tables", "TensorDescribe")),
    },
    "TensorDescribe": {0: ("blob", ("table", "Blob")), 2: ("name", "string")},
    "ExtraInfo": {1: ("name", "string"), 2: ("version", "string")},
    "Blob": {0: ("dims", ("scalars", 4)), 9: ("external", ("scalars", 8))},
    "Input": {0: ("dims", ("scalars", 4))},
    "Convolution2D": {
        0: ("common", ("table", "Convolution2DCommon")),
        3: ("quanParameter", ("table", "IDSTQuan")),
        6: ("external", ("scalars", 8)),
    },
    "Convolution3D": {3: ("external", ("scalars", 8))},
    "Pool": {11: ("pads", ("scalars", 4))},
    "Scale": {3: ("external", ("scalars", 8))},
    "LayerNorm": {0: ("axis", ("scalars", 4)), 5: ("external", ("scalars", 8))},
    "GroupNorm": {6: ("external", ("scalars", 8))},
    "Extra": {0: ("type", "string"), 1: ("engine", "string"), 3: ("attr", ("tables", "Attribute"))},
    "Plugin": {0: ("type", "string"), 1: ("attr", ("tables", "Attribute"))},
    "Attribute": {0: ("s", "string"), 3: ("key", "string")},
    "AttentionParam": {1: ("kv_shared_layer", "string")},
    "WhileParam": {0: ("cond_graph", "string"), 1: ("body_graph", "string")},
    "IfParam": {0: ("then_graph", "string"), 1: ("else_graph", "string")},
}


class CorruptError(Exception):
    """An offset or length that points outside the buffer; `at` is the byte position."""

    def __init__(self, what: str, at: int) -> None:
        super().__init__(what)
        self.what = what
        self.at = at


WORK_SLACK = 4096
"""Work units (table visits + vector elements) allowed beyond twice the file size."""


class Verifier:
    """Checks tables of one buffer; each (position, table type) is walked once.

    It also counts the work the reader will do: every reference to a table costs that
    table's whole subtree again, because the reader follows each reference. A file the
    converter wrote shares no tables or vectors, so its work is below its size; a file
    whose offsets point many ops at one long vector (a few KB that would read as
    billions of elements) exceeds `2 * size + WORK_SLACK` and is rejected as corrupt.
    """

    def __init__(self, buf: bytes | memoryview, union_names: Mapping[int, str]) -> None:
        self.buf = buf
        self.size = len(buf)
        self.union_names = union_names
        self._cost: dict[tuple[int, str], int] = {}
        self.work = 0
        self.budget = 2 * self.size + WORK_SLACK

    def _charge(self, units: int, at: int) -> None:
        self.work += units
        if self.work > self.budget:
            raise CorruptError("offsets sharing one structure over and over (reading it would take "
                               "far more work than the file's size allows)", at)

    # -- primitives -------------------------------------------------------------

    def _u32(self, pos: int, what: str) -> int:
        if pos < 0 or pos + 4 > self.size:
            raise CorruptError(what, pos)
        return _U32.unpack_from(self.buf, pos)[0]

    def _follow(self, pos: int, what: str) -> int:
        """The position an unsigned offset stored at `pos` points to."""
        target = pos + self._u32(pos, what)
        if target >= self.size:
            raise CorruptError(what, target)
        return target

    def _span(self, pos: int, element_size: int, what: str) -> tuple[int, int]:
        """(start, count) of the vector or string whose length word is at `pos`."""
        count = self._u32(pos, what)
        start = pos + 4
        if count * element_size > self.size - start:
            raise CorruptError(f"{what} claims {count} elements past the end of the file", pos)
        self._charge(count, pos)
        return start, count

    def field_positions(self, pos: int, what: str) -> dict[int, int]:
        """Validate the table at `pos`; return {field id: absolute position} of present fields."""
        if pos < 0 or pos + 4 > self.size:
            raise CorruptError(f"{what} table", pos)
        vtable = pos - _I32.unpack_from(self.buf, pos)[0]
        if vtable < 0 or vtable + 4 > self.size:
            raise CorruptError(f"{what} vtable", vtable)
        vt_len, obj_len = _U16.unpack_from(self.buf, vtable)[0], _U16.unpack_from(self.buf, vtable + 2)[0]
        if vt_len < 4 or vt_len % 2 or vtable + vt_len > self.size or obj_len < 4 or pos + obj_len > self.size:
            raise CorruptError(f"{what} vtable", vtable)
        fields = {}
        for field_id in range((vt_len - 4) // 2):
            offset = _U16.unpack_from(self.buf, vtable + 4 + 2 * field_id)[0]
            if offset:
                if offset >= obj_len:
                    raise CorruptError(f"{what} field {field_id}", vtable)
                fields[field_id] = pos + offset
        return fields

    def object_length(self, pos: int) -> int:
        """Inline size of an already verified table (from its vtable)."""
        vtable = pos - _I32.unpack_from(self.buf, pos)[0]
        return _U16.unpack_from(self.buf, vtable + 2)[0]

    # -- schema walk ----------------------------------------------------------------

    def table(self, pos: int, name: str) -> None:
        """Verify the table `name` at `pos` and every field of it that SPEC names.

        Keyed by type as well as position: a union whose tag names another table type
        than the one first seen at `pos` must be checked against that type's fields.
        """
        key = (pos, name)
        cost = self._cost.get(key)
        if cost is not None:
            self._charge(cost, pos)
            return
        fields = self.field_positions(pos, name)
        self._cost[key] = 1  # provisional, in case a future SPEC lets a table reach itself
        before = self.work
        self._charge(1, pos)
        for field_id, (field_name, kind) in SPEC.get(name, {}).items():
            at = fields.get(field_id)
            if at is None:
                continue
            what = f"{name}.{field_name}"
            if kind == "string":
                self._span(self._follow(at, what), 1, what)
            elif kind == "strings":
                start, count = self._span(self._follow(at, what), 4, what)
                for i in range(count):
                    self._span(self._follow(start + 4 * i, what), 1, what)
            elif kind[0] == "scalars":
                self._span(self._follow(at, what), int(kind[1]), what)
            elif kind[0] == "table":
                self.table(self._follow(at, what), str(kind[1]))
            elif kind[0] == "tables":
                start, count = self._span(self._follow(at, what), 4, what)
                for i in range(count):
                    self.table(self._follow(start + 4 * i, what), str(kind[1]))
            elif kind[0] == "union":
                tag_at = fields.get(int(kind[1]))
                tag = self.buf[tag_at] if tag_at is not None else 0
                self.table(self._follow(at, what), self.union_names.get(tag, ""))
        self._cost[key] = self.work - before

    def root(self, name: str) -> int:
        """Position of the root table, verified as `name`."""
        pos = self._follow(0, "root offset")
        self.table(pos, name)
        return pos
