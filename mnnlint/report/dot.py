"""`--graph FILE.dot|FILE.svg`: the placement views as Graphviz, for people who lay out with `dot`.

The DOT text is written here; an `.svg` is made by Graphviz's `dot` when it is
installed (no Python dependency either way). Names are quoted with DOT's escaping.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from ..errors import UsageError

if TYPE_CHECKING:
    from ..placement.view import View
    from . import Checked

FILL = {"target": "#dafbe1", "cpu": "#ffb4a9", "load": "#eaeef2", "nowhere": "#1b1f24", "collapsed": "#aceebb"}
DOT_SECONDS = 10  # Graphviz's layout is superlinear: a bound, so that a hostile graph cannot stall the run


class GraphvizMissing(UsageError):
    """An .svg was asked for but `dot` is not installed (or failed): one line, exit 2."""


def quote(*lines: str) -> str:
    """A DOT string of one or more lines; control characters become spaces, and `##[` (a workflow
    command anywhere in a line of a CI log that shows the file or its SVG) is broken up."""
    parts = ["".join(ch if ch.isprintable() else " " for ch in text).replace("##[", "#\\x23[") for text in lines]
    return '"' + "\\n".join(p.replace("\\", "\\\\").replace('"', '\\"') for p in parts) + '"'


def to_dot(views: Mapping[Checked, Sequence[View]]) -> str:
    lines = ["digraph mnnlint {", "  rankdir=TB; node [shape=box, style=\"filled,rounded\", fontsize=10];"]
    for n, (check, graphs) in enumerate(views.items()):
        for m, view in enumerate(graphs):
            prefix = f"c{n}g{m}_"
            title = f"{check.file} on {check.target}, MNN {check.release}" + (f" / {view.graph}" if view.graph else "")
            if view.omitted:
                title += f" ({view.omitted} nodes: too many to draw)"
            lines.append(f"  subgraph cluster_{n}_{m} {{ label={quote(title)};")
            if view.omitted:
                lines.append(f"    {prefix}omitted [label={quote(f'{view.omitted} nodes not drawn')}];")
            for node in view.nodes:
                color = "white" if node.place == "nowhere" else "black"
                border = ", penwidth=3, color=\"#cf222e\"" if node.place == "cpu" else ""
                lines.append(f"    {prefix}{node.key} [label={quote(node.label, node.title)}, "
                             f"fillcolor=\"{FILL[node.place]}\", fontcolor={color}{border}];")
            for e in view.edges:
                style = f", color=\"#cf222e\", penwidth=3, label={quote(e.label)}" if e.crossing else ""
                lines.append(f"    {prefix}{e.source} -> {prefix}{e.target} [{style.lstrip(', ')}];")
            lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def graph_text(path: str, views: Mapping[Checked, Sequence[View]]) -> str:
    """DOT, or SVG through Graphviz when `path` ends in .svg."""
    text = to_dot(views)
    if not path.lower().endswith(".svg"):
        return text
    dot = shutil.which("dot")
    if dot is None:
        raise GraphvizMissing("--graph FILE.svg needs Graphviz's `dot`; install graphviz or write FILE.dot")
    try:
        proc = subprocess.run([dot, "-Tsvg"], input=text, text=True, capture_output=True, timeout=DOT_SECONDS)
    except subprocess.TimeoutExpired:
        raise GraphvizMissing(f"Graphviz's dot did not lay the graph out within {DOT_SECONDS} s; "
                              "write FILE.dot instead") from None
    except OSError as err:
        raise GraphvizMissing(f"Graphviz's dot could not be run: {err.strerror or err}") from None
    if proc.returncode != 0:
        raise GraphvizMissing(f"Graphviz's dot failed: {(proc.stderr.strip().splitlines() or [''])[-1]}")
    return proc.stdout
