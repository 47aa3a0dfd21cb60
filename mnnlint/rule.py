"""The contract between the engine and a rule.

A rule is a class with declarative metadata (code, name, severity, the op types it
wants) and a docstring in four sections that is its documentation everywhere. It
reads what `RuleContext` hands it and yields diagnostics; it never prints, sorts or
checks whether it is ignored.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from .diagnostics import Diagnostic, OpRef, Severity
from .model import Model, Op

if TYPE_CHECKING:
    from pathlib import Path

    import networkx as nx

    from .capabilities import Capabilities, ReleaseTable
    from .capabilities.support import OpFacts, Verdict
    from .report import Checked
    from .settings import Suppression

DOC_SECTIONS = ("What it does", "Why is this bad?", "Example", "How to fix")


class Option(NamedTuple):
    """A setting a rule accepts under `[tool.mnnlint.rules.CODE]`."""

    type: type
    default: Any
    help: str


class Rule:
    """Base class of every rule; subclasses set the class attributes below."""

    code: ClassVar[str]
    name: ClassVar[str]  # names the problem, never the fix
    severity: ClassVar[Severity]
    since: ClassVar[str] = "0.1.0"
    aliases: ClassVar[tuple[str, ...]] = ()
    # None: the rule wants every op (and may ask for ctx.graph); a set: only ops of these types.
    op_types: ClassVar[frozenset[str] | None] = None
    options: ClassVar[Mapping[str, Option]] = {}
    # Whether the rule runs when the target backend does not exist in the release at all
    # (only the rule that reports exactly that needs to).
    without_backend: ClassVar[bool] = False

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        raise NotImplementedError

    def check_run(self, ctx: RunContext) -> Iterator[Diagnostic]:
        """The run phase: called once, after every model was checked and policy applied.

        For rules about the run rather than one model (M001 reports suppressions that hid
        nothing). A rule that only overrides this sets `op_types = frozenset()` so the
        per-model phase gives it nothing.
        """
        return iter(())

    @classmethod
    def has_run_phase(cls) -> bool:
        return cls.check_run is not Rule.check_run

    @classmethod
    def option_values(cls, given: Mapping[str, Any]) -> dict[str, Any]:
        """The rule's options: the config's values over the declared defaults."""
        return {name: given.get(name, option.default) for name, option in cls.options.items()}

    @classmethod
    def summary(cls) -> str:
        import inspect  # here: only documentation reads it, and a check should not import it

        return inspect.getdoc(cls).splitlines()[0] if cls.__doc__ else ""

    @classmethod
    def documentation(cls) -> str:
        """The docstring after its summary line, dedented: the rule's full docs."""
        import inspect

        doc = inspect.getdoc(cls) or ""
        return doc.split("\n", 1)[1].strip() if "\n" in doc else ""

    @classmethod
    def section(cls, title: str) -> str:
        """One `## title` section of the documentation, without its heading."""
        text = cls.documentation()
        marker = f"## {title}"
        if marker not in text:
            return ""
        body = text.split(marker, 1)[1]
        return body.split("\n## ", 1)[0].strip()


class OpGroup(NamedTuple):
    """Ops of one type that MNN handles alike on the checked backend, with that verdict.

    The engine groups a model's ops once per (target, release, build); a type splits
    into several groups when its ops differ in what changes the decision (a constant
    op is computed on the CPU at load, a one-input Gather re-emits itself, …).
    """

    type_name: str  # MNN's name, or `#<id>` for an id the schema does not know
    verdict: Verdict
    ops: tuple[Op, ...]
    facts: OpFacts  # what decided the verdict, as seen on the first op

    @property
    def known(self) -> bool:
        return self.ops[0].type_name is not None


