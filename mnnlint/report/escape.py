"""Untrusted text made safe to print: the one escaping module every reporter uses.

Op, tensor, subgraph and file names come from whoever made the model or named the
file. Printed raw they can:

- move the cursor, recolour or clear a terminal (ESC, CSI `\\x9b`, other controls);
- forge extra lines (`\\n`, `\\r`, U+2028 …), and so a fake finding or a GitHub
  workflow command: the runner reads any log line that starts, after its leading
  whitespace, with `::` (`::error`, `::add-mask::`, `::stop-commands::`), and the
  legacy `##[command]` form anywhere in a line;
- reorder what a reader sees (bidirectional overrides, "Trojan Source");
- crash an encoder: names that are not valid UTF-8 arrive as lone surrogates
  (`os.fsdecode`'s surrogate escapes), which no UTF-8 writer accepts.

`text()` makes one value safe for a human format, as visible escapes a reader can
still recognise (`\\x1b`, `\\n`, `\\xff` for a byte that is not UTF-8). Rules quote
names inside their messages, so a message is such a value too (`message()`): one line,
never split at its line breaks. `line()` is
the backstop for a whole output line after it is assembled and wrapped, since a line
can start with any word of a name: every human format passes each line it writes
through it. Machine formats rely on their serializer (json, XML) and only need
`unicode()`, which keeps the text encodable, or `json_dumps()`, which also keeps the
raw document harmless in a log.
"""

from __future__ import annotations

import re
from typing import Any

# C0 and C1 controls, DEL, lone surrogates, Unicode line/paragraph separators and the
# bidirectional formatting characters.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_LEGACY = "##["  # GitHub's old `##[command]` form, honoured anywhere in a line
_LEGACY_SAFE = "#\\x23["
# What may precede a command on its line: whitespace, and colour codes of our own.
_LEAD = re.compile(r"(?:\s|\x1b\[[0-9;]*m)*")


def _escape_char(match: re.Match[str]) -> str:
    ch = match.group()
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's escape of a byte that is not UTF-8
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def text(value: object, *, keep_newlines: bool = False) -> str:
    """`value` as text for a human format: no control character, no surrogate, no `##[`.

    With `keep_newlines`, `\\n` stays (for a renderer that indents each line itself and
    then passes every line through `line()`); `\\r` and the other separators never do.
    """
    s = str(value)
    if keep_newlines:
        s = "\n".join(_UNSAFE.sub(_escape_char, part) for part in s.split("\n"))
    else:
        s = _UNSAFE.sub(_escape_char, s)
    return s.replace(_LEGACY, _LEGACY_SAFE)


def message(value: str) -> str:
    """A diagnostic's message or fix for a human format: one line, whatever it holds.

    Rules quote op names in messages (`'attn' (#57)`, rules/_common.op_list), and a
    reporter cannot tell a line break the rule wrote from one inside a quoted name. Split
    into lines, the rest of such a name would print as a line of mnnlint's own (a `fix:`
    line, another finding, in a CI log a workflow command), so a message is escaped whole:
    its line breaks show as `\\n`, like every control character of a name.
    """
    return text(value)


def line(value: str) -> str:
    """One assembled output line, made unable to act as a GitHub workflow command.

    Expects text already passed through `text()` (no line breaks inside).
    """
    value = value.replace(_LEGACY, _LEGACY_SAFE)
    start = _LEAD.match(value).end()  # type: ignore[union-attr]
    if value.startswith("::", start):
        value = f"{value[:start]}\\x3a{value[start + 1:]}"
    return value


def unicode(value: str) -> str:
    """`value` encodable as UTF-8: a surrogate escape becomes the visible `\\xNN` it stands for."""
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        return to_bytes(value).decode("utf-8", "backslashreplace")


def to_bytes(value: str) -> bytes:
    """`value` as bytes: a surrogate escape as the byte it stands for (as `os.fsencode`), any
    other lone surrogate as its code point's UTF-8 pattern. Never fails."""
    return value.encode("utf-8", "surrogateescape" if _only_byte_escapes(value) else "surrogatepass")


def _only_byte_escapes(value: str) -> bool:
    return all(not 0xD800 <= ord(c) <= 0xDFFF or 0xDC80 <= ord(c) <= 0xDCFF for c in value)


def jsonable(data: Any) -> Any:
    """`data` with every string (keys included) passed through `unicode()`."""
    if isinstance(data, str):
        return unicode(data)
    if isinstance(data, dict):
        return {jsonable(k): jsonable(v) for k, v in data.items()}
    if hasattr(data, "_asdict"):  # a record (NamedTuple) is an object, not an array
        return jsonable(data._asdict())
    if isinstance(data, (list, tuple)):
        return [jsonable(v) for v in data]
    return data


# Characters JSON lets through raw but a terminal or a log reader may act on.
_JSON_RAW = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def json_dumps(data: Any, *, indent: int | None = None) -> str:
    """`data` as JSON that is safe to show in a log: encodable, no raw C1 control, no `##[`.

    Those characters can only occur inside JSON strings, where `\\uXXXX` means the same
    character, so the document parses to exactly the same data.
    """
    import json

    separators = (",", ":") if indent is None else None
    out = json.dumps(jsonable(data), ensure_ascii=False, indent=indent, separators=separators)
    out = _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", out)
    return out.replace(_LEGACY, "#\\u0023[")
