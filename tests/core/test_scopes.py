"""File scope patterns: matching, overlap, and the non-quadratic candidate search."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from workstream.analysis.conflicts import (
    Entry,
    all_plain_and_normal,
    overlap_masks,
    pattern_pairs,
)
from workstream.scopes import in_scope, matches, may_overlap, normalize


def test_plain_paths_cover_themselves_and_what_is_below() -> None:
    assert matches("src/a.py", "src/a.py")
    assert matches("src", "src/a/b.py")
    assert matches("./src/", "src/a.py")
    assert not matches("src/a.py", "src/a.pyc")
    assert not matches("src", "srcx/a.py")


def test_globs_stay_in_their_segment_except_double_star() -> None:
    assert matches("src/*.py", "src/a.py")
    assert not matches("src/*.py", "src/sub/a.py")
    assert matches("src/**/*.py", "src/a.py")
    assert matches("src/**/*.py", "src/x/y/a.py")
    assert matches("src/**", "src/x/y")
    assert matches("**/test_*.py", "tests/unit/test_a.py")
    assert matches("lib/?.c", "lib/x.c") and not matches("lib/?.c", "lib/xy.c")
    assert matches("docs/[ab].md", "docs/a.md") and not matches("docs/[ab].md", "docs/c.md")
    assert matches("docs/[!ab].md", "docs/c.md") and not matches("docs/[!ab].md", "docs/a.md")
    assert in_scope(["x", "src/*.py"], "src/a.py") and not in_scope([], "a")


segment = st.sampled_from(["a", "b", "ab", "*", "a*", "*b", "?", "[ab]", "**", "c.py", "*.py"])
pattern = st.lists(segment, min_size=1, max_size=4).map("/".join)
concrete = st.lists(
    st.sampled_from(["a", "b", "ab", "c.py", "bb", "x.py"]), min_size=1, max_size=5
).map("/".join)


@settings(max_examples=300, deadline=None)
@given(pattern, pattern, st.lists(concrete, min_size=1, max_size=20))
def test_may_overlap_never_misses_a_real_overlap(a: str, b: str, paths: list[str]) -> None:
    # Soundness: if some path is covered by both, may_overlap must say so.
    if any(matches(a, p) and matches(b, p) for p in paths):
        assert may_overlap(a, b)


def brute_force_masks(scopes: list[list[str]]) -> dict[Entry, int]:
    """Every entry (the first of its pattern in its step) and the other steps it may overlap."""
    masks: dict[Entry, int] = {}
    for node, files in enumerate(scopes):
        seen: set[str] = set()
        for position, raw in enumerate(files):
            if normalize(raw) in seen:
                continue
            seen.add(normalize(raw))
            mask = 0
            for other, other_files in enumerate(scopes):
                if other != node and any(
                    normalize(raw) == normalize(p) or may_overlap(raw, p) for p in other_files
                ):
                    mask |= 1 << other
            if mask:
                masks[(node, position, raw)] = mask
    return masks


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.one_of(pattern, concrete), min_size=0, max_size=3), max_size=8))
def test_overlap_masks_are_what_the_brute_force_over_entry_pairs_finds(
    scopes: list[list[str]],
) -> None:
    found = dict(overlap_masks(scopes))
    assert len(found) == len(list(overlap_masks(scopes)))  # each entry once
    assert found == brute_force_masks(scopes)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(pattern, concrete), max_size=10, unique_by=normalize))
def test_pattern_pairs_are_the_overlapping_pairs_each_once(patterns: list[str]) -> None:
    patterns = [normalize(p) for p in patterns]
    pairs = [frozenset(pair) for pair in pattern_pairs(patterns)]
    assert len(pairs) == len(set(pairs))
    brute = {
        frozenset((i, j))
        for i, j in itertools.combinations(range(len(patterns)), 2)
        if may_overlap(patterns[i], patterns[j])
    }
    assert set(pairs) == brute


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "a",
                "b/c",
                "./a",
                "a//b",
                "a/",
                "/a",
                ".",
                "a/./b",
                "x*",
                "a\\b",
                ".env",
                "a/.b",
                "",
                "a/.",
            ]
        ),
        min_size=1,
        max_size=5,
    )
)
def test_bulk_plain_check_agrees_with_the_per_entry_rules(patterns: list[str]) -> None:
    # Soundness: the fast path may only be taken when every entry is plain and normal.
    if all_plain_and_normal("\n".join(patterns)):
        assert all("*" not in p and "\\" not in p and p and normalize(p) == p for p in patterns)


def test_the_conflict_search_stays_near_linear_on_many_globs_and_repeats() -> None:
    globs = [[f"**/x{i}" for i in range(100)] for _ in range(100)]
    found = dict(overlap_masks(globs))
    assert len(found) == 100 * 100  # every entry, once, with a bitset of the 99 other steps
    assert all(mask.bit_count() == 99 for mask in found.values())
    repeated = [["src/a.py"] * 5000, ["src/a.py"] * 5000, ["src/b.py"]]
    assert dict(overlap_masks(repeated)) == {(0, 0, "src/a.py"): 0b10, (1, 0, "src/a.py"): 0b01}
    many = [["src/a.py"] for _ in range(5000)]
    masks = dict(overlap_masks(many))
    assert len(masks) == 5000 and masks[(7, 0, "src/a.py")] == (1 << 5000) - 1 - (1 << 7)
