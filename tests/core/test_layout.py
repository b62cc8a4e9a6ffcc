"""Formatting JSONC without losing a comment or a value, and folding it."""

from __future__ import annotations

from pathlib import Path

import pytest

from workstream.jsonc import parse
from workstream.jsonc.layout import folding_ranges, format_jsonc

SAMPLES = sorted(Path(__file__).parents[2].joinpath("samples").rglob("*.json"))


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_every_sample_keeps_its_value_and_formats_once(sample: Path) -> None:
    text = sample.read_text(encoding="utf-8")
    parsed = parse(text)
    out = format_jsonc(text, syntax_ok=not parsed.errors)
    if parsed.errors:
        assert out is None
        return
    assert out is not None
    assert parse(out).value == parsed.value
    assert format_jsonc(out) == out


def test_the_layout() -> None:
    text = '{"id":"x","steps":[{"id":"a","files":[],"env":{}},{"id":"b","depends_on":["a"],}]}'
    assert format_jsonc(text) == (
        "{\n"
        '  "id": "x",\n'
        '  "steps": [\n'
        "    {\n"
        '      "id": "a",\n'
        '      "files": [],\n'
        '      "env": {}\n'
        "    },\n"
        "    {\n"
        '      "id": "b",\n'
        '      "depends_on": [\n'
        '        "a"\n'
        "      ],\n"
        "    }\n"
        "  ]\n"
        "}\n"
    )


def test_comments_and_blank_lines_stay() -> None:
    text = (
        '{\n// the plan\n"id": "x", // its id\n\n\n\n'
        '"steps": [ /* none yet */ ], "tools": { // mine\n}\n}'
    )
    assert format_jsonc(text, indent="\t") == (
        "{\n"
        "\t// the plan\n"
        '\t"id": "x", // its id\n'
        "\n"
        '\t"steps": [ /* none yet */ ],\n'
        '\t"tools": { // mine\n'
        "\t}\n"
        "}\n"
    )


@pytest.mark.parametrize(
    "broken", ['{"id": "x", "steps": [', '{"id": "x" "steps": []}', '{"a": tru}', '{"a": "\n"}']
)
def test_a_broken_file_is_not_formatted(broken: str) -> None:
    assert format_jsonc(broken, syntax_ok=not parse(broken).errors) is None


def test_folds_of_containers_and_block_comments() -> None:
    text = '{\n  /* a\n  b */\n  "steps": [\n    {"id": "a"}\n  ],\n  "e": {}\n}\n'
    folds = [(f.start, f.end, f.comment) for f in folding_ranges(text)]
    assert folds == [(0, 6, False), (1, 2, True), (3, 4, False)]
