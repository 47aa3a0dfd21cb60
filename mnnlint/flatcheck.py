"""Bounds-checked reads of the FlatBuffer fields mnnlint needs, straight from the file.

Why not the flatc-generated accessors over a memory map:
- A memory map turns a file that shrinks while it is read into SIGBUS, which kills
  the process with no message. Here every byte comes from `os.pread` into a small
  page cache; a short read is `Shrunk`, which the reader reports as one line.
- The generated accessors cost a `Table.Get` per field and trust every offset. Here
  a table's vtable is parsed once per distinct vtable, a table's fields are decoded
  from one slice, and every offset and length is checked against the file size as it
  is followed, so reading *is* verifying; there is no second walk.
- Only the pages holding what is read are loaded, so weights are never read and
  memory stays at the page cache's bound whatever the file size.

The slots, types and defaults come from `schemas/mnn_layout.py`, which
`tools/gen_schema_code.py` derives from flatc's own output for `schemas/mnn.fbs`.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Sequence
from typing import Any

from .schemas.mnn_layout import ENUMS, TABLES

_U32 = struct.Struct("<I")
_I32 = struct.Struct("<i")
_HH = struct.Struct("<HH")

PAGE_SHIFT = 14
PAGE_SIZE = 1 << PAGE_SHIFT  # 16 KiB
MAX_PAGES = 256  # 4 MiB of cache at most
MAX_STRING = 1 << 20  # no name in a real model comes near 1 MiB
MAX_SCALARS = 1 << 20  # index and shape vectors: no op has a million inputs or dimensions
MAX_OFFSETS = 1 << 22  # ops, tensors or subgraphs of one graph: far above any real model
WORK_SLACK = 4096
"""Work units (table visits + vector elements) allowed beyond twice the file size."""


class CorruptError(Exception):
    """An offset or length that points outside the file; `at` is the byte position."""

    def __init__(self, what: str, at: int) -> None:
        super().__init__(what)
        self.what = what
        self.at = at


class Shrunk(Exception):
    """The file returned fewer bytes than its size promised: it shrank while being read."""


# Field reader plan: (accessor, kind, slot, detail, default) for one table type.
Plan = tuple[tuple[str, str, int, Any, Any], ...]
_PLANS: dict[tuple[str, tuple[str, ...]], Plan] = {}


def plan(table: str, accessors: Sequence[str]) -> Plan:
    """The read plan for `accessors` of `table`; KeyError names an accessor the schema lacks."""
    key = (table, tuple(accessors))
    found = _PLANS.get(key)
    if found is None:
        layout = TABLES[table]
        entries = []
        for name in accessors:
            slot, kind, detail, *default = layout[name]
            entries.append((name, kind, slot, detail, default[0] if default else None))
        found = _PLANS[key] = tuple(entries)
    return found


_SIZES = {code: struct.calcsize("<" + code) for code in "?bBhHiIqQfd"}
SLOT_BYTES = max(slot for fields in TABLES.values() for slot, *_ in fields.values()) - 2
"""Vtable bytes (after its two length words) that can hold a slot any schema field uses."""
_SCALAR = {code: struct.Struct("<" + code) for code in _SIZES}


Decoder = tuple[int, tuple[tuple[int, int, Any], ...]]
_DECODERS: dict[tuple[int, bytes, int], Decoder] = {}


MAX_DECODERS = 4096  # a bound for runs over many hostile files, each with vtables of its own


def _compile_decoder(obj_len: int, slots: bytes, table: str, fields: Plan, vt: int) -> Decoder:
    """The decoder of `fields` for one vtable's content; CorruptError (at `vt`) if a slot overruns."""
    if len(_DECODERS) >= MAX_DECODERS:
        _DECODERS.clear()
    n_slots = len(slots) >> 1
    out = []
    for name, kind, slot, detail, default in fields:
        field_id = (slot - 4) >> 1
        o = slots[2 * field_id] | (slots[2 * field_id + 1] << 8) if field_id < n_slots else 0
        if not o:
            out.append((0, 0, default if kind == "scalar" else None))
        elif kind == "scalar":
            if o + _SIZES[detail] > obj_len:
                raise CorruptError(f"{table}.{name}", vt)
            out.append((1, o, _SCALAR[detail].unpack_from))
        else:
            if o + 4 > obj_len:
                raise CorruptError(f"{table}.{name}", vt)
            out.append((2, o, f"{table}.{name}"))
    return obj_len, tuple(out)


