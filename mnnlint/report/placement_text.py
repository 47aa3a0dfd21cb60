"""Placement in words: the compact line per check and the line across targets.

Shared by the text, GitHub and HTML reporters so that each says it the same way:

    placement: YES · 16 ops: 16 on cuda, 0 on CPU · 1 partition · 0 crossings
    cuda: 3 partitions, 12 crossings (4.1 kB/inference) · opencl: 1 partition
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..placement import GraphPlacement
    from . import Checked


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


def human_bytes(n: int) -> str:
    """Decimal units, as `4.1 MB`."""
    value = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{n} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{n} B"  # pragma: no cover


def crossing_text(g: GraphPlacement) -> str:
    """`12 crossings (4.1 MB/inference)`, or `(bytes unknown)` when the file does not fix them."""
    text = plural(g.crossings, "crossing")
    if g.crossings == 0:
        return text
    if g.crossing_bytes is None:
        if g.crossing_bytes_known:
            return (f"{text} (at least {human_bytes(g.crossing_bytes_known)}/inference; "
                    f"{g.crossings_size_unknown} of unknown size)")
        return f"{text} (bytes unknown)"
    return f"{text} ({human_bytes(g.crossing_bytes)}/inference)"


def placement_line(target: str, g: GraphPlacement) -> str:
    """One compact line for one check: verdict, where the ops run, pieces and copies."""
    load = f" ({g.constant} at load)" if g.constant else ""
    where = (f"{g.on_target} on {target}{load}" if target == "cpu"
             else f"{g.on_target} on {target}, {g.on_cpu} on CPU{load}")
    parts = [f"{g.verdict}", f"{plural(g.ops, 'op')}: {where}"]
    if g.nowhere:
        parts[-1] += f", {g.nowhere} nowhere"
    parts += [plural(g.partitions, "partition"), crossing_text(g)]
    if g.fallbacks:
        top = g.fallbacks[0]
        parts.append(f"costliest fallback {top.op_type} ({plural(top.crossings, 'crossing')})")
    return " · ".join(parts)


def targets_line(checks: Sequence[Checked]) -> str:
    """`cuda: 3 partitions, 12 crossings (4.1 MB/inference) · opencl: 1 partition` for one model."""
    parts = []
    for c in checks:
        if c.placement is None:
            continue
        g = c.placement.main
        text = f"{c.target}: {plural(g.partitions, 'partition')}"
        if g.crossings:
            text += f", {crossing_text(g)}"
        if g.nowhere:
            text += f", {g.nowhere} op{'s' * (g.nowhere != 1)} nowhere"
        parts.append(text)
    return " · ".join(parts)
