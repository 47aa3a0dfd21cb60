"""`--html FILE`: a self-contained page whose fallback ops render, checked in real headless Chromium.

The browser test needs Debian's `chromium` (installed by .ci/run). Without it the test
skips, unless MNNLINT_REQUIRE_BROWSER=1 (set by .ci/run once the install worked), where
a missing browser fails.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, MODELS

from mnnlint.diagnostics import Diagnostic, Severity
from mnnlint.report import Checked, RunInfo
from mnnlint.report.html import render

PLACED = FIXTURES / "placement_models"

# Runs in the page after layout: every fallback node's box, and whether it is painted.
PROBE = """<script>
var out = [].map.call(document.querySelectorAll('.node.cpu'), function (n) {
  var r = n.getBoundingClientRect(), s = getComputedStyle(n.querySelector('rect'));
  return {title: n.querySelector('title').textContent, w: r.width, h: r.height, fill: s.fill,
          display: getComputedStyle(n).display, visibility: getComputedStyle(n).visibility};
});
document.body.setAttribute('data-probe', JSON.stringify(out));
</script></body>"""


def write_page(tmp_path: Path, *models: Path, target: str = "cuda") -> tuple[Path, subprocess.CompletedProcess[str]]:
    page = tmp_path / "report.html"
    proc = subprocess.run([sys.executable, "-m", "mnnlint", *map(str, models), "-t", target, "--mnn-version",
                           "3.6.1", "--html", str(page)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NO_COLOR": "1"})
    return page, proc


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("MNNLINT_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium is not installed, but MNNLINT_REQUIRE_BROWSER=1")
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    return found


def browser(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([chromium(), "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                           f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1400,1000", *args],
                          capture_output=True, text=True, timeout=120)


def test_page_is_self_contained(tmp_path: Path) -> None:
    page, proc = write_page(tmp_path, PLACED / "mixed.mnn", MODELS / "transformer_fused.mnn")
    assert proc.returncode in (0, 1), proc.stderr
    text = page.read_text()
    assert text.startswith("<!DOCTYPE html>")
    # Nothing to fetch: no src/href attributes, no stylesheet links or imports, no url(); the only URL
    # is the SVG namespace, which browsers never fetch.
    assert not re.search(r"\s(src|href)=|<link|@import|url\(", text)
    assert set(re.findall(r"https?://[^\s\"'<>]+", text)) <= {"http://www.w3.org/2000/svg"}
    assert "default-src 'none'" in text  # and the page forbids fetching anything anyway


def test_large_model_collapses_target_runs(tmp_path: Path) -> None:
    page, _ = write_page(tmp_path, PLACED / "chain_1500.mnn")
    text = page.read_text()
    nodes = re.findall(r'<g class="node (\w+)"', text)
    # 4 ROIAlign fallbacks, the 8 target ops on either side of their crossings, and one collapsed
    # node per remaining target run (5): 17 nodes stand for 1,506 ops.
    assert nodes.count("cpu") == 4 and nodes.count("collapsed") == 5 and len(nodes) == 17
    collapsed = [int(n) for n in re.findall(r"(\d+) ops that stay on the target, collapsed", text)]
    assert sum(collapsed) + 8 + 4 == 1506


def test_names_are_escaped(tmp_path: Path) -> None:
    from io import StringIO

    d = Diagnostic("B001", "op-falls-back", Severity.WARNING, "<script>alert(1)</script>", "<img src=x>.mnn",
                   None, "cuda", "3.6.1", "default")
    out = StringIO()
    render([d], RunInfo("0", checked=[Checked("<img src=x>.mnn", "cuda", "3.6.1", "default", "a" * 40)]), out)
    assert "<script>alert" not in out.getvalue() and "<img src=x>" not in out.getvalue()
    assert html.escape("<script>alert(1)</script>") in out.getvalue()


def test_fallback_ops_render_in_headless_chromium(tmp_path: Path) -> None:
    page, _ = write_page(tmp_path, PLACED / "mixed.mnn", PLACED / "chain_1500.mnn")
    probed = tmp_path / "probed.html"
    probed.write_text(page.read_text().replace("</body>", PROBE))
    proc = browser(tmp_path, "--dump-dom", probed.as_uri())
    match = re.search(r'data-probe="([^"]*)"', proc.stdout)
    assert match, proc.stderr[-2000:]
    nodes = json.loads(html.unescape(match.group(1)))
    # mixed.mnn: Where and two OneHot; chain_1500.mnn: four ROIAlign.
    assert sorted(n["title"] for n in nodes) == ["Where5", "oh", "oh2", "roi199", "roi299", "roi399", "roi99"]
    for n in nodes:
        assert n["w"] > 100 and n["h"] > 20, n
        assert n["display"] != "none" and n["visibility"] == "visible", n
        assert n["fill"] == "rgb(255, 180, 169)", n  # the fallback colour, not the target's
    shot = tmp_path / "shot.png"
    browser(tmp_path, f"--screenshot={shot}", page.as_uri())
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_graph_dot_and_svg(tmp_path: Path) -> None:
    from mnnlint.report.dot import quote

    dot_file = tmp_path / "g.dot"
    proc = subprocess.run([sys.executable, "-m", "mnnlint", str(PLACED / "mixed.mnn"), "-t", "cuda", "--mnn-version",
                           "3.6.1", "--graph", str(dot_file)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    text = dot_file.read_text()
    assert text.startswith("digraph mnnlint {") and text.count('penwidth=3, color="#cf222e"') == 3  # 3 fallbacks
    assert quote('a"b\\', "x\ny") == '"a\\"b\\\\\\nx y"'
    if shutil.which("dot") is None:
        return
    svg = tmp_path / "g.svg"
    subprocess.run([sys.executable, "-m", "mnnlint", str(PLACED / "mixed.mnn"), "-t", "cuda", "--graph", str(svg)],
                   capture_output=True, timeout=120)
    assert "<svg" in svg.read_text()
