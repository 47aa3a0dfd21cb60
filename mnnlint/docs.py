"""Rule documentation, taken from the rules themselves: one source for every output."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .rule import DOC_SECTIONS, Rule


def rule_record(rule: type[Rule]) -> dict[str, Any]:
    return {
        "code": rule.code,
        "name": rule.name,
        "severity": str(rule.severity),
        "since": rule.since,
        "aliases": list(rule.aliases),
        "summary": rule.summary(),
        "sections": {title: rule.section(title) for title in DOC_SECTIONS},
        "documentation": rule.documentation(),
        "options": {name: {"type": o.type.__name__, "default": o.default, "help": o.help}
                    for name, o in rule.options.items()},
    }


def rules_table(rules: Sequence[type[Rule]]) -> str:
    """The README's rule table (markdown): code, name, severity, since, and the docstring's first line."""
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = ["| code | name | severity | since | summary |", "|---|---|---|---|---|"]
    for r in sorted(rules, key=lambda r: r.code):
        lines.append(f"| {r.code} | {r.name} | {r.severity} | {r.since} | {cell(r.summary())} |")
    return "\n".join(lines) + "\n"
