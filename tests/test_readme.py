"""The README's rule table is generated from the rules (tools/gen_readme.py) and must be fresh."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from mnnlint.rules import get_rules

ROOT = Path(__file__).resolve().parents[1]


def gen_readme():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("gen_readme", ROOT / "tools" / "gen_readme.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["gen_readme"] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_readme_rule_table_is_fresh() -> None:
    """Fails when a rule's code, name, severity, since or summary changed without regenerating."""
    assert gen_readme().main(["--check"]) == 0, "run python tools/gen_readme.py"


def test_every_builtin_rule_has_its_row() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for rule in get_rules():
        row = f"| {rule.code} | {rule.name} | {rule.severity} | {rule.since} | {rule.summary()} |"
        assert row in readme, row


def test_check_fails_on_a_stale_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    module = gen_readme()
    stale = tmp_path / "README.md"
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    rule = get_rules()[0]
    stale.write_text(text.replace(f"| {rule.code} | {rule.name} |", f"| {rule.code} | old-name |"), encoding="utf-8")
    monkeypatch.setattr(module, "README", stale)
    assert module.main(["--check"]) == 1
    assert "stale" in capsys.readouterr().err
    assert module.main([]) == 0 and module.main(["--check"]) == 0  # regenerated: fresh again
    assert stale.read_text(encoding="utf-8") == text


def test_markers_are_required() -> None:
    with pytest.raises(SystemExit):
        gen_readme().updated("no markers here", "| table |\n")
