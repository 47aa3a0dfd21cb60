"""Find, per MNN release, the cited source lines of rules/data/creator_limits.json and runtime_defects.json.

    python tools/creator_limits.py [--mirror /work/.mirror/alibaba+MNN/repo]

A creator limit is a `return nullptr` (or `NOT_SUPPORT`) branch of a backend's op
creator that depends on the op's parameters. Each entry of the data file was
reviewed by hand: the condition, the parameter it reads, what MNN does then, and the
source line(s) that show it, as text. This tool only locates that text at every
release in mnnlint's tables (by the commit each table was built from) and records
the line number, so a test can check every citation against the source; where the
condition is a table in the source (Metal's `_convert` CHECK list, NNAPI's
`unary_map`), it also reads the refused values of each release from that table.
A release where a cited line is absent gets no entry, so no finding.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = {ROOT / "rules" / "data" / "creator_limits.json": "limits",
        ROOT / "rules" / "data" / "runtime_defects.json": "defects"}
INDEX = ROOT / "mnnlint" / "capabilities" / "data" / "index.json"
sys.path.insert(0, str(ROOT))


def releases() -> dict[str, str]:
    index = json.loads(INDEX.read_text())
    return {r["release"]: r["commit"] for r in index["releases"]}


def show(mirror: Path, commit: str, path: str) -> list[str] | None:
    proc = subprocess.run(["git", "-C", str(mirror), "show", f"{commit}:{path}"], capture_output=True)
    return proc.stdout.decode("utf-8", "replace").splitlines() if proc.returncode == 0 else None


def find(lines: list[str], text: str) -> int | None:
    hits = [i + 1 for i, line in enumerate(lines) if line.strip() == text]
    return hits[0] if len(hits) == 1 else None


def _enum(name: str) -> list[str]:
    from mnnlint.schemas.mnn_layout import ENUMS

    return sorted(ENUMS[name].values())


def extract_metal_binary(lines: list[str]) -> tuple[list[str], int, int] | None:
    """BinaryOp types MetalBinary.mm's `_convert` has no kernel string for (the creator returns null)."""
    hits = [(i + 1, m.group(1)) for i, line in enumerate(lines)
            if (m := re.match(r"\s*CHECK\(BinaryOpOperation_(\w+),", line))]
    if not hits:
        return None
    allowed = {name for _, name in hits}
    return [v for v in _enum("BinaryOpOperation") if v not in allowed], hits[0][0], hits[-1][0]


def extract_nnapi_unary(lines: list[str]) -> tuple[list[str], int, int] | None:
    """UnaryOp types NNAPIUnary.cpp maps to -1 or not at all (onResize returns NOT_SUPPORT)."""
    hits = [(i + 1, m.group(1), m.group(2)) for i, line in enumerate(lines)
            if (m := re.match(r"\s*\{UnaryOpOperation_(\w+),\s*(-1|ANEURALNETWORKS_\w+)\}", line))]
    if not hits:
        return None
    mapped = {name for _, name, to in hits if to != "-1"}
    return [v for v in _enum("UnaryOpOperation") if v not in mapped], hits[0][0], hits[-1][0]


EXTRACTORS = {"metal-binary-convert": extract_metal_binary, "nnapi-unary-map": extract_nnapi_unary}


def locate(entry: dict, mirror: Path, tags: dict[str, str]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for release, commit in tags.items():
        cites = []
        values = entry.get("values")
        for cite in entry["cite"]:
            lines = show(mirror, commit, cite["file"])
            if lines is None:
                break
            if "extract" in cite:
                got = EXTRACTORS[cite["extract"]](lines)
                if got is None:
                    break
                values, first, last = got
                values = [v for v in values if v not in entry.get("not_values", ())]
                cites.append({"file": cite["file"], "line": first, "end": last,
                              "text": lines[first - 1].strip()})
                continue
            texts = cite.get("any", [cite.get("text")])
            found = [(line, text) for text in texts if (line := find(lines, text)) is not None]
            if not found:
                break
            cites.append({"file": cite["file"], "line": found[0][0], "text": found[0][1]})
        else:
            out[release] = {"lines": cites, **({"values": values} if entry.get("param") else {})}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mirror", type=Path, default=Path("/work/.mirror/alibaba+MNN/repo"))
    args = ap.parse_args(argv)
    tags = releases()
    for path, key in DATA.items():
        data = json.loads(path.read_text())
        for entry in data[key]:
            if "cite" not in entry:
                continue
            entry["releases"] = locate(entry, args.mirror, tags)
            print(f"{entry['id']}: {len(entry['releases'])} releases", file=sys.stderr)
        path.write_text(json.dumps(data, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
