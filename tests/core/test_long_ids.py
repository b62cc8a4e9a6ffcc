"""Ids too long to be file names (WS301): a finding on the id's token, once (the schema's
``maxLength`` is not a second one), in ``check`` and in the editor's analysis alike."""

from __future__ import annotations

import json

from workstream.analysis import analyze
from workstream.analysis.ids import MAX_ID_LENGTH, ref_problem
from workstream.findings import Finding


def found(text: str) -> list[tuple[Finding, str]]:
    return [(f, text[f.span.start : f.span.end]) for f in analyze(text).findings]


def test_a_300_character_workstream_id_is_ws301_on_its_token() -> None:
    long = "w" * 300
    text = json.dumps({"id": long, "steps": [{"id": "a", "run": "true", "files": []}]})
    [(f, token)] = found(text)
    assert f.code == "WS301" and token == json.dumps(long)
    assert (f.span.start, f.span.end) == (text.index('"w'), text.index('"w') + 302)
    assert "300 characters long, more than 100" in f.message
    assert len(f.message) < 250  # the id is cut in the message


def test_a_300_character_step_id_is_ws301_on_its_token() -> None:
    long = "s" * 300
    text = json.dumps({"id": "ws", "steps": [{"id": long, "run": "true", "files": []}]}, indent=1)
    [(f, token)] = found(text)
    assert f.code == "WS301" and token == json.dumps(long) and f.data["step"] == long
    assert text[: f.span.start].endswith('"id": ')


def test_the_limit_itself_is_allowed() -> None:
    assert ref_problem("a" * MAX_ID_LENGTH) is None
    assert ref_problem("a" * (MAX_ID_LENGTH + 1)) is not None
    text = json.dumps(
        {"id": "w" * 100, "steps": [{"id": "s" * 100, "run": "true", "files": []}]}, indent=1
    )
    assert found(text) == []
