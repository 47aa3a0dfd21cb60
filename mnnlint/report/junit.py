"""`--output-format junit`: JUnit XML, for CI systems that show test reports but not lint.

One testsuite per (model, target); in it one testcase per finding (its rule and op),
failing for errors and warnings, and one passing testcase per rule and release that
found nothing there, so a clean model shows as passed tests rather than as nothing.
Files that could not be read are a testsuite of errored cases. CI systems show these
names and messages to people (and some print them in the job log), so every text is
escaped as in the other human formats; characters XML cannot carry are replaced.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import TextIO

from ..diagnostics import Diagnostic, Severity
from . import Checked, RunInfo
from .common import rules_by_code
from .escape import line, message, text

FAILS = (Severity.ERROR, Severity.WARNING)
# Characters XML 1.0 cannot carry at all; op names come from the model file and may hold them.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _safe(value: str, *, keep_newlines: bool = False) -> str:
    """Escaped text (`escape`); an element's text keeps the lines `_detail` made, an attribute is one line."""
    value = "\n".join(line(part) for part in text(value, keep_newlines=keep_newlines).split("\n"))
    return _NOT_XML.sub("\ufffd", value)


def _clean(tree: ET.Element) -> None:
    """Every attribute and text of the tree made safe (see the module's docstring)."""
    for el in tree.iter():
        el.attrib = {k: _safe(v) for k, v in el.attrib.items()}
        if el.text:
            el.text = _safe(el.text, keep_newlines=True)


def _case(suite: ET.Element, classname: str, name: str) -> ET.Element:
    return ET.SubElement(suite, "testcase", name=name, classname=classname, time="0")


def _detail(d: Diagnostic) -> str:
    lines = [message(d.message)]
    if d.op:
        lines.append(f"op: {text(d.op.logical_path)} ({text(d.op.type_name)}), "
                     f"bytes {d.op.byte_offset}+{d.op.byte_length}")
    if d.related:
        lines.append(f"also: {', '.join(text(op.logical_path) for op in d.related)}")
    lines.append(f"target {d.target}, MNN {d.release}, build profile {d.profile}")
    if d.fix:
        lines.append(f"fix: {message(d.fix)}")
    return "\n".join(lines)


def build(diagnostics: Sequence[Diagnostic], run: RunInfo) -> ET.Element:
    rules = list(rules_by_code(run).values())
    suites: dict[tuple[str, str], list[Checked]] = {}
    for c in run.checked:
        suites.setdefault((c.file, c.target), []).append(c)
    by_suite: dict[tuple[str, str], list[Diagnostic]] = {}
    for d in diagnostics:  # findings for a check the run did not list still get a suite
        suites.setdefault((d.file, d.target), [])
        by_suite.setdefault((d.file, d.target), []).append(d)
    root = ET.Element("testsuites", name="mnnlint")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for (file, target), checks in suites.items():
        classname = f"{file}[{target}]"
        suite = ET.SubElement(root, "testsuite", name=f"{file} on {target}")
        props = ET.SubElement(suite, "properties")
        for c in checks:
            ET.SubElement(props, "property", name=f"mnn-release {c.release}",
                          value=f"build profile {c.profile}, tables at {c.commit}")
        mine = by_suite.get((file, target), [])
        releases = list(dict.fromkeys([*(c.release for c in checks), *(d.release for d in mine)]))
        tests = failures = 0
        for release in releases:
            found = [d for d in mine if d.release == release]
            hit = {d.code for d in found}
            for d in found:
                where = f" {d.op.logical_path}" if d.op else ""
                case = _case(suite, classname, f"{d.code} {d.rule}{where} @ MNN {release}")
                tests += 1
                if d.severity in FAILS:
                    failures += 1
                    fail = ET.SubElement(case, "failure", message=d.message, type=f"{d.code} {d.severity}")
                    fail.text = _detail(d)
                else:
                    ET.SubElement(case, "system-out").text = _detail(d)
            for rule in rules:
                if rule.code not in hit:
                    _case(suite, classname, f"{rule.code} {rule.name} @ MNN {release}")
                    tests += 1
        suite.set("tests", str(tests))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        suite.set("skipped", "0")
        totals["tests"] += tests
        totals["failures"] += failures
    if run.input_errors:
        suite = ET.SubElement(root, "testsuite", name="input files", tests=str(len(run.input_errors)),
                              failures="0", errors=str(len(run.input_errors)), skipped="0")
        for err in run.input_errors:
            case = _case(suite, "input", err.split(":", 1)[0])
            ET.SubElement(case, "error", message=err, type="input error").text = message(err)
        totals["tests"] += len(run.input_errors)
        totals["errors"] += len(run.input_errors)
    for key, value in totals.items():
        root.set(key, str(value))
    return root


def render(diagnostics: Sequence[Diagnostic], run: RunInfo, out: TextIO) -> None:
    root = build(diagnostics, run)
    _clean(root)
    ET.indent(root)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(root, encoding="unicode"))
    out.write("\n")