class RuleContext:
    """Everything a rule may read for one (model, target, release, build) check.

    A plain class, not a dataclass: the graph is built on first use and handed on to the
    next rule, and a plain check defines no dataclass (defining them, and importing
    `dataclasses` with `inspect`, was a sixth of a small model's whole check).
    """

    def __init__(self, *, model: Model, ops: Sequence[Op], target: str, release: str, profile: str,
                 build: Mapping[str, bool], table: ReleaseTable, tables: Capabilities, rule: Rule,
                 options: Mapping[str, Any] = MappingProxyType({}), _graph: Any = None,
                 groups: Sequence[OpGroup] = (), profile_assumed: bool = False) -> None:
        self.model = model
        self.ops = ops  # the ops the rule asked for (all ops when op_types is None)
        self.target = target
        self.release = release
        self.profile = profile
        self.build = build  # resolved build macros: profile plus --build-option
        self.table = table
        self.tables = tables
        self.rule = rule
        self.options = options
        self._graph = _graph
        # The model's ops grouped by type and verdict on this target (see OpGroup); the engine
        # fills it once per check for the rules that ask for it (op_types None).
        self.groups = groups
        # Whether the build profile was chosen by mnnlint rather than named by the user.
        self.profile_assumed = profile_assumed

    def verdict(self, op_type: str, facts: OpFacts | None = None) -> Verdict:
        """How the target backend handles an op of `op_type` in this release and build (memoised)."""
        from .capabilities.support import OpFacts, decide

        facts = facts or OpFacts()
        key = (self.target, op_type, facts, self._build_key)
        if key not in self.table.verdicts:
            self.table.verdicts[key] = decide(self.table, self.target, op_type, self.build, facts)
        return self.table.verdicts[key]

    def table_options(self, requires: Mapping[str, bool]) -> dict[str, bool]:
        """Preprocessor conditions spelled as the CMake options a user sets."""
        return {self.table.option_for(macro): value for macro, value in requires.items()}

    @cached_property
    def _build_key(self) -> tuple[tuple[str, bool], ...]:
        return tuple(sorted(self.build.items()))

    @property
    def graph(self) -> nx.MultiDiGraph:
        """The model graph, built on first use and shared by all rules of this model."""
        if self._graph is None:
            from .graph import build_graph

            self._graph = build_graph(self.model)
        return self._graph

    def diagnostic(
        self,
        op: Op | None,
        message: str,
        *,
        fix: str | None = None,
        severity: Severity | None = None,
        related: Iterable[Op] = (),
        count: int = 1,
    ) -> Diagnostic:
        return Diagnostic(
            code=self.rule.code,
            rule=self.rule.name,
            severity=severity or self.rule.severity,
            message=message,
            file=self.model.path,
            op=OpRef.of(op) if op is not None else None,
            target=self.target,
            release=self.release,
            profile=self.profile,
            fix=fix,
            count=count,
            related=tuple(OpRef.of(o) for o in related),
        )


class SuppressionUse(NamedTuple):
    """What policy saw of one suppression during the run."""

    suppression: Suppression
    matched: int  # findings it covered, expired or not
    expired_at: Diagnostic | None  # the first finding it covered after its `until`


class RunContext(NamedTuple):
    """Everything a rule's run phase may read: what was checked and what policy did."""

    rule: Rule
    checked: Sequence[Checked]  # every (model, target, release) checked, with build profile
    suppressions: Sequence[SuppressionUse]
    selected: frozenset[str]  # codes of the rules that ran in any profile
    config_label: str  # the config file, for messages
    root: Path  # globs are relative to this folder
    options: Mapping[str, Any] = MappingProxyType({})

    def relative(self, file: str) -> str:
        from .globs import relative_path

        return relative_path(file, self.root)

    def diagnostic(
        self, *, file: str, target: str, release: str, profile: str, message: str,
        op: OpRef | None = None, fix: str | None = None, severity: Severity | None = None,
    ) -> Diagnostic:
        return Diagnostic(
            code=self.rule.code, rule=self.rule.name, severity=severity or self.rule.severity, message=message,
            file=file, op=op, target=target, release=release, profile=profile, fix=fix,
        )
