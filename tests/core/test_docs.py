"""The README's table of codes and docs/diagnostics.md describe every code, with its severity."""

from __future__ import annotations

import re

from tests.conftest import ROOT
from workstream.findings import CODES


def test_the_readme_table_lists_every_code_with_its_severity() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    rows = dict(re.findall(r"^\| (WS\d{3}(?:-\d{3})?) \| (\w+) \|", readme, re.MULTILINE))
    for code, (severity, _) in CODES.items():
        key = code if code in rows else "WS501-503"
        assert rows.get(key) == severity.value, code


def test_the_diagnostics_page_has_a_section_per_code() -> None:
    page = (ROOT / "docs" / "diagnostics.md").read_text("utf-8")
    for code, (severity, _) in CODES.items():
        heading = re.search(rf"^### .*\b{code}\b.*\((\w+)\)$", page, re.MULTILINE)
        assert heading is not None and heading.group(1) == severity.value, code
