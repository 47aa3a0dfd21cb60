"""Findings as plain data. Rules make them, policy filters them, reporters print them."""

from __future__ import annotations

import enum
from typing import NamedTuple

from .model import MAIN_GRAPH, Op


class Severity(enum.IntEnum):
    """Ordered so that `severity >= fail_on` decides the exit code."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        return cls[text.upper()]


class OpRef(NamedTuple):
    """Where an op is: enough to find it in the file and to name it to a person."""

    index: int
    name: str
    type_name: str
    subgraph: str = MAIN_GRAPH
    byte_offset: int = 0
    byte_length: int = 0

    @classmethod
    def of(cls, op: Op) -> OpRef:
        return cls(op.index, op.name, op.type_label, op.subgraph, op.byte_offset, op.byte_length)

    @property
    def logical_path(self) -> str:
        """`main/op[12]:name` or `subgraph/op[3]:name`."""
        return f"{self.subgraph or 'main'}/op[{self.index}]:{self.name}"


class Diagnostic(NamedTuple):
    """One finding as plain data: rules yield it, policy may re-grade it, reporters only print it."""

    code: str
    rule: str  # the rule's name, e.g. "fused-op-unsupported"
    severity: Severity
    message: str
    file: str
    op: OpRef | None
    target: str  # backend id, e.g. "cuda"
    release: str  # MNN release checked against, e.g. "3.2.0"
    profile: str  # build profile assumed, e.g. "llm"
    fix: str | None = None
    count: int = 1  # ops this finding stands for, when a rule groups them
    related: tuple[OpRef, ...] = ()  # the other ops of a grouped finding

    def sort_key(self) -> tuple[str, str, str, str, int, str]:
        """Stable report order: per file, target and release, then by place in the model."""
        where = (self.op.subgraph, self.op.index) if self.op else ("", -1)
        return (self.file, self.target, self.release, *where, self.code)


def fingerprint(d: Diagnostic) -> str:
    """A finding's identity across re-exports: rule, target, release, op type and op name.

    Op indexes and byte offsets move when a model is exported again; the names do not,
    so a baseline or a SARIF upload keeps recognising the same finding.
    """
    op = (d.op.type_name, d.op.name, d.op.subgraph) if d.op else ("", "", "")
    key = "\x1f".join((d.code, d.target, d.release, *op))
    import hashlib  # here, not at the top: only baselines, diffs, SARIF and GitLab ask

    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]  # names may not be UTF-8
