"""Every rule's case file, run through the real CLI path on real converter-made models."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from mnnlint.capabilities import Capabilities
from mnnlint.capabilities.backends import canonical
from mnnlint.engine import check_model
from mnnlint.inputs import expand
from mnnlint.loader import load
from mnnlint.registry import load_registry
from mnnlint.settings import Profile

CASES = Path(__file__).parent / "cases"
MODELS = Path(__file__).resolve().parents[1] / "fixtures" / "models"
CAPS = Capabilities()


def _cases() -> list[Any]:
    out = []
    for path in sorted(CASES.glob("*.toml")):
        data = tomllib.loads(path.read_text())
        for case in data["case"]:
            out.append(pytest.param(data["rule"], case, id=f"{data['rule']}: {case['name']}"))
    return out


@pytest.mark.parametrize(("code", "case"), _cases())
def test_rule_case(code: str, case: dict[str, Any], tmp_path: Path) -> None:
    rule = load_registry().get(code)
    assert rule is not None
    (source,) = list(expand([str(MODELS / case["model"])]))
    model = load(source)
    if "config" in case:
        found = _with_config(case, source, tmp_path)
    else:
        plan = Profile(targets=(canonical(case["target"]),), releases=tuple(CAPS.resolve_versions(case["mnn_version"])),
                       rules=(rule,), build_profile=case.get("profile"))
        found = check_model(model, plan, CAPS).diagnostics
    assert len(found) == len(case["expect"]), [d.message for d in found]
    for diag, want in zip(found, case["expect"], strict=True):
        assert diag.code == want["code"]
        if "op_type" in want:
            assert diag.op is not None and diag.op.type_name == want["op_type"]
        assert want.get("message_has", "") in diag.message
        assert want.get("fix_has", "") in (diag.fix or "")
        assert diag.release and diag.target and diag.profile and diag.fix


def _with_config(case: dict[str, Any], source: Any, folder: Path) -> list[Any]:
    """A case with `config` (an mnnlint.toml beside the models) runs every rule it selects,
    then the policy (suppressions, per-file ignores, severities): rules such as M001 report
    what policy did."""
    from mnnlint.run import prepare

    flags = {"target": [case["target"]], "mnn-version": case["mnn_version"], "profile": case.get("profile")}
    config = folder / "mnnlint.toml"
    config.write_text(case["config"])
    run = prepare(flags=flags, config=config, label="case")
    return run.execute([source]).diagnostics
