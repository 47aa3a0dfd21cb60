from __future__ import annotations

from collections.abc import Iterator

from mnnlint.diagnostics import Diagnostic, Severity
from mnnlint.rule import Rule, RuleContext

from ._common import counted, ops_finding


class OpTypeUnknown(Rule):
    """Op type id that the target release does not know, or knows under another name.

    ## What it does
    MNN stores an op's type as a number from the `OpType` enum of the converter
    that wrote the file. This rule reads each id with the enum of the *target*
    release and reports ids that release lacks (also ids no release mnnlint knows
    defines, such as 10000), and ids it maps to a different op than the newest
    schema does (ids have been reused across releases).

    ## Why is this bad?
    A runtime older than the converter cannot know an op added after it: at best
    the op is refused, at worst the id means another op there and the model
    computes something else without any message.

    ## Example
        mnnlint new_model.mnn --target cpu --mnn-version 2.8.0

    ## How to fix
    - Convert the model with the converter of the release you deploy (`pip install
      mnn==<release>`), or deploy the release named in the message.
    """

    code = "V001"
    name = "op-type-unknown"
    severity = Severity.ERROR

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        known = ctx.table.op_names
        if not known:
            return
        groups: dict[int, list] = {}
        for op in ctx.ops:
            if op.type_name is None or known.get(op.type_id) != op.type_name:
                groups.setdefault(op.type_id, []).append(op)
        for type_id, ops in sorted(groups.items()):
            here = known.get(type_id)
            label = ops[0].type_label
            introduced = self._introduced(ctx, type_id, ops[0].type_name)
            since = f"; it appears in MNN {introduced}" if introduced else ""
            if here is None and ops[0].type_name is None:
                message = (f"op type id {type_id} is defined by no MNN release mnnlint knows (up to HEAD), "
                           f"so MNN {ctx.release} cannot create this op: a newer converter or a corrupt file")
            elif here is None:
                message = (f"op type id {type_id} (`{label}` in mnnlint's schema) does not exist in MNN "
                           f"{ctx.release}{since}")
            else:
                message = (f"op type id {type_id} means `{here}` in MNN {ctx.release}, but `{label}` in the schema "
                           f"this file was written with{since}")
            yield ops_finding(
                ctx, ops, f"{message} ({counted(ops)})",
                fix=(f"Deploy MNN {introduced} or later, or convert" if introduced else "Convert")
                + f" the model with the MNN {ctx.release} converter (pip install mnn=={ctx.release})")

    @staticmethod
    def _introduced(ctx: RuleContext, type_id: int, name: str | None) -> str | None:
        """The first release whose enum gives `type_id` the name `name`."""
        if name is None:
            return None
        for release in ctx.tables.releases:
            if release != "HEAD" and ctx.tables.release(release).op_names.get(type_id) == name:
                return release
        return None
