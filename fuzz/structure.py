"""Where the structural parts of a sound `.mnn` buffer sit, so mutations can aim at them.

Written apart from `mnnlint.flatcheck` on purpose: the fuzzer must not inherit the
reader's blind spots. Only the schema knowledge (which field of which table is a
string, a vector or a table, from the generated `mnn_layout`) is shared; the walk is
its own, covers every such field the schema declares (not only those the reader
reads), and assumes a converter-made file, so it runs on the fixtures only, never on
mutants. Labels are `Table.Accessor` with flatc's accessor names (`Net.Oplists`).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from mnnlint.schemas.mnn_layout import ENUMS, TABLES

_U32 = struct.Struct("<I")
_I32 = struct.Struct("<i")
_U16 = struct.Struct("<H")


def _spec() -> dict[str, dict[int, tuple[str, object]]]:
    """table → field id → (accessor, kind) for every non-scalar field of the schema."""
    out: dict[str, dict[int, tuple[str, object]]] = {}
    for table, fields in TABLES.items():
        entries: dict[int, tuple[str, object]] = {}
        for accessor, (slot, kind, detail, *_) in fields.items():
            field_id = (slot - 4) // 2
            if kind in ("string", "strings"):
                entries[field_id] = (accessor, kind)
            elif kind == "vector":
                entries[field_id] = (accessor, ("scalars", struct.calcsize("<" + detail)))
            elif kind in ("table", "tables"):
                entries[field_id] = (accessor, (kind, detail))
            elif kind == "union":
                entries[field_id] = (accessor, ("union", (fields[detail][0] - 4) // 2))
        out[table] = entries
    return out


SPEC = _spec()


@dataclass(frozen=True, slots=True)
class Ref:
    """A uoffset stored at `at` that points to `target`, a `kind` ('table'|'vector'|'string')."""

    at: int
    target: int
    kind: str
    name: str  # table name, or Table.field for vectors and strings


@dataclass(slots=True)
class Layout:
    size: int
    tables: list[tuple[int, int, str]] = field(default_factory=list)  # (pos, vtable, name)
    refs: list[Ref] = field(default_factory=list)
    lengths: list[tuple[int, int, int]] = field(default_factory=list)  # (length word at, count, element size)
    union_tags: list[tuple[int, int]] = field(default_factory=list)  # (tag byte at, tag)
    strings: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # Table.field -> [(start, count)]

    def boundaries(self) -> list[int]:
        """Every byte position where one structure starts: truncation points."""
        points = {0, 4}
        for pos, vtable, _ in self.tables:
            points.update((pos, vtable))
        for ref in self.refs:
            points.update((ref.at, ref.target))
        for at, count, size in self.lengths:
            points.update((at, at + 4, at + 4 + count * size))
        return sorted(p for p in points if 0 <= p <= self.size)

    def refs_to(self, kind: str, name: str | None = None) -> list[Ref]:
        return [r for r in self.refs if r.kind == kind and (name is None or r.name == name)]


def walk(buf: bytes) -> Layout:
    """The layout of a sound buffer (raises on anything unexpected: fixtures only)."""
    layout = Layout(len(buf))
    unions = ENUMS["OpParameter"]
    seen: set[int] = set()

    def follow(at: int) -> int:
        return at + _U32.unpack_from(buf, at)[0]

    def vector(at: int, name: str, element: int) -> tuple[int, int]:
        start = follow(at)
        layout.refs.append(Ref(at, start, "vector" if element != 1 else "string", name))
        count = _U32.unpack_from(buf, start)[0]
        layout.lengths.append((start, count, element))
        return start + 4, count

    def table(at: int, pos: int, name: str) -> None:
        if at >= 0:
            layout.refs.append(Ref(at, pos, "table", name))
        if pos in seen:
            return
        seen.add(pos)
        vtable = pos - _I32.unpack_from(buf, pos)[0]
        layout.tables.append((pos, vtable, name))
        vt_len = _U16.unpack_from(buf, vtable)[0]
        fields = {}
        for fid in range((vt_len - 4) // 2):
            off = _U16.unpack_from(buf, vtable + 4 + 2 * fid)[0]
            if off:
                fields[fid] = pos + off
        for fid, (fname, kind) in SPEC.get(name, {}).items():
            at_field = fields.get(fid)
            if at_field is None:
                continue
            label = f"{name}.{fname}"
            if kind == "string":
                start, count = vector(at_field, label, 1)
                layout.strings.setdefault(label, []).append((start, count))
            elif kind == "strings":
                start, count = vector(at_field, label, 4)
                for i in range(count):
                    s, c = vector(start + 4 * i, label, 1)
                    layout.strings.setdefault(label, []).append((s, c))
            elif kind[0] == "scalars":
                vector(at_field, label, int(kind[1]))
            elif kind[0] == "table":
                table(at_field, follow(at_field), str(kind[1]))
            elif kind[0] == "tables":
                start, count = vector(at_field, label, 4)
                for i in range(count):
                    table(start + 4 * i, follow(start + 4 * i), str(kind[1]))
            elif kind[0] == "union":
                tag_at = fields.get(int(kind[1]))
                tag = buf[tag_at] if tag_at is not None else 0
                if tag_at is not None:
                    layout.union_tags.append((tag_at, tag))
                table(at_field, follow(at_field), unions.get(tag, ""))

    table(-1, follow(0), "Net")
    layout.refs.append(Ref(0, follow(0), "table", "Net"))
    return layout
