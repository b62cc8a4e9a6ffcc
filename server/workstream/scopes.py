"""File scopes: what a path pattern matches, whether two may overlap, and WS201-WS203.

A scope entry is a repository-relative path or glob. A plain path covers itself and, when it
names a directory, everything below it; a glob is matched segment by segment (``*``, ``?`` and
``[...]`` stay inside one segment, ``**`` spans any number of segments). The executor checks a
step's changed files with :func:`in_scope`; the analysis checks scopes against each other with
:func:`may_overlap`, which answers "yes" whenever it cannot rule an overlap out.

The conflict search (:func:`candidate_pairs`) is not quadratic: entries are sorted by their
literal part and each looks only at the entries at or below it, found by binary search. For E
entries it costs O(E log E + P + G), where P is the number of overlapping pairs reported and
G the entries below a glob's literal directory that the glob turns out not to match.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from functools import cache

from workstream.wildcard import segment_matches, wildcard_match

_GLOB_CHARS = re.compile(r"[*?\[]")


def is_glob(pattern: str) -> bool:
    """True when the entry holds a wildcard."""
    return _GLOB_CHARS.search(pattern) is not None


def normalize(pattern: str) -> str:
    """Strip a leading ``./`` and a trailing ``/``; collapse repeated slashes."""
    if (
        "\\" not in pattern
        and "//" not in pattern
        and "/./" not in pattern
        and not pattern.startswith("./")
        and not pattern.endswith(("/", "/."))
        and pattern != "."
    ):
        return pattern  # already normal: the common case, kept cheap
    parts = [p for p in pattern.replace("\\", "/").split("/") if p not in ("", ".")]
    return "/".join(parts)


def any_leaves_repository(patterns: list[str]) -> bool:
    """A quick test over many entries: False means none of them leaves the repository."""
    joined = "\n" + "\n".join(patterns)
    return any(mark in joined for mark in ("..", "\n/", "\n\\", "\n~", ":"))


def leaves_repository(pattern: str) -> bool:
    """True for an absolute path, a drive letter, ``~`` or any ``..`` segment (WS202)."""
    if pattern.startswith(("/", "\\", "~")) or pattern[1:2] == ":":
        return True
    return ".." in pattern and ".." in pattern.replace("\\", "/").split("/")


#: Segment tokens of a glob beside its plain segments: ``**`` in the middle (any number of
#: segments) and one segment of any name (a trailing ``**`` is one or more segments).
#: Both are compared by identity, and no string split from a pattern is either object.
_DEEP: str = "**"
_ONE_SEGMENT: str = "<one segment>"


@cache
def _segment_tokens(pattern: str) -> tuple[str, ...]:
    """A glob's segments as tokens for :func:`wildcard_match`, with runs of ``**`` collapsed.

    "Covers ``path`` or a directory above it" is "matches the path followed by anything", so
    the tokens end with a star; a trailing ``**`` (at least one segment) is one segment of any
    name followed by that star.
    """
    out: list[str] = []
    for segment in pattern.split("/"):
        if segment == _DEEP:
            if out and out[-1] is _DEEP:
                continue
            segment = _DEEP
        out.append(segment)
    if out[-1] is _DEEP:
        out[-1] = _ONE_SEGMENT
    out.append(_DEEP)
    return tuple(out)


def _one_segment(token: str, name: str) -> bool:
    if token is _ONE_SEGMENT:
        return True
    if not is_glob(token):
        return token == name
    return segment_matches(token, name)


def _glob_covers(pattern: str, path: str) -> bool:
    """Does the glob match ``path`` or a directory above it?

    A two-pointer wildcard match over the path's segments (:func:`wildcard_match`, with ``**``
    as the star), each segment matched by :func:`segment_matches`: at most (pattern segments
    + 1) x (path segments + 1) segment tests, whatever the ``**``s, and within a segment at
    most a product of the two lengths too. No backtracking regular expression.
    """
    return wildcard_match(_segment_tokens(pattern), path.split("/"), _DEEP, _one_segment)


def _segment_matches(segment: str, name: str) -> bool:
    if not is_glob(segment):
        return segment == name
    return segment_matches(segment, name)


def matches(pattern: str, path: str) -> bool:
    """True when the scope entry ``pattern`` covers the repository-relative file ``path``."""
    pattern, path = normalize(pattern), normalize(path)
    if not pattern:
        return True
    if not is_glob(pattern):
        return path == pattern or path.startswith(pattern + "/")
    return _glob_covers(pattern, path)


def in_scope(files: tuple[str, ...] | list[str], path: str) -> bool:
    """True when ``path`` is covered by any entry of a file scope."""
    return any(matches(pattern, path) for pattern in files)


def _segments_may_meet(a: str, b: str) -> bool:
    """Could two single-segment patterns match a common name? (Conservative.)"""
    glob_a, glob_b = is_glob(a), is_glob(b)
    if not glob_a and not glob_b:
        return a == b
    if not glob_b:
        return segment_matches(a, b)
    if not glob_a:
        return segment_matches(b, a)
    # Two wildcards: compare the literal text before the first and after the last wildcard.
    head_a, head_b = _GLOB_CHARS.split(a, 1)[0], _GLOB_CHARS.split(b, 1)[0]
    tail_a, tail_b = re.split(r"[*?\]]", a)[-1], re.split(r"[*?\]]", b)[-1]
    heads_fit = head_a.startswith(head_b) or head_b.startswith(head_a)
    tails_fit = tail_a.endswith(tail_b) or tail_b.endswith(tail_a)
    return heads_fit and tails_fit


def may_overlap(a: str, b: str) -> bool:
    """Could two scope entries cover a common file? Errs on the side of "yes"."""
    seg_a, seg_b = normalize(a).split("/"), normalize(b).split("/")
    if seg_a == [""] or seg_b == [""]:
        return True
    for i in range(min(len(seg_a), len(seg_b))):
        if seg_a[i] == "**" or seg_b[i] == "**":
            return True
        if not _segments_may_meet(seg_a[i], seg_b[i]):
            return False
    # One is a prefix of the other: a directory (or a glob that may name one) covers the rest.
    return True


def literal_dir(pattern: str) -> str:
    """The directory part before the first wildcard ("" for the repository root)."""
    literal: list[str] = []
    for segment in normalize(pattern).split("/"):
        if is_glob(segment):
            break
        literal.append(segment)
    return "/".join(literal)  # for a plain path: the path itself


#: One scope entry: (index of its step, position in the step's ``files``, its text).
Entry = tuple[int, int, str]


def candidate_pairs(scopes: Sequence[Sequence[str | None] | None]) -> Iterator[tuple[Entry, Entry]]:
    """Pairs of entries of different steps that may overlap, each pair once.

    ``scopes[n]`` is the file scope of step ``n`` (None: no scope; a None entry is skipped).
    Every entry gets a key: a plain path is its own key, a glob's key is its literal directory.
    Two entries can only overlap when one key equals the other or is a directory above it, so
    after sorting the keys each entry looks at two ranges found by binary search: the equal
    keys after it, and the keys below it (``key/...``, which sort between ``key/`` and
    ``key0``). Pairs of plain paths in those ranges overlap for sure; a pair with a glob is
    confirmed with :func:`may_overlap`. Before any of that, the usual case (plain, distinct
    paths, none a directory of another: nothing to pair) is recognised at C speed.
    """
    patterns = [p for files in scopes if files for p in files if p is not None]
    joined = "\n".join(patterns)
    plain = all_plain_and_normal(joined)
    if plain:
        paths = set(patterns)
        if len(paths) == len(patterns) and not _has_directory_entry(joined, paths):
            return  # all plain, all different, none a directory of another: nothing overlaps
    entries: list[Entry] = []
    for node, files in enumerate(scopes):
        seen: set[str] = set()
        for position, pattern in enumerate(files or ()):
            # an entry repeated within one step adds nothing: only its first place is paired
            if pattern is not None and pattern not in seen:
                seen.add(pattern)
                entries.append((node, position, pattern))
    if plain:
        yield from _plain_pairs(sorted(entries, key=lambda entry: (entry[2], entry[0])))
        return
    keyed = sorted(
        (
            (literal_dir(pattern) if is_glob(pattern) else pattern, entry, is_glob(pattern))
            for entry in entries
            for pattern in (normalize(entry[2]),)
        ),
        key=lambda item: (item[0], item[1][0], item[1][1]),
    )
    keys = [key for key, _, _ in keyed]
    # the end of each run of one step's entries under one key: a step is paired once per run
    run_end = [0] * len(keyed)
    for j in range(len(keyed) - 1, -1, -1):
        nxt = j + 1
        same = nxt < len(keyed) and keys[nxt] == keys[j] and keyed[nxt][1][0] == keyed[j][1][0]
        run_end[j] = run_end[nxt] if same else nxt
    for i, (key, entry, glob) in enumerate(keyed):
        same_end = bisect_right(keys, key, i + 1)
        if key:
            below = (bisect_left(keys, key + "/", same_end), bisect_left(keys, key + "0"))
        else:
            below = (same_end, len(keys))  # the root: everything is below it
        for start, stop in ((i + 1, same_end), below):
            j = start
            while j < stop:
                _, other, other_glob = keyed[j]
                if other[0] == entry[0] or (
                    (glob or other_glob) and not may_overlap(entry[2], other[2])
                ):
                    j = j + 1 if other[0] != entry[0] else min(run_end[j], stop)
                    continue
                yield entry, other
                j = min(run_end[j], stop)  # one pair per step (and key) is enough


def all_plain_and_normal(joined: str) -> bool:
    """True when no newline-separated entry has a wildcard or anything :func:`normalize` fixes.

    A handful of substring scans at C speed instead of a per-entry loop.
    """
    if any(char in joined for char in "*?[\\"):
        return False
    lines = f"\n{joined}\n"
    return not any(
        bad in lines for bad in ("\n\n", "//", "\n/", "/\n", "/./", "\n./", "/.\n", "\n.\n")
    )


_PARENT = re.compile(r"^(.+)/[^/\n]*$", re.MULTILINE)


def _has_directory_entry(joined: str, entries: set[str]) -> bool:
    """True when one of the newline-separated plain paths is a directory of another.

    Works on whole sets at C speed: collect every parent directory level by level (the levels
    shrink fast), then intersect with the entries (the set of the paths).
    """
    level = set(_PARENT.findall(joined))
    while level:
        if not entries.isdisjoint(level):
            return True
        level = set(_PARENT.findall("\n".join(level)))
    return False


def _plain_pairs(entries: list[Entry]) -> Iterator[tuple[Entry, Entry]]:
    """:func:`candidate_pairs` when every entry is a plain, normal path (sorted by path).

    Only two things can overlap: the same path twice (neighbours after sorting) and a path
    that is a directory of another (found by one binary search for ``path/``).
    """
    keys = [entry[2] for entry in entries]
    count = len(keys)
    for i, key in enumerate(keys):
        end = i + 1
        while end < count and keys[end] == key:
            end += 1
        below = key + "/"
        start = bisect_left(keys, below, end)
        if end == i + 1 and (start == count or not keys[start].startswith(below)):
            continue  # the common case: nothing shares this path or lies below it
        stop = bisect_left(keys, key + "0", start)
        entry = entries[i]
        seen = {entry[0]}
        for j in itertools.chain(range(i + 1, end), range(start, stop)):
            if entries[j][0] not in seen:  # one pair per other step is enough
                seen.add(entries[j][0])
                yield entry, entries[j]