class FlatFile:
    """One open model file, read on demand through a bounded page cache.

    Also counts the work the reader does: every table visited and every vector
    element read. A file the converter wrote shares no tables or vectors, so its work
    stays below its size; a file whose offsets point many ops at one long vector (a
    few KB that would read as billions of elements) exceeds `2 * size + WORK_SLACK`
    and is rejected as corrupt.
    """

    def __init__(self, fd: int, size: int) -> None:
        self.fd = fd
        self.size = size
        self.pages: dict[int, bytes] = {}
        self.work = 0
        self.budget = 2 * size + WORK_SLACK
        self._vtables: dict[int, tuple[int, bytes]] = {}
        self._decoders: dict[tuple[int, int], tuple[int, tuple[tuple[int, int, Any], ...]]] = {}

    # -- bytes ------------------------------------------------------------------------

    def read(self, pos: int, n: int, what: str) -> tuple[bytes, int]:
        """(buffer, offset) with the file's bytes pos..pos+n at buffer[offset:offset+n]."""
        if pos < 0 or n < 0 or pos + n > self.size:
            raise CorruptError(what, pos)
        index = pos >> PAGE_SHIFT
        off = pos - (index << PAGE_SHIFT)
        if off + n <= PAGE_SIZE:
            page = self.pages.get(index)
            if page is None:
                page = self._load(index)
            return page, off
        data = os.pread(self.fd, n, pos)
        if len(data) != n:
            raise Shrunk
        return data, 0

    def _load(self, index: int) -> bytes:
        start = index << PAGE_SHIFT
        page = os.pread(self.fd, PAGE_SIZE, start)
        if len(page) < min(PAGE_SIZE, self.size - start):
            raise Shrunk
        if len(self.pages) >= MAX_PAGES:
            del self.pages[next(iter(self.pages))]
        self.pages[index] = page
        return page

    def head(self, n: int) -> bytes:
        buf, off = self.read(0, min(n, self.size), "file head")
        return bytes(buf[off:off + min(n, self.size)])

    def _charge(self, units: int, at: int) -> None:
        self.work += units
        if self.work > self.budget:
            raise CorruptError("offsets sharing one structure over and over (reading it would take "
                               "far more work than the file's size allows)", at)

    def u32(self, pos: int, what: str) -> int:
        buf, off = self.read(pos, 4, what)
        return _U32.unpack_from(buf, off)[0]

    def follow(self, pos: int, what: str) -> int:
        """The position an unsigned offset stored at `pos` points to."""
        target = pos + self.u32(pos, what)
        if target >= self.size:
            raise CorruptError(what, target)
        return target

    # -- tables -----------------------------------------------------------------------

    def vtable(self, pos: int, what: str) -> tuple[int, bytes]:
        """(inline object length, raw vtable slot bytes) of the table at `pos`, checked."""
        buf, off = self.read(pos, 4, f"{what} table")
        found = self._vtable_at(pos - _I32.unpack_from(buf, off)[0], what)
        if pos + found[0] > self.size:
            raise CorruptError(f"{what} table", pos)
        return found

    def _decoder(self, vt: int, table: str, fields: Plan) -> Decoder:
        """(object length, per field (how, offset, struct or default)) for tables sharing vtable `vt`.

        `how` 0: absent (the value is the default, or None); 1: scalar at offset;
        2: offset to follow. Bounds that depend only on the vtable are checked here,
        once per distinct vtable content (shared across files: a folder of models
        written by one converter has few distinct vtables), not once per table.
        """
        obj_len, slots = self._vtable_at(vt, table)
        key = (obj_len, slots, id(fields))
        found = _DECODERS.get(key)
        if found is None:
            found = _DECODERS[key] = _compile_decoder(obj_len, slots, table, fields, vt)
        return found

    def _vtable_at(self, vt: int, what: str) -> tuple[int, bytes]:
        found = self._vtables.get(vt)
        if found is None:
            buf, off = self.read(vt, 4, f"{what} vtable")
            vt_len, obj_len = _HH.unpack_from(buf, off)
            if vt_len < 4 or vt_len % 2 or obj_len < 4:
                raise CorruptError(f"{what} vtable", vt)
            if vt + vt_len > self.size:
                raise CorruptError(f"{what} vtable", vt)
            # Only the slots of fields the schema declares are ever looked at: a hostile
            # 64 KB vtable per table must not cost 64 KB of copying and memory per table.
            keep = min(vt_len - 4, SLOT_BYTES)
            buf, off = self.read(vt + 4, keep, f"{what} vtable")
            found = self._vtables[vt] = (obj_len, bytes(buf[off:off + keep]))
        return found

    def table(self, pos: int, table: str, fields: Plan, with_length: bool = False) -> list[Any]:
        """Values of `fields` of the `table` at `pos`, in order (then its inline length, if asked).

        Scalars come decoded (their default when absent); strings, vectors and
        sub-tables come as the absolute position they point to, or None when absent.
        """
        self.work += 1
        if pos < 0 or pos + 4 > self.size:
            raise CorruptError(f"{table} table", pos)
        index = pos >> PAGE_SHIFT
        page = self.pages.get(index)
        if page is None:
            page = self._load(index)
        base = pos - (index << PAGE_SHIFT)
        if base + 4 <= len(page):
            vt = pos - _I32.unpack_from(page, base)[0]
        else:
            buf, off = self.read(pos, 4, f"{table} table")
            vt = pos - _I32.unpack_from(buf, off)[0]
        key = (vt, id(fields))
        decoder = self._decoders.get(key)
        if decoder is None:
            decoder = self._decoders[key] = self._decoder(vt, table, fields)
        obj_len, how = decoder
        if pos + obj_len > self.size:
            raise CorruptError(f"{table} table", pos)
        if base + obj_len <= len(page):
            buf = page
        else:
            buf, base = self.read(pos, obj_len, table)
        size = self.size
        out: list[Any] = []
        for kind, o, x in how:
            if kind == 0:
                out.append(x)
            elif kind == 1:
                out.append(x(buf, base + o)[0])
            else:
                target = pos + o + _U32.unpack_from(buf, base + o)[0]
                if target >= size:
                    raise CorruptError(x, target)
                out.append(target)
        if with_length:
            out.append(obj_len)
        return out

    def length(self, pos: int) -> int:
        """Inline size of a table already read."""
        return self.vtable(pos, "table")[0]

    # -- vectors and strings ----------------------------------------------------------

    def _span(self, pos: int, element_size: int, what: str) -> tuple[bytes, int, int]:
        """(buffer, offset of the length word, element count) of the vector at `pos`, checked."""
        buf, off = self.read(pos, 4, what)
        count = _U32.unpack_from(buf, off)[0]
        if count * element_size > self.size - pos - 4:
            raise CorruptError(f"{what} claims {count} elements past the end of the file", pos)
        self.work += count
        if self.work > self.budget:
            self._charge(0, pos)
        return buf, off, count

    def _body(self, buf: bytes, off: int, pos: int, n: int, what: str) -> tuple[bytes, int]:
        """The n bytes after the length word at `pos`: from the same page when they fit."""
        if off + 4 + n <= len(buf):
            return buf, off + 4
        return self.read(pos + 4, n, what)

    def string(self, pos: int | None, what: str) -> str:
        if pos is None:
            return ""
        buf, off, n = self._span(pos, 1, what)
        if n > MAX_STRING:
            raise CorruptError(f"{what} of {n} bytes", pos)
        buf, off = self._body(buf, off, pos, n, what)
        return buf[off:off + n].decode("utf-8", errors="replace")

    def scalars(self, pos: int | None, code: str, what: str) -> tuple[Any, ...]:
        if pos is None:
            return ()
        size = _SIZES[code]
        buf, off, n = self._span(pos, size, what)
        if n > MAX_SCALARS:
            raise CorruptError(f"{what} of {n} elements", pos)
        buf, off = self._body(buf, off, pos, n * size, what)
        return struct.unpack_from(f"<{n}{code}", buf, off)

    def offsets(self, pos: int | None, what: str) -> list[int]:
        """Positions the elements of a vector of tables or strings point to."""
        if pos is None:
            return []
        buf, off, n = self._span(pos, 4, what)
        if n > MAX_OFFSETS:
            raise CorruptError(f"{what} of {n} elements", pos)
        buf, off = self._body(buf, off, pos, 4 * n, what)
        start = pos + 4
        return [start + 4 * i + v for i, v in enumerate(struct.unpack_from(f"<{n}I", buf, off))]

    def strings(self, pos: int | None, what: str) -> list[str]:
        return [self.string(at, what) for at in self.offsets(pos, what)]


def enum_name(enum: str, value: int) -> str:
    """MNN's name for `value` of `enum`, or `#<value>` when the schema does not know it."""
    name = ENUMS[enum].get(value)
    return name if name is not None else f"#{value}"
