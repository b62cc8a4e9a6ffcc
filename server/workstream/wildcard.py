"""Wildcard matching in linear-by-linear time, without a regular expression that backtracks.

One algorithm serves both levels of a file-scope glob: over the path's segments (``**`` is the
star) and over the characters of one segment (``*`` is the star, ``?`` and ``[...]`` match one
character). It is the classic two-pointer wildcard match: tokens are matched left to right,
and on a mismatch only the *last* star seen takes one more item. That is enough (a later star
can absorb whatever an earlier one would have), so for P tokens and N items it makes at most
(P + 1) x (N + 1) token tests, whatever the pattern: ``**/**/**/x`` against a deep path, or
``*a*a*a*b`` against ``aaaa…``, cost a product of lengths, never an exponential.

Inside a segment the meaning is :mod:`fnmatch`'s (``[!...]`` negates, a ``]`` right after the
opening bracket is literal, an unclosed ``[`` is a plain character), plus ``[^...]`` as a
negation too, as in git. Each bracket expression is compiled on its own into a one-character
regular expression, which cannot backtrack.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from fnmatch import translate
from functools import cache
from typing import TypeVar

T = TypeVar("T")
U = TypeVar("U")

#: The star token of a segment's character pattern; ``ANY`` is its ``?``.
STAR: object = object()
ANY: object = object()


def wildcard_match(
    tokens: Sequence[T], items: Sequence[U], star: T, one: Callable[[T, U], bool]
) -> bool:
    """Does ``tokens`` match all of ``items``? ``star`` matches any run of items (even none),
    every other token exactly one item, when ``one(token, item)`` says so."""
    t = i = 0
    count_t, count_i = len(tokens), len(items)
    star_t, star_i = -1, 0
    while i < count_i:
        if t < count_t:
            token = tokens[t]
            if token is star:
                star_t, star_i = t, i
                t += 1
                continue
            if one(token, items[i]):
                t += 1
                i += 1
                continue
        if star_t < 0:
            return False
        star_i += 1  # the last star takes one more item; retry from there
        t, i = star_t + 1, star_i
    while t < count_t and tokens[t] is star:
        t += 1
    return t == count_t


def _one_char(token: object, char: str) -> bool:
    if token.__class__ is str:
        return token == char
    if token is ANY:
        return True
    assert isinstance(token, re.Pattern)
    return token.match(char) is not None


@cache
def char_tokens(segment: str) -> tuple[object, ...]:
    """The tokens of one segment's pattern: literal characters, :data:`STAR`, :data:`ANY` and
    compiled one-character classes (consecutive ``*`` are one star)."""
    tokens: list[object] = []
    i, n = 0, len(segment)
    while i < n:
        char = segment[i]
        i += 1
        if char == "*":
            if not tokens or tokens[-1] is not STAR:
                tokens.append(STAR)
        elif char == "?":
            tokens.append(ANY)
        elif char == "[":
            j = i  # the extent of a bracket expression, exactly as fnmatch finds it
            if j < n and segment[j] in "!^":
                j += 1
            if j < n and segment[j] == "]":
                j += 1
            while j < n and segment[j] != "]":
                j += 1
            if j >= n:
                tokens.append("[")
            else:
                body = segment[i:j]
                if body.startswith("^"):
                    body = "!" + body[1:]
                tokens.append(re.compile(translate(f"[{body}]")))
                i = j + 1
        else:
            tokens.append(char)
    return tuple(tokens)


def segment_matches(pattern: str, name: str) -> bool:
    """Does one segment's glob (``*``, ``?``, ``[...]``) match the whole of ``name``?"""
    return wildcard_match(char_tokens(pattern), name, STAR, _one_char)
