"""The fast path: JSON decoded by the C ``json`` scanner, source ranges found on demand.

JSON with comments and trailing commas takes it too, once those are blanked out (same offsets).

A top-level object and its arrays (the steps) are walked here while decoding, so their source
index costs nothing extra; any other range is found lazily, only for the paths a finding
actually reports, by skipping sibling values with the C scanner (each container is indexed
once). After an edit inside one array element, :func:`reparse_element` decodes only that
element again and carries the index over.
"""

from __future__ import annotations

import bisect
import json
import json.scanner
import re
from typing import Any

from workstream.findings import Span
from workstream.jsonc.base import ParsedJson, Path, parse_number_float, parse_number_int

_WS = re.compile(r"[ \t\n\r]*")
_scan_once: Any = json.scanner.make_scanner(
    json.JSONDecoder(parse_int=parse_number_int, parse_float=parse_number_float)  # type: ignore[arg-type]
)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


class FastParsed(ParsedJson):
    """JSON decoded at C speed; ranges found on demand.

    ``scan`` is the text the scanner reads: ``text`` itself, or for JSON with comments and
    trailing commas, ``text`` with those blanked out (same length, same offsets).
    """

    def __init__(self, text: str, value: Any, scan: str | None = None) -> None:
        super().__init__(text, value, ())
        self.scan = text if scan is None else scan
        self._arrays: dict[int, list[int]] = {}
        self._objects: dict[int, dict[str, tuple[int, int, int]]] = {}
        self._spans: dict[Path, Span | None] = {}

    def _skip(self, pos: int) -> int:
        return _WS.match(self.scan, pos).end()  # type: ignore[union-attr]

    def _value_end(self, pos: int) -> int:
        return int(_scan_once(self.scan, pos)[1])

    def _array(self, start: int) -> list[int]:
        offsets = self._arrays.get(start)
        if offsets is None:
            text, offsets = self.scan, []
            pos = self._skip(start + 1)
            while text[pos] != "]":
                offsets.append(pos)
                pos = self._skip(self._value_end(pos))
                if text[pos] == ",":
                    pos = self._skip(pos + 1)
            self._arrays[start] = offsets
        return offsets

    def _object(self, start: int) -> dict[str, tuple[int, int, int]]:
        members = self._objects.get(start)
        if members is None:
            text, members = self.scan, {}
            pos = self._skip(start + 1)
            while text[pos] == '"':
                key, key_end = _scan_once(text, pos)
                value_start = self._skip(self._skip(key_end) + 1)
                members[key] = (pos, key_end, value_start)  # last duplicate wins, as in json
                pos = self._skip(self._value_end(value_start))
                if text[pos] == ",":
                    pos = self._skip(pos + 1)
            self._objects[start] = members
        return members

    def _start(self, path: Path) -> int | None:
        pos = self._skip(0)
        for part in path:
            opener = self.scan[pos]
            if isinstance(part, int) and opener == "[":
                offsets = self._array(pos)
                if not 0 <= part < len(offsets):
                    return None
                pos = offsets[part]
            elif isinstance(part, str) and opener == "{":
                member = self._object(pos).get(part)
                if member is None:
                    return None
                pos = member[2]
            else:
                return None
        return pos

    def span(self, path: Path) -> Span | None:
        if path in self._spans:
            return self._spans[path]
        try:
            start = self._start(path)
            found = None if start is None else Span(start, self._value_end(start))
        except RecursionError:  # a value nested nearly as deep as the decoder allowed
            found = None  # (found from a deeper stack): the caller falls back to its parent
        self._spans[path] = found
        return found

    def key_span(self, path: Path) -> Span | None:
        if not path or not isinstance(path[-1], str):
            return None
        try:
            start = self._start(path[:-1])
            if start is None or self.scan[start] != "{":
                return None
            member = self._object(start).get(path[-1])
        except RecursionError:
            return None
        return None if member is None else Span(member[0], member[1])


_STRICT = json.JSONDecoder(
    parse_constant=_reject_constant, parse_int=parse_number_int, parse_float=parse_number_float
)
_strict_scan: Any = json.scanner.make_scanner(_STRICT)  # type: ignore[arg-type]


