"""Incremental analysis gives exactly what a full analysis gives, or declines."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import SAMPLES
from workstream import jsonc
from workstream.analysis import Analysis, analyze
from workstream.analysis.incremental import reanalyze


def plain(name: str) -> str:
    """A sample as plain JSON (the incremental path starts from the fast parser's result)."""
    value = jsonc.parse((SAMPLES / name).read_text("utf-8")).value
    return json.dumps(value, indent=2, ensure_ascii=False)


TEXTS = [
    plain(name)
    for name in [
        "diamond.workstream.json",
        "fan-out.workstream.json",
        "custom-tool.workstream.json",
        "mistakes/graph.workstream.json",
        "mistakes/scopes.workstream.json",
        "mistakes/tools-and-ids.workstream.json",
        "mistakes/schema.workstream.json",
        "mistakes/settings.workstream.json",
    ]
] + [  # and as written, with comments and trailing commas
    (SAMPLES / name).read_text("utf-8")
    for name in ["custom-tool.workstream.json", "mistakes/graph.workstream.json"]
]
PIECES = [
    "a",
    "x",
    "-",
    "1",
    '"',
    ",",
    " ",
    "models",
    "config",
    "src/*.py",
    '"',
    ":",
    "{",
    "}",
    "[",
    "]",
    "é",
    "🎉",
    "\\n",
    "null",
    '"files": [], ',
    '"depends_on": ["a"], ',
    "//",
    "/*",
    "*/",
    " // note\n",
    "/* note */",
    "9" * 4400,
    "1e308",
    "\\ud800",
    "\\u0000",
    "GIT_DIR",
    "A=B",
    "~",
    "../",
    ".git/",
    '"env": {"GIT_DIR": "x"}, ',
    '"writable": ["cache"], ',
    '"b\\ud800": 1, ',
    '"env": {"A\\udfff": 1}, ',
    '"files": ["-x"], ',
]


def same(a: Analysis, b: Analysis) -> None:
    assert a.findings == b.findings
    assert [(f.data) for f in a.findings] == [(f.data) for f in b.findings]
    assert a.model == b.model
    assert a.parsed.value == b.parsed.value


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(TEXTS), st.data())
def test_incremental_equals_full(text: str, data: st.DataObject) -> None:
    previous = analyze(text)
    start = data.draw(st.integers(0, len(text)))
    old_end = data.draw(st.integers(start, min(len(text), start + 6)))
    inserted = data.draw(st.sampled_from(["", *PIECES]))
    new = text[:start] + inserted + text[old_end:]
    result = reanalyze(previous, new, start, old_end, start + len(inserted))
    if result is not None:
        same(result, analyze(new))
        # a second edit from the incremental result: what it carried over must stay right
        at = data.draw(st.integers(0, len(new)))
        newer = new[:at] + data.draw(st.sampled_from(PIECES)) + new[at:]
        again = reanalyze(result, newer, at, at, at + len(newer) - len(new))
        if again is not None:
            same(again, analyze(newer))


def test_typing_in_a_step_is_incremental_and_exact() -> None:
    text = plain("mistakes/graph.workstream.json")
    previous = analyze(text)
    for needle, typed in [('"run": "true"', "x"), ('"modles"', "s"), ('"app/api.py"', "x")]:
        at = text.index(needle) + len(needle) - 1
        new = text[:at] + typed + text[at:]
        result = reanalyze(previous, new, at, at, at + len(typed))
        assert result is not None, needle
        same(result, analyze(new))


def test_edits_outside_one_step_decline() -> None:
    text = plain("diamond.workstream.json")
    previous = analyze(text)
    at = text.index('"id"')  # the workstream id, outside steps
    assert reanalyze(previous, text[:at] + " " + text[at:], at, at, at + 1) is None
    broken = text.replace('"config",', '"config"', 1)
    at = text.index('"config",') + len('"config"')
    assert reanalyze(previous, broken, at, at + 1, at) is None


def test_a_dependency_edit_refreshes_findings_on_other_steps() -> None:
    # 'a' has no files and may run beside 'b' (WS203) until 'b' depends on it.
    steps = [{"id": "a", "run": "x"}, {"id": "b", "run": "x", "files": [], "depends_on": ["q"]}]
    text = json.dumps({"id": "w", "steps": steps}, indent=1)
    previous = analyze(text)
    assert [f.code for f in previous.findings] == ["WS203", "WS102"]
    at = text.index('"q"') + 1
    new = text[:at] + "a" + text[at + 1 :]
    result = reanalyze(previous, new, at, at + 1, at + 1)
    assert result is not None
    same(result, analyze(new))
    assert result.findings == []
