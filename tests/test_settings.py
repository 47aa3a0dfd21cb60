"""The settings model, the glob engine, the release type and the error family, each on its own."""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

import pytest

from mnnlint.capabilities import Capabilities
from mnnlint.errors import ConfigError, MnnlintError, UsageError
from mnnlint.globs import Glob, GlobError
from mnnlint.registry import load_registry
from mnnlint.release import Release, select_releases
from mnnlint.settings import SETTINGS, Context, json_schema

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "schemas" / "mnnlint-settings.schema.json"
CTX = Context(load_registry(), Capabilities())


# --- declared once -------------------------------------------------------------------


def test_committed_schema_is_generated_from_the_declarations() -> None:
    assert json.loads(SCHEMA.read_text()) == json_schema(), "run python tools/gen_settings_schema.py"


def test_every_setting_has_help_and_a_schema_entry() -> None:
    schema = json_schema()
    for s in SETTINGS:
        assert s.help and s.key in schema["properties"], s.key
        assert schema["properties"][s.key]["description"] == s.help
    profile = schema["properties"]["profiles"]["additionalProperties"]["properties"]
    assert set(profile) == {s.key for s in SETTINGS if s.scope == "profile"}


def test_readme_configuration_validates_against_the_schema_and_typos_do_not() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    text = "".join(re.findall(r"```toml\n(.*?)```", section, flags=re.DOTALL))
    data = tomllib.loads(text)["tool"]["mnnlint"]
    for entry in data.get("suppress", []):  # TOML dates arrive as datetime.date; editors send strings
        entry["until"] = str(entry.get("until", ""))
    validator = jsonschema.Draft202012Validator(json_schema())
    assert not list(validator.iter_errors(data))
    assert list(validator.iter_errors({**data, "targets": "cuda"}))
    assert list(validator.iter_errors({"profiles": {"a": {"output-format": "json"}}}))  # top level only
    assert list(validator.iter_errors({"fail-on": "sometimes"}))


def test_cli_flags_take_their_help_from_the_declarations() -> None:
    from mnnlint.cli import check_parser

    helps = {a.dest: a.help or "" for a in check_parser()._actions}
    for s in SETTINGS:
        dest = {"target": "target", "build-options": "build_option", "rules": None, "per-file-ignores": None,
                "severity": None, "suppress": None}.get(s.key, s.key.replace("-", "_"))
        if dest in helps and s.key != "build-options":
            assert s.help in helps[dest], s.key


# --- one merge rule ------------------------------------------------------------------


def _prepare(tmp_path: Path, text: str, **flags: object) -> object:
    from mnnlint.run import prepare

    config = tmp_path / "mnnlint.toml"
    config.write_text(text)
    return prepare(flags={k.replace("_", "-"): v for k, v in flags.items()}, config=config)


def _enabled(profile: object) -> set[str]:
    return {r.code for r in profile.rules}  # type: ignore[attr-defined]


def test_rule_selection_folds_layer_by_layer(tmp_path: Path) -> None:
    text = ('ignore = ["B001"]\n[profiles.a]\nignore = ["V"]\n[profiles.b]\nselect = ["B"]\n'
            '[profiles.c]\nextend-select = ["P"]\n')
    run = _prepare(tmp_path, text)
    a, b, c = run.profiles  # type: ignore[attr-defined]
    assert "B001" not in _enabled(a) and "V001" not in _enabled(a)  # a profile's ignore adds to the top's
    assert _enabled(b) == {"B001", "B002", "B003", "B004", "B005"}  # select starts over
    assert "B001" not in _enabled(c) and "P001" in _enabled(c)
    run = _prepare(tmp_path, text, select=["P"], ignore=["P001"], extend_select=["V"])
    assert all(_enabled(p) == {"V001"} for p in run.profiles)  # type: ignore[attr-defined]