def decode(source: str, scan: str | None = None) -> FastParsed:
    """Decode plain JSON exactly as ``json.loads`` does (raising on anything else), but walk a
    top-level object and its arrays (the steps) here, so their source index is built on the
    way at no extra decoding cost; every other value is decoded by the C scanner.

    ``scan``, when given, is ``source`` with its comments and trailing commas blanked out
    (:func:`blank_jsonc`): it is what is decoded, while offsets stay those of ``source``.
    """
    text = source if scan is None else scan
    skip = _WS.match
    pos = skip(text, 0).end()  # type: ignore[union-attr]
    if text[pos : pos + 1] != "{":
        return FastParsed(
            source,
            json.loads(
                text,
                parse_constant=_reject_constant,
                parse_int=parse_number_int,
                parse_float=parse_number_float,
            ),
            text,
        )
    root: dict[str, Any] = {}
    members: dict[str, tuple[int, int, int]] = {}
    arrays: dict[int, list[int]] = {}
    root_start = pos
    pos = skip(text, pos + 1).end()  # type: ignore[union-attr]
    while text[pos] != "}" or members:
        if text[pos] != '"':
            raise ValueError("expected a property name")
        key, key_end = _strict_scan(text, pos)
        colon = skip(text, key_end).end()  # type: ignore[union-attr]
        if text[colon] != ":":
            raise ValueError("expected ':'")
        start = skip(text, colon + 1).end()  # type: ignore[union-attr]
        if text[start] == "[":
            value, end, arrays[start] = _decode_array(text, start)
        else:
            value, end = _strict_scan(text, start)
        members[key] = (pos, key_end, start)
        root[key] = value
        pos = skip(text, end).end()  # type: ignore[union-attr]
        if text[pos] == "}":
            break
        if text[pos] != ",":
            raise ValueError("expected ',' or '}'")
        pos = skip(text, pos + 1).end()  # type: ignore[union-attr]
    if skip(text, pos + 1).end() != len(text):  # type: ignore[union-attr]
        raise ValueError("extra data after the document")
    parsed = FastParsed(source, root, text)
    parsed._objects[root_start] = members
    parsed._arrays.update(arrays)
    return parsed


def _decode_array(text: str, start: int) -> tuple[list[Any], int, list[int]]:
    """Decode the array at ``start``: its items, the offset after it, each item's offset."""
    skip = _WS.match
    items: list[Any] = []
    offsets: list[int] = []
    pos = skip(text, start + 1).end()  # type: ignore[union-attr]
    if text[pos] == "]":
        return items, pos + 1, offsets
    while True:
        offsets.append(pos)
        value, end = _strict_scan(text, pos)
        items.append(value)
        pos = skip(text, end).end()  # type: ignore[union-attr]
        if text[pos] == "]":
            return items, pos + 1, offsets
        if text[pos] != ",":
            raise ValueError("expected ',' or ']'")
        pos = skip(text, pos + 1).end()  # type: ignore[union-attr]


#: Where a comment or a trailing comma may start (checked against strings one by one).
_JSONC_MARK = re.compile(r"//|/\*|,(?=[ \t\r\n]*[}\]])")
#: Strings and one-line block comments, to tell whether a mark lies inside a string.
_LINE_TOKENS = re.compile(r'"(?:[^"\\\n]|\\.)*"|/\*.*?\*/')
_NOT_A_BREAK = re.compile(r"[^\r\n]")


def blank_jsonc(text: str) -> str | None:
    """``text`` with its comments and trailing commas replaced by spaces, line breaks and
    offsets kept, so the C scanner can decode JSON with comments; ``text`` itself when it has
    none; None when a block comment is never closed.

    Only the (usually few) places where a comment or trailing comma may start are looked at,
    each against the strings on its line (a JSON string cannot span lines), at C speed.
    """
    pieces: list[str] = []
    done = 0  # text[:done] is handled
    for mark in _JSONC_MARK.finditer(text):
        at = mark.start()
        if at < done or _inside_string(text, at, done):
            continue
        token = mark.group()
        if token == "//":
            end = text.find("\n", at)
            end = len(text) if end == -1 else end
        elif token == "/*":
            end = text.find("*/", at + 2)
            if end == -1:
                return None
            end += 2
        elif _previous_char(pieces, text[done:at]) in "{[,":
            continue  # a comma after no value is a mistake, not a trailing comma
        else:
            end = at + 1
        pieces.append(text[done:at])
        pieces.append(_NOT_A_BREAK.sub(" ", text[at:end]))
        done = end
    if not pieces:
        return text
    pieces.append(text[done:])
    return "".join(pieces)


