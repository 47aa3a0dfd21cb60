"""`mnnlint rule`, `inspect` and `targets` output, through the same format door as checks.

Each command hands plain data (what `docs.rule_record`, `describe.describe` and
`describe.targets` return); `json` prints it as it is, `text` renders it for people
with every name escaped (`escape`) and every line guarded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TextIO

from .console import paint
from .escape import json_dumps, line, text


def render(command: str, fmt: str, data: Any, out: TextIO, *, color: bool = False) -> None:
    if fmt == "json":
        out.write(json_dumps(data, indent=2) + "\n")
        return
    lines = TEXT[command](data, color)
    out.write("".join(line(x) + "\n" for x in lines))


def _rules(records: Sequence[dict[str, Any]], color: bool) -> list[str]:
    """Each rule: `CODE name · severity · since X`, its summary, then its docstring unchanged."""
    out: list[str] = []
    for i, r in enumerate(records):
        if i:
            out += ["", "-" * 72, ""]
        out.append(paint(text(f"{r['code']} {r['name']} · {r['severity']} · since {r['since']}"), "bold", color))
        if r["aliases"]:
            out.append(text(f"(formerly {', '.join(r['aliases'])})"))
        out += ["", text(r["summary"]), ""]
        out += text(r["documentation"], keep_newlines=True).split("\n")
        if r["options"] and "## Options" not in r["documentation"]:
            out += ["", "## Options"]
            for name, o in r["options"].items():
                out.append(text(f"- `{name}` ({o['type']}, default {o['default']!r}): {o['help']}"))
    return out


def _inspect(data: dict[str, Any], color: bool) -> list[str]:
    out: list[str] = []
    for s in data["models"]:
        made = f", MNN {s['converter_version']} converter" if s["converter_version"] else ""
        out.append(paint(text(s["path"]), "bold", color) + text(
            f"  {s['file_size']:,} bytes, from {s['source']}{made}, {s['op_count']} ops, "
            f"{s['tensor_count']} tensors"))
        details = [f"bizCode {s['biz_code']!r}" if s["biz_code"] else None,
                   f"prefers {s['prefer_forward_type']}" if s["prefer_forward_type"] != "CPU" else None,
                   f"uuid {s['uuid']}" if s["uuid"] else None]
        if any(details):
            out.append("  " + text(", ".join(d for d in details if d)))
        names = [text(name) for name in s["op_types"]]
        width = max([len("op type"), *map(len, names)])
        out.append(paint(f"{'op type':<{width}}  count", "bold", color))
        for name, count in zip(names, s["op_types"].values(), strict=True):
            out.append(f"{name:<{width}}  {count:>5}")
        if s["unknown_op_type_ids"]:
            out.append(f"  unknown op type ids (newer converter?): {s['unknown_op_type_ids']}")
        for sub in s["subgraphs"]:
            called = ", ".join(sub["called_by"]) or "no op"
            out.append("  " + text(f"subgraph {sub['name']}: {sub['op_count']} ops, called by {called}"))
        if s["external_weights"]:
            w = s["external_weights"]
            out.append("  " + text(f"external weights: {w['file']} ({w['bytes_needed']:,} bytes used by "
                                   f"{', '.join(w['op_types'])})"))
        if s["llm"]:
            llm = s["llm"]
            out.append("  " + text(f"LLM export: {llm['config']} (backend_type {llm['backend_type']}, "
                                   f"precision {llm['precision']})"))
        out.append("")
    return out


def _targets(data: dict[str, Any], color: bool) -> list[str]:
    out: list[str] = []
    if "backend" not in data:
        out.append(text(f"releases in the tables: {', '.join(data['releases'])}"))
        for release in dict.fromkeys(r["release"] for r in data["backends"]):
            mine = [r for r in data["backends"] if r["release"] == release]
            out += ["", text(f"MNN {release} (commit {mine[0]['commit'][:10]}): op types registered")]
            out += [text(f"  {r['backend']:<15} {r['registered_op_types']:>4}") for r in mine]
        return out
    for row in data["backends"]:
        runs = [t for t, v in row["op_types"].items() if v in data["runs"]]
        if out:
            out.append("")
        out.append(paint(text(f"MNN {row['release']}, {row['backend']}, profile {data['profile']}: "
                              f"{len(runs)} op types run there"), "bold", color))
        out += [text(f"  {op_type} ({row['op_types'][op_type]})") for op_type in runs]
    if not data["backends"]:
        out.append(text(f"MNN {', '.join(data['releases'])} has no {data['backend']} backend"))
    return out


TEXT: dict[str, Callable[[Any, bool], list[str]]] = {"rule": _rules, "inspect": _inspect, "targets": _targets}
