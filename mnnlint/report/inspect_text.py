"""Render `mnnlint inspect` summaries for people."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TextIO

from .console import make_console


def render(summaries: Sequence[dict[str, Any]], out: TextIO) -> None:
    from rich.table import Table

    console = make_console(out)
    for s in summaries:
        made = f", MNN {s['converter_version']} converter" if s["converter_version"] else ""
        console.print(f"[bold]{s['path']}[/bold]  {s['file_size']:,} bytes, from {s['source']}{made}, "
                      f"{s['op_count']} ops, {s['tensor_count']} tensors")
        details = [f"bizCode {s['biz_code']!r}" if s["biz_code"] else None,
                   f"prefers {s['prefer_forward_type']}" if s["prefer_forward_type"] != "CPU" else None,
                   f"uuid {s['uuid']}" if s["uuid"] else None]
        if any(details):
            console.print("  " + ", ".join(d for d in details if d))
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        table.add_column("op type")
        table.add_column("count", justify="right")
        for name, count in s["op_types"].items():
            table.add_row(name, str(count))
        console.print(table)
        if s["unknown_op_type_ids"]:
            console.print(f"  unknown op type ids (newer converter?): {s['unknown_op_type_ids']}")
        for sub in s["subgraphs"]:
            called = ", ".join(sub["called_by"]) or "no op"
            console.print(f"  subgraph {sub['name']}: {sub['op_count']} ops, called by {called}")
        if s["external_weights"]:
            w = s["external_weights"]
            console.print(f"  external weights: {w['file']} ({w['bytes_needed']:,} bytes used by "
                          f"{', '.join(w['op_types'])})")
        if s["llm"]:
            llm = s["llm"]
            console.print(f"  LLM export: {llm['config']} (backend_type {llm['backend_type']}, "
                          f"precision {llm['precision']})")
        console.print()
