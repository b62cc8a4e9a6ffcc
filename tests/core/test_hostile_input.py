"""Hostile documents: numbers of any size, deep nesting, odd encodings. Findings, never crashes,
through both parsers (the fast path, with and without comments, and the tolerant one), the
incremental path and ``workstream check``; and a model that never holds an unbounded value."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from workstream.analysis import analyze
from workstream.analysis.incremental import reanalyze
from workstream.model import Workstream
from workstream.model_values import MAX_DELAY, MAX_RETRIES, MAX_SECONDS, MAX_WORKERS

BIG = "9" * 5000
STEP = '{"id":"a","run":"true","files":[]'
DOCUMENTS = {
    "huge integer as a timeout": '{"id":"x","steps":[{"id":"a","timeout":' + BIG + "}]}",
    "huge integer at the top": '{"id":"x","n":' + BIG + ',"steps":[]}',
    "huge integer, broken document": '{"id":"x","steps":[{"id":"a","timeout":' + BIG,
    "float past the largest": '{"id":"x","execution":{"rate_limit_delay":1e999},"steps":[]}',
    "negative zero and tiny": '{"id":"x","execution":{"timeout_per_step":-0.0,"retries":1e-400}}',
    "deep arrays": '{"id":"x","steps":' + "[" * 100_000,
    "deep arrays, closed": '{"id":"x","steps":' + "[" * 100_000 + "]" * 100_000 + "}",
    "deep objects": '{"id":"x","steps":[' + '{"a":' * 50_000,
    "deep, with a comment": '// c\n{"id":"x","steps":[' + "[" * 5000 + "]" * 5000 + "]}",
    "lone surrogate": '{"id":"\\ud800","steps":[{"id":"\\udfff","run":"true"}]}',
    "NUL in strings": '{"id":"x","steps":[{"id":"a","run":"a\\u0000b","env":{"A\\u0000":"b"}}]}',
}


def model_of(text: str) -> Workstream | None:
    return analyze(text).model


def codes(text: str) -> list[str]:
    return [f.code for f in analyze(text).findings]


@pytest.mark.parametrize("text", DOCUMENTS.values(), ids=DOCUMENTS.keys())
def test_analysis_reports_findings_and_never_raises(text: str) -> None:
    analysis = analyze(text)
    assert analysis.findings
    for f in analysis.findings:
        assert 0 <= f.span.start <= f.span.end <= len(text)
        f.message.encode("utf-8")  # printable: no lone surrogate left in a message


@pytest.mark.parametrize("comment", ["", "// a comment\n"], ids=["plain", "with a comment"])
@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("timeout_per_step", BIG),
        ("timeout_per_step", "-" + BIG),
        ("timeout_per_step", "1e308"),
        ("timeout_per_step", "1e999"),
        ("timeout_per_step", "-0"),
        ("timeout_per_step", "0"),
        ("timeout_per_step", "604801"),
        ("rate_limit_delay", "1e308"),
        ("rate_limit_delay", "-1e-300"),
        ("rate_limit_delay", "3600.5"),
        ("retries", BIG),
        ("retries", "101"),
        ("retries", "-1"),
        ("retries", "1.5"),
        ("max_workers", BIG),
        ("max_workers", "0"),
        ("max_workers", "1025"),
        ("max_workers", "-0"),
    ],
)
def test_a_number_out_of_bounds_is_ws002_and_never_reaches_the_model(
    comment: str, setting: str, value: str
) -> None:
    text = (
        comment + '{"id":"x","execution":{"' + setting + '":' + value + '},"steps":[' + STEP + "}]}"
    )
    analysis = analyze(text)
    [found] = analysis.findings
    assert found.code == "WS002"
    assert text[found.span.start : found.span.end] == value
    assert len(found.message) < 400  # a 5,000-digit number is shortened
    assert analysis.model is not None
    execution = analysis.model.execution
    assert 0 < execution.timeout_per_step <= MAX_SECONDS
    assert 0 <= execution.rate_limit_delay <= MAX_DELAY
    assert 0 <= execution.retries <= MAX_RETRIES
    assert execution.max_workers is None or 1 <= execution.max_workers <= MAX_WORKERS


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("timeout", BIG),
        ("timeout", "1e308"),
        ("timeout", "-0.0"),
        ("retries", "-" + BIG),
        ("retries", "1e5"),
    ],
)
def test_a_step_number_out_of_bounds_is_ws002_in_both_parsers(setting: str, value: str) -> None:
    for broken in ("", ","):  # a trailing comma too much: the tolerant parser
        text = '{"id":"x","steps":[' + STEP + ',"' + setting + '":' + value + broken + "}]}"
        analysis = analyze(text)
        assert "WS002" in codes(text), text[:80]
        assert analysis.model is not None
        step = analysis.model.steps[0]
        assert step.timeout is None and step.retries is None


def test_numbers_in_bounds_reach_the_model() -> None:
    text = (
        '{"id":"x","execution":{"timeout_per_step":604800,"rate_limit_delay":3600,'
        '"retries":100,"max_workers":1024},"steps":[' + STEP + ',"timeout":0.5,"retries":0}]}'
    )
    analysis = analyze(text)
    assert analysis.findings == []
    assert analysis.model is not None
    execution = analysis.model.execution
    assert (execution.timeout_per_step, execution.rate_limit_delay) == (604800, 3600)
    assert (execution.retries, execution.max_workers) == (100, 1024)
    assert (analysis.model.steps[0].timeout, analysis.model.steps[0].retries) == (0.5, 0)


def test_an_edit_that_types_a_huge_number_or_deep_nesting_inside_a_step() -> None:
    text = '{"id":"x","steps":[' + STEP + ',"timeout":1},{"id":"b","run":"t","files":[]}]}'
    previous = analyze(text)
    at = text.index(":1}") + 1
    for typed in (BIG, "[" * 100_000, '"\\ud800"'):
        edited = text[:at] + typed + text[at + 1 :]
        again = reanalyze(previous, edited, at, at + 1, at + len(typed))
        full = analyze(edited)
        assert full.findings
        if again is not None:
            assert again.findings == full.findings


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\xef\xbb\xbf" + b'{"id":"x","steps":[{"id":"a","run":"t","files":[]}]}', ""),
        ('{"id":"x","steps":[]}'.encode("utf-16"), "UTF-16"),
        ('{"id":"x","steps":[]}'.encode("utf-16-be"), "UTF-16"),
        ('{"id":"x","steps":[]}'.encode("utf-32"), "UTF-32"),
        (b'{"id":"\xff\xfe","steps":[]}', "not valid UTF-8"),
        (('{"id":"x","steps":' + "[" * 100_000).encode(), "Nesting deeper"),
        (('{"id":"x","steps":[{"id":"a","timeout":' + BIG + "}]}").encode(), "maximum"),
        (b'{"id":"\\ud800","steps":[{"id":"a","run":"t","files":[]}]}', "lone surrogate"),
        ('{"id":"\ud800","steps":[]}'.encode("utf-8", "surrogatepass"), "not valid UTF-8"),
        (b"", "empty"),
    ],
    ids=["bom", "utf-16", "utf-16 without bom", "utf-32", "not-utf8", "deep", "huge", "surrogate",
         "encoded surrogate", "empty"],
)  # fmt: skip
def test_check_on_odd_files_prints_a_finding_not_a_traceback(
    tmp_path: Path, data: bytes, expected: str
) -> None:
    path = tmp_path / "odd.workstream.json"
    path.write_bytes(data)
    for form in ("text", "json"):
        done = subprocess.run(
            [sys.executable, "-m", "workstream", "check", "--format", form, str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert "Traceback" not in done.stdout + done.stderr
        assert done.returncode == (1 if expected else 0), done.stdout + done.stderr
        assert expected in done.stdout
        if form == "json":
            json.loads(done.stdout)


def _at_depth(frames: int, call: Callable[[], list[str]]) -> list[str]:
    return call() if frames == 0 else _at_depth(frames - 1, call)


@pytest.mark.parametrize("depth", [700, 850, 950, 990])
@pytest.mark.parametrize("frames", [0, 100, 300])
def test_nesting_near_the_decoders_limit_from_a_deep_stack(depth: int, frames: int) -> None:
    # json.loads may just manage a value that a later range lookup, from deeper in the
    # stack, cannot scan again: the lookup falls back to a parent's range, never raises
    nested = "[" * depth + "]" * depth
    text = '{"id":"x","steps":[{"id":"a","run":"t","files":[],"env":' + nested + "}]}"
    found = _at_depth(frames, lambda: [f.code for f in analyze(text).findings])
    assert "WS002" in found


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        (  # a key with a surrogate, and a wrong value under it: both on the right token
            '{"id":"x","steps":[{"id":"a","run":"t","files":[],"env":{"A\\ud800":1}}]}',
            ['"A\\ud800"', "1"],
        ),
        (  # an unknown key with a surrogate: reported once as unknown, once as a surrogate
            '{"id":"x","steps":[{"id":"a","run":"t","files":[],"b\\ud800":1}]}',
            ['"b\\ud800"', '"b\\ud800"'],
        ),
        (  # deep and a surrogate: the copy the validator sees is made without recursion
            '{"id":"\\ud800","steps":[{"id":"a","run":"t","files":[],"env":'
            + "[" * 950
            + "]" * 950
            + "}]}",
            None,
        ),
    ],
)
def test_lone_surrogates_in_keys_and_beside_deep_values(
    text: str, tokens: list[str] | None
) -> None:
    found = [f for f in analyze(text).findings if f.code == "WS002"]
    assert any("lone surrogate" in f.message for f in found)
    if tokens is not None:
        assert [text[f.span.start : f.span.end] for f in found] == tokens
