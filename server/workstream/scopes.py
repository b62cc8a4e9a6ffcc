"""File scopes: what a path pattern matches, and whether two may overlap.

A scope entry is a repository-relative path or glob. A plain path covers itself and, when it
names a directory, everything below it; a glob is matched segment by segment (``*``, ``?`` and
``[...]`` stay inside one segment, ``**`` spans any number of segments). The executor checks a
step's changed files with :func:`in_scope`; the analysis checks scopes against each other with
:func:`may_overlap`, which answers "yes" whenever it cannot rule an overlap out.

The conflict search built on :func:`may_overlap` and :func:`literal_dir` is
:mod:`workstream.analysis.conflicts`. Glob matching never uses a regular expression that can
backtrack (:mod:`workstream.wildcard`).
"""

from __future__ import annotations

import re
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
