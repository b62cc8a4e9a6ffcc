"""The JSONC parser: both paths agree on ranges; broken input is recovered from."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import SAMPLES
from workstream import jsonc
from workstream.jsonc import Path
from workstream.jsonc.fast import FastParsed
from workstream.jsonc.tolerant import TolerantParsed, TolerantParser


def all_paths(value: object, prefix: Path = ()) -> list[Path]:
    out: list[Path] = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            out += all_paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            out += all_paths(child, (*prefix, index))
    return out


def assert_span_holds_the_value(parsed: jsonc.ParsedJson, path: Path) -> None:
    span = parsed.span(path)
    assert span is not None, path
    expected = parsed.value
    for part in path:
        expected = expected[part]
    assert json.loads(parsed.text[span.start : span.end]) == expected, path


@pytest.mark.parametrize("name", ["diamond.workstream.json", "fan-out.workstream.json"])
def test_fast_and_tolerant_paths_give_the_same_ranges(name: str) -> None:
    # Strip the comments so the fast path applies, then compare every value and key range.
    tolerant = jsonc.parse((SAMPLES / name).read_text("utf-8"))
    assert not tolerant.errors
    text = json.dumps(tolerant.value, indent=2)
    fast = jsonc.parse(text)
    slow = TolerantParsed(text, TolerantParser(text).parse(), [])
    assert isinstance(fast, FastParsed)
    for path in all_paths(fast.value):
        assert fast.span(path) == slow.span(path), path
        assert fast.key_span(path) == slow.key_span(path), path
        assert_span_holds_the_value(fast, path)


def test_comments_and_trailing_commas_are_tolerated() -> None:
    parsed = jsonc.parse('{\n // c\n "a": [1, 2,], /* b */ "b": {"c": "d",},\n}')
    assert parsed.errors == []
    assert parsed.value == {"a": [1, 2], "b": {"c": "d"}}


@pytest.mark.parametrize(
    ("text", "value", "message"),
    [
        ('{"a": 1 "b": 2}', {"a": 1, "b": 2}, "Missing ','"),
        ('{"a": [1 2]}', {"a": [1, 2]}, "Missing ','"),
        ('{"a": }', {"a": None}, "Expected a value"),
        ('{"a" 1}', {"a": 1}, "Expected ':'"),
        ('{"a": 1', {"a": 1}, "Unexpected end of file"),
        ('{"a": tru}', {"a": None}, "Unexpected 'tru'"),
        ('{"a": "x}', {"a": "x}"}, "Unterminated string"),
        ("{a: 1}", {"a": 1}, "Expected a property name"),
        ('{"a": {"b": 1], "c": 2}', {"a": {"b": 1, "c": 2}}, "Expected '}'"),
        ("{} x", {}, "after the end of the document"),
        ('{"a": NaN}', {"a": None}, "Unexpected 'NaN'"),
        ("/* open", None, "Unterminated comment"),
        ("", None, "empty"),
    ],
)
def test_recovery(text: str, value: object, message: str) -> None:
    parsed = jsonc.parse(text)
    assert parsed.value == value
    assert parsed.errors and message in parsed.errors[0].message
    for error in parsed.errors:
        assert 0 <= error.span.start <= error.span.end <= len(text)


def test_last_duplicate_key_wins_on_both_paths() -> None:
    text = '{"a": 1, "a": 2}'
    assert jsonc.parse(text).value == {"a": 2}
    assert jsonc.parse(text).span(("a",)) == jsonc.parse(text + " // c").span(("a",))


def test_bom_is_tolerated_and_offsets_kept() -> None:
    parsed = jsonc.parse('\ufeff{"a": 1}')
    assert parsed.errors == [] and parsed.value == {"a": 1}
    span = parsed.span(("a",))
    assert span is not None and span.start == 7


def test_deep_nesting_neither_recurses_nor_hangs() -> None:
    for text in ["[" * 10_000, "[" * 10_000 + "]" * 10_000, '{"a":' * 10_000]:
        parsed = jsonc.parse(text)
        assert parsed.errors


def test_best_span_falls_back_to_the_nearest_ancestor() -> None:
    parsed = jsonc.parse('{"a": {"b": 1}}')
    assert parsed.best_span(("a", "zzz", 3)) == parsed.span(("a",))


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(json_values, st.sampled_from([None, 0, 2]), st.sampled_from(["", " ", "\n\t"]))
def test_the_fast_path_decodes_exactly_like_json_loads(
    value: object, indent: int | None, pad: str
) -> None:
    text = pad + json.dumps(value, indent=indent) + pad
    parsed = jsonc.parse(text)
    assert parsed.errors == [] and parsed.value == json.loads(text)
    for path in all_paths(parsed.value)[:30]:
        assert_span_holds_the_value(parsed, path)


@pytest.mark.parametrize(
    "text",
    ['{"a": 1} 2', '{"a" 1}', '{"a": NaN}', "{,}", "[,]", '{"a": [1,,]}', '{"a":1 "b":2}', "/*"],
)
def test_what_neither_json_nor_jsonc_allows_goes_to_the_tolerant_path(text: str) -> None:
    assert isinstance(jsonc.parse(text), TolerantParsed)


@pytest.mark.parametrize(
    "name", ["custom-tool.workstream.json", "02-parallel-execution.workstream.json"]
)
def test_json_with_comments_takes_the_fast_path_with_the_same_ranges(name: str) -> None:
    text = (SAMPLES / name).read_text("utf-8")
    fast = jsonc.parse(text)
    slow = TolerantParsed(text, TolerantParser(text).parse(), [])
    assert isinstance(fast, FastParsed) and fast.text == text
    assert fast.value == slow.value
    for path in all_paths(fast.value):
        assert fast.span(path) == slow.span(path), path
        assert fast.key_span(path) == slow.key_span(path), path


def test_comment_marks_inside_strings_are_kept() -> None:
    text = '{"url": "http://x/*y*/", "list": ["a,]", "b" ,], // c\n "n": 1 /* d */,}'
    parsed = jsonc.parse(text)
    assert isinstance(parsed, FastParsed) and parsed.errors == []
    assert parsed.value == {"url": "http://x/*y*/", "list": ["a,]", "b"], "n": 1}


@st.composite
def commented(draw: st.DrawFn) -> tuple[str, object]:
    value = draw(json_values)
    text = json.dumps(value, indent=1)
    out = []
    in_string = escaped = False
    for char in text:
        out.append(char)
        if in_string:
            in_string = escaped or char != '"'
            escaped = not escaped and char == "\\"
            continue
        in_string = char == '"'
        if char in ",[{\n" and draw(st.booleans()):  # outside strings only
            out.append(draw(st.sampled_from([' // c, ] } "\n', " /* x */ ", "/**/"])))
    return "".join(out), value


@settings(max_examples=300, deadline=None)
@given(commented())
def test_comments_anywhere_decode_like_the_tolerant_parser(case: tuple[str, object]) -> None:
    text, value = case
    parsed = jsonc.parse(text)
    slow = TolerantParsed(text, TolerantParser(text).parse(), [])
    assert parsed.errors == slow.errors == []
    assert parsed.value == slow.value == value
    for path in all_paths(parsed.value)[:30]:
        assert parsed.span(path) == slow.span(path), path
