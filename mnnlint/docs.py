"""Rule documentation, taken from the rules themselves: one source for every output."""

from __future__ import annotations

from typing import Any

from .rule import DOC_SECTIONS, Rule


def rule_header(rule: type[Rule]) -> str:
    """`B002 fused-op-unsupported · error · since 0.1.0`."""
    return f"{rule.code} {rule.name} · {rule.severity} · since {rule.since}"


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
