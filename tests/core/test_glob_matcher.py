"""The scope matcher: same answers as a straightforward regex translation, in bounded time."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from fnmatch import fnmatchcase
from typing import TypeVar

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from workstream.scopes import matches
from workstream.wildcard import segment_matches, wildcard_match

T = TypeVar("T")
U = TypeVar("U")


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


def recursive_reference(pattern: list[str], path: list[str]) -> bool:
    """Straight from the README, by brute force (exponential; fine for small inputs): a middle
    ``**`` spans zero or more segments, a trailing one at least one, other segments match one
    segment by fnmatch (with ``[^...]`` as ``[!...]``), and a pattern that matches the first
    segments of a path covers the rest (a directory covers what is below it)."""

    def segment(glob: str, name: str) -> bool:
        return fnmatchcase(name, glob.replace("[^", "[!"))

    def full(p: int, names: list[str]) -> bool:
        if p == len(pattern):
            return not names
        if pattern[p] == "**":
            least = 1 if p == len(pattern) - 1 else 0
            return any(full(p + 1, names[k:]) for k in range(least, len(names) + 1))
        return bool(names) and segment(pattern[p], names[0]) and full(p + 1, names[1:])

    return any(full(0, path[:k]) for k in range(1, len(path) + 1))


class_segments = st.sampled_from(["[ab]", "[!a]", "[^a]", "[a-b]", "[]a]", "[a", "a[b]*", "?[!b]"])


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.one_of(pattern_segments, class_segments), min_size=1, max_size=5),
    st.lists(st.one_of(names, st.sampled_from(["]", "^", "[a", "-"])), min_size=1, max_size=6),
)
def test_the_matcher_agrees_with_a_brute_force_reading_of_the_rules(
    pattern: list[str], path: list[str]
) -> None:
    assert matches("/".join(pattern), "/".join(path)) == recursive_reference(pattern, path)


@settings(max_examples=400, deadline=None)
@given(st.text("ab*?[]!^-", max_size=8), st.text("ab]^-!", max_size=6))
def test_a_segment_matches_as_fnmatch_does(pattern: str, name: str) -> None:
    assume("[^" not in pattern)  # a negation here (as in git), a literal '^' for fnmatch
    assert segment_matches(pattern, name) == fnmatchcase(name, pattern), (pattern, name)


def test_a_class_negates_with_a_caret_as_with_an_exclamation_mark() -> None:
    assert segment_matches("[^ab].md", "c.md") and not segment_matches("[^ab].md", "a.md")
    assert segment_matches("[^]]", "a") and not segment_matches("[^]]", "]")


def counting(one: Callable[[T, U], bool], calls: list[int]) -> Callable[[T, U], bool]:
    def counted(token: T, item: U) -> bool:
        calls[0] += 1
        return one(token, item)

    return counted


@pytest.mark.parametrize(
    ("tokens", "items"),
    [
        (["*", "a"] * 30 + ["x"], ["a"] * 60 + ["b"]),  # every star, every item: the worst
        (["*"] * 1 + ["a"] * 50 + ["b"], ["a"] * 2000),
        (["*", "a", "*", "b"] * 20, ["a", "b"] * 500 + ["c"]),
    ],
)
def test_the_wildcard_match_costs_at_most_a_product_of_the_lengths(
    tokens: list[str], items: list[str]
) -> None:
    calls = [0]
    wildcard_match(tokens, items, "*", counting(lambda t, i: t == i, calls))
    # a backtracking matcher makes exponentially many tests on the first input
    assert calls[0] <= (len(tokens) + 1) * (len(items) + 1)


def test_pathological_globs_return_with_a_bounded_number_of_tests() -> None:
    # the case: ten ** then x, against 60 segments; and stars inside a long segment
    assert not matches("/".join(["**"] * 10 + ["x"]), "/".join(["a"] * 60 + ["b"]))
    assert not matches("/".join(["**", "*a*"] * 30 + ["x"]), "/".join(["a"] * 60 + ["b"]))
    assert not segment_matches("*a" * 100 + "b", "a" * 5000)
    assert segment_matches("*a" * 100 + "*", "a" * 5000)
