"""Mutations of real `.mnn` files, each aimed at one way a reader can go wrong.

Every mutator takes a seeded `random.Random`, the sound bytes and their `Layout`, and
returns new bytes; `mutant(seed, corpus)` picks the base file and the mutator from the
seed alone, so any file the fuzzer ever made can be rebuilt from its seed.
"""

from __future__ import annotations

import random
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mnnlint.schemas.mnn_layout import ENUMS, TABLES

from .structure import Layout, walk

_U32 = struct.Struct("<I")
_I32 = struct.Struct("<i")
_U16 = struct.Struct("<H")

INTERESTING_U32 = (0, 1, 3, 4, 0x7F, 0x80, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFFFC,
                   0x3FFFFFFF, 0x40000000, 0x7FFFFFFE)
UNION_TAGS = sorted(ENUMS["OpParameter"])


@dataclass(frozen=True, slots=True)
class Base:
    """A sound fixture and where its structures are."""

    name: str
    data: bytes
    layout: Layout

    @classmethod
    def of(cls, name: str, data: bytes) -> Base:
        return cls(name, data, walk(data))


Mutator = Callable[[random.Random, bytes, Layout, Sequence[Base]], bytes]


def _put(data: bytearray, at: int, packer: struct.Struct, value: int) -> None:
    if at >= 0 and at + packer.size <= len(data):
        packer.pack_into(data, at, value)


def bit_flips(rng: random.Random, data: bytes, layout: Layout, _: Sequence[Base]) -> bytes:
    out = bytearray(data)
    for _ in range(rng.choice((1, 1, 2, 4, 8, 32))):
        i = rng.randrange(len(out))
        out[i] ^= 1 << rng.randrange(8)
    return bytes(out)


def byte_sets(rng: random.Random, data: bytes, layout: Layout, _: Sequence[Base]) -> bytes:
    out = bytearray(data)
    for _ in range(rng.choice((1, 2, 8))):
        out[rng.randrange(len(out))] = rng.choice((0, 0xFF, 0x7F, 0x80, 1, rng.randrange(256)))
    return bytes(out)


def truncate_anywhere(rng: random.Random, data: bytes, layout: Layout, _: Sequence[Base]) -> bytes:
    return data[: rng.randrange(len(data))]


def truncate_at_boundary(rng: random.Random, data: bytes, layout: Layout, _: Sequence[Base]) -> bytes:
    cut = rng.choice(layout.boundaries()) + rng.choice((-1, 0, 0, 1, 2, 3, 4))
    return data[: max(0, min(cut, len(data) - 1))]


def offset_out_of_bounds(rng: random.Random, data: bytes, layout: Layout, _: Sequence[Base]) -> bytes:
    out = bytearray(data)
    ref = rng.choice(layout.refs)
    value = rng.choice((len(data) - ref.at, len(data) - ref.at - 1, len(data) - ref.at + 4, *INTERESTING_U32))
    _put(out, ref.at, _U32, value & 0xFFFFFFFF)
    return bytes(out)


def offset_to_itself(rng: random.Random, data: bytes, layout: Layout, _: Sequence[Base]) -> bytes:
    out = bytearray(data)
    _put(out, rng.choice(layout.refs).at, _U32, 0)
    return bytes(out)


def offset_backwards(rng: random.Random, data: bytes, layout: Layout, _: Sequence[Base]) -> bytes:
    """A uoffset that would wrap to an earlier position in 32-bit arithmetic."""
    out = bytearray(data)
    ref = rng.choice(layout.refs)
    back = rng.choice((4, 8, ref.at, rng.randrange(1, ref.at + 2)))
    _put(out, ref.at, _U32, (-back) & 0xFFFFFFFF)
    return bytes(out)


def offset_redirect(rng: random.Random, data: bytes, layout: Layout, _: Sequence[Base]) -> bytes:
    """Point a reference at another structure, usually of another kind (table as string...)."""
    out = bytearray(data)
    ref = rng.choice(layout.refs)
    other = rng.choice(layout.refs)
    if other.target > ref.at:
        _put(out, ref.at, _U32, other.target - ref.at)
    return bytes(out)


def length_huge(rng: random.Random, data: bytes, layout: Layout, _: Sequence[Base]) -> bytes:
    out = bytearray(data)
    at, count, size = rng.choice(layout.lengths)
    room = (len(data) - at - 4) // max(size, 1)
    value = rng.choice((0x7FFFFFFF, 0x80000000, 0x7FFFFFFF // max(size, 1), 0xFFFFFFFF, 1 << 30,
                        count + 1, count + rng.randrange(1, 64), room, room + 1))
    _put(out, at, _U32, value & 0xFFFFFFFF)
    return bytes(out)


