"""Op type ids and parameter-union ids as MNN's schema declares them at one commit.

A `.mnn` file stores an op's type as a bare integer. Mapping that integer back to
a name must use the schema of the release the user targets: ids get reused (the
`OpType` value 155 was `QuantizeLinear` in 2.8.x and is `DynamicQuant` later), so
one global table would mislabel ops. The schema is FlatBuffers IDL; we parse just
the `enum`/`union` bodies we need instead of depending on `flatc`.
"""

from __future__ import annotations

import re

from .cpp import strip_comments
from .gitsrc import Tree

SCHEMA = "schema/default/MNN.fbs"




def _body(text: str, keyword: str, name: str) -> str:
    """The text between the braces of `keyword name [: type] { ... }`."""
    match = re.search(rf"\b{keyword}\s+{re.escape(name)}\b[^{{]*\{{([^}}]*)\}}", text)
    if match is None:
        raise ValueError(f"{keyword} {name} not found in schema")
    return match.group(1)


def parse_enum_body(body: str, first: int = 0) -> dict[str, int]:
    """Names and values of an enum/union body, applying FlatBuffers' numbering.

    A member without `= N` takes the previous value plus one; the first defaults
    to `first` (0 for enums, 1 for unions, whose 0 is the implicit `NONE`).
    Union members may be written `Alias: Type`; the alias is the member name.
    """
    out: dict[str, int] = {}
    value = first - 1
    for item in body.split(","):
        item = item.strip()
        if not item:
            continue
        name, _, explicit = item.partition("=")
        name = name.split(":")[0].strip()
        value = int(explicit.strip(), 0) if explicit.strip() else value + 1
        out[name] = value
    return out


def read_op_types(tree: Tree) -> dict[str, int]:
    """`OpType` enum of the commit: name -> integer stored in `Op.type`."""
    text = strip_comments(tree.read(SCHEMA))
    values = parse_enum_body(_body(text, "enum", "OpType"))
    return dict(sorted(values.items(), key=lambda kv: (kv[1], kv[0])))


def read_op_parameters(tree: Tree) -> dict[str, int]:
    """`OpParameter` union of the commit: member name -> union type id (`NONE` = 0)."""
    text = strip_comments(tree.read(SCHEMA))
    values = {"NONE": 0, **parse_enum_body(_body(text, "union", "OpParameter"), first=1)}
    return dict(sorted(values.items(), key=lambda kv: (kv[1], kv[0])))


def reused_ids(tables: dict[str, dict[str, int]]) -> dict[int, list[tuple[str, str]]]:
    """Ids that carry different names across releases: id -> [(release, name), ...].

    `tables` maps a release label to its name->id table, in release order. Only
    changes are listed: the first release and each release where the name at that
    id differs from the one before (a vanished id is not a rename).
    """
    history: dict[int, list[tuple[str, str]]] = {}
    for release, table in tables.items():
        for name, ident in table.items():
            seen = history.setdefault(ident, [])
            if not seen or seen[-1][1] != name:
                seen.append((release, name))
    return {ident: seen for ident, seen in sorted(history.items()) if len(seen) > 1}