def _previous_char(pieces: list[str], tail: str) -> str:
    """The last non-blank character of what comes before a mark ("" at the start)."""
    for piece in (tail, *reversed(pieces)):
        stripped = piece.rstrip()
        if stripped:
            return stripped[-1]
    return ""


def _inside_string(text: str, at: int, done: int) -> bool:
    """True when offset ``at`` lies inside a string on its line (scanning from ``done``)."""
    for token in _LINE_TOKENS.finditer(text, max(text.rfind("\n", 0, at) + 1, done)):
        if token.start() >= at:
            return False
        if token.end() > at:
            return token.group().startswith('"')
    return False


def reparse_element(
    parsed: ParsedJson, array: Path, text: str, start: int, old_end: int, new_end: int
) -> tuple[ParsedJson, int] | None:
    """Re-parse after an edit that stays inside one element of an array; None otherwise.

    ``parsed.text[start:old_end]`` became ``text[start:new_end]``. When ``parsed`` came from
    the fast path and the edit lies strictly inside element ``k`` of the array at ``array``
    (not touching its first or last character), only that element is decoded again; the rest
    of the value is shared, and the source index built so far is carried over, shifted. The
    result is exactly what :func:`parse` gives for ``text``: the new element must decode as
    one JSON value on its own, and the text around it is unchanged.
    """
    if not isinstance(parsed, FastParsed):
        return None
    try:
        array_start = parsed._start(array)
        if array_start is None or parsed.scan[array_start] != "[":
            return None
        offsets = parsed._array(array_start)
        k = bisect.bisect_right(offsets, start) - 1
        if k < 0:
            return None
        element_start = offsets[k]
        element_end = parsed._value_end(element_start)
        if not element_start < start <= old_end < element_end:
            return None
        delta = new_end - old_end
        element = blank_jsonc(text[element_start : element_end + delta])
        if element is None:
            return None
        value = json.loads(
            element,
            parse_constant=_reject_constant,
            parse_int=parse_number_int,
            parse_float=parse_number_float,
        )
    except (ValueError, RecursionError, StopIteration, IndexError):
        return None
    root = _replaced(parsed.value, array, k, value)
    if parsed.scan is parsed.text and element == text[element_start : element_end + delta]:
        scan = None  # plain JSON before and after
    else:
        scan = parsed.scan[:element_start] + element + parsed.scan[element_end:]
    fresh = FastParsed(text, root, scan)

    def moved(offset: int) -> int:
        return offset + delta if offset >= old_end else offset

    def inside(offset: int) -> bool:
        return element_start <= offset < element_end

    fresh._arrays = {
        moved(s): [moved(o) for o in items] for s, items in parsed._arrays.items() if not inside(s)
    }
    fresh._objects = {
        moved(s): {key: (moved(a), moved(b), moved(c)) for key, (a, b, c) in members.items()}
        for s, members in parsed._objects.items()
        if not inside(s)
    }
    changed = (*array, k)
    fresh._spans = {
        path: None if span is None else Span(moved(span.start), moved(span.end))
        for path, span in parsed._spans.items()
        if path[: len(changed)] != changed and span is not None
    }
    return fresh, k


def _replaced(value: Any, array: Path, index: int, element: Any) -> Any:
    """A copy of ``value`` with ``value[array][index]`` replaced (copying only that path)."""
    if not array:
        copy = list(value)
        copy[index] = element
        return copy
    outer: Any = dict(value) if isinstance(value, dict) else list(value)
    outer[array[0]] = _replaced(value[array[0]], array[1:], index, element)
    return outer
