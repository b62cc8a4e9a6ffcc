"""The scope matcher: same answers as a straightforward regex translation, in bounded time."""

from __future__ import annotations

import re
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from workstream.scopes import matches


def reference(pattern: str, path: str) -> bool:
    """The old regex translation (backtracking; fine for small inputs)."""
    out = []
    segments = pattern.split("/")
    for i, segment in enumerate(segments):
        final = i == len(segments) - 1
        if segment == "**":
            out.append(".*" if final else "(?:.*/)?")
            continue
        for char in segment:
            out.append({"*": "[^/]*", "?": "[^/]"}.get(char, re.escape(char)))
        if not final:
            out.append("/")
    return re.match("".join(out) + r"(?:/.*)?\Z", path, re.DOTALL) is not None


names = st.sampled_from(["a", "b", "ab", "x.py", ".h"])
pattern_segments = st.sampled_from(["a", "b", "*", "?", "**", "a*", "*b", "*.py", ".*"])


@settings(max_examples=400, deadline=None)
@given(
    st.lists(pattern_segments, min_size=1, max_size=5),
    st.lists(names, min_size=1, max_size=6),
)
def test_the_matcher_agrees_with_the_regex_translation(pattern: list[str], path: list[str]) -> None:
    p, f = "/".join(pattern), "/".join(path)
    assert matches(p, f) == reference(p, f), (p, f)


def test_many_double_stars_against_a_deep_path_take_no_time() -> None:
    pattern = "/".join(["**"] * 10 + ["x"])
    deep = "/".join(["a"] * 60 + ["b"])
    pattern_b = "/".join(["**", "a*"] * 30 + ["x"])
    began = time.process_time()
    assert not matches(pattern, deep)
    assert not matches(pattern_b, deep)
    assert matches(pattern, deep[:-1] + "x")
    # a backtracking regex needs minutes for these; the segment matcher well under a second
    assert time.process_time() - began < 1.0