def test_tables_merge_and_scalars_replace_across_layers(tmp_path: Path) -> None:
    text = ('target = "cuda"\nmnn-version = "3.2.0"\nbuild-options = { MNN_VULKAN_IMAGE = false }\n'
            '[severity]\nB001 = "info"\n[profiles.a]\ntarget = "cpu"\n[profiles.a.severity]\nB002 = "warning"\n')
    (a,) = _prepare(tmp_path, text, build_options={"MNN_LOW_MEMORY": True}, mnn_version="3.6.1").profiles  # type: ignore[attr-defined]
    assert a.targets == ("cpu",) and a.releases == ("3.6.1",) and a.build_profile is None
    assert a.build_options == {"MNN_VULKAN_IMAGE": False, "MNN_LOW_MEMORY": True}
    assert {k: str(v) for k, v in a.severity.items()} == {"B001": "info", "B002": "warning"}


def test_build_profile_and_option_errors_name_where_they_were_set(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"mnnlint.toml: \[profiles.a\] key 'profile': unknown build profile 'x'"):
        _prepare(tmp_path, '[profiles.a]\nprofile = "x"\n')
    with pytest.raises(ConfigError, match=r"mnnlint.toml: top level key 'build-options': unknown build option "
                                          r"'MNN_CUDAA' .*did you mean MNN_CUDA\?"):
        _prepare(tmp_path, "build-options = { MNN_CUDAA = true }\n")


# --- the release type ----------------------------------------------------------------


def test_release_order_and_ranges() -> None:
    assert Release("3.2") == Release("3.2.0") < Release("3.2.1") < Release("3.10.0") < Release("HEAD")
    known = ["2.8.0", "3.1.4", "3.2.0", "3.2.1", "3.10.0", "HEAD"]
    assert select_releases(">=3.2,<3.10", known) == ["3.2.0", "3.2.1"]
    assert select_releases("3.2", known) == ["3.2.1"]
    assert select_releases("latest", known) == ["3.10.0"] and select_releases("all", known) == known
    for bad in ("3.99", "~=3.2", ">=4"):
        with pytest.raises(UsageError):
            select_releases(bad, known)


# --- one glob engine -----------------------------------------------------------------


@pytest.mark.parametrize(("pattern", "path", "hit"), [
    ("models/*.mnn", "x/models/a.mnn", False),  # a slash anchors the glob at the root, for every use
    ("*.mnn", "x/models/a.mnn", True),
    ("**/models/*.mnn", "x/models/a.mnn", True),
    ("models/**", "models/a/b.mnn", True),
    ("/models/a.mnn", "models/a.mnn", True),
    ("\\#x.mnn", "#x.mnn", True),
])
def test_glob_semantics(pattern: str, path: str, hit: bool) -> None:
    assert Glob(pattern).matches(path) is hit


@pytest.mark.parametrize("pattern", ["[z-a].mnn", "a\\", "**/a/**/b/**/c", "*a*b*c*d.mnn", "!x.mnn", "", "x" * 2000])
def test_globs_that_cannot_be_used_are_refused_up_front(pattern: str) -> None:
    with pytest.raises(GlobError):
        Glob(pattern)


def test_repeated_double_star_is_linear() -> None:
    glob = Glob("**/" * 200 + "x.mnn")
    deep = "/".join(["a"] * 4000) + "/y.mnn"
    start = time.process_time()
    for _ in range(100):
        assert not glob.matches(deep)
    assert time.process_time() - start < 2.0  # about 1 ms; exponential would never finish


def test_the_worst_allowed_glob_stays_fast_on_a_deep_path() -> None:
    glob = Glob("**/a/**/a/b*a*a*c")
    deep = "/".join(["a"] * 2000) + "/" + "a" * 250
    start = time.process_time()
    assert not glob.matches(deep)
    assert time.process_time() - start < 2.0


# --- one error family ----------------------------------------------------------------


def test_every_user_error_is_one_family_with_exit_code_2() -> None:
    from mnnlint.baseline import BaselineError
    from mnnlint.capabilities import TableError
    from mnnlint.errors import InputError
    from mnnlint.registry import RegistryError

    for cls in (ConfigError, UsageError, BaselineError, TableError, RegistryError, GlobError, InputError):
        assert issubclass(cls, MnnlintError) and cls.exit_code == 2, cls
