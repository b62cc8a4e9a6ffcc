"""Fuzzing: mutated samples never make the analysis raise, and every range stays inside."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import SAMPLES
from workstream.analysis import analyze
from workstream.model_values import MAX_DELAY, MAX_RETRIES, MAX_SECONDS, MAX_WORKERS

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
    # hostile pieces: numbers of any size, deep nesting, lone surrogates, settings
    "9" * 4400,
    "-" + "9" * 4400,
    "1e308",
    "-0",
    "[" * 300,
    '{"a":' * 300,
    '"\\ud800"',
    "\\udfff",
    "\ud800",
    "\\u0000",
    '"worktree_dir": "..", ',
    '"copy": [".git"], ',
    '"env": {"GIT_DIR": "x", "A=B": "\\u0000"}, ',
    '"writable": ["~"], ',
    '"b\\ud800": 1, ',
    '"env": {"A\\udfff": 1}, ',
    '"files": ["-rf", "**/**/**/x"], ',
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
            data = bytearray(text.encode("utf-8", "surrogatepass"))
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
        f.message.encode("utf-8")  # no lone surrogate in a message: it can always be printed
        for related in f.related:
            assert _inside(text, related.span.start, related.span.end), f


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_never_raises(text: str) -> None:
    for f in analyze(text).findings:
        assert _inside(text, f.span.start, f.span.end)


numbers = st.one_of(
    st.integers().map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(str),
    st.from_regex(r"\A-?[1-9][0-9]{0,6000}\Z"),  # integers past Python's int() digit limit
    st.sampled_from(["1e999", "-1e999", "-0", "-0.0", "1e-400", "9" * 4400]),
)
SETTINGS = ["timeout_per_step", "rate_limit_delay", "retries", "max_workers"]


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(SETTINGS), numbers), numbers, numbers, st.booleans())
def test_any_number_gives_findings_or_a_bounded_model(
    execution: dict[str, str], timeout: str, retries: str, comment: bool
) -> None:
    members = ",".join(f'"{name}":{value}' for name, value in execution.items())
    text = (
        ("// c\n" if comment else "")
        + '{"id":"x","execution":{'
        + members
        + '},"steps":[{"id":"a","run":"t","files":[],"timeout":'
        + timeout
        + ',"retries":'
        + retries
        + "}]}"
    )
    analysis = analyze(text)
    assert analysis.model is not None
    e, step = analysis.model.execution, analysis.model.steps[0]
    assert 0 < e.timeout_per_step <= MAX_SECONDS and 0 <= e.rate_limit_delay <= MAX_DELAY
    assert 0 <= e.retries <= MAX_RETRIES
    assert e.max_workers is None or 1 <= e.max_workers <= MAX_WORKERS
    assert step.timeout is None or 0 < step.timeout <= MAX_SECONDS
    assert step.retries is None or 0 <= step.retries <= MAX_RETRIES
    bounded = [float(v) for v in (timeout, retries, *execution.values())]
    if any(v != v or abs(v) > 1e6 or v < 0 for v in bounded):
        assert any(f.code == "WS002" for f in analysis.findings)