def union_mismatch(rng: random.Random, data: bytes, layout: Layout, _: Sequence[Base]) -> bytes:
    out = bytearray(data)
    if not layout.union_tags:
        return bit_flips(rng, data, layout, _)
    at, _tag = rng.choice(layout.union_tags)
    out[at] = rng.choice((*UNION_TAGS, 0, 0xFF, max(UNION_TAGS) + 1))
    return bytes(out)


def vtable_corrupt(rng: random.Random, data: bytes, layout: Layout, _: Sequence[Base]) -> bytes:
    out = bytearray(data)
    pos, vtable, _name = rng.choice(layout.tables)
    choice = rng.randrange(4)
    if choice == 0:  # vtable length
        _put(out, vtable, _U16, rng.choice((0, 1, 2, 3, 5, 0xFFFE, 0xFFFF, rng.randrange(0x10000))))
    elif choice == 1:  # inline object length
        _put(out, vtable + 2, _U16, rng.choice((0, 1, 3, 0xFFFF, rng.randrange(0x10000))))
    elif choice == 2:  # one field offset
        vt_len = _U16.unpack_from(data, vtable)[0]
        if vt_len > 4:
            slot = vtable + 4 + 2 * rng.randrange((vt_len - 4) // 2)
            _put(out, slot, _U16, rng.choice((1, 2, 3, 0xFFFF, rng.randrange(0x10000))))
    else:  # the table's signed offset to its vtable
        _put(out, pos, _I32, rng.choice((0, 1, 2, -2, pos + 1, -len(data), 0x7FFFFFFF, -0x80000000,
                                         rng.randrange(-len(data), len(data)))))
    return bytes(out)


def subgraph_alias(rng: random.Random, data: bytes, layout: Layout, _: Sequence[Base]) -> bytes:
    """Make subgraphs contain the control-flow ops that call them: cyclic subgraph calls."""
    out = bytearray(data)
    main = layout.refs_to("vector", "Net.Oplists")
    nodes = layout.refs_to("vector", "SubGraphProto.Nodes")
    if not main or not nodes:
        return offset_redirect(rng, data, layout, _)
    for ref in rng.sample(nodes, rng.randint(1, len(nodes))):
        if main[0].target > ref.at:
            _put(out, ref.at, _U32, main[0].target - ref.at)
    return bytes(out)


def subgraph_rename(rng: random.Random, data: bytes, layout: Layout, _: Sequence[Base]) -> bytes:
    """Rename a subgraph (same length) to another name a control-flow op uses, or garble it."""
    out = bytearray(data)
    names = layout.strings.get("SubGraphProto.Name", [])
    calls = [s for key in ("IfParam.ThenGraph", "IfParam.ElseGraph", "WhileParam.BodyGraph",
                           "WhileParam.CondGraph") for s in layout.strings.get(key, [])]
    if not names:
        return byte_sets(rng, data, layout, _)
    start, count = rng.choice(names)
    donors = [data[s:s + c] for s, c in [*names, *calls] if c == count and s != start]
    garbled = bytes(rng.choice(b"\x00\xff/a") for _ in range(count))
    new = rng.choice(donors) if donors and rng.random() < 0.7 else garbled
    out[start:start + count] = new
    return bytes(out)


HOSTILE_NAMES = (b"\n::error::x", b"::add-mask::", b"  ::stop-commands::", b"##[error]", b"\x1b[31m", b"\x9b2J",
                 b"[/x]", b"\xff\xfe", b"\r\n::warning::", b"\xe2\x80\xae", b"\xe2\x80\xa8")


def hostile_name(rng: random.Random, data: bytes, layout: Layout, _: Sequence[Base]) -> bytes:
    """Overwrite a name the reports print (op, tensor, subgraph, bizCode; same length) with
    workflow commands, escape sequences, markup or bytes that are not UTF-8."""
    out = bytearray(data)
    names = [s for key in ("Op.Name", "SubGraphProto.Name", "Net.TensorName", "Net.BizCode")
             for s in layout.strings.get(key, []) if s[1] > 0]
    if not names:
        return byte_sets(rng, data, layout, _)
    for start, count in rng.sample(names, min(len(names), rng.randint(1, 4))):
        payload = rng.choice(HOSTILE_NAMES)
        out[start:start + count] = (payload * (count // len(payload) + 1))[:count]
    return bytes(out)


def alias_bomb(rng: random.Random, data: bytes, layout: Layout, _: Sequence[Base]) -> bytes:
    """Point every op at one op and every int vector at the longest one: cheap file, costly read."""
    out = bytearray(data)
    ops = layout.refs_to("table", "Op")
    if ops:
        target = rng.choice(ops).target
        for ref in ops:
            if target > ref.at:
                _put(out, ref.at, _U32, target - ref.at)
    vectors = [r for r in layout.refs if r.kind == "vector" and r.name.endswith(("Indexes", "dims", "tensorName"))]
    if vectors:
        longest = max(vectors, key=lambda r: _U32.unpack_from(data, r.target)[0])
        for ref in vectors:
            if longest.target > ref.at and ref.name.split(".")[-1] == longest.name.split(".")[-1]:
                _put(out, ref.at, _U32, longest.target - ref.at)
    return bytes(out)


def appended_vector_bomb(rng: random.Random, data: bytes, layout: Layout, _: Sequence[Base]) -> bytes:
    """Append one long int vector and point every op's inputs at it: N ops x M ints from N + M words."""
    count = rng.choice((1 << 14, 1 << 16, 1 << 18))
    pad = (-len(data)) % 4
    out = bytearray(data) + bytes(pad) + _U32.pack(count) + bytes(4 * count)
    start = len(data) + pad
    for ref in layout.refs_to("vector", rng.choice(("Op.InputIndexes", "Op.OutputIndexes"))):
        _put(out, ref.at, _U32, start - ref.at)
    return bytes(out)


def splice(rng: random.Random, data: bytes, layout: Layout, bases: Sequence[Base]) -> bytes:
    donor = rng.choice(bases).data
    n = rng.randrange(1, min(len(donor), 256) + 1)
    src, dst = rng.randrange(len(donor) - n + 1), rng.randrange(max(1, len(data) - n + 1))
    out = bytearray(data)
    out[dst:dst + n] = donor[src:src + n]
    return bytes(out[: len(data)])


UNKNOWN_TYPE_IDS = (10000, 157, 255, 511, 0x7FFFFFFF, -1, -10000)
"""Op type ids no MNN release defines (gaps in the enum, far past its end, negative)."""


def op_type_unknown(rng: random.Random, data: bytes, layout: Layout, _: Sequence[Base]) -> bytes:
    """Give ops a type id no release defines: the file stays sound, and must not lint clean (V001)."""
    out = bytearray(data)
    slot = TABLES["Op"]["Type"][0]
    ops = [(pos, vtable) for pos, vtable, name in layout.tables if name == "Op"]
    for pos, vtable in rng.sample(ops, min(len(ops), rng.choice((1, 1, 3)))):
        vt_len = _U16.unpack_from(out, vtable)[0]
        field = _U16.unpack_from(out, vtable + slot)[0] if slot < vt_len else 0
        if field:
            _put(out, pos + field, _I32, rng.choice(UNKNOWN_TYPE_IDS))
    return bytes(out)


def stacked(rng: random.Random, data: bytes, layout: Layout, bases: Sequence[Base]) -> bytes:
    """Two to four mutations in a row (offsets from the sound layout may no longer fit: fine)."""
    for _ in range(rng.randint(2, 4)):
        step = rng.choice(SINGLE)
        try:
            data = step(rng, data, layout, bases)
        except (IndexError, ValueError, struct.error):  # an earlier step cut the file short of the aimed-at byte
            continue
        if len(data) < 8:
            break
    return data


SINGLE: tuple[Mutator, ...] = (
    bit_flips, byte_sets, truncate_anywhere, truncate_at_boundary, offset_out_of_bounds, offset_to_itself,
    offset_backwards, offset_redirect, length_huge, union_mismatch, vtable_corrupt, subgraph_alias,
    subgraph_rename, alias_bomb, appended_vector_bomb, splice, op_type_unknown, hostile_name,
)
MUTATORS: tuple[Mutator, ...] = (*SINGLE, stacked, stacked)

TINY = (b"", b"\x00", b"\xff", b"\x00" * 4, b"\x04\x00\x00\x00", b"\x00" * 23, b"\x00" * 24,
        b"\x0c\x00\x00\x00" + b"\x00" * 20, b"\xff" * 64)
"""Zero-length, one-byte and barely-FlatBuffer files, replayed before any mutant."""


def mutant(seed: int, bases: Sequence[Base]) -> tuple[str, bytes]:
    """(description, bytes) of the mutant numbered `seed`: the same seed gives the same file."""
    rng = random.Random(seed)
    base = bases[seed % len(bases)]
    mutator = rng.choice(MUTATORS)
    if base.layout.size < 8 or not base.layout.refs:
        return f"{base.name}:{mutator.__name__}", base.data
    return f"{base.name}:{mutator.__name__}", mutator(rng, base.data, base.layout, bases)
