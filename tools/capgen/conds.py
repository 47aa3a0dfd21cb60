"""Build conditions as small boolean formulas in disjunctive normal form.

A registration is live only when several guards hold at once: the backend's
CMake switch, the `if()` around a `file(GLOB ...)`, the `#ifdef` around a
registrar, the variant of a macro chosen by another `#ifdef`. Each guard is a
formula over named atoms (a preprocessor macro, a CMake variable, or an
expression we could not break down, kept verbatim). We keep every formula as a
set of alternatives, each a set of (atom, required value) literals, so guards
combine with `and_`/`or_`/`not_` and the result maps straight onto the
`requires` dicts of the capability tables.
"""

from __future__ import annotations

from collections.abc import Iterable

Literal = tuple[str, bool]
Conj = frozenset[Literal]
DNF = frozenset[Conj]

TRUE: DNF = frozenset({frozenset()})
FALSE: DNF = frozenset()

# Past this many alternatives a negation is kept as one opaque atom instead of
# being expanded; real MNN guards never come near it.
_MAX_TERMS = 64


def atom(name: str, value: bool = True) -> DNF:
    return frozenset({frozenset({(name, value)})})


def _consistent(conj: Iterable[Literal]) -> bool:
    seen: dict[str, bool] = {}
    return all(seen.setdefault(name, value) == value for name, value in conj)


def simplify(dnf: Iterable[Conj]) -> DNF:
    """Drop contradictions, absorb supersets, merge `x & c | !x & c` into `c`."""
    terms = {c for c in dnf if _consistent(c)}
    changed = True
    while changed:
        changed = False
        ordered = sorted(terms, key=lambda c: (len(c), sorted(c)))
        kept: list[Conj] = []
        for c in ordered:
            if not any(k <= c for k in kept):
                kept.append(c)
        if len(kept) != len(terms):
            changed = True
        terms = set(kept)
        merged: set[Conj] | None = None
        for a in kept:
            for name, value in a:
                b = (a - {(name, value)}) | {(name, not value)}
                if b in terms:
                    merged = (terms - {a, b}) | {a - {(name, value)}}
                    break
            if merged is not None:
                break
        if merged is not None:
            terms = merged
            changed = True
    return frozenset(terms)


def and_(*parts: DNF) -> DNF:
    result: set[Conj] = {frozenset()}
    for part in parts:
        result = {a | b for a in result for b in part if _consistent(a | b)}
        result = set(simplify(result))
        if not result:
            return FALSE
    return simplify(result)


def or_(*parts: DNF) -> DNF:
    return simplify(c for part in parts for c in part)


def not_(dnf: DNF) -> DNF:
    result: DNF = TRUE
    for conj in sorted(dnf, key=lambda c: sorted(c)):
        clause = frozenset(frozenset({(n, not v)}) for n, v in conj)
        result = and_(result, clause)
        if len(result) > _MAX_TERMS:
            return atom(f"!({render(dnf)})")
    return result


def render(dnf: DNF) -> str:
    """A readable, stable text form, used for opaque atoms and logs."""
    if dnf == TRUE:
        return "1"
    if dnf == FALSE:
        return "0"
    parts = []
    for conj in sorted(dnf, key=lambda c: sorted(c)):
        lits = [n if v else f"!{n}" for n, v in sorted(conj)]
        parts.append(" && ".join(lits) if lits else "1")
    return " || ".join(f"({p})" if len(dnf) > 1 else p for p in parts)


def as_requires(dnf: DNF) -> list[dict[str, bool]]:
    """One `requires` dict per alternative, in a stable order."""
    out = [dict(sorted(conj)) for conj in dnf]
    out.sort(key=lambda d: (len(d), sorted(d.items())))
    return out


def drop_known(dnf: DNF, known: Conj) -> DNF:
    """Remove literals already guaranteed by `known` (e.g. the backend's switch)."""
    out = set()
    for conj in dnf:
        if any((n, not v) in known for n, v in conj):
            continue
        out.add(frozenset(conj - known))
    return simplify(out)


def substitute(dnf: DNF, name: str, value: bool) -> DNF:
    """Fix atom `name` to `value` (a macro the build always defines, say)."""
    out = set()
    for conj in dnf:
        if (name, not value) in conj:
            continue
        out.add(frozenset(lit for lit in conj if lit[0] != name))
    return simplify(out)
