"""File scope patterns: matching, overlap, and the non-quadratic candidate search."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from workstream.scopes import (
    Entry,
    all_plain_and_normal,
    candidate_pairs,
    in_scope,
    matches,
    may_overlap,
    normalize,
)


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


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.one_of(pattern, concrete), min_size=0, max_size=3), max_size=8))
def test_candidate_pairs_find_every_pair_of_steps_the_brute_force_finds(
    scopes: list[list[str]],
) -> None:
    # Each pair yielded is a real candidate; every pair of steps with one is found (one pair
    # per step and key suffices for WS201, which names steps, so the search stays near-linear).
    entries: list[Entry] = [
        (s, i, p) for s, files in enumerate(scopes) for i, p in enumerate(files)
    ]
    found = [frozenset((a, b)) for a, b in candidate_pairs(scopes)]
    brute = {
        frozenset((a, b))
        for a, b in itertools.combinations(entries, 2)
        if a[0] != b[0] and may_overlap(a[2], b[2])
    }
    assert set(found) <= brute and len(found) == len(set(found))
    steps_of = {frozenset(e[0] for e in pair) for pair in found}
    assert steps_of == {frozenset(e[0] for e in pair) for pair in brute}


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
    pairs = sum(1 for _ in candidate_pairs(globs))
    # at most one pair per entry and other step (100 x 100 x 100), not one per entry pair (5e7)
    assert 0 < pairs <= 100 * 100 * 100
    repeated = [["src/a.py"] * 5000, ["src/a.py"] * 5000, ["src/b.py"]]
    found = list(candidate_pairs(repeated))
    assert len(found) == 1 and {found[0][0][0], found[0][1][0]} == {0, 1}
