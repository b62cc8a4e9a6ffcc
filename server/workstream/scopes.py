"""File scopes: what a path pattern matches, whether two may overlap, and WS201-WS203.

A scope entry is a repository-relative path or glob. A plain path covers itself and, when it
names a directory, everything below it; a glob is matched segment by segment (``*``, ``?`` and
``[...]`` stay inside one segment, ``**`` spans any number of segments). The executor checks a
step's changed files with :func:`in_scope`; the analysis checks scopes against each other with
:func:`may_overlap`, which answers "yes" whenever it cannot rule an overlap out.

Conflict search (:func:`conflicts`) is not quadratic: plain paths are bucketed by their exact
text, and globs by the literal directory before their first wildcard. An entry is compared only
with the entries at its own path and with the globs registered at its ancestor directories, so
the cost is O(E·d + P) for E entries of depth at most d and P candidate pairs, and P is bounded
by the overlaps actually present (plus globs sharing a directory).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import cache

_GLOB_CHARS = re.compile(r"[*?\[]")


def is_glob(pattern: str) -> bool:
    """True when the entry holds a wildcard."""
    return _GLOB_CHARS.search(pattern) is not None


def normalize(pattern: str) -> str:
    """Strip a leading ``./`` and a trailing ``/``; collapse repeated slashes."""
    parts = [p for p in pattern.replace("\\", "/").split("/") if p not in ("", ".")]
    return "/".join(parts)


def leaves_repository(pattern: str) -> bool:
    """True for an absolute path, a drive letter or any ``..`` segment (WS202)."""
    raw = pattern.replace("\\", "/")
    if raw.startswith("/") or re.match(r"^[A-Za-z]:", raw) or raw.startswith("~"):
        return True
    return ".." in raw.split("/")


@cache
def _glob_regex(pattern: str) -> re.Pattern[str]:
    out = []
    segments = pattern.split("/")
    for i, segment in enumerate(segments):
        last = i == len(segments) - 1
        if segment == "**":
            out.append(".*" if last else "(?:.*/)?")
            continue
        j = 0
        while j < len(segment):
            char = segment[j]
            if char == "*":
                out.append("[^/]*")
            elif char == "?":
                out.append("[^/]")
            elif char == "[":
                end = segment.find("]", j + 2 if segment[j + 1 : j + 2] in ("!", "]") else j + 1)
                if end == -1:
                    out.append(re.escape(char))
                else:
                    body = segment[j + 1 : end]
                    if body.startswith("!"):
                        body = "^" + body[1:]
                    out.append(f"[{body.replace(chr(92), chr(92) * 2)}]")
                    j = end
            else:
                out.append(re.escape(char))
            j += 1
        if not last:
            out.append("/")
    return re.compile("".join(out) + r"(?:/.*)?\Z", re.DOTALL)


def matches(pattern: str, path: str) -> bool:
    """True when the scope entry ``pattern`` covers the repository-relative file ``path``."""
    pattern, path = normalize(pattern), normalize(path)
    if not pattern:
        return True
    if not is_glob(pattern):
        return path == pattern or path.startswith(pattern + "/")
    return _glob_regex(pattern).match(path) is not None


def in_scope(files: tuple[str, ...] | list[str], path: str) -> bool:
    """True when ``path`` is covered by any entry of a file scope."""
    return any(matches(pattern, path) for pattern in files)


def _segments_may_meet(a: str, b: str) -> bool:
    """Could two single-segment patterns match a common name? (Conservative.)"""
    glob_a, glob_b = is_glob(a), is_glob(b)
    if not glob_a and not glob_b:
        return a == b
    if not glob_b:
        return fnmatchcase(b, a)
    if not glob_a:
        return fnmatchcase(a, b)
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


def _ancestors(path: str) -> Iterator[str]:
    """The path itself, then each parent directory, then the root ""."""
    while path:
        yield path
        cut = path.rfind("/")
        path = path[:cut] if cut != -1 else ""
    yield ""


@dataclass(frozen=True, slots=True)
class Entry:
    """One scope entry of one step: the step's index, the entry's index and its text."""

    step: int
    index: int
    pattern: str


def candidate_pairs(entries: list[Entry]) -> Iterator[tuple[Entry, Entry]]:
    """Pairs of entries of different steps that may overlap, each pair once."""
    by_path: dict[str, list[Entry]] = defaultdict(list)
    globs_at: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        key = literal_dir(entry.pattern)
        (globs_at if is_glob(entry.pattern) else by_path)[key].append(entry)
    seen: set[tuple[Entry, Entry]] = set()

    def fresh(a: Entry, b: Entry) -> bool:
        if a.step == b.step:
            return False
        pair = (a, b) if (a.step, a.index) < (b.step, b.index) else (b, a)
        if pair in seen:
            return False
        seen.add(pair)
        return True

    for entry in entries:
        own = literal_dir(entry.pattern)
        for ancestor in _ancestors(own):
            # Globs whose literal directory lies above (or at) this entry.
            for glob in globs_at.get(ancestor, ()):
                if may_overlap(glob.pattern, entry.pattern) and fresh(glob, entry):
                    yield glob, entry
            # Plain paths that are this entry, or a directory holding it.
            for path_entry in by_path.get(ancestor, ()):
                if path_entry is not entry and fresh(path_entry, entry):
                    yield path_entry, entry
