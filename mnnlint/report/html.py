"""`--html FILE`: one self-contained page with the graph coloured by where each op runs.

Everything is inline (CSS, SVG, a few lines of JS): the page opens offline and fetches
nothing. Per check (model, target, release) it shows the placement summary, the graph
(views built by `placement.view`, target runs collapsed on large models) with the
fallback ops and the tensors crossing between devices highlighted, and beside it the
findings table. Every name from the model goes through `html.escape`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape as _html
from typing import TYPE_CHECKING, TextIO

from ..diagnostics import Diagnostic
from . import Checked, RunInfo
from .common import placement_line
from .escape import text

if TYPE_CHECKING:
    from ..placement.view import View

NODE_W, NODE_H, GAP_X, GAP_Y, PAD = 170, 38, 24, 46, 16
LEGEND = (("target", "on the target"), ("cpu", "on the CPU (fallback)"), ("load", "on the CPU once, at load"),
          ("nowhere", "runs nowhere"), ("collapsed", "ops that stay on the target, collapsed"))

CSS = """
body{font:14px system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f8fa}
header{padding:12px 20px;background:#24292f;color:#fff}header h1{margin:0;font-size:18px}
section.check{margin:16px 20px;background:#fff;border:1px solid #d0d7de;border-radius:6px}
section.check>h2{font-size:15px;margin:0;padding:10px 14px;border-bottom:1px solid #d0d7de;background:#f6f8fa}
.summary{padding:8px 14px;font-family:ui-monospace,monospace;font-size:13px}
.grid{display:grid;grid-template-columns:minmax(320px,1fr) minmax(320px,1fr);gap:12px;padding:0 14px 14px}
.grid>div{min-width:0}
.graph{overflow:auto;max-height:80vh;border:1px solid #d0d7de;border-radius:4px;background:#fff}
table{border-collapse:collapse;width:100%;font-size:13px}td,th{border:1px solid #d0d7de;padding:4px 6px;
text-align:left;vertical-align:top;overflow-wrap:anywhere}th{background:#f6f8fa;overflow-wrap:normal}
.node rect{stroke:#57606a;stroke-width:1;rx:4}.node text{font-size:11px;pointer-events:none}
.node.target rect{fill:#dafbe1}.node.cpu rect{fill:#ffb4a9;stroke:#cf222e;stroke-width:3}
.node.load rect{fill:#eaeef2}.node.nowhere rect{fill:#1b1f24}.node.nowhere text{fill:#fff}
.node.collapsed rect{fill:#aceebb;stroke-dasharray:4 3}.node.hit rect{stroke:#0969da;stroke-width:4}
.edge{fill:none;stroke:#8c959f;stroke-width:1.2}.edge.crossing{stroke:#cf222e;stroke-width:3}
.elabel{font-size:10px;fill:#cf222e}.legend span{display:inline-block;margin-right:12px}
.swatch{display:inline-block;width:12px;height:12px;border:1px solid #57606a;margin-right:4px;vertical-align:-2px}
.sev-error,.sev-warning,.sev-info{overflow-wrap:normal}.sev-error{color:#cf222e;font-weight:600}.sev-warning{color:#9a6700}.sev-info{color:#0969da}
"""
SWATCH = {"target": "#dafbe1", "cpu": "#ffb4a9", "load": "#eaeef2", "nowhere": "#1b1f24", "collapsed": "#aceebb"}

# Clicking a finding outlines its ops in the graph of the same check.
JS = """
document.querySelectorAll('tr[data-ops]').forEach(function(row){row.addEventListener('click',function(){
var sec=row.closest('section');sec.querySelectorAll('.node.hit').forEach(function(n){n.classList.remove('hit')});
row.dataset.ops.split(' ').forEach(function(k){var n=sec.querySelector('.node[data-op="'+k+'"]');
if(n){n.classList.add('hit');n.scrollIntoView({block:'center'})}})})});
"""


def render(diagnostics: Sequence[Diagnostic], run: RunInfo, out: TextIO,
           views: Mapping[Checked, Sequence[View]] | None = None) -> None:
    views = views or {}
    out.write("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
              "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
              "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">"
              f"<title>mnnlint report</title><style>{CSS}</style></head><body>\n")
    out.write(f"<header><h1>mnnlint {escape(run.version)}: {len(diagnostics)} finding"
              f"{'s' * (len(diagnostics) != 1)} in {run.models} model{'s' * (run.models != 1)}</h1></header>\n")
    legend = "".join(f'<span><i class="swatch" style="background:{SWATCH[k]}"></i>{escape(text)}</span>'
                     for k, text in LEGEND)
    out.write(f'<div class="summary legend">{legend}<span><b style="color:#cf222e">━</b> tensor crossing '
              "between devices</span></div>\n")
    for c in run.checked:
        mine = [d for d in diagnostics if (d.file, d.target, d.release) == (c.file, c.target, c.release)]
        _section(c, mine, views.get(c, ()), out)
    for err in run.input_errors:
        out.write(f'<p class="summary sev-error">input error: {escape(err)}</p>\n')
    out.write(f"<script>{JS}</script></body></html>\n")


def _section(c: Checked, found: Sequence[Diagnostic], views: Sequence[View], out: TextIO) -> None:
    out.write(f'<section class="check" data-target="{escape(c.target)}"><h2>{escape(c.file)} on '
              f"{escape(c.target)}, MNN {escape(c.release)} (build profile {escape(c.profile)})</h2>\n")
    if c.placement is not None:
        out.write(f'<div class="summary">{escape(placement_line(c.target, c.placement.main))}</div>\n')
    out.write('<div class="grid"><div>')
    for view in views:
        if view.graph:
            out.write(f'<div class="summary">subgraph {escape(view.graph)}</div>')
        if view.hidden_load:
            out.write(f'<div class="summary">{view.hidden_load} op(s) computed once at load are not drawn</div>')
        if view.omitted:
            out.write(f'<div class="summary">{view.omitted} nodes to draw: too many for one page; '
                      "the placement summary above stands</div>")
            continue
        out.write('<div class="graph">')
        _svg(view, out)
        out.write("</div>")
    if not views:
        out.write('<p class="summary">No placement: the target has no op table in this release.</p>')
    out.write("</div><div>")
    _findings(found, out)
    out.write("</div></div></section>\n")


def _svg(view: View, out: TextIO) -> None:
    layers = max((n.layer for n in view.nodes), default=0) + 1
    slots = max((n.slot for n in view.nodes), default=0) + 1
    width, height = PAD * 2 + slots * (NODE_W + GAP_X), PAD * 2 + layers * (NODE_H + GAP_Y)
    xy = {n.key: (PAD + n.slot * (NODE_W + GAP_X), PAD + n.layer * (NODE_H + GAP_Y)) for n in view.nodes}
    out.write(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
              f'viewBox="0 0 {width} {height}" role="img" aria-label="placement graph">')
    labelled: set[tuple[str, str]] = set()
    for e in sorted(view.edges, key=lambda e: e.crossing):
        (x1, y1), (x2, y2) = xy[e.source], xy[e.target]
        x1, y1, x2 = x1 + NODE_W / 2, y1 + NODE_H, x2 + NODE_W / 2
        mid = (y1 + y2) / 2
        cls = "edge crossing" if e.crossing else "edge"
        out.write(f'<path class="{cls}" d="M{x1:.0f},{y1:.0f} C{x1:.0f},{mid:.0f} {x2:.0f},{mid:.0f} '
                  f'{x2:.0f},{y2:.0f}"><title>{escape(e.label)}</title></path>')
        if e.crossing and (e.source, e.label) not in labelled:
            labelled.add((e.source, e.label))
            out.write(f'<text class="elabel" x="{x1 + 4:.0f}" y="{y1 + 13:.0f}">'  # by its writer: no overlaps
                      f"{escape(_short(e.label, 26))}</text>")
    for n in view.nodes:
        x, y = xy[n.key]
        data = " ".join(str(i) for i in n.ops[:1]) if n.place != "collapsed" else ""
        out.write(f'<g class="node {n.place}" data-place="{n.place}" data-op="{data}" '
                  f'transform="translate({x},{y})"><title>{escape(n.title)}</title>'
                  f'<rect width="{NODE_W}" height="{NODE_H}"></rect>'
                  f'<text x="6" y="15">{escape(_short(n.label, 26))}</text>'
                  f'<text x="6" y="30">{escape(_short(n.title if n.place != "collapsed" else "on target", 26))}'
                  "</text></g>")
    out.write("</svg>")


def _findings(found: Sequence[Diagnostic], out: TextIO) -> None:
    if not found:
        out.write('<p class="summary">No findings.</p>')
        return
    out.write("<table><tr><th>Level</th><th>Rule</th><th>Op</th><th>Message</th></tr>")
    for d in found:
        ops = " ".join(str(o.index) for o in (d.op, *d.related) if o is not None and not o.subgraph)
        where = escape(d.op.logical_path) if d.op else ""
        out.write(f'<tr data-ops="{ops}"><td class="sev-{d.severity}">{d.severity}</td>'
                  f"<td>{escape(d.code)} {escape(d.rule)}</td><td>{where}</td><td>{escape(d.message)}"
                  f"{'<br><i>fix: ' + escape(d.fix) + '</i>' if d.fix else ''}</td></tr>")
    out.write("</table>")


def escape(value: object) -> str:
    """A name as HTML text: control characters shown as escapes first (escape.text), then entities."""
    return _html(text(str(value)))


def _short(value: str, n: int) -> str:
    return value if len(value) <= n else value[: n - 1] + "…"
