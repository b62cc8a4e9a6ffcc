"""Fuzzing: mutated samples never make the analysis raise, and every range stays inside."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import SAMPLES
from workstream.analysis import analyze

TEXTS = [p.read_text("utf-8") for p in sorted(SAMPLES.rglob("*.workstream.json"))]
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+')
PIECES = [
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    '"',
    "\\",
    "//",
    "/*",
    "*/",
    "null",
    "-1",
    "1e999",
    '"id"',
    '"depends_on"',
    '"steps"',
    '"files"',
    "\ufeff",
    "\x00",
    "🎉",
    "\n",
    '"a"',
]


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(TEXTS))
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(
            st.sampled_from(["delete", "insert", "swap", "byte", "token-delete", "token-swap"])
        )
        if not text:
            text = draw(st.sampled_from(PIECES))
            continue
        i = draw(st.integers(0, len(text) - 1))
        if kind == "delete":
            j = draw(st.integers(i, min(len(text), i + 8)))
            text = text[:i] + text[j:]
        elif kind == "insert":
            text = text[:i] + draw(st.sampled_from(PIECES)) + text[i:]
        elif kind == "byte":
            # Overwrite one byte of the UTF-8 encoding (may split a multi-byte character).
            data = bytearray(text.encode("utf-8"))
            data[min(i, len(data) - 1)] = draw(st.integers(0, 255))
            text = data.decode("utf-8", "replace")
        elif kind == "swap":
            j = draw(st.integers(0, len(text) - 1))
            chars = list(text)
            chars[i], chars[j] = chars[j], chars[i]
            text = "".join(chars)
        else:
            tokens = [m.span() for m in _TOKEN.finditer(text)]
            a = draw(st.integers(0, len(tokens) - 1))
            if kind == "token-delete":
                text = text[: tokens[a][0]] + text[tokens[a][1] :]
            else:
                b = draw(st.integers(0, len(tokens) - 1))
                (s1, e1), (s2, e2) = sorted([tokens[a], tokens[b]])
                if e1 <= s2:
                    text = text[:s1] + text[s2:e2] + text[e1:s2] + text[s1:e1] + text[e2:]
    return text


def _inside(text: str, start: int, end: int) -> bool:
    return 0 <= start <= end <= len(text)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_analysis_never_raises_and_ranges_stay_inside(text: str) -> None:
    result = analyze(text)
    assert sum(f.code == "WS001" for f in result.findings) <= 1
    for f in result.findings:
        assert _inside(text, f.span.start, f.span.end), f
        for related in f.related:
            assert _inside(text, related.span.start, related.span.end), f


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_never_raises(text: str) -> None:
    for f in analyze(text).findings:
        assert _inside(text, f.span.start, f.span.end)
