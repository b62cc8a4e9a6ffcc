"""Where the cursor is, as the schema sees it: a key to name, or a setting's value to choose.

:func:`place_at` reads the text around an offset (and the tolerant parse, which keeps what a
file being typed holds) and says whether a key of some object belongs there — with the keys
that object already has — or the value of a known key. The schema's answers for either place
are in :mod:`workstream.analysis.schema_help`; the completion and hover requests translate.
Nothing here imports pygls or lsprotocol.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from workstream.findings import Span
from workstream.jsonc import ParsedJson, Path
from workstream.lsp.query import path_at, string_token_at

_STRING_BEFORE = re.compile(r'"((?:[^"\\\n]|\\.)*)"\s*$')


@dataclass(frozen=True, slots=True)
class Place:
    """A key of the object at ``path``, or (``kind == "value"``) the value at ``path``."""

    kind: Literal["key", "value"]
    path: Path
    token: Span | None  # the string token (quotes included) or bare word at the cursor
    present: frozenset[str] = frozenset()  # the keys the object already has
    colon_follows: bool = False  # a key's token is already followed by ':'


def _value(root: Any, path: Path) -> Any:
    for part in path:
        try:
            root = root[part]
        except (KeyError, IndexError, TypeError):
            return None
    return root


def _before(text: str, offset: int) -> int:
    """The offset of the last significant character before ``offset`` (-1 at the start)."""
    i = offset - 1
    while i >= 0 and text[i] in " \t\r\n":
        i -= 1
    return i


def place_at(parsed: ParsedJson, text: str, offset: int) -> Place | None:
    """The place at ``offset``, or None where neither a key nor a known value belongs."""
    token = _closed(text, string_token_at(text, offset)) or _word_at(text, offset)
    start = token.start if token is not None else offset
    path, on_key = path_at(parsed, offset)
    root = parsed.value
    if on_key:
        container = path[:-1]
        found = _value(root, container)
        present = frozenset(k for k in found if k != path[-1]) if isinstance(found, dict) else ()
        return Place("key", container, token, frozenset(present), _colon_after(text, token))
    prev = _before(text, start)
    char = text[prev] if prev >= 0 else ""
    if char == ":":
        match = _STRING_BEFORE.search(text, max(0, prev - 4096), prev)
        if match is None:
            return None
        key = match.group(1)
        container = path[:-1] if path and path[-1] == key else path
        return Place("value", (*container, key), token)
    if char in ("{", ","):
        found = _value(root, path)
        if not isinstance(found, dict):
            return None  # an array's next item, or nothing known
        present = frozenset(found)
        return Place("key", path, token, present, _colon_after(text, token))
    return None


def _closed(text: str, token: Span | None) -> Span | None:
    """A string token as far as it is really typed: an unterminated one (``"ti}]}``, the
    quote not closed yet) ends after its word, so an edit never swallows what follows."""
    if token is None or (token.end - token.start > 1 and text[token.end - 1] == '"'):
        return token
    end = token.start + 1
    while end < token.end and (text[end].isalnum() or text[end] in "_-.$"):
        end += 1
    return Span(token.start, end)


def _word_at(text: str, offset: int) -> Span | None:
    """A bare word being typed at ``offset`` (``tr`` on its way to ``true``), if any."""
    start = offset
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_-."):
        start -= 1
    end = offset
    while end < len(text) and (text[end].isalnum() or text[end] in "_-."):
        end += 1
    return Span(start, end) if end > start else None


def _colon_after(text: str, token: Span | None) -> bool:
    if token is None:
        return False
    i = token.end
    while i < len(text) and text[i] in " \t":
        i += 1
    return i < len(text) and text[i] == ":"
