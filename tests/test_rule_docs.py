"""Every rule documents itself, is unique, and has a failing and a clean case."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from mnnlint.registry import RegistryError, build_registry, load_registry
from mnnlint.rule import DOC_SECTIONS

RULES = load_registry().rules
CASES = Path(__file__).parent / "rules" / "cases"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_has_every_doc_section(rule) -> None:
    assert rule.summary() and rule.summary().endswith(".")
    for title in DOC_SECTIONS:
        assert rule.section(title), f"{rule.code} lacks '## {title}'"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_has_failing_and_clean_case(rule) -> None:
    path = CASES / f"{rule.code}.toml"
    assert path.exists(), f"no case file for {rule.code}"
    cases = tomllib.loads(path.read_text())["case"]
    assert any(c["expect"] for c in cases) and any(not c["expect"] for c in cases)


def test_codes_and_names_are_unique() -> None:
    assert len({r.code for r in RULES}) == len(RULES)
    assert len({r.name for r in RULES}) == len(RULES)


def test_two_rules_claiming_one_code_is_an_error() -> None:
    first, second = RULES[0], RULES[1]
    impostor = type("Impostor", (second,), {"code": first.code})
    with pytest.raises(RegistryError, match=first.code):
        build_registry([("builtin", [first]), ("plugin", [impostor])])
