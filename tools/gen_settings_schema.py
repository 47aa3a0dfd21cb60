"""Write schemas/mnnlint-settings.schema.json from the settings declarations (mnnlint/settings.py).

    python tools/gen_settings_schema.py          # rewrite the file
    python tools/gen_settings_schema.py --check  # exit 1 when it is stale

Editors (Even Better TOML / taplo, VS Code) use the schema to complete and check
`mnnlint.toml`; tests/test_settings.py fails when the committed file is stale.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mnnlint.settings import json_schema  # noqa: E402

OUT = ROOT / "schemas" / "mnnlint-settings.schema.json"


def text() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    if "--check" in argv:
        fresh = OUT.exists() and OUT.read_text(encoding="utf-8") == text()
        print(f"{OUT.relative_to(ROOT)} is {'fresh' if fresh else 'stale: run tools/gen_settings_schema.py'}")
        return 0 if fresh else 1
    OUT.write_text(text(), encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
